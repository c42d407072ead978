//! Retention in a real browser: an admin sets a policy, places and releases a legal hold, runs the
//! sweep and queues a destruction; a second admin approves it and downloads the certificate; the
//! access review is recorded. Every page state passes axe-core with no violations and does not
//! scroll sideways at 390 px.

use cdop::domain::role::Role;

use crate::common::browser::Browser;
use crate::common::{Backend, PASSWORD, TestApp, notification};

const ENTER: &str = "\u{E007}";
const SPACE: &str = "\u{E00D}";

/// Signs in with the test password and waits for the home page.
pub(crate) async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.goto(&app.url("/login")).await;
    b.wait_for("Sign in").await;
    b.type_into("#email", email).await;
    b.type_into("#password", PASSWORD).await;
    b.press("#password", ENTER).await;
    b.wait_for("Hello").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_destroy_a_due_case_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Northshire").await;
    let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
    let mut references = Vec::new();
    for (given, nhs) in [("Ada", "943 476 5919"), ("Bea", "401 023 2137")] {
        let (status, body) =
            app.notify_api(&token, &notification("Northshire", given, "Browserton", nhs, "CA1 1AA")).await;
        assert_eq!(status, 201, "{body}");
        let reference = body["case_reference"].as_str().expect("reference").to_string();
        app.sql(&format!(
            "UPDATE cases SET status = 'closed', closed_on = '2020-01-10', retention_stale = TRUE WHERE reference = '{reference}'"
        ))
        .await;
        references.push(reference);
    }
    app.user("first@example.org", &[Role::Admin], &[area]).await;
    app.user("second@example.org", &[Role::Admin], &[area]).await;
    let b = Browser::start().await;

    // The first admin adds "case closure + 2 years, destroy", using the keyboard for the choices.
    sign_in(&b, &app, "first@example.org").await;
    b.click("a[href='/admin/retention']").await;
    b.wait_for("Policies").await;
    b.check_page("the retention overview").await;
    b.click("#add-policy").await;
    b.wait_for("Add a retention policy").await;
    b.press("#save-policy", ENTER).await;
    b.wait_for("There is a problem").await;
    b.check_page("the policy form with errors").await;
    b.type_into("#name", "Closure plus two years").await;
    b.press("#trigger-case_closed", SPACE).await;
    b.type_into("#years", "2").await;
    b.press("#action", SPACE).await;
    b.press("#save-policy", ENTER).await;
    let page = b.wait_for("saved").await;
    assert!(page.contains("Closure plus two years") && page.contains("case closure"));
    // The default (date of birth + 26 years) would keep these cases longer: stop using it.
    b.click("a[href='/admin/retention/policies/1']").await;
    b.wait_for("Change a retention policy").await;
    b.check_page("changing a policy").await;
    b.press("#active", SPACE).await;
    b.press("#save-policy", ENTER).await;
    let page = b.wait_for("saved").await;
    assert!(page.contains("Inactive"));

    // A hold on the second case, then released with a reason.
    b.goto(&app.url("/admin/retention/holds")).await;
    b.wait_for("Place a hold").await;
    b.check_page("legal holds").await;
    b.press("#scope", SPACE).await;
    b.type_into("#case_reference", &references[1]).await;
    b.type_into("#external_ref", "Inquest 2026/9").await;
    b.type_into("#reason", "Inquest opened").await;
    b.press("#place-hold", ENTER).await;
    let page = b.wait_for("Legal hold placed").await;
    assert!(page.contains("it covers 1 case"));
    b.check_page("a legal hold").await;
    b.press("#release-hold", ENTER).await;
    b.wait_for("There is a problem").await;
    b.check_page("releasing a hold without a reason").await;
    b.type_into("#release_reason", "Inquest concluded").await;
    b.press("#release-hold", ENTER).await;
    b.wait_for("Legal hold released").await;

    // The sweep lists both (the hold is released); the first admin queues one of them.
    b.goto(&app.url("/admin/retention")).await;
    b.wait_for("Run the sweep now").await;
    b.press("#run-sweep", ENTER).await;
    let page = b.wait_for("listed in the destruction queue").await;
    assert!(page.contains(&references[0]) && page.contains(&references[1]));
    b.check_page("the destruction queue").await;
    let first_entry = app
        .sql_strings(&format!(
            "SELECT CAST(e.id AS TEXT) FROM destruction_entries e JOIN cases c ON c.id = e.case_id WHERE c.reference = '{}'",
            references[0]
        ))
        .await
        .remove(0);
    b.press(&format!("#due-{first_entry}"), SPACE).await;
    b.type_into("#reason", "Due under the closure policy").await;
    b.press("#queue-selected", ENTER).await;
    let page = b.wait_for("queued for destruction").await;
    assert!(page.contains("You queued it: another admin approves"));
    b.check_page("the queue with a case waiting for approval").await;
    // The other case's entry page: excluding it needs a reason and a date.
    b.goto(&app.url("/admin/retention/queue")).await;
    b.wait_for("Destruction queue").await;
    b.click(&format!("a[href^='/admin/retention/entries/']:not([href$='/{first_entry}'])")).await;
    b.wait_for("Exclude from destruction").await;
    b.check_page("a queue entry").await;
    b.press("#exclude", ENTER).await;
    b.wait_for("There is a problem").await;
    b.check_page("excluding without a reason").await;

    // The second admin approves it, and the certificate downloads.
    b.goto(&app.url("/account")).await;
    b.wait_for("Sign out").await;
    b.press("button.cdop-link-button", ENTER).await;
    b.wait_for("Sign in").await;
    sign_in(&b, &app, "second@example.org").await;
    b.goto(&app.url("/admin/retention/queue")).await;
    b.wait_for("waiting for a second admin").await;
    b.press(&format!("#queued-{first_entry}"), SPACE).await;
    b.type_into("#approve_reason", "Checked: no hold or open inquiry").await;
    b.press("#approve-selected", ENTER).await;
    b.wait_for("Destruction certificates").await;
    let mut page = String::new();
    for _ in 0..50 {
        b.goto(&app.url("/admin/retention/certificates")).await;
        page = b.wait_for("Destruction certificates").await;
        if page.contains(&references[0]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(page.contains(&references[0]), "the worker destroyed it: {page}");
    b.check_page("destruction certificates").await;
    b.click(&format!("a[href='/admin/retention/certificates/{first_entry}']")).await;
    let page = b.wait_for("What was destroyed").await;
    assert!(page.contains("Test first") && page.contains("Test second") && !page.contains("Browserton"));
    b.check_page("a destruction certificate").await;
    let v = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.querySelector('#certificate-pdf').href).then(async r => {
               const body = await r.arrayBuffer();
               return [r.status, r.headers.get('content-type'), body.byteLength];
             }).then(done, e => done([0, String(e), 0]));",
            vec![],
        )
        .await;
    assert_eq!((v[0].as_u64(), v[1].as_str()), (Some(200), Some("application/pdf")));

    // The access review: every account, recorded; and who opened a case.
    b.goto(&app.url("/admin/access-review")).await;
    b.wait_for("Record this review").await;
    b.check_page("the access review").await;
    b.press("#outcome", SPACE).await;
    b.press("#record-review", ENTER).await;
    b.wait_for("Access review recorded").await;
    b.type_into("#reference", &references[1]).await;
    b.press("#case-access", ENTER).await;
    b.wait_for("Who opened").await;
    b.check_page("a case access report").await;
}

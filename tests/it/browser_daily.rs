//! Each role's daily work in a real browser, and the defects found trying it (issue 23): Enter in
//! a repeating row, refusals shown as errors by their field, statutory dates kept in order,
//! duplicates across areas, the public form sent once, and each role's home queue. Every page
//! state passes axe-core with no violations and does not scroll sideways at 390 px.

use cdop::domain::role::Role;

use crate::browser_retention::sign_in;
use crate::common::browser::Browser;
use crate::common::{Backend, TestApp, notification};

const ENTER: &str = "\u{E007}";
const SPACE: &str = "\u{E00D}";

/// The id of the element that has focus.
async fn focused(b: &Browser) -> String {
    b.script("return document.activeElement ? document.activeElement.id : '';", vec![])
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Asks the case's first professional for the Reporting Form through the API; the request's id.
async fn reporting_request(app: &TestApp, area: i64, reference: &str) -> i64 {
    let token = app.token_for("requests@example.org", &[Role::Coordinator], &[area]).await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/cases/{reference}/requests")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"requests": [{"name": "Sam Health", "organisation": "Community Health Trust", "email": "hv@nhs.example", "agency_type": "health", "forms": ["reporting"]}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201);
    res.json::<serde_json::Value>().await.expect("json")["request_ids"][0].as_i64().expect("id")
}

/// Defect 1: Enter in a text box of a repeating row pressed the first row's "Remove". Now Enter
/// presses the form's main action, "Add another" focuses the new row, and no row is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_in_a_repeating_row_never_removes_a_row() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let reference = crate::review::ready_case(&app, &coordinator).await;
    let b = Browser::start().await;
    sign_in(&b, &app, "coordinator@example.org").await;

    // The Analysis Form: two factor lines, Enter in the second.
    b.goto(&app.url(&format!("/cases/{reference}/analysis"))).await;
    b.wait_for("Save analysis").await;
    b.type_into("#factors-0-description", "Smoking in the household").await;
    b.press("button[value='add:factors']", ENTER).await;
    b.wait_for("id=\"factors-1-description\"").await;
    assert_eq!(focused(&b).await, "factors-row-1", "focus goes to the new row");
    b.check_page("the Analysis Form with a new factor line").await;
    b.press("#factors-1-domain-b", SPACE).await;
    b.type_into("#factors-1-description", "Overcrowded housing").await;
    b.press("#factors-1-description", ENTER).await;
    b.wait_for("Analysis").await;
    for _ in 0..50 {
        if b.source().await.contains("Overcrowded housing") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(b.value("#factors-0-description").await, "Smoking in the household", "the first row is kept");
    assert_eq!(b.value("#factors-1-description").await, "Overcrowded housing", "the typed row is kept");

    // An agency form completed on the agency's behalf: household members, Enter in the second.
    let doctor = app.token_for("doctor@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (status, body) = app
        .notify_api(&doctor, &notification("Cumberland", "Ada", "Keyboard", "401 023 2137", "CA1 1AA"))
        .await;
    assert_eq!(status, 201, "{body}");
    let case = body["case_reference"].as_str().expect("reference").to_string();
    let id = reporting_request(&app, area, &case).await;
    let base = format!("/cases/{case}/requests/{id}/form");
    let mut section = 0;
    for n in 1..30 {
        b.goto(&app.url(&format!("{base}/{n}"))).await;
        if b.wait_for("</html>").await.contains("household_members-rows") {
            section = n;
            break;
        }
    }
    assert!(section > 0, "a section asks for the household's members");
    b.press("#household_members-0-relationship", SPACE).await;
    b.type_into("#household_members-0-age_years", "31").await;
    b.press("button[value='add:household_members']", ENTER).await;
    b.wait_for("id=\"household_members-1-age_years\"").await;
    assert_eq!(focused(&b).await, "household_members-row-1", "focus goes to the new row");
    b.check_page("an agency form with a new household row").await;
    b.press("#household_members-1-relationship", SPACE).await;
    b.type_into("#household_members-1-age_years", "7").await;
    b.press("#household_members-1-age_years", ENTER).await;
    for _ in 0..50 {
        if !b.url().await.ends_with(&format!("/form/{section}")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(b.url().await.ends_with(&format!("/form/{}", section + 1)), "Enter saved and continued");
    b.goto(&app.url(&format!("{base}/{section}"))).await;
    b.wait_for("household_members-rows").await;
    assert_eq!(b.value("#household_members-0-age_years").await, "31");
    assert_eq!(b.value("#household_members-1-age_years").await, "7");
}

/// Signs out through the header's button.
async fn sign_out(b: &Browser) {
    crate::browser_review::sign_out(b).await;
}

/// Each role opens the service to its own work: the coordinator's triage, requests, agenda and
/// packs; the designated doctor's notifications with details to add; the chair's meeting; the
/// member's next meeting and pre-panel categorisation due; the admin's approvals. No home page is
/// empty of work to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_opens_the_service_to_its_work() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let chair = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let member = app.user("member@example.org", &[Role::PanelMember], &[area]).await;
    app.user("admin@example.org", &[Role::Admin], &[area]).await;
    let reference = crate::review::ready_case(&app, &coordinator).await;

    // A notification by the designated doctor with the postcode not known.
    let doctor = app.token_for("doctor@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let mut body = notification("Cumberland", "Ada", "Keyboard", "401 023 2137", "");
    body["child"]["postcode_not_known"] = true.into();
    let (status, created) = app.notify_api(&doctor, &body).await;
    assert_eq!(status, 201, "{created}");
    let notified = created["case_reference"].as_str().expect("reference").to_string();

    let b = Browser::start().await;
    sign_in(&b, &app, "coordinator@example.org").await;
    let home = b.source().await;
    assert!(
        home.contains("<strong>1</strong> case ready for a meeting&#x27;s agenda")
            || home.contains("<strong>1</strong> case ready for a meeting's agenda"),
        "{home}"
    );
    assert!(home.contains("agency requests overdue") && home.contains("actions overdue"));
    assert!(!home.contains("nothing for your role"));
    b.check_page("the coordinator's home").await;

    // A panel meeting a week ahead with the member attending and the case on its agenda.
    let meeting = crate::daily::meeting_with(&coordinator, &app, area, chair, 7, &[member]).await;
    let (status, _, _) =
        coordinator.post_page(&format!("{meeting}/add"), &[("case", reference.as_str())]).await;
    assert_eq!(status, 303);
    b.refresh().await;
    let home = b.wait_for("pack to check and publish").await;
    assert!(home.contains("<strong>1</strong> pack to check and publish"), "{home}");
    sign_out(&b).await;

    sign_in(&b, &app, "doctor@example.org").await;
    let home = b.source().await;
    assert!(home.contains(&notified) && home.contains("Details to add"), "{home}");
    b.check_page("the designated doctor's home").await;
    sign_out(&b).await;

    sign_in(&b, &app, "chair@example.org").await;
    let home = b.source().await;
    assert!(
        home.contains("Your next meetings")
            && home.contains("You chair")
            && home.contains("1 case; 0 packs published"),
        "{home}"
    );
    b.check_page("the chair's home").await;
    sign_out(&b).await;

    sign_in(&b, &app, "member@example.org").await;
    let home = b.source().await;
    assert!(home.contains("Your next meetings") && home.contains(&meeting), "{home}");
    assert!(home.contains("Meetings") && !home.contains("nothing for your role"));
    b.check_page("the panel member's home").await;
    sign_out(&b).await;

    sign_in(&b, &app, "admin@example.org").await;
    let home = b.source().await;
    assert!(
        home.contains("destructions waiting for a second admin")
            && home.contains("emails that could not be sent"),
        "{home}"
    );
    b.check_page("the admin's home").await;
}

/// The pages an agency and an action owner use without an account, in a real browser: the form
/// link resuming where it was left, the receipt, and the owner's progress page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agencies_and_action_owners_work_through_their_links() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let chair_id = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let doctor = app.token_for("doctor@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (status, body) = app
        .notify_api(&doctor, &notification("Cumberland", "Ada", "Keyboard", "401 023 2137", "CA1 1AA"))
        .await;
    assert_eq!(status, 201, "{body}");
    let case = body["case_reference"].as_str().expect("reference").to_string();

    // An action with its owner's link (read from the sealed record, as the owner's email carries it).
    let action = crate::actions::record_action(
        &app,
        chair_id,
        area,
        &case,
        "Share safer sleep guidance with every maternity ward",
        ("Maternity services", "lead@nhs.example"),
    )
    .await;
    let token = crate::actions::owner_token(&app, &action).await;

    let b = Browser::start().await;
    b.goto(&app.url(&format!("/a/{token}"))).await;
    b.wait_for("How is the action going?").await;
    b.check_page("the action owner's page").await;
    b.press("#status-implemented", SPACE).await;
    b.press("#report-progress", ENTER).await;
    b.wait_for("There is a problem").await;
    b.check_page("the action owner's page with an error").await;
    b.press("#status", SPACE).await;
    b.type_into("#note", "Guidance shared with two of three wards").await;
    b.press("#report-progress", ENTER).await;
    b.wait_for("Progress received").await;
    b.check_page("the action owner's confirmation").await;

    // The agency form: saved part-way, the link resumes there; submitting gives a receipt.
    let id = reporting_request(&app, area, &case).await;
    sign_in(&b, &app, "coordinator@example.org").await;
    b.goto(&app.url(&format!("/actions/{action}"))).await;
    b.wait_for("Guidance shared with two of three wards").await;
    b.check_page("the action with its progress history").await;
    b.goto(&app.url(&format!("/actions/{action}/progress"))).await;
    b.wait_for("How is the action going?").await;
    b.check_page("recording progress for an owner").await;
    let base = format!("/cases/{case}/requests/{id}/form");
    b.goto(&app.url(&base)).await;
    b.wait_for("Start now").await;
    b.check_page("a form's start page").await;
    // Part-way: the first section saved; the start button now resumes at the next one.
    let (status, _, _) = crate::gathering::post_section(
        &coordinator,
        &base,
        1,
        &[
            ("completed_by_name", "Pat Ravensworth"),
            ("completed_by_organisation", "Community Health Trust"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    b.refresh().await;
    b.wait_for("Continue where you left off").await;
    let href = b.script("return document.getElementById('start-form').getAttribute('href');", vec![]).await;
    assert_eq!(href.as_str(), Some(format!("{base}/2").as_str()), "resumes at the first unfinished section");
    for (n, fields) in [
        (3, vec![("resuscitation_attempted", "not_known"), ("action", "continue")]),
        (7, vec![("bereavement_support_offered", "no"), ("action", "continue")]),
    ] {
        let (status, page, _) = crate::gathering::post_section(&coordinator, &base, n, &fields).await;
        assert_eq!(status, 303, "{page}");
    }
    b.goto(&app.url(&format!("{base}/check"))).await;
    b.wait_for("Submit form").await;
    b.press("#submit-form", ENTER).await;
    b.wait_for("Your receipt").await;
    b.check_page("the receipt after submitting a form").await;
}

/// Defects 3, 4 and 5 and a minor one, each reproduced in the browser: a refused due date is an
/// error by the field keeping what was typed (not a green "Success"); a notification in another
/// area flagged for the coordinator of both areas, whose merge page says what it will carry; the
/// public form sent again with Back makes no second case; an account page with a long address and
/// several areas does not scroll sideways at 390 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_duplicates_and_a_form_sent_twice_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let north = app.area("Cumberland").await;
    let south = app.area("Westmorland and Furness").await;
    app.user("both@example.org", &[Role::Coordinator], &[north, south]).await;
    let long = app
        .user(
            "a.very-long-firstname.and-surname@north-cumbria-integrated-care.nhs.example",
            &[Role::Coordinator],
            &[north, south],
        )
        .await;
    app.user("admin@example.org", &[Role::Admin], &[north]).await;
    let in_north = app.token_for("north@example.org", &[Role::DesignatedDoctor], &[north]).await;
    let in_south = app.token_for("south@example.org", &[Role::DesignatedDoctor], &[south]).await;
    let mut first = notification("Cumberland", "Zebedee", "Quartermaine", "943 476 5919", "");
    first["child"]["postcode_not_known"] = true.into();
    let (status, body) = app.notify_api(&in_north, &first).await;
    assert_eq!(status, 201, "{body}");
    let earlier = body["case_reference"].as_str().expect("reference").to_string();
    let (status, body) = app
        .notify_api(
            &in_south,
            &notification("Westmorland and Furness", "Zebedee", "Quartermaine", "943 476 5919", "LA9 4DL"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let later = body["case_reference"].as_str().expect("reference").to_string();

    let b = Browser::start().await;
    sign_in(&b, &app, "both@example.org").await;
    assert!(b.source().await.contains("<strong>1</strong> possible duplicate to confirm or merge"));
    b.goto(&app.url("/triage")).await;
    b.wait_for(&later).await;
    b.goto(&app.url(&format!("/cases/{later}/duplicate/merge"))).await;
    let page = b.wait_for("Merge into").await;
    assert!(page.contains("has no postcode") && page.contains(&earlier), "what the merge carries");
    b.check_page("the merge page across areas").await;

    // A due date that is no date: the problem by the field, the typing kept, no "Success".
    let id = reporting_request(&app, north, &earlier).await;
    b.goto(&app.url(&format!("/cases/{earlier}/requests/{id}"))).await;
    b.wait_for("Change the due date").await;
    b.type_into("#due-day", "31").await;
    b.type_into("#due-month", "2").await;
    b.type_into("#due-year", "2027").await;
    b.press("#due-year", ENTER).await;
    let page = b.wait_for("There is a problem").await;
    assert!(!page.contains("Success") && page.contains("id=\"due-error\""), "{page}");
    assert_eq!(b.value("#due-day").await, "31", "what was typed is kept");
    b.check_page("a refused due date").await;
    sign_out(&b).await;

    // An account page with a long address and two areas, at 390 px.
    sign_in(&b, &app, "admin@example.org").await;
    b.goto(&app.url(&format!("/admin/users/{long}"))).await;
    b.wait_for("Name and email").await;
    b.check_page("a user with a long address and several areas").await;
    sign_out(&b).await;

    // The public form: sent, then Back to the check page and sent again — one case.
    b.goto(&app.url("/notify")).await;
    b.wait_for("Notify a child death").await;
    let before = app.sql_strings("SELECT reference FROM cases").await.len();
    let fields = [
        ("#child-given_names", "Ada"),
        ("#child-family_name", "Twice"),
        ("#child-date_of_birth-day", "17"),
        ("#child-date_of_birth-month", "5"),
        ("#child-date_of_birth-year", "2019"),
        ("#child-nhs_number", "401 023 2137"),
        ("#child-address", "1 Street"),
        ("#child-postcode", "CA1 1AA"),
        ("#death-date_of_death-day", "20"),
        ("#death-date_of_death-month", "11"),
        ("#death-date_of_death-year", "2026"),
        ("#death-circumstances", "Known life-limiting condition."),
        ("#notifier-name", "Nurse P"),
        ("#notifier-role", "School nurse"),
        ("#notifier-organisation", "School health"),
        ("#notifier-email", "school.nurse@nhs.example"),
    ];
    b.click("#child-nhs_number_status").await;
    for (css, text) in fields {
        b.type_into(css, text).await;
    }
    for css in [
        "#child-sex",
        "#child-ethnicity option[value='A']",
        "#death-place_category option[value='home']",
        "#death-expected",
        "#death-coroner_informed",
    ] {
        b.click(css).await;
    }
    b.click(&format!("#area option[value='{north}']")).await;
    b.press("#notifier-email", ENTER).await;
    b.wait_for("Check your answers").await;
    // The check page's form sent twice, as Back and "Send" again (or a double click) would send
    // it, then the button pressed: one case.
    let sent = b
        .script_async(
            "const done = arguments[arguments.length - 1];\
             const f = document.getElementById('public-answers');\
             const data = new URLSearchParams(new FormData(f)); data.set('action', 'send');\
             const post = () => fetch(f.action, {method: 'POST', body: data, credentials: 'same-origin', redirect: 'manual'});\
             post().then(() => post()).then(() => done('sent')).catch(e => done('failed: ' + e));",
            vec![],
        )
        .await;
    assert_eq!(sent.as_str(), Some("sent"));
    b.click("button[value='send']").await;
    let done = b.wait_for("Notification received").await;
    assert!(done.contains("id=\"reference\""));
    b.check_page("the public notification received").await;
    assert_eq!(
        app.sql_strings("SELECT reference FROM cases").await.len(),
        before + 1,
        "sent three times, one case"
    );
}

//! The coordinator's journey in a real browser: sign in, notify with one mistake (Enter in a text
//! box sends the form), see the error summary with everything typed still there, correct it,
//! check the answers and send; reveal and refresh; search by NHS number and go back; keep a form
//! across a session timeout; change the notification. Every page visited is scanned with axe-core
//! (zero violations) and checked at 390 px wide for sideways scrolling.

use cdop::domain::role::Role;

use crate::common::browser::Browser;
use crate::common::{Backend, PASSWORD, TestApp};

async fn count_action(app: &TestApp, action: &str) -> usize {
    let (rows, _) =
        cdop::store::audit::search(&app.state.db, &Default::default(), 0, 10_000).await.expect("audit");
    rows.iter().filter(|e| e.action == action).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_notifies_a_death_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    app.user("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let admin = app.user("admin@example.org", &[Role::Admin], &[area]).await;
    let b = Browser::start().await;

    for (path, text) in [
        ("/", "Sign in"),
        ("/help", "Help and contact"),
        ("/privacy", "Privacy notice"),
        ("/accessibility", "Accessibility statement"),
        ("/cookies", "strictly necessary"),
        ("/notify", "Notify a child death"),
    ] {
        b.goto(&app.url(path)).await;
        b.wait_for(text).await;
        b.check_page(path).await;
    }
    // The scan itself can fail: an image without alternative text is caught.
    b.script("document.querySelector('main').appendChild(document.createElement('img'));", vec![]).await;
    assert!(b.axe().await.iter().any(|v| v.starts_with("image-alt")), "axe-core is running");
    b.refresh().await;
    // The header's service name is a styled link with enough contrast (axe checks contrast too).
    let colour = b
        .script(
            "return getComputedStyle(document.querySelector('.govuk-service-navigation__service-name a')).color;",
            vec![],
        )
        .await;
    assert_ne!(colour.as_str(), Some("rgb(0, 0, 238)"), "the service name is styled by govuk-frontend");

    b.goto(&app.url("/login")).await;
    b.wait_for("Sign in").await;
    b.check_page("the sign-in page").await;
    b.type_into("#email", "coordinator@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("Hello, Test coordinator").await;
    b.check_page("the coordinator's home").await;

    b.goto(&app.url("/cases/new")).await;
    b.wait_for("Save as draft").await;
    b.check_page("the notification form").await;
    b.click(&format!("#area option[value='{area}']")).await;
    b.type_into("#child-given_names", "Browser").await;
    b.type_into("#child-family_name", "Journey").await;
    b.type_into("#child-date_of_birth-day", "3").await;
    b.type_into("#child-date_of_birth-month", "4").await;
    b.type_into("#child-date_of_birth-year", "2022").await;
    b.click("#child-sex-male").await;
    // The number's box is revealed by choosing "Yes" (with JavaScript).
    b.click("#child-nhs_number_status").await;
    b.type_into("#child-nhs_number", "943 476 5918").await; // wrong check digit
    b.click("#child-ethnicity option[value='B']").await;
    b.type_into("#child-address", "5 Browser Lane, Kendal").await;
    b.type_into("#child-postcode", "LA9 4RR").await;
    b.type_into("#death-date_of_death-day", "2").await;
    b.type_into("#death-date_of_death-month", "11").await;
    b.type_into("#death-date_of_death-year", "2026").await;
    b.click("#death-place_category option[value='hospital_picu']").await;
    b.click("#death-expected-no").await;
    // The JAR criteria are revealed when "No" is chosen.
    b.click("#death-jar_criteria-external_causes").await;
    b.click("#death-coroner_informed").await;
    b.click("#death-post_mortem_planned").await;
    b.type_into("#death-circumstances", "Road traffic collision.").await;
    b.type_into("#notifier-role", "CDOP coordinator").await;
    b.type_into("#notifier-organisation", "CDOP").await;
    b.check_page("the filled-in notification form").await;
    // Enter in a text box sends the form (the main action), not "Add another professional".
    b.press_enter("#notifier-organisation").await;

    let page = b.wait_for("There is a problem").await;
    assert!(page.contains("check digit"));
    assert!(!page.contains("Professional 2"), "Enter did not add a professional");
    b.check_page("the form with an error").await;
    assert_eq!(b.value("#child-nhs_number").await, "943 476 5918", "what was typed is still there");
    assert_eq!(b.value("#child-given_names").await, "Browser");
    assert_eq!(b.value("#child-date_of_birth-year").await, "2022");
    assert_eq!(b.value("#death-circumstances").await, "Road traffic collision.");
    assert_eq!(b.value("#notifier-email").await, "coordinator@example.org", "prefilled for staff");
    assert_eq!(cdop::store::cases::count_all(&app.state.db).await.expect("count"), 0, "nothing stored");

    // Follow the summary's link to the field and correct it.
    b.click("a[href='#child-nhs_number']").await;
    b.type_into("#child-nhs_number", "943 476 5919").await;
    b.press_enter("#child-nhs_number").await;
    b.wait_for("Check your answers before sending").await;
    b.check_page("check your answers").await;
    b.click("#submit-notification").await;
    b.wait_for("Notification recorded as").await;
    b.check_page("the new case").await;
    let url = b.url().await;
    assert!(url.contains("/cases/CDOP-"), "{url}");
    let reference = url.rsplit('/').next().expect("reference").to_string();

    // Reveal, then refresh: shown once, never revealed again by a refresh.
    b.click("#reveal").await;
    b.wait_for("Shown to you because you asked").await;
    b.check_page("the case with identifying details").await;
    assert_eq!(count_action(&app, "case.identity.revealed").await, 1);
    b.refresh().await;
    b.wait_for("hidden again").await;
    assert_eq!(count_action(&app, "case.identity.revealed").await, 1, "a refresh does not reveal again");

    // The list, then an NHS-number search; back does not search again.
    b.goto(&app.url("/cases")).await;
    let list = b.wait_for(". Page 1 of").await;
    b.check_page("the case list").await;
    assert!(list.contains(&reference) && list.contains("Browser Journey"));
    b.type_into("#nhs_number", "943 476 5919").await;
    b.press_enter("#nhs_number").await;
    b.wait_for("with that NHS number").await;
    b.check_page("the NHS-number search result").await;
    let result_url = b.url().await;
    assert!(!result_url.contains("9434765919") && !result_url.contains("943%20476"), "{result_url}");
    assert_eq!(count_action(&app, "case.searched").await, 1);
    b.back().await;
    b.wait_for(". Page 1 of").await;
    b.refresh().await;
    b.wait_for(". Page 1 of").await;
    assert_eq!(count_action(&app, "case.searched").await, 1, "back and refresh never search again");

    // Change the notification.
    b.goto(&app.url(&format!("/cases/{reference}/edit"))).await;
    b.wait_for("Reason for the change").await;
    b.check_page("the change form").await;
    b.type_into("#child-given_names", "Browsing").await;
    b.type_into("#reason", "Name spelt wrongly at notification").await;
    b.click("#submit-notification").await;
    b.wait_for("Notification changed (first names)").await;

    // Triage, the audit-free pages of a coordinator.
    b.goto(&app.url("/triage")).await;
    b.wait_for("Triage").await;
    b.check_page("triage").await;

    // The session times out while a form is open: nothing typed is lost.
    b.goto(&app.url("/cases/new")).await;
    b.wait_for("Save as draft").await;
    b.type_into("#child-given_names", "Typed Before Timeout").await;
    b.type_into("#death-circumstances", "A long account typed slowly.").await;
    let past = app.sql_time(cdop::store::now() - chrono::TimeDelta::hours(2));
    app.sql(&format!("UPDATE sessions SET last_seen_at = {past}")).await;
    b.click("#submit-notification").await;
    b.wait_for("what you typed has been kept").await;
    b.check_page("sign-in after a timeout").await;
    b.type_into("#email", "coordinator@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("Save as draft").await;
    assert_eq!(b.value("#child-given_names").await, "Typed Before Timeout");
    assert_eq!(b.value("#death-circumstances").await, "A long account typed slowly.");

    // An admin's pages: users, one user, a confirmation, areas, the audit trail (tables at 390 px).
    b.click("button.cdop-link-button").await;
    b.wait_for("You have signed out").await;
    b.type_into("#email", "admin@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("Hello, Test admin").await;
    for (path, text) in [
        ("/admin/users".to_string(), "Add a user"),
        (format!("/admin/users/{admin}"), "Name and email"),
        ("/admin/areas".to_string(), "Add an area"),
        ("/admin/audit".to_string(), "What happened"),
    ] {
        b.goto(&app.url(&path)).await;
        b.wait_for(text).await;
        b.check_page(&path).await;
    }
    b.goto(&app.url("/admin/users")).await;
    b.wait_for("Add a user").await;
    b.goto(&app.url(&format!("/admin/users/{admin}"))).await;
    b.wait_for("Reset two-factor").await;
    b.click("form[action$='/reset-two-factor'] button").await;
    b.wait_for("Reset two-factor authentication for").await;
    b.check_page("a confirmation page").await;
}

/// The emailed form links queued so far (their bodies are sealed in the outbox: opened here with
/// the service's keys, as the sender does).
async fn form_links(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    let rows = cdop::store::entities::mail_outbox::Entity::find().all(&app.state.db).await.expect("outbox");
    rows.iter()
        .filter(|m| m.template == "form_request")
        .filter_map(|m| m.sealed_to.as_ref())
        .filter_map(|s| app.state.keys.keyring.open(s).ok())
        .filter_map(|plain| cdop::mail::opened_recipient(&plain))
        .filter_map(|(_, body)| body)
        .filter_map(|(text, _)| text.split_whitespace().find(|w| w.contains("/f/")).map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_completes_a_form_by_keyboard_from_its_emailed_link() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    app.user("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let admin = app.user("admin@example.org", &[Role::Admin], &[area]).await;
    let _ = admin;
    let reference = crate::gathering::notified_case(&app, "Cumberland").await;
    let b = Browser::start().await;

    // The coordinator requests forms from the notification's professionals.
    b.goto(&app.url("/login")).await;
    b.type_into("#email", "coordinator@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("Hello").await;
    b.goto(&app.url(&format!("/cases/{reference}"))).await;
    b.click("#information-requested").await;
    b.wait_for("No information has been requested").await;
    b.check_page("the task list, empty").await;
    b.click("#request-information").await;
    b.wait_for("Forms to request").await;
    b.check_page("the request information page").await;
    // Sending without the kind of agency: errors next to the fields, the rest kept.
    b.click("#send-requests").await;
    b.wait_for("There is a problem").await;
    b.check_page("the request page with errors").await;
    assert_eq!(b.value("#p0-email").await, "hv@nhs.example");
    b.script("document.getElementById('p0-agency_type').value = 'health'; document.getElementById('p1-agency_type').value = 'education';", vec![]).await;
    b.click("#send-requests").await;
    b.wait_for("Each professional has been emailed a link").await;
    b.check_page("the task list").await;
    b.goto(&app.url("/outstanding")).await;
    b.wait_for("Outstanding information").await;
    b.check_page("the Outstanding information page").await;
    b.click("button.cdop-link-button").await;
    b.wait_for("You have signed out").await;

    // The professional, signed out, opens the link and completes the form with the keyboard.
    let links = form_links(&app).await;
    let token = links.first().and_then(|l| l.split("/f/").nth(1)).expect("a form link").to_string();
    let link = app.url(&format!("/f/{token}"));
    b.goto(&link).await;
    b.wait_for(CHILD_NAME).await;
    b.check_page("the form's start page").await;
    b.press("#start-form", "\u{E007}").await;
    b.wait_for("section 1 of").await;
    b.check_page("a form section").await;
    b.type_into("#completed_by_name", "Pat Ravensworth").await;
    b.type_into("#completed_by_organisation", "Community Health Trust").await;
    b.press("#completed_by_organisation", "\u{E007}").await;
    b.wait_for("section 2 of").await;
    b.type_into("#maternal_bmi", "heavy").await;
    b.press("#maternal_bmi", "\u{E007}").await;
    b.wait_for("There is a problem").await;
    b.check_page("a form section with an error").await;
    assert_eq!(b.value("#maternal_bmi").await, "heavy", "what was typed is kept");
    b.type_into("#maternal_bmi", "24.5").await;
    b.press("#weight-status", "\u{E00D}").await;
    b.press("#maternal_bmi", "\u{E007}").await;
    b.wait_for("section 3 of").await;
    // A radio chosen with the space bar; the follow-up question appears with JavaScript.
    b.goto(&format!("{link}/7")).await;
    b.wait_for("bereavement support").await;
    b.press("#bereavement_support_offered", "\u{E00D}").await;
    b.wait_for("What support was offered").await;
    let hidden =
        b.script("return document.getElementById('bereavement_support_what-group').hidden;", vec![]).await;
    assert_eq!(hidden.as_bool(), Some(false), "the follow-up is revealed");
    b.check_page("a section with a revealed follow-up").await;
    b.type_into("#bereavement_support_what", "Visits from the family liaison officer").await;
    b.press("#save-continue", "\u{E007}").await;
    b.wait_for("section 8 of").await;
    b.goto(&format!("{link}/check")).await;
    b.wait_for("Check your answers before submitting").await;
    b.check_page("the form's check answers page").await;
    b.press("#submit-form", "\u{E007}").await;
    b.wait_for("Form submitted").await;
    b.check_page("the form submitted page").await;
    b.goto(&link).await;
    b.wait_for("This form link cannot be used").await;
    b.check_page("the dead link page").await;

    // The coordinator sees it submitted; the request's page and the admin's forms page.
    b.goto(&app.url("/login")).await;
    b.type_into("#email", "coordinator@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("Hello").await;
    b.goto(&app.url(&format!("/cases/{reference}/requests"))).await;
    let page = b.wait_for("Submitted").await;
    assert!(page.contains("Completeness of submitted forms"));
    b.click("#requests li:first-child a").await;
    b.wait_for("Link first opened").await;
    b.check_page("a submitted request's page").await;
    b.back().await;
    b.wait_for("Completeness of submitted forms").await;
    b.click("#requests li:nth-child(2) a").await;
    b.wait_for("Chase or change this request").await;
    b.check_page("an open request's page").await;
    b.click("#remind-now").await;
    b.wait_for("Reminder sent.").await;
    b.goto(&app.url("/admin/forms")).await;
    b.wait_for("Unconfirmed items").await;
    b.check_page("the Forms page").await;
}

const CHILD_NAME: &str = "Zebedee";

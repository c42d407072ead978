//! The coordinator's journey in a real browser: sign in, notify with one mistake, see the error
//! summary with everything typed still there, correct it, and find the new case in the list.

use cdop::domain::role::Role;

use crate::common::browser::Browser;
use crate::common::{Backend, PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_notifies_a_death_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    app.user("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let b = Browser::start().await;

    b.goto(&app.url("/login")).await;
    b.type_into("#email", "coordinator@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("Hello, Test coordinator").await;

    b.goto(&app.url("/cases/new")).await;
    b.wait_for("Send notification").await;
    b.click(&format!("#area option[value='{area}']")).await;
    b.type_into("#child-given_names", "Browser").await;
    b.type_into("#child-family_name", "Journey").await;
    b.type_into("#child-date_of_birth-day", "3").await;
    b.type_into("#child-date_of_birth-month", "4").await;
    b.type_into("#child-date_of_birth-year", "2022").await;
    b.click("#child-sex-male").await;
    b.type_into("#child-nhs_number", "943 476 5918").await; // wrong check digit
    b.click("#child-ethnicity option[value='B']").await;
    b.type_into("#child-address", "5 Browser Lane, Kendal").await;
    b.type_into("#child-postcode", "LA9 4RR").await;
    b.type_into("#death-date_of_death-day", "2").await;
    b.type_into("#death-date_of_death-month", "11").await;
    b.type_into("#death-date_of_death-year", "2026").await;
    b.click("#death-place_category option[value='hospital_picu']").await;
    b.click("#death-expected-no").await;
    // The JAR criteria are revealed by GOV.UK Frontend's JavaScript when "No" is chosen.
    b.click("#death-jar_criteria-external_causes").await;
    b.click("#death-coroner_informed").await;
    b.type_into("#death-circumstances", "Road traffic collision.").await;
    b.type_into("#notifier-name", "Coordinator Test").await;
    b.type_into("#notifier-role", "CDOP coordinator").await;
    b.type_into("#notifier-organisation", "CDOP").await;
    b.type_into("#notifier-email", "coordinator@example.org").await;
    b.click("#submit-notification").await;

    let page = b.wait_for("There is a problem").await;
    assert!(page.contains("check digit"));
    assert_eq!(b.value("#child-nhs_number").await, "943 476 5918", "what was typed is still there");
    assert_eq!(b.value("#child-given_names").await, "Browser");
    assert_eq!(b.value("#child-date_of_birth-year").await, "2022");
    assert_eq!(b.value("#death-circumstances").await, "Road traffic collision.");
    assert_eq!(b.value("#child-postcode").await, "LA9 4RR");
    assert_eq!(cdop::store::cases::count_all(&app.state.db).await.expect("count"), 0, "nothing stored");

    // Follow the summary's link to the field and correct it.
    b.click("a[href='#child-nhs_number']").await;
    b.type_into("#child-nhs_number", "943 476 5919").await;
    b.click("#submit-notification").await;
    b.wait_for("Notification recorded as").await;
    let url = b.url().await;
    assert!(url.contains("/cases/CDOP-"), "{url}");
    let reference = url.rsplit('/').next().expect("reference").to_string();

    b.goto(&app.url("/cases")).await;
    let list = b.wait_for("cases. Page").await;
    assert!(list.contains(&reference), "the new case is in the list");
    assert!(list.contains("Browser Journey"), "with the child's name for a coordinator");
}

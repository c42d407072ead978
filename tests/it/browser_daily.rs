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

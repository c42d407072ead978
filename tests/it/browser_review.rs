//! The review stage in a real browser: the coordinator arranges a panel meeting, builds its agenda
//! and publishes the case pack; a panel member records a private pre-panel categorisation and
//! reads the pack; the chair opens the case, completes the Analysis Form with the keyboard only
//! (the modifiable rule refusing a first attempt) and signs it off with a two-factor code; then
//! the actions register, learning briefings, family contact, moving a case and the agreement
//! report. Every page is scanned with axe-core (zero violations) and checked at 390 px wide.

use chrono::{Datelike, TimeDelta};

use cdop::domain::role::Role;

use crate::common::browser::Browser;
use crate::common::{Backend, PASSWORD, TestApp};
use crate::review::{code, ready_case, with_totp};

const SPACE: &str = "\u{E00D}";
const ENTER: &str = "\u{E007}";

async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.goto(&app.url("/login")).await;
    b.wait_for("Sign in").await;
    b.type_into("#email", email).await;
    b.type_into("#password", PASSWORD).await;
    b.press("#password", ENTER).await;
}

pub(crate) async fn sign_out(b: &Browser) {
    b.click("button.cdop-link-button").await;
    b.wait_for("You have signed out").await;
}

/// The first number after `prefix` in the page.
fn number_after(page: &str, prefix: &str) -> String {
    page.split(prefix)
        .nth(1)
        .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default()
}

async fn count(app: &TestApp, sql: &str) -> usize {
    app.sql_strings(sql).await.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_reviews_a_case_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    let other = app.area("Westmorland and Furness").await;
    let coordinator = app.signed_in("coordinator@example.org", &[Role::Coordinator], &[area, other]).await;
    let member = app.user("member@example.org", &[Role::PanelMember], &[area]).await;
    let chair = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let totp = with_totp(&app, chair).await;
    let reference = ready_case(&app, &coordinator).await;
    let b = Browser::start().await;

    // The coordinator arranges a panel meeting a week ahead and puts the case on its agenda.
    sign_in(&b, &app, "coordinator@example.org").await;
    b.wait_for("Hello").await;
    b.goto(&app.url("/meetings")).await;
    b.wait_for("Meetings").await;
    b.check_page("the meetings list").await;
    b.goto(&app.url("/meetings/new")).await;
    b.wait_for("Kind of meeting").await;
    b.check_page("the new meeting form").await;
    let day = app.state.clock.today() + TimeDelta::days(7);
    b.click("#kind-panel").await;
    b.type_into("#date-day", &day.day().to_string()).await;
    b.type_into("#date-month", &day.month().to_string()).await;
    b.type_into("#date-year", &day.year().to_string()).await;
    b.type_into("#time", "25:00").await;
    b.type_into("#duration", "120").await;
    b.type_into("#location", "Room 4, Civic Centre").await;
    b.click(&format!("#chair option[value='{chair}']")).await;
    b.click(&format!("#areas-{area}")).await;
    b.click(&format!("#attendees-{member}")).await;
    b.click("#save-meeting").await;
    b.wait_for("There is a problem").await;
    b.check_page("the meeting form with an error").await;
    assert_eq!(b.value("#location").await, "Room 4, Civic Centre", "what was typed is kept");
    b.type_into("#time", "10:00").await;
    b.click("#save-meeting").await;
    let page = b.wait_for("Add to agenda").await;
    let meeting = b.url().await.split("/meetings/").nth(1).unwrap_or_default().to_string();
    assert!(meeting.parse::<i64>().is_ok(), "on the meeting's page: {meeting}");
    assert!(page.contains(&reference));
    b.check_page("the meeting page").await;
    b.click(&format!("#case option[value='{reference}']")).await;
    b.click("#add-case").await;
    b.wait_for("id=\"item-").await;
    b.click("#send-invitations").await;
    b.wait_for("invitation").await;
    b.check_page("the meeting with its agenda").await;

    // The pack: an anonymised summary, the redacted narrative confirmed, then published.
    b.goto(&app.url(&format!("/cases/{reference}/pack"))).await;
    let page = b.wait_for("Anonymised summary").await;
    assert!(page.contains("[child]") && !page.contains("Zebedee"), "the narrative arrives redacted");
    b.check_page("the pack preparation page").await;
    b.type_into("#summary", "[child] died after a short illness at home.").await;
    b.click("#save-summary").await;
    b.wait_for("died after a short illness at home.</textarea>").await;
    let narrative = number_after(&b.source().await, "id=\"confirm-");
    assert!(!narrative.is_empty(), "a narrative to confirm");
    // Every narrative on one page, its replacements highlighted, confirmed together.
    assert!(b.source().await.contains("<mark class=\"cdop-replaced\">"), "replacements highlighted");
    assert_eq!(
        b.script(&format!("return document.getElementById('confirm-{narrative}').checked;"), vec![]).await,
        true
    );
    b.click("#confirm-all").await;
    b.wait_for("Checked and confirmed").await;
    assert!(b.source().await.contains("1 narrative confirmed for the pack"));
    b.click(&format!("#publish-{meeting}")).await;
    b.wait_for("Publish again").await;
    b.check_page("the pack preparation page, published").await;
    sign_out(&b).await;

    // The member records a private categorisation and reads the pack.
    sign_in(&b, &app, "member@example.org").await;
    b.wait_for("Hello").await;
    b.goto(&app.url(&format!("/meetings/{meeting}"))).await;
    b.wait_for("Your pre-panel categorisation").await;
    b.check_page("the meeting page for a member").await;
    b.click(&format!("#prepanel-{reference}")).await;
    b.wait_for("Record your own view").await;
    b.check_page("the pre-panel categorisation page").await;
    b.press("#category-infection", SPACE).await;
    b.press("#modifiable-none_identified", SPACE).await;
    b.press("#save-prepanel", ENTER).await;
    b.wait_for(&format!("/meetings/{meeting}")).await;
    for _ in 0..50 {
        if count(&app, "SELECT category FROM prepanel_entries").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.sql_strings("SELECT category FROM prepanel_entries").await, ["infection"]);
    b.goto(&app.url(&format!("/meetings/{meeting}"))).await;
    b.click(&format!("#pack-{reference}")).await;
    let pack = b.wait_for("died after a short illness at home.").await;
    assert!(!pack.contains("Zebedee") && !pack.contains("CA1 1AA"));
    b.check_page("the case pack").await;
    sign_out(&b).await;

    // The chair signs in with a second factor and opens the case: the spread appears.
    sign_in(&b, &app, "chair@example.org").await;
    b.wait_for("authenticator app").await;
    b.type_into("#code", &code(&totp, &app, 0)).await;
    b.press("#code", ENTER).await;
    b.wait_for("Hello").await;
    b.goto(&app.url(&format!("/meetings/{meeting}/cases/{reference}/prepanel"))).await;
    b.wait_for("Open the case").await;
    assert!(!b.source().await.contains("category-spread"), "hidden before the chair opens the case");
    b.press("#open-case", ENTER).await;
    b.wait_for("category-spread").await;
    b.check_page("the spread of categorisations").await;

    // The analysis, keyboard only: "modifiable factors identified" with no factor graded 2 is
    // refused, keeping what was typed.
    b.goto(&app.url(&format!("/cases/{reference}/analysis"))).await;
    let page = b.wait_for("Save analysis").await;
    b.check_page("the Analysis Form").await;
    if !page.contains("id=\"factors-0-description\"") {
        b.press("button[value='add:factors']", ENTER).await;
        b.wait_for("id=\"factors-0-description\"").await;
    }
    b.press("#factors-0-domain-b", SPACE).await;
    b.type_into("#factors-0-description", "Smoking in the household").await;
    b.press("#factors-0-grade-grade_1", SPACE).await;
    b.press("#modifiable", SPACE).await;
    b.press("#category-sudden_unexplained", SPACE).await;
    b.type_into("#primary_cause", "Sudden unexpected death in infancy").await;
    b.type_into("#primary_icd10", "R95").await;
    b.press("#themes", SPACE).await;
    b.press("#known_to_social_care-no", SPACE).await;
    b.type_into("#learning", "Safer sleep advice should be repeated at every contact.").await;
    b.type_into("#recommendations", "Remind health visitors of the safer sleep guidance.").await;
    b.press("#save-analysis", ENTER).await;
    b.wait_for("There is a problem").await;
    b.check_page("the Analysis Form with an error").await;
    assert_eq!(b.value("#learning").await, "Safer sleep advice should be repeated at every contact.");
    assert_eq!(b.value("#factors-0-description").await, "Smoking in the household");
    b.press("#factors-0-grade-grade_2", SPACE).await;
    b.press("#save-analysis", ENTER).await;
    b.wait_for("Sign off the analysis").await;
    for _ in 0..50 {
        if count(&app, "SELECT modifiable FROM analyses WHERE modifiable = 'identified'").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.sql_strings("SELECT category FROM analyses").await, ["sudden_unexplained"]);
    // Before the panel has met, sign-off is refused beside the code, keeping the analysis.
    b.type_into("#code", &code(&totp, &app, 0)).await;
    b.press("#sign-off", ENTER).await;
    b.wait_for("once the panel has met").await;
    b.check_page("sign-off refused before the panel meets").await;
    app.state.clock.advance(TimeDelta::days(8));
    b.type_into("#code", &code(&totp, &app, 1)).await;
    b.press("#sign-off", ENTER).await;
    b.wait_for("Analysis signed off").await;
    b.check_page("the signed-off analysis").await;
    assert_eq!(app.sql_strings("SELECT status FROM analyses").await, ["signed"]);
    b.goto(&app.url("/reports/agreement")).await;
    b.wait_for("kappa").await;
    b.check_page("the agreement report").await;

    // An action from the case, then the register.
    b.goto(&app.url(&format!("/actions/new?case={reference}"))).await;
    b.wait_for("What is to be done").await;
    b.check_page("the new action form").await;
    b.type_into("#description", "Remind health visitors of the safer sleep guidance.").await;
    b.type_into("#owner_org", "Community Health Trust").await;
    b.type_into("#owner_email", "safeguarding@nhs.example").await;
    let due = app.state.clock.today() + TimeDelta::days(90);
    b.type_into("#due-day", &due.day().to_string()).await;
    b.type_into("#due-month", &due.month().to_string()).await;
    b.type_into("#due-year", &due.year().to_string()).await;
    b.click("#themes").await;
    b.click("#save-action").await;
    b.wait_for("Change the action").await;
    b.check_page("an action's page").await;
    b.goto(&app.url("/actions")).await;
    b.wait_for("ACT-").await;
    b.check_page("the actions register").await;
    sign_out(&b).await;

    // The coordinator: a learning briefing from the signed analysis, the family's contact log
    // and moving the case.
    sign_in(&b, &app, "coordinator@example.org").await;
    b.wait_for("Hello").await;
    b.goto(&app.url("/briefings/recipients")).await;
    b.wait_for("Distribution").await;
    b.check_page("the distribution lists").await;
    b.goto(&app.url("/briefings/new")).await;
    b.wait_for("Compile a learning briefing").await;
    b.check_page("the compile briefing form").await;
    b.type_into("#title", "Learning from child deaths: safe sleep").await;
    b.click(&format!("#area option[value='{area}']")).await;
    let from = app.state.clock.today() - TimeDelta::days(30);
    let to = app.state.clock.today() + TimeDelta::days(1);
    for (id, d) in [("period_from", from), ("period_to", to)] {
        b.type_into(&format!("#{id}-day"), &d.day().to_string()).await;
        b.type_into(&format!("#{id}-month"), &d.month().to_string()).await;
        b.type_into(&format!("#{id}-year"), &d.year().to_string()).await;
    }
    b.click("#compile").await;
    // One review is fewer than the minimum: the author confirms, and that is audited.
    b.wait_for("fewer than the 5 the panel set").await;
    b.check_page("a briefing from too few reviews").await;
    b.click("#confirm_few").await;
    b.click("#compile").await;
    let page = b.wait_for("Safer sleep advice should be repeated").await;
    assert!(!page.contains("Zebedee"));
    b.check_page("a briefing's page").await;
    b.goto(&app.url("/briefings")).await;
    b.wait_for("Learning from child deaths: safe sleep").await;
    b.check_page("the briefings list").await;
    b.goto(&app.url(&format!("/cases/{reference}/family"))).await;
    b.wait_for("Record contact").await;
    b.check_page("the family contact page").await;
    let today = app.state.clock.today();
    b.type_into("#contact_on-day", &today.day().to_string()).await;
    b.type_into("#contact_on-month", &today.month().to_string()).await;
    b.type_into("#contact_on-year", &today.year().to_string()).await;
    b.click("#kind-question").await;
    b.type_into("#note", "The family asked when the review will finish.").await;
    b.click("#record-contact").await;
    b.wait_for("The family asked when the review will finish.").await;
    b.check_page("the family contact log").await;
    b.goto(&app.url(&format!("/cases/{reference}/move"))).await;
    b.wait_for("Move the case").await;
    b.check_page("the move case page").await;
    b.goto(&app.url(&format!("/cases/{reference}"))).await;
    b.wait_for(&reference).await;
    b.check_page("the case page after review").await;
}

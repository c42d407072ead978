//! Single sign-on in a real browser, through the test provider's own pages: the sign-in page's
//! button, the provider's page, back signed in; a reveal after the session has aged asks for a
//! fresh sign-in at the provider and comes back to the case; sign-out ends the provider's session
//! too (its page submits itself) and returns to the sign-in page; a person the service does not
//! know sees a page that says whom to ask; the admin sees the link on the user's page and in the
//! access review. Every page of the service passes axe-core and does not scroll sideways.

use chrono::TimeDelta;

use cdop::domain::role::Role;

use crate::browser_retention::sign_in;
use crate::common::Backend;
use crate::common::browser::Browser;
use crate::sso::with_provider;

async fn at_provider(b: &Browser, email: &str) {
    b.wait_for("Test identity provider: sign in").await;
    b.type_into("#email", email).await;
    b.click("#mfa").await;
    b.click("#sign-in").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_through_their_provider_in_a_real_browser() {
    let (_idp, app, _secrets) = with_provider(Backend::Sqlite, |_| {}).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.user("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    app.user("admin@example.org", &[Role::Admin], &[area]).await;
    let reference = crate::gathering::notified_case(&app, "Cumberland").await;
    let b = Browser::start().await;

    b.goto(&app.url("/login")).await;
    b.wait_for("Sign in with the test provider").await;
    b.check_page("the sign-in page with a provider's button").await;
    b.click("#sso-1").await;
    at_provider(&b, "coordinator@example.org").await;
    b.wait_for("Hello").await;
    b.check_page("home, signed in through the provider").await;

    // A reveal once the session has aged: a fresh sign-in at the provider, then back to the case.
    app.state.clock.advance(TimeDelta::minutes(16));
    b.goto(&app.url(&format!("/cases/{reference}"))).await;
    b.wait_for("Show identifying details").await;
    b.click("#reveal").await;
    at_provider(&b, "coordinator@example.org").await;
    b.wait_for("You have signed in again with the test provider").await;
    b.check_page("the case after signing in again").await;
    b.click("#reveal").await;
    b.wait_for("Zebedee").await;

    // Sign-out ends the provider's session too, and comes back to the sign-in page.
    b.click("button.cdop-link-button").await;
    b.wait_for("Do you want to sign-out from").await;
    b.click("button[value='yes']").await;
    b.wait_for("You have signed out").await;
    assert!(b.url().await.starts_with(&app.url("/login")), "back at the service");
    b.check_page("signed out at both ends").await;

    // Someone the service does not know.
    b.click("#sso-1").await;
    at_provider(&b, "stranger@example.org").await;
    b.wait_for("You do not have an account in this service").await;
    b.check_page("the refusal for an unknown person").await;

    // The admin sees how the coordinator signs in.
    sign_in(&b, &app, "admin@example.org").await;
    b.goto(&app.url(&format!("/admin/users/{coordinator}"))).await;
    b.wait_for("sso-links").await;
    b.check_page("a user's single sign-on link").await;
    b.goto(&app.url("/admin/access-review")).await;
    b.wait_for("the test provider (last signed in").await;
    b.check_page("the access review with a provider").await;
}

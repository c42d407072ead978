//! Rate limits held in the database: every instance on one database counts the same failures, and
//! what is counted never locks out a real user (a valid link always opens; successful sign-ins use
//! up nothing); and the bound on emails about one case in a day.

use cdop::domain::role::Role;
use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::both_backends;
use crate::common::{Backend, PASSWORD, TestApp};
use crate::gathering::notified_case;

fn limits(c: &mut cdop::config::Config) {
    c.forms.link_attempts_per_hour = 3;
    c.auth.login_rate_per_minute = 3;
}

/// An action and its owner's link token.
async fn owner_link(app: &TestApp, area: i64) -> String {
    let reference = notified_case(app, "Cumberland").await;
    let chair_id = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let action = crate::actions::record_action(
        app,
        chair_id,
        area,
        &reference,
        "Review open-water safety teaching across local schools",
        ("Riverside School", "head@school.example"),
    )
    .await;
    crate::actions::owner_token(app, &action).await
}

both_backends!(limits_hold_across_instances_and_never_refuse_a_valid_link, |backend: Backend| async move {
    let app = TestApp::spawn_with(backend, limits, axum::Router::new()).await;
    let other = app.sibling(limits).await;
    let area = app.area("Cumberland").await;
    let token = owner_link(&app, area).await;
    let (a, b) = (app.agent(), other.agent());

    // Unknown links: three through one instance, the fourth through the other is refused.
    for n in 0..3 {
        let (status, _) = a.page(&format!("/f/{}", cdop::crypto::secrets::random_token())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "unknown link {n}");
    }
    let (status, _) = b.page(&format!("/a/{}", cdop::crypto::secrets::random_token())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "owner links are counted apart from form links");
    let (status, _) = b.page(&format!("/f/{}", cdop::crypto::secrets::random_token())).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the other instance sees the same count");
    // A valid link from the same address still opens, on either instance.
    for _ in 0..2 {
        let (status, _) = a.page(&format!("/f/{}", cdop::crypto::secrets::random_token())).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    let (status, page) = b.page(&format!("/a/{token}")).await;
    assert_eq!(status, StatusCode::OK, "a valid link is never refused for others' failures: {page}");
    assert!(page.contains("Review open-water safety"));

    // Sign-in: successes use up nothing (colleagues behind one proxy)…
    for n in 0..5 {
        let email = format!("colleague{n}@example.org");
        app.user(&email, &[Role::Coordinator], &[area]).await;
        let agent = if n % 2 == 0 { app.agent() } else { other.agent() };
        assert_eq!(agent.login(&email, PASSWORD).await, "/", "colleague {n} signs in");
    }
    // …failures are counted across both instances.
    for n in 0..3 {
        let agent = if n % 2 == 0 { &a } else { &b };
        agent.page("/login").await;
        let (status, page, _) =
            agent.post_page("/login", &[("email", "colleague0@example.org"), ("password", "wrong")]).await;
        assert_eq!(status, StatusCode::OK, "failure {n}: {page}");
    }
    b.page("/login").await;
    let (status, _, _) =
        b.post_page("/login", &[("email", "colleague1@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "three failures in a minute from this address");
    // A minute later (the service clock) the address may try again.
    for state in [&app.state, &other.state] {
        state.clock.set(chrono::Utc::now() + TimeDelta::minutes(2));
    }
    assert_eq!(b.login("colleague1@example.org", PASSWORD).await, "/");
});

both_backends!(emails_about_one_case_are_bounded_per_day, |backend: Backend| async move {
    let app = TestApp::spawn_with(backend, |c| c.mail.max_per_case_per_day = 6, axum::Router::new()).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
    let reference = notified_case(&app, "Cumberland").await;
    let already = app
        .sql_strings(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) FROM mail_outbox WHERE case_reference = '{reference}'"
        ))
        .await[0]
        .parse::<usize>()
        .expect("count");
    assert!(already < 6, "{already} emails at notification");
    let ask = serde_json::json!({"name": "Sam Health", "organisation": "Community Health Trust", "email": "hv@nhs.example", "agency_type": "health", "forms": ["reporting"]});
    let post = |n: usize| {
        let body = serde_json::json!({"requests": vec![ask.clone(); n]});
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/cases/{reference}/requests")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let res = post(6 - already + 1).await.expect("sent");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "requests");
    assert!(
        body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("max_per_case_per_day")),
        "{body}"
    );
    let res = post(6 - already).await.expect("sent");
    assert_eq!(res.status(), StatusCode::CREATED, "up to the bound is accepted");
    // A day later the allowance is back (queued times are real times; move them back a day).
    let past = app.sql_time(chrono::Utc::now() - TimeDelta::hours(25));
    app.sql(&format!("UPDATE mail_outbox SET created_at = {past}")).await;
    assert_eq!(post(1).await.expect("sent").status(), StatusCode::CREATED);
});

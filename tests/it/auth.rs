//! Sign-in, sessions, lockout, CSRF, two-factor authentication, tokens and the audit trail.

use cdop::domain::role::Role;
use cdop::store::audit;
use chrono::TimeDelta;

use crate::both_backends;
use crate::common::agent::text_of_id;
use crate::common::{Backend, PASSWORD, TestApp};

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cdop_session=") && !v.starts_with("cdop_session=;"))
        .map(|v| v.split(';').next().unwrap_or_default().trim_start_matches("cdop_session=").to_string())
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    let (rows, _) = audit::search(&app.state.db, &Default::default(), 0, 500).await.expect("audit");
    rows.into_iter().map(|e| e.action).collect()
}

both_backends!(sign_in_rotates_the_session_and_sign_out_kills_it, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    app.user("doc@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let agent = app.agent();
    agent.page("/login").await;
    let res = agent.post("/login", &[("email", "doc@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), 303);
    let first = session_cookie(&res).expect("a session cookie");
    agent.page("/").await;
    // Signing in again (same browser) gives a different session id.
    let res = agent.post("/login", &[("email", "doc@example.org"), ("password", PASSWORD)]).await;
    let second = session_cookie(&res).expect("a new session cookie");
    assert_ne!(first, second, "the session id changes at sign-in");

    // The first id is no longer valid.
    let stale =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let res = stale
        .get(app.url("/account"))
        .header("cookie", format!("cdop_session={first}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"].to_str().expect("ascii").starts_with("/login"));

    // Sign out, then the old cookie is useless even if replayed.
    agent.page("/").await;
    let res = agent.post("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    let res = stale
        .get(app.url("/account"))
        .header("cookie", format!("cdop_session={second}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 303, "a logged-out session id gets nowhere");
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"auth.logout".to_string()));
    assert!(actions.contains(&"auth.login.success".to_string()));
});

both_backends!(idle_timeout_ends_a_session, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let agent = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
    assert_eq!(agent.page("/account").await.0, 200);
    let past = cdop::store::now() - TimeDelta::minutes(31);
    app.sql(&format!("UPDATE sessions SET last_seen_at = {}", app.sql_time(past))).await;
    let res = agent.client.get(agent.url("/account")).send().await.expect("sent");
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"].to_str().expect("ascii").starts_with("/login"));
    assert!(audit_actions(&app).await.contains(&"auth.session.expired".to_string()));
    // And the absolute timeout.
    let agent = app.agent();
    agent.login("coord@example.org", PASSWORD).await;
    let past = cdop::store::now() - TimeDelta::seconds(1);
    app.sql(&format!("UPDATE sessions SET expires_at = {}", app.sql_time(past))).await;
    assert_eq!(agent.client.get(agent.url("/account")).send().await.expect("sent").status(), 303);
});

both_backends!(lockout_refuses_even_the_right_password_until_it_lifts, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let id = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let agent = app.agent();
    agent.page("/login").await;
    for _ in 0..5 {
        let (status, body, _) = agent
            .post_page("/login", &[("email", "chair@example.org"), ("password", "not-the-password-at-all")])
            .await;
        assert_eq!(status, 200);
        assert!(body.contains("Enter a correct email address and password"));
        assert!(body.contains("value=\"chair@example.org\""), "the typed email is kept");
    }
    let (status, body, _) =
        agent.post_page("/login", &[("email", "chair@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(status, 200, "refused during lockout");
    assert!(body.contains("Enter a correct email address and password"), "same message: reveals nothing");
    // The same words for an account that does not exist.
    let (_, body, _) =
        agent.post_page("/login", &[("email", "nobody@example.org"), ("password", PASSWORD)]).await;
    assert!(body.contains("Enter a correct email address and password"));
    assert!(audit_actions(&app).await.contains(&"auth.lockout".to_string()));

    // M minutes later (the lock moved into the past), the right password works.
    let past = cdop::store::now() - TimeDelta::seconds(1);
    app.sql(&format!("UPDATE users SET locked_until = {} WHERE id = {id}", app.sql_time(past))).await;
    let (status, _, location) =
        agent.post_page("/login", &[("email", "chair@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/"));
});

both_backends!(login_is_rate_limited_per_address, |backend: Backend| async move {
    let app = TestApp::spawn_with(backend, |c| c.auth.login_rate_per_minute = 3, axum::Router::new()).await;
    let agent = app.agent();
    agent.page("/login").await;
    for _ in 0..3 {
        let res =
            agent.post("/login", &[("email", "x@example.org"), ("password", "whatever-whatever")]).await;
        assert_eq!(res.status(), 200);
    }
    let res = agent.post("/login", &[("email", "x@example.org"), ("password", "whatever-whatever")]).await;
    assert_eq!(res.status(), 429);
});

both_backends!(form_posts_without_a_valid_csrf_token_are_refused_and_change_nothing, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let admin = app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;
    let before = cdop::store::areas::list(&app.state.db).await.expect("areas").len();

    let res =
        admin.client.post(admin.url("/admin/areas")).form(&[("name", "Forged")]).send().await.expect("sent");
    assert_eq!(res.status(), 403, "no token");
    let res = admin
        .client
        .post(admin.url("/admin/areas"))
        .form(&[("name", "Forged"), ("csrf_token", "wrong-token-wrong-token-wrong-token-xx")])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 403, "wrong token");
    let token = admin.csrf();
    let res = admin
        .client
        .post(admin.url("/admin/areas"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Forged"), ("csrf_token", token.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 403, "cross-site");
    let res = admin
        .client
        .post(admin.url("/admin/areas"))
        .header("origin", "https://evil.example")
        .form(&[("name", "Forged"), ("csrf_token", token.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 403, "foreign origin");
    assert_eq!(
        cdop::store::areas::list(&app.state.db).await.expect("areas").len(),
        before,
        "nothing changed"
    );

    let res = admin.post("/admin/areas", &[("name", "Genuine")]).await;
    assert_eq!(res.status(), 303, "a real form post works");
    assert_eq!(cdop::store::areas::list(&app.state.db).await.expect("areas").len(), before + 1);
});

both_backends!(two_factor_enrolment_is_required_and_then_used, |backend: Backend| async move {
    let app = TestApp::spawn_with(
        backend,
        |c| c.auth.mfa_required_roles = vec![Role::DesignatedDoctor],
        axum::Router::new(),
    )
    .await;
    let area = app.area("Cumberland").await;
    app.user("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let agent = app.agent();
    let to = agent.login("dd@example.org", PASSWORD).await;
    assert_eq!(to, "/account/two-factor", "enrolment comes first");
    let res = agent.client.get(agent.url("/account")).send().await.expect("sent");
    assert_eq!(res.headers()["location"], "/account/two-factor", "nothing else until enrolled");

    let (_, html) = agent.page("/account/two-factor").await;
    assert!(html.contains("<svg"), "a QR code");
    let secret = text_of_id(&html, "totp-secret").expect("the key is shown").replace(' ', "");
    let raw = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
    let step = cdop::store::now().timestamp() / 30;
    let code = format!("{:06}", cdop::crypto::totp::code_at(&raw, step).expect("code"));
    let (status, html, _) = agent.post_page("/account/two-factor", &[("code", "000000")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("The code is not correct") || code == "000000");
    let (status, html, _) = agent.post_page("/account/two-factor", &[("code", &code)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Save your recovery codes"));
    let recovery: Vec<String> = html
        .split("<li>")
        .skip(1)
        .filter_map(|s| s.split("</li>").next())
        .filter(|s| s.len() == 11 && s.contains('-'))
        .map(str::to_string)
        .collect();
    assert_eq!(recovery.len(), 10, "ten recovery codes");
    assert_eq!(agent.page("/account").await.0, 200, "fully signed in");

    // Next sign-in asks for a code; a replayed code is refused, a recovery code works once.
    agent.post("/logout", &[]).await;
    let to = agent.login("dd@example.org", PASSWORD).await;
    assert_eq!(to, "/login/two-factor");
    let (status, html, _) = agent.post_page("/login/two-factor", &[("code", &code)]).await;
    assert_eq!(status, 200, "replay refused");
    assert!(html.contains("already been used"));
    let (status, _, location) =
        agent.post_page("/login/two-factor", &[("recovery_code", &recovery[0].to_uppercase())]).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/"));
    agent.page("/").await;
    agent.post("/logout", &[]).await;
    agent.login("dd@example.org", PASSWORD).await;
    let (status, _, _) = agent.post_page("/login/two-factor", &[("recovery_code", &recovery[0])]).await;
    assert_eq!(status, 200, "a recovery code works only once");
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"auth.mfa.enabled".to_string()));
    assert!(actions.contains(&"auth.mfa.recovery_code_used".to_string()));
});

both_backends!(forced_password_change_applies_the_policy, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let admin = app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;
    let area_s = area.to_string();
    let (status, html, _) = admin
        .post_page(
            "/admin/users",
            &[
                ("name", "New Coordinator"),
                ("email", "newco@example.org"),
                ("role", "coordinator"),
                ("area", &area_s),
            ],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    let otp = text_of_id(&html, "one-time-password").expect("one-time password shown");

    let agent = app.agent();
    let to = agent.login("newco@example.org", &otp).await;
    assert_eq!(to, "/account/password");
    for (bad, message) in [
        ("short", "12 characters or more"),
        ("password1234567", "too common"),
        ("newco@example.org-x", "must not contain your email"),
    ] {
        let (status, html, _) = agent
            .post_page(
                "/account/password",
                &[("current_password", &otp), ("new_password", bad), ("confirm_password", bad)],
            )
            .await;
        assert_eq!(status, 200);
        assert!(html.contains(message), "{bad}: {message}");
        assert!(html.contains("govuk-error-summary"));
    }
    let res = agent
        .post(
            "/account/password",
            &[
                ("current_password", &otp),
                ("new_password", "velvet-otter-migration"),
                ("confirm_password", "velvet-otter-migration"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let again = app.agent();
    assert_eq!(again.login("newco@example.org", "velvet-otter-migration").await, "/");
});

both_backends!(api_tokens_authenticate_until_revoked, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let agent = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    agent.page("/account/tokens").await;
    let (status, html, _) =
        agent.post_page("/account/tokens", &[("name", "script"), ("expires_days", "30")]).await;
    assert_eq!(status, 200);
    let token = text_of_id(&html, "new-token").expect("token shown once");
    assert!(token.starts_with("cdop_"));
    let api = reqwest::Client::new();
    let res = api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.expect("sent");
    assert_eq!(res.status(), 200);
    let me: serde_json::Value = res.json().await.expect("json");
    assert_eq!(me["roles"][0], "panel_chair");
    // Not shown again, stored hashed.
    let (_, list) = agent.page("/account/tokens").await;
    assert!(!list.contains(&token));
    use sea_orm::EntityTrait;
    let stored = cdop::store::entities::api_token::Entity::find().all(&app.state.db).await.expect("rows");
    assert!(stored.iter().all(|t| t.token_hash != token && t.token_hash.len() == 64));

    let id = stored[0].id;
    let res = agent.post(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), 303);
    let res = api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.expect("sent");
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = api.get(app.url("/api/v1/me")).send().await.expect("sent");
    assert_eq!(res.status(), 401);
});

both_backends!(stale_access_edit_gets_a_conflict_page_keeping_the_choices, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let other_area = app.area("Westmorland and Furness").await;
    let target = app.user("member@example.org", &[Role::PanelMember], &[area]).await;
    let admin = app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;
    let (_, html) = admin.page(&format!("/admin/users/{target}")).await;
    assert!(html.contains("name=\"version\" value=\"1\""));
    // Someone else saves first.
    cdop::store::users::update_access(&app.state.db, target, 1, &[Role::PanelChair], &[area])
        .await
        .expect("update");
    let (status, html, _) = admin
        .post_page(
            &format!("/admin/users/{target}/access"),
            &[("version", "1"), ("role", "coordinator"), ("area", &other_area.to_string())],
        )
        .await;
    assert_eq!(status, 409);
    assert!(html.contains("Someone else changed this user"));
    assert!(
        html.contains(
            "id=\"role-coordinator\" name=\"role\" type=\"checkbox\" value=\"coordinator\" checked"
        ),
        "choices kept"
    );
    let roles = cdop::store::users::roles(&app.state.db, target).await.expect("roles");
    assert_eq!(roles, vec![Role::PanelChair], "the other change stands");
});

both_backends!(audit_trail_is_filterable_exportable_and_tamper_evident, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let admin = app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;
    admin.post("/admin/areas", &[("name", "=cmd|' /C calc'!A0")]).await;
    let (status, html) = admin.page("/admin/audit?action=area.created").await;
    assert_eq!(status, 200);
    assert!(html.contains("area.created"));
    assert!(!html.contains("auth.login.success</td>"), "filtered");
    let res = admin.client.get(admin.url("/admin/audit.csv")).send().await.expect("sent");
    assert_eq!(res.status(), 200);
    let csv = res.text().await.expect("csv");
    assert!(csv.starts_with("seq,occurred_at,actor"));
    assert!(csv.contains("auth.login.success"));

    let report = audit::verify(&app.state.db).await.expect("verify");
    assert!(report.broken.is_none(), "{report:?}");
    assert!(report.checked >= 3);

    // Tamper with one event: verification names it.
    app.sql("UPDATE audit_events SET details = 'nothing to see' WHERE seq = 2").await;
    let report = audit::verify(&app.state.db).await.expect("verify");
    let broken = report.broken.expect("tampering detected");
    assert_eq!(broken.seq, 2);

    // The command line says the same and exits non-zero.
    let out =
        crate::common::process::run(&app.dir, &[("CDOP__DATABASE__URL", &app.db.url)], &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("event 2"), "{err}");
});

both_backends!(deleting_the_newest_audit_event_is_detected, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;
    let (rows, total) = audit::search(&app.state.db, &Default::default(), 0, 1).await.expect("audit");
    assert!(total >= 1);
    app.sql(&format!("DELETE FROM audit_events WHERE seq = {}", rows[0].seq)).await;
    let report = audit::verify(&app.state.db).await.expect("verify");
    assert!(report.broken.is_some(), "truncation detected");
});

both_backends!(pages_for_signed_in_users_are_not_cached, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let agent = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
    let res = agent.client.get(agent.url("/account")).send().await.expect("sent");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS on the loopback default");
});

both_backends!(secure_cookies_use_the_host_prefix_and_hsts, |backend: Backend| async move {
    let app =
        TestApp::spawn_with(backend, |c| c.server.secure_cookies = Some(true), axum::Router::new()).await;
    let res = reqwest::get(app.url("/login")).await.expect("sent");
    assert!(res.headers().get("strict-transport-security").is_some());
    let cookie = res.headers()["set-cookie"].to_str().expect("ascii").to_string();
    assert!(
        cookie.starts_with("__Host-cdop_csrf=")
            && cookie.contains("Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
});

both_backends!(
    admins_confirm_before_ending_sessions_correct_names_and_read_the_audit_in_words,
    |backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let other = app.area("Westmorland and Furness").await;
        let target = app.user("jo@example.org", &[Role::PanelMember], &[area]).await;
        app.user("taken@example.org", &[Role::PanelMember], &[area]).await;
        let admin = app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;
        let member = app.agent();
        member.login("jo@example.org", PASSWORD).await;

        // Resetting a password asks first; nothing happens until confirmed.
        let (status, html, _) = admin.post_page(&format!("/admin/users/{target}/reset-password"), &[]).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Reset password for Test jo?") && html.contains("name=\"confirm\" value=\"yes\"")
        );
        assert_eq!(member.page("/account").await.0, 200, "still signed in: nothing was reset");
        let (status, html, _) =
            admin.post_page(&format!("/admin/users/{target}/reset-password"), &[("confirm", "yes")]).await;
        assert_eq!(status, 200);
        assert!(html.contains("one-time-password"));
        assert_ne!(member.page("/account").await.0, 200, "signed out by the reset");
        let (status, html, _) = admin.post_page(&format!("/admin/users/{target}/disable"), &[]).await;
        assert_eq!(status, 200);
        assert!(html.contains("Disable the account for Test jo?"));
        assert!(!cdop::store::users::find(&app.state.db, target).await.expect("db").expect("user").disabled);

        // Name and email corrected (audited, fields only); a taken email is an error next to the field.
        let (_, page) = admin.page(&format!("/admin/users/{target}")).await;
        let version = crate::common::agent::value_of(&page, "version").expect("version");
        let (status, html, _) = admin
            .post_page(
                &format!("/admin/users/{target}/details"),
                &[("version", version.as_str()), ("name", "Jo Bloggs"), ("email", "taken@example.org")],
            )
            .await;
        assert_eq!(status, 422);
        assert!(html.contains("already uses this email") && html.contains("value=\"Jo Bloggs\""));
        let (status, _, _) = admin
            .post_page(
                &format!("/admin/users/{target}/details"),
                &[("version", version.as_str()), ("name", "Jo Bloggs"), ("email", "jo.bloggs@example.org")],
            )
            .await;
        assert_eq!(status, 303);
        let user = cdop::store::users::find(&app.state.db, target).await.expect("db").expect("user");
        assert_eq!((user.name.as_str(), user.email.as_str()), ("Jo Bloggs", "jo.bloggs@example.org"));

        // The audit trail reads in words.
        let (_, page) = admin.page(&format!("/admin/users/{target}")).await;
        let version = crate::common::agent::value_of(&page, "version").expect("version");
        let (area_s, other_s) = (area.to_string(), other.to_string());
        admin
            .post_page(
                &format!("/admin/users/{target}/access"),
                &[
                    ("version", version.as_str()),
                    ("role", "panel_member"),
                    ("area", area_s.as_str()),
                    ("area", other_s.as_str()),
                ],
            )
            .await;
        let (_, audit_page) = admin.page("/admin/audit").await;
        assert!(
            audit_page
                .contains("Areas changed for Jo Bloggs: Cumberland → Cumberland, Westmorland and Furness"),
            "in words"
        );
        assert!(audit_page.contains("Name or email changed: Jo Bloggs"));
        // The date filter is a GOV.UK date input, with specific messages.
        let (status, html) = admin.page("/admin/audit?from.day=31&from.month=2&from.year=2026").await;
        assert_eq!(status, 200);
        assert!(html.contains("The from date must be a real date") && html.contains("href=\"#from-day\""));
        let (_, html) = admin
            .page("/admin/audit?from.day=1&from.month=1&from.year=2000&to.day=1&to.month=1&to.year=2000")
            .await;
        assert!(html.contains("0 events"));

        // Area names are unique ignoring capitals; a deactivated area leaves the forms.
        let (status, html, _) = admin.post_page("/admin/areas", &[("name", "cumberland")]).await;
        assert_eq!(status, 200);
        assert!(html.contains("already exists"));
        let (_, areas_page) = admin.page("/admin/areas").await;
        assert!(areas_page.contains(&format!("action=\"/admin/areas/{other}/active\"")));
        let (status, _, _) = admin
            .post_page(&format!("/admin/areas/{other}/active"), &[("version", "1"), ("active", "false")])
            .await;
        assert_eq!(status, 303);
        let doctor = app.signed_in("dd@example.org", &[Role::DesignatedDoctor], &[area, other]).await;
        let (_, form) = doctor.page("/cases/new").await;
        assert!(!form.contains("Westmorland and Furness"), "gone from the notification form");
        assert!(form.contains("Cumberland"));
    }
);

both_backends!(api_tokens_end_with_a_reset_and_wait_for_required_two_factor, |backend: Backend| async move {
    let app = TestApp::spawn_with(
        backend,
        |c| c.auth.mfa_required_roles = vec![Role::Coordinator],
        axum::Router::new(),
    )
    .await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
    let id = app.user_id("co@example.org").await;
    let cases = |t: String| {
        let url = app.url("/api/v1/cases");
        async move { reqwest::Client::new().get(url).bearer_auth(t).send().await.expect("sent").status() }
    };
    // Two-factor is required for the role and not set up yet: the token does not work.
    assert_eq!(cases(token.clone()).await, 401, "no way round the mandatory two-factor");
    crate::review::with_totp(&app, id).await;
    assert_eq!(cases(token.clone()).await, 200, "once enrolled, the token works");

    // A password reset ends the account's tokens, as it ends its sessions.
    cdop::accounts::reset_password(&app.state.db, &cdop::service::Acting::cli(), id).await.expect("reset");
    assert_eq!(cases(token.clone()).await, 401, "revoked by the password reset");
    let again = cdop::store::tokens::create(&app.state.db, id, "again", id, None).await.expect("token").0;
    assert_eq!(cases(again.clone()).await, 200);
    // A two-factor reset too (and the account must enrol again before any new token works).
    cdop::accounts::reset_two_factor(&app.state.db, &cdop::service::Acting::cli(), id).await.expect("reset");
    assert_eq!(cases(again).await, 401, "revoked by the two-factor reset");
    let revoked = app.sql_strings("SELECT name FROM api_tokens WHERE revoked_at IS NOT NULL").await;
    assert_eq!(revoked.len(), 2, "{revoked:?}");
    let details = app
        .sql_strings(
            "SELECT details FROM audit_events WHERE action IN ('auth.password.reset', 'auth.mfa.reset')",
        )
        .await;
    assert!(details.iter().all(|d| d.contains("tokens_revoked=1")), "{details:?}");
});

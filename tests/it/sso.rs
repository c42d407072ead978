//! Single sign-on through a real OpenID Connect provider (`tests/oidc/provider.mjs`, panva's
//! certified oidc-provider) started for each test: sign-in of a known user (linked by email, then
//! by `sub`), unknown users refused or given an account to approve, addresses the provider does
//! not vouch for refused, the provider's second factor standing in for the service's, a fresh
//! sign-in with the provider before a reveal and before sign-off, sign-out at both ends, and ID
//! tokens with the wrong audience, issuer or nonce, expired, from the future or tampered refused.

use chrono::TimeDelta;

use cdop::config::SsoProvider;
use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::agent::Agent;
use crate::common::oidc::{AtProvider, TestProvider, sign_in_at_provider};
use crate::common::{Backend, TestApp};

/// A provider and an app that signs in through it (`id` "test"), `tweak` adjusting the entry.
pub(crate) async fn with_provider(
    backend: Backend,
    tweak: impl FnOnce(&mut SsoProvider),
) -> (TestProvider, TestApp, tempfile::TempDir) {
    let idp = TestProvider::start();
    let secrets = tempfile::tempdir().expect("temporary directory");
    let mut entry = idp.config(secrets.path());
    tweak(&mut entry);
    let app = TestApp::spawn_with(backend, |c| c.auth.sso = vec![entry], axum::Router::new()).await;
    (idp, app, secrets)
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Signs in at the provider from the service's button (`next` the page asked for); returns the
/// service's answer to the provider's redirect back, and that redirect's URL.
pub(crate) async fn sign_in(
    agent: &Agent,
    idp: &TestProvider,
    next: &str,
    who: AtProvider<'_>,
) -> (reqwest::Response, String) {
    let start =
        if next == "/" { "/login/sso/test".to_string() } else { format!("/login/sso/test?next={next}") };
    through_provider(agent, idp, &start, who).await
}

/// Opens `start` (a page that sends the browser to the provider), signs in there as `who`;
/// returns where the provider sends the browser back to, not yet opened.
async fn answer_from_provider(agent: &Agent, idp: &TestProvider, start: &str, who: AtProvider<'_>) -> String {
    let res = agent.response(start).await;
    assert_eq!(res.status(), 303, "the button sends the browser to the provider");
    let back = sign_in_at_provider(&agent.client, &idp.issuer, &location(&res), who).await;
    assert!(back.starts_with(&agent.base), "the provider sends the browser back to the service: {back}");
    back
}

/// [`answer_from_provider`], then the service's answer to the way back, and its URL.
async fn through_provider(
    agent: &Agent,
    idp: &TestProvider,
    start: &str,
    who: AtProvider<'_>,
) -> (reqwest::Response, String) {
    let back = answer_from_provider(agent, idp, start, who).await;
    (agent.client.get(&back).send().await.expect("callback"), back)
}

fn person(email: &str, mfa: bool) -> AtProvider<'_> {
    AtProvider { email, name: "Pat Example", mfa, ..AtProvider::default() }
}

async fn audit_trail(app: &TestApp) -> Vec<String> {
    app.sql_strings(
        "SELECT action || ' ' || object_ref || ' ' || details FROM audit_events \
         WHERE action LIKE 'auth.%' ORDER BY seq",
    )
    .await
}

both_backends!(staff_sign_in_with_their_organisation_account, |backend: Backend| async move {
    let (idp, app, _secrets) = with_provider(backend, |_| {}).await;
    let area = app.area("Cumberland").await;
    let chair = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let agent = app.agent();
    let csp = agent.response("/login").await.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(
        csp.contains(&format!("form-action 'self' {};", idp.issuer)),
        "forms may redirect to the provider (sign-out, a fresh sign-in): {csp}"
    );
    let (_, login) = agent.page("/login").await;
    assert!(
        login.contains("Sign in with the test provider") && login.contains("href=\"/login/sso/test\""),
        "the sign-in page offers the provider"
    );

    // The button: the authorization code flow with PKCE, state and nonce.
    let res = agent.response("/login/sso/test?next=/cases").await;
    let url = location(&res);
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "client_id=cdop",
    ] {
        assert!(url.contains(part), "{part} in {url}");
    }
    let back = sign_in_at_provider(&agent.client, &idp.issuer, &url, person("Chair@Example.org", true)).await;
    let res = agent.client.get(&back).send().await.expect("callback");
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, "/cases".to_string()),
        "signed in, where they were going"
    );
    let (status, page) = agent.page("/cases").await;
    assert_eq!(status, 200, "fully signed in: the provider's second factor counts");
    assert!(
        page.contains("Signing in with the test provider is now linked to your account"),
        "the first sign-in says it linked"
    );
    let replay = agent.client.get(&back).send().await.expect("replayed callback");
    assert_eq!(replay.status(), 400, "a provider's answer is used once");

    assert_eq!(
        app.sql_strings(
            "SELECT provider || ' ' || subject || ' ' || CASE WHEN last_mfa THEN 'mfa' ELSE 'no-mfa' END FROM sso_identities"
        )
        .await,
        ["test chair@example.org mfa"],
        "linked by the verified email address"
    );
    let trail = audit_trail(&app).await;
    assert!(trail.contains(&format!("auth.sso.linked {chair} provider=test")), "{trail:?}");
    assert!(
        trail
            .iter()
            .any(|e| e.starts_with(&format!("auth.login.success {chair} provider=test mfa=yes amr=pwd,mfa"))),
        "{trail:?}"
    );

    // Sign-out ends the service's session, then the provider's (RP-initiated logout).
    let (status, _, to) = agent.post_page("/logout", &[]).await;
    assert_eq!(status, 303);
    let to = to.expect("where sign-out goes");
    assert!(
        to.starts_with(&format!("{}/session/end?", idp.issuer))
            && to.contains("client_id=cdop")
            && to.contains(&format!("post_logout_redirect_uri={}", encode(&format!("{}/login", app.base)))),
        "{to}"
    );
    assert_signed_out(&agent).await;
    let page = agent.client.get(&to).send().await.expect("end session").text().await.expect("page");
    let xsrf = page.split("name=\"xsrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("xsrf");
    let res = agent
        .client
        .post(format!("{}/session/end/confirm", idp.issuer))
        .form(&[("xsrf", xsrf), ("logout", "yes")])
        .send()
        .await
        .expect("confirm");
    assert_eq!(location(&res), format!("{}/login", app.base), "the provider sends the browser back");

    // Once linked, the provider's `sub` finds the account even after its address changes here.
    app.sql(&format!("UPDATE users SET email = 'chair.renamed@example.org' WHERE id = {chair}")).await;
    let again = app.agent();
    let (res, _) = sign_in(&again, &idp, "/", person("chair@example.org", true)).await;
    assert_eq!(location(&res), "/");
    let trail = audit_trail(&app).await;
    assert_eq!(
        trail.iter().filter(|e| e.starts_with(&format!("auth.login.success {chair} provider=test"))).count(),
        2
    );

    // A password sign-in in a browser already signed in through the provider starts afresh:
    // nothing of the provider's sign-in (its second factor) carries over.
    let both = app.agent();
    let (res, _) = sign_in(&both, &idp, "/", person("chair@example.org", true)).await;
    assert_eq!(location(&res), "/");
    both.page("/").await;
    assert_eq!(both.login("chair.renamed@example.org", crate::common::PASSWORD).await, "/");
    let how = app
        .sql_strings(&format!(
            "SELECT COALESCE(provider, 'password') || ' ' || CASE WHEN provider_mfa THEN 'mfa' ELSE 'no-mfa' END \
             FROM sessions WHERE user_id = {chair} ORDER BY created_at"
        ))
        .await;
    assert_eq!(how, ["test mfa", "password no-mfa"], "the other browser's session, and this one's");

    // Without the provider's second factor, the service's own applies: its code comes next.
    let member = app.user("member@example.org", &[Role::PanelMember], &[area]).await;
    crate::review::with_totp(&app, member).await;
    let (res, _) = sign_in(&app.agent(), &idp, "/", person("member@example.org", false)).await;
    assert_eq!(
        location(&res),
        "/login/two-factor",
        "no second factor at the provider: the service's own code"
    );
    let trail = audit_trail(&app).await;
    assert!(
        trail.iter().any(|e| e.starts_with(&format!("auth.login.success {member} provider=test mfa=no"))),
        "{trail:?}"
    );
});

/// Pages send a browser without a session to the sign-in page.
async fn assert_signed_out(agent: &Agent) {
    let res = agent.response("/cases").await;
    assert_eq!(res.status(), 303, "not signed in");
    assert!(location(&res).starts_with("/login"), "to the sign-in page");
}

fn encode(s: &str) -> String {
    s.replace(':', "%3A").replace('/', "%2F")
}

both_backends!(
    people_the_service_does_not_know_are_refused_or_await_approval,
    |backend: Backend| async move {
        let (idp, app, _secrets) = with_provider(backend, |_| {}).await;
        let (res, _) = sign_in(&app.agent(), &idp, "/", person("stranger@example.org", true)).await;
        assert_eq!(res.status(), 403);
        let page = res.text().await.expect("page");
        assert!(
            page.contains("You do not have an account in this service")
                && page.contains("stranger@example.org"),
            "{page}"
        );
        let (res, _) = sign_in(&app.agent(), &idp, "/", person("someone@elsewhere.org", true)).await;
        assert_eq!(res.status(), 403, "outside the provider's domains");
        assert!(
            res.text().await.expect("page").contains("did not confirm an email address this service accepts")
        );
        let unverified = AtProvider { unverified: true, ..person("unverified@example.org", true) };
        let (res, _) = sign_in(&app.agent(), &idp, "/", unverified).await;
        assert_eq!(res.status(), 403, "an address the provider does not vouch for");
        assert!(app.sql_strings("SELECT email FROM users").await.is_empty(), "nobody was created");
        let trail = audit_trail(&app).await;
        for reason in ["unknown_account", "email_domain", "email_unverified"] {
            assert!(
                trail.iter().any(|e| e.starts_with("auth.login.failure unknown provider=test reason=")
                    && e.ends_with(reason)),
                "{reason}: {trail:?}"
            );
        }
        drop(app);

        // With just-in-time creation: a disabled account, no roles, for an admin to approve; the
        // admins are told.
        let (idp, app, _secrets) = with_provider(backend, |p| p.create_accounts = true).await;
        let area = app.area("Cumberland").await;
        let admin_id = app.user("admin@example.org", &[Role::Admin], &[area]).await;
        let (res, _) = sign_in(&app.agent(), &idp, "/", person("new.starter@example.org", true)).await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.expect("page").contains("Your account is waiting for approval"));
        let rows = app
            .sql_strings(&format!(
                "SELECT email || ' ' || name || ' ' || CASE WHEN disabled THEN 'disabled' ELSE 'enabled' END \
                 FROM users WHERE id <> {admin_id}"
            ))
            .await;
        assert_eq!(rows, ["new.starter@example.org Pat Example disabled"]);
        let told = app
            .sql_strings("SELECT to_address FROM mail_outbox WHERE template = 'account_awaiting_approval'")
            .await;
        assert_eq!(told, ["admin@example.org"], "the admins are told");
        let id = app.user_id("new.starter@example.org").await;
        assert!(
            app.sql_strings(&format!("SELECT role FROM user_roles WHERE user_id = {id}")).await.is_empty(),
            "no roles until an admin gives them"
        );
        assert!(
            audit_trail(&app)
                .await
                .contains(&format!("auth.sso.account_created {id} provider=test disabled=yes"))
        );
        let (res, _) = sign_in(&app.agent(), &idp, "/", person("new.starter@example.org", true)).await;
        assert!(res.text().await.expect("page").contains("Your account is not active"), "still waiting");

        // The admin approves it: enabled, with a role and an area.
        let admin = app.agent();
        assert_eq!(admin.login("admin@example.org", crate::common::PASSWORD).await, "/");
        let (_, page) = admin.page("/admin/access-review").await;
        assert!(
            page.contains("the test provider (not signed in yet)"),
            "the access review shows the provider"
        );
        let (_, page) = admin.page("/admin/users").await;
        assert!(page.contains("Awaiting approval"), "the users list says who is waiting");
        assert_eq!(admin.post_page(&format!("/admin/users/{id}/enable"), &[]).await.0, 303);
        app.sql(&format!("INSERT INTO user_roles (user_id, role) VALUES ({id}, 'panel_member')")).await;
        let (res, _) = sign_in(&app.agent(), &idp, "/", person("new.starter@example.org", true)).await;
        assert_eq!(location(&res), "/", "signed in once approved");
        let (_, page) = admin.page(&format!("/admin/users/{id}")).await;
        assert!(
            page.contains("Last signed in") && page.contains("with a second factor"),
            "the user page shows the link"
        );
        // Unlinking (after a confirmation) ends their sessions; it is audited.
        let (status, page, _) = admin.post_page(&format!("/admin/users/{id}/sso/test/unlink"), &[]).await;
        assert_eq!(status, 200);
        assert!(page.contains("Unlink single sign-on"));
        let (status, _, _) =
            admin.post_page(&format!("/admin/users/{id}/sso/test/unlink"), &[("confirm", "yes")]).await;
        assert_eq!(status, 303);
        assert!(app.sql_strings("SELECT subject FROM sso_identities").await.is_empty());
        assert!(audit_trail(&app).await.contains(&format!("auth.sso.unlinked {id} provider=test")));
    }
);

/// Each check an ID token must pass, on real tokens the provider signed. Token checking touches no
/// database, so this runs once; the sign-in tests above take the whole flow through both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_tokens_failing_any_check_are_refused() {
    use cdop::accounts::sso::{Sso, verify};
    let idp = TestProvider::start();
    let secrets = tempfile::tempdir().expect("temporary directory");
    let mut config = idp.config(secrets.path());
    config.mfa_acr = vec!["AAL3".into()];
    let sso = Sso::default();
    let metadata = sso.metadata(&config, false).await.expect("discovered");
    let now = chrono::Utc::now();
    let mfa = AtProvider { name: "Pat Example", ..person("pat@example.org", true) };
    let token = idp.id_token("cdop", "cdop-test-secret", "nonce-1", mfa).await;

    let claims = verify::id_token(&config, &metadata, &token, "nonce-1", now).expect("a good token passes");
    assert_eq!(claims.subject, "pat@example.org");
    assert_eq!(claims.email.as_deref(), Some("pat@example.org"));
    assert!(claims.email_verified && claims.mfa && claims.auth_time.is_some());
    assert_eq!(claims.amr, ["pwd", "mfa"]);

    let refused = |why: Result<verify::Claims, verify::Rejected>, words: &str| {
        let e = why.expect_err(words);
        assert!(e.reason.to_lowercase().contains(words), "{words}: {e}");
    };
    refused(verify::id_token(&config, &metadata, &token, "nonce-2", now), "nonce");
    // Expired: an hour's lifetime, and the skew (60 s) is all the leeway there is.
    refused(verify::id_token(&config, &metadata, &token, "nonce-1", now + TimeDelta::minutes(62)), "expired");
    assert!(verify::id_token(&config, &metadata, &token, "nonce-1", now + TimeDelta::minutes(59)).is_ok());
    refused(verify::id_token(&config, &metadata, &token, "nonce-1", now - TimeDelta::minutes(10)), "future");
    // Tampered: the payload changed (the signature no longer matches).
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let payload = data_encoding::BASE64URL_NOPAD.decode(parts[1].as_bytes()).expect("payload");
    let changed = String::from_utf8(payload).expect("json").replace("pat@example.org", "boss@example.org");
    parts[1] = data_encoding::BASE64URL_NOPAD.encode(changed.as_bytes());
    refused(verify::id_token(&config, &metadata, &parts.join("."), "nonce-1", now), "signature");
    let tampered =
        verify::id_token(&config, &metadata, &parts.join("."), "nonce-1", now).expect_err("tampered");
    assert!(tampered.signature, "marked as a signature failure (the keys are read again once)");
    assert!(!verify::id_token(&config, &metadata, &token, "nonce-2", now).expect_err("nonce").signature);
    refused(verify::id_token(&config, &metadata, "not.a.token", "nonce-1", now), "not an id token");

    // Issued to another client of the same provider: the wrong audience.
    let other = idp.id_token("other", "other-test-secret", "nonce-1", mfa).await;
    refused(verify::id_token(&config, &metadata, &other, "nonce-1", now), "audience");

    // Issued by another provider: its keys are not ours, and neither is its issuer.
    let elsewhere = TestProvider::start();
    let foreign = elsewhere.id_token("cdop", "cdop-test-secret", "nonce-1", mfa).await;
    assert!(
        verify::id_token(&config, &metadata, &foreign, "nonce-1", now).is_err(),
        "another provider's token"
    );
    let mut foreign_config = elsewhere.config(secrets.path());
    foreign_config.issuer = idp.issuer.clone();
    let their_keys = sso.metadata(&elsewhere.config(secrets.path()), false).await.expect("discovered");
    let mut posing = their_keys.clone();
    posing = posing.set_issuer(metadata.issuer().clone());
    refused(verify::id_token(&foreign_config, &posing, &foreign, "nonce-1", now), "issuer");

    // Without `mfa` in `amr`, no second factor; a configured `acr` is one.
    let no_mfa = idp.id_token("cdop", "cdop-test-secret", "n", person("pat@example.org", false)).await;
    assert!(!verify::id_token(&config, &metadata, &no_mfa, "n", now).expect("valid").mfa);
    let acr = AtProvider { acr: "AAL3", ..person("pat@example.org", false) };
    let with_acr = idp.id_token("cdop", "cdop-test-secret", "n", acr).await;
    let claims = verify::id_token(&config, &metadata, &with_acr, "n", now).expect("valid");
    assert!(claims.mfa && claims.acr.as_deref() == Some("AAL3"));
}

both_backends!(
    a_sign_in_not_started_here_or_refused_at_the_provider_goes_no_further,
    |backend: Backend| async move {
        let (idp, app, _secrets) = with_provider(backend, |_| {}).await;
        let area = app.area("Cumberland").await;
        app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
        // Someone else's sign-in: the provider's answer opened in a browser that did not start it.
        let victim = app.agent();
        let back =
            answer_from_provider(&victim, &idp, "/login/sso/test", person("chair@example.org", true)).await;
        let attacker = app.agent();
        let res = attacker.client.get(&back).send().await.expect("callback");
        assert_eq!(res.status(), 400);
        assert!(res.text().await.expect("page").contains("This sign-in has expired"));
        // An answer that names another issuer (RFC 9207: a mix-up) is not used, and uses up the
        // sign-in it claims to finish.
        let back =
            answer_from_provider(&victim, &idp, "/login/sso/test", person("chair@example.org", true)).await;
        assert!(back.contains(&format!("iss={}", encode(&idp.issuer))), "the provider names itself: {back}");
        let mixed = back.replace(&encode(&idp.issuer), &encode("https://evil.example"));
        let res = victim.client.get(&mixed).send().await.expect("callback");
        assert_eq!(res.status(), 502);
        assert!(res.text().await.expect("page").contains("Sign-in could not be checked"));
        assert_eq!(victim.client.get(&back).send().await.expect("callback").status(), 400, "used up");
        // The provider said no (the person cancelled).
        let res = victim.response("/login/sso/test").await;
        let url = reqwest::Url::parse(&location(&res)).expect("url");
        let state =
            url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).expect("state");
        let res =
            victim.response(&format!("/login/sso/test/callback?error=access_denied&state={state}")).await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.expect("page").contains("Sign-in was not completed"));
        let trail = audit_trail(&app).await;
        for reason in ["stale_request", "cancelled"] {
            assert!(
                trail.iter().any(|e| e.ends_with(&format!("provider=test reason={reason}"))),
                "{reason}: {trail:?}"
            );
        }
        assert_signed_out(&victim).await;
        assert_eq!(app.agent().response("/login/sso/nowhere").await.status(), 404, "an unknown provider");
        // A provider that cannot be reached: a page that says so.
        let (_idp, down, _s) = with_provider(backend, |p| p.issuer = "http://127.0.0.1:9".into()).await;
        let res = down.agent().response("/login/sso/test").await;
        assert_eq!(res.status(), 502);
        assert!(res.text().await.expect("page").contains("Sign-in with the test provider is not working"));
    }
);

/// A new agent signed in through the provider as `email` (with a second factor there).
async fn via_provider(app: &TestApp, idp: &TestProvider, email: &str) -> Agent {
    let agent = app.agent();
    let (res, _) = sign_in(&agent, idp, "/", person(email, true)).await;
    assert_eq!(location(&res), "/", "signed in");
    agent.page("/").await;
    agent
}

both_backends!(
    a_fresh_sign_in_with_the_provider_guards_reveals_and_sign_off,
    |backend: Backend| async move {
        let (idp, app, _secrets) = with_provider(backend, |_| {}).await;
        let area = app.area("Cumberland").await;
        let coordinator_id = app.user("coordinator@example.org", &[Role::Coordinator], &[area]).await;
        let coordinator = via_provider(&app, &idp, "coordinator@example.org").await;
        let reference = crate::review::ready_case(&app, &coordinator).await;
        let case = format!("/cases/{reference}");

        // Signed in just now: the reveal goes straight through.
        let (status, _, to) = coordinator.post_page(&format!("{case}/reveal"), &[]).await;
        assert_eq!(status, 303);
        assert!(to.expect("shown").contains("shown="), "revealed");

        // Later than `auth.reauthenticate_after_minutes`: sign in with the provider again first.
        app.state.clock.advance(TimeDelta::minutes(16));
        let (status, _, to) = coordinator.post_page(&format!("{case}/reveal"), &[]).await;
        assert_eq!(status, 303);
        let to = to.expect("to the provider");
        assert_eq!(to, format!("/login/sso/test/reauthenticate?next={case}"));
        let res = coordinator.response(&to).await;
        let url = location(&res);
        for part in ["prompt=login", "max_age=0", "login_hint=coordinator%40example.org"] {
            assert!(url.contains(part), "{part} in {url}");
        }
        // Someone else signs in at the provider: refused, nothing revealed.
        let back =
            sign_in_at_provider(&coordinator.client, &idp.issuer, &url, person("chair@example.org", true))
                .await;
        let res = coordinator.client.get(&back).send().await.expect("callback");
        assert_eq!(res.status(), 403);
        assert!(res.text().await.expect("page").contains("You signed in as someone else"));
        // The coordinator themself: back to the case, and the reveal goes through.
        let (res, _) =
            through_provider(&coordinator, &idp, &to, person("coordinator@example.org", true)).await;
        assert_eq!(location(&res), case);
        let (_, page) = coordinator.page(&case).await;
        assert!(page.contains("You have signed in again with the test provider"));
        let (status, _, to) = coordinator.post_page(&format!("{case}/reveal"), &[]).await;
        assert_eq!(status, 303);
        assert!(to.expect("shown").contains("shown="), "revealed after signing in again");
        let trail = audit_trail(&app).await;
        assert!(
            trail
                .iter()
                .any(|e| e
                    .starts_with(&format!("auth.reauthenticated {coordinator_id} provider=test mfa=yes"))),
            "{trail:?}"
        );
        assert!(trail.iter().any(|e| e.ends_with("reason=different_person")), "{trail:?}");
        // The identity is corrected on a page that opens it: the same guard.
        app.state.clock.advance(TimeDelta::minutes(16));
        let res = coordinator.response(&format!("{case}/edit")).await;
        assert_eq!(location(&res), format!("/login/sso/test/reauthenticate?next={case}/edit"));

        // Sign-off: the chair signed in with the provider's second factor needs no code of the
        // service's own, but a fresh sign-in when theirs is old.
        let chair_id = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
        let member_id = app.user("member@example.org", &[Role::PanelMember], &[area]).await;
        let coordinator = via_provider(&app, &idp, "coordinator@example.org").await;
        crate::review::panel_meeting(&app, &coordinator, &reference, chair_id, member_id, area).await;
        let chair = via_provider(&app, &idp, "chair@example.org").await;
        let analysis = format!("{case}/analysis");
        let lock = crate::review::analysis_saved(&chair, &analysis).await;
        let (_, page) = chair.page(&analysis).await;
        assert!(
            page.contains("id=\"provider-confirms\"") && !page.contains("name=\"code\""),
            "no code asked for"
        );
        app.state.clock.advance(TimeDelta::days(8));
        let (status, _, to) = chair.post_page(&format!("{analysis}/sign-off"), &[("lock", &lock)]).await;
        assert_eq!(
            (status.as_u16(), to.as_deref()),
            (303, Some(format!("/login/sso/test/reauthenticate?next={analysis}").as_str()))
        );
        let to = to.expect("to the provider");
        let (res, _) = through_provider(&chair, &idp, &to, person("chair@example.org", true)).await;
        assert_eq!(location(&res), analysis);
        chair.page(&analysis).await;
        let (status, page, _) = chair.post_page(&format!("{analysis}/sign-off"), &[("lock", &lock)]).await;
        assert_eq!(status, 303, "{page}");
        assert_eq!(app.sql_strings("SELECT status FROM cases").await, ["reviewed"]);
        let signed =
            app.sql_strings("SELECT details FROM audit_events WHERE action = 'analysis.signed'").await;
        assert!(signed.len() == 1 && signed[0].ends_with("confirmed=provider:test"), "{signed:?}");
    }
);

/// The service's HTTP client follows no redirect: a provider address that answers with one (to
/// the real provider, here) is an error, so a configured URL cannot send the service elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_client_follows_no_redirects() {
    let idp = TestProvider::start();
    let target = format!("{}/.well-known/openid-configuration", idp.issuer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = axum::Router::new().route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || async move { axum::response::Redirect::temporary(&target) }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let secrets = tempfile::tempdir().expect("temporary directory");
    let mut config = idp.config(secrets.path());
    config.issuer = format!("http://{addr}");
    let refused = cdop::accounts::sso::Sso::default()
        .metadata(&config, false)
        .await
        .expect_err("a redirect is refused");
    assert!(refused.to_string().contains("provider"), "{refused}");
    let cdop::accounts::sso::Refusal::Provider(detail) = refused else { panic!("a provider error") };
    assert!(detail.contains("307"), "the redirect's status, not the provider's document: {detail}");
    // The provider's own address, asked directly, works.
    config.issuer = idp.issuer.clone();
    assert!(cdop::accounts::sso::Sso::default().metadata(&config, false).await.is_ok());
}

both_backends!(a_client_registered_to_post_its_secret_sends_it_so, |backend: Backend| async move {
    use cdop::config::TokenAuth;
    let (idp, app, _secrets) = with_provider(backend, |p| p.token_auth = TokenAuth::ClientSecretPost).await;
    let area = app.area("Cumberland").await;
    app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let (res, _) = sign_in(&app.agent(), &idp, "/", person("chair@example.org", true)).await;
    assert_eq!(location(&res), "/", "signed in");
    assert_eq!(idp.last_token_auth().await, "client_secret_post", "the secret in the form body");
    drop(app);
    let (idp, app, _secrets) = with_provider(backend, |_| {}).await;
    let area = app.area("Cumberland").await;
    app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let (res, _) = sign_in(&app.agent(), &idp, "/", person("chair@example.org", true)).await;
    assert_eq!(location(&res), "/", "signed in");
    assert_eq!(idp.last_token_auth().await, "client_secret_basic", "the default: a Basic header");
});

both_backends!(
    a_provider_that_rotated_its_signing_keys_still_signs_people_in,
    |backend: Backend| async move {
        let (idp, app, _secrets) = with_provider(backend, |_| {}).await;
        let area = app.area("Cumberland").await;
        app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
        let (res, _) = sign_in(&app.agent(), &idp, "/", person("chair@example.org", true)).await;
        assert_eq!(location(&res), "/", "signed in; the provider's keys are now cached");
        // The provider comes back with new keys at the same address: its tokens are signed with a
        // key the cached set lacks, so the service reads the keys again and signs the person in.
        let idp = idp.restarted();
        let (res, _) = sign_in(&app.agent(), &idp, "/", person("chair@example.org", true)).await;
        assert_eq!(location(&res), "/", "signed in with the provider's new key");
    }
);

both_backends!(a_provider_that_decides_roles_sets_them_at_each_sign_in, |backend: Backend| async move {
    let (idp, app, _secrets) = with_provider(backend, |p| {
        p.create_accounts = true;
        p.role_claim = "roles".into();
        p.role_map = [("CDOP.Chair", Role::PanelChair), ("CDOP.Member", Role::PanelMember)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    })
    .await;
    let area = app.area("Cumberland").await;
    let id = app.user("pat@example.org", &[Role::PanelMember], &[area]).await;
    let roles_sql = format!("SELECT role FROM user_roles WHERE user_id = {id} ORDER BY role");
    let roles = || app.sql_strings(&roles_sql);
    // The provider says chair (and something the service does not know): the roles follow.
    let who = AtProvider { roles: "CDOP.Chair, Finance.Viewer", ..person("pat@example.org", true) };
    let (res, _) = sign_in(&app.agent(), &idp, "/", who).await;
    assert_eq!(location(&res), "/");
    assert_eq!(roles().await, ["panel_chair"], "the provider's roles, areas untouched");
    assert_eq!(
        app.sql_strings(&format!("SELECT CAST(area_id AS TEXT) FROM user_areas WHERE user_id = {id}")).await,
        [area.to_string()]
    );
    let changes = app
        .sql_strings("SELECT actor || ' ' || details FROM audit_events WHERE action = 'user.roles.changed'")
        .await;
    assert_eq!(changes, ["system from=panel_member;to=panel_chair;by=provider:test"]);
    // The same roles again: nothing changes, nothing is audited.
    let (res, _) = sign_in(&app.agent(), &idp, "/", who).await;
    assert_eq!(location(&res), "/");
    assert_eq!(
        app.sql_strings("SELECT CAST(seq AS TEXT) FROM audit_events WHERE action = 'user.roles.changed'")
            .await
            .len(),
        1
    );
    // No role of the service's at the provider: refused, the roles kept as they were.
    let none = AtProvider { roles: "Finance.Viewer", ..person("pat@example.org", true) };
    let (res, _) = sign_in(&app.agent(), &idp, "/", none).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.expect("page").contains("has not given you a role in this service"));
    assert_eq!(roles().await, ["panel_chair"]);
    assert!(
        audit_trail(&app)
            .await
            .iter()
            .any(|e| e == &format!("auth.login.failure {id} provider=test reason=no_role"))
    );
    // The admin's page for the account says where its roles come from.
    let admin = app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;
    let (_, page) = admin.page(&format!("/admin/users/{id}")).await;
    assert!(page.contains("id=\"roles-set-by\"") && page.contains("Roles are set by the test provider"));
    // Someone new with a role there: an account to approve, made with that role.
    let newcomer = AtProvider { roles: "CDOP.Member", ..person("newcomer@example.org", true) };
    let (res, _) = sign_in(&app.agent(), &idp, "/", newcomer).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.expect("page").contains("Your account is waiting for approval"));
    let newcomer = app.user_id("newcomer@example.org").await;
    let made = format!("SELECT role FROM user_roles WHERE user_id = {newcomer}");
    assert_eq!(app.sql_strings(&made).await, ["panel_member"]);
});

//! Hostile input: every route of the access table gets a small corpus of bad values in every text
//! field and query parameter (NUL, a 1 MB string, invalid UTF-8, huge and negative numbers,
//! markup, spreadsheet formulas). Nothing may answer 5xx or drop the connection (a panic), and
//! markup must come back escaped wherever it is shown.

use cdop::domain::role::Role;
use cdop::web::routes::ROUTES;

use crate::both_backends;
use crate::common::{Backend, PASSWORD, TestApp, notification};

const MARKUP: &str = "<script>alert(1)</script>";

/// Raw (already percent-encoded) values for URLs and form bodies.
fn corpus() -> Vec<(&'static str, String)> {
    vec![
        ("nul", "a%00b".to_string()),
        ("control", "a%1B%5B31m%07b".to_string()),
        ("invalid utf-8", "%FF%FE%C0%AF".to_string()),
        ("huge number", "99999999999999999999999999".to_string()),
        ("i64 overflow", "9223372036854775808".to_string()),
        ("negative", "-9223372036854775809".to_string()),
        ("markup", "%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_string()),
        ("formula", "%3DHYPERLINK(%22http%3A%2F%2Fx%22)".to_string()),
        ("long", "x".repeat(1_000_000)),
    ]
}

/// Every form field and query parameter name the service reads.
const NAMES: &[&str] = &[
    "email",
    "password",
    "next",
    "code",
    "recovery_code",
    "name",
    "expires_days",
    "current_password",
    "new_password",
    "confirm_password",
    "role",
    "area",
    "areas",
    "version",
    "reason",
    "reason_other",
    "action",
    "draft",
    "nhs_number",
    "reference",
    "page",
    "per_page",
    "status",
    "year",
    "reporting_year",
    "age_band",
    "sort",
    "search",
    "shown",
    "actor",
    "object",
    "from",
    "to",
    "from.day",
    "from.month",
    "from.year",
    "to.day",
    "to.month",
    "to.year",
    "active",
    "child.given_names",
    "child.family_name",
    "child.other_names",
    "child.date_of_birth.day",
    "child.date_of_birth.month",
    "child.date_of_birth.year",
    "child.date_of_birth_not_known",
    "child.approximate_age",
    "child.approximate_age_unit",
    "child.sex",
    "child.nhs_number",
    "child.nhs_number_status",
    "child.ethnicity",
    "child.address",
    "child.postcode",
    "child.gp_practice",
    "child.parental_responsibility",
    "child.looked_after",
    "death.date_of_death.day",
    "death.date_of_death.month",
    "death.date_of_death.year",
    "death.time_of_death",
    "death.place_category",
    "death.place_detail",
    "death.expected",
    "death.jar_criteria",
    "death.coroner_informed",
    "death.post_mortem_planned",
    "death.circumstances",
    "notifier.name",
    "notifier.role",
    "notifier.organisation",
    "notifier.email",
    "notifier.phone",
    "professionals.0.name",
    "professionals.0.role",
    "professionals.0.organisation",
    "professionals.0.email",
    "professionals.99999999999999999999.name",
];

/// Routes that would end the test's own session, or need a body of their own.
const SKIP: &[&str] = &["/logout", "/account/sign-out-everywhere"];

both_backends!(hostile_values_in_every_field_and_parameter, |backend: Backend| async move {
    let app =
        TestApp::spawn_with(backend, |c| c.auth.login_rate_per_minute = 100_000, axum::Router::new()).await;
    let area = app.area("Cumberland").await;
    let roles = [Role::Admin, Role::Coordinator, Role::DesignatedDoctor, Role::PanelChair];
    let target = app.user("target@example.org", &[Role::PanelMember], &[area]).await;
    let token = app.token_for("api@example.org", &roles, &[area]).await;
    let (_, created) = app
        .notify_api(&token, &notification("Cumberland", "Hostile", "Test", "943 476 5919", "CA1 1AA"))
        .await;
    let reference = created["case_reference"].as_str().expect("a case").to_string();
    let agent = app.signed_in("everyone@example.org", &roles, &[area]).await;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");

    let mut failures = Vec::new();
    for route in ROUTES {
        if SKIP.contains(&route.path) {
            continue;
        }
        let path = route
            .path
            .replace("{reference}", &reference)
            .replace("{id}", &if route.path.starts_with("/admin/areas") { area } else { target }.to_string())
            .replace("{name}", "app.css");
        for (what, value) in corpus() {
            // Query parameters on every route; a form body on POSTs (with the CSRF token).
            let query: String = NAMES.iter().map(|n| format!("{n}={value}")).collect::<Vec<_>>().join("&");
            // A URL cannot carry a megabyte (clients refuse it): 16 KB in the query string instead.
            let query = if value.len() > 1000 { format!("name={}", &value[..16_384]) } else { query };
            let url = app.url(&format!("{path}?{query}"));
            let send = || async {
                if route.path.starts_with("/api/") {
                    let req = if route.method == "POST" {
                        let body =
                            format!("{{\"area\": \"{value}\", \"child\": {{\"given_names\": \"{value}\"}}}}");
                        http.post(&url).body(body).header("content-type", "application/json")
                    } else {
                        http.get(&url)
                    };
                    req.bearer_auth(&token).header("connection", "close").send().await
                } else if route.method == "GET" {
                    agent.client.get(&url).header("connection", "close").send().await
                } else {
                    let mut body = format!("csrf_token={}", agent.csrf());
                    if value.len() > 1000 {
                        body.push_str(&format!("&name={value}"));
                    } else {
                        for n in NAMES {
                            body.push_str(&format!("&{n}={value}"));
                        }
                    }
                    agent
                        .client
                        .post(&url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        // A request refused before its body is read (413) leaves a connection the
                        // client must not reuse.
                        .header("connection", "close")
                        .body(body)
                        .send()
                        .await
                }
            };
            let mut res = send().await;
            // A megabyte body refused at the size limit: the server answers and closes while the
            // client is still writing, and the operating system may reset the connection before
            // the client reads the answer. Trying again tells that race apart from a server that
            // really drops connections (which fails every time).
            let mut tries = 1;
            while res.is_err() && value.len() > 1000 && tries < 3 {
                res = send().await;
                tries += 1;
            }
            match res {
                Err(e) => failures.push(format!(
                    "{} {} with {what}: connection failed ({})",
                    route.method,
                    route.path,
                    e.without_url()
                )),
                Ok(r) => {
                    let status = r.status();
                    let text = r.text().await.unwrap_or_default();
                    if status.is_server_error() {
                        failures.push(format!("{} {} with {what}: {status}", route.method, route.path));
                    }
                    if text.contains(MARKUP) {
                        failures.push(format!(
                            "{} {} with {what}: markup shown unescaped",
                            route.method, route.path
                        ));
                    }
                }
            }
        }
        // The session may have been changed by an admin action on the target; keep ours fresh.
        agent.page("/").await;
    }
    // Pages that show stored values, after all that: still escaped, still working.
    for page in [
        "/cases",
        &format!("/cases/{reference}"),
        "/admin/users",
        "/admin/areas",
        "/admin/audit",
        "/triage",
        "/account/tokens",
    ] {
        let (status, html) = agent.page(page).await;
        if status.is_server_error() || html.contains(MARKUP) {
            failures.push(format!("GET {page} afterwards: {status}"));
        }
    }
    assert!(failures.is_empty(), "hostile input failures:\n{}", failures.join("\n"));
    // The service still answers, and the audit chain is intact.
    assert_eq!(agent.page("/").await.0, 200);
    let login = app.agent();
    assert_eq!(login.login("everyone@example.org", PASSWORD).await, "/");
    assert!(cdop::store::audit::verify(&app.state.db).await.expect("verify").broken.is_none());
});

//! Every route × every role (and anonymous): the access table is enforced, and a new route
//! without an expectation here fails this test.

use std::collections::BTreeSet;

use cdop::domain::role::Role;
use cdop::web::routes::ROUTES;

use crate::both_backends;
use crate::common::agent::Agent;
use crate::common::{PASSWORD, TestApp};

/// P: passes the guard. L: sent to sign in (401 for the API). F: forbidden.
/// Columns: anonymous, admin, coordinator, designated doctor, panel chair, panel member.
const EXPECTED: &[(&str, &str, [char; 6])] = &[
    ("GET", "/", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/healthz", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/readyz", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/assets/{name}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/login", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/login", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/login/two-factor", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/login/two-factor", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/logout", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/login/sso/{id}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/login/sso/{id}/callback", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/login/sso/{id}/reauthenticate", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/account", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/account/password", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/account/password", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/account/two-factor", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/account/two-factor", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/account/two-factor/disable", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/account/sign-out-everywhere", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/account/tokens", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/account/tokens", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/account/tokens/{id}/revoke", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/admin/users", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/users/new", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/users/{id}", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/access", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/details", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/disable", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/enable", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/reset-password", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/reset-two-factor", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/tokens", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/users/{id}/sso/{provider}/unlink", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/areas", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/areas", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/areas/{id}", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/areas/{id}/active", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/audit", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/audit.csv", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/mail", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/mail/{id}/retry", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/sweep", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/policies/new", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/policies", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/policies/{id}", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/policies/{id}", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/holds", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/holds", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/holds/{id}", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/holds/{id}/release", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/queue", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/queue", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/approve", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/entries/{id}", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/retention/entries/{id}/exclude", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/certificates", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/certificates/{id}", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/retention/certificates/{id}/pdf", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/access-review", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("POST", "/admin/access-review", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/admin/case-access", ['L', 'P', 'F', 'F', 'F', 'F']),
    ("GET", "/cases", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/cases/search", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/new", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/new", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/new/check", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/new/check", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/cases/{reference}/reveal", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/edit", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/edit", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/accept", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("POST", "/cases/{reference}/reject", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("POST", "/cases/{reference}/duplicate/distinct", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("GET", "/cases/{reference}/duplicate/merge", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("POST", "/cases/{reference}/duplicate/merge", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("POST", "/cases/{reference}/duplicate/unmerge", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("GET", "/triage", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("GET", "/cases/{reference}/requests", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/requests/new", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/requests/new", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/requests/{id}", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/requests/{id}/{action}", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/requests/{id}/form", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/requests/{id}/form/check", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/requests/{id}/form/check", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/requests/{id}/form/{n}", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/requests/{id}/form/{n}", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/status", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/outstanding", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/f/{token}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/f/{token}/check", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/f/{token}/check", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/f/{token}/{n}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/f/{token}/{n}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/admin/forms", ['L', 'P', 'P', 'F', 'F', 'F']),
    ("GET", "/notify", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/help", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/privacy", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/accessibility", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/cookies", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/notify", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/notify/done", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/api/v1/me", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/api/v1/notifications", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/api/v1/cases", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/api/v1/cases/{reference}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/api/v1/forms", ['L', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/api/v1/cases/{reference}/requests", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/api/v1/cases/{reference}/requests", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/family", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/family/key-worker", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/family/contacts", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/move", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("POST", "/cases/{reference}/move", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("POST", "/cases/{reference}/close", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/briefings", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/briefings/new", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/briefings/new", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/briefings/recipients", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/briefings/recipients", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/briefings/recipients/{id}/remove", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/briefings/{id}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/briefings/{id}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/briefings/{id}/send", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/briefings/{id}/pdf", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/a/{token}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/a/{token}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/b/{token}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("POST", "/b/{token}", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/b/{token}/pdf", ['P', 'P', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/agreement", ['L', 'F', 'P', 'F', 'P', 'F']),
    ("GET", "/reports/annual", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/annual.zip", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/annual.xlsx", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/annual.pdf", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("POST", "/reports/annual/export", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/exports", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/exports/{id}", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/exports/{id}/download", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/dataset", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("POST", "/reports/dataset", ['L', 'F', 'P', 'F', 'F', 'F']),
    ("GET", "/reports/themes", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/themes/{key}", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/reports/custom", ['L', 'F', 'P', 'F', 'P', 'F']),
    ("POST", "/reports/custom", ['L', 'F', 'P', 'F', 'P', 'F']),
    ("GET", "/reports/saved/{key}", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("POST", "/reports/saved/{id}/delete", ['L', 'F', 'P', 'F', 'P', 'F']),
    ("GET", "/actions", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/actions/{reference}/progress", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/actions/{reference}/progress", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/actions.csv", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/actions/new", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/actions/new", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/actions/{reference}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/actions/{reference}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/meetings", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/meetings/new", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/meetings/new", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/meetings/{id}", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/meetings/{id}/edit", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/meetings/{id}/edit", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/meetings/{id}/minutes", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("POST", "/meetings/{id}/minutes", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/meetings/{id}/{action}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/meetings/{id}/cases/{reference}/pack", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/meetings/{id}/cases/{reference}/pack.pdf", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/meetings/{id}/cases/{reference}/prepanel", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("POST", "/meetings/{id}/cases/{reference}/prepanel", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/cases/{reference}/pack", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/cases/{reference}/pack/{action}", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/cases/{reference}/analysis", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/cases/{reference}/analysis", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/cases/{reference}/analysis/sign-off", ['L', 'F', 'F', 'F', 'P', 'F']),
    ("POST", "/cases/{reference}/analysis/amend", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/cases/{reference}/analysis/revisions/{n}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/api/v1/requests/{id}/response", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("POST", "/api/v1/requests/{id}/response", ['L', 'F', 'P', 'P', 'F', 'F']),
    ("GET", "/api/v1/meetings", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("POST", "/api/v1/meetings", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/api/v1/meetings/{id}", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("POST", "/api/v1/meetings/{id}/agenda", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/api/v1/meetings/{id}/invite", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/api/v1/meetings/{id}/cases/{reference}/outcome", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/api/v1/meetings/{id}/cases/{reference}/prepanel", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("POST", "/api/v1/meetings/{id}/cases/{reference}/prepanel", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/api/v1/cases/{reference}/analysis", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/api/v1/cases/{reference}/analysis", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/api/v1/cases/{reference}/analysis/sign-off", ['L', 'F', 'F', 'F', 'P', 'F']),
    ("GET", "/api/v1/actions", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/api/v1/actions", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/api/v1/actions/{reference}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("POST", "/api/v1/actions/{reference}", ['L', 'F', 'P', 'P', 'P', 'F']),
    ("GET", "/api/v1/reports/annual", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/api/v1/reports/themes", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/api/v1/reports/themes/{key}", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/api/v1/reports/saved/{id}", ['L', 'F', 'P', 'P', 'P', 'P']),
    ("GET", "/api/v1/openapi.json", ['P', 'P', 'P', 'P', 'P', 'P']),
];

/// Routes after which the agent must sign in again.
const ENDS_SESSION: &[&str] = &["/logout", "/account/sign-out-everywhere"];

/// Every row of the table holds its handler, so only the expectations need checking here.
#[test]
fn every_route_has_an_expectation() {
    let table: BTreeSet<(&str, &str)> = ROUTES.iter().map(|r| (r.method, r.path)).collect();
    let expected: BTreeSet<(&str, &str)> = EXPECTED.iter().map(|(m, p, _)| (*m, *p)).collect();
    let missing: Vec<_> = table.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&table).collect();
    assert!(missing.is_empty(), "routes without an expectation in tests/it/access.rs: {missing:?}");
    assert!(stale.is_empty(), "expectations for routes that no longer exist: {stale:?}");
}

struct Fixture {
    user_id: i64,
    area_id: i64,
    token_id: i64,
    reference: String,
}

fn concrete(path: &str, f: &Fixture) -> String {
    let id = if path.starts_with("/admin/users/") {
        f.user_id
    } else if path.starts_with("/admin/areas/") {
        f.area_id
    } else {
        f.token_id
    };
    path.replace("{id}", &id.to_string())
        .replace("{name}", "app.css")
        .replace("{reference}", &f.reference)
        .replace("{token}", "not-a-token")
        .replace("{action}", "remind")
        .replace("{n}", "1")
        .replace("{key}", "drowning")
}

async fn classify(agent: &Agent, token: Option<&str>, method: &str, path: &str) -> char {
    let res = if path.starts_with("/api/") {
        let mut req = if method == "POST" {
            agent.client.post(agent.url(path)).json(&serde_json::json!({}))
        } else {
            agent.client.get(agent.url(path))
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("sent")
    } else if method == "GET" {
        agent.client.get(agent.url(path)).send().await.expect("sent")
    } else {
        agent.post(path, &[]).await
    };
    let status = res.status().as_u16();
    let location =
        res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    match status {
        401 => 'L',
        403 => 'F',
        300..=399 if location.starts_with("/login?next=") => 'L',
        _ => 'P',
    }
}

both_backends!(route_by_role_matrix, |backend| async move {
    // The matrix signs in many times from one address.
    let app =
        TestApp::spawn_with(backend, |c| c.auth.login_rate_per_minute = 10_000, axum::Router::new()).await;
    let area = app.area("Cumberland").await;
    let target = app.user("target@example.org", &[Role::PanelMember], &[area]).await;
    let (_, token_row) = cdop::store::tokens::create(&app.state.db, target, "target token", target, None)
        .await
        .expect("token");
    let notifier = app.token_for("notifier@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (_, created) = app
        .notify_api(
            &notifier,
            &crate::common::notification("Cumberland", "A", "B", "943 476 5919", "CA1 1AA"),
        )
        .await;
    let reference = created["case_reference"].as_str().expect("a case").to_string();
    let fixture = Fixture { user_id: target, area_id: area, token_id: token_row.id, reference };

    let roles: [Option<Role>; 6] = [
        None,
        Some(Role::Admin),
        Some(Role::Coordinator),
        Some(Role::DesignatedDoctor),
        Some(Role::PanelChair),
        Some(Role::PanelMember),
    ];
    let mut failures = Vec::new();
    for (column, role) in roles.iter().enumerate() {
        let email = match role {
            Some(r) => format!("{}@example.org", r.as_str()),
            None => String::new(),
        };
        let mut token = None;
        if let Some(r) = role {
            let id = app.user(&email, &[*r], &[area]).await;
            token = Some(
                cdop::store::tokens::create(&app.state.db, id, "matrix", id, None).await.expect("token").0,
            );
        }
        let sign_in = || async {
            let agent = app.agent();
            if role.is_some() {
                agent.login(&email, PASSWORD).await;
            } else {
                agent.page("/login").await;
            }
            agent
        };
        let mut agent = sign_in().await;
        for (method, path, expected) in EXPECTED {
            let url = concrete(path, &fixture);
            let got = classify(&agent, token.as_deref(), method, &url).await;
            if got != expected[column] {
                failures
                    .push(format!("{method} {path} as {role:?}: expected {}, got {got}", expected[column]));
            }
            if ENDS_SESSION.contains(path) || path.ends_with("/disable") || path.ends_with("/enable") {
                agent = sign_in().await;
            }
        }
    }
    assert!(failures.is_empty(), "access matrix failures:\n{}", failures.join("\n"));
});

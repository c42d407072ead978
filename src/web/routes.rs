//! Every route, with the access it requires. The router is built from this table, so a route
//! cannot exist without an access rule; `tests/it/access.rs` checks every entry against every role.

use axum::Router;
use axum::routing::{MethodRouter, get, post};

use crate::app::AppState;
use crate::domain::policy::Action;
use crate::store::sessions::Stage;
use crate::web::auth::{Access, Guarded, guard};
use crate::web::{account, admin, api, assets, auth, cases, health, home, info};

/// One route: method, path template and access rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

use Access::{Account, Public, SignInStep};
const fn act(a: Action) -> Access {
    Access::Action(a)
}

/// The table: (method, path, access).
pub const ROUTES: &[RouteSpec] = &[
    r("GET", "/", Public),
    r("GET", "/healthz", Public),
    r("GET", "/readyz", Public),
    r("GET", "/assets/{name}", Public),
    // Service pages linked from every footer.
    r("GET", "/help", Public),
    r("GET", "/privacy", Public),
    r("GET", "/accessibility", Public),
    r("GET", "/cookies", Public),
    // Signing in and out.
    r("GET", "/login", Public),
    r("POST", "/login", Public),
    r("GET", "/login/two-factor", SignInStep(Stage::Totp)),
    r("POST", "/login/two-factor", SignInStep(Stage::Totp)),
    r("POST", "/logout", Account),
    // Your account.
    r("GET", "/account", act(Action::UseService)),
    r("GET", "/account/password", Account),
    r("POST", "/account/password", Account),
    r("GET", "/account/two-factor", Account),
    r("POST", "/account/two-factor", Account),
    r("POST", "/account/two-factor/disable", act(Action::UseService)),
    r("POST", "/account/sign-out-everywhere", act(Action::UseService)),
    r("GET", "/account/tokens", act(Action::UseService)),
    r("POST", "/account/tokens", act(Action::UseService)),
    r("POST", "/account/tokens/{id}/revoke", act(Action::UseService)),
    // Admin.
    r("GET", "/admin/users", act(Action::ManageUsers)),
    r("GET", "/admin/users/new", act(Action::ManageUsers)),
    r("POST", "/admin/users", act(Action::ManageUsers)),
    r("GET", "/admin/users/{id}", act(Action::ManageUsers)),
    r("POST", "/admin/users/{id}/access", act(Action::ManageUsers)),
    r("POST", "/admin/users/{id}/details", act(Action::ManageUsers)),
    r("POST", "/admin/users/{id}/disable", act(Action::ManageUsers)),
    r("POST", "/admin/users/{id}/enable", act(Action::ManageUsers)),
    r("POST", "/admin/users/{id}/reset-password", act(Action::ManageUsers)),
    r("POST", "/admin/users/{id}/reset-two-factor", act(Action::ManageUsers)),
    r("POST", "/admin/users/{id}/tokens", act(Action::ManageUsers)),
    r("GET", "/admin/areas", act(Action::ManageAreas)),
    r("POST", "/admin/areas", act(Action::ManageAreas)),
    r("POST", "/admin/areas/{id}", act(Action::ManageAreas)),
    r("POST", "/admin/areas/{id}/active", act(Action::ManageAreas)),
    r("GET", "/admin/audit", act(Action::ReadAudit)),
    r("GET", "/admin/audit.csv", act(Action::ReadAudit)),
    r("GET", "/admin/mail", act(Action::ManageMail)),
    r("POST", "/admin/mail/{id}/retry", act(Action::ManageMail)),
    // Cases.
    r("GET", "/cases", act(Action::ViewCases)),
    r("POST", "/cases/search", act(Action::RevealIdentity)),
    r("GET", "/cases/new", act(Action::NotifyDeath)),
    r("POST", "/cases/new", act(Action::NotifyDeath)),
    r("GET", "/cases/new/check", act(Action::NotifyDeath)),
    r("POST", "/cases/new/check", act(Action::NotifyDeath)),
    r("GET", "/cases/{reference}", act(Action::ViewCases)),
    r("POST", "/cases/{reference}/reveal", act(Action::RevealIdentity)),
    r("GET", "/cases/{reference}/edit", act(Action::AmendNotification)),
    r("POST", "/cases/{reference}/edit", act(Action::AmendNotification)),
    r("POST", "/cases/{reference}/accept", act(Action::TriageNotifications)),
    r("POST", "/cases/{reference}/reject", act(Action::TriageNotifications)),
    r("POST", "/cases/{reference}/duplicate/distinct", act(Action::TriageNotifications)),
    r("GET", "/cases/{reference}/duplicate/merge", act(Action::TriageNotifications)),
    r("POST", "/cases/{reference}/duplicate/merge", act(Action::TriageNotifications)),
    r("POST", "/cases/{reference}/duplicate/unmerge", act(Action::TriageNotifications)),
    r("GET", "/triage", act(Action::TriageNotifications)),
    // Notification by professionals without an account (when notify.public_enabled).
    r("GET", "/notify", Public),
    r("POST", "/notify", Public),
    r("GET", "/notify/done", Public),
    // API.
    r("GET", "/api/v1/me", act(Action::UseService)),
    r("POST", "/api/v1/notifications", act(Action::NotifyDeath)),
    r("GET", "/api/v1/cases", act(Action::ViewCases)),
    r("GET", "/api/v1/cases/{reference}", act(Action::ViewCases)),
    r("GET", "/api/v1/openapi.json", Public),
];

const fn r(method: &'static str, path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method, path, access }
}

/// Whether `path` matches the route template `pattern` (`{…}` is one segment).
fn matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len() && p.iter().zip(&q).all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}

/// The page a POST-only action belongs to: its path with segments taken off the end until a GET
/// route matches (`/cases/X/reveal` → `/cases/X`, `/cases/search` → `/cases`), else `/`.
pub fn page_for_action(path: &str) -> String {
    let mut current = path.trim_end_matches('/').to_string();
    while let Some((parent, _)) = current.rsplit_once('/') {
        current = parent.to_string();
        if !current.is_empty() && ROUTES.iter().any(|r| r.method == "GET" && matches(r.path, &current)) {
            return current;
        }
    }
    "/".to_string()
}

/// Whether a navigation target exists (so menus never link to missing pages).
pub fn has_page(path: &str) -> bool {
    ROUTES.iter().any(|r| r.method == "GET" && r.path == path)
}

fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    let m = match (method, path) {
        ("GET", "/") => get(home::show),
        ("GET", "/healthz") => get(health::healthz),
        ("GET", "/readyz") => get(health::readyz),
        ("GET", "/assets/{name}") => get(assets::serve),
        ("GET", "/help") => get(info::help),
        ("GET", "/privacy") => get(info::privacy),
        ("GET", "/accessibility") => get(info::accessibility),
        ("GET", "/cookies") => get(info::cookies),
        ("GET", "/login") => get(auth::login::show),
        ("POST", "/login") => post(auth::login::submit),
        ("GET", "/login/two-factor") => get(auth::login::show_two_factor),
        ("POST", "/login/two-factor") => post(auth::login::submit_two_factor),
        ("POST", "/logout") => post(auth::login::logout),
        ("GET", "/account") => get(account::overview),
        ("GET", "/account/password") => get(account::show_password),
        ("POST", "/account/password") => post(account::change_password),
        ("GET", "/account/two-factor") => get(account::show_two_factor),
        ("POST", "/account/two-factor") => post(account::enrol_two_factor),
        ("POST", "/account/two-factor/disable") => post(account::disable_two_factor),
        ("POST", "/account/sign-out-everywhere") => post(account::sign_out_everywhere),
        ("GET", "/account/tokens") => get(account::list_tokens),
        ("POST", "/account/tokens") => post(account::create_token),
        ("POST", "/account/tokens/{id}/revoke") => post(account::revoke_token),
        ("GET", "/admin/users") => get(admin::users::list),
        ("GET", "/admin/users/new") => get(admin::users::new_form),
        ("POST", "/admin/users") => post(admin::users::create),
        ("GET", "/admin/users/{id}") => get(admin::users::show),
        ("POST", "/admin/users/{id}/access") => post(admin::users::update_access),
        ("POST", "/admin/users/{id}/details") => post(admin::users::update_details),
        ("POST", "/admin/users/{id}/disable") => post(admin::users::disable),
        ("POST", "/admin/users/{id}/enable") => post(admin::users::enable),
        ("POST", "/admin/users/{id}/reset-password") => post(admin::users::reset_password),
        ("POST", "/admin/users/{id}/reset-two-factor") => post(admin::users::reset_two_factor),
        ("POST", "/admin/users/{id}/tokens") => post(admin::users::create_token),
        ("GET", "/admin/areas") => get(admin::areas::list),
        ("POST", "/admin/areas") => post(admin::areas::create),
        ("POST", "/admin/areas/{id}") => post(admin::areas::rename),
        ("POST", "/admin/areas/{id}/active") => post(admin::areas::set_active),
        ("GET", "/admin/audit") => get(admin::audit::list),
        ("GET", "/admin/audit.csv") => get(admin::audit::export),
        ("GET", "/admin/mail") => get(admin::mail::list),
        ("POST", "/admin/mail/{id}/retry") => post(admin::mail::retry),
        ("GET", "/cases") => get(cases::list),
        ("POST", "/cases/search") => post(cases::search),
        ("GET", "/cases/new") => get(cases::new::show),
        ("POST", "/cases/new") => post(cases::new::submit),
        ("GET", "/cases/new/check") => get(cases::new::show_check),
        ("POST", "/cases/new/check") => post(cases::new::submit_check),
        ("GET", "/cases/{reference}") => get(cases::show::show),
        ("POST", "/cases/{reference}/reveal") => post(cases::show::reveal),
        ("GET", "/cases/{reference}/edit") => get(cases::edit::show),
        ("POST", "/cases/{reference}/edit") => post(cases::edit::submit),
        ("POST", "/cases/{reference}/accept") => post(cases::triage::accept),
        ("POST", "/cases/{reference}/reject") => post(cases::triage::reject),
        ("POST", "/cases/{reference}/duplicate/distinct") => post(cases::triage::confirm_distinct),
        ("GET", "/cases/{reference}/duplicate/merge") => get(cases::merge::confirm),
        ("POST", "/cases/{reference}/duplicate/merge") => post(cases::merge::merge),
        ("POST", "/cases/{reference}/duplicate/unmerge") => post(cases::merge::undo),
        ("GET", "/triage") => get(cases::triage::list),
        ("GET", "/notify") => get(cases::public::show_public),
        ("POST", "/notify") => post(cases::public::submit_public),
        ("GET", "/notify/done") => get(cases::public::public_done),
        ("GET", "/api/v1/me") => get(api::me),
        ("POST", "/api/v1/notifications") => post(api::cases::create_notification),
        ("GET", "/api/v1/cases") => get(api::cases::list),
        ("GET", "/api/v1/cases/{reference}") => get(api::cases::show),
        ("GET", "/api/v1/openapi.json") => get(api::openapi::serve),
        _ => return None,
    };
    Some(m)
}

/// The routes of the table, each behind the access guard.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for spec in ROUTES {
        let Some(method_router) = handler(spec.method, spec.path) else {
            // A table entry without a handler is a programming error caught by the access test.
            tracing::error!(method = spec.method, path = spec.path, "route in the table has no handler");
            continue;
        };
        let guarded = method_router.layer(axum::middleware::from_fn_with_state(
            Guarded { state: state.clone(), access: spec.access },
            guard,
        ));
        router = router.route(spec.path, guarded);
    }
    router
}

/// For tests: every (method, path) in the table has a handler.
pub fn unhandled() -> Vec<(&'static str, &'static str)> {
    ROUTES.iter().filter(|r| handler(r.method, r.path).is_none()).map(|r| (r.method, r.path)).collect()
}

#[cfg(test)]
mod tests {
    use super::page_for_action;

    #[test]
    fn post_only_actions_lead_back_to_their_page() {
        assert_eq!(page_for_action("/cases/search"), "/cases");
        assert_eq!(page_for_action("/cases/CDOP-2026-0001/reveal"), "/cases/CDOP-2026-0001");
        assert_eq!(page_for_action("/cases/CDOP-2026-0001/duplicate/distinct"), "/cases/CDOP-2026-0001");
        assert_eq!(page_for_action("/admin/users/5/disable"), "/admin/users/5");
        assert_eq!(page_for_action("/logout"), "/");
    }
}

//! Every route, with the access it requires and the handler that serves it, one row each. The
//! router is built from this table, so a route cannot exist without an access rule;
//! `tests/it/access.rs` checks every entry against every role.

use axum::Router;
use axum::routing::{MethodRouter, get, post};

use crate::domain::policy::Action;
use crate::store::sessions::Stage;
use crate::web::AppState;
use crate::web::auth::{Access, Guarded, KeepTyped, guard};
use crate::web::{account, admin, api, assets, auth, cases, gathering, health, home, info, reports, review};

/// One route: method, path template, access rule and handler.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// Builds the method router (`get(…)` or `post(…)`, as `method` says).
    pub handler: fn() -> MethodRouter<AppState>,
    /// What keeps the form when it arrives after the session timed out (a draft to carry on from
    /// after signing in again); none for most routes.
    pub keep_on_expiry: Option<KeepTyped>,
}

use Access::{Account, Public, SignInStep};
const fn act(a: Action) -> Access {
    Access::Action(a)
}

/// `route!(GET "/path", access, handler)`: one row of the table. The method is written once, so
/// it names both the row's method and the `get`/`post` wrapper of its handler.
macro_rules! route {
    (GET $path:literal, $access:expr, $handler:path) => {
        Route { method: "GET", path: $path, access: $access, handler: || get($handler), keep_on_expiry: None }
    };
    (POST $path:literal, $access:expr, $handler:path) => {
        Route {
            method: "POST",
            path: $path,
            access: $access,
            handler: || post($handler),
            keep_on_expiry: None,
        }
    };
    (POST $path:literal, $access:expr, $handler:path, keep: $keep:path) => {
        Route {
            method: "POST",
            path: $path,
            access: $access,
            handler: || post($handler),
            keep_on_expiry: Some($keep),
        }
    };
}

/// The table: (method, path, access, handler).
pub static ROUTES: &[Route] = &[
    route!(GET "/", Public, home::show),
    route!(GET "/healthz", Public, health::healthz),
    route!(GET "/readyz", Public, health::readyz),
    route!(GET "/assets/{name}", Public, assets::serve),
    // Service pages linked from every footer.
    route!(GET "/help", Public, info::help),
    route!(GET "/privacy", Public, info::privacy),
    route!(GET "/accessibility", Public, info::accessibility),
    route!(GET "/cookies", Public, info::cookies),
    // Signing in and out.
    route!(GET "/login", Public, auth::login::show),
    route!(POST "/login", Public, auth::login::submit),
    route!(GET "/login/two-factor", SignInStep(Stage::Totp), auth::login::show_two_factor),
    route!(POST "/login/two-factor", SignInStep(Stage::Totp), auth::login::submit_two_factor),
    route!(POST "/logout", Account, auth::login::logout),
    route!(GET "/login/sso/{id}", Public, auth::sso::start),
    route!(GET "/login/sso/{id}/callback", Public, auth::sso::callback),
    route!(GET "/login/sso/{id}/reauthenticate", Account, auth::sso::reauthenticate),
    // Your account.
    route!(GET "/account", act(Action::UseService), account::overview),
    route!(GET "/account/password", Account, account::show_password),
    route!(POST "/account/password", Account, account::change_password),
    route!(GET "/account/two-factor", Account, account::show_two_factor),
    route!(POST "/account/two-factor", Account, account::enrol_two_factor),
    route!(POST "/account/two-factor/disable", act(Action::UseService), account::disable_two_factor),
    route!(POST "/account/sign-out-everywhere", act(Action::UseService), account::sign_out_everywhere),
    route!(GET "/account/tokens", act(Action::UseService), account::list_tokens),
    route!(POST "/account/tokens", act(Action::UseService), account::create_token),
    route!(POST "/account/tokens/{id}/revoke", act(Action::UseService), account::revoke_token),
    // Admin.
    route!(GET "/admin/users", act(Action::ManageUsers), admin::users::list),
    route!(GET "/admin/users/new", act(Action::ManageUsers), admin::users::new_form),
    route!(POST "/admin/users", act(Action::ManageUsers), admin::users::create),
    route!(GET "/admin/users/{id}", act(Action::ManageUsers), admin::users::show),
    route!(POST "/admin/users/{id}/access", act(Action::ManageUsers), admin::users::update_access),
    route!(POST "/admin/users/{id}/details", act(Action::ManageUsers), admin::users::update_details),
    route!(POST "/admin/users/{id}/disable", act(Action::ManageUsers), admin::users::disable),
    route!(POST "/admin/users/{id}/enable", act(Action::ManageUsers), admin::users::enable),
    route!(POST "/admin/users/{id}/reset-password", act(Action::ManageUsers), admin::users::reset_password),
    route!(
        POST "/admin/users/{id}/reset-two-factor",
        act(Action::ManageUsers),
        admin::users::reset_two_factor
    ),
    route!(POST "/admin/users/{id}/tokens", act(Action::ManageUsers), admin::users::create_token),
    route!(POST "/admin/users/{id}/sso/{provider}/unlink", act(Action::ManageUsers), admin::user_sso::unlink),
    route!(GET "/admin/areas", act(Action::ManageAreas), admin::areas::list),
    route!(POST "/admin/areas", act(Action::ManageAreas), admin::areas::create),
    route!(POST "/admin/areas/{id}", act(Action::ManageAreas), admin::areas::rename),
    route!(POST "/admin/areas/{id}/active", act(Action::ManageAreas), admin::areas::set_active),
    route!(GET "/admin/audit", act(Action::ReadAudit), admin::audit::list),
    route!(GET "/admin/forms", act(Action::ViewFormDefinitions), admin::forms::list),
    route!(GET "/admin/audit.csv", act(Action::ReadAudit), admin::audit::export),
    route!(GET "/admin/mail", act(Action::ManageMail), admin::mail::list),
    route!(POST "/admin/mail/{id}/retry", act(Action::ManageMail), admin::mail::retry),
    // Retention and information governance.
    route!(GET "/admin/retention", act(Action::ManageRetention), admin::retention::overview),
    route!(POST "/admin/retention/sweep", act(Action::ManageRetention), admin::retention::sweep),
    route!(GET "/admin/retention/policies/new", act(Action::ManageRetention), admin::retention::policies::new_form),
    route!(POST "/admin/retention/policies", act(Action::ManageRetention), admin::retention::policies::create),
    route!(GET "/admin/retention/policies/{id}", act(Action::ManageRetention), admin::retention::policies::edit_form),
    route!(POST "/admin/retention/policies/{id}", act(Action::ManageRetention), admin::retention::policies::update),
    route!(GET "/admin/retention/holds", act(Action::ManageRetention), admin::retention::hold_pages::list),
    route!(POST "/admin/retention/holds", act(Action::ManageRetention), admin::retention::hold_pages::place),
    route!(GET "/admin/retention/holds/{id}", act(Action::ManageRetention), admin::retention::hold_pages::show),
    route!(
        POST "/admin/retention/holds/{id}/release",
        act(Action::ManageRetention),
        admin::retention::hold_pages::release
    ),
    route!(GET "/admin/retention/queue", act(Action::ManageRetention), admin::retention::queue::show),
    route!(POST "/admin/retention/queue", act(Action::ManageRetention), admin::retention::queue::queue),
    route!(POST "/admin/retention/approve", act(Action::ManageRetention), admin::retention::queue::approve),
    route!(GET "/admin/retention/entries/{id}", act(Action::ManageRetention), admin::retention::queue::entry),
    route!(
        POST "/admin/retention/entries/{id}/exclude",
        act(Action::ManageRetention),
        admin::retention::queue::exclude
    ),
    route!(GET "/admin/retention/certificates", act(Action::ManageRetention), admin::retention::certificates::list),
    route!(
        GET "/admin/retention/certificates/{id}",
        act(Action::ManageRetention),
        admin::retention::certificates::show
    ),
    route!(
        GET "/admin/retention/certificates/{id}/pdf",
        act(Action::ManageRetention),
        admin::retention::certificates::pdf
    ),
    route!(GET "/admin/access-review", act(Action::ReviewAccess), admin::access_review::show),
    route!(POST "/admin/access-review", act(Action::ReviewAccess), admin::access_review::record),
    route!(GET "/admin/case-access", act(Action::ReviewAccess), admin::access_review::case_access),
    // Cases.
    route!(GET "/cases", act(Action::ViewCases), cases::list),
    route!(POST "/cases/search", act(Action::RevealIdentity), cases::search),
    route!(GET "/cases/new", act(Action::NotifyDeath), cases::new::show),
    route!(POST "/cases/new", act(Action::NotifyDeath), cases::new::submit, keep: cases::new::keep_typed),
    route!(GET "/cases/new/check", act(Action::NotifyDeath), cases::new::show_check),
    route!(POST "/cases/new/check", act(Action::NotifyDeath), cases::new::submit_check, keep: cases::new::keep_checked),
    route!(GET "/cases/{reference}", act(Action::ViewCases), cases::show::show),
    route!(POST "/cases/{reference}/reveal", act(Action::RevealIdentity), cases::show::reveal),
    route!(GET "/cases/{reference}/edit", act(Action::AmendNotification), cases::edit::show),
    route!(POST "/cases/{reference}/edit", act(Action::AmendNotification), cases::edit::submit),
    route!(POST "/cases/{reference}/accept", act(Action::TriageNotifications), cases::triage::accept),
    route!(POST "/cases/{reference}/reject", act(Action::TriageNotifications), cases::triage::reject),
    route!(
        POST "/cases/{reference}/duplicate/distinct",
        act(Action::TriageNotifications),
        cases::triage::confirm_distinct
    ),
    route!(GET "/cases/{reference}/duplicate/merge", act(Action::TriageNotifications), cases::merge::confirm),
    route!(POST "/cases/{reference}/duplicate/merge", act(Action::TriageNotifications), cases::merge::merge),
    route!(POST "/cases/{reference}/duplicate/unmerge", act(Action::TriageNotifications), cases::merge::undo),
    route!(GET "/triage", act(Action::TriageNotifications), cases::triage::list),
    // Information gathering: requests to agencies, chasing, completing forms for them.
    route!(GET "/cases/{reference}/requests", act(Action::RequestInformation), gathering::tasks::tasks),
    route!(GET "/cases/{reference}/requests/new", act(Action::RequestInformation), gathering::requests::new_form),
    route!(POST "/cases/{reference}/requests/new", act(Action::RequestInformation), gathering::requests::create),
    route!(GET "/cases/{reference}/requests/{id}", act(Action::RequestInformation), gathering::request::detail),
    route!(POST "/cases/{reference}/requests/{id}/{action}", act(Action::RequestInformation), gathering::request::act),
    route!(GET "/cases/{reference}/requests/{id}/form", act(Action::RequestInformation), gathering::request::staff_start),
    route!(GET "/cases/{reference}/requests/{id}/form/check", act(Action::RequestInformation), gathering::request::staff_check),
    route!(POST "/cases/{reference}/requests/{id}/form/check", act(Action::RequestInformation), gathering::request::staff_submit),
    route!(GET "/cases/{reference}/requests/{id}/form/{n}", act(Action::RequestInformation), gathering::request::staff_page),
    route!(POST "/cases/{reference}/requests/{id}/form/{n}", act(Action::RequestInformation), gathering::request::staff_save),
    route!(POST "/cases/{reference}/status", act(Action::RequestInformation), gathering::tasks::change_status),
    route!(GET "/outstanding", act(Action::RequestInformation), gathering::outstanding::page),
    // The review: meetings, agendas, packs, pre-panel categorisation, the analysis.
    route!(GET "/meetings", act(Action::AttendMeetings), review::meetings::list),
    route!(GET "/meetings/new", act(Action::ManageMeetings), review::meetings::new_form),
    route!(POST "/meetings/new", act(Action::ManageMeetings), review::meetings::create),
    route!(GET "/meetings/{id}", act(Action::AttendMeetings), review::meeting::show),
    route!(GET "/meetings/{id}/edit", act(Action::ManageMeetings), review::meetings::edit_form),
    route!(POST "/meetings/{id}/edit", act(Action::ManageMeetings), review::meetings::update),
    route!(GET "/meetings/{id}/minutes", act(Action::AttendMeetings), review::meeting::minutes),
    route!(POST "/meetings/{id}/minutes", act(Action::ManageMeetings), review::meeting::save_minutes),
    route!(POST "/meetings/{id}/{action}", act(Action::ManageMeetings), review::meeting::act),
    route!(GET "/meetings/{id}/cases/{reference}/pack", act(Action::AttendMeetings), review::packs::open),
    route!(GET "/meetings/{id}/cases/{reference}/pack.pdf", act(Action::AttendMeetings), review::packs::pdf),
    route!(GET "/meetings/{id}/cases/{reference}/prepanel", act(Action::AttendMeetings), review::packs::prepanel_page),
    route!(POST "/meetings/{id}/cases/{reference}/prepanel", act(Action::AttendMeetings), review::packs::prepanel_save),
    route!(GET "/cases/{reference}/pack", act(Action::PreparePacks), review::packs::prepare),
    route!(GET "/cases/{reference}/analysis", act(Action::EditAnalysis), review::analysis::show),
    route!(POST "/cases/{reference}/analysis", act(Action::EditAnalysis), review::analysis::save),
    route!(POST "/cases/{reference}/analysis/sign-off", act(Action::SignOffAnalysis), review::analysis::sign_off),
    route!(POST "/cases/{reference}/analysis/amend", act(Action::EditAnalysis), review::analysis::amend),
    route!(GET "/cases/{reference}/analysis/revisions/{n}", act(Action::EditAnalysis), review::analysis::revision),
    route!(POST "/cases/{reference}/pack/{action}", act(Action::PreparePacks), review::packs::prepare_act),
    // The family, moving a case between areas, closing it.
    route!(GET "/cases/{reference}/family", act(Action::RecordFamilyContact), review::family::show),
    route!(POST "/cases/{reference}/family/key-worker", act(Action::RecordFamilyContact), review::family::set_key_worker),
    route!(POST "/cases/{reference}/family/contacts", act(Action::RecordFamilyContact), review::family::add_contact),
    route!(GET "/cases/{reference}/move", act(Action::MoveCase), review::casework::move_form),
    route!(POST "/cases/{reference}/move", act(Action::MoveCase), review::casework::move_case),
    route!(POST "/cases/{reference}/close", act(Action::EditAnalysis), review::casework::close),
    // Review reports.
    route!(GET "/reports/agreement", act(Action::ViewReviewReports), review::reports::agreement),
    route!(GET "/reports/annual", act(Action::RunPublishedReports), reports::annual::page),
    route!(GET "/reports/annual.zip", act(Action::RunPublishedReports), reports::annual::csv_zip),
    route!(GET "/reports/annual.xlsx", act(Action::RunPublishedReports), reports::annual::xlsx),
    route!(GET "/reports/annual.pdf", act(Action::RunPublishedReports), reports::annual::pdf),
    route!(POST "/reports/annual/export", act(Action::RunPublishedReports), reports::exports::annual_export),
    route!(GET "/reports/exports", act(Action::RunPublishedReports), reports::exports::list),
    route!(GET "/reports/exports/{id}", act(Action::RunPublishedReports), reports::exports::progress),
    route!(GET "/reports/exports/{id}/download", act(Action::RunPublishedReports), reports::exports::download),
    route!(GET "/reports/dataset", act(Action::ExportDataset), reports::exports::dataset_page),
    route!(POST "/reports/dataset", act(Action::ExportDataset), reports::exports::dataset_start),
    route!(GET "/reports/themes", act(Action::RunPublishedReports), reports::thematic::list),
    route!(GET "/reports/themes/{key}", act(Action::RunPublishedReports), reports::thematic::show),
    route!(GET "/reports/custom", act(Action::RunInternalReports), reports::custom::new_form),
    route!(POST "/reports/custom", act(Action::RunInternalReports), reports::custom::save),
    route!(GET "/reports/saved/{key}", act(Action::RunPublishedReports), reports::custom::show),
    route!(POST "/reports/saved/{id}/delete", act(Action::RunInternalReports), reports::custom::delete),
    // The actions register.
    route!(GET "/actions", act(Action::ManageActions), review::actions::list),
    route!(GET "/actions/{reference}/progress", act(Action::ManageActions), review::action_progress::staff_page),
    route!(POST "/actions/{reference}/progress", act(Action::ManageActions), review::action_progress::staff_record),
    route!(GET "/actions.csv", act(Action::ManageActions), review::actions::export),
    route!(GET "/actions/new", act(Action::ManageActions), review::actions::new_form),
    route!(POST "/actions/new", act(Action::ManageActions), review::actions::create),
    route!(GET "/actions/{reference}", act(Action::ManageActions), review::actions::show),
    route!(POST "/actions/{reference}", act(Action::ManageActions), review::actions::update),
    // Learning briefings and their distribution lists.
    route!(GET "/briefings", act(Action::ManageActions), review::briefings::list),
    route!(GET "/briefings/new", act(Action::ManageActions), review::briefings::new_form),
    route!(POST "/briefings/new", act(Action::ManageActions), review::briefings::create),
    route!(GET "/briefings/recipients", act(Action::ManageActions), review::briefings::distribution),
    route!(POST "/briefings/recipients", act(Action::ManageActions), review::briefings::add_recipient),
    route!(POST "/briefings/recipients/{id}/remove", act(Action::ManageActions), review::briefings::remove_recipient),
    route!(GET "/briefings/{id}", act(Action::ManageActions), review::briefings::show),
    route!(POST "/briefings/{id}", act(Action::ManageActions), review::briefings::save),
    route!(POST "/briefings/{id}/send", act(Action::ManageActions), review::briefings::send),
    route!(GET "/briefings/{id}/pdf", act(Action::ManageActions), review::briefings::pdf),
    // An agency professional's emailed form link (no account).
    route!(GET "/f/{token}", Public, gathering::link::start),
    route!(GET "/f/{token}/check", Public, gathering::link::show_check),
    route!(POST "/f/{token}/check", Public, gathering::link::submit),
    route!(GET "/f/{token}/{n}", Public, gathering::link::show_page),
    route!(POST "/f/{token}/{n}", Public, gathering::link::save_page),
    // A learning briefing's recipient (no account): read and acknowledge.
    route!(GET "/a/{token}", Public, review::action_progress::owner_page),
    route!(POST "/a/{token}", Public, review::action_progress::owner_report),
    route!(GET "/b/{token}", Public, review::briefings::public),
    route!(POST "/b/{token}", Public, review::briefings::acknowledge),
    route!(GET "/b/{token}/pdf", Public, review::briefings::public_pdf),
    // Notification by professionals without an account (when notify.public_enabled).
    route!(GET "/notify", Public, cases::public::show_public),
    route!(POST "/notify", Public, cases::public::submit_public),
    route!(GET "/notify/done", Public, cases::public::public_done),
    // API.
    route!(GET "/api/v1/me", act(Action::UseService), api::me),
    route!(POST "/api/v1/notifications", act(Action::NotifyDeath), api::cases::create_notification),
    route!(GET "/api/v1/cases", act(Action::ViewCases), api::cases::list),
    route!(GET "/api/v1/cases/{reference}", act(Action::ViewCases), api::cases::show),
    route!(GET "/api/v1/forms", act(Action::UseService), api::forms::definitions),
    route!(GET "/api/v1/cases/{reference}/requests", act(Action::RequestInformation), api::forms::list),
    route!(POST "/api/v1/cases/{reference}/requests", act(Action::RequestInformation), api::forms::create),
    route!(GET "/api/v1/requests/{id}/response", act(Action::RequestInformation), api::forms::read),
    route!(POST "/api/v1/requests/{id}/response", act(Action::RequestInformation), api::forms::submit),
    route!(GET "/api/v1/meetings", act(Action::AttendMeetings), api::review::meetings),
    route!(POST "/api/v1/meetings", act(Action::ManageMeetings), api::review::create_meeting),
    route!(GET "/api/v1/meetings/{id}", act(Action::AttendMeetings), api::review::meeting),
    route!(POST "/api/v1/meetings/{id}/agenda", act(Action::ManageMeetings), api::review::add_to_agenda),
    route!(POST "/api/v1/meetings/{id}/invite", act(Action::ManageMeetings), api::review::invite),
    route!(POST "/api/v1/meetings/{id}/cases/{reference}/outcome", act(Action::ManageMeetings), api::review::outcome),
    route!(GET "/api/v1/meetings/{id}/cases/{reference}/prepanel", act(Action::AttendMeetings), api::review::prepanel_read),
    route!(POST "/api/v1/meetings/{id}/cases/{reference}/prepanel", act(Action::AttendMeetings), api::review::prepanel_write),
    route!(GET "/api/v1/cases/{reference}/analysis", act(Action::EditAnalysis), api::review::analysis_read),
    route!(POST "/api/v1/cases/{reference}/analysis", act(Action::EditAnalysis), api::review::analysis_write),
    route!(POST "/api/v1/cases/{reference}/analysis/sign-off", act(Action::SignOffAnalysis), api::review::analysis_sign_off),
    route!(GET "/api/v1/actions", act(Action::ManageActions), api::review::actions_list),
    route!(POST "/api/v1/actions", act(Action::ManageActions), api::review::actions_create),
    route!(GET "/api/v1/actions/{reference}", act(Action::ManageActions), api::review::actions_read),
    route!(POST "/api/v1/actions/{reference}", act(Action::ManageActions), api::review::actions_update),
    route!(GET "/api/v1/reports/annual", act(Action::RunPublishedReports), api::reports::annual),
    route!(GET "/api/v1/reports/themes", act(Action::RunPublishedReports), api::reports::themes),
    route!(GET "/api/v1/reports/themes/{key}", act(Action::RunPublishedReports), api::reports::theme),
    route!(GET "/api/v1/reports/saved/{id}", act(Action::RunPublishedReports), api::reports::saved),
    route!(GET "/api/v1/openapi.json", Public, api::openapi::serve),
];

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

/// The routes of the table, each behind the access guard.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for route in ROUTES {
        let guarded = (route.handler)().layer(axum::middleware::from_fn_with_state(
            Guarded { state: state.clone(), access: route.access, keep_on_expiry: route.keep_on_expiry },
            guard,
        ));
        router = router.route(route.path, guarded);
    }
    router
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

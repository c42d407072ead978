//! What every page's layout needs: title, the signed-in user's navigation, the CSRF token for the
//! sign-out form, and a one-off success message.

use crate::web::assets::{AssetUrls, URLS};

#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub service_name: &'static str,
    pub version: &'static str,
    pub assets: &'static AssetUrls,
    pub user: Option<NavUser>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub flash: Option<String>,
    /// A refusal carried across a redirect: (field or button id, message), shown as an error
    /// summary.
    pub problem: Option<(String, String)>,
    pub has_errors: bool,
    pub synthetic_data: bool,
    /// Seconds of inactivity before the session ends (0: not signed in); drives the timeout warning.
    pub idle_seconds: u32,
}

pub const SERVICE_NAME: &str = "Child Death Overview Panel";

impl Page {
    /// A page for someone who is not signed in.
    pub fn anonymous(title: impl Into<String>) -> Self {
        Page {
            title: title.into(),
            service_name: SERVICE_NAME,
            version: env!("CARGO_PKG_VERSION"),
            assets: &URLS,
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            flash: None,
            problem: None,
            has_errors: false,
            synthetic_data: false,
            idle_seconds: 0,
        }
    }

    pub fn with_errors(mut self, has_errors: bool) -> Self {
        self.has_errors = has_errors;
        self
    }

    pub fn with_csrf(mut self, token: impl Into<String>) -> Self {
        self.csrf = token.into();
        self
    }
}

impl Page {
    /// A page for the user making the request: navigation follows their roles.
    pub fn for_user(ctx: &crate::web::auth::AuthContext, title: impl Into<String>, active: &str) -> Self {
        let mut page = Page::anonymous(title).with_csrf(&ctx.csrf_token);
        page.flash = ctx.flash.clone();
        page.problem = ctx.problem.clone();
        page.has_errors = ctx.problem.is_some();
        page.synthetic_data = ctx.synthetic;
        if let Some(p) = &ctx.principal {
            page.user = Some(NavUser { name: p.name.clone() });
            page.idle_seconds = ctx.idle_seconds;
            if ctx.stage() == Some(crate::store::sessions::Stage::Full) {
                page.nav = nav_for(p, active);
            }
        }
        page
    }
}

fn nav_for(p: &crate::domain::policy::Principal, active: &str) -> Vec<NavItem> {
    use crate::domain::policy::Action;
    let items: [(&'static str, &'static str, Action); 18] = [
        ("Home", "/", Action::UseService),
        ("Cases", "/cases", Action::ViewCases),
        ("Notify a death", "/cases/new", Action::NotifyDeath),
        ("Triage", "/triage", Action::TriageNotifications),
        ("Outstanding information", "/outstanding", Action::RequestInformation),
        ("Meetings", "/meetings", Action::AttendMeetings),
        ("Actions", "/actions", Action::ManageActions),
        ("Briefings", "/briefings", Action::ManageActions),
        ("Reports", "/reports/annual", Action::RunPublishedReports),
        ("Themes", "/reports/themes", Action::RunPublishedReports),
        ("Agreement", "/reports/agreement", Action::ViewReviewReports),
        ("Forms", "/admin/forms", Action::ViewFormDefinitions),
        ("Users", "/admin/users", Action::ManageUsers),
        ("Areas", "/admin/areas", Action::ManageAreas),
        ("Audit trail", "/admin/audit", Action::ReadAudit),
        ("Email", "/admin/mail", Action::ManageMail),
        ("Retention", "/admin/retention", Action::ManageRetention),
        ("Access review", "/admin/access-review", Action::ReviewAccess),
    ];
    items
        .into_iter()
        .filter(|(_, href, action)| p.permits(*action) && crate::web::routes::has_page(href))
        .map(|(label, href, _)| NavItem { label, href, active: href == active })
        .collect()
}

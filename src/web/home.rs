//! The start page for visitors, and the signed-in user's home.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::policy::Action;
use crate::store::sessions::Stage;
use crate::web::auth::{AuthContext, stage_home};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct StartTemplate {
    page: Page,
    public_notify: bool,
}

pub struct Task {
    pub href: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardTemplate {
    page: Page,
    roles: String,
    tasks: Vec<Task>,
}

pub async fn show(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
    ctx: AuthContext,
) -> Response {
    match (ctx.stage(), &ctx.principal) {
        (Some(Stage::Full), Some(p)) => {
            let all: [(Action, Task); 7] = [
                (
                    Action::NotifyDeath,
                    Task {
                        href: "/cases/new",
                        title: "Notify a child death",
                        description: "Record a new notification from the statutory Notification Form.",
                    },
                ),
                (
                    Action::ViewCases,
                    Task {
                        href: "/cases",
                        title: "Cases",
                        description: "Find a case by reference or NHS number, and see where each review has got to.",
                    },
                ),
                (
                    Action::TriageNotifications,
                    Task {
                        href: "/triage",
                        title: "Triage",
                        description: "Accept or reject notifications sent without an account, and resolve possible duplicates.",
                    },
                ),
                (
                    Action::ManageUsers,
                    Task {
                        href: "/admin/users",
                        title: "Users",
                        description: "Add people, set their roles and areas, reset passwords and two-factor authentication.",
                    },
                ),
                (
                    Action::ManageAreas,
                    Task {
                        href: "/admin/areas",
                        title: "Areas",
                        description: "The local authority areas this panel serves.",
                    },
                ),
                (
                    Action::ReadAudit,
                    Task {
                        href: "/admin/audit",
                        title: "Audit trail",
                        description: "Who did what, when. Filter and export.",
                    },
                ),
                (
                    Action::ManageMail,
                    Task {
                        href: "/admin/mail",
                        title: "Email",
                        description: "Emails that could not be sent, and sending them again.",
                    },
                ),
            ];
            let tasks = all
                .into_iter()
                .filter(|(a, t)| p.permits(*a) && crate::web::routes::has_page(t.href))
                .map(|(_, t)| t)
                .collect();
            DashboardTemplate {
                page: Page::for_user(&ctx, "Home", "/"),
                roles: p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                tasks,
            }
            .into_response()
        }
        (Some(stage), _) => Redirect::to(stage_home(stage)).into_response(),
        _ => StartTemplate {
            page: Page::for_user(&ctx, "Start", "/"),
            public_notify: state.config.notify.public_enabled,
        }
        .into_response(),
    }
}

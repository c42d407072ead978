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

/// A count of work waiting, with where to do it.
pub struct Waiting {
    pub count: u64,
    pub label: &'static str,
    pub href: &'static str,
}

/// A case this user notified (reference and coded status only).
pub struct MyCase {
    pub reference: String,
    pub notified: String,
    pub status: &'static str,
}

/// A saved draft of a notification.
pub struct MyDraft {
    pub id: i64,
    pub saved: String,
    pub expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardTemplate {
    page: Page,
    roles: String,
    tasks: Vec<Task>,
    waiting: Vec<Waiting>,
    my_cases: Vec<MyCase>,
    drafts: Vec<MyDraft>,
}

/// What is waiting for this user: triage and duplicates for coordinators; the cases they
/// notified and their drafts for notifiers.
async fn work(
    state: &crate::web::AppState,
    p: &crate::domain::policy::Principal,
) -> crate::web::error::WebResult<(Vec<Waiting>, Vec<MyCase>, Vec<MyDraft>)> {
    use crate::store::{cases, drafts};
    let mut waiting = Vec::new();
    if p.permits(Action::TriageNotifications) {
        let (pending, duplicates, quality) = cases::work_counts(&state.db, &p.area_ids).await?;
        waiting.push(Waiting { count: pending, label: "notifications waiting for triage", href: "/triage" });
        waiting.push(Waiting {
            count: duplicates,
            label: "possible duplicates to confirm or merge",
            href: "/triage",
        });
        waiting.push(Waiting {
            count: quality,
            label: "open cases with details not known at notification",
            href: "/cases",
        });
    }
    let mut mine = Vec::new();
    let mut saved = Vec::new();
    if p.permits(Action::NotifyDeath) && p.token_id.is_none() {
        for c in cases::notified_by(&state.db, p.user_id, &p.area_ids, 10).await? {
            mine.push(MyCase {
                reference: c.reference,
                notified: crate::domain::uk_time::to_uk(c.notified_at).format("%-d %b %Y").to_string(),
                status: crate::domain::codes::CaseStatus::parse(&c.status).map(|s| s.label()).unwrap_or("—"),
            });
        }
        for d in drafts::for_user(&state.db, p.user_id).await? {
            saved.push(MyDraft {
                id: d.id,
                saved: crate::domain::uk_time::short(d.updated_at),
                expires: crate::domain::uk_time::to_uk(d.expires_at).format("%-d %b %Y").to_string(),
            });
        }
    }
    Ok((waiting, mine, saved))
}

pub async fn show(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
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
                        description: "Find a case by reference (or, for roles that see identities, by NHS number) and see its timeline.",
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
            let (waiting, my_cases, drafts) = match work(&state, p).await {
                Ok(w) => w,
                Err(e) => return e.into_response(),
            };
            DashboardTemplate {
                page: Page::for_user(&ctx, "Home", "/"),
                roles: p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                tasks,
                waiting,
                my_cases,
                drafts,
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

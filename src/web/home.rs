//! The start page for visitors, and the signed-in user's home.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::policy::Action;
use crate::store::sessions::Stage;
use crate::web::auth::{AuthContext, stage_home};
use crate::web::page::Page;
use crate::work::Queues;

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

/// A case this user notified (reference and coded status only).
pub struct MyCase {
    pub reference: String,
    pub notified: String,
    pub status: &'static str,
    /// Details not known at notification, still to add.
    pub details_to_add: bool,
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
    queues: Queues,
    my_cases: Vec<MyCase>,
    drafts: Vec<MyDraft>,
}

/// The notifier's own work: the cases they notified (and whether details are still to add) and
/// their drafts.
async fn own_notifications(
    state: &crate::web::AppState,
    p: &crate::domain::policy::Principal,
) -> crate::web::error::WebResult<(Vec<MyCase>, Vec<MyDraft>)> {
    use crate::domain::codes::CaseStatus;
    use crate::domain::uk_time;
    use crate::store::{cases, drafts};
    let mut mine = Vec::new();
    let mut saved = Vec::new();
    if p.permits(Action::NotifyDeath) && p.token_id.is_none() {
        for c in cases::notified_by(&state.db, p.user_id, &p.area_ids, 10).await? {
            let live =
                c.status == CaseStatus::PendingTriage.code() || c.status == CaseStatus::Notified.code();
            mine.push(MyCase {
                details_to_add: live && !c.data_quality.is_empty(),
                reference: c.reference,
                notified: uk_time::to_uk(c.notified_at).format("%-d %b %Y").to_string(),
                status: CaseStatus::parse(&c.status).map(|s| s.label()).unwrap_or("—"),
            });
        }
        for d in drafts::for_user(&state.db, p.user_id).await? {
            saved.push(MyDraft {
                id: d.id,
                saved: uk_time::short(d.updated_at),
                expires: uk_time::to_uk(d.expires_at).format("%-d %b %Y").to_string(),
            });
        }
    }
    Ok((mine, saved))
}

pub async fn show(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    ctx: AuthContext,
) -> Response {
    match (ctx.stage(), &ctx.principal) {
        (Some(Stage::Full), Some(p)) => {
            let all: [(Action, Task); 13] = [
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
                    Action::AttendMeetings,
                    Task {
                        href: "/meetings",
                        title: "Meetings",
                        description: "Child death review meetings and panels: agendas, case packs, pre-panel categorisation and minutes.",
                    },
                ),
                (
                    Action::RequestInformation,
                    Task {
                        href: "/outstanding",
                        title: "Outstanding information",
                        description: "Agency forms past their due date, most overdue first, to chase.",
                    },
                ),
                (
                    Action::ManageActions,
                    Task {
                        href: "/actions",
                        title: "Actions",
                        description: "The panel's actions register: owners, due dates and progress.",
                    },
                ),
                (
                    Action::RunPublishedReports,
                    Task {
                        href: "/reports/annual",
                        title: "Reports",
                        description: "The annual report and thematic reports, with small numbers suppressed for publication.",
                    },
                ),
                (
                    Action::ManageRetention,
                    Task {
                        href: "/admin/retention",
                        title: "Retention",
                        description: "Retention policies, legal holds, the destruction queue and certificates.",
                    },
                ),
                (
                    Action::UseService,
                    Task {
                        href: "/account",
                        title: "Your account",
                        description: "Your password, two-factor authentication and API tokens.",
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
            let queues = match crate::work::for_person(&state, p).await {
                Ok(q) => q,
                Err(e) => return crate::web::error::WebError::from(e).into_response(),
            };
            let (my_cases, drafts) = match own_notifications(&state, p).await {
                Ok(w) => w,
                Err(e) => return e.into_response(),
            };
            DashboardTemplate {
                page: Page::for_user(&ctx, "Home", "/"),
                roles: p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                tasks,
                queues,
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

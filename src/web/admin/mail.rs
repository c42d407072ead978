//! Admin: emails that could not be sent, and sending them again.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::domain::audit::AuditAction;
use crate::store::{self, audit, outbox};
use crate::web::AppState;
use crate::web::auth::{AuthContext, redirect_with_flash};
use crate::web::error::{WebError, WebResult};
use crate::web::page::Page;

pub struct FailedRow {
    pub id: i64,
    pub template: String,
    pub case_reference: String,
    pub attempts: i32,
    pub last_error: String,
    pub created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/mail.html")]
pub struct MailTemplate {
    page: Page,
    pending: u64,
    sent: u64,
    failed: Vec<FailedRow>,
    transport: &'static str,
}

pub async fn list(State(state): State<AppState>, ctx: AuthContext) -> WebResult<MailTemplate> {
    let failed = outbox::failed(&state.db)
        .await?
        .into_iter()
        .map(|m| FailedRow {
            id: m.id,
            template: m.template,
            case_reference: m.case_reference.unwrap_or_default(),
            attempts: m.attempts,
            last_error: m.last_error.unwrap_or_default(),
            created: crate::domain::uk_time::short(m.created_at),
        })
        .collect();
    Ok(MailTemplate {
        page: Page::for_user(&ctx, "Email", "/admin/mail"),
        pending: outbox::count_with_status(&state.db, outbox::PENDING).await?
            + outbox::count_with_status(&state.db, outbox::SENDING).await?,
        sent: outbox::count_with_status(&state.db, outbox::SENT).await?,
        failed,
        transport: match state.config.mail.transport {
            crate::config::MailTransportKind::File => "files (mail.transport = \"file\")",
            crate::config::MailTransportKind::Smtp => "SMTP",
        },
    })
}

/// `POST /admin/mail/{id}/retry`.
pub async fn retry(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    outbox::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let txn = store::begin_write(&state.db).await?;
    let requeued = outbox::requeue(&txn, id).await?;
    if requeued {
        audit::append(&txn, &ctx.acting().event(AuditAction::MailRequeued, "mail", id.to_string())).await?;
    }
    txn.commit().await?;
    state.mail_wakeup.notify_one();
    let message =
        if requeued { "The email will be sent again" } else { "That email is not waiting as failed" };
    Ok(redirect_with_flash(&state, "/admin/mail", message))
}

//! The destruction queue: cases the sweep listed (to queue, per case or all), cases queued and
//! waiting for a second admin's approval, approved cases being destroyed; and one entry's page,
//! where an approver can exclude it with a reason and a date to look at it again.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::long_date;
use crate::domain::retention::{EntryStatus, RetentionAction};
use crate::input::DateParts;
use crate::store::{areas, destruction};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::into_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;

/// At most this many entries of each kind on the page ("all" still takes every one).
const SHOWN: u64 = 500;
/// "All" takes at most this many at once.
const ALL: u64 = 1_000_000;

/// An entry as a row.
pub struct EntryRow {
    pub id: i64,
    pub reference: String,
    pub area: String,
    pub due: String,
    pub policy: String,
    pub action: &'static str,
    pub queued: String,
    pub reason: String,
    /// Queued by the admin looking at the page (who may not approve it).
    pub mine: bool,
    pub status: &'static str,
}

async fn rows(state: &AppState, entries: &[destruction::Entry], me: i64) -> WebResult<Vec<EntryRow>> {
    let all = areas::list(&state.db).await?;
    Ok(entries
        .iter()
        .map(|e| EntryRow {
            id: e.id,
            reference: e.reference.clone(),
            area: all.iter().find(|a| a.id == e.area_id).map(|a| a.name.clone()).unwrap_or_default(),
            due: long_date(e.due_on),
            policy: e.policy_name.clone().unwrap_or_else(|| "A date set by an approver".into()),
            action: RetentionAction::parse(&e.action).map(|a| a.label()).unwrap_or(""),
            queued: match (&e.queued_by_name, e.queued_at) {
                (Some(n), Some(at)) => format!("{} by {n}", long_date(at.date_naive())),
                _ => String::new(),
            },
            reason: e.batch_reason.clone().unwrap_or_default(),
            mine: e.queued_by == Some(me),
            status: e.status().map(|s| s.label()).unwrap_or(""),
        })
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/queue.html")]
pub struct QueueTemplate {
    page: Page,
    errors: FormErrors,
    due: Vec<EntryRow>,
    queued: Vec<EntryRow>,
    /// How many are due and queued in all (the page shows the first SHOWN of each).
    due_total: i64,
    queued_total: i64,
    approved: Vec<EntryRow>,
    reason: String,
    approve_reason: String,
    /// The entries ticked when the form comes back with a problem.
    ticked: Vec<i64>,
    /// A refusal or conflict, in words.
    problem: Option<String>,
}

async fn queue_page(
    state: &AppState,
    ctx: &AuthContext,
    me: i64,
    form: Option<&FormData>,
    errors: FormErrors,
) -> WebResult<QueueTemplate> {
    let counts = destruction::counts(&state.db).await?;
    Ok(QueueTemplate {
        due_total: counts.get(EntryStatus::Due),
        queued_total: counts.get(EntryStatus::Queued),
        page: Page::for_user(ctx, "Destruction queue", "/admin/retention").with_errors(!errors.is_empty()),
        errors,
        due: rows(state, &destruction::list(&state.db, &[EntryStatus::Due], SHOWN).await?, me).await?,
        queued: rows(state, &destruction::list(&state.db, &[EntryStatus::Queued], SHOWN).await?, me).await?,
        approved: rows(state, &destruction::list(&state.db, &[EntryStatus::Approved], SHOWN).await?, me)
            .await?,
        reason: form.map(|f| f.get("reason").to_string()).unwrap_or_default(),
        approve_reason: form.map(|f| f.get("approve_reason").to_string()).unwrap_or_default(),
        ticked: form
            .map(|f| f.all("entries").iter().filter_map(|v| v.parse().ok()).collect())
            .unwrap_or_default(),
        problem: None,
    })
}

/// `GET /admin/retention/queue`
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<QueueTemplate> {
    queue_page(&state, &ctx, me.user_id, None, FormErrors::default()).await
}

/// The entries ticked, or every entry of `status` when "all" was ticked (for approval, those the
/// admin did not queue themselves).
async fn chosen(state: &AppState, form: &FormData, status: EntryStatus, me: i64) -> WebResult<Vec<i64>> {
    if form.get("all") == "true" {
        return Ok(destruction::list(&state.db, &[status], ALL)
            .await?
            .into_iter()
            .filter(|e| status != EntryStatus::Queued || e.queued_by != Some(me))
            .map(|e| e.id)
            .collect());
    }
    Ok(form.all("entries").iter().filter_map(|v| v.parse().ok()).collect())
}

async fn refused(
    state: &AppState,
    ctx: &AuthContext,
    me: i64,
    form: &FormData,
    errors: FormErrors,
    problem: Option<String>,
) -> WebResult<Response> {
    let mut p = queue_page(state, ctx, me, Some(form), errors).await?;
    let status = if problem.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    p.problem = problem;
    Ok((status, p).into_response())
}

/// `POST /admin/retention/queue`: queues the ticked due cases as one batch, with a reason.
pub async fn queue(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let mut errors = FormErrors::default();
    let ids = chosen(&state, &form, EntryStatus::Due, me.user_id).await?;
    let confirmed = form.confirmed();
    match crate::retention::queue::queue(
        &state,
        &ctx.acting(),
        me.user_id,
        &ids,
        form.get("reason"),
        &confirmed,
    )
    .await
    {
        Ok((_, n)) => Ok(redirect_with_flash(
            &state,
            "/admin/retention/queue",
            &format!(
                "{} queued for destruction. A different admin must now approve them.",
                crate::words::count(n as i64, "case", "cases")
            ),
        )),
        Err(e) => {
            let problem = into_errors(e, &mut errors)?;
            refused(&state, &ctx, me.user_id, &form, errors, problem).await
        }
    }
}

/// `POST /admin/retention/approve`: approves the ticked queued cases (not one's own queueing).
pub async fn approve(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let mut errors = FormErrors::default();
    let ids = chosen(&state, &form, EntryStatus::Queued, me.user_id).await?;
    match crate::retention::queue::approve(
        &state,
        &ctx.acting(),
        me.user_id,
        &ids,
        form.get("approve_reason"),
        &form.confirmed(),
    )
    .await
    {
        Ok(n) => {
            state.retention_wake.notify_one();
            Ok(redirect_with_flash(
                &state,
                "/admin/retention/certificates",
                &format!(
                    "Destruction of {} approved. Each is destroyed in turn and gets a certificate below.",
                    crate::words::count(n as i64, "case", "cases")
                ),
            ))
        }
        Err(e) => {
            let problem = into_errors(e, &mut errors)?;
            refused(&state, &ctx, me.user_id, &form, errors, problem).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/entry.html")]
pub struct EntryTemplate {
    page: Page,
    errors: FormErrors,
    entry: EntryRow,
    open: bool,
    approved: String,
    closed: String,
    exclude_reason: String,
    review_on: DateParts,
    problem: Option<String>,
}

async fn entry_page(
    state: &AppState,
    ctx: &AuthContext,
    me: i64,
    id: i64,
    errors: FormErrors,
) -> WebResult<EntryTemplate> {
    let e = destruction::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let entry = rows(state, std::slice::from_ref(&e), me).await?.pop().ok_or(WebError::NotFound)?;
    Ok(EntryTemplate {
        page: Page::for_user(ctx, format!("{} in the destruction queue", e.reference), "/admin/retention")
            .with_errors(!errors.is_empty()),
        errors,
        entry,
        open: e.status().is_some_and(|s| s.is_open() && s != EntryStatus::Approved),
        approved: match (&e.approved_by_name, e.approved_at) {
            (Some(n), Some(at)) => format!(
                "{} by {n}: {}",
                long_date(at.date_naive()),
                e.approve_reason.clone().unwrap_or_default()
            ),
            _ => String::new(),
        },
        closed: match e.closed_at {
            Some(at) => format!(
                "{}{}: {}",
                long_date(at.date_naive()),
                e.closed_by_name.as_ref().map(|n| format!(" by {n}")).unwrap_or_default(),
                e.close_reason.clone().unwrap_or_default()
            ),
            None => String::new(),
        },
        exclude_reason: String::new(),
        review_on: DateParts::default(),
        problem: None,
    })
}

/// `GET /admin/retention/entries/{id}`
pub async fn entry(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<EntryTemplate> {
    entry_page(&state, &ctx, me.user_id, id, FormErrors::default()).await
}

/// `POST /admin/retention/entries/{id}/exclude`: keeps the case, with a reason and a new date.
pub async fn exclude(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let mut errors = FormErrors::default();
    let parts = form.date_parts("review_on");
    let review_on = match parts.parse("date to look at the case again") {
        Ok(d) => d,
        Err(m) => {
            if let Err(reason) = crate::domain::text::one_line(
                form.get("exclude_reason"),
                500,
                "Enter the reason for keeping this case's identifying data",
                "The reason",
            ) {
                errors.add("exclude_reason", reason);
            }
            errors.add("review_on", m);
            None
        }
    };
    let mut problem = None;
    if errors.is_empty() {
        match crate::retention::queue::exclude(
            &state,
            &ctx.acting(),
            me.user_id,
            id,
            form.get("exclude_reason"),
            &form.confirmed(),
            review_on,
        )
        .await
        {
            Ok(()) => {
                return Ok(redirect_with_flash(
                    &state,
                    "/admin/retention/queue",
                    "Case excluded from destruction: it will be listed again on the date you gave",
                ));
            }
            Err(e) => problem = into_errors(e, &mut errors)?,
        }
    }
    let mut p = entry_page(&state, &ctx, me.user_id, id, errors).await?;
    p.exclude_reason = form.get("exclude_reason").to_string();
    p.review_on = parts;
    p.problem = problem;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

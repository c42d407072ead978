//! The periodic access review (an NHS Data Security and Protection Toolkit expectation): every
//! account with its roles, areas, last sign-in, two-factor status and identity reveals in the last
//! 90 days, unused accounts flagged; the admin records the review. And a case's access report:
//! everyone who opened the case's identity, pack or forms, from the audit trail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use serde::Deserialize;

use crate::domain::audit::AuditAction;
use crate::domain::retention::ReviewOutcome;
use crate::store::{self, access_reviews, areas, audit, cases, users};
use crate::web::AppState;
use crate::web::admin::retention::long_date;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::WebResult;
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use crate::web::params::Q;

/// Identity reveals counted over this many days.
const REVEAL_DAYS: i64 = 90;

pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub areas: String,
    pub last_sign_in: String,
    /// How the account signs in: "Password", and each linked provider with its last sign-in.
    pub sign_in_with: Vec<String>,
    /// "On" (the service's own codes), "Through {provider}" (its last sign-in used a second
    /// factor), or "Off".
    pub two_factor: String,
    pub reveals: i64,
    /// Why the account needs a look (unused, disabled…); empty when none.
    pub flags: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/access_review.html")]
pub struct AccessReviewTemplate {
    page: Page,
    errors: FormErrors,
    accounts: Vec<AccountRow>,
    flagged: usize,
    unused_days: u32,
    last: Option<String>,
    next_due: String,
    overdue: bool,
    history: Vec<(String, String, &'static str, String)>,
    outcomes: Vec<Choice>,
    notes: String,
}

async fn accounts(state: &AppState) -> WebResult<Vec<AccountRow>> {
    let now = state.clock.now();
    let unused = TimeDelta::days(i64::from(state.config.retention.unused_account_days));
    let reveals = access_reviews::reveals_since(&state.db, now - TimeDelta::days(REVEAL_DAYS)).await?;
    let all_areas = areas::list(&state.db).await?;
    let linked = crate::store::sso::identities(&state.db).await?;
    let provider_name = |id: &str| state.config.auth.sso_name(id);
    Ok(users::list(&state.db)
        .await?
        .into_iter()
        .map(|s| {
            let u = &s.user;
            let links: Vec<_> = linked.iter().filter(|l| l.user_id == u.id).collect();
            let provider_mfa = links.iter().find(|l| l.last_mfa).map(|l| provider_name(&l.provider));
            let mut flags = Vec::new();
            if u.disabled {
                flags.push("Disabled".to_string());
            } else {
                match u.last_login_at {
                    None if now - u.created_at > unused => flags
                        .push(format!("Never signed in (created {})", long_date(u.created_at.date_naive()))),
                    Some(at) if now - at > unused => {
                        flags.push(format!("Not used for {} days", (now - at).num_days()))
                    }
                    _ => {}
                }
                if u.totp_secret.is_none() && provider_mfa.is_none() && !u.service_account {
                    flags.push("No two-factor authentication".to_string());
                }
            }
            AccountRow {
                id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                roles: s.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                areas: all_areas
                    .iter()
                    .filter(|a| s.area_ids.contains(&a.id))
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                last_sign_in: u
                    .last_login_at
                    .map(|t| long_date(t.date_naive()))
                    .unwrap_or_else(|| "Never".into()),
                sign_in_with: u
                    .password_hash
                    .as_ref()
                    .map(|_| "Password".to_string())
                    .into_iter()
                    .chain(links.iter().map(|l| {
                        let when = l
                            .last_sign_in_at
                            .map(|t| format!("last signed in {}", long_date(t.date_naive())))
                            .unwrap_or_else(|| "not signed in yet".into());
                        format!("{} ({when})", provider_name(&l.provider))
                    }))
                    .collect(),
                two_factor: if u.totp_secret.is_some() {
                    "On".to_string()
                } else if let Some(p) = provider_mfa {
                    format!("Through {p}")
                } else {
                    "Off".to_string()
                },
                reveals: reveals.iter().find(|(id, _)| *id == u.id).map(|(_, n)| *n).unwrap_or(0),
                flags,
            }
        })
        .collect())
}

async fn review_page(
    state: &AppState,
    ctx: &AuthContext,
    errors: FormErrors,
    outcome: &str,
    notes: String,
) -> WebResult<AccessReviewTemplate> {
    let accounts = accounts(state).await?;
    let (last, due) = crate::jobs::retention::access_review_due(state)
        .await
        .map_err(crate::web::error::WebError::internal)?;
    let history = access_reviews::list(&state.db, 20)
        .await?
        .into_iter()
        .map(|r| {
            (
                long_date(r.reviewed_at.date_naive()),
                r.reviewer,
                ReviewOutcome::parse(&r.outcome).map(|o| o.label()).unwrap_or(""),
                r.notes,
            )
        })
        .collect();
    Ok(AccessReviewTemplate {
        page: Page::for_user(ctx, "Access review", "/admin/access-review").with_errors(!errors.is_empty()),
        errors,
        flagged: accounts.iter().filter(|a| !a.flags.is_empty()).count(),
        accounts,
        unused_days: state.config.retention.unused_account_days,
        last: last.map(|r| format!("{} by {}", long_date(r.reviewed_at.date_naive()), r.reviewer)),
        next_due: long_date(due),
        overdue: due <= state.clock.today(),
        history,
        outcomes: ReviewOutcome::ALL
            .iter()
            .map(|o| Choice::new(o.code(), o.label(), o.code() == outcome))
            .collect(),
        notes,
    })
}

/// `GET /admin/access-review`
pub async fn show(State(state): State<AppState>, ctx: AuthContext) -> WebResult<AccessReviewTemplate> {
    review_page(&state, &ctx, FormErrors::default(), "", String::new()).await
}

/// `POST /admin/access-review`: records the review (who, when, outcome, notes).
pub async fn record(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let mut errors = FormErrors::default();
    let outcome = ReviewOutcome::parse(form.get("outcome"));
    if outcome.is_none() {
        errors.add("outcome", "Choose the outcome of the review");
    }
    let notes = form.get("notes").trim().to_string();
    if crate::input::has_control(&notes) {
        errors.add("notes", crate::input::control_message("The notes"));
    } else if notes.chars().count() > 2000 {
        errors.add("notes", "The notes must be 2,000 characters or fewer");
    } else if notes.is_empty() && outcome != Some(ReviewOutcome::NoChanges) {
        errors.add("notes", "Describe the changes made or the follow-up needed");
    }
    if let (Some(outcome), true) = (outcome, errors.is_empty()) {
        let accounts = accounts(&state).await?;
        let flagged = accounts.iter().filter(|a| !a.flags.is_empty()).count() as i32;
        let txn = store::begin_write(&state.db).await?;
        let id =
            access_reviews::insert(&txn, me.user_id, outcome, &notes, accounts.len() as i32, flagged).await?;
        audit::append(
            &txn,
            &ctx.acting()
                .event(AuditAction::AccessReviewRecorded, "access_review", id.to_string())
                .details(format!("outcome={};accounts={};flagged={flagged}", outcome.code(), accounts.len())),
        )
        .await?;
        txn.commit().await?;
        return Ok(redirect_with_flash(&state, "/admin/access-review", "Access review recorded"));
    }
    let p = review_page(&state, &ctx, errors, form.get("outcome"), notes).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    reference: String,
}

pub struct AccessLine {
    pub at: String,
    pub who: String,
    pub what: &'static str,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/case_access.html")]
pub struct CaseAccessTemplate {
    page: Page,
    errors: FormErrors,
    reference: String,
    found: bool,
    lines: Vec<AccessLine>,
}

/// `GET /admin/case-access?reference=REF`: who opened the case's identity, pack or forms.
pub async fn case_access(
    State(state): State<AppState>,
    ctx: AuthContext,
    Q(q): Q<CaseQuery>,
) -> WebResult<Response> {
    let reference = q.reference.trim().to_uppercase();
    let mut errors = FormErrors::default();
    let mut lines = Vec::new();
    let mut found = false;
    if !reference.is_empty() {
        match cases::find_by_reference(&state.db, &reference).await? {
            None => errors.add("reference", format!("There is no case {reference}")),
            Some(c) => {
                found = true;
                audit::append(
                    &state.db,
                    &ctx.acting()
                        .event(AuditAction::CaseAccessReportViewed, "case", c.reference.clone())
                        .area(c.area_id),
                )
                .await?;
                lines = access_reviews::for_case(&state.db, &c.reference, 2000)
                    .await?
                    .into_iter()
                    .map(|a| AccessLine {
                        at: crate::domain::uk_time::words(a.at),
                        who: a
                            .user_name
                            .unwrap_or_else(|| "Someone without an account, or the service".into()),
                        what: AuditAction::parse(&a.action).map(|x| x.label()).unwrap_or("Other"),
                        detail: a.details.unwrap_or_default(),
                    })
                    .collect();
            }
        }
    }
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::NOT_FOUND };
    let p = CaseAccessTemplate {
        page: Page::for_user(&ctx, "Case access report", "/admin/access-review")
            .with_errors(!errors.is_empty()),
        errors,
        reference,
        found,
        lines,
    };
    Ok((status, p).into_response())
}

//! The Analysis Form of a case on one page: drafting with optimistic locking (a stale save shows
//! the conflict and keeps what was typed), the chair's sign-off with a two-factor code, and
//! amendments of a signed analysis with the side-by-side view of what changed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::codes::{AnalysisStatus, CaseStatus};
use crate::domain::policy::{Action, Principal};
use crate::domain::uk_time;
use crate::forms::answers::{self, FieldError, Raw};
use crate::forms::page::{PageModel, RowFocus, focus, page};
use crate::review::analysis::{self as service, Difference, Loaded};
use crate::service::ServiceError;
use crate::store::analyses;
use crate::store::cases::Case;
use crate::store::users;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::load_in_scope;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::gathering::respond::{group_action, lock_of, summary};
use crate::web::page::Page;

pub struct Revision {
    pub number: i32,
    pub status: String,
    pub signed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/analysis.html")]
struct AnalysisTemplate {
    page: Page,
    reference: String,
    case_status: String,
    title: String,
    status: String,
    revision: i32,
    lock: i64,
    editable: bool,
    can_sign: bool,
    /// Whether the signer has two-factor set up (sign-off needs a code).
    two_factor_set_up: bool,
    /// The single sign-on provider whose two-factor sign-in confirms the sign-off instead of a
    /// code (the session signed in through it with a second factor).
    provider_confirms: Option<String>,
    can_amend: bool,
    sections: Vec<PageModel>,
    answers: Vec<(String, String)>,
    revisions: Vec<Revision>,
    amendment_reason: String,
    missing: Vec<String>,
    conflict: Option<String>,
    notice: String,
    reason_typed: String,
    errors: FormErrors,
}

async fn revisions(state: &AppState, case: &Case) -> WebResult<Vec<Revision>> {
    let everyone = users::list(&state.db).await?;
    Ok(analyses::revisions(&state.db, case.id)
        .await?
        .iter()
        .map(|a| Revision {
            number: a.revision,
            status: AnalysisStatus::parse(&a.status).map(|s| s.label().to_string()).unwrap_or_default(),
            signed: match (a.signed_by, a.signed_at) {
                (Some(by), Some(at)) => format!(
                    "by {} on {}",
                    everyone.iter().find(|u| u.user.id == by).map(|u| u.user.name.as_str()).unwrap_or("?"),
                    uk_time::words(at)
                ),
                // Imported from the panel's previous system: signed off there, on that date.
                (None, Some(at)) => format!("in the panel's previous system on {}", uk_time::words(at)),
                _ => String::new(),
            },
        })
        .collect())
}

/// The answers in words, for a signed (read-only) revision.
pub fn answer_rows(l: &Loaded) -> Vec<(String, String)> {
    l.version
        .items
        .iter()
        .filter(|i| i.is_question())
        .map(|i| {
            (
                i.label.clone(),
                l.answers
                    .get(&i.key)
                    .map(|a| answers::display(i, a))
                    .unwrap_or_else(|| "Not answered".into()),
            )
        })
        .collect()
}

struct Shown<'a> {
    raw: Option<&'a Raw>,
    errors: &'a [FieldError],
    conflict: Option<String>,
    lock: Option<i64>,
    notice: String,
    /// An amendment's reason as typed, kept when it is refused.
    reason: String,
    /// The factor line to focus after "Add another" or "Remove".
    focus: Option<RowFocus>,
}

async fn render(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    case: &Case,
    loaded: &Loaded,
    shown: Shown<'_>,
) -> WebResult<Response> {
    let stored = answers::to_raw(&loaded.version, &loaded.answers);
    let raw = shown.raw.unwrap_or(&stored);
    let (shown_answers, _) = match shown.raw {
        Some(r) => service::read(&loaded.version, r),
        None => (loaded.answers.clone(), Vec::new()),
    };
    let mut sections: Vec<PageModel> = (0..loaded.version.sections().len())
        .filter_map(|i| page(&loaded.version, i, raw, &shown_answers, shown.errors))
        .collect();
    if let Some(target) = &shown.focus {
        for s in &mut sections {
            focus(&mut s.items, target);
        }
    }
    let signed = loaded.is_signed();
    let editable = !signed && service::editable_in(&case.status);
    let draft_exists = loaded.analysis.is_some() && !signed;
    let can_sign = draft_exists
        && me.permits_in(Action::SignOffAnalysis, case.area_id)
        && (case.status == CaseStatus::ReviewScheduled.code() || case.status == CaseStatus::Reviewed.code());
    // A chair signed in through a provider with a second factor confirms with that sign-in.
    let provider_confirms = ctx
        .session
        .as_ref()
        .filter(|s| s.provider_mfa)
        .and_then(|s| s.provider.as_ref())
        .and_then(|p| state.config.auth.sso_provider(p))
        .map(|p| p.name.clone());
    // A chair without two-factor learns it before writing, not at sign-off.
    let two_factor_set_up = !can_sign
        || provider_confirms.is_some()
        || crate::store::users::find(&state.db, me.user_id).await?.is_some_and(|u| u.totp_secret.is_some());
    let status = if shown.conflict.is_some() {
        StatusCode::CONFLICT
    } else if shown.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        AnalysisTemplate {
            page: Page::for_user(ctx, format!("Analysis {}", case.reference), "/cases")
                .with_errors(!shown.errors.is_empty()),
            reference: case.reference.clone(),
            case_status: CaseStatus::parse(&case.status).map(|s| s.label().to_string()).unwrap_or_default(),
            title: loaded.version.title.clone(),
            status: match &loaded.analysis {
                None => "Not started".into(),
                Some(a) => {
                    AnalysisStatus::parse(&a.status).map(|s| s.label().to_string()).unwrap_or_default()
                }
            },
            revision: loaded.analysis.as_ref().map(|a| a.revision).unwrap_or(0),
            lock: shown.lock.unwrap_or(loaded.lock()),
            editable,
            can_sign,
            two_factor_set_up,
            provider_confirms,
            can_amend: signed
                && loaded.analysis.as_ref().is_some_and(|a| a.status == AnalysisStatus::Signed.code()),
            sections,
            answers: if signed { answer_rows(loaded) } else { Vec::new() },
            revisions: revisions(state, case).await?,
            amendment_reason: loaded.amendment_reason.clone().unwrap_or_default(),
            missing: service::missing(loaded),
            conflict: shown.conflict,
            notice: shown.notice,
            reason_typed: shown.reason,
            errors: summary(shown.errors),
        },
    )
        .into_response())
}

/// A service's (field, message) problems as the form engine's field errors.
fn as_field_errors(list: Vec<(String, String)>) -> Vec<FieldError> {
    list.into_iter().map(|(field, message)| FieldError { field, message }).collect()
}

async fn case_of(state: &AppState, me: &Principal, reference: &str) -> WebResult<Case> {
    load_in_scope(state, me, reference, Action::EditAnalysis).await
}

/// `GET /cases/{reference}/analysis`.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let case = case_of(&state, &me, &reference).await?;
    let loaded = service::load(&state, &case).await?;
    let shown = Shown {
        raw: None,
        errors: &[],
        conflict: None,
        lock: None,
        notice: String::new(),
        reason: String::new(),
        focus: None,
    };
    render(&state, &ctx, &me, &case, &loaded, shown).await
}

/// `POST /cases/{reference}/analysis`: saves the draft (or adds/removes a factor line and shows
/// the form again). Problems are shown next to their fields with what was typed.
pub async fn save(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = case_of(&state, &me, &reference).await?;
    let loaded = service::load(&state, &case).await?;
    let lock = lock_of(&form)?;
    let action = form.get("action").to_string();
    let confirmed = form.confirmed();
    let mut raw: Raw = form
        .0
        .into_iter()
        .filter(|(k, _)| k != "csrf_token" && k != "lock" && k != "action" && !k.ends_with(".confirm"))
        .collect();
    if let Some(row) = group_action(&action, &mut raw) {
        let shown = Shown {
            raw: Some(&raw),
            errors: &[],
            conflict: None,
            lock: Some(lock),
            notice: "Not saved yet: save to keep your changes.".into(),
            reason: String::new(),
            focus: Some(row),
        };
        return render(&state, &ctx, &me, &case, &loaded, shown).await;
    }
    let (answers, errors) = service::read(&loaded.version, &raw);
    if !errors.is_empty() {
        let shown = Shown {
            raw: Some(&raw),
            errors: &errors,
            conflict: None,
            lock: Some(lock),
            notice: String::new(),
            reason: String::new(),
            focus: None,
        };
        return render(&state, &ctx, &me, &case, &loaded, shown).await;
    }
    match service::save(&state, &ctx.acting(), &case, lock, &answers, &confirmed).await {
        Ok(()) => {
            Ok(redirect_with_flash(&state, &format!("/cases/{}/analysis", case.reference), "Analysis saved"))
        }
        Err(ServiceError::Conflict(m)) => {
            let shown = Shown {
                raw: Some(&raw),
                errors: &[],
                conflict: Some(m),
                lock: None,
                notice: String::new(),
                reason: String::new(),
                focus: None,
            };
            render(&state, &ctx, &me, &case, &loaded, shown).await
        }
        Err(ServiceError::Invalid(list)) => {
            let errors = as_field_errors(list);
            let shown = Shown {
                raw: Some(&raw),
                errors: &errors,
                conflict: None,
                lock: Some(lock),
                notice: String::new(),
                reason: String::new(),
                focus: None,
            };
            render(&state, &ctx, &me, &case, &loaded, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /cases/{reference}/analysis/sign-off`: the chair, with a fresh two-factor code, or a
/// recent single sign-on that used a second factor (an older one signs in again first).
pub async fn sign_off(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::SignOffAnalysis).await?;
    let page = format!("/cases/{}/analysis", case.reference);
    if let Some(again) = crate::web::auth::sso::reauthentication_needed(&state, &ctx, &page) {
        return Ok(again);
    }
    let lock: i64 = form.get("lock").parse().unwrap_or(-1);
    let provider = crate::web::auth::sso::fresh_provider_mfa(&state, &ctx);
    let confirmation = match &provider {
        Some(p) => service::Confirmation::ProviderSignIn(p),
        None => service::Confirmation::Code(form.get("code")),
    };
    match service::sign_off(&state, &ctx.acting(), &case, lock, confirmation).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/cases/{}/analysis", case.reference),
            "Analysis signed off. It is now locked; a change needs an amendment.",
        )),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Refused(_) | ServiceError::Conflict(_))) => {
            let errors = match e {
                ServiceError::Invalid(list) => as_field_errors(list),
                ServiceError::Refused(m) | ServiceError::Conflict(m) => {
                    vec![FieldError { field: "code".into(), message: m }]
                }
                _ => Vec::new(),
            };
            let loaded = service::load(&state, &case).await?;
            let shown = Shown {
                raw: None,
                errors: &errors,
                conflict: None,
                lock: None,
                notice: String::new(),
                reason: String::new(),
                focus: None,
            };
            render(&state, &ctx, &me, &case, &loaded, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /cases/{reference}/analysis/amend`: starts an amendment with its reason.
pub async fn amend(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = case_of(&state, &me, &reference).await?;
    match service::amend(&state, &ctx.acting(), &case, form.get("reason"), &form.confirmed()).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/cases/{}/analysis", case.reference),
            "Amendment started. Change the analysis, then the chair signs it off.",
        )),
        Err(ServiceError::Invalid(list)) => {
            let errors = as_field_errors(list);
            let loaded = service::load(&state, &case).await?;
            let shown = Shown {
                raw: None,
                errors: &errors,
                conflict: None,
                lock: None,
                notice: String::new(),
                reason: form.get("reason").to_string(),
                focus: None,
            };
            render(&state, &ctx, &me, &case, &loaded, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/analysis_revision.html")]
struct RevisionTemplate {
    page: Page,
    reference: String,
    number: i32,
    status: String,
    reason: String,
    previous: i32,
    differences: Vec<Difference>,
}

/// `GET /cases/{reference}/analysis/revisions/{n}`: one revision, beside the one before it.
pub async fn revision(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, n)): Path<(String, i32)>,
) -> WebResult<Response> {
    let case = case_of(&state, &me, &reference).await?;
    let all = analyses::revisions(&state.db, case.id).await?;
    let this = all.iter().find(|a| a.revision == n).ok_or(WebError::NotFound)?;
    let after = service::open_revision(&state, this, &analyses::coded_answers(&state.db, this.id).await?)?;
    let before = match all.iter().find(|a| a.revision == n - 1) {
        Some(p) => service::open_revision(&state, p, &analyses::coded_answers(&state.db, p.id).await?)?,
        None => Loaded {
            analysis: None,
            version: after.version.clone(),
            answers: Default::default(),
            amendment_reason: None,
        },
    };
    let e = ctx
        .acting()
        .case_event(crate::domain::audit::AuditAction::AnalysisRead, &case)
        .details(format!("revision={n}"));
    crate::store::audit::append(&state.db, &e).await?;
    Ok(RevisionTemplate {
        page: Page::for_user(&ctx, format!("Analysis {} revision {n}", case.reference), "/cases"),
        reference: case.reference.clone(),
        number: n,
        status: AnalysisStatus::parse(&this.status).map(|s| s.label().to_string()).unwrap_or_default(),
        reason: after.amendment_reason.clone().unwrap_or_default(),
        previous: n - 1,
        differences: service::compare(&before, &after),
    }
    .into_response())
}

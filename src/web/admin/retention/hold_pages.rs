//! Legal holds: the list, placing one (a case, an area's notifications between two dates, or a
//! theme), and releasing one with a reason.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::long_date;
use crate::domain::retention::HoldScope;
use crate::input::DateParts;
use crate::retention::holds::HoldInput;
use crate::store::{areas, holds, users};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::into_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

/// A hold as a row.
pub struct HoldRow {
    pub id: i64,
    pub covers: String,
    pub external_ref: String,
    pub reason: String,
    pub placed: String,
    pub released: Option<String>,
    pub cases: i64,
}

async fn rows(state: &AppState, list: &[holds::Hold]) -> WebResult<Vec<HoldRow>> {
    let all_areas = areas::list(&state.db).await?;
    let themes = crate::review::actions::themes(state);
    let people = users::list(&state.db).await?;
    let who = |id: Option<i64>| {
        people.iter().find(|p| Some(p.user.id) == id).map(|p| p.user.name.clone()).unwrap_or_default()
    };
    let mut out = Vec::with_capacity(list.len());
    for h in list {
        let covers = match h.scope() {
            Some(HoldScope::Case) => format!("Case {}", h.case_reference.clone().unwrap_or_default()),
            Some(HoldScope::AreaDates) => format!(
                "{} cases notified {} to {}",
                all_areas.iter().find(|a| Some(a.id) == h.area_id).map(|a| a.name.as_str()).unwrap_or("?"),
                h.from_on.map(long_date).unwrap_or_default(),
                h.to_on.map(long_date).unwrap_or_default()
            ),
            Some(HoldScope::Theme) => {
                let code = h.theme.clone().unwrap_or_default();
                let label = themes.iter().find(|(c, _)| *c == code).map(|(_, l)| l.clone()).unwrap_or(code);
                format!("Cases with the theme ‘{label}’")
            }
            None => h.scope.clone(),
        };
        out.push(HoldRow {
            id: h.id,
            covers,
            external_ref: h.external_ref.clone(),
            reason: h.reason.clone(),
            placed: format!("{} by {}", long_date(h.placed_at.date_naive()), who(Some(h.placed_by))),
            released: h.released_at.map(|at| {
                format!(
                    "{} by {}: {}",
                    long_date(at.date_naive()),
                    who(h.released_by),
                    h.release_reason.clone().unwrap_or_default()
                )
            }),
            cases: holds::covered(&state.db, h.id).await?,
        });
    }
    Ok(out)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/holds.html")]
pub struct HoldsTemplate {
    page: Page,
    errors: FormErrors,
    holds: Vec<HoldRow>,
    scopes: Vec<Choice>,
    case_reference: String,
    area_choices: Vec<Choice>,
    from: DateParts,
    to: DateParts,
    themes: Vec<Choice>,
    reason: String,
    external_ref: String,
}

async fn holds_page(
    state: &AppState,
    ctx: &AuthContext,
    form: Option<&FormData>,
    errors: FormErrors,
) -> WebResult<HoldsTemplate> {
    let get = |k: &str| form.map(|f| f.get(k).to_string()).unwrap_or_default();
    let scope = get("scope");
    let area = get("area");
    let theme = get("theme");
    Ok(HoldsTemplate {
        page: Page::for_user(ctx, "Legal holds", "/admin/retention").with_errors(!errors.is_empty()),
        errors,
        holds: rows(state, &holds::list(&state.db).await?).await?,
        scopes: HoldScope::ALL.iter().map(|s| Choice::new(s.code(), s.label(), s.code() == scope)).collect(),
        case_reference: get("case_reference"),
        area_choices: areas::list(&state.db)
            .await?
            .into_iter()
            .map(|a| Choice::new(a.id.to_string(), a.name, a.id.to_string() == area))
            .collect(),
        from: form.map(|f| f.date_parts("from_on")).unwrap_or_default(),
        to: form.map(|f| f.date_parts("to_on")).unwrap_or_default(),
        themes: crate::review::actions::themes(state)
            .into_iter()
            .map(|(c, l)| {
                let checked = c == theme;
                Choice::new(c, l, checked)
            })
            .collect(),
        reason: get("reason"),
        external_ref: get("external_ref"),
    })
}

/// `GET /admin/retention/holds`
pub async fn list(State(state): State<AppState>, ctx: AuthContext) -> WebResult<HoldsTemplate> {
    holds_page(&state, &ctx, None, FormErrors::default()).await
}

/// `POST /admin/retention/holds`
pub async fn place(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let mut date_problems = Vec::new();
    let mut date = |name: &str, what: &str| match form.date_parts(name).parse(what) {
        Ok(d) => d,
        Err(m) => {
            date_problems.push((name.to_string(), m));
            None
        }
    };
    let from_on = date("from_on", "first notification date");
    let to_on = date("to_on", "last notification date");
    let input = HoldInput {
        scope: form.get("scope").to_string(),
        case_reference: form.get("case_reference").to_string(),
        area_id: form.get("area").parse().ok(),
        from_on,
        to_on,
        date_problems,
        theme: form.get("theme").to_string(),
        reason: form.get("reason").to_string(),
        external_ref: form.get("external_ref").to_string(),
        confirmed: form.confirmed(),
    };
    let themes = crate::review::actions::themes(&state);
    let mut errors = FormErrors::default();
    match crate::retention::holds::place(&state, &ctx.acting(), me.user_id, &input, &themes).await {
        Ok((id, covered, withdrawn)) => {
            let extra = if withdrawn > 0 {
                format!(
                    "; {} taken out of the destruction queue",
                    crate::words::count(withdrawn as i64, "case", "cases")
                )
            } else {
                String::new()
            };
            return Ok(redirect_with_flash(
                &state,
                &format!("/admin/retention/holds/{id}"),
                &format!(
                    "Legal hold placed: it covers {}{extra}",
                    crate::words::count(covered, "case", "cases")
                ),
            ));
        }
        Err(e) => {
            if let Some(message) = into_errors(e, &mut errors)? {
                errors.add("scope", message);
            }
        }
    }
    let p = holds_page(&state, &ctx, Some(&form), errors).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/hold.html")]
pub struct HoldTemplate {
    page: Page,
    errors: FormErrors,
    hold: HoldRow,
    release_reason: String,
}

async fn hold_page(
    state: &AppState,
    ctx: &AuthContext,
    id: i64,
    errors: FormErrors,
) -> WebResult<HoldTemplate> {
    let h = holds::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let hold = rows(state, std::slice::from_ref(&h)).await?.pop().ok_or(WebError::NotFound)?;
    Ok(HoldTemplate {
        page: Page::for_user(ctx, format!("Legal hold {}", h.external_ref), "/admin/retention")
            .with_errors(!errors.is_empty()),
        errors,
        hold,
        release_reason: String::new(),
    })
}

/// `GET /admin/retention/holds/{id}`
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
) -> WebResult<HoldTemplate> {
    hold_page(&state, &ctx, id, FormErrors::default()).await
}

/// `POST /admin/retention/holds/{id}/release`
pub async fn release(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let reason = form.get("release_reason").to_string();
    let mut errors = FormErrors::default();
    match crate::retention::holds::release(&state, &ctx.acting(), me.user_id, id, &reason, &form.confirmed())
        .await
    {
        Ok(()) => {
            return Ok(redirect_with_flash(
                &state,
                "/admin/retention/holds",
                "Legal hold released: its cases can be listed for destruction again at the next sweep",
            ));
        }
        Err(e) => {
            // Released meanwhile (by someone else, or a second click): say so on the list.
            if let Some(message) = into_errors(e, &mut errors)? {
                return Ok(redirect_with_flash(&state, "/admin/retention/holds", &message));
            }
        }
    }
    let mut p = hold_page(&state, &ctx, id, errors).await?;
    p.release_reason = reason;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

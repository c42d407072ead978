//! The agency professional's emailed link: `/f/{token}` and its pages, with no account.
//!
//! A token that is unknown, replaced, expired, withdrawn or already submitted gets the same neutral
//! page (404 when never issued or replaced, 410 when known but finished), saying nothing about
//! the case. Failed look-ups count against the client address, so tokens cannot be guessed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::respond::{self, Frame, Recognise, WebResult};
use crate::domain::audit::Actor;
use crate::gathering::date_words;
use crate::gathering::response::{self, LinkState};
use crate::service::Acting;
use crate::store::cases::{self, Case};
use crate::store::form_requests::FormRequest;
use crate::web::AppState;
use crate::web::auth::AuthContext;
use crate::web::error::WebError;
use crate::web::form_body::FormData;
use crate::web::page::Page;
use crate::web::rate_limit::Limit;

#[derive(Template, WebTemplate)]
#[template(path = "forms/link_problem.html")]
struct ProblemTemplate {
    page: Page,
    contacts: Vec<String>,
}

const BUCKET: &str = "form-link";

fn problem(state: &AppState, status: StatusCode) -> Response {
    let contacts = state
        .config
        .pages
        .contacts
        .iter()
        .map(|c| {
            let how: Vec<&str> =
                [c.email.as_str(), c.phone.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
            format!("{} ({}): {}", c.team, c.area, how.join(", "))
        })
        .collect();
    (status, ProblemTemplate { page: Page::anonymous("This form link cannot be used"), contacts })
        .into_response()
}

/// What an open link leads to: the request, its case and its answers.
type Found = (FormRequest, Case, crate::responses::Loaded);

/// The open request behind a token, its case and its answers, or the response to send instead.
async fn resolve(state: &AppState, ctx: &AuthContext, token: &str) -> WebResult<Result<Found, Response>> {
    let status = match response::by_token(state, token).await? {
        LinkState::Open(r) => match cases::find(&state.db, r.case_id).await? {
            Some(case) => {
                let loaded = crate::responses::load(state, &r).await?;
                return Ok(Ok((*r, case, loaded)));
            }
            None => StatusCode::NOT_FOUND,
        },
        LinkState::Unknown => StatusCode::NOT_FOUND,
        LinkState::Gone => StatusCode::GONE,
    };
    // Only links that do not open count, and only against this address: a valid link always
    // opens, whatever others behind the same proxy have tried.
    Limit::link(state, BUCKET).unknown(state, ctx.client_ip).await?;
    Ok(Err(problem(state, status)))
}

fn frame<'a>(ctx: &'a AuthContext, token: &str, case: &'a Case, request: &'a FormRequest) -> Frame<'a> {
    Frame {
        page: Page::anonymous("Child death review form").with_csrf(&ctx.csrf_token),
        base: format!("/f/{token}"),
        case,
        request,
        acting: Acting { actor: Actor::Anonymous, roles: &[], request_id: &ctx.request_id },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    saved: String,
}

/// `GET /f/{token}`: the form's start page, with what the professional needs to recognise the
/// child. Every opening is audited.
pub async fn start(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
    Query(q): Query<StartQuery>,
) -> WebResult<Response> {
    let (r, case, loaded) = match resolve(&state, &ctx, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let f = frame(&ctx, &token, &case, &r);
    response::record_opening(&state, &f.acting, &case, &r).await?;
    let identity = crate::web::cases::open_one(&state, &case).await?;
    let recognise = Recognise {
        name: format!("{} {}", identity.child.given_names, identity.child.family_name).trim().to_string(),
        date_of_birth: identity.child.date_of_birth.map(date_words).unwrap_or_else(|| "Not known".into()),
        date_of_death: date_words(identity.death.date_of_death),
    };
    Ok(respond::start(f, &loaded, Some(recognise), q.saved == "1"))
}

fn number(n: &str) -> WebResult<usize> {
    n.parse::<usize>().map_err(|_| WebError::NotFound)
}

/// `GET /f/{token}/{n}`.
pub async fn show_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path((token, n)): Path<(String, String)>,
) -> WebResult<Response> {
    let (r, case, loaded) = match resolve(&state, &ctx, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    respond::show_page(frame(&ctx, &token, &case, &r), &loaded, number(&n)?)
}

/// `POST /f/{token}/{n}`.
pub async fn save_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path((token, n)): Path<(String, String)>,
    form: FormData,
) -> WebResult<Response> {
    let (r, case, loaded) = match resolve(&state, &ctx, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    respond::save_page(&state, frame(&ctx, &token, &case, &r), &loaded, number(&n)?, form).await
}

/// `GET /f/{token}/check`.
pub async fn show_check(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let (r, case, loaded) = match resolve(&state, &ctx, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    Ok(respond::show_check(frame(&ctx, &token, &case, &r), &loaded, &[]))
}

/// `POST /f/{token}/check`: submits; the link then stops working.
pub async fn submit(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let (r, case, loaded) = match resolve(&state, &ctx, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    respond::submit(&state, frame(&ctx, &token, &case, &r), &loaded, form, String::new()).await
}

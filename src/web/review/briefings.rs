//! Learning briefings: the list, compiling one from signed-off analyses, editing and sending a
//! draft, the acknowledgements; the areas' distribution lists; and the page a recipient opens
//! through their emailed link (no account) to read and acknowledge a briefing.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::policy::Principal;
use crate::input::DateParts;
use crate::review::actions::themes;
use crate::review::briefings::{self as service, Contact, RecipientView, Scope, View};
use crate::service::ServiceError;
use crate::store::areas;
use crate::store::briefings::Briefing;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash, redirect_with_problem};
use crate::web::error::field_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

/// A briefing as a list row.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub sent: bool,
    pub recipients: usize,
    pub acknowledged: usize,
}

fn period(from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    format!("{} to {}", from.format("%-d %B %Y"), to.format("%-d %B %Y"))
}

#[derive(Template, WebTemplate)]
#[template(path = "review/briefings.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
}

/// `GET /briefings`.
pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    let rows = service::list(&state, &me.area_ids)
        .await?
        .into_iter()
        .map(|(b, recipients, acknowledged)| Row {
            id: b.id,
            period: period(b.period_from, b.period_to),
            title: b.title,
            sent: b.status == "sent",
            recipients,
            acknowledged,
        })
        .collect();
    Ok(ListTemplate { page: Page::for_user(&ctx, "Learning briefings", "/briefings"), rows }.into_response())
}

async fn area_choices(state: &AppState, me: &Principal, chosen: &str) -> WebResult<Vec<Choice>> {
    Ok(areas::list(&state.db)
        .await?
        .into_iter()
        .filter(|a| me.area_ids.contains(&a.id))
        .map(|a| Choice::new(a.id.to_string(), a.name, a.id.to_string() == chosen))
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "review/briefing_new.html")]
struct NewTemplate {
    page: Page,
    title: String,
    from: DateParts,
    to: DateParts,
    areas: Vec<Choice>,
    themes: Vec<Choice>,
    /// The author ticked the confirmation for a briefing drawn from few reviews.
    confirm_few: bool,
    errors: FormErrors,
}

async fn new_page(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    form: Option<&FormData>,
    errors: FormErrors,
) -> WebResult<Response> {
    let year = crate::domain::dates::ReportingYear::of(state.clock.today());
    let (title, from, to, area, theme) = match form {
        Some(f) => (
            f.get("title").to_string(),
            f.date_parts("period_from"),
            f.date_parts("period_to"),
            f.get("area").to_string(),
            f.get("theme").to_string(),
        ),
        None => (
            String::new(),
            DateParts::from_date(year.start()),
            DateParts::from_date(state.clock.today()),
            String::new(),
            String::new(),
        ),
    };
    let mut theme_choices = vec![Choice::new("", "Every theme", theme.is_empty())];
    theme_choices.extend(themes(state).into_iter().map(|(c, l)| {
        let on = c == theme;
        Choice::new(c, l, on)
    }));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        NewTemplate {
            page: Page::for_user(ctx, "Compile a learning briefing", "/briefings")
                .with_errors(!errors.is_empty()),
            title,
            from,
            to,
            areas: area_choices(state, me, &area).await?,
            themes: theme_choices,
            confirm_few: form.is_some_and(|f| f.get("confirm_few") == "yes"),
            errors,
        },
    )
        .into_response())
}

/// `GET /briefings/new`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    new_page(&state, &ctx, &me, None, FormErrors::default()).await
}

/// `POST /briefings/new`.
pub async fn create(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let mut errors = FormErrors::default();
    let from = form.required_date(
        "period_from",
        "start of the period",
        "Enter the start of the period",
        &mut errors,
    );
    let to = form.required_date("period_to", "end of the period", "Enter the end of the period", &mut errors);
    let result = match (from, to) {
        (Some(period_from), Some(period_to)) if errors.is_empty() => {
            let scope = Scope {
                area_id: form.get("area").parse().ok(),
                title: form.get("title").into(),
                period_from,
                period_to,
                theme: Some(form.get("theme").to_string()).filter(|t| !t.is_empty()),
                few_confirmed: form.get("confirm_few") == "yes",
                confirmed: form.confirmed(),
            };
            service::compile(&state, &ctx.acting(), &me.area_ids, &scope).await.map_err(field_errors)
        }
        _ => Err(Ok(errors)),
    };
    match result {
        Ok(id) => Ok(redirect_with_flash(
            &state,
            &format!("/briefings/{id}"),
            "Briefing compiled and redacted automatically. Read every point and edit it before sending.",
        )),
        Err(e) => new_page(&state, &ctx, &me, Some(&form), e?).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/briefing.html")]
struct BriefingTemplate {
    page: Page,
    v: View,
    period: String,
    title: String,
    introduction: String,
    /// (field id, label, text) of each point.
    points: Vec<(String, String, String)>,
    list_size: usize,
    errors: FormErrors,
}

async fn load(state: &AppState, me: &Principal, id: &str) -> WebResult<Briefing> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    Ok(service::find(state, &me.area_ids, id).await?)
}

async fn briefing_page(
    state: &AppState,
    ctx: &AuthContext,
    b: &Briefing,
    form: Option<&FormData>,
    errors: FormErrors,
) -> WebResult<Response> {
    let v = service::view(state, b).await?;
    let (title, introduction, texts) = match form {
        Some(f) => (
            f.get("title").to_string(),
            f.get("introduction").to_string(),
            f.all("point").iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        None => (v.title.clone(), v.content.introduction.clone(), v.content.points.clone()),
    };
    let points = texts
        .into_iter()
        .enumerate()
        .map(|(n, t)| (format!("point-{}", n + 1), format!("Learning point {}", n + 1), t))
        .collect();
    let list_size = crate::store::briefings::recipients(&state.db, &[b.area_id]).await?.len();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        BriefingTemplate {
            page: Page::for_user(ctx, v.title.clone(), "/briefings").with_errors(!errors.is_empty()),
            period: period(v.period_from, v.period_to),
            title,
            introduction,
            points,
            list_size,
            v,
            errors,
        },
    )
        .into_response())
}

/// `GET /briefings/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let b = load(&state, &me, &id).await?;
    briefing_page(&state, &ctx, &b, None, FormErrors::default()).await
}

/// `POST /briefings/{id}`: saves a draft's edits.
pub async fn save(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let b = load(&state, &me, &id).await?;
    let version = form.get("version").parse().unwrap_or(0);
    let points: Vec<String> = form.all("point").iter().map(|s| s.to_string()).collect();
    let result = service::save(
        &state,
        &ctx.acting(),
        &b,
        version,
        &service::Draft {
            title: form.get("title"),
            introduction: form.get("introduction"),
            points: &points,
            confirmed: &form.confirmed(),
        },
    )
    .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(&state, &format!("/briefings/{}", b.id), "Briefing saved.")),
        Err(ServiceError::Conflict(m)) => {
            let mut errors = FormErrors::default();
            errors.add("main", m);
            let fresh = load(&state, &me, &id).await?;
            briefing_page(&state, &ctx, &fresh, Some(&form), errors).await
        }
        Err(e) => briefing_page(&state, &ctx, &b, Some(&form), field_errors(e)?).await,
    }
}

/// `POST /briefings/{id}/send`.
pub async fn send(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let b = load(&state, &me, &id).await?;
    let version = form.get("version").parse().unwrap_or(0);
    let back = format!("/briefings/{}", b.id);
    match service::send(&state, &ctx.acting(), &b, version).await {
        Ok(n) => Ok(redirect_with_flash(&state, &back, &format!("Briefing sent to {n} recipients."))),
        Err(ServiceError::Refused(m) | ServiceError::Conflict(m)) => {
            Ok(redirect_with_problem(&state, &back, "send-briefing", &m))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/distribution.html")]
struct DistributionTemplate {
    page: Page,
    recipients: Vec<RecipientView>,
    areas: Vec<Choice>,
    organisation: String,
    recipient_name: String,
    email: String,
    errors: FormErrors,
}

async fn distribution_page(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    form: Option<&FormData>,
    errors: FormErrors,
) -> WebResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let get = |k: &str| form.map(|f| f.get(k).to_string()).unwrap_or_default();
    Ok((
        status,
        DistributionTemplate {
            page: Page::for_user(ctx, "Distribution lists", "/briefings").with_errors(!errors.is_empty()),
            recipients: service::recipients(state, &me.area_ids).await?,
            areas: area_choices(state, me, &get("area")).await?,
            organisation: get("organisation"),
            recipient_name: get("name"),
            email: get("email"),
            errors,
        },
    )
        .into_response())
}

/// `GET /briefings/recipients`.
pub async fn distribution(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    distribution_page(&state, &ctx, &me, None, FormErrors::default()).await
}

/// `POST /briefings/recipients`.
pub async fn add_recipient(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let contact = Contact { name: form.get("name").into(), email: form.get("email").into() };
    let area = form.get("area").parse().ok();
    match service::add_recipient(&state, &ctx.acting(), &me.area_ids, area, form.get("organisation"), contact)
        .await
    {
        Ok(()) => Ok(redirect_with_flash(&state, "/briefings/recipients", "Added to the distribution list.")),
        Err(e) => distribution_page(&state, &ctx, &me, Some(&form), field_errors(e)?).await,
    }
}

/// `POST /briefings/recipients/{id}/remove`.
pub async fn remove_recipient(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    service::remove_recipient(&state, &ctx.acting(), &me.area_ids, id).await?;
    Ok(redirect_with_flash(&state, "/briefings/recipients", "Taken off the distribution list."))
}

#[derive(Template, WebTemplate)]
#[template(path = "review/briefing_public.html")]
struct PublicTemplate {
    page: Page,
    v: View,
    period: String,
    token: String,
    acknowledged: Option<String>,
    just_now: bool,
}

const LINK_BUCKET: &str = "briefing-link";
/// A link that opens no briefing: counted against the client's hourly allowance of unknown links
/// (`forms.link_attempts_per_hour`, counted apart from form links); "not found", or 429 once used
/// up. Links that open never count.
async fn unknown_link(state: &AppState, ctx: &AuthContext) -> WebError {
    match crate::web::rate_limit::Limit::link(state, LINK_BUCKET).unknown(state, ctx.client_ip).await {
        Ok(()) => WebError::NotFound,
        Err(e) => e,
    }
}

/// The briefing behind a recipient's link.
async fn by_link(
    state: &AppState,
    ctx: &AuthContext,
    token: &str,
) -> WebResult<(View, crate::store::briefings::Sent)> {
    match service::by_token(state, token).await {
        Ok(found) => Ok(found),
        Err(ServiceError::NotFound) => Err(unknown_link(state, ctx).await),
        Err(e) => Err(e.into()),
    }
}

async fn public_page(
    state: &AppState,
    ctx: &AuthContext,
    token: &str,
    just_now: bool,
) -> WebResult<Response> {
    let (v, sent) = by_link(state, ctx, token).await?;
    Ok(PublicTemplate {
        page: Page::anonymous(v.title.clone()).with_csrf(&ctx.csrf_token),
        period: period(v.period_from, v.period_to),
        acknowledged: sent.acknowledged_at.map(crate::domain::uk_time::words),
        token: token.to_string(),
        just_now,
        v,
    }
    .into_response())
}

/// `GET /b/{token}`: a recipient reads the briefing.
pub async fn public(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
) -> WebResult<Response> {
    public_page(&state, &ctx, &token, false).await
}

/// `POST /b/{token}`: a recipient acknowledges receipt (recorded once).
pub async fn acknowledge(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let first = match service::acknowledge(&state, &ctx.request_id, &token).await {
        Ok(first) => first,
        Err(ServiceError::NotFound) => return Err(unknown_link(&state, &ctx).await),
        Err(e) => return Err(e.into()),
    };
    public_page(&state, &ctx, &token, first).await
}

/// The briefing as the PDF template reads it.
fn pdf_data(v: &View) -> serde_json::Value {
    serde_json::json!({
        "title": v.title,
        "marking": "OFFICIAL",
        "area": v.area,
        "period": period(v.period_from, v.period_to),
        "theme": v.theme,
        "introduction": v.content.introduction,
        "points": v.content.points.iter().enumerate()
            .map(|(n, p)| serde_json::json!({"reference": format!("L{}", n + 1), "text": p}))
            .collect::<Vec<_>>(),
        "published": v.sent_at.map(|t| t.format("%-d %B %Y").to_string()).unwrap_or_else(|| "Draft".into()),
    })
}

/// `GET /briefings/{id}/pdf`.
pub async fn pdf(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let b = load(&state, &me, &id).await?;
    let v = service::view(&state, &b).await?;
    let file = format!("learning-briefing-{}.pdf", v.id);
    crate::web::documents::pdf_download(crate::documents::pdf::Template::Briefing, pdf_data(&v), &file).await
}

/// `GET /b/{token}/pdf`: the recipient's copy, to share with colleagues.
pub async fn public_pdf(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let (v, _) = by_link(&state, &ctx, &token).await?;
    let file = format!("learning-briefing-{}.pdf", v.id);
    crate::web::documents::pdf_download(crate::documents::pdf::Template::Briefing, pdf_data(&v), &file).await
}

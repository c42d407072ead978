//! Case packs: preparing one (the anonymised summary, checking each redacted narrative,
//! publishing it for a meeting) and opening a published pack as an attendee; pre-panel
//! categorisation on the same agenda item.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::load_meeting;
use crate::domain::analysis::{CATEGORY, MODIFIABLE};
use crate::domain::codes::{AgendaOutcome, NarrativeStatus};
use crate::domain::policy::{Action, Principal};
use crate::review::meetings::title;
use crate::review::packs::{self, NarrativeView, Pack};
use crate::review::prepanel;
use crate::service::ServiceError;
use crate::store::cases::{self, Case};
use crate::store::meetings::{self, AgendaItem, Meeting};
use crate::store::users;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::load_in_scope;
use crate::web::error::field_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use crate::words::count;

pub struct PublishRow {
    pub meeting_id: i64,
    pub item_id: i64,
    pub title: String,
    pub published: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/pack_prepare.html")]
struct PrepareTemplate {
    page: Page,
    reference: String,
    summary: String,
    summary_version: i64,
    narratives: Vec<NarrativeView>,
    typed: Vec<(i64, String)>,
    todo: Vec<String>,
    meetings: Vec<PublishRow>,
    errors: FormErrors,
}

impl PrepareTemplate {
    /// The text to show for a narrative: what was just typed, else what is stored.
    fn text_of(&self, n: &NarrativeView) -> String {
        self.typed
            .iter()
            .find(|(id, _)| *id == n.id)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| n.text.clone())
    }

    /// The narrative's text in runs, each role label the service put in marked, for the preview
    /// that shows every replacement highlighted.
    fn segments(&self, n: &NarrativeView) -> Vec<(String, bool)> {
        crate::domain::anonymity::segments(&self.text_of(n))
    }

    fn status_of(&self, n: &NarrativeView) -> &'static str {
        n.status.label()
    }

    fn is_pending(&self, n: &NarrativeView) -> bool {
        n.status == NarrativeStatus::Pending
    }

    fn is_excluded(&self, n: &NarrativeView) -> bool {
        n.status == NarrativeStatus::Excluded
    }
}

async fn render_prepare(
    state: &AppState,
    ctx: &AuthContext,
    case: &Case,
    summary: Option<String>,
    typed: Vec<(i64, String)>,
    errors: FormErrors,
) -> WebResult<Response> {
    packs::prepare(state, case).await?;
    let (stored, summary_version) = packs::summary(state, case).await?;
    let mut rows = Vec::new();
    for i in meetings::items_of_case(&state.db, case.id).await? {
        if i.outcome != AgendaOutcome::Pending.code() {
            continue;
        }
        if let Some(m) = meetings::find(&state.db, i.meeting_id).await? {
            rows.push(PublishRow {
                meeting_id: m.id,
                item_id: i.id,
                title: title(&m),
                published: i.pack_published_at.is_some(),
            });
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        PrepareTemplate {
            page: Page::for_user(ctx, "Prepare the case pack", "/cases").with_errors(!errors.is_empty()),
            reference: case.reference.clone(),
            summary: summary.unwrap_or(stored),
            summary_version,
            narratives: packs::narratives(state, case).await?,
            typed,
            todo: packs::still_to_do(state, case).await?,
            meetings: rows,
            errors,
        },
    )
        .into_response())
}

/// `GET /cases/{reference}/pack`: redacts any new narratives and shows what is still to check.
pub async fn prepare(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::PreparePacks).await?;
    render_prepare(&state, &ctx, &case, None, Vec::new(), FormErrors::default()).await
}

/// `POST /cases/{reference}/pack/{action}`: summary, check, publish.
pub async fn prepare_act(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, action)): Path<(String, String)>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::PreparePacks).await?;
    let who = ctx.acting();
    let back = format!("/cases/{}/pack", case.reference);
    let version: i64 = form.get("version").parse().unwrap_or(0);
    let mut summary = None;
    let mut typed = Vec::new();
    let result = match action.as_str() {
        "summary" => {
            let text = form.get("summary").to_string();
            summary = Some(text.clone());
            packs::save_summary(&state, &who, &case, version, &text, &form.confirmed())
                .await
                .map(|_| "Summary saved".to_string())
        }
        "check" => {
            // Every narrative of the page in one round: each posts its id, version, text and
            // decision (a form for one narrative posts `version` and `decision` unsuffixed).
            let mut decisions = Vec::new();
            for id in form.all("narrative") {
                let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
                let text = form.get(format!("text-{id}")).to_string();
                typed.push((id, text.clone()));
                let of = |name: &str| {
                    let own = form.get(format!("{name}-{id}"));
                    if own.is_empty() { form.get(name).to_string() } else { own.to_string() }
                };
                decisions.push(packs::NarrativeDecision {
                    id,
                    version: of("version").parse().unwrap_or(0),
                    text,
                    confirm: of("decision") != "exclude",
                });
            }
            let total = decisions.len();
            packs::check_all(&state, &who, &case, &decisions, &form.confirmed()).await.map(|confirmed| {
                let left_out = total - confirmed;
                match (confirmed, left_out) {
                    (c, 0) => format!(
                        "{} for the pack",
                        count(c as i64, "narrative confirmed", "narratives confirmed")
                    ),
                    (0, l) => {
                        format!("{} out of the pack", count(l as i64, "narrative left", "narratives left"))
                    }
                    (c, l) => format!(
                        "{} for the pack; {} out",
                        count(c as i64, "narrative confirmed", "narratives confirmed"),
                        count(l as i64, "left", "left")
                    ),
                }
            })
        }
        "publish" => {
            let item_id: i64 = form.get("item").parse().map_err(|_| WebError::NotFound)?;
            let item = meetings::item(&state.db, item_id)
                .await?
                .filter(|i| i.case_id == case.id)
                .ok_or(WebError::NotFound)?;
            let m = meetings::find(&state.db, item.meeting_id).await?.ok_or(WebError::NotFound)?;
            packs::publish(&state, &who, &m, &item, &case)
                .await
                .map(|_| format!("Pack published for the {}", title(&m)))
        }
        _ => return Err(WebError::NotFound),
    };
    match result {
        Ok(message) => Ok(redirect_with_flash(&state, &back, &message)),
        Err(ServiceError::Conflict(message)) => {
            let mut errors = FormErrors::default();
            errors.add("main", message);
            render_prepare(&state, &ctx, &case, summary, typed, errors).await
        }
        Err(e) => render_prepare(&state, &ctx, &case, summary, typed, field_errors(e)?).await,
    }
}

/// The meeting, agenda item and case of a pack or pre-panel URL, for a user who may see the
/// meeting; anything else is "not found".
pub(crate) async fn item_of(
    state: &AppState,
    me: &Principal,
    id: i64,
    reference: &str,
) -> WebResult<(Meeting, AgendaItem, Case, bool)> {
    let (m, attending) = load_meeting(state, me, id).await?;
    let case = cases::find_by_reference(&state.db, reference).await?.ok_or(WebError::NotFound)?;
    let item = meetings::agenda(&state.db, m.id)
        .await?
        .into_iter()
        .find(|i| i.case_id == case.id)
        .ok_or(WebError::NotFound)?;
    Ok((m, item, case, attending))
}

#[derive(Template, WebTemplate)]
#[template(path = "review/pack.html")]
struct PackTemplate {
    page: Page,
    meeting_id: i64,
    pack: Pack,
}

/// The pack of a case on meeting `id`, built, if `me` may open it (an attendee, while the pack is
/// open): the one rule for the page and the PDF. Anything else is "not found".
async fn openable(
    state: &AppState,
    me: &Principal,
    id: i64,
    reference: &str,
) -> WebResult<(Meeting, Case, Pack)> {
    let (m, item, case, _) = item_of(state, me, id, reference).await?;
    if !packs::may_open(state, &m, &item, me.user_id).await? {
        return Err(WebError::NotFound);
    }
    let pack = packs::build(state, &m, &case).await?;
    Ok((m, case, pack))
}

/// `GET /meetings/{id}/cases/{reference}/pack`: attendees only, while the pack is open; every
/// opening is audited. Anyone else, or outside the window, gets "not found".
pub async fn open(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((id, reference)): Path<(i64, String)>,
) -> WebResult<Response> {
    let (m, case, pack) = openable(&state, &me, id, &reference).await?;
    packs::record_opening(&state, &ctx.acting(), &m, &case, false).await?;
    Ok(PackTemplate {
        page: Page::for_user(&ctx, format!("Case pack {}", case.reference), "/meetings"),
        meeting_id: m.id,
        pack,
    }
    .into_response())
}

/// `GET /meetings/{id}/cases/{reference}/pack.pdf`: the same pack as a printable, tagged PDF,
/// under the same rule (attendees, within the window); each download audited.
pub async fn pdf(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((id, reference)): Path<(i64, String)>,
) -> WebResult<Response> {
    let (m, case, pack) = openable(&state, &me, id, &reference).await?;
    let mut data = serde_json::to_value(&pack).map_err(WebError::internal)?;
    let name = crate::store::users::find(&state.db, me.user_id).await?.map(|u| u.name).unwrap_or_default();
    if let Some(map) = data.as_object_mut() {
        map.insert("title".into(), format!("Anonymised case pack {}", case.reference).into());
        map.insert("marking".into(), "OFFICIAL-SENSITIVE".into());
        map.insert(
            "generated".into(),
            format!(
                "Produced {} for {name}. Do not share it.",
                crate::domain::uk_time::words(state.clock.now())
            )
            .into(),
        );
    }
    packs::record_opening(&state, &ctx.acting(), &m, &case, true).await?;
    crate::web::documents::pdf_download(
        crate::documents::pdf::Template::Pack,
        data,
        &format!("case-pack-{}.pdf", case.reference),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "review/prepanel.html")]
struct PrepanelTemplate {
    page: Page,
    meeting_id: i64,
    meeting: String,
    reference: String,
    opened: bool,
    is_chair: bool,
    can_record: bool,
    categories: Vec<Choice>,
    determinations: Vec<Choice>,
    category_spread: Vec<(String, String, usize)>,
    modifiable_spread: Vec<(String, String, usize)>,
    entries: Vec<(String, String, String)>,
    errors: FormErrors,
}

#[allow(clippy::too_many_arguments)]
async fn render_prepanel(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    m: &Meeting,
    item: &AgendaItem,
    case: &Case,
    attending: bool,
    typed: Option<(String, String)>,
    errors: FormErrors,
) -> WebResult<Response> {
    let categories = prepanel::choices(state, CATEGORY)?;
    let determinations = prepanel::choices(state, MODIFIABLE)?;
    let visible = prepanel::visible(state, item, me.user_id).await?;
    let own = visible.iter().find(|e| e.user_id == me.user_id);
    let (cat, modi) =
        typed.unwrap_or_else(|| own.map(|e| (e.category.clone(), e.modifiable.clone())).unwrap_or_default());
    let opened = item.opened_at.is_some();
    let label = |list: &[(String, String, String)], code: &str| {
        list.iter().find(|(c, _, _)| c == code).map(|(_, l, _)| l.clone()).unwrap_or_default()
    };
    let everyone = users::list(&state.db).await?;
    let entries = if opened {
        visible
            .iter()
            .map(|e| {
                let name = everyone
                    .iter()
                    .find(|u| u.user.id == e.user_id)
                    .map(|u| u.user.name.clone())
                    .unwrap_or_default();
                (name, label(&categories, &e.category), label(&determinations, &e.modifiable))
            })
            .collect()
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        PrepanelTemplate {
            page: Page::for_user(ctx, format!("Pre-panel categorisation {}", case.reference), "/meetings")
                .with_errors(!errors.is_empty()),
            meeting_id: m.id,
            meeting: title(m),
            reference: case.reference.clone(),
            opened,
            is_chair: m.chair_id == me.user_id,
            can_record: attending && !opened && item.outcome == AgendaOutcome::Pending.code(),
            category_spread: if opened {
                prepanel::spread(&categories, visible.iter().map(|e| e.category.clone()))
            } else {
                Vec::new()
            },
            modifiable_spread: if opened {
                prepanel::spread(&determinations, visible.iter().map(|e| e.modifiable.clone()))
            } else {
                Vec::new()
            },
            categories: categories
                .iter()
                .map(|(c, l, _)| Choice::new(c.clone(), l.clone(), *c == cat))
                .collect(),
            determinations: determinations
                .iter()
                .map(|(c, l, _)| Choice::new(c.clone(), l.clone(), *c == modi))
                .collect(),
            entries,
            errors,
        },
    )
        .into_response())
}

/// `GET /meetings/{id}/cases/{reference}/prepanel`.
pub async fn prepanel_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((id, reference)): Path<(i64, String)>,
) -> WebResult<Response> {
    let (m, item, case, attending) = item_of(&state, &me, id, &reference).await?;
    if !attending {
        return Err(WebError::NotFound);
    }
    render_prepanel(&state, &ctx, &me, &m, &item, &case, attending, None, FormErrors::default()).await
}

/// `POST /meetings/{id}/cases/{reference}/prepanel`: records one's own entry, or (the chair,
/// `open=1`) opens the case so every entry shows.
pub async fn prepanel_save(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((id, reference)): Path<(i64, String)>,
    form: FormData,
) -> WebResult<Response> {
    let (m, item, case, attending) = item_of(&state, &me, id, &reference).await?;
    if !attending {
        return Err(WebError::NotFound);
    }
    let who = ctx.acting();
    let back = format!("/meetings/{id}/cases/{}/prepanel", case.reference);
    if form.get("open") == "1" {
        prepanel::open(&state, &who, &m, &item).await?;
        return Ok(redirect_with_flash(
            &state,
            &back,
            "Case opened: every attendee's categorisation is now shown",
        ));
    }
    let (cat, modi) = (form.get("category").to_string(), form.get("modifiable").to_string());
    match prepanel::record(&state, &who, &m, &item, &cat, &modi).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &back,
            "Your categorisation is recorded. Nobody else sees it until the chair opens the case.",
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            render_prepanel(&state, &ctx, &me, &m, &item, &case, attending, Some((cat, modi)), errors).await
        }
    }
}

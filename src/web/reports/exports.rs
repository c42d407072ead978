//! Background exports in the browser. `POST /reports/annual/export` queues the annual report as a
//! file; `GET|POST /reports/dataset` asks for the statutory dataset; `GET /reports/exports` lists
//! the user's exports; `GET /reports/exports/{id}` shows one's progress (the page refreshes itself
//! with the HTTP `Refresh` header while it runs, so no JavaScript is needed, and can be told not
//! to); `GET /reports/exports/{id}/download` sends the finished file to the person who asked,
//! audited like any download.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::audit::AuditAction;
use crate::domain::dates::ReportingYear;
use crate::domain::policy::{Action, Principal};
use crate::exports::Request;
use crate::exports::dataset::Choice as DatasetChoice;
use crate::reports::files::Format;
use crate::reports::table::Mode;
use crate::store::export_jobs::{self, Job};
use crate::store::{areas, audit};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use crate::web::params::Q;
use crate::web::reports::annual::{self, AnnualQuery};

/// Seconds between the progress page's refreshes.
const REFRESH_SECONDS: u32 = 3;

/// A job as the pages show it.
pub struct JobView {
    pub id: i64,
    pub what: String,
    pub status: &'static str,
    pub tag: &'static str,
    pub stage: String,
    pub progress: i32,
    pub requested: String,
    pub error: String,
    pub file_name: String,
    pub expires: String,
    /// The stored status (`export_jobs::QUEUED` …).
    code: &'static str,
}

impl JobView {
    pub fn ready(&self) -> bool {
        self.code == export_jobs::DONE
    }

    pub fn failed(&self) -> bool {
        self.code == export_jobs::FAILED
    }

    pub fn finished(&self) -> bool {
        self.ready() || self.failed()
    }
}

fn view(job: &Job) -> JobView {
    let (code, status, tag) = match job.status.as_str() {
        export_jobs::QUEUED => (export_jobs::QUEUED, "Waiting to start", "govuk-tag--grey"),
        export_jobs::RUNNING => (export_jobs::RUNNING, "In progress", "govuk-tag--blue"),
        export_jobs::DONE => (export_jobs::DONE, "Ready", "govuk-tag--green"),
        _ => (export_jobs::FAILED, "Failed", "govuk-tag--red"),
    };
    JobView {
        id: job.id,
        what: Request::parse(&job.params).map(|r| r.describe()).unwrap_or_else(|| "Export".into()),
        status,
        tag,
        stage: job.stage.clone(),
        progress: job.progress,
        requested: crate::domain::uk_time::words(job.created_at),
        error: job.error.clone().unwrap_or_default(),
        file_name: job.file_name.clone().unwrap_or_default(),
        expires: job.expires_at.map(crate::domain::uk_time::words).unwrap_or_default(),
        code,
    }
}

/// Queues `request` for `me`, audits it, and sends the browser to its progress page.
async fn queue(state: &AppState, ctx: &AuthContext, me: &Principal, request: Request) -> WebResult<Response> {
    let params = serde_json::to_string(&request).map_err(WebError::internal)?;
    let txn = crate::store::begin_write(&state.db).await?;
    let id = export_jobs::insert(&txn, request.kind(), &params, me.user_id).await?;
    audit::append(
        &txn,
        &ctx.acting()
            .event(AuditAction::ExportRequested, "export", id.to_string())
            .details(format!("kind={}", request.kind())),
    )
    .await?;
    txn.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(Redirect::to(&format!("/reports/exports/{id}")).into_response())
}

/// `POST /reports/annual/export`: the annual report as chosen on its page, in a file format.
pub async fn annual_export(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let data = FormData::parse(&body);
    let q = AnnualQuery {
        year: data.get("year").to_string(),
        area: data.get("area").to_string(),
        mode: data.get("mode").to_string(),
        from: String::new(),
        basis: String::new(),
    };
    let chosen = annual::choose(&state, &me, &q).await?;
    let format = Format::parse(data.get("format"))
        .ok_or_else(|| WebError::BadRequest("Choose the file format: PDF, XLSX, CSV or HTML.".into()))?;
    let request = Request::Annual {
        year: chosen.params.year.0,
        areas: chosen.params.areas.clone(),
        internal: chosen.params.mode == Mode::Internal,
        format: format.code().into(),
        generated_on: chosen.params.generated_on,
    };
    queue(&state, &ctx, &me, request).await
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/exports.html")]
struct ListTemplate {
    page: Page,
    jobs: Vec<JobView>,
    can_export_dataset: bool,
}

/// `GET /reports/exports`: the user's exports, newest first.
pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    let jobs = export_jobs::for_user(&state.db, me.user_id, 50).await?;
    Ok(ListTemplate {
        page: Page::for_user(&ctx, "Your exports", "/reports/annual"),
        jobs: jobs.iter().map(view).collect(),
        can_export_dataset: me.permits(Action::ExportDataset),
    }
    .into_response())
}

/// The job, if it is the user's (anyone else's is not found).
async fn own(state: &AppState, me: &Principal, id: i64) -> WebResult<Job> {
    export_jobs::find(&state.db, id).await?.filter(|j| j.requested_by == me.user_id).ok_or(WebError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/export.html")]
struct ProgressTemplate {
    page: Page,
    job: JobView,
    refreshing: bool,
    refresh_seconds: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProgressQuery {
    /// `off` stops the page refreshing itself.
    pub refresh: String,
}

/// `GET /reports/exports/{id}`: where the export stands; a download link once it is ready.
pub async fn progress(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Q(q): Q<ProgressQuery>,
) -> WebResult<Response> {
    let job = view(&own(&state, &me, id).await?);
    let refreshing = !job.finished() && q.refresh != "off";
    let title = if job.ready() {
        "Your export is ready"
    } else if job.failed() {
        "Your export did not finish"
    } else {
        "Preparing your export"
    };
    let page = ProgressTemplate {
        page: Page::for_user(&ctx, title, "/reports/annual"),
        refreshing,
        refresh_seconds: REFRESH_SECONDS,
        job,
    };
    let mut response = page.into_response();
    if refreshing {
        let value = format!("{REFRESH_SECONDS}; url=/reports/exports/{id}");
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            response.headers_mut().insert(header::REFRESH, v);
        }
    }
    Ok(response)
}

/// `GET /reports/exports/{id}/download`: the finished file, for the person who asked for it,
/// while they may still run that kind of report; audited.
pub async fn download(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let job = own(&state, &me, id).await?;
    let request = Request::parse(&job.params).ok_or(WebError::NotFound)?;
    let event = match &request {
        Request::Annual { internal, year, .. } => {
            if *internal && !me.permits(Action::RunInternalReports) {
                return Err(WebError::Forbidden);
            }
            ctx.acting().event(AuditAction::ReportDownloaded, "report", "annual").details(format!(
                "export={id}&year={year}&mode={}&file={}",
                if *internal { "internal" } else { "published" },
                job.file_name.clone().unwrap_or_default()
            ))
        }
        Request::Dataset(c) => {
            if !me.permits(Action::ExportDataset) {
                return Err(WebError::Forbidden);
            }
            ctx.acting().event(AuditAction::DatasetExported, "dataset", &c.recipient).details(format!(
                "export={id} variant={} years={}-{} areas={:?}",
                c.variant(),
                c.from,
                c.to,
                c.areas
            ))
        }
    };
    let (Some(name), Some(kind)) = (job.file_name.clone(), job.content_type.clone()) else {
        return Err(WebError::NotFound);
    };
    let bytes = export_jobs::file(&state.db, id).await?.ok_or(WebError::NotFound)?;
    audit::append(&state.db, &event).await?;
    Ok(crate::web::documents::attachment(&kind, &name, bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/dataset.html")]
struct DatasetTemplate {
    page: Page,
    errors: FormErrors,
    from: Vec<Choice>,
    to: Vec<Choice>,
    areas: Vec<Choice>,
    recipients: Vec<Choice>,
    variants: Vec<Choice>,
}

/// The dataset form with what was chosen (or typed) kept.
async fn dataset_form(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    data: &FormData,
    errors: FormErrors,
) -> WebResult<DatasetTemplate> {
    let current = ReportingYear::of(state.clock.today());
    let years = |chosen: &str, default: ReportingYear| -> Vec<Choice> {
        (0..12)
            .map(|n| {
                let y = ReportingYear(current.0 - n);
                let picked = if chosen.is_empty() { y == default } else { chosen == y.0.to_string() };
                Choice::new(y.0.to_string(), y.to_string(), picked)
            })
            .collect()
    };
    let mine: Vec<_> =
        areas::list(&state.db).await?.into_iter().filter(|a| me.area_ids.contains(&a.id)).collect();
    // First visit: every area ticked.
    let first = data.0.is_empty();
    let picked_areas = data.all("areas");
    let recipient = data.get("recipient");
    let variant = if data.get("variant").is_empty() { "anonymised" } else { data.get("variant") };
    Ok(DatasetTemplate {
        page: Page::for_user(ctx, "Export the statutory dataset", "/reports/annual"),
        errors,
        from: years(data.get("from"), ReportingYear(current.0 - 1)),
        to: years(data.get("to"), ReportingYear(current.0 - 1)),
        areas: mine
            .iter()
            .map(|a| {
                Choice::new(
                    a.id.to_string(),
                    a.name.clone(),
                    first || picked_areas.contains(&a.id.to_string().as_str()),
                )
            })
            .collect(),
        recipients: state
            .config
            .exports
            .recipients
            .iter()
            .map(|r| Choice::new(r.name.clone(), r.name.clone(), r.name == recipient))
            .collect(),
        variants: vec![
            Choice::new(
                "anonymised",
                "Anonymised: coded data with a pseudonymous case key",
                variant == "anonymised",
            ),
            Choice::new("full", "Full submission, with the identifiers", variant == "full"),
        ],
    })
}

/// `GET /reports/dataset`: the form.
pub async fn dataset_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    Ok(dataset_form(&state, &ctx, &me, &FormData::default(), FormErrors::default()).await?.into_response())
}

/// `POST /reports/dataset`: checks the choices and queues the export.
pub async fn dataset_start(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let data = FormData::parse(&body);
    let mut errors = FormErrors::default();
    let year = |k: &str| ReportingYear::parse(data.get(k)).map(|y| y.0);
    let (from, to) = (year("from"), year("to"));
    if from.is_none() {
        errors.add("from", "Choose the first reporting year");
    }
    if to.is_none() {
        errors.add("to", "Choose the last reporting year");
    }
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.add("to", "The last reporting year must be the same as or after the first");
    }
    let mut chosen_areas = Vec::new();
    for a in data.all("areas") {
        match a.parse::<i64>() {
            Ok(id) if me.area_ids.contains(&id) => chosen_areas.push(id),
            _ => return Err(WebError::NotFound),
        }
    }
    if chosen_areas.is_empty() {
        errors.add("areas", "Choose at least one area");
    }
    let recipient = data.get("recipient").to_string();
    if let Err(message) = crate::exports::dataset::recipient(&state.config.exports.recipients, &recipient) {
        errors.add(
            "recipient",
            if recipient.is_empty() { "Choose who the export is for".to_string() } else { message },
        );
    }
    let full = match data.get("variant") {
        "anonymised" => false,
        "full" => true,
        _ => {
            errors.add("variant", "Choose anonymised or the full submission");
            false
        }
    };
    if !errors.is_empty() {
        let page = dataset_form(&state, &ctx, &me, &data, errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (Some(from), Some(to)) = (from, to) else { return Err(WebError::NotFound) };
    let request = Request::Dataset(DatasetChoice { from, to, areas: chosen_areas, recipient, full });
    queue(&state, &ctx, &me, request).await
}

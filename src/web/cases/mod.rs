//! Cases in the browser: the list (filters, sort, pages, search), the case page, triage, and the
//! notification forms.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;
use serde::Deserialize;

use crate::domain::audit::AuditAction;
use crate::domain::codes::{CaseStatus, DuplicateStatus, InformationStatus, Sex};
use crate::domain::dates::{AgeBand, ReportingYear};
use crate::domain::nhs_number::NhsNumber;
use crate::domain::notification::SealedIdentity;
use crate::domain::policy::{Action, Principal};
use crate::domain::reference::CaseReference;
use crate::store::cases::{self, Case, CaseFilter, Sort};
use crate::store::{self, areas, audit, short_results};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use crate::web::params::{self, Q};

pub mod check;
pub mod edit;
pub mod form;
pub mod merge;
pub mod new;
pub mod public;
pub mod show;
pub mod triage;

pub const PER_PAGE: u64 = 50;

/// Opens the sealed identities of a page of cases in one batch on the blocking pool.
pub async fn open_identities(state: &AppState, cases: &[Case]) -> WebResult<Vec<Option<SealedIdentity>>> {
    let keys = state.keys.clone();
    let sealed: Vec<Vec<u8>> = cases.iter().map(|c| c.sealed.clone()).collect();
    let opened = tokio::task::spawn_blocking(move || {
        sealed
            .iter()
            .map(|s| {
                keys.keyring
                    .open(s)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<SealedIdentity>(&bytes).ok())
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(WebError::internal)?;
    Ok(opened)
}

/// A sealed value that may have been left out as not known.
pub fn or_not_known(s: &str) -> String {
    if s.is_empty() { "Not known".to_string() } else { s.to_string() }
}

/// The date of birth in words, or that it is not known and the approximate age given instead.
pub fn date_of_birth_words(child: &crate::domain::notification::ChildIdentity) -> String {
    match (&child.date_of_birth, &child.approximate_age) {
        (Some(d), _) => d.format("%-d %B %Y").to_string(),
        (None, Some(a)) => format!("Not known: about {} {}", a.value, a.unit),
        (None, None) => "Not known".to_string(),
    }
}

/// Opens one case's sealed record; one that does not open is an internal error (the keys are
/// misconfigured), for actions that cannot go on without it.
pub async fn open_one(state: &AppState, case: &Case) -> WebResult<SealedIdentity> {
    open_identities(state, std::slice::from_ref(case))
        .await?
        .pop()
        .flatten()
        .ok_or_else(|| WebError::internal(anyhow::anyhow!("the sealed record could not be opened")))
}

/// A row of the case list.
pub struct CaseRow {
    pub reference: String,
    pub child: Option<String>,
    pub area: String,
    pub notified: String,
    pub age_band: &'static str,
    pub sex: &'static str,
    pub status: &'static str,
    pub status_code: String,
    pub duplicate: bool,
}

pub async fn rows(state: &AppState, list: &[Case], with_identity: bool) -> WebResult<Vec<CaseRow>> {
    let all_areas = areas::list(&state.db).await?;
    let identities = if with_identity { open_identities(state, list).await? } else { vec![None; list.len()] };
    Ok(list
        .iter()
        .zip(identities)
        .map(|(c, id)| CaseRow {
            reference: c.reference.clone(),
            child: match (id, c.destroyed_at) {
                (_, Some(_)) if with_identity => Some("Identifying data destroyed".to_string()),
                (id, _) => id.map(|i| format!("{} {}", i.child.given_names, i.child.family_name)),
            },
            area: all_areas.iter().find(|a| a.id == c.area_id).map(|a| a.name.clone()).unwrap_or_default(),
            // Readers who may not see identities get the month (the anonymised grain).
            notified: crate::domain::uk_time::to_uk(c.notified_at)
                .format(if with_identity { "%-d %b %Y" } else { "%b %Y" })
                .to_string(),
            age_band: AgeBand::parse(&c.age_band).map(|b| b.label()).unwrap_or("—"),
            sex: Sex::parse(&c.sex).map(|s| s.label()).unwrap_or("—"),
            status: CaseStatus::parse(&c.status).map(|s| s.label()).unwrap_or("—"),
            status_code: c.status.clone(),
            duplicate: DuplicateStatus::is_open_code(&c.duplicate_status),
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    age_band: String,
    #[serde(default)]
    sort: String,
    /// Whether the information asked for has come in (`none`, `outstanding`, `complete`).
    #[serde(default)]
    information: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    page: String,
    /// A short-lived NHS-number search result (post/redirect/get: the number is never in a URL).
    #[serde(default)]
    search: String,
}

impl ListQuery {
    fn query_string(&self, page: Option<u64>) -> String {
        let enc = crate::domain::text::percent_encode_path;
        let mut q = format!(
            "area={}&status={}&year={}&age_band={}&sort={}&information={}&reference={}",
            enc(&self.area),
            enc(&self.status),
            enc(&self.year),
            enc(&self.age_band),
            enc(&self.sort),
            enc(&self.information),
            enc(&self.reference)
        );
        if let Some(p) = page {
            q.push_str(&format!("&page={p}"));
        }
        q
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cases/list.html")]
pub struct ListTemplate {
    page: Page,
    errors: FormErrors,
    rows: Vec<CaseRow>,
    show_identity: bool,
    total: u64,
    page_number: u64,
    pages: u64,
    areas: Vec<Choice>,
    statuses: Vec<Choice>,
    years: Vec<Choice>,
    age_bands: Vec<Choice>,
    sorts: Vec<Choice>,
    information: Vec<Choice>,
    reference: String,
    nhs_number: String,
    searched_nhs: bool,
    prev_link: Option<String>,
    next_link: Option<String>,
}

async fn filter_choices(
    state: &AppState,
    me: &Principal,
    q: &ListQuery,
) -> WebResult<(Vec<Choice>, Vec<Choice>, Vec<Choice>, Vec<Choice>, Vec<Choice>)> {
    let all = areas::list(&state.db).await?;
    let areas = all
        .iter()
        .filter(|a| me.area_ids.contains(&a.id) && (a.active || q.area == a.id.to_string()))
        .map(|a| Choice::new(a.id.to_string(), a.name.clone(), q.area == a.id.to_string()))
        .collect();
    let statuses =
        CaseStatus::ALL.iter().map(|s| Choice::new(s.code(), s.label(), q.status == s.code())).collect();
    let years = cases::reporting_years(&state.db)
        .await?
        .into_iter()
        .map(|y| Choice::new(y.to_string(), ReportingYear(y).to_string(), q.year == y.to_string()))
        .collect();
    let age_bands =
        AgeBand::ALL.iter().map(|b| Choice::new(b.code(), b.label(), q.age_band == b.code())).collect();
    let sorts = [
        (Sort::NewestFirst, "Newest first"),
        (Sort::OldestFirst, "Oldest first"),
        (Sort::Reference, "Reference"),
        (Sort::AgeBand, "Youngest first"),
    ]
    .into_iter()
    .map(|(s, l)| Choice::new(s.code(), l, Sort::parse(&q.sort) == s))
    .collect();
    Ok((areas, statuses, years, age_bands, sorts))
}

/// Records that identities were shown in a list: one event per case shown (written together in
/// one transaction with one head update), so each case's access history names every list view
/// that showed it.
async fn audit_identities_shown(state: &AppState, ctx: &AuthContext, list: &[Case]) -> WebResult<()> {
    if list.is_empty() {
        return Ok(());
    }
    // The view is the events' request id; each names how many cases the page showed.
    let events: Vec<_> = list
        .iter()
        .map(|c| {
            ctx.acting()
                .event(AuditAction::CaseListIdentities, "case", c.reference.clone())
                .area(c.area_id)
                .details(format!("rows={}", list.len()))
        })
        .collect();
    let txn = store::begin_write(&state.db).await?;
    audit::append_many(&txn, &events).await?;
    txn.commit().await?;
    Ok(())
}

/// `GET /cases`.
pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<ListQuery>,
) -> WebResult<Response> {
    if !q.search.is_empty() {
        return Ok(search_result(&state, &ctx, &me, &q.search).await?.into_response());
    }
    let mut errors = FormErrors::default();
    let reference = if q.reference.trim().is_empty() {
        None
    } else {
        match CaseReference::parse(&q.reference) {
            Some(r) => {
                // An exact reference opens the case; one not found in the user's areas says so.
                match cases::find_by_reference(&state.db, r.as_str()).await? {
                    Some(c) if me.permits_in(Action::ViewCases, c.area_id) => {
                        return Ok(Redirect::to(&format!("/cases/{}", c.reference)).into_response());
                    }
                    _ => errors.add("reference", format!("There is no case {r} in your areas")),
                }
                Some(r.to_string())
            }
            None => {
                errors.add("reference", "Enter a case reference like CDOP-2026-0042");
                Some(String::new())
            }
        }
    };
    let filter = CaseFilter {
        area_ids: me.area_ids.clone(),
        area: q.area.parse().ok(),
        status: CaseStatus::parse(&q.status).map(|s| s.code().to_string()),
        reporting_year: q.year.parse().ok(),
        age_band: AgeBand::parse(&q.age_band).map(|b| b.code().to_string()),
        reference,
        duplicates_only: false,
        information: InformationStatus::parse(&q.information).map(|s| s.code().to_string()),
    };
    let information = InformationStatus::ALL
        .iter()
        .map(|s| Choice::new(s.code(), s.label(), q.information == s.code()))
        .collect();
    let page_number = params::page("page", &q.page)?;
    let show_identity = me.permits(Action::RevealIdentity);
    // The page (with its identities opened) and the filter choices are independent.
    let page = async {
        let (list, total) =
            cases::list(&state.db, &filter, Sort::parse(&q.sort), page_number - 1, PER_PAGE).await?;
        let rows = rows(&state, &list, show_identity).await?;
        Ok::<_, WebError>((list, total, rows))
    };
    let (page, choices) = tokio::join!(page, filter_choices(&state, &me, &q));
    let ((list, total, rows), (areas, statuses, years, age_bands, sorts)) = (page?, choices?);
    if show_identity {
        audit_identities_shown(&state, &ctx, &list).await?;
    }
    let pages = total.div_ceil(PER_PAGE).max(1);
    Ok(ListTemplate {
        page: Page::for_user(&ctx, "Cases", "/cases").with_errors(!errors.is_empty()),
        errors,
        rows,
        show_identity,
        total,
        page_number,
        pages,
        areas,
        statuses,
        years,
        age_bands,
        sorts,
        information,
        reference: q.reference.clone(),
        nhs_number: String::new(),
        searched_nhs: false,
        prev_link: (page_number > 1).then(|| format!("/cases?{}", q.query_string(Some(page_number - 1)))),
        next_link: (page_number < pages).then(|| format!("/cases?{}", q.query_string(Some(page_number + 1)))),
    }
    .into_response())
}

const NHS_SEARCH: &str = "nhs_search";

/// `POST /cases/search`: exact NHS number search (identity roles only). A POST, so the number
/// never appears in a URL, a log line or browser history; the result is kept for a few minutes
/// under a random id and shown after a redirect, so back and refresh never search again.
pub async fn search(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let typed = form.get("nhs_number").to_string();
    let number = match NhsNumber::parse(&typed) {
        Ok(n) => n,
        Err(e) => {
            let mut errors = FormErrors::default();
            errors.add("nhs_number", e.to_string());
            return Ok(search_page(&state, &ctx, &me, Vec::new(), errors, typed).await?.into_response());
        }
    };
    let index = state.keys.index.nhs_number(number.digits());
    let found = cases::with_nhs_index(&state.db, &index, &me.area_ids).await?;
    let ids: Vec<String> = found.iter().take(100).map(|c| c.id.to_string()).collect();
    let txn = store::begin_write(&state.db).await?;
    audit::append(
        &txn,
        &ctx.acting()
            .event(AuditAction::CaseSearched, "case", "search")
            .details(format!("by=nhs_number;matches={}", found.len())),
    )
    .await?;
    let id =
        short_results::create(&txn, me.user_id, NHS_SEARCH, &ids.join(","), TimeDelta::minutes(10)).await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("/cases?search={id}")).into_response())
}

/// `GET /cases?search=ID`: the result of an NHS-number search made in the last few minutes.
async fn search_result(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    id: &str,
) -> WebResult<ListTemplate> {
    if !me.permits(Action::RevealIdentity) {
        return Err(WebError::Forbidden);
    }
    let Some(payload) = short_results::get(&state.db, id, me.user_id, NHS_SEARCH).await? else {
        let mut errors = FormErrors::default();
        errors.add("nhs_number", "That search has expired. Enter the NHS number again");
        return search_page(state, ctx, me, Vec::new(), errors, String::new()).await;
    };
    let ids: Vec<i64> = payload.split(',').filter_map(|s| s.parse().ok()).collect();
    let mut found = cases::by_ids(&state.db, &ids).await?;
    found.retain(|c| me.area_ids.contains(&c.area_id));
    audit_identities_shown(state, ctx, &found).await?;
    search_page(state, ctx, me, found, FormErrors::default(), String::new()).await
}

async fn search_page(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    found: Vec<Case>,
    errors: FormErrors,
    typed: String,
) -> WebResult<ListTemplate> {
    let show_identity = me.permits(Action::RevealIdentity);
    let rows = rows(state, &found, show_identity).await?;
    let q = ListQuery::default();
    let (areas, statuses, years, age_bands, sorts) = filter_choices(state, me, &q).await?;
    Ok(ListTemplate {
        page: Page::for_user(ctx, "Cases", "/cases").with_errors(!errors.is_empty()),
        errors,
        total: rows.len() as u64,
        rows,
        show_identity,
        page_number: 1,
        pages: 1,
        areas,
        statuses,
        years,
        age_bands,
        sorts,
        information: Vec::new(),
        reference: String::new(),
        nhs_number: typed,
        searched_nhs: true,
        prev_link: None,
        next_link: None,
    })
}

/// The earlier case `case` may duplicate, when the principal works in its area: a flag across
/// areas exists only for someone who works in both, so to anyone else there is none.
pub async fn visible_duplicate_of(
    state: &AppState,
    me: &Principal,
    case: &cases::Case,
) -> WebResult<Option<cases::Case>> {
    Ok(match case.duplicate_of {
        Some(id) => cases::find(&state.db, id).await?.filter(|d| me.area_ids.contains(&d.area_id)),
        None => None,
    })
}

/// Loads a case by reference if the principal may act on it in its area; otherwise 404, so a
/// user cannot even learn that a case exists in another area.
pub async fn load_in_scope(
    state: &AppState,
    me: &Principal,
    reference: &str,
    action: Action,
) -> WebResult<Case> {
    let reference = CaseReference::parse(reference).ok_or(WebError::NotFound)?;
    let case = cases::find_by_reference(&state.db, reference.as_str()).await?.ok_or(WebError::NotFound)?;
    if !me.permits_in(action, case.area_id) {
        return Err(if me.permits_in(Action::ViewCases, case.area_id) {
            WebError::Forbidden
        } else {
            WebError::NotFound
        });
    }
    // Once its identifying data is destroyed a case is only looked at: nothing new may be sealed
    // into it (no forms, contacts, packs, analyses, amendments).
    if case.destroyed_at.is_some() && action != Action::ViewCases {
        return Err(WebError::Conflict(format!(
            "The identifying data of {} was destroyed under the retention policy: the case can be looked at, not changed.",
            case.reference
        )));
    }
    Ok(case)
}

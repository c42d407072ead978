//! Filling in a form, page by page: shared by the agency's emailed link (`/f/{token}`) and staff
//! completing a form on an agency's behalf (`/cases/{reference}/requests/{id}/form`).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::forms::answers::{self, Answers, FieldError, Raw};
use crate::forms::page::{self, PageModel, RowFocus};
use crate::gathering::date_words;
use crate::gathering::response;
use crate::responses::Loaded;
use crate::service::{Acting, ServiceError};
use crate::store::cases::Case;
use crate::store::form_requests::FormRequest;
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;

pub use crate::web::error::WebResult;

/// Where the form lives and how its pages look.
pub struct Frame<'a> {
    pub page: Page,
    /// The URL the form's pages hang off (`/f/TOKEN`, `/cases/X/requests/7/form`).
    pub base: String,
    pub case: &'a Case,
    pub request: &'a FormRequest,
    pub acting: Acting<'a>,
}

/// Field errors for the GOV.UK error summary: each links to its input's id.
pub(crate) fn summary(errors: &[FieldError]) -> FormErrors {
    let mut out = FormErrors::default();
    for e in errors {
        out.add(&e.field.replace('.', "-"), e.message.clone());
    }
    out
}

/// The lock version a form posted back (the record's version when the page was shown).
pub fn lock_of(form: &FormData) -> WebResult<i64> {
    form.get("lock")
        .parse()
        .map_err(|_| WebError::BadRequest("The form could not be read. Go back and try again.".into()))
}

/// A section's state for the task list.
pub struct SectionRow {
    pub number: usize,
    pub title: String,
    pub status: &'static str,
}

fn section_rows(loaded: &Loaded) -> Vec<SectionRow> {
    loaded
        .version
        .sections()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let shown: Vec<_> = s.items.iter().filter(|it| answers::visible(it, &loaded.answers)).collect();
            let answered = shown.iter().filter(|it| loaded.answers.contains_key(&it.key)).count();
            let status = if answered == 0 {
                "Not started"
            } else if answered == shown.len() {
                "Completed"
            } else {
                "In progress"
            };
            SectionRow { number: i + 1, title: s.heading.label.clone(), status }
        })
        .collect()
}

/// The minimum a professional needs to recognise the child (link pages only).
pub struct Recognise {
    pub name: String,
    pub date_of_birth: String,
    pub date_of_death: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "forms/start.html")]
struct StartTemplate {
    page: Page,
    base: String,
    title: String,
    intro: String,
    reference: String,
    agency: String,
    due: String,
    expires: String,
    version: String,
    sections: Vec<SectionRow>,
    recognise: Option<Recognise>,
    saved: bool,
    staff: bool,
    /// Where the start button goes: the first section not completed (the form resumes where it
    /// was left), or the check page when every section is done.
    resume: String,
    resume_label: &'static str,
}

pub fn start(frame: Frame<'_>, loaded: &Loaded, recognise: Option<Recognise>, saved: bool) -> Response {
    let staff = recognise.is_none();
    let sections = section_rows(loaded);
    let started = sections.iter().any(|s| s.status != "Not started");
    // Unfinished: not started, or a required question still unanswered (optional questions left
    // blank do not hold the form up).
    let missing: Vec<String> =
        answers::missing_required(&loaded.version, &loaded.answers).iter().map(|i| i.key.clone()).collect();
    let unfinished = |s: &&SectionRow| {
        s.status == "Not started"
            || loaded
                .version
                .sections()
                .get(s.number - 1)
                .is_some_and(|sec| sec.items.iter().any(|i| missing.contains(&i.key)))
    };
    let (resume, resume_label) = match sections.iter().find(unfinished) {
        Some(s) if started => (format!("{}/{}", frame.base, s.number), "Continue where you left off"),
        Some(s) => (format!("{}/{}", frame.base, s.number), "Start now"),
        None => (format!("{}/check", frame.base), "Check your answers and submit"),
    };
    StartTemplate {
        resume,
        resume_label,
        page: frame.page,
        base: frame.base,
        title: loaded.version.title.clone(),
        intro: loaded.version.intro.clone(),
        reference: frame.case.reference.clone(),
        agency: frame.request.agency.clone(),
        due: date_words(frame.request.due_date),
        expires: date_words(frame.request.token_expires_at.date_naive()),
        version: loaded.version.version.clone(),
        sections,
        recognise,
        saved,
        staff,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "forms/page.html")]
struct PageTemplate {
    page: Page,
    base: String,
    caption: String,
    model: PageModel,
    errors: FormErrors,
    lock: i64,
    conflict: Option<String>,
}

/// What a section page shows: the values to fill in, the answers its conditions read, problems.
struct Shown<'a> {
    index: usize,
    raw: &'a Raw,
    answers: &'a Answers,
    errors: &'a [FieldError],
    focus: Option<RowFocus>,
}

fn render_page(
    mut frame: Frame<'_>,
    loaded: &Loaded,
    shown: Shown<'_>,
    lock: i64,
    conflict: Option<String>,
) -> WebResult<Response> {
    let Shown { index, raw, answers, errors, focus } = shown;
    let mut model = page::page(&loaded.version, index, raw, answers, errors).ok_or(WebError::NotFound)?;
    if let Some(target) = &focus {
        page::focus(&mut model.items, target);
    }
    frame.page.title = format!("{} – {}", model.title, loaded.version.title);
    frame.page.has_errors = !errors.is_empty();
    let status = if conflict.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    Ok((
        status,
        PageTemplate {
            page: frame.page,
            base: frame.base,
            caption: loaded.version.title.clone(),
            model,
            errors: summary(errors),
            lock,
            conflict,
        },
    )
        .into_response())
}

/// `GET …/{n}`: one section with the saved answers.
pub fn show_page(frame: Frame<'_>, loaded: &Loaded, number: usize) -> WebResult<Response> {
    let raw = answers::to_raw(&loaded.version, &loaded.answers);
    let lock = frame.request.version;
    let index = number.checked_sub(1).ok_or(WebError::NotFound)?;
    render_page(
        frame,
        loaded,
        Shown { index, raw: &raw, answers: &loaded.answers, errors: &[], focus: None },
        lock,
        None,
    )
}

/// Applies "Add another" / "Remove" on a group to the posted fields; the row to focus when one
/// was pressed.
pub(crate) fn group_action(action: &str, raw: &mut Raw) -> Option<RowFocus> {
    if let Some(key) = action.strip_prefix("add:") {
        let rows = answers::posted_rows(raw, key).max(1) + 1;
        set_rows(raw, key, rows);
        return Some(RowFocus { group: key.to_string(), row: rows - 1 });
    }
    let (key, row) = action.strip_prefix("remove:")?.rsplit_once('.')?;
    let row = row.parse::<usize>().ok()?;
    let rows = answers::posted_rows(raw, key);
    let prefix = format!("{key}.");
    let mut kept = Raw::new();
    for (k, v) in raw.drain(..) {
        let renumbered = k
            .strip_prefix(&prefix)
            .and_then(|r| r.split_once('.'))
            .and_then(|(n, field)| n.parse::<usize>().ok().map(|n| (n, field.to_string())));
        match renumbered {
            Some((n, _)) if n == row => {}
            Some((n, field)) if n > row => kept.push((format!("{key}.{}.{field}", n - 1), v)),
            _ => kept.push((k, v)),
        }
    }
    *raw = kept;
    set_rows(raw, key, rows.saturating_sub(1).max(1));
    Some(RowFocus { group: key.to_string(), row })
}

fn set_rows(raw: &mut Raw, key: &str, rows: usize) {
    let name = format!("{key}-rows");
    raw.retain(|(k, _)| k != &name);
    raw.push((name, rows.to_string()));
}

/// `POST …/{n}`: saves what reads cleanly, then shows problems, a revealed follow-up or a changed
/// group again, or moves on (next section, or the start page for "save and come back later").
pub async fn save_page(
    state: &AppState,
    frame: Frame<'_>,
    loaded: &Loaded,
    number: usize,
    form: FormData,
) -> WebResult<Response> {
    let sections = loaded.version.sections().len();
    let index = number.checked_sub(1).filter(|i| *i < sections).ok_or(WebError::NotFound)?;
    let lock = lock_of(&form)?;
    let action = form.get("action").to_string();
    let mut raw: Raw =
        form.0.into_iter().filter(|(k, _)| k != "csrf_token" && k != "lock" && k != "action").collect();
    let regrouped = group_action(&action, &mut raw);
    let (merged, errors) = response::apply_page(loaded, index, &raw);
    let target = response::Target {
        acting: &frame.acting,
        case: frame.case,
        request: frame.request,
        expected_version: lock,
    };
    match response::save_draft(state, &target, &loaded.version, &merged).await {
        Ok(()) => {}
        Err(ServiceError::Conflict(m)) => {
            // What was typed comes back, with the lock of the request as it is now.
            let current = frame.request.version;
            let shown = Shown { index, raw: &raw, answers: &merged, errors: &[], focus: None };
            return render_page(frame, loaded, shown, current, Some(m));
        }
        Err(e) => return Err(e.into()),
    }
    let next_lock = lock + 1;
    let revealed = page::newly_revealed(&loaded.version, index, &loaded.answers, &merged);
    if !errors.is_empty() || regrouped.is_some() || revealed {
        let shown = Shown { index, raw: &raw, answers: &merged, errors: &errors, focus: regrouped };
        return render_page(frame, loaded, shown, next_lock, None);
    }
    let target = if action == "save" {
        format!("{}?saved=1", frame.base)
    } else if number < sections {
        format!("{}/{}", frame.base, number + 1)
    } else {
        format!("{}/check", frame.base)
    };
    Ok(Redirect::to(&target).into_response())
}

/// One row of the check-your-answers page.
pub struct CheckRow {
    pub key: String,
    pub label: String,
    pub value: String,
    pub change: String,
    pub missing: bool,
    pub answered: bool,
}

pub struct CheckSection {
    pub title: String,
    pub rows: Vec<CheckRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "forms/check.html")]
struct CheckTemplate {
    page: Page,
    base: String,
    title: String,
    sections: Vec<CheckSection>,
    errors: FormErrors,
    lock: i64,
    staff: bool,
}

pub fn check_sections(base: &str, loaded: &Loaded) -> Vec<CheckSection> {
    loaded
        .version
        .sections()
        .iter()
        .enumerate()
        .map(|(i, s)| CheckSection {
            title: s.heading.label.clone(),
            rows: s
                .items
                .iter()
                .filter(|it| answers::visible(it, &loaded.answers))
                .map(|it| {
                    let value = loaded.answers.get(&it.key).map(|a| answers::display(it, a));
                    CheckRow {
                        key: it.key.clone(),
                        label: it.label.clone(),
                        missing: value.is_none() && it.required,
                        answered: value.is_some(),
                        value: value.unwrap_or_else(|| "Not answered".into()),
                        change: format!("{base}/{}#{}-group", i + 1, it.key),
                    }
                })
                .collect(),
        })
        .collect()
}

/// `GET …/check`, and the same page with the required questions still to answer.
pub fn show_check(mut frame: Frame<'_>, loaded: &Loaded, missing: &[&crate::forms::Item]) -> Response {
    let mut errors = FormErrors::default();
    for item in missing {
        errors.add(&format!("missing-{}", item.key), format!("Answer ‘{}’ before you submit", item.label));
    }
    frame.page.title = format!("Check your answers – {}", loaded.version.title);
    frame.page.has_errors = !errors.is_empty();
    let staff = frame.acting.actor.user_id().is_some();
    let status = if missing.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (
        status,
        CheckTemplate {
            sections: check_sections(&frame.base, loaded),
            page: frame.page,
            base: frame.base,
            title: loaded.version.title.clone(),
            errors,
            lock: frame.request.version,
            staff,
        },
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "forms/submitted.html")]
struct SubmittedTemplate {
    page: Page,
    title: String,
    reference: String,
    agency: String,
    /// When it was received, in UK time.
    received: String,
    completeness: answers::Completeness,
    back: String,
}

/// `POST …/check`: submits, or shows what is still required.
pub async fn submit(
    state: &AppState,
    frame: Frame<'_>,
    loaded: &Loaded,
    form: FormData,
    back: String,
) -> WebResult<Response> {
    let lock = lock_of(&form)?;
    let target = response::Target {
        acting: &frame.acting,
        case: frame.case,
        request: frame.request,
        expected_version: lock,
    };
    match response::submit(state, &target, loaded).await? {
        Err(missing) => Ok(show_check(frame, loaded, &missing)),
        Ok(()) => {
            let mut page = frame.page;
            page.title = format!("Form submitted – {}", loaded.version.title);
            Ok(SubmittedTemplate {
                page,
                title: loaded.version.title.clone(),
                reference: frame.case.reference.clone(),
                agency: frame.request.agency.clone(),
                received: crate::domain::uk_time::long(state.clock.now()),
                completeness: answers::completeness(&loaded.version, &loaded.answers),
                back,
            }
            .into_response())
        }
    }
}

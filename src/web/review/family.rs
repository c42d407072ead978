//! The family page of a case: the key worker, and the log of contacts with the family (questions
//! they asked the panel, when the outcome was fed back).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::codes::ContactKind;
use crate::domain::policy::{Action, Principal};
use crate::input::DateParts;
use crate::review::family::{self as service, Family, KeyWorker};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::load_in_scope;
use crate::web::error::WebResult;
use crate::web::error::field_errors;
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "review/family.html")]
struct FamilyTemplate {
    page: Page,
    reference: String,
    family: Family,
    kw: KeyWorker,
    kinds: Vec<Choice>,
    contact_on: DateParts,
    note: String,
    errors: FormErrors,
}

async fn render(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    reference: &str,
    form: Option<&FormData>,
    errors: FormErrors,
) -> WebResult<Response> {
    let case = load_in_scope(state, me, reference, Action::RecordFamilyContact).await?;
    let family = service::read(state, &ctx.acting(), &case).await?;
    let kw = match form {
        Some(f) if f.has("kw_name") => KeyWorker {
            name: f.get("kw_name").into(),
            role: f.get("kw_role").into(),
            phone: f.get("kw_phone").into(),
            email: f.get("kw_email").into(),
        },
        _ => family.key_worker.clone().unwrap_or_default(),
    };
    let kind = form.map(|f| f.get("kind").to_string()).unwrap_or_default();
    let contact_on = match form {
        Some(f) if f.has("contact_on.day") => f.date_parts("contact_on"),
        _ => DateParts::from_date(state.clock.today()),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        FamilyTemplate {
            page: Page::for_user(ctx, format!("Family contact for {}", case.reference), "/cases")
                .with_errors(!errors.is_empty()),
            reference: case.reference.clone(),
            kw,
            kinds: ContactKind::ALL
                .iter()
                .map(|k| Choice::new(k.code(), k.label(), k.code() == kind))
                .collect(),
            contact_on,
            note: form.map(|f| f.get("note").to_string()).unwrap_or_default(),
            family,
            errors,
        },
    )
        .into_response())
}

/// `GET /cases/{reference}/family`.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    render(&state, &ctx, &me, &reference, None, FormErrors::default()).await
}

/// `POST /cases/{reference}/family/key-worker`.
pub async fn set_key_worker(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RecordFamilyContact).await?;
    let kw = KeyWorker {
        name: form.get("kw_name").into(),
        role: form.get("kw_role").into(),
        phone: form.get("kw_phone").into(),
        email: form.get("kw_email").into(),
    };
    let version = form.get("version").parse().unwrap_or(0);
    match service::set_key_worker(&state, &ctx.acting(), &case, version, kw).await {
        Ok(()) => {
            Ok(redirect_with_flash(&state, &format!("/cases/{}/family", case.reference), "Key worker saved."))
        }
        Err(e) => render(&state, &ctx, &me, &reference, Some(&form), field_errors(e)?).await,
    }
}

/// `POST /cases/{reference}/family/contacts`.
pub async fn add_contact(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RecordFamilyContact).await?;
    let mut errors = FormErrors::default();
    let kind = ContactKind::parse(form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "Choose the kind of contact");
    }
    let on =
        form.required_date("contact_on", "date of the contact", "Enter the date of the contact", &mut errors);
    let result = match (kind, on) {
        (Some(kind), Some(on)) if errors.is_empty() => {
            service::record_contact(&state, &ctx.acting(), &case, on, kind, form.get("note"))
                .await
                .map_err(field_errors)
        }
        _ => Err(Ok(errors)),
    };
    match result {
        Ok(()) => {
            Ok(redirect_with_flash(&state, &format!("/cases/{}/family", case.reference), "Contact recorded."))
        }
        Err(e) => render(&state, &ctx, &me, &reference, Some(&form), e?).await,
    }
}

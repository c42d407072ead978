//! Information gathering over the API: form definitions, requests for a case, and responses
//! (submitted by staff with a token; read back with identifying answers only for permitted roles,
//! audited).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::cases::problem;
use crate::domain::codes::{AgencyType, RequestStatus};
use crate::domain::email::EmailAddress;
use crate::domain::notification::{FieldProblem, Person};
use crate::domain::policy::{Action, Principal};
use crate::forms::answers::{self, Answer};
use crate::gathering::{self, Ask, response};
use crate::service::ServiceError;
use crate::store::cases::Case;
use crate::store::form_requests::{self, FormRequest};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::cases::load_in_scope;
use crate::web::error::{WebError, WebResult};

/// `GET /api/v1/forms`: every form with its versions (the context alone: `State<Context>`).
pub async fn definitions(State(state): State<crate::context::Context>) -> Json<Value> {
    let today = state.clock.today();
    let forms: Vec<Value> = state
        .forms
        .forms()
        .map(|(code, versions)| {
            json!({
                "code": code,
                "title": state.forms.title(code),
                "current_version": state.forms.current(code, today).map(|v| v.version.clone()),
                "versions": versions.iter().map(|v| json!({
                    "version": v.version,
                    "family": v.family,
                    "applies_from": v.applies_from.to_string(),
                    "legacy": v.legacy,
                    "unconfirmed_items": v.unconfirmed(),
                    "items": v.items,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "forms": forms }))
}

fn request_json(state: &AppState, r: &FormRequest) -> Value {
    let status = RequestStatus::parse(&r.status).unwrap_or(RequestStatus::Requested);
    json!({
        "id": r.id,
        "form": r.form_code,
        "version": r.form_version,
        "agency": r.agency,
        "agency_type": r.agency_type,
        "status": status.code(),
        "overdue": status.is_open() && r.due_date < state.clock.today(),
        "due_date": r.due_date.to_string(),
        "requested_at": r.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "submitted_at": r.submitted_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "reminders_sent": r.reminders_sent,
        "withdraw_reason": r.withdraw_reason,
        "completeness": {"answered": r.answered, "not_known": r.not_known, "missing": r.missing},
    })
}

/// `GET /api/v1/cases/{reference}/requests`.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Json<Value>> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let requests = form_requests::for_case(&state.db, case.id).await?;
    Ok(Json(json!({
        "case_reference": case.reference,
        "information_status": case.information_status,
        "requests": requests.iter().map(|r| request_json(&state, r)).collect::<Vec<_>>(),
    })))
}

pub(crate) fn invalid(problems: &[FieldProblem], title: &str, request_id: &str) -> Response {
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        title,
        "Nothing was stored. Correct the fields listed in `errors` and send it again.",
        Some(problems),
        request_id,
    )
}

/// The body as a JSON object, or `None` (answered with [`not_json`]).
pub(crate) fn json_body(body: &Bytes) -> Option<Value> {
    serde_json::from_slice(body).ok().filter(Value::is_object)
}

pub(crate) fn not_json(request_id: &str) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "The body is not a JSON object",
        "See /api/v1/openapi.json.",
        None,
        request_id,
    )
}

/// `POST /api/v1/cases/{reference}/requests`: `{"due_date": "2027-01-31", "requests": [{"name",
/// "role", "organisation", "email", "agency_type", "forms": ["reporting", …]}]}`.
pub async fn create(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    body: Bytes,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let Some(value) = json_body(&body) else { return Ok(not_json(&ctx.request_id)) };
    let mut problems = Vec::new();
    let mut p = |field: String, message: &str| problems.push(FieldProblem { field, message: message.into() });
    let due = match value.get("due_date").and_then(Value::as_str) {
        None => Some(gathering::default_due(&state)),
        Some(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                p("due_date".into(), "must be a date like 2027-01-31");
                None
            }
        },
    };
    let mut asks = Vec::new();
    let list = value.get("requests").and_then(Value::as_array).cloned().unwrap_or_default();
    if list.is_empty() {
        p("requests".into(), "list at least one professional and the forms to ask them for");
    }
    for (i, r) in list.iter().enumerate() {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").trim().to_string();
        let (name, organisation, email) = (s("name"), s("organisation"), s("email"));
        if name.is_empty() || name.chars().count() > 200 || crate::input::has_control_single_line(&name) {
            p(format!("requests.{i}.name"), "is required: one line of up to 200 characters");
        }
        if organisation.is_empty() || organisation.chars().count() > 200 {
            p(format!("requests.{i}.organisation"), "is required: up to 200 characters");
        }
        if EmailAddress::parse(&email).is_err() {
            p(format!("requests.{i}.email"), "must be an email address");
        }
        let agency_type = AgencyType::parse(&s("agency_type"));
        if agency_type.is_none() {
            p(format!("requests.{i}.agency_type"), "must be one of the agency type codes");
        }
        let forms: Vec<String> = r
            .get("forms")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        if forms.is_empty() || forms.iter().any(|f| state.forms.current(f, state.clock.today()).is_none()) {
            p(format!("requests.{i}.forms"), "must list form codes from /api/v1/forms");
        }
        if let Some(agency_type) = agency_type {
            asks.push(Ask {
                person: Person { name, role: s("role"), organisation, email, phone: String::new() },
                agency_type,
                forms,
            });
        }
    }
    let Some(due) = due.filter(|_| problems.is_empty()) else {
        return Ok(invalid(&problems, "The requests are not valid", &ctx.request_id));
    };
    match gathering::request(&state, &ctx.acting(), &case, &asks, due).await {
        Ok(ids) => Ok((StatusCode::CREATED, Json(json!({ "request_ids": ids }))).into_response()),
        Err(ServiceError::Invalid(list)) => {
            let problems: Vec<FieldProblem> = list
                .into_iter()
                .map(|(f, m)| FieldProblem {
                    field: if f == "due" { "due_date".into() } else { f },
                    message: m,
                })
                .collect();
            Ok(invalid(&problems, "The requests are not valid", &ctx.request_id))
        }
        Err(e) => Err(e.into()),
    }
}

async fn request_in_scope(state: &AppState, me: &Principal, id: &str) -> WebResult<(Case, FormRequest)> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let r = form_requests::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let case = crate::store::cases::find(&state.db, r.case_id).await?.ok_or(WebError::NotFound)?;
    if !me.permits_in(Action::RequestInformation, case.area_id) {
        return Err(if me.permits_in(Action::ViewCases, case.area_id) {
            WebError::Forbidden
        } else {
            WebError::NotFound
        });
    }
    Ok((case, r))
}

pub(crate) fn answer_json(a: &Answer) -> Value {
    match a {
        Answer::Code(c) | Answer::Number(c) | Answer::Text(c) => json!(c),
        Answer::Codes(cs) => json!(cs),
        Answer::Date(d) => json!(d.to_string()),
        Answer::Rows(rows) => json!(
            rows.iter()
                .map(|r| r
                    .iter()
                    .map(|(k, v)| (k.clone(), answer_json(v)))
                    .collect::<serde_json::Map<_, _>>())
                .collect::<Vec<_>>()
        ),
    }
}

/// `GET /api/v1/requests/{id}/response`: the answers with their version. Identifying answers are
/// included (and the read audited) for roles that may see identities; others get coded answers.
pub async fn read(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Json<Value>> {
    let (case, r) = request_in_scope(&state, &me, &id).await?;
    let loaded = crate::responses::load(&state, &r).await?;
    let with_identifying = me.permits_in(Action::RevealIdentity, case.area_id);
    if with_identifying {
        response::record_read(&state, &ctx.acting(), &case, &r).await?;
    }
    let mut out = serde_json::Map::new();
    for item in &loaded.version.items {
        let Some(a) = loaded.answers.get(&item.key) else { continue };
        if item.is_coded() || with_identifying {
            out.insert(item.key.clone(), answer_json(a));
        }
    }
    Ok(Json(json!({
        "request": request_json(&state, &r),
        "case_reference": case.reference,
        "form": r.form_code,
        "version": loaded.version.version,
        "identifying_included": with_identifying,
        "completeness": answers::completeness(&loaded.version, &loaded.answers),
        "answers": out,
    })))
}

/// `POST /api/v1/requests/{id}/response`: `{"answers": {...}}` submits the whole response on the
/// agency's behalf; every field is checked and the problems come back field by field (422).
pub async fn submit(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> WebResult<Response> {
    let (case, r) = request_in_scope(&state, &me, &id).await?;
    if !RequestStatus::parse(&r.status).is_some_and(RequestStatus::is_open) {
        return Ok(problem(
            StatusCode::CONFLICT,
            "The request is not open",
            "It was submitted or withdrawn.",
            None,
            &ctx.request_id,
        ));
    }
    let Some(value) = json_body(&body) else { return Ok(not_json(&ctx.request_id)) };
    let version = crate::responses::version_of(&state, &r)?;
    let raw = match answers::raw_from_json(&version, value.get("answers").unwrap_or(&Value::Null)) {
        Ok(raw) => raw,
        Err(e) => {
            let p = [FieldProblem { field: format!("answers.{}", e.field), message: e.message }];
            return Ok(invalid(&p, "The answers are not valid", &ctx.request_id));
        }
    };
    let a = ctx.acting();
    let target = response::Target { acting: &a, case: &case, request: &r, expected_version: r.version };
    match response::submit_all(&state, &target, version, &raw).await? {
        Ok(()) => {
            Ok((StatusCode::OK, Json(json!({ "status": "submitted", "request_id": r.id }))).into_response())
        }
        Err(errors) => {
            let p: Vec<FieldProblem> = errors
                .into_iter()
                .map(|e| FieldProblem {
                    field: format!(
                        "answers.{}",
                        e.field.trim_end_matches("-day").trim_end_matches("-status")
                    ),
                    message: e.message,
                })
                .collect();
            Ok(invalid(&p, "The answers are not valid", &ctx.request_id))
        }
    }
}

/// The paths above, for the OpenAPI document.
pub fn openapi_paths(auth: &Value, problem_content: &Value) -> Value {
    let p = |d: &str| json!({"description": d, "content": problem_content});
    json!({
        "/api/v1/forms": {"get": {"summary": "Form definitions: every form, its versions and items (coded or identifying), and which version is current", "security": auth,
            "responses": {"200": {"description": "the forms"}, "401": p("no valid token")}}},
        "/api/v1/cases/{reference}/requests": {
            "get": {"summary": "The information requested for a case: one entry per agency and form, with status, due date and completeness", "security": auth,
                "parameters": [{"name": "reference", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the requests"}, "401": p("no valid token"), "403": p("the role may not request information"), "404": p("no such case in your areas")}},
            "post": {"summary": "Request forms from professionals; each is emailed a single-use link (the response carries no token)", "security": auth,
                "parameters": [{"name": "reference", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["requests"], "properties": {
                    "due_date": {"type": "string", "format": "date", "description": "default: today + forms.due_days"},
                    "requests": {"type": "array", "minItems": 1, "maxItems": crate::gathering::MAX_ASKS, "description": "also bounded by mail.max_per_case_per_day: emails about one case in 24 hours", "items": {"type": "object", "required": ["name", "organisation", "email", "agency_type", "forms"], "properties": {
                        "name": {"type": "string"}, "role": {"type": "string"}, "organisation": {"type": "string"}, "email": {"type": "string", "format": "email"},
                        "agency_type": {"type": "string", "enum": AgencyType::ALL.iter().map(|a| a.code()).collect::<Vec<_>>()},
                        "forms": {"type": "array", "items": {"type": "string"}}}}}}}}}},
                "responses": {"201": {"description": "requested: {\"request_ids\": [..]}"}, "401": p("no valid token"), "404": p("no such case in your areas"),
                    "422": p("invalid: one error per bad field (requests.N.email …); nothing stored")}}},
        "/api/v1/requests/{id}/response": {
            "get": {"summary": "A response's answers with the version it was given on; identifying answers only for roles that may see identities (audited)", "security": auth,
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "the response"}, "401": p("no valid token"), "404": p("no such request in your areas")}},
            "post": {"summary": "Submit a whole response on an agency's behalf", "security": auth,
                "description": "Answers by item key: codes for choices (`not_known` for any factual item), lists for multiple choices, `YYYY-MM-DD` for dates, numbers, text, and lists of objects for groups.",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["answers"], "properties": {"answers": {"type": "object"}}}}}},
                "responses": {"200": {"description": "submitted"}, "401": p("no valid token"), "404": p("no such request in your areas"), "409": p("the request is not open"),
                    "422": p("invalid: one error per field (answers.KEY); nothing stored")}}}
    })
}

//! The review stage over the API: meetings and their agendas, pre-panel entries, the analysis
//! (read, save, sign-off) and the actions register. Each handler calls the same service function
//! as its page, so the rules (roles, areas, the modifiable rule, locking) are the same.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::failed;
use super::forms::{answer_json, invalid, json_body, not_json};
use crate::domain::codes::{AgendaOutcome, MeetingKind, ReviewDelay};
use crate::domain::notification::FieldProblem;
use crate::domain::policy::{Action, Principal};
use crate::forms::answers;
use crate::review::meetings::{self as meetings_service, Arrangement};
use crate::review::{actions, analysis, prepanel};
use crate::store::actions::Filter;
use crate::store::meetings::{self as meeting_store, Meeting};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::cases::load_in_scope;
use crate::web::error::{WebError, WebResult};
use crate::web::review::load_meeting;
use crate::web::review::packs::item_of;

/// The JSON object sent, if it is one.
fn body_of(body: &Bytes) -> Option<Value> {
    json_body(body).filter(Value::is_object)
}

fn one_field(field: &str, message: &str, request_id: &str) -> Response {
    invalid(
        &[FieldProblem { field: field.into(), message: message.into() }],
        "The request is not valid",
        request_id,
    )
}

async fn meeting_json(state: &AppState, m: &Meeting) -> WebResult<Value> {
    let mut agenda = Vec::new();
    for item in meeting_store::agenda(&state.db, m.id).await? {
        let reference = crate::store::cases::find(&state.db, item.case_id).await?.map(|c| c.reference);
        agenda.push(json!({
            "case_reference": reference, "position": item.position, "outcome": item.outcome,
            "reason": item.reason, "opened": item.opened_at.is_some(),
            "pack_published": item.pack_published_at.is_some(), "version": item.version,
        }));
    }
    Ok(json!({
        "id": m.id, "kind": m.kind, "title": meetings_service::title(m),
        "starts_at": m.starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "duration_minutes": m.duration_minutes, "location": m.location, "status": m.status,
        "chair_id": m.chair_id, "area_ids": meeting_store::areas(&state.db, m.id).await?,
        "attendee_ids": meeting_store::attendees(&state.db, m.id).await?.iter().map(|a| a.user_id).collect::<Vec<_>>(),
        "agenda": agenda, "version": m.version,
    }))
}

/// `GET /api/v1/meetings`: the meetings the token's user attends or arranges.
pub async fn meetings(State(state): State<AppState>, CurrentUser(me): CurrentUser) -> WebResult<Json<Value>> {
    let staff = me.permits(Action::ManageMeetings).then_some(me.area_ids.as_slice());
    let mut out = Vec::new();
    for m in meeting_store::visible(&state.db, me.user_id, staff).await? {
        out.push(meeting_json(&state, &m).await?);
    }
    Ok(Json(json!({ "meetings": out })))
}

/// `GET /api/v1/meetings/{id}`.
pub async fn meeting(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Json<Value>> {
    let (m, _) = load_meeting(&state, &me, id).await?;
    Ok(Json(meeting_json(&state, &m).await?))
}

/// Reads `starts_at`: RFC 3339 (`2026-12-03T10:00:00Z`) or UK clock time (`2026-12-03T10:00`).
fn starts_at(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok().map(crate::domain::uk_time::from_uk)
    })
}

/// The words a client confirmed identify no one (`"confirmed": [...]`), after a 422 that listed
/// them under `FIELD.acknowledge`.
pub(crate) fn confirmed(v: &Value) -> Vec<String> {
    v["confirmed"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default()
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default()
}

/// `POST /api/v1/meetings`: arranges a meeting.
pub async fn create_meeting(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let mut p = Vec::new();
    let kind = v["kind"].as_str().and_then(MeetingKind::parse);
    if kind.is_none() {
        p.push(FieldProblem { field: "kind".into(), message: "cdrm or panel".into() });
    }
    let at = starts_at(&v["starts_at"]);
    if at.is_none() {
        p.push(FieldProblem {
            field: "starts_at".into(),
            message: "an RFC 3339 time, or UK clock time as YYYY-MM-DDTHH:MM".into(),
        });
    }
    let chair = v["chair_id"].as_i64();
    if chair.is_none() {
        p.push(FieldProblem { field: "chair_id".into(), message: "the chair's user id".into() });
    }
    let (Some(kind), Some(starts_at), Some(chair_id)) = (kind, at, chair) else {
        return Ok(invalid(&p, "The meeting is not valid", &ctx.request_id));
    };
    let arrangement = Arrangement {
        kind,
        starts_at,
        duration_minutes: v["duration_minutes"].as_i64().unwrap_or(120).clamp(0, 24 * 60) as i32,
        location: v["location"].as_str().unwrap_or_default().to_string(),
        confirmed: confirmed(&v),
        chair_id,
        area_ids: ids(&v["area_ids"]),
        attendee_ids: ids(&v["attendee_ids"]),
    };
    match meetings_service::create(&state, &ctx.acting(), &me.area_ids, arrangement).await {
        Ok(id) => {
            let m = meeting_store::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
            Ok((StatusCode::CREATED, Json(meeting_json(&state, &m).await?)).into_response())
        }
        Err(e) => failed(e, &ctx.request_id),
    }
}

/// `POST /api/v1/meetings/{id}/agenda`: `{"case_reference": …}` puts a case ready for review on
/// the agenda.
pub async fn add_to_agenda(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult<Response> {
    let (m, _) = load_meeting(&state, &me, id).await?;
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let reference = v["case_reference"].as_str().unwrap_or_default();
    let Ok(case) = load_in_scope(&state, &me, reference, Action::ManageMeetings).await else {
        return Ok(one_field("case_reference", "no such case in your areas", &ctx.request_id));
    };
    match meetings_service::add_case(&state, &ctx.acting(), &m, &case).await {
        Ok(_) => Ok((StatusCode::CREATED, Json(meeting_json(&state, &m).await?)).into_response()),
        Err(e) => failed(e, &ctx.request_id),
    }
}

/// `POST /api/v1/meetings/{id}/invite`: sends (or updates) the invitations.
pub async fn invite(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (m, _) = load_meeting(&state, &me, id).await?;
    match meetings_service::invite(&state, &ctx.acting(), &m).await {
        Ok(n) => Ok(Json(json!({ "invited": n })).into_response()),
        Err(e) => failed(e, &ctx.request_id),
    }
}

/// `POST /api/v1/meetings/{id}/cases/{reference}/outcome`: `{"outcome": "reviewed" | "deferred",
/// "reason": …, "version": …}`.
pub async fn outcome(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((id, reference)): Path<(i64, String)>,
    body: Bytes,
) -> WebResult<Response> {
    let (m, item, _, _) = item_of(&state, &me, id, &reference).await?;
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let outcome = match v["outcome"].as_str().and_then(AgendaOutcome::parse) {
        Some(o @ (AgendaOutcome::Reviewed | AgendaOutcome::Deferred)) => o,
        _ => return Ok(one_field("outcome", "reviewed or deferred", &ctx.request_id)),
    };
    let reason = v["reason"].as_str().and_then(ReviewDelay::parse);
    let version = v["version"].as_i64().unwrap_or(item.version);
    match meetings_service::record_outcome(&state, &ctx.acting(), &m, &item, version, outcome, reason).await {
        Ok(()) => Ok(Json(meeting_json(&state, &m).await?).into_response()),
        Err(e) => failed(e, &ctx.request_id),
    }
}

/// `GET /api/v1/meetings/{id}/cases/{reference}/prepanel`: the caller's own entry, and everyone's
/// (with the spread) only once the chair has opened the case.
pub async fn prepanel_read(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path((id, reference)): Path<(i64, String)>,
) -> WebResult<Json<Value>> {
    let (_, item, _, attending) = item_of(&state, &me, id, &reference).await?;
    if !attending {
        return Err(WebError::NotFound);
    }
    let entries = prepanel::visible(&state, &item, me.user_id).await?;
    Ok(Json(json!({
        "case_reference": reference,
        "opened": item.opened_at.is_some(),
        "entries": entries.iter().map(|e| json!({
            "user_id": e.user_id, "category": e.category, "modifiable": e.modifiable,
        })).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/meetings/{id}/cases/{reference}/prepanel`: `{"category": …, "modifiable": …}`,
/// or `{"open": true}` from the chair at the meeting.
pub async fn prepanel_write(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((id, reference)): Path<(i64, String)>,
    body: Bytes,
) -> WebResult<Response> {
    let (m, item, _, attending) = item_of(&state, &me, id, &reference).await?;
    if !attending {
        return Err(WebError::NotFound);
    }
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let a = ctx.acting();
    let result = if v["open"].as_bool() == Some(true) {
        prepanel::open(&state, &a, &m, &item).await
    } else {
        let (c, md) =
            (v["category"].as_str().unwrap_or_default(), v["modifiable"].as_str().unwrap_or_default());
        prepanel::record(&state, &a, &m, &item, c, md).await
    };
    match result {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => failed(e, &ctx.request_id),
    }
}

fn analysis_json(reference: &str, loaded: &analysis::Loaded) -> Value {
    let a = loaded.analysis.as_ref();
    json!({
        "case_reference": reference,
        "form_version": loaded.version.version,
        "revision": a.map(|a| a.revision),
        "status": a.map(|a| a.status.as_str()).unwrap_or("none"),
        "lock": loaded.lock(),
        "signed_at": a.and_then(|a| a.signed_at).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "answers": loaded.answers.iter().map(|(k, v)| (k.clone(), answer_json(v))).collect::<serde_json::Map<_, _>>(),
        "missing": analysis::missing(loaded),
    })
}

/// `GET /api/v1/cases/{reference}/analysis`: the latest revision (answers by item key).
pub async fn analysis_read(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Json<Value>> {
    let case = load_in_scope(&state, &me, &reference, Action::EditAnalysis).await?;
    let loaded = analysis::load(&state, &case).await?;
    Ok(Json(analysis_json(&case.reference, &loaded)))
}

/// `POST /api/v1/cases/{reference}/analysis`: `{"lock": n, "answers": {...}}` saves the draft
/// (the whole form; every problem field by field, including the modifiable rule).
pub async fn analysis_write(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    body: Bytes,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::EditAnalysis).await?;
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let loaded = analysis::load(&state, &case).await?;
    let raw = match answers::raw_from_json(&loaded.version, v.get("answers").unwrap_or(&Value::Null)) {
        Ok(raw) => raw,
        Err(e) => return Ok(one_field(&format!("answers.{}", e.field), &e.message, &ctx.request_id)),
    };
    let (read, errors) = analysis::read(&loaded.version, &raw);
    if !errors.is_empty() {
        let p: Vec<FieldProblem> = errors
            .into_iter()
            .map(|e| FieldProblem { field: format!("answers.{}", e.field), message: e.message })
            .collect();
        return Ok(invalid(&p, "The analysis is not valid", &ctx.request_id));
    }
    let lock = v["lock"].as_i64().unwrap_or(-1);
    match analysis::save(&state, &ctx.acting(), &case, lock, &read, &confirmed(&v)).await {
        Ok(()) => {
            let loaded = analysis::load(&state, &case).await?;
            Ok(Json(analysis_json(&case.reference, &loaded)).into_response())
        }
        Err(e) => failed(e, &ctx.request_id),
    }
}

/// `POST /api/v1/cases/{reference}/analysis/sign-off`: `{"lock": n, "code": "123456"}`, by the
/// panel chair with a fresh two-factor code.
pub async fn analysis_sign_off(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    body: Bytes,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::SignOffAnalysis).await?;
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let lock = v["lock"].as_i64().unwrap_or(-1);
    let code = v["code"].as_str().unwrap_or_default();
    match analysis::sign_off(&state, &ctx.acting(), &case, lock, analysis::Confirmation::Code(code)).await {
        Ok(()) => {
            let loaded = analysis::load(&state, &case).await?;
            Ok(Json(analysis_json(&case.reference, &loaded)).into_response())
        }
        Err(e) => failed(e, &ctx.request_id),
    }
}

fn action_json(v: &actions::View) -> Value {
    json!(v)
}

fn action_input(v: &Value) -> Result<actions::Input, String> {
    serde_json::from_value(v.clone()).map_err(|e| e.to_string())
}

/// `GET /api/v1/actions?status=open|overdue|done|all&theme=…`.
pub async fn actions_list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    crate::web::params::Q(q): crate::web::params::Q<crate::web::review::actions::ListQuery>,
) -> WebResult<Json<Value>> {
    let filter: Filter = q.filter(&me)?;
    let views = actions::list(&state, &filter).await?;
    Ok(Json(json!({ "actions": views.iter().map(action_json).collect::<Vec<_>>() })))
}

fn areas_of(me: &Principal) -> &[i64] {
    &me.area_ids
}

/// `POST /api/v1/actions`: records an action and emails its owner.
pub async fn actions_create(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let input = match action_input(&v) {
        Ok(i) => i,
        Err(m) => return Ok(one_field("body", &m, &ctx.request_id)),
    };
    match actions::create(&state, &ctx.acting(), areas_of(&me), &input).await {
        Ok(reference) => {
            let view = actions::view(&state, areas_of(&me), &reference).await?;
            Ok((StatusCode::CREATED, Json(action_json(&view))).into_response())
        }
        Err(e) => failed(e, &ctx.request_id),
    }
}

/// `GET /api/v1/actions/{reference}`.
pub async fn actions_read(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Json<Value>> {
    Ok(Json(action_json(&actions::view(&state, areas_of(&me), &reference).await?)))
}

/// `POST /api/v1/actions/{reference}`: the whole action with its `version` and `status`.
pub async fn actions_update(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    body: Bytes,
) -> WebResult<Response> {
    let Some(v) = body_of(&body) else { return Ok(not_json(&ctx.request_id)) };
    let input = match action_input(&v) {
        Ok(i) => i,
        Err(m) => return Ok(one_field("body", &m, &ctx.request_id)),
    };
    let version = v["version"].as_i64().unwrap_or(-1);
    match actions::update(&state, &ctx.acting(), areas_of(&me), &reference, version, &input).await {
        Ok(()) => {
            Ok(Json(action_json(&actions::view(&state, areas_of(&me), &reference).await?)).into_response())
        }
        Err(e) => failed(e, &ctx.request_id),
    }
}

/// The paths above, for the OpenAPI document.
pub fn openapi_paths(auth: &Value, problem_content: &Value) -> Value {
    let p = |d: &str| json!({"description": d, "content": problem_content});
    let path_param = |name: &str, kind: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}});
    let body = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let answers = |status: &str, ok: &str| {
        json!({status: {"description": ok}, "401": p("no valid token"), "403": p("the role may not do this"),
               "404": p("not found in your areas (or you do not attend the meeting)"),
               "409": p("not possible in the record's state, or changed by someone else"),
               "422": p("invalid: one error per field")})
    };
    let common = |ok: &str| answers("200", ok);
    let created = |ok: &str| answers("201", ok);
    let action_schema = json!({"type": "object", "required": ["description", "owner_org", "owner_email", "due_on"], "properties": {
        "description": {"type": "string", "maxLength": 2000, "description": "checked against every identifier of the linked cases"},
        "owner_org": {"type": "string"}, "owner_email": {"type": "string", "format": "email"},
        "due_on": {"type": "string", "format": "date"}, "area_id": {"type": "integer"},
        "cases": {"type": "array", "maxItems": actions::MAX_CASES, "items": {"type": "string"}}, "themes": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": ["open", "in_progress", "implemented", "closed_no_action"]},
        "note": {"type": "string"}, "version": {"type": "integer", "description": "for updates"}}});
    json!({
        "/api/v1/meetings": {
            "get": {"summary": "Meetings you attend or arrange, with their agendas", "security": auth, "responses": common("the meetings")},
            "post": {"summary": "Arrange a CDRM or panel meeting", "security": auth,
                "requestBody": body(json!({"type": "object", "required": ["kind", "starts_at", "location", "chair_id", "area_ids"], "properties": {
                    "kind": {"type": "string", "enum": ["cdrm", "panel"]},
                    "starts_at": {"type": "string", "description": "RFC 3339, or UK clock time YYYY-MM-DDTHH:MM"},
                    "duration_minutes": {"type": "integer", "default": 120}, "location": {"type": "string"},
                    "chair_id": {"type": "integer"}, "area_ids": {"type": "array", "items": {"type": "integer"}},
                    "attendee_ids": {"type": "array", "items": {"type": "integer"}}}})),
                "responses": created("arranged")}},
        "/api/v1/meetings/{id}": {"get": {"summary": "One meeting with its agenda", "security": auth,
            "parameters": [path_param("id", "integer")], "responses": common("the meeting")}},
        "/api/v1/meetings/{id}/agenda": {"post": {"summary": "Put a case ready for review on the agenda", "security": auth,
            "parameters": [path_param("id", "integer")],
            "requestBody": body(json!({"type": "object", "required": ["case_reference"], "properties": {"case_reference": {"type": "string"}}})),
            "responses": created("added")}},
        "/api/v1/meetings/{id}/invite": {"post": {"summary": "Send or update the invitations (with a calendar file)", "security": auth,
            "parameters": [path_param("id", "integer")], "responses": common("{\"invited\": n}")}},
        "/api/v1/meetings/{id}/cases/{reference}/outcome": {"post": {"summary": "Record the meeting's outcome for a case", "security": auth,
            "parameters": [path_param("id", "integer"), path_param("reference", "string")],
            "requestBody": body(json!({"type": "object", "required": ["outcome"], "properties": {
                "outcome": {"type": "string", "enum": ["reviewed", "deferred"]},
                "reason": {"type": "string", "enum": ReviewDelay::ALL.iter().map(|r| r.code()).collect::<Vec<_>>()},
                "version": {"type": "integer"}}})),
            "responses": common("the meeting")}},
        "/api/v1/meetings/{id}/cases/{reference}/prepanel": {
            "get": {"summary": "Your own pre-panel entry; everyone's only after the chair opens the case", "security": auth,
                "parameters": [path_param("id", "integer"), path_param("reference", "string")], "responses": common("the entries you may see")},
            "post": {"summary": "Record your pre-panel entry, or (the chair) open the case", "security": auth,
                "parameters": [path_param("id", "integer"), path_param("reference", "string")],
                "requestBody": body(json!({"type": "object", "properties": {
                    "category": {"type": "string"}, "modifiable": {"type": "string"}, "open": {"type": "boolean"}}})),
                "responses": {"204": {"description": "recorded"}, "401": p("no valid token"), "404": p("not an attendee"), "409": p("entries are closed"), "422": p("invalid")}}},
        "/api/v1/cases/{reference}/analysis": {
            "get": {"summary": "The latest analysis revision: status, lock, answers by item key, what is missing", "security": auth,
                "parameters": [path_param("reference", "string")], "responses": common("the analysis")},
            "post": {"summary": "Save the draft analysis (whole form); \"modifiable factors identified\" needs a factor graded 2", "security": auth,
                "parameters": [path_param("reference", "string")],
                "requestBody": body(json!({"type": "object", "required": ["lock", "answers"], "properties": {
                    "lock": {"type": "integer", "description": "the lock read with GET (0 before the first save)"},
                    "answers": {"type": "object", "description": "by item key, as GET /api/v1/forms describes the analysis form"}}})),
                "responses": common("the saved analysis")}},
        "/api/v1/cases/{reference}/analysis/sign-off": {"post": {"summary": "Sign the analysis off (panel chair, fresh two-factor code); the case becomes reviewed", "security": auth,
            "parameters": [path_param("reference", "string")],
            "requestBody": body(json!({"type": "object", "required": ["lock", "code"], "properties": {"lock": {"type": "integer"}, "code": {"type": "string"}}})),
            "responses": common("the signed analysis")}},
        "/api/v1/actions": {
            "get": {"summary": "Actions in your areas", "security": auth,
                "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "overdue", "done", "all"]}},
                    {"name": "area", "in": "query", "schema": {"type": "integer"}}, {"name": "theme", "in": "query", "schema": {"type": "string"}}],
                "responses": common("the actions")},
            "post": {"summary": "Add an action; its owner is emailed", "security": auth, "requestBody": body(action_schema.clone()), "responses": created("added")}},
        "/api/v1/actions/{reference}": {
            "get": {"summary": "One action", "security": auth, "parameters": [path_param("reference", "string")], "responses": common("the action")},
            "post": {"summary": "Change an action (send the whole action with its version)", "security": auth,
                "parameters": [path_param("reference", "string")], "requestBody": body(action_schema), "responses": common("the action")}}
    })
}

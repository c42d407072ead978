//! The one place every request's text is checked before any handler reads it: the path, the query
//! string, and urlencoded or JSON bodies. A control character (NUL, escape, …; tab and line breaks
//! are allowed) is refused naming the field: PostgreSQL cannot store NUL, SQLite would, and no
//! person types one. JSON lists are bounded too, so no call fans out without limit (each API
//! operation may set a smaller bound of its own, documented as `maxItems`).
//!
//! Pages get a 400 page naming the field (nothing was stored; the browser's Back keeps what was
//! typed); the API gets `422 application/problem+json` with the body's field in `errors`, or 400
//! naming a path or query parameter.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::domain::notification::FieldProblem;
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::middleware::RequestId;

/// The most entries any JSON list in any body may hold.
pub const MAX_LIST: usize = 1000;

/// The most fields a form body (or query string) may carry; the longest form has a few hundred.
pub const MAX_FIELDS: usize = 5000;

/// Why a request was refused: the field (dotted path, `cases[0]`) and the message.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub message: String,
}

fn control(field: &str) -> Refusal {
    Refusal {
        field: field.to_string(),
        message: format!(
            "`{field}` contains a control character (such as a null character), which is not allowed"
        ),
    }
}

/// A readable name for a field name that may itself hold anything.
fn shown(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(60).collect()
}

/// The first problem in urlencoded pairs (a form body or a query string): a control character,
/// or more than [`MAX_FIELDS`] fields.
pub fn check_pairs(pairs: &[(String, String)]) -> Option<Refusal> {
    if pairs.len() > MAX_FIELDS {
        return Some(Refusal {
            field: "form".into(),
            message: format!(
                "The form sent {} fields; at most {} are accepted",
                crate::words::thousands(pairs.len() as i64),
                crate::words::thousands(MAX_FIELDS as i64)
            ),
        });
    }
    pairs.iter().find_map(|(k, v)| {
        (crate::input::has_control(k) || crate::input::has_control(v)).then(|| control(&shown(k)))
    })
}

/// The first problem in a JSON value: a string (or an object key) holding a control character,
/// or a list longer than [`MAX_LIST`].
pub fn check_json(v: &Value) -> Option<Refusal> {
    walk(v, &mut String::new())
}

fn walk(v: &Value, path: &mut String) -> Option<Refusal> {
    let name = |path: &str| if path.is_empty() { "body".to_string() } else { path.to_string() };
    match v {
        Value::String(s) => crate::input::has_control(s).then(|| control(&name(path))),
        Value::Array(items) => {
            if items.len() > MAX_LIST {
                let field = name(path);
                return Some(Refusal {
                    message: format!(
                        "`{field}` has {} entries; at most {} are accepted in one call",
                        crate::words::thousands(items.len() as i64),
                        crate::words::thousands(MAX_LIST as i64)
                    ),
                    field,
                });
            }
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        Value::Object(map) => {
            let len = path.len();
            for (k, item) in map {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&shown(k));
                let found =
                    if crate::input::has_control(k) { Some(control(&name(path))) } else { walk(item, path) };
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        _ => None,
    }
}

enum BodyKind {
    Form,
    Json,
    Other,
}

fn kind(req: &Request) -> BodyKind {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else if ct == "application/json" || ct.ends_with("+json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

/// The middleware: refuses a request whose path, query or body holds a control character (or an
/// over-long list), before any handler runs.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let refuse = |r: Refusal, in_body: bool| refused(r, is_api, in_body, &request_id);
    let path = crate::web::form_body::decode_component(req.uri().path());
    if crate::input::has_control(&path) {
        return refuse(control("path"), false);
    }
    if let Some(q) = req.uri().query()
        && let Some(r) = check_pairs(&crate::web::form_body::form_urlencoded_pairs(q.as_bytes()))
    {
        return refuse(Refusal { message: format!("The query parameter {}", r.message), ..r }, false);
    }
    // The API reads every body as JSON whatever its declared type, so every API body is checked
    // as JSON when it is JSON (a client cannot slip past by declaring another type).
    let kind = if is_api { BodyKind::Json } else { kind(&req) };
    if matches!(kind, BodyKind::Other) || req.method() == axum::http::Method::GET {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, state.config.server.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return WebError::BadRequest(
                "The request body is too large, or was not received in full.".to_string(),
            )
            .into_response();
        }
    };
    let found = match kind {
        BodyKind::Form => check_pairs(&crate::web::form_body::form_urlencoded_pairs(&bytes)),
        // Not JSON at all: the handler says so in its own words.
        _ => serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| check_json(&v)),
    };
    if let Some(r) = found {
        return refuse(r, true);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A body field: 422 with the field in `errors` (the API) or a 400 page; the path or query: 400.
fn refused(r: Refusal, is_api: bool, in_body: bool, request_id: &str) -> Response {
    if is_api && !in_body {
        crate::web::api::cases::problem(
            StatusCode::BAD_REQUEST,
            "The request is not valid",
            &r.message,
            None,
            request_id,
        )
    } else if is_api {
        crate::web::api::forms::invalid(
            &[FieldProblem { field: r.field, message: r.message }],
            "The request is not valid",
            request_id,
        )
    } else {
        WebError::BadRequest(format!(
            "{}. Nothing was saved: go back, remove the character (it can come with text pasted from another program) and send the form again.",
            r.message
        ))
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_the_field_holding_a_control_character() {
        let r = check_json(&json!({"cases": ["CDOP-2026-0001", "CDOP-2026-0002\u{0}"]})).expect("refused");
        assert_eq!(r.field, "cases[1]");
        let r = check_json(&json!({"owner_org": "O\u{0}rg"})).expect("refused");
        assert_eq!(r.field, "owner_org");
        let r = check_json(&json!({"requests": [{"name": "A", "email": "a\u{1b}@x"}]})).expect("refused");
        assert_eq!(r.field, "requests[0].email");
        assert!(r.message.contains("control character"));
        assert_eq!(check_json(&json!({"note": "line one\nline two\ttabbed\r\n"})), None);
        let pairs =
            vec![("name".to_string(), "Jo".to_string()), ("p0-email".to_string(), "x\u{0}".to_string())];
        assert_eq!(check_pairs(&pairs).map(|r| r.field).as_deref(), Some("p0-email"));
    }

    #[test]
    fn lists_are_bounded() {
        let many: Vec<Value> = (0..MAX_LIST + 1).map(|i| json!(i)).collect();
        let r = check_json(&json!({"cases": many})).expect("refused");
        assert_eq!(r.field, "cases");
        assert!(r.message.contains("1,001 entries"), "{}", r.message);
        let enough: Vec<Value> = (0..MAX_LIST).map(|i| json!(i)).collect();
        assert_eq!(check_json(&json!({"cases": enough})), None);
        let fields: Vec<(String, String)> =
            (0..=MAX_FIELDS).map(|i| (format!("p{i}"), String::new())).collect();
        assert!(check_pairs(&fields).is_some_and(|r| r.message.contains("5,001 fields")));
        assert_eq!(check_pairs(&fields[..MAX_FIELDS]), None);
    }
}

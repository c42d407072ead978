//! The JSON API under `/api/v1/`, authenticated with bearer tokens. Errors are
//! `application/problem+json`; invalid notifications get a field-by-field list.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::domain::notification::FieldProblem;
use crate::service::ServiceError;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use cases::problem;
use forms::invalid;

pub mod cases;
pub mod forms;
pub mod openapi;
pub mod reports;
pub mod review;

/// A service error as the API reports it: field problems (422), refusals and conflicts (409),
/// not found (404); anything else is an internal error.
pub(crate) fn failed(e: ServiceError, request_id: &str) -> WebResult<Response> {
    match e {
        ServiceError::Invalid(list) => {
            let p: Vec<FieldProblem> =
                list.into_iter().map(|(field, message)| FieldProblem { field, message }).collect();
            Ok(invalid(&p, "The request is not valid", request_id))
        }
        ServiceError::Refused(m) => {
            Ok(problem(StatusCode::CONFLICT, "Not possible now", &m, None, request_id))
        }
        ServiceError::Conflict(m) => {
            Ok(problem(StatusCode::CONFLICT, "Changed by someone else", &m, None, request_id))
        }
        ServiceError::NotFound => Err(WebError::NotFound),
        other => Err(other.into()),
    }
}

/// `GET /api/v1/me`: who the token acts for.
pub async fn me(CurrentUser(me): CurrentUser) -> Json<Value> {
    Json(json!({
        "user_id": me.user_id,
        "name": me.name,
        "email": me.email,
        "roles": me.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "area_ids": me.area_ids,
        "token_id": me.token_id,
    }))
}

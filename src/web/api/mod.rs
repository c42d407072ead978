//! The JSON API under `/api/v1/`, authenticated with bearer tokens. Errors are
//! `application/problem+json`; invalid notifications get a field-by-field list.

use axum::Json;
use serde_json::{Value, json};

use crate::web::auth::CurrentUser;

pub mod cases;
pub mod forms;
pub mod openapi;
pub mod reports;
pub mod review;

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

//! Errors at the web boundary.
//!
//! Each layer has its own error type (`ConfigError`, `StoreError`, `CryptoError`, `MailError`,
//! domain validation errors); handlers turn them into a [`WebError`]. A `WebError` becomes a
//! response carrying only a safe status and message; internal details are logged with the request
//! id and never sent. The middleware in `web::middleware` renders the final page: a friendly HTML
//! page in the layout for browsers, `application/problem+json` under `/api/`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::service::ServiceError;
use crate::store::StoreError;
use crate::web::form_body::FormErrors;

/// What a handler can fail with, phrased for the person who made the request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("Page not found")]
    NotFound,
    /// Not signed in (browser → sign-in page; API → 401).
    #[error("You need to sign in")]
    Unauthenticated,
    #[error("You do not have permission to do that")]
    Forbidden,
    /// A state-changing request without a valid CSRF token or from another site.
    #[error("{0}")]
    CsrfRejected(&'static str),
    #[error("{0}")]
    BadRequest(String),
    /// Someone else changed the record first (optimistic locking).
    #[error("{0}")]
    Conflict(String),
    #[error("Too many requests. Wait a minute and try again.")]
    TooManyRequests,
    #[error("The service is not ready")]
    Unavailable,
    /// Anything unexpected: logged in full, shown as a generic message with the request id.
    #[error("Sorry, there is a problem with the service")]
    Internal(#[source] anyhow::Error),
}

impl WebError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        WebError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::CsrfRejected(_) => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Attached to error responses; `web::middleware::render_errors` turns it into the final body.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let WebError::Internal(e) = &self {
            // The request id is on the current span (see web::middleware::request_context).
            tracing::error!(error = %format!("{e:#}"), "request failed");
        }
        let title = match status {
            StatusCode::NOT_FOUND => "Page not found",
            StatusCode::UNAUTHORIZED => "You need to sign in",
            StatusCode::FORBIDDEN => "You cannot do that",
            StatusCode::CONFLICT => "Someone else changed this record",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            StatusCode::SERVICE_UNAVAILABLE => "Service not ready",
            StatusCode::INTERNAL_SERVER_ERROR => "Sorry, there is a problem with the service",
            _ => "There is a problem with your request",
        };
        let detail = match &self {
            WebError::NotFound => {
                "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."
                    .to_string()
            }
            WebError::Internal(_) => {
                "Try again later. If it keeps happening, contact the service desk and quote the request id below."
                    .to_string()
            }
            other => other.to_string(),
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage { status, title: title.to_string(), detail });
        response
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Conflict(message) => WebError::Conflict(message),
            other => WebError::Internal(other.into()),
        }
    }
}

impl From<sea_orm::DbErr> for WebError {
    fn from(e: sea_orm::DbErr) -> Self {
        WebError::Internal(e.into())
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(e.into())
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// A service error as the error page, the adapter every page uses (field problems joined; pages
/// that show them beside their fields use [`field_errors`]).
impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => WebError::NotFound,
            ServiceError::Conflict(m) => WebError::Conflict(m),
            ServiceError::Refused(m) => WebError::BadRequest(m),
            ServiceError::Invalid(list) => {
                WebError::BadRequest(list.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(". "))
            }
            ServiceError::Other(e) => WebError::internal(e),
        }
    }
}

/// A service error for a page that shows problems beside its fields: field problems are added to
/// `errors`; a refusal or conflict is returned as one message for the page to show (`Ok(Some)`);
/// anything else is the error page.
pub fn into_errors(e: ServiceError, errors: &mut FormErrors) -> WebResult<Option<String>> {
    match e {
        ServiceError::Invalid(problems) => {
            for (field, message) in problems {
                errors.add(&field, message);
            }
            Ok(None)
        }
        ServiceError::Refused(m) | ServiceError::Conflict(m) => Ok(Some(m)),
        other => Err(other.into()),
    }
}

/// [`into_errors`] for pages whose summary shows a refusal as a `main` error; a conflict is the
/// error page (the record changed under the user).
pub fn field_errors(e: ServiceError) -> WebResult<FormErrors> {
    let mut errors = FormErrors::default();
    match e {
        ServiceError::Conflict(m) => Err(WebError::Conflict(m)),
        other => {
            if let Some(message) = into_errors(other, &mut errors)? {
                errors.add("main", message);
            }
            Ok(errors)
        }
    }
}

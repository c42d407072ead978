//! Query parameters: every numeric parameter is bounded when it is parsed, and a bad one is a
//! clear 400 naming it (an HTML page, or problem+json under `/api/`), never a panic further down.

use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::web::error::WebError;

/// The highest page number any list accepts (100,000 pages of 50 is far beyond any real list).
pub const MAX_PAGE: u64 = 100_000;

/// `?page=`: empty means 1; otherwise a whole number from 1 to [`MAX_PAGE`].
pub fn page(name: &str, raw: &str) -> Result<u64, WebError> {
    Ok(bounded(name, raw, 1, MAX_PAGE)?.unwrap_or(1))
}

/// An optional whole number between `min` and `max` (inclusive); empty means absent.
pub fn bounded<T>(name: &str, raw: &str, min: T, max: T) -> Result<Option<T>, WebError>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(Some(v)),
        _ => Err(WebError::BadRequest(format!(
            "The query parameter `{name}` must be a whole number from {min} to {max}."
        ))),
    }
}

/// Like axum's `Query`, but a query string that does not fit is a 400 with our error page
/// (control characters never reach it: `web::input_guard` refuses them first).
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Q(q.0))
            .map_err(|e| WebError::BadRequest(format!("The query string is not valid: {}", e.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        assert_eq!(page("page", "").ok(), Some(1));
        assert_eq!(page("page", "7").ok(), Some(7));
        for bad in ["0", "-1", "9223372036854775807", "18446744073709551615", "1e3", "x", "100001"] {
            let err = page("page", bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("`page`"), "{bad}: {err}");
        }
        assert_eq!(bounded::<i32>("reporting_year", "2026", 1900, 2200).ok(), Some(Some(2026)));
    }
}

//! Downloads: any file as an attachment, and PDFs rendered off the async threads and sent so
//! that browsers and proxies must not keep them.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::documents::pdf::{self, Template};
use crate::web::error::{WebError, WebResult};

/// Renders `template` with `data` and returns it as `filename` (a reference, never a name).
pub async fn pdf_download(
    template: Template,
    data: serde_json::Value,
    filename: &str,
) -> WebResult<Response> {
    let bytes = tokio::task::spawn_blocking(move || pdf::render(template, &data))
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!("the PDF task failed: {e}")))?
        .map_err(|e| WebError::Internal(anyhow::Error::new(e)))?;
    let mut response = attachment("application/pdf", filename, bytes);
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `body` sent as a download named `filename` (a reference or a report's name, never a person's).
pub fn attachment(content_type: &str, filename: &str, body: impl Into<axum::body::Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        body.into(),
    )
        .into_response()
}

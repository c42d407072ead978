//! PDF responses: renders a document off the async threads and sends it as a download that
//! browsers and proxies must not keep.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::documents::pdf::{self, Template};
use crate::error::{WebError, WebResult};

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
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

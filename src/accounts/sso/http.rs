//! The one outbound HTTP client, for identity providers: redirects never followed (a provider's
//! answer that points elsewhere is an error, not a request to somewhere the provider chose),
//! short timeouts, and answers larger than [`MAX_BODY`] refused. `openidconnect` talks through it
//! (its own HTTP client is compiled out).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Discovery documents, key sets and token responses are a few kilobytes.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

/// The client as `openidconnect` wants it: each call a boxed, sendable future.
pub struct Http(pub reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(call(&self.0, request))
    }
}

/// A client with redirects disabled and bounded timeouts.
pub fn client() -> Result<Http, HttpError> {
    // reqwest is built without a TLS crypto provider of its own: use ring, as lettre does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("cdop/", env!("CARGO_PKG_VERSION")))
        .build()
        .map(Http)
        .map_err(|e| HttpError(format!("could not set up the HTTP client: {e}")))
}

/// Sends one request `openidconnect` built and returns the answer, its body bounded.
pub async fn call(client: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let request = reqwest::Request::try_from(request).map_err(|e| HttpError(format!("bad request: {e}")))?;
    let host = request.url().host_str().unwrap_or_default().to_string();
    let mut response =
        client.execute(request).await.map_err(|e| HttpError(format!("{host} did not answer: {e}")))?;
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(HttpError(format!("{host} sent an answer over {MAX_BODY} bytes")));
    }
    let mut answer = http::Response::builder().status(response.status());
    if let Some(headers) = answer.headers_mut() {
        *headers = response.headers().clone();
    }
    let mut body = Vec::new();
    while let Some(chunk) =
        response.chunk().await.map_err(|e| HttpError(format!("{host} broke off its answer: {e}")))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(HttpError(format!("{host} sent an answer over {MAX_BODY} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    answer.body(body).map_err(|e| HttpError(format!("{host}: {e}")))
}

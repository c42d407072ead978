//! Static assets built into the binary: GOV.UK Frontend (compiled by build.rs from the pinned npm
//! package) and our own small files. URLs carry a content hash, so they are cached for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!(concat!(env!("OUT_DIR"), "/app.css")),
    },
    Asset {
        name: "govuk-frontend.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!(concat!(env!("OUT_DIR"), "/govuk-frontend.min.js")),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/app.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
];

/// Versioned URLs for the layout.
#[derive(Debug, Clone)]
pub struct AssetUrls {
    pub css: String,
    pub js: String,
    pub favicon: String,
}

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for a in ASSETS {
        hasher.update(a.body);
    }
    let digest = hasher.finalize();
    data_encoding::HEXLOWER.encode(&digest[..6])
});

pub static URLS: LazyLock<AssetUrls> = LazyLock::new(|| AssetUrls {
    css: format!("/assets/app.css?v={}", *VERSION),
    js: format!("/assets/app.js?v={}", *VERSION),
    favicon: format!("/assets/favicon.svg?v={}", *VERSION),
});

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn stylesheet_is_built_without_the_restricted_font() {
        let css = std::str::from_utf8(super::ASSETS[0].body).expect("utf-8 css");
        assert!(css.contains("govuk-button"), "GOV.UK Frontend styles are compiled in");
        assert!(!css.contains("GDS Transport"), "the GOV.UK typeface must not be used");
    }
}

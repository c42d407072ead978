//! Reading a stored form response: the version its request is pinned to, and its answers (the
//! coded rows joined with the opened identifying part). Information gathering, the review stage
//! and the identifier check all read responses this one way.

use std::sync::Arc;

use crate::context::Context;
use crate::forms::FormVersion;
use crate::forms::answers::{self, Answers};
use crate::service::{ServiceError, ServiceResult};
use crate::store::form_requests::{self, FormRequest};

/// A response with its definition and answers (coded rows and the opened identifying part).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub version: Arc<FormVersion>,
    pub answers: Answers,
}

/// The version a request is pinned to, as installed.
pub fn version_of(cx: &Context, r: &FormRequest) -> ServiceResult<Arc<FormVersion>> {
    cx.forms.version(&r.form_code, &r.form_version).ok_or_else(|| {
        ServiceError::Other(anyhow::anyhow!(
            "form {} version {} is not installed (forms.dir)",
            r.form_code,
            r.form_version
        ))
    })
}

pub async fn load(cx: &Context, r: &FormRequest) -> ServiceResult<Loaded> {
    let version = version_of(cx, r)?;
    let coded = form_requests::coded_answers(&cx.db, r.id).await?;
    let identifying: Answers = match &r.answers_sealed {
        Some(sealed) => {
            let plain = cx.keys.keyring.open(sealed).map_err(anyhow::Error::from)?;
            serde_json::from_slice(&plain).map_err(anyhow::Error::from)?
        }
        None => Answers::new(),
    };
    let answers = answers::join(&version, &coded, identifying);
    Ok(Loaded { version, answers })
}

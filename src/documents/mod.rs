//! Generated documents (PDF packs, briefings, reports, certificates).

pub mod pdf;

/// The service's compiled stylesheet, for documents that carry their styles inline (report files).
pub fn stylesheet() -> &'static str {
    include_str!(concat!(env!("OUT_DIR"), "/app.css"))
}

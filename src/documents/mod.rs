//! Generated documents (PDF packs, briefings, reports, certificates).

pub mod pdf;

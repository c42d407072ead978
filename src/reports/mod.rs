//! Reports computed from coded data only: no module here opens a sealed record (an architecture
//! test checks that `reports` never imports `crypto`).

pub mod agreement;
pub mod annual;
pub mod chart;
pub mod csv;
pub mod dataset;
pub mod disclosure;
pub mod files;
pub mod pdf;
pub mod population;
pub mod publication;
pub mod rates;
pub mod stats;
pub mod table;
pub mod thematic;

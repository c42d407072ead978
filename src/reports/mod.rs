//! Reports computed from coded data only: no module here opens a sealed record (an architecture
//! test checks that `reports` never imports `crypto`).

pub mod agreement;
pub mod disclosure;
pub mod rates;
pub mod table;

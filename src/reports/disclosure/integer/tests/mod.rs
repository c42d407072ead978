//! The solver against hand-worked cases, exhaustive enumeration and microlp (an independent
//! LP/MILP solver), on random reports.

mod common;
mod crosscheck;
mod hand;

//! Admin pages: users, areas, the audit trail.

pub mod areas;
pub mod audit;
pub mod forms;
pub mod mail;
pub mod users;

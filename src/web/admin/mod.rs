//! Admin pages: users, areas, the audit trail, retention and the access review.

pub mod access_review;
pub mod areas;
pub mod audit;
pub mod forms;
pub mod mail;
pub mod retention;
pub mod user_sso;
pub mod users;

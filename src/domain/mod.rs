//! Pure types and rules: parse-don't-validate newtypes, workflow, policy. No axum, no sea-orm.

pub mod audit;
pub mod email;
pub mod password;
pub mod policy;
pub mod role;

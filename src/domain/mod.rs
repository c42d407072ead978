//! Pure types and rules: parse-don't-validate newtypes, workflow, policy. No axum, no sea-orm.

pub mod email;
pub mod role;

//! Pure types and rules: parse-don't-validate newtypes, workflow, policy. No axum, no sea-orm.

pub mod amendment;
pub mod analysis;
pub mod anonymity;
pub mod audit;
pub mod chronology;
pub mod codes;
pub mod dates;
pub mod email;
pub mod historical;
pub mod lines;
pub mod nhs_number;
pub mod notification;
pub mod password;
pub mod policy;
pub mod postcode;
pub mod redact;
pub mod reference;
pub mod reminders;
pub mod retention;
pub mod role;
pub mod statutory_dates;
pub mod text;
pub mod uk_time;
pub mod workflow;

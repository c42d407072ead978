//! sea-orm entities, one module per table.

pub mod api_token;
pub mod area;
pub mod audit_event;
pub mod case;
pub mod case_version;
pub mod draft;
pub mod form_answer;
pub mod form_reminder;
pub mod form_request;
pub mod imd_lookup;
pub mod mail_outbox;
pub mod recovery_code;
pub mod session;
pub mod short_result;
pub mod user;
pub mod user_area;
pub mod user_role;

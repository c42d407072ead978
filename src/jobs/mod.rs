//! Background workers, started by `app::serve` and stopped with it.

pub mod exports;
pub mod housekeeping;
pub mod outbox;
pub mod reminders;
pub mod retention;

//! The service's clock. Everything time-dependent in information gathering (due dates, link
//! expiry, reminders) reads it, so tests move time forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};

/// The system clock plus an offset that only tests change. Cheap to clone; clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_us: Arc<AtomicI64>,
}

impl Clock {
    /// Now, UTC, truncated to microseconds (what PostgreSQL keeps).
    pub fn now(&self) -> DateTime<Utc> {
        let t = Utc::now() + TimeDelta::microseconds(self.offset_us.load(Ordering::Relaxed));
        t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
    }

    /// Today's date in the UK (Europe/London): the day a statutory date is recorded on.
    pub fn today(&self) -> NaiveDate {
        crate::domain::uk_time::to_uk(self.now()).date()
    }

    /// Moves the clock so that it reads `at` now (tests).
    pub fn set(&self, at: DateTime<Utc>) {
        let delta = at - Utc::now();
        self.offset_us.store(delta.num_microseconds().unwrap_or(0), Ordering::Relaxed);
    }

    /// Moves the clock forward by `by` (tests).
    pub fn advance(&self, by: TimeDelta) {
        self.offset_us.fetch_add(by.num_microseconds().unwrap_or(0), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let a = Clock::default();
        let b = a.clone();
        a.advance(TimeDelta::days(10));
        assert!((b.now() - Utc::now()).num_days() >= 9);
        b.set(DateTime::from_timestamp(0, 0).expect("epoch"));
        assert_eq!(a.today(), NaiveDate::from_ymd_opt(1970, 1, 1).expect("date"));
    }
}

//! UK clock time (GMT, or BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
//! Sunday of October), so meetings are entered and shown as people in England read a clock while
//! being stored and sent in calendars as UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let mut d = next.unwrap_or(NaiveDate::MIN).pred_opt().unwrap_or(NaiveDate::MIN);
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().unwrap_or(NaiveDate::MIN);
    }
    d
}

fn bst_bounds(year: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let one = NaiveTime::from_hms_opt(1, 0, 0).unwrap_or(NaiveTime::MIN);
    (
        Utc.from_utc_datetime(&last_sunday(year, 3).and_time(one)),
        Utc.from_utc_datetime(&last_sunday(year, 10).and_time(one)),
    )
}

/// Whether British Summer Time is in force at `t`.
pub fn is_bst(t: DateTime<Utc>) -> bool {
    let (start, end) = bst_bounds(t.year());
    t >= start && t < end
}

/// UK clock time at `t`.
pub fn to_uk(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + if is_bst(t) { Duration::hours(1) } else { Duration::zero() }
}

/// The instant a UK clock shows `local`. In the hour the clocks skip (spring) the time is read as
/// GMT; in the hour they repeat (autumn) the first (BST) reading is taken.
pub fn from_uk(local: NaiveDateTime) -> DateTime<Utc> {
    let as_bst = Utc.from_utc_datetime(&(local - Duration::hours(1)));
    if is_bst(as_bst) { as_bst } else { Utc.from_utc_datetime(&local) }
}

/// "Tuesday 1 December 2026 at 10:00" (UK clock time).
pub fn words(t: DateTime<Utc>) -> String {
    to_uk(t).format("%A %-d %B %Y at %H:%M").to_string()
}

/// "7 Dec 2026 14:05" (UK clock time), for lists and tables.
pub fn short(t: DateTime<Utc>) -> String {
    to_uk(t).format("%-d %b %Y %H:%M").to_string()
}

/// "7 December 2026 at 14:05" (UK clock time), for a single moment in a sentence.
pub fn long(t: DateTime<Utc>) -> String {
    to_uk(t).format("%-d %B %Y at %H:%M").to_string()
}

/// "2026-12-07 14:05:09" (UK clock time), for audit trails read to the second.
pub fn precise(t: DateTime<Utc>) -> String {
    to_uk(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap_or_default()
    }

    #[test]
    fn pages_show_uk_clock_time() {
        assert_eq!(short(utc(2026, 6, 2, 9, 5)), "2 Jun 2026 10:05");
        assert_eq!(short(utc(2026, 12, 2, 9, 5)), "2 Dec 2026 09:05");
        assert_eq!(long(utc(2026, 6, 30, 23, 30)), "1 July 2026 at 00:30");
        assert_eq!(precise(utc(2026, 6, 2, 9, 5)), "2026-06-02 10:05:00");
    }

    #[test]
    fn summer_and_winter_times_round_trip() {
        // 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert!(!is_bst(utc(2026, 3, 29, 0, 59)));
        assert!(is_bst(utc(2026, 3, 29, 1, 0)));
        assert!(is_bst(utc(2026, 10, 25, 0, 59)));
        assert!(!is_bst(utc(2026, 10, 25, 1, 0)));
        let june =
            NaiveDate::from_ymd_opt(2026, 6, 2).and_then(|d| d.and_hms_opt(10, 0, 0)).unwrap_or_default();
        assert_eq!(from_uk(june), utc(2026, 6, 2, 9, 0));
        assert_eq!(to_uk(from_uk(june)), june);
        let december =
            NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(10, 0, 0)).unwrap_or_default();
        assert_eq!(from_uk(december), utc(2026, 12, 1, 10, 0));
        assert_eq!(words(utc(2026, 12, 1, 10, 0)), "Tuesday 1 December 2026 at 10:00");
        assert_eq!(words(utc(2026, 6, 2, 9, 0)), "Tuesday 2 June 2026 at 10:00");
    }
}

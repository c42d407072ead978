//! When agencies are reminded of a form: schedule points relative to the due date (days before,
//! on the day, every N days overdue). Pure; the reminder job records each point it sends so each
//! is sent once.

use chrono::{NaiveDate, TimeDelta};

/// The schedule, from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub before_days: Vec<u32>,
    pub on_due: bool,
    pub overdue_every_days: u32,
    /// After this many overdue reminders, coordinators are told (0: never).
    pub escalate_after: u32,
}

/// One point of the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// Stable name, recorded once sent: `before-3`, `due`, `overdue-2`.
    pub name: String,
    pub date: NaiveDate,
    /// For overdue points: which one (1, 2, …).
    pub overdue: u32,
}

impl Schedule {
    /// The latest point on or before `today` for a request made on `requested` and due on `due`.
    /// Points on or before the day of the request are skipped (nobody is reminded of a request
    /// the day it is made), and a point already passed when a later one is due is superseded.
    pub fn latest(&self, requested: NaiveDate, due: NaiveDate, today: NaiveDate) -> Option<Point> {
        let mut best: Option<Point> = None;
        let mut consider = |p: Point| {
            if p.date > requested && p.date <= today && best.as_ref().is_none_or(|b| p.date >= b.date) {
                best = Some(p);
            }
        };
        for b in &self.before_days {
            consider(Point {
                name: format!("before-{b}"),
                date: due - TimeDelta::days(i64::from(*b)),
                overdue: 0,
            });
        }
        if self.on_due {
            consider(Point { name: "due".into(), date: due, overdue: 0 });
        }
        if self.overdue_every_days > 0 && today > due {
            let n = ((today - due).num_days() / i64::from(self.overdue_every_days)) as u32;
            if n >= 1 {
                let date = due + TimeDelta::days(i64::from(n * self.overdue_every_days));
                consider(Point { name: format!("overdue-{n}"), date, overdue: n });
            }
        }
        best
    }

    /// Whether coordinators should now be told about a request reminded `overdue` times.
    pub fn escalates(&self, overdue: u32) -> bool {
        self.escalate_after > 0 && overdue >= self.escalate_after
    }
}

/// The latest overdue point for something due on `due` and still not done on `today`: the day
/// after the due date (`overdue-1`), then every `every_days` days (`overdue-2`, …); only the first
/// when `every_days` is 0.
pub fn overdue_point(due: NaiveDate, today: NaiveDate, every_days: u32) -> Option<Point> {
    if today <= due {
        return None;
    }
    let late = (today - due).num_days() - 1;
    let n = if every_days == 0 { 0 } else { late / i64::from(every_days) };
    Some(Point {
        name: format!("overdue-{}", n + 1),
        date: due + TimeDelta::days(1 + n * i64::from(every_days)),
        overdue: (n + 1) as u32,
    })
}

/// The latest of at most `max` reminders `every_days` apart after `sent` (`reminder-1`, …), or
/// none yet.
pub fn repeat_point(sent: NaiveDate, today: NaiveDate, every_days: u32, max: u32) -> Option<Point> {
    if every_days == 0 || max == 0 {
        return None;
    }
    let n = ((today - sent).num_days() / i64::from(every_days)).min(i64::from(max));
    (n >= 1).then(|| Point {
        name: format!("reminder-{n}"),
        date: sent + TimeDelta::days(n * i64::from(every_days)),
        overdue: n as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).expect("date")
    }

    #[test]
    fn each_point_in_turn() {
        let s = Schedule { before_days: vec![3], on_due: true, overdue_every_days: 7, escalate_after: 2 };
        let (req, due) = (d(1), d(10));
        assert_eq!(s.latest(req, due, d(6)), None);
        assert_eq!(s.latest(req, due, d(7)).map(|p| p.name), Some("before-3".into()));
        assert_eq!(s.latest(req, due, d(9)).map(|p| p.name), Some("before-3".into()));
        assert_eq!(s.latest(req, due, d(10)).map(|p| p.name), Some("due".into()));
        assert_eq!(s.latest(req, due, d(16)).map(|p| p.name), Some("due".into()));
        let p = s.latest(req, due, d(17)).expect("first overdue");
        assert_eq!((p.name.as_str(), p.overdue), ("overdue-1", 1));
        assert_eq!(s.latest(req, due, d(24)).map(|p| p.name), Some("overdue-2".into()));
        assert!(!s.escalates(1) && s.escalates(2));
    }

    #[test]
    fn no_reminder_on_the_day_of_a_short_request() {
        let s = Schedule { before_days: vec![3], on_due: true, overdue_every_days: 0, escalate_after: 0 };
        assert_eq!(s.latest(d(9), d(10), d(9)), None);
        assert_eq!(s.latest(d(9), d(10), d(10)).map(|p| p.name), Some("due".into()));
        assert_eq!(s.latest(d(9), d(10), d(30)).map(|p| p.name), Some("due".into()));
        assert!(!s.escalates(5));
    }

    #[test]
    fn overdue_the_day_after_then_every_n_days() {
        let due = d(10);
        assert_eq!(overdue_point(due, d(9), 14), None);
        assert_eq!(overdue_point(due, d(10), 14), None, "not overdue on the due date");
        assert_eq!(overdue_point(due, d(11), 14).map(|p| p.name), Some("overdue-1".into()));
        assert_eq!(overdue_point(due, d(24), 14).map(|p| p.name), Some("overdue-1".into()));
        let p = overdue_point(due, d(25), 14).expect("second");
        assert_eq!((p.name.as_str(), p.date), ("overdue-2", d(25)));
        assert_eq!(overdue_point(due, d(30), 0).map(|p| p.name), Some("overdue-1".into()), "once only");
    }

    #[test]
    fn repeats_up_to_the_maximum() {
        assert_eq!(repeat_point(d(1), d(7), 7, 2), None);
        assert_eq!(repeat_point(d(1), d(8), 7, 2).map(|p| p.name), Some("reminder-1".into()));
        assert_eq!(repeat_point(d(1), d(15), 7, 2).map(|p| p.name), Some("reminder-2".into()));
        assert_eq!(repeat_point(d(1), d(29), 7, 2).map(|p| p.name), Some("reminder-2".into()), "no third");
        assert_eq!(repeat_point(d(1), d(29), 7, 0), None);
    }
}

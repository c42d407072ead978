//! The order a case's statutory dates must keep: death, then notification, then the child death
//! review meeting and the panel, then sign-off, then closure; and no event recorded as having
//! happened on a day still to come. The workflow refuses each of these as it is recorded; this
//! lists cases whose recorded dates break the order anyway (recorded before the rules, imported
//! or edited in the database), from coded fields only (no sealed date is opened).

use chrono::NaiveDate;

/// One case's recorded dates and intervals (whole days from the death).
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// The UK day the case was notified.
    pub notified_on: NaiveDate,
    /// Imported from a previous system: its meetings may not be recorded here.
    pub imported: bool,
    pub review_completed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub days_to_notification: Option<i32>,
    pub days_to_cdrm: Option<i32>,
    pub days_to_panel: Option<i32>,
    pub days_to_review: Option<i32>,
    /// Meetings the case is on the agenda of: (kind label, UK day, reviewed there).
    pub meetings: Vec<(String, NaiveDate, bool)>,
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// What is out of order, in words ("the panel (day 40 after the death) is after sign-off (day
/// 34)"); empty when the dates keep their order.
pub fn out_of_order(r: &Recorded, today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let interval = [
        ("notification", r.days_to_notification),
        ("the child death review meeting", r.days_to_cdrm),
        ("the panel", r.days_to_panel),
        ("sign-off", r.days_to_review),
    ];
    for (name, days) in interval {
        if days.is_some_and(|d| d < 0) {
            out.push(format!("{name} is recorded before the death"));
        }
    }
    let pairs = [(0, 1), (0, 2), (0, 3), (1, 3), (2, 3)];
    for (a, b) in pairs {
        if let ((first, Some(x)), (then, Some(y))) = (interval[a], interval[b])
            && y < x
        {
            out.push(format!("{then} (day {y} after the death) is before {first} (day {x})"));
        }
    }
    if let Some(done) = r.review_completed_on {
        if done < r.notified_on {
            out.push(format!("sign-off ({}) is before notification ({})", day(done), day(r.notified_on)));
        }
        if done > today {
            out.push(format!("sign-off is recorded on {}, a day still to come", day(done)));
        }
        if !r.imported && r.days_to_panel.is_none() {
            out.push("signed off with no panel meeting recorded as reviewing the case".into());
        }
    }
    if let Some(closed) = r.closed_on {
        if r.review_completed_on.is_some_and(|done| closed < done) {
            out.push(format!("closed ({}) before sign-off", day(closed)));
        }
        if closed < r.notified_on {
            out.push(format!("closed ({}) before notification ({})", day(closed), day(r.notified_on)));
        }
        if closed > today {
            out.push(format!("closed on {}, a day still to come", day(closed)));
        }
    }
    for (kind, on, reviewed) in &r.meetings {
        if *on < r.notified_on {
            out.push(format!(
                "on the agenda of a {kind} on {}, before notification ({})",
                day(*on),
                day(r.notified_on)
            ));
        }
        if *reviewed && *on > today {
            out.push(format!("recorded as reviewed at a {kind} on {}, a day still to come", day(*on)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_case_in_order_has_no_problem() {
        let r = Recorded {
            notified_on: d("2026-01-05"),
            review_completed_on: Some(d("2026-03-01")),
            closed_on: Some(d("2026-03-02")),
            days_to_notification: Some(1),
            days_to_cdrm: Some(20),
            days_to_panel: Some(54),
            days_to_review: Some(56),
            meetings: vec![("panel meeting".into(), d("2026-02-27"), true)],
            ..Recorded::default()
        };
        assert!(out_of_order(&r, d("2026-12-07")).is_empty());
    }

    #[test]
    fn the_reported_case_is_listed() {
        // The CDRM after sign-off, no panel, and an outcome recorded for a meeting still to come.
        let r = Recorded {
            notified_on: d("2026-11-01"),
            review_completed_on: Some(d("2026-12-06")),
            days_to_notification: Some(1),
            days_to_cdrm: Some(35),
            days_to_review: Some(34),
            meetings: vec![("child death review meeting".into(), d("2026-12-07"), true)],
            ..Recorded::default()
        };
        let found = out_of_order(&r, d("2026-12-06"));
        assert_eq!(
            found,
            [
                "sign-off (day 34 after the death) is before the child death review meeting (day 35)",
                "signed off with no panel meeting recorded as reviewing the case",
                "recorded as reviewed at a child death review meeting on 7 December 2026, a day still to come",
            ]
        );
    }

    #[test]
    fn closure_and_meetings_keep_their_order() {
        let r = Recorded {
            notified_on: d("2026-05-10"),
            imported: true,
            review_completed_on: Some(d("2026-06-01")),
            closed_on: Some(d("2026-05-20")),
            meetings: vec![("panel meeting".into(), d("2026-05-01"), false)],
            ..Recorded::default()
        };
        let found = out_of_order(&r, d("2026-12-06"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("closed (20 May 2026) before sign-off"));
        assert!(found[1].contains("before notification (10 May 2026)"));
    }
}

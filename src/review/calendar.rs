//! The `.ics` file attached to a meeting invitation (RFC 5545: one VEVENT, times in UTC, text
//! escaped and lines folded at 75 octets). It carries the meeting's kind, time, place or link,
//! the case references on the agenda and the meeting's page: nothing that identifies a child.

use chrono::{DateTime, Duration, Utc};

pub struct Event<'a> {
    pub uid: &'a str,
    pub sequence: i32,
    pub stamp: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub minutes: i32,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub organiser: &'a str,
    /// Attendees' email addresses.
    pub attendees: &'a [String],
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (never inside a character), continuation lines starting
/// with a space.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar file for `e` (METHOD:REQUEST, so calendars offer to accept it).
pub fn invitation(e: &Event<'_>) -> String {
    let end = e.starts_at + Duration::minutes(i64::from(e.minutes));
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//CDOP case management//Meetings//EN".into(),
        "METHOD:REQUEST".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape(e.uid)),
        format!("SEQUENCE:{}", e.sequence),
        format!("DTSTAMP:{}", utc(e.stamp)),
        format!("DTSTART:{}", utc(e.starts_at)),
        format!("DTEND:{}", utc(end)),
        format!("SUMMARY:{}", escape(e.summary)),
        format!("LOCATION:{}", escape(e.location)),
        format!("DESCRIPTION:{}", escape(e.description)),
        format!("URL:{}", e.url),
        format!("ORGANIZER:mailto:{}", e.organiser),
    ];
    for a in e.attendees {
        lines.push(format!("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{a}"));
    }
    lines.extend(["STATUS:CONFIRMED".to_string(), "END:VEVENT".into(), "END:VCALENDAR".into()]);
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn one_event_in_utc_escaped_and_folded() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).single().unwrap_or_default();
        let attendees = vec!["chair@example.org".to_string()];
        let long = "Cases: 2026-0001, 2026-0002; see the meeting page for the agenda and the anonymised case packs, which open to attendees only.";
        let ics = invitation(&Event {
            uid: "m-1@cdop",
            sequence: 2,
            stamp: t,
            starts_at: t,
            minutes: 90,
            summary: "CDOP panel meeting",
            location: "Room 4, Civic Centre",
            description: long,
            url: "https://cdop.example/meetings/1",
            organiser: "cdop@example.org",
            attendees: &attendees,
        });
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART:20261201T100000Z\r\n"));
        assert!(ics.contains("DTEND:20261201T113000Z\r\n"));
        assert!(ics.contains("SEQUENCE:2\r\n"));
        assert!(ics.contains("LOCATION:Room 4\\, Civic Centre\r\n"));
        assert!(ics.lines().all(|l| l.len() <= 75), "{ics}");
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:Cases: 2026-0001\\, 2026-0002\\; see the meeting page"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }
}

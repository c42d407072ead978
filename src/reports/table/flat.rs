//! A table as its renderers lay it out ([`Flat`]: rows of text), the shares printed in it
//! ([`Share`], rounded by configuration, with a note when they do not add up to 100%), and the
//! reading form of its numbers (thousands separators).

use super::{Shown, ShownTable};

/// A share as shown: of a whole that is shown, hidden (built on a hidden figure), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Share {
    #[default]
    None,
    Hidden,
    /// (part, whole), the whole above 0.
    Of(u64, u64),
}

impl Share {
    /// "12.5%" (or "13%" with no decimals), "*" when hidden, empty when none.
    pub fn text(self, decimals: u8) -> String {
        match self {
            Share::None => String::new(),
            Share::Hidden => "*".into(),
            Share::Of(p, w) => percent_text(p, w, decimals),
        }
    }

    /// The share rounded as printed, in percent.
    fn rounded(self, decimals: u8) -> Option<f64> {
        match self {
            Share::Of(p, w) => {
                let scale = 10f64.powi(i32::from(decimals));
                Some((p as f64 * 100.0 / w as f64 * scale).round() / scale)
            }
            _ => None,
        }
    }
}

/// `part` of `whole` as a percentage rounded to `decimals` places (halves away from zero).
pub fn percent_text(part: u64, whole: u64, decimals: u8) -> String {
    if whole == 0 {
        return String::new();
    }
    format!("{:.*}%", usize::from(decimals), Share::Of(part, whole).rounded(decimals).unwrap_or_default())
}

/// Any table of a report as rows of text, the way every renderer lays it out: a heading row, the
/// body rows (the first cell is the row's label), and the total row when the rows add up.
#[derive(Debug, Clone, PartialEq)]
pub struct Flat {
    pub key: String,
    pub title: String,
    pub basis: String,
    pub denominator: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total: Option<Vec<String>>,
    pub notes: Vec<String>,
}

impl Flat {
    /// The table for reading (the page, the HTML file and the PDF): numbers of four digits or
    /// more with thousands separators ("12,000", "1,234.5", "1,020 to 1,410"). The data outputs
    /// (CSV, XLSX, JSON) keep plain numbers.
    pub fn readable(mut self) -> Flat {
        let cells = self.rows.iter_mut().chain(self.total.iter_mut());
        for row in cells {
            for cell in row.iter_mut().skip(1) {
                *cell = readable_cell(cell);
            }
        }
        self
    }
}

/// A cell with thousands separators in each number it is made of ("1234 to 5678").
fn readable_cell(cell: &str) -> String {
    let one = |part: &str| -> String {
        let (body, suffix) = match part.strip_suffix('%') {
            Some(b) => (b, "%"),
            None => (part, ""),
        };
        let (whole, fraction) = match body.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (body, None),
        };
        match whole.parse::<i64>() {
            Ok(n) if !whole.is_empty() && whole.chars().all(|c| c.is_ascii_digit()) => {
                let mut out = crate::words::thousands(n);
                if let Some(f) = fraction {
                    out.push('.');
                    out.push_str(f);
                }
                out.push_str(suffix);
                out
            }
            _ => part.to_string(),
        }
    };
    cell.split(" to ").map(one).collect::<Vec<_>>().join(" to ")
}

impl ShownTable {
    /// The table as rows of text, its shares rounded to `decimals` places. When the rows' shares
    /// of the total, as printed, do not add up to 100%, a note says so and by how much.
    pub fn flat(&self, decimals: u8) -> Flat {
        let several = self.columns.len() > 1;
        let with_percent = self.rows.iter().any(|r| r.percent != Share::None);
        let with_share = !self.share_label.is_empty();
        let mut headings = vec![self.row_heading.clone()];
        headings.extend(self.columns.iter().cloned());
        if several && !self.multi_valued {
            headings.push("Total".into());
        }
        if with_share {
            headings.push(self.share_label.clone());
        }
        if with_percent {
            headings.push(self.percent_label.clone());
        }
        let line = |label: &str, cells: &[Shown], total: &Shown, of_total: Share, percent: Share| {
            let mut out = vec![label.to_string()];
            out.extend(cells.iter().map(Shown::text));
            if several && !self.multi_valued {
                out.push(total.text());
            }
            if with_share {
                out.push(of_total.text(decimals));
            }
            if with_percent {
                out.push(percent.text(decimals));
            }
            out
        };
        let rows =
            self.rows.iter().map(|r| line(&r.label, &r.cells, &r.total, r.of_total, r.percent)).collect();
        let total = (!self.multi_valued).then(|| {
            let cells = if several { self.column_totals.clone() } else { vec![self.total] };
            let whole = match self.total {
                Shown::Count(n) if n > 0 => Share::Of(n, n),
                Shown::Count(_) => Share::None,
                Shown::Suppressed => Share::Hidden,
            };
            line("Total", &cells, &self.total, whole, self.total_percent)
        });
        let mut notes = self.notes.clone();
        let shares = |r: &super::ShownRow| r.percent;
        let of_total = |r: &super::ShownRow| r.of_total;
        let note = if self.shares_of_total { self.rounding_note(decimals, &shares) } else { None };
        if let Some(note) =
            note.or_else(|| with_share.then(|| self.rounding_note(decimals, &of_total)).flatten())
        {
            notes.push(note);
        }
        Flat {
            key: self.key.clone(),
            title: self.title.clone(),
            basis: self.basis.to_string(),
            denominator: self.denominator.clone(),
            headings,
            rows,
            total,
            notes,
        }
    }

    /// "Percentages are rounded…" when the rows' printed shares of the total (every one shown)
    /// add up to something other than 100%.
    fn rounding_note(&self, decimals: u8, share: &dyn Fn(&super::ShownRow) -> Share) -> Option<String> {
        if self.multi_valued || self.rows.iter().all(|r| share(r) == Share::None) {
            return None;
        }
        let mut sum = 0.0;
        for r in self.rows.iter().filter(|r| !r.subtotal) {
            match share(r) {
                Share::Hidden => return None,
                share => sum += share.rounded(decimals).unwrap_or(0.0),
            }
        }
        let scale = 10f64.powi(i32::from(decimals));
        let sum = (sum * scale).round() / scale;
        ((sum - 100.0).abs() > 1e-9 && sum > 0.0).then(|| {
            format!(
                "Percentages are rounded to {}, so they add up to {sum:.*}% rather than 100%.",
                if decimals == 0 {
                    "whole numbers".to_string()
                } else {
                    format!("{decimals} decimal place{}", if decimals == 1 { "" } else { "s" })
                },
                usize::from(decimals)
            )
        })
    }
}

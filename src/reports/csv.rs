//! CSV output for exports and reports: RFC 4180 quoting, and cells that a spreadsheet would run
//! as a formula (starting `=`, `+`, `-`, `@`, tab or carriage return) prefixed with `'`.

pub fn field(value: &str) -> String {
    let guarded = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

pub fn row(fields: &[&str]) -> String {
    let mut line = fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A report table as one CSV file: a line naming the table, its basis and denominator and the
/// report's mode, then the heading row, the rows and the total.
pub fn table(t: &super::table::Flat, mode_words: &str) -> String {
    let mut out = row(&[&t.title]);
    out.push_str(&row(&[&format!("Basis: {}", t.basis)]));
    out.push_str(&row(&[&format!("Denominator: {}", t.denominator)]));
    out.push_str(&row(&[mode_words]));
    let headings: Vec<&str> = t.headings.iter().map(String::as_str).collect();
    out.push_str(&row(&headings));
    for r in t.rows.iter().chain(t.total.iter()) {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        out.push_str(&row(&cells));
    }
    for n in &t.notes {
        out.push_str(&row(&[n]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralises_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(row(&["a", "b"]), "a,b\r\n");
    }
}

//! Numbers and times as people read them on a page or in an email: "1 case", "3 cases"; times in
//! UK time (Europe/London), never UTC.

/// `n` followed by the singular or plural noun: "1 reminder", "2 reminders", "0 reminders".
pub fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` with thousands separators, as published figures print: "1,001", "-12,345".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1001), "1,001");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }

    #[test]
    fn counts_read_as_words() {
        assert_eq!(count(1, "case", "cases"), "1 case");
        assert_eq!(count(0, "case", "cases"), "0 cases");
        assert_eq!(count(2_i32, "reminder", "reminders"), "2 reminders");
    }
}

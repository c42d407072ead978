//! Numbers and times as people read them on a page or in an email: "1 case", "3 cases"; times in
//! UK time (Europe/London), never UTC.

/// `n` followed by the singular or plural noun: "1 reminder", "2 reminders", "0 reminders".
pub fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(count(1, "case", "cases"), "1 case");
        assert_eq!(count(0, "case", "cases"), "0 cases");
        assert_eq!(count(2_i32, "reminder", "reminders"), "2 reminders");
    }
}

//! Which thematic reports there are and the window each is run over, for every surface (page,
//! API, command line): the predefined themes, the saved ad-hoc reports (a saved definition named
//! by its saved name), what was published before each (the themes it is suppressed against), and
//! the window of reporting years asked for, fixed for published versions.

use sea_orm::ConnectionTrait;

use super::Theme;
use crate::domain::dates::ReportingYear;
use crate::reports::publication;
use crate::reports::table::Mode;
use crate::store::StoreResult;
use crate::store::saved_reports::{self, Saved};

/// The longest window an internal report may cover, in reporting years.
pub const MAX_YEARS: u32 = 25;

/// A saved report as a theme: its saved definition, keyed `saved-{id}`, titled by its name.
/// `None` when there is no such report or its definition no longer reads.
pub fn saved_theme(saved: &Saved) -> Option<Theme> {
    let mut theme: Theme = serde_json::from_str(&saved.definition).ok()?;
    theme.key = format!("saved-{}", saved.id);
    theme.title = saved.name.clone();
    theme.description = if saved.description.is_empty() {
        "An ad-hoc report saved by a member of staff.".into()
    } else {
        saved.description.clone()
    };
    Some(theme)
}

/// The saved report `id` and its theme.
pub async fn find_saved<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<(Saved, Theme)>> {
    Ok(saved_reports::find(conn, id).await?.and_then(|s| saved_theme(&s).map(|t| (s, t))))
}

/// What is published before the saved report `id`: every predefined theme, then the saved
/// reports made before it.
pub async fn earlier_than_saved<C: ConnectionTrait>(
    conn: &C,
    predefined: &[Theme],
    id: i64,
) -> StoreResult<Vec<Theme>> {
    let mut earlier = predefined.to_vec();
    earlier.extend(saved_reports::list(conn).await?.iter().filter(|s| s.id < id).filter_map(saved_theme));
    Ok(earlier)
}

/// The predefined theme `key` and those before it in the configuration.
pub fn predefined<'a>(themes: &'a [Theme], key: &str) -> Option<(&'a Theme, &'a [Theme])> {
    let at = themes.iter().position(|t| t.key == key)?;
    Some((&themes[at], &themes[..at]))
}

/// The window a theme runs over: the theme with its number of years, the last year, and what was
/// changed from what was asked (said to the reader), if anything.
#[derive(Debug, Clone)]
pub struct Window {
    pub theme: Theme,
    pub year: ReportingYear,
    pub notice: String,
}

/// The window's years in words: "2021/22 to 2025/26" (or one year).
pub fn period(first: ReportingYear, last: ReportingYear) -> String {
    if first == last { last.to_string() } else { format!("{first} to {last}") }
}

/// Chooses the window ending `to` (and starting `from`, when given). Internal reports take any
/// window up to [`MAX_YEARS`]; a published one covers one of the theme's fixed windows, so that
/// no two published windows can be set against each other: a `to` that ends none is moved to the
/// window containing it (and the notice says so); a `from` that is not that window's start is
/// refused, naming the window.
pub fn window(
    theme: &Theme,
    from: Option<ReportingYear>,
    to: ReportingYear,
    mode: &Mode,
) -> Result<Window, String> {
    let mut theme = theme.clone();
    match mode {
        Mode::Internal => {
            if let Some(from) = from {
                if from > to {
                    return Err(format!("the first year ({from}) comes after the last ({to})"));
                }
                let years = (to.0 - from.0 + 1) as u32;
                if years > MAX_YEARS {
                    return Err(format!(
                        "a window covers at most {MAX_YEARS} reporting years; {} to {to} is {years}",
                        from
                    ));
                }
                theme.years = years;
            }
            Ok(Window { theme, year: to, notice: String::new() })
        }
        Mode::Published(rule) => {
            let n = theme.years.max(1);
            let end = ReportingYear(publication::containing_end(n, to.0, rule.windows_from));
            let first = super::first_year(&theme, end);
            if from.is_some_and(|f| f != first) || (from.is_some() && end != to) {
                return Err(format!(
                    "published versions of this report cover fixed windows of {n} reporting year{}, so that no two can be set against each other; the one containing {to} is {}: ask for it, or leave the first year out",
                    if n == 1 { "" } else { "s" },
                    period(first, end)
                ));
            }
            let notice = if end != to {
                format!(
                    "Published versions cover fixed periods of {n} year{}, so that no two published windows can be set against each other: this is the one containing {to}, {}.",
                    if n == 1 { "" } else { "s" },
                    period(first, end)
                )
            } else {
                String::new()
            };
            Ok(Window { theme, year: end, notice })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::disclosure::Rule;

    fn theme(years: u32) -> Theme {
        Theme { years, ..Theme::every_review("t", "T") }
    }

    #[test]
    fn internal_windows_are_any_span_and_published_ones_are_fixed() {
        let y = ReportingYear;
        let w = window(&theme(5), Some(y(2016)), y(2025), &Mode::Internal).unwrap();
        assert_eq!((w.theme.years, w.year, w.notice.as_str()), (10, y(2025), ""));
        let w = window(&theme(5), None, y(2025), &Mode::Internal).unwrap();
        assert_eq!(w.theme.years, 5);
        assert!(
            window(&theme(5), Some(y(2026)), y(2025), &Mode::Internal).unwrap_err().contains("comes after")
        );
        assert!(
            window(&theme(5), Some(y(1990)), y(2025), &Mode::Internal).unwrap_err().contains("at most 25")
        );

        // Windows of 5 from 2019: 2019–2023, 2024–2028.
        let published = Mode::Published(Rule { windows_from: 2019, ..Rule::default() });
        let w = window(&theme(5), None, y(2025), &published).unwrap();
        assert_eq!((w.theme.years, w.year), (5, y(2028)));
        assert!(w.notice.contains("2024/25 to 2028/29"), "{}", w.notice);
        let w = window(&theme(5), Some(y(2019)), y(2023), &published).unwrap();
        assert_eq!((w.year, w.notice.as_str()), (y(2023), ""));
        let e = window(&theme(5), Some(y(2021)), y(2025), &published).unwrap_err();
        assert!(e.contains("the one containing 2025/26 is 2024/25 to 2028/29"), "{e}");
    }
}

//! Every published count has a canonical name saying exactly which cases it counts, so that the
//! same figure in two tables, two reports or two years is one figure, and the sums that tie
//! figures together follow from the names alone:
//!
//! ```text
//! a:1+2|reviewed:2021-2025|age_band=0-27d&category={suicide,trauma}
//! scope  population          dimensions (sorted; a value may be a set)
//! ```
//!
//! - **scope**: the areas counted (`a:3`, or `a:3+4` for two combined): a combined figure is the
//!   sum of its areas' figures;
//! - **population**: what is counted and when — `notified:2025` (deaths notified in reporting year
//!   2025), `reviewed:2021-2025` (reviews signed off in those years), `open:2025`, … — optionally
//!   with an opaque filter (`reviewed:2021-2025:f=…`) a thematic report's filter cannot be
//!   written as dimensions; a span of years is the sum of its single years;
//! - **dimensions**: `all`, or `name=value` pairs joined by `&`, sorted by name; a value in braces
//!   is a set, the sum of its members (`imd_decile={1,2}` is quintile 1).
//!
//! [`atoms`] breaks a name into the figures it is the sum of (one area, one year, one value of
//! each dimension): two names sharing atoms are related, whichever report printed them. Pure.

use std::collections::BTreeSet;

/// A parsed figure name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name {
    pub areas: Vec<i64>,
    pub kind: String,
    pub first: i32,
    pub last: i32,
    pub filter: String,
    /// (dimension, values): one value, or several for a set.
    pub dims: Vec<(String, Vec<String>)>,
}

impl Name {
    /// Parses `scope|population|dims`; `None` for a name not in this form (a table of its own,
    /// with no relation to others).
    pub fn parse(s: &str) -> Option<Name> {
        let mut parts = s.splitn(3, '|');
        let (scope, population, dims) = (parts.next()?, parts.next()?, parts.next()?);
        let areas: Vec<i64> =
            scope.strip_prefix("a:")?.split('+').map(|a| a.parse().ok()).collect::<Option<Vec<_>>>()?;
        let mut pop = population.splitn(3, ':');
        let kind = pop.next()?.to_string();
        let years = pop.next()?;
        let filter = pop.next().unwrap_or_default().to_string();
        let (first, last) = match years.split_once('-') {
            Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
            None => {
                let y = years.parse().ok()?;
                (y, y)
            }
        };
        let dims = if dims == "all" {
            Vec::new()
        } else {
            dims.split('&')
                .map(|d| {
                    let (k, v) = d.split_once('=')?;
                    let values = match v.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                        Some("") => Vec::new(),
                        Some(set) => set.split(',').map(str::to_string).collect(),
                        None => vec![v.to_string()],
                    };
                    Some((k.to_string(), values))
                })
                .collect::<Option<Vec<_>>>()?
        };
        (first <= last && !areas.is_empty()).then_some(Name { areas, kind, first, last, filter, dims })
    }

    /// The name written out (canonical: areas and set members sorted, dimensions by name).
    pub fn write(&self) -> String {
        let mut areas = self.areas.clone();
        areas.sort_unstable();
        areas.dedup();
        let scope = areas.iter().map(i64::to_string).collect::<Vec<_>>().join("+");
        let years = if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}-{}", self.first, self.last)
        };
        let population = if self.filter.is_empty() {
            format!("{}:{years}", self.kind)
        } else {
            format!("{}:{years}:{}", self.kind, self.filter)
        };
        format!("a:{scope}|{population}|{}", dims_text(&self.dims))
    }

    /// Whether the figure counts nothing by construction (a dimension limited to the empty set).
    pub fn is_empty_set(&self) -> bool {
        self.dims.iter().any(|(_, v)| v.is_empty())
    }

    /// Whether the name is already one area, one year and one value of every dimension.
    pub fn is_atom(&self) -> bool {
        self.areas.len() == 1 && self.first == self.last && self.dims.iter().all(|(_, v)| v.len() == 1)
    }
}

/// `all`, or the dimensions sorted by name with sets in braces (members sorted).
pub fn dims_text(dims: &[(String, Vec<String>)]) -> String {
    if dims.is_empty() {
        return "all".into();
    }
    let mut sorted: Vec<(String, Vec<String>)> = dims.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| {
            if v.len() == 1 {
                format!("{k}={}", v[0])
            } else {
                let set: BTreeSet<&String> = v.iter().collect();
                format!("{k}={{{}}}", set.into_iter().cloned().collect::<Vec<_>>().join(","))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A figure name from its parts: `scope` (area ids), `population` (`reviewed:2025`) and
/// dimensions (each a value or a set).
pub fn name(areas: &[i64], population: &str, dims: &[(&str, Vec<String>)]) -> String {
    let mut a = areas.to_vec();
    a.sort_unstable();
    a.dedup();
    let scope = a.iter().map(i64::to_string).collect::<Vec<_>>().join("+");
    let dims: Vec<(String, Vec<String>)> = dims.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    format!("a:{scope}|{population}|{}", dims_text(&dims))
}

/// More atoms than this and a figure is left unrelated (its own table's sums still hold): a
/// bound on the system's size, far above what a report's figures need (3 areas × 10 years × a
/// set of 10).
pub const MAX_ATOMS: usize = 400;

/// The atoms a figure is the sum of: one area, one year and one value of each dimension each.
/// Empty for a figure that counts nothing by construction; `None` when there would be more than
/// [`MAX_ATOMS`].
pub fn atoms(n: &Name) -> Option<Vec<String>> {
    if n.is_empty_set() {
        return Some(Vec::new());
    }
    let count = n.areas.len()
        * (n.last - n.first + 1) as usize
        * n.dims.iter().map(|(_, v)| v.len()).product::<usize>();
    if count > MAX_ATOMS {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for area in &n.areas {
        for year in n.first..=n.last {
            let mut combos: Vec<Vec<(String, Vec<String>)>> = vec![Vec::new()];
            for (k, values) in &n.dims {
                combos = combos
                    .into_iter()
                    .flat_map(|c| {
                        values.iter().map(move |v| {
                            let mut c = c.clone();
                            c.push((k.clone(), vec![v.clone()]));
                            c
                        })
                    })
                    .collect();
            }
            for dims in combos {
                let atom = Name {
                    areas: vec![*area],
                    kind: n.kind.clone(),
                    first: year,
                    last: year,
                    filter: n.filter.clone(),
                    dims,
                };
                out.push(atom.write());
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_write_back_canonically() {
        let n =
            Name::parse("a:2+1|reviewed:2021-2025|category={trauma,suicide}&age_band=0-27d").expect("a name");
        assert_eq!(n.areas, vec![2, 1]);
        assert_eq!((n.first, n.last), (2021, 2025));
        assert_eq!(n.write(), "a:1+2|reviewed:2021-2025|age_band=0-27d&category={suicide,trauma}");
        let all = Name::parse("a:3|notified:2025|all").expect("all");
        assert!(all.dims.is_empty() && all.is_atom());
        assert_eq!(all.write(), "a:3|notified:2025|all");
        let filtered = Name::parse("a:3|reviewed:2025:f=th:safe_sleep|sex=male").expect("filtered");
        assert_eq!(filtered.filter, "f=th:safe_sleep");
        assert_eq!(filtered.write(), "a:3|reviewed:2025:f=th:safe_sleep|sex=male");
        for bad in
            ["reviewed 2025|all", "a:x|notified:2025|all", "a:1|notified:2026-2025|all", "a:1|notified|all"]
        {
            assert!(Name::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            name(
                &[4, 3],
                "reviewed:2025",
                &[("imd_decile", vec!["2".into(), "1".into()]), ("age_band", vec!["1-4y".into()])]
            ),
            "a:3+4|reviewed:2025|age_band=1-4y&imd_decile={1,2}"
        );
    }

    #[test]
    fn atoms_are_every_area_year_and_value() {
        let n = Name::parse("a:1+2|reviewed:2024-2025|category={a,b}").expect("name");
        let a = atoms(&n).expect("few");
        assert_eq!(a.len(), 8);
        assert!(a.contains(&"a:1|reviewed:2024|category=a".to_string()));
        assert!(a.contains(&"a:2|reviewed:2025|category=b".to_string()));
        let empty = Name::parse("a:1|reviewed:2025|category={}").expect("empty set");
        assert_eq!(atoms(&empty), Some(Vec::new()));
        let one = Name::parse("a:1|reviewed:2025|category=a").expect("atom");
        assert_eq!(atoms(&one), Some(vec!["a:1|reviewed:2025|category=a".to_string()]));
    }
}

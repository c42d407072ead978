//! Reading ONS mid-year population estimates (`reporting.md` §7.1): the MYEB1 table of the
//! time-series workbook (`myebtablesenglandwales2011YYYY.xlsx`) saved as CSV. Long format, one
//! row per authority, sex and single year of age: `ladcode23, laname23, country, sex, age,
//! population_2011, …, population_YYYY`. Sex is coded 1 male, 2 female; age 90 means 90 and over.
//! Only children (ages 0 to 17) of the authorities asked for are kept. Pure.

use crate::store::populations::{Births, ByGroup, ETHNIC_GROUPS, Estimate};

pub use crate::domain::lines::Problem;
use crate::domain::lines::problem;

/// Reads the file, keeping the children of the authorities in `codes`. Every problem is
/// reported (at most 50), and nothing is returned unless there are none.
pub fn read(text: &str, codes: &[String]) -> Result<Vec<Estimate>, Vec<Problem>> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![problem(1, "-", format!("the header cannot be read: {e}"))]),
    };
    let find = |pred: &dyn Fn(&str) -> bool| headers.iter().position(|h| pred(h));
    let code_col = find(&|h| h.starts_with("ladcode") || h == "la_code");
    let (Some(code_col), Some(sex_col), Some(age_col)) =
        (code_col, find(&|h| h == "sex"), find(&|h| h == "age"))
    else {
        return Err(vec![problem(
            1,
            "-",
            format!(
                "expected the MYEB1 columns ladcodeYY, sex, age and population_YYYY (found: {})",
                headers.join(", ")
            ),
        )]);
    };
    let vintage: String = headers[code_col].trim_start_matches("ladcode").to_string();
    let years: Vec<(usize, i32)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix("population_").and_then(|y| y.parse().ok()).map(|y| (i, y)))
        .collect();
    if years.is_empty() {
        return Err(vec![problem(1, "-", "no population_YYYY column: which mid-years does the file hold?")]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut found: Vec<String> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(line, "-", format!("not a CSV row: {e}")));
                continue;
            }
        };
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let code = field(code_col).to_ascii_uppercase();
        if !codes.contains(&code) {
            continue;
        }
        if !found.contains(&code) {
            found.push(code.clone());
        }
        let sex = match field(sex_col).to_ascii_lowercase().as_str() {
            "1" | "m" | "male" => "male",
            "2" | "f" | "female" => "female",
            other => {
                problems.push(problem(
                    line,
                    &headers[sex_col],
                    format!("sex must be 1 (male) or 2 (female), not {other:?}"),
                ));
                continue;
            }
        };
        let age: i32 = match field(age_col).trim_end_matches('+').parse() {
            Ok(a) if (0..=120).contains(&a) => a,
            _ => {
                problems.push(problem(
                    line,
                    &headers[age_col],
                    format!("age must be a whole number of years, not {:?}", field(age_col)),
                ));
                continue;
            }
        };
        if age > 17 {
            continue;
        }
        for (c, year) in &years {
            let raw = field(*c).replace(',', "");
            match raw.parse::<f64>() {
                Ok(n) if n >= 0.0 && n.fract() == 0.0 => out.push(Estimate {
                    la_code: code.clone(),
                    vintage: vintage.clone(),
                    year: *year,
                    sex: sex.into(),
                    age,
                    population: n as u64,
                }),
                _ => problems.push(problem(
                    line,
                    &headers[*c],
                    format!("a population must be a whole number, not {raw:?}"),
                )),
            }
        }
        if problems.len() >= 50 {
            break;
        }
    }
    for code in codes {
        if !found.contains(code) {
            problems.push(problem(0, &headers[code_col], format!("no rows for {code} in the file")));
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// Reads an area's children by group: a CSV with the header `year,imd_decile,population` (one
/// row per mid-year and decile, 1 = most deprived as MHCLG publishes it) or
/// `year,ethnic_group,population` (`white`, `mixed`, `asian`, `black`, `other`, or a label
/// starting with one of those words, such as `Asian or Asian British`), every group present for
/// every year. Returns (year, group as stored, children).
pub fn read_groups(text: &str, by: ByGroup) -> Result<Vec<(i32, String, u64)>, Vec<Problem>> {
    let groups = by.groups();
    match by {
        ByGroup::Deciles => {
            read_year_groups(text, ("imd_decile", "decile"), &groups, "a decile from 1 to 10", |v| {
                v.parse::<i32>().ok().filter(|d| (1..=10).contains(d)).map(|d| d.to_string())
            })
        }
        ByGroup::Ethnicity => {
            let first_word = |v: &str| -> Option<String> {
                let word = v
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect::<String>()
                    .to_ascii_lowercase();
                ETHNIC_GROUPS.contains(&word.as_str()).then_some(word)
            };
            read_year_groups(
                text,
                ("ethnic_group", "group"),
                &groups,
                "one of white, mixed, asian, black or other",
                first_word,
            )
        }
    }
}

/// A CSV with the header `year,GROUP,population`: one row per year and group, each of `groups`
/// present for every year. `column`: the group's column and what one group is called; `parse`
/// reads a group as written, `what` says what it must be.
fn read_year_groups(
    text: &str,
    (group_column, member): (&str, &str),
    groups: &[String],
    what: &str,
    parse: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(i32, String, u64)>, Vec<Problem>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![problem(1, "-", format!("the header cannot be read: {e}"))]),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(y), Some(g), Some(p)) = (col("year"), col(group_column), col("population")) else {
        return Err(vec![problem(
            1,
            "-",
            format!(
                "expected the columns year, {group_column} and population (found: {})",
                headers.join(", ")
            ),
        )]);
    };
    let mut out: Vec<(i32, String, u64)> = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let Ok(record) = record else {
            problems.push(problem(line, "-", "not a CSV row"));
            continue;
        };
        let field = |c: usize| record.get(c).unwrap_or("").trim().replace(',', "");
        let year = field(y).parse::<i32>().ok().filter(|v| (1990..=2200).contains(v));
        let group = parse(record.get(g).unwrap_or("").trim());
        let children = field(p).parse::<u64>().ok();
        match (year, group, children) {
            (Some(year), Some(group), Some(n)) => {
                if out.iter().any(|(oy, og, _)| *oy == year && *og == group) {
                    problems.push(problem(
                        line,
                        group_column,
                        format!("{member} {group} of {year} is given twice"),
                    ));
                } else {
                    out.push((year, group, n));
                }
            }
            (year, group, children) => {
                if year.is_none() {
                    problems.push(problem(
                        line,
                        "year",
                        format!("a mid-year such as 2024, not {:?}", field(y)),
                    ));
                }
                if group.is_none() {
                    problems.push(problem(
                        line,
                        group_column,
                        format!("{what}, not {:?}", record.get(g).unwrap_or("").trim()),
                    ));
                }
                if children.is_none() {
                    problems.push(problem(
                        line,
                        "population",
                        format!("a whole number of children, not {:?}", field(p)),
                    ));
                }
            }
        }
    }
    let mut years: Vec<i32> = out.iter().map(|r| r.0).collect();
    years.sort_unstable();
    years.dedup();
    for year in years {
        let missing: Vec<&str> = groups
            .iter()
            .filter(|gr| !out.iter().any(|(oy, og, _)| *oy == year && og == *gr))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            problems.push(problem(
                0,
                group_column,
                format!("{year} lacks {member}(s) {}", missing.join(", ")),
            ));
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(problem(2, "-", "the file has no rows"));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// Reads live births by local authority (ONS, "Births by area of usual residence of mother",
/// saved as CSV), keeping the authorities in `codes`. The header row is the first one naming an
/// area code column (`Area code`, `ladcodeYY` or `la_code`): the title lines above it in ONS
/// sheets are skipped. Births are in the column headed `live_births` or starting `Live births`
/// (`Live births: total`, `Number of live births`). The calendar year is the `year` column, or
/// `year` for a file of one year without one.
pub fn read_births(text: &str, codes: &[String], year: Option<i32>) -> Result<Vec<Births>, Vec<Problem>> {
    let text = text.trim_start_matches('\u{feff}');
    let is_code =
        |h: &str| h.starts_with("ladcode") || h == "la_code" || h == "area code" || h == "area_code";
    // The header: the first line with an area code column.
    let lines: Vec<&str> = text.lines().collect();
    let names_code =
        |line: &str| line.split(',').any(|c| is_code(&c.trim().trim_matches('"').to_ascii_lowercase()));
    let Some(skipped) = lines.iter().position(|l| names_code(l)) else {
        return Err(vec![problem(
            1,
            "-",
            "no header row naming an area code column (Area code, ladcodeYY or la_code)",
        )]);
    };
    let rest = lines[skipped..].join("\n");
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(rest.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(vec![problem(skipped as u64 + 1, "-", format!("the header cannot be read: {e}"))]);
        }
    };
    let find = |pred: &dyn Fn(&str) -> bool| headers.iter().position(|h| pred(h));
    let code_col = find(&|h| is_code(h));
    let births_col = find(&|h| {
        h == "live_births" || h.starts_with("live births") || h.starts_with("number of live births")
    });
    let year_col = find(&|h| h == "year");
    let header_line = skipped as u64 + 1;
    let (Some(code_col), Some(births_col)) = (code_col, births_col) else {
        return Err(vec![problem(
            header_line,
            "-",
            format!("expected an area code column and a live births column (found: {})", headers.join(", ")),
        )]);
    };
    if year_col.is_none() && year.is_none() {
        return Err(vec![problem(
            header_line,
            "-",
            "the file has no year column: say which calendar year it holds with --year",
        )]);
    }
    let mut out: Vec<Births> = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = header_line + i as u64 + 1;
        let Ok(record) = record else {
            problems.push(problem(line, "-", "not a CSV row"));
            continue;
        };
        let field = |c: usize| record.get(c).unwrap_or("").trim().to_string();
        let code = field(code_col).to_ascii_uppercase();
        if !codes.contains(&code) {
            continue;
        }
        let row_year = match year_col {
            Some(c) => match field(c).parse::<i32>() {
                Ok(y) if (1990..=2200).contains(&y) => y,
                _ => {
                    problems.push(problem(
                        line,
                        &headers[c],
                        format!("a calendar year such as 2024, not {:?}", field(c)),
                    ));
                    continue;
                }
            },
            None => year.unwrap_or_default(),
        };
        let raw = field(births_col).replace(',', "");
        let Ok(births) = raw.parse::<u64>() else {
            problems.push(problem(
                line,
                &headers[births_col],
                format!("a whole number of live births, not {raw:?}"),
            ));
            continue;
        };
        if out.iter().any(|b| b.la_code == code && b.year == row_year) {
            problems.push(problem(line, &headers[code_col], format!("{code} in {row_year} is given twice")));
            continue;
        }
        out.push(Births { la_code: code, year: row_year, births });
    }
    for code in codes {
        if !out.iter().any(|b| &b.la_code == code) {
            problems.push(problem(0, &headers[code_col], format!("no rows for {code} in the file")));
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\u{feff}ladcode23,laname23,country,sex,age,population_2023,population_2024\n\
        E06000063,Cumberland,E,1,0,1000,1010\n\
        E06000063,Cumberland,E,2,17,\"1,200\",1190\n\
        E06000063,Cumberland,E,1,18,900,905\n\
        E06000064,\"Westmorland and Furness\",E,1,0,800,810\n\
        E09000001,\"City of London\",E,1,0,9,9\n";

    #[test]
    fn keeps_the_children_of_the_authorities_asked_for() {
        let rows = read(FILE, &["E06000063".into(), "E06000064".into()]).expect("reads");
        assert_eq!(rows.len(), 6, "two mid-years of three rows under 18");
        assert_eq!(
            rows[0],
            Estimate {
                la_code: "E06000063".into(),
                vintage: "23".into(),
                year: 2023,
                sex: "male".into(),
                age: 0,
                population: 1000
            }
        );
        assert_eq!(rows[2].population, 1200, "thousands separators are read");
        assert_eq!(rows[2].sex, "female");
        assert!(rows.iter().all(|r| r.age <= 17 && r.la_code != "E09000001"));
    }

    #[test]
    fn decile_populations_need_every_decile_of_every_year() {
        let good: String = std::iter::once("year,imd_decile,population".to_string())
            .chain((1..=10).map(|d| format!("2025,{d},\"1,{d}00\"")))
            .collect::<Vec<_>>()
            .join("\n");
        let rows = read_groups(&good, ByGroup::Deciles).expect("reads");
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0], (2025, "1".to_string(), 1100));
        let bad = "year,imd_decile,population\n2025,11,5\n2025,1,x\n";
        let words: Vec<String> =
            read_groups(bad, ByGroup::Deciles).expect_err("refused").iter().map(|p| p.to_string()).collect();
        assert!(words[0].starts_with("line 2, column imd_decile"), "{words:?}");
        assert!(words[1].starts_with("line 3, column population"), "{words:?}");
        assert!(
            read_groups("year,imd_decile,population\n2025,1,5\n", ByGroup::Deciles).expect_err("incomplete")
                [0]
            .reason
            .contains("lacks decile(s) 2, 3")
        );
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let bad = "ladcode23,laname23,country,sex,age,population_2023\n\
            E06000063,C,E,3,0,10\n\
            E06000063,C,E,1,x,10\n\
            E06000063,C,E,1,2,ten\n";
        let problems = read(bad, &["E06000063".into(), "E06000099".into()]).expect_err("refused");
        let words: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(words[0].starts_with("line 2, column sex:"), "{words:?}");
        assert!(words[1].starts_with("line 3, column age:"), "{words:?}");
        assert!(words[2].starts_with("line 4, column population_2023:"), "{words:?}");
        assert!(words[3].contains("no rows for E06000099"), "{words:?}");
        assert!(read("a,b\n1,2\n", &[]).is_err(), "not MYEB1");
    }

    #[test]
    fn live_births_are_read_from_an_ons_sheet_below_its_title_lines() {
        let sheet = "Table 1: Live births by area of usual residence of mother,,\n\
            Source: Office for National Statistics,,\n\
            Area code,Area name,\"Number of live births: total\"\n\
            E06000063,Cumberland,\"2,345\"\n\
            E06000064,Westmorland and Furness,1500\n\
            E09000001,City of London,40\n";
        let rows = read_births(sheet, &["E06000063".into()], Some(2024)).expect("reads");
        assert_eq!(rows, vec![Births { la_code: "E06000063".into(), year: 2024, births: 2345 }]);
        let problems = read_births(sheet, &["E06000063".into()], None).expect_err("no year");
        assert!(problems[0].to_string().contains("--year"), "{}", problems[0]);
        let long = "la_code,year,live_births\nE06000063,2023,2300\nE06000063,2024,lots\nE06000063,2023,1\n";
        let problems =
            read_births(long, &["E06000063".into(), "E06000099".into()], None).expect_err("bad rows");
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[0].contains("line 3, column live_births: a whole number of live births, not \"lots\""),
            "{said:?}"
        );
        assert!(said[1].contains("line 4") && said[1].contains("given twice"), "{said:?}");
        assert!(said[2].contains("no rows for E06000099"), "{said:?}");
    }
}

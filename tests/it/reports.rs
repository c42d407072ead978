//! The annual report over a constructed dataset whose every figure is known by hand: cases
//! notified in one year and reviewed in another, an insufficient-information review, cases with
//! no deprivation decile, a review signed off the day after the year, another area's cases.

use std::io::Read;

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::{Backend, TestApp, notification};

/// A valid NHS number from nine digits (the check digit computed; 10 means pick another).
fn nhs(seed: u32) -> String {
    let mut base = 400_000_000 + seed * 7919;
    loop {
        let digits: Vec<u32> = format!("{base:09}").chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let check = (11 - sum % 11) % 11;
        if check != 10 {
            return format!("{base:09}{check}");
        }
        base += 1;
    }
}

/// A review: signed off on, days from death to sign-off, category, modifiable outcome, domains
/// with a factor graded 2, themes.
type Review =
    (&'static str, i32, &'static str, &'static str, &'static [&'static str], &'static [&'static str]);

/// One constructed case: notified year, age band, sex, ethnicity, decile, expected; then the
/// review (date, days from death to sign-off, category, modifiable, grade-2 domains, themes).
pub(crate) struct Made {
    year: i32,
    band: &'static str,
    sex: &'static str,
    ethnicity: &'static str,
    decile: Option<i32>,
    expected: bool,
    review: Option<Review>,
}

const fn made(
    year: i32,
    band: &'static str,
    sex: &'static str,
    ethnicity: &'static str,
    decile: Option<i32>,
    expected: bool,
) -> Made {
    Made { year, band, sex, ethnicity, decile, expected, review: None }
}

pub(crate) fn dataset() -> Vec<Made> {
    let r = |m: Made, review| Made { review: Some(review), ..m };
    vec![
        // Notified in 2025/26.
        r(
            made(2025, "0-27d", "female", "A", Some(1), true),
            ("2025-09-01", 100, "perinatal_neonatal", "none_identified", &[], &[]),
        ),
        r(
            made(2025, "0-27d", "female", "A", Some(1), true),
            ("2025-10-01", 150, "perinatal_neonatal", "none_identified", &[], &[]),
        ),
        r(
            made(2025, "0-27d", "male", "A", Some(1), false),
            ("2026-01-10", 200, "perinatal_neonatal", "identified", &["b"], &["smoking"]),
        ),
        made(2025, "0-27d", "female", "A", Some(1), true),
        made(2025, "0-27d", "male", "A", Some(2), false),
        r(
            made(2025, "28-364d", "female", "A", Some(2), false),
            ("2026-02-01", 250, "sudden_unexplained", "identified", &["b", "c"], &["safe_sleep", "smoking"]),
        ),
        r(
            made(2025, "28-364d", "male", "A", None, false),
            ("2026-03-31", 300, "sudden_unexplained", "insufficient", &[], &["safe_sleep"]),
        ),
        made(2025, "28-364d", "female", "A", None, true),
        r(
            made(2025, "1-4y", "female", "H", Some(7), false),
            ("2025-12-01", 320, "infection", "none_identified", &[], &[]),
        ),
        made(2025, "1-4y", "male", "H", None, true),
        // Signed off the day after the year ends: open at year end, reviewed next year.
        r(
            made(2025, "15-17y", "female", "Z", None, false),
            ("2026-04-01", 380, "suicide_self_harm", "identified", &["a", "b"], &["suicide_self_harm"]),
        ),
        made(2025, "15-17y", "male", "Z", None, false),
        // Notified in 2024/25, reviewed in 2025/26.
        r(
            made(2024, "0-27d", "female", "A", Some(1), true),
            ("2025-05-01", 400, "perinatal_neonatal", "none_identified", &[], &[]),
        ),
        r(
            made(2024, "5-9y", "male", "A", Some(3), true),
            ("2025-06-01", 500, "malignancy", "none_identified", &[], &[]),
        ),
        r(
            made(2024, "10-14y", "female", "A", Some(5), false),
            ("2025-07-01", 800, "infection", "insufficient", &[], &[]),
        ),
        // Notified in 2023/24, still open.
        made(2023, "1-4y", "male", "A", Some(4), false),
        made(2023, "5-9y", "female", "A", Some(4), true),
    ]
}

/// Notifies each case through the API, then sets its coded record and review as constructed.
pub(crate) async fn construct(app: &TestApp, token: &str, area: &str, cases: &[Made], offset: u32) {
    for (i, m) in cases.iter().enumerate() {
        let (status, body) = app
            .notify_api(token, &notification(area, "Ann", "Example", &nhs(offset + i as u32), "AB1 2CD"))
            .await;
        assert_eq!(status, 201, "{body}");
        let reference = body["case_reference"].as_str().expect("reference").to_string();
        let decile = m.decile.map(|d| d.to_string()).unwrap_or_else(|| "NULL".into());
        let mut set = format!(
            "reporting_year = {}, age_band = '{}', sex = '{}', ethnicity = '{}', imd_decile = {decile}, expected = {}, duplicate_status = 'none'",
            m.year, m.band, m.sex, m.ethnicity, m.expected
        );
        if let Some((on, days, category, modifiable, domains, themes)) = m.review {
            // The month of death, as sign-off records it.
            let signed = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d").expect("a date");
            let month = cdop::store::cases::death_month(signed, Some(days)).expect("a month");
            set.push_str(&format!(
                ", status = 'reviewed', review_completed_on = '{on}', days_to_review = {days}, death_month = {month}"
            ));
            app.sql(&format!("UPDATE cases SET {set} WHERE reference = '{reference}'")).await;
            let t = app.sql_time(chrono::Utc::now());
            app.sql(&format!(
                "INSERT INTO analyses (case_id, revision, form_version, status, category, modifiable, sealed_key, created_at, updated_at, version) \
                 SELECT id, 1, 'DHSC-2018', 'signed', '{category}', '{modifiable}', '', {t}, {t}, 1 FROM cases WHERE reference = '{reference}'"
            ))
            .await;
            let answer = |key: &str, row: usize, value: &str| {
                format!(
                    "INSERT INTO analysis_answers (analysis_id, item_key, row_no, value) SELECT a.id, '{key}', {row}, '{value}' \
                     FROM analyses a JOIN cases c ON c.id = a.case_id WHERE c.reference = '{reference}'"
                )
            };
            for (row, d) in domains.iter().enumerate() {
                app.sql(&answer("factors.domain", row, d)).await;
                app.sql(&answer("factors.grade", row, "grade_2")).await;
            }
            // A factor graded 1 never counts.
            app.sql(&answer("factors.domain", 9, "d")).await;
            app.sql(&answer("factors.grade", 9, "grade_1")).await;
            for t in themes.iter() {
                app.sql(&answer("themes", 0, t)).await;
            }
        } else {
            app.sql(&format!("UPDATE cases SET {set} WHERE reference = '{reference}'")).await;
        }
    }
}

/// The rows of the table with this id, each cell's text (row headers included).
pub(crate) fn table(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no table {id}"));
    let body = &html[start..];
    let body = &body[body.find("<tbody").expect("tbody")..body.find("</table>").expect("end")];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let mut cells = Vec::new();
            for part in row.split("<t").skip(1) {
                if !(part.starts_with('d') || part.starts_with('h')) {
                    continue;
                }
                let inner = &part[part.find('>').map(|i| i + 1).unwrap_or(0)..];
                let mut text = String::new();
                let mut tag = false;
                for ch in inner.chars() {
                    match ch {
                        '<' => tag = true,
                        '>' => tag = false,
                        _ if !tag => text.push(ch),
                        _ => {}
                    }
                }
                cells.push(text.trim().to_string());
            }
            cells
        })
        .collect()
}

/// The column headings of the table with this id.
fn headings(html: &str, id: &str) -> Vec<String> {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no table {id}"));
    let head = &html[start..];
    let head = &head[head.find("<thead").expect("thead")..head.find("</thead>").expect("end")];
    head.split("<th")
        .skip(1)
        .filter(|h| !h.starts_with("ead"))
        .map(|h| {
            let inner = &h[h.find('>').map(|i| i + 1).unwrap_or(0)..];
            inner[..inner.find("</th>").unwrap_or(inner.len())].trim().to_string()
        })
        .collect()
}

pub(crate) fn row<'a>(rows: &'a [Vec<String>], label: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r.first().map(String::as_str) == Some(label))
        .unwrap_or_else(|| panic!("no row {label} in {rows:?}"))
}

pub(crate) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The tables of counts (the others hold medians, shares and kappa).
const FIGURE_TABLES: [&str; 4] =
    ["timeliness", "agency-return-days", "data-completeness", "prepanel-agreement"];

fn table_ids(html: &str) -> Vec<String> {
    html.split("<table class=\"govuk-table\" id=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap_or(0)].to_string())
        .collect()
}

both_backends!(annual_report_gives_the_hand_computed_figures_in_both_modes, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let south = app.area("Southshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north, south]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    // Another area's reviewed 2025 death: counted only when that area is chosen.
    let other = [Made {
        review: Some(("2025-08-01", 90, "infection", "identified", &["d"], &[])),
        ..made(2025, "0-27d", "male", "A", Some(1), false)
    }];
    construct(&app, &token, "Southshire", &other, 100).await;

    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    let (status, html) = chair.page("/reports/annual?year=2025&mode=internal").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Internal version") && html.contains("Northshire, 2025/26"),
        "chair sees only Northshire"
    );

    assert_eq!(
        table(&html, "notified-age"),
        vec![
            strings(&["Under 28 days", "5", "41.7%"]),
            strings(&["28 to 364 days", "3", "25.0%"]),
            strings(&["1 to 4 years", "2", "16.7%"]),
            strings(&["5 to 9 years", "0", "0.0%"]),
            strings(&["10 to 14 years", "0", "0.0%"]),
            strings(&["15 to 17 years", "2", "16.7%"]),
            strings(&["Total", "12", "100.0%"]),
        ]
    );
    let sex = table(&html, "notified-sex");
    assert_eq!(row(&sex, "Female"), strings(&["Female", "7", "58.3%"]));
    assert_eq!(row(&sex, "Male"), strings(&["Male", "5", "41.7%"]));
    let eth = table(&html, "notified-ethnicity");
    assert_eq!(row(&eth, "White"), strings(&["White", "8", "66.7%"]));
    assert_eq!(row(&eth, "Asian or Asian British"), strings(&["Asian or Asian British", "2", "16.7%"]));
    assert_eq!(row(&eth, "Not stated or not known"), strings(&["Not stated or not known", "2", "16.7%"]));
    let dep = table(&html, "notified-deprivation");
    assert_eq!(
        row(&dep, "Quintile 1 (deciles 1 and 2)"),
        strings(&["Quintile 1 (deciles 1 and 2)", "4", "2", "0", "6", "50.0%"])
    );
    assert_eq!(
        row(&dep, "Quintile 4 (deciles 7 and 8)"),
        strings(&["Quintile 4 (deciles 7 and 8)", "1", "0", "0", "1", "8.3%"])
    );
    assert_eq!(row(&dep, "Not known"), strings(&["Not known", "0", "0", "5", "5", "41.7%"]));
    assert_eq!(row(&dep, "Total"), strings(&["Total", "5", "2", "5", "12", "100.0%"]));
    let expected = table(&html, "notified-expected");
    assert_eq!(row(&expected, "Unexpected"), strings(&["Unexpected", "7", "58.3%"]));

    // Reviews completed in 2025/26: nine, three of them deaths notified in 2024/25.
    let by_year = table(&html, "reviewed-by-year-notified");
    assert_eq!(row(&by_year, "2025/26"), strings(&["2025/26", "6", "66.7%"]));
    assert_eq!(row(&by_year, "2024/25"), strings(&["2024/25", "3", "33.3%"]));
    assert_eq!(row(&by_year, "Total"), strings(&["Total", "9", "100.0%"]));
    let cat = table(&html, "reviewed-category-modifiable");
    assert_eq!(
        row(&cat, "8 – Perinatal / neonatal event"),
        strings(&["8 – Perinatal / neonatal event", "1", "3", "0", "4", "44.4%", "25.0%"])
    );
    assert_eq!(
        row(&cat, "10 – Sudden unexpected, unexplained death"),
        strings(&["10 – Sudden unexpected, unexplained death", "1", "0", "1", "2", "22.2%", "100.0%"])
    );
    assert_eq!(row(&cat, "9 – Infection"), strings(&["9 – Infection", "0", "1", "1", "2", "22.2%", "0.0%"]));
    assert_eq!(
        row(&cat, "Total"),
        strings(&["Total", "2", "5", "2", "9", "100.0%", "28.6%"]),
        "2 of the 7 with enough information"
    );
    assert!(html.contains("taken over the reviews with enough information"), "the denominator is named");
    let by_age = table(&html, "reviewed-age-modifiable");
    assert_eq!(
        row(&by_age, "Under 28 days"),
        strings(&["Under 28 days", "1", "3", "0", "4", "44.4%", "25.0%"])
    );
    assert_eq!(
        row(&by_age, "28 to 364 days"),
        strings(&["28 to 364 days", "1", "0", "1", "2", "22.2%", "100.0%"])
    );
    // The two bands under one year summed, after the bands: 6 of the 9 reviews, 2 of the 5 with
    // enough information with modifiable factors. The bands' shares add up to 100.0% without it.
    assert_eq!(
        row(&by_age, "Under 1 year (0 to 364 days)"),
        strings(&["Under 1 year (0 to 364 days)", "2", "3", "1", "6", "66.7%", "40.0%"])
    );
    assert_eq!(by_age.last().map(|r| r[0].as_str()), Some("Total"), "the total stays last");
    let domains = table(&html, "reviewed-factor-domains");
    assert_eq!(
        row(&domains, "B. Factors in the social environment, including family and parenting capacity")[1..],
        strings(&["2", "0", "0", "22.2%"])
    );
    assert_eq!(
        row(&domains, "C. Factors in the physical environment")[1..],
        strings(&["1", "0", "0", "11.1%"])
    );
    assert_eq!(
        row(&domains, "D. Factors in service provision")[1..],
        strings(&["0", "0", "0", "0.0%"]),
        "grade 1 never counts"
    );
    let themes = table(&html, "reviewed-themes");
    assert_eq!(themes.len(), 2, "themes no review had are left out: {themes:?}");
    assert_eq!(
        row(&themes, "Safe sleep / co-sleeping"),
        strings(&["Safe sleep / co-sleeping", "2", "22.2%"])
    );
    let time = table(&html, "timeliness");
    assert_eq!(
        row(&time, "Death to sign-off of the review"),
        strings(&["Death to sign-off of the review", "9", "300", "200", "400", "22.2%", "66.7%"])
    );
    let bands = table(&html, "time-to-sign-off");
    assert_eq!(
        bands.iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        strings(&["2", "4", "2", "0", "1", "9"])
    );
    let open = table(&html, "open-at-year-end");
    assert_eq!(row(&open, "Notified in 2025/26"), strings(&["Notified in 2025/26", "6", "75.0%"]));
    assert_eq!(row(&open, "Notified in 2023/24"), strings(&["Notified in 2023/24", "2", "25.0%"]));
    let reviewed_trend = table(&html, "trend-reviewed");
    assert_eq!(
        reviewed_trend.iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        strings(&["0", "0", "0", "0", "9"]),
        "by sign-off date; 1 April 2026 falls in the next year (no five-year total)"
    );
    let trend = table(&html, "trend-notified");
    assert_eq!(trend.iter().map(|r| r[1].clone()).collect::<Vec<_>>(), strings(&["0", "0", "2", "3", "12"]));
    let completeness = table(&html, "data-completeness");
    assert_eq!(
        row(&completeness, "Notification: ethnicity"),
        strings(&["Notification: ethnicity", "12", "10 (83.3%)", "2 (16.7%)", "0 (0.0%)"])
    );
    assert_eq!(
        row(&completeness, "Notification: deprivation decile (from the postcode)"),
        strings(&[
            "Notification: deprivation decile (from the postcode)",
            "12",
            "7 (58.3%)",
            "0 (0.0%)",
            "5 (41.7%)"
        ])
    );
    assert!(html.contains("Rates per 100,000 children are not available"), "no population: said plainly");
    assert!(
        html.contains("Deaths notified in the year")
            && html.contains("Reviews completed in the year (by sign-off date)")
    );
    assert!(html.contains("<svg") && html.contains("role=\"img\""), "charts are drawn");

    // Both areas combined (a coordinator of both): the other area's review joins the count.
    let both = app.signed_in("coord@example.org", &[Role::Coordinator], &[north, south]).await;
    let (_, html_both) = both.page("/reports/annual?year=2025").await;
    assert!(html_both.contains("Internal version"), "internal is the default for coordinators");
    assert_eq!(row(&table(&html_both, "reviewed-category-modifiable"), "Total")[4], "10");
    assert_eq!(row(&table(&html_both, "notified-area"), "Southshire")[1], "1");
    let (_, html_south) = both.page(&format!("/reports/annual?year=2025&area={south}")).await;
    assert_eq!(row(&table(&html_south, "notified-age"), "Total")[1], "1");
    let (status, _) = chair.page(&format!("/reports/annual?year=2025&area={south}")).await;
    assert_eq!(status, 404, "an area that is not the chair's");

    // Published: no count from 1 to 4 anywhere, and no row or column with exactly one hidden
    // figure beside a shown total (which would give it away by subtraction).
    let (status, public) = chair.page("/reports/annual?year=2025&mode=published").await;
    assert_eq!(status, 200);
    assert!(public.contains("Published version") && public.contains("Counts from 1 to 4 are not shown"));
    assert!(!public.contains("notified-ethnicity-detail"), "detailed codes stay internal");
    for id in table_ids(&public).iter().filter(|id| !FIGURE_TABLES.contains(&id.as_str())) {
        let rows = table(&public, id);
        for r in &rows {
            for c in &r[1..] {
                assert!(!matches!(c.parse::<u64>(), Ok(1..=4)), "{id}: {r:?}");
            }
        }
        let heads = headings(&public, id);
        let counted: Vec<usize> =
            (1..heads.len()).filter(|i| !heads[*i].contains('%') && heads[*i] != "Percentage").collect();
        let total_col = heads.iter().position(|h| h == "Total");
        let body: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] != "Total").collect();
        if let Some(t) = total_col {
            for r in &body {
                let hidden = counted.iter().filter(|c| **c != t && r[**c] == "*").count();
                assert!(r[t] == "*" || hidden != 1, "{id}: one hidden cell beside a shown row total: {r:?}");
            }
        }
        if let Some(total_row) = rows.iter().find(|r| r[0] == "Total") {
            for c in &counted {
                let hidden = body.iter().filter(|r| r[*c] == "*").count();
                assert!(
                    total_row[*c] == "*" || hidden != 1,
                    "{id}: one hidden cell in column {c} beside a shown total: {rows:?}"
                );
            }
        }
    }
    let age = table(&public, "notified-age");
    // Southshire's only death was under 28 days: with Northshire's 5 and the combined 6 both
    // shown, it would be one subtraction away, so Northshire's 5 is hidden too (the year's areas
    // and their combination are suppressed together).
    assert_eq!(row(&age, "Under 28 days"), strings(&["Under 28 days", "*", "*"]));
    assert_eq!(row(&age, "28 to 364 days"), strings(&["28 to 364 days", "*", "*"]));
    assert_eq!(row(&age, "Total"), strings(&["Total", "12", "100.0%"]), "totals stay true");
    let time = table(&public, "timeliness");
    assert_eq!(
        row(&time, "Death to sign-off of the review")[2],
        "300",
        "a median over nine reviews is shown"
    );

    // The CSV files carry the same figures, formula-safe.
    let (status, _, bytes) = chair.download("/reports/annual.zip?year=2025&area=&mode=internal").await;
    assert_eq!(status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|n| n.to_string())).collect();
    let age_file = names.iter().find(|n| n.ends_with("notified-age.csv")).expect("age table file").clone();
    let mut text = String::new();
    zip.by_name(&age_file).expect("file").read_to_string(&mut text).expect("utf-8");
    assert!(text.contains("Under 28 days,5,41.7%\r\n") && text.contains("Total,12,100.0%\r\n"), "{text}");
    assert!(text.contains("Basis: Deaths notified in the year"), "{text}");
    assert!(text.contains("Internal: true counts"), "{text}");
    let events = app
        .sql_strings("SELECT details FROM audit_events WHERE action = 'report.downloaded' ORDER BY seq")
        .await;
    assert_eq!(events.first().map(String::as_str), Some("year=2025&area=&mode=internal&format=zip"));

    // The PDF (read back with pdftotext) and the workbook carry the same figures.
    let (status, _, pdf) = chair.download("/reports/annual.pdf?year=2025&mode=internal").await;
    assert_eq!(status, 200);
    let (text, meta) = crate::common::pdf_text(&pdf);
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for line in [
        "Under 28 days 5 41.7%",
        "28 to 364 days 3 25.0%",
        "Total 12 100.0%",
        "Total 2 5 2 9 100.0% 28.6%",
        "Death to sign-off of the review 9 300 200 400 22.2% 66.7%",
        "Rates per 100,000 children are not available",
    ] {
        assert!(squeezed.contains(line), "the PDF lacks {line:?}: {squeezed}");
    }
    assert!(meta.contains("pdfuaid") || meta.contains("PDF/UA"), "tagged PDF/UA: {meta}");
    let (status, _, xlsx) = chair.download("/reports/annual.xlsx?year=2025&mode=internal").await;
    assert_eq!(status, 200);
    let mut book = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("xlsx is a zip");
    let mut workbook = String::new();
    book.by_name("xl/workbook.xml").expect("workbook").read_to_string(&mut workbook).expect("xml");
    let sheets: Vec<&str> =
        workbook.split("<sheet name=\"").skip(1).map(|s| &s[..s.find('"').unwrap_or(0)]).collect();
    let position =
        sheets.iter().position(|n| n.ends_with("notified-age")).expect("a sheet for the age table");
    let mut sheet = String::new();
    book.by_name(&format!("xl/worksheets/sheet{}.xml", position + 1))
        .expect("sheet")
        .read_to_string(&mut sheet)
        .expect("xml");
    for value in ["<v>5</v>", "<v>3</v>", "<v>12</v>", "<v>0.417</v>", "<v>1</v>"] {
        assert!(sheet.contains(value), "the age sheet lacks {value}: {sheet}");
    }
    let mut strings = String::new();
    book.by_name("xl/sharedStrings.xml").expect("strings").read_to_string(&mut strings).expect("xml");
    assert!(strings.contains("Under 28 days") && strings.contains("Basis: Deaths notified in the year"));

    // The API gives the same figures, and the same refusals.
    let api_token = app.token_for("api-chair@example.org", &[Role::PanelChair], &[north]).await;
    let api = |path: &str, token: &str| {
        reqwest::Client::new().get(app.url(path)).bearer_auth(token.to_string()).send()
    };
    let res = api("/api/v1/reports/annual?year=2025&mode=internal", &api_token).await.expect("sent");
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.expect("json");
    assert_eq!(doc["mode"], "internal");
    let age = doc["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["blocks"].as_array().cloned().unwrap_or_default())
        .find(|b| b["key"] == "notified-age")
        .expect("the age table");
    assert_eq!(age["rows"][0], serde_json::json!(["Under 28 days", "5", "41.7%"]));
    assert_eq!(age["total"], serde_json::json!(["Total", "12", "100.0%"]));
    let res =
        api("/api/v1/reports/annual?year=2025&mode=published&format=pdf", &api_token).await.expect("sent");
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let res = api("/api/v1/reports/annual?year=2025&format=docx", &api_token).await.expect("sent");
    assert_eq!(res.status(), 400);
    let member_token = app.token_for("api-member@example.org", &[Role::PanelMember], &[north]).await;
    let res = api("/api/v1/reports/annual?year=2025&mode=internal", &member_token).await.expect("sent");
    assert_eq!(res.status(), 403);
    let res = api("/api/v1/reports/annual?year=2025", &member_token).await.expect("sent");
    let doc: serde_json::Value = res.json().await.expect("json");
    assert_eq!(doc["mode"], "published", "published is the default for those without internal");

    // Panel members run the published report only.
    let member = app.signed_in("member@example.org", &[Role::PanelMember], &[north]).await;
    let (status, _) = member.page("/reports/annual?year=2025&mode=internal").await;
    assert_eq!(status, 403, "panel members cannot run internal reports");
    let (status, _, _) = member.download("/reports/annual.zip?year=2025&mode=internal").await;
    assert_eq!(status, 403);
    let (status, html) = member.page("/reports/annual?year=2025").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Published version") && !html.contains("value=\"internal\""),
        "no internal option offered"
    );
});

/// An MYEB1 table saved as CSV: Northshire is E06000063 (3,400 girls and 3,600 boys at every
/// age from 0 to 17 in mid-2025: 126,000 children), with mid-2024, adults and another
/// authority that the import must leave out.
pub(crate) fn population_file() -> String {
    let mut out = String::from("ladcode23,laname23,country,sex,age,population_2024,population_2025\n");
    for age in 0..=19 {
        out.push_str(&format!("E06000063,Northshire,E,1,{age},9999,3600\n"));
        out.push_str(&format!("E06000063,Northshire,E,2,{age},9999,\"3,400\"\n"));
        out.push_str(&format!("E06000099,\"Elsewhere, Other\",E,1,{age},5000,5000\n"));
    }
    out
}

both_backends!(rates_come_from_an_imported_population_file, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    let (_, html) = chair.page("/reports/annual?year=2025").await;
    assert!(
        html.contains("Rates per 100,000 children are not available"),
        "no population loaded: said plainly"
    );
    assert!(!html.contains("id=\"notified-rates\""));

    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let count = || async { app.sql_strings("SELECT CAST(COUNT(*) AS TEXT) FROM populations").await };
    // A file with three bad rows is refused, each named by line and column; nothing is stored.
    let bad = population_file()
        .replacen("E06000063,Northshire,E,1,3,9999,3600", "E06000063,Northshire,E,3,3,9999,3600", 1)
        .replacen(
            "E06000063,Northshire,E,2,5,9999,\"3,400\"",
            "E06000063,Northshire,E,2,five,9999,\"3,400\"",
            1,
        )
        .replacen("E06000063,Northshire,E,1,7,9999,3600", "E06000063,Northshire,E,1,7,9999,lots", 1);
    std::fs::write(app.dir.join("bad.csv"), bad).expect("written");
    let out = crate::common::process::run(
        &app.dir,
        &env,
        &["reference", "import-population", "bad.csv", "--area", "Northshire=E06000063"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused");
    for expected in [
        "line 11, column sex",
        "line 18, column age",
        "line 23, column population_2025",
        "nothing was imported",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    assert_eq!(count().await, vec!["0".to_string()]);

    std::fs::write(app.dir.join("myeb1.csv"), population_file()).expect("written");
    for _ in 0..2 {
        let out = crate::common::process::run(
            &app.dir,
            &env,
            &["reference", "import-population", "myeb1.csv", "--area", "Northshire=E06000063"],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 72 population estimates"));
        assert_eq!(count().await, vec!["72".to_string()], "a re-import adds nothing");
    }

    let (_, html) = chair.page("/reports/annual?year=2025").await;
    let rates = table(&html, "notified-rates");
    assert_eq!(
        row(&rates, "All children (0 to 17 years)"),
        strings(&[
            "All children (0 to 17 years)",
            "12",
            "126,000",
            "9.5",
            "4.9 to 16.6",
            "Unreliable: fewer than 20 deaths"
        ])
    );
    assert_eq!(row(&rates, "Under 1 year")[1..5], strings(&["8", "7,000", "114.3", "49.2 to 225.2"]));
    assert_eq!(row(&rates, "1 to 4 years")[3], "–", "no rate under three deaths");
    assert_eq!(row(&rates, "Female")[1..5], strings(&["7", "61,200", "11.4", "4.6 to 23.6"]));
    assert_eq!(row(&rates, "Male")[1..5], strings(&["5", "64,800", "7.7", "2.5 to 18.0"]));
    assert!(html.contains("ONS mid-2025 population estimates"));
    // Rates by deprivation decile, once children by decile are loaded; three more deaths in
    // the least deprived decile give both ends a rate.
    let (_, html) = chair.page("/reports/annual?year=2025").await;
    assert!(html.contains("no children by decile are loaded"));
    let least = [
        made(2025, "1-4y", "male", "A", Some(10), true),
        made(2025, "5-9y", "female", "A", Some(10), true),
        made(2025, "10-14y", "male", "A", Some(10), false),
    ];
    construct(&app, &token, "Northshire", &least, 200).await;
    let deciles: String = std::iter::once("year,imd_decile,population".to_string())
        .chain((1..=10).map(|d| {
            format!(
                "2025,{d},{}",
                match d {
                    1 => 20_000,
                    10 => 12_000,
                    _ => 8_000,
                }
            )
        }))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(app.dir.join("deciles.csv"), deciles).expect("written");
    let out = crate::common::process::run(
        &app.dir,
        &env,
        &["reference", "import-decile-population", "deciles.csv", "--area", "Northshire"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, html) = chair.page("/reports/annual?year=2025").await;
    let by_decile = table(&html, "notified-decile-rates");
    assert_eq!(
        row(&by_decile, "Decile 1 (most deprived)")[1..5],
        strings(&["4", "20,000", "20.0", "5.4 to 51.2"])
    );
    assert_eq!(
        row(&by_decile, "Decile 10 (least deprived)")[1..5],
        strings(&["3", "12,000", "25.0", "5.0 to 73.0"])
    );
    assert_eq!(
        row(&by_decile, "Rate ratio, decile 1 to decile 10")[3..5],
        strings(&["0.80", "0.18 to 3.57"])
    );
    assert_eq!(row(&by_decile, "Decile 2")[3], "–", "no rate under three deaths");

    // Published: a rate is never shown beside a hidden count.
    let (_, public) = chair.page("/reports/annual?year=2025&mode=published").await;
    let rates = table(&public, "notified-rates");
    assert_eq!(row(&table(&public, "notified-age"), "28 to 364 days")[1], "*");
    assert_eq!(
        row(&rates, "Under 1 year")[1..5],
        strings(&["*", "7,000", "*", "*"]),
        "built on a hidden count"
    );
    assert_eq!(
        row(&rates, "All children (0 to 17 years)")[3],
        "11.9",
        "15 deaths since the three were added"
    );
    assert_eq!(row(&rates, "1 to 4 years")[1], "*");
});

both_backends!(thematic_reports_count_what_their_filter_names, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    let (status, list) = chair.page("/reports/themes").await;
    assert_eq!(status, 200);
    for title in ["Suicide and self-harm", "Drowning", "Neonatal deaths", "Life-limiting conditions"] {
        assert!(list.contains(title), "{title} listed");
    }

    // Sudden unexpected deaths with safe sleep: two unexpected reviews in 2025/26 (one sudden
    // and unexplained with safe sleep, one with insufficient information); the one signed off on
    // 1 April 2026 is outside the window.
    let (status, html) = chair.page("/reports/themes/sudic?year=2025&mode=internal").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Thematic report: Sudden unexpected deaths in infancy and childhood"));
    assert!(html.contains("2021/22 to 2025/26"), "the window");
    let years = table(&html, "sudic-year");
    assert_eq!(
        years.iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        strings(&["0", "0", "0", "0", "2", "2"])
    );
    assert_eq!(
        row(&table(&html, "sudic-modifiable"), "All reviews in this theme"),
        strings(&["All reviews in this theme", "1", "0", "1", "2", "100.0%"])
    );
    assert_eq!(
        row(&table(&html, "sudic-themes"), "Safe sleep / co-sleeping")[1..],
        strings(&["2", "100.0%"])
    );
    assert!(html.contains("Rates are not available"), "no populations for the window");
    // Neonatal deaths: the four reviews of children under 28 days, one notified the year before.
    let (_, html) = chair.page("/reports/themes/neonatal?year=2025&mode=internal").await;
    assert_eq!(
        row(&table(&html, "neonatal-category"), "8 – Perinatal / neonatal event"),
        strings(&["8 – Perinatal / neonatal event", "1", "3", "0", "4", "25.0%"])
    );
    // Published: the twos are hidden, the total kept true.
    let (_, public) = chair.page("/reports/themes/sudic?year=2025&mode=published").await;
    assert!(
        public.contains("Published versions cover fixed periods of 5 years")
            && public.contains("2024/25 to 2028/29"),
        "a published theme covers the fixed window containing the year asked"
    );
    let years = table(&public, "sudic-year");
    assert_eq!(row(&years, "2025/26")[1], "*");
    assert!(table(&public, "sudic-year").iter().all(|r| r[0] != "2021/22"), "not the window asked for");
    let (status, _, pdf) = chair.download("/reports/themes/sudic.pdf?year=2025&mode=published").await;
    assert_eq!(status, 200);
    let (text, _) = crate::common::pdf_text(&pdf);
    assert!(text.contains("Thematic report"), "{text}");
    let (status, _) = chair.page("/reports/themes/nonsense").await;
    assert_eq!(status, 404);
    let events =
        app.sql_strings("SELECT object_ref FROM audit_events WHERE action = 'report.downloaded'").await;
    assert_eq!(events, vec!["theme:sudic".to_string()]);
});

both_backends!(the_command_line_refuses_unclear_years_and_misnamed_files, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    app.area("Cumberland").await;
    let current = cdop::domain::dates::ReportingYear::of(app.state.clock.today());
    let run = |args: &[&str]| {
        let mut all = vec!["reports", "annual"];
        all.extend_from_slice(args);
        let out = crate::common::process::run(&app.dir, &[("CDOP__DATABASE__URL", &app.db.url)], &all);
        (out.status.success(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let file = |name: &str| app.dir.join(name).display().to_string();

    // A second year that does not follow the first was read as 2019/20: now refused, saying how.
    let (ok, said) = run(&["--year", "2019/21", "--out", &file("a.html")]);
    assert!(!ok && said.contains("--year 2019/21") && said.contains("must follow the first"), "{said}");
    // A year that has not started was accepted (and gave an empty report).
    let next = (current.0 + 1).to_string();
    let (ok, said) = run(&["--year", &next, "--out", &file("a.html")]);
    assert!(!ok && said.contains("has not started") && said.contains(&current.to_string()), "{said}");
    // `--format csv` writes a zip of CSV files: a `.csv` name is refused, `.zip` written.
    let (ok, said) = run(&["--year", "2019", "--format", "csv", "--out", &file("report.csv")]);
    assert!(!ok && said.contains("a zip of one CSV file per table") && said.contains("report.zip"), "{said}");
    assert!(!app.dir.join("report.csv").exists(), "nothing written");
    let (ok, said) = run(&["--year", "2019/20", "--format", "csv", "--out", &file("report.zip")]);
    assert!(ok, "{said}");
    assert!(std::fs::read(app.dir.join("report.zip")).expect("written").starts_with(b"PK"));
    let (ok, said) = run(&["--year", "2019-20", "--format", "xlsx", "--out", &file("report")]);
    assert!(ok, "no extension is fine: {said}");

    // The page offers every year with data, not only the last eight.
    let area = app.area("Cumberland").await;
    let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (status, _) =
        app.notify_api(&token, &notification("Cumberland", "Old", "Record", "943 476 5919", "CA1 1AA")).await;
    assert_eq!(status, 201);
    app.sql("UPDATE cases SET reporting_year = 2011").await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    let (status, page) = chair.page("/reports/annual").await;
    assert_eq!(status, 200);
    for y in [2011, 2015, current.0 - 1] {
        assert!(page.contains(&format!("value=\"{y}\"")), "{y} offered");
    }
    assert!(!page.contains("value=\"2010\""), "no year before the data");
    let (status, _) = chair.page(&format!("/reports/annual?year={}", current.0 + 1)).await;
    assert_eq!(status, 400, "a year that has not started is refused");
});

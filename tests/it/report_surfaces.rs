//! Thematic and saved reports from every surface: the page, the API and the command line give
//! the same figures over the same windows, with the same refusals, and every report written or
//! downloaded is audited.

use cdop::domain::role::Role;
use serde_json::Value;

use crate::both_backends;
use crate::common::{Backend, TestApp};
use crate::reports::{construct, dataset, row, strings, table};

/// The rows (header cell first) of the table `key` in a report's JSON.
fn json_table(doc: &Value, key: &str) -> Vec<Vec<String>> {
    let block = doc["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["blocks"].as_array().cloned().unwrap_or_default())
        .find(|b| b["key"] == key)
        .unwrap_or_else(|| panic!("no table {key}"));
    let cells = |r: &Value| -> Vec<String> {
        r.as_array().into_iter().flatten().map(|c| c.as_str().unwrap_or_default().to_string()).collect()
    };
    let mut rows: Vec<Vec<String>> = block["rows"].as_array().into_iter().flatten().map(cells).collect();
    if !block["total"].is_null() {
        rows.push(cells(&block["total"]));
    }
    rows
}

both_backends!(
    thematic_and_saved_reports_come_from_page_api_and_command_line,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let north = app.area("Northshire").await;
        let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
        construct(&app, &token, "Northshire", &dataset(), 0).await;
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
        let api_token = app.token_for("api-chair@example.org", &[Role::PanelChair], &[north]).await;
        let api = |path: String| {
            let (client, url, token) = (reqwest::Client::new(), app.url(&path), api_token.clone());
            async move {
                let res = client.get(url).bearer_auth(token).send().await.expect("sent");
                let status = res.status().as_u16();
                let bytes = res.bytes().await.expect("body").to_vec();
                (status, serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null), bytes)
            }
        };

        // The list names every theme with its URL.
        let (status, list, _) = api("/api/v1/reports/themes".into()).await;
        assert_eq!(status, 200);
        let keys: Vec<&str> =
            list["themes"].as_array().expect("themes").iter().filter_map(|t| t["key"].as_str()).collect();
        for key in ["sudic", "neonatal", "drowning", "suicide"] {
            assert!(keys.contains(&key), "{key} listed: {keys:?}");
        }
        assert_eq!(list["themes"][0]["url"], format!("/api/v1/reports/themes/{}", keys[0]));

        // The API gives the page's figures: four neonatal reviews, one with modifiable factors.
        let (_, page) = chair.page("/reports/themes/neonatal?year=2025&mode=internal").await;
        let (status, doc, _) = api("/api/v1/reports/themes/neonatal?year=2025&mode=internal".into()).await;
        assert_eq!(status, 200, "{doc}");
        assert_eq!(json_table(&doc, "neonatal-category"), table(&page, "neonatal-category"));
        assert_eq!(
            row(&json_table(&doc, "neonatal-category"), "8 – Perinatal / neonatal event"),
            strings(&["8 – Perinatal / neonatal event", "1", "3", "0", "4", "25.0%"])
        );
        assert_eq!(doc["window"], serde_json::json!({"from": 2021, "to": 2025}));

        // A window of ten years: ten rows and a total, the two sudden deaths in 2025/26.
        let (status, doc, _) =
            api("/api/v1/reports/themes/sudic?from=2016&year=2025&mode=internal".into()).await;
        assert_eq!(status, 200, "{doc}");
        assert_eq!(doc["year"], "2016/17 to 2025/26");
        let years = json_table(&doc, "sudic-year");
        assert_eq!(years.len(), 11, "{years:?}");
        assert_eq!(row(&years, "2016/17")[1], "0");
        assert_eq!(row(&years, "2025/26")[1], "2");
        // The page takes the same window.
        let (_, page) = chair.page("/reports/themes/sudic?from=2016&year=2025&mode=internal").await;
        assert_eq!(table(&page, "sudic-year"), years);

        // Refusals name the parameter, and a published window is fixed.
        for (query, words) in [
            ("from=2026&year=2025&mode=internal", "`from`"),
            ("from=2019/21&year=2025&mode=internal", "`from`"),
            ("from=1990&year=2025&mode=internal", "at most 25"),
            ("from=2021&year=2025&mode=published", "2024/25 to 2028/29"),
        ] {
            let (status, doc, _) = api(format!("/api/v1/reports/themes/sudic?{query}")).await;
            assert_eq!(status, 400, "{query}");
            assert!(doc["detail"].as_str().unwrap_or_default().contains(words), "{query}: {doc}");
        }
        let (status, doc, _) = api("/api/v1/reports/themes/sudic?year=2025&mode=published".into()).await;
        assert_eq!(status, 200);
        assert_eq!(doc["window"], serde_json::json!({"from": 2024, "to": 2028}));
        assert!(doc["notice"].as_str().unwrap_or_default().contains("fixed periods of 5 years"));
        assert_eq!(row(&json_table(&doc, "sudic-year"), "2025/26")[1], "*", "the page's suppression");
        let (status, _, _) = api("/api/v1/reports/themes/nonsense".into()).await;
        assert_eq!(status, 404);
        let (status, _, _) = api("/api/v1/reports/annual?year=2025&from=2020".into()).await;
        assert_eq!(status, 400, "the annual report covers one year");

        // Files come from the API, audited like the page's downloads.
        let (status, _, xlsx) =
            api("/api/v1/reports/themes/neonatal?year=2025&mode=internal&format=xlsx".into()).await;
        assert_eq!(status, 200);
        assert!(xlsx.starts_with(b"PK"));

        // A saved report: listed, and run over its own area from the API as on its page.
        let area = north.to_string();
        let fields = crate::anonymity::saved_report("Sudden and unexplained", "", &area);
        chair.page("/reports/custom").await;
        let (status, _, to) = chair.post_page("/reports/custom", &fields).await;
        assert_eq!(status, 303);
        let id: i64 =
            to.expect("the saved report").trim_start_matches("/reports/saved/").parse().expect("an id");
        let (_, list, _) = api("/api/v1/reports/themes".into()).await;
        assert_eq!(list["saved"][0]["id"], id);
        assert_eq!(list["saved"][0]["url"], format!("/api/v1/reports/saved/{id}"));
        let (_, page) = chair.page(&format!("/reports/saved/{id}?year=2025&mode=internal")).await;
        let (status, doc, _) = api(format!("/api/v1/reports/saved/{id}?year=2025&mode=internal")).await;
        assert_eq!(status, 200, "{doc}");
        let key = format!("saved-{id}-age");
        assert_eq!(json_table(&doc, &key), table(&page, &key));
        let (status, _, _) = api(format!("/api/v1/reports/saved/{}", id + 1)).await;
        assert_eq!(status, 404);

        // The command line: the list, a theme over ten years, a saved report, and the refusals.
        let cli = |args: &[&str]| {
            let mut all = vec!["reports"];
            all.extend_from_slice(args);
            let out = crate::common::process::run(&app.dir, &[("CDOP__DATABASE__URL", &app.db.url)], &all);
            let said =
                format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            (out.status.success(), said)
        };
        let file = |name: &str| app.dir.join(name).display().to_string();
        let (ok, said) = cli(&["list"]);
        assert!(ok && said.contains("sudic") && said.contains("Sudden and unexplained"), "{said}");
        let (ok, said) =
            cli(&["theme", "sudic", "--from", "2016", "--to", "2025", "--out", &file("sudic.html")]);
        assert!(ok, "{said}");
        let html = std::fs::read_to_string(app.dir.join("sudic.html")).expect("written");
        assert_eq!(table(&html, "sudic-year"), years, "the API's figures");
        let (ok, said) =
            cli(&["saved", &id.to_string(), "--to", "2025", "--format", "csv", "--out", &file("saved.zip")]);
        assert!(ok, "{said}");
        assert!(std::fs::read(app.dir.join("saved.zip")).expect("written").starts_with(b"PK"));
        let (ok, said) = cli(&[
            "theme",
            "sudic",
            "--from",
            "2021",
            "--to",
            "2025",
            "--published",
            "--out",
            &file("p.html"),
        ]);
        assert!(!ok && said.contains("--from 2021") && said.contains("2024/25 to 2028/29"), "{said}");
        let (ok, said) = cli(&["theme", "nonsense", "--to", "2025", "--out", &file("n.html")]);
        assert!(!ok && said.contains("no such theme") && said.contains("sudic"), "{said}");
        let (ok, said) = cli(&["saved", "999", "--to", "2025", "--out", &file("n.html")]);
        assert!(!ok && said.contains("no such saved report"), "{said}");

        let events = app
            .sql_strings(
                "SELECT object_ref FROM audit_events WHERE action = 'report.downloaded' ORDER BY seq",
            )
            .await;
        assert_eq!(events, strings(&["theme:neonatal", "theme:sudic", &format!("theme:saved-{id}")]));
    }
);

both_backends!(themes_count_deaths_in_the_period_or_reviews_completed_in_it, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    // The four neonatal reviews were all signed off in 2025/26. Their deaths, by the month
    // recorded at sign-off: 24 May, 4 May and 23 June 2025 (2025/26), and 27 March 2024 (400
    // days before its sign-off on 1 May 2025: 2023/24).
    let (_, reviewed) = chair.page("/reports/themes/neonatal?year=2025&mode=internal").await;
    let years = table(&reviewed, "neonatal-year");
    assert_eq!(years.iter().map(|r| r[1].as_str()).collect::<Vec<_>>(), ["0", "0", "0", "0", "4", "4"]);
    assert!(reviewed.contains("Reviews completed in the period (by sign-off date)"), "the basis is named");
    let (status, died) = chair.page("/reports/themes/neonatal?year=2025&mode=internal&basis=died").await;
    assert_eq!(status, 200);
    let years = table(&died, "neonatal-year");
    assert_eq!(years.iter().map(|r| r[1].as_str()).collect::<Vec<_>>(), ["0", "0", "1", "0", "3", "4"]);
    assert_eq!(row(&years, "2023/24")[1], "1");
    assert!(died.contains("Thematic report: Neonatal deaths (deaths in the period)"));
    assert!(
        died.contains("Deaths in the period (by month of death), counted once their review is completed")
    );
    assert!(died.contains("Deaths in this theme by reporting year of death"));
    assert!(died.contains("<option value=\"died\" selected>Deaths in the period</option>"), "the chooser");
    assert!(died.contains("basis=died"), "downloads keep the basis");
    // A window that ends in 2024/25 holds the 2023/24 death only, whenever it was reviewed.
    let (_, earlier) = chair.page("/reports/themes/neonatal?year=2024&mode=internal&basis=died").await;
    assert_eq!(row(&table(&earlier, "neonatal-year"), "Total")[1], "1");
    let (_, earlier) = chair.page("/reports/themes/neonatal?year=2024&mode=internal").await;
    assert_eq!(row(&table(&earlier, "neonatal-year"), "Total")[1], "0", "no review completed by then");

    // The API and the command line take the same basis; a wrong one is refused, naming it.
    let api_token = app.token_for("api-chair@example.org", &[Role::PanelChair], &[north]).await;
    let get = |path: &str| reqwest::Client::new().get(app.url(path)).bearer_auth(api_token.clone()).send();
    let doc: Value = get("/api/v1/reports/themes/neonatal?year=2025&mode=internal&basis=died")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["basis"], "died");
    assert_eq!(json_table(&doc, "neonatal-year"), years);
    let res = get("/api/v1/reports/themes/neonatal?basis=deaths").await.expect("sent");
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap_or_default().contains("`basis`"));
    let res = get("/api/v1/reports/annual?basis=died").await.expect("sent");
    assert_eq!(res.status(), 400, "the annual report has no basis to choose");
    let out = crate::common::process::run(
        &app.dir,
        &[("CDOP__DATABASE__URL", &app.db.url)],
        &["reports", "theme", "neonatal", "--to", "2025", "--basis", "died", "--out", "died.html"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(app.dir.join("died.html")).expect("written");
    assert_eq!(table(&html, "neonatal-year"), years);

    // Reviews signed off before the month of death was stored get it from their coded sign-off
    // date and days from the death, when the migration runs.
    use migration::MigratorTrait;
    migration::Migrator::down(&app.state.db, Some(1)).await.expect("the migration comes off");
    migration::Migrator::up(&app.state.db, None).await.expect("and runs again");
    let months = app.sql_strings("SELECT CAST(death_month AS TEXT) FROM cases WHERE age_band = '0-27d' AND death_month IS NOT NULL ORDER BY death_month").await;
    assert_eq!(months, strings(&["202403", "202505", "202505", "202506"]));
    let (_, again) = chair.page("/reports/themes/neonatal?year=2025&mode=internal&basis=died").await;
    assert_eq!(table(&again, "neonatal-year"), years);
});

both_backends!(numbers_print_with_separators_and_stay_numbers_as_data, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    std::fs::write(app.dir.join("myeb1.csv"), crate::reports::population_file()).expect("written");
    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let out = crate::common::process::run(
        &app.dir,
        &env,
        &["reference", "import-population", "myeb1.csv", "--area", "Northshire=E06000063"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;

    // 126,000 children: separated on the page, a plain number as data.
    let (_, html) = chair.page("/reports/annual?year=2025").await;
    let all = strings(&["All children (0 to 17 years)", "12", "126,000", "9.5", "4.9 to 16.6"]);
    assert_eq!(row(&table(&html, "notified-rates"), "All children (0 to 17 years)")[..5], all);
    let api_token = app.token_for("api-chair@example.org", &[Role::PanelChair], &[north]).await;
    let get = |path: &str| reqwest::Client::new().get(app.url(path)).bearer_auth(api_token.clone()).send();
    let doc: Value = get("/api/v1/reports/annual?year=2025").await.expect("sent").json().await.expect("json");
    assert_eq!(row(&json_table(&doc, "notified-rates"), "All children (0 to 17 years)")[2], "126000");

    // The XLSX holds the rate, its interval's ends and the population as numbers.
    let xlsx =
        get("/api/v1/reports/annual?year=2025&format=xlsx").await.expect("sent").bytes().await.expect("body");
    let mut book = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).expect("a zip");
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut book.by_name("xl/workbook.xml").expect("workbook"), &mut workbook)
        .expect("xml");
    let names: Vec<&str> =
        workbook.split("<sheet name=\"").skip(1).map(|s| &s[..s.find('"').unwrap_or(0)]).collect();
    let position = names.iter().position(|n| n.ends_with("notified-rates")).expect("the rates sheet");
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut book.by_name(&format!("xl/worksheets/sheet{}.xml", position + 1)).expect("sheet"),
        &mut sheet,
    )
    .expect("xml");
    for value in ["<v>126000</v>", "<v>9.5</v>", "<v>4.9</v>", "<v>16.6</v>", "<v>114.3</v>"] {
        assert!(sheet.contains(value), "the rates sheet lacks {value}");
    }
    let mut shared = String::new();
    std::io::Read::read_to_string(&mut book.by_name("xl/sharedStrings.xml").expect("strings"), &mut shared)
        .expect("xml");
    assert!(shared.contains("(lower)") && shared.contains("(upper)"), "an interval is two columns");
    assert!(!shared.contains("4.9 to 16.6"), "no interval stored as text");

    // Deaths notified by age: 5, 3, 2 and 2 of 12 are 41.7 + 25.0 + 16.7 + 16.7 = 100.1%.
    let age = table(&html, "notified-age");
    assert_eq!(row(&age, "Under 28 days")[2], "41.7%");
    assert!(
        html.contains(
            "Percentages are rounded to 1 decimal place, so they add up to 100.1% rather than 100%."
        ),
        "the footnote"
    );
    // Whole numbers by configuration: 42 + 25 + 17 + 17 = 101%.
    let out = crate::common::process::run(
        &app.dir,
        &[("CDOP__DATABASE__URL", app.db.url.as_str()), ("CDOP__REPORTS__PERCENT_DECIMALS", "0")],
        &["reports", "annual", "--year", "2025", "--out", "whole.html"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let whole = std::fs::read_to_string(app.dir.join("whole.html")).expect("written");
    let age = table(&whole, "notified-age");
    assert_eq!(row(&age, "Under 28 days")[2], "42%");
    assert_eq!(row(&age, "1 to 4 years")[2], "17%");
    assert!(
        whole.contains("Percentages are rounded to whole numbers, so they add up to 101% rather than 100%.")
    );
    let out = crate::common::process::run(
        &app.dir,
        &[("CDOP__DATABASE__URL", app.db.url.as_str()), ("CDOP__REPORTS__PERCENT_DECIMALS", "2")],
        &["reports", "annual", "--year", "2025", "--out", "two.html"],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && said.contains("reports.percent_decimals"), "{said}");
});

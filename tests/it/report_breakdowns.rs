//! What analysts publish beside the counts: the change from the year before, the meetings the
//! panel held and the referrals to the Child Safeguarding Practice Review Panel, every figure
//! worked out by hand from the constructed dataset.

use cdop::domain::role::Role;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp};
use crate::reports::{construct, dataset, row, strings, table};

both_backends!(
    the_annual_report_gives_change_meetings_and_safeguarding_referrals,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let north = app.area("Northshire").await;
        let south = app.area("Southshire").await;
        let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north, south]).await;
        construct(&app, &token, "Northshire", &dataset(), 0).await;

        // Meetings: in 2025/26 two panels and a CDRM held for Northshire, one panel shared with
        // Southshire, one cancelled; one panel held the year before.
        let chair_id = app.user("chair-of@example.org", &[Role::PanelChair], &[north, south]).await;
        let day = (app.state.clock.today() + chrono::TimeDelta::days(7)).format("%Y-%m-%dT10:00").to_string();
        let meetings = [
            ("panel", vec![north], "2025-05-10T10:00:00Z", "held"),
            ("panel", vec![north], "2026-03-31T10:00:00Z", "held"),
            ("cdrm", vec![north], "2025-11-02T10:00:00Z", "held"),
            ("panel", vec![north, south], "2025-09-09T10:00:00Z", "held"),
            ("panel", vec![north], "2025-10-10T10:00:00Z", "cancelled"),
            ("panel", vec![north], "2025-03-31T10:00:00Z", "held"),
        ];
        for (kind, areas, at, status) in meetings {
            let res = reqwest::Client::new()
            .post(app.url("/api/v1/meetings"))
            .bearer_auth(&token)
            .json(&json!({"kind": kind, "starts_at": day, "location": "Room 4", "chair_id": chair_id, "area_ids": areas}))
            .send()
            .await
            .expect("sent");
            assert_eq!(res.status(), 201);
            let made: serde_json::Value = res.json().await.expect("json");
            let at = app.sql_time(chrono::DateTime::parse_from_rfc3339(at).expect("a time").to_utc());
            app.sql(&format!(
                "UPDATE meetings SET starts_at = {at}, status = '{status}' WHERE id = {}",
                made["id"]
            ))
            .await;
        }
        // Referrals: two reviews referred, three not, the other four of the year not answered.
        let answer = |value: &str, limit: usize| {
            format!(
                "INSERT INTO analysis_answers (analysis_id, item_key, row_no, value) SELECT a.id, 'safeguarding_review_referral', 0, '{value}' \
             FROM analyses a JOIN cases c ON c.id = a.case_id WHERE c.review_completed_on >= '2025-04-01' AND c.review_completed_on <= '2026-03-31' \
             AND NOT EXISTS (SELECT 1 FROM analysis_answers x WHERE x.analysis_id = a.id AND x.item_key = 'safeguarding_review_referral') \
             AND a.id IN (SELECT a2.id FROM analyses a2 JOIN cases c2 ON c2.id = a2.case_id WHERE c2.review_completed_on >= '2025-04-01' AND c2.review_completed_on <= '2026-03-31' \
               AND NOT EXISTS (SELECT 1 FROM analysis_answers y WHERE y.analysis_id = a2.id AND y.item_key = 'safeguarding_review_referral') ORDER BY a2.id LIMIT {limit})"
            )
        };
        app.sql(&answer("yes", 2)).await;
        app.sql(&answer("no", 3)).await;

        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
        let (status, html) = chair.page("/reports/annual?year=2025&mode=internal").await;
        assert_eq!(status, 200);
        // Twelve deaths notified in 2025/26 against three in 2024/25; nine reviews against none.
        let change = table(&html, "year-on-year");
        assert_eq!(
            row(&change, "Deaths notified"),
            strings(&["Deaths notified", "3", "12", "+9", "300.0%", "increased by 300.0%"])
        );
        assert_eq!(
            row(&change, "Reviews completed"),
            strings(&["Reviews completed", "0", "9", "+9", "–", "no figure the year before to compare with"])
        );
        let held = table(&html, "meetings-held");
        assert_eq!(
            row(&held, "Panel meetings")[1],
            "3",
            "two of its own and the shared one; not the cancelled"
        );
        assert_eq!(row(&held, "Child death review meetings (CDRM)")[1], "1");
        let referral = table(&html, "reviewed-safeguarding-referral");
        assert_eq!(row(&referral, "Referred")[1..], strings(&["2", "22.2%"]));
        assert_eq!(row(&referral, "Not referred")[1..], strings(&["3", "33.3%"]));
        assert_eq!(row(&referral, "Not answered")[1], "4");
        assert_eq!(row(&referral, "Total")[1], "9");

        // Both areas combined: the shared meeting once, internal and published alike.
        let both = app.signed_in("both@example.org", &[Role::PanelChair], &[north, south]).await;
        let (_, html) = both.page("/reports/annual?year=2025&mode=internal").await;
        assert_eq!(row(&table(&html, "meetings-held"), "Panel meetings")[1], "3");
        assert_eq!(row(&table(&html, "meetings-held"), "Total")[1], "4");
        let (_, public) = both.page("/reports/annual?year=2025&mode=published").await;
        // Published, counts from 1 to 4 are hidden like any other (a CDRM follows most unexpected
        // deaths, so its count could give a hidden one away).
        let public_held = table(&public, "meetings-held");
        assert!(public_held.iter().all(|r| r[1] == "*"), "{public_held:?}");
        // Published: a change is not given beside a hidden figure (three deaths in 2024/25).
        assert_eq!(row(&table(&public, "year-on-year"), "Deaths notified")[3..], strings(&["*", "*", "*"]));
        let (_, south_only) =
            both.page(&format!("/reports/annual?year=2025&mode=internal&area={south}")).await;
        assert_eq!(row(&table(&south_only, "meetings-held"), "Panel meetings")[1], "1");
    }
);

both_backends!(
    the_infection_theme_counts_deaths_where_infection_caused_or_contributed,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let north = app.area("Northshire").await;
        let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
        construct(&app, &token, "Northshire", &dataset(), 0).await;
        // The panel's answers: the infection review of 1 December 2025 (death 320 days before, on
        // 15 January 2025: 2024/25) with
        // pneumococcus, pneumonia and sepsis; the malignancy review of 1 June 2025 (death 500 days
        // before, in 2023/24) where a bacterial sepsis contributed; a neonatal review where no
        // infection did. The other infection review (death 800 days before 1 July 2025, 2023/24)
        // answered nothing.
        let answer = |on: &str, item: &str, value: &str| {
            format!(
                "INSERT INTO analysis_answers (analysis_id, item_key, row_no, value) SELECT a.id, '{item}', 0, '{value}' \
             FROM analyses a JOIN cases c ON c.id = a.case_id WHERE c.review_completed_on = '{on}'"
            )
        };
        for (on, item, value) in [
            ("2025-12-01", "infection_contributed", "yes"),
            ("2025-12-01", "infection_pathogen", "streptococcus_pneumoniae"),
            ("2025-12-01", "infection_presentation", "pneumonia"),
            ("2025-12-01", "infection_presentation", "sepsis"),
            ("2025-06-01", "infection_contributed", "yes"),
            ("2025-06-01", "infection_pathogen", "other_bacterial"),
            ("2025-06-01", "infection_presentation", "sepsis"),
            ("2025-09-01", "infection_contributed", "no"),
        ] {
            app.sql(&answer(on, item, value)).await;
        }
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
        let (status, html) = chair.page("/reports/themes/infection?year=2025&mode=internal").await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("Thematic report: Infection (deaths in the period)"),
            "the theme counts deaths by default"
        );
        assert!(
            html.contains("“did an infection cause or contribute to the death”: yes"),
            "the filter in words"
        );
        let years = table(&html, "infection-year");
        assert_eq!(years.iter().map(|r| r[1].as_str()).collect::<Vec<_>>(), ["0", "0", "2", "1", "0", "3"]);
        let category = table(&html, "infection-category");
        assert_eq!(row(&category, "9 – Infection")[4], "2");
        assert_eq!(
            row(&category, "4 – Malignancy")[4],
            "1",
            "infection contributed to a death of another category"
        );
        let pathogen = table(&html, "infection-pathogen");
        assert_eq!(row(&pathogen, "Streptococcus pneumoniae (pneumococcus)")[1..], strings(&["1", "33.3%"]));
        assert_eq!(row(&pathogen, "Other bacteria")[1], "1");
        assert_eq!(row(&pathogen, "Not answered")[1], "1");
        assert_eq!(row(&pathogen, "Group B streptococcus")[1], "0");
        let presentation = table(&html, "infection-presentation");
        assert_eq!(row(&presentation, "Sepsis or septicaemia")[1..], strings(&["2", "66.7%"]));
        assert_eq!(row(&presentation, "Pneumonia or lower respiratory tract infection")[1], "1");
        // By reviews completed instead: all three were signed off in 2025/26.
        let (_, reviewed) =
            chair.page("/reports/themes/infection?year=2025&mode=internal&basis=reviewed").await;
        let years = table(&reviewed, "infection-year");
        assert_eq!(years.iter().map(|r| r[1].as_str()).collect::<Vec<_>>(), ["0", "0", "0", "0", "3", "3"]);
        // Published (the fixed window 2024/25 to 2028/29 holds the January 2025 death): every count
        // of 1 to 4 hidden, the breakdowns suppressed with the rest.
        let (status, public) = chair.page("/reports/themes/infection?year=2025&mode=published").await;
        assert_eq!(status, 200);
        let pathogen = table(&public, "infection-pathogen");
        assert_eq!(row(&pathogen, "Streptococcus pneumoniae (pneumococcus)")[1], "*", "{pathogen:?}");
    }
);

both_backends!(theme_rates_sum_each_years_children_over_the_window, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    std::fs::write(app.dir.join("myeb1.csv"), crate::reports::population_file()).expect("written");
    let out = crate::common::process::run(
        &app.dir,
        &[("CDOP__DATABASE__URL", app.db.url.as_str())],
        &["reference", "import-population", "myeb1.csv", "--area", "Northshire=E06000063"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    // 2024/25 to 2026/27: mid-2024 (9,999 boys and 9,999 girls at each age 0 to 17: 359,964),
    // mid-2025 (126,000) and, for 2026/27, mid-2025 again: 611,964 child-years. The four
    // neonatal reviews (three girls) give 4 / 611,964 × 100,000 = 0.65 a year (two decimals).
    let (status, html) = chair.page("/reports/themes/neonatal?from=2024&year=2026&mode=internal").await;
    assert_eq!(status, 200, "{html}");
    let rates = table(&html, "theme-rates");
    assert_eq!(row(&rates, "All children (0 to 17 years)")[1..4], strings(&["4", "611,964", "0.65"]));
    assert_eq!(row(&rates, "Female")[1..4], strings(&["3", "302,382", "0.99"]));
    assert_eq!(row(&rates, "Male")[1..4], strings(&["1", "309,582", "–"]), "no rate under three deaths");
    assert!(html.contains("2026/27 used mid-2025"), "the estimate carried forward is named");
    // A theme broken down by age gives each age group's rate over the same child-years: the
    // one infection death in the window (January 2025, aged 1 to 4) over 4 ages × (19,998 +
    // 7,000 + 7,000) children.
    let (_, html) = chair.page("/reports/themes/infection?from=2024&year=2026&mode=internal").await;
    let rates = table(&html, "theme-rates");
    assert_eq!(row(&rates, "1 to 4 years")[1..4], strings(&["1", "135,992", "–"]));
    assert_eq!(row(&rates, "Under 1 year")[1..3], strings(&["0", "33,998"]));
    assert_eq!(row(&rates, "15 to 17 years")[2], "101,994");
    assert!(html.contains(
        "Rates by deprivation quintile (cdop reference import-decile-population) are not available"
    ));
    assert!(
        html.contains("Rates by ethnic group (cdop reference import-ethnicity-population) are not available")
    );
    // With children by decile (1,000 × the decile) and by ethnic group for mid-2024 and mid-2025,
    // the infection theme's rates by quintile and group sum the window's years the same way:
    // quintile 4 (deciles 7 and 8) 15,000 a year × 3; Asian 18,000 + 20,000 + 20,000 (2026/27
    // uses 2025). The one death (decile 7, ethnic code H) is in both.
    let mut deciles = String::from("year,imd_decile,population\n");
    let mut groups = String::from("year,ethnic_group,population\n");
    for year in [2024, 2025] {
        for d in 1..=10 {
            deciles.push_str(&format!("{year},{d},{}\n", 1000 * d));
        }
        let asian = if year == 2024 { 18_000 } else { 20_000 };
        for (g, n) in
            [("white", 100_000), ("mixed", 5_000), ("asian", asian), ("black", 4_000), ("other", 1_000)]
        {
            groups.push_str(&format!("{year},{g},{n}\n"));
        }
    }
    std::fs::write(app.dir.join("deciles.csv"), deciles).expect("written");
    std::fs::write(app.dir.join("groups.csv"), groups).expect("written");
    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    for (command, file) in
        [("import-decile-population", "deciles.csv"), ("import-ethnicity-population", "groups.csv")]
    {
        let out = crate::common::process::run(
            &app.dir,
            &env,
            &["reference", command, file, "--area", "Northshire"],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (_, html) = chair.page("/reports/themes/infection?from=2024&year=2026&mode=internal").await;
    let rates = table(&html, "theme-rates");
    assert_eq!(row(&rates, "Deprivation quintile 4")[1..4], strings(&["1", "45,000", "–"]));
    assert_eq!(row(&rates, "Deprivation quintile 1 (most deprived)")[1..3], strings(&["0", "9,000"]));
    assert_eq!(row(&rates, "Asian or Asian British")[1..4], strings(&["1", "58,000", "–"]));
    assert_eq!(row(&rates, "White")[1..3], strings(&["0", "300,000"]));
    assert!(!html.contains("are not available: the children are not loaded"), "both loaded");
    // Ages 13 to 17 as one group: internal only (the one death was aged 1 to 4).
    let teens = table(&html, "infection-under-13");
    assert_eq!(row(&teens, "Under 13 years")[1], "1");
    assert_eq!(row(&teens, "13 to 17 years")[1], "0");
    let (_, html) = chair.page("/reports/themes/infection?year=2025&mode=published").await;
    assert!(!html.contains("id=\"infection-under-13\""), "not in a published version");
    assert!(html.contains("Ages 13 to 17 as one group are in the internal version only"));
    // A window starting before any estimate has none: no made-up denominator.
    let (_, html) = chair.page("/reports/themes/neonatal?from=2023&year=2025&mode=internal").await;
    assert!(html.contains("Rates are not available"));
});

both_backends!(infant_mortality_comes_from_imported_live_births, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    let (_, html) = chair.page("/reports/annual?year=2025&mode=internal").await;
    assert!(
        html.contains("Neonatal and infant mortality per 1,000 live births is not available"),
        "said plainly"
    );

    // An ONS sheet (title lines, then the table; one year, so --year), saved as CSV.
    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let sheet = "Table 3: Live births by area of usual residence of mother, 2025,,\n\
                 Source: Office for National Statistics,,\n\
                 Area code,Area name,\"Number of live births: total\"\n\
                 E06000063,Northshire,\"2,000\"\n\
                 E06000099,Elsewhere,5000\n";
    std::fs::write(app.dir.join("births.csv"), sheet).expect("written");
    let run = |args: &[&str]| crate::common::process::run(&app.dir, &env, args);
    let out = run(&["reference", "import-live-births", "births.csv", "--area", "Northshire=E06000063"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--year"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "reference",
        "import-live-births",
        "births.csv",
        "--year",
        "2025",
        "--area",
        "Northshire=E06000063",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported live births for 1 authority in 2025."));

    // 2025/26: five deaths notified under 28 days and three more under 1 year, over 2,000 live
    // births: 2.5 and 4.0 per 1,000. Byar's interval for 8: 8 × (1 − 1/72 − 1.96/(3√8))³ = 3.445
    // and 9 × (1 − 1/81 + 1.96/(3·3))³ = 15.764, per 2,000 × 1,000: 1.7 to 7.9; for 5: 0.8 to 5.8.
    let (_, html) = chair.page("/reports/annual?year=2025&mode=internal").await;
    let imr = table(&html, "notified-infant-mortality");
    assert_eq!(row(&imr, "Neonatal: under 28 days")[1..5], strings(&["5", "2,000", "2.5", "0.8 to 5.8"]));
    assert_eq!(row(&imr, "Infant: under 1 year")[1..5], strings(&["8", "2,000", "4.0", "1.7 to 7.9"]));
    assert!(html.contains("over the live births of the calendar year 2025"), "the year used is named");
    // Published: the counts under 28 days and 28 to 364 days are shown (5 and 3: 3 is hidden),
    // so a rate over a hidden count is not given.
    let (_, html) = chair.page("/reports/annual?year=2025&mode=published").await;
    let imr = table(&html, "notified-infant-mortality");
    assert_eq!(row(&imr, "Infant: under 1 year")[1], "*", "{imr:?}");
    audit_has(&app, "live-births").await;
});

async fn audit_has(app: &TestApp, entity: &str) {
    let events = app
        .sql_strings(&format!("SELECT object_ref FROM audit_events WHERE action = 'reference.imported' AND object_ref = '{entity}'"))
        .await;
    assert_eq!(events.len(), 1, "the import is audited once");
}

both_backends!(rates_by_ethnic_group_come_from_an_imported_population, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    let (_, html) = chair.page("/reports/annual?year=2025&mode=internal").await;
    assert!(html.contains("Rates by ethnic group are not available"), "said plainly");

    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let run = |args: &[&str]| crate::common::process::run(&app.dir, &env, args);
    // A purple group and a year without black children: refused, nothing stored.
    std::fs::write(
        app.dir.join("bad.csv"),
        "year,ethnic_group,population\n2025,White,100000\n2025,purple,10\n2025,mixed,5000\n2025,asian,20000\n2025,other,1000\n",
    )
    .expect("written");
    let out = run(&["reference", "import-ethnicity-population", "bad.csv", "--area", "Northshire"]);
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success());
    assert!(
        said.contains(
            "line 3, column ethnic_group: one of white, mixed, asian, black or other, not \"purple\""
        ),
        "{said}"
    );
    assert!(said.contains("2025 lacks group(s) black"), "{said}");
    // Labels as published are read by their first word.
    std::fs::write(
        app.dir.join("ethnicity.csv"),
        "year,ethnic_group,population\n2025,White,\"100,000\"\n2025,Mixed or Multiple ethnic groups,5000\n\
         2025,Asian or Asian British,20000\n2025,\"Black, Black British, Caribbean or African\",4000\n2025,Other ethnic group,1000\n",
    )
    .expect("written");
    let out = run(&["reference", "import-ethnicity-population", "ethnicity.csv", "--area", "Northshire"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // 2025/26: eight deaths notified of white children (codes A), two Asian (H), two not stated
    // (Z). White: 8 / 100,000 × 100,000 = 8.0, Byar 3.4 to 15.8 (as for 8 infant deaths above,
    // per 100,000); Asian: fewer than 3 deaths, no rate; the two not stated are in no rate.
    let (_, html) = chair.page("/reports/annual?year=2025&mode=internal").await;
    let rates = table(&html, "notified-ethnicity-rates");
    assert_eq!(
        row(&rates, "White"),
        strings(&["White", "8", "100,000", "8.0", "3.4 to 15.8", "Unreliable: fewer than 20 deaths"])
    );
    assert_eq!(row(&rates, "Asian or Asian British")[1..4], strings(&["2", "20,000", "–"]));
    assert_eq!(row(&rates, "Mixed or multiple ethnic groups")[1..3], strings(&["0", "5,000"]));
    assert!(html.contains("not stated or not known (2) are in no group"), "the unknowns are named");
    // Published: 2 is hidden, so its rate is too.
    let (_, html) = chair.page("/reports/annual?year=2025&mode=published").await;
    let rates = table(&html, "notified-ethnicity-rates");
    assert_eq!(row(&rates, "Asian or Asian British")[1], "*", "{rates:?}");
    audit_has(&app, "ethnicity-population").await;
});

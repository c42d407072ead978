//! Historical import (`cdop import reviews`): a file with bad rows is refused naming each line and
//! column and imports nothing; a clean file imports; importing it again adds nothing;
//! `--skip-invalid` imports the clean rows and lists the others. Imported reviews count in the
//! annual report, identifiers are sealed (raw bytes) and the old record ids are never stored.

use cdop::domain::role::Role;

use crate::both_backends;
use crate::cases::{contains, raw_database_text};
use crate::common::{Backend, TestApp};

const HEADER: &str = "record_id,reporting_year,notified_on,date_of_death,age_band,sex,ethnicity,imd_decile,place_of_death,expected,cdrm_on,panel_on,review_completed_on,category,modifiable,factor_domains,themes,nhs_number,given_names,family_name,date_of_birth,postcode";

const R1: &str = "OLDSYS-0001,2020/21,04/05/2020,01/05/2020,0-27d,female,A,1,hospital_neonatal,yes,,,2021-01-15,perinatal_neonatal,none_identified,,,943 476 5919,Hortensia,Pemberley-Vale,2020-04-20,ZZ9 9ZZ";
const R2: &str = "OLDSYS-0002,2020,2020-06-10,2020-06-08,15-17y,male,Z,,public_place,no,2020-08-01,2020-11-20,2020-11-20,suicide_self_harm,identified,a;b,suicide_self_harm;mental_health,,,,,";
const R3: &str = "OLDSYS-0003,2020,2020-09-01,2020-08-30,1-4y,female,H,7,home,no,,,2021-03-01,infection,insufficient,,,,,,,";
const R4: &str = "OLDSYS-0004,2020,2020-12-01,2020-11-28,5-9y,male,A,4,,yes,,,,,,,,,,,,";
const R5: &str = "OLDSYS-0005,2020,2021-01-10,2021-01-09,10-14y,female,A,3,,yes,,,,,,,,,,,,";
const BAD_SEX: &str = "OLDSYS-0101,2020,2020-07-01,2020-06-30,1-4y,girl,A,,,no,,,,,,,,,,,,";
const BAD_CATEGORY: &str =
    "OLDSYS-0102,2020,2020-07-02,2020-06-30,1-4y,male,A,,,no,,,2021-01-01,cancer,none_identified,,,,,,,";
const BAD_DATE: &str = "OLDSYS-0103,2020,31/02/2021,2020-06-30,1-4y,male,A,,,no,,,,,,,,,,,,";

fn file(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}

async fn count(app: &TestApp, sql: &str) -> String {
    app.sql_strings(sql).await.into_iter().next().unwrap_or_default()
}

both_backends!(historical_reviews_import_once_and_count_in_the_report, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    std::fs::write(app.dir.join("clean.csv"), file(&[R1, R2, R3, R4])).expect("write");
    std::fs::write(app.dir.join("bad.csv"), file(&[R1, BAD_SEX, R2, BAD_CATEGORY, R3, BAD_DATE, R4, R5]))
        .expect("write");
    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let import = |args: &[&str]| {
        let mut all = vec!["import", "reviews"];
        all.extend_from_slice(args);
        let out = crate::common::process::run(&app.dir, &env, &all);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let cases = "SELECT CAST(COUNT(*) AS TEXT) FROM cases";

    // Three bad rows: refused, each named by line and column, nothing imported.
    let (ok, _, err) = import(&["bad.csv", "--area", "Northshire"]);
    assert!(!ok, "a file with bad rows is refused");
    assert!(err.contains("nothing was imported; 3 problem(s)"), "{err}");
    for expected in [
        "line 3, column sex: ‘girl’ is not one of: female, male",
        "line 5, column category: ‘cancer’ is not one of:",
        "line 7, column notified_on: ‘31/02/2021’ is not a date",
    ] {
        assert!(err.contains(expected), "missing «{expected}» in {err}");
    }
    assert_eq!(count(&app, cases).await, "0");
    let (ok, _, err) = import(&["clean.csv", "--area", "Nowhere"]);
    assert!(!ok && err.contains("--area Nowhere: no such area"), "{err}");

    // A dry run says what would happen and writes nothing.
    let (ok, out, err) = import(&["clean.csv", "--area", "Northshire", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(out.contains("Would import 4 record(s) into Northshire (3 with a completed review)"), "{out}");
    assert_eq!(count(&app, cases).await, "0");

    // The clean file imports; a second run adds nothing.
    let (ok, out, err) = import(&["clean.csv", "--area", "Northshire"]);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 4 record(s) into Northshire (3 with a completed review)"), "{out}");
    assert_eq!(count(&app, cases).await, "4");
    let (ok, out, err) = import(&["clean.csv", "--area", "Northshire"]);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 0 record(s)") && out.contains("4 already imported"), "{out}");
    assert_eq!(count(&app, cases).await, "4");

    // --skip-invalid: the new clean row goes in, the bad ones are listed, the rest were there.
    let (ok, out, err) = import(&["bad.csv", "--area", "Northshire", "--skip-invalid"]);
    assert!(ok, "{err}");
    assert!(out.contains("Skipped 3 row(s) with problems (lines 3, 5, 7)"), "{out}");
    assert!(out.contains("Imported 1 record(s)") && out.contains("4 already imported"), "{out}");
    assert_eq!(count(&app, cases).await, "5");

    // Stored as the service stores a case: coded columns, sealed identity, a signed analysis.
    let rows = app
        .sql_strings(
            "SELECT status || ' ' || COALESCE(CAST(review_completed_on AS TEXT), '-') || ' ' || COALESCE(CAST(days_to_review AS TEXT), '-') || ' ' || COALESCE(CAST(days_to_panel AS TEXT), '-') || ' ' || source FROM cases ORDER BY notified_at",
        )
        .await;
    assert_eq!(
        rows,
        [
            "closed 2021-01-15 259 - import",
            "closed 2020-11-20 165 165 import",
            "closed 2021-03-01 183 - import",
            "notified - - - import",
            "notified - - - import",
        ]
    );
    assert_eq!(
        count(
            &app,
            "SELECT CAST(COUNT(*) AS TEXT) FROM analyses WHERE status = 'signed' AND signed_by IS NULL"
        )
        .await,
        "3"
    );
    let raw = raw_database_text(&app).await;
    for id in ["Hortensia", "Pemberley-Vale", "9434765919", "943 476 5919", "ZZ9 9ZZ", "OLDSYS-000"] {
        assert!(!contains(&raw, id), "{id} is in the database in clear");
    }
    let audit = app.sql_strings("SELECT action FROM audit_events WHERE action = 'historical.imported'").await;
    assert_eq!(audit.len(), 3, "the two imports that wrote and the repeat are audited");

    // The imported reviews are in the annual report (internal counts).
    let token = app.token_for("chair@example.org", &[Role::PanelChair], &[north]).await;
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/reports/annual?year=2020&mode=internal"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.expect("json");
    let block = |key: &str| {
        doc["sections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["blocks"].as_array().cloned().unwrap_or_default())
            .find(|b| b["key"] == key)
            .unwrap_or_else(|| panic!("no block {key}"))
    };
    assert_eq!(block("notified-age")["total"][1], "5");
    let categories = block("reviewed-category-modifiable");
    let total = categories["total"].as_array().expect("total row");
    assert_eq!(total[0], "Total");
    let rows = categories["rows"].as_array().expect("rows");
    let suicide =
        rows.iter().find(|r| r[0].as_str().is_some_and(|c| c.starts_with("2 "))).expect("suicide row");
    assert_eq!(suicide[1], "1", "{categories}");
    let themes = block("reviewed-themes").to_string();
    assert!(themes.contains("Mental health") && themes.contains("Suicide or self-harm"), "{themes}");
    app.stop().await;
});

both_backends!(history_imports_as_it_was_recorded, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    // A review completed before April 2019, with a factor in domain b; one with themes (the
    // legacy form has none); modifiable factors identified without their domains; domains with
    // no factors identified. The previous system also exported a `notes` column.
    let legacy =
        "OLD-1,2018,2018-05-10,2018-05-01,1-4y,female,A,,,no,,,2019-02-01,infection,identified,b,,,,,,";
    let legacy_themes = "OLD-2,2018,2018-06-10,2018-06-01,1-4y,male,A,,,no,,,2019-03-01,infection,none_identified,,smoking,,,,,";
    let no_domains =
        "OLD-3,2020,2020-06-10,2020-06-08,5-9y,male,A,,,no,,,2021-01-15,trauma_external,identified,,,,,,,";
    let stray_domains = "OLD-4,2020,2020-07-10,2020-07-08,5-9y,male,A,,,no,,,2021-01-20,trauma_external,none_identified,a,,,,,,";
    let text = format!("{HEADER},notes\n{legacy},a\n{legacy_themes},b\n{no_domains},c\n{stray_domains},d\n");
    std::fs::write(app.dir.join("history.csv"), text).expect("write");
    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let import = |args: &[&str]| {
        let mut all = vec!["import", "reviews", "history.csv", "--area", "Northshire"];
        all.extend_from_slice(args);
        let out = crate::common::process::run(&app.dir, &env, &all);
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };

    // An unknown column refused the whole file, with no way past it.
    let (ok, said) = import(&[]);
    assert!(!ok, "{said}");
    assert!(
        said.contains("line 1, column notes: is not a known column")
            && said.contains("--ignore-unknown-columns"),
        "{said}"
    );
    // Named and left out with the flag; the rows' own problems are then what is refused.
    let (ok, said) = import(&["--ignore-unknown-columns"]);
    assert!(!ok, "{said}");
    assert!(said.contains("2 problem(s)"), "{said}");
    assert!(
        said.contains("line 3, column themes: is given, but a review completed before 2019-04-01 is recorded on the legacy form LEGACY-DFE-C, which has no themes"),
        "{said}"
    );
    assert!(
        said.contains("line 5, column factor_domains: is given, but modifiable is ‘none_identified’"),
        "{said}"
    );
    let (ok, said) = import(&["--ignore-unknown-columns", "--skip-invalid"]);
    assert!(ok, "{said}");
    assert!(said.contains("Left out the columns that are not known: notes."), "{said}");
    assert!(
        said.contains("Imported 2 record(s) into Northshire (2 with a completed review, 1 of them completed before April 2019 and recorded on the legacy Analysis Form)"),
        "{said}"
    );

    // The 2019 review is on Form C, domain b scored 2 on its scale; the 2021 one on today's form
    // with no factor invented.
    let versions = app.sql_strings("SELECT form_version FROM analyses ORDER BY id").await;
    assert_eq!(versions, vec!["LEGACY-DFE-C".to_string(), "DHSC-2018".to_string()]);
    let answers = app
        .sql_strings("SELECT item_key || '=' || value FROM analysis_answers ORDER BY analysis_id, item_key")
        .await;
    assert!(answers.contains(&"domain_b_score=score_2".to_string()), "{answers:?}");
    assert!(!answers.iter().any(|a| a.starts_with("factors.")), "no factor invented: {answers:?}");

    // Each counts as modifiable with its domain not recorded, in its own year.
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    for year in ["2018", "2020"] {
        let (status, html) = chair.page(&format!("/reports/annual?year={year}&mode=internal")).await;
        assert_eq!(status, 200);
        let domains = crate::reports::table(&html, "reviewed-factor-domains");
        assert_eq!(crate::reports::row(&domains, "Domain not recorded")[1], "1", "{year}: {domains:?}");
        assert!(domains.iter().filter(|r| r[0] != "Domain not recorded").all(|r| r[1] == "0"), "{domains:?}");
    }
});

both_backends!(history_may_lack_the_notification_and_whether_expected, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    // A review the previous system held without its notification, and not knowing whether the
    // death was expected; an open notification not knowing it either; one that knows.
    let review_only =
        "OLD-5,2020,,2020-06-08,5-9y,male,A,,,not known,,,2021-01-15,infection,none_identified,,,,,,,";
    let open_unknown = "OLD-6,2020,2020-07-10,2020-07-08,5-9y,male,A,,,not_known,,,,,,,,,,,,";
    let open_expected = "OLD-7,2020,2020-08-10,2020-08-08,1-4y,female,A,,,yes,,,,,,,,,,,,";
    let not_reviewed = "OLD-8,2020,,2020-09-08,1-4y,female,A,,,no,,,,,,,,,,,,";
    std::fs::write(
        app.dir.join("history.csv"),
        file(&[review_only, open_unknown, open_expected, not_reviewed]),
    )
    .expect("write");
    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let run = |extra: &[&str]| {
        let mut all = vec!["import", "reviews", "history.csv", "--area", "Northshire"];
        all.extend_from_slice(extra);
        let out = crate::common::process::run(&app.dir, &env, &all);
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let (ok, said) = run(&[]);
    assert!(!ok, "{said}");
    assert!(
        said.contains("line 5, column notified_on: is empty; give the date the death was notified (it may be blank only for a completed review imported without its notification)"),
        "{said}"
    );
    let (ok, said) = run(&["--skip-invalid"]);
    assert!(ok && said.contains("Imported 3 record(s)"), "{said}");
    let stored = app
        .sql_strings(
            "SELECT CASE WHEN notification_recorded THEN 'notified' ELSE 'review only' END || ' ' || \
             CASE WHEN expected_known THEN CASE WHEN expected THEN 'expected' ELSE 'unexpected' END ELSE 'not known' END || ' ' || \
             COALESCE(CAST(days_to_notification AS TEXT), '-') FROM cases ORDER BY id",
        )
        .await;
    assert_eq!(stored, ["review only not known -", "notified not known -", "notified expected -"]);

    // Deaths notified in 2020/21: two (the review without its notification is not one); reviews
    // completed: one, the review without its notification.
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;
    let (status, html) = chair.page("/reports/annual?year=2020&mode=internal").await;
    assert_eq!(status, 200);
    let expected = crate::reports::table(&html, "notified-expected");
    assert_eq!(crate::reports::row(&expected, "Expected")[1], "1", "{expected:?}");
    assert_eq!(crate::reports::row(&expected, "Unexpected")[1], "0", "{expected:?}");
    assert_eq!(
        crate::reports::row(&expected, "Not known (imported history that did not record it)")[1],
        "1",
        "{expected:?}"
    );
    assert_eq!(crate::reports::row(&expected, "Total")[1], "2", "{expected:?}");
    let categories = crate::reports::table(&html, "reviewed-category-modifiable");
    assert_eq!(crate::reports::row(&categories, "Total")[4], "1", "{categories:?}");

    // The case says so on its page and in the API.
    let reference = app.sql_strings("SELECT reference FROM cases ORDER BY id").await.remove(0);
    let co = app.signed_in("co@example.org", &[Role::Coordinator], &[north]).await;
    let (status, page) = co.page(&format!("/cases/{reference}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Not recorded (a review imported without its notification)"), "{page}");
    assert!(page.contains("Not known (not recorded by the previous system)"), "{page}");
    let token = app.token_for("api@example.org", &[Role::Coordinator], &[north]).await;
    let doc: serde_json::Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/cases/{reference}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let case = if doc.get("case").is_some() { &doc["case"] } else { &doc };
    assert_eq!(case["expected"], serde_json::Value::Null, "{doc}");
    assert_eq!(case["notification_recorded"], false, "{doc}");
    assert_eq!(case["notified_month"], serde_json::Value::Null, "{doc}");
    app.stop().await;
});

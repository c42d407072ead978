//! The annual report in a real browser: the chair runs it, switches to the published version,
//! and downloads the PDF and the workbook, then opens a thematic report; every page state passes
//! axe-core with no violations and does not scroll sideways at 390 px.

use cdop::domain::role::Role;

use crate::common::browser::Browser;
use crate::common::{Backend, PASSWORD, TestApp};
use crate::reports::{construct, dataset};

const ENTER: &str = "\u{E007}";
const SPACE: &str = "\u{E00D}";

/// Fetches a link of the page with the browser's own session: (status, content type, bytes).
async fn fetch_link(b: &Browser, css: &str) -> (u64, String, u64) {
    let v = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             const a = document.querySelector(arguments[0]);
             fetch(a.href).then(async r => {
               const body = await r.arrayBuffer();
               return [r.status, r.headers.get('content-type'), body.byteLength];
             }).then(done, e => done([0, String(e), 0]));",
            vec![css.into()],
        )
        .await;
    (v[0].as_u64().unwrap_or(0), v[1].as_str().unwrap_or_default().to_string(), v[2].as_u64().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chair_runs_the_annual_report_in_a_real_browser() {
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        |c| c.exports.recipients = vec![cdop::config::ExportRecipient { name: "ncmd".into(), recipient }],
        axum::Router::new(),
    )
    .await;
    let area = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[area]).await;
    construct(&app, &token, "Northshire", &dataset(), 0).await;
    app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let b = Browser::start().await;

    b.goto(&app.url("/login")).await;
    b.wait_for("Sign in").await;
    b.type_into("#email", "chair@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.press("#password", ENTER).await;
    b.wait_for("Hello").await;
    b.click("a[href='/reports/annual']").await;
    b.wait_for("Internal version").await;
    // The chair picks 2025/26 with the keyboard and runs it.
    b.goto(&app.url("/reports/annual?year=2025")).await;
    let page = b.wait_for("Internal version").await;
    assert!(
        page.contains("Northshire, 2025/26") && page.contains("cdop-chart"),
        "the report with its charts"
    );
    b.check_page("the annual report, internal").await;

    // Switch to the published version with the keyboard.
    b.click("#mode-published").await;
    b.press("#run-report", ENTER).await;
    let page = b.wait_for("Counts from 1 to 4 are not shown").await;
    assert!(page.contains("Published version"));
    b.check_page("the annual report, published").await;

    let (status, kind, size) = fetch_link(&b, "#download-pdf").await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(size > 10_000, "a PDF of {size} bytes");
    let (status, kind, size) = fetch_link(&b, "#download-xlsx").await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(size > 5_000, "a workbook of {size} bytes");
    // The same version prepared in the background: the progress page reloads itself (HTTP
    // Refresh header, no script) until the file is ready.
    b.press("#export-background", ENTER).await;
    b.wait_for("Your export is ready").await;
    b.check_page("a finished background export").await;
    let (status, kind, _) = fetch_link(&b, "#download").await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    b.goto(&app.url("/reports/exports")).await;
    b.wait_for("Your exports").await;
    b.check_page("the list of exports").await;
    // An export under way (its worker holds it for an hour), and with self-refresh turned off.
    let chair = app.user_id("chair@example.org").await;
    let (soon, now) =
        (app.sql_time(chrono::Utc::now() + chrono::TimeDelta::hours(1)), app.sql_time(chrono::Utc::now()));
    app.sql(&format!(
        "INSERT INTO export_jobs (kind, params, requested_by, status, stage, progress, attempts, claimed_until, created_at) \
         VALUES ('annual', '{{\"kind\":\"annual\",\"year\":2025,\"areas\":[[{area},\"Northshire\"]],\"internal\":true,\"format\":\"pdf\",\"generated_on\":\"2026-12-06\"}}', {chair}, 'running', 'Counting the figures', 10, 1, {soon}, {now})"
    ))
    .await;
    let running = app.sql_strings("SELECT CAST(MAX(id) AS TEXT) FROM export_jobs").await.remove(0);
    b.goto(&app.url(&format!("/reports/exports/{running}?refresh=off"))).await;
    b.wait_for("Preparing your export").await;
    b.check_page("an export in progress").await;
    // The statutory dataset is not a chair's to export (they know the meeting dates its
    // intervals run to): a coordinator's, below.
    b.goto(&app.url("/reports/dataset")).await;
    b.wait_for("You cannot do that").await;

    // A thematic report, chosen from the list with the keyboard.
    b.goto(&app.url("/reports/themes")).await;
    b.wait_for("Thematic reports").await;
    b.check_page("the list of thematic reports").await;
    b.press("a[href='/reports/themes/sudic']", ENTER).await;
    b.wait_for("Thematic report: Sudden unexpected deaths").await;
    b.check_page("a thematic report").await;

    // An ad-hoc report: refused without a name (the ticks kept), then saved and shown.
    b.goto(&app.url("/reports/custom")).await;
    b.wait_for("Build a thematic report").await;
    b.check_page("the report builder").await;
    b.press("#categories-perinatal_neonatal", SPACE).await;
    b.press("#save-report", ENTER).await;
    b.wait_for("There is a problem").await;
    b.check_page("the report builder with errors").await;
    assert!(b.source().await.contains("value=\"perinatal_neonatal\" checked"), "the tick is kept");
    b.type_into("#name", "Perinatal deaths").await;
    b.press("#save-report", ENTER).await;
    b.wait_for("Thematic report: Perinatal deaths").await;
    b.check_page("a saved ad-hoc report").await;

    let events = app
        .sql_strings("SELECT details FROM audit_events WHERE action = 'report.downloaded' ORDER BY seq")
        .await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(
        events[2].contains("mode=published") && events[2].ends_with(".pdf"),
        "the background export: {events:?}"
    );
    assert!(events[0].contains("mode=published") && events[0].ends_with("format=pdf"), "{events:?}");

    // The statutory dataset form, as a coordinator: refused without a recipient.
    b.click("button.cdop-link-button").await;
    b.wait_for("You have signed out").await;
    app.user("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    b.goto(&app.url("/login")).await;
    b.wait_for("Sign in").await;
    b.type_into("#email", "coordinator@example.org").await;
    b.type_into("#password", PASSWORD).await;
    b.press("#password", ENTER).await;
    b.wait_for("Hello").await;
    b.goto(&app.url("/reports/dataset")).await;
    b.wait_for("Export the statutory dataset").await;
    b.check_page("the dataset export form").await;
    b.press("#start-export", ENTER).await;
    b.wait_for("There is a problem").await;
    b.check_page("the dataset export form with errors").await;
}

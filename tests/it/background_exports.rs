//! Background exports: the annual report and the statutory dataset are queued from the browser,
//! run by the worker, followed on a progress page that refreshes itself without JavaScript (and
//! can be told not to), and downloaded only by the person who asked. A job left running by a
//! worker that stopped is taken up again once its claim expires, so it survives a restart.

use std::time::Duration;

use cdop::config::ExportRecipient;
use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::agent::Agent;
use crate::common::{Backend, TestApp, notification};

/// Follows the progress page until the export is ready (or fails the test after 60 s).
async fn ready(agent: &Agent, path: &str) -> String {
    for _ in 0..120 {
        let (status, html) = agent.page(path).await;
        assert_eq!(status, 200, "{html}");
        assert!(!html.contains("did not finish"), "the export failed: {html}");
        if html.contains("Your export is ready") {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the export at {path} did not finish in time");
}

both_backends!(
    background_exports_run_survive_a_stopped_worker_and_download_once_ready,
    |backend: Backend| async move {
        let identity = age::x25519::Identity::generate();
        let public = identity.to_public().to_string();
        let app = TestApp::spawn_with(
            backend,
            |c| {
                c.exports.recipients =
                    vec![ExportRecipient { name: "ncmd".into(), recipient: public.clone() }]
            },
            axum::Router::new(),
        )
        .await;
        let north = app.area("Northshire").await;
        let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
        for nhs in ["9434765919", "9434765870"] {
            let (status, body) = app
                .notify_api(&token, &notification("Northshire", "Zebedee", "Quillfeather", nhs, "ZZ9 9ZZ"))
                .await;
            assert_eq!(status, 201, "{body}");
        }
        let year = cdop::domain::dates::ReportingYear::of(app.state.clock.today()).0.to_string();
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[north]).await;

        // The annual report page offers the background export; it queues and runs.
        let (_, page) = chair.page(&format!("/reports/annual?year={year}&mode=published")).await;
        assert!(page.contains("id=\"background-export\""), "{page}");
        let (status, _, location) = chair
            .post_page(
                "/reports/annual/export",
                &[("year", &year), ("mode", "published"), ("format", "xlsx")],
            )
            .await;
        assert_eq!(status, 303);
        let progress = location.expect("sent to the progress page");
        assert!(progress.starts_with("/reports/exports/"), "{progress}");
        let html = ready(&chair, &progress).await;
        assert!(html.contains("Annual report") && html.contains("published version, XLSX"), "{html}");
        let (status, kind, bytes) = chair.download(&format!("{progress}/download")).await;
        assert_eq!(status, 200);
        assert!(kind.contains("spreadsheetml"), "{kind}");
        assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
        let (_, list) = chair.page("/reports/exports").await;
        assert!(list.contains(&format!("href=\"{progress}\"")) && list.contains("Ready"), "{list}");

        // Only the person who asked sees or downloads it.
        let other = app.signed_in("coordinator@example.org", &[Role::Coordinator], &[north]).await;
        assert_eq!(other.page(&progress).await.0, 404);
        assert_eq!(other.download(&format!("{progress}/download")).await.0, 404);
        // A member may not ask for the internal version.
        let member = app.signed_in("member@example.org", &[Role::PanelMember], &[north]).await;
        member.page("/reports/annual").await;
        let (status, _, _) = member
            .post_page("/reports/annual/export", &[("year", &year), ("mode", "internal"), ("format", "pdf")])
            .await;
        assert_eq!(status, 403);

        // A job whose worker stopped mid-run: shown in progress, refreshing itself (HTTP Refresh
        // header, no script), until its claim expires and a worker takes it up again.
        let chair_id = app.user_id("chair@example.org").await;
        let params = serde_json::json!({
            "kind": "annual", "year": year.parse::<i32>().expect("year"), "areas": [[north, "Northshire"]],
            "internal": true, "format": "pdf", "generated_on": app.state.clock.today().to_string()
        });
        let soon = app.sql_time(chrono::Utc::now() + chrono::TimeDelta::hours(1));
        let created = app.sql_time(chrono::Utc::now());
        app.sql(&format!(
        "INSERT INTO export_jobs (kind, params, requested_by, status, stage, progress, attempts, claimed_until, created_at) \
         VALUES ('annual', '{params}', {chair_id}, 'running', 'Counting the figures', 10, 1, {soon}, {created})"
    ))
    .await;
        let id = app.sql_strings("SELECT CAST(MAX(id) AS TEXT) FROM export_jobs").await.remove(0);
        let path = format!("/reports/exports/{id}");
        let res = chair_get(&chair, &path).await;
        assert_eq!(res.0.as_deref(), Some(format!("3; url={path}").as_str()));
        assert!(
            res.1.contains("Counting the figures") && res.1.contains("Stop checking automatically"),
            "{}",
            res.1
        );
        let res = chair_get(&chair, &format!("{path}?refresh=off")).await;
        assert_eq!(res.0, None, "no refresh once the user turned it off");
        assert!(res.1.contains("Check progress now"));
        let past = app.sql_time(chrono::Utc::now() - chrono::TimeDelta::minutes(5));
        app.sql(&format!("UPDATE export_jobs SET claimed_until = {past} WHERE id = {id}")).await;
        ready(&chair, &path).await;
        let (status, kind, bytes) = chair.download(&format!("{path}/download")).await;
        assert_eq!((status.as_u16(), kind.as_str()), (200, "application/pdf"));
        assert!(bytes.starts_with(b"%PDF"));
        assert_eq!(
            app.sql_strings(&format!("SELECT CAST(attempts AS TEXT) FROM export_jobs WHERE id = {id}")).await,
            ["2"],
            "the second attempt finished it"
        );

        // The statutory dataset, a coordinator's (a chair knows the meeting dates its intervals
        // run to): a clear message per field, choices kept; then both variants.
        assert_eq!(chair.page("/reports/dataset").await.0, 403);
        let (status, html) = other.page("/reports/dataset").await;
        assert_eq!(status, 200);
        assert!(html.contains("value=\"ncmd\""), "{html}");
        let next = (year.parse::<i32>().expect("year") + 1).to_string();
        let (status, html, _) = other
            .post_page(
                "/reports/dataset",
                &[("from", &next), ("to", &year), ("areas", &north.to_string()), ("variant", "full")],
            )
            .await;
        assert_eq!(status, 422);
        for message in
            ["The last reporting year must be the same as or after the first", "Choose who the export is for"]
        {
            assert!(html.contains(message), "missing {message}");
        }
        assert!(html.contains("value=\"full\" checked"), "the variant chosen is kept");
        let (status, _, location) = other
            .post_page(
                "/reports/dataset",
                &[
                    ("from", &year),
                    ("to", &year),
                    ("areas", &north.to_string()),
                    ("recipient", "ncmd"),
                    ("variant", "anonymised"),
                ],
            )
            .await;
        assert_eq!(status, 303);
        let anon = location.expect("progress");
        ready(&other, &anon).await;
        let (_, kind, bytes) = other.download(&format!("{anon}/download")).await;
        assert_eq!(kind, "application/zip");
        assert!(!crate::cases::contains(&bytes, "Quillfeather"), "the anonymised export holds no name");
        let (_, _, location) = other
            .post_page(
                "/reports/dataset",
                &[
                    ("from", &year),
                    ("to", &year),
                    ("areas", &north.to_string()),
                    ("recipient", "ncmd"),
                    ("variant", "full"),
                ],
            )
            .await;
        let full = location.expect("progress");
        ready(&other, &full).await;
        let (_, _, sealed) = other.download(&format!("{full}/download")).await;
        assert!(sealed.starts_with(b"age-encryption.org/v1"), "sealed to the recipient");
        assert!(!crate::cases::contains(&sealed, "Quillfeather"));
        let decryptor = age::Decryptor::new(&sealed[..]).expect("an age file");
        let mut plain = Vec::new();
        std::io::Read::read_to_end(
            &mut decryptor
                .decrypt(std::iter::once(&identity as &dyn age::Identity))
                .expect("opens with the recipient's key"),
            &mut plain,
        )
        .expect("read");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(plain)).expect("a zip");
        let mut identities = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("identities.csv").expect("identities"),
            &mut identities,
        )
        .expect("text");
        assert!(identities.contains("Quillfeather"));

        // Member and designated doctor have no dataset export.
        assert_eq!(member.page("/reports/dataset").await.0, 403);
        let actions = app
        .sql_strings("SELECT action FROM audit_events WHERE action IN ('export.requested', 'report.downloaded', 'dataset.exported') ORDER BY seq")
        .await;
        assert_eq!(actions.iter().filter(|a| *a == "export.requested").count(), 3);
        assert_eq!(actions.iter().filter(|a| *a == "report.downloaded").count(), 2);
        assert_eq!(actions.iter().filter(|a| *a == "dataset.exported").count(), 2);
        app.stop().await;
    }
);

/// GET as the chair: (the Refresh header, the body).
async fn chair_get(chair: &Agent, path: &str) -> (Option<String>, String) {
    let res = chair.response(path).await;
    let refresh = res.headers().get("refresh").and_then(|v| v.to_str().ok()).map(str::to_string);
    (refresh, res.text().await.expect("body"))
}

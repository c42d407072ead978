//! Several instances on one PostgreSQL database: this process's app (instance A) and a `cdop serve`
//! process (instance B) share the database and the keys; a slow SMTP relay makes every batch
//! outlast its claim. Every email is delivered exactly once while both run, and nothing is lost
//! when B is killed mid-batch; background exports asked through both run once each; approved
//! destructions are carried out once by whichever retention worker gets there; the audit chain
//! written by both holds.

use std::collections::HashMap;
use std::time::Duration;

use cdop::config::{MailTransportKind, SmtpTls};
use cdop::domain::role::Role;
use cdop::store::outbox;

use crate::common::process::Server;
use crate::common::smtp::{Received, SmtpServer};
use crate::common::{Backend, TestApp, notification};

/// The relay takes this long to accept each message: a batch of 50 takes 20 s, longer than the
/// 12 s a claim is held with a 1 s send timeout.
const RELAY_DELAY: Duration = Duration::from_millis(400);

/// (recipient, case reference) of each message received: one outbox row each.
fn tally(messages: &[Received], references: &[String]) -> HashMap<(String, String), usize> {
    let mut seen = HashMap::new();
    for m in messages {
        // Only the notifications' emails (exports and retention send others).
        let Some(reference) = references.iter().find(|r| m.data.contains(r.as_str())).cloned() else {
            continue;
        };
        for to in &m.recipients {
            *seen.entry((to.clone(), reference.clone())).or_insert(0) += 1;
        }
    }
    seen
}

async fn notify(base: &str, token: &str, n: usize) -> String {
    let mut body = notification("Cumberland", "Instance", &format!("Child{n}"), "", "CA1 1AA");
    body["child"]["nhs_number_not_known_reason"] = "not_available".into();
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/notifications"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201, "notification {n} through {base}");
    let v: serde_json::Value = res.json().await.expect("json");
    v["case_reference"].as_str().expect("reference").to_string()
}

/// Waits until the outbox holds `total` messages or more and none is waiting; returns how many
/// are marked sent.
async fn wait_all_sent(app: &TestApp, total: u64, seconds: u64) -> u64 {
    for _ in 0..seconds * 10 {
        let (waiting, _) = outbox::unsent_depth(&app.state.db).await.expect("depth");
        let sent = outbox::count_with_status(&app.state.db, outbox::SENT).await.expect("count");
        if waiting == 0 && sent >= total {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    outbox::count_with_status(&app.state.db, outbox::SENT).await.expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_each_email_once_and_lose_none_when_one_is_killed() {
    let smtp = SmtpServer::start_slow(0, RELAY_DELAY).await;
    let port = smtp.port;
    let app = TestApp::spawn_with(
        Backend::Postgres,
        move |c| {
            c.mail.transport = MailTransportKind::Smtp;
            c.mail.smtp.host = "127.0.0.1".into();
            c.mail.smtp.port = port;
            c.mail.smtp.tls = SmtpTls::None;
            c.mail.send_timeout_seconds = 1;
            c.mail.poll_interval_ms = 100;
            c.retention.worker_interval_seconds = 1;
        },
        axum::Router::new(),
    )
    .await;
    let area = app.area("Cumberland").await;
    app.user("dd1@example.org", &[Role::DesignatedDoctor], &[area]).await;
    app.user("dd2@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
    let port = port.to_string();
    let mut b = Server::start(
        &app.dir,
        &[
            ("CDOP__DATABASE__URL", &app.db.url),
            ("CDOP__AUTH__MFA_REQUIRED_ROLES", "[]"),
            ("CDOP__MAIL__TRANSPORT", "smtp"),
            ("CDOP__MAIL__SMTP__HOST", "127.0.0.1"),
            ("CDOP__MAIL__SMTP__PORT", &port),
            ("CDOP__MAIL__SMTP__TLS", "none"),
            ("CDOP__MAIL__SEND_TIMEOUT_SECONDS", "1"),
            ("CDOP__MAIL__POLL_INTERVAL_MS", "100"),
            ("CDOP__RETENTION__WORKER_INTERVAL_SECONDS", "1"),
        ],
    );

    // Both running: 20 notifications, alternately through each instance, 3 emails each.
    let mut references = Vec::new();
    for n in 0..20 {
        let base = if n % 2 == 0 { app.base.clone() } else { b.base.clone() };
        references.push(notify(&base, &token, n).await);
    }
    assert_eq!(wait_all_sent(&app, 60, 90).await, 60, "every message marked sent");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let seen = tally(&smtp.mailbox.messages(), &references);
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(seen.len(), 60, "every email delivered: {seen:?}");
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");

    // Background exports asked through both instances: each job runs once, on one of them.
    let chair_a = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    let chair_b = crate::common::agent::Agent::new(&b.base);
    assert_eq!(chair_b.login("chair@example.org", crate::common::PASSWORD).await, "/");
    let year = cdop::domain::dates::ReportingYear::of(app.state.clock.today()).0.to_string();
    for (n, format) in ["xlsx", "csv", "pdf", "xlsx"].iter().enumerate() {
        let agent = if n % 2 == 0 { &chair_a } else { &chair_b };
        let fields = [("year", year.as_str()), ("mode", "published"), ("format", format)];
        let (status, body, _) = agent.post_page("/reports/annual/export", &fields).await;
        assert_eq!(status, 303, "{body}");
    }
    let mut done = Vec::new();
    for _ in 0..600 {
        done = app.sql_strings("SELECT status || ':' || CAST(attempts AS TEXT) FROM export_jobs").await;
        if done.len() == 4 && done.iter().all(|d| d.starts_with("done")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done, vec!["done:1"; 4], "each export ran once");

    // Cases due for destruction, approved: the retention workers of both instances destroy each
    // case once.
    let admin_a = app.user("admin-a@example.org", &[Role::Admin], &[area]).await;
    let admin_b = app.user("admin-b@example.org", &[Role::Admin], &[area]).await;
    for (i, nhs) in ["943 476 5919", "401 023 2137", "999 000 0018", "999 000 0026"].iter().enumerate() {
        crate::retention::closed_case(&app, &token, &format!("Due{i}"), "Retained", nhs, "2020-03-01").await;
    }
    let entries = crate::retention::swept_after_closing(&app, 4).await;
    let acting = crate::retention::admin_acting;
    cdop::retention::queue::queue(&app.state, &acting(admin_a), admin_a, &entries, "Due", &[])
        .await
        .expect("queued");
    cdop::retention::queue::approve(&app.state, &acting(admin_b), admin_b, &entries, "Checked", &[])
        .await
        .expect("approved");
    let mut destroyed = 0;
    for _ in 0..300 {
        destroyed = app
            .sql_strings("SELECT CAST(id AS TEXT) FROM destruction_entries WHERE status = 'destroyed'")
            .await
            .len();
        if destroyed == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(destroyed, 4, "every approved case destroyed");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let events =
        app.sql_strings("SELECT action FROM audit_events WHERE action = 'retention.destroyed'").await;
    assert_eq!(events.len(), 4, "each case destroyed once");

    // B killed mid-batch: the messages it claimed and had not sent are sent by A once its claims
    // expire. At most the one message B was handing to the relay when it died can arrive twice
    // (the relay had it; B never heard the reply), which SMTP cannot avoid.
    let before = smtp.mailbox.messages().len();
    let mut more = Vec::new();
    for n in 20..40 {
        let base = if n % 2 == 0 { app.base.clone() } else { b.base.clone() };
        more.push(notify(&base, &token, n).await);
    }
    smtp.mailbox.wait_for(before + 6, 30).await;
    let _ = b.child.kill();
    let _ = b.child.wait();
    references.extend(more);
    assert!(wait_all_sent(&app, 120, 120).await >= 120, "every message marked sent after the kill");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let seen = tally(&smtp.mailbox.messages(), &references);
    assert_eq!(seen.len(), 120, "nothing lost: {} delivered", seen.len());
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.len() <= 1, "only the message in flight at the kill may repeat: {twice:?}");

    // The audit chain written by both instances holds.
    let report = cdop::store::audit::verify(&app.state.db).await.expect("verify");
    assert!(report.broken.is_none(), "audit chain: {report:?}");
    assert!(report.checked >= 40, "{report:?}");
}

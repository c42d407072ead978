//! The audit chain stays one chain under concurrent appenders: many audited writes and reads at
//! once, from two app instances (two connection pools) on one database.

use cdop::domain::audit::{Actor, AuditAction, AuditEvent};
use cdop::domain::role::Role;
use cdop::store::audit;
use sea_orm::{ConnectionTrait, Statement};

use crate::both_backends;
use crate::common::{Backend, TestApp, notification};

/// Events that share a previous hash with another event (a fork), counted in SQL.
async fn forks(db: &cdop::store::Db) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM (SELECT prev_hash FROM audit_events GROUP BY prev_hash HAVING COUNT(*) > 1) f",
        ))
        .await
        .expect("query")
        .expect("row");
    row.try_get("", "n").expect("count")
}

both_backends!(concurrent_appends_from_two_instances_keep_one_chain, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    // A second instance: its own pool on the same database, keys and data directory.
    let loaded = cdop::config::LoadedConfig::from_config(app.state.config.clone()).expect("config");
    let second = cdop::app::prepare(&loaded).await.expect("second instance prepares");
    let token = app.token_for("doctor@example.org", &[Role::DesignatedDoctor], &[area]).await;

    let mut tasks = tokio::task::JoinSet::new();
    // Bare audited writes from both pools.
    for worker in 0..8 {
        let db = if worker % 2 == 0 { app.state.db.clone() } else { second.db.clone() };
        tasks.spawn(async move {
            for i in 0..40 {
                let event =
                    AuditEvent::new(Actor::System, AuditAction::CaseViewed, "case", format!("W{worker}-{i}"));
                audit::append_now(&db, &event).await.expect("append");
            }
        });
    }
    // Audited notifications and audited identity reads through the API at the same time.
    for client in 0..3 {
        let (base, token) = (app.base.clone(), token.clone());
        tasks.spawn(async move {
            let http = reqwest::Client::new();
            for i in 0..8 {
                let nhs = ["9434765919", "9434765870", "9434765560"][client];
                let body = notification("Cumberland", "Conc", &format!("Child{i}"), nhs, "CA1 1AA");
                let res = http
                    .post(format!("{base}/api/v1/notifications"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(res.status(), 201, "notification accepted");
                let created: serde_json::Value = res.json().await.expect("json");
                let reference = created["case_reference"].as_str().expect("reference").to_string();
                let res = http
                    .get(format!("{base}/api/v1/cases/{reference}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(res.status(), 200, "case read");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task finished");
    }

    assert_eq!(forks(&app.state.db).await, 0, "no two events share a previous hash");
    let report = audit::verify(&app.state.db).await.expect("verify runs");
    assert!(report.broken.is_none(), "chain verifies: {:?}", report.broken);
    // 8 × 40 bare events, and per notification at least a creation and an API read.
    assert!(report.checked >= 320 + 24 * 2, "all events checked: {}", report.checked);
    // Tampering is still caught with the new head semantics: drop the newest event.
    app.sql("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)").await;
    let report = audit::verify(&app.state.db).await.expect("verify runs");
    assert!(report.broken.is_some(), "removing the newest event is detected");
    second.db.clone().close().await.ok();
});

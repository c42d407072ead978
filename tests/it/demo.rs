//! `cdop demo seed`: synthetic cases with their whole review history, readable by every page.

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::{Backend, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    let v = app.sql_strings(&format!("SELECT CAST(({sql}) AS TEXT)")).await;
    v.first().and_then(|s| s.parse().ok()).expect("a count")
}

both_backends!(demo_seed_writes_the_whole_review_lifecycle, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let out = crate::common::process::run(
        &app.dir,
        &[("CDOP__DATABASE__URL", app.db.url.as_str())],
        &["demo", "seed", "--cases", "400", "--years", "3", "--area", "Cumberland", "--seed", "11"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("Created 400 synthetic case(s)") && stdout.contains("analyses signed off"),
        "{stdout}"
    );
    // Seeding a new installation creates the admin account and says how to sign in (the synthetic
    // staff would otherwise stop the first `serve` from creating it).
    assert!(stdout.contains("created the admin account") && stdout.contains("password:"), "{stdout}");

    // Every stage of the process is represented.
    let statuses = app.sql_strings("SELECT DISTINCT status FROM cases").await;
    for s in ["closed", "reviewed", "ready_for_review", "gathering_information"] {
        assert!(statuses.iter().any(|x| x == s), "no case is {s}: {statuses:?}");
    }
    let reviewed = count(&app, "SELECT COUNT(*) FROM cases WHERE review_completed_on IS NOT NULL").await;
    let signed = count(&app, "SELECT COUNT(*) FROM analyses WHERE status = 'signed'").await;
    assert!(reviewed > 150, "{reviewed} reviews completed");
    assert_eq!(reviewed, signed, "a completed review is a signed analysis");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM cases WHERE review_completed_on IS NOT NULL AND (days_to_review IS NULL OR days_to_panel IS NULL OR days_to_notification IS NULL)").await,
        0,
        "completed reviews carry their durations"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM cases WHERE closed_on IS NOT NULL AND status <> 'closed'").await,
        0
    );
    // Plausible outcomes: several categories, modifiable in roughly four deaths in ten, and the
    // rule kept: every "identified" has a factor graded 2.
    let categories =
        count(&app, "SELECT COUNT(DISTINCT category) FROM analyses WHERE status = 'signed'").await;
    assert!(categories >= 6, "{categories} categories");
    let modifiable =
        count(&app, "SELECT COUNT(*) FROM analyses WHERE status = 'signed' AND modifiable = 'identified'")
            .await;
    assert!((signed * 2 / 10..signed * 6 / 10).contains(&modifiable), "{modifiable} of {signed} modifiable");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM analyses a WHERE a.modifiable = 'identified' AND NOT EXISTS \
             (SELECT 1 FROM analysis_answers x WHERE x.analysis_id = a.id AND x.item_key = 'factors.grade' AND x.value = 'grade_2')"
        )
        .await,
        0
    );
    assert!(count(&app, "SELECT COUNT(*) FROM analysis_answers WHERE item_key = 'themes'").await > 50);
    // Agency returns, meetings, pre-panel views, actions.
    let submitted = count(&app, "SELECT COUNT(*) FROM form_requests WHERE status = 'submitted'").await;
    assert!(submitted > 600, "{submitted} forms returned");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM form_requests WHERE status = 'submitted' AND (return_days IS NULL OR answers_sealed IS NULL)").await,
        0
    );
    assert!(count(&app, "SELECT COUNT(*) FROM form_answers").await > submitted * 5);
    assert!(count(&app, "SELECT COUNT(*) FROM meetings WHERE kind = 'cdrm' AND status = 'held'").await > 50);
    assert!(
        count(&app, "SELECT COUNT(*) FROM meetings WHERE kind = 'panel' AND status = 'held'").await >= 24
    );
    assert!(count(&app, "SELECT COUNT(*) FROM agenda_items WHERE outcome = 'deferred'").await > 0);
    assert!(count(&app, "SELECT COUNT(*) FROM prepanel_entries").await > reviewed);
    assert!(count(&app, "SELECT COUNT(*) FROM actions WHERE status = 'implemented'").await > 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_outbox").await, 0, "synthetic data sends no email");
    // Nor later: overdue synthetic requests and actions are left alone by the reminder jobs.
    assert!(
        count(&app, "SELECT COUNT(*) FROM form_requests WHERE status IN ('requested', 'in_progress')").await
            > 10
    );
    assert!(count(&app, "SELECT COUNT(*) FROM actions WHERE status IN ('open', 'in_progress')").await > 0);
    let later = app.state.clock.now() + chrono::TimeDelta::days(60);
    app.state.clock.set(later);
    assert_eq!(cdop::gathering::send_due_reminders(&app.state).await.expect("form reminders"), 0);
    assert_eq!(cdop::review::actions::send_due_reminders(&app.state).await.expect("action reminders"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_outbox").await, 0);

    // What was sealed opens in the service: a signed analysis, the agreement report, the actions.
    let co = app.signed_in("co@example.org", &[Role::Coordinator, Role::PanelChair], &[area]).await;
    let reference = app
        .sql_strings("SELECT c.reference FROM cases c JOIN analyses a ON a.case_id = c.id WHERE a.status = 'signed' AND a.modifiable = 'identified' ORDER BY c.id LIMIT 1")
        .await
        .pop()
        .expect("a signed case");
    let (status, page) = co.page(&format!("/cases/{reference}/analysis")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Signed off") && page.contains("Modifiable factors identified"), "{page}");
    let (status, page) = co.page(&format!("/cases/{reference}/requests")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Synthetic"));
    let (status, page) = co.page("/reports/agreement").await;
    assert_eq!(status, 200);
    assert!(page.contains("kappa"), "{page}");
    let (status, page) = co.page("/actions?status=all").await;
    assert_eq!(status, 200);
    assert!(page.contains("ACT-"), "{page}");

    let envs = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    for check in [["audit", "verify"], ["keys", "verify"]] {
        let out = crate::common::process::run(&app.dir, &envs, &check);
        assert!(out.status.success(), "{check:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
});

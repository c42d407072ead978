//! The periodic access review and a case's access report: every account with its roles, areas,
//! last sign-in, two-factor status and identity reveals; unused accounts flagged; the review
//! recorded and audited; admins reminded by email once when the next one falls due.

use cdop::domain::role::Role;
use chrono::{TimeDelta, Utc};

use crate::both_backends;
use crate::common::agent::cells;
use crate::common::{Backend, TestApp, notification};

both_backends!(the_access_review_lists_flags_records_and_reminds, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("api@example.org", &[Role::Coordinator], &[area]).await;
    let (status, body) = app
        .notify_api(&token, &notification("Cumberland", "Rory", "Revealed", "943 476 5919", "CA1 1AA"))
        .await;
    assert_eq!(status, 201, "{body}");
    let reference = body["case_reference"].as_str().expect("reference").to_string();
    let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    coordinator.reveal(&reference).await;
    coordinator.reveal(&reference).await;
    // An account made 100 days ago that never signed in; one last used 120 days ago; a disabled one.
    let old = app.sql_time(Utc::now() - TimeDelta::days(100));
    app.user("never@example.org", &[Role::PanelMember], &[area]).await;
    app.sql(&format!("UPDATE users SET created_at = {old} WHERE email = 'never@example.org'")).await;
    app.user("stale@example.org", &[Role::PanelChair], &[area]).await;
    let stale = app.sql_time(Utc::now() - TimeDelta::days(120));
    app.sql(&format!("UPDATE users SET last_login_at = {stale} WHERE email = 'stale@example.org'")).await;
    app.user("gone@example.org", &[Role::DesignatedDoctor], &[area]).await;
    app.sql("UPDATE users SET disabled = TRUE WHERE email = 'gone@example.org'").await;
    let admin = app.signed_in("admin@example.org", &[Role::Admin], &[area]).await;

    let (status, page) = admin.page("/admin/access-review").await;
    assert_eq!(status, 200);
    let rows = cells(&page);
    let row_of = |email: &str| -> String {
        let at = rows.iter().position(|c| c.contains(email)).unwrap_or_else(|| panic!("{email} listed"));
        rows[at..at + 8].join(" | ")
    };
    let co = row_of("co@example.org");
    assert!(
        co.contains("CDOP coordinator") && co.contains("Cumberland") && co.contains("| Password | Off | 2 |"),
        "two reveals: {co}"
    );
    assert!(row_of("never@example.org").contains("Never signed in"));
    assert!(row_of("stale@example.org").contains("Not used for 120 days"));
    assert!(row_of("gone@example.org").contains("Disabled"));
    assert!(co.contains("No two-factor authentication"), "the coordinator has no TOTP: {co}");
    assert!(page.contains("Due now") || page.contains("Next review due"));

    // Recording: an outcome is required, and notes unless nothing changed; what was typed is kept.
    let (status, body, _) = admin.post_page("/admin/access-review", &[("notes", "")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Choose the outcome of the review"));
    let (status, body, _) =
        admin.post_page("/admin/access-review", &[("outcome", "changes_made"), ("notes", "")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Describe the changes made or the follow-up needed"));
    let (status, _, _) = admin
        .post_page(
            "/admin/access-review",
            &[("outcome", "changes_made"), ("notes", "Disabled the stale chair account")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = admin.page("/admin/access-review").await;
    assert!(page.contains("Disabled the stale chair account") && page.contains("Test admin"));
    let recorded =
        app.sql_strings("SELECT details FROM audit_events WHERE action = 'access_review.recorded'").await;
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].starts_with("outcome=changes_made;accounts=6;flagged="), "{}", recorded[0]);

    // Not yet due: no reminder. 91 days on: one email to each admin, once.
    cdop::jobs::retention::tick(&app.state).await.expect("tick");
    let reminders =
        || app.sql_strings("SELECT to_address FROM mail_outbox WHERE template = 'access_review_due'");
    assert!(reminders().await.is_empty());
    app.state.clock.advance(TimeDelta::days(91));
    cdop::jobs::retention::tick(&app.state).await.expect("tick");
    cdop::jobs::retention::tick(&app.state).await.expect("tick again");
    assert_eq!(reminders().await, ["admin@example.org"]);

    // Who opened the case: the coordinator's reveals, from the audit trail; the report is audited.
    let (status, page) =
        admin.page(&format!("/admin/case-access?reference={}", reference.to_lowercase())).await;
    assert_eq!(status, 200);
    assert!(page.contains("Test co") && page.contains("Identifying details shown"), "{page}");
    assert!(!page.contains("Revealed"), "the report names staff, never the child");
    let shown = page.matches("Test co").count();
    assert!(shown >= 2, "both reveals listed: {shown}");
    let (status, page) = admin.page("/admin/case-access?reference=CDOP-1999-0001").await;
    assert_eq!(status, 404);
    assert!(page.contains("There is no case CDOP-1999-0001"));
    assert!(
        app.sql_strings("SELECT action FROM audit_events")
            .await
            .iter()
            .any(|a| a == "case.access_report.viewed")
    );
    // Other roles cannot see either page.
    let (status, _) = coordinator.page("/admin/access-review").await;
    assert_eq!(status, 403);
});

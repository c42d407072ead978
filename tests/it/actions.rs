//! The actions register: an action identifies nobody, its owner is emailed when it is assigned
//! and reminded once per overdue point (across a restart and a second instance), the list
//! filters, the CSV export is formula-safe and audited, and a stale edit keeps what was typed.

use chrono::{Datelike, TimeDelta};

use cdop::config::LoadedConfig;
use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::{Backend, TestApp};
use crate::gathering::notified_case;

fn due(app: &TestApp, days: i64) -> [(String, String); 3] {
    let d = app.state.clock.today() + TimeDelta::days(days);
    [
        ("due.day".into(), d.day().to_string()),
        ("due.month".into(), d.month().to_string()),
        ("due.year".into(), d.year().to_string()),
    ]
}

fn fields<'a>(base: &'a [(&'a str, &'a str)], due: &'a [(String, String); 3]) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = base.to_vec();
    out.extend(due.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    out
}

both_backends!(
    actions_are_assigned_listed_exported_and_reminded_once_per_point,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
        let reference = notified_case(&app, "Cumberland").await;

        // A description naming the child is refused, with what was typed kept.
        chair.page(&format!("/actions/new?case={reference}")).await;
        let due14 = due(&app, 14);
        let named = [
            ("description", "Remind Zebedee Quartermaine's school about water safety"),
            ("owner_org", "=Riverside School"),
            ("owner_email", "head@school.example"),
            ("cases", reference.as_str()),
            ("themes", "drowning"),
        ];
        let (status, page, _) = chair.post_page("/actions/new", &fields(&named, &due14)).await;
        assert_eq!(status, 422);
        assert!(page.contains("still identifies someone"), "{page}");
        assert!(page.contains("Riverside School"), "typing kept");
        // A date that is no date and an empty description: both problems in one round.
        let no_date = [
            ("description", ""),
            ("owner_org", "Riverside School"),
            ("owner_email", "not an address"),
            ("due.day", "31"),
            ("due.month", "2"),
            ("due.year", "2027"),
        ];
        let (status, page, _) = chair.post_page("/actions/new", &no_date).await;
        assert_eq!(status, 422);
        for field in ["due", "description", "owner_email"] {
            assert!(page.contains(&format!("href=\"#{field}\"")), "{field} in the same round: {page}");
        }
        let bad_email = [("owner_email", "not an address"), ("description", "x"), ("owner_org", "y")];
        let (status, page, _) = chair.post_page("/actions/new", &fields(&bad_email, &due14)).await;
        assert_eq!(status, 422);
        assert!(page.contains("in the correct format"), "the email is checked");

        let good = [
            ("description", "Review open-water safety teaching across local schools"),
            ("owner_org", "=Riverside School"),
            ("owner_email", "head@school.example"),
            ("cases", reference.as_str()),
            ("themes", "drowning"),
        ];
        let (status, _, to) = chair.post_page("/actions/new", &fields(&good, &due14)).await;
        assert_eq!(status, 303);
        let action = to.expect("the action's page");
        let action_ref = action.trim_start_matches("/actions/").to_string();
        assert!(action_ref.starts_with("ACT-"), "{action_ref}");
        let subjects =
            app.sql_strings("SELECT subject FROM mail_outbox WHERE template = 'action_assigned'").await;
        assert_eq!(subjects.len(), 1, "the owner is emailed");
        assert!(subjects[0].contains(&action_ref));
        let owners = app.sql_strings("SELECT to_address FROM mail_outbox WHERE to_address IS NOT NULL").await;
        assert!(
            !owners.iter().any(|a| a.contains("school.example")),
            "the owner's address is sealed in the outbox"
        );

        // The list: open now, overdue later; the theme filter; the case page links here.
        let (_, page) = chair.page("/actions").await;
        assert!(page.contains(&action_ref) && page.contains("Review open-water safety"));
        let (_, page) = chair.page("/actions?status=overdue").await;
        assert!(!page.contains(&action_ref), "not overdue yet");
        let (_, page) = chair.page("/actions?status=open&theme=suicide_self_harm").await;
        assert!(!page.contains(&action_ref), "filtered by theme");
        let (_, page) = chair.page(&format!("/cases/{reference}")).await;
        assert!(page.contains("id=\"add-case-action\""));

        // CSV: formula-safe, audited.
        let (status, csv) = chair.page("/actions.csv?status=all").await;
        assert_eq!(status, 200);
        assert!(csv.starts_with("reference,area,status"));
        assert!(csv.contains("'=Riverside School"), "formula neutralised: {csv}");
        assert!(csv.contains(&reference) && csv.contains("Drowning"));
        let exported =
            app.sql_strings("SELECT details FROM audit_events WHERE action = 'action.exported'").await;
        assert_eq!(exported, vec!["rows=1".to_string()]);

        // A stale edit keeps what was typed; closing with no action needs a note.
        let (_, page) = chair.page(&action).await;
        let version = crate::common::agent::value_of(&page, "version").expect("version");
        let edit = |status: &'static str, note: &'static str, version: String| {
            let mut f: Vec<(String, String)> = vec![
                ("version".into(), version),
                ("description".into(), "Review open-water safety teaching across local schools".into()),
                ("owner_org".into(), "Riverside School".into()),
                ("owner_email".into(), "head@school.example".into()),
                ("cases".into(), reference.clone()),
                ("status".into(), status.into()),
                ("note".into(), note.into()),
            ];
            f.extend(due14.iter().cloned());
            f
        };
        let as_refs = |f: &Vec<(String, String)>| {
            f.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()
        };
        let post = |f: Vec<(String, String)>| {
            let chair = &chair;
            let action = action.clone();
            async move {
                let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                chair.post_page(&action, &refs).await
            }
        };
        let (status, page, _) = post(as_refs(&edit("closed_no_action", "", version.clone()))).await;
        assert_eq!(status, 422);
        assert!(page.contains("Say why the action is closed"));
        let (status, _, _) =
            post(as_refs(&edit("in_progress", "Started with two schools", version.clone()))).await;
        assert_eq!(status, 303);
        chair.page(&action).await;
        let (status, page, _) = post(as_refs(&edit("implemented", "Typed while stale", version))).await;
        assert_eq!(status, 422, "a stale version is refused");
        assert!(page.contains("Someone else changed this action") && page.contains("Typed while stale"));

        // Reminders: none before the due date has passed; one per point, on two instances at once.
        let second = cdop::app::prepare(
            &LoadedConfig::from_config(crate::common::test_config(&app.dir, &app.db.url)).expect("config"),
        )
        .await
        .expect("second instance");
        let run_both = |days: i64| {
            let (a, b) = (app.state.clone(), second.clone());
            async move {
                let at = chrono::Utc::now() + TimeDelta::days(days);
                a.clock.set(at);
                b.clock.set(at);
                let (x, y) = tokio::join!(
                    cdop::review::actions::send_due_reminders(&a),
                    cdop::review::actions::send_due_reminders(&b)
                );
                x.expect("first") + y.expect("second")
            }
        };
        assert_eq!(run_both(14).await, 0, "due today, not overdue");
        assert_eq!(run_both(15).await, 1, "the day after the due date");
        assert_eq!(run_both(15).await, 0, "the same point is not sent again");
        assert_eq!(run_both(28).await, 0);
        assert_eq!(run_both(29).await, 1, "every 14 days while overdue");
        let (_, page) = chair.page("/actions?status=overdue").await;
        assert!(page.contains(&action_ref), "listed as overdue");
        let overdue =
            app.sql_strings("SELECT subject FROM mail_outbox WHERE template = 'action_overdue'").await;
        assert_eq!(overdue.len(), 2);

        // Implemented: no more reminders, the completion date recorded.
        let (_, page) = chair.page(&action).await;
        let version = crate::common::agent::value_of(&page, "version").expect("version");
        let (status, _, _) = post(as_refs(&edit("implemented", "Done in all schools", version))).await;
        assert_eq!(status, 303);
        assert_eq!(run_both(43).await, 0, "implemented actions are not reminded");
        let (_, page) = chair.page(&action).await;
        assert!(page.contains("Implemented") && page.contains(" on "), "completion date shown");

        // Another area's user cannot see it.
        let elsewhere = app.area("Westmorland and Furness").await;
        let other = app.signed_in("other@example.org", &[Role::PanelChair], &[elsewhere]).await;
        assert_eq!(other.page(&action).await.0, 404);
        assert!(!other.page("/actions?status=all").await.1.contains(&action_ref));
    }
);

both_backends!(a_long_register_is_shown_a_page_at_a_time, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    let chair_id = app.user_id("chair@example.org").await;
    let roles = [Role::PanelChair];
    let acting = cdop::service::Acting {
        actor: cdop::domain::audit::Actor::User(chair_id),
        roles: &roles,
        request_id: "test",
    };
    for n in 0..120 {
        let input = cdop::review::actions::Input {
            area_id: Some(area),
            description: format!("Action number {n:03} for the register"),
            owner_org: "Community Health Trust".into(),
            owner_email: "owner@nhs.example".into(),
            due_on: app.state.clock.today() + TimeDelta::days(30 + n),
            ..Default::default()
        };
        cdop::review::actions::create(&app.state, &acting, &[area], &input).await.expect("created");
    }
    let (status, first) = chair.page("/actions").await;
    assert_eq!(status, 200);
    assert!(first.contains("Open actions (120)") && first.contains("Showing 1 to 50 of 120"), "{first}");
    assert!(first.contains("Action number 000") && first.contains("Action number 049"));
    assert!(!first.contains("Action number 050") && !first.contains("rel=\"prev\""));
    assert!(first.contains("rel=\"next\"") && first.contains("page=2"), "a next link: {first}");
    let (_, last) = chair.page("/actions?page=3").await;
    assert!(last.contains("Showing 101 to 120 of 120") && last.contains("Action number 119"));
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    let (status, beyond) = chair.page("/actions?page=9").await;
    assert_eq!(status, 200, "a page past the end is an empty page, not an error");
    assert!(beyond.contains("past-the-end") && !beyond.contains("Action number"));
    // A page number no list could reach is a clear 400 (it once reached the database driver).
    let (status, page) = chair.page("/actions?page=18446744073709551615").await;
    assert_eq!(status, 400, "{page}");
    // The export still holds the whole register.
    let (_, _, csv) = chair.download("/actions.csv").await;
    assert_eq!(String::from_utf8_lossy(&csv).lines().count(), 121);
});

/// The action owner's link token, read from the action's sealed record (as their email carries it).
/// An action recorded by the panel chair `chair_id` for `case`, through the service (the owner is
/// emailed their link); returns its reference.
pub(crate) async fn record_action(
    app: &TestApp,
    chair_id: i64,
    area: i64,
    case: &str,
    description: &str,
    (owner_org, owner_email): (&str, &str),
) -> String {
    let roles = [Role::PanelChair];
    let acting = cdop::service::Acting {
        actor: cdop::domain::audit::Actor::User(chair_id),
        roles: &roles,
        request_id: "test",
    };
    let input = cdop::review::actions::Input {
        area_id: Some(area),
        description: description.into(),
        owner_org: owner_org.into(),
        owner_email: owner_email.into(),
        due_on: app.state.clock.today() + TimeDelta::days(30),
        cases: vec![case.to_string()],
        ..Default::default()
    };
    cdop::review::actions::create(&app.state, &acting, &[area], &input).await.expect("created")
}

pub(crate) async fn owner_token(app: &TestApp, action: &str) -> String {
    let stored =
        cdop::store::actions::find_by_reference(&app.state.db, action).await.expect("db").expect("action");
    let sealed: serde_json::Value =
        serde_json::from_slice(&app.state.keys.keyring.open(&stored.sealed).expect("opens")).expect("json");
    sealed["owner_token"].as_str().expect("a link token").to_string()
}

both_backends!(an_owner_reports_progress_through_their_link, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    let chair_id = app.user_id("chair@example.org").await;
    let reference = notified_case(&app, "Cumberland").await;
    let action = record_action(
        &app,
        chair_id,
        area,
        &reference,
        "Review open-water safety teaching across local schools",
        ("Riverside School", "head@school.example"),
    )
    .await;

    // The owner's link is sealed with the action (never in clear), and emailed privately.
    let token = owner_token(&app, &action).await;
    assert_eq!(token.len(), 43);
    assert!(!crate::cases::contains(&crate::cases::raw_database_text(&app).await, &token), "sealed at rest");

    // The owner opens it without an account, sees the action and reports progress.
    let owner = app.agent();
    let link = format!("/a/{token}");
    let (status, page) = owner.page(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Review open-water safety") && !page.contains("Zebedee"));
    let (status, page, _) = owner.post_page(&link, &[("status", "implemented"), ("note", "")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Say what was done"), "implemented needs a note");
    let (status, page, _) = owner
        .post_page(&link, &[("status", "in_progress"), ("note", "Zebedee's class had the first session")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("still identifies someone") && page.contains("first session"), "typing kept");
    let (status, page, _) = owner
        .post_page(&link, &[("status", "in_progress"), ("note", "Two of five schools have had the session")])
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Progress received"));
    assert_eq!(
        app.sql_strings(&format!("SELECT status FROM actions WHERE reference = '{action}'")).await,
        ["in_progress"]
    );

    // Staff record the rest from the action's page; the coordinator reads the whole history.
    let (status, page, _) = chair
        .post_page(
            &format!("/actions/{action}/progress"),
            &[("status", "implemented"), ("note", "All five schools done")],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = chair.page(&format!("/actions/{action}")).await;
    assert!(
        page.contains("Two of five schools have had the session")
            && page.contains("(through the owner")
            && page.contains("All five schools done")
            && page.contains("Implemented"),
        "{page}"
    );
    // Closed now: the link no longer opens it; an unknown link is "not found".
    assert_eq!(owner.page(&link).await.0, 404);
    assert_eq!(owner.page(&format!("/a/{}", cdop::crypto::secrets::random_token())).await.0, 404);
});

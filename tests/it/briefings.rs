//! Learning briefings: compiled from two signed-off analyses, they hold both learning points and
//! no identifier; each recipient acknowledges once through their own link; those who have not are
//! reminded, at most the configured number of times, each reminder with a fresh link.

use chrono::{Datelike, TimeDelta};

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::agent::{Agent, value_of};
use crate::common::{Backend, TestApp};

/// A case (notified by `notifier`, a fresh email address) whose analysis is signed off today with
/// `learning` as its learning points.
pub async fn signed_off_case(app: &TestApp, chair: &Agent, notifier: &str, learning: &str) -> String {
    let area = app.area("Cumberland").await;
    let token = app.token_for(notifier, &[Role::DesignatedDoctor], &[area]).await;
    let body =
        crate::common::notification("Cumberland", "Zebedee", "Quartermaine", "943 476 5919", "CA1 1AA");
    let (status, created) = app.notify_api(&token, &body).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["case_reference"].as_str().expect("reference").to_string();
    app.sql(&format!("UPDATE cases SET status = 'ready_for_review' WHERE reference = '{reference}'")).await;
    let analysis = format!("/cases/{reference}/analysis");
    let (_, page) = chair.page(&analysis).await;
    let lock = value_of(&page, "lock").expect("lock");
    let fields = [
        ("lock", lock.as_str()),
        ("modifiable", "none_identified"),
        ("category", "infection"),
        ("themes", "safe_sleep"),
        ("learning", learning),
        ("action", "save"),
    ];
    // The analysis refuses text that identifies the child, naming the finding beside the field
    // and keeping what was typed.
    let naming = format!("Zebedee Quartermaine of CA1 1AA: {learning}");
    let mut refused = fields;
    refused[4] = ("learning", naming.as_str());
    let (status, page, _) = chair.post_page(&analysis, &refused).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("‘Zebedee Quartermaine’ (known for a case)") && page.contains("CA1 1AA"), "{page}");
    assert!(page.contains("id=\"learning-error\""), "the finding is beside the field");
    let (status, page, _) = chair.post_page(&analysis, &fields).await;
    assert_eq!(status, 303, "{page}");
    let today = app.state.clock.today();
    app.sql(&format!(
        "UPDATE analyses SET status = 'signed' WHERE case_id = (SELECT id FROM cases WHERE reference = '{reference}')"
    ))
    .await;
    app.sql(&format!(
        "UPDATE cases SET status = 'reviewed', review_completed_on = '{today}' WHERE reference = '{reference}'"
    ))
    .await;
    reference
}

/// The link in the sealed body of the outbox message `id`.
fn link_in(app: &TestApp, sealed: &[u8]) -> String {
    let plain = app.state.keys.keyring.open(sealed).expect("opens");
    let (_, body) = cdop::mail::opened_recipient(&plain).expect("a sealed body");
    let (text, _) = body.expect("with its body");
    let at = text.find("/b/").expect("a briefing link");
    text[at..].chars().take_while(|c| !c.is_whitespace()).collect()
}

async fn sealed_bodies(app: &TestApp, template: &str) -> Vec<Vec<u8>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    cdop::store::entities::mail_outbox::Entity::find()
        .filter(cdop::store::entities::mail_outbox::Column::Template.eq(template))
        .order_by_asc(cdop::store::entities::mail_outbox::Column::Id)
        .all(&app.state.db)
        .await
        .expect("outbox")
        .into_iter()
        .filter_map(|m| m.sealed_to)
        .collect()
}

both_backends!(
    a_briefing_shares_two_analyses_learning_without_identifiers_and_counts_acknowledgements,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
        let first = signed_off_case(
            &app,
            &chair,
            "n1@example.org",
            "[child] slept on a sofa with an adult: share safe-sleep advice at every contact.",
        )
        .await;
        let second =
            signed_off_case(&app, &chair, "n2@example.org", "Smoke alarms were absent at [address].").await;

        // Compile: both learning points.
        let (status, page) = chair.page("/briefings/new").await;
        assert_eq!(status, 200);
        let today = app.state.clock.today();
        let start = today - TimeDelta::days(30);
        let (fd, fm, fy) = (start.day().to_string(), start.month().to_string(), start.year().to_string());
        let (td, tm, ty) = (today.day().to_string(), today.month().to_string(), today.year().to_string());
        let _ = page;
        let mut compile = vec![
            ("title", "Learning from child deaths: safe sleep"),
            ("period_from.day", fd.as_str()),
            ("period_from.month", fm.as_str()),
            ("period_from.year", fy.as_str()),
            ("period_to.day", td.as_str()),
            ("period_to.month", tm.as_str()),
            ("period_to.year", ty.as_str()),
            ("theme", "safe_sleep"),
        ];
        // Two reviews are fewer than the minimum (5): a warning, and nothing compiled until the
        // author confirms; the confirmation is audited.
        let (status, page, _) = chair.post_page("/briefings/new", &compile).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("Only 2 reviews in this period") && page.contains("id=\"confirm_few\""),
            "{page}"
        );
        assert!(page.contains("Learning from child deaths: safe sleep"), "the title is kept");
        assert_eq!(app.sql_strings("SELECT id FROM briefings").await.len(), 0);
        compile.push(("confirm_few", "yes"));
        let (status, _, to) = chair.post_page("/briefings/new", &compile).await;
        assert_eq!(status, 303);
        let details = app
            .sql_strings("SELECT details FROM audit_events WHERE action = 'briefing.saved' ORDER BY seq")
            .await;
        assert_eq!(details, ["compiled;reviews=2;below_minimum=5;confirmed=yes"]);
        let briefing = to.expect("the briefing");
        let (_, page) = chair.page(&briefing).await;
        assert!(
            page.contains("share safe-sleep advice at every contact")
                && page.contains("Smoke alarms were absent")
        );
        assert!(
            page.contains("learned from a small number of reviews") && !page.contains("from the 2 reviews"),
            "a count below the minimum is not printed"
        );
        for id in ["Zebedee", "Quartermaine", "1 Example Street", "CA1 1AA"] {
            assert!(!page.contains(id), "{id} redacted from the draft");
        }

        // An edit that names the child is refused, keeping what was typed.
        let version = value_of(&page, "version").expect("version");
        let points: Vec<String> = page
            .match_indices("name=\"point\"")
            .map(|(at, _)| {
                let rest = &page[at..];
                let open = rest.find('>').expect("textarea") + 1;
                let close = rest.find("</textarea>").expect("end");
                rest[open..close]
                    .replace("&#x27;", "'")
                    .replace("&#39;", "'")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            })
            .collect();
        assert_eq!(points.len(), 2);
        let mut fields: Vec<(&str, &str)> = vec![
            ("version", version.as_str()),
            ("title", "Learning from child deaths: safe sleep"),
            ("introduction", "What we learned, for Zebedee."),
        ];
        fields.extend(points.iter().map(|p| ("point", p.as_str())));
        let (status, page, _) = chair.post_page(&briefing, &fields).await;
        assert_eq!(status, 422);
        assert!(page.contains("still identifies someone") && page.contains("What we learned, for"));
        fields[2] = ("introduction", "What the panel learned this year.");
        assert_eq!(chair.post_page(&briefing, &fields).await.0, 303);

        // The distribution list: two partner agencies; then send.
        chair.page("/briefings/recipients").await;
        for (org, name, email) in [
            ("Riverside School", "Head teacher", "head@school.example"),
            ("Community Health Trust", "Safeguarding team", "safeguarding@nhs.example"),
        ] {
            let (status, _, _) = chair
                .post_page(
                    "/briefings/recipients",
                    &[("organisation", org), ("name", name), ("email", email)],
                )
                .await;
            assert_eq!(status, 303);
        }
        let (_, page) = chair.page(&briefing).await;
        let version = value_of(&page, "version").expect("version");
        let (status, _, _) =
            chair.post_page(&format!("{briefing}/send"), &[("version", version.as_str())]).await;
        assert_eq!(status, 303);
        let sent = sealed_bodies(&app, "briefing").await;
        assert_eq!(sent.len(), 2, "one private email each");
        let clear = app.sql_strings("SELECT body_text FROM mail_outbox WHERE template = 'briefing'").await;
        assert!(clear.iter().all(|b| !b.contains("/b/")), "the link is sealed in the outbox");

        // A recipient reads it (no account) and acknowledges, once.
        let visitor = app.agent();
        let link = link_in(&app, &sent[0]);
        let (status, page) = visitor.page(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("share safe-sleep advice") && page.contains("Smoke alarms were absent"));
        for id in ["Zebedee", "Quartermaine", "CA1 1AA", "9434765919", "943 476 5919"] {
            assert!(!page.contains(id), "{id} absent from the shared briefing");
        }
        let (status, _, pdf) = visitor.download(&format!("{link}/pdf")).await;
        assert_eq!(status, 200);
        let (text, meta) = crate::common::pdf_text(&pdf);
        assert!(
            text.contains("share safe-sleep advice") && text.contains("Smoke alarms were absent"),
            "{text}"
        );
        for id in ["Zebedee", "Quartermaine", "CA1 1AA", "9434765919", "Example Street"] {
            assert!(!text.contains(id), "{id} absent from the briefing PDF");
        }
        assert!(meta.contains("<pdfuaid:part>1"), "tagged PDF/UA-1");
        assert!(visitor.post_page(&link, &[]).await.1.contains("id=\"acknowledged-panel\""));
        let (_, page, _) = visitor.post_page(&link, &[]).await;
        assert!(
            !page.contains("id=\"acknowledged-panel\"") && page.contains("You acknowledged this briefing")
        );
        let acks =
            app.sql_strings("SELECT action FROM audit_events WHERE action = 'briefing.acknowledged'").await;
        assert_eq!(acks.len(), 1, "recorded once per recipient");
        let (_, page) = chair.page(&briefing).await;
        assert_eq!(
            page.matches("govuk-tag--green\">").count() - 1,
            1,
            "one of two acknowledged (plus the Sent tag)"
        );

        // Reminders: only the one who has not acknowledged, at most twice, each with a new link.
        let remind = |days: i64| {
            let state = app.state.clone();
            async move {
                state.clock.set(chrono::Utc::now() + TimeDelta::days(days));
                cdop::review::briefings::send_due_reminders(&state).await.expect("reminders")
            }
        };
        assert_eq!(remind(6).await, 0);
        assert_eq!(remind(7).await, 1);
        assert_eq!(remind(8).await, 0, "once per point");
        assert_eq!(remind(14).await, 1);
        assert_eq!(remind(40).await, 0, "no more than two");
        let reminders = sealed_bodies(&app, "briefing_reminder").await;
        assert_eq!(reminders.len(), 2);
        let old = link_in(&app, &sent[1]);
        assert_eq!(visitor.page(&old).await.0, 404, "a reminder's link replaces the earlier one");
        let newest = link_in(&app, &reminders[1]);
        assert_eq!(visitor.page(&newest).await.0, 200);
        let _ = (first, second);
    }
);

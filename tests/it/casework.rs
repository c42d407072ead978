//! Moving a case between areas, closing a reviewed case, and the family contact log.

use chrono::Datelike;

use cdop::domain::role::Role;

use crate::both_backends;
use crate::cases::{contains, raw_database_text};
use crate::common::agent::value_of;
use crate::common::{Backend, TestApp};
use crate::gathering::notified_case;

both_backends!(
    a_moved_case_leaves_the_old_areas_users_and_the_move_is_audited,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let old = app.area("Cumbria").await;
        let new = app.area("Cumberland").await;
        let both = app.signed_in("both@example.org", &[Role::Coordinator], &[old, new]).await;
        let old_only = app.signed_in("old@example.org", &[Role::Coordinator], &[old]).await;
        let new_only = app.signed_in("new@example.org", &[Role::DesignatedDoctor], &[new]).await;
        let reference = notified_case(&app, "Cumbria").await;
        let case = format!("/cases/{reference}");
        assert_eq!(old_only.page(&case).await.0, 200);
        assert_eq!(new_only.page(&case).await.0, 404);

        // A coordinator of one area only is offered no area to move to.
        let (_, page) = old_only.page(&format!("{case}/move")).await;
        assert!(page.contains("id=\"no-areas\""));

        let (_, page) = both.page(&case).await;
        assert!(page.contains("id=\"move-case-link\""));
        both.page(&format!("{case}/move")).await;
        let new_s = new.to_string();
        let (status, page, _) = both.post_page(&format!("{case}/move"), &[("area", new_s.as_str())]).await;
        assert_eq!(status, 422, "a reason is needed");
        assert!(page.contains("Choose why the case is moving"));
        let (status, _, to) = both
            .post_page(
                &format!("{case}/move"),
                &[("area", new_s.as_str()), ("reason", "residence_corrected")],
            )
            .await;
        assert_eq!(status, 303);
        assert_eq!(to.as_deref(), Some(case.as_str()), "it keeps its reference");

        assert_eq!(old_only.page(&case).await.0, 404, "the old area's user no longer finds it");
        assert_eq!(new_only.page(&case).await.0, 200);
        let moves =
            app.sql_strings("SELECT details FROM audit_events WHERE action = 'case.area_moved'").await;
        assert_eq!(moves, vec![format!("from_area={old};to_area={new};reason=residence_corrected")]);
    }
);

both_backends!(a_reviewed_case_is_closed_with_its_date, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let reference = notified_case(&app, "Cumberland").await;
    let case = format!("/cases/{reference}");
    let (_, page) = coordinator.page(&case).await;
    assert!(!page.contains("id=\"close-case\""), "only a reviewed case can be closed");
    app.sql(&format!("UPDATE cases SET status = 'reviewed' WHERE reference = '{reference}'")).await;
    let (_, page) = coordinator.page(&case).await;
    assert!(page.contains("id=\"close-case\""));
    let (status, _, _) = coordinator.post_page(&format!("{case}/close"), &[]).await;
    assert_eq!(status, 303);
    let closed = app.sql_strings(&format!("SELECT status FROM cases WHERE reference = '{reference}'")).await;
    assert_eq!(closed, vec!["closed".to_string()]);
    let on = app
        .sql_strings(&format!(
            "SELECT CAST(closed_on AS TEXT) FROM cases WHERE reference = '{reference}' AND closed_on IS NOT NULL"
        ))
        .await;
    assert_eq!(on, vec![app.state.clock.today().to_string()], "the closure date is recorded");
});

both_backends!(the_family_contact_log_is_sealed_and_its_reading_audited, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let doctor = app.signed_in("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let member = app.signed_in("member@example.org", &[Role::PanelMember], &[area]).await;
    let reference = notified_case(&app, "Cumberland").await;
    let family = format!("/cases/{reference}/family");
    assert_eq!(member.page(&family).await.0, 403, "panel members do not see the family log");

    let (status, page) = doctor.page(&family).await;
    assert_eq!(status, 200);
    assert!(page.contains("Not named yet") && page.contains("Not yet"));
    let today = app.state.clock.today();
    let (d, m, y) = (today.day().to_string(), today.month().to_string(), today.year().to_string());
    let next_year = (today.year() + 1).to_string();
    let contact = |kind: &'static str, note: &'static str, year: String| {
        vec![
            ("contact_on.day".to_string(), d.clone()),
            ("contact_on.month".to_string(), m.clone()),
            ("contact_on.year".to_string(), year),
            ("kind".to_string(), kind.to_string()),
            ("note".to_string(), note.to_string()),
        ]
    };
    let post = |fields: Vec<(String, String)>| {
        let doctor = &doctor;
        let path = format!("{family}/contacts");
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            doctor.post_page(&path, &refs).await
        }
    };
    let (status, page, _) = post(contact("question", "", y.clone())).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Enter the family&#x27;s question") || page.contains("Enter the family&#39;s question"),
        "{}",
        &page[page.find("govuk-error-summary").unwrap_or(0)..][..600]
    );
    let (status, page, _) = post(contact("call", "A call", String::new())).await;
    assert_eq!(status, 422);
    assert!(page.contains("The date of the contact must include a year"), "the field named in words");
    let (status, page, _) = post(contact("call", "Spoke to Mrs Quillfeather", next_year)).await;
    assert_eq!(status, 422, "no contact in the future");
    assert!(page.contains("Spoke to Mrs Quillfeather"), "typing kept");
    assert_eq!(post(contact("question", "Asked whether the pool fence was checked", y.clone())).await.0, 303);
    assert_eq!(
        post(contact("feedback", "Told the outcome at home by Mrs Quillfeather's key worker", y)).await.0,
        303
    );

    doctor.page(&family).await;
    let (status, page, _) = doctor
        .post_page(
            &format!("{family}/key-worker"),
            &[
                ("version", "0"),
                ("kw_name", "Robin Nightingale"),
                ("kw_role", "Bereavement nurse"),
                ("kw_email", "nope"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Robin Nightingale"), "typing kept");
    let (status, _, _) = doctor
        .post_page(
            &format!("{family}/key-worker"),
            &[
                ("version", "0"),
                ("kw_name", "Robin Nightingale"),
                ("kw_role", "Bereavement nurse"),
                ("kw_phone", "01228 000000"),
            ],
        )
        .await;
    assert_eq!(status, 303);

    let (_, page) = doctor.page(&family).await;
    assert!(page.contains("Robin Nightingale") && page.contains("Asked whether the pool fence"));
    assert!(page.contains(&today.format("%-d %B %Y").to_string()), "the feedback date");
    assert_eq!(value_of(&page, "version").as_deref(), Some("1"));
    let reads =
        app.sql_strings("SELECT action FROM audit_events WHERE action = 'family.contacts_read'").await;
    assert!(!reads.is_empty(), "reading the log is audited");

    let raw = raw_database_text(&app).await;
    for secret in ["Robin Nightingale", "Quillfeather", "pool fence"] {
        assert!(!contains(&raw, secret), "{secret} is sealed");
    }
});

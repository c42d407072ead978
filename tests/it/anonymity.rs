//! Anonymised readers never see an identity: every free text a panel chair or member (or an
//! admin, or the public) can read passes the identifier check before it is stored, with the
//! findings beside the field; saved reports belong to an area.

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::{Backend, TestApp, notification};

/// A saved ad-hoc report's fields, with its name and description.
pub(crate) fn saved_report<'a>(
    name: &'a str,
    description: &'a str,
    area: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("description", description),
        ("area", area),
        ("categories", "sudden_unexplained"),
        ("breakdowns", "age_band"),
        ("years", "5"),
        ("per", "100000"),
        ("expected", "any"),
    ]
}

both_backends!(saved_reports_belong_to_an_area_and_name_no_one, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let cumberland = app.area("Cumberland").await;
    let westmorland = app.area("Westmorland and Furness").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[cumberland]).await;
    let (status, body) = app
        .notify_api(&token, &notification("Cumberland", "Zebedee", "Quillfeather", "9434765919", "CA1 1AA"))
        .await;
    assert_eq!(status, 201, "{body}");
    let coordinator = app.signed_in("coord.c@example.org", &[Role::Coordinator], &[cumberland]).await;
    let other = app.signed_in("coord.w@example.org", &[Role::Coordinator], &[westmorland]).await;
    let member = app.signed_in("member.c@example.org", &[Role::PanelMember], &[cumberland]).await;
    let both = app.signed_in("chair@example.org", &[Role::PanelChair], &[cumberland, westmorland]).await;
    let c = cumberland.to_string();

    // A name that names a child the area knows is refused, with the finding beside the field and
    // everything typed kept; so is a description with a third party's titled name.
    coordinator.page("/reports/custom").await;
    let fields = saved_report("Zebedee Quillfeather and similar infant deaths", "", &c);
    let (status, page, _) = coordinator.post_page("/reports/custom", &fields).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("id=\"name-error\"") && page.contains("‘Zebedee Quillfeather’ (known for a case)"),
        "{page}"
    );
    assert!(page.contains("value=\"Zebedee Quillfeather and similar infant deaths\""), "kept");
    let fields = saved_report("Sudden infant deaths", "Asked for by Mrs Carol Smith", &c);
    let (status, page, _) = coordinator.post_page("/reports/custom", &fields).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"description-error\"") && page.contains("Mrs Carol Smith"), "{page}");
    assert_eq!(app.sql_strings("SELECT name FROM saved_reports").await.len(), 0, "nothing saved");

    // Saved for Cumberland: its coordinator and panel member see it; Westmorland's coordinator
    // neither sees it nor can delete it.
    let fields = saved_report("Sudden infant deaths", "For the safe sleep campaign", &c);
    let (status, _, to) = coordinator.post_page("/reports/custom", &fields).await;
    assert_eq!(status, 303);
    let url = to.expect("the saved report");
    let id = url.rsplit('/').next().expect("id").to_string();
    for agent in [&coordinator, &member, &both] {
        let (status, list) = agent.page("/reports/themes").await;
        assert_eq!(status, 200);
        assert!(list.contains("Sudden infant deaths"), "listed for an area member");
        assert_eq!(agent.page(&url).await.0, 200);
    }
    let (_, list) = other.page("/reports/themes").await;
    assert!(!list.contains("Sudden infant deaths"), "not listed in the other area");
    assert_eq!(other.page(&url).await.0, 404);
    assert_eq!(other.post(&format!("/reports/saved/{id}/delete"), &[]).await.status(), 404);
    assert_eq!(app.sql_strings("SELECT name FROM saved_reports").await.len(), 1, "still there");

    // Every area only for someone who holds them all; a coordinator of one area cannot choose it.
    let fields = saved_report("Drowning everywhere", "", "all");
    let (status, page, _) = coordinator.post_page("/reports/custom", &fields).await;
    assert_eq!(status, 303, "one area: the report is that area's ({page})");
    let areas =
        app.sql_strings("SELECT COALESCE(CAST(area_id AS TEXT), 'all') FROM saved_reports ORDER BY id").await;
    assert_eq!(areas, [c.clone(), c.clone()]);
    both.page("/reports/custom").await;
    let (status, _, _) = both.post_page("/reports/custom", &saved_report("Across Cumbria", "", "all")).await;
    assert_eq!(status, 303);
    let (_, list) = coordinator.page("/reports/themes").await;
    assert!(!list.contains("Across Cumbria"), "every-area reports only for those holding every area");
    let audited =
        app.sql_strings("SELECT details FROM audit_events WHERE action = 'report.saved' ORDER BY seq").await;
    assert_eq!(audited.last().map(String::as_str), Some("area=all;confirmed=0"), "{audited:?}");
    assert_eq!(coordinator.post(&format!("/reports/saved/{id}/delete"), &[]).await.status(), 303);
});

both_backends!(
    anonymised_readers_get_the_datasets_grain_and_reasons_name_no_one,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[area]).await;
        let mut body = notification("Cumberland", "Zebedee", "Quillfeather", "9434765919", "CA1 1AA");
        body["child"]["date_of_birth"] = "2026-08-01".into();
        body["death"]["date_of_death"] = "2026-11-20".into();
        let (status, made) = app.notify_api(&token, &body).await;
        assert_eq!(status, 201, "{made}");
        let reference = made["case_reference"].as_str().expect("reference").to_string();

        // The chair reads the month of notification and the age in completed weeks (111 days: 15
        // weeks), never the minute or the day count that, with a meeting's date, give the dates back.
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
        let (status, page) = chair.page(&format!("/cases/{reference}")).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("28 to 364 days (15 completed weeks)"), "{page}");
        assert!(!page.contains("111 days") && !page.contains(" UTC"), "{page}");
        let (_, list) = chair.page("/cases").await;
        assert!(!list.contains(&format!("{} 2026", chrono::Utc::now().format("%-d %b"))), "the month only");
        let chair_token = app.token_for("chair.api@example.org", &[Role::PanelChair], &[area]).await;
        let read = |t: String| {
            let url = app.url(&format!("/api/v1/cases/{reference}"));
            async move {
                let res = reqwest::Client::new().get(url).bearer_auth(t).send().await.expect("sent");
                res.json::<serde_json::Value>().await.expect("json")
            }
        };
        let seen = read(chair_token).await;
        assert_eq!(seen["notified_at"], serde_json::Value::Null, "{seen}");
        assert_eq!(seen["age_at_death_days"], serde_json::Value::Null, "{seen}");
        assert_eq!(seen["age_at_death_weeks"], 15, "{seen}");
        assert_eq!(seen["notified_month"], chrono::Utc::now().format("%Y-%m").to_string(), "{seen}");
        let full = read(token.clone()).await;
        assert_eq!(full["age_at_death_days"], 111, "identity roles keep the exact figures: {full}");

        // A status change's reason goes to the audit trail admins read: the child's name is refused.
        let coordinator = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
        coordinator.page(&format!("/cases/{reference}/requests")).await;
        let res = coordinator
            .post(
                &format!("/cases/{reference}/status"),
                &[("to", "gathering_information"), ("reason", "Waiting for Zebedee's school")],
            )
            .await;
        assert_eq!(res.status(), 422, "refused on the page, by the reason typed");
        let page = res.text().await.expect("page");
        assert!(page.contains("govuk-error-summary") && page.contains("(known for a case)"), "{page}");
        let details = app.sql_strings("SELECT details FROM audit_events").await.join("\n");
        assert!(!details.contains("Zebedee"), "{details}");
    }
);

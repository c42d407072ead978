//! Issue 23 on both databases: statutory dates kept in order (and `cdop check dates`),
//! duplicates across areas seen only by someone who works in both, and a merge carrying the
//! details the earlier case lacks. (A public notification sent twice: `cases.rs`.)

use chrono::{Datelike, TimeDelta};
use serde_json::json;

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::agent::{Agent, value_of};
use crate::common::{Backend, TestApp, notification};
use crate::review::ready_case;

/// Arranges a panel meeting `days` from today in `area`, chaired by `chair`; its page.
async fn meeting(coordinator: &Agent, app: &TestApp, area: i64, chair: i64, days: i64) -> String {
    meeting_with(coordinator, app, area, chair, days, &[]).await
}

/// The same, with `attendees`.
pub(crate) async fn meeting_with(
    coordinator: &Agent,
    app: &TestApp,
    area: i64,
    chair: i64,
    days: i64,
    attendees: &[i64],
) -> String {
    let day = app.state.clock.today() + TimeDelta::days(days);
    coordinator.page("/meetings/new").await;
    let (d, mo, y) = (day.day().to_string(), day.month().to_string(), day.year().to_string());
    let (chair, area) = (chair.to_string(), area.to_string());
    let attendees: Vec<String> = attendees.iter().map(i64::to_string).collect();
    let mut fields = vec![
        ("kind", "panel"),
        ("date.day", d.as_str()),
        ("date.month", mo.as_str()),
        ("date.year", y.as_str()),
        ("time", "10:00"),
        ("duration", "120"),
        ("location", "Room 4, Civic Centre"),
        ("chair", chair.as_str()),
        ("areas", area.as_str()),
    ];
    fields.extend(attendees.iter().map(|a| ("attendees", a.as_str())));
    let (status, page, to) = coordinator.post_page("/meetings/new", &fields).await;
    assert_eq!(status, 303, "{page}");
    to.expect("the meeting's page")
}

both_backends!(statutory_dates_keep_their_order, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
    let chair = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    // A meeting arranged for tomorrow, still not marked held three days later, when the case is
    // notified: it cannot review a case notified after it.
    let earlier = meeting(&coordinator, &app, area, chair, 1).await;
    app.state.clock.advance(TimeDelta::days(3));
    let reference = ready_case(&app, &coordinator).await;
    let (status, page, _) =
        coordinator.post_page(&format!("{earlier}/add"), &[("case", reference.as_str())]).await;
    assert_eq!(status, 422);
    assert!(page.contains(&format!("before {reference} was notified")), "the reason, by the field");

    // A meeting still to come: the case goes on its agenda, but it is not held, and no outcome
    // "reviewed" is recorded, until it has taken place.
    let next = meeting(&coordinator, &app, area, chair, 7).await;
    let (status, _, _) = coordinator.post_page(&format!("{next}/add"), &[("case", reference.as_str())]).await;
    assert_eq!(status, 303);
    let (_, page) = coordinator.page(&next).await;
    let item = value_of(&page, "item").expect("an agenda item");
    let version = value_of(&page, "version").unwrap_or_default();
    let outcome = format!("outcome-{item}");
    let (status, page, _) = coordinator
        .post_page(
            &format!("{next}/outcome"),
            &[("item", &item), ("version", &version), (&outcome, "reviewed")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("once it has taken place"), "refused with the reason");
    assert!(page.contains(&format!("href=\"#outcome-{item}\"")), "the summary links to the outcome");
    assert!(page.contains("<details class=\"govuk-details\" open>"), "the outcome's section is open");
    assert!(page.contains("value=\"reviewed\" checked"), "what was chosen is kept");
    // Deferring needs its reason, shown by the item's own field.
    let (status, page, _) = coordinator
        .post_page(
            &format!("{next}/outcome"),
            &[("item", &item), ("version", &version), (&outcome, "deferred")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains(&format!("id=\"reason-{item}-error\"")), "{page}");

    // `cdop check dates`: in order now; a case recorded with its CDRM after sign-off is listed.
    let out = crate::retention::cli(&app, &["check", "dates"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("in order"));
    let today = app.state.clock.today();
    app.sql(&format!(
        "UPDATE cases SET review_completed_on = '{today}', days_to_notification = 1, days_to_cdrm = 35, \
         days_to_panel = NULL, days_to_review = 34 WHERE reference = '{reference}'"
    ))
    .await;
    let out = crate::retention::cli(&app, &["check", "dates"]);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        listed.contains(&format!(
            "{reference}: sign-off (day 34 after the death) is before the child death review meeting (day 35)"
        )) && listed.contains("signed off with no panel meeting"),
        "{listed}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 case with dates out of order"));
});

both_backends!(duplicates_across_areas_reach_only_who_works_in_both, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Cumberland").await;
    let south = app.area("Westmorland and Furness").await;
    let in_north = app.token_for("north@example.org", &[Role::DesignatedDoctor], &[north]).await;
    let in_south = app.token_for("south@example.org", &[Role::DesignatedDoctor], &[south]).await;

    // The earlier case: no date of birth (an approximate age), no address or postcode; it has
    // moved on to information gathering.
    let mut first = notification("Cumberland", "Zebedee", "Quartermaine", "943 476 5919", "");
    first["child"]["date_of_birth"] = json!("");
    first["child"]["date_of_birth_not_known"] = json!(true);
    first["child"]["approximate_age"] = json!({"value": 7, "unit": "years"});
    first["child"]["address"] = json!("");
    first["child"]["address_not_known"] = json!(true);
    first["child"]["postcode_not_known"] = json!(true);
    let (status, body) = app.notify_api(&in_north, &first).await;
    assert_eq!(status, 201, "{body}");
    let earlier = body["case_reference"].as_str().expect("reference").to_string();
    app.sql(&format!("UPDATE cases SET status = 'gathering_information' WHERE reference = '{earlier}'"))
        .await;

    // The same NHS number notified in the other area: flagged, without naming the other area's case.
    let (status, body) = app
        .notify_api(
            &in_south,
            &notification("Westmorland and Furness", "Zebedee", "Quartermaine", "943 476 5919", "LA9 4DL"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["duplicate_of"].is_null(), "the notifier does not work in the other area: {body}");
    let later = body["case_reference"].as_str().expect("reference").to_string();
    assert_eq!(
        app.sql_strings(&format!("SELECT duplicate_status FROM cases WHERE reference = '{later}'")).await,
        ["flagged"]
    );

    // A coordinator of one area sees no flag; a coordinator of both sees it everywhere, counted alike.
    let one = app.signed_in("south-coord@example.org", &[Role::Coordinator], &[south]).await;
    let both = app.signed_in("both@example.org", &[Role::Coordinator], &[north, south]).await;
    for (who, sees) in [(&one, false), (&both, true)] {
        let (_, home) = who.page("/").await;
        let (_, triage) = who.page("/triage").await;
        let (_, case) = who.page(&format!("/cases/{later}")).await;
        assert_eq!(home.contains("1</strong> possible duplicate"), sees, "{home}");
        assert_eq!(
            triage.contains(&format!("/cases/{later}\"")) && triage.contains("id=\"duplicates\""),
            sees
        );
        assert_eq!(case.contains("Possible duplicate"), sees);
        assert_eq!(case.contains(&earlier), sees, "the other area's case is named only to who works there");
    }
    assert_eq!(one.page(&format!("/cases/{later}/duplicate/merge")).await.0, 409);

    // The merge shows, then carries, what the earlier case lacks; undoing takes it away again.
    let (status, page) = both.page(&format!("/cases/{later}/duplicate/merge")).await;
    assert_eq!(status, 200);
    assert!(page.contains("has no date of birth, address or postcode"), "{page}");
    let version = value_of(&page, "version").expect("version");
    let (status, _, _) =
        both.post_page(&format!("/cases/{later}/duplicate/merge"), &[("version", &version)]).await;
    assert_eq!(status, 303);
    let coded = |r: &str| {
        format!(
            "SELECT CAST(age_approximate AS TEXT) || ',' || data_quality FROM cases WHERE reference = '{r}'"
        )
    };
    let after = app.sql_strings(&coded(&earlier)).await;
    assert!(
        after[0].starts_with("false") || after[0].starts_with('0'),
        "the age now comes from the date of birth: {after:?}"
    );
    assert!(!after[0].contains("date_of_birth") && !after[0].contains("postcode"), "{after:?}");
    let identity = app
        .state
        .identity(
            &cdop::store::cases::find_by_reference(&app.state.db, &earlier).await.expect("db").expect("case"),
        )
        .expect("opens");
    assert_eq!(identity.child.postcode, "LA9 4DL");
    assert!(identity.child.date_of_birth.is_some() && !identity.child.address.is_empty());
    let (status, _, _) = both.post_page(&format!("/cases/{later}/duplicate/unmerge"), &[]).await;
    assert_eq!(status, 303);
    let identity = app
        .state
        .identity(
            &cdop::store::cases::find_by_reference(&app.state.db, &earlier).await.expect("db").expect("case"),
        )
        .expect("opens");
    assert!(identity.child.date_of_birth.is_none() && identity.child.postcode.is_empty(), "undone");
    let undone = app.sql_strings(&coded(&earlier)).await;
    assert!(undone[0].contains("date_of_birth"), "the coded columns are put back: {undone:?}");

    // A case rejected at triage is not a possible duplicate, nor a candidate for one.
    app.sql(&format!("UPDATE cases SET status = 'rejected' WHERE reference = '{later}'")).await;
    let (_, triage) = both.page("/triage").await;
    assert!(!triage.contains(&format!("/cases/{later}\"")), "rejected: not listed");
    let (_, home) = both.page("/").await;
    assert!(home.contains("0</strong> possible duplicates"), "{home}");
});

both_backends!(
    one_case_from_notification_to_the_annual_report_keeps_its_dates_in_order,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let coordinator = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
        let chair_id = app.user_id("chair@example.org").await;
        let reference = ready_case(&app, &coordinator).await;

        // The panel meets a week later; the case is on its agenda.
        let panel = meeting(&coordinator, &app, area, chair_id, 7).await;
        let (status, _, _) =
            coordinator.post_page(&format!("{panel}/add"), &[("case", reference.as_str())]).await;
        assert_eq!(status, 303);

        // The analysis, drafted before the panel: a factor without its domain is refused by its field.
        let analysis = format!("/cases/{reference}/analysis");
        let (_, page) = chair.page(&analysis).await;
        let lock = value_of(&page, "lock").expect("lock");
        let form = |lock: &str, domain: &str| {
            let fields: Vec<(String, String)> = vec![
                ("lock".into(), lock.into()),
                ("factors-rows".into(), "1".into()),
                ("factors.0.domain".into(), domain.into()),
                ("factors.0.description".into(), "Smoking in the household".into()),
                ("factors.0.grade".into(), "grade_2".into()),
                ("modifiable".into(), "identified".into()),
                ("category".into(), "infection".into()),
                ("primary_cause".into(), "Bronchopneumonia".into()),
                ("primary_icd10".into(), "j189".into()),
                ("themes".into(), "smoking".into()),
                ("known_to_social_care".into(), "no".into()),
                ("learning".into(), "Smoke-free homes matter.".into()),
                ("recommendations".into(), "Remind health visitors of smoking cessation referral.".into()),
                ("action".into(), "save".into()),
            ];
            fields
        };
        let post = |fields: Vec<(String, String)>| {
            let chair = &chair;
            let analysis = analysis.clone();
            async move {
                let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                chair.post_page(&analysis, &refs).await
            }
        };
        let (status, page, _) = post(form(&lock, "")).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("Factor 1: choose the domain it belongs to")
                && page.contains("href=\"#factors-0-domain\"")
        );
        let (status, _, _) = post(form(&lock, "b")).await;
        assert_eq!(status, 303);
        // A chair without two-factor learns it now, before the panel, not at sign-off.
        let (_, page) = chair.page(&analysis).await;
        assert!(
            page.contains("id=\"needs-two-factor\"") && page.contains("href=\"/account/two-factor\""),
            "{page}"
        );
        let totp = crate::review::with_totp(&app, chair_id).await;
        let (_, page) = chair.page(&analysis).await;
        assert!(!page.contains("needs-two-factor") && page.contains("id=\"sign-off\""));

        // Closing before sign-off is refused, shown as a problem (not a success).
        let (status, _, to) = coordinator.post_page(&format!("/cases/{reference}/close"), &[]).await;
        assert_eq!(status, 303);
        let (_, page) = coordinator.page(&to.expect("back to the case")).await;
        assert!(
            page.contains("There is a problem")
                && page.contains("href=\"#close-case\"")
                && !page.contains("Success")
        );

        // The panel meets; the chair signs off; the case is closed.
        app.state.clock.advance(TimeDelta::days(8));
        let (_, page) = chair.page(&analysis).await;
        let lock = value_of(&page, "lock").expect("lock");
        let good = crate::review::code(&totp, &app, 0);
        let (status, page, _) =
            chair.post_page(&format!("{analysis}/sign-off"), &[("lock", &lock), ("code", &good)]).await;
        assert_eq!(status, 303, "{page}");
        let (status, _, _) = coordinator.post_page(&format!("/cases/{reference}/close"), &[]).await;
        assert_eq!(status, 303);
        assert_eq!(app.sql_strings("SELECT status FROM cases").await, ["closed"]);

        // The dataset's intervals: all known, none negative, in the order of the process.
        let row = app
            .sql_strings(
                "SELECT CAST(days_to_notification AS TEXT) || ',' || CAST(days_to_panel AS TEXT) || ',' || \
             CAST(days_to_review AS TEXT) FROM cases",
            )
            .await;
        let days: Vec<i64> = row[0].split(',').map(|d| d.parse().expect("a number of days")).collect();
        assert!(days.iter().all(|d| *d >= 0) && days.windows(2).all(|w| w[0] <= w[1]), "{row:?}");
        let closed = app
            .sql_strings(
                "SELECT CAST(closed_on AS TEXT) || ' ' || CAST(review_completed_on AS TEXT) FROM cases",
            )
            .await;
        let (closed_on, completed_on) = closed[0].split_once(' ').expect("both dates");
        assert!(closed_on >= completed_on, "closed after sign-off: {closed:?}");
        // What `cdop check dates` lists, on the service's (moved) clock: nothing.
        let found =
            cdop::review::dates::check(&app.state.db, app.state.clock.today()).await.expect("checked");
        assert!(found.is_empty(), "{found:?}");

        // The annual report counts the completed review.
        let year = app.sql_strings("SELECT CAST(reporting_year AS TEXT) FROM cases").await[0].clone();
        let (status, html) = chair.page(&format!("/reports/annual?year={year}&mode=internal")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Reviews completed in the year"), "the annual report");
        let token = app.token_for("api-chair@example.org", &[Role::PanelChair], &[area]).await;
        let doc: serde_json::Value = app
            .client
            .get(app.url(&format!("/api/v1/reports/annual?year={year}&mode=internal")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        let categories = doc["sections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["blocks"].as_array().cloned().unwrap_or_default())
            .find(|b| b["key"] == "reviewed-category-modifiable")
            .expect("the reviewed table");
        assert_eq!(categories["total"][1], "1", "{categories}");
    }
);

both_backends!(a_professional_rows_problems_sit_beside_the_row, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let doctor = app.signed_in("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    doctor.page("/cases/new").await;
    let area_s = area.to_string();
    let (status, page, _) = doctor
        .post_page(
            "/cases/new",
            &[
                ("area", area_s.as_str()),
                ("professionals.0.name", "Sam Health"),
                ("professionals.1.name", "Lee Teacher"),
                ("professionals.1.role", "Head teacher"),
                ("professionals.1.organisation", "Riverside School"),
                ("professionals.1.email", "not an address"),
                ("action", "check"),
            ],
        )
        .await;
    assert_eq!(status, 200, "the form again, with its problems");
    for id in [
        "professionals-0-role",
        "professionals-0-organisation",
        "professionals-0-email",
        "professionals-1-email",
    ] {
        assert!(page.contains(&format!("id=\"{id}-error\"")), "{id}'s problem is beside it");
        assert!(page.contains(&format!("href=\"#{id}\"")), "and in the summary");
    }
    assert_eq!(value_of(&page, "professionals.1.email").as_deref(), Some("not an address"), "typing kept");
});

//! The review stage: a panel meeting with its agenda and calendar invitation, an anonymised case
//! pack that opens only to attendees within its window and holds no identifier, private pre-panel
//! categorisation opened by the chair, the analysis with the modifiable rule, sign-off with a
//! two-factor code, and amendments kept as versions.

use chrono::{Datelike, TimeDelta};

use cdop::domain::role::Role;

use crate::both_backends;
use crate::cases::{contains, raw_database_text};
use crate::common::agent::{Agent, value_of};
use crate::common::{Backend, TestApp};
use crate::gathering::notified_case;

const NARRATIVE: &str = "Zebedee Quartermaine (NHS 9434765919, born 17/05/2019) lived at 1 Example Street, Carlisle CA1 1AA. Sam Health visited Zebedee's family weekly; Pat Ravensworth completed this form.";

/// A case ready for review whose Reporting Form narrative names the child, the NHS number, the
/// date of birth, the address, the postcode and professionals.
pub(crate) async fn ready_case(app: &TestApp, coordinator: &Agent) -> String {
    let reference = notified_case(app, "Cumberland").await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("api-coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let api = |p: &str| app.url(p);
    let res = app
        .client
        .post(api(&format!("/api/v1/cases/{reference}/requests")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"requests": [{"name": "Sam Health", "organisation": "Community Health Trust", "email": "hv@nhs.example", "agency_type": "health", "forms": ["reporting"]}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.expect("json")["request_ids"][0].as_i64().expect("id");
    let res = app
        .client
        .post(api(&format!("/api/v1/requests/{id}/response")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"answers": {"completed_by_name": "Pat Ravensworth", "completed_by_organisation": "Community Health Trust",
            "resuscitation_attempted": "yes", "bereavement_support_offered": "yes", "bereavement_support_what": NARRATIVE}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    coordinator.page(&format!("/cases/{reference}/requests")).await;
    let (status, _, _) = coordinator
        .post_page(
            &format!("/cases/{reference}/status"),
            &[("to", "ready_for_review"), ("reason", "information complete")],
        )
        .await;
    assert_eq!(status, 303);
    reference
}

/// A user with two-factor authentication on; returns the secret's raw bytes.
pub(crate) async fn with_totp(app: &TestApp, user_id: i64) -> Vec<u8> {
    let secret = cdop::crypto::totp::new_secret();
    let step = app.state.clock.now().timestamp() / 30;
    cdop::store::users::enable_totp(&app.state.db, user_id, &secret, step - 10, &[]).await.expect("totp on");
    data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32")
}

pub(crate) fn code(raw: &[u8], app: &TestApp, steps_ahead: i64) -> String {
    let step = app.state.clock.now().timestamp() / 30 + steps_ahead;
    format!("{:06}", cdop::crypto::totp::code_at(raw, step).expect("code"))
}

/// The identifiers that must never reach a pack.
const IDENTIFIERS: &[&str] = &[
    "Zebedee",
    "Quartermaine",
    "9434765919",
    "943 476 5919",
    "17/05/2019",
    "2019-05-17",
    "CA1 1AA",
    "Example Street",
    "Sam Health",
    "Ravensworth",
];

both_backends!(a_panel_reviews_a_case_from_an_anonymised_pack_to_sign_off, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    let chair_id = app.user_id("chair@example.org").await;
    let member = app.signed_in("member@example.org", &[Role::PanelMember], &[area]).await;
    let member_id = app.user_id("member@example.org").await;
    let outsider = app.signed_in("outsider@example.org", &[Role::PanelMember], &[area]).await;
    let reference = ready_case(&app, &coordinator).await;

    // Arrange a panel meeting a week ahead.
    coordinator.page("/meetings/new").await;
    let mut fields = meeting_fields(&app, chair_id, member_id, area);
    fields[4].1 = "25:00".into();
    let (status, page, _) = post(&coordinator, "/meetings/new", fields).await;
    assert_eq!(status, 422, "a bad time is refused");
    assert!(
        page.contains("like 14:30") && page.contains("Room 4, Civic Centre"),
        "message next to the field, typing kept"
    );
    let meeting = panel_meeting(&app, &coordinator, &reference, chair_id, member_id, area).await;
    let id: i64 = meeting.trim_start_matches("/meetings/").parse().expect("id");
    let (_, page) = coordinator.page(&format!("/cases/{reference}")).await;
    assert!(
        page.contains("id=\"prepare-pack\"") && page.contains("id=\"open-analysis\""),
        "reached from the case"
    );
    let (status, _, _) = coordinator.post_page(&format!("{meeting}/invite"), &[]).await;
    assert_eq!(status, 303);
    let ics: Vec<String> =
        app.sql_strings("SELECT calendar FROM mail_outbox WHERE template = 'meeting_invitation'").await;
    assert_eq!(ics.len(), 2, "the chair and the member are invited");
    assert!(ics[0].contains("METHOD:REQUEST") && ics[0].contains("DTSTART:") && ics[0].contains(&reference));
    for i in IDENTIFIERS {
        assert!(!ics.iter().any(|c| c.contains(i)), "{i} in an invitation");
    }

    // The pack: the narrative arrives redacted; a summary naming the child is refused.
    let pack_page = format!("/cases/{reference}/pack");
    let (status, page) = coordinator.page(&pack_page).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("[child]") && page.contains("[NHS number]") && page.contains("[postcode]"),
        "{page}"
    );
    for i in IDENTIFIERS {
        assert!(!page.contains(i), "{i} survived redaction");
    }
    let (status, page, _) = coordinator
        .post_page(&format!("{pack_page}/summary"), &[("version", "0"), ("summary", "Zebedee died at home.")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("still identifies someone") && page.contains("Zebedee died at home."));
    let (status, _, _) = coordinator
        .post_page(
            &format!("{pack_page}/summary"),
            &[("version", "0"), ("summary", "[child] died after a short illness.")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = coordinator.page(&pack_page).await;
    let narrative = value_of(&page, "narrative").expect("a narrative to check");
    let text = crate::common::agent::text_of_id(&page, &format!("text-{narrative}")).expect("text");
    let version = value_of(&page, &format!("version-{narrative}")).expect("the narrative's version");
    let typed_back = format!("{text} Seen by Zebedee's aunt.");
    let field = format!("text-{narrative}");
    let (status, page, _) = coordinator
        .post_page(
            &format!("{pack_page}/check"),
            &[
                ("narrative", &narrative),
                ("version", &version),
                (&field, &typed_back),
                ("decision", "confirm"),
            ],
        )
        .await;
    assert_eq!(status, 422, "a name typed back in is caught");
    assert!(page.contains("Seen by"));
    let (status, _, _) = coordinator
        .post_page(
            &format!("{pack_page}/check"),
            &[("narrative", &narrative), ("version", &version), (&field, &text), ("decision", "confirm")],
        )
        .await;
    assert_eq!(
        status,
        303,
        "{}",
        crate::common::agent::text_of_id(&page, "error-summary-title").unwrap_or(page.clone())
    );
    let (_, page) = coordinator.page(&pack_page).await;
    let item = value_of(&page, "item").expect("publish form");
    let (status, page, _) = coordinator.post_page(&format!("{pack_page}/publish"), &[("item", &item)]).await;
    assert_eq!(status, 303, "{:?}", crate::common::agent::text_of_id(&page, "main"));

    // Opening it: the attendee within the window; nobody else.
    let pack = format!("{meeting}/cases/{reference}/pack");
    let (status, html) = member.page(&pack).await;
    assert_eq!(status, 200);
    assert!(html.contains("[child] died after a short illness.") && html.contains("[child]"));
    for i in IDENTIFIERS {
        assert!(!html.contains(i), "{i} in the pack");
    }
    // The printable PDF: the same content, tagged (PDF/UA-1), no identifier either.
    let (status, kind, pdf) = member.download(&format!("{pack}.pdf")).await;
    assert_eq!((status.as_u16(), kind.as_str()), (200, "application/pdf"));
    let (text, meta) = crate::common::pdf_text(&pdf);
    assert!(text.contains("[child] died after a short illness.") && text.contains(&reference), "{text}");
    assert!(text.contains("OFFICIAL-SENSITIVE"));
    for i in IDENTIFIERS {
        assert!(!text.to_lowercase().contains(&i.to_lowercase()), "{i} in the pack PDF");
    }
    assert!(meta.contains("<pdfuaid:part>1"), "tagged PDF/UA-1");
    assert_eq!(outsider.download(&format!("{pack}.pdf")).await.0, 404, "not an attendee");
    assert_eq!(outsider.page(&pack).await.0, 404, "not an attendee");
    assert_eq!(coordinator.page(&pack).await.0, 404, "not an attendee either");
    assert_eq!(
        app.sql_strings("SELECT action FROM audit_events WHERE action = 'pack.opened'").await.len(),
        1
    );
    assert_eq!(
        app.sql_strings("SELECT action FROM audit_events WHERE action LIKE 'pack.pdf%'").await.len(),
        1,
        "the download is audited"
    );

    // Pre-panel: the member's entry is invisible to the chair until the chair opens the case.
    let prepanel = format!("{meeting}/cases/{reference}/prepanel");
    member.page(&prepanel).await;
    let (status, page, _) = member.post_page(&prepanel, &[("category", "infection")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Choose whether there were modifiable factors"));
    let (status, _, _) =
        member.post_page(&prepanel, &[("category", "infection"), ("modifiable", "none_identified")]).await;
    assert_eq!(status, 303);
    let (_, page) = chair.page(&prepanel).await;
    assert!(!page.contains("Test member") && !page.contains("category-spread"), "hidden before opening");
    let (status, _, _) = chair.post_page(&prepanel, &[("open", "1")]).await;
    assert_eq!(status, 303);
    let (_, page) = chair.page(&prepanel).await;
    assert!(page.contains("category-spread") && page.contains("Test member"), "the spread after opening");

    // The analysis: "modifiable factors identified" needs a factor graded 2.
    let analysis = format!("/cases/{reference}/analysis");
    let (status, page) = chair.page(&analysis).await;
    assert_eq!(status, 200);
    let lock = value_of(&page, "lock").expect("lock");
    let (status, page, _) = post(&chair, &analysis, form(&lock, "grade_1", "Smoke-free homes matter.")).await;
    assert_eq!(status, 422);
    assert!(page.contains("no factor is graded 2"), "the rule, in words");
    assert!(
        page.contains("Smoking in the household") && page.contains("Smoke-free homes matter."),
        "typing kept"
    );
    let (status, _, _) = post(&chair, &analysis, form(&lock, "grade_2", "Smoke-free homes matter.")).await;
    assert_eq!(status, 303);
    // A stale save (the old lock) is a conflict that keeps what was typed.
    let (status, page, _) = post(&coordinator, &analysis, form(&lock, "grade_2", "A later thought.")).await;
    assert_eq!(status, 409);
    assert!(page.contains("A later thought."));
    let row = app.sql_strings("SELECT category || ',' || modifiable FROM analyses").await;
    assert_eq!(row, vec!["infection,identified".to_string()], "coded outcome in clear columns");
    assert!(!contains(&raw_database_text(&app).await, "Smoke-free homes matter"), "narratives sealed");

    // Sign-off: refused before the panel meets; then a wrong code is refused, and the right one
    // locks it and completes the review.
    let raw = with_totp(&app, chair_id).await;
    let (_, page) = chair.page(&analysis).await;
    let lock = value_of(&page, "lock").expect("lock");
    let early = code(&raw, &app, 0);
    let (status, page, _) =
        chair.post_page(&format!("{analysis}/sign-off"), &[("lock", &lock), ("code", &early)]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("once the panel has met"), "the reason, by the field");
    let (status, page, _) = coordinator.post_page(&format!("{meeting}/held"), &[("version", "1")]).await;
    assert_eq!(status, 422, "a meeting still to come cannot be marked held");
    assert!(page.contains("once it has taken place"));
    app.state.clock.advance(TimeDelta::days(8));
    let (status, page, _) =
        chair.post_page(&format!("{analysis}/sign-off"), &[("lock", &lock), ("code", "000000")]).await;
    assert_eq!(status, 422, "{page}");
    let good = code(&raw, &app, 0);
    let (status, _, _) =
        chair.post_page(&format!("{analysis}/sign-off"), &[("lock", &lock), ("code", &good)]).await;
    assert_eq!(status, 303);
    let status_row = app.sql_strings("SELECT status FROM cases WHERE review_completed_on IS NOT NULL").await;
    assert_eq!(status_row, vec!["reviewed".to_string()]);
    assert_eq!(
        app.sql_strings("SELECT outcome FROM agenda_items").await,
        ["reviewed"],
        "signing off records the panel's review of the case"
    );
    let intervals = app
        .sql_strings("SELECT CAST(days_to_panel AS TEXT) || ',' || CAST(days_to_review AS TEXT) FROM cases")
        .await;
    let days: Vec<i64> = intervals[0].split(',').filter_map(|d| d.parse().ok()).collect();
    assert!(days.len() == 2 && days[0] <= days[1], "the panel before sign-off: {intervals:?}");

    // The year's agreement: the member's category matched the panel's, their determination not.
    let (status, page) = chair.page("/reports/agreement").await;
    assert_eq!(status, 200);
    let row = |q: &str| {
        let at = page.find(q).expect("row");
        let end = page[at..].find("</tr>").expect("end") + at;
        crate::common::agent::cells(&page[at..end])
    };
    assert_eq!(row("Category of death")[..5], ["1", "0", "1", "1", "100%"], "{page}");
    assert_eq!(row("Modifiable factors")[..5], ["1", "0", "1", "1", "0%"]);
    assert_eq!(member.page("/reports/agreement").await.0, 403, "a chair's and coordinator's report");

    // After sign-off an edit without an amendment is refused; an amendment is a new version.
    let (status, _, _) = post(&chair, &analysis, form(&lock, "grade_2", "Edited without amending.")).await;
    assert_eq!(status, 400);
    let (status, _, _) = chair.post_page(&format!("{analysis}/amend"), &[("reason", "")]).await;
    assert_eq!(status, 422);
    let (status, _, _) = chair
        .post_page(&format!("{analysis}/amend"), &[("reason", "The inquest found a different cause")])
        .await;
    assert_eq!(status, 303);
    let (_, page) = chair.page(&analysis).await;
    let lock = value_of(&page, "lock").expect("lock");
    let (status, _, _) =
        post(&chair, &analysis, form(&lock, "grade_2", "Smoke-free homes and safe sleep matter.")).await;
    assert_eq!(status, 303);
    let (_, page) = chair.page(&analysis).await;
    let lock = value_of(&page, "lock").expect("lock");
    let next = code(&raw, &app, 1);
    let (status, _, _) =
        chair.post_page(&format!("{analysis}/sign-off"), &[("lock", &lock), ("code", &next)]).await;
    assert_eq!(status, 303);
    let (status, page) = chair.page(&format!("{analysis}/revisions/1")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Replaced by an amendment") && page.contains("Smoke-free homes matter."));
    let (_, page) = chair.page(&format!("{analysis}/revisions/2")).await;
    assert!(page.contains("The inquest found a different cause") && page.contains("Changed"), "side by side");

    // The pack closes some days after the meeting.
    app.state.clock.advance(TimeDelta::days(15));
    assert_eq!(member.page(&pack).await.0, 404, "after the window");
    let _ = id;
});

/// The fields of a panel meeting a week ahead with `chair`, `member` and `area`.
fn meeting_fields(app: &TestApp, chair: i64, member: i64, area: i64) -> Vec<(String, String)> {
    let day = app.state.clock.today() + TimeDelta::days(7);
    [
        ("kind", "panel".to_string()),
        ("date.day", day.day().to_string()),
        ("date.month", day.month().to_string()),
        ("date.year", day.year().to_string()),
        ("time", "10:00".into()),
        ("duration", "120".into()),
        ("location", "Room 4, Civic Centre".into()),
        ("chair", chair.to_string()),
        ("areas", area.to_string()),
        ("attendees", member.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Arranges a panel meeting a week ahead and puts `reference` on its agenda; returns its page.
pub(crate) async fn panel_meeting(
    app: &TestApp,
    coordinator: &Agent,
    reference: &str,
    chair: i64,
    member: i64,
    area: i64,
) -> String {
    coordinator.page("/meetings/new").await;
    let (status, _, to) = post(coordinator, "/meetings/new", meeting_fields(app, chair, member, area)).await;
    assert_eq!(status, 303);
    let meeting = to.expect("meeting page");
    // The agenda: the case is ready for review in the meeting's area.
    let (_, page) = coordinator.page(&meeting).await;
    assert!(page.contains(reference), "offered for the agenda");
    let (status, _, _) = coordinator.post_page(&format!("{meeting}/add"), &[("case", reference)]).await;
    assert_eq!(status, 303);
    meeting
}

/// An Analysis Form with one modifiable factor graded `grade` and `learning`.
fn form(lock: &str, grade: &str, learning: &str) -> Vec<(String, String)> {
    vec![
        ("lock".to_string(), lock.to_string()),
        ("factors-rows".into(), "1".into()),
        ("factors.0.domain".into(), "b".into()),
        ("factors.0.description".into(), "Smoking in the household".into()),
        ("factors.0.grade".into(), grade.into()),
        ("modifiable".into(), "identified".into()),
        ("category".into(), "infection".into()),
        ("primary_cause".into(), "Bronchopneumonia".into()),
        ("primary_icd10".into(), "j189".into()),
        ("themes".into(), "smoking".into()),
        ("themes".into(), "safe_sleep".into()),
        ("known_to_social_care".into(), "no".into()),
        ("learning".into(), learning.into()),
        ("recommendations".into(), "Remind health visitors of smoking cessation referral.".into()),
        ("action".into(), "save".into()),
    ]
}

/// The chair saves a complete analysis at `analysis`; returns the lock to sign it off with.
pub(crate) async fn analysis_saved(chair: &Agent, analysis: &str) -> String {
    let (_, page) = chair.page(analysis).await;
    let lock = value_of(&page, "lock").expect("lock");
    let (status, _, _) = post(chair, analysis, form(&lock, "grade_2", "Smoke-free homes matter.")).await;
    assert_eq!(status, 303);
    let (_, page) = chair.page(analysis).await;
    value_of(&page, "lock").expect("lock")
}

async fn post(
    agent: &Agent,
    path: &str,
    fields: Vec<(String, String)>,
) -> (reqwest::StatusCode, String, Option<String>) {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    agent.post_page(path, &refs).await
}

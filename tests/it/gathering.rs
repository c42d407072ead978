//! Information gathering: requests by emailed single-use link, forms completed signed out with
//! drafts and validation, tokens that leak nothing, versions pinned per response, reminders sent
//! once per schedule point, completeness, and the Outstanding information page.

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;

use cdop::config::{Config, LoadedConfig, MailTransportKind, SmtpTls};
use cdop::domain::role::Role;
use cdop::store::form_requests;

use crate::both_backends;
use crate::cases::{contains, raw_database_text};
use crate::common::agent::{Agent, value_of};
use crate::common::smtp::{Received, SmtpServer, free_port};
use crate::common::{Backend, TestApp, notification};

const CHILD: &str = "Zebedee";
const FAMILY: &str = "Quartermaine";
const NARRATIVE: &str = "Family liaison visits by Officer Quillfeather";
const COMPLETED_BY: &str = "Pat Ravensworth";

fn smtp_config(port: u16) -> impl FnOnce(&mut Config) {
    move |c| {
        c.mail.transport = MailTransportKind::Smtp;
        c.mail.smtp.host = "127.0.0.1".into();
        c.mail.smtp.port = port;
        c.mail.smtp.tls = SmtpTls::None;
        c.mail.retry_base_seconds = 1;
        c.mail.poll_interval_ms = 100;
        c.mail.send_timeout_seconds = 5;
        c.mail.max_attempts = 50;
        c.server.public_url = "https://cdop.example.org".into();
        // The job runs once at start; the tests call it themselves with the clock moved.
        c.forms.reminder_interval_seconds = 3600;
    }
}

/// A notified case whose death was in water (so the drowning form is suggested), with two
/// professionals; returns its reference.
pub async fn notified_case(app: &TestApp, area: &str) -> String {
    let token =
        app.token_for("notifier@example.org", &[Role::DesignatedDoctor], &[app.area(area).await]).await;
    let mut body = notification(area, CHILD, FAMILY, "943 476 5919", "CA1 1AA");
    body["death"]["place_category"] = "water".into();
    body["professionals"] = serde_json::json!([
        {"name": "Sam Health", "role": "Health visitor", "organisation": "Community Health Trust", "email": "hv@nhs.example"},
        {"name": "Lee Teacher", "role": "Head teacher", "organisation": "Riverside School", "email": "head@school.example"}
    ]);
    let (status, created) = app.notify_api(&token, &body).await;
    assert_eq!(status, 201, "{created}");
    created["case_reference"].as_str().expect("reference").to_string()
}

fn due_fields(due: chrono::NaiveDate) -> [(String, String); 3] {
    use chrono::Datelike;
    [
        ("due.day".into(), due.day().to_string()),
        ("due.month".into(), due.month().to_string()),
        ("due.year".into(), due.year().to_string()),
    ]
}

/// Requests the Reporting Form from both professionals and the drowning form from the first.
async fn request_forms(app: &TestApp, coordinator: &Agent, reference: &str, due_in_days: i64) {
    let (status, page) = coordinator.page(&format!("/cases/{reference}/requests/new")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Sam Health") && page.contains("Lee Teacher"),
        "the notification's professionals are listed"
    );
    assert!(page.contains("Suggested: "), "supplementary forms are suggested from the coded case data");
    assert!(
        page.contains("p0-forms-drowning\" name=\"p0-forms\" type=\"checkbox\" value=\"drowning\" checked"),
        "drowning is ticked"
    );
    let due = app.state.clock.today() + TimeDelta::days(due_in_days);
    let key = value_of(&page, "submission").expect("the page's one-off key");
    let mut fields: Vec<(String, String)> =
        vec![("rows".into(), "3".into()), ("action".into(), "send".into()), ("submission".into(), key)];
    for (n, name, org, email, kind) in [
        (0, "Sam Health", "Community Health Trust", "hv@nhs.example", "health"),
        (1, "Lee Teacher", "Riverside School", "head@school.example", "education"),
    ] {
        fields.push((format!("p{n}-name"), name.into()));
        fields.push((format!("p{n}-organisation"), org.into()));
        fields.push((format!("p{n}-email"), email.into()));
        fields.push((format!("p{n}-agency_type"), kind.into()));
        fields.push((format!("p{n}-forms"), "reporting".into()));
    }
    fields.push(("p0-forms".into(), "drowning".into()));
    fields.extend(due_fields(due));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, body, to) = coordinator.post_page(&format!("/cases/{reference}/requests/new"), &refs).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(to.as_deref(), Some(format!("/cases/{reference}/requests").as_str()));
    // The same page sent again (Back, then "Send requests"): nothing is asked, or emailed, twice.
    let asked = app.sql_strings("SELECT CAST(id AS TEXT) FROM form_requests").await.len();
    let (status, _, to) = coordinator.post_page(&format!("/cases/{reference}/requests/new"), &refs).await;
    assert_eq!(status, 303);
    assert_eq!(app.sql_strings("SELECT CAST(id AS TEXT) FROM form_requests").await.len(), asked, "sent once");
    let (_, tasks) = coordinator.page(&to.expect("the task list")).await;
    assert!(tasks.contains("There is a problem") && tasks.contains("already sent"), "said, not a success");
}

/// The token in an emailed form link.
fn token_in(m: &Received) -> String {
    let at = m.data.find("https://cdop.example.org/f/").expect("a form link")
        + "https://cdop.example.org/f/".len();
    m.data[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

fn requests_to(messages: &[Received], who: &str) -> Vec<Received> {
    messages
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == who) && m.data.contains("Information requested"))
        .cloned()
        .collect()
}

/// Posts a section of the form with the page's current lock.
pub(crate) async fn post_section(
    agent: &Agent,
    base: &str,
    n: usize,
    fields: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let (_, page) = agent.page(&format!("{base}/{n}")).await;
    let lock = value_of(&page, "lock").expect("the page carries its lock");
    let mut all: Vec<(&str, &str)> = vec![("lock", lock.as_str())];
    all.extend_from_slice(fields);
    agent.post_page(&format!("{base}/{n}"), &all).await
}

both_backends!(agencies_complete_forms_by_emailed_link, |backend: Backend| async move {
    let smtp = SmtpServer::start(0).await;
    let recovery = age::x25519::Identity::generate();
    let recipient = recovery.to_public().to_string();
    let config = smtp_config(smtp.port);
    let app = TestApp::spawn_with(
        backend,
        move |c| {
            config(c);
            c.crypto.recovery_recipients = vec![recipient];
        },
        axum::Router::new(),
    )
    .await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let reference = notified_case(&app, "Cumberland").await;
    request_forms(&app, &coordinator, &reference, 28).await;

    // Three requests, each emailed to its professional with the reference and a link, and
    // nothing about the child.
    let messages = smtp.mailbox.wait_for(5, 20).await;
    let to_hv = requests_to(&messages, "hv@nhs.example");
    let to_head = requests_to(&messages, "head@school.example");
    assert_eq!((to_hv.len(), to_head.len()), (2, 1), "one email per professional and form");
    for m in to_hv.iter().chain(&to_head) {
        assert!(m.data.contains(&reference));
        assert_eq!(token_in(m).len(), 43, "a 256-bit token");
        for secret in [CHILD, FAMILY, "943 476 5919", "CA1 1AA", "2019-05-17"] {
            assert!(!m.data.contains(secret), "`{secret}` must not be in a request email");
        }
    }
    let reporting =
        to_hv.iter().find(|m| m.data.contains("reporting form")).expect("the reporting form email");
    let token = token_in(reporting);
    let base = format!("/f/{token}");

    // The professional opens the link signed out: the child is named so they can find records.
    let professional = app.agent();
    let (status, start) = professional.page(&base).await;
    assert_eq!(status, 200, "{start}");
    assert!(start.contains(CHILD) && start.contains(&reference));
    assert!(start.contains("Not started"));

    let (status, body, to) = post_section(
        &professional,
        &base,
        1,
        &[
            ("completed_by_name", COMPLETED_BY),
            ("completed_by_organisation", "Community Health Trust"),
            ("action", "continue"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(to.as_deref(), Some(format!("{base}/2").as_str()));

    // A draft with one invalid answer: the error sits next to the field and every typed value
    // stays; the valid answers are saved.
    let (status, page, _) = post_section(
        &professional,
        &base,
        2,
        &[("gravidity_parity", "G2P1"), ("maternal_bmi", "twenty"), ("height", "120.5"), ("action", "save")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"maternal_bmi-error\""), "the error is next to the field");
    assert!(page.contains("href=\"#maternal_bmi\""), "the summary links to the field");
    assert_eq!(value_of(&page, "maternal_bmi").as_deref(), Some("twenty"), "what was typed is kept");
    assert_eq!(value_of(&page, "height").as_deref(), Some("120.5"));

    // Later, the same link: the valid answers were kept.
    let later = app.agent();
    let (_, start) = later.page(&base).await;
    assert!(start.contains("In progress"));
    assert!(
        start.contains("Continue where you left off")
            && start.contains(&format!("href=\"{base}/3\" role=\"button\"")),
        "the link resumes at the first unfinished section: {start}"
    );
    let (_, page) = later.page(&format!("{base}/2")).await;
    assert_eq!(value_of(&page, "height").as_deref(), Some("120.5"));
    // Saved in its written form (a coded question only takes the shorthand).
    assert_eq!(value_of(&page, "gravidity_parity").as_deref(), Some("G2 P1"));
    let (status, body, _) = post_section(
        &later,
        &base,
        2,
        &[
            ("gravidity_parity", "G2P1"),
            ("maternal_bmi", "24.5"),
            ("height", "120.5"),
            ("weight-status", "not_known"),
            ("action", "continue"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (status, _, _) =
        post_section(&later, &base, 3, &[("resuscitation_attempted", "not_known"), ("action", "continue")])
            .await;
    assert_eq!(status, 303);
    // Without JavaScript, answering yes reveals the follow-up on the same page.
    let (status, page, _) =
        post_section(&later, &base, 7, &[("bereavement_support_offered", "yes"), ("action", "continue")])
            .await;
    assert_eq!(status, 200, "the page is shown again with its follow-up");
    assert!(page.contains("name=\"bereavement_support_what\""));
    assert!(!page.contains("id=\"bereavement_support_what-group\" data-show-if-item=\"bereavement_support_offered\" data-show-if-values=\"yes\" hidden"));
    let (status, _, to) = post_section(
        &later,
        &base,
        7,
        &[
            ("bereavement_support_offered", "yes"),
            ("bereavement_support_what", NARRATIVE),
            ("action", "continue"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(to.as_deref(), Some(format!("{base}/8").as_str()));

    let (status, check) = later.page(&format!("{base}/check")).await;
    assert_eq!(status, 200);
    assert!(check.contains(NARRATIVE) && check.contains("24.5 kg/m²"));
    let lock = value_of(&check, "lock").expect("lock");
    let (status, receipt, _) = later.post_page(&format!("{base}/check"), &[("lock", &lock)]).await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt.contains("Form submitted") && receipt.contains(&reference));
    assert!(
        receipt.contains("Your receipt")
            && receipt.contains("Community Health Trust")
            && receipt.contains("questions answered"),
        "a receipt: reference, date, what was sent"
    );
    // The link now shows only the neutral page (which tells a submitter it was received).
    let (status, after) = later.page(&base).await;
    assert_eq!(status, 410);
    assert!(!after.contains(&reference) && !after.contains(CHILD));
    assert!(after.contains("If you have submitted the form, the panel has received it"));

    // The coordinator is told, and sees it submitted with completeness figures.
    let told = smtp.mailbox.wait_for(6, 20).await;
    assert!(
        told.iter().any(|m| m.recipients.contains(&"co@example.org".to_string())
            && m.data.contains("Form submitted for case")
            && m.data.contains(&reference)),
        "the coordinator is emailed"
    );
    let receipts = smtp.mailbox.wait_for(7, 20).await;
    let receipt = receipts
        .iter()
        .find(|m| m.recipients.contains(&"hv@nhs.example".to_string()) && m.data.contains("Received:"))
        .expect("the professional gets a receipt by email");
    assert!(receipt.data.contains(&reference) && !receipt.data.contains(CHILD));
    let (_, tasks) = coordinator.page(&format!("/cases/{reference}/requests")).await;
    assert!(tasks.contains("Submitted") && tasks.contains("Not started"));
    // Hand count over the 2022 Reporting Form's ten coded questions: answered gravidity and
    // parity, BMI, height, bereavement support (4); not known: weight, resuscitation (2);
    // unanswered: mode of death, place of death, poverty, barriers to services (4).
    let case =
        cdop::store::cases::find_by_reference(&app.state.db, &reference).await.expect("db").expect("case");
    let requests = form_requests::for_case(&app.state.db, case.id).await.expect("requests");
    let done = requests.iter().find(|r| r.status == "submitted").expect("submitted");
    assert_eq!((done.answered, done.not_known, done.missing), (4, 2, 4));
    assert_eq!(done.form_version, "NCMD-2022-04");
    assert!(tasks.contains("4 of 10"), "{tasks}");
    assert_eq!(case.status, "gathering_information");
    assert_eq!(case.information_status, "outstanding");

    // At rest: no narrative, name or token in clear; the response opens with the recovery
    // identity alone.
    let raw = raw_database_text(&app).await;
    for secret in [NARRATIVE, COMPLETED_BY, token.as_str(), "hv@nhs.example"] {
        assert!(!contains(&raw, secret), "`{secret}` must not be stored in clear");
    }
    assert!(contains(&raw, "G2 P1"), "coded answers are in clear for reports");
    let sealed = done.answers_sealed.clone().expect("sealed answers");
    let plain = age::decrypt(&recovery, &sealed).expect("the recovery identity opens the response");
    assert!(String::from_utf8_lossy(&plain).contains(NARRATIVE));

    // Staff reading the answers is audited.
    let (status, detail) = coordinator.page(&format!("/cases/{reference}/requests/{}", done.id)).await;
    assert_eq!(status, 200);
    assert!(detail.contains(NARRATIVE));
    let events =
        cdop::store::audit::search(&app.state.db, &Default::default(), 0, 1000).await.expect("audit").0;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "form.requested",
        "form.link.opened",
        "form.saved",
        "form.submitted",
        "form.response.read",
        "case.status.changed",
    ] {
        assert!(actions.contains(&a), "{a} audited");
    }
    assert!(events.iter().all(|e| !e.details.contains(NARRATIVE) && !e.details.contains(CHILD)));
});

both_backends!(dead_links_look_alike_and_reveal_nothing, |backend: Backend| async move {
    let smtp = SmtpServer::start(0).await;
    let app = TestApp::spawn_with(backend, smtp_config(smtp.port), axum::Router::new()).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let reference = notified_case(&app, "Cumberland").await;
    request_forms(&app, &coordinator, &reference, 10).await;
    let messages = smtp.mailbox.wait_for(5, 20).await;
    let tokens: Vec<String> = requests_to(&messages, "hv@nhs.example").iter().map(token_in).collect();
    let head = token_in(&requests_to(&messages, "head@school.example")[0]);
    let case =
        cdop::store::cases::find_by_reference(&app.state.db, &reference).await.expect("db").expect("case");
    let requests = form_requests::for_case(&app.state.db, case.id).await.expect("requests");
    let visitor = app.agent();

    // Revoked: resending replaces the link.
    let first = &requests[0];
    let (_, detail) = coordinator.page(&format!("/cases/{reference}/requests/{}", first.id)).await;
    let lock = value_of(&detail, "lock").expect("lock");
    let (status, _, _) = coordinator
        .post_page(&format!("/cases/{reference}/requests/{}/resend", first.id), &[("lock", &lock)])
        .await;
    assert_eq!(status, 303);
    let revoked = tokens
        .iter()
        .find(|t| cdop::crypto::secrets::digest(t) == first.token_hash)
        .expect("the first request's token")
        .clone();
    // Withdrawn, then expired (the clock moves past the links' expiry).
    let second = &requests[1];
    let (_, detail) = coordinator.page(&format!("/cases/{reference}/requests/{}", second.id)).await;
    let lock = value_of(&detail, "lock").expect("lock");
    let (status, _, _) = coordinator
        .post_page(
            &format!("/cases/{reference}/requests/{}/withdraw", second.id),
            &[("lock", &lock), ("reason", "no_involvement")],
        )
        .await;
    assert_eq!(status, 303);
    let withdrawn =
        tokens.iter().find(|t| cdop::crypto::secrets::digest(t) == second.token_hash).expect("token").clone();
    let random = cdop::crypto::secrets::random_token();

    let mut bodies = Vec::new();
    for (token, want) in [(&revoked, 404), (&random, 404), (&withdrawn, 410), (&"short".to_string(), 404)] {
        let (status, body) = visitor.page(&format!("/f/{token}")).await;
        assert_eq!(status.as_u16(), want, "{token}");
        bodies.push(body);
    }
    app.state.clock.advance(TimeDelta::days(10 + 91));
    let (status, expired) = visitor.page(&format!("/f/{head}")).await;
    assert_eq!(status, 410, "expired");
    bodies.push(expired);
    let first_text = neutral(&bodies[0]);
    for b in &bodies {
        assert_eq!(neutral(b), first_text, "every dead link gets the same page");
        assert!(!b.contains(&reference) && !b.contains(CHILD));
    }
    // Tokens are stored only as hashes.
    let raw = raw_database_text(&app).await;
    for t in tokens.iter().chain([&head]) {
        assert!(!contains(&raw, t), "a token must not be stored in clear");
    }
});

/// A page's main content without per-request values (CSRF token, request id).
fn neutral(html: &str) -> String {
    let start = html.find("<main").unwrap_or(0);
    let end = html.find("</main>").unwrap_or(html.len());
    html[start..end].to_string()
}

both_backends!(guessing_links_is_rate_limited, |backend: Backend| async move {
    let app = TestApp::spawn_with(backend, |c| c.forms.link_attempts_per_hour = 3, axum::Router::new()).await;
    let visitor = app.agent();
    for _ in 0..3 {
        let (status, _) = visitor.page(&format!("/f/{}", cdop::crypto::secrets::random_token())).await;
        assert_eq!(status, 404);
    }
    let (status, _) = visitor.page(&format!("/f/{}", cdop::crypto::secrets::random_token())).await;
    assert_eq!(status, 429, "refused after the limit");
});

/// Reminder emails queued so far, by template.
async fn queued(app: &TestApp, template: &str) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    cdop::store::entities::mail_outbox::Entity::find()
        .filter(cdop::store::entities::mail_outbox::Column::Template.eq(template))
        .count(&app.state.db)
        .await
        .expect("count") as usize
}

both_backends!(
    reminders_are_sent_once_per_point_across_instances_restarts_and_outages,
    |backend: Backend| async move {
        // SMTP is down at first: reminders wait in the outbox.
        let port = free_port();
        let app = TestApp::spawn_with(backend, smtp_config(port), axum::Router::new()).await;
        let area = app.area("Cumberland").await;
        app.user("co2@example.org", &[Role::Coordinator], &[area]).await;
        let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
        let reference = notified_case(&app, "Cumberland").await;
        request_forms(&app, &coordinator, &reference, 10).await;
        let open_requests = 3;

        // A second instance on the same database (also what a restart looks like).
        let mut config = crate::common::test_config(&app.dir, &app.db.url);
        smtp_config(port)(&mut config);
        let second = cdop::app::prepare(&LoadedConfig::from_config(config).expect("config"))
            .await
            .expect("second instance");

        let run_both = |days: i64| {
            let (a, b) = (app.state.clone(), second.clone());
            async move {
                a.clock.set(Utc::now() + TimeDelta::days(days));
                b.clock.set(Utc::now() + TimeDelta::days(days));
                let (x, y) = tokio::join!(
                    cdop::gathering::send_due_reminders(&a),
                    cdop::gathering::send_due_reminders(&b)
                );
                x.expect("first instance") + y.expect("second instance")
            }
        };
        assert_eq!(run_both(6).await, 0, "nothing before the first point");
        assert_eq!(run_both(7).await, open_requests, "3 days before the due date");
        assert_eq!(run_both(7).await, 0, "the same point is not sent again");
        assert_eq!(run_both(10).await, open_requests, "on the due date");
        assert_eq!(run_both(17).await, open_requests, "a week overdue");
        assert_eq!(queued(&app, "form_overdue").await, 0, "coordinators not told yet");
        assert_eq!(run_both(24).await, open_requests, "two weeks overdue");
        assert_eq!(run_both(25).await, 0);
        assert_eq!(queued(&app, "form_reminder").await, 4 * open_requests, "one email per point and request");
        // After two overdue reminders the coordinators (two of them) are told, once per request.
        assert_eq!(queued(&app, "form_overdue").await, 2 * open_requests);

        // SMTP comes back: each reminder is delivered exactly once.
        let smtp = SmtpServer::start(port).await;
        let want = 4 * open_requests;
        let mut reminders = 0;
        for _ in 0..200 {
            reminders = smtp
                .mailbox
                .messages()
                .iter()
                .filter(|m| m.data.contains("Reminder:") || m.data.contains("Overdue: information"))
                .count();
            if reminders >= want {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let reminders_final = smtp
            .mailbox
            .messages()
            .iter()
            .filter(|m| m.data.contains("Reminder:") || m.data.contains("Overdue: information"))
            .count();
        assert_eq!((reminders, reminders_final), (want, want));
        for m in smtp.mailbox.messages() {
            assert!(!m.data.contains(CHILD) && !m.data.contains(FAMILY));
        }
        // Each reminder carries the form's link (kept sealed with the request), which opens it.
        let reminder = smtp
            .mailbox
            .messages()
            .into_iter()
            .find(|m| m.data.contains("Reminder:") || m.data.contains("Overdue: information"))
            .expect("a reminder");
        let token = token_in(&reminder);
        assert_eq!(token.len(), 43, "the link, not a pointer to the first email");
        assert_eq!(
            app.agent().page(&format!("/f/{token}")).await.0,
            200,
            "the reminder's link opens the form"
        );
        let raw = raw_database_text(&app).await;
        assert!(!contains(&raw, &token), "the link is sealed at rest, never in clear");

        // The Outstanding information page lists them, most overdue first, with the agencies.
        let (status, page) = coordinator.page("/outstanding").await;
        assert_eq!(status, 200);
        let words = if open_requests == 1 {
            "1 overdue request ".to_string()
        } else {
            format!("{open_requests} overdue requests")
        };
        assert!(page.contains(&words), "{page}");
        assert!(page.contains("Community Health Trust") && page.contains("Riverside School"));
        second.db.close_by_ref().await.ok();
    }
);

/// Two versions of a small Reporting Form: B (in force ten days from now) adds an item.
fn write_versions(dir: &std::path::Path) {
    let v = |version: &str, from: &str, extra: &str| {
        format!(
            "code = \"reporting\"\nfamily = \"reporting\"\ntitle = \"Reporting form\"\nversion = \"{version}\"\napplies_from = \"{from}\"\n\n\
             [[items]]\nkey = \"about\"\nkind = \"heading\"\nlabel = \"About\"\n\n\
             [[items]]\nkey = \"known_to_agency\"\nkind = \"yes_no_nk\"\nlabel = \"Was the child known to your agency?\"\nclassification = \"coded\"\n{extra}"
        )
    };
    let reporting = dir.join("reporting");
    std::fs::create_dir_all(&reporting).expect("dir");
    std::fs::write(reporting.join("A.toml"), v("A", "2020-01-01", "")).expect("A");
    let later = (Utc::now() + TimeDelta::days(10)).format("%Y-%m-%d").to_string();
    let extra = "\n[[items]]\nkey = \"poverty\"\nkind = \"yes_no_nk\"\nlabel = \"Did the child live in poverty?\"\nclassification = \"coded\"\n";
    std::fs::write(reporting.join("B.toml"), v("B", &later, extra)).expect("B");
}

both_backends!(responses_keep_the_version_they_started_on, |backend: Backend| async move {
    let forms = tempfile::tempdir().expect("forms dir");
    write_versions(forms.path());
    let dir = forms.path().display().to_string();
    let app = TestApp::spawn_with(backend, move |c| c.forms.dir = dir, axum::Router::new()).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let reference = notified_case(&app, "Cumberland").await;
    let ask = |due: i64| {
        let coordinator = &coordinator;
        let reference = reference.clone();
        let today = app.state.clock.today();
        async move {
            let mut fields: Vec<(String, String)> = vec![
                ("rows".into(), "1".into()),
                ("p0-name".into(), "Sam Health".into()),
                ("p0-organisation".into(), "Community Health Trust".into()),
                ("p0-email".into(), "hv@nhs.example".into()),
                ("p0-agency_type".into(), "health".into()),
                ("p0-forms".into(), "reporting".into()),
            ];
            fields.extend(due_fields(today + TimeDelta::days(due)));
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, body, _) =
                coordinator.post_page(&format!("/cases/{reference}/requests/new"), &refs).await;
            assert_eq!(status, 303, "{body}");
        }
    };
    ask(20).await;
    app.state.clock.advance(TimeDelta::days(11));
    ask(20).await;
    let case =
        cdop::store::cases::find_by_reference(&app.state.db, &reference).await.expect("db").expect("case");
    let requests = form_requests::for_case(&app.state.db, case.id).await.expect("requests");
    let versions: Vec<&str> = requests.iter().map(|r| r.form_version.as_str()).collect();
    assert_eq!(versions, ["A", "B"], "each request is pinned to the version current when it was made");
    // The older response keeps rendering with version A: B's new item is absent, not unanswered.
    let (_, a_page) =
        coordinator.page(&format!("/cases/{reference}/requests/{}/form/1", requests[0].id)).await;
    assert!(a_page.contains("known_to_agency") && !a_page.contains("poverty"));
    let (_, b_page) =
        coordinator.page(&format!("/cases/{reference}/requests/{}/form/1", requests[1].id)).await;
    assert!(b_page.contains("poverty"));
    let (status, body, _) = post_section(
        &coordinator,
        &format!("/cases/{reference}/requests/{}/form", requests[0].id),
        1,
        &[("known_to_agency", "yes"), ("action", "continue")],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let a = form_requests::find(&app.state.db, requests[0].id).await.expect("db").expect("a");
    assert_eq!((a.answered, a.missing), (1, 0), "completeness counts version A's items only");
    // A save on a stale page is refused with a conflict page that keeps what was typed and
    // carries the current lock, so saving again works.
    let base_a = format!("/cases/{reference}/requests/{}/form", requests[0].id);
    let (status, page, _) = coordinator
        .post_page(
            &format!("{base_a}/1"),
            &[("lock", "1"), ("known_to_agency", "no"), ("action", "continue")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("value=\"no\" checked"), "what was typed is kept");
    let lock = value_of(&page, "lock").expect("lock");
    let (status, _, _) = coordinator
        .post_page(
            &format!("{base_a}/1"),
            &[("lock", &lock), ("known_to_agency", "no"), ("action", "continue")],
        )
        .await;
    assert_eq!(status, 303, "saving again with the current lock works");
    // A broken definition stops start-up naming the file and the key.
    std::fs::write(
        forms.path().join("reporting/B.toml"),
        std::fs::read_to_string(forms.path().join("reporting/B.toml"))
            .expect("B")
            .replace("key = \"poverty\"", "key = \"known_to_agency\""),
    )
    .expect("break B");
    let mut config = crate::common::test_config(&app.dir, &app.db.url);
    config.forms.dir = forms.path().display().to_string();
    let error = match cdop::app::prepare(&LoadedConfig::from_config(config).expect("config")).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a duplicate key must stop start-up"),
    };
    assert!(error.contains("reporting/B.toml: item `known_to_agency`: duplicate key"), "{error}");
});

both_backends!(the_api_requests_submits_and_reads_responses, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
    let chair = app.token_for("chair@example.org", &[Role::PanelChair], &[area]).await;
    let reference = notified_case(&app, "Cumberland").await;
    let api = |path: &str| app.url(path);

    let forms: serde_json::Value = app
        .client
        .get(api("/api/v1/forms"))
        .bearer_auth(&chair)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let reporting = forms["forms"]
        .as_array()
        .expect("forms")
        .iter()
        .find(|f| f["code"] == "reporting")
        .expect("reporting");
    assert_eq!(reporting["current_version"], "NCMD-2022-04");
    assert!(reporting["versions"].as_array().expect("versions").len() >= 3);

    let res = app
        .client
        .post(api(&format!("/api/v1/cases/{reference}/requests")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"requests": [{"name": "Sam Health", "organisation": "Community Health Trust", "email": "nope", "agency_type": "health", "forms": ["reporting"]}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "requests.0.email");
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

    let submit = |answers: serde_json::Value| {
        app.client
            .post(api(&format!("/api/v1/requests/{id}/response")))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "answers": answers }))
            .send()
    };
    let res = submit(serde_json::json!({"completed_by_name": "Pat", "maternal_bmi": 500, "resuscitation_attempted": "perhaps"}))
        .await
        .expect("sent");
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("json");
    let fields: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    for f in ["answers.maternal_bmi", "answers.resuscitation_attempted", "answers.completed_by_organisation"]
    {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let res = submit(serde_json::json!({"completed_by_name": "Pat", "completed_by_organisation": "Community Health Trust",
        "maternal_bmi": 24.5, "resuscitation_attempted": "not_known", "bereavement_support_offered": "yes",
        "bereavement_support_what": NARRATIVE, "household_members": [{"relationship": "mother", "age_years": 31}]}))
    .await
    .expect("sent");
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());

    let read = |who: &str| {
        app.client.get(api(&format!("/api/v1/requests/{id}/response"))).bearer_auth(who.to_string()).send()
    };
    let body: serde_json::Value = read(&token).await.expect("sent").json().await.expect("json");
    assert_eq!(body["version"], "NCMD-2022-04");
    assert_eq!(body["answers"]["bereavement_support_what"], NARRATIVE);
    assert_eq!(body["answers"]["household_members"][0]["relationship"], "mother");
    assert_eq!(body["request"]["status"], "submitted");
    assert_eq!(read(&chair).await.expect("sent").status(), 403, "panel chairs do not read agency answers");

    let doc: serde_json::Value =
        app.client.get(api("/api/v1/openapi.json")).send().await.expect("sent").json().await.expect("json");
    for path in ["/api/v1/forms", "/api/v1/cases/{reference}/requests", "/api/v1/requests/{id}/response"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
});

both_backends!(
    one_request_that_does_not_open_does_not_stop_the_others_reminders,
    |backend: Backend| async move {
        use cdop::store::entities::form_request;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let app = TestApp::spawn_with(backend, smtp_config(free_port()), axum::Router::new()).await;
        let area = app.area("Cumberland").await;
        let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
        let reference = notified_case(&app, "Cumberland").await;
        request_forms(&app, &coordinator, &reference, 10).await;
        // One request's sealed recipient no longer opens (damaged, or sealed to a lost key).
        let first = form_request::Entity::find().all(&app.state.db).await.expect("requests");
        let bad = first.iter().map(|r| r.id).min().expect("a request");
        form_request::Entity::update_many()
            .col_expr(form_request::Column::RecipientSealed, sea_orm::sea_query::Expr::value(vec![1u8, 2, 3]))
            .filter(form_request::Column::Id.eq(bad))
            .exec(&app.state.db)
            .await
            .expect("damaged");
        app.state.clock.set(Utc::now() + TimeDelta::days(7));
        let sent = cdop::gathering::send_due_reminders(&app.state).await.expect("the pass completes");
        assert_eq!(sent, 2, "the two requests that open are reminded");
        assert_eq!(queued(&app, "form_reminder").await, 2);
        // The bad one is skipped again, not retried for ever in a failing pass.
        assert_eq!(cdop::gathering::send_due_reminders(&app.state).await.expect("again"), 0);
        // `cdop keys verify` names it.
        let out = crate::common::process::run(
            &app.dir,
            &[("CDOP__DATABASE__URL", &app.db.url)],
            &["keys", "verify"],
        );
        assert_eq!(out.status.code(), Some(1));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(&format!("form request #{bad}")), "{said}");
    }
);

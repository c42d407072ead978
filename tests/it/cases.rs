//! Notification intake, sealing, duplicates, validation, reveals, area scope and triage.

use cdop::domain::notification::SealedIdentity;
use cdop::domain::role::Role;
use cdop::store::audit;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use crate::both_backends;
use crate::common::{Backend, TestApp, notification};

const NAME: &str = "Zebedee";
const FAMILY: &str = "Quartermaine";
const NHS: &str = "943 476 5919";
const NHS_DIGITS: &str = "9434765919";
const POSTCODE: &str = "CA1 1AA";
const NOTIFIER_EMAIL: &str = "notifier@nhs.example";

async fn actions(app: &TestApp) -> Vec<String> {
    let (rows, _) = audit::search(&app.state.db, &Default::default(), 0, 1000).await.expect("audit");
    rows.into_iter().map(|e| e.action).collect()
}

async fn case_count(app: &TestApp) -> u64 {
    cdop::store::cases::count_all(&app.state.db).await.expect("count")
}

/// Every byte the database holds: the SQLite files, or every row of every table as text.
pub async fn raw_database_text(app: &TestApp) -> Vec<u8> {
    match app.backend {
        Backend::Sqlite => {
            app.sql("PRAGMA wal_checkpoint(FULL)").await;
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                let path = app.dir.join(format!("cdop.sqlite{suffix}"));
                // Read by another process: closing a descriptor of a file SQLite holds open would
                // drop this process's locks on it (see the test at the end of this file).
                let out = std::process::Command::new("cat").arg(&path).output().expect("cat runs");
                if out.status.success() {
                    bytes.extend(out.stdout);
                }
            }
            bytes
        }
        Backend::Postgres => {
            let db = &app.state.db;
            let tables = db
                .query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
                ))
                .await
                .expect("tables");
            let mut text = String::new();
            for t in tables {
                let name: String = t.try_get("", "table_name").expect("name");
                let rows = db
                    .query_all_raw(Statement::from_string(
                        db.get_database_backend(),
                        format!("SELECT t::text AS row FROM \"{name}\" t"),
                    ))
                    .await
                    .expect("rows");
                for r in rows {
                    let row: String = r.try_get("", "row").expect("row text");
                    text.push_str(&row);
                    text.push('\n');
                }
            }
            text.into_bytes()
        }
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let lower_hay = haystack.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let hex = data_encoding::HEXLOWER.encode(needle.as_bytes());
    [needle.as_bytes(), hex.as_bytes()].iter().any(|n| lower_hay.windows(n.len()).any(|w| w == *n))
}

both_backends!(
    identifying_data_is_sealed_at_rest_and_opens_with_a_recovery_identity,
    |backend: Backend| async move {
        let recovery = age::x25519::Identity::generate();
        let recipient = recovery.to_public().to_string();
        let app = TestApp::spawn_with(
            backend,
            move |c| c.crypto.recovery_recipients = vec![recipient],
            axum::Router::new(),
        )
        .await;
        let area = app.area("Cumberland").await;
        app.user("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
        let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
        let (status, body) =
            app.notify_api(&token, &notification("Cumberland", NAME, FAMILY, NHS, POSTCODE)).await;
        assert_eq!(status, 201, "{body}");
        let reference = body["case_reference"].as_str().expect("reference").to_string();
        assert!(reference.starts_with("CDOP-"));
        assert!(body["duplicate_of"].is_null());

        let raw = raw_database_text(&app).await;
        assert!(raw.len() > 1000, "read the database");
        assert!(contains(&raw, &reference), "the search can find what is there");
        for secret in [
            NAME,
            FAMILY,
            NHS,
            NHS_DIGITS,
            POSTCODE,
            "CA11AA",
            NOTIFIER_EMAIL,
            "Found unresponsive",
            "2019-05-17",
        ] {
            assert!(!contains(&raw, secret), "`{secret}` must not be stored in clear");
        }

        // The sealed record opens with the recovery identity alone, to the same fields.
        let case = cdop::store::cases::find_by_reference(&app.state.db, &reference)
            .await
            .expect("db")
            .expect("case");
        let plain = age::decrypt(&recovery, &case.sealed).expect("recovery identity opens the record");
        let identity: SealedIdentity = serde_json::from_slice(&plain).expect("json");
        assert_eq!(identity.child.given_names, NAME);
        assert_eq!(identity.child.family_name, FAMILY);
        assert_eq!(identity.child.nhs_number, NHS);
        assert_eq!(identity.child.postcode, POSTCODE);
        assert_eq!(identity.notifier.email, NOTIFIER_EMAIL);
        assert_eq!(identity.death.date_of_death.to_string(), "2026-11-20");
        // The coded columns are in clear for statistics.
        assert_eq!(case.age_band, "5-9y");
        assert_eq!(case.sex, "female");
        assert!(case.jar);

        // Exported with the CLI, the record is the same ciphertext (for the `age` command line).
        let out_file = app.dir.join("record.age");
        let out = crate::common::process::run(
            &app.dir,
            &[
                ("CDOP__DATABASE__URL", &app.db.url),
                ("CDOP__STORAGE__DATA_DIR", app.dir.join("data").to_str().expect("utf-8")),
            ],
            &["cases", "export-sealed", &reference, "--out", out_file.to_str().expect("utf-8")],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let exported = std::fs::read(&out_file).expect("exported");
        assert_eq!(exported, case.sealed);
        assert!(age::decrypt(&recovery, &exported).is_ok());
        assert!(actions(&app).await.contains(&"case.exported_sealed".to_string()));
    }
);

both_backends!(
    a_duplicate_nhs_number_is_flagged_linked_and_resolved_by_a_coordinator,
    |backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
        let (_, first) =
            app.notify_api(&token, &notification("Cumberland", NAME, FAMILY, NHS, POSTCODE)).await;
        let first_ref = first["case_reference"].as_str().expect("ref").to_string();
        let mut second_body = notification("Cumberland", NAME, FAMILY, "9434765919", POSTCODE);
        second_body["notifier"]["email"] = "second.notifier@nhs.example".into();
        let (status, second) = app.notify_api(&token, &second_body).await;
        assert_eq!(status, 201);
        assert_eq!(
            second["duplicate_of"],
            first_ref.as_str(),
            "flagged and linked, never silently a second case"
        );
        let second_ref = second["case_reference"].as_str().expect("ref").to_string();
        assert_ne!(first_ref, second_ref);
        assert!(actions(&app).await.contains(&"case.duplicate.flagged".to_string()));

        // A coordinator sees it in triage and merges it.
        let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
        let (_, triage) = coordinator.page("/triage").await;
        assert!(triage.contains(&second_ref));
        let (_, page) = coordinator.page(&format!("/cases/{second_ref}")).await;
        assert!(page.contains("Possible duplicate"));
        let version = "1";
        let res =
            coordinator.post(&format!("/cases/{second_ref}/duplicate/merge"), &[("version", version)]).await;
        assert_eq!(res.status(), 303);
        let merged = cdop::store::cases::find_by_reference(&app.state.db, &second_ref)
            .await
            .expect("db")
            .expect("case");
        assert_eq!(merged.status, "merged");
        assert_eq!(merged.duplicate_status, "merged");
        // The earlier case now lists the second notifier among the professionals.
        let revealed = coordinator.reveal(&first_ref).await;
        assert!(revealed.contains("second.notifier@nhs.example"), "merged professionals");
        // Replaying the stale form is refused.
        let res =
            coordinator.post(&format!("/cases/{second_ref}/duplicate/merge"), &[("version", version)]).await;
        assert_eq!(res.status(), 409);
    }
);

both_backends!(invalid_notifications_get_specific_messages_and_store_nothing, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "child.nhs_number",
            {
                let mut b = notification("Cumberland", NAME, FAMILY, "943 476 5918", POSTCODE);
                b["x"] = 1.into();
                b
            },
            "check digit",
        ),
        ("child.postcode", notification("Cumberland", NAME, FAMILY, NHS, "NOT A CODE"), "real postcode"),
        (
            "death.date_of_death",
            {
                let mut b = notification("Cumberland", NAME, FAMILY, NHS, POSTCODE);
                b["child"]["date_of_birth"] = "2026-11-21".into();
                b
            },
            "after the date of birth",
        ),
        (
            "death.date_of_death",
            {
                let mut b = notification("Cumberland", NAME, FAMILY, NHS, POSTCODE);
                b["death"]["date_of_death"] = "2099-01-01".into();
                b
            },
            "in the past",
        ),
        (
            "death.date_of_death",
            {
                let mut b = notification("Cumberland", NAME, FAMILY, NHS, POSTCODE);
                b["child"]["date_of_birth"] = "2005-01-01".into();
                b
            },
            "out of scope",
        ),
        (
            "death.stillbirth",
            {
                let mut b = notification("Cumberland", NAME, FAMILY, NHS, POSTCODE);
                b["death"]["stillbirth"] = true.into();
                b
            },
            "Stillbirths",
        ),
        (
            "child.given_names",
            {
                let mut b = notification("Cumberland", NAME, FAMILY, NHS, POSTCODE);
                b["child"].as_object_mut().expect("object").remove("given_names");
                b
            },
            "first names",
        ),
        (
            "death.expected",
            {
                let mut b = notification("Cumberland", NAME, FAMILY, NHS, POSTCODE);
                b["death"]["expected"] = "maybe".into();
                b
            },
            "true or false",
        ),
        ("area", notification("Atlantis", NAME, FAMILY, NHS, POSTCODE), "areas"),
    ];
    for (field, body, words) in cases {
        let (status, problem) = app.notify_api(&token, &body).await;
        assert_eq!(status, 422, "{field}: {problem}");
        let errors = problem["errors"].as_array().expect("errors list");
        assert!(
            errors.iter().any(|e| e["field"] == field && e["message"].as_str().unwrap_or("").contains(words)),
            "{field} should say `{words}`: {problem}"
        );
    }
    assert_eq!(case_count(&app).await, 0, "nothing stored");
    assert!(!actions(&app).await.contains(&"case.created".to_string()));

    // The browser form keeps what was typed and shows the error summary.
    let agent = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    agent.page("/cases/new").await;
    let (status, html, _) = agent
        .post_page(
            "/cases/new",
            &[
                ("area", &area.to_string()),
                ("child.given_names", "Typed Name"),
                ("child.nhs_number", "943 476 5918"),
                ("child.postcode", "CA1 1AA"),
                ("child.date_of_birth.day", "17"),
                ("child.date_of_birth.month", "5"),
                ("child.date_of_birth.year", "2019"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("govuk-error-summary"));
    assert!(html.contains("href=\"#child-nhs_number\""), "the summary links to the field");
    assert!(html.contains("check digit"));
    assert!(
        html.contains("value=\"Typed Name\"")
            && html.contains("value=\"943 476 5918\"")
            && html.contains("value=\"2019\"")
    );
    assert!(html.contains("<title>Error: "));
    assert_eq!(case_count(&app).await, 0);
});

both_backends!(the_browser_form_records_a_case, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let agent = app.signed_in("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    agent.page("/cases/new").await;
    let area_s = area.to_string();
    let fields = [
        ("area", area_s.as_str()),
        ("child.given_names", NAME),
        ("child.family_name", FAMILY),
        ("child.date_of_birth.day", "1"),
        ("child.date_of_birth.month", "2"),
        ("child.date_of_birth.year", "2026"),
        ("child.sex", "male"),
        ("child.nhs_number", NHS),
        ("child.ethnicity", "Z"),
        ("child.address", "2 Example Road"),
        ("child.postcode", "la9 4rr"),
        ("death.date_of_death.day", "10"),
        ("death.date_of_death.month", "2"),
        ("death.date_of_death.year", "2026"),
        ("death.place_category", "home"),
        ("death.expected", "no"),
        ("death.jar_criteria", "sudden_unexplained"),
        ("death.coroner_informed", "yes"),
        ("death.circumstances", "Found unresponsive in cot."),
        ("notifier.name", "Dr N"),
        ("notifier.role", "Paediatrician"),
        ("notifier.organisation", "Trust"),
        ("notifier.email", "n@nhs.example"),
        ("professionals.0.name", "Health Visitor"),
        ("professionals.0.role", "Health visitor"),
        ("professionals.0.organisation", "Community"),
        ("professionals.0.email", "hv@nhs.example"),
    ];
    let (status, body, location) = agent.post_page("/cases/new", &fields).await;
    assert_eq!(status, 303, "{body}");
    // "Check your answers" comes before anything is sent; nothing is stored until then.
    let check = location.expect("redirect to check your answers");
    assert!(check.starts_with("/cases/new/check?draft="), "{check}");
    assert_eq!(case_count(&app).await, 0, "nothing stored before sending");
    let (status, answers) = agent.page(&check).await;
    assert_eq!(status, 200);
    assert!(
        answers.contains("Check your answers") && answers.contains(FAMILY) && answers.contains("LA9 4RR")
    );
    assert!(answers.contains("href=\"/cases/new?draft="), "change links go back to the form");
    let draft = check.trim_start_matches("/cases/new/check?draft=").to_string();
    let (status, body, location) = agent.post_page("/cases/new/check", &[("draft", draft.as_str())]).await;
    assert_eq!(status, 303, "{body}");
    let to = location.expect("redirect");
    assert!(to.starts_with("/cases/CDOP-"));
    let (_, page) = agent.page(&to).await;
    assert!(page.contains("Notification recorded as"));
    assert!(page.contains("Under 28 days") || page.contains("28 to 364 days") || page.contains("days)"));
    assert!(!page.contains(FAMILY), "identities only after an explicit reveal");
    let reference = to.trim_start_matches("/cases/");
    let (status, _, shown) = agent.post_page(&format!("/cases/{reference}/reveal"), &[]).await;
    assert_eq!(status, 303, "a reveal redirects (post/redirect/get)");
    let shown = shown.expect("redirect");
    let (_, revealed) = agent.page(&shown).await;
    assert!(revealed.contains(FAMILY) && revealed.contains("LA9 4RR") && revealed.contains("hv@nhs.example"));
    let reveals = || async { actions(&app).await.iter().filter(|a| *a == "case.identity.revealed").count() };
    assert_eq!(reveals().await, 1);
    // Refreshing the page (or opening a copied URL) neither reveals again nor records another reveal.
    let (_, again) = agent.page(&shown).await;
    assert!(!again.contains(FAMILY) && again.contains("hidden again"));
    assert_eq!(reveals().await, 1);
    // Listed with the child's name for a role that may see it.
    let (_, list) = agent.page("/cases").await;
    assert!(list.contains(reference) && list.contains(&format!("{NAME} {FAMILY}")));
    assert!(actions(&app).await.contains(&"case.list.identities_shown".to_string()));
    // The draft is gone once sent: sending it again (back, then resubmit) records nothing twice.
    let (status, _, again) = agent.post_page("/cases/new/check", &[("draft", draft.as_str())]).await;
    assert_eq!(status, 303);
    assert_eq!(again.as_deref(), Some("/cases"));
    assert_eq!(case_count(&app).await, 1);
    let (_, list) = agent.page("/cases").await;
    assert!(list.contains("There is a problem") && list.contains("already sent"), "a refusal, not a success");
    // "Add another professional" adds a row without validating or losing anything.
    let (status, more, _) =
        agent.post_page("/cases/new", &[("action", "add_professional"), ("child.given_names", "Kept")]).await;
    assert_eq!(status, 200);
    assert!(
        more.contains("professionals-1-name")
            && more.contains("autofocus")
            && more.contains("value=\"Kept\"")
            && !more.contains("govuk-error-summary")
    );
});

both_backends!(reveals_and_api_reads_are_audited_and_roles_respected, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let dd = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let chair = app.token_for("chair@example.org", &[Role::PanelChair], &[area]).await;
    let member = app.token_for("member@example.org", &[Role::PanelMember], &[area]).await;
    let (_, created) = app.notify_api(&dd, &notification("Cumberland", NAME, FAMILY, NHS, POSTCODE)).await;
    let reference = created["case_reference"].as_str().expect("ref").to_string();
    let client = reqwest::Client::new();

    let res = client
        .get(app.url(&format!("/api/v1/cases/{reference}")))
        .bearer_auth(&dd)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["identity"]["child"]["family_name"], FAMILY);
    assert!(actions(&app).await.contains(&"case.api.read".to_string()));

    let res = client
        .get(app.url(&format!("/api/v1/cases/{reference}")))
        .bearer_auth(&chair)
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(body.get("identity").is_none(), "the panel chair works from coded data");
    assert_eq!(body["age_band"], "5-9y");

    let res =
        client.get(app.url("/api/v1/cases?age_band=5-9y")).bearer_auth(&chair).send().await.expect("sent");
    let list: serde_json::Value = res.json().await.expect("json");
    assert_eq!(list["total"], 1);
    assert!(!list.to_string().contains(FAMILY), "lists carry coded fields only");

    let res = client.get(app.url("/api/v1/cases")).bearer_auth(&member).send().await.expect("sent");
    assert_eq!(res.status(), 403);
    let res = client
        .post(app.url("/api/v1/notifications"))
        .bearer_auth(&chair)
        .json(&notification("Cumberland", NAME, FAMILY, NHS, POSTCODE))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 403, "panel chairs do not notify");

    // The API read is in the audit trail (the admins' access report); the case page's chronology
    // tells the case's story, not who read it.
    let agent = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let (_, page) = agent.page(&format!("/cases/{reference}")).await;
    assert!(page.contains("Chronology") && page.contains("Notification recorded"));
    assert!(!page.contains("Read through the API") && !page.contains("case.api.read"));
    assert!(
        !app.sql_strings("SELECT action FROM audit_events WHERE action = 'case.api.read'").await.is_empty()
    );
});

both_backends!(users_see_and_change_nothing_outside_their_areas, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let x = app.area("Cumberland").await;
    let y = app.area("Westmorland and Furness").await;
    let token_y = app.token_for("dd-y@example.org", &[Role::DesignatedDoctor], &[y]).await;
    let (_, created) =
        app.notify_api(&token_y, &notification("Westmorland and Furness", NAME, FAMILY, NHS, POSTCODE)).await;
    let in_y = created["case_reference"].as_str().expect("ref").to_string();

    let agent = app.signed_in("co-x@example.org", &[Role::Coordinator], &[x]).await;
    assert_eq!(agent.page(&format!("/cases/{in_y}")).await.0, 404, "not even its existence");
    assert_eq!(agent.post(&format!("/cases/{in_y}/reveal"), &[]).await.status(), 404);
    assert_eq!(
        agent.post(&format!("/cases/{in_y}/duplicate/distinct"), &[("version", "1")]).await.status(),
        404
    );
    let (_, list) = agent.page("/cases").await;
    assert!(!list.contains(&in_y));
    let (_, _, to) = agent.post_page("/cases/search", &[("nhs_number", NHS)]).await;
    let (_, found) = agent.page(&to.expect("search result")).await;
    assert!(!found.contains(&in_y) && found.contains("0 cases with that NHS number"));
    let (_, search) = agent.page(&format!("/cases?reference={in_y}")).await;
    assert!(search.contains("There is no case") && search.contains("0 cases"));

    let token_x = app.token_for("dd-x@example.org", &[Role::DesignatedDoctor], &[x]).await;
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/cases/{in_y}")))
        .bearer_auth(&token_x)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 404);
    let (status, problem) =
        app.notify_api(&token_x, &notification("Westmorland and Furness", NAME, FAMILY, NHS, POSTCODE)).await;
    assert_eq!(status, 422);
    assert!(problem.to_string().contains("only notify deaths in the areas you work in"));
    assert_eq!(case_count(&app).await, 1);
});

both_backends!(public_notifications_wait_for_triage, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let public = app.agent();
    let (status, form) = public.page("/notify").await;
    assert_eq!(status, 200);
    assert!(form.contains("Notify a child death"));
    let area_s = area.to_string();
    let (status, done, _) = public
        .post_page(
            "/notify",
            &[
                ("area", area_s.as_str()),
                ("child.given_names", NAME),
                ("child.family_name", FAMILY),
                ("child.date_of_birth.day", "17"),
                ("child.date_of_birth.month", "5"),
                ("child.date_of_birth.year", "2019"),
                ("child.sex", "female"),
                ("child.nhs_number", NHS),
                ("child.ethnicity", "A"),
                ("child.address", "1 Street"),
                ("child.postcode", POSTCODE),
                ("death.date_of_death.day", "20"),
                ("death.date_of_death.month", "11"),
                ("death.date_of_death.year", "2026"),
                ("death.place_category", "home"),
                ("death.expected", "yes"),
                ("death.coroner_informed", "not_known"),
                ("death.circumstances", "Known life-limiting condition."),
                ("notifier.name", "Nurse P"),
                ("notifier.role", "School nurse"),
                ("notifier.organisation", "School health"),
                ("notifier.email", "school.nurse@nhs.example"),
            ],
        )
        .await;
    // "Continue" shows the answers to check, with everything carried in the page; nothing stored.
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("Check your answers") && done.contains(FAMILY) && done.contains("value=\"send\""));
    assert_eq!(case_count(&app).await, 0);
    let mut carried = crate::common::agent::form_fields(&done);
    carried.retain(|(k, _)| k != "csrf_token");
    carried.push(("action".into(), "send".into()));
    let refs: Vec<(&str, &str)> = carried.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert!(carried.iter().any(|(k, v)| k == "submission" && v.len() >= 20), "a one-off submission key");
    let (status, done, _) = public.post_page("/notify", &refs).await;
    assert_eq!(status, 303, "{done}");
    let (_, done) = public.page("/notify/done").await;
    let reference = crate::common::agent::text_of_id(&done, "reference").expect("reference shown");
    // Back to the check page and "Send" again: the same case, not a second one.
    let (status, _, _) = public.post_page("/notify", &refs).await;
    assert_eq!(status, 303);
    let (_, done_again) = public.page("/notify/done").await;
    assert_eq!(crate::common::agent::text_of_id(&done_again, "reference"), Some(reference.clone()));
    assert_eq!(case_count(&app).await, 1, "sent twice, recorded once");
    // A refresh shows the confirmation again without sending anything or repeating the reference.
    let (status, again) = public.page("/notify/done").await;
    assert_eq!(status, 200);
    assert!(again.contains("Notification received") && !again.contains(&reference));
    let case =
        cdop::store::cases::find_by_reference(&app.state.db, &reference).await.expect("db").expect("case");
    assert_eq!(case.status, "pending_triage");
    assert_eq!(case.source, "public");

    let coordinator = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let (_, triage) = coordinator.page("/triage").await;
    assert!(triage.contains(&reference));
    let res = coordinator.post(&format!("/cases/{reference}/accept"), &[("version", "1")]).await;
    assert_eq!(res.status(), 303);
    let case =
        cdop::store::cases::find_by_reference(&app.state.db, &reference).await.expect("db").expect("case");
    assert_eq!(case.status, "notified");
    let acts = actions(&app).await;
    assert!(acts.contains(&"notification.accepted".to_string()));

    // A second one is rejected with a coded reason.
    let ctx_token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let _ = ctx_token;
    let public2 = app.agent();
    public2.page("/notify").await;
    let (_, form_again, _) = public2.post_page("/notify", &[("area", area_s.as_str())]).await;
    assert!(form_again.contains("govuk-error-summary"), "invalid public notifications store nothing");
    assert_eq!(case_count(&app).await, 1);
});

both_backends!(public_notification_can_be_turned_off, |backend: Backend| async move {
    let app = TestApp::spawn_with(backend, |c| c.notify.public_enabled = false, axum::Router::new()).await;
    assert_eq!(app.agent().page("/notify").await.0, 404);
});

both_backends!(case_list_filters_sorts_and_pages, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let agent = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    let mut rng = cdop::demo::rng(Some(3));
    let now = cdop::store::now();
    for n in 0..60u64 {
        let at = now - chrono::TimeDelta::days(n as i64 * 9);
        let input = cdop::demo::notification(&mut rng, "Cumberland", at, n);
        let parsed = cdop::domain::notification::parse(&input, at.date_naive()).expect("valid");
        cdop::intake::notify(
            &app.state,
            parsed,
            cdop::intake::Origin {
                actor: cdop::domain::audit::Actor::Cli,
                source: cdop::domain::codes::Source::Demo,
                request_id: "t",
                area_scope: None,
                synthetic: true,
                notified_at: Some(at),
                submission: None,
            },
        )
        .await
        .expect("seeded");
    }
    // The service learns of synthetic cases from the database (at most every ten seconds); skip
    // the wait.
    app.state.web.synthetic_checked_ms.store(0, std::sync::atomic::Ordering::Relaxed);
    let (_, page1) = agent.page("/cases").await;
    assert!(page1.contains("60 cases. Page 1 of 2."));
    assert!(page1.contains("Synthetic"), "the synthetic banner shows");
    assert!(!page1.contains(">Child<"), "the panel chair sees no names column");
    let (_, page2) = agent.page("/cases?page=2").await;
    assert!(page2.contains("Page 2 of 2"));
    let (_, filtered) = agent.page("/cases?age_band=0-27d&sort=oldest").await;
    let n: u64 = filtered
        .split("id=\"case-count\">")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("count");
    assert!(n > 0 && n < 60, "filtered to one age band: {n}");
    assert!(filtered.contains("<td class=\"govuk-table__cell\">Under 28 days</td>"));
    assert!(!filtered.contains("<td class=\"govuk-table__cell\">1 to 4 years</td>"));
    let (_, bad) = agent.page("/cases?reference=nonsense").await;
    assert!(bad.contains("Enter a case reference like CDOP-2026-0042"));
});

both_backends!(openapi_documents_every_api_route, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let doc: serde_json::Value =
        reqwest::get(app.url("/api/v1/openapi.json")).await.expect("sent").json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for route in cdop::web::routes::ROUTES.iter().filter(|r| r.path.starts_with("/api/")) {
        let op = &doc["paths"][route.path][route.method.to_lowercase()];
        assert!(op.is_object(), "{} {} is documented", route.method, route.path);
    }
    // The documented example is accepted as it stands.
    let area = app.area("Cumberland").await;
    let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let example = doc["components"]["schemas"]["NotificationRequest"]["example"].clone();
    let (status, body) = app.notify_api(&token, &example).await;
    assert_eq!(status, 201, "{body}");
});

both_backends!(deprivation_deciles_come_from_the_imported_lookup, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (_, before) = app.notify_api(&token, &notification("Cumberland", NAME, FAMILY, NHS, POSTCODE)).await;
    let before_ref = before["case_reference"].as_str().expect("ref").to_string();
    let csv = app.dir.join("imd.csv");
    std::fs::write(&csv, "postcode,imd_decile\nca1 1aa,3\nLA9 4RR,8\nbad,11\n").expect("write");
    let data = app.dir.join("data");
    let envs = [
        ("CDOP__DATABASE__URL", app.db.url.as_str()),
        ("CDOP__STORAGE__DATA_DIR", data.to_str().expect("utf-8")),
    ];
    let out = crate::common::process::run(
        &app.dir,
        &envs,
        &["reference", "import-imd", csv.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Imported 2 postcode(s); skipped 1; gave 1 existing case(s)"), "{said}");
    let case =
        cdop::store::cases::find_by_reference(&app.state.db, &before_ref).await.expect("db").expect("case");
    assert_eq!(case.imd_decile, Some(3));
    let (_, after) = app
        .notify_api(&token, &notification("Cumberland", "Other", "Child", "401 023 2137", "LA9 4RR"))
        .await;
    let case =
        cdop::store::cases::find_by_reference(&app.state.db, after["case_reference"].as_str().expect("ref"))
            .await
            .expect("db")
            .expect("case");
    assert_eq!(case.imd_decile, Some(8));
    // The lookup holds no postcode in clear.
    let rows = cdop::store::entities::imd_lookup::Entity::find().all(&app.state.db).await.expect("rows");
    assert!(rows.iter().all(|r| r.postcode_index.len() == 64 && !r.postcode_index.contains("CA1")));
});

both_backends!(concurrent_notifications_of_one_child_are_all_caught_as_duplicates, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let token = token.clone();
        let url = app.url("/api/v1/notifications");
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&notification("Cumberland", NAME, FAMILY, NHS, POSTCODE))
                .send()
                .await
                .expect("sent")
                .json::<serde_json::Value>()
                .await
                .expect("json")
        }));
    }
    let mut flagged = 0;
    for t in tasks {
        if !t.await.expect("joined")["duplicate_of"].is_null() {
            flagged += 1;
        }
    }
    assert_eq!(flagged, 3, "one original, three flagged duplicates");
});

/// Defect (CI, stop 34: the test binary died of SIGBUS). The tests read the SQLite files with
/// `std::fs` while the app held them open. Closing any descriptor of a file drops every POSIX lock
/// the process holds on it (SQLite's "How To Corrupt An SQLite Database File", §2.2), so a `cdop`
/// command run next believed no one else had the database open: it reset the shared-memory index
/// the app had mapped (SIGBUS when the app next touched it) and, closing as the last user, deleted
/// the app's write-ahead log, so what the app wrote afterwards went to a deleted file.
#[tokio::test]
async fn reading_the_raw_sqlite_files_keeps_the_apps_locks_for_a_command_run_alongside() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.area("Cumberland").await;
    assert!(raw_database_text(&app).await.len() > 1000, "read the database");

    let data_dir = app.dir.join("data");
    let envs = [
        ("CDOP__DATABASE__URL", app.db.url.as_str()),
        ("CDOP__STORAGE__DATA_DIR", data_dir.to_str().expect("utf-8")),
    ];
    let areas = || {
        let out = crate::common::process::run(&app.dir, &envs, &["areas", "list"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(areas().contains("Cumberland"));
    for suffix in ["-wal", "-shm"] {
        assert!(
            app.dir.join(format!("cdop.sqlite{suffix}")).exists(),
            "the command left the app's cdop.sqlite{suffix} in place: it knew the app had the database open"
        );
    }
    // What the app writes next reaches the file another process reads.
    app.area("Westmorland").await;
    assert!(areas().contains("Westmorland"), "the app's later write is in the database others read");
}

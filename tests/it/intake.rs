//! Intake fit for real use: "not known" answers, amendments, drafts across a session timeout,
//! return paths through two-factor, per-case list audit, anonymised roles and NHS search.

use cdop::domain::role::Role;
use cdop::store::{audit, cases};
use sea_orm::{ConnectionTrait, Statement};

use crate::both_backends;
use crate::common::{Backend, PASSWORD, TestApp, notification};

async fn events_for(app: &TestApp, reference: &str) -> Vec<(String, String)> {
    audit::for_object(&app.state.db, "case", reference)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| (e.action, e.details))
        .collect()
}

async fn case(app: &TestApp, reference: &str) -> cases::Case {
    cases::find_by_reference(&app.state.db, reference).await.expect("db").expect("case")
}

fn not_known_body() -> serde_json::Value {
    let mut body = notification("Cumberland", "Unknown", "Details", "", "");
    let child = &mut body["child"];
    child.as_object_mut().expect("object").remove("nhs_number");
    child.as_object_mut().expect("object").remove("date_of_birth");
    child["nhs_number_not_known_reason"] = "not_available".into();
    child["date_of_birth_not_known"] = true.into();
    child["approximate_age"] = serde_json::json!({"value": 3, "unit": "years"});
    child["address_not_known"] = true.into();
    child["address"] = serde_json::Value::Null;
    child["postcode_not_known"] = true.into();
    child["postcode"] = serde_json::Value::Null;
    body
}

both_backends!(not_known_answers_are_accepted_flagged_and_hinted, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;

    // The API: NHS number, address, postcode and date of birth all not known.
    let (status, created) = app.notify_api(&token, &not_known_body()).await;
    assert_eq!(status, 201, "{created}");
    let first = created["case_reference"].as_str().expect("reference").to_string();
    let c = case(&app, &first).await;
    assert_eq!(c.age_band, "1-4y", "an approximate age of 3 years gives the age band");
    assert!(c.age_approximate);
    assert_eq!(c.nhs_number_status, "not_available");
    assert_eq!(c.data_quality, "nhs_number,date_of_birth,address,postcode");
    assert_eq!(c.nhs_index, "", "no blind index for a number not known");
    assert_eq!(c.imd_decile, None);

    // A second one with the same date of death in the same area: a hint, not silence.
    let (status, second) = app.notify_api(&token, &not_known_body()).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["duplicate_of"], first.as_str(), "hinted by date of death and area");
    let second_ref = second["case_reference"].as_str().expect("reference").to_string();
    assert_eq!(case(&app, &second_ref).await.duplicate_status, "possible");

    // Both a number and a reason is refused, naming the field.
    let mut both = not_known_body();
    both["child"]["nhs_number"] = "943 476 5919".into();
    let (status, problem) = app.notify_api(&token, &both).await;
    assert_eq!(status, 422);
    assert!(problem.to_string().contains("child.nhs_number_not_known_reason"), "{problem}");

    // The browser form takes the same answers; the case page shows the data-quality items.
    let doctor = app.signed_in("doc@example.org", &[Role::Coordinator], &[area]).await;
    let area_s = area.to_string();
    let (status, body, check) = doctor
        .post_page(
            "/cases/new",
            &[
                ("area", area_s.as_str()),
                ("child.given_names", "Form"),
                ("child.family_name", "Unknowns"),
                ("child.date_of_birth_not_known", "yes"),
                ("child.approximate_age", "6"),
                ("child.approximate_age_unit", "weeks"),
                ("child.sex", "not_known"),
                ("child.nhs_number_status", "not_resident"),
                ("child.nhs_number", "leftover typing is ignored"),
                ("child.ethnicity", "99"),
                ("child.address_not_known", "yes"),
                ("child.postcode_not_known", "yes"),
                ("death.date_of_death.day", "2"),
                ("death.date_of_death.month", "11"),
                ("death.date_of_death.year", "2026"),
                ("death.place_category", "home"),
                ("death.expected", "no"),
                ("death.coroner_informed", "yes"),
                ("death.post_mortem_planned", "yes"),
                ("death.circumstances", "Not yet known."),
                ("notifier.name", "Dr N"),
                ("notifier.role", "Paediatrician"),
                ("notifier.organisation", "Trust"),
                ("notifier.email", "n@nhs.example"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let check = check.expect("check your answers");
    let (_, answers) = doctor.page(&check).await;
    assert!(answers.contains("Not known: about 6 weeks") && answers.contains("not resident in England"));
    let draft = check.rsplit('=').next().expect("draft id").to_string();
    let (status, _, to) = doctor.post_page("/cases/new/check", &[("draft", draft.as_str())]).await;
    assert_eq!(status, 303);
    let to = to.expect("case page");
    let (_, page) = doctor.page(&to).await;
    assert!(page.contains("28 to 364 days") && page.contains("about 42 days"), "six weeks is 42 days");
    assert!(page.contains("Data quality") && page.contains("NHS number not known"));
    assert!(page.contains("Post-mortem planned"));
});

both_backends!(hostile_api_bodies_get_one_error_per_bad_element, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let base = notification("Cumberland", "A", "B", "943 476 5919", "CA1 1AA");
    for (professionals, expected) in [
        (
            serde_json::json!([{}]),
            vec!["professionals.0.name", "professionals.0.role", "professionals.0.email"],
        ),
        (serde_json::json!(["x"]), vec!["professionals.0"]),
        (
            serde_json::json!([null, {"name": "N", "role": "R", "organisation": "O", "email": "bad"}]),
            vec!["professionals.0", "professionals.1.email"],
        ),
    ] {
        let mut body = base.clone();
        body["professionals"] = professionals.clone();
        let (status, problem) = app.notify_api(&token, &body).await;
        assert_eq!(status, 422, "{professionals}: {problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        for f in expected {
            assert!(fields.contains(&f), "{professionals}: expected an error for {f}, got {fields:?}");
        }
    }
    assert_eq!(cases::count_all(&app.state.db).await.expect("count"), 0, "nothing stored");
    // Errors in repeating rows name the row.
    let mut body = base.clone();
    body["professionals"] =
        serde_json::json!([{"name": "N", "role": "", "organisation": "O", "email": "e@x.org"}]);
    let (_, problem) = app.notify_api(&token, &body).await;
    assert!(problem.to_string().contains("Professional 1: enter their role"), "{problem}");

    // Page numbers beyond any list, and unknown parameters, are a 400 naming the parameter.
    for query in [
        "page=9223372036854775807",
        "page=18446744073709551615",
        "page=-1",
        "per_page=0",
        "nhs_number=9434765919",
    ] {
        let res = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/cases?{query}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), 400, "{query}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let name = query.split('=').next().expect("name");
        assert!(res.text().await.expect("body").contains(name), "{query} names the parameter");
    }
    let agent = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let (status, html) = agent.page("/cases?page=9223372036854775807").await;
    assert_eq!(status, 400);
    assert!(html.contains("`page`"));
});

both_backends!(amendments_are_versioned_audited_and_locked, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("api@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (_, first) =
        app.notify_api(&token, &notification("Cumberland", "Ann", "First", "943 476 5919", "CA1 1AA")).await;
    let first_ref = first["case_reference"].as_str().expect("ref").to_string();
    let (_, second) =
        app.notify_api(&token, &notification("Cumberland", "Bea", "Second", "943 476 5870", "CA1 1AA")).await;
    let second_ref = second["case_reference"].as_str().expect("ref").to_string();

    let co = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    let (status, form) = co.page(&format!("/cases/{second_ref}/edit")).await;
    assert_eq!(status, 200);
    assert!(form.contains("value=\"Bea\"") && form.contains("Reason for the change"));
    assert!(
        events_for(&app, &second_ref)
            .await
            .iter()
            .any(|(a, d)| a == "case.identity.revealed" && d == "for=amendment")
    );
    let version = crate::common::agent::value_of(&form, "version").expect("version field");

    // The form exactly as shown, with the NHS number changed to the first case's: no reason → error.
    let mut fields = crate::common::agent::form_fields(&form);
    fields.retain(|(k, _)| k != "csrf_token" && k != "action");
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        fields.retain(|(key, _)| key != k);
        fields.push((k.to_string(), v.to_string()));
    };
    set(&mut fields, "child.nhs_number", "9434765919");
    let pairs = |f: &Vec<(String, String)>| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
    let post = |f: Vec<(String, String)>| {
        let co = &co;
        let reference = second_ref.clone();
        async move {
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            co.post_page(&format!("/cases/{reference}/edit"), &refs).await
        }
    };
    let (status, html, _) = post(pairs(&fields)).await;
    assert_eq!(status, 422);
    assert!(html.contains("Enter the reason for the change") && html.contains("value=\"9434765919\""));

    set(&mut fields, "reason", "NHS number confirmed by the GP practice");
    let (status, body, to) = post(pairs(&fields)).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(to.as_deref(), Some(format!("/cases/{second_ref}").as_str()));
    let amended = case(&app, &second_ref).await;
    assert_eq!(amended.version.to_string(), (version.parse::<i64>().expect("n") + 1).to_string());
    assert_eq!(amended.duplicate_status, "flagged", "a changed NHS number re-runs duplicate detection");
    assert_eq!(amended.duplicate_of, Some(case(&app, &first_ref).await.id));
    let events = events_for(&app, &second_ref).await;
    let (_, details) = events.iter().find(|(a, _)| a == "case.amended").expect("amendment audited");
    assert!(details.contains("fields=child.nhs_number"), "{details}");
    assert!(!details.contains("9434765919"), "no values in the audit trail");
    let versions = cdop::store::case_versions::for_case(&app.state.db, amended.id).await.expect("versions");
    assert_eq!(versions.len(), 1, "the earlier version is kept");
    let kept = app.state.keys.keyring.open(&versions[0].sealed).expect("opens");
    let kept: cdop::domain::amendment::KeptVersion = serde_json::from_slice(&kept).expect("kept version");
    assert_eq!(kept.identity.child.nhs_number, "943 476 5870");
    assert_eq!(kept.reason, "NHS number confirmed by the GP practice");
    let (_, page) = co.page(&format!("/cases/{second_ref}")).await;
    assert!(page.contains("Notification changed (version 2): NHS number"), "timeline says what changed");

    // A stale edit (the same form again, at the old version) gets the conflict page with the typed values.
    set(&mut fields, "child.given_names", "Beatrix");
    let (status, html, _) = post(pairs(&fields)).await;
    assert_eq!(status, 409);
    assert!(html.contains("changed by someone else") && html.contains("value=\"Beatrix\""));
    assert_eq!(case(&app, &second_ref).await.version, amended.version, "nothing saved");

    // A panel chair cannot open the form.
    let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
    assert_eq!(chair.page(&format!("/cases/{second_ref}/edit")).await.0, 403);
});

both_backends!(
    list_views_are_audited_per_case_and_chairs_cannot_search_by_nhs_number,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let token = app.token_for("api@example.org", &[Role::DesignatedDoctor], &[area]).await;
        for i in 0..52 {
            let nhs = cdop::demo::test_nhs_number(&mut cdop::demo::rng(Some(i)));
            let (status, body) = app
                .notify_api(&token, &notification("Cumberland", "L", &format!("C{i}"), &nhs, "CA1 1AA"))
                .await;
            assert_eq!(status, 201, "{body}");
        }
        let co = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
        let (status, list) = co.page("/cases").await;
        assert_eq!(status, 200);
        let shown: Vec<String> = list
            .split("href=\"/cases/CDOP-")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(|r| format!("CDOP-{r}"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(shown.len(), 50, "a page of 50");
        for reference in &shown {
            let history = events_for(&app, reference).await;
            assert!(
                history.iter().any(|(a, d)| a == "case.list.identities_shown" && d.contains("rows=50")),
                "{reference}'s access history lists the list view"
            );
        }
        assert!(audit::verify(&app.state.db).await.expect("verify").broken.is_none());

        // The NHS-number search: a POST, then a redirect whose URL holds no number.
        let (status, _, to) = co.post_page("/cases/search", &[("nhs_number", "943 476 5919")]).await;
        assert_eq!(status, 303);
        let to = to.expect("result page");
        assert!(to.starts_with("/cases?search=") && !to.contains("9434765919") && !to.contains("943"));
        let (status, result) = co.page(&to).await;
        assert_eq!(status, 200);
        assert!(result.contains("with that NHS number"));

        // Anonymised roles: no search form, the search refused, not even a count.
        let chair = app.signed_in("chair@example.org", &[Role::PanelChair], &[area]).await;
        let (_, list) = chair.page("/cases").await;
        assert!(!list.contains("/cases/search"), "no NHS-number search for a chair");
        let (status, body, _) = chair.post_page("/cases/search", &[("nhs_number", "943 476 5919")]).await;
        assert_eq!(status, 403);
        assert!(!body.contains("with that NHS number"));
        assert_eq!(chair.page(&to).await.0, 403, "nor another user's result");
        let chair_token = app.token_for("chair-api@example.org", &[Role::PanelChair], &[area]).await;
        let res = reqwest::Client::new()
            .get(app.url("/api/v1/cases?nhs_number=9434765919"))
            .bearer_auth(&chair_token)
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), 400, "no NHS-number parameter in the API");
        // An exact reference opens the case; an unknown one says so.
        let (status, _) = co.page(&format!("/cases?reference={}", shown[0])).await;
        assert_eq!(status, 303);
        let (status, html) = co.page("/cases?reference=CDOP-2001-9999").await;
        assert_eq!(status, 200);
        assert!(html.contains("There is no case CDOP-2001-9999 in your areas"));
    }
);

both_backends!(two_factor_keeps_the_return_path_and_refuses_off_site_ones, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("api@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (_, created) =
        app.notify_api(&token, &notification("Cumberland", "R", "P", "943 476 5919", "CA1 1AA")).await;
    let reference = created["case_reference"].as_str().expect("ref").to_string();
    let id = app.user("doc@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let secret = cdop::crypto::totp::new_secret();
    let step = cdop::store::now().timestamp() / 30;
    cdop::store::users::enable_totp(&app.state.db, id, &secret, step - 10, &[]).await.expect("totp on");
    let raw = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
    let code = format!("{:06}", cdop::crypto::totp::code_at(&raw, step).expect("code"));

    // Following a case link while signed out.
    let agent = app.agent();
    let res = agent.client.get(agent.url(&format!("/cases/{reference}"))).send().await.expect("sent");
    let login = res.headers()["location"].to_str().expect("location").to_string();
    assert!(login.starts_with("/login?next="), "{login}");
    agent.page(&login).await;
    let next = format!("/cases/{reference}");
    let (status, _, to) = agent
        .post_page("/login", &[("email", "doc@example.org"), ("password", PASSWORD), ("next", next.as_str())])
        .await;
    assert_eq!(status, 303);
    assert_eq!(to.as_deref(), Some("/login/two-factor"));
    agent.page("/login/two-factor").await;
    let (status, _, to) = agent.post_page("/login/two-factor", &[("code", code.as_str())]).await;
    assert_eq!(status, 303);
    assert_eq!(to.as_deref(), Some(next.as_str()), "lands on the case after the code step");
    assert_eq!(agent.page(&next).await.0, 200);

    // An off-site return path is refused at every step.
    agent.post("/logout", &[]).await;
    agent.page("/login").await;
    let (_, _, to) = agent
        .post_page(
            "/login",
            &[("email", "doc@example.org"), ("password", PASSWORD), ("next", "//evil.example/x")],
        )
        .await;
    assert_eq!(to.as_deref(), Some("/login/two-factor"));
    agent.page("/login/two-factor").await;
    let next_code = format!("{:06}", cdop::crypto::totp::code_at(&raw, step + 1).expect("code"));
    let (_, _, to) = agent.post_page("/login/two-factor", &[("code", next_code.as_str())]).await;
    assert_eq!(to.as_deref(), Some("/"), "never off-site");
});

both_backends!(a_form_sent_after_the_session_timed_out_is_kept_for_its_user, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let doctor = app.signed_in("doc@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (_, form) = doctor.page("/cases/new").await;
    assert!(form.contains("value=\"doc@example.org\""), "the notifier's details are prefilled");
    // The session times out while the form is open.
    let past = app.sql_time(cdop::store::now() - chrono::TimeDelta::hours(2));
    app.sql(&format!("UPDATE sessions SET last_seen_at = {past}")).await;
    let area_s = area.to_string();
    let (status, _, to) = doctor
        .post_page(
            "/cases/new",
            &[
                ("area", area_s.as_str()),
                ("child.given_names", "Typed Before Timeout"),
                ("death.circumstances", "Long text"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let to = to.expect("to sign-in");
    assert!(to.starts_with("/login?next=/cases/new%3Fdraft%3D"), "{to}");
    let drafts: i64 = {
        let db = &app.state.db;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM drafts",
            ))
            .await
            .expect("q")
            .expect("row");
        row.try_get("", "n").expect("n")
    };
    assert_eq!(drafts, 1, "kept as a sealed draft");
    // Signing in again (as the same person) carries on with everything typed.
    let (_, login) = doctor.page(&to).await;
    assert!(login.contains("what you typed has been kept"));
    let next = cdop::web::form_body::decode_component(to.trim_start_matches("/login?next="));
    let (status, _, back) = doctor
        .post_page("/login", &[("email", "doc@example.org"), ("password", PASSWORD), ("next", next.as_str())])
        .await;
    assert_eq!(status, 303);
    let back = back.expect("back to the form");
    let (_, restored) = doctor.page(&back).await;
    assert!(restored.contains("value=\"Typed Before Timeout\"") && restored.contains("Long text"));
    // Someone else cannot open it.
    let other = app.signed_in("other@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let (status, _) = other.page(&back).await;
    assert_eq!(status, 303, "not theirs: sent to a new form");
    // "Save as draft" keeps it too.
    let (status, _, saved) = doctor
        .post_page("/cases/new", &[("action", "save_draft"), ("child.given_names", "Saved Draft")])
        .await;
    assert_eq!(status, 303);
    assert!(saved.expect("draft page").starts_with("/cases/new?draft="));
});

both_backends!(rejecting_needs_a_reason_and_merges_can_be_undone, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("api@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let co = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;

    // A public notification waiting for triage.
    let public = app.agent();
    public.page("/notify").await;
    let mut fields: Vec<(String, String)> = crate::common::agent::form_fields(&{
        let n = notification("Cumberland", "Pub", "Lic", "943 476 5560", "CA1 1AA");
        let input = cdop::web::api::cases::input_from_json(&n).0;
        let mut html = String::new();
        for (k, v) in cdop::web::cases::form::form_from_input(&input).0 {
            html.push_str(&format!("<input name=\"{k}\" value=\"{v}\">"));
        }
        html
    });
    fields.retain(|(k, _)| k != "area");
    fields.push(("area".into(), area.to_string()));
    fields.push(("action".into(), "send".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, done, _) = public.post_page("/notify", &refs).await;
    assert_eq!(status, 303, "{done}");
    let (_, done) = public.page("/notify/done").await;
    let pending = crate::common::agent::text_of_id(&done, "reference").expect("reference");
    let (_, page) = co.page(&format!("/cases/{pending}")).await;
    let version = crate::common::agent::value_of(&page, "version").expect("version");

    // No reason: an error next to the field, nothing changed.
    let (status, html, _) =
        co.post_page(&format!("/cases/{pending}/reject"), &[("version", version.as_str())]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Select why you are rejecting") && !html.contains("rejected:"));
    // "Another reason" asks for text.
    let (status, html, _) = co
        .post_page(&format!("/cases/{pending}/reject"), &[("version", version.as_str()), ("reason", "other")])
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("Describe the reason"));
    assert_eq!(case(&app, &pending).await.status, "pending_triage");
    let (status, _, _) = co
        .post_page(
            &format!("/cases/{pending}/reject"),
            &[
                ("version", version.as_str()),
                ("reason", "other"),
                ("reason_other", "Sent to the wrong panel by the GP surgery"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let rejected = case(&app, &pending).await;
    assert_eq!((rejected.status.as_str(), rejected.rejection_reason.as_deref()), ("rejected", Some("other")));
    let kept = cdop::store::case_versions::for_case(&app.state.db, rejected.id).await.expect("versions");
    let note: cdop::domain::amendment::KeptVersion =
        serde_json::from_slice(&app.state.keys.keyring.open(&kept[0].sealed).expect("opens")).expect("json");
    assert_eq!(note.reason, "Sent to the wrong panel by the GP surgery", "the description is kept sealed");

    // Two notifications with one NHS number: compare side by side, merge, undo.
    let (_, first) =
        app.notify_api(&token, &notification("Cumberland", "Same", "Child", "943 476 5919", "CA1 1AA")).await;
    let first = first["case_reference"].as_str().expect("ref").to_string();
    let mut second_body = notification("Cumberland", "Same", "Child", "943 476 5919", "CA1 1AA");
    second_body["notifier"]["email"] = "second.notifier@nhs.example".into();
    let (_, second) = app.notify_api(&token, &second_body).await;
    let second = second["case_reference"].as_str().expect("ref").to_string();
    let (status, compare) = co.page(&format!("/cases/{second}/duplicate/merge")).await;
    assert_eq!(status, 200);
    assert!(compare.contains("side-by-side") && compare.contains(&first) && compare.contains("Age at death"));
    let version = crate::common::agent::value_of(&compare, "version").expect("version");
    let before = case(&app, &first).await;
    let (status, _, _) =
        co.post_page(&format!("/cases/{second}/duplicate/merge"), &[("version", version.as_str())]).await;
    assert_eq!(status, 303);
    assert!(co.reveal(&first).await.contains("second.notifier@nhs.example"), "merged professionals");
    assert_eq!(case(&app, &second).await.status, "merged");
    let (status, _, _) = co.post_page(&format!("/cases/{second}/duplicate/unmerge"), &[]).await;
    assert_eq!(status, 303);
    let reopened = case(&app, &second).await;
    assert_eq!((reopened.status.as_str(), reopened.duplicate_status.as_str()), ("notified", "flagged"));
    assert!(
        !co.reveal(&first).await.contains("second.notifier@nhs.example"),
        "the earlier case is as it was"
    );
    assert_eq!(case(&app, &first).await.version, before.version + 2, "merge and undo are both versioned");
    assert!(events_for(&app, &second).await.iter().any(|(a, _)| a == "case.duplicate.merge_undone"));
});

both_backends!(the_synthetic_banner_appears_without_a_restart, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let co = app.signed_in("co@example.org", &[Role::Coordinator], &[area]).await;
    assert!(!co.page("/").await.1.contains("synthetic demonstration cases"));
    // Another process seeds synthetic cases into the same database.
    let out = crate::common::process::run(
        &app.dir,
        &[("CDOP__DATABASE__URL", app.db.url.as_str())],
        &["demo", "seed", "--cases", "2", "--area", "Cumberland"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The running service asks the database at most every ten seconds; skip the wait.
    app.state.web.synthetic_checked_ms.store(0, std::sync::atomic::Ordering::Relaxed);
    assert!(co.page("/").await.1.contains("synthetic demonstration cases"), "no restart needed");
});

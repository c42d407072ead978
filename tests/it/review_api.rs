//! The review lifecycle driven by the API alone: a meeting with its agenda, private pre-panel
//! entries (invisible to others until the chair opens the case), the analysis with the modifiable
//! rule, sign-off with a two-factor code, the outcome, and an action.

use chrono::TimeDelta;
use serde_json::{Value, json};

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::{Backend, TestApp};
use crate::review::{code, ready_case, with_totp};

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = app.url(path);
    let req = if method == "GET" {
        app.client.get(url)
    } else {
        app.client.post(url).json(&body.unwrap_or(json!({})))
    };
    let res = req.bearer_auth(token).send().await.expect("sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

both_backends!(the_review_lifecycle_runs_over_the_api, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
    let co = app.token_for("api-co@example.org", &[Role::Coordinator], &[area]).await;
    let chair = app.token_for("api-chair@example.org", &[Role::PanelChair], &[area]).await;
    let chair_id = app.user_id("api-chair@example.org").await;
    let member = app.token_for("api-member@example.org", &[Role::PanelMember], &[area]).await;
    let member_id = app.user_id("api-member@example.org").await;
    let reference = ready_case(&app, &coordinator).await;

    // Arrange the meeting, put the case on the agenda, invite.
    let day = (app.state.clock.today() + TimeDelta::days(7)).format("%Y-%m-%dT10:00").to_string();
    let (status, m) =
        call(&app, &co, "POST", "/api/v1/meetings", Some(json!({"kind": "panel", "starts_at": "tomorrow"})))
            .await;
    assert_eq!(status, 422, "{m}");
    assert!(m["errors"].as_array().expect("errors").iter().any(|e| e["field"] == "starts_at"));
    let (status, m) = call(&app, &co, "POST", "/api/v1/meetings", Some(json!({
        "kind": "panel", "starts_at": day, "location": "Room 4", "chair_id": chair_id, "area_ids": [area], "attendee_ids": [member_id]
    }))).await;
    assert_eq!(status, 201, "{m}");
    let id = m["id"].as_i64().expect("id");
    let (status, m) = call(
        &app,
        &co,
        "POST",
        &format!("/api/v1/meetings/{id}/agenda"),
        Some(json!({"case_reference": reference})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["agenda"][0]["case_reference"], reference.as_str());
    let (status, sent) = call(&app, &co, "POST", &format!("/api/v1/meetings/{id}/invite"), None).await;
    assert_eq!((status, sent["invited"].as_i64()), (200, Some(2)));
    let (status, list) = call(&app, &member, "GET", "/api/v1/meetings", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["meetings"].as_array().map(Vec::len), Some(1), "the member attends");

    // Pre-panel: private until the chair opens the case.
    let prepanel = format!("/api/v1/meetings/{id}/cases/{reference}/prepanel");
    let (status, _) = call(
        &app,
        &member,
        "POST",
        &prepanel,
        Some(json!({"category": "infection", "modifiable": "none_identified"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, p) = call(
        &app,
        &chair,
        "POST",
        &prepanel,
        Some(json!({"category": "infection", "modifiable": "identified"})),
    )
    .await;
    assert_eq!(status, 204, "{p}");
    let (_, seen) = call(&app, &chair, "GET", &prepanel, None).await;
    assert_eq!(seen["opened"], false);
    assert_eq!(seen["entries"].as_array().map(Vec::len), Some(1), "only the chair's own entry: {seen}");
    assert_eq!(seen["entries"][0]["user_id"], chair_id);
    assert_eq!(
        call(&app, &member, "POST", &prepanel, Some(json!({"open": true}))).await.0,
        409,
        "only the chair opens"
    );
    assert_eq!(call(&app, &chair, "POST", &prepanel, Some(json!({"open": true}))).await.0, 204);
    let (_, seen) = call(&app, &member, "GET", &prepanel, None).await;
    assert_eq!(seen["entries"].as_array().map(Vec::len), Some(2), "everyone's after opening");
    assert_eq!(
        call(
            &app,
            &member,
            "POST",
            &prepanel,
            Some(json!({"category": "malignancy", "modifiable": "none_identified"}))
        )
        .await
        .0,
        409,
        "closed"
    );

    // The analysis: the modifiable rule, field by field; then saved and signed off.
    let analysis = format!("/api/v1/cases/{reference}/analysis");
    let (status, a) = call(&app, &chair, "GET", &analysis, None).await;
    assert_eq!((status, a["status"].as_str()), (200, Some("none")));
    let answers = |grade: &str| {
        json!({
            "factors": [{"domain": "b", "description": "Smoking in the household", "grade": grade}],
            "modifiable": "identified", "category": "infection", "primary_cause": "Bronchopneumonia",
            "primary_icd10": "j189", "themes": ["smoking"], "known_to_social_care": "no",
            "learning": "Smoke-free homes matter.", "recommendations": "Remind health visitors of smoking cessation referral."
        })
    };
    let (status, bad) =
        call(&app, &chair, "POST", &analysis, Some(json!({"lock": 0, "answers": answers("grade_1")}))).await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad["errors"].to_string().contains("graded 2"), "{bad}");
    let (status, a) =
        call(&app, &chair, "POST", &analysis, Some(json!({"lock": 0, "answers": answers("grade_2")}))).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["answers"]["primary_icd10"], "J18.9");
    let lock = a["lock"].as_i64().expect("lock");
    let (status, _) =
        call(&app, &chair, "POST", &analysis, Some(json!({"lock": 0, "answers": answers("grade_2")}))).await;
    assert_eq!(status, 409, "a stale lock");
    let raw = with_totp(&app, chair_id).await;
    let sign_off = format!("{analysis}/sign-off");
    // Before the panel has met, sign-off is refused with the reason.
    let (status, early) =
        call(&app, &chair, "POST", &sign_off, Some(json!({"lock": lock, "code": code(&raw, &app, 0)}))).await;
    assert_ne!(status, 200, "{early}");
    assert!(early.to_string().contains("once the panel has met"), "{early}");
    app.state.clock.advance(TimeDelta::days(8));
    assert_eq!(
        call(&app, &chair, "POST", &sign_off, Some(json!({"lock": lock, "code": "000000"}))).await.0,
        422
    );
    let (status, a) =
        call(&app, &chair, "POST", &sign_off, Some(json!({"lock": lock, "code": code(&raw, &app, 0)}))).await;
    assert_eq!((status, a["status"].as_str()), (200, Some("signed")), "{a}");
    assert_eq!(
        call(&app, &co, "POST", &sign_off, Some(json!({"lock": lock, "code": "1"}))).await.0,
        403,
        "the chair's alone"
    );
    let (status, _) =
        call(&app, &chair, "POST", &analysis, Some(json!({"lock": lock, "answers": answers("grade_2")})))
            .await;
    assert!(status == 409 || status == 400, "a signed analysis needs an amendment ({status})");

    // An action from the case.
    let (status, bad) = call(&app, &co, "POST", "/api/v1/actions", Some(json!({
        "description": "Tell Zebedee's school", "owner_org": "School", "owner_email": "head@school.example",
        "due_on": "2027-03-31", "cases": [reference]
    }))).await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "description");
    let (status, action) = call(&app, &co, "POST", "/api/v1/actions", Some(json!({
        "description": "Smoking cessation referral at every home visit", "owner_org": "Community Health Trust",
        "owner_email": "lead@nhs.example", "due_on": "2027-03-31", "cases": [reference], "themes": ["smoking"]
    }))).await;
    assert_eq!(status, 201, "{action}");
    let path = format!("/api/v1/actions/{}", action["reference"].as_str().expect("reference"));
    let mut change = action.clone();
    change["status"] = "implemented".into();
    let (status, done) = call(&app, &co, "POST", &path, Some(change.clone())).await;
    assert_eq!((status, done["status"].as_str()), (200, Some("implemented")), "{done}");
    assert_eq!(call(&app, &co, "POST", &path, Some(change)).await.0, 409, "a stale version");
    let (_, list) = call(&app, &chair, "GET", "/api/v1/actions?status=done", None).await;
    assert_eq!(list["actions"].as_array().map(Vec::len), Some(1));
    assert_eq!(call(&app, &member, "GET", "/api/v1/actions", None).await.0, 403);
});

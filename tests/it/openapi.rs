//! The OpenAPI document against the running API: every documented operation is called with valid
//! and with invalid input, and every answer is checked against the document — its status must be
//! documented for the operation, and its body must match the documented schema (a small validator
//! for the keywords the document uses; the test fails if the document starts using another).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::TimeDelta;
use serde_json::{Value, json};

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::{Backend, TestApp};
use crate::review::{code, ready_case, with_totp};

/// Keywords the validator understands (or, for annotations, may ignore).
const KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "required",
    "properties",
    "items",
    "$ref",
    "maxItems",
    "minItems",
    "minimum",
    "maximum",
    "maxLength",
    "pattern",
    "format",
    "description",
    "example",
    "default",
];

/// Every keyword used by the schemas under `v` (property names are not keywords).
fn keywords(v: &Value, out: &mut BTreeSet<String>) {
    if let Value::Object(map) = v {
        for (k, item) in map {
            out.insert(k.clone());
            match k.as_str() {
                "properties" => {
                    for p in item.as_object().into_iter().flat_map(|m| m.values()) {
                        keywords(p, out);
                    }
                }
                "items" => keywords(item, out),
                _ => {}
            }
        }
    }
}

/// Problems with `v` against `schema` (`$ref`s resolved in `doc`), each naming where.
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r.trim_start_matches("#/").split('/').fold(doc, |d, part| &d[part]);
        return validate(doc, target, v, at, problems);
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = types.iter().any(|t| match *t {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "null" => v.is_null(),
            _ => false,
        });
        if !fits {
            problems.push(format!("{at}: {v} is not of type {types:?}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(v)
    {
        problems.push(format!("{at}: {v} is not one of {options:?}"));
    }
    if let Some(obj) = v.as_object() {
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = name.as_str()
                && !obj.contains_key(name)
            {
                problems.push(format!("{at}: `{name}` is required"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                if let Some(item) = obj.get(name) {
                    validate(doc, sub, item, &format!("{at}.{name}"), problems);
                }
            }
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && items.len() as u64 > max
        {
            problems.push(format!("{at}: {} items, at most {max}", items.len()));
        }
        if let Some(sub) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(doc, sub, item, &format!("{at}[{i}]"), problems);
            }
        }
    }
    if let (Some(n), Some(min)) = (v.as_f64(), schema.get("minimum").and_then(Value::as_f64))
        && n < min
    {
        problems.push(format!("{at}: {n} is below {min}"));
    }
    if let (Some(n), Some(max)) = (v.as_f64(), schema.get("maximum").and_then(Value::as_f64))
        && n > max
    {
        problems.push(format!("{at}: {n} is above {max}"));
    }
}

/// The documented path template a concrete path matches.
fn template_of<'a>(doc: &'a Value, path: &str) -> Option<&'a str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    doc["paths"].as_object()?.keys().map(String::as_str).find(|t| {
        let ts: Vec<&str> = t.split('/').collect();
        ts.len() == segments.len()
            && ts.iter().zip(&segments).all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s)
    })
}

/// An action's body with a NUL in a case reference.
fn nul_body(action: &Value, reference: &str) -> String {
    let mut nul = action.clone();
    nul["cases"] = json!([format!("{reference}\u{0}")]);
    nul.to_string()
}

/// Calls the API and checks each answer against the document, remembering which operations
/// answered success and which refused input.
struct Checked<'a> {
    app: &'a TestApp,
    doc: Value,
    seen: Mutex<BTreeMap<(String, String), (bool, bool)>>,
}

impl Checked<'_> {
    async fn call(&self, token: Option<&str>, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = self.app.url(path);
        let mut req = match method {
            "GET" => reqwest::Client::new().get(url),
            _ => reqwest::Client::new().post(url).json(&body.unwrap_or(json!({}))),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("sent");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .to_string();
        let text = res.text().await.unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let template = template_of(&self.doc, path).unwrap_or_else(|| panic!("{path} is documented"));
        let op = &self.doc["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{method} {template} is documented");
        let documented = &op["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{method} {path} answered {status}, which the document does not list for {template}: {text}"
        );
        if let Some(content) = documented.get("content").and_then(Value::as_object) {
            assert!(
                content.contains_key(&content_type) || (status == 204 && text.is_empty()),
                "{method} {path} answered {status} as `{content_type}`; documented: {:?}",
                content.keys().collect::<Vec<_>>()
            );
            if let Some(schema) = content.get(&content_type).and_then(|c| c.get("schema")) {
                let mut problems = Vec::new();
                validate(&self.doc, schema, &value, "body", &mut problems);
                assert!(problems.is_empty(), "{method} {path} → {status}: {problems:?}\n{text}");
            }
        }
        if (400..500).contains(&status) && content_type == "application/problem+json" {
            let mut problems = Vec::new();
            validate(
                &self.doc,
                &json!({"$ref": "#/components/schemas/Problem"}),
                &value,
                "problem",
                &mut problems,
            );
            assert!(problems.is_empty(), "{problems:?}");
        }
        let mut seen = self.seen.lock().expect("lock");
        let entry = seen.entry((method.to_string(), template.to_string())).or_default();
        if status < 300 {
            entry.0 = true;
        } else if (400..500).contains(&status) {
            entry.1 = true;
        }
        (status, value)
    }
}

both_backends!(every_documented_operation_answers_as_documented, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.expect("json");
    let mut used = BTreeSet::new();
    for schema in doc["components"]["schemas"].as_object().expect("schemas").values() {
        keywords(schema, &mut used);
    }
    for op in
        doc["paths"].as_object().expect("paths").values().flat_map(|p| p.as_object().expect("ops").values())
    {
        for response in op["responses"].as_object().expect("responses").values() {
            for c in response.get("content").and_then(Value::as_object).into_iter().flat_map(|c| c.values()) {
                if let Some(s) = c.get("schema") {
                    keywords(s, &mut used);
                }
            }
        }
    }
    let unknown: Vec<_> = used.iter().filter(|k| !KEYWORDS.contains(&k.as_str())).collect();
    assert!(unknown.is_empty(), "the validator does not understand {unknown:?}");

    let api = Checked { app: &app, doc: doc.clone(), seen: Mutex::new(BTreeMap::new()) };
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coord@example.org", &[Role::Coordinator], &[area]).await;
    let co = app.token_for("api-co@example.org", &[Role::Coordinator], &[area]).await;
    let dd = app.token_for("api-dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
    let chair = app.token_for("api-chair@example.org", &[Role::PanelChair], &[area]).await;
    let chair_id = app.user_id("api-chair@example.org").await;
    let member = app.token_for("api-member@example.org", &[Role::PanelMember], &[area]).await;
    let member_id = app.user_id("api-member@example.org").await;
    let (co, dd, chair, member) =
        (Some(co.as_str()), Some(dd.as_str()), Some(chair.as_str()), Some(member.as_str()));

    api.call(co, "GET", "/api/v1/me", None).await;
    api.call(None, "GET", "/api/v1/me", None).await;
    api.call(None, "GET", "/api/v1/openapi.json", None).await;
    api.call(co, "GET", "/api/v1/forms", None).await;
    api.call(Some("cdop_nonsense"), "GET", "/api/v1/forms", None).await;

    // Notifications: the documented example, then input the API refuses.
    let example = doc["components"]["schemas"]["NotificationRequest"]["example"].clone();
    let (status, created) = api.call(dd, "POST", "/api/v1/notifications", Some(example.clone())).await;
    assert_eq!(status, 201, "{created}");
    let notified = created["case_reference"].as_str().expect("reference").to_string();
    assert_eq!(api.call(dd, "POST", "/api/v1/notifications", Some(json!({}))).await.0, 422);
    let mut nul = example.clone();
    nul["child"]["given_names"] = "Al\u{0}ex".into();
    let (status, refused) = api.call(dd, "POST", "/api/v1/notifications", Some(nul)).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (422, Some("child.given_names")));
    assert_eq!(api.call(member, "POST", "/api/v1/notifications", Some(example.clone())).await.0, 403);

    // Cases.
    let (_, list) = api.call(co, "GET", "/api/v1/cases?per_page=5", None).await;
    assert!(list["cases"].as_array().is_some_and(|c| !c.is_empty()));
    assert_eq!(api.call(co, "GET", "/api/v1/cases?page=0", None).await.0, 400);
    assert_eq!(api.call(co, "GET", "/api/v1/cases?status=a%00b", None).await.0, 400);
    api.call(co, "GET", &format!("/api/v1/cases/{notified}"), None).await;
    assert_eq!(api.call(co, "GET", "/api/v1/cases/CDOP-1999-9999", None).await.0, 404);

    // Information requests and a response, then a case ready for review.
    let requests = format!("/api/v1/cases/{notified}/requests");
    api.call(co, "GET", &requests, None).await;
    assert_eq!(api.call(co, "GET", "/api/v1/cases/CDOP-1999-9999/requests", None).await.0, 404);
    let ask = json!({"name": "Sam Health", "organisation": "Community Health Trust", "email": "hv@nhs.example", "agency_type": "health", "forms": ["reporting"]});
    let (status, asked) = api.call(co, "POST", &requests, Some(json!({"requests": [ask.clone()]}))).await;
    assert_eq!(status, 201, "{asked}");
    let id = asked["request_ids"][0].as_i64().expect("id");
    let many: Vec<Value> = (0..=cdop::gathering::MAX_ASKS).map(|_| ask.clone()).collect();
    let (status, refused) = api.call(co, "POST", &requests, Some(json!({"requests": many}))).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (422, Some("requests")), "{refused}");
    let response = format!("/api/v1/requests/{id}/response");
    assert_eq!(api.call(co, "POST", &response, Some(json!({"answers": {"maternal_bmi": 500}}))).await.0, 422);
    let answers = json!({"answers": {"completed_by_name": "Pat", "completed_by_organisation": "Community Health Trust",
        "resuscitation_attempted": "not_known", "bereavement_support_offered": "no"}});
    let (status, body) = api.call(co, "POST", &response, Some(answers)).await;
    assert_eq!(status, 200, "{body}");
    api.call(co, "GET", &response, None).await;
    assert_eq!(api.call(co, "GET", "/api/v1/requests/99999999/response", None).await.0, 404);
    assert_eq!(api.call(co, "GET", "/api/v1/requests/abc/response", None).await.0, 404);

    // Meetings, agenda, invitations, pre-panel entries.
    let reference = ready_case(&app, &coordinator).await;
    let day = (app.state.clock.today() + TimeDelta::days(7)).format("%Y-%m-%dT10:00").to_string();
    assert_eq!(api.call(co, "POST", "/api/v1/meetings", Some(json!({"kind": "panel"}))).await.0, 422);
    let (status, m) = api.call(co, "POST", "/api/v1/meetings", Some(json!({
        "kind": "panel", "starts_at": day, "location": "Room 4", "chair_id": chair_id, "area_ids": [area], "attendee_ids": [member_id]
    }))).await;
    assert_eq!(status, 201, "{m}");
    let meeting = m["id"].as_i64().expect("id");
    api.call(member, "GET", "/api/v1/meetings", None).await;
    api.call(None, "GET", "/api/v1/meetings", None).await;
    api.call(co, "GET", &format!("/api/v1/meetings/{meeting}"), None).await;
    assert_eq!(api.call(co, "GET", "/api/v1/meetings/99999999", None).await.0, 404);
    let agenda = format!("/api/v1/meetings/{meeting}/agenda");
    assert_eq!(api.call(co, "POST", &agenda, Some(json!({"case_reference": 7}))).await.0, 422);
    assert_eq!(api.call(co, "POST", &agenda, Some(json!({"case_reference": reference}))).await.0, 201);
    let invite = format!("/api/v1/meetings/{meeting}/invite");
    assert_eq!(api.call(co, "POST", &invite, None).await.0, 200);
    api.call(member, "POST", &invite, None).await;
    let prepanel = format!("/api/v1/meetings/{meeting}/cases/{reference}/prepanel");
    let entry = json!({"category": "infection", "modifiable": "none_identified"});
    assert_eq!(api.call(member, "POST", &prepanel, Some(entry)).await.0, 204);
    assert_eq!(api.call(member, "POST", &prepanel, Some(json!({"category": "nonsense"}))).await.0, 422);
    api.call(member, "GET", &prepanel, None).await;
    api.call(member, "GET", &format!("/api/v1/meetings/{meeting}/cases/CDOP-1999-9999/prepanel"), None).await;

    // The analysis, signed off, and the meeting's outcome.
    let analysis = format!("/api/v1/cases/{reference}/analysis");
    api.call(chair, "GET", &analysis, None).await;
    api.call(chair, "GET", "/api/v1/cases/CDOP-1999-9999/analysis", None).await;
    let answers = json!({
        "factors": [{"domain": "b", "description": "Smoking in the household", "grade": "grade_2"}],
        "modifiable": "identified", "category": "infection", "primary_cause": "Bronchopneumonia",
        "primary_icd10": "j189", "themes": ["smoking"], "known_to_social_care": "no",
        "learning": "Smoke-free homes matter.", "recommendations": "Remind health visitors of smoking cessation referral."
    });
    assert_eq!(api.call(chair, "POST", &analysis, Some(json!({"lock": 0}))).await.0, 422);
    let (status, a) = api.call(chair, "POST", &analysis, Some(json!({"lock": 0, "answers": answers}))).await;
    assert_eq!(status, 200, "{a}");
    let lock = a["lock"].as_i64().expect("lock");
    let raw = with_totp(&app, chair_id).await;
    app.state.clock.advance(TimeDelta::days(8));
    let sign_off = format!("{analysis}/sign-off");
    assert_eq!(
        api.call(chair, "POST", &sign_off, Some(json!({"lock": lock, "code": "000000"}))).await.0,
        422
    );
    let (status, a) =
        api.call(chair, "POST", &sign_off, Some(json!({"lock": lock, "code": code(&raw, &app, 0)}))).await;
    assert_eq!(status, 200, "{a}");
    let outcome = format!("/api/v1/meetings/{meeting}/cases/{reference}/outcome");
    assert_eq!(api.call(co, "POST", &outcome, Some(json!({"outcome": "maybe"}))).await.0, 422);
    let (status, o) = api.call(co, "POST", &outcome, Some(json!({"outcome": "reviewed"}))).await;
    assert_eq!(status, 200, "{o}");
    // The reviewed case reads back with a status the schema lists.
    api.call(co, "GET", &format!("/api/v1/cases/{reference}"), None).await;
    api.call(co, "GET", "/api/v1/cases?per_page=200", None).await;

    // Actions.
    let action = json!({"description": "Smoking cessation referral at every home visit", "owner_org": "Community Health Trust",
        "owner_email": "lead@nhs.example", "due_on": "2027-03-31", "cases": [reference], "themes": ["smoking"]});
    let (status, made) = api.call(co, "POST", "/api/v1/actions", Some(action.clone())).await;
    assert_eq!(status, 201, "{made}");
    let too_many: Vec<String> = (0..=cdop::review::actions::MAX_CASES).map(|_| reference.clone()).collect();
    let mut over = action.clone();
    over["cases"] = json!(too_many);
    let (status, refused) = api.call(co, "POST", "/api/v1/actions", Some(over)).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (422, Some("cases")), "{refused}");
    let mut nul = action.clone();
    nul["owner_org"] = "O\u{0}rg".into();
    let (status, refused) = api.call(co, "POST", "/api/v1/actions", Some(nul)).await;
    assert_eq!(
        (status, refused["errors"][0]["field"].as_str()),
        (422, Some("owner_org")),
        "PostgreSQL answered 500"
    );
    let mut nul = action.clone();
    nul["cases"] = json!([format!("{reference}\u{0}")]);
    assert_eq!(api.call(co, "POST", "/api/v1/actions", Some(nul)).await.0, 422);
    // Declaring another type does not slip past the check: the API reads every body as JSON.
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/actions"))
        .bearer_auth(co.unwrap_or_default())
        .header("content-type", "text/plain")
        .body(nul_body(&action, &reference))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 422, "{}", res.text().await.unwrap_or_default());
    api.call(co, "GET", "/api/v1/actions?status=all", None).await;
    assert_eq!(api.call(co, "GET", "/api/v1/actions?status=sideways", None).await.0, 400);
    let path = format!("/api/v1/actions/{}", made["reference"].as_str().expect("reference"));
    api.call(co, "GET", &path, None).await;
    assert_eq!(api.call(co, "GET", "/api/v1/actions/ACT-1999-9999", None).await.0, 404);
    let mut change = made.clone();
    change["status"] = "in_progress".into();
    assert_eq!(api.call(co, "POST", &path, Some(change)).await.0, 200);
    assert_eq!(api.call(co, "POST", &path, Some(json!({"description": ""}))).await.0, 422);

    // Reports.
    api.call(co, "GET", "/api/v1/reports/annual", None).await;
    assert_eq!(api.call(co, "GET", "/api/v1/reports/annual?year=abc", None).await.0, 400);
    let (_, list) = api.call(co, "GET", "/api/v1/reports/themes", None).await;
    assert_eq!(api.call(None, "GET", "/api/v1/reports/themes", None).await.0, 401);
    let key = list["themes"][0]["key"].as_str().expect("a theme").to_string();
    api.call(co, "GET", &format!("/api/v1/reports/themes/{key}?from=2016&year=2025"), None).await;
    assert_eq!(
        api.call(co, "GET", &format!("/api/v1/reports/themes/{key}?from=2026&year=2025"), None).await.0,
        400
    );
    let fields = crate::anonymity::saved_report("Sudden deaths", "", "");
    coordinator.page("/reports/custom").await;
    let (_, _, to) = coordinator.post_page("/reports/custom", &fields).await;
    let saved = format!("/api/v1{}", to.expect("the saved report's page"));
    api.call(co, "GET", &saved, None).await;
    assert_eq!(api.call(co, "GET", &format!("{saved}?year=abc"), None).await.0, 400);
    assert_eq!(api.call(co, "GET", "/api/v1/reports/saved/999", None).await.0, 404);

    // Every documented operation answered with success and refused bad input (an operation
    // that takes no input and is public has none to refuse).
    let seen = api.seen.lock().expect("lock").clone();
    for (template, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("ops") {
            let (ok, refused) =
                seen.get(&(method.to_uppercase(), template.clone())).copied().unwrap_or_default();
            assert!(ok, "{method} {template} was not called with valid input");
            let takes_input = op.get("security").is_some()
                || op.get("parameters").is_some()
                || op.get("requestBody").is_some();
            assert!(refused || !takes_input, "{method} {template} was not called with invalid input");
        }
    }
});

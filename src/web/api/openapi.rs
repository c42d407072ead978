//! `GET /api/v1/openapi.json`: the API described in OpenAPI 3.1. Written by hand next to the
//! handlers; `tests/it/api.rs` checks that every API route is documented and that the documented
//! example request is accepted.

use axum::Json;
use serde_json::{Value, json};

use crate::domain::codes::{AgeUnit, CaseStatus, Ethnicity, JarCriterion, PlaceOfDeath, Sex};

fn codes(all: &[&'static str]) -> Value {
    json!(all)
}

pub fn example_notification() -> Value {
    json!({
        "area": "Cumberland",
        "child": {
            "given_names": "Alex", "family_name": "Example", "other_names": "",
            "date_of_birth": "2019-05-17", "sex": "female", "nhs_number": "943 476 5919",
            "ethnicity": "A", "address": "1 Example Street, Carlisle", "postcode": "CA1 1AA",
            "gp_practice": "Example Surgery"
        },
        "death": {
            "date_of_death": "2026-11-20", "time_of_death": "14:30", "place_category": "hospital_ed",
            "place_detail": "Cumberland Infirmary", "expected": false, "jar_criteria": ["sudden_unexplained"],
            "suspected_home_stillbirth": false, "coroner_informed": true,
            "circumstances": "Found unresponsive at home; taken to the emergency department."
        },
        "notifier": { "name": "Dr Example", "role": "Consultant paediatrician", "organisation": "North Cumbria NHS", "email": "notifier@nhs.example", "phone": "01228 000000" },
        "professionals": [ { "name": "Sam Health", "role": "Health visitor", "organisation": "Community services", "email": "hv@nhs.example" } ]
    })
}

pub fn document() -> Value {
    let person = json!({
        "type": "object", "required": ["name", "role", "organisation", "email"],
        "properties": {
            "name": {"type": "string", "maxLength": 200}, "role": {"type": "string", "maxLength": 200},
            "organisation": {"type": "string", "maxLength": 200}, "email": {"type": "string", "format": "email"},
            "phone": {"type": "string", "maxLength": 40}
        }
    });
    let problem = json!({
        "type": "object",
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "request_id": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"],
                "properties": {"field": {"type": "string", "description": "dotted path, e.g. child.nhs_number"}, "message": {"type": "string"}}}}
        }
    });
    let coded_case = json!({
        "type": "object",
        "properties": {
            "case_reference": {"type": "string", "example": "CDOP-2026-0042"}, "area_id": {"type": "integer"}, "area": {"type": "string"},
            "status": {"type": "string", "enum": codes(&CaseStatus::ALL.iter().map(|s| s.code()).collect::<Vec<_>>()), "description": "where the case is in the statutory process: notification, information gathering, review, closure"},
            "source": {"type": "string", "enum": ["form", "api", "public", "demo"]},
            "notified_at": {"type": ["string", "null"], "format": "date-time", "description": "null for readers who may not see the case's identity (panel chairs and members): they get notified_month"}, "notified_month": {"type": ["string", "null"], "description": "YYYY-MM; null for a review imported without its notification"}, "notification_recorded": {"type": "boolean", "description": "false for a review imported without its notification: it counts as a review completed, not as a death notified"}, "reporting_year": {"type": "integer", "description": "the April–March year notified, by its first year"},
            "age_at_death_days": {"type": ["integer", "null"], "description": "null once the identifying data was destroyed (retention), and for readers who may not see the case's identity"}, "age_at_death_weeks": {"type": ["integer", "null"], "description": "completed weeks, for deaths under one year"}, "identifying_data_destroyed_at": {"type": ["string", "null"], "format": "date-time"}, "age_band": {"type": "string", "enum": ["0-27d", "28-364d", "1-4y", "5-9y", "10-14y", "15-17y"]},
            "sex": {"type": "string"}, "ethnicity": {"type": "string"}, "imd_decile": {"type": ["integer", "null"]},
            "place_category": {"type": "string"}, "expected": {"type": ["boolean", "null"], "description": "null when imported history did not record it"}, "jar": {"type": "boolean"},
            "jar_criteria": {"type": "array", "items": {"type": "string"}}, "stillbirth": {"type": "boolean"},
            "suspected_home_stillbirth": {"type": "boolean"}, "coroner_informed": {"type": "string"}, "looked_after": {"type": "string"},
            "post_mortem_planned": {"type": "string"}, "nhs_number_status": {"type": "string", "enum": ["known", "not_resident", "not_available"]},
            "age_approximate": {"type": "boolean", "description": "age_at_death_days comes from an approximate age (date of birth not known)"},
            "data_quality": {"type": "array", "items": {"type": "string", "enum": ["nhs_number", "date_of_birth", "address", "postcode"]}, "description": "identifying details not known at notification, to follow up"},
            "duplicate_status": {"type": "string"}, "duplicate_of": {"type": ["string", "null"]}, "synthetic": {"type": "boolean"},
            "identity": {"type": "object", "description": "Only for roles that may see identifying details; every such read is audited."}
        }
    });
    let auth = json!([{"bearer": []}]);
    let problem_content =
        json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "cdop API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Child Death Overview Panel case management. Authenticate with an API token (`Authorization: Bearer cdop_…`); a token acts with its account's roles and areas. Errors are application/problem+json. Every text in a body or query is refused (422, naming the field) when it holds a control character other than tab and line breaks, and no list in any body may hold more than 1,000 entries (smaller bounds are given as `maxItems`). A request that takes longer than the server's request timeout is answered 408."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Person": person,
                "Problem": problem,
                "Case": coded_case,
                "NotificationRequest": {
                    "type": "object", "required": ["area", "child", "death", "notifier"],
                    "properties": {
                        "area": {"type": "string", "description": "area name (or id)"},
                        "child": {
                            "type": "object",
                            "required": ["given_names", "family_name", "sex", "ethnicity"],
                            "description": "Give the NHS number or `nhs_number_not_known_reason`; the date of birth or `date_of_birth_not_known` with `approximate_age`; the address or `address_not_known`; the postcode or `postcode_not_known`. Anything not known is flagged on the case for the coordinator.",
                            "properties": {
                                "given_names": {"type": "string"}, "family_name": {"type": "string"}, "other_names": {"type": "string"},
                                "date_of_birth": {"type": "string", "format": "date"},
                                "date_of_birth_not_known": {"type": "boolean", "default": false},
                                "approximate_age": {"type": "object", "required": ["value", "unit"], "description": "when the date of birth is not known",
                                    "properties": {"value": {"type": "integer", "minimum": 0}, "unit": {"type": "string", "enum": codes(&AgeUnit::ALL.iter().map(|s| s.code()).collect::<Vec<_>>())}}},
                                "sex": {"type": "string", "enum": codes(&Sex::ALL.iter().map(|s| s.code()).collect::<Vec<_>>())},
                                "nhs_number": {"type": "string", "description": "10 digits with a valid check digit; spaces allowed"},
                                "nhs_number_not_known_reason": {"type": "string", "enum": ["not_resident", "not_available"], "description": "instead of nhs_number: the child was not resident in England, or the number is not currently available"},
                                "ethnicity": {"type": "string", "enum": codes(&Ethnicity::ALL.iter().map(|s| s.code()).collect::<Vec<_>>()), "description": "NHS ethnic category code"},
                                "address": {"type": "string"}, "address_not_known": {"type": "boolean", "default": false},
                                "postcode": {"type": "string"}, "postcode_not_known": {"type": "boolean", "default": false},
                                "gp_practice": {"type": "string"},
                                "parental_responsibility": {"type": "string", "maxLength": 500, "description": "who holds parental responsibility (sealed)"},
                                "looked_after": {"type": "string", "enum": ["yes", "no", "not_known"]}
                            }
                        },
                        "death": {
                            "type": "object",
                            "required": ["date_of_death", "place_category", "expected", "suspected_home_stillbirth", "coroner_informed", "circumstances"],
                            "properties": {
                                "date_of_death": {"type": "string", "format": "date"}, "time_of_death": {"type": "string", "pattern": "^\\d{2}:\\d{2}$"},
                                "place_category": {"type": "string", "enum": codes(&PlaceOfDeath::ALL.iter().map(|s| s.code()).collect::<Vec<_>>())},
                                "place_detail": {"type": "string"}, "expected": {"type": "boolean"},
                                "jar_criteria": {"type": "array", "items": {"type": "string", "enum": codes(&JarCriterion::ALL.iter().map(|s| s.code()).collect::<Vec<_>>())}},
                                "stillbirth": {"type": "boolean", "default": false},
                                "suspected_home_stillbirth": {"type": "boolean"}, "coroner_informed": {"type": "boolean"},
                                "post_mortem_planned": {"type": "string", "enum": ["yes", "no", "not_known"], "default": "not_known"},
                                "circumstances": {"type": "string", "maxLength": 5000}
                            }
                        },
                        "notifier": {"$ref": "#/components/schemas/Person"},
                        "professionals": {"type": "array", "maxItems": 50, "items": {"$ref": "#/components/schemas/Person"}}
                    },
                    "example": example_notification()
                }
            }
        },
        "paths": {
            "/api/v1/me": {"get": {"summary": "The account the token acts for", "security": auth,
                "responses": {"200": {"description": "the account"}, "401": {"description": "no valid token", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}},
            "/api/v1/notifications": {"post": {
                "summary": "Notify a child death", "security": auth,
                "description": "Designated doctors and coordinators, in their own areas. Identifying fields are sealed; a notification whose NHS number matches an existing case is flagged and linked, never silently a second case.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationRequest"}}}},
                "responses": {
                    "201": {"description": "recorded", "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "case_reference": {"type": "string"}, "duplicate_of": {"type": ["string", "null"]}, "status": {"type": "string"}}}}}},
                    "400": {"description": "not a JSON object", "content": problem_content.clone()},
                    "401": {"description": "no valid token", "content": problem_content.clone()}, "403": {"description": "the role may not notify", "content": problem_content.clone()},
                    "413": {"description": "the body is larger than the server accepts", "content": problem_content.clone()},
                    "422": {"description": "invalid: one error per bad field or list element; nothing stored", "content": problem_content.clone()}
                }}},
            "/api/v1/cases": {"get": {
                "summary": "Cases in your areas (coded fields only)", "security": auth,
                "parameters": [
                    {"name": "area", "in": "query", "schema": {"type": "integer"}},
                    {"name": "status", "in": "query", "schema": {"type": "string"}},
                    {"name": "reporting_year", "in": "query", "schema": {"type": "integer"}},
                    {"name": "age_band", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}
                ],
                "responses": {"200": {"description": "a page of cases", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
                    "cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}}}}}}},
                    "400": {"description": "a parameter is not valid (its name is in `detail`)", "content": problem_content.clone()},
                    "401": {"description": "no valid token", "content": problem_content.clone()}, "403": {"description": "the role may not see cases", "content": problem_content.clone()}}}},
            "/api/v1/cases/{reference}": {"get": {
                "summary": "One case; identifying fields only for roles that may see them (audited)", "security": auth,
                "parameters": [{"name": "reference", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the case", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Case"}}}},
                    "401": {"description": "no valid token", "content": problem_content.clone()}, "404": {"description": "no such case in your areas", "content": problem_content.clone()}}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        }
    });
    if let (Some(paths), Value::Object(more)) =
        (doc["paths"].as_object_mut(), super::forms::openapi_paths(&auth, &problem_content))
    {
        paths.extend(more);
    }
    if let (Some(paths), Value::Object(more)) =
        (doc["paths"].as_object_mut(), super::review::openapi_paths(&auth, &problem_content))
    {
        paths.extend(more);
    }
    if let (Some(paths), Value::Object(more)) =
        (doc["paths"].as_object_mut(), super::reports::openapi_paths(&auth, &problem_content))
    {
        paths.extend(more);
    }
    add_common_responses(&mut doc, &problem_content);
    doc
}

/// The answers every operation of a kind can give, added where an operation does not describe
/// them itself: a signed-in operation can answer 401 and 403; one with parameters or a body 400
/// (a parameter or body that cannot be read, or is not a JSON object); one with a body 413 and 422
/// (a field that is not valid, holds a control character, or a list too long); one with a path
/// parameter 404; every one 429 (too many failed sign-ins or unknown links from the address).
fn add_common_responses(doc: &mut Value, problem_content: &Value) {
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
        let secured = op.get("security").is_some();
        let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        let has_body = op.get("requestBody").is_some();
        let in_path = params.iter().any(|p| p["in"] == "path");
        let mut add = |status: &str, description: &str| {
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| json!({"description": description, "content": problem_content}));
            }
        };
        if secured {
            add("401", "no valid token");
            add("403", "the role may not do this");
        }
        if !params.is_empty() || has_body {
            add("400", "a parameter or the body cannot be read (the problem is in `detail`)");
        }
        if has_body {
            add("413", "the body is larger than the server accepts");
            add(
                "422",
                "invalid: one error per field; a text with a control character or a list longer than allowed is refused the same way",
            );
        }
        if in_path {
            add("404", "not found in your areas");
        }
    }
}

pub async fn serve() -> Json<Value> {
    Json(document())
}

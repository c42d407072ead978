//! `POST /api/v1/notifications`, `GET /api/v1/cases`, `GET /api/v1/cases/{reference}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::audit::AuditAction;
use crate::domain::codes::{CaseStatus, Source};
use crate::domain::dates::AgeBand;
use crate::domain::notification::{self, DateParts, FieldProblem, NotificationInput, PersonInput};
use crate::domain::policy::Action;
use crate::intake::{self, IntakeError};
use crate::store::cases::{self, Case, CaseFilter, Sort};
use crate::store::{areas, audit};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::cases::{load_in_scope, open_identities};
use crate::web::error::{WebError, WebResult};
use crate::web::params::{self, Q};

/// Reads JSON leniently so that every problem is reported at once, by field path.
struct Reader<'a> {
    root: &'a Value,
    problems: Vec<FieldProblem>,
}

impl<'a> Reader<'a> {
    fn at(&self, path: &str) -> Option<&'a Value> {
        path.split('.').try_fold(self.root, |v, key| match key.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(key),
        })
    }

    fn string(&mut self, path: &str) -> String {
        match self.at(path) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                self.problems.push(FieldProblem { field: path.into(), message: "must be a string".into() });
                String::new()
            }
        }
    }

    fn boolean(&mut self, path: &str, required: bool) -> Option<bool> {
        match self.at(path) {
            Some(Value::Bool(b)) => Some(*b),
            None | Some(Value::Null) if !required => None,
            None | Some(Value::Null) => {
                self.problems
                    .push(FieldProblem { field: path.into(), message: "is required (true or false)".into() });
                None
            }
            Some(_) => {
                self.problems
                    .push(FieldProblem { field: path.into(), message: "must be true or false".into() });
                None
            }
        }
    }

    fn array_len(&mut self, path: &str) -> usize {
        match self.at(path) {
            None | Some(Value::Null) => 0,
            Some(Value::Array(a)) => a.len(),
            Some(_) => {
                self.problems.push(FieldProblem { field: path.into(), message: "must be a list".into() });
                0
            }
        }
    }

    /// A whole number, as text for the domain parser (which reports a bad value by field).
    fn integer_text(&mut self, path: &str) -> String {
        match self.at(path) {
            None | Some(Value::Null) => String::new(),
            Some(Value::Number(n)) if n.is_u64() => n.to_string(),
            Some(_) => {
                self.problems
                    .push(FieldProblem { field: path.into(), message: "must be a whole number".into() });
                String::new()
            }
        }
    }

    /// One element of a list of people: it must be an object.
    fn person(&mut self, prefix: &str) -> PersonInput {
        if !matches!(self.at(prefix), Some(Value::Object(_))) {
            self.problems.push(FieldProblem {
                field: prefix.into(),
                message: "must be an object with name, role, organisation and email".into(),
            });
            return PersonInput::default();
        }
        PersonInput {
            name: self.string(&format!("{prefix}.name")),
            role: self.string(&format!("{prefix}.role")),
            organisation: self.string(&format!("{prefix}.organisation")),
            email: self.string(&format!("{prefix}.email")),
            phone: self.string(&format!("{prefix}.phone")),
        }
    }
}

/// Maps the documented request body onto the same input the browser form produces.
pub fn input_from_json(v: &Value) -> (NotificationInput, Vec<FieldProblem>) {
    let mut r = Reader { root: v, problems: Vec::new() };
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "yes".to_string(),
        Some(false) => "no".to_string(),
        None => String::new(),
    };
    let jar_count = r.array_len("death.jar_criteria");
    let professionals = r.array_len("professionals").min(notification::MAX_PROFESSIONALS);
    let input = NotificationInput {
        area: r.string("area"),
        given_names: r.string("child.given_names"),
        family_name: r.string("child.family_name"),
        other_names: r.string("child.other_names"),
        date_of_birth: DateParts::from_iso(&r.string("child.date_of_birth")),
        sex: r.string("child.sex"),
        nhs_number: r.string("child.nhs_number"),
        nhs_number_status: r.string("child.nhs_number_not_known_reason"),
        ethnicity: r.string("child.ethnicity"),
        address: r.string("child.address"),
        address_not_known: r.boolean("child.address_not_known", false).unwrap_or(false),
        postcode: r.string("child.postcode"),
        postcode_not_known: r.boolean("child.postcode_not_known", false).unwrap_or(false),
        date_of_birth_not_known: r.boolean("child.date_of_birth_not_known", false).unwrap_or(false),
        approximate_age: r.integer_text("child.approximate_age.value"),
        approximate_age_unit: r.string("child.approximate_age.unit"),
        gp_practice: r.string("child.gp_practice"),
        looked_after: r.string("child.looked_after"),
        parental_responsibility: r.string("child.parental_responsibility"),
        date_of_death: DateParts::from_iso(&r.string("death.date_of_death")),
        time_of_death: r.string("death.time_of_death"),
        place_category: r.string("death.place_category"),
        place_detail: r.string("death.place_detail"),
        expected: yes_no(r.boolean("death.expected", true)),
        jar_criteria: (0..jar_count).map(|i| r.string(&format!("death.jar_criteria.{i}"))).collect(),
        stillbirth: r.boolean("death.stillbirth", false).unwrap_or(false),
        suspected_home_stillbirth: r.boolean("death.suspected_home_stillbirth", true).unwrap_or(false),
        coroner_informed: yes_no(r.boolean("death.coroner_informed", true)),
        post_mortem_planned: r.string("death.post_mortem_planned"),
        circumstances: r.string("death.circumstances"),
        notifier: r.person("notifier"),
        professionals: (0..professionals).map(|i| r.person(&format!("professionals.{i}"))).collect(),
    };
    // An NHS number and a reason it is not known cannot both be given.
    if !input.nhs_number.trim().is_empty() && !input.nhs_number_status.trim().is_empty() {
        r.problems.push(FieldProblem {
            field: "child.nhs_number_not_known_reason".into(),
            message: "give either the NHS number or the reason it is not known, not both".into(),
        });
    }
    (input, r.problems)
}

pub(crate) fn problem(
    status: StatusCode,
    title: &str,
    detail: &str,
    errors: Option<&[FieldProblem]>,
    request_id: &str,
) -> Response {
    let mut body = json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail, "request_id": request_id });
    if let Some(errors) = errors {
        body["errors"] = json!(errors);
    }
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
    response
}

fn invalid(problems: &[FieldProblem], request_id: &str) -> Response {
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "The notification is not valid",
        "Nothing was stored. Correct the fields listed in `errors` and send it again.",
        Some(problems),
        request_id,
    )
}

/// `POST /api/v1/notifications`.
pub async fn create_notification(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return Ok(problem(
                StatusCode::BAD_REQUEST,
                "The body is not a JSON object",
                "Send the notification as a JSON object; see /api/v1/openapi.json.",
                None,
                &ctx.request_id,
            ));
        }
    };
    let (input, mut problems) = input_from_json(&value);
    let parsed = notification::parse(&input, state.clock.today());
    let parsed = match parsed {
        Ok(n) if problems.is_empty() => n,
        Ok(_) => return Ok(invalid(&problems, &ctx.request_id)),
        Err(more) => {
            problems.extend(more);
            return Ok(invalid(&problems, &ctx.request_id));
        }
    };
    let context = intake::Origin {
        actor: me.actor(),
        source: Source::Api,
        request_id: &ctx.request_id,
        area_scope: Some(&me.area_ids),
        synthetic: false,
        notified_at: None,
        submission: None,
    };
    match intake::notify(&state, parsed, context).await {
        Ok(outcome) => {
            let body = json!({
                "case_reference": outcome.reference,
                "duplicate_of": outcome.duplicate_seen_from(&me.area_ids),
                "status": outcome.status.code(),
            });
            let mut response = (StatusCode::CREATED, Json(body)).into_response();
            if let Ok(location) =
                header::HeaderValue::from_str(&format!("/api/v1/cases/{}", outcome.reference))
            {
                response.headers_mut().insert(header::LOCATION, location);
            }
            Ok(response)
        }
        Err(IntakeError::Invalid(p)) => Ok(invalid(&p, &ctx.request_id)),
        Err(IntakeError::Other(e)) => Err(WebError::Internal(e)),
    }
}

/// A case's coded fields. `identified`: the reader may see the case's identity; for anyone else
/// the exact time of notification and the age in days are null (the month and, under one year,
/// the completed weeks are given), as on the case page.
fn coded_json(c: &Case, area: &str, duplicate_of: Option<&str>, identified: bool) -> Value {
    let known_age = (c.age_at_death_days >= 0).then_some(c.age_at_death_days);
    json!({
        "case_reference": c.reference,
        "area_id": c.area_id,
        "area": area,
        "status": c.status,
        "source": c.source,
        "notified_at": (identified && c.notification_recorded)
            .then(|| c.notified_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "notified_month": c.notification_recorded.then(|| c.notified_at.format("%Y-%m").to_string()),
        "notification_recorded": c.notification_recorded,
        "reporting_year": c.reporting_year,
        // Removed (null) once the identifying data was destroyed; the band stays.
        "age_at_death_days": known_age.filter(|_| identified),
        "age_at_death_weeks": known_age.filter(|d| *d < 365).map(|d| d / 7),
        "identifying_data_destroyed_at": c.destroyed_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "age_band": c.age_band,
        "sex": c.sex,
        "ethnicity": c.ethnicity,
        "imd_decile": c.imd_decile,
        "place_category": c.place_category,
        "expected": c.expected_known.then_some(c.expected),
        "jar": c.jar,
        "jar_criteria": c.jar_criteria.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "stillbirth": c.stillbirth,
        "suspected_home_stillbirth": c.suspected_home_stillbirth,
        "coroner_informed": c.coroner_informed,
        "looked_after": c.looked_after,
        "post_mortem_planned": c.post_mortem_planned,
        "nhs_number_status": c.nhs_number_status,
        "age_approximate": c.age_approximate,
        "data_quality": c.data_quality.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "duplicate_status": c.duplicate_status,
        "duplicate_of": duplicate_of,
        "synthetic": c.synthetic,
    })
}

/// The list's parameters as text: each is parsed and bounded below, so a bad one is a 400 that
/// names it (documented in the OpenAPI entry). Unknown parameters are refused: there is no search
/// by NHS number here (anonymised roles must not even learn a count).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    #[serde(default)]
    area: String,
    status: Option<String>,
    #[serde(default)]
    reporting_year: String,
    age_band: Option<String>,
    #[serde(default)]
    page: String,
    #[serde(default)]
    per_page: String,
}

/// `GET /api/v1/cases`: coded fields only, paginated.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Value>> {
    let per_page = params::bounded("per_page", &p.per_page, 1u64, 200)?.unwrap_or(50);
    let page = params::page("page", &p.page)?;
    let area = params::bounded("area", &p.area, 1i64, i64::MAX)?;
    let reporting_year = params::bounded("reporting_year", &p.reporting_year, 1900i32, 2200)?;
    if let Some(s) = &p.status
        && CaseStatus::parse(s).is_none()
    {
        return Err(WebError::BadRequest(format!("unknown status `{s}`")));
    }
    if let Some(b) = &p.age_band
        && AgeBand::parse(b).is_none()
    {
        return Err(WebError::BadRequest(format!(
            "unknown age_band `{b}` (0-27d, 28-364d, 1-4y, 5-9y, 10-14y, 15-17y)"
        )));
    }
    let filter = CaseFilter {
        area_ids: me.area_ids.clone(),
        area,
        status: p.status.clone(),
        reporting_year,
        age_band: p.age_band.clone(),
        reference: None,
        duplicates_only: false,
        information: None,
    };
    let (rows, total) = cases::list(&state.db, &filter, Sort::NewestFirst, page - 1, per_page).await?;
    let all_areas = areas::list(&state.db).await?;
    let name = |id: i64| all_areas.iter().find(|a| a.id == id).map(|a| a.name.clone()).unwrap_or_default();
    Ok(Json(json!({
        "page": page,
        "per_page": per_page,
        "total": total,
        "cases": rows
            .iter()
            .map(|c| coded_json(c, &name(c.area_id), None, me.permits_in(Action::RevealIdentity, c.area_id)))
            .collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/cases/{reference}`: coded fields, plus the identity for roles that may see it
/// (each such read is audited).
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Json<Value>> {
    let case = load_in_scope(&state, &me, &reference, Action::ViewCases).await?;
    let area = areas::find(&state.db, case.area_id).await?.map(|a| a.name).unwrap_or_default();
    let duplicate_of =
        crate::web::cases::visible_duplicate_of(&state, &me, &case).await?.map(|d| d.reference);
    let identified = me.permits_in(Action::RevealIdentity, case.area_id);
    let mut body = coded_json(&case, &area, duplicate_of.as_deref(), identified);
    if identified {
        let identity = open_identities(&state, std::slice::from_ref(&case)).await?.pop().flatten();
        audit::append_now(
            &state.db,
            &ctx.acting()
                .event(AuditAction::CaseApiRead, "case", case.reference.clone())
                .area(case.area_id)
                .details("identity=included"),
        )
        .await?;
        body["identity"] = serde_json::to_value(identity).map_err(WebError::internal)?;
    } else {
        audit::append_now(
            &state.db,
            &ctx.acting().event(AuditAction::CaseViewed, "case", case.reference.clone()).area(case.area_id),
        )
        .await?;
    }
    Ok(Json(body))
}

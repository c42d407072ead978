//! The identifier check for free text that people without access to identities read (see
//! [`crate::domain::anonymity`]): what each case is known to be called, where it lived, its
//! numbers and dates — from its sealed identity, the notifications of the same child merged into
//! it, and the short identifying answers agencies gave — and the check itself, reported as field
//! problems the pages show beside the field.

use crate::context::Context;
use crate::domain::anonymity::{Checked, field_problems};
use crate::domain::notification::SealedIdentity;
use crate::domain::redact::{self, Identifier, Known};
use crate::forms::Kind;
use crate::forms::answers::Answer;
use crate::service::{ServiceError, ServiceResult};
use crate::store::cases::{self, Case};

/// Every known identifier of one notification, labelled by role: the child's names, NHS number,
/// dates of birth and death, address, postcode, GP practice, those with parental responsibility
/// (parsed as names: "mother and father" names nobody), the notifier and the professionals, and
/// short identifying answers agencies gave (names of family members, for instance).
pub fn identifiers(id: &SealedIdentity, agency_texts: &[(String, String)]) -> Vec<Identifier> {
    let mut out = Vec::new();
    let mut push = |known: Known, label: &str| out.push(Identifier { known, label: label.to_string() });
    let c = &id.child;
    push(Known::Name(format!("{} {}", c.given_names, c.family_name)), "child");
    if !c.other_names.trim().is_empty() {
        push(Known::Name(c.other_names.clone()), "child");
    }
    push(Known::NhsNumber(c.nhs_number.clone()), "NHS number");
    if let Some(dob) = c.date_of_birth {
        push(Known::Date(dob), "date of birth");
    }
    push(Known::Date(id.death.date_of_death), "date of death");
    push(Known::Address(c.address.clone()), "address");
    push(Known::Postcode(c.postcode.clone()), "postcode");
    push(Known::Phrase(c.gp_practice.clone()), "GP");
    for (role, name) in redact::people(&c.parental_responsibility) {
        push(Known::Name(name), &role);
    }
    let label = |p: &crate::domain::notification::Person| {
        if p.role.trim().is_empty() { "professional".to_string() } else { p.role.trim().to_string() }
    };
    push(Known::Professional(id.notifier.name.clone()), &label(&id.notifier));
    for p in &id.professionals {
        push(Known::Professional(p.name.clone()), &label(p));
    }
    for (label, text) in agency_texts {
        if text.chars().filter(|c| c.is_alphanumeric()).count() >= 3 {
            push(Known::Phrase(text.clone()), label);
        }
    }
    out.retain(|i| match &i.known {
        Known::Name(s)
        | Known::Professional(s)
        | Known::NhsNumber(s)
        | Known::Postcode(s)
        | Known::Address(s)
        | Known::Phrase(s) => !s.trim().is_empty(),
        Known::Date(_) => true,
    });
    out
}

/// Short identifying (non-narrative) text answers of the case's submitted forms, as (label, text):
/// names the agencies gave.
pub async fn agency_texts(cx: &Context, case: &Case) -> ServiceResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for r in crate::store::form_requests::for_case(&cx.db, case.id).await? {
        if r.status != crate::domain::codes::RequestStatus::Submitted.code() {
            continue;
        }
        let loaded = crate::responses::load(cx, &r).await?;
        for item in loaded.version.items.iter().filter(|i| i.kind == Kind::Text && !i.is_coded()) {
            if let Some(Answer::Text(t)) = loaded.answers.get(&item.key) {
                out.push((item.label.to_lowercase(), t.clone()));
            }
        }
    }
    Ok(out)
}

/// The identifiers of a case and of every notification of the same child merged into it, given
/// its agency texts.
pub async fn case_identifiers_with(
    cx: &Context,
    case: &Case,
    agency: &[(String, String)],
) -> ServiceResult<Vec<Identifier>> {
    if case.destroyed_at.is_some() {
        return Ok(Vec::new());
    }
    let mut ids = identifiers(&cx.identity(case)?, agency);
    for dup in cases::merged_into(&cx.db, case.id).await? {
        if dup.destroyed_at.is_none() {
            ids.extend(identifiers(&cx.identity(&dup)?, &[]));
        }
    }
    Ok(ids)
}

/// The identifiers of a case, its merged duplicates and its agency forms' identifying answers.
pub async fn case_identifiers(cx: &Context, case: &Case) -> ServiceResult<Vec<Identifier>> {
    let agency = agency_texts(cx, case).await?;
    case_identifiers_with(cx, case, &agency).await
}

/// The identifiers of several cases (by id; unknown ids are skipped).
pub async fn cases_identifiers(cx: &Context, case_ids: &[i64]) -> ServiceResult<Vec<Identifier>> {
    let mut ids = Vec::new();
    for case in cases::by_ids(&cx.db, case_ids).await? {
        ids.extend(case_identifiers(cx, &case).await?);
    }
    Ok(ids)
}

/// The identifiers of every child notified in the areas (identities only, opened together on the
/// blocking pool): for text that belongs to no one case, such as a saved report's name.
pub async fn area_identifiers(cx: &Context, areas: &[i64]) -> ServiceResult<Vec<Identifier>> {
    open_all(cx, cases::sealed_in_areas(&cx.db, areas).await?).await
}

/// The identifiers of the children of the cases `case_ids` (identities only): for text about a
/// batch of cases, such as a retention batch's reason.
pub async fn batch_identifiers(cx: &Context, case_ids: &[i64]) -> ServiceResult<Vec<Identifier>> {
    open_all(cx, cases::sealed_of(&cx.db, case_ids).await?).await
}

/// Opens sealed identity records on the blocking pool and gathers their identifiers.
async fn open_all(cx: &Context, sealed: Vec<Vec<u8>>) -> ServiceResult<Vec<Identifier>> {
    let keys = cx.keys.clone();
    let opened = tokio::task::spawn_blocking(move || -> Vec<Identifier> {
        let mut ids = Vec::new();
        for s in sealed.iter().filter(|s| !s.is_empty()) {
            // A record that does not open (a retired key) names nobody we can check for; `keys
            // verify` reports it.
            if let Ok(plain) = keys.keyring.open(s)
                && let Ok(identity) = serde_json::from_slice::<SealedIdentity>(&plain)
            {
                ids.extend(identifiers(&identity, &[]));
            }
        }
        ids
    })
    .await
    .map_err(|e| ServiceError::Other(e.into()))?;
    Ok(opened)
}

/// Checks the text of `field` against `ids` and every identifier shape; a refusal is a field
/// problem naming each finding (and, when all are suspected, the words the writer may confirm).
pub fn check(field: &str, text: &str, ids: &[Identifier], confirmed: &[String]) -> ServiceResult<Checked> {
    checked(field, text, ids, confirmed).map_err(ServiceError::Invalid)
}

/// [`check`] with the refusal as plain (field, message) problems, for services with an error
/// type of their own.
pub fn checked(
    field: &str,
    text: &str,
    ids: &[Identifier],
    confirmed: &[String],
) -> Result<Checked, Vec<(String, String)>> {
    Checked::check(text, ids, confirmed).map_err(|problems| field_problems(field, &problems))
}

/// Checks several fields at once, so every refused field is reported in one round.
pub fn check_all(
    fields: &[(&str, &str)],
    ids: &[Identifier],
    confirmed: &[String],
) -> ServiceResult<Vec<Checked>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (field, text) in fields {
        match Checked::check(text, ids, confirmed) {
            Ok(c) => out.push(c),
            Err(p) => problems.extend(field_problems(field, &p)),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(ServiceError::Invalid(problems)) }
}

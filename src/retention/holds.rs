//! Placing and releasing legal holds. Placing one withdraws, in the same transaction, every queue
//! entry the hold now covers; a destruction already running sees it too (`destroy`).

use chrono::NaiveDate;

use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::retention::HoldScope;
use crate::domain::uk_time::from_uk;
use crate::service::Acting;
use crate::service::{ServiceError, ServiceResult, invalid};
use crate::store::{self, audit, cases, destruction, holds};

/// A hold as typed in the form (checked by [`place`]).
#[derive(Debug, Clone, Default)]
pub struct HoldInput {
    pub scope: String,
    pub case_reference: String,
    pub area_id: Option<i64>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
    /// Dates typed but not valid: (field, message) already worked out by the caller.
    pub date_problems: Vec<(String, String)>,
    pub theme: String,
    pub reason: String,
    pub external_ref: String,
    /// Words the admin confirmed identify no one, after the identifier check listed them.
    pub confirmed: Vec<String>,
}

/// Places a hold; returns (hold id, cases it covers, queue entries withdrawn).
pub async fn place(
    cx: &Context,
    acting: &Acting<'_>,
    by: i64,
    input: &HoldInput,
    themes: &[(String, String)],
) -> ServiceResult<(i64, i64, usize)> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let scope = HoldScope::parse(&input.scope);
    let mut new = holds::NewHold {
        scope: scope.unwrap_or(HoldScope::Case),
        case_id: None,
        area_id: None,
        from_on: None,
        to_on: None,
        from_at: None,
        to_before: None,
        theme: None,
        reason: Default::default(),
        external_ref: Default::default(),
    };
    let mut ids = Vec::new();
    match scope {
        None => problems.push(("scope".into(), "Choose what the hold covers".into())),
        Some(HoldScope::Case) => {
            let reference = input.case_reference.trim().to_uppercase();
            if reference.is_empty() {
                problems
                    .push(("case_reference".into(), "Enter the case reference, like CDOP-2026-0042".into()));
            } else {
                match cases::find_by_reference(&cx.db, &reference).await? {
                    Some(c) => {
                        new.case_id = Some(c.id);
                        ids = crate::anonymity::case_identifiers(cx, &c).await?;
                    }
                    None => problems.push(("case_reference".into(), format!("There is no case {reference}"))),
                }
            }
        }
        Some(HoldScope::AreaDates) => {
            match input.area_id {
                Some(a) if store::areas::find(&cx.db, a).await?.is_some() => {
                    new.area_id = Some(a);
                    ids = crate::anonymity::area_identifiers(cx, &[a]).await?;
                }
                _ => problems.push(("area".into(), "Choose the area".into())),
            }
            problems.extend(input.date_problems.iter().cloned());
            if input.date_problems.is_empty() {
                match (input.from_on, input.to_on) {
                    (Some(f), Some(t)) if f > t => problems.push((
                        "to_on".into(),
                        "The last date must be the same as or after the first".into(),
                    )),
                    (Some(f), Some(t)) => {
                        new.from_on = Some(f);
                        new.to_on = Some(t);
                        new.from_at = f.and_hms_opt(0, 0, 0).map(from_uk);
                        new.to_before = t.succ_opt().and_then(|n| n.and_hms_opt(0, 0, 0)).map(from_uk);
                    }
                    (f, t) => {
                        if f.is_none() {
                            problems.push(("from_on".into(), "Enter the first notification date".into()));
                        }
                        if t.is_none() {
                            problems.push(("to_on".into(), "Enter the last notification date".into()));
                        }
                    }
                }
            }
        }
        Some(HoldScope::Theme) => {
            if themes.iter().any(|(code, _)| *code == input.theme) {
                new.theme = Some(input.theme.clone());
                // A theme's hold covers every area: checked against every child.
                let all: Vec<i64> = store::areas::list(&cx.db).await?.iter().map(|a| a.id).collect();
                ids = crate::anonymity::area_identifiers(cx, &all).await?;
            } else {
                problems.push(("theme".into(), "Choose the theme".into()));
            }
        }
    }
    // Admins read these and never see identities: nothing in them may identify anyone.
    match crate::domain::text::one_line(&input.reason, 500, "Enter the reason for the hold", "The reason") {
        Ok(r) => match crate::anonymity::checked("reason", &r, &ids, &input.confirmed) {
            Ok(c) => new.reason = c,
            Err(p) => problems.extend(p),
        },
        Err(m) => problems.push(("reason".into(), m)),
    }
    match crate::domain::text::one_line(
        &input.external_ref,
        120,
        "Enter the external reference (the inquiry, claim or inquest)",
        "The external reference",
    ) {
        Ok(r) => match crate::anonymity::checked("external_ref", &r, &ids, &input.confirmed) {
            Ok(c) => new.external_ref = c,
            Err(p) => problems.extend(p),
        },
        Err(m) => problems.push(("external_ref".into(), m)),
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let txn = store::begin_write(&cx.db).await?;
    let id = holds::insert(&txn, &new, by).await?;
    let withdrawn = destruction::withdraw_held(&txn).await?;
    let covered = holds::covered(&txn, id).await?;
    audit::append(
        &txn,
        &acting.event(AuditAction::HoldPlaced, "legal_hold", id.to_string()).details(format!(
            "scope={};cases={covered};withdrawn={}",
            new.scope.code(),
            withdrawn.len()
        )),
    )
    .await?;
    for (entry, reference) in &withdrawn {
        audit::append(
            &txn,
            &acting
                .event(AuditAction::DestructionWithdrawn, "case", reference.clone())
                .details(format!("entry={entry};hold={id}")),
        )
        .await?;
    }
    txn.commit().await?;
    Ok((id, covered, withdrawn.len()))
}

/// Releases a hold with a reason; its cases become eligible again at the next sweep.
pub async fn release(
    cx: &Context,
    acting: &Acting<'_>,
    by: i64,
    id: i64,
    reason: &str,
    confirmed: &[String],
) -> ServiceResult<()> {
    let reason =
        crate::domain::text::one_line(reason, 500, "Enter the reason for releasing the hold", "The reason")
            .map_err(|m| invalid("release_reason", m))?;
    // Checked against the children the hold covers: its case, or every case of its area.
    let hold = holds::find(&cx.db, id).await?.ok_or(ServiceError::NotFound)?;
    let ids = match (hold.case_id, hold.area_id) {
        (Some(case), _) => match cases::find(&cx.db, case).await? {
            Some(c) => crate::anonymity::case_identifiers(cx, &c).await?,
            None => Vec::new(),
        },
        (None, Some(area)) => crate::anonymity::area_identifiers(cx, &[area]).await?,
        // A theme's hold: every area's children.
        (None, None) => {
            let all: Vec<i64> = store::areas::list(&cx.db).await?.iter().map(|a| a.id).collect();
            crate::anonymity::area_identifiers(cx, &all).await?
        }
    };
    let reason = crate::anonymity::checked("release_reason", &reason, &ids, confirmed)
        .map_err(ServiceError::Invalid)?;
    let txn = store::begin_write(&cx.db).await?;
    holds::find(&txn, id).await?.ok_or(ServiceError::NotFound)?;
    holds::release(&txn, id, by, &reason).await?;
    audit::append(&txn, &acting.event(AuditAction::HoldReleased, "legal_hold", id.to_string())).await?;
    txn.commit().await?;
    Ok(())
}

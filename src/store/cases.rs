//! Cases: one row per notified death, with the identifying fields sealed in `sealed` and the
//! coded fields in clear columns.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};

use crate::domain::codes::{CaseStatus, DuplicateStatus, RejectionReason, Source};
use crate::domain::notification::Coded;
use crate::domain::reference::CaseReference;
use crate::store::entities::case;
use crate::store::{StoreError, StoreResult, now};

pub use crate::store::entities::case::Model as Case;

mod deprivation;
mod list;
mod sealed;

pub use deprivation::{imd_decile, set_imd_decile, upsert_imd, without_imd_after};
pub use list::{CaseFilter, Sort, by_ids, list, needing_triage, notified_by, reporting_years, work_counts};
pub use sealed::{batch_after, count_not_sealed_to, not_sealed_to, sealed_in_areas, sealed_of};

/// Takes the next number for `year`; the counter row is created on first use.
pub async fn next_reference<C: ConnectionTrait>(conn: &C, year: i32) -> StoreResult<CaseReference> {
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO case_counters (year, last) VALUES ($1, 0) ON CONFLICT (year) DO NOTHING",
        [year.into()],
    ))
    .await?;
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE case_counters SET last = last + 1 WHERE year = $1 RETURNING last",
            [year.into()],
        ))
        .await?
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("case counter for {year} missing")))?;
    let last: i64 = row.try_get("", "last")?;
    Ok(CaseReference::new(year, last))
}

/// A case to insert: the sealed record, its blind index and the coded fields.
pub struct NewCase<'a> {
    pub reference: &'a CaseReference,
    pub area_id: i64,
    pub status: CaseStatus,
    pub source: Source,
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    /// Empty when the NHS number is not known.
    pub nhs_index: String,
    pub death_index: String,
    pub coded: &'a Coded,
    pub imd_decile: Option<i32>,
    pub created_by: Option<i64>,
    pub duplicate: Option<(i64, DuplicateStatus)>,
    pub synthetic: bool,
    pub notified_at: chrono::DateTime<chrono::Utc>,
    /// What an imported history did not record (both known for every case notified here).
    pub gaps: HistoryGaps,
}

/// What a previous system did not record about a death it passed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryGaps {
    /// Whether the death was expected is known (`Coded::expected` holds it).
    pub expected_known: bool,
    /// The death was notified (a review can come without its notification).
    pub notification_recorded: bool,
}

impl HistoryGaps {
    /// Nothing missing: every case notified to this service.
    pub const NONE: HistoryGaps = HistoryGaps { expected_known: true, notification_recorded: true };
}

/// Inserts the case; returns its id.
pub async fn insert<C: ConnectionTrait>(conn: &C, new: NewCase<'_>) -> StoreResult<i64> {
    let t = now();
    let c = new.coded;
    let model = case::ActiveModel {
        reference: Set(new.reference.to_string()),
        area_id: Set(new.area_id),
        status: Set(new.status.code().into()),
        source: Set(new.source.code().into()),
        sealed: Set(new.sealed),
        sealed_key: Set(new.sealed_key),
        nhs_index: Set(new.nhs_index),
        sex: Set(c.sex.code().into()),
        ethnicity: Set(c.ethnicity.code().into()),
        age_at_death_days: Set(c.age_at_death_days),
        age_band: Set(c.age_band.code().into()),
        place_category: Set(c.place_category.code().into()),
        expected: Set(c.expected),
        jar: Set(!c.jar_criteria.is_empty()),
        jar_criteria: Set(c.jar_criteria.iter().map(|j| j.code()).collect::<Vec<_>>().join(",")),
        stillbirth: Set(c.stillbirth),
        suspected_home_stillbirth: Set(c.suspected_home_stillbirth),
        coroner_informed: Set(c.coroner_informed.code().into()),
        looked_after: Set(c.looked_after.code().into()),
        post_mortem_planned: Set(c.post_mortem_planned.code().into()),
        nhs_number_status: Set(c.nhs_number_status.code().into()),
        age_approximate: Set(c.age_approximate),
        data_quality: Set(data_quality_codes(c)),
        death_index: Set(Some(new.death_index)),
        imd_decile: Set(new.imd_decile),
        reporting_year: Set(c.reporting_year.0),
        notified_at: Set(new.notified_at),
        created_by: Set(new.created_by),
        duplicate_of: Set(new.duplicate.map(|d| d.0)),
        duplicate_status: Set(new.duplicate.map(|d| d.1).unwrap_or(DuplicateStatus::Unflagged).code().into()),
        rejection_reason: Set(None),
        synthetic: Set(new.synthetic),
        updated_at: Set(t),
        version: Set(1),
        expected_known: Set(new.gaps.expected_known),
        notification_recorded: Set(new.gaps.notification_recorded),
        ..Default::default()
    };
    Ok(case::Entity::insert(model).exec(conn).await?.last_insert_id)
}

/// The data-quality codes as stored (comma-separated).
pub fn data_quality_codes(c: &Coded) -> String {
    c.data_quality.iter().map(|d| d.code()).collect::<Vec<_>>().join(",")
}

pub async fn find_by_reference<C: ConnectionTrait>(conn: &C, reference: &str) -> StoreResult<Option<Case>> {
    Ok(case::Entity::find().filter(case::Column::Reference.eq(reference)).one(conn).await?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Case>> {
    Ok(case::Entity::find_by_id(id).one(conn).await?)
}

/// The earliest case (in any area, at any stage, not rejected or merged) with this NHS number
/// blind index, as (id, reference, area id).
pub async fn first_with_nhs_index<C: ConnectionTrait>(
    conn: &C,
    nhs_index: &str,
) -> StoreResult<Option<(i64, String, i64)>> {
    if nhs_index.is_empty() {
        return Ok(None);
    }
    Ok(case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::Reference)
        .column(case::Column::AreaId)
        .filter(case::Column::NhsIndex.eq(nhs_index))
        // A child dies once: any earlier case with the NHS number, in any area and at any stage,
        // except one rejected at triage or already merged as a duplicate.
        .filter(case::Column::Status.is_not_in([CaseStatus::Rejected.code(), CaseStatus::Merged.code()]))
        .order_by_asc(case::Column::Id)
        .into_tuple()
        .one(conn)
        .await?)
}

/// The earliest live case in `area_id` with the same date of death (its blind index), other than
/// `except`, as (id, reference): a hint when there is no NHS number to compare.
pub async fn first_with_death_index<C: ConnectionTrait>(
    conn: &C,
    death_index: &str,
    area_id: i64,
    except: Option<i64>,
) -> StoreResult<Option<(i64, String)>> {
    let mut q = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::Reference)
        .filter(case::Column::DeathIndex.eq(death_index))
        .filter(case::Column::AreaId.eq(area_id))
        // Reviews imported from a previous system are closed history, not live notifications.
        .filter(case::Column::Source.ne(crate::domain::codes::Source::Import.code()))
        .filter(case::Column::Status.is_in([CaseStatus::PendingTriage.code(), CaseStatus::Notified.code()]));
    if let Some(id) = except {
        q = q.filter(case::Column::Id.ne(id));
    }
    Ok(q.order_by_asc(case::Column::Id).into_tuple().one(conn).await?)
}

/// Cases with this NHS number in the given areas (exact search).
pub async fn with_nhs_index(
    db: &impl ConnectionTrait,
    nhs_index: &str,
    area_ids: &[i64],
) -> StoreResult<Vec<Case>> {
    Ok(case::Entity::find()
        .filter(case::Column::NhsIndex.eq(nhs_index))
        .filter(case::Column::AreaId.is_in(area_ids.iter().copied()))
        .order_by_asc(case::Column::Id)
        .all(db)
        .await?)
}

/// Applies `update` to the case if it is still at `expected_version`, bumping the version.
async fn update_versioned<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    update: sea_orm::UpdateMany<case::Entity>,
) -> StoreResult<()> {
    let result = update
        .col_expr(case::Column::Version, sea_orm::sea_query::Expr::col(case::Column::Version).add(1))
        .col_expr(case::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(case::Column::Id.eq(id))
        .filter(case::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::Conflict(
            "Someone else changed this case since you opened it. Nothing has been saved.".into(),
        ));
    }
    Ok(())
}

/// The new values of an amended notification.
pub struct Amended<'a> {
    pub area_id: i64,
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    pub nhs_index: String,
    pub death_index: String,
    pub coded: &'a Coded,
    pub imd_decile: Option<i32>,
    /// `Some` when duplicate detection ran again (the NHS number or the date of death changed).
    pub duplicate: Option<Option<(i64, DuplicateStatus)>>,
}

/// Replaces a case's sealed record and recomputes its coded columns, if it is still at
/// `expected_version` (optimistic locking).
pub async fn amend<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    a: Amended<'_>,
) -> StoreResult<()> {
    use sea_orm::sea_query::Expr;
    let c = a.coded;
    let mut update = case::Entity::update_many()
        .col_expr(case::Column::AreaId, a.area_id.into())
        .col_expr(case::Column::Sealed, Expr::value(a.sealed))
        .col_expr(case::Column::SealedKey, a.sealed_key.into())
        // The dates of birth and death may have changed: compute the retention date again.
        .col_expr(case::Column::RetentionStale, true.into())
        .col_expr(case::Column::NhsIndex, a.nhs_index.into())
        .col_expr(case::Column::DeathIndex, Expr::value(Some(a.death_index)))
        .col_expr(case::Column::Sex, c.sex.code().into())
        .col_expr(case::Column::Ethnicity, c.ethnicity.code().into())
        .col_expr(case::Column::AgeAtDeathDays, c.age_at_death_days.into())
        .col_expr(case::Column::AgeBand, c.age_band.code().into())
        .col_expr(case::Column::PlaceCategory, c.place_category.code().into())
        .col_expr(case::Column::Expected, c.expected.into())
        // An amendment answers the question (the form asks it), whatever history lacked.
        .col_expr(case::Column::ExpectedKnown, true.into())
        .col_expr(case::Column::Jar, (!c.jar_criteria.is_empty()).into())
        .col_expr(
            case::Column::JarCriteria,
            c.jar_criteria.iter().map(|j| j.code()).collect::<Vec<_>>().join(",").into(),
        )
        .col_expr(case::Column::Stillbirth, c.stillbirth.into())
        .col_expr(case::Column::SuspectedHomeStillbirth, c.suspected_home_stillbirth.into())
        .col_expr(case::Column::CoronerInformed, c.coroner_informed.code().into())
        .col_expr(case::Column::LookedAfter, c.looked_after.code().into())
        .col_expr(case::Column::PostMortemPlanned, c.post_mortem_planned.code().into())
        .col_expr(case::Column::NhsNumberStatus, c.nhs_number_status.code().into())
        .col_expr(case::Column::AgeApproximate, c.age_approximate.into())
        .col_expr(case::Column::DataQuality, data_quality_codes(c).into())
        .col_expr(case::Column::ImdDecile, Expr::value(a.imd_decile));
    if let Some(duplicate) = a.duplicate {
        update = update.col_expr(case::Column::DuplicateOf, Expr::value(duplicate.map(|d| d.0))).col_expr(
            case::Column::DuplicateStatus,
            duplicate.map(|d| d.1).unwrap_or(DuplicateStatus::Unflagged).code().into(),
        );
    }
    update_versioned(conn, id, expected_version, update).await
}

/// The coded columns of a stored case as the domain's [`Coded`] (`None` if a stored code is
/// unknown, which migrations never leave behind).
pub fn coded_of(c: &Case) -> Option<Coded> {
    use crate::domain::codes::{
        DataQuality, Ethnicity, JarCriterion, NhsNumberStatus, PlaceOfDeath, Sex, YesNoUnknown,
    };
    use crate::domain::dates::{AgeBand, ReportingYear};
    Some(Coded {
        sex: Sex::parse(&c.sex)?,
        ethnicity: Ethnicity::parse(&c.ethnicity)?,
        age_at_death_days: c.age_at_death_days,
        age_band: AgeBand::parse(&c.age_band)?,
        place_category: PlaceOfDeath::parse(&c.place_category)?,
        expected: c.expected,
        jar_criteria: c.jar_criteria.split(',').filter_map(JarCriterion::parse).collect(),
        stillbirth: c.stillbirth,
        suspected_home_stillbirth: c.suspected_home_stillbirth,
        coroner_informed: YesNoUnknown::parse(&c.coroner_informed)?,
        looked_after: YesNoUnknown::parse(&c.looked_after)?,
        post_mortem_planned: YesNoUnknown::parse(&c.post_mortem_planned).unwrap_or(YesNoUnknown::NotKnown),
        nhs_number_status: NhsNumberStatus::parse(&c.nhs_number_status).unwrap_or(NhsNumberStatus::Known),
        age_approximate: c.age_approximate,
        data_quality: c.data_quality.split(',').filter_map(DataQuality::parse).collect(),
        reporting_year: ReportingYear(c.reporting_year),
    })
}

/// The coded columns of a case as JSON (kept with each earlier version).
pub fn coded_snapshot(c: &Case) -> String {
    serde_json::json!({
        "area_id": c.area_id, "sex": c.sex, "ethnicity": c.ethnicity, "age_at_death_days": c.age_at_death_days,
        "age_band": c.age_band, "place_category": c.place_category, "expected": c.expected,
        "jar_criteria": c.jar_criteria, "stillbirth": c.stillbirth, "suspected_home_stillbirth": c.suspected_home_stillbirth,
        "coroner_informed": c.coroner_informed, "looked_after": c.looked_after, "post_mortem_planned": c.post_mortem_planned,
        "nhs_number_status": c.nhs_number_status, "age_approximate": c.age_approximate, "data_quality": c.data_quality,
        "imd_decile": c.imd_decile, "duplicate_of": c.duplicate_of, "duplicate_status": c.duplicate_status,
        "status": c.status,
    })
    .to_string()
}

/// Moves a case between workflow states if it is still at `expected_version`.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    status: CaseStatus,
    rejection: Option<RejectionReason>,
) -> StoreResult<()> {
    let update = case::Entity::update_many().col_expr(case::Column::Status, status.code().into()).col_expr(
        case::Column::RejectionReason,
        sea_orm::sea_query::Expr::value(rejection.map(|r| r.code().to_string())),
    );
    update_versioned(conn, id, expected_version, update).await
}

/// Records whether the information asked for on a case has all come in (not versioned: it
/// follows the case's requests, which are locked themselves).
pub async fn set_information_status<C: ConnectionTrait>(conn: &C, id: i64, status: &str) -> StoreResult<()> {
    case::Entity::update_many()
        .col_expr(case::Column::InformationStatus, status.into())
        .filter(case::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_duplicate_status<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    status: DuplicateStatus,
) -> StoreResult<()> {
    let update = case::Entity::update_many().col_expr(case::Column::DuplicateStatus, status.code().into());
    update_versioned(conn, id, expected_version, update).await
}

/// Replaces a case's sealed record (a merge adds professionals; rotation re-seals).
pub async fn replace_sealed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    sealed: Vec<u8>,
    sealed_key: &str,
) -> StoreResult<()> {
    case::Entity::update_many()
        .col_expr(case::Column::Sealed, sea_orm::sea_query::Expr::value(sealed))
        .col_expr(case::Column::SealedKey, sealed_key.into())
        .filter(case::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Replaces a case's sealed record as a versioned change (a merge, or undoing one).
pub async fn replace_sealed_versioned<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    sealed: Vec<u8>,
    sealed_key: &str,
) -> StoreResult<()> {
    let update = case::Entity::update_many()
        .col_expr(case::Column::Sealed, sea_orm::sea_query::Expr::value(sealed))
        .col_expr(case::Column::SealedKey, sealed_key.into());
    update_versioned(conn, id, expected_version, update).await
}

/// Puts back the coded columns a merge can change (age, data quality, deprivation decile) as a
/// [`coded_snapshot`] recorded them, when the merge is undone.
pub async fn restore_merged_columns<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    snapshot: &str,
) -> StoreResult<()> {
    use sea_orm::sea_query::Expr;
    let v: serde_json::Value = serde_json::from_str(snapshot).unwrap_or_default();
    let (Some(days), Some(band), Some(approximate), Some(quality)) = (
        v["age_at_death_days"].as_i64(),
        v["age_band"].as_str(),
        v["age_approximate"].as_bool(),
        v["data_quality"].as_str(),
    ) else {
        return Err(StoreError::Other(anyhow::anyhow!(
            "the kept version of case {id} has no coded snapshot"
        )));
    };
    case::Entity::update_many()
        .col_expr(case::Column::AgeAtDeathDays, days.into())
        .col_expr(case::Column::AgeBand, band.into())
        .col_expr(case::Column::AgeApproximate, approximate.into())
        .col_expr(case::Column::DataQuality, quality.into())
        .col_expr(case::Column::ImdDecile, Expr::value(v["imd_decile"].as_i64().map(|d| d as i32)))
        .col_expr(case::Column::RetentionStale, true.into())
        .filter(case::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn count_all(db: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(case::Entity::find().count(db).await?)
}

/// The earliest reporting year of a case in `area_ids` (imported history included), if any.
pub async fn earliest_reporting_year(
    db: &impl ConnectionTrait,
    area_ids: &[i64],
) -> StoreResult<Option<i32>> {
    use sea_orm::QuerySelect;
    Ok(case::Entity::find()
        .select_only()
        .column_as(case::Column::ReportingYear.min(), "earliest")
        .filter(case::Column::AreaId.is_in(area_ids.iter().copied()))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten())
}

pub async fn any_synthetic(db: &impl ConnectionTrait) -> StoreResult<bool> {
    Ok(case::Entity::find().filter(case::Column::Synthetic.eq(true)).one(db).await?.is_some())
}

/// Whole days from the death to each step of the review (set when the review is completed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Durations {
    pub to_notification: Option<i32>,
    pub to_cdrm: Option<i32>,
    pub to_panel: Option<i32>,
    pub to_review: Option<i32>,
}

/// The month of a death as YYYYMM, from the sign-off date and the days from the death to it.
pub fn death_month(signed_off: chrono::NaiveDate, days_to_review: Option<i32>) -> Option<i32> {
    use chrono::Datelike;
    let died = signed_off.checked_sub_days(chrono::Days::new(u64::try_from(days_to_review?).ok()?))?;
    Some(died.year() * 100 + died.month() as i32)
}

/// Records the review completion date (the chair's sign-off), the durations and the month of
/// death they give.
pub async fn set_review_completed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    on: chrono::NaiveDate,
    d: Durations,
) -> StoreResult<()> {
    use sea_orm::sea_query::Expr;
    case::Entity::update_many()
        .col_expr(case::Column::DeathMonth, Expr::value(death_month(on, d.to_review)))
        .col_expr(case::Column::ReviewCompletedOn, Expr::value(Some(on)))
        .col_expr(case::Column::RetentionStale, true.into())
        .col_expr(case::Column::DaysToNotification, Expr::value(d.to_notification))
        .col_expr(case::Column::DaysToCdrm, Expr::value(d.to_cdrm))
        .col_expr(case::Column::DaysToPanel, Expr::value(d.to_panel))
        .col_expr(case::Column::DaysToReview, Expr::value(d.to_review))
        .filter(case::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records the date a case was closed.
/// Moves a case to another area (it keeps its reference).
pub async fn set_area<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    area_id: i64,
) -> StoreResult<()> {
    let update = case::Entity::update_many()
        .col_expr(case::Column::AreaId, area_id.into())
        .col_expr(case::Column::RetentionStale, true.into());
    update_versioned(conn, id, expected_version, update).await
}

pub async fn set_closed_on<C: ConnectionTrait>(conn: &C, id: i64, on: chrono::NaiveDate) -> StoreResult<()> {
    use sea_orm::sea_query::Expr;
    case::Entity::update_many()
        .col_expr(case::Column::ClosedOn, Expr::value(Some(on)))
        .col_expr(case::Column::RetentionStale, true.into())
        .filter(case::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The notifications of the same child merged into case `id` as duplicates.
pub async fn merged_into(db: &impl ConnectionTrait, id: i64) -> StoreResult<Vec<Case>> {
    Ok(case::Entity::find()
        .filter(case::Column::DuplicateOf.eq(id))
        .filter(case::Column::Status.eq(crate::domain::codes::CaseStatus::Merged.code()))
        .all(db)
        .await?)
}

//! Lists of cases: the case list's filter and sort, the home page's and triage's counts, the
//! years with data, and cases by id.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Case;
use crate::domain::codes::{CaseStatus, DuplicateStatus};
use crate::store::StoreResult;
use crate::store::entities::case;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    NewestFirst,
    OldestFirst,
    Reference,
    AgeBand,
}

impl Sort {
    pub fn code(self) -> &'static str {
        match self {
            Sort::NewestFirst => "newest",
            Sort::OldestFirst => "oldest",
            Sort::Reference => "reference",
            Sort::AgeBand => "age_band",
        }
    }

    pub fn parse(s: &str) -> Sort {
        [Sort::NewestFirst, Sort::OldestFirst, Sort::Reference, Sort::AgeBand]
            .into_iter()
            .find(|v| v.code() == s)
            .unwrap_or_default()
    }
}

/// Filters for the case list; `area_ids` is the caller's scope (always applied).
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub area_ids: Vec<i64>,
    pub area: Option<i64>,
    pub status: Option<String>,
    pub reporting_year: Option<i32>,
    pub age_band: Option<String>,
    pub reference: Option<String>,
    pub duplicates_only: bool,
    /// `none`, `outstanding` or `complete` (see [`set_information_status`]).
    pub information: Option<String>,
}

fn condition(f: &CaseFilter, backend: sea_orm::DbBackend) -> Condition {
    // On SQLite, `+area_id` (a no-op expression) keeps the planner from choosing the area index and
    // sorting every row, so the list index filters areas while it walks in order. PostgreSQL's
    // planner, with statistics, makes that choice itself.
    let areas: Vec<String> = f.area_ids.iter().map(|a| a.to_string()).collect();
    let column = if backend == sea_orm::DbBackend::Sqlite { "+area_id" } else { "area_id" };
    let in_areas = if areas.is_empty() {
        sea_orm::sea_query::Expr::cust("1 = 0")
    } else {
        sea_orm::sea_query::Expr::cust(format!("{column} IN ({})", areas.join(", ")))
    };
    let mut c = Condition::all().add(in_areas);
    if let Some(a) = f.area {
        c = c.add(case::Column::AreaId.eq(a));
    }
    if let Some(s) = &f.status {
        c = c.add(case::Column::Status.eq(s.as_str()));
    }
    if let Some(y) = f.reporting_year {
        c = c.add(case::Column::ReportingYear.eq(y));
    }
    if let Some(b) = &f.age_band {
        c = c.add(case::Column::AgeBand.eq(b.as_str()));
    }
    if let Some(r) = &f.reference {
        c = c.add(case::Column::Reference.eq(r.as_str()));
    }
    if let Some(i) = &f.information {
        c = c.add(case::Column::InformationStatus.eq(i.as_str()));
    }
    if f.duplicates_only {
        c = c.add(open_duplicate(&f.area_ids));
    }
    c
}

/// A possible duplicate still to resolve that a user of `area_ids` may see: flagged, not rejected
/// or merged, and the earlier case it may duplicate also in `area_ids`. A duplicate of a case in
/// another area is shown only to someone who works in both, so the other area's case is never
/// revealed to anyone else. The home page, triage and the case list all count by this.
pub fn open_duplicate(area_ids: &[i64]) -> Condition {
    use sea_orm::sea_query::Query;
    let earlier_in_areas = Query::select()
        .column(case::Column::Id)
        .from(case::Entity)
        .and_where(case::Column::AreaId.is_in(area_ids.iter().copied()))
        .to_owned();
    Condition::all()
        .add(
            case::Column::DuplicateStatus
                .is_in([DuplicateStatus::Flagged.code(), DuplicateStatus::Possible.code()]),
        )
        .add(case::Column::Status.is_not_in([CaseStatus::Rejected.code(), CaseStatus::Merged.code()]))
        .add(case::Column::DuplicateOf.in_subquery(earlier_in_areas))
}

/// One page of cases and the number matching. The page's ids are found first (narrow rows, in
/// an index), then its 50 full rows are read, so no sort ever carries sealed records.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &CaseFilter,
    sort: Sort,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<Case>, u64)> {
    // The count and the page are independent: run them side by side (two pool connections).
    let count = case::Entity::find().filter(condition(f, db.get_database_backend())).count(db);
    let ids_query = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .filter(condition(f, db.get_database_backend()));
    let ids_query = match sort {
        Sort::NewestFirst => {
            ids_query.order_by_desc(case::Column::NotifiedAt).order_by_desc(case::Column::Id)
        }
        Sort::OldestFirst => ids_query.order_by_asc(case::Column::NotifiedAt).order_by_asc(case::Column::Id),
        Sort::Reference => ids_query.order_by_asc(case::Column::Reference),
        Sort::AgeBand => ids_query.order_by_asc(case::Column::AgeAtDeathDays).order_by_asc(case::Column::Id),
    };
    let ids = ids_query.offset(page.saturating_mul(per_page)).limit(per_page).into_tuple::<i64>().all(db);
    let (total, ids) = tokio::join!(count, ids);
    let (total, ids) = (total?, ids?);
    Ok((by_ids(db, &ids).await?, total))
}

/// The cases with these ids, in the order given (one query).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> StoreResult<Vec<Case>> {
    let mut rows = case::Entity::find().filter(case::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    rows.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    Ok(rows)
}

/// The reporting years to offer in filters: every year from the first notification to the last.
pub async fn reporting_years(db: &impl ConnectionTrait) -> StoreResult<Vec<i32>> {
    let first: Option<i32> = case::Entity::find()
        .select_only()
        .column(case::Column::ReportingYear)
        .order_by_asc(case::Column::ReportingYear)
        .into_tuple()
        .one(db)
        .await?;
    let last: Option<i32> = case::Entity::find()
        .select_only()
        .column(case::Column::ReportingYear)
        .order_by_desc(case::Column::ReportingYear)
        .into_tuple()
        .one(db)
        .await?;
    Ok(match (first, last) {
        (Some(a), Some(b)) => (a..=b).rev().collect(),
        _ => Vec::new(),
    })
}

/// Cases waiting for a coordinator in these areas: (pending triage, possible duplicates to
/// resolve), oldest first. A case can be in both.
pub async fn needing_triage(
    db: &impl ConnectionTrait,
    area_ids: &[i64],
) -> StoreResult<(Vec<Case>, Vec<Case>)> {
    let in_areas = || {
        case::Entity::find()
            .filter(case::Column::AreaId.is_in(area_ids.iter().copied()))
            .order_by_asc(case::Column::NotifiedAt)
            .limit(500)
    };
    let pending =
        in_areas().filter(case::Column::Status.eq(CaseStatus::PendingTriage.code())).all(db).await?;
    let duplicates = in_areas().filter(open_duplicate(area_ids)).all(db).await?;
    Ok((pending, duplicates))
}

/// A coordinator's work in their areas: (waiting for triage, possible duplicates, live cases with
/// data-quality items to follow up).
pub async fn work_counts(db: &impl ConnectionTrait, area_ids: &[i64]) -> StoreResult<(u64, u64, u64)> {
    let in_areas = || case::Entity::find().filter(case::Column::AreaId.is_in(area_ids.iter().copied()));
    let pending =
        in_areas().filter(case::Column::Status.eq(CaseStatus::PendingTriage.code())).count(db).await?;
    let duplicates = in_areas().filter(open_duplicate(area_ids)).count(db).await?;
    let quality = in_areas()
        .filter(case::Column::DataQuality.ne(""))
        .filter(case::Column::Status.is_in([CaseStatus::PendingTriage.code(), CaseStatus::Notified.code()]))
        .count(db)
        .await?;
    Ok((pending, duplicates, quality))
}

/// The newest cases this user notified, in their areas.
pub async fn notified_by(
    db: &impl ConnectionTrait,
    user_id: i64,
    area_ids: &[i64],
    limit: u64,
) -> StoreResult<Vec<Case>> {
    Ok(case::Entity::find()
        .filter(case::Column::CreatedBy.eq(user_id))
        .filter(case::Column::AreaId.is_in(area_ids.iter().copied()))
        .order_by_desc(case::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

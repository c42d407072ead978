//! The actions register: an action's coded columns (area, status, due date, owner organisation),
//! its sealed part (description, owner's email, status note), the cases and themes it is linked
//! to, and the reminder points already sent.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::anonymity::{Checked, SealedChecked};
use crate::store::entities::{action, action_case, action_theme, case, reminder_point};
use crate::store::{StoreResult, now, update_versioned};

pub type Action = action::Model;

/// The statuses that count as open (not yet implemented or closed).
pub const OPEN: [&str; 2] = ["open", "in_progress"];

/// A new action's columns.
pub struct NewAction {
    pub area_id: i64,
    pub due_on: NaiveDate,
    /// Read by panel chairs and sent to partner agencies: checked for identifiers.
    pub owner_org: Checked,
    /// The description and note (with the owner's address): checked for identifiers.
    pub sealed: SealedChecked,
    pub sealed_key: String,
    pub created_by: Option<i64>,
}

/// Inserts an action with its cases and themes; its reference (`ACT-00012`) follows from its id.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    a: NewAction,
    case_ids: &[i64],
    themes: &[String],
) -> StoreResult<(i64, String)> {
    let t = now();
    let id = action::Entity::insert(action::ActiveModel {
        // A unique placeholder (the column holds 32 characters) until the id is known.
        reference: Set(uuid::Uuid::new_v4().simple().to_string()),
        area_id: Set(a.area_id),
        status: Set("open".into()),
        due_on: Set(a.due_on),
        owner_org: Set(a.owner_org.as_str().to_string()),
        sealed: Set(a.sealed.into_bytes()),
        sealed_key: Set(a.sealed_key),
        completed_on: Set(None),
        created_by: Set(a.created_by),
        created_at: Set(t),
        updated_at: Set(t),
        version: Set(1),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    let reference = format!("ACT-{id:05}");
    action::Entity::update_many()
        .col_expr(action::Column::Reference, sea_orm::sea_query::Expr::value(reference.clone()))
        .filter(action::Column::Id.eq(id))
        .exec(conn)
        .await?;
    set_links(conn, id, case_ids, themes).await?;
    Ok((id, reference))
}

/// Replaces an action's cases and themes.
pub async fn set_links<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    case_ids: &[i64],
    themes: &[String],
) -> StoreResult<()> {
    action_case::Entity::delete_many().filter(action_case::Column::ActionId.eq(id)).exec(conn).await?;
    action_theme::Entity::delete_many().filter(action_theme::Column::ActionId.eq(id)).exec(conn).await?;
    if !case_ids.is_empty() {
        action_case::Entity::insert_many(
            case_ids.iter().map(|c| action_case::ActiveModel { action_id: Set(id), case_id: Set(*c) }),
        )
        .exec_without_returning(conn)
        .await?;
    }
    if !themes.is_empty() {
        action_theme::Entity::insert_many(
            themes.iter().map(|t| action_theme::ActiveModel { action_id: Set(id), theme: Set(t.clone()) }),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// What an edit changes.
pub struct Change {
    pub status: String,
    pub due_on: NaiveDate,
    pub owner_org: Checked,
    pub sealed: SealedChecked,
    pub sealed_key: String,
    pub completed_on: Option<NaiveDate>,
}

/// Saves an edit if the action is still at `version` (a conflict otherwise).
pub async fn update<C: ConnectionTrait>(conn: &C, id: i64, version: i64, c: Change) -> StoreResult<()> {
    use sea_orm::sea_query::Expr;
    update_versioned(
        conn,
        action::Entity::update_many()
            .col_expr(action::Column::Status, Expr::value(c.status))
            .col_expr(action::Column::DueOn, Expr::value(c.due_on))
            .col_expr(action::Column::OwnerOrg, Expr::value(c.owner_org.as_str()))
            .col_expr(action::Column::Sealed, Expr::value(c.sealed.into_bytes()))
            .col_expr(action::Column::SealedKey, Expr::value(c.sealed_key))
            .col_expr(action::Column::CompletedOn, Expr::value(c.completed_on)),
        (action::Column::Id, action::Column::Version, action::Column::UpdatedAt),
        id,
        version,
        "Someone else changed this action while you were editing it.",
    )
    .await
}

/// Sets the status an owner reported (and the completion date when implemented); not versioned,
/// so a report never conflicts with a coordinator's edit of the other fields.
pub async fn set_progress<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    status: &str,
    completed_on: Option<NaiveDate>,
) -> StoreResult<()> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::Expr;
    action::Entity::update_many()
        .col_expr(action::Column::Status, Expr::value(status))
        .col_expr(action::Column::CompletedOn, Expr::value(completed_on))
        .col_expr(action::Column::Version, Expr::col(action::Column::Version).add(Expr::value(1)))
        .filter(action::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The ids of the cases an action is linked to.
pub async fn case_ids<C: ConnectionTrait>(conn: &C, action_id: i64) -> StoreResult<Vec<i64>> {
    Ok(action_case::Entity::find()
        .filter(action_case::Column::ActionId.eq(action_id))
        .select_only()
        .column(action_case::Column::CaseId)
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn find_by_reference<C: ConnectionTrait>(conn: &C, reference: &str) -> StoreResult<Option<Action>> {
    Ok(action::Entity::find().filter(action::Column::Reference.eq(reference)).one(conn).await?)
}

/// Which actions a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub area_ids: Vec<i64>,
    /// `open`, `overdue`, `done` (implemented or closed) or `all`.
    pub status: String,
    pub theme: Option<String>,
    pub case_id: Option<i64>,
    pub today: Option<NaiveDate>,
}

/// Actions matching `f`, soonest due first.
pub async fn list<C: ConnectionTrait>(conn: &C, f: &Filter) -> StoreResult<Vec<Action>> {
    Ok(matching(f).all(conn).await?)
}

/// One page of the actions matching `f` (soonest due first), and how many match in all.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    f: &Filter,
    offset: u64,
    limit: u64,
) -> StoreResult<(Vec<Action>, u64)> {
    use sea_orm::PaginatorTrait;
    let total = matching(f).count(conn).await?;
    let rows = matching(f).offset(offset).limit(limit).all(conn).await?;
    Ok((rows, total))
}

fn matching(f: &Filter) -> sea_orm::Select<action::Entity> {
    let mut q = action::Entity::find().filter(action::Column::AreaId.is_in(f.area_ids.clone()));
    q = match f.status.as_str() {
        "open" => q.filter(action::Column::Status.is_in(OPEN)),
        "overdue" => q
            .filter(action::Column::Status.is_in(OPEN))
            .filter(action::Column::DueOn.lt(f.today.unwrap_or(NaiveDate::MAX))),
        "done" => q.filter(action::Column::Status.is_not_in(OPEN)),
        _ => q,
    };
    if let Some(theme) = &f.theme {
        q = q.filter(
            action::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(action_theme::Column::ActionId)
                    .from(action_theme::Entity)
                    .and_where(action_theme::Column::Theme.eq(theme.clone()))
                    .to_owned(),
            ),
        );
    }
    if let Some(case_id) = f.case_id {
        q = q.filter(
            action::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(action_case::Column::ActionId)
                    .from(action_case::Entity)
                    .and_where(action_case::Column::CaseId.eq(case_id))
                    .to_owned(),
            ),
        );
    }
    q.order_by_asc(action::Column::DueOn).order_by_asc(action::Column::Id)
}

/// The references of the cases an action is linked to, and its themes, for each of `ids`.
pub async fn links<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, (Vec<String>, Vec<String>)>> {
    let mut out: std::collections::HashMap<i64, (Vec<String>, Vec<String>)> =
        ids.iter().map(|id| (*id, (Vec::new(), Vec::new()))).collect();
    let links = action_case::Entity::find()
        .filter(action_case::Column::ActionId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let references: std::collections::HashMap<i64, String> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::Reference)
        .filter(case::Column::Id.is_in(links.iter().map(|l| l.case_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    for l in links {
        if let Some(r) = references.get(&l.case_id) {
            out.entry(l.action_id).or_default().0.push(r.clone());
        }
    }
    for (cases, _) in out.values_mut() {
        cases.sort();
    }
    let themes = action_theme::Entity::find()
        .filter(action_theme::Column::ActionId.is_in(ids.to_vec()))
        .order_by_asc(action_theme::Column::Theme)
        .all(conn)
        .await?;
    for t in themes {
        out.entry(t.action_id).or_default().1.push(t.theme);
    }
    Ok(out)
}

/// Open actions due before `today`, claimed for this transaction (other instances skip them).
pub async fn claim_overdue<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<Action>> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::{Expr, Query};
    // Synthetic demonstration data never sends email: actions of synthetic cases are skipped.
    let synthetic = Query::select()
        .column((action_case::Entity, action_case::Column::ActionId))
        .from(action_case::Entity)
        .inner_join(
            case::Entity,
            Expr::col((case::Entity, case::Column::Id))
                .equals((action_case::Entity, action_case::Column::CaseId)),
        )
        .and_where(Expr::col((case::Entity, case::Column::Synthetic)).eq(true))
        .to_owned();
    let mut q = action::Entity::find()
        .filter(action::Column::Status.is_in(OPEN))
        .filter(action::Column::DueOn.lt(today))
        .filter(action::Column::Id.gt(after_id))
        .filter(action::Column::Id.not_in_subquery(synthetic))
        .order_by_asc(action::Column::Id)
        .limit(limit);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(q.all(conn).await?)
}

/// Records that `point` of `subject` (`action`, `briefing-recipient`) was sent; `false` when it
/// already had been (before a restart, or by another instance).
pub async fn record_point<C: ConnectionTrait>(
    conn: &C,
    subject: &str,
    subject_id: i64,
    point: &str,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let inserted = reminder_point::Entity::insert(reminder_point::ActiveModel {
        subject: Set(subject.into()),
        subject_id: Set(subject_id),
        point: Set(point.into()),
        sent_at: Set(at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            reminder_point::Column::Subject,
            reminder_point::Column::SubjectId,
            reminder_point::Column::Point,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(inserted > 0)
}

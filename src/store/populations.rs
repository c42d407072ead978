//! Population denominators: children by local authority, sex and single year of age per
//! mid-year, and the local authorities each area is made of. Coded reference data only.

use sea_orm::{ConnectionTrait, Statement, Value};

use super::StoreResult;

/// One estimate: children of one sex and age in one authority at one mid-year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    pub la_code: String,
    pub vintage: String,
    pub year: i32,
    /// `male` or `female`.
    pub sex: String,
    pub age: i32,
    pub population: u64,
}

async fn exec<C: ConnectionTrait>(conn: &C, sql: String, values: Vec<Value>) -> StoreResult<()> {
    conn.execute_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    Ok(())
}

/// Replaces the estimates of every (authority, year) in `rows` with `rows` (a re-import of the
/// same file changes nothing).
pub async fn replace<C: ConnectionTrait>(conn: &C, rows: &[Estimate]) -> StoreResult<()> {
    let mut pairs: Vec<(&str, i32)> = rows.iter().map(|r| (r.la_code.as_str(), r.year)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    for (la, year) in pairs {
        exec(
            conn,
            "DELETE FROM populations WHERE la_code = $1 AND year = $2".into(),
            vec![la.into(), year.into()],
        )
        .await?;
    }
    for chunk in rows.chunks(400) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        let mut tuples = Vec::with_capacity(chunk.len());
        for r in chunk {
            let n = values.len();
            tuples.push(format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
            values.extend([
                r.la_code.clone().into(),
                r.vintage.clone().into(),
                r.year.into(),
                r.sex.clone().into(),
                r.age.into(),
                (r.population.min(i64::MAX as u64) as i64).into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO populations (la_code, vintage, year, sex, age, population) VALUES {}",
            tuples.join(", ")
        );
        exec(conn, sql, values).await?;
    }
    Ok(())
}

/// Sets the local authorities an area is made of (replacing any earlier list).
pub async fn set_authorities<C: ConnectionTrait>(
    conn: &C,
    area_id: i64,
    codes: &[String],
) -> StoreResult<()> {
    exec(conn, "DELETE FROM area_authorities WHERE area_id = $1".into(), vec![area_id.into()]).await?;
    for code in codes {
        exec(
            conn,
            "INSERT INTO area_authorities (area_id, la_code) VALUES ($1, $2)".into(),
            vec![area_id.into(), code.clone().into()],
        )
        .await?;
    }
    Ok(())
}

/// For each year of a window, the year whose figures are used (the latest loaded up to it) and
/// those figures, or `None` where none are loaded.
pub type ByYear<T> = Vec<(i32, Option<(i32, T)>)>;

/// Children by sex and single year of age at one mid-year: `(mid-year used, [(sex, age, children)])`.
pub type Children = (i32, Vec<(String, i32, u64)>);

/// Children in `areas` by sex and single year of age at the latest mid-year loaded up to `year`
/// for which every area has estimates, or `None`.
pub async fn children<C: ConnectionTrait>(
    conn: &C,
    areas: &[i64],
    year: i32,
) -> StoreResult<Option<Children>> {
    Ok(children_years(conn, areas, year, year).await?.pop().and_then(|(_, c)| c))
}

/// [`children`] for every year from `first` to `last`, in two queries whatever the span: the
/// years every area has estimates for, then the estimates of the years used.
pub async fn children_years<C: ConnectionTrait>(
    conn: &C,
    areas: &[i64],
    first: i32,
    last: i32,
) -> StoreResult<Vec<(i32, Option<Children>)>> {
    if areas.is_empty() {
        return Ok((first..=last).map(|y| (y, None)).collect());
    }
    let params: Vec<String> = (0..areas.len()).map(|i| format!("${}", i + 2)).collect();
    let mut values: Vec<Value> = vec![last.into()];
    values.extend(areas.iter().map(|a| Value::from(*a)));
    let from = format!(
        "FROM populations p JOIN area_authorities aa ON aa.la_code = p.la_code WHERE aa.area_id IN ({})",
        params.join(", ")
    );
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT p.year AS y, COUNT(DISTINCT aa.area_id) AS n {from} AND p.year <= $1 GROUP BY p.year ORDER BY p.year DESC"
            ),
            values.clone(),
        ))
        .await?;
    // The years every area has estimates for, latest first.
    let mut complete = Vec::new();
    for r in &rows {
        let (y, n): (i32, i64) = (r.try_get("", "y")?, r.try_get("", "n")?);
        if n as usize == areas.len() {
            complete.push(y);
        }
    }
    let used: Vec<(i32, Option<i32>)> =
        (first..=last).map(|y| (y, complete.iter().copied().find(|c| *c <= y))).collect();
    let mut wanted: Vec<i32> = used.iter().filter_map(|(_, u)| *u).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut estimates: std::collections::BTreeMap<i32, Vec<(String, i32, u64)>> = Default::default();
    if !wanted.is_empty() {
        let mut values: Vec<Value> = areas.iter().map(|a| Value::from(*a)).collect();
        let years = super::bind_list(&mut values, &wanted);
        let areas_in: Vec<String> = (0..areas.len()).map(|i| format!("${}", i + 1)).collect();
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT p.year AS y, p.sex AS sex, p.age AS age, CAST(SUM(p.population) AS BIGINT) AS n \
                     FROM populations p JOIN area_authorities aa ON aa.la_code = p.la_code \
                     WHERE aa.area_id IN ({}) AND p.year IN ({years}) GROUP BY p.year, p.sex, p.age",
                    areas_in.join(", ")
                ),
                values,
            ))
            .await?;
        for r in rows {
            let n: i64 = r.try_get("", "n")?;
            estimates.entry(r.try_get("", "y")?).or_default().push((
                r.try_get("", "sex")?,
                r.try_get("", "age")?,
                n.max(0) as u64,
            ));
        }
    }
    Ok(used
        .into_iter()
        .map(|(y, u)| (y, u.map(|u| (u, estimates.get(&u).cloned().unwrap_or_default()))))
        .collect())
}

/// Children of `areas` in each decile (index 0 is decile 1, the most deprived) at the latest
/// mid-year up to `year` loaded for every area: `(mid-year used, children)`, or `None`.
pub async fn decile_children<C: ConnectionTrait>(
    conn: &C,
    areas: &[i64],
    year: i32,
) -> StoreResult<Option<(i32, [u64; 10])>> {
    Ok(decile_children_years(conn, areas, year, year).await?.pop().and_then(|(_, c)| c))
}

/// [`decile_children`] for every year from `first` to `last`, in one query.
pub async fn decile_children_years<C: ConnectionTrait>(
    conn: &C,
    areas: &[i64],
    first: i32,
    last: i32,
) -> StoreResult<ByYear<[u64; 10]>> {
    let groups = ByGroup::Deciles.groups();
    let years = by_group_years(conn, ByGroup::Deciles, &groups, areas, first, last).await?;
    Ok(years.into_iter().map(|(y, c)| (y, c.map(|(u, n)| (u, fixed(&n))))).collect())
}

/// Children of `areas` in each broad ethnic group ([`ETHNIC_GROUPS`] order) at the latest year up
/// to `year` loaded for every area: `(year used, children)`, or `None`.
pub async fn ethnicity_children<C: ConnectionTrait>(
    conn: &C,
    areas: &[i64],
    year: i32,
) -> StoreResult<Option<(i32, [u64; 5])>> {
    Ok(ethnicity_children_years(conn, areas, year, year).await?.pop().and_then(|(_, c)| c))
}

/// [`ethnicity_children`] for every year from `first` to `last`, in one query.
pub async fn ethnicity_children_years<C: ConnectionTrait>(
    conn: &C,
    areas: &[i64],
    first: i32,
    last: i32,
) -> StoreResult<ByYear<[u64; 5]>> {
    let groups = ByGroup::Ethnicity.groups();
    let years = by_group_years(conn, ByGroup::Ethnicity, &groups, areas, first, last).await?;
    Ok(years.into_iter().map(|(y, c)| (y, c.map(|(u, n)| (u, fixed(&n))))).collect())
}

fn fixed<const N: usize>(v: &[u64]) -> [u64; N] {
    let mut out = [0; N];
    for (o, n) in out.iter_mut().zip(v) {
        *o = *n;
    }
    out
}

/// The children of an area counted by a group per year: by deprivation decile (`1` to `10`, 1
/// the most deprived) or by broad ethnic group ([`ETHNIC_GROUPS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByGroup {
    Deciles,
    Ethnicity,
}

impl ByGroup {
    /// (table, group column, group column as text): fixed names, never input.
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            ByGroup::Deciles => ("decile_populations", "imd_decile", "CAST(imd_decile AS TEXT)"),
            ByGroup::Ethnicity => ("ethnicity_populations", "ethnic_group", "ethnic_group"),
        }
    }

    /// The groups, as stored and read (`"1"`…`"10"`, `"white"`…).
    pub fn groups(self) -> Vec<String> {
        match self {
            ByGroup::Deciles => (1..=10).map(|d| d.to_string()).collect(),
            ByGroup::Ethnicity => ETHNIC_GROUPS.iter().map(|g| g.to_string()).collect(),
        }
    }

    /// What an import and its audit event call it.
    pub fn name(self) -> &'static str {
        match self {
            ByGroup::Deciles => "decile-population",
            ByGroup::Ethnicity => "ethnicity-population",
        }
    }
}

/// Replaces an area's children by group for the years in `rows` (year, group as in
/// [`ByGroup::groups`], children).
pub async fn replace_groups<C: ConnectionTrait>(
    conn: &C,
    by: ByGroup,
    area_id: i64,
    rows: &[(i32, String, u64)],
) -> StoreResult<()> {
    let (table, column, _) = by.sql();
    let mut years: Vec<i32> = rows.iter().map(|r| r.0).collect();
    years.sort_unstable();
    years.dedup();
    for y in years {
        exec(
            conn,
            format!("DELETE FROM {table} WHERE area_id = $1 AND year = $2"),
            vec![area_id.into(), y.into()],
        )
        .await?;
    }
    for (year, group, n) in rows {
        let group: Value = match by {
            ByGroup::Deciles => group.parse::<i32>().unwrap_or_default().into(),
            ByGroup::Ethnicity => group.clone().into(),
        };
        exec(
            conn,
            format!("INSERT INTO {table} (area_id, year, {column}, population) VALUES ($1, $2, $3, $4)"),
            vec![area_id.into(), (*year).into(), group, ((*n).min(i64::MAX as u64) as i64).into()],
        )
        .await?;
    }
    Ok(())
}

/// For each year from `first` to `last`: the latest year up to it for which every area has
/// children loaded in every group, and those children in `groups` order. One query.
async fn by_group_years<C: ConnectionTrait>(
    conn: &C,
    table: ByGroup,
    groups: &[String],
    areas: &[i64],
    first: i32,
    last: i32,
) -> StoreResult<ByYear<Vec<u64>>> {
    if areas.is_empty() {
        return Ok((first..=last).map(|y| (y, None)).collect());
    }
    let (name, _, group) = table.sql();
    let mut values: Vec<Value> = vec![last.into()];
    let areas_in = super::bind_list(&mut values, areas);
    let sql = format!(
        "SELECT year AS y, {group} AS g, CAST(SUM(population) AS BIGINT) AS n, COUNT(DISTINCT area_id) AS a \
         FROM {name} WHERE year <= $1 AND area_id IN ({areas_in}) GROUP BY 1, 2"
    );
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    // Per year: the children by group, and whether every area has every group.
    let mut by_year: std::collections::BTreeMap<i32, (Vec<u64>, usize)> = std::collections::BTreeMap::new();
    for r in rows {
        let (y, g, n, a): (i32, String, i64, i64) =
            (r.try_get("", "y")?, r.try_get("", "g")?, r.try_get("", "n")?, r.try_get("", "a")?);
        let entry = by_year.entry(y).or_insert_with(|| (vec![0; groups.len()], 0));
        if let Some(i) = groups.iter().position(|x| *x == g) {
            entry.0[i] = n.max(0) as u64;
            if a as usize == areas.len() {
                entry.1 += 1;
            }
        }
    }
    let complete: Vec<(i32, Vec<u64>)> = by_year
        .into_iter()
        .filter(|(_, (_, full))| *full == groups.len())
        .map(|(y, (n, _))| (y, n))
        .collect();
    Ok((first..=last)
        .map(|y| (y, complete.iter().rev().find(|(c, _)| *c <= y).map(|(c, n)| (*c, n.clone()))))
        .collect())
}

/// Live births in one authority in one calendar year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Births {
    pub la_code: String,
    pub year: i32,
    pub births: u64,
}

/// Replaces the live births of every (authority, year) in `rows`.
pub async fn replace_births<C: ConnectionTrait>(conn: &C, rows: &[Births]) -> StoreResult<()> {
    for r in rows {
        exec(
            conn,
            "DELETE FROM live_births WHERE la_code = $1 AND year = $2".into(),
            vec![r.la_code.clone().into(), r.year.into()],
        )
        .await?;
        exec(
            conn,
            "INSERT INTO live_births (la_code, year, births) VALUES ($1, $2, $3)".into(),
            vec![r.la_code.clone().into(), r.year.into(), (r.births.min(i64::MAX as u64) as i64).into()],
        )
        .await?;
    }
    Ok(())
}

/// Live births in `areas` in the latest calendar year up to `year` loaded for every area:
/// `(year used, births)`, or `None`.
pub async fn live_births<C: ConnectionTrait>(
    conn: &C,
    areas: &[i64],
    year: i32,
) -> StoreResult<Option<(i32, u64)>> {
    if areas.is_empty() {
        return Ok(None);
    }
    let mut values: Vec<Value> = vec![year.into()];
    let areas_in = super::bind_list(&mut values, areas);
    let sql = format!(
        "SELECT b.year AS y, CAST(SUM(b.births) AS BIGINT) AS n, COUNT(DISTINCT aa.area_id) AS a \
         FROM live_births b JOIN area_authorities aa ON aa.la_code = b.la_code \
         WHERE b.year <= $1 AND aa.area_id IN ({areas_in}) GROUP BY b.year ORDER BY b.year DESC"
    );
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    for r in rows {
        let (y, n, a): (i32, i64, i64) = (r.try_get("", "y")?, r.try_get("", "n")?, r.try_get("", "a")?);
        if a as usize == areas.len() {
            return Ok(Some((y, n.max(0) as u64)));
        }
    }
    Ok(None)
}

/// The broad ethnic groups children are counted in for rates (the NHS ethnic category's groups).
pub const ETHNIC_GROUPS: [&str; 5] = ["white", "mixed", "asian", "black", "other"];

//! `cdop reference import-imd FILE.csv`: the deprivation lookup.
//!
//! The file has a header row and two columns, `postcode,imd_decile` (1 = most deprived 10%). Build
//! it from the English Indices of Deprivation 2019 (MHCLG, "File 1: index of multiple
//! deprivation", LSOA decile) joined to postcodes with the ONS Postcode Directory (its `lsoa11`
//! column); both are published under the Open Government Licence. Postcodes are stored only as
//! blind-index values. After the import, existing cases without a decile get one.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::crypto::keys;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::notification::SealedIdentity;
use crate::domain::postcode::Postcode;
use crate::store::populations::ByGroup;
use crate::store::{self, audit, cases};

#[derive(Debug, Subcommand)]
// The variants name the commands people type (`cdop reference import-…`).
#[allow(clippy::enum_variant_names)]
pub enum ReferenceCommand {
    /// Load postcode → IMD decile (CSV with header `postcode,imd_decile`).
    ImportImd { file: PathBuf },
    /// Load ONS mid-year population estimates (the MYEB1 table saved as CSV) for the report's
    /// rates: children by local authority, sex and single year of age, for every mid-year in
    /// the file. Each `--area` names an area and the local authority codes it is made of.
    ImportPopulation {
        file: PathBuf,
        /// `NAME=CODE[,CODE…]`, for example `--area "Cumberland=E06000063"`; repeat per area.
        #[arg(long = "area", value_name = "NAME=CODES", required = true)]
        areas: Vec<String>,
    },
    /// Load the children (0 to 17) of an area by broad ethnic group, per year (CSV with the header
    /// `year,ethnic_group,population`; groups white, mixed, asian, black, other), for rates by
    /// ethnic group.
    ImportEthnicityPopulation {
        file: PathBuf,
        /// The area the file describes.
        #[arg(long, value_name = "NAME")]
        area: String,
    },
    /// Load live births by local authority and calendar year (ONS, "Births by area of usual
    /// residence of mother", a year's sheet saved as CSV; or columns `la_code,year,live_births`),
    /// for the infant and neonatal mortality rates per 1,000 live births.
    ImportLiveBirths {
        file: PathBuf,
        /// The calendar year of a file without a `year` column (an ONS sheet holds one year).
        #[arg(long)]
        year: Option<i32>,
        /// `NAME=CODE[,CODE…]`, as for `import-population`; repeat per area.
        #[arg(long = "area", value_name = "NAME=CODES", required = true)]
        areas: Vec<String>,
    },
    /// Load the children (0 to 17) of an area by deprivation decile, per mid-year (CSV with the
    /// header `year,imd_decile,population`; decile 1 = most deprived), for rates by decile and the
    /// most-against-least-deprived rate ratio.
    ImportDecilePopulation {
        file: PathBuf,
        /// The area the file describes.
        #[arg(long, value_name = "NAME")]
        area: String,
    },
}

/// A file refused as a whole: every problem, by line and column.
fn refused(file: &std::path::Path, problems: &[crate::reports::population::Problem]) -> CliError {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    fail(format!(
        "{}: nothing was imported; {} problem(s):\n{}",
        file.display(),
        problems.len(),
        lines.join("\n")
    ))
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

pub async fn run(loaded: LoadedConfig, command: ReferenceCommand) -> CliResult {
    match command {
        ReferenceCommand::ImportImd { file } => import_imd(loaded, file).await,
        ReferenceCommand::ImportPopulation { file, areas } => import_population(loaded, file, areas).await,
        ReferenceCommand::ImportDecilePopulation { file, area } => {
            import_groups(loaded, file, area, ByGroup::Deciles).await
        }
        ReferenceCommand::ImportEthnicityPopulation { file, area } => {
            import_groups(loaded, file, area, ByGroup::Ethnicity).await
        }
        ReferenceCommand::ImportLiveBirths { file, year, areas } => {
            import_births(loaded, file, year, areas).await
        }
    }
}

/// `cdop reference import-decile-population FILE --area NAME` and `import-ethnicity-population`:
/// all or nothing; a re-import replaces the same years.
async fn import_groups(loaded: LoadedConfig, file: PathBuf, area: String, by: ByGroup) -> CliResult {
    let db = store::connect_current(&loaded).await?;
    let found = area_named(&db, &area).await?;
    let text = std::fs::read_to_string(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let rows =
        crate::reports::population::read_groups(&text, by).map_err(|problems| refused(&file, &problems))?;
    let txn = store::begin_write(&db).await.map_err(|e| fail(e.to_string()))?;
    crate::store::populations::replace_groups(&txn, by, found.id, &rows)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let years = distinct_years(rows.iter().map(|r| r.0));
    audit::append(
        &txn,
        &AuditEvent::new(Actor::Cli, AuditAction::ReferenceImported, "reference", by.name())
            .area(found.id)
            .details(format!("years={years:?}")),
    )
    .await
    .map_err(|e| fail(e.to_string()))?;
    txn.commit().await.map_err(|e| fail(e.to_string()))?;
    let what = match by {
        ByGroup::Deciles => "deprivation decile",
        ByGroup::Ethnicity => "ethnic group",
    };
    println!(
        "Imported children by {what} for {}: mid-{}.",
        found.name,
        years.iter().map(i32::to_string).collect::<Vec<_>>().join(", mid-")
    );
    Ok(())
}

/// The area `--area NAME` names.
async fn area_named(
    db: &sea_orm::DatabaseConnection,
    area: &str,
) -> Result<crate::store::areas::Area, CliError> {
    let known = crate::store::areas::list(db).await.map_err(|e| fail(e.to_string()))?;
    let names: Vec<String> = known.iter().map(|a| a.name.clone()).collect();
    known
        .into_iter()
        .find(|a| a.name.eq_ignore_ascii_case(area.trim()))
        .ok_or_else(|| fail(format!("--area {area}: no such area (areas: {})", names.join(", "))))
}

/// Each `--area NAME=CODE[,CODE…]`: (area id, name, local authority codes).
async fn area_plan(
    db: &sea_orm::DatabaseConnection,
    mappings: &[String],
) -> Result<Vec<(i64, String, Vec<String>)>, CliError> {
    let known = crate::store::areas::list(db).await.map_err(|e| fail(e.to_string()))?;
    let mut plan: Vec<(i64, String, Vec<String>)> = Vec::new();
    for m in mappings {
        let Some((name, codes)) = m.split_once('=') else {
            return Err(fail(format!("--area {m}: write NAME=CODE[,CODE…], e.g. \"Cumberland=E06000063\"")));
        };
        let area = known.iter().find(|a| a.name.eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            let names: Vec<&str> = known.iter().map(|a| a.name.as_str()).collect();
            fail(format!("--area {m}: no area called {:?} (areas: {})", name.trim(), names.join(", ")))
        })?;
        let codes: Vec<String> =
            codes.split(',').map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()).collect();
        if let Some(bad) = codes.iter().find(|c| c.len() != 9 || !c.starts_with(['E', 'W'])) {
            return Err(fail(format!(
                "--area {m}: {bad} is not a local authority code (nine characters, like E06000063)"
            )));
        }
        plan.push((area.id, area.name.clone(), codes));
    }
    Ok(plan)
}

/// `cdop reference import-live-births FILE [--year Y] --area NAME=CODES…`: all or nothing; a
/// re-import replaces the same authorities' years.
async fn import_births(
    loaded: LoadedConfig,
    file: PathBuf,
    year: Option<i32>,
    mappings: Vec<String>,
) -> CliResult {
    let db = store::connect_current(&loaded).await?;
    let plan = area_plan(&db, &mappings).await?;
    let text = std::fs::read_to_string(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let all_codes: Vec<String> = plan.iter().flat_map(|(_, _, c)| c.clone()).collect();
    let rows = crate::reports::population::read_births(&text, &all_codes, year)
        .map_err(|problems| refused(&file, &problems))?;
    let txn = store::begin_write(&db).await.map_err(|e| fail(e.to_string()))?;
    crate::store::populations::replace_births(&txn, &rows).await.map_err(|e| fail(e.to_string()))?;
    let years = distinct_years(rows.iter().map(|r| r.year));
    finish_by_authority(txn, &plan, "live-births", rows.len(), &years).await?;
    println!(
        "Imported live births for {} authorit{} in {}.",
        all_codes.len(),
        if all_codes.len() == 1 { "y" } else { "ies" },
        years.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// The years in an import, once each, in order.
fn distinct_years(years: impl Iterator<Item = i32>) -> Vec<i32> {
    let mut years: Vec<i32> = years.collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// Ends an import of reference data by local authority (`what`: `population`, `live-births`):
/// records the authorities each area is made of, audits the import and commits; then prints
/// each area's authorities.
async fn finish_by_authority(
    txn: sea_orm::DatabaseTransaction,
    plan: &[(i64, String, Vec<String>)],
    what: &str,
    rows: usize,
    years: &[i32],
) -> CliResult {
    for (area_id, _, codes) in plan {
        crate::store::populations::set_authorities(&txn, *area_id, codes)
            .await
            .map_err(|e| fail(e.to_string()))?;
    }
    let authorities: Vec<String> = plan.iter().flat_map(|(_, _, c)| c.clone()).collect();
    audit::append(
        &txn,
        &AuditEvent::new(Actor::Cli, AuditAction::ReferenceImported, "reference", what)
            .details(format!("rows={rows} authorities={} years={years:?}", authorities.join(","))),
    )
    .await
    .map_err(|e| fail(e.to_string()))?;
    txn.commit().await.map_err(|e| fail(e.to_string()))?;
    for (_, name, codes) in plan {
        println!("{name}: {}", codes.join(", "));
    }
    Ok(())
}

/// `cdop reference import-population FILE --area NAME=CODES…`: nothing is stored unless the
/// whole file reads cleanly; a re-import replaces the same authorities' mid-years.
async fn import_population(loaded: LoadedConfig, file: PathBuf, mappings: Vec<String>) -> CliResult {
    let db = store::connect_current(&loaded).await?;
    let plan = area_plan(&db, &mappings).await?;
    let text = std::fs::read_to_string(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let all_codes: Vec<String> = plan.iter().flat_map(|(_, _, c)| c.clone()).collect();
    let rows =
        crate::reports::population::read(&text, &all_codes).map_err(|problems| refused(&file, &problems))?;
    let txn = store::begin_write(&db).await.map_err(|e| fail(e.to_string()))?;
    crate::store::populations::replace(&txn, &rows).await.map_err(|e| fail(e.to_string()))?;
    let years = distinct_years(rows.iter().map(|r| r.year));
    finish_by_authority(txn, &plan, "population", rows.len(), &years).await?;
    println!(
        "Imported {} population estimates (children 0 to 17) for mid-{} to mid-{}.",
        rows.len(),
        years.first().copied().unwrap_or_default(),
        years.last().copied().unwrap_or_default()
    );
    Ok(())
}

async fn import_imd(loaded: LoadedConfig, file: PathBuf) -> CliResult {
    let reader =
        BufReader::new(std::fs::File::open(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?);
    let db = store::connect(&loaded).await?;
    let keys = keys::load(&loaded.config).map_err(|e| fail(e.to_string()))?;
    let mut lines = reader.lines().enumerate();
    let header = match lines.next() {
        Some((_, Ok(h))) => h.trim_start_matches('\u{feff}').to_ascii_lowercase(),
        _ => return Err(fail("the file is empty")),
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let (Some(pc_col), Some(decile_col)) =
        (columns.iter().position(|c| *c == "postcode"), columns.iter().position(|c| *c == "imd_decile"))
    else {
        return Err(fail(format!(
            "the header must name the columns postcode and imd_decile (found: {header})"
        )));
    };
    let (mut imported, mut skipped, mut problems) = (0u64, 0u64, Vec::new());
    let mut batch: Vec<(String, i32)> = Vec::with_capacity(1000);
    for (n, line) in lines {
        let line = line.map_err(|e| fail(format!("line {}: {e}", n + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(|f| f.trim().trim_matches('"')).collect();
        let postcode = fields.get(pc_col).map(|p| Postcode::parse(p));
        let decile =
            fields.get(decile_col).and_then(|d| d.parse::<i32>().ok()).filter(|d| (1..=10).contains(d));
        match (postcode, decile) {
            (Some(Ok(pc)), Some(d)) => {
                batch.push((keys.index.postcode(pc.as_str()), d));
                imported += 1;
            }
            _ => {
                skipped += 1;
                if problems.len() < 10 {
                    problems.push(format!("line {}: expected a postcode and a decile from 1 to 10", n + 1));
                }
            }
        }
        if batch.len() >= 1000 {
            let txn = store::begin_write(&db).await.map_err(anyhow::Error::from)?;
            cases::upsert_imd(&txn, &batch).await.map_err(anyhow::Error::from)?;
            txn.commit().await.map_err(anyhow::Error::from)?;
            batch.clear();
            eprint!("\r  {imported} postcodes");
        }
    }
    let txn = store::begin_write(&db).await.map_err(anyhow::Error::from)?;
    cases::upsert_imd(&txn, &batch).await.map_err(anyhow::Error::from)?;
    txn.commit().await.map_err(anyhow::Error::from)?;
    eprintln!();

    // Existing cases without a decile: open each, look its postcode up.
    let mut updated = 0u64;
    let mut after = 0;
    loop {
        let rows = cases::without_imd_after(&db, after, 500).await.map_err(anyhow::Error::from)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for c in rows {
            let Ok(bytes) = keys.keyring.open(&c.sealed) else { continue };
            let Ok(identity) = serde_json::from_slice::<SealedIdentity>(&bytes) else { continue };
            if identity.child.postcode.is_empty() {
                continue;
            }
            let index = keys.index.postcode(&identity.child.postcode);
            if let Some(d) = cases::imd_decile(&db, &index).await.map_err(anyhow::Error::from)? {
                cases::set_imd_decile(&db, c.id, d).await.map_err(anyhow::Error::from)?;
                updated += 1;
            }
        }
    }
    audit::append_now(
        &db,
        &AuditEvent::new(Actor::Cli, AuditAction::ReferenceImported, "reference", "imd")
            .details(format!("postcodes={imported};skipped={skipped};cases_updated={updated}")),
    )
    .await
    .map_err(anyhow::Error::from)?;
    db.close().await.map_err(anyhow::Error::from)?;
    println!(
        "Imported {imported} postcode(s); skipped {skipped}; gave {updated} existing case(s) a deprivation decile."
    );
    for p in problems {
        println!("  {p}");
    }
    Ok(())
}

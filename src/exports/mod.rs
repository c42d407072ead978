//! Background exports: what a job produces and how. A request is checked and queued by the web
//! tier (`/reports/annual/export`, `/reports/dataset`), run by the worker in `jobs::exports`
//! (one job at a time per instance, progress recorded at each step), and downloaded by the person
//! who asked for it from its progress page.

pub mod dataset;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::domain::dates::ReportingYear;
use crate::reports::annual::{self, Params};
use crate::reports::files::Format;
use crate::reports::table::Mode;

/// What a job produces (stored as JSON: coded choices only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// The annual report as a file.
    Annual {
        year: i32,
        /// (id, name) of each area, as the requester could see them.
        areas: Vec<(i64, String)>,
        internal: bool,
        /// html | csv | xlsx | pdf
        format: String,
        generated_on: NaiveDate,
    },
    /// The statutory dataset.
    Dataset(dataset::Choice),
}

impl Request {
    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Request::Annual { .. } => "annual",
            Request::Dataset(_) => "dataset",
        }
    }

    /// What it is, in words, for the progress page and the list.
    pub fn describe(&self) -> String {
        match self {
            Request::Annual { year, areas, internal, format, .. } => format!(
                "Annual report {}, {}, {} version, {}",
                ReportingYear(*year),
                areas.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(" and "),
                if *internal { "internal" } else { "published" },
                format.to_uppercase()
            ),
            Request::Dataset(c) => format!(
                "Statutory dataset for {}, {} ({} to {})",
                c.recipient,
                c.variant(),
                ReportingYear(c.from),
                ReportingYear(c.to)
            ),
        }
    }

    pub fn parse(json: &str) -> Option<Request> {
        serde_json::from_str(json).ok()
    }
}

/// A finished file.
pub struct Produced {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Cases in a dataset export (for the audit trail).
    pub cases: Option<usize>,
}

/// Produces the file, telling `step` each stage as it starts.
pub async fn produce(
    cx: &Context,
    request: &Request,
    step: &mut (dyn FnMut(&'static str, i32) + Send),
) -> anyhow::Result<Produced> {
    match request {
        Request::Annual { year, areas, internal, format, generated_on } => {
            let format = Format::parse(format).ok_or_else(|| anyhow::anyhow!("unknown format {format}"))?;
            let params = Params {
                year: ReportingYear(*year),
                areas: areas.clone(),
                mode: if *internal {
                    Mode::Internal
                } else {
                    Mode::Published(crate::reports::disclosure::Rule::from(&cx.config.reports))
                },
                rate_rule: crate::reports::rates::RateRule::from(&cx.config.reports),
                generated_on: *generated_on,
            };
            step("Counting the figures", 10);
            let report = annual::run(&cx.db, &cx.forms, &params).await?;
            step(
                match format {
                    Format::Pdf => "Laying out the PDF",
                    Format::Xlsx => "Writing the workbook",
                    Format::Csv => "Writing the CSV files",
                    Format::Html => "Writing the page",
                },
                50,
            );
            let (bytes, stem) = tokio::task::spawn_blocking(move || {
                crate::reports::files::file(&report, format)
                    .map(|b| (b, crate::reports::files::stem(&report)))
                    .map_err(|e| anyhow::anyhow!("{e:?}"))
            })
            .await??;
            Ok(Produced {
                file_name: format!("{stem}.{}", format.extension()),
                content_type: format.content_type(),
                bytes,
                cases: None,
            })
        }
        Request::Dataset(choice) => {
            let (bytes, cases) =
                dataset::build(&cx.db, &cx.forms, &cx.keys, &cx.config.exports.recipients, choice, step)
                    .await?;
            Ok(Produced {
                file_name: choice.file_name(),
                content_type: if choice.full { "application/octet-stream" } else { "application/zip" },
                bytes,
                cases: Some(cases),
            })
        }
    }
}

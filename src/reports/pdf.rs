//! The report as a PDF for publication: the data handed to `templates/pdf/report.typ` (cover,
//! contents, the same tables as every other output, the same charts as vector SVG with their
//! text alternative), rendered by [`crate::documents::pdf`] as tagged PDF/UA-1.

use serde_json::{Value, json};

use super::annual::Report;
use super::table::Mode;
use crate::documents::pdf::{self, PdfError, Template};

/// The template's data.
pub fn data(report: &Report) -> Value {
    let internal = report.mode == Mode::Internal;
    let sections = report.sections_json(true);
    json!({
        "title": report.title,
        "marking": if internal { "OFFICIAL-SENSITIVE: internal version, not for publication" } else { "Published version: small numbers suppressed" },
        "areas": report.areas,
        "year": report.year,
        "version": if internal { "Internal (true counts)" } else { "Published" },
        "mode_words": report.mode_words,
        "generated": crate::domain::dates::long_date(report.generated_on),
        "bases": "Two counting bases are kept apart and every table names its own: deaths notified in the year (by the date of notification) and reviews completed in the year (by the date the chair signed the review off).",
        "sections": sections,
    })
}

/// Renders the report (CPU-bound, tens of milliseconds: call from a blocking task in async code).
pub fn render(report: &Report) -> Result<Vec<u8>, PdfError> {
    pdf::render(Template::Report, &data(report))
}

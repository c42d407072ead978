//! Report files for download, in every format (`Format`): a standalone HTML file (the page's body
//! with the styles inline), the CSV files of a report, one per table, zipped with a note of the
//! mode and the counting bases, XLSX and PDF. The zip carries fixed timestamps, so one report
//! gives the same bytes each time. The pages, the API, the CLI and background exports all make
//! their files here.

use std::io::Write;

use askama::Template;
use zip::write::SimpleFileOptions;

use super::annual::{Block, Report};
use super::chart;
use super::csv;
use super::table::{Flat, Mode};

/// The file name stem for a report: `cdop-annual-2025-26-published`.
pub fn stem(report: &Report) -> String {
    let mode = if report.mode == super::table::Mode::Internal { "internal" } else { "published" };
    format!("cdop-{}-{mode}", report.slug)
}

/// Every table of the report as a CSV file, numbered in report order, in one zip.
pub fn csv_zip(report: &Report) -> std::io::Result<Vec<u8>> {
    let mut readme = csv::row(&[&report.title]);
    readme.push_str(&csv::row(&[&format!("Areas: {}", report.areas)]));
    readme.push_str(&csv::row(&[&report.mode_words]));
    readme.push_str(&csv::row(&[&format!("Generated on {}", report.generated_on)]));
    readme.push_str(&csv::row(&[
        "Each file is one table. Its first lines name the counting basis and the denominator.",
    ]));
    let mut files = vec![("00-about.csv".to_string(), readme)];
    for (n, flat) in report.flats().iter().enumerate() {
        files.push((format!("{:02}-{}.csv", n + 1, flat.key), csv::table(flat, &report.mode_words)));
    }
    zip_files(&files)
}

/// Text files in one zip (deflated, fixed timestamps: the same files give the same bytes).
pub fn zip_files(files: &[(String, String)]) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        zip.start_file(name.as_str(), options).map_err(std::io::Error::other)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The report as a workbook: an "About" sheet (areas, year, mode, the rule in force), then one
/// sheet per table with its title, basis, denominator and mode above a header row. Counts are
/// numbers formatted `#,##0`, percentages numbers formatted `0.0%`; a suppressed figure stays
/// the text `*`.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let heading = Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_text_wrap();
    let about = book.add_worksheet();
    about.set_name("About")?;
    about.set_column_width(0, 100)?;
    about.write_string_with_format(0, 0, &report.title, &title)?;
    about.write_string(1, 0, format!("Areas: {}", report.areas))?;
    about.write_string(2, 0, &report.mode_words)?;
    about.write_string(3, 0, format!("Generated on {} from coded data only.", report.generated_on))?;
    about.write_string(
        4,
        0,
        "Each sheet is one table; its first lines name the counting basis and the denominator. Counts, percentages, rates, medians and the ends of intervals are numbers; a * is a figure suppressed in the published version.",
    )?;
    let mut used: Vec<String> = Vec::new();
    for (n, t) in report.flats().iter().enumerate() {
        let sheet = book.add_worksheet();
        // Sheet names: at most 31 characters, unique.
        let mut name: String = format!("{:02} {}", n + 1, t.key).chars().take(31).collect();
        while used.contains(&name) {
            name.pop();
        }
        used.push(name.clone());
        sheet.set_name(&name)?;
        sheet.set_column_width(0, 48)?;
        sheet.write_string_with_format(0, 0, &t.title, &title)?;
        sheet.write_string(1, 0, format!("Basis: {}", t.basis))?;
        sheet.write_string(2, 0, format!("Denominator: {}", t.denominator))?;
        sheet.write_string(3, 0, &report.mode_words)?;
        // A column of intervals ("5.4 to 51.2") becomes two columns of numbers.
        let lines: Vec<(&Vec<String>, bool)> =
            t.rows.iter().map(|l| (l, false)).chain(t.total.iter().map(|l| (l, true))).collect();
        let split: Vec<bool> = (0..t.headings.len())
            .map(|c| c > 0 && lines.iter().any(|(l, _)| l.get(c).is_some_and(|v| interval(v).is_some())))
            .collect();
        let mut col = 0u16;
        for (c, h) in t.headings.iter().enumerate() {
            if split[c] {
                sheet.write_string_with_format(5, col, format!("{h} (lower)"), &heading)?;
                sheet.write_string_with_format(5, col + 1, format!("{h} (upper)"), &heading)?;
                col += 2;
            } else {
                sheet.write_string_with_format(5, col, h, &heading)?;
                col += 1;
            }
        }
        for c in 1..col {
            sheet.set_column_width(c, 16)?;
        }
        let mut r = 6u32;
        for (line, is_total) in lines {
            let mut col = 0u16;
            for (c, cell) in line.iter().enumerate() {
                let mut put = |col: u16, cell: &str| -> Result<(), rust_xlsxwriter::XlsxError> {
                    if col == 0 {
                        if is_total {
                            sheet.write_string_with_format(r, col, cell, &bold)?;
                        } else {
                            sheet.write_string(r, col, cell)?;
                        }
                        return Ok(());
                    }
                    match number(cell) {
                        Some((v, pattern)) => {
                            let mut f = Format::new().set_num_format(pattern);
                            if is_total {
                                f = f.set_bold();
                            }
                            sheet.write_number_with_format(r, col, v, &f)?;
                        }
                        None => {
                            sheet.write_string(r, col, cell)?;
                        }
                    }
                    Ok(())
                };
                if split.get(c).copied().unwrap_or(false) {
                    match interval(cell) {
                        Some((low, high)) => {
                            put(col, low)?;
                            put(col + 1, high)?;
                        }
                        None => put(col, cell)?,
                    }
                    col += 2;
                } else {
                    put(col, cell)?;
                    col += 1;
                }
            }
            r += 1;
        }
        for note in &t.notes {
            r += 1;
            sheet.write_string(r, 0, note)?;
        }
    }
    book.save_to_buffer()
}

/// "5.4 to 51.2": the two ends, when both are numbers.
fn interval(cell: &str) -> Option<(&str, &str)> {
    let (low, high) = cell.split_once(" to ")?;
    (number(low).is_some() && number(high).is_some()).then_some((low, high))
}

/// A cell that is a number as a number and the format that prints it as the text did: a count
/// ("1234" → `#,##0`), a decimal ("11.4" → `#,##0.0`), a percentage ("41.7%" → 0.417 as `0.0%`).
fn number(cell: &str) -> Option<(f64, String)> {
    let (digits, percent) = match cell.strip_suffix('%') {
        Some(d) => (d, true),
        None => (cell, false),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') || digits.starts_with('.')
    {
        return None;
    }
    // Whole digits over a power of ten, so 41.7% is stored as 0.417, not 0.41700000000000004.
    let places = digits.split_once('.').map(|(_, d)| d.len()).unwrap_or(0);
    let whole: u64 = digits.replace('.', "").parse().ok()?;
    let scale = 10f64.powi(places as i32 + if percent { 2 } else { 0 });
    let decimals = if places == 0 { String::new() } else { format!(".{}", "0".repeat(places)) };
    let pattern = if percent { format!("0{decimals}%") } else { format!("#,##0{decimals}") };
    Some((whole as f64 / scale, pattern))
}

/// A block as the page shows it.
pub struct ViewBlock {
    pub note: Option<String>,
    pub table: Option<Flat>,
    pub chart: Option<String>,
}

pub struct ViewSection {
    pub id: &'static str,
    pub heading: &'static str,
    pub blocks: Vec<ViewBlock>,
}

pub fn view(report: &Report) -> Vec<ViewSection> {
    report
        .sections
        .iter()
        .map(|s| ViewSection {
            id: s.id,
            heading: s.heading,
            blocks: s
                .blocks
                .iter()
                .map(|b| match b {
                    Block::Note(n) => ViewBlock { note: Some(n.clone()), table: None, chart: None },
                    Block::Figures(f) => {
                        ViewBlock { note: None, table: Some(f.flat().readable()), chart: None }
                    }
                    Block::Counts { table, chart: c } => ViewBlock {
                        note: None,
                        table: Some(table.flat(report.percent_decimals).readable()),
                        chart: c
                            .as_ref()
                            .map(|c| chart::svg(c, &format!("chart-{}", table.key)))
                            .filter(|s| !s.is_empty()),
                    },
                })
                .collect(),
        })
        .collect()
}

/// A standalone HTML file of the report: the same body as the page, the service's styles inline,
/// no navigation, no scripts (for `cdop reports annual --format html`).
pub fn standalone(report: &Report) -> Result<String, askama::Error> {
    #[derive(Template)]
    #[template(path = "reports/report_file.html")]
    struct FileTemplate<'a> {
        report: &'a Report,
        published: bool,
        sections: Vec<ViewSection>,
        css: &'static str,
    }
    FileTemplate {
        report,
        published: report.mode != Mode::Internal,
        sections: view(report),
        css: crate::documents::stylesheet(),
    }
    .render()
}

/// The report in one of the file formats, as bytes.
pub fn file(report: &Report, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Html => standalone(report).map(String::into_bytes)?,
        Format::Csv => csv_zip(report)?,
        Format::Xlsx => xlsx(report)?,
        Format::Pdf => super::pdf::render(report)?,
    })
}

/// The file formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    /// One CSV file per table, zipped.
    Csv,
    Xlsx,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    /// The name `parse` reads back.
    pub fn code(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Csv => "zip",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Csv => "application/zip",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }
}

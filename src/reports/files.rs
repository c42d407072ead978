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
    let count = Format::new().set_num_format("#,##0");
    let count_bold = Format::new().set_num_format("#,##0").set_bold();
    let share = Format::new().set_num_format("0.0%");
    let share_bold = Format::new().set_num_format("0.0%").set_bold();
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
        "Each sheet is one table; its first lines name the counting basis and the denominator.",
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
        for c in 1..t.headings.len() {
            sheet.set_column_width(c as u16, 16)?;
        }
        sheet.write_string_with_format(0, 0, &t.title, &title)?;
        sheet.write_string(1, 0, format!("Basis: {}", t.basis))?;
        sheet.write_string(2, 0, format!("Denominator: {}", t.denominator))?;
        sheet.write_string(3, 0, &report.mode_words)?;
        for (c, h) in t.headings.iter().enumerate() {
            sheet.write_string_with_format(5, c as u16, h, &heading)?;
        }
        let mut r = 6u32;
        for (line, is_total) in t.rows.iter().map(|l| (l, false)).chain(t.total.iter().map(|l| (l, true))) {
            for (c, cell) in line.iter().enumerate() {
                let c = c as u16;
                let (num, pct) = (
                    if is_total { &count_bold } else { &count },
                    if is_total { &share_bold } else { &share },
                );
                if c == 0 {
                    if is_total {
                        sheet.write_string_with_format(r, c, cell, &bold)?;
                    } else {
                        sheet.write_string(r, c, cell)?;
                    }
                } else if let Ok(v) = cell.parse::<u64>() {
                    sheet.write_number_with_format(r, c, v as f64, num)?;
                } else if let Some(p) = cell.strip_suffix('%').and_then(|p| p.parse::<f64>().ok()) {
                    sheet.write_number_with_format(r, c, (p * 10.0).round() / 1000.0, pct)?;
                } else {
                    sheet.write_string(r, c, cell)?;
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
                    Block::Figures(f) => ViewBlock { note: None, table: Some(f.flat()), chart: None },
                    Block::Counts { table, chart: c } => ViewBlock {
                        note: None,
                        table: Some(table.flat()),
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

//! Report files for download: the CSV files of a report, one per table, zipped with a note of
//! the mode and the counting bases. The zip carries fixed timestamps, so one report gives the
//! same bytes each time.

use std::io::Write;

use zip::write::SimpleFileOptions;

use super::annual::Report;
use super::csv;

/// The file name stem for a report: `cdop-annual-2025-26-published`.
pub fn stem(report: &Report) -> String {
    let mode = if report.mode == super::table::Mode::Internal { "internal" } else { "published" };
    format!("cdop-annual-{}-{mode}", report.year.replace('/', "-"))
}

/// Every table of the report as a CSV file, numbered in report order, in one zip.
pub fn csv_zip(report: &Report) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut readme = csv::row(&[&report.title]);
    readme.push_str(&csv::row(&[&format!("Areas: {}", report.areas)]));
    readme.push_str(&csv::row(&[&report.mode_words]));
    readme.push_str(&csv::row(&[&format!("Generated on {}", report.generated_on)]));
    readme.push_str(&csv::row(&[
        "Each file is one table. Its first lines name the counting basis and the denominator.",
    ]));
    zip.start_file("00-about.csv", options).map_err(std::io::Error::other)?;
    zip.write_all(readme.as_bytes())?;
    for (n, flat) in report.flats().iter().enumerate() {
        zip.start_file(format!("{:02}-{}.csv", n + 1, flat.key), options).map_err(std::io::Error::other)?;
        zip.write_all(csv::table(flat, &report.mode_words).as_bytes())?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

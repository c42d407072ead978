//! PDF rendering with typst used as a library.
//!
//! Each [`Template`] is a typst file embedded in the binary at build time
//! (`templates/pdf/*.typ`), sharing `templates/pdf/common.typ`. The data for a
//! render is handed to typst as a JSON string in `sys.inputs.data`; templates
//! decode it with `json(bytes(sys.inputs.data))` and only ever place strings
//! into the document as values, so user text is never interpreted as markup.
//!
//! The typst "world" is sealed: it serves only the embedded templates and the
//! fonts bundled in `typst-assets` (no file system, no network, no packages,
//! no clock), so a template cannot read anything else on the server.
//!
//! Rendering is synchronous and CPU-bound (roughly 5–50 ms per document); call
//! it from `tokio::task::spawn_blocking` in async code.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, Duration, IntoValue};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

/// The documents this module can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// Anonymised case pack for panel members.
    Pack,
    /// Learning briefing for partner agencies.
    Briefing,
    /// Annual report (internal or published).
    Report,
    /// Certificate of destruction of a case's identifying data.
    Certificate,
}

impl Template {
    /// The template's file name inside the in-memory world.
    fn file_name(self) -> &'static str {
        match self {
            Template::Pack => "pack.typ",
            Template::Briefing => "briefing.typ",
            Template::Report => "report.typ",
            Template::Certificate => "certificate.typ",
        }
    }
}

/// Why a render failed. Messages never contain the rendered data.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The template could not be evaluated or laid out, usually because the
    /// data is missing a key or has the wrong shape. Contains typst's
    /// diagnostic messages with template file and line, never source text.
    #[error("the PDF template failed: {0}")]
    Compile(String),
    /// The laid-out document could not be written as PDF.
    #[error("the PDF could not be written: {0}")]
    Export(String),
    /// typst panicked (a bug in typst); the panic was contained.
    #[error("the PDF renderer failed")]
    Panicked,
}

/// Every typst file the world can serve: (file name, embedded text).
/// Add new templates here and in [`Template::file_name`].
const FILES: &[(&str, &str)] = &[
    ("common.typ", include_str!("../../templates/pdf/common.typ")),
    ("pack.typ", include_str!("../../templates/pdf/pack.typ")),
    ("briefing.typ", include_str!("../../templates/pdf/briefing.typ")),
    ("report.typ", include_str!("../../templates/pdf/report.typ")),
    ("certificate.typ", include_str!("../../templates/pdf/certificate.typ")),
];

/// The file id of an embedded file. typst interns ids in a process-global
/// table, so the same path always yields the same id (no leak per render).
fn file_id(name: &str) -> FileId {
    // Names are compile-time constants (not data); the tests cover them all.
    let vpath = VirtualPath::new(format!("/{name}")).expect("template names are valid paths");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// The parsed sources, built once. `Source` is a cheap reference-counted
/// handle, and reusing it lets typst's caches recognise unchanged files.
fn sources() -> &'static [(Source, &'static str)] {
    static SOURCES: OnceLock<Vec<(Source, &'static str)>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let source =
            |&(name, text): &(&str, &'static str)| (Source::new(file_id(name), text.to_owned()), text);
        FILES.iter().map(source).collect()
    })
}

/// The bundled fonts (Libertinus Serif, New Computer Modern, DejaVu Sans
/// Mono), parsed once for the life of the process.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Fonts { book, fonts }
    })
}

/// The in-memory world for one render.
struct PdfWorld {
    library: LazyHash<Library>,
    main: FileId,
}

impl World for PdfWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        let found = sources().iter().find(|(source, _)| source.id() == id);
        found.map(|(source, _)| source.clone()).ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let found = sources().iter().find(|(source, _)| source.id() == id);
        found.map(|&(_, text)| Bytes::from_string(text)).ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None // Dates come from the data; keeps output reproducible.
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.vpath().get_with_slash()))
}

/// Render `template` with `data` to PDF bytes.
///
/// The output is a tagged PDF conforming to PDF/UA-1 where possible (see
/// [`export`]). Errors never include any part of `data`.
pub fn render(template: Template, data: &serde_json::Value) -> Result<Vec<u8>, PdfError> {
    // Serialising a `Value` cannot fail in practice (its keys are strings).
    let json = serde_json::to_string(data)
        .map_err(|_| PdfError::Compile("the data could not be serialised".into()))?;
    // A typst panic must not take down the request handler. The world holds
    // no state that a panic could leave half-updated, so unwinding is safe.
    // Note the process panic hook still prints the panic message to stderr.
    let result = catch_unwind(AssertUnwindSafe(|| render_inner(template, json)));
    // Drop cache entries unused for 10 renders so memory stays bounded.
    typst::comemo::evict(10);
    result.unwrap_or(Err(PdfError::Panicked))
}

fn render_inner(template: Template, json: String) -> Result<Vec<u8>, PdfError> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), json.into_value());
    let world = PdfWorld {
        library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
        main: file_id(template.file_name()),
    };
    // Warnings (e.g. unused font fallback) are ignored.
    let document: PagedDocument =
        typst::compile(&world).output.map_err(|diags| PdfError::Compile(describe(&world, &diags)))?;
    export(&document)
}

/// Write the document as PDF/UA-1 (tagged, with title, language, heading
/// hierarchy and table header scopes checked by typst's validator).
///
/// If UA-1 validation fails we fall back to an ordinary tagged PDF, which has
/// the same structure tree but is not checked. This happens for content the
/// templates cannot control, chiefly user text with characters the bundled
/// fonts lack (emoji, CJK…): UA-1 forbids ".notdef" glyphs. Failing the whole
/// render over that would be worse for the reader than a slightly
/// non-conforming file. The UA-1 diagnostics are discarded because they can
/// quote the offending text, which is sensitive data.
fn export(document: &PagedDocument) -> Result<Vec<u8>, PdfError> {
    let standards =
        PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|err| PdfError::Export(err.message().to_string()))?;
    let ua = PdfOptions { standards, ..PdfOptions::default() };
    match typst_pdf::pdf(document, &ua) {
        Ok(bytes) => Ok(bytes),
        // `PdfOptions::default()` is tagged PDF without a conformance target.
        Err(_) => {
            tracing::warn!(
                "a PDF could not meet PDF/UA-1 (characters the bundled fonts lack); written as tagged PDF"
            );
            typst_pdf::pdf(document, &PdfOptions::default())
                .map_err(|diags| PdfError::Export(messages(&diags)))
        }
    }
}

/// Diagnostics as "file:line: message" lines. Only the message and the
/// template position are used: never the source snippet nor the hints.
fn describe(world: &PdfWorld, diags: &[SourceDiagnostic]) -> String {
    let line = |d: &SourceDiagnostic| {
        let id = d.span.id()?;
        let start = world.range(d.span)?.start;
        let source = world.source(id).ok()?;
        let line = source.lines().byte_to_line(start)? + 1;
        Some(format!("{}:{line}: ", id.vpath().get_without_slash()))
    };
    let each = diags.iter().map(|d| format!("{}{}", line(d).unwrap_or_default(), d.message));
    each.collect::<Vec<_>>().join("; ")
}

/// Diagnostic messages without positions (for export errors).
fn messages(diags: &[SourceDiagnostic]) -> String {
    diags.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; ")
}

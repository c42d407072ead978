//! Report tables as computed (true counts with their basis and denominator) and as shown, in
//! internal mode (true counts) or published mode (small numbers suppressed across the whole
//! report by [`super::disclosure`], percentages derived after suppression and hidden when built
//! on a hidden figure). Pure: renderers (HTML, CSV, XLSX, PDF) all read the shown form, so every
//! output of one run carries the same figures.

use super::disclosure::{self, Context, Fixed, Grid, Hidden, Rule, names};

/// Which cases a table counts (`reporting.md` §2): never derived from one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Deaths notified in the reporting year.
    Notified,
    /// Reviews completed (signed off) in the reporting year.
    Reviewed,
    /// Reviews completed in a thematic report's window of reporting years.
    ReviewedInPeriod,
    /// Reviewed deaths that happened in a thematic report's window (by the coded month of death).
    DiedInPeriod,
    /// The panel's own activity in the year (meetings), not a count of children.
    Activity,
}

impl Basis {
    pub fn words(self) -> &'static str {
        match self {
            Basis::Notified => "Deaths notified in the year",
            Basis::Reviewed => "Reviews completed in the year (by sign-off date)",
            Basis::ReviewedInPeriod => "Reviews completed in the period (by sign-off date)",
            Basis::Activity => "The panel's activity in the year",
            Basis::DiedInPeriod => {
                "Deaths in the period (by month of death), counted once their review is completed"
            }
        }
    }
}

/// What a table's percentage column is a share of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Percent {
    None,
    /// Each row's total as a share of the table's total.
    OfTotal,
    /// Each row's total as a share of a count shown elsewhere in the report (the cohort, for
    /// tables where a case can count in several rows), by its name (without the areas) and
    /// value: hidden when that count is.
    Of(String, u64),
    /// The sum of some columns as a share of the sum of others, per row: the modifiable share
    /// (identified) over the reviews with enough information (identified + none identified).
    Columns {
        numerator: Vec<usize>,
        denominator: Vec<usize>,
    },
}

/// A table as computed: rows × columns of true counts. Rows and columns have a key (for the
/// totals shared between tables: `category=infection`) and a label.
#[derive(Debug, Clone)]
pub struct Table {
    /// A short stable name (`notified-age`): file names in exports, anchors in the page.
    pub key: String,
    pub title: String,
    pub basis: Basis,
    /// The exact set of cases counted (`notified 2025`, `reviewed 2025`): tables over the same
    /// cohort share their totals, so suppression protects them together. Tables whose rows a case
    /// can appear in more than once need a cohort of their own.
    pub cohort: String,
    /// What the percentages and the table are taken over, in words.
    pub denominator: String,
    /// The dimension of the rows and columns (`category`, `age`): totals are named `dim=key`.
    pub row_dimension: String,
    pub column_dimension: String,
    /// The heading of the rows' column; empty for one made from the row dimension's name.
    pub row_heading: String,
    pub rows: Vec<(String, String)>,
    pub columns: Vec<(String, String)>,
    pub counts: Vec<Vec<u64>>,
    pub percent: Percent,
    /// The heading of the percentage column.
    pub percent_label: String,
    /// A case can count in several rows (factors, themes): the rows do not add up to a total.
    pub multi_valued: bool,
    /// Notes printed under the table (direction of a scale, what is left out).
    pub notes: Vec<String>,
    /// Rows whose total is a figure of another cohort, by that figure's name (`notified:2025|all`
    /// for 2025's row of a trend table); empty or `None` for the table's own names.
    pub shared_rows: Vec<Option<String>>,
    /// Canonical names where the rows and columns do not say them (see [`Names`]).
    pub names: Names,
    /// A thematic report's filter as dimensions (`category={suicide}`), added to every figure's
    /// name (intersected with a row's own value of the same dimension).
    pub filter_dims: Vec<(String, Vec<String>)>,
    /// The heading of a column giving each row's total as a share of the table's total (`% of
    /// reviews`), beside the table's own percentage; empty for none.
    pub share_label: String,
    /// Rows shown after the table's own, each the sum of some of them (`Under 1 year`: the two
    /// bands under one year): (label, the rows summed). Worked out from the figures as shown, so
    /// a subtotal over a hidden figure is hidden, and never a figure suppression must protect.
    pub subtotals: Vec<(String, Vec<usize>)>,
}

/// Names given explicitly, for tables whose layout is not the dimensions they count: deprivation
/// deciles laid out as quintile rows and odd/even columns, data completeness as sets of codes,
/// ethnic groups as their codes. Each entry is either dimensions alone (`ethnicity={A,B,C}`,
/// joined to the table's cohort and filter), or `population|dims` (a figure of another
/// population, such as a trend's single year), or a whole name starting `a:` (another area's).
/// Empty vectors: the default names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    pub cells: Vec<Vec<String>>,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
}

/// Internal (true counts; staff only) or published (suppressed under a rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Internal,
    Published(Rule),
}

impl Mode {
    pub fn words(&self) -> String {
        match self {
            Mode::Internal => "Internal: true counts, not for publication.".into(),
            Mode::Published(rule) => format!("Published: {}", rule.words()),
        }
    }
}

/// A figure as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    Suppressed,
}

impl Shown {
    pub fn text(&self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Suppressed => "*".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShownRow {
    pub label: String,
    pub cells: Vec<Shown>,
    pub total: Shown,
    /// The row's share, hidden when built on a hidden figure.
    pub percent: Share,
    /// The row's total as a share of the table's total, when the table has that column.
    pub of_total: Share,
    /// A sum of other rows (see [`Table::subtotals`]), left out of the shares' sum.
    pub subtotal: bool,
}

/// A table as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownTable {
    pub key: String,
    pub title: String,
    pub basis: &'static str,
    pub denominator: String,
    pub columns: Vec<String>,
    pub rows: Vec<ShownRow>,
    pub column_totals: Vec<Shown>,
    pub total: Shown,
    pub percent_label: String,
    /// The heading of the column of rows' shares of the total (see [`Table::share_label`]).
    pub share_label: String,
    /// The total row's percentage (the overall modifiable share, for instance).
    pub total_percent: Share,
    /// The rows' shares are of the table's total, so they should add up to 100%.
    pub shares_of_total: bool,
    pub multi_valued: bool,
    pub notes: Vec<String>,
    pub row_heading: String,
    /// Every count printed, by its canonical name (cells, and the totals a renderer prints).
    pub figures: Vec<(String, Shown)>,
    /// A `*` in this table may also stand for 0 (zeros were hidden where a count would
    /// otherwise be fixed).
    pub zeros_hidden: bool,
}

/// A figure's dimensions with the table's filter merged in: a dimension the filter limits is
/// intersected with the figure's own value of it.
fn with_filter(
    mut dims: Vec<(String, Vec<String>)>,
    filter: &[(String, Vec<String>)],
) -> Vec<(String, Vec<String>)> {
    for (k, allowed) in filter {
        match dims.iter_mut().find(|(d, _)| d == k) {
            Some((_, values)) => values.retain(|v| allowed.contains(v)),
            None => dims.push((k.clone(), allowed.clone())),
        }
    }
    dims
}

/// A name under the report's areas, unless it names its own (`a:…|`: a figure of one area in a
/// table of several, such as deaths by area).
fn scoped(scope: &str, name: &str) -> String {
    let full = if name.starts_with("a:") { name.to_string() } else { format!("{scope}{name}") };
    canonical(full)
}

/// Dimensions written as in a name (`a=1&b={x,y}`), read back.
fn parse_dims(text: &str) -> Vec<(String, Vec<String>)> {
    names::Name::parse(&format!("a:0|x:0|{text}")).map(|n| n.dims).unwrap_or_default()
}

/// A name written canonically (sets and dimensions sorted), when it is in the canonical form.
fn canonical(name: String) -> String {
    names::Name::parse(&name).map(|n| n.write()).unwrap_or(name)
}

impl Table {
    /// `cohort|dims` for a figure of this table (without the areas' prefix).
    fn figure(&self, dims: Vec<(String, Vec<String>)>) -> String {
        format!("{}|{}", self.cohort, names::dims_text(&with_filter(dims, &self.filter_dims)))
    }

    /// An explicit name (see [`Names`]) under `scope`.
    fn given(&self, scope: &str, n: &str) -> String {
        if n.contains('|') {
            scoped(scope, n)
        } else {
            canonical(format!("{scope}{}", self.figure(parse_dims(n))))
        }
    }

    fn dim(name: &str, key: &str) -> Vec<(String, Vec<String>)> {
        // A dimension of one value standing for everything (`all`) adds nothing to a name.
        if name == "all" || key == "all" {
            Vec::new()
        } else {
            vec![(name.to_string(), vec![key.to_string()])]
        }
    }

    /// The canonical names of the table's figures, under `scope` (`a:3|`).
    fn grid(&self, scope: &str) -> Grid {
        let rows: Vec<String> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, (k, _))| match (self.names.rows.get(i), self.shared_rows.get(i)) {
                (Some(n), _) => self.given(scope, n),
                (None, Some(Some(name))) => format!("{scope}{name}"),
                _ => canonical(format!("{scope}{}", self.figure(Table::dim(&self.row_dimension, k)))),
            })
            .collect();
        let one_way = self.column_dimension == "all";
        let columns: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (k, _))| match self.names.columns.get(i) {
                Some(n) => self.given(scope, n),
                None => canonical(format!("{scope}{}", self.figure(Table::dim(&self.column_dimension, k)))),
            })
            .collect();
        let cells = self
            .rows
            .iter()
            .enumerate()
            .map(|(r, (rk, _))| {
                self.columns
                    .iter()
                    .enumerate()
                    .map(|(c, (ck, _))| match self.names.cells.get(r).and_then(|row| row.get(c)) {
                        Some(n) => self.given(scope, n),
                        None if one_way => rows[r].clone(),
                        None => {
                            let mut dims = Table::dim(&self.row_dimension, rk);
                            dims.extend(Table::dim(&self.column_dimension, ck));
                            canonical(format!("{scope}{}", self.figure(dims)))
                        }
                    })
                    .collect()
            })
            .collect();
        Grid {
            cells: self.counts.clone(),
            cell_names: cells,
            row_totals: rows,
            column_totals: columns,
            total: canonical(format!("{scope}{}", self.figure(Vec::new()))),
            multi_valued: self.multi_valued,
        }
    }
}

fn percent(part: &Shown, whole: &Shown) -> Share {
    match (part, whole) {
        (Shown::Count(p), Shown::Count(w)) if *w > 0 => Share::Of(*p, *w),
        (Shown::Count(_), Shown::Count(_)) => Share::None,
        _ => Share::Hidden,
    }
}

/// A row's percentage: of the table's total, of a count, or of some of its own columns; "*" when
/// built on a hidden figure.
fn share(how: &Percent, cells: &[Shown], row_total: &Shown, total: &Shown, of: &Shown) -> Share {
    match how {
        Percent::None => Share::None,
        Percent::OfTotal => percent(row_total, total),
        Percent::Of(..) => percent(row_total, of),
        Percent::Columns { numerator, denominator } => {
            let sum = |cols: &[usize]| -> Shown {
                let mut n = 0;
                for c in cols {
                    match cells.get(*c) {
                        Some(Shown::Count(v)) => n += v,
                        _ => return Shown::Suppressed,
                    }
                }
                Shown::Count(n)
            };
            percent(&sum(numerator), &sum(denominator))
        }
    }
}

/// One report's count tables and the areas they count.
pub struct Scoped<'a> {
    pub areas: Vec<i64>,
    pub tables: &'a [Table],
}

/// The `a:…|` prefix of the areas' figures.
pub fn scope_prefix(areas: &[i64]) -> String {
    let mut a = areas.to_vec();
    a.sort_unstable();
    a.dedup();
    format!("a:{}|", a.iter().map(i64::to_string).collect::<Vec<_>>().join("+"))
}

/// The tables of one report as shown in `mode`: in published mode every table is suppressed
/// together, so a figure hidden in one cannot be worked out from another.
pub fn show(tables: &[Table], mode: &Mode) -> Vec<ShownTable> {
    show_joint(&[Scoped { areas: vec![0], tables }], &Context::default(), mode)
        .0
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Several reports' tables shown together: in published mode suppressed as one system (the
/// areas of a year and their combination), against the figures other reports already published
/// (`context`). Returns each report's tables and every figure as published, for the reports
/// that come after.
pub fn show_joint(reports: &[Scoped<'_>], context: &Context, mode: &Mode) -> (Vec<Vec<ShownTable>>, Context) {
    let grids: Vec<Vec<Grid>> = reports
        .iter()
        .map(|r| {
            let prefix = scope_prefix(&r.areas);
            r.tables.iter().map(|t| t.grid(&prefix)).collect()
        })
        .collect();
    let hidden: Option<Hidden> = match mode {
        Mode::Internal => None,
        Mode::Published(rule) => {
            let all: Vec<Grid> = grids.iter().flatten().cloned().collect();
            let hidden = disclosure::suppress(&all, context, rule);
            if !hidden.unprotected.is_empty() {
                tracing::warn!(
                    figures = hidden.unprotected.len(),
                    "published report: hidden figures the suppression could not protect"
                );
            }
            Some(hidden)
        }
    };
    let mut published: Vec<Fixed> = Vec::new();
    let mut index = 0;
    let shown: Vec<Vec<ShownTable>> = reports
        .iter()
        .zip(&grids)
        .map(|(r, gs)| {
            let prefix = scope_prefix(&r.areas);
            r.tables
                .iter()
                .zip(gs)
                .map(|(t, g)| {
                    let mut s = shown_table(t, g, &prefix, hidden.as_ref());
                    s.zeros_hidden = hidden.as_ref().is_some_and(|h| h.zeros_hidden.contains(&index));
                    if s.zeros_hidden {
                        s.notes.push(ZEROS_NOTE.into());
                    }
                    index += 1;
                    published.extend(s.figures.iter().map(|(name, shown)| Fixed {
                        name: name.clone(),
                        value: figure_value(t, g, name),
                        hidden: *shown == Shown::Suppressed,
                        may_be_zero: s.zeros_hidden,
                    }));
                    s
                })
                .collect()
        })
        .collect();
    // A figure may be 0 to a reader only where every table printing it says so.
    published.sort_by(|a, b| a.name.cmp(&b.name));
    let mut merged: Vec<Fixed> = Vec::new();
    for f in published {
        match merged.last_mut() {
            Some(last) if last.name == f.name => last.may_be_zero &= f.may_be_zero,
            _ => merged.push(f),
        }
    }
    let mut sums: Vec<(Vec<String>, String)> = grids.iter().flatten().flat_map(Grid::sums).collect();
    sums.sort();
    sums.dedup();
    (shown, Context { figures: merged, sums })
}

/// Said under a table in which zeros were hidden too.
pub const ZEROS_NOTE: &str = "In this table * also hides some zeros: with so few cases, a zero shown beside the hidden counts would let them be worked out.";

/// The true value of a figure of table `t` by its name.
fn figure_value(t: &Table, g: &Grid, name: &str) -> u64 {
    for (r, row) in g.cell_names.iter().enumerate() {
        for (c, n) in row.iter().enumerate() {
            if n == name {
                return t.counts.get(r).and_then(|row| row.get(c)).copied().unwrap_or(0);
            }
        }
    }
    if let Some(r) = g.row_totals.iter().position(|n| n == name) {
        return t.counts.get(r).map(|row| row.iter().sum()).unwrap_or(0);
    }
    if let Some(c) = g.column_totals.iter().position(|n| n == name) {
        return t.counts.iter().map(|row| row.get(c).copied().unwrap_or(0)).sum();
    }
    t.counts.iter().flatten().sum()
}

fn shown_table(t: &Table, g: &Grid, prefix: &str, hidden: Option<&Hidden>) -> ShownTable {
    let is_hidden = |name: &str| hidden.is_some_and(|h| h.is_hidden(name));
    let figure = |n: u64, name: &str| if is_hidden(name) { Shown::Suppressed } else { Shown::Count(n) };
    let grand: u64 = t.counts.iter().flatten().sum();
    let total = figure(grand, &g.total);
    let of = match &t.percent {
        Percent::Of(name, n) => figure(*n, &format!("{prefix}{name}")),
        _ => Shown::Suppressed,
    };
    let several = t.columns.len() > 1;
    let mut figures: Vec<(String, Shown)> = Vec::new();
    let rows = t
        .rows
        .iter()
        .enumerate()
        .map(|(r, (_, label))| {
            let counts = t.counts.get(r).cloned().unwrap_or_default();
            let cells: Vec<Shown> = counts
                .iter()
                .enumerate()
                .map(|(c, n)| {
                    let name = g.cell_names.get(r).and_then(|row| row.get(c)).cloned().unwrap_or_default();
                    let shown = figure(*n, &name);
                    figures.push((name, shown));
                    shown
                })
                .collect();
            let row_total = figure(counts.iter().sum(), &g.row_totals[r]);
            if several && !t.multi_valued {
                figures.push((g.row_totals[r].clone(), row_total));
            }
            let share = share(&t.percent, &cells, &row_total, &total, &of);
            let of_total = if t.share_label.is_empty() { Share::None } else { percent(&row_total, &total) };
            ShownRow {
                label: label.clone(),
                cells,
                total: row_total,
                percent: share,
                of_total,
                subtotal: false,
            }
        })
        .collect::<Vec<ShownRow>>();
    let mut rows = rows;
    for (label, summed) in &t.subtotals {
        let add = |a: Shown, b: Shown| match (a, b) {
            (Shown::Count(x), Shown::Count(y)) => Shown::Count(x + y),
            _ => Shown::Suppressed,
        };
        let parts: Vec<&ShownRow> = summed.iter().filter_map(|r| rows.get(*r)).collect();
        let cells: Vec<Shown> = (0..t.columns.len())
            .map(|c| {
                parts.iter().fold(Shown::Count(0), |acc, r| {
                    add(acc, r.cells.get(c).copied().unwrap_or(Shown::Suppressed))
                })
            })
            .collect();
        let row_total = parts.iter().fold(Shown::Count(0), |acc, r| add(acc, r.total));
        rows.push(ShownRow {
            label: label.clone(),
            percent: share(&t.percent, &cells, &row_total, &total, &of),
            of_total: if t.share_label.is_empty() { Share::None } else { percent(&row_total, &total) },
            cells,
            total: row_total,
            subtotal: true,
        });
    }
    let column_totals: Vec<Shown> = (0..t.columns.len())
        .map(|c| {
            let n = t.counts.iter().map(|r| r.get(c).copied().unwrap_or(0)).sum();
            figure(n, &g.column_totals[c])
        })
        .collect();
    if !t.multi_valued {
        if several {
            figures.extend(g.column_totals.iter().cloned().zip(column_totals.iter().copied()));
        }
        figures.push((g.total.clone(), total));
    }
    let total_percent = share(&t.percent, &column_totals, &total, &total, &of);
    ShownTable {
        key: t.key.clone(),
        title: t.title.clone(),
        basis: t.basis.words(),
        denominator: t.denominator.clone(),
        columns: t.columns.iter().map(|(_, l)| l.clone()).collect(),
        rows,
        column_totals,
        total,
        percent_label: t.percent_label.clone(),
        share_label: t.share_label.clone(),
        total_percent,
        shares_of_total: t.percent == Percent::OfTotal && !t.multi_valued,
        multi_valued: t.multi_valued,
        notes: t.notes.clone(),
        row_heading: t.row_heading(),
        figures,
        zeros_hidden: false,
    }
}

impl Table {
    /// A one-column table of counts by `dimension`, rows in the order given (zeros kept).
    pub fn one_way(
        key: &str,
        title: &str,
        basis: Basis,
        cohort: &str,
        dimension: &str,
        rows: Vec<(String, String, u64)>,
    ) -> Table {
        Table {
            key: key.into(),
            title: title.into(),
            basis,
            cohort: cohort.into(),
            denominator: String::new(),
            row_dimension: dimension.into(),
            column_dimension: "all".into(),
            row_heading: String::new(),
            columns: vec![("all".into(), "Number".into())],
            counts: rows.iter().map(|(_, _, n)| vec![*n]).collect(),
            rows: rows.into_iter().map(|(k, l, _)| (k, l)).collect(),
            percent: Percent::OfTotal,
            percent_label: "Percentage".into(),
            multi_valued: false,
            notes: Vec::new(),
            shared_rows: Vec::new(),
            names: Names::default(),
            filter_dims: Vec::new(),
            share_label: String::new(),
            subtotals: Vec::new(),
        }
    }

    /// The heading of the rows' column: as given, or from the row dimension's name.
    fn row_heading(&self) -> String {
        if !self.row_heading.is_empty() {
            return self.row_heading.clone();
        }
        let mut words = self.row_dimension.replace(['_', '-'], " ");
        if let Some(first) = words.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        words
    }
}

mod flat;
pub use flat::{Flat, Share, percent_text};

#[cfg(test)]
mod tests;

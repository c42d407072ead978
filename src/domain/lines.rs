//! A problem found on one line and column of a file someone imports (population estimates,
//! historical reviews), reported so it can be found and fixed in the spreadsheet.

/// A problem with a file, by line (1 = the header) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.reason)
    }
}

pub fn problem(line: u64, column: &str, reason: impl Into<String>) -> Problem {
    Problem { line, column: column.into(), reason: reason.into() }
}

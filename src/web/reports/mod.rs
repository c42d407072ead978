//! Report pages: the annual report in internal or published mode, with its downloads.

pub mod annual;

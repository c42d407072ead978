//! Report pages: the annual report and the thematic reports, in internal or published mode, with
//! their downloads.

pub mod annual;
pub mod custom;
pub mod exports;
pub mod thematic;

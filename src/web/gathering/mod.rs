//! Information gathering pages: requesting forms (staff), the agency's emailed link, completing
//! forms page by page, and the Outstanding information page.

pub mod link;
pub mod outstanding;
pub mod request;
pub mod requests;
pub mod respond;
pub mod tasks;

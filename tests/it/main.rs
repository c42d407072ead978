//! One integration-test binary (faster to link than one per file).

#[path = "../common/mod.rs"]
mod common;

mod access;
mod access_review;
mod actions;
mod anonymity;
mod architecture;
mod audit;
mod auth;
mod background_exports;
mod briefings;
mod browser;
mod browser_anonymity;
mod browser_daily;
mod browser_reports;
mod browser_retention;
mod browser_review;
mod browser_sso;
mod cases;
mod casework;
mod cli;
mod daily;
mod demo;
mod export;
mod foundation;
mod gathering;
mod hostile;
mod import;
mod instances;
mod intake;
mod keys;
mod limits;
mod mail;
mod openapi;
mod report_breakdowns;
mod report_surfaces;
mod reports;
mod retention;
mod review;
mod review_api;
mod server;
mod sso;

//! cdop: case management for a Child Death Overview Panel.
//!
//! A request flows one way: `web` parses input into `domain` types → `domain` decides →
//! `store` writes in one transaction → `web` renders. The domain never imports web or store.

pub mod accounts;
pub mod anonymity;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod crypto;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod exports;
pub mod forms;
pub mod gathering;
pub mod historical;
pub mod input;
pub mod intake;
pub mod jobs;
pub mod key_rotation;
pub mod mail;
pub mod metrics;
pub mod net;
pub mod reports;
pub mod responses;
pub mod retention;
pub mod review;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod words;
pub mod work;
pub mod workflow;

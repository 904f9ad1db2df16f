//! The integration tests, built as one binary so that the crate is linked into tests once.
//! Each module is one area; `common` holds what they share. One area runs with
//! `cargo test --test it <area>::`, one test with `cargo test --test it <area>::<name>`.

mod common;

mod axhub;
mod ci_templates;
mod diagnostics;
mod export;
mod failures;
mod faults;
mod following;
mod github;
mod gitlab;
mod hostile_input;
mod interrupt;
mod lifecycle;
mod ncp_lookups;
mod nhn;
mod properties;
mod prune;
mod quickstart;
mod sandbox_process;
mod schemas;
mod secrets;
mod workflow;

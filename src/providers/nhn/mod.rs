//! NHN Cloud Deploy (API v2.1): binaries uploaded to binary groups, and releases of a binary
//! version to a server group. Artifacts, server groups and binary groups are looked up by
//! name and never created or deleted.

mod attributes;
pub mod client;
pub mod config;
pub mod deploy;
pub mod emulator;
mod errors;
pub mod execute;
pub mod fetch;
pub mod lower;
pub mod manifest;
pub mod provider;
mod remote;
mod resolve;
pub mod wire;

//! Emulator tests over real HTTP: a sandbox on a free port, the demo token.

mod auth;
mod deployments;
mod enterprise;
mod environments;
mod lookups;
mod paging;
mod persistence;
mod secrets;
mod statuses;

//! Emulator tests over real HTTP: a sandbox on a free port, the demo token.

mod approvals;
mod auth;
mod deployments;
mod environments;
mod lookups;
mod paging;
mod persistence;
mod protected;

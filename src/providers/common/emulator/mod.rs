//! What every emulator is built from, whatever API it imitates: one clock, the state
//! document behind one lock that the sandbox saves and loads ([`store`]), and the test
//! controls that decide how deployments end ([`outcome`]), and the URLs answers point at
//! ([`web`]). Routes, wire formats and the
//! state's shape stay in each emulator's folder.

pub mod limits;
pub mod outcome;
pub mod store;
pub mod web;

pub use limits::{Exceeded, LimitSettings, RateLimits};
pub use outcome::Outcome;
pub use store::{Document, StateCell, lock};

/// The emulators' clock, epoch milliseconds. Deployment statuses are derived from it when
/// read, so every emulated timestamp and status comes from this one clock.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The SHA-256 of `secret`, lower-case hex: how emulators keep the tokens they issue, so no
/// token is ever written in clear to a state file or its log.
pub fn sha256_hex(secret: &str) -> String {
    crate::digest::sha256_hex(secret)
}

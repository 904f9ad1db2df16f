//! The provider against the emulator over HTTP: plan, apply, a converged re-plan, and the
//! record that follows a release.

mod enterprise;
mod faults;
mod linked;
mod roundtrip;

//! The gate: a second lock held only around each access to the holder record, so that
//! taking the apply lock and writing the record are one step as readers see them (see the
//! module note of [`super`]).

use std::fs::File;
use std::path::{Path, PathBuf};

/// How the record is accessed under the gate.
#[derive(Clone, Copy)]
pub(super) enum Access {
    Read,
    Write,
}

/// `apply-<env>.gate` beside `apply-<env>.lock`.
pub(super) fn gate_path(lock: &Path) -> PathBuf {
    lock.with_extension("gate")
}

/// Runs `access` while holding the gate: exclusively to take the lock or change the record,
/// shared to read it. The gate is held for one file access, so waiting on it is brief; the
/// OS releases it if the process dies meanwhile.
pub(super) fn with_gate<T>(
    gate: &Path,
    mode: Access,
    access: impl FnOnce() -> std::io::Result<T>,
) -> std::io::Result<T> {
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(gate)?;
    match mode {
        Access::Read => file.lock_shared()?,
        Access::Write => file.lock()?,
    }
    let result = access();
    let _ = file.unlock();
    result
}

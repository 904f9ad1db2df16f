//! The local apply lock: two `apply` runs of the same (manifest, environment) on one machine
//! never interleave. The second waits (`--lock-timeout`) or fails naming the holder.
//!
//! Design note. The lock is the operating system's advisory lock on an open file
//! (`File::try_lock`: `flock` on Unix, `LockFileEx` on Windows), not the existence of a file.
//! The OS drops it on every exit path — normal return, panic, crash, `SIGKILL` — so a lock
//! can never be left stuck and there is no "force unlock" to get wrong. The lock file itself
//! is never deleted: a process waiting on the old inode while a third one creates a new file
//! would make two holders. Instead the holder writes a JSON [`LockHolder`] record into the
//! file while it holds the lock and truncates it on release; a record found by the next
//! holder therefore belongs to a process that died holding the lock (a *stale* record), which
//! is reported, never trusted. Across CI runners (different machines) this lock cannot help:
//! the CI templates serialise applies with the CI system's own concurrency control.
//!
//! Taking the lock and writing the record are two steps, and a process that finds the lock
//! held reads the record at once: between the steps it would find no record, or the record
//! of a dead holder the winner is about to replace. So every access to the record — the
//! winner's take-and-write, every rewrite and the release, every reader — happens under a
//! second lock, the *gate* (`apply-<env>.gate` beside the lock file), held only for that
//! access. A reader that holds the gate sees either no holder or the holder's whole record.

use std::fmt::Write as _;
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod gate;
use gate::{Access, gate_path, with_gate};

/// How often a waiting `acquire` retries.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// A holder record is a few hundred bytes; never read more than this from a lock file.
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// Who holds (or last held) a lock; written as JSON into the lock file while held.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    /// RFC 3339 time the lock was taken.
    pub started_at: String,
    /// The command line that took it, e.g. `deployplan apply --env production`.
    pub command: String,
    pub environment: Option<String>,
    /// The manifest path, canonicalised when possible.
    pub manifest: String,
    /// The run journal of the apply, once it has one: what a holder that died was doing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<PathBuf>,
}

/// What is locked: the manifest path (canonicalised when possible) and the environment.
pub struct LockScope<'a> {
    pub manifest: &'a Path,
    pub environment: Option<&'a str>,
}

impl LockScope<'_> {
    fn environment_name(&self) -> &str {
        self.environment.unwrap_or("default")
    }
}

/// A held lock; released on drop (and by the OS if the process dies).
#[derive(Debug)]
pub struct ApplyLock {
    file: File,
    path: PathBuf,
    /// Held around every access to the record (see the module note).
    gate: PathBuf,
    holder: LockHolder,
    stale: Option<LockHolder>,
    /// This apply reached a state that supersedes a dead holder's (it started applying, or
    /// found nothing to change); until then its release puts the dead holder's record back,
    /// so a run that fails early does not erase the only trace of an interrupted apply.
    settled: bool,
}

impl ApplyLock {
    /// Lock file: `<state_dir>/locks/apply-<environment or "default">.lock`. The state
    /// directory beside the manifest stands for the manifest: a file, its directory, and any
    /// other spelling of either share it, so they share the lock (a manifest path in the name
    /// would let `apply dir` and `apply dir/deployplan.yaml` run at once). Characters of the
    /// environment name that are not safe in a file name become `_` (a collision only
    /// serialises more, never less).
    pub fn path_for(state_dir: &Path, scope: &LockScope<'_>) -> PathBuf {
        let environment: String = scope
            .environment_name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        state_dir
            .join("locks")
            .join(format!("apply-{environment}.lock"))
    }

    /// Takes the lock, polling every 200 ms until `timeout` (`Duration::ZERO` = try once).
    /// `on_wait` is called once, with the current holder (if readable), when the first attempt
    /// finds the lock held and there is time left to wait, so the CLI can print "waiting
    /// for …". Blocks the calling thread while it waits.
    #[expect(
        clippy::result_large_err,
        reason = "called once per apply; `Held` carries the holder record inline for the message"
    )]
    pub fn acquire(
        state_dir: &Path,
        scope: &LockScope<'_>,
        command: &str,
        timeout: Duration,
        on_wait: &mut dyn FnMut(Option<&LockHolder>),
    ) -> Result<ApplyLock, LockError> {
        let path = Self::path_for(state_dir, scope);
        let io_error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_error)?;
        }
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error)?;
        let gate = gate_path(&path);
        let started = Instant::now();
        let mut announced = false;
        let (holder, stale) = loop {
            let attempt = with_gate(&gate, Access::Write, || match file.try_lock() {
                Ok(()) => {
                    // Held from here on: whatever record is in the file was left by a holder
                    // that died. The new record is written before the gate opens again.
                    let stale = read_record(&file);
                    let holder = LockHolder {
                        pid: std::process::id(),
                        host: host_name(),
                        started_at: now_to_the_second().to_string(),
                        command: command.to_owned(),
                        environment: scope.environment.map(str::to_owned),
                        manifest: canonical_manifest(scope.manifest).display().to_string(),
                        journal: None,
                    };
                    write_record(&file, &holder)?;
                    Ok(Ok((holder, stale)))
                }
                Err(TryLockError::WouldBlock) => Ok(Err(read_record(&file))),
                Err(TryLockError::Error(source)) => Err(source),
            })
            .map_err(io_error)?;
            let current = match attempt {
                Ok(taken) => break taken,
                Err(current) => current,
            };
            let waited = started.elapsed();
            if waited >= timeout {
                return Err(LockError::Held {
                    holder: current,
                    path,
                    waited: if timeout.is_zero() {
                        Duration::ZERO
                    } else {
                        waited
                    },
                    environment: scope.environment_name().to_owned(),
                });
            }
            if !announced {
                announced = true;
                on_wait(current.as_ref());
            }
            std::thread::sleep(POLL_INTERVAL.min(timeout - waited));
        };
        Ok(ApplyLock {
            file,
            path,
            gate,
            holder,
            stale,
            settled: false,
        })
    }

    /// The record found in the lock file of `scope`, without taking the lock: the holder of
    /// an apply running now, or one that died holding it. `None` when the last apply
    /// released it (or none ran). For `plan`, which never locks but should say so.
    pub fn peek(state_dir: &Path, scope: &LockScope<'_>) -> Option<LockHolder> {
        let path = Self::path_for(state_dir, scope);
        let file = File::open(&path).ok()?;
        // A state folder this process cannot write still has a readable record: read it
        // without the gate rather than not at all.
        with_gate(&gate_path(&path), Access::Read, || Ok(read_record(&file)))
            .unwrap_or_else(|_| read_record(&file))
    }

    /// Adds the run journal to the holder record, so that if this process dies the next
    /// one can tell what was in flight.
    pub fn record_journal(&mut self, journal: &Path) -> std::io::Result<()> {
        self.holder.journal = Some(std::path::absolute(journal)?);
        self.settled = true;
        with_gate(&self.gate, Access::Write, || {
            write_record(&self.file, &self.holder)
        })
    }

    /// Marks the remote as looked after (e.g. a plan with no changes): release then leaves
    /// no record, even if a dead holder's was found.
    pub fn settle(&mut self) {
        self.settled = true;
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When the file held a record from a previous holder that is gone (its process died
    /// without releasing): that record, so the CLI can say "took over a stale lock left by
    /// pid N".
    pub fn previous_stale_holder(&self) -> Option<&LockHolder> {
        self.stale.as_ref()
    }
}

impl Drop for ApplyLock {
    fn drop(&mut self) {
        // Truncate while still holding, so the next holder finds no record and knows this
        // release was orderly — unless a dead holder's record must survive this run.
        // Closing the file would release the lock anyway.
        let _ = with_gate(&self.gate, Access::Write, || {
            match (&self.stale, self.settled) {
                (Some(stale), false) => write_record(&self.file, stale)?,
                _ => self.file.set_len(0)?,
            }
            // Released inside the gate: a reader never sees the lock free with a record
            // that is about to go.
            self.file.unlock()
        });
        let _ = self.file.unlock();
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    /// Held by another process after `waited`.
    #[error("{}", held_message(.holder.as_ref(), .environment, *.waited))]
    #[diagnostic(
        code(deployplan::lock::held),
        help("{}", held_help(.path, *.waited))
    )]
    Held {
        holder: Option<LockHolder>,
        path: PathBuf,
        waited: Duration,
        environment: String,
    },
    #[error("cannot use the apply lock file `{}`: {source}", .path.display())]
    #[diagnostic(
        code(deployplan::lock::io),
        help(
            "the lock file lives in `.deployplan/locks/` beside the manifest; that folder must be writable and on a file system that supports file locks"
        )
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn held_message(holder: Option<&LockHolder>, environment: &str, waited: Duration) -> String {
    let mut message = if waited.is_zero() {
        format!("another apply holds the lock on environment `{environment}`")
    } else {
        format!(
            "another apply still holds the lock on environment `{environment}` after waiting {}",
            format_duration(waited)
        )
    };
    match holder {
        Some(holder) => {
            let liveness = match pid_alive_here(holder) {
                Some(true) => ", still running",
                Some(false) => {
                    ", not running on this host: the record may be left by an earlier holder that crashed"
                }
                None => "",
            };
            let _ = write!(
                message,
                " (pid {} on host {}{liveness}; `{}`, since {})",
                holder.pid, holder.host, holder.command, holder.started_at
            );
        }
        None => message.push_str(" (the holder has not written a readable record)"),
    }
    message
}

fn held_help(path: &Path, waited: Duration) -> String {
    let advice = if waited.is_zero() {
        "wait for it to finish or pass `--lock-timeout 10m` to wait"
    } else {
        "wait longer (a larger `--lock-timeout`) or check on that process"
    };
    format!(
        "{advice}; the lock is released automatically when that process exits. Lock file: {}",
        path.display()
    )
}

/// Whether the holder's pid exists, when that can be known: same host, on Linux.
pub fn pid_alive_here(holder: &LockHolder) -> Option<bool> {
    if !cfg!(target_os = "linux") || holder.host != host_name() {
        return None;
    }
    Some(Path::new("/proc").join(holder.pid.to_string()).exists())
}

/// Replaces the file's content with the holder record (while holding the lock).
fn write_record(mut file: &File, holder: &LockHolder) -> std::io::Result<()> {
    let mut json = serde_json::to_string(holder).map_err(std::io::Error::other)?;
    json.push('\n');
    // Written over the old record, then cut to length: never an empty file in between.
    file.seek(SeekFrom::Start(0))?;
    file.write_all(json.as_bytes())?;
    file.set_len(json.len() as u64)?;
    file.flush()
}

/// The record in the lock file, if any. Read through our own handle: an advisory lock does
/// not stop reading on Unix (on Windows the read fails while locked, giving `None`).
fn read_record(mut file: &File) -> Option<LockHolder> {
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut text = String::new();
    file.take(MAX_RECORD_BYTES).read_to_string(&mut text).ok()?;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    serde_json::from_str(text).ok()
}

fn now_to_the_second() -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now)
}

fn canonical_manifest(manifest: &Path) -> PathBuf {
    std::fs::canonicalize(manifest)
        .or_else(|_| std::path::absolute(manifest))
        .unwrap_or_else(|_| manifest.to_path_buf())
}

/// This machine's name, without a new dependency: `/etc/hostname`, else `$HOSTNAME`.
fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| {
            std::env::var("HOSTNAME")
                .ok()
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Parses a `--lock-timeout` value: `0`, `90` (seconds), `90s`, `5m`, `1h`, `1h30m`,
/// `500ms`. Units go from largest to smallest, each at most once.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let invalid = |why: &str| {
        format!(
            "invalid duration `{s}`: {why}; use e.g. `0`, `90` (seconds), `90s`, `5m`, `1h30m` or `500ms`"
        )
    };
    let text = s.trim();
    if text.is_empty() {
        return Err(invalid("it is empty"));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| invalid("too large"));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    let mut previous_rank = usize::MAX;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(invalid("expected a number"));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| invalid("too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (unit, after) = rest.split_at(unit_len);
        rest = after;
        let (rank, seconds_per_unit) = match unit {
            "h" => (3, 3600),
            "m" => (2, 60),
            "s" => (1, 1),
            "ms" => (0, 0),
            "" => return Err(invalid("a number without a unit")),
            _ => return Err(invalid(&format!("unknown unit `{unit}`"))),
        };
        if rank >= previous_rank {
            return Err(invalid("units must go from largest to smallest, each once"));
        }
        previous_rank = rank;
        let part = if rank == 0 {
            Some(Duration::from_millis(number))
        } else {
            number
                .checked_mul(seconds_per_unit)
                .map(Duration::from_secs)
        };
        total = part
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| invalid("too large"))?;
    }
    Ok(total)
}

/// `1h30m`, `45s`, `500ms`: the inverse of [`parse_duration`] (sub-second parts dropped
/// above one second).
fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds == 0 {
        return format!("{}ms", duration.as_millis());
    }
    let mut text = String::new();
    for (value, unit) in [
        (seconds / 3600, "h"),
        (seconds / 60 % 60, "m"),
        (seconds % 60, "s"),
    ] {
        if value > 0 {
            let _ = write!(text, "{value}{unit}");
        }
    }
    text
}

#[cfg(test)]
mod tests;

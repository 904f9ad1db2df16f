//! Persistence of the emulators' state: a JSON document and a log of changes since it.
//!
//! The document has one key per provider type, each holding that emulator's own serializable
//! state, so emulators evolve independently and a document written by a sandbox with more
//! (or fewer) providers still loads: keys of providers not mounted here are kept verbatim.
//!
//! Design note. After each write request the sandbox must have the result on disk (a client
//! that got an answer relies on it, and the embedded sandbox dies with a killed `apply`), but
//! rewriting the whole document each time makes a large apply quadratic. So a write appends
//! one line to `<state file>.log` with what the request changed ([`StateChange`]s: the
//! changed entities and fields only), and the document itself is rewritten — atomically,
//! temp file then rename — only to fold the log in: when the sandbox starts, when it stops,
//! and when the log has grown past the document's size. Loading reads the document and
//! applies the log; a last line cut short by a crash is the write that never got its
//! answer, and is dropped.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;

use super::Emulator;
use super::changes::StateChange;

/// The log is folded into the document once it is larger than this many times the
/// document (and at least [`MIN_FOLD_BYTES`]): writing amortised to a constant per change.
const FOLD_RATIO: u64 = 2;
const MIN_FOLD_BYTES: u64 = 1 << 20;

/// Where and how the state document is kept.
pub(crate) struct Store {
    path: Option<PathBuf>,
    /// Keys of the document that belong to no mounted emulator.
    foreign: Map<String, Value>,
    /// Serializes writes; holds the log's size and whether the document exists.
    writing: tokio::sync::Mutex<Written>,
}

#[derive(Default)]
struct Written {
    document_bytes: u64,
    log_bytes: u64,
    document_exists: bool,
}

/// One line of the state log: what one write changed in one emulator's state.
#[derive(serde::Serialize, serde::Deserialize)]
struct LogLine {
    provider: String,
    changes: Vec<StateChange>,
}

impl Store {
    /// Loads the document and its log if the file exists, handing each emulator its key. A
    /// file that is not a JSON object, or a key an emulator refuses, fails the start:
    /// silently starting empty would make the next write destroy the user's state.
    pub(crate) fn open(
        path: Option<PathBuf>,
        emulators: &[Arc<dyn Emulator>],
    ) -> std::io::Result<Self> {
        let mut foreign = Map::new();
        let mut written = Written::default();
        if let Some(path) = path.as_deref() {
            let document = read_document(path)?;
            let folded = log_path(path).exists();
            written.document_exists = path.exists();
            for (key, value) in document {
                match emulators
                    .iter()
                    .find(|emulator| emulator.provider_type() == key)
                {
                    Some(emulator) => emulator
                        .load_state(value)
                        .map_err(|err| invalid(path, format!("{key}: {err}")))?,
                    None => {
                        foreign.insert(key, value);
                    }
                }
            }
            // From here on the log records changes to what was just loaded.
            for emulator in emulators {
                let _ = emulator.take_changes();
            }
            let store = Store {
                path: Some(path.to_owned()),
                foreign,
                writing: tokio::sync::Mutex::new(written),
            };
            if folded {
                store.fold_blocking(emulators)?;
            }
            return Ok(store);
        }
        Ok(Store {
            path,
            foreign,
            writing: tokio::sync::Mutex::new(written),
        })
    }

    /// The whole document as it would be written now.
    pub(crate) fn document(&self, emulators: &[Arc<dyn Emulator>]) -> Value {
        let mut document = self.foreign.clone();
        for emulator in emulators {
            document.insert(emulator.provider_type().to_owned(), emulator.save_state());
        }
        Value::Object(document)
    }

    /// Records the changes of a write request when a state file is configured: one log line
    /// per emulator that changed, or the whole document when an emulator cannot tell what
    /// changed or the log is due to be folded. Failures are reported and otherwise ignored:
    /// the in-memory state is still right, and the next write writes the whole document.
    pub(crate) async fn save(&self, emulators: &[Arc<dyn Emulator>]) {
        let Some(path) = self.path.as_deref() else {
            return;
        };
        let mut written = self.writing.lock().await;
        let mut lines = String::new();
        let mut whole = !written.document_exists;
        for emulator in emulators {
            match emulator.take_changes() {
                Some(changes) if changes.is_empty() => {}
                Some(changes) => {
                    let line = LogLine {
                        provider: emulator.provider_type().to_owned(),
                        changes,
                    };
                    match serde_json::to_string(&line) {
                        Ok(text) => {
                            lines.push_str(&text);
                            lines.push('\n');
                        }
                        Err(_) => whole = true,
                    }
                }
                None => whole = true,
            }
        }
        let due = written.log_bytes + lines.len() as u64
            > (written.document_bytes * FOLD_RATIO).max(MIN_FOLD_BYTES);
        let result = if whole || due {
            self.write_document(path, emulators, &mut written).await
        } else if lines.is_empty() {
            Ok(())
        } else {
            append(&log_path(path), lines.as_bytes())
                .await
                .map(|()| written.log_bytes += lines.len() as u64)
        };
        if let Err(err) = result {
            written.document_exists = false;
            tracing::warn!(%err, path = %path.display(), "could not write the sandbox state file");
        }
    }

    /// Folds the log into the document (at shutdown, so the file alone is complete).
    pub(crate) async fn fold(&self, emulators: &[Arc<dyn Emulator>]) {
        let Some(path) = self.path.as_deref() else {
            return;
        };
        let mut written = self.writing.lock().await;
        for emulator in emulators {
            let _ = emulator.take_changes();
        }
        if let Err(err) = self.write_document(path, emulators, &mut written).await {
            tracing::warn!(%err, path = %path.display(), "could not write the sandbox state file");
        }
    }

    fn fold_blocking(&self, emulators: &[Arc<dyn Emulator>]) -> std::io::Result<()> {
        let Some(path) = self.path.as_deref() else {
            return Ok(());
        };
        let bytes =
            serde_json::to_vec_pretty(&self.document(emulators)).map_err(std::io::Error::other)?;
        let mut written = self.writing.try_lock().map_err(std::io::Error::other)?;
        *written = replace_document(path, &bytes)?;
        Ok(())
    }

    /// Writes the whole document, then empties the log it now contains. Changes taken from
    /// the emulators before this call are in the document; a change made meanwhile is in it
    /// too and will also be logged again, which is harmless (changes are idempotent).
    async fn write_document(
        &self,
        path: &Path,
        emulators: &[Arc<dyn Emulator>],
        written: &mut Written,
    ) -> std::io::Result<()> {
        let document = self.document(emulators);
        let bytes = serde_json::to_vec_pretty(&document).map_err(std::io::Error::other)?;
        let path = path.to_owned();
        *written = tokio::task::spawn_blocking(move || replace_document(&path, &bytes))
            .await
            .map_err(std::io::Error::other)??;
        Ok(())
    }
}

/// Writes `bytes` as the whole document (atomically) and removes the log it now contains.
fn replace_document(path: &Path, bytes: &[u8]) -> std::io::Result<Written> {
    write_atomically(path, bytes)?;
    match std::fs::remove_file(log_path(path)) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    Ok(Written {
        document_bytes: bytes.len() as u64,
        log_bytes: 0,
        document_exists: true,
    })
}

/// `<state file>.log`: the changes written since the document.
fn log_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".log");
    path.with_file_name(name)
}

fn invalid(path: &Path, message: String) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("sandbox state file {}: {message}", path.display()),
    )
}

/// The state document at `path` with its log applied: what a sandbox started on it would
/// load. An absent file is an empty document.
pub(crate) fn read_document(path: &Path) -> std::io::Result<Map<String, Value>> {
    let mut document = if path.exists() {
        let text = std::fs::read_to_string(path)?;
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(document)) => document,
            Ok(_) => return Err(invalid(path, "expected a JSON object".to_owned())),
            Err(err) => return Err(invalid(path, err.to_string())),
        }
    } else {
        Map::new()
    };
    let log = match std::fs::read_to_string(log_path(path)) {
        Ok(log) => log,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(document),
        Err(err) => return Err(err),
    };
    let lines: Vec<&str> = log.lines().collect();
    for (number, line) in lines.iter().enumerate() {
        let line: LogLine = match serde_json::from_str(line) {
            Ok(line) => line,
            // The last write of a sandbox that died while writing it: it was never answered.
            Err(_) if number + 1 == lines.len() && !log.ends_with('\n') => break,
            Err(err) => {
                return Err(invalid(
                    &log_path(path),
                    format!("line {}: {err}", number + 1),
                ));
            }
        };
        let state = document
            .entry(line.provider)
            .or_insert_with(|| Value::Object(Map::new()));
        for change in &line.changes {
            change.apply(state);
        }
    }
    Ok(document)
}

async fn append(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await?;
    file.write_all(bytes).await?;
    file.flush().await
}

fn temp_path(path: &Path) -> PathBuf {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    path.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.as_deref().unwrap_or("sandbox-state"),
        std::process::id()
    ))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = temp_path(path);
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}

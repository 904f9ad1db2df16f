//! Persistence of the emulators' state as one JSON document.
//!
//! The document has one key per provider type, each holding that emulator's own serializable
//! state, so emulators evolve independently and a document written by a sandbox with more
//! (or fewer) providers still loads: keys of providers not mounted here are kept verbatim.
//! Writes are atomic (temp file in the same directory, then rename), so a crash never leaves
//! a half-written file, and they are serialized so the newest state always lands last.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::Emulator;

/// Where and how the state document is kept.
pub(crate) struct Store {
    path: Option<PathBuf>,
    /// Keys of the document that belong to no mounted emulator.
    foreign: Map<String, Value>,
    /// Serializes snapshots and writes.
    writing: tokio::sync::Mutex<()>,
}

impl Store {
    /// Loads the document if the file exists, handing each emulator its key. A file that is
    /// not a JSON object, or a key an emulator refuses, fails the start: silently starting
    /// empty would make the next write destroy the user's state.
    pub(crate) fn open(
        path: Option<PathBuf>,
        emulators: &[Arc<dyn Emulator>],
    ) -> std::io::Result<Self> {
        let mut foreign = Map::new();
        if let Some(path) = path.as_deref().filter(|path| path.exists()) {
            let invalid = |message: String| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("sandbox state file {}: {message}", path.display()),
                )
            };
            let text = std::fs::read_to_string(path)?;
            let document = match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(document)) => document,
                Ok(_) => return Err(invalid("expected a JSON object".to_owned())),
                Err(err) => return Err(invalid(err.to_string())),
            };
            for (key, value) in document {
                match emulators
                    .iter()
                    .find(|emulator| emulator.provider_type() == key)
                {
                    Some(emulator) => emulator
                        .load_state(value)
                        .map_err(|err| invalid(format!("{key}: {err}")))?,
                    None => {
                        foreign.insert(key, value);
                    }
                }
            }
        }
        Ok(Store {
            path,
            foreign,
            writing: tokio::sync::Mutex::new(()),
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

    /// Writes the document when a state file is configured. Failures are reported and
    /// otherwise ignored: the in-memory state is still right and the next write retries.
    pub(crate) async fn save(&self, emulators: &[Arc<dyn Emulator>]) {
        let Some(path) = self.path.as_deref() else {
            return;
        };
        let _writing = self.writing.lock().await;
        let document = self.document(emulators);
        if let Err(err) = write_atomically(path, &document).await {
            tracing::warn!(%err, path = %path.display(), "could not write the sandbox state file");
        }
    }
}

async fn write_atomically(path: &Path, document: &Value) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(document).map_err(std::io::Error::other)?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.as_deref().unwrap_or("sandbox-state"),
        std::process::id()
    ));
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        tokio::fs::create_dir_all(parent).await?;
    }
    tokio::fs::write(&temp, bytes).await?;
    tokio::fs::rename(&temp, path).await
}

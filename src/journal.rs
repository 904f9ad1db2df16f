//! The apply journal: every event of an apply appended as one JSON line under
//! `.deployplan/runs/`, secrets redacted. It is the audit trail, and after a crash the
//! record of what was in flight.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::engine::apply::{NodeStatus, Reporter};
use crate::model::{Address, Change};
use crate::redact::redact;

/// Appends events to a run file and forwards them to another reporter.
pub struct Journal {
    file: Mutex<File>,
    path: PathBuf,
    inner: Arc<dyn Reporter>,
}

impl Journal {
    /// Creates `runs/<timestamp>-<pid>.jsonl` under `state_dir`.
    pub fn create(state_dir: &Path, inner: Arc<dyn Reporter>) -> std::io::Result<Journal> {
        let dir = state_dir.join("runs");
        std::fs::create_dir_all(&dir)?;
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let path = dir.join(format!("{stamp}-{}.jsonl", std::process::id()));
        let file = File::options().create(true).append(true).open(&path)?;
        Ok(Journal {
            file: Mutex::new(file),
            path,
            inner,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records the planned changes before anything runs.
    pub fn planned(&self, changes: &[Change]) {
        for change in changes.iter().filter(|c| c.action.is_change()) {
            self.write(json!({ "event": "planned", "address": change.address, "action": change.action, "reason": change.reason, "fingerprint": change.fingerprint }));
        }
    }

    fn write(&self, mut event: serde_json::Value) {
        event["at"] = json!(jiff::Timestamp::now().to_string());
        let line = redact(&event.to_string()).into_owned();
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(file, "{line}");
        let _ = file.flush();
    }
}

impl Reporter for Journal {
    fn started(&self, change: &Change) {
        self.write(
            json!({ "event": "started", "address": change.address, "action": change.action }),
        );
        self.inner.started(change);
    }

    fn progress(&self, address: &Address, message: &str) {
        self.write(json!({ "event": "progress", "address": address, "message": message }));
        self.inner.progress(address, message);
    }

    fn finished(&self, change: &Change, status: &NodeStatus) {
        let (outcome, message) = match status {
            NodeStatus::Applied(m) => ("applied", m.as_str()),
            NodeStatus::Failed(m) => ("failed", m.as_str()),
            NodeStatus::Skipped(m) => ("skipped", m.as_str()),
            NodeStatus::NotStarted => ("not_started", ""),
        };
        self.write(json!({ "event": "finished", "address": change.address, "action": change.action, "outcome": outcome, "message": message }));
        self.inner.finished(change, status);
    }
}

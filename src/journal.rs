//! The apply journal: every event of an apply appended as one JSON line under
//! `.deployplan/runs/`, secrets redacted. It is the audit trail, and after a crash the
//! record of what was in flight: the apply lock's record names the journal, and
//! [`unfinished`] reads back the changes that started and never finished.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::engine::apply::{NodeStatus, Reporter};
use crate::model::{Address, Change};
use crate::redact::{redact, redact_value};

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
        // Strings first, so that the JSON escaping of the line cannot hide a secret; then
        // the line, for a secret split across fields.
        let line = redact(&redact_value(&event).to_string()).into_owned();
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

/// A change a run started and never finished: in flight when its process stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub address: String,
    pub action: String,
    /// The last progress message of the change (e.g. `deployment 17 is RUNNING`).
    pub last_progress: Option<String>,
}

/// The changes of a journal that started and have no `finished` event, in start order.
/// Unreadable lines (a write cut off by the crash) are skipped: the rest still tells.
pub fn unfinished(journal: &Path) -> std::io::Result<Vec<Unfinished>> {
    // Bytes, not text: a line cut mid-character by the crash must not hide the others.
    let bytes = std::fs::read(journal)?;
    let mut started: Vec<Unfinished> = Vec::new();
    for line in bytes.split(|b| *b == b'\n') {
        let Ok(event) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let field = |name: &str| event.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let Some(address) = field("address") else {
            continue;
        };
        match event.get("event").and_then(|v| v.as_str()) {
            Some("started") => started.push(Unfinished {
                address,
                action: field("action").unwrap_or_default(),
                last_progress: None,
            }),
            Some("progress") => {
                if let Some(change) = started.iter_mut().rev().find(|c| c.address == address) {
                    change.last_progress = field("message");
                }
            }
            Some("finished") => started.retain(|c| c.address != address),
            _ => {}
        }
    }
    Ok(started)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_are_the_started_changes_without_a_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let lines = [
            r#"{"event":"planned","address":"ncp.project.shop","action":"create"}"#,
            r#"{"event":"started","address":"ncp.project.shop","action":"create"}"#,
            r#"{"event":"finished","address":"ncp.project.shop","action":"create","outcome":"applied"}"#,
            r#"{"event":"started","address":"ncp.release.web","action":"deploy"}"#,
            r#"{"event":"progress","address":"ncp.release.web","message":"deployment 17 is WAITING"}"#,
            r#"{"event":"started","address":"ncp.scenario.api","action":"update"}"#,
            r#"{"event":"progress","address":"ncp.release.web","message":"deployment 17 is RUNNING"}"#,
            r#"{"event":"progress","address":"ncp.relea"#,
        ];
        let mut bytes = lines.join("\n").into_bytes();
        bytes.extend_from_slice(b"\n{\"event\":\"progress\",\"message\":\"\xeb\xb0");
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(
            unfinished(&path).unwrap(),
            [
                Unfinished {
                    address: "ncp.release.web".into(),
                    action: "deploy".into(),
                    last_progress: Some("deployment 17 is RUNNING".into()),
                },
                Unfinished {
                    address: "ncp.scenario.api".into(),
                    action: "update".into(),
                    last_progress: None,
                },
            ]
        );
    }

    #[test]
    fn a_finished_run_has_nothing_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"event":"started","address":"a","action":"create"}"#,
                "\n",
                r#"{"event":"finished","address":"a","action":"create","outcome":"failed"}"#,
                "\n"
            ),
        )
        .unwrap();
        assert!(unfinished(&path).unwrap().is_empty());
    }
}

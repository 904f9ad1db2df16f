//! Apply progress as one plain line per event (CI logs read it top to bottom), and the final
//! summary of applied / failed / skipped nodes.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use crate::engine::apply::{ApplyReport, NodeStatus, Reporter};
use crate::model::{Address, Change};
use crate::redact::redact;

/// Writes events to stderr, one line each, secrets redacted.
pub struct LineReporter {
    started: Instant,
    out: Mutex<Box<dyn Write + Send>>,
}

impl LineReporter {
    pub fn stderr() -> Self {
        LineReporter {
            started: Instant::now(),
            out: Mutex::new(Box::new(anstream::stderr())),
        }
    }

    fn line(&self, text: &str) {
        let elapsed = self.started.elapsed().as_secs_f32();
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "[{elapsed:>6.1}s] {}", redact(text));
    }
}

impl Reporter for LineReporter {
    fn started(&self, change: &Change) {
        self.line(&format!("{}: {}…", change.address, verb(change)));
    }

    fn progress(&self, address: &Address, message: &str) {
        self.line(&format!("{address}: {message}"));
    }

    fn finished(&self, change: &Change, status: &NodeStatus) {
        let text = match status {
            NodeStatus::Applied(message) => format!("{}: done ({message})", change.address),
            NodeStatus::Failed(message) => format!("{}: FAILED: {message}", change.address),
            NodeStatus::Skipped(reason) => format!("{}: skipped: {reason}", change.address),
            NodeStatus::NotStarted => format!("{}: not started (interrupted)", change.address),
        };
        self.line(&text);
    }
}

pub(crate) fn verb(change: &Change) -> &'static str {
    match change.action {
        crate::model::Action::Create => "creating",
        crate::model::Action::Update => "updating",
        crate::model::Action::Replace => "replacing",
        crate::model::Action::Delete => "deleting",
        crate::model::Action::Deploy => "deploying",
        _ => "checking",
    }
}

/// `Apply complete: 3 applied, 1 failed, 2 skipped.` plus the failures, one per line.
pub fn summary(report: &ApplyReport) -> String {
    let mut out = format!(
        "Apply {}: {} applied, {} failed, {} skipped.\n",
        if report.success() {
            "complete"
        } else {
            "incomplete"
        },
        report.applied(),
        report.failed(),
        report.skipped()
    );
    for (change, status) in &report.results {
        match status {
            NodeStatus::Failed(message) => out.push_str(&format!(
                "  ✗ {} ({}): {message}\n",
                change.address,
                change.action.as_str()
            )),
            NodeStatus::Skipped(reason) => out.push_str(&format!(
                "  ○ {} ({}): skipped, {reason}\n",
                change.address,
                change.action.as_str()
            )),
            NodeStatus::NotStarted => out.push_str(&format!(
                "  ○ {} ({}): not started\n",
                change.address,
                change.action.as_str()
            )),
            NodeStatus::Applied(_) => {}
        }
    }
    redact(&out).into_owned()
}

//! What an earlier apply of the same manifest and environment left behind: one running now,
//! or one that stopped without releasing its lock (killed, crashed, runner lost). Told before
//! a plan and when apply takes such a lock over, with the changes that were in flight (read
//! back from its run journal), so nobody reviews or applies without knowing the remote may be
//! mid-change.

use std::fmt::Write as _;

use super::output;
use super::session;
use crate::cli::ManifestArgs;
use crate::journal;
use crate::lock::{self, ApplyLock, LockHolder, LockScope};

/// Before a plan: notes an apply of this manifest and environment that holds its lock now,
/// or that stopped holding it. Says nothing when the last apply ended in order.
pub(super) fn warn_before_plan(manifest: &ManifestArgs) {
    let scope = LockScope {
        manifest: &manifest.path,
        environment: manifest.env.as_deref(),
    };
    let Some(holder) = ApplyLock::peek(&session::state_dir(&manifest.path), &scope) else {
        return;
    };
    let environment = manifest.env.as_deref().unwrap_or("default");
    let who = describe(&holder);
    let message = match lock::pid_alive_here(&holder) {
        Some(true) => format!(
            "Note: an apply of environment `{environment}` is running now ({who}); the remote state may change under this plan.\n"
        ),
        Some(false) => format!(
            "Warning: the last apply of environment `{environment}` ({who}) stopped without finishing.{}",
            in_flight(&holder)
        ),
        None => format!(
            "Warning: an apply of environment `{environment}` ({who}) is running on another host or stopped without finishing.{}",
            in_flight(&holder)
        ),
    };
    output::stderr(&message);
}

/// When apply took over a lock whose holder died: who that was and what it left in flight.
pub(super) fn took_over(stale: &LockHolder) -> String {
    format!(
        "Note: took over the lock left by {}, which ended without releasing it.{}",
        describe(stale),
        in_flight(stale)
    )
}

fn describe(holder: &LockHolder) -> String {
    format!(
        "pid {} on {}, `{}`, since {}",
        holder.pid, holder.host, holder.command, holder.started_at
    )
}

/// The changes the holder's journal shows started and not finished, one per line, and what
/// to do about them; ends with a newline.
fn in_flight(holder: &LockHolder) -> String {
    let Some(path) = &holder.journal else {
        return " No journal was recorded, so what it was doing is not known; check the plan's reasons.\n".to_owned();
    };
    match journal::unfinished(path) {
        Ok(changes) if changes.is_empty() => {
            format!(" No change was in flight (journal {}).\n", path.display())
        }
        Ok(changes) => {
            let mut text = format!(" In flight then (journal {}):\n", path.display());
            for change in &changes {
                let _ = write!(text, "  {} ({})", change.address, change.action);
                if let Some(progress) = &change.last_progress {
                    let _ = write!(text, ": {progress}");
                }
                text.push('\n');
            }
            text.push_str(
                "Their remote state is read again now: the plan's reasons show where each one stands.\n",
            );
            text
        }
        Err(err) => format!(
            " Its journal {} cannot be read ({err}); the remote state is read again now.\n",
            path.display()
        ),
    }
}

//! Following one deployment to its end. A release waits for the deployment it starts, and
//! for one it finds running; execute and deploy both need it, so it sits below both.

use std::time::{Duration, Instant};

use super::client::NcpClient;
use super::errors::request_error;
use super::wire::{self, history_status};
use crate::model::Address;
use crate::providers::{ApplyContext, ProviderError};

/// What an interrupted apply does to the deployment it was waiting for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum OnInterrupt {
    /// This apply started it: cancel it, so that no change runs that nobody watches.
    Cancel,
    /// It was found running (an earlier apply, or someone at the console started it): this
    /// apply stops following it and leaves it alone.
    Leave,
}

/// Polls `get_history` until the deployment is terminal, the timeout passes, or apply is
/// interrupted (then the deployment is cancelled or left running, as `on_interrupt` says).
pub(super) async fn wait_for(
    client: &NcpClient,
    address: &Address,
    (project, history): (i64, i64),
    timeout: Duration,
    on_interrupt: OnInterrupt,
    ctx: &ApplyContext,
) -> Result<wire::HistoryDetail, ProviderError> {
    let started = Instant::now();
    let mut last_status = String::new();
    loop {
        let detail = client
            .get_history(project, history)
            .await
            .map_err(|e| request_error(format!("get deployment {history}"), e))?;
        if detail.status != last_status {
            (ctx.progress)(address, &format!("deployment {history}: {}", detail.status));
            last_status = detail.status.clone();
        }
        if history_status::is_terminal(&detail.status) {
            return Ok(detail);
        }
        if started.elapsed() >= timeout {
            return Err(ProviderError::Timeout {
                what: format!("deployment {history} (last status `{}`)", detail.status),
                seconds: timeout.as_secs(),
            });
        }
        let interrupted_now = ctx.pause(ctx.poll_interval).await;
        if interrupted_now && on_interrupt == OnInterrupt::Leave {
            let note = format!(
                "stopped following deployment {history}; this apply did not start it, so it is left `{}`",
                detail.status
            );
            (ctx.progress)(address, &note);
            return Err(ProviderError::Interrupted(note));
        }
        if interrupted_now {
            let cancelled = client.cancel_deploy(project, history).await;
            let note = match cancelled {
                Ok(()) => format!("deployment {history} cancelled"),
                Err(e) => format!("cancelling deployment {history} failed: {e}"),
            };
            (ctx.progress)(address, &note);
            return Err(ProviderError::Interrupted(note));
        }
    }
}

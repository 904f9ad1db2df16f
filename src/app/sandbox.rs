//! `deployplan sandbox`: the emulators on a port, until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use super::AppError;
use super::output;
use crate::cli::SandboxArgs;
use crate::sandbox::{self, DeployTiming, FaultConfig, SandboxOptions};

pub async fn serve(args: &SandboxArgs) -> Result<ExitCode, AppError> {
    let options = SandboxOptions {
        state_file: args.state.clone(),
        request_log: args.request_log.clone(),
        faults: FaultConfig {
            latency_ms: args.latency_ms,
            error_rate: args.fault_rate,
            rate_limit_rate: args.rate_limit_rate,
            retry_after_secs: args.retry_after,
            drop_rate: args.drop_rate,
            error_after_rate: args.error_after_rate,
            drop_after_rate: args.drop_after_rate,
            seed: args.fault_seed,
            ..FaultConfig::default()
        },
        deploy_timing: DeployTiming::Timed {
            waiting_ms: args.deploy_waiting_ms,
            running_ms: args.deploy_running_ms,
        },
    };
    let handle = sandbox::start(args.listen, options)
        .await
        .map_err(|source| AppError::Io {
            context: format!("cannot listen on {}", args.listen),
            source,
        })?;
    output::stdout(&banner(&handle));
    stop_requested().await;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (what `kill`, `docker stop`, systemd and CI runners send): both stop
/// the sandbox the same orderly way, so the state file gets its last write and the upload
/// files of a sandbox without `--state` leave the temp directory with it.
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// What a user needs to point a manifest at the sandbox: each emulator's endpoint and the
/// environment variables holding its demo credentials, ready to paste.
pub(crate) fn banner(handle: &sandbox::SandboxHandle) -> String {
    let kinds = crate::providers::registry::kinds();
    let width = kinds
        .iter()
        .map(|k| k.name().len())
        .max()
        .unwrap_or(0)
        .max("admin".len());
    let mut text = format!("deployplan sandbox listening on http://{}\n\n", handle.addr);
    for kind in kinds {
        text.push_str(&format!(
            "  {:width$}  endpoint: {}\n",
            kind.name(),
            handle.base_url(kind.name())
        ));
        let exports: Vec<String> = kind
            .demo_environment()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if !exports.is_empty() {
            text.push_str(&format!("    export {}\n", exports.join(" ")));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "  {:width$}  http://{}/_sandbox/requests (request log), /_sandbox/faults, /_sandbox/state\n\nPress Ctrl-C to stop.\n",
        "admin", handle.addr
    ));
    text
}

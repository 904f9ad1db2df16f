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
fn banner(handle: &sandbox::SandboxHandle) -> String {
    use sandbox::demo;
    format!(
        "deployplan sandbox listening on http://{addr}

  ncp-sourcedeploy  endpoint: {ncp}
    export NCLOUD_ACCESS_KEY={ncp_access} NCLOUD_SECRET_KEY={ncp_secret}

  nhn-deploy        endpoint: {nhn}
    export NHN_DEPLOY_APP_KEY={nhn_app} NHN_ACCESS_KEY_ID={nhn_access} NHN_SECRET_ACCESS_KEY={nhn_secret}

  admin             http://{addr}/_sandbox/requests (request log), /_sandbox/faults, /_sandbox/state

Press Ctrl-C to stop.
",
        addr = handle.addr,
        ncp = handle.base_url("ncp-sourcedeploy"),
        ncp_access = demo::NCP_ACCESS_KEY,
        ncp_secret = demo::NCP_SECRET_KEY,
        nhn = handle.base_url("nhn-deploy"),
        nhn_app = demo::NHN_APP_KEY,
        nhn_access = demo::NHN_ACCESS_KEY_ID,
        nhn_secret = demo::NHN_SECRET_ACCESS_KEY,
    )
}

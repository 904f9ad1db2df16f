//! `deployplan sandbox`: the emulators on a port, until Ctrl-C.

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
    output::stdout(&format!(
        "deployplan sandbox listening on http://{addr}\n\n  ncp-sourcedeploy  {ncp}\n    access key  {access}\n    secret key  {secret}\n\n  admin         http://{addr}/_sandbox/requests (request log), /_sandbox/faults, /_sandbox/state\n\nPress Ctrl-C to stop.\n",
        addr = handle.addr,
        ncp = handle.base_url("ncp-sourcedeploy"),
        access = sandbox::demo::NCP_ACCESS_KEY,
        secret = sandbox::demo::NCP_SECRET_KEY,
    ));
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

//! The commands: wiring of manifest, engine, providers and renderers, and the mapping of
//! every outcome to an exit code (0 success / no changes, 1 error, 2 changes present with
//! `--detailed-exitcode`).

mod apply;
mod export;
#[cfg(test)]
mod export_secrets;
mod output;
mod plan;
mod previous_run;
mod sandbox;

#[cfg(test)]
pub(crate) use sandbox::banner as sandbox_banner;
mod session;

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, Command, SchemaKind};
use crate::engine::plan::ProtectedError;
use crate::manifest::diagnostic::Diagnostics;
use crate::providers::ProviderError;

/// Everything a command can fail with; each variant is rendered by [`output`].
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AppError {
    #[error("{0}")]
    Manifest(Diagnostics),
    /// Names in the manifest that the provider does not know (found while fetching).
    #[error("{0}")]
    UnknownNames(Diagnostics),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Provider(#[from] ProviderError),
    #[error("the plan breaks a safety rule")]
    Protected(Vec<ProtectedError>),
    #[error("{message}")]
    #[diagnostic(code(deployplan::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },
    /// A saved plan that no longer describes the manifest or the remote.
    #[error("stale plan: {}", reasons.join("; "))]
    #[diagnostic(
        code(deployplan::stale_plan),
        help(
            "nothing was applied; make a new plan (`deployplan plan --out FILE`), review it, and apply that"
        )
    )]
    StalePlan { reasons: Vec<String> },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lock(Box<crate::lock::LockError>),
    #[error("{context}")]
    #[diagnostic(code(deployplan::io))]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<crate::lock::LockError> for AppError {
    fn from(err: crate::lock::LockError) -> Self {
        AppError::Lock(Box::new(err))
    }
}

impl AppError {
    pub fn usage(message: impl Into<String>, help: Option<String>) -> Self {
        AppError::Usage {
            message: message.into(),
            help,
        }
    }
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    output::init_tracing(cli.verbose);
    output::install_panic_hook();
    let runtime = match runtime_for(&cli.command) {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(dispatch(cli.command));
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(code) => code,
        Err(err) => {
            output::print_error(&err);
            ExitCode::from(1)
        }
    }
}

/// The sandbox serves any number of clients at once and gets a worker per core. Every
/// other command is a client whose work is waiting on the network: on one thread the same
/// requests cost a quarter to a half less CPU than on a multi-threaded runtime (no wakeups
/// across threads; `bench/run.py`'s phases without latency measure it), and its CPU-bound
/// steps — parsing files, diffing — run before or after the requests, the parsing on
/// threads of its own.
fn runtime_for(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match command {
        Command::Sandbox(_) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    builder.enable_all().build()
}

async fn dispatch(command: Command) -> Result<ExitCode, AppError> {
    match command {
        Command::Validate(args) => plan::validate(&args).await,
        Command::Plan(args) => plan::plan(&args).await,
        Command::Apply(args) => apply::apply(&args).await,
        Command::Graph(args) => plan::graph(&args).await,
        Command::Export(args) => export::export(&args).await,
        Command::Sandbox(args) => sandbox::serve(&args).await,
        Command::Schema { kind } => {
            let schema = match kind {
                SchemaKind::Manifest => crate::providers::registry::language().editor_schema(),
                SchemaKind::Plan => crate::engine::plan::plan_schema(),
            };
            output::stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "deployplan", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

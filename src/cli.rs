//! Command-line interface: every command and flag.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Declarative deployment-as-code: plan and apply deployment projects, stages, scenarios
/// and releases across providers.
#[derive(Debug, Parser)]
#[command(name = "deployplan", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log HTTP requests and engine steps to stderr (`-vv` for more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a manifest (schema and semantics) without contacting any provider.
    Validate(ManifestArgs),
    /// Show what apply would change, from the live remote state.
    Plan(PlanArgs),
    /// Apply the changes of a plan: create, update, delete, deploy and wait.
    ///
    /// Given a plan file saved with `plan --out`, applies exactly its changes after checking
    /// that the manifest and the remote objects they touch have not moved since.
    Apply(ApplyArgs),
    /// Print the planned changes as a dependency graph (Graphviz dot or Mermaid).
    Graph(GraphArgs),
    /// Write manifest YAML declaring the objects a provider instance already has.
    ///
    /// For adopting what was made elsewhere (e.g. in a console): the output declares every
    /// object exactly as it is, so that a plan of your manifest together with the output
    /// shows no changes for them. PATH supplies the provider instance's settings (a manifest
    /// with only `providers:` is enough). Read-only: no write request is sent. Objects the
    /// manifest language cannot declare exactly are left out with a warning.
    Export(ExportArgs),
    /// Run the provider API emulators on a local port.
    Sandbox(SandboxArgs),
    /// Print a JSON Schema: of the manifest language or of the plan document.
    Schema {
        #[arg(value_enum, default_value_t = SchemaKind::Manifest)]
        kind: SchemaKind,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ManifestArgs {
    /// Manifest file or directory of manifests.
    #[arg(default_value = "deployplan.yaml")]
    pub path: PathBuf,
    /// Environment overlay to apply (from `environments:`).
    #[arg(long, short = 'e')]
    pub env: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Requests in flight at once. A release waiting for its deployment holds none: only
    /// its status polls take one, while they are in flight.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Delete every undeclared child of a declared parent (as `prune: true` everywhere).
    #[arg(long)]
    pub prune: bool,
    /// Only plan these addresses (with their children) and what they depend on
    /// (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Leave out these addresses (with their children) and everything that depends on them
    /// (repeatable).
    #[arg(long = "exclude", value_name = "ADDRESS")]
    pub excludes: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// `markdown` is meant for a pull-request comment (kept under GitHub's size limit).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Save the plan to this file for `deployplan apply FILE` (the JSON document, no
    /// secret values).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// A plan file saved with `plan --out`, or a manifest file or directory.
    #[arg(default_value = "deployplan.yaml", value_name = "PLANFILE|PATH")]
    pub path: PathBuf,
    /// Environment overlay to apply (from `environments:`); a plan file carries its own.
    #[arg(long, short = 'e')]
    pub env: Option<String>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Apply without asking (required when stdin is not a terminal; a plan file needs no
    /// confirmation: it was reviewed).
    #[arg(long)]
    pub auto_approve: bool,
    /// How long to wait for another apply of the same manifest and environment to finish
    /// (`0` fails at once; e.g. `90s`, `10m`).
    #[arg(long, default_value = "0s", value_parser = crate::lock::parse_duration, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,
    /// Seconds to wait for each deployment to finish (a release's `timeout_seconds` wins).
    #[arg(long, default_value_t = 1800)]
    pub deploy_timeout: u64,
    /// Milliseconds between deployment status polls.
    #[arg(long, default_value_t = 1000)]
    pub poll_interval_ms: u64,
    /// At most N deployments in progress at once per provider instance (default: every
    /// release that is ready).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_deployments: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// The provider instance to export, by its name under `providers:`.
    #[arg(long, value_name = "NAME")]
    pub provider: String,
    /// Export only this top-level object (repeatable): a project, or a repository as
    /// `owner/name`; default: every project, or the repositories the manifest declares.
    #[arg(long = "project", visible_alias = "repository", value_name = "NAME")]
    pub projects: Vec<String>,
    /// Write the YAML to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Keep the emulated state in this JSON file (loaded at start; each change appended to
    /// `FILE.log` before it is answered, folded into the file at stop).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Append one JSON line per provider request to this file.
    #[arg(long)]
    pub request_log: Option<PathBuf>,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered with a 5xx error (0–1).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Share of requests answered 429 with `Retry-After` (0–1).
    #[arg(long, default_value_t = 0.0)]
    pub rate_limit_rate: f64,
    /// Share of requests whose connection is closed without an answer (0–1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Share of requests processed, then answered with a 5xx error: the answer is lost
    /// after the state changed (0–1).
    #[arg(long, default_value_t = 0.0)]
    pub error_after_rate: f64,
    /// Share of requests processed, then left without an answer (0–1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_after_rate: f64,
    /// Seed of the fault draws, for reproducible runs.
    #[arg(long)]
    pub fault_seed: Option<u64>,
    /// `Retry-After` seconds sent with injected 429s.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Milliseconds a deployment waits before running.
    #[arg(long, default_value_t = 300)]
    pub deploy_waiting_ms: u64,
    /// Milliseconds a deployment runs before it finishes.
    #[arg(long, default_value_t = 1500)]
    pub deploy_running_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz: `deployplan graph | dot -Tsvg > plan.svg`.
    Dot,
    /// Mermaid flowchart, rendered by GitHub and GitLab in Markdown.
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    Manifest,
    Plan,
}

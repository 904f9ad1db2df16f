//! What `plan` and `apply` share: load the manifest, start the embedded sandbox when a
//! provider asks for it, build the provider instances, fetch and plan.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::AppError;
use crate::cli::ManifestArgs;
use crate::engine::plan::{self, Plan, PlanInput, PlanScope};
use crate::engine::scope::{self, Scope};
use crate::engine::{self as engine_mod};
use crate::manifest::diagnostic::{DiagnosticKind, Diagnostics};
use crate::manifest::{self, LoadedManifest};
use crate::model::{Address, KindRules, RemoteState, Resource};
use crate::providers::http::{HttpClient, HttpConfig};
use crate::providers::kind::Setup;
use crate::providers::registry;
use crate::providers::{Provider, ProviderError, ReferenceError, ReferenceKind};
use crate::sandbox::{self, SandboxHandle, SandboxOptions};

/// A loaded manifest with its provider instances.
pub struct Session {
    pub loaded: LoadedManifest,
    pub providers: HashMap<String, Arc<dyn Provider>>,
    /// Kept alive for the session: the embedded emulator serving `endpoint: sandbox`.
    _sandbox: Option<SandboxHandle>,
}

/// Reads the process environment (the loader and providers take it as a function so tests
/// can substitute their own).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Loads and checks the manifest; no network.
pub fn load(args: &ManifestArgs) -> Result<LoadedManifest, AppError> {
    manifest::load(
        &args.path,
        args.env.as_deref(),
        &process_env,
        registry::language(),
    )
    .map_err(AppError::Manifest)
}

/// `.deployplan/` beside the manifest: embedded sandbox state, run journals.
pub fn state_dir(manifest: &Path) -> PathBuf {
    let base = if manifest.is_dir() {
        manifest.to_path_buf()
    } else {
        manifest.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    base.join(".deployplan")
}

impl Session {
    pub async fn open(args: &ManifestArgs, parallelism: usize) -> Result<Session, AppError> {
        let loaded = load(args)?;
        let sandbox = if loaded.providers.values().any(|p| p.uses_sandbox()) {
            let dir = state_dir(&args.path).join("sandbox");
            std::fs::create_dir_all(&dir).map_err(|source| AppError::Io {
                context: format!("cannot create `{}`", dir.display()),
                source,
            })?;
            let options = SandboxOptions {
                state_file: Some(dir.join("state.json")),
                request_log: Some(dir.join("requests.jsonl")),
                ..SandboxOptions::default()
            };
            let addr = "127.0.0.1:0".parse().expect("valid socket address");
            let handle = sandbox::start(addr, options)
                .await
                .map_err(|source| AppError::Io {
                    context: "cannot start the embedded sandbox".into(),
                    source,
                })?;
            Some(handle)
        } else {
            None
        };
        let http = HttpClient::new(HttpConfig {
            max_in_flight: parallelism.max(1),
            ..HttpConfig::default()
        });
        let urls = sandbox
            .as_ref()
            .map(|s| move |provider_type: &str| s.base_url(provider_type));
        let urls_ref: Option<&dyn Fn(&str) -> String> =
            urls.as_ref().map(|f| f as &dyn Fn(&str) -> String);
        let setup = Setup {
            sandbox: urls_ref,
            env: &process_env,
            http,
        };
        let mut instances = HashMap::new();
        for (name, config) in &loaded.providers {
            instances.insert(name.clone(), registry::instantiate(name, config, &setup)?);
        }
        Ok(Session {
            loaded,
            providers: instances,
            _sandbox: sandbox,
        })
    }

    /// Ends the session as the process ends: the embedded sandbox stops in order, and the
    /// loaded manifest is left to the operating system, which reclaims it at once (freeing
    /// a large one value by value is a tenth of a plan's time).
    pub fn end_with_process(self) {
        let Session { loaded, .. } = self;
        std::mem::forget(loaded);
    }

    /// The resources in scope: all, or the `--target`s with their subtrees and what they
    /// need, minus the `--exclude`s with what needs them.
    pub fn scope(&self, targets: &[String], excludes: &[String]) -> Result<Scope<'_>, AppError> {
        scope::select(&self.loaded.resources, targets, excludes).map_err(|unknown| {
            let message = unknown
                .iter()
                .map(|u| format!("{} `{}` {}", u.flag, u.address, u.problem))
                .collect::<Vec<_>>()
                .join("; ");
            let help = unknown
                .iter()
                .filter_map(|u| u.help.clone())
                .collect::<Vec<_>>()
                .join(" ");
            AppError::usage(
                message,
                Some(if help.is_empty() {
                    format!(
                        "addresses are the ones the plan shows, e.g. `{}`",
                        registry::language().examples().nested_address
                    )
                } else {
                    help
                }),
            )
        })
    }

    /// Fetches the remote state of the scope's resources and plans.
    pub async fn plan(
        &self,
        scope: &Scope<'_>,
        plan_scope: PlanScope,
    ) -> Result<(Plan, RemoteState), AppError> {
        let remote = self.fetch(&scope.resources).await?;
        let rules = |r: &Resource| self.rules(r);
        let input = PlanInput {
            environment: self.loaded.environment.clone(),
            manifest_hash: self.loaded.content_hash.clone(),
            scope: plan_scope,
            out_of_scope: &scope.out_of_scope,
            context: &scope.context,
            rules: &rules,
        };
        let plan = plan::plan(&scope.resources, &remote, &input).map_err(AppError::Protected)?;
        Ok((plan, remote))
    }

    /// The remote state of `resources`; names the remote does not know become located
    /// diagnostics.
    pub async fn fetch(&self, resources: &[Resource]) -> Result<RemoteState, AppError> {
        let reading: HashSet<&Address> = resources.iter().map(|r| &r.address).collect();
        let elsewhere = self
            .loaded
            .resources
            .iter()
            .map(|r| &r.address)
            .filter(|a| !reading.contains(a))
            .cloned()
            .collect();
        match engine_mod::fetch::fetch_all(resources, &elsewhere, &self.providers).await {
            Ok(remote) => {
                for warning in &remote.warnings {
                    super::output::stderr(&format!("Warning: {warning}\n"));
                }
                Ok(remote)
            }
            Err(ProviderError::References(errors)) => Err(self.reference_diagnostics(&errors)),
            Err(other) => Err(other.into()),
        }
    }

    /// The diff rules of a resource's kind, from its provider.
    pub fn rules(&self, resource: &Resource) -> KindRules {
        self.providers
            .get(&resource.provider)
            .map(|p| p.rules(&resource.kind))
            .unwrap_or_default()
    }

    /// Names the remote does not know, as located manifest diagnostics.
    fn reference_diagnostics(&self, errors: &[ReferenceError]) -> AppError {
        let mut diagnostics = Diagnostics::default();
        for error in errors {
            let pointer = self
                .loaded
                .resources
                .iter()
                .find(|r| r.address == error.address)
                .map(|r| {
                    error
                        .attribute
                        .split('/')
                        .fold(r.pointer.clone(), |pointer, segment| {
                            crate::manifest::source::join(&pointer, segment)
                        })
                })
                .unwrap_or_default();
            let span = self.loaded.located.value(&pointer);
            let diagnostic = self
                .loaded
                .sources
                .diagnostic(
                    match error.kind {
                        ReferenceKind::UnknownName => DiagnosticKind::DanglingReference,
                        ReferenceKind::Conflict => DiagnosticKind::Conflict,
                    },
                    error.message.clone(),
                    span,
                    error.label.clone(),
                )
                .with_help_opt(error.help.clone());
            diagnostics.push(diagnostic);
        }
        diagnostics.sort();
        AppError::UnknownNames(diagnostics)
    }

    /// Requests sent by every provider so far.
    pub fn requests_sent(&self) -> u64 {
        self.providers.values().map(|p| p.requests_sent()).sum()
    }
}

//! What `plan` and `apply` share: load the manifest, start the embedded sandbox when a
//! provider asks for it, build the provider instances, fetch and plan.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::AppError;
use crate::cli::{EngineArgs, ManifestArgs};
use crate::engine::plan::{self, Plan, PlanInput};
use crate::engine::{self as engine_mod};
use crate::manifest::diagnostic::did_you_mean;
use crate::manifest::diagnostic::{DiagnosticKind, Diagnostics};
use crate::manifest::{self, LoadedManifest};
use crate::model::{Address, RemoteState, Resource};
use crate::providers::http::{HttpClient, HttpConfig};
use crate::providers::{self, Provider, ProviderError, ReferenceError};
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
    manifest::load(&args.path, args.env.as_deref(), &process_env).map_err(AppError::Manifest)
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
        let sandbox = if providers::uses_sandbox(&loaded.providers) {
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
        let mut instances = HashMap::new();
        for (name, config) in &loaded.providers {
            let provider =
                providers::instantiate(name, config, urls_ref, &process_env, http.clone())?;
            instances.insert(name.clone(), provider);
        }
        Ok(Session {
            loaded,
            providers: instances,
            _sandbox: sandbox,
        })
    }

    /// The resources in scope: all, or the `--target`s with their subtrees and everything
    /// they depend on.
    pub fn scoped_resources(&self, targets: &[String]) -> Result<Vec<Resource>, AppError> {
        let resources = &self.loaded.resources;
        if targets.is_empty() {
            return Ok(resources.clone());
        }
        let by_address: HashMap<&Address, &Resource> =
            resources.iter().map(|r| (&r.address, r)).collect();
        let mut selected: BTreeSet<Address> = BTreeSet::new();
        for target in targets {
            let target = Address(target.clone());
            let matched: Vec<&Resource> = resources
                .iter()
                .filter(|r| r.address.is_within(&target))
                .collect();
            if matched.is_empty() {
                let help = did_you_mean(
                    target.as_str(),
                    resources.iter().map(|r| r.address.as_str()),
                );
                return Err(AppError::usage(
                    format!("--target `{target}` matches no resource"),
                    help,
                ));
            }
            let mut stack: Vec<&Resource> = matched;
            while let Some(resource) = stack.pop() {
                if selected.insert(resource.address.clone()) {
                    stack.extend(
                        resource
                            .depends_on
                            .iter()
                            .filter_map(|d| by_address.get(d).copied()),
                    );
                    stack.extend(
                        resource
                            .parent
                            .iter()
                            .filter_map(|p| by_address.get(p).copied()),
                    );
                }
            }
        }
        Ok(resources
            .iter()
            .filter(|r| selected.contains(&r.address))
            .cloned()
            .collect())
    }

    /// Fetches the remote state of `resources` and plans.
    pub async fn plan(
        &self,
        resources: &[Resource],
        engine: &EngineArgs,
    ) -> Result<(Plan, RemoteState), AppError> {
        let remote = match engine_mod::fetch::fetch_all(resources, &self.providers).await {
            Ok(remote) => remote,
            Err(ProviderError::References(errors)) => {
                return Err(self.reference_diagnostics(&errors));
            }
            Err(other) => return Err(other.into()),
        };
        let rules = |r: &Resource| {
            self.providers
                .get(&r.provider)
                .map(|p| p.rules(&r.kind))
                .unwrap_or_default()
        };
        let input = PlanInput {
            environment: self.loaded.environment.clone(),
            manifest_hash: self.loaded.content_hash.clone(),
            prune_all: engine.prune,
            rules: &rules,
        };
        let plan = plan::plan(resources, &remote, &input).map_err(AppError::Protected)?;
        Ok((plan, remote))
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
                .map(|r| crate::manifest::source::join(&r.pointer, &error.attribute))
                .unwrap_or_default();
            let span = self.loaded.located.value(&pointer);
            let diagnostic = self
                .loaded
                .sources
                .diagnostic(
                    DiagnosticKind::DanglingReference,
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

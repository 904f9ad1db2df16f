//! The GitHub provider: configuration, and the [`Provider`] implementation that hands its
//! client and the places and ids it learnt while reading ([`Known`]) to [`super::fetch`]
//! and [`super::execute`].

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::client::{GithubClient, RepoRef};
use super::config::{ENDPOINTS, ENV_TOKENS, GithubConfig};
use super::emulator::demo;
use super::lower::{KIND_DEPLOYMENT, KIND_SECRET};
use crate::model::{Address, Change, KindRules, RemoteState, Resource};
use crate::providers::common::instance::Instance;
use crate::providers::kind::Setup;
use crate::providers::{ApplyContext, ExportFilter, Exported, Outcome, Provider, ProviderError};

/// Where an object lives: its repository and, below an environment, the environment's name
/// (as the manifest spells it: GitHub matches environment names ignoring case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place {
    pub repo: RepoRef,
    pub environment: Option<String>,
}

/// What reading taught the instance, for the writes: where each address lives, and the ids
/// of the reviewers named.
#[derive(Debug, Default)]
pub(super) struct Known {
    pub places: HashMap<Address, Place>,
    /// (type, lower-case login or slug, organisation for teams) → id.
    pub reviewers: HashMap<super::reviewers::ReviewerKey, i64>,
    /// Each declared environment as GitHub has it: a PUT replaces every protection setting,
    /// so the ones the manifest leaves out are sent as they are.
    pub environments: HashMap<Address, super::wire::Environment>,
    /// Per record, the records earlier applies of it opened and never closed.
    pub stale_records: HashMap<Address, Vec<i64>>,
}

/// One `github` provider instance.
pub struct GithubProvider {
    /// The instance's name (under `providers:`).
    pub(super) name: String,
    pub(super) client: GithubClient,
    pub(super) known: Mutex<Known>,
    /// Tells this process's records apart from any other's (the run marker's suffix).
    pub(super) run: String,
}

impl GithubProvider {
    pub fn from_config(
        name: &str,
        config: &GithubConfig,
        setup: &Setup<'_>,
    ) -> Result<Self, ProviderError> {
        let (instance, api, _) = Instance::open(
            name,
            setup,
            config.endpoint.as_deref(),
            &ENDPOINTS,
            super::TYPE,
        )?;
        let written = config.credentials.token.as_deref();
        let token = (instance.token(written, demo::GITHUB_TOKEN, &ENV_TOKENS))
            .map(|(token, _)| token)
            .ok_or_else(|| {
                instance.error(
                    "no GitHub token",
                    Some(format!(
                        "export {} (or {}), or set `credentials: {{ token: ${{secret.…}} }}`",
                        ENV_TOKENS[0], ENV_TOKENS[1]
                    )),
                )
            })?;
        let client = GithubClient::new(&api, &token, setup.http.clone())
            .map_err(|err| instance.error(err.to_string(), None))?;
        Ok(GithubProvider {
            name: name.to_owned(),
            client,
            known: Mutex::new(Known::default()),
            run: run_id(),
        })
    }

    pub(super) fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A value no other process shares: the time and the process id.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{:x}", nanos, std::process::id())
}

/// How a record is posted, not what it records: never compared with GitHub's copy.
/// (`environment` and `task` pick which records the newest successful one is read from.)
const DEPLOYMENT_LOCAL: &[&str] = &[
    "environment",
    "task",
    "description",
    "environment_url",
    "log_url",
    "payload",
    "transient_environment",
    "production_environment",
    "auto_inactive",
    "auto_merge",
    "required_contexts",
];
/// A secret's value cannot be read back: only its presence (and, with `rotate`, the time
/// it was last written) is compared.
const SECRET_LOCAL: &[&str] = &["value"];

#[async_trait]
impl Provider for GithubProvider {
    fn rules(&self, kind: &str) -> KindRules {
        match kind {
            KIND_DEPLOYMENT => KindRules {
                release: Some("ref"),
                local_only: DEPLOYMENT_LOCAL,
                ..KindRules::default()
            },
            KIND_SECRET => KindRules {
                local_only: SECRET_LOCAL,
                ..KindRules::default()
            },
            _ => KindRules::default(),
        }
    }

    async fn fetch(
        &self,
        desired: &[&Resource],
        elsewhere: &std::collections::BTreeSet<Address>,
    ) -> Result<RemoteState, ProviderError> {
        super::fetch::fetch(self, desired, elsewhere).await
    }

    async fn execute(
        &self,
        change: &Change,
        desired: Option<&Resource>,
        ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        super::execute::execute(self, change, desired, ctx).await
    }

    fn requests_sent(&self) -> u64 {
        self.client.http_stats().total
    }

    async fn export(&self, filter: &ExportFilter) -> Result<Exported, ProviderError> {
        super::export::export(&self.name, &self.client, filter).await
    }
}

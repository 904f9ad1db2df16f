//! The GitLab provider: configuration, and the [`Provider`] implementation that hands its
//! client and what it learnt while reading ([`Known`]) to [`super::fetch`] and
//! [`super::execute`].

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::client::{GitlabClient, Token};
use super::config::{ENDPOINTS, ENV_JOB_TOKEN, ENV_TOKEN, GitlabConfig};
use super::emulator::demo;
use super::lower::{KIND_DEPLOYMENT, KIND_ENVIRONMENT};
use super::wire::ProtectedEnvironment;
use crate::model::{Address, Change, KindRules, RemoteState, Resource};
use crate::providers::common::instance::{Instance, TokenFrom};
use crate::providers::kind::Setup;
use crate::providers::{ApplyContext, ExportFilter, Exported, Outcome, Provider, ProviderError};

/// Where an object lives: its project (numeric id, path as written) and, below an
/// environment, the environment's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place {
    pub project: u64,
    pub path: String,
    pub environment: Option<String>,
}

/// What a deployment record needs at apply time, read during the plan.
#[derive(Debug, Clone)]
pub(super) struct RecordTarget {
    /// The commit the record names: written in the manifest, or the ref's head when read.
    pub sha: String,
    /// The id of the environment's last successful deployment, if any.
    pub last_success: Option<u64>,
}

/// What reading taught the instance, for the writes.
#[derive(Debug, Default)]
pub(super) struct Known {
    pub places: HashMap<Address, Place>,
    /// Lower-case username → user id.
    pub users: HashMap<String, u64>,
    /// Lower-case group full path → group id.
    pub groups: HashMap<String, u64>,
    /// Each declared protection as GitLab has it: an update names the entries to remove by
    /// their ids.
    pub protections: HashMap<Address, ProtectedEnvironment>,
    pub records: HashMap<Address, RecordTarget>,
}

/// One `gitlab` provider instance.
pub struct GitlabProvider {
    /// The instance's name (under `providers:`).
    pub(super) name: String,
    pub(super) client: GitlabClient,
    pub(super) known: Mutex<Known>,
}

impl GitlabProvider {
    pub fn from_config(
        name: &str,
        config: &GitlabConfig,
        setup: &Setup<'_>,
    ) -> Result<Self, ProviderError> {
        let (instance, base, _) = Instance::open(
            name,
            setup,
            config.endpoint.as_deref(),
            &ENDPOINTS,
            super::TYPE,
        )?;
        let written = config.credentials.token.as_deref();
        let env = [ENV_TOKEN, ENV_JOB_TOKEN];
        let token = (instance.token(written, demo::GITLAB_TOKEN, &env))
            .map(|(token, from)| match from {
                TokenFrom::Env(ENV_JOB_TOKEN) => Token::Job(token),
                _ => Token::Private(token),
            })
            .ok_or_else(|| {
            instance.error(
                "no GitLab token",
                Some(format!(
                    "export {ENV_TOKEN} (a personal, project or group access token with the `api` scope), run inside a GitLab CI job ({ENV_JOB_TOKEN}), or set `credentials: {{ token: ${{secret.…}} }}`"
                )),
            )
        })?;
        let client = GitlabClient::new(&base, token, setup.http.clone())
            .map_err(|err| instance.error(err.to_string(), None))?;
        Ok(GitlabProvider {
            name: name.to_owned(),
            client,
            known: Mutex::new(Known::default()),
        })
    }

    pub(super) fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// GitLab environment names cannot change (16.0 removed `name` from the update call).
const ENVIRONMENT_IMMUTABLE: &[(&str, &str)] =
    &[("name", "GitLab environment names cannot change")];
/// Steers which environment is read as the old one; never compared.
const ENVIRONMENT_LOCAL: &[&str] = &["renamed_from"];
/// How a record is posted, not what it records: the record's `ref` (with its commit) is
/// what is compared.
const DEPLOYMENT_LOCAL: &[&str] = &["environment", "tag", "sha"];

#[async_trait]
impl Provider for GitlabProvider {
    fn rules(&self, kind: &str) -> KindRules {
        match kind {
            KIND_ENVIRONMENT => KindRules {
                immutable: ENVIRONMENT_IMMUTABLE,
                local_only: ENVIRONMENT_LOCAL,
                ..KindRules::default()
            },
            KIND_DEPLOYMENT => KindRules {
                release: Some("ref"),
                local_only: DEPLOYMENT_LOCAL,
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
        self.client.requests_sent()
    }

    async fn export(&self, filter: &ExportFilter) -> Result<Exported, ProviderError> {
        super::export::export(&self.name, &self.client, filter).await
    }
}

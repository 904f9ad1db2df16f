//! The NHN Cloud Deploy provider: configuration, name lookups shared by fetch and execute,
//! and the [`Provider`] implementation.

use std::collections::HashMap;

use async_trait::async_trait;
use futures_util::future::try_join_all;
use tokio::sync::Mutex;

use super::client::{NhnAuth, NhnClient, NhnError};
use super::config::{
    self, ENV_ACCESS_KEY_ID, ENV_APP_KEY, ENV_SECRET_ACCESS_KEY, ENV_TOKEN, NhnConfig,
};
use super::emulator::demo;
use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::wire;
use crate::model::{Change, KindRules, RemoteState, Resource};
use crate::providers::common::instance::{self, Instance};
use crate::providers::kind::Setup;
use crate::providers::{ApplyContext, Outcome, Provider, ProviderError};
use crate::redact;

/// Names resolved to ids, kept between fetch and execute.
#[derive(Default)]
pub(super) struct Lookups {
    pub artifacts: HashMap<String, wire::Artifact>,
    pub server_groups: HashMap<i64, Vec<wire::ServerGroup>>,
    pub binary_groups: HashMap<i64, Vec<wire::BinaryGroup>>,
}

/// A spawned lookup that panicked or was cancelled.
pub(super) fn task_failed(err: tokio::task::JoinError) -> ProviderError {
    ProviderError::Precondition(format!("lookup task failed: {err}"))
}

/// One `nhn-deploy` provider instance.
pub struct NhnProvider {
    pub(super) client: NhnClient,
    pub(super) lookups: Mutex<Lookups>,
}

pub(super) fn request_error(call: impl Into<String>, err: NhnError) -> ProviderError {
    let hint = if err.is_auth() {
        Some("check the app key and the credentials (NHN_ACCESS_KEY_ID / NHN_SECRET_ACCESS_KEY or NHN_DEPLOY_TOKEN)".into())
    } else {
        None
    };
    let call = call.into();
    let text = redact::redact(&err.to_string()).into_owned();
    // The client's messages already name their call; do not say it twice.
    let message = text
        .strip_prefix(&format!("{call}: "))
        .map(str::to_owned)
        .unwrap_or(text);
    ProviderError::Request {
        call,
        message,
        hint,
    }
}

impl NhnProvider {
    pub fn from_config(
        name: &str,
        config: &NhnConfig,
        setup: &Setup<'_>,
    ) -> Result<Self, ProviderError> {
        let endpoint = instance::endpoint(
            config.endpoint.as_deref(),
            config::DEFAULT_ENDPOINT,
            &config::endpoint_names(),
        )
        .map_err(|bad| instance::config_error(name, format!("unknown endpoint `{bad}`"), None))?;
        // A base URL serves both the API and, unless `oauth_endpoint` says otherwise, the
        // token exchange; so does the sandbox.
        let named_oauth = match &endpoint {
            instance::Endpoint::Named(known) => Some(config::named_bases(known).1),
            _ => None,
        };
        let (instance, api) = Instance::base_url(name, setup, endpoint, super::TYPE, |known| {
            config::named_bases(known).0
        })?;
        let oauth = config
            .oauth_endpoint
            .as_deref()
            .map(|o| o.trim_end_matches('/').to_owned())
            .filter(|_| !instance.demo)
            .or(named_oauth)
            .unwrap_or_else(|| api.clone());
        let credentials = &config.credentials;
        let app_key = instance
            .value(config.app_key.as_deref(), ENV_APP_KEY, demo::NHN_APP_KEY)
            .ok_or_else(|| {
                instance.error(
                    "no app key",
                    Some(format!(
                        "set `app_key:` on the provider or export {ENV_APP_KEY}"
                    )),
                )
            })?;
        let token = credentials.token.clone().or_else(|| (setup.env)(ENV_TOKEN));
        let auth = match token {
            Some(token) => {
                redact::register(&token);
                NhnAuth::Token(token)
            }
            None => {
                let id = instance.value(
                    credentials.access_key_id.as_deref(),
                    ENV_ACCESS_KEY_ID,
                    demo::NHN_ACCESS_KEY_ID,
                );
                let secret = instance.value(
                    credentials.secret_access_key.as_deref(),
                    ENV_SECRET_ACCESS_KEY,
                    demo::NHN_SECRET_ACCESS_KEY,
                );
                let (Some(id), Some(secret)) = (id, secret) else {
                    return Err(instance.error(
                        "no API credentials",
                        Some(format!(
                            "export {ENV_ACCESS_KEY_ID} and {ENV_SECRET_ACCESS_KEY} (a User Access Key), or {ENV_TOKEN}"
                        )),
                    ));
                };
                redact::register(&secret);
                NhnAuth::AccessKey { id, secret }
            }
        };
        let client = NhnClient::new(&api, &oauth, &app_key, auth, setup.http.clone());
        Ok(NhnProvider {
            client,
            lookups: Mutex::new(Lookups::default()),
        })
    }

    /// The artifact named `name`, from the cache or the API.
    pub(super) async fn artifact(
        &self,
        name: &str,
    ) -> Result<Option<wire::Artifact>, ProviderError> {
        if let Some(found) = self.lookups.lock().await.artifacts.get(name) {
            return Ok(Some(found.clone()));
        }
        let found = self
            .client
            .find_artifact(name)
            .await
            .map_err(|e| request_error(format!("find artifact `{name}`"), e))?;
        if let Some(artifact) = &found {
            self.lookups
                .lock()
                .await
                .artifacts
                .insert(name.to_owned(), artifact.clone());
        }
        Ok(found)
    }

    /// Looks up every artifact named, all at once: one round trip however many artifacts
    /// the manifest names. `None` for a name that does not exist.
    pub(super) async fn artifacts(
        &self,
        names: impl IntoIterator<Item = String>,
    ) -> Result<HashMap<String, Option<wire::Artifact>>, ProviderError> {
        let lookups = names.into_iter().map(|name| async move {
            let found = self.artifact(&name).await?;
            Ok::<_, ProviderError>((name, found))
        });
        Ok(try_join_all(lookups).await?.into_iter().collect())
    }

    /// Fills the group caches for these artifacts, every list at once, so that the
    /// per-resource lookups after it cost no request.
    pub(super) async fn load_groups(
        &self,
        binary_groups_of: &[wire::Artifact],
        server_groups_of: &[wire::Artifact],
    ) -> Result<(), ProviderError> {
        tokio::try_join!(
            try_join_all(binary_groups_of.iter().map(|a| self.binary_groups(a))),
            try_join_all(server_groups_of.iter().map(|a| self.server_groups(a))),
        )?;
        Ok(())
    }

    pub(super) async fn server_groups(
        &self,
        artifact: &wire::Artifact,
    ) -> Result<Vec<wire::ServerGroup>, ProviderError> {
        if let Some(found) = self.lookups.lock().await.server_groups.get(&artifact.id) {
            return Ok(found.clone());
        }
        let groups = self
            .client
            .list_server_groups(artifact.id)
            .await
            .map_err(|e| {
                request_error(
                    format!("list server groups of artifact `{}`", artifact.name),
                    e,
                )
            })?;
        self.lookups
            .lock()
            .await
            .server_groups
            .insert(artifact.id, groups.clone());
        Ok(groups)
    }

    pub(super) async fn binary_groups(
        &self,
        artifact: &wire::Artifact,
    ) -> Result<Vec<wire::BinaryGroup>, ProviderError> {
        if let Some(found) = self.lookups.lock().await.binary_groups.get(&artifact.id) {
            return Ok(found.clone());
        }
        let groups = self
            .client
            .list_binary_groups(artifact.id)
            .await
            .map_err(|e| {
                request_error(
                    format!("list binary groups of artifact `{}`", artifact.name),
                    e,
                )
            })?;
        self.lookups
            .lock()
            .await
            .binary_groups
            .insert(artifact.id, groups.clone());
        Ok(groups)
    }
}

/// Binaries are identified by version: once uploaded, a version is what it is.
const BINARY_LOCAL: &[&str] = &[
    "file",
    "size",
    "sha256",
    "application_type",
    "description",
    "os_type",
    "fix",
    "meta_file",
];
/// Everything but the version steers how a deployment runs, not what runs.
const RELEASE_LOCAL: &[&str] = &[
    "binary_group",
    "scenarios",
    "concurrent_num",
    "next_when_fail",
    "target_server_hostnames",
    "deploy_note",
    "async",
    "timeout_seconds",
];

#[async_trait]
impl Provider for NhnProvider {
    fn rules(&self, kind: &str) -> KindRules {
        match kind {
            KIND_BINARY => KindRules {
                local_only: BINARY_LOCAL,
                versioned_by: Some("version"),
                ..KindRules::default()
            },
            KIND_RELEASE => KindRules {
                release: Some("version"),
                local_only: RELEASE_LOCAL,
                ..KindRules::default()
            },
            _ => KindRules::default(),
        }
    }

    async fn fetch(
        &self,
        desired: &[&Resource],
        _elsewhere: &std::collections::BTreeSet<crate::model::Address>,
    ) -> Result<RemoteState, ProviderError> {
        super::fetch::fetch(self, desired).await
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
}

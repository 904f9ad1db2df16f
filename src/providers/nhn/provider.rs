//! The NHN Cloud Deploy provider: configuration, name lookups shared by fetch and execute,
//! and the [`Provider`] implementation.

use std::collections::HashMap;

use async_trait::async_trait;
use futures_util::future::try_join_all;
use tokio::sync::Mutex;

use super::client::{NhnAuth, NhnClient, NhnError};
use super::config::{self, ENV_ACCESS_KEY_ID, ENV_APP_KEY, ENV_SECRET_ACCESS_KEY, ENV_TOKEN};
use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::wire;
use crate::manifest::schema::ProviderConfig;
use crate::model::{Change, KindRules, RemoteState, Resource};
use crate::providers::http::HttpClient;
use crate::providers::{ApplyContext, Outcome, Provider, ProviderError, SandboxUrls};
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
        config: &ProviderConfig,
        sandbox: SandboxUrls<'_>,
        env: &dyn Fn(&str) -> Option<String>,
        http: HttpClient,
    ) -> Result<Self, ProviderError> {
        let config_error = |message: String, hint: Option<String>| ProviderError::Config {
            provider: name.to_owned(),
            message,
            hint,
        };
        let bases = config::bases(config.endpoint.as_deref(), config.oauth_endpoint.as_deref())
            .map_err(|bad| config_error(format!("unknown endpoint `{bad}`"), None))?;
        let ((api, oauth), demo) = match bases {
            Some(bases) => (bases, false),
            None => match sandbox {
                Some(urls) => {
                    let base = urls("nhn-deploy");
                    ((base.clone(), base), true)
                }
                None => {
                    return Err(config_error(
                        "the embedded sandbox is not running".into(),
                        None,
                    ));
                }
            },
        };
        let setting = |key: &str, env_name: &str, demo_value: &str| -> Option<String> {
            config
                .credentials
                .get(key)
                .cloned()
                .or_else(|| env(env_name))
                .or_else(|| demo.then(|| demo_value.to_owned()))
        };
        let app_key = config
            .app_key
            .clone()
            .or_else(|| env(ENV_APP_KEY))
            .or_else(|| demo.then(|| crate::sandbox::demo::NHN_APP_KEY.to_owned()))
            .ok_or_else(|| {
                config_error(
                    "no app key".into(),
                    Some(format!(
                        "set `app_key:` on the provider or export {ENV_APP_KEY}"
                    )),
                )
            })?;
        let token = config
            .credentials
            .get("token")
            .cloned()
            .or_else(|| env(ENV_TOKEN));
        let auth = match token {
            Some(token) => {
                redact::register(&token);
                NhnAuth::Token(token)
            }
            None => {
                let id = setting(
                    "access_key_id",
                    ENV_ACCESS_KEY_ID,
                    crate::sandbox::demo::NHN_ACCESS_KEY_ID,
                );
                let secret = setting(
                    "secret_access_key",
                    ENV_SECRET_ACCESS_KEY,
                    crate::sandbox::demo::NHN_SECRET_ACCESS_KEY,
                );
                let (Some(id), Some(secret)) = (id, secret) else {
                    return Err(config_error(
                        "no API credentials".into(),
                        Some(format!(
                            "export {ENV_ACCESS_KEY_ID} and {ENV_SECRET_ACCESS_KEY} (a User Access Key), or {ENV_TOKEN}"
                        )),
                    ));
                };
                redact::register(&secret);
                NhnAuth::AccessKey { id, secret }
            }
        };
        let client = NhnClient::new(&api, &oauth, &app_key, auth, http);
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

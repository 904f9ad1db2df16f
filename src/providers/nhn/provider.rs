//! The NHN Cloud Deploy provider: configuration, and the [`Provider`] implementation that
//! hands its client and name cache ([`super::remote`]) to [`super::fetch`] and
//! [`super::execute`].

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::client::{NhnAuth, NhnClient};
use super::config::{self, ENV_ACCESS_KEY_ID, ENV_APP_KEY, ENV_SECRET_ACCESS_KEY, ENV_TOKEN};
use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::remote::{Lookups, Remote};
use crate::manifest::schema::ProviderConfig;
use crate::model::{Change, KindRules, RemoteState, Resource};
use crate::providers::http::HttpClient;
use crate::providers::{ApplyContext, Outcome, Provider, ProviderError, SandboxUrls};
use crate::redact;

/// One `nhn-deploy` provider instance.
pub struct NhnProvider {
    pub(super) client: NhnClient,
    pub(super) lookups: Mutex<Lookups>,
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

    /// What fetch and execute work with: the client and the names resolved so far.
    fn remote(&self) -> Remote<'_> {
        Remote::new(&self.client, &self.lookups)
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
        super::fetch::fetch(&self.remote(), desired).await
    }

    async fn execute(
        &self,
        change: &Change,
        desired: Option<&Resource>,
        ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        super::execute::execute(&self.remote(), change, desired, ctx).await
    }

    fn requests_sent(&self) -> u64 {
        self.client.http_stats().total
    }
}

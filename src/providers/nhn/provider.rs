//! The NHN Cloud Deploy provider: configuration, and the [`Provider`] implementation that
//! hands its client and name cache ([`super::remote`]) to [`super::fetch`] and
//! [`super::execute`].

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::client::{NhnAuth, NhnClient};
use super::config::{
    self, ENV_ACCESS_KEY_ID, ENV_APP_KEY, ENV_SECRET_ACCESS_KEY, ENV_TOKEN, NhnConfig,
};
use super::emulator::demo;
use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::remote::{Lookups, Remote};
use crate::model::{Change, KindRules, RemoteState, Resource};
use crate::providers::common::instance::{Credential, Endpoint, Instance};
use crate::providers::kind::Setup;
use crate::providers::{ApplyContext, Outcome, Provider, ProviderError};
use crate::redact;

/// One `nhn-deploy` provider instance.
pub struct NhnProvider {
    pub(super) client: NhnClient,
    pub(super) lookups: Mutex<Lookups>,
}

impl NhnProvider {
    pub fn from_config(
        name: &str,
        config: &NhnConfig,
        setup: &Setup<'_>,
    ) -> Result<Self, ProviderError> {
        let (instance, api, endpoint) = Instance::open(
            name,
            setup,
            config.endpoint.as_deref(),
            &config::ENDPOINTS,
            super::TYPE,
        )?;
        // A base URL serves both the API and, unless `oauth_endpoint` says otherwise, the
        // token exchange; so does the sandbox.
        let named_oauth = match endpoint {
            Endpoint::Named(known, _) => config::named_oauth(known).map(str::to_owned),
            _ => None,
        };
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
                let (id, secret) = instance.key_pair(
                    Credential {
                        written: credentials.access_key_id.as_deref(),
                        env: ENV_ACCESS_KEY_ID,
                        demo: demo::NHN_ACCESS_KEY_ID,
                    },
                    Credential {
                        written: credentials.secret_access_key.as_deref(),
                        env: ENV_SECRET_ACCESS_KEY,
                        demo: demo::NHN_SECRET_ACCESS_KEY,
                    },
                    format!(
                        "export {ENV_ACCESS_KEY_ID} and {ENV_SECRET_ACCESS_KEY} (a User Access Key), or {ENV_TOKEN}"
                    ),
                )?;
                NhnAuth::AccessKey { id, secret }
            }
        };
        let client = NhnClient::new(&api, &oauth, &app_key, auth, setup.http.clone());
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

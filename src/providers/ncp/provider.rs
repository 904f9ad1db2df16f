//! The SourceDeploy provider: configuration, and the [`Provider`] implementation that
//! delegates to [`super::fetch`], [`super::execute`] and [`super::export`].

use async_trait::async_trait;

use super::client::{NcpClient, NcpCredentials};
use super::config::{self, ENV_ACCESS_KEY, ENV_SECRET_KEY, NcpConfig};
use super::emulator::demo;
use super::lower::{KIND_PROJECT, KIND_RELEASE, KIND_SCENARIO, KIND_STAGE};
use crate::model::{Change, KindRules, RemoteState, Resource};
use crate::providers::common::instance::{Credential, Instance};
use crate::providers::kind::Setup;
use crate::providers::{ApplyContext, ExportFilter, Exported, Outcome, Provider, ProviderError};

/// One `ncp-sourcedeploy` provider instance.
pub struct NcpProvider {
    pub(super) name: String,
    pub(super) client: NcpClient,
}

impl NcpProvider {
    pub fn from_config(
        name: &str,
        config: &NcpConfig,
        setup: &Setup<'_>,
    ) -> Result<Self, ProviderError> {
        let (instance, base, _) = Instance::open(
            name,
            setup,
            config.endpoint.as_deref(),
            &config::ENDPOINTS,
            super::TYPE,
        )?;
        let credentials = &config.credentials;
        let (access_key, secret_key) = instance.key_pair(
            Credential {
                written: credentials.access_key.as_deref(),
                env: ENV_ACCESS_KEY,
                demo: demo::ACCESS_KEY,
            },
            Credential {
                written: credentials.secret_key.as_deref(),
                env: ENV_SECRET_KEY,
                demo: demo::SECRET_KEY,
            },
            format!(
                "export {ENV_ACCESS_KEY} and {ENV_SECRET_KEY}, or set `credentials: {{ access_key: ${{env.X}}, secret_key: ${{secret.Y}} }}`"
            ),
        )?;
        let client = NcpClient::new(
            &base,
            config.region.clone(),
            NcpCredentials {
                access_key,
                secret_key,
            },
            setup.http.clone(),
        );
        Ok(NcpProvider {
            name: name.to_owned(),
            client,
        })
    }
}

/// Scenario names are immutable in the API (the edit body has no `name`), but the name is
/// the identity here, so a rename is a new scenario; stage target types cannot change in
/// place with scenarios attached, so a target type change replaces the stage.
const STAGE_IMMUTABLE: &[(&str, &str)] = &[(
    "target.type",
    "a stage's target type cannot change in place",
)];

#[async_trait]
impl Provider for NcpProvider {
    fn rules(&self, kind: &str) -> KindRules {
        match kind {
            KIND_STAGE => KindRules {
                immutable: STAGE_IMMUTABLE,
                ..KindRules::default()
            },
            KIND_RELEASE => KindRules {
                release: Some("artifact"),
                local_only: &["timeout_seconds"],
                ..KindRules::default()
            },
            KIND_PROJECT | KIND_SCENARIO => KindRules::default(),
            _ => KindRules::default(),
        }
    }

    async fn fetch(
        &self,
        desired: &[&Resource],
        elsewhere: &std::collections::BTreeSet<crate::model::Address>,
    ) -> Result<RemoteState, ProviderError> {
        super::fetch::fetch(&self.name, &self.client, desired, elsewhere).await
    }

    async fn execute(
        &self,
        change: &Change,
        desired: Option<&Resource>,
        ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        super::execute::execute(&self.name, &self.client, change, desired, ctx).await
    }

    fn requests_sent(&self) -> u64 {
        self.client.http_stats().total
    }

    async fn export(&self, filter: &ExportFilter) -> Result<Exported, ProviderError> {
        super::export::export(&self.name, &self.client, filter).await
    }
}

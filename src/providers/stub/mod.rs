//! A provider type that exists only in the test build. It is what the checklist in
//! `providers/README.md` produces at its smallest — one folder plus one registry line — and
//! the tests beside it show that this is enough: the type appears in the manifest schema,
//! `validate` lowers its section, and the sandbox mounts its emulator and prints its demo
//! environment in the banner.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Change, KindRules, RemoteState, Resource};
use crate::providers::common::instance::Endpoints;
use crate::providers::kind::{ProviderKind, Setup};
use crate::providers::{ApplyContext, Outcome, Provider, ProviderError};
use crate::sandbox::{Emulator, EmulatorContext, EmulatorState, InjectedFault};

#[cfg(test)]
mod tests;

pub const TYPE: &str = "stub-echo";
const KIND_THING: &str = "thing";
const ENDPOINTS: Endpoints = Endpoints {
    default: "public",
    named: &[("public", "https://echo.example.test")],
};

/// The provider type.
pub struct Echo;

/// Settings of a `stub-echo` instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StubEchoConfig")]
pub struct Config {
    /// `sandbox`, `public` (the default) or a base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// What the service answers with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
}

/// The `stub-echo:` section.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StubEchoSection")]
pub struct Section {
    /// Things by name.
    #[serde(default)]
    pub things: BTreeMap<String, Thing>,
}

/// One thing.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StubEchoThing")]
pub struct Thing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// How big it is.
    pub size: u8,
    /// A release whose deployment this thing records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
}

impl ProviderKind for Echo {
    const TYPE: &'static str = TYPE;
    const TITLE: &'static str = "Echo service (test build only)";
    const DEMO_ENVIRONMENT: &'static [(&'static str, &'static str)] =
        &[("STUB_ECHO_TOKEN", "stub-echo-demo-token")];
    type Config = Config;
    type Section = Section;

    fn validate_config(_name: &str, config: &Config, pointer: &str, ctx: &mut Ctx<'_>) {
        ENDPOINTS.check(config.endpoint.as_deref(), pointer, ctx);
    }

    fn lower(section: &Section, ctx: &mut Ctx<'_>) -> Vec<Resource> {
        let mut resources = Vec::new();
        for (name, thing) in &section.things {
            let pointer = join(&join(&join("", TYPE), "things"), name);
            let Some(provider) = ctx.provider_for(thing.provider.as_deref(), TYPE, &pointer) else {
                continue;
            };
            resources.push(ctx.resource(ResourceSpec {
                address: Address::root(&provider, KIND_THING, name),
                provider: provider.clone(),
                kind: KIND_THING,
                name,
                parent: None,
                attributes: json!({ "size": thing.size }),
                pointer,
                protect: false,
                prune: false,
                depends_on: Vec::new(),
                explicit_depends_on: &thing.depends_on,
                link: thing.link.as_deref(),
            }));
        }
        resources
    }

    fn instantiate(
        _name: &str,
        _config: &Config,
        _setup: &Setup<'_>,
    ) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(EchoProvider))
    }

    fn emulator(_ctx: &EmulatorContext) -> Arc<dyn Emulator> {
        Arc::new(EchoEmulator)
    }
}

/// An instance: nothing exists remotely, and every change succeeds.
struct EchoProvider;

#[async_trait]
impl Provider for EchoProvider {
    fn rules(&self, _kind: &str) -> KindRules {
        KindRules::default()
    }

    async fn fetch(
        &self,
        _desired: &[&Resource],
        _elsewhere: &BTreeSet<Address>,
    ) -> Result<RemoteState, ProviderError> {
        Ok(RemoteState::default())
    }

    async fn execute(
        &self,
        change: &Change,
        _desired: Option<&Resource>,
        _ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        Ok(Outcome {
            id: Some(change.address.to_string()),
            message: "echoed".into(),
        })
    }

    fn requests_sent(&self) -> u64 {
        0
    }
}

/// The emulated API: one read.
struct EchoEmulator;

impl Emulator for EchoEmulator {
    fn provider_type(&self) -> &'static str {
        TYPE
    }

    fn api_router(self: Arc<Self>) -> Router {
        Router::new().route(
            "/things",
            get(|| async { axum::Json(json!({ "things": [] })) }),
        )
    }

    fn admin_router(self: Arc<Self>) -> Router {
        Router::new()
    }

    fn fault_response(&self, _fault: InjectedFault) -> Response {
        axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
    }

    fn state(&self) -> &dyn EmulatorState {
        &Stateless
    }
}

/// The echo service keeps nothing, so no write costs a line of the state log.
struct Stateless;

impl EmulatorState for Stateless {
    fn save(&self) -> serde_json::Value {
        json!({})
    }

    fn load(&self, _state: serde_json::Value) -> Result<(), String> {
        Ok(())
    }

    fn take_changes(&self) -> Option<Vec<crate::sandbox::StateChange>> {
        Some(Vec::new())
    }
}

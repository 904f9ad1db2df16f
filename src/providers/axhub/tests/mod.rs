//! The provider over real HTTP against the emulator: plans (rollback or build, the states
//! AxHub would refuse, unknown slugs), and applies (a 409 on start, failures with their
//! stage, git connections and staging).

mod applies;
mod plans;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::config::AxhubConfig;
use super::provider::AxhubProvider;
use crate::engine::plan::{self, PlanInput, PlanScope};
use crate::model::{Address, Change, Resource};
use crate::providers::common::fake;
use crate::providers::kind::Setup;
use crate::providers::{Provider, ProviderError, ReferenceError};
use crate::sandbox::SandboxHandle;

/// Commits of the seeded `acme/shop`: `main-2` runs in production, `main-3` is `main`.
pub(super) fn shop_commit(label: &str) -> String {
    super::emulator::seed::commit("acme/shop", label)
}

pub(super) fn provider(sandbox: &SandboxHandle) -> AxhubProvider {
    let urls = |t: &str| sandbox.base_url(t);
    let setup = Setup {
        sandbox: Some(&urls),
        env: &|_| None,
        http: fake::http(),
    };
    let config = AxhubConfig {
        endpoint: Some("sandbox".into()),
        tenant: "acme".into(),
        ..AxhubConfig::default()
    };
    AxhubProvider::from_config("ax", &config, &setup).expect("instance")
}

pub(super) fn app(slug: &str) -> Resource {
    Resource::bare(&format!("ax.app.{slug}"), "ax", "app", slug, json!({}))
}

pub(super) fn child(slug: &str, kind: &str, attributes: Value) -> Resource {
    let parent = Address(format!("ax.app.{slug}"));
    let address = parent.child(kind, slug);
    Resource {
        parent: Some(parent.clone()),
        depends_on: vec![parent],
        ..Resource::bare(address.as_str(), "ax", kind, slug, attributes)
    }
}

pub(super) fn release(slug: &str, commit: &str) -> Resource {
    Resource::bare(
        &format!("ax.release.{slug}-prod"),
        "ax",
        "release",
        &format!("{slug}-prod"),
        json!({ "app": slug, "commit": commit }),
    )
}

pub(super) async fn plan_of(
    provider: &AxhubProvider,
    resources: &[Resource],
) -> Result<Vec<Change>, ProviderError> {
    let refs: Vec<&Resource> = resources.iter().collect();
    let remote = provider.fetch(&refs, &BTreeSet::new()).await?;
    let (none, rules) = (BTreeSet::new(), |r: &Resource| provider.rules(&r.kind));
    let input = PlanInput {
        environment: None,
        manifest_hash: String::new(),
        scope: PlanScope::default(),
        out_of_scope: &none,
        context: &none,
        rules: &rules,
    };
    Ok(plan::plan(resources, &remote, &input)
        .expect("plan")
        .changes)
}

/// The reference errors a plan stops with.
pub(super) async fn refused(
    provider: &AxhubProvider,
    resources: &[Resource],
) -> Vec<ReferenceError> {
    match plan_of(provider, resources).await {
        Err(ProviderError::References(errors)) => errors,
        other => panic!("expected reference errors, got {other:?}"),
    }
}

pub(super) fn change<'c>(changes: &'c [Change], address: &str) -> &'c Change {
    changes
        .iter()
        .find(|c| c.address.as_str() == address)
        .unwrap_or_else(|| panic!("no change of {address}"))
}

//! The provider against the sandbox answering as GitHub Enterprise Server 3.8 on its
//! `/api/v3` mount: environment variables and secrets only by repository id, no API
//! versions, no `prevent_self_review`, branch policies without `type`.

use serde_json::{Value, json};

use super::super::config::GithubConfig;
use super::super::provider::GithubProvider;
use super::roundtrip::{admin, apply_all, manifest, plan_of};
use crate::model::Resource;
use crate::providers::common::{fake, testkit};
use crate::providers::kind::Setup;
use crate::sandbox::SandboxHandle;

/// A provider on the sandbox's Enterprise Server mount, `…/github/api/v3`.
fn enterprise_provider(sandbox: &SandboxHandle) -> GithubProvider {
    let urls = |t: &str| format!("{}/api/v3", sandbox.base_url(t));
    let setup = Setup {
        sandbox: Some(&urls),
        env: &|_| None,
        http: fake::http(),
    };
    let config = GithubConfig {
        endpoint: Some("sandbox".into()),
        ..GithubConfig::default()
    };
    GithubProvider::from_config("gh", &config, &setup).expect("instance")
}

/// The round-trip manifest without what 3.8 does not have (`prevent_self_review`).
fn manifest_for_3_8() -> Vec<Resource> {
    let mut resources = manifest();
    let env = &mut resources[1].attributes;
    env.as_object_mut()
        .expect("attributes")
        .remove("prevent_self_review");
    resources
}

async fn answer_as(sandbox: &SandboxHandle, release: Value) {
    let url = format!("http://{}/_sandbox/github/server", sandbox.addr);
    let reply = reqwest::Client::new()
        .put(url)
        .json(&json!({ "enterprise_version": release }))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{:?}", reply.text().await);
}

#[tokio::test]
async fn an_environment_with_variables_a_secret_a_policy_and_a_record_applies_on_enterprise_3_8() {
    let sandbox = testkit::start(Default::default()).await;
    answer_as(&sandbox, json!("3.8.0")).await;
    let resources = manifest_for_3_8();
    let gh = enterprise_provider(&sandbox);
    let changes = plan_of(&gh, &resources).await;
    assert!(
        changes.iter().filter(|c| c.action.is_change()).count() >= 5,
        "{changes:?}"
    );
    let report = apply_all(gh, changes, &resources).await;
    assert!(report.success(), "{:?}", report.results);

    let gh = enterprise_provider(&sandbox);
    let again = plan_of(&gh, &resources).await;
    let pending: Vec<_> = again
        .iter()
        .filter(|c| c.action.is_change())
        .map(|c| (&c.address, c.action, &c.reason))
        .collect();
    assert!(pending.is_empty(), "a second plan has changes: {pending:?}");
    assert_eq!(gh.client.enterprise_version(), Some((3, 8)));
    assert!(!gh.client.sends_api_version());

    let records = admin(&sandbox, "/repos/octo-org/shop/deployments").await;
    assert_eq!(records["count"], 1, "{records}");
    assert_eq!(
        records["deployments"][0]["states"],
        json!(["success"]),
        "{records}"
    );
    let hash = admin(
        &sandbox,
        "/repos/octo-org/shop/environments/production/secrets/DEPLOY_KEY/sha256",
    )
    .await;
    let expected = crate::digest::sha256_hex(b"s3cr3t-deploy-key");
    assert_eq!(hash["sha256"], expected.as_str());
}

/// The converged plan costs github.com no repository lookup; on 3.8, once the first plan has
/// learnt the release (and the repository id), a repeated plan costs what github.com's does.
#[tokio::test]
async fn github_com_sends_no_repository_lookups_and_a_learnt_3_8_costs_the_same() {
    let sandbox = testkit::start(Default::default()).await;
    let resources = manifest_for_3_8();
    let gh = super::roundtrip::provider(&sandbox);
    let changes = plan_of(&gh, &resources).await;
    assert!(apply_all(gh, changes, &resources).await.success());
    let public = super::roundtrip::provider(&sandbox);
    plan_of(&public, &resources).await;
    assert_eq!(public.client.enterprise_version(), None);
    let first = public.client.http_stats();
    // The repository, its environment list, the environment's variables, secrets and
    // policies, the ref, the two reviewers and the record: no lookup by id.
    assert_eq!(first.total, 9, "{first:?}");
    assert_eq!(
        first.by_method.get("GET").copied(),
        Some(first.total),
        "{first:?}"
    );
    plan_of(&public, &resources).await;
    let repeated = public.client.http_stats().total - first.total;

    answer_as(&sandbox, json!("3.8.0")).await;
    let old = enterprise_provider(&sandbox);
    let first = plan_of(&old, &resources).await;
    assert!(first.iter().all(|c| !c.action.is_change()), "{first:?}");
    let before = old.client.http_stats().total;
    let again = plan_of(&old, &resources).await;
    assert!(again.iter().all(|c| !c.action.is_change()), "{again:?}");
    assert_eq!(old.client.http_stats().total - before, repeated);
}

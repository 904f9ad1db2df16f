use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Value, json};

use super::super::config::GithubConfig;
use super::super::provider::GithubProvider;
use crate::engine::apply::{self, Silent};
use crate::engine::plan::{self, PlanInput, PlanScope};
use crate::model::{Action, Address, Change, Resource};
use crate::providers::common::{fake, testkit};
use crate::providers::kind::Setup;
use crate::providers::{ApplyContext, Provider};
use crate::sandbox::SandboxHandle;

pub(super) const REPO: &str = "gh.repository.\"octo-org/shop\"";

fn child(parent: &str, kind: &str, name: &str, attributes: Value) -> Resource {
    let address = Address(parent.into()).child(kind, name);
    Resource {
        parent: Some(Address(parent.into())),
        depends_on: vec![Address(parent.into())],
        ..Resource::bare(address.as_str(), "gh", kind, name, attributes)
    }
}

/// A repository with a protected production environment and its children, and a record
/// of `main` in production.
pub(super) fn manifest() -> Vec<Resource> {
    let env = format!("{REPO}.environment.production");
    let mut secret = child(
        &env,
        "secret",
        "DEPLOY_KEY",
        json!({ "value": "s3cr3t-deploy-key" }),
    );
    secret.sensitive = vec!["value".into()];
    vec![
        Resource::bare(REPO, "gh", "repository", "octo-org/shop", json!({})),
        child(
            REPO,
            "environment",
            "production",
            json!({
                "wait_timer": 5,
                "prevent_self_review": true,
                "reviewers": { "users": ["octocat"], "teams": ["release-managers"] },
                "deployment_branch_policy": "custom",
            }),
        ),
        child(&env, "branch_policy", "release/*", json!({})),
        child(
            &env,
            "variable",
            "API_URL",
            json!({ "value": "https://shop.example.com" }),
        ),
        secret,
        Resource {
            // A record waits for its environment's branch policies: GitHub refuses a ref
            // they do not allow yet.
            depends_on: vec![
                Address(REPO.into()),
                Address(env.clone()),
                Address(format!("{env}.branch_policy.\"release/*\"")),
            ],
            ..child(
                REPO,
                "deployment",
                "web-prod",
                json!({
                    "environment": "production",
                    "ref": "release/1.0",
                    "task": "deploy",
                    "environment_url": "https://shop.example.com",
                    "auto_merge": false,
                    "required_contexts": [],
                }),
            )
        },
    ]
}

pub(super) fn provider(sandbox: &SandboxHandle) -> GithubProvider {
    let urls = |t: &str| sandbox.base_url(t);
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

pub(super) async fn plan_of(provider: &GithubProvider, resources: &[Resource]) -> Vec<Change> {
    let refs: Vec<&Resource> = resources.iter().collect();
    let remote = provider
        .fetch(&refs, &BTreeSet::new())
        .await
        .expect("fetch");
    let (none, rules) = (BTreeSet::new(), |r: &Resource| provider.rules(&r.kind));
    let input = PlanInput {
        environment: None,
        manifest_hash: String::new(),
        scope: PlanScope::default(),
        out_of_scope: &none,
        context: &none,
        rules: &rules,
    };
    plan::plan(resources, &remote, &input)
        .expect("plan")
        .changes
}

pub(super) async fn apply_all(
    provider: GithubProvider,
    changes: Vec<Change>,
    resources: &[Resource],
) -> apply::ApplyReport {
    let provider: Arc<dyn Provider> = Arc::new(provider);
    let providers = HashMap::from([("gh".to_owned(), provider)]);
    let ctx = ApplyContext::for_tests();
    apply::apply(
        changes,
        resources,
        &providers,
        ctx,
        apply::Limits::slots(4),
        Arc::new(Silent),
    )
    .await
}

pub(super) async fn admin(sandbox: &SandboxHandle, path: &str) -> Value {
    let url = format!("http://{}/_sandbox/github{path}", sandbox.addr);
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_manifest_applies_and_then_plans_as_no_changes() {
    let sandbox = testkit::start(Default::default()).await;
    let resources = manifest();
    let gh = provider(&sandbox);
    let changes = plan_of(&gh, &resources).await;
    let actions: Vec<(String, Action)> = changes
        .iter()
        .map(|c| (c.address.to_string(), c.action))
        .collect();
    // Only the repository (read, never written) is unchanged.
    let unchanged: Vec<&str> = (actions.iter())
        .filter(|(_, action)| *action == Action::Noop)
        .map(|(a, _)| a.as_str())
        .collect();
    assert_eq!(unchanged, [REPO], "{actions:?}");
    let report = apply_all(gh, changes, &resources).await;
    assert!(report.success(), "{:?}", report.results);

    let again = plan_of(&provider(&sandbox), &resources).await;
    let pending: Vec<_> = again
        .iter()
        .filter(|c| c.action.is_change())
        .map(|c| (&c.address, c.action, &c.reason))
        .collect();
    assert!(pending.is_empty(), "a second plan has changes: {pending:?}");

    let records = admin(&sandbox, "/repos/octo-org/shop/deployments").await;
    assert_eq!(records["count"], 1, "{records}");
    assert_eq!(
        records["deployments"][0]["states"],
        json!(["success"]),
        "{records}"
    );
    // The secret arrived sealed for the environment's key: the emulator opened it.
    let hash = admin(
        &sandbox,
        "/repos/octo-org/shop/environments/production/secrets/DEPLOY_KEY/sha256",
    )
    .await;
    let expected = crate::digest::sha256_hex(b"s3cr3t-deploy-key");
    assert_eq!(hash["sha256"], expected.as_str());

    // Export declares the environment as it is, and names the secret without its value.
    let filter = crate::providers::ExportFilter {
        declared: vec!["octo-org/shop".into()],
        ..Default::default()
    };
    let exported = provider(&sandbox).export(&filter).await.expect("export");
    assert_eq!(
        exported.section["repositories"]["octo-org/shop"]["environments"]["production"],
        json!({
            "wait_timer": 5,
            "prevent_self_review": true,
            "reviewers": { "users": ["octocat"], "teams": ["release-managers"] },
            "deployment_branch_policy": { "custom": [{ "branch": "release/*" }] },
            "variables": { "API_URL": "https://shop.example.com" },
        })
    );
    assert!(
        exported
            .notes
            .iter()
            .any(|n| n.contains("Secret `DEPLOY_KEY`")),
        "{:?}",
        exported.notes
    );
    assert!(!format!("{:?}", exported.section).contains("s3cr3t"));
}

#[tokio::test]
async fn an_unknown_reviewer_and_an_unknown_ref_are_reference_errors_before_any_write() {
    let sandbox = testkit::start(Default::default()).await;
    let mut resources = manifest();
    resources[1].attributes["reviewers"] = json!({ "users": ["octocta"], "teams": ["nobody"] });
    resources[5].attributes["ref"] = json!("no-such-branch");
    let gh = provider(&sandbox);
    let refs: Vec<&Resource> = resources.iter().collect();
    let err = gh.fetch(&refs, &BTreeSet::new()).await.unwrap_err();
    let crate::providers::ProviderError::References(errors) = err else {
        panic!("{err}")
    };
    let text: Vec<String> = errors
        .iter()
        .map(|e| format!("{} | {} | {:?}", e.message, e.attribute, e.help))
        .collect();
    assert_eq!(errors.len(), 3, "{text:#?}");
    assert!(
        text.iter()
            .any(|t| t.contains("user `octocta`") && t.contains("did you mean `octocat`?")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("team `nobody`") && t.contains("release-managers")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("`no-such-branch`") && t.contains("| ref |")),
        "{text:#?}"
    );
    let stats = gh.client.http_stats();
    assert_eq!(
        stats.total,
        stats.by_method.get("GET").copied().unwrap_or_default(),
        "reads only: {stats:?}"
    );
}

/// GitHub's PUT replaces every protection setting: changing the one the manifest sets
/// keeps the others as they are.
#[tokio::test]
async fn an_update_keeps_the_settings_the_manifest_does_not_set() {
    let sandbox = testkit::start(Default::default()).await;
    let everything = manifest();
    let gh = provider(&sandbox);
    let changes = plan_of(&gh, &everything[..2]).await;
    assert!(apply_all(gh, changes, &everything[..2]).await.success());

    let mut only_timer = everything[..2].to_vec();
    only_timer[1].attributes = json!({ "wait_timer": 9 });
    let gh = provider(&sandbox);
    let changes = plan_of(&gh, &only_timer).await;
    let update: Vec<_> = changes.iter().filter(|c| c.action.is_change()).collect();
    assert_eq!(update.len(), 1, "{update:?}");
    assert!(apply_all(gh, changes, &only_timer).await.success());

    let again = plan_of(&provider(&sandbox), &everything[..2]).await;
    let pending: Vec<_> = (again.iter())
        .filter(|c| c.action.is_change())
        .map(|c| (&c.address, &c.fields))
        .collect();
    // Only the wait timer differs from the first manifest: reviewers, self-review and the
    // branch policy survived the update.
    assert_eq!(pending.len(), 1, "{pending:?}");
    let fields: Vec<&str> = pending[0].1.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(fields, ["wait_timer"], "{pending:?}");
}

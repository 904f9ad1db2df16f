//! A record linked to a release of another provider: opened `in_progress` when the release
//! starts, closed `success` (with its environment URL) or `failure` (with the error).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::roundtrip::{REPO, admin, plan_of, provider};
use crate::engine::apply::{self, NodeStatus, Silent};
use crate::model::{Action, Address, Change, KindRules, RemoteState, Resource};
use crate::providers::common::testkit;
use crate::providers::{ApplyContext, Outcome, Provider, ProviderError};

/// A release of another provider: it checks that its record is open, then succeeds or
/// fails as told.
struct Release {
    fails: bool,
    sandbox_admin: String,
}

#[async_trait]
impl Provider for Release {
    fn rules(&self, _kind: &str) -> KindRules {
        KindRules::default()
    }

    async fn fetch(
        &self,
        _: &[&Resource],
        _: &BTreeSet<Address>,
    ) -> Result<RemoteState, ProviderError> {
        Ok(RemoteState::default())
    }

    async fn execute(
        &self,
        _: &Change,
        _: Option<&Resource>,
        _: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        // While it runs, its record shows it in progress.
        let mut open = false;
        for _ in 0..100 {
            let records: Value = reqwest::get(&self.sandbox_admin)
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if records["deployments"][0]["states"] == json!(["in_progress"]) {
                open = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(open, "the record was not in progress while its release ran");
        if self.fails {
            Err(ProviderError::DeploymentFailed {
                deployment: "5001".into(),
                status: "FAILED".into(),
                detail: ": 1 of 3 servers failed".into(),
            })
        } else {
            Ok(Outcome {
                id: None,
                message: "deployment 5001 succeeded".into(),
            })
        }
    }

    fn requests_sent(&self) -> u64 {
        0
    }
}

async fn run(fails: bool) -> (Value, Vec<(Change, NodeStatus)>, Value) {
    let sandbox = testkit::start(Default::default()).await;
    let record = Resource {
        parent: Some(Address(REPO.into())),
        depends_on: vec![Address(REPO.into()), Address("rel.release.web".into())],
        follows: Some(Address("rel.release.web".into())),
        ..Resource::bare(
            &format!("{REPO}.deployment.web-staging"),
            "gh",
            "deployment",
            "web-staging",
            json!({ "environment": "staging", "ref": "main", "task": "deploy", "environment_url": "https://staging.shop.example.com" }),
        )
    };
    let resources = vec![
        Resource::bare(REPO, "gh", "repository", "octo-org/shop", json!({})),
        record,
    ];
    let gh = provider(&sandbox);
    let mut changes = plan_of(&gh, &resources).await;
    let release = Change {
        address: Address("rel.release.web".into()),
        provider: "rel".into(),
        kind: "release".into(),
        name: "web".into(),
        action: Action::Deploy,
        ..changes[0].clone()
    };
    changes.push(release);
    let sandbox_admin = format!(
        "http://{}/_sandbox/github/repos/octo-org/shop/deployments",
        sandbox.addr
    );
    let providers: HashMap<String, Arc<dyn Provider>> = HashMap::from([
        ("gh".to_owned(), Arc::new(gh) as Arc<dyn Provider>),
        (
            "rel".to_owned(),
            Arc::new(Release {
                fails,
                sandbox_admin,
            }) as Arc<dyn Provider>,
        ),
    ]);
    let ctx = ApplyContext::for_tests();
    // One request slot: the record waits on its release without holding it.
    let report = apply::apply(
        changes,
        &resources,
        &providers,
        ctx,
        apply::Limits::slots(1),
        Arc::new(Silent),
    )
    .await;
    let records = admin(&sandbox, "/repos/octo-org/shop/deployments").await;
    let id = records["deployments"][0]["id"].as_i64().unwrap_or_default();
    let statuses = reqwest::Client::new()
        .get(format!(
            "{}/repos/octo-org/shop/deployments/{id}/statuses",
            sandbox.base_url("github")
        ))
        .bearer_auth(crate::providers::github::emulator::demo::GITHUB_TOKEN)
        .header("user-agent", "deployplan-tests")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (records, report.results, statuses)
}

#[tokio::test]
async fn a_release_that_succeeds_leaves_its_record_successful_with_the_environment_url() {
    let (records, results, statuses) = run(false).await;
    assert_eq!(records["count"], 1, "{records}");
    assert_eq!(
        records["deployments"][0]["states"],
        json!(["in_progress", "success"]),
        "{records}"
    );
    assert!(
        results
            .iter()
            .all(|(_, s)| matches!(s, NodeStatus::Applied(_))),
        "{results:?}"
    );
    assert_eq!(
        statuses[0]["environment_url"], "https://staging.shop.example.com",
        "{statuses}"
    );
}

#[tokio::test]
async fn a_release_that_fails_leaves_its_record_failed_with_the_error() {
    let (records, results, statuses) = run(true).await;
    assert_eq!(
        records["deployments"][0]["states"],
        json!(["in_progress", "failure"]),
        "{records}"
    );
    let description = statuses[0]["description"].as_str().unwrap_or_default();
    assert!(description.contains("1 of 3 servers failed"), "{statuses}");
    let (_, record) = results
        .iter()
        .find(|(c, _)| c.kind == "deployment")
        .unwrap();
    assert!(
        matches!(record, NodeStatus::Applied(_)),
        "the record told the truth: {record:?}"
    );
}

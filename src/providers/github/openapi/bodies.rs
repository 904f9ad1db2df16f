//! Generated request bodies held to GitHub's description: whatever settings, deployment or
//! status the provider builds, the body the client serializes for it conforms.
//!
//! The relay test (`requests.rs`) checks the variants written out by hand; these cover the
//! combinations no one wrote out (a field set with another left out, `null` beside a list,
//! any payload, any description length), where a serializer attribute slipping would send
//! a key or a `null` the description refuses.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::check_request;
use crate::providers::github::client::{NewDeployment, NewStatus, RunMarker};
use crate::providers::github::wire::{
    BranchPolicySettings, DeploymentState, EnvironmentSettings, ReviewerRef, ReviewerType,
};

const ENVIRONMENT: &str = "/repos/octo-org/web/environments/prod%2Fweb";
const DEPLOYMENTS: &str = "/repos/octo-org/web/deployments";
const STATUSES: &str = "/repos/octo-org/web/deployments/7/statuses";
/// GitHub's limit on a status description ("The maximum description length is 140
/// characters"), stated in the description's prose rather than its schema.
const MAX_STATUS_DESCRIPTION: usize = 140;

fn reviewer() -> impl Strategy<Value = ReviewerRef> {
    (any::<bool>(), 1i64..i64::MAX).prop_map(|(team, id)| ReviewerRef {
        kind: if team {
            ReviewerType::Team
        } else {
            ReviewerType::User
        },
        id,
    })
}

fn settings() -> impl Strategy<Value = EnvironmentSettings> {
    let policy = any::<bool>().prop_map(|custom| BranchPolicySettings {
        protected_branches: !custom,
        custom_branch_policies: custom,
    });
    (
        proptest::option::of(0u32..=43_200),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::option::of(proptest::collection::vec(
            reviewer(),
            0..7,
        ))),
        proptest::option::of(proptest::option::of(policy)),
    )
        .prop_map(
            |(wait_timer, prevent_self_review, reviewers, deployment_branch_policy)| {
                EnvironmentSettings {
                    wait_timer,
                    prevent_self_review,
                    reviewers,
                    deployment_branch_policy,
                }
            },
        )
}

/// Any JSON value a payload may hold, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn deployment() -> impl Strategy<Value = NewDeployment> {
    (
        ("\\PC{1,40}", "\\PC{1,40}", "[a-z:]{1,12}"),
        proptest::option::of("\\PC{0,200}"),
        proptest::collection::btree_map("[a-z_]{1,8}", json_value(), 0..4),
        any::<bool>(),
        proptest::collection::vec("[a-z/]{1,12}", 0..3),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |((git_ref, environment, task), description, payload, auto_merge, contexts, flags)| {
                let mut new = NewDeployment::new(git_ref, environment);
                new.task = task;
                new.description = description;
                new.payload = payload.into_iter().collect::<Map<String, Value>>();
                new.auto_merge = auto_merge;
                new.required_contexts = contexts;
                (new.transient_environment, new.production_environment) = flags;
                new
            },
        )
}

fn status() -> impl Strategy<Value = NewStatus> {
    let state = prop_oneof![
        Just(DeploymentState::Error),
        Just(DeploymentState::Failure),
        Just(DeploymentState::Inactive),
        Just(DeploymentState::InProgress),
        Just(DeploymentState::Queued),
        Just(DeploymentState::Pending),
        Just(DeploymentState::Success),
    ];
    let url = proptest::option::of("https://[a-z]{1,10}\\.example/[a-z0-9/]{0,20}");
    (
        state,
        proptest::option::of("\\PC{0,300}"),
        url.clone(),
        proptest::option::of("\\PC{1,40}"),
        url,
    )
        .prop_flat_map(
            |(state, description, log_url, environment, environment_url)| {
                proptest::option::of(any::<bool>()).prop_map(move |auto_inactive| NewStatus {
                    state: state.clone(),
                    description: description.clone(),
                    log_url: log_url.clone(),
                    environment: environment.clone(),
                    environment_url: environment_url.clone(),
                    auto_inactive,
                })
            },
        )
}

fn conforms(method: &str, path: &str, body: Value) -> Result<(), TestCaseError> {
    check_request(method, path, &body)
        .map_err(|problems| TestCaseError::fail(format!("{body}\n{}", problems.join("\n"))))
}

proptest! {
    #[test]
    fn environment_settings_always_conform(settings in settings()) {
        conforms("PUT", ENVIRONMENT, serde_json::to_value(&settings).expect("JSON"))?;
    }

    #[test]
    fn deployments_always_conform(new in deployment()) {
        let marker = RunMarker::new("run-1:web").expect("marker");
        conforms("POST", DEPLOYMENTS, serde_json::to_value(new.body(&marker)).expect("JSON"))?;
    }

    #[test]
    fn statuses_always_conform_and_fit_githubs_limit(new in status()) {
        let body = new.body();
        let length = body.description.as_deref().map_or(0, |text| text.chars().count());
        prop_assert!(length <= MAX_STATUS_DESCRIPTION, "{length} characters");
        conforms("POST", STATUSES, serde_json::to_value(body).expect("JSON"))?;
    }
}

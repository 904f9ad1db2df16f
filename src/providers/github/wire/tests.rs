//! Reading answers leniently and writing request bodies exactly.

use serde_json::json;

use super::*;

#[test]
fn unknown_fields_and_values_are_kept_or_ignored_not_fatal() {
    let status: DeploymentStatus = serde_json::from_value(json!({
        "id": 9_007_199_254_740_993_i64, "state": "queued_for_review", "node_id": "x",
        "creator": null, "description": null, "performed_via_github_app": {}
    }))
    .unwrap();
    assert_eq!(status.id, 9_007_199_254_740_993);
    assert_eq!(
        status.state,
        DeploymentState::Other("queued_for_review".into())
    );
    let known: DeploymentState = serde_json::from_value(json!("in_progress")).unwrap();
    assert_eq!(known, DeploymentState::InProgress);
    assert_eq!(serde_json::to_value(&known).unwrap(), json!("in_progress"));

    let env: Environment = serde_json::from_value(json!({
        "id": 1, "name": "production", "url": "u", "html_url": "h", "node_id": "n",
        "protection_rules": [
            {"id": 3, "node_id": "a", "type": "wait_timer", "wait_timer": 30},
            {"id": 4, "node_id": "b", "type": "required_reviewers", "prevent_self_review": true,
             "reviewers": [{"type": "User", "reviewer": {"login": "octocat", "id": 1}},
                           {"type": "Team", "reviewer": {"slug": "ops", "id": 2}},
                           {"type": "Bot", "reviewer": {"id": 3}}]},
            {"id": 5, "node_id": "c", "type": "branch_policy"},
            {"id": 6, "node_id": "d", "type": "custom_app", "app": {}}
        ],
        "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}
    }))
    .unwrap();
    assert_eq!(env.protection_rules.len(), 4);
    let kinds: Vec<_> = env.protection_rules[1]
        .reviewers
        .iter()
        .map(|r| r.kind.clone())
        .collect();
    assert_eq!(
        kinds,
        [
            ReviewerType::User,
            ReviewerType::Team,
            ReviewerType::Other("Bot".into())
        ]
    );
    let policy: BranchPolicy =
        serde_json::from_value(json!({"id": 1, "node_id": "x", "name": "release/*"})).unwrap();
    assert_eq!(policy.kind, PolicyType::Branch);
    let list: EnvironmentList =
        serde_json::from_value(json!({"total_count": 0, "environments": null})).unwrap();
    assert!(list.environments.is_empty());
}

#[test]
fn put_bodies_send_only_what_was_set_and_null_to_clear() {
    let clear = EnvironmentSettings {
        wait_timer: Some(0),
        reviewers: Some(None),
        deployment_branch_policy: Some(None),
        ..EnvironmentSettings::default()
    };
    assert_eq!(
        serde_json::to_value(&clear).unwrap(),
        json!({"wait_timer": 0, "reviewers": null, "deployment_branch_policy": null})
    );
    let set = EnvironmentSettings {
        prevent_self_review: Some(true),
        reviewers: Some(Some(vec![ReviewerRef {
            kind: ReviewerType::Team,
            id: 7,
        }])),
        deployment_branch_policy: Some(Some(BranchPolicySettings {
            protected_branches: true,
            custom_branch_policies: false,
        })),
        ..EnvironmentSettings::default()
    };
    assert_eq!(
        serde_json::to_value(&set).unwrap(),
        json!({"prevent_self_review": true, "reviewers": [{"type": "Team", "id": 7}],
               "deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": false}})
    );
}

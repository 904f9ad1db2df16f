//! The wire types read what GitLab sends, newer fields and values included, and write
//! exactly the documented keys.

use proptest::prelude::*;
use serde_json::json;

use super::*;

#[test]
fn unknown_fields_and_values_are_kept_or_ignored_never_fatal() {
    let environment: Environment = serde_json::from_value(json!({
        "id": 7, "name": "review/feature-1", "slug": "review-feat-abc", "state": "hibernating",
        "tier": "canary", "auto_stop_setting": "never", "external_url": null,
        "enable_advanced_logs_querying": false, "cluster_agent": {"id": 1},
        "last_deployment": {"id": 3, "status": "waiting_for_resource", "ref": "main",
                            "sha": "abc", "deployable": null, "approvals": null}
    }))
    .unwrap();
    assert_eq!(
        environment.state,
        Some(EnvironmentState::Other("hibernating".into()))
    );
    assert_eq!(environment.tier, Some(Tier::Other("canary".into())));
    assert_eq!(
        environment.auto_stop_setting,
        Some(AutoStopSetting::Other("never".into()))
    );
    let last = environment.last_deployment.unwrap();
    assert_eq!(
        last.status,
        DeploymentStatus::Other("waiting_for_resource".into())
    );
    assert_eq!(last.deployable, None);
    assert!(last.approvals.is_empty());
    // GitLab's own `other` tier is a known value, not an unknown one.
    let other: Tier = serde_json::from_value(json!("other")).unwrap();
    assert_eq!(other, Tier::OtherTier);
    assert_eq!(
        serde_json::to_value(Tier::OtherTier).unwrap(),
        json!("other")
    );
}

#[test]
fn null_booleans_and_lists_read_as_false_and_empty() {
    let branch: Branch = serde_json::from_value(json!({
        "name": "release/1.x", "commit": {"id": "a".repeat(40)}, "default": null, "protected": null,
        "merged": null, "developers_can_push": true
    }))
    .unwrap();
    assert!(!branch.default && !branch.protected);
    let project: Project = serde_json::from_value(json!({
        "id": 12, "path_with_namespace": "acme/platform/shop", "shared_with_groups": null,
        "namespace": {"id": 3, "full_path": "acme/platform", "kind": "group", "avatar_url": null},
        "topics": ["x"]
    }))
    .unwrap();
    assert!(project.shared_with_groups.is_empty());
    assert_eq!(project.moved_from, None);
    let protected: ProtectedEnvironment = serde_json::from_value(json!({
        "name": "production", "deploy_access_levels": null, "required_approval_count": null,
        "approval_rules": [{"id": 1, "group_id": 9, "group_inheritance_type": 1,
                            "required_approvals": 2, "access_level": null}]
    }))
    .unwrap();
    assert!(protected.deploy_access_levels.is_empty());
    assert_eq!(protected.required_approval_count, 0);
    assert_eq!(protected.approval_rules[0].required_approvals, Some(2));
    let member: Member =
        serde_json::from_value(json!({"id": 1, "username": "alice", "access_level": null}))
            .unwrap();
    assert_eq!(member.access_level, 0);
}

#[test]
fn request_bodies_carry_only_what_is_set() {
    let body = EnvironmentBody {
        name: Some("production".into()),
        tier: Some(Tier::Production),
        auto_stop_setting: Some(AutoStopSetting::WithAction),
        ..EnvironmentBody::default()
    };
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"name": "production", "tier": "production", "auto_stop_setting": "with_action"})
    );
    let protect = ProtectBody {
        name: "production".into(),
        deploy_access_levels: vec![AccessEntry::role(40), AccessEntry::user(5)],
        approval_rules: vec![AccessEntry::group(9, true).approvals(2)],
    };
    assert_eq!(
        serde_json::to_value(&protect).unwrap(),
        json!({"name": "production",
               "deploy_access_levels": [{"access_level": 40}, {"user_id": 5}],
               "approval_rules": [{"group_id": 9, "group_inheritance_type": 1, "required_approvals": 2}]})
    );
    let update = ProtectUpdate {
        deploy_access_levels: vec![AccessEntry::remove(3), AccessEntry::group(9, false)],
        approval_rules: Vec::new(),
    };
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        json!({"deploy_access_levels": [{"id": 3, "_destroy": true},
                                         {"group_id": 9, "group_inheritance_type": 0}]})
    );
    let new = NewDeployment {
        environment: "production".into(),
        sha: "b".repeat(40),
        git_ref: "v1.2".into(),
        tag: true,
        status: DeploymentStatus::Running,
    };
    assert_eq!(
        serde_json::to_value(&new).unwrap(),
        json!({"environment": "production", "sha": "b".repeat(40), "ref": "v1.2", "tag": true,
               "status": "running"})
    );
}

#[test]
fn an_added_entry_is_recognised_in_what_gitlab_reports() {
    let found =
        |value: serde_json::Value| -> AccessLevel { serde_json::from_value(value).unwrap() };
    assert!(
        AccessEntry::role(40).matches(&found(json!({"id": 1, "access_level": 40,
        "access_level_description": "Maintainers"})))
    );
    assert!(!AccessEntry::role(40).matches(&found(json!({"id": 1, "access_level": 30}))));
    assert!(
        AccessEntry::group(9, true).matches(&found(json!({"id": 2, "group_id": 9,
        "group_inheritance_type": 1, "access_level": null})))
    );
    assert!(
        !AccessEntry::group(9, true).matches(&found(json!({"id": 2, "group_id": 9,
        "group_inheritance_type": 0})))
    );
    assert!(
        !AccessEntry::user(5)
            .approvals(2)
            .matches(&found(json!({"id": 3, "user_id": 5,
        "required_approvals": 1})))
    );
}

proptest! {
    /// Any status text reads back as itself: a known value as its variant, anything else
    /// kept verbatim.
    #[test]
    fn any_status_round_trips(text in "[a-z_]{1,20}") {
        let status: DeploymentStatus = serde_json::from_value(json!(text)).unwrap();
        prop_assert_eq!(status.as_str(), text.as_str());
        prop_assert_eq!(serde_json::to_value(&status).unwrap(), json!(text));
    }
}

//! Writes: deployments created exactly once (adopted after a lost answer, sent again when
//! nothing happened), status changes settled after a lost answer, environment and
//! protection writes, and protection on a tier without it.

use super::*;
use crate::providers::gitlab::wire::{
    AccessEntry, EnvironmentBody, ProtectBody, ProtectUpdate, Tier,
};

const POST: &str = "POST /projects/7/deployments";

#[tokio::test]
async fn a_deployment_is_created_with_every_required_key() {
    let (fake, base) = start().await;
    let created = client(&base)
        .create_deployment(7, &new_deployment("main", DeploymentStatus::Running), None)
        .await
        .unwrap();
    assert_eq!(
        (created.git_ref.as_str(), created.status.clone()),
        ("main", DeploymentStatus::Running)
    );
    assert_eq!(created.deployable, None);
    let sent = fake.seen.all()[0].json();
    assert_eq!(
        sent,
        json!({"environment": "production", "sha": SHA, "ref": "main", "tag": false, "status": "running"})
    );
    assert_eq!(
        fake.seen.all()[0]
            .headers
            .get("content-type")
            .map(String::as_str),
        Some("application/json")
    );
}

#[tokio::test]
async fn a_lost_answer_is_adopted_not_created_twice() {
    for lost in [
        text(500, "Internal Server Error").processed_then_cut(),
        canned(502, json!({})).processed_then_cut(),
    ] {
        let (fake, base) = start().await;
        // An older deployment of the same ref and SHA is not the one the lost call made.
        let old = fake.add(
            "deployments",
            json!({"ref": "main", "sha": SHA, "status": "running",
                                                  "environment": {"id": 1, "name": "production"}}),
        );
        let known = old["id"].as_u64();
        fake.script.on(POST, [lost]);
        let adopted = client(&base)
            .create_deployment(7, &new_deployment("main", DeploymentStatus::Running), known)
            .await
            .unwrap();
        assert_eq!(fake.records("deployments").len(), 2);
        assert!(adopted.id > known.unwrap());
        assert_eq!(fake.seen.hits(POST), 1);
        let probe = fake.seen.all().last().unwrap().clone();
        assert_eq!(probe.path, "/projects/7/deployments");
        assert_eq!(probe.query("environment"), Some("production"));
        assert_eq!(probe.query("sort"), Some("desc"));
    }
}

#[tokio::test]
async fn a_call_that_was_not_processed_is_sent_again_once() {
    let (fake, base) = start().await;
    fake.script.on(POST, [text(503, "Service Unavailable")]);
    let created = client(&base)
        .create_deployment(
            7,
            &new_deployment("v1.2.0", DeploymentStatus::Success),
            None,
        )
        .await
        .unwrap();
    assert_eq!(created.git_ref, "v1.2.0");
    assert_eq!(fake.seen.hits(POST), 2);
    assert_eq!(fake.records("deployments").len(), 1);
}

#[tokio::test]
async fn an_unsettled_outcome_stays_ambiguous() {
    let (fake, base) = start().await;
    fake.script.on(POST, [text(504, "Gateway Timeout")]);
    fake.script.on(
        "GET /projects/7/deployments",
        std::iter::repeat_n(text(500, "down"), 4),
    );
    let err = client(&base)
        .create_deployment(7, &new_deployment("main", DeploymentStatus::Running), None)
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    let provider = crate::providers::ProviderError::from(err);
    assert!(
        matches!(provider, crate::providers::ProviderError::Ambiguous { .. }),
        "{provider:?}"
    );
    assert_eq!(fake.seen.hits(POST), 1);
}

#[tokio::test]
async fn a_status_change_repeated_after_a_lost_answer_is_settled_by_reading() {
    let (fake, base) = start().await;
    let key = "PUT /projects/7/deployments/4";
    let done = json!({"id": 4, "ref": "main", "sha": SHA, "status": "success", "deployable": null});
    fake.script.on(
        key,
        [
            text(502, "Bad Gateway"),
            canned(400, json!({"message": "Invalid status transition"})),
            canned(400, json!({"message": "Invalid status transition"})),
        ],
    );
    fake.script
        .on("GET /projects/7/deployments/4", [canned(200, done)]);
    let gitlab = client(&base);
    let settled = gitlab
        .update_deployment_status(7, 4, DeploymentStatus::Success)
        .await
        .unwrap();
    assert_eq!(settled.status, DeploymentStatus::Success);
    assert_eq!(fake.seen.all()[0].json(), json!({"status": "success"}));
    // A first-attempt 400, or a deployment in another state, is the error it is.
    let err = gitlab
        .update_deployment_status(7, 4, DeploymentStatus::Success)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "set status `success` of deployment 4 of project 7: HTTP 400: Invalid status transition"
    );
}

#[tokio::test]
async fn environment_writes_send_what_gitlab_accepts() {
    let (fake, base) = start().await;
    let gitlab = client(&base);
    let body = EnvironmentBody {
        name: Some("production".into()),
        tier: Some(Tier::Production),
        external_url: Some("https://shop.example.com".into()),
        ..EnvironmentBody::default()
    };
    let created = gitlab.create_environment(7, &body).await.unwrap();
    let id = created.id;
    fake.script.on(
        &format!("PUT /projects/7/environments/{id}"),
        [canned(200, json!({"id": id, "name": "production"}))],
    );
    fake.script.on(
        &format!("POST /projects/7/environments/{id}/stop"),
        [
            text(502, ""),
            canned(
                200,
                json!({"id": id, "name": "production", "state": "stopping"}),
            ),
        ],
    );
    fake.script.on(
        &format!("DELETE /projects/7/environments/{id}"),
        [
            text(502, ""),
            canned(404, json!({"message": "404 Not found"})),
        ],
    );
    gitlab.update_environment(7, id, &body).await.unwrap();
    let stopped = gitlab.stop_environment(7, id, true).await.unwrap();
    assert_eq!(
        stopped.state,
        Some(crate::providers::gitlab::wire::EnvironmentState::Stopping)
    );
    gitlab.delete_environment(7, id).await.unwrap();
    let seen = fake.seen.all();
    assert_eq!(
        seen[0].json(),
        json!({"name": "production", "external_url": "https://shop.example.com", "tier": "production"})
    );
    assert_eq!(
        seen[1].json(),
        json!({"external_url": "https://shop.example.com", "tier": "production"}),
        "no name on update"
    );
    assert_eq!(seen[2].json(), json!({"force": true}));
    assert_eq!(
        fake.seen.all().len(),
        6,
        "stop and delete are repeated after a 502"
    );
    let duplicate = gitlab.create_environment(7, &body).await.unwrap_err();
    assert_eq!(
        duplicate.to_string(),
        "create environment `production` in project 7: HTTP 400: name: has already been taken"
    );
    let nameless = gitlab
        .create_environment(7, &EnvironmentBody::default())
        .await
        .unwrap_err();
    assert!(matches!(nameless, GitlabError::Invalid(_)));
}

#[tokio::test]
async fn protection_is_unavailable_on_a_tier_without_it() {
    let (fake, base) = start().await;
    let key = "GET /projects/7/protected_environments";
    fake.script.on(
        key,
        [
            canned(403, json!({"message": "403 Forbidden"})),
            canned(404, json!({"message": "404 Not Found"})),
            canned(401, json!({"message": "401 Unauthorized"})),
        ],
    );
    let gitlab = client(&base);
    let free = gitlab.protected_environments(7).await.unwrap();
    assert_eq!(
        free,
        Protections::Unavailable {
            status: 403,
            message: "403 Forbidden".into()
        }
    );
    let community = gitlab.protected_environments(7).await.unwrap();
    assert_eq!(
        community,
        Protections::Unavailable {
            status: 404,
            message: "404 Not Found".into()
        }
    );
    let refused = gitlab.protected_environments(7).await.unwrap_err();
    assert_eq!(refused.status(), Some(401));
    fake.add(
        "protected_environments",
        json!({"name": "production", "deploy_access_levels": [{"id": 1, "access_level": 40}]}),
    );
    let Protections::Listed(listed) = gitlab.protected_environments(7).await.unwrap() else {
        panic!("listed");
    };
    assert_eq!(listed[0].deploy_access_levels[0].access_level, Some(40));
}

#[tokio::test]
async fn protection_writes_are_adopted_after_a_lost_answer() {
    let (fake, base) = start().await;
    let gitlab = client(&base);
    let post = "POST /projects/7/protected_environments";
    fake.script.on(post, [text(500, "").processed_then_cut()]);
    let body = ProtectBody {
        name: "release/prod".into(),
        deploy_access_levels: vec![AccessEntry::role(40)],
        approval_rules: vec![AccessEntry::group(9, true).approvals(2)],
    };
    let adopted = gitlab.protect_environment(7, &body).await.unwrap();
    assert_eq!(adopted.name, "release/prod");
    assert_eq!(
        (
            fake.seen.hits(post),
            fake.records("protected_environments").len()
        ),
        (1, 1)
    );
    assert_eq!(
        fake.seen
            .hits("GET /projects/7/protected_environments/release%2Fprod"),
        1
    );

    // The update's answer is lost; the re-read shows the change (GitLab's ids added), so it
    // is not sent again.
    let put = "PUT /projects/7/protected_environments/release%2Fprod";
    let after = json!({"name": "release/prod",
        "deploy_access_levels": [{"id": 1, "access_level": 40}, {"id": 2, "user_id": 5}],
        "approval_rules": [{"id": 3, "group_id": 9, "group_inheritance_type": 1, "required_approvals": 2}]});
    fake.script.on(put, [text(500, "")]);
    fake.script.on(
        "GET /projects/7/protected_environments/release%2Fprod",
        [canned(200, after)],
    );
    let update = ProtectUpdate {
        deploy_access_levels: vec![AccessEntry::user(5)],
        approval_rules: Vec::new(),
    };
    let updated = gitlab
        .update_protected_environment(7, "release/prod", &update)
        .await
        .unwrap();
    assert_eq!(updated.deploy_access_levels.len(), 2);
    assert_eq!(fake.seen.hits(put), 1);
    fake.script.on(
        "DELETE /projects/7/protected_environments/release%2Fprod",
        [text(204, "")],
    );
    gitlab
        .unprotect_environment(7, "release/prod")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_lost_approval_is_adopted_from_the_deployments_approvals() {
    use crate::providers::gitlab::wire::{ApprovalBody, ApprovalStatus};
    let (fake, base) = start().await;
    let post = "POST /projects/7/deployments/9/approval";
    fake.script.on(post, [text(502, "Bad Gateway")]);
    let blocked = json!({"id": 9, "ref": "main", "sha": SHA, "status": "blocked", "deployable": {"id": 3},
        "approvals": [{"user": {"id": 2, "username": "bob"}, "status": "approved", "comment": "LGTM",
                       "created_at": "2026-01-01T00:00:00Z"}]});
    fake.script
        .on("GET /projects/7/deployments/9", [canned(200, blocked)]);
    let decision = ApprovalBody {
        status: ApprovalStatus::Approved,
        comment: Some("LGTM".into()),
        represented_as: None,
    };
    let adopted = client(&base)
        .approve_deployment(7, 9, &decision)
        .await
        .unwrap();
    assert_eq!(adopted.user.unwrap().username, "bob");
    assert_eq!(fake.seen.hits(post), 1);
    assert_eq!(
        fake.seen.all()[0].json(),
        json!({"status": "approved", "comment": "LGTM"})
    );

    // A refusal is GitLab's word, sent once.
    fake.script.on(
        post,
        [canned(
            400,
            json!({"message": "You cannot approve your own deployment."}),
        )],
    );
    let err = client(&base)
        .approve_deployment(7, 9, &decision)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "approve deployment 9 of project 7: HTTP 400: You cannot approve your own deployment."
    );
    assert_eq!(fake.seen.hits(post), 2);
}

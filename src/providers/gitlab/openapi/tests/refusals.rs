//! Each kind of mistake in a body is refused by GitLab's oracle with the field named: a
//! missing field, a wrong type, an unknown value, a protection entry naming no principal or
//! two.

use serde_json::json;

use super::*;

#[test]
fn a_missing_field_a_wrong_type_or_an_unknown_value_is_named() {
    let deployments = "/api/v4/projects/1/deployments";
    // Requests: GitLab's own required list and enums.
    let mut untagged = sample("deployment-post.json");
    untagged.as_object_mut().unwrap().remove("tag");
    fails_naming(
        check_request("POST", deployments, &untagged),
        "\"tag\" is a required property",
    );
    fails_naming(
        check_request("POST", deployments, &json!({ "environment": "production" })),
        "\"sha\" is a required property",
    );
    fails_naming(
        check_request(
            "PUT",
            &format!("{deployments}/42"),
            &json!({ "status": "created" }),
        ),
        "/status:",
    );
    fails_naming(
        check_request(
            "POST",
            "/api/v4/projects/1/environments",
            &json!({ "name": "x", "tier": "prod" }),
        ),
        "/tier:",
    );
    fails_naming(
        check_request(
            "POST",
            "/api/v4/projects/1/environments",
            &json!({ "tier": "production" }),
        ),
        "\"name\" is a required property",
    );
    let mut tag_text = sample("deployment-post.json");
    tag_text["tag"] = json!("false");
    fails_naming(check_request("POST", deployments, &tag_text), "/tag:");
    // Answers: a wrong type anywhere, inside lists and nested entities.
    let mut text_id = sample("deployment.json");
    text_id["id"] = json!("42");
    fails_naming(
        check_response("GET", &format!("{deployments}/42"), 200, &text_id),
        "/id:",
    );
    let mut listed = sample("deployments.json");
    listed[0]["environment"]["id"] = json!("9");
    fails_naming(
        check_response("GET", deployments, 200, &listed),
        "/0/environment/id:",
    );
    let mut approvals = sample("deployment-approvals.json");
    approvals["approval_summary"]["rules"][1]["required_approvals"] = json!("2");
    fails_naming(
        check_response("GET", &format!("{deployments}/42"), 200, &approvals),
        "/approval_summary/rules/1/required_approvals:",
    );
    // The docs' required fields.
    let mut project = sample("project.json");
    project
        .as_object_mut()
        .unwrap()
        .remove("path_with_namespace");
    fails_naming(
        check_response("GET", PROJECT, 200, &project),
        "\"path_with_namespace\" is a required property",
    );
    let pe = "/api/v4/projects/1/protected_environments";
    let mut bare = sample("protected-environment.json");
    bare.as_object_mut().unwrap().remove("deploy_access_levels");
    fails_naming(
        check_response("GET", pe, 200, &json!([bare])),
        "\"deploy_access_levels\" is a required property",
    );
    fails_naming(
        check_response("GET", PROJECT, 404, &json!({ "msg": "gone" })),
        "(root)",
    );
}

#[test]
fn protection_entries_name_exactly_one_principal() {
    let pe = "/api/v4/projects/1/protected_environments";
    let body = |entry: Value| json!({ "name": "production", "deploy_access_levels": [entry] });
    for good in [
        json!({ "access_level": 30 }),
        json!({ "user_id": 1 }),
        json!({ "group_id": 2, "group_inheritance_type": 1 }),
    ] {
        assert_eq!(
            check_request("POST", pe, &body(good.clone())),
            Ok(()),
            "{good}"
        );
    }
    fails_naming(
        check_request(
            "POST",
            pe,
            &body(json!({ "access_level": 40, "user_id": 1 })),
        ),
        "/deploy_access_levels/0",
    );
    fails_naming(
        check_request("POST", pe, &body(json!({ "group_inheritance_type": 1 }))),
        "/deploy_access_levels/0",
    );
    fails_naming(
        check_request("POST", pe, &body(json!({ "access_level": 50 }))),
        "/deploy_access_levels/0/access_level",
    );
    fails_naming(
        check_request("POST", pe, &body(json!({ "acess_level": 40 }))),
        "acess_level",
    );
    fails_naming(
        check_request(
            "POST",
            pe,
            &json!({ "name": "production", "deploy_access_levels": [] }),
        ),
        "/deploy_access_levels",
    );
    let rule = json!({ "name": "p", "deploy_access_levels": [{ "access_level": 40 }], "approval_rules": [{ "user_id": 1, "required_approvals": 0 }] });
    fails_naming(
        check_request("POST", pe, &rule),
        "/approval_rules/0/required_approvals",
    );
    // An update entry may instead remove one by id.
    let put = format!("{pe}/production");
    assert_eq!(
        check_request(
            "PUT",
            &put,
            &json!({ "deploy_access_levels": [{ "id": 3, "_destroy": true }] })
        ),
        Ok(())
    );
    fails_naming(
        check_request("PUT", &put, &json!({ "name": "staging" })),
        "name",
    );
}

//! Tests of GitLab's oracle: every operation the provider calls is described (and by which
//! source), paths match as GitLab's do, GitLab-shaped samples (the docs' examples, the seed's
//! deployments) pass, and each kind of mistake is refused with the field named.

use serde_json::{Value, json};

use super::*;

mod refusals;

const PROJECT: &str = "/api/v4/projects/acme%2Fplatform%2Fshop";

/// Every operation the provider calls: method, a concrete path, GitLab's name, the source.
const USED: &[(&str, &str, &str, &str)] = &[
    (
        "GET",
        "/api/v4/projects/7/environments",
        "getApiV4ProjectsIdEnvironments",
        FROM_DESCRIPTION,
    ),
    (
        "POST",
        "/api/v4/projects/7/environments",
        "postApiV4ProjectsIdEnvironments",
        FROM_DESCRIPTION,
    ),
    (
        "GET",
        "/api/v4/projects/7/environments/3",
        "getApiV4ProjectsIdEnvironmentsEnvironmentId",
        FROM_DESCRIPTION,
    ),
    (
        "PUT",
        "/api/v4/projects/7/environments/3",
        "putApiV4ProjectsIdEnvironmentsEnvironmentId",
        FROM_DESCRIPTION,
    ),
    (
        "DELETE",
        "/api/v4/projects/7/environments/3",
        "deleteApiV4ProjectsIdEnvironmentsEnvironmentId",
        FROM_DESCRIPTION,
    ),
    (
        "POST",
        "/api/v4/projects/7/environments/3/stop",
        "postApiV4ProjectsIdEnvironmentsEnvironmentIdStop",
        FROM_DESCRIPTION,
    ),
    (
        "GET",
        "/api/v4/projects/7/deployments",
        "getApiV4ProjectsIdDeployments",
        FROM_DESCRIPTION,
    ),
    (
        "POST",
        "/api/v4/projects/7/deployments",
        "postApiV4ProjectsIdDeployments",
        FROM_DESCRIPTION,
    ),
    (
        "GET",
        "/api/v4/projects/7/deployments/41",
        "getApiV4ProjectsIdDeploymentsDeploymentId",
        FROM_DESCRIPTION,
    ),
    (
        "PUT",
        "/api/v4/projects/7/deployments/41",
        "putApiV4ProjectsIdDeploymentsDeploymentId",
        FROM_DESCRIPTION,
    ),
    (
        "DELETE",
        "/api/v4/projects/7/deployments/41",
        "deleteApiV4ProjectsIdDeploymentsDeploymentId",
        FROM_DESCRIPTION,
    ),
    (
        "POST",
        "/api/v4/projects/7/deployments/41/approval",
        "postApiV4ProjectsIdDeploymentsDeploymentIdApproval",
        FROM_DESCRIPTION,
    ),
    ("GET", PROJECT, "getApiV4ProjectsId", FROM_DOCS),
    (
        "GET",
        "/api/v4/projects/7/repository/branches",
        "getApiV4ProjectsIdRepositoryBranches",
        FROM_DESCRIPTION,
    ),
    (
        "GET",
        "/api/v4/projects/7/repository/branches/release%2F1.x",
        "getApiV4ProjectsIdRepositoryBranchesBranch",
        FROM_DESCRIPTION,
    ),
    (
        "GET",
        "/api/v4/projects/7/repository/tags",
        "getApiV4ProjectsIdRepositoryTags",
        FROM_DOCS,
    ),
    (
        "GET",
        "/api/v4/projects/7/repository/tags/v1.0.0",
        "getApiV4ProjectsIdRepositoryTagsTagName",
        FROM_DOCS,
    ),
    (
        "GET",
        "/api/v4/projects/7/repository/commits/a91957a8",
        "getApiV4ProjectsIdRepositoryCommitsSha",
        FROM_DESCRIPTION,
    ),
    (
        "GET",
        "/api/v4/users?username=alice",
        "getApiV4Users",
        FROM_DOCS,
    ),
    (
        "GET",
        "/api/v4/groups/acme%2Frelease-managers",
        "getApiV4GroupsId",
        FROM_DOCS,
    ),
    (
        "GET",
        "/api/v4/projects/7/members/all",
        "getApiV4ProjectsIdMembersAll",
        FROM_DOCS,
    ),
    (
        "GET",
        "/api/v4/projects/7/members/all/42",
        "getApiV4ProjectsIdMembersAllUserId",
        FROM_DOCS,
    ),
    (
        "GET",
        "/api/v4/projects/7/protected_environments",
        "getApiV4ProjectsIdProtectedEnvironments",
        FROM_DOCS,
    ),
    (
        "POST",
        "/api/v4/projects/7/protected_environments",
        "postApiV4ProjectsIdProtectedEnvironments",
        FROM_DOCS,
    ),
    (
        "GET",
        "/api/v4/projects/7/protected_environments/production",
        "getApiV4ProjectsIdProtectedEnvironmentsName",
        FROM_DOCS,
    ),
    (
        "PUT",
        "/api/v4/projects/7/protected_environments/production",
        "putApiV4ProjectsIdProtectedEnvironmentsName",
        FROM_DOCS,
    ),
    (
        "DELETE",
        "/api/v4/projects/7/protected_environments/production",
        "deleteApiV4ProjectsIdProtectedEnvironmentsName",
        FROM_DOCS,
    ),
];

/// A GitLab-shaped document of `tests/fixtures/gitlab/openapi/samples/`.
pub(super) fn sample(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/gitlab/openapi/samples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn fails_naming(result: Result<(), Vec<String>>, needle: &str) {
    let errors = result.expect_err("the document should be refused");
    assert!(
        errors.iter().any(|e| e.contains(needle)),
        "no error names {needle:?}: {errors:#?}"
    );
}

#[test]
fn every_operation_the_provider_uses_is_described_once() {
    for (method, path, id, source) in USED {
        let found =
            operation(method, path).unwrap_or_else(|| panic!("{method} {path} is not described"));
        assert_eq!(
            (found.id.as_str(), found.source),
            (*id, *source),
            "{method} {path}"
        );
    }
    // Each file holds exactly these, and no operation is in both.
    for source in [FROM_DESCRIPTION, FROM_DOCS] {
        let used = USED.iter().filter(|(_, _, _, s)| *s == source).count();
        assert_eq!(ORACLE.count(source), used, "{source}");
    }
}

#[test]
fn paths_match_as_gitlabs_do() {
    // A project path is one URL-encoded segment, and so is a branch name with a slash.
    let project = operation("GET", PROJECT).unwrap();
    assert_eq!(
        project.params,
        [("id".to_string(), "acme%2Fplatform%2Fshop".to_string())]
    );
    let branch = operation(
        "GET",
        &format!("{PROJECT}/repository/branches/release%2F1.x"),
    )
    .unwrap();
    assert_eq!(
        branch.params[1],
        ("branch".to_string(), "release%2F1.x".to_string())
    );
    // Unencoded, the slash makes other segments: not the project, not the branch.
    assert_eq!(
        operation("GET", "/api/v4/projects/acme/platform/shop"),
        None
    );
    assert_eq!(
        operation("GET", "/api/v4/projects/7/repository/branches/release/1.x"),
        None
    );
    // The sandbox's mount and a query string are not part of the template.
    let listed = operation(
        "GET",
        "/gitlab/api/v4/projects/7/deployments?environment=production&sort=desc",
    );
    assert_eq!(listed.unwrap().id, "getApiV4ProjectsIdDeployments");
    // A literal segment wins over a parameter: `stop` is not an environment id.
    let stop = operation("POST", "/api/v4/projects/7/environments/3/stop").unwrap();
    assert_eq!(
        stop.template,
        "/api/v4/projects/{id}/environments/{environment_id}/stop"
    );
    // The method matters; so does the version.
    assert_eq!(
        operation("PATCH", "/api/v4/projects/7/environments/3"),
        None
    );
    assert_eq!(operation("GET", "/api/v3/projects/7/environments"), None);
}

#[test]
fn gitlab_shaped_answers_validate() {
    let deployment = "/api/v4/projects/1/deployments/42";
    let environment = "/api/v4/projects/1/environments/1";
    let pe = "/api/v4/projects/1/protected_environments";
    let answers = [
        ("deployment.json", "GET", deployment.to_string(), 200),
        ("deployment-approvals.json", "GET", deployment.into(), 200),
        (
            "deployment-created.json",
            "POST",
            "/api/v4/projects/1/deployments".into(),
            201,
        ),
        ("deployment-created.json", "PUT", deployment.into(), 200),
        (
            "deployments.json",
            "GET",
            "/api/v4/projects/1/deployments".into(),
            200,
        ),
        (
            "approval.json",
            "POST",
            format!("{deployment}/approval"),
            201,
        ),
        ("environment.json", "GET", environment.into(), 200),
        ("environment.json", "PUT", environment.into(), 200),
        (
            "environment.json",
            "POST",
            format!("{environment}/stop"),
            200,
        ),
        (
            "environments.json",
            "GET",
            "/api/v4/projects/1/environments".into(),
            200,
        ),
        (
            "protected-environment.json",
            "GET",
            format!("{pe}/production"),
            200,
        ),
        ("protected-environment.json", "POST", pe.into(), 201),
        ("protected-environments.json", "GET", pe.into(), 200),
        ("project.json", "GET", PROJECT.into(), 200),
        (
            "branch.json",
            "GET",
            format!("{PROJECT}/repository/branches/release%2F1.x"),
            200,
        ),
        (
            "tag.json",
            "GET",
            format!("{PROJECT}/repository/tags/v1.0.0"),
            200,
        ),
        (
            "commit.json",
            "GET",
            format!("{PROJECT}/repository/commits/7b5c3cc"),
            200,
        ),
        (
            "users.json",
            "GET",
            "/api/v4/users?username=alice".into(),
            200,
        ),
        (
            "group.json",
            "GET",
            "/api/v4/groups/acme%2Frelease-managers".into(),
            200,
        ),
        (
            "member.json",
            "GET",
            format!("{PROJECT}/members/all/1"),
            200,
        ),
    ];
    for (name, method, path, status) in answers {
        let result = check_response(method, &path, status, &sample(name));
        assert_eq!(result, Ok(()), "{name} as {method} {path} {status}");
    }
    // GitLab's error bodies: a text, a field → messages map, a parameter error.
    for error in [
        json!({ "message": "404 Project Not Found" }),
        json!({ "message": { "name": ["has already been taken"] } }),
        json!({ "error": "status does not have a valid value" }),
    ] {
        assert_eq!(
            check_response("GET", PROJECT, 404, &error),
            Ok(()),
            "{error}"
        );
    }
    // No body on a 204, whatever schema the generator put beside it.
    assert_eq!(
        check_response("DELETE", environment, 204, &Value::Null),
        Ok(())
    );
    fails_naming(
        check_response("DELETE", environment, 204, &sample("environment.json")),
        "a 204 answer has no body",
    );
}

#[test]
fn gitlab_shaped_requests_validate() {
    let requests = [
        (
            "environment-post.json",
            "POST",
            "/api/v4/projects/1/environments".to_string(),
        ),
        (
            "environment-put.json",
            "PUT",
            "/api/v4/projects/1/environments/1".into(),
        ),
        (
            "deployment-post.json",
            "POST",
            "/api/v4/projects/1/deployments".into(),
        ),
        (
            "deployment-put.json",
            "PUT",
            "/api/v4/projects/1/deployments/42".into(),
        ),
        (
            "approval-post.json",
            "POST",
            "/api/v4/projects/1/deployments/42/approval".into(),
        ),
        (
            "protected-environment-post.json",
            "POST",
            "/api/v4/projects/1/protected_environments".into(),
        ),
        (
            "protected-environment-put.json",
            "PUT",
            "/api/v4/projects/1/protected_environments/production".into(),
        ),
    ];
    for (name, method, path) in requests {
        assert_eq!(
            check_request(method, &path, &sample(name)),
            Ok(()),
            "{name} as {method} {path}"
        );
    }
    let stop = "/api/v4/projects/1/environments/1/stop";
    assert_eq!(
        check_request("POST", stop, &json!({ "force": true })),
        Ok(())
    );
    assert_eq!(check_request("POST", stop, &json!({})), Ok(()));
}

/// Where the generated description was wrong and the cut took GitLab's docs instead
/// (`CORRECTIONS` in `cut.py`): pinned, so that a regenerated subset shows the difference.
#[test]
fn the_cut_corrects_what_the_generator_got_wrong() {
    let stop = "/api/v4/projects/1/environments/1/stop";
    assert_eq!(
        check_response("POST", stop, 200, &sample("environment.json")),
        Ok(())
    );
    fails_naming(
        check_response("POST", stop, 201, &sample("environment.json")),
        "declares no 201 response",
    );
    // `approvals` is a list, not one approval.
    let mut single = sample("deployment-approvals.json");
    single["approvals"] = single["approvals"][0].clone();
    fails_naming(
        check_response("GET", "/api/v4/projects/1/deployments/42", 200, &single),
        "/approvals:",
    );
    // Entities take null anywhere (grape-swagger states no nullability; Grape sends null).
    let mut nulls = sample("environment.json");
    for key in [
        "external_url",
        "description",
        "auto_stop_at",
        "tier",
        "last_deployment",
    ] {
        nulls[key] = Value::Null;
    }
    assert_eq!(
        check_response("GET", "/api/v4/projects/1/environments/1", 200, &nulls),
        Ok(())
    );
}

#[test]
fn unknown_operations_and_undeclared_statuses_are_reported() {
    fails_naming(
        check_response("GET", "/api/v4/projects/1/hooks", 200, &json!([])),
        "no operation in GitLab's description is GET",
    );
    fails_naming(
        check_response("GET", PROJECT, 500, &json!({})),
        "declares no 500 response",
    );
    fails_naming(
        check_request(
            "DELETE",
            "/api/v4/projects/1/environments/1",
            &json!({ "force": true }),
        ),
        "takes no request body",
    );
    fails_naming(
        check_request("POST", "/api/v4/projects/1/deployments", &Value::Null),
        "requires a request body",
    );
}

/// The docs subset is what `docs_subset.py` writes, byte for byte: an edit made to the JSON
/// alone (which the next run of the script would silently undo) fails here.
#[test]
fn the_docs_subset_is_what_its_script_writes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gitlab/openapi");
    let out = tempfile::tempdir().expect("temporary folder");
    let target = out.path().join("docs.json");
    let run = std::process::Command::new("python3")
        .arg(format!("{dir}/docs_subset.py"))
        .arg(&target)
        .output();
    match run {
        Err(error) => eprintln!("skipped: python3 does not run: {error}"),
        Ok(run) => {
            assert!(
                run.status.success(),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            let written = std::fs::read_to_string(&target).expect("written");
            assert!(
                written == DOCS,
                "gitlab.docs.subset.json differs from docs_subset.py's output"
            );
        }
    }
}

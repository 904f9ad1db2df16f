//! The emulator held to GitHub's description: every operation of the subset driven over
//! HTTP on both mounts, each answer's status and body checked with [`check_response`].
//!
//! The emulator and the client were written from the same notes; this is what keeps the
//! emulator honest about GitHub rather than about the client. Every failure is collected
//! and reported at once, so one run shows everything that drifted.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::{check_response, operation};
use crate::providers::github::emulator::testkit::{Gh, Reply, TestClient, sandbox};

/// Statuses the emulator answers, as GitHub does, that GitHub's description does not declare
/// for the operation: the description is incomplete there, not the emulator wrong. It lists
/// only the success status of most environment, branch policy, variable and secret
/// operations (the README says so), though GitHub answers 404 when the repository,
/// environment or item is missing, 409 for a variable that already exists and 422 for a
/// name or sealed value it refuses; `teams/list` declares 403 but not the 404 of an unknown
/// organization, `repos/create-deployment-status` 422 but not the 404 of an unknown
/// deployment. Each pair here is exercised by [`drive`] (the test fails on a stale one), and
/// its body is held to the schema a sibling operation declares for the same status
/// ([`stand_in`]).
const UNDECLARED: &[(&str, u16)] = &[
    ("teams/list", 404),
    ("repos/list-deployments", 404),
    ("repos/create-deployment-status", 404),
    ("repos/get-all-environments", 404),
    ("repos/get-environment", 404),
    ("repos/create-or-update-environment", 404),
    ("repos/delete-an-environment", 404),
    ("repos/list-deployment-branch-policies", 404),
    ("repos/get-deployment-branch-policy", 404),
    ("repos/update-deployment-branch-policy", 404),
    ("repos/delete-deployment-branch-policy", 404),
    ("actions/list-environment-variables", 404),
    ("actions/create-environment-variable", 409),
    ("actions/create-environment-variable", 422),
    ("actions/get-environment-variable", 404),
    ("actions/update-environment-variable", 404),
    ("actions/delete-environment-variable", 404),
    ("actions/get-environment-public-key", 404),
    ("actions/list-environment-secrets", 404),
    ("actions/create-or-update-environment-secret", 422),
    ("actions/get-environment-secret", 404),
    ("actions/delete-environment-secret", 404),
];

/// An operation declaring `status` with GitHub's usual body for it: 404 `basic-error`
/// (`users/get-by-username`), 409 `basic-error` and 422 `validation-error`
/// (`repos/get-commit`).
fn stand_in(status: u16) -> (&'static str, &'static str) {
    match status {
        404 => ("GET", "/users/someone"),
        _ => ("GET", "/repos/o/r/commits/main"),
    }
}

/// A client on one mount that checks every answer and records what it covered.
struct Checker {
    gh: Gh,
    /// `""` on github.com's mount, `/api/v3` on Enterprise Server's.
    prefix: &'static str,
    failures: Vec<String>,
    covered: BTreeSet<(String, u16)>,
}

impl Checker {
    fn new(gh: Gh, prefix: &'static str) -> Self {
        Checker {
            gh,
            prefix,
            failures: Vec::new(),
            covered: BTreeSet::new(),
        }
    }

    /// Sends, checks the answer against the description and expects `status`.
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let reply: Reply = self.gh.send(method.clone(), path, body).await;
        let full = format!("{}{path}", self.prefix);
        let Some(op) = operation(method.as_str(), &full) else {
            self.failures.push(format!(
                "{method} {full}: not an operation of the description"
            ));
            return reply.body;
        };
        let at = format!("{method} {full} ({}) {}", op.id, reply.status);
        if reply.status != status {
            self.failures
                .push(format!("{at}: expected {status}: {}", reply.body));
        }
        let undeclared = UNDECLARED.contains(&(op.id.as_str(), reply.status));
        let checked = if undeclared {
            let (method, path) = stand_in(reply.status);
            check_response(method, path, reply.status, &reply.body)
        } else {
            check_response(method.as_str(), &full, reply.status, &reply.body)
        };
        if let Err(problems) = checked {
            self.failures
                .push(format!("{at}:\n    {}", problems.join("\n    ")));
        }
        self.covered.insert((op.id, reply.status));
        reply.body
    }

    async fn get(&mut self, path: &str, status: u16) -> Value {
        self.call(Method::GET, path, None, status).await
    }

    async fn delete(&mut self, path: &str, status: u16) -> Value {
        self.call(Method::DELETE, path, None, status).await
    }

    async fn post(&mut self, path: &str, body: Value, status: u16) -> Value {
        self.call(Method::POST, path, Some(body), status).await
    }

    async fn put(&mut self, path: &str, body: Value, status: u16) -> Value {
        self.call(Method::PUT, path, Some(body), status).await
    }

    async fn patch(&mut self, path: &str, body: Value, status: u16) -> Value {
        self.call(Method::PATCH, path, Some(body), status).await
    }
}

/// Repository, ref, user, team and collaborator lookups, found and missing.
async fn lookups(c: &mut Checker, repo: &str) {
    c.get(&format!("/repos/{repo}"), 200).await;
    c.get("/repos/octo-org/no-such-repo", 404).await;
    c.get(&format!("/repos/{repo}/commits/main"), 200).await;
    c.get(&format!("/repos/{repo}/commits/release%2F1.0"), 200)
        .await;
    c.get(&format!("/repos/{repo}/commits/no-such-ref"), 422)
        .await;
    c.get("/repos/octo-org/no-such-repo/commits/main", 404)
        .await;
    c.get("/users/octocat", 200).await;
    c.get("/users/no-such-user", 404).await;
    c.get("/orgs/octo-org/teams", 200).await;
    c.get("/orgs/no-such-org/teams", 404).await;
    c.get("/orgs/octo-org/teams/sre", 200).await;
    c.get("/orgs/octo-org/teams/no-such-team", 404).await;
    c.get(&format!("/repos/{repo}/collaborators"), 200).await;
    c.get("/repos/octo-org/no-such-repo/collaborators", 404)
        .await;
}

/// Environments with every kind of protection, and their branch and tag policies.
async fn environments(c: &mut Checker, repo: &str) {
    let env = format!("/repos/{repo}/environments/prod%2Fweb");
    let full = json!({
        "wait_timer": 30,
        "prevent_self_review": true,
        "reviewers": [{ "type": "User", "id": 1 }, { "type": "Team", "id": 1002 }],
        "deployment_branch_policy": { "protected_branches": false, "custom_branch_policies": true },
    });
    c.put(&env, full, 200).await;
    c.put(
        &format!("/repos/{repo}/environments/staging"),
        json!({}),
        200,
    )
    .await;
    let bare = json!({ "reviewers": null, "deployment_branch_policy": null });
    c.put(&format!("/repos/{repo}/environments/bare"), bare, 200)
        .await;
    let protected = json!({ "deployment_branch_policy": { "protected_branches": true, "custom_branch_policies": false } });
    c.put(
        &format!("/repos/{repo}/environments/protected"),
        protected,
        200,
    )
    .await;
    c.put(
        &env.replace("prod%2Fweb", "bad"),
        json!({ "wait_timer": 50_000 }),
        422,
    )
    .await;
    c.put(
        &env.replace("prod%2Fweb", "bad"),
        json!({ "colour": "red" }),
        422,
    )
    .await;
    c.get(&env, 200).await;
    c.get(&format!("/repos/{repo}/environments/no-such-env"), 404)
        .await;
    c.put(
        "/repos/octo-org/no-such-repo/environments/qa",
        json!({}),
        404,
    )
    .await;
    c.get(&format!("/repos/{repo}/environments"), 200).await;
    c.get("/repos/octo-org/no-such-repo/environments", 404)
        .await;

    let policies = format!("{env}/deployment-branch-policies");
    let branch = c
        .post(
            &policies,
            json!({ "name": "release/*", "type": "branch" }),
            200,
        )
        .await;
    c.post(&policies, json!({ "name": "v*", "type": "tag" }), 200)
        .await;
    c.post(&policies, json!({ "name": "main" }), 200).await;
    c.post(
        &policies,
        json!({ "name": "release/*", "type": "branch" }),
        303,
    )
    .await;
    let staging = format!("/repos/{repo}/environments/staging/deployment-branch-policies");
    c.post(&staging, json!({ "name": "main" }), 404).await;
    c.get(&staging, 404).await;
    c.get(&policies, 200).await;
    let one = format!("{policies}/{}", branch["id"]);
    c.get(&one, 200).await;
    c.get(&format!("{policies}/999999"), 404).await;
    c.put(&one, json!({ "name": "release/**" }), 200).await;
    c.delete(&one, 204).await;
    c.put(&one, json!({ "name": "release/**" }), 404).await;
    c.delete(&one, 404).await;
}

/// Variables and secrets of an environment under `env` (either repository spelling).
async fn variables_and_secrets(c: &mut Checker, env: &str) {
    let variables = format!("{env}/variables");
    c.post(
        &variables,
        json!({ "name": "REGION", "value": "eu-west-1" }),
        201,
    )
    .await;
    c.post(
        &variables,
        json!({ "name": "REGION", "value": "eu-west-1" }),
        409,
    )
    .await;
    c.post(
        &variables,
        json!({ "name": "GITHUB_REGION", "value": "x" }),
        422,
    )
    .await;
    c.get(&variables, 200).await;
    c.get(&format!("{variables}/REGION"), 200).await;
    c.get(&format!("{variables}/MISSING"), 404).await;
    c.patch(
        &format!("{variables}/REGION"),
        json!({ "name": "ZONE", "value": "b" }),
        204,
    )
    .await;
    c.delete(&format!("{variables}/ZONE"), 204).await;
    c.patch(&format!("{variables}/ZONE"), json!({ "value": "c" }), 404)
        .await;
    c.delete(&format!("{variables}/ZONE"), 404).await;

    let secrets = format!("{env}/secrets");
    c.get(&format!("{secrets}/public-key"), 200).await;
    let (key_id, encrypted_value) = c.gh.seal(env, "hunter2").await;
    let body = json!({ "encrypted_value": encrypted_value, "key_id": key_id });
    c.put(&format!("{secrets}/TOKEN"), body.clone(), 201).await;
    c.put(&format!("{secrets}/TOKEN"), body.clone(), 204).await;
    let stale = json!({ "encrypted_value": encrypted_value, "key_id": "000000000000000000" });
    c.put(&format!("{secrets}/TOKEN"), stale, 422).await;
    c.get(&secrets, 200).await;
    c.get(&format!("{secrets}/TOKEN"), 200).await;
    c.get(&format!("{secrets}/MISSING"), 404).await;
    c.delete(&format!("{secrets}/TOKEN"), 204).await;
    c.delete(&format!("{secrets}/TOKEN"), 404).await;
    let missing = env.replace("prod%2Fweb", "no-such-env");
    c.get(&format!("{missing}/variables"), 404).await;
    c.get(&format!("{missing}/secrets"), 404).await;
    c.get(&format!("{missing}/secrets/public-key"), 404).await;
}

/// Deployments through every documented answer of create, their statuses, and deletion.
async fn deployments(c: &mut Checker, repo: &str) {
    let list = format!("/repos/{repo}/deployments");
    let full = json!({
        "ref": "main",
        "task": "deploy:migrate",
        "auto_merge": false,
        "required_contexts": ["ci/build"],
        "payload": { "run": "r1" },
        "environment": "prod/web",
        "description": "Every optional field",
        "transient_environment": false,
        "production_environment": true,
    });
    let first = c.post(&list, full, 201).await;
    let text_payload = json!({ "ref": "develop", "environment": "qa", "payload": "{\"a\":1}", "required_contexts": [] });
    let second = c.post(&list, text_payload, 201).await;
    c.post(
        &list,
        json!({ "ref": "topic-branch", "environment": "qa" }),
        202,
    )
    .await;
    c.post(
        &list,
        json!({ "ref": "conflicting", "environment": "qa" }),
        409,
    )
    .await;
    c.post(
        &list,
        json!({ "ref": "failing-checks", "environment": "qa" }),
        409,
    )
    .await;
    c.post(
        &list,
        json!({ "ref": "no-such-ref", "environment": "qa" }),
        422,
    )
    .await;
    c.get(&list, 200).await;
    c.get("/repos/octo-org/no-such-repo/deployments", 404).await;
    c.get(&format!("{list}?environment=qa&per_page=1"), 200)
        .await;
    let one = format!("{list}/{}", first["id"]);
    c.get(&one, 200).await;
    c.get(&format!("{list}/999999"), 404).await;

    let statuses = format!("{one}/statuses");
    let every = json!({
        "state": "in_progress",
        "log_url": "https://ci.example/run/1",
        "description": "Rolling out",
        "environment": "prod/web",
        "environment_url": "https://shop.example",
        "auto_inactive": false,
    });
    let status = c.post(&statuses, every, 201).await;
    c.post(
        &statuses,
        json!({ "state": "success", "target_url": "https://ci.example/run/1" }),
        201,
    )
    .await;
    c.post(&statuses, json!({ "state": "exploded" }), 422).await;
    c.get(&statuses, 200).await;
    c.get(&format!("{statuses}/{}", status["id"]), 200).await;
    c.get(&format!("{statuses}/999999"), 404).await;
    c.get(&format!("{list}/999999/statuses"), 404).await;
    c.post(
        &format!("{list}/999999/statuses"),
        json!({ "state": "success" }),
        404,
    )
    .await;

    c.delete(&one, 422).await;
    c.post(&statuses, json!({ "state": "inactive" }), 201).await;
    c.delete(&one, 204).await;
    c.delete(&format!("{list}/{}", second["id"]), 204).await;
    c.delete(&format!("{list}/999999"), 404).await;
}

/// Drives every operation on one mount; environments end deleted.
async fn drive(c: &mut Checker, repo: &str, repo_id: i64) {
    lookups(c, repo).await;
    environments(c, repo).await;
    variables_and_secrets(c, &format!("/repos/{repo}/environments/prod%2Fweb")).await;
    variables_and_secrets(
        c,
        &format!("/repositories/{repo_id}/environments/prod%2Fweb"),
    )
    .await;
    deployments(c, repo).await;
    c.delete(&format!("/repos/{repo}/environments/prod%2Fweb"), 204)
        .await;
    c.delete(&format!("/repos/{repo}/environments/prod%2Fweb"), 404)
        .await;
}

#[tokio::test]
async fn every_answer_of_the_emulator_follows_githubs_description() {
    let (_sandbox, gh) = sandbox().await;
    let mut dotcom = Checker::new(gh.clone(), "");
    drive(&mut dotcom, "octo-org/web", 502).await;
    let mut enterprise = Checker::new(gh.enterprise(), "/api/v3");
    drive(&mut enterprise, "octo-org/api", 503).await;

    let failures: Vec<String> = dotcom
        .failures
        .into_iter()
        .chain(enterprise.failures)
        .collect();
    assert!(
        failures.is_empty(),
        "{} answers do not follow GitHub's description:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Both mounts drove the same operations to the same statuses.
    assert_eq!(dotcom.covered, enterprise.covered);
    for (id, status) in UNDECLARED {
        let pair = ((*id).to_owned(), *status);
        assert!(
            dotcom.covered.contains(&pair),
            "the exception {id} {status} is never exercised"
        );
    }
    let ids: BTreeSet<&str> = dotcom.covered.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 32, "operations driven: {ids:?}");
}

//! The emulator held to GitLab's description: every operation of both subsets driven over
//! HTTP, to success and to the errors GitLab documents, each answer's status and body
//! checked with [`check_response`].
//!
//! The emulator and the client were written from the same notes; this is what keeps the
//! emulator honest about GitLab rather than about the client. Every failure is collected
//! and reported at once, so one run shows everything that drifted.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use super::{check_response, operation};
use crate::providers::gitlab::emulator::testkit::{Gl, Reply, TestClient, sandbox};
use drive::drive;
use refusals::refusals;

mod drive;
mod refusals;

/// Statuses the emulator answers, as GitLab does, that GitLab's description does not declare
/// for the operation: the description is incomplete there, not the emulator wrong. The
/// generated subset lists what grape-swagger was told, which leaves out Grape's
/// `forbidden!` and `not_found!` of most endpoints: 403 for a caller below the role an
/// operation needs (`environments.md`: Developer to create, Maintainer to delete a
/// deployment), for deleting an environment that is not stopped, and for deploying to a
/// protected environment the caller may not deploy to; 404 for an unknown deployment on
/// delete and approval; 400 for a `search` under three characters (`environments.md`) and
/// every refusal of an approval (`deployment_approvals.md`). Each pair here is exercised by
/// [`drive()`] and must still be undeclared (the test fails on a stale one); its body is
/// held to the schema the docs subset declares for the same status ([`stand_in`]).
const UNDECLARED: &[(&str, u16)] = &[
    ("getApiV4ProjectsIdEnvironments", 400),
    ("postApiV4ProjectsIdEnvironments", 403),
    ("deleteApiV4ProjectsIdEnvironmentsEnvironmentId", 403),
    ("postApiV4ProjectsIdDeployments", 403),
    ("deleteApiV4ProjectsIdDeploymentsDeploymentId", 404),
    ("postApiV4ProjectsIdDeploymentsDeploymentIdApproval", 400),
    ("postApiV4ProjectsIdDeploymentsDeploymentIdApproval", 404),
];

/// An operation of the docs subset declaring `status` with GitLab's error body (`Error`:
/// `{"message": text or field → messages}` or `{"error": text}`).
fn stand_in(status: u16) -> Option<(&'static str, &'static str)> {
    match status {
        400 | 409 => Some(("POST", "/api/v4/projects/1/protected_environments")),
        401 => Some(("GET", "/api/v4/projects/1")),
        403 => Some(("GET", "/api/v4/projects/1/protected_environments")),
        404 => Some(("GET", "/api/v4/groups/1")),
        _ => None,
    }
}

/// A client that checks every answer and records what it covered.
struct Checker {
    gl: Gl,
    failures: Vec<String>,
    covered: BTreeSet<(String, u16)>,
}

impl Checker {
    /// Sends as `who`, checks the answer against the description and expects `status`.
    /// An error answer is also held to GitLab's error body, whether or not the operation
    /// declares a schema for it (the generated subset declares none).
    async fn send(
        &mut self,
        who: &Gl,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let reply: Reply = who.send(method.clone(), path, body).await;
        let full = format!("/api/v4{path}");
        let Some(op) = operation(method.as_str(), &full) else {
            self.failures.push(format!(
                "{method} {full}: not an operation of the description"
            ));
            return reply.body;
        };
        let at = format!("{method} {full} ({}) {}", op.id, reply.status);
        if reply.status != status {
            self.failures
                .push(format!("{at}: expected {status}: {}", reply.text));
        }
        let undeclared = UNDECLARED.contains(&(op.id.as_str(), reply.status));
        let mut problems = Vec::new();
        match check_response(method.as_str(), &full, reply.status, &reply.body) {
            Err(found) if !undeclared => problems.extend(found),
            // An exception the description now declares is stale.
            Ok(()) if undeclared => problems.push("declared now: drop it from UNDECLARED".into()),
            Err(found) if !found[0].contains("declares no") => {
                problems.push("declared now: drop it from UNDECLARED".into());
            }
            _ => {}
        }
        if reply.status >= 400 || undeclared {
            match stand_in(reply.status) {
                Some((method, path)) => {
                    if let Err(found) = check_response(method, path, reply.status, &reply.body) {
                        problems.extend(found);
                    }
                }
                None => problems.push(format!(
                    "no error body of GitLab's to hold a {} to",
                    reply.status
                )),
            }
        }
        if !problems.is_empty() {
            self.failures.push(format!(
                "{at}: {}\n    {}",
                reply.text,
                problems.join("\n    ")
            ));
        }
        self.covered.insert((op.id, reply.status));
        reply.body
    }

    async fn get(&mut self, path: &str, status: u16) -> Value {
        let gl = self.gl.clone();
        self.send(&gl, Method::GET, path, None, status).await
    }

    async fn delete(&mut self, path: &str, status: u16) -> Value {
        let gl = self.gl.clone();
        self.send(&gl, Method::DELETE, path, None, status).await
    }

    async fn post(&mut self, path: &str, body: Value, status: u16) -> Value {
        let gl = self.gl.clone();
        self.send(&gl, Method::POST, path, Some(body), status).await
    }

    async fn put(&mut self, path: &str, body: Value, status: u16) -> Value {
        let gl = self.gl.clone();
        self.send(&gl, Method::PUT, path, Some(body), status).await
    }
}

#[tokio::test]
async fn every_answer_of_the_emulator_follows_gitlabs_description() {
    let (_sandbox, gl) = sandbox().await;
    let mut c = Checker {
        gl,
        failures: Vec::new(),
        covered: BTreeSet::new(),
    };
    drive(&mut c).await;
    refusals(&mut c).await;
    let failures = &c.failures;
    assert!(
        failures.is_empty(),
        "{} answers do not follow GitLab's description:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (id, status) in UNDECLARED {
        let pair = ((*id).to_owned(), *status);
        assert!(
            c.covered.contains(&pair),
            "the exception {id} {status} is never exercised"
        );
    }
}

/// The drive reaches every operation of both subsets (the count [`super::tests`] pins).
#[tokio::test]
async fn the_drive_covers_every_operation_of_the_subsets() {
    let (_sandbox, gl) = sandbox().await;
    let mut c = Checker {
        gl,
        failures: Vec::new(),
        covered: BTreeSet::new(),
    };
    drive(&mut c).await;
    let driven: BTreeSet<&str> = c.covered.iter().map(|(id, _)| id.as_str()).collect();
    let described =
        super::ORACLE.count(super::FROM_DESCRIPTION) + super::ORACLE.count(super::FROM_DOCS);
    assert_eq!(driven.len(), described, "operations driven: {driven:?}");
}

//! Bodies GitLab's description refuses, sent to the emulator: each must be refused there
//! too (400), or a client mistake GitLab would reject passes every sandbox test. Each body
//! is first held to [`check_request`], so a case the description takes is reported rather
//! than kept as a refusal it is not.
//!
//! Where GitLab itself is laxer than its description, the emulator must be too: Grape
//! coerces a parameter to its declared type before validating it (a number or boolean
//! becomes the text of a `String` parameter; `"false"` is a `Boolean`), so those bodies
//! are answered as their coerced values would be ([`coerced`]), whatever the schema's
//! types say. The client never relies on it: its own bodies are held to the schema in
//! `requests`.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::check_request;
use super::Checker;
use crate::providers::gitlab::emulator::testkit::SHOP;

/// Sends `body`, which the description must refuse, and expects the emulator's 400.
async fn refused(c: &mut Checker, method: Method, path: &str, body: Value) {
    let full = format!("/api/v4{path}");
    if check_request(method.as_str(), &full, &body).is_ok() {
        c.failures.push(format!(
            "{method} {full}: the description takes {body}; not a refusal"
        ));
        return;
    }
    let gl = c.gl.clone();
    c.send(&gl, method, path, Some(body), 400).await;
}

/// Sends `body`, which the description's types refuse but Grape coerces, and expects the
/// emulator's success `status`.
async fn coerced(c: &mut Checker, method: Method, path: &str, body: Value, status: u16) {
    let full = format!("/api/v4{path}");
    if check_request(method.as_str(), &full, &body).is_ok() {
        c.failures.push(format!(
            "{method} {full}: the description takes {body}; nothing to coerce"
        ));
        return;
    }
    let gl = c.gl.clone();
    c.send(&gl, method, path, Some(body), status).await;
}

/// One refusal of each kind the description states, for every operation with a body.
pub(super) async fn refusals(c: &mut Checker) {
    let environments = format!("{SHOP}/environments");
    let env = c
        .post(&environments, json!({ "name": "refusals" }), 201)
        .await;
    let one = format!("{environments}/{}", env["id"]);
    for body in [
        json!({ "external_url": "https://x.example.com" }),
        json!({ "name": "x", "tier": "prod" }),
        json!({ "name": "x", "auto_stop_setting": "never" }),
        json!({ "name": "x", "external_url": 7 }),
        json!({ "name": "x", "description": ["a"] }),
    ] {
        refused(c, Method::POST, &environments, body).await;
    }
    for body in [
        json!({ "tier": "prod" }),
        json!({ "auto_stop_setting": "never" }),
        json!({ "external_url": 7 }),
    ] {
        refused(c, Method::PUT, &one, body).await;
    }
    refused(
        c,
        Method::POST,
        &format!("{one}/stop"),
        json!({ "force": "yes" }),
    )
    .await;
    coerced(c, Method::POST, &environments, json!({ "name": 7 }), 201).await;
    coerced(
        c,
        Method::POST,
        &environments,
        json!({ "name": "coerced", "kubernetes_namespace": 1 }),
        201,
    )
    .await;
    coerced(c, Method::PUT, &one, json!({ "description": false }), 200).await;

    let main = c.gl.head("101", "main").await;
    let deployments = format!("{SHOP}/deployments");
    let full = json!({ "environment": "refusals", "sha": main, "ref": "main", "tag": false, "status": "running" });
    for key in ["environment", "sha", "ref", "tag", "status"] {
        let mut body = full.clone();
        body.as_object_mut().expect("object").remove(key);
        refused(c, Method::POST, &deployments, body).await;
    }
    for (key, value) in [("status", json!("created")), ("status", json!("blocked"))] {
        let mut body = full.clone();
        body[key] = value;
        refused(c, Method::POST, &deployments, body).await;
    }
    for (key, value) in [("tag", json!("false")), ("environment", json!(1))] {
        let mut body = full.clone();
        body[key] = value;
        coerced(c, Method::POST, &deployments, body, 201).await;
    }
    let run = c.post(&deployments, full, 201).await;
    let run = format!("{deployments}/{}", run["id"]);
    for body in [
        json!({}),
        json!({ "status": "created" }),
        json!({ "status": "skipped" }),
        json!({ "status": 1 }),
    ] {
        refused(c, Method::PUT, &run, body).await;
    }
    for body in [json!({}), json!({ "status": "maybe" })] {
        refused(c, Method::POST, &format!("{run}/approval"), body).await;
    }

    let protected = format!("{SHOP}/protected_environments");
    let entry = |entry: Value| json!({ "name": "refusals", "deploy_access_levels": [entry] });
    for body in [
        json!({ "name": "refusals" }),
        json!({ "deploy_access_levels": [{ "access_level": 40 }] }),
        json!({ "name": "refusals", "deploy_access_levels": [] }),
        entry(json!({ "access_level": 50 })),
        entry(json!({ "access_level": 40, "user_id": 2 })),
        entry(json!({ "group_inheritance_type": 1 })),
        entry(json!({ "group_id": 12, "group_inheritance_type": 2 })),
        entry(json!({ "acess_level": 40 })),
        json!({ "name": "refusals", "deploy_access_levels": [{ "access_level": 40 }], "approval_rules": [{ "user_id": 2, "required_approvals": 0 }] }),
    ] {
        refused(c, Method::POST, &protected, body).await;
    }
    c.post(&protected, entry(json!({ "access_level": 40 })), 201)
        .await;
    let named = format!("{protected}/refusals");
    for body in [
        json!({ "deploy_access_levels": [{ "access_level": 20 }] }),
        json!({ "deploy_access_levels": [{ "user_id": 2, "group_id": 12 }] }),
        json!({ "approval_rules": [{ "access_level": 40, "required_approvals": 0 }] }),
    ] {
        refused(c, Method::PUT, &named, body).await;
    }
    c.delete(&named, 204).await;
}

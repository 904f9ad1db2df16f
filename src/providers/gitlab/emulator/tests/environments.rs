//! Environments: attributes, validation in GitLab's shapes, filters, stop and delete.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{SHOP, TestClient, sandbox};

#[tokio::test]
async fn environments_keep_every_attribute_and_refuse_what_gitlab_refuses() {
    let (_sandbox, gl) = sandbox().await;
    let body = json!({
        "name": "production", "tier": "production", "external_url": "https://shop.example.com",
        "description": "Live shop", "auto_stop_setting": "with_action", "kubernetes_namespace": "shop",
        "flux_resource_path": "helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases/shop",
    });
    let created = gl.environment(SHOP, body.clone()).await;
    for key in [
        "name",
        "tier",
        "external_url",
        "description",
        "auto_stop_setting",
        "kubernetes_namespace",
        "flux_resource_path",
    ] {
        assert_eq!(created[key], body[key], "{key}");
    }
    assert_eq!(
        (created["state"].clone(), created["slug"].clone()),
        (json!("available"), json!("production"))
    );
    assert!(
        created.get("last_deployment").is_none(),
        "only the single GET has it"
    );
    let id = created["id"].as_i64().unwrap();
    let mut got = gl
        .get(&format!("{SHOP}/environments/{id}"))
        .await
        .expect(200);
    assert!(got["last_deployment"].is_null());
    let object = got.as_object_mut().unwrap();
    object.remove("last_deployment");
    object.remove("cluster_agent");
    assert_eq!(got, created);
    // Defaults: the tier GitLab guesses from the name, `always`, a slug that fits DNS.
    let review = gl
        .environment(SHOP, json!({"name": "review/Feature_1"}))
        .await;
    assert_eq!(
        (review["tier"].clone(), review["auto_stop_setting"].clone()),
        (json!("development"), json!("always"))
    );
    assert!(
        review["slug"]
            .as_str()
            .unwrap()
            .starts_with("review-feature-1-"),
        "{}",
        review["slug"]
    );
    let refusals = [
        (
            json!({"name": "production"}),
            json!({"message": {"name": ["has already been taken"]}}),
        ),
        (
            json!({"name": "/bad"}),
            json!({"message": {"name": [super::super::naming::NAME_RULE]}}),
        ),
        (
            json!({"name": "a!"}),
            json!({"message": {"name": [super::super::naming::NAME_RULE]}}),
        ),
        (
            json!({"name": "x".repeat(256)}),
            json!({"message": {"name": ["is too long (maximum is 255 characters)"]}}),
        ),
        (json!({"tier": "prod"}), json!({"error": "name is missing"})),
        (
            json!({"name": "e1", "tier": "prod"}),
            json!({"error": "tier does not have a valid value"}),
        ),
        (
            json!({"name": "e2", "auto_stop_setting": "never"}),
            json!({"error": "auto_stop_setting does not have a valid value"}),
        ),
        (
            json!({"name": "e3", "slug": "s"}),
            json!({"error": "slug is automatically generated and cannot be changed"}),
        ),
        (
            json!({"name": "e4", "external_url": "ftp://x"}),
            json!({"message": {"external_url": ["is blocked: Only allowed schemes are http, https"]}}),
        ),
    ];
    for (body, answer) in refusals {
        let reply = gl.post(&format!("{SHOP}/environments"), body.clone()).await;
        assert_eq!((reply.status, reply.body), (400, answer), "{body}");
    }
    // Update: every key but the name.
    let updated = gl
        .put(
            &format!("{SHOP}/environments/{id}"),
            json!({"external_url": "https://new.example.com", "description": ""}),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            updated["external_url"].clone(),
            updated["description"].clone(),
            updated["tier"].clone()
        ),
        (
            json!("https://new.example.com"),
            json!(null),
            json!("production")
        )
    );
    // `name` is no parameter of the update since GitLab 16.0: Grape ignores it, the name
    // stays (read back below).
    assert_eq!(
        gl.put(
            &format!("{SHOP}/environments/{id}"),
            json!({"name": "prod"})
        )
        .await
        .expect(200)["name"],
        "production"
    );
    assert_eq!(
        gl.put(&format!("{SHOP}/environments/{id}"), json!({"tier": "x"}))
            .await
            .expect(400),
        json!({"error": "tier does not have a valid value"})
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/environments/{id}"))
            .await
            .expect(200)["name"],
        "production"
    );
    // Reporters read but do not write.
    let dave = gl.as_user("dave").await;
    dave.get(&format!("{SHOP}/environments")).await.expect(200);
    assert_eq!(
        dave.post(&format!("{SHOP}/environments"), json!({"name": "d"}))
            .await
            .expect(403),
        json!({"message": "403 Forbidden"})
    );
    gl.get(&format!("{SHOP}/environments/999"))
        .await
        .expect(404);
}

#[tokio::test]
async fn lists_filter_by_exact_name_search_and_state() {
    let (_sandbox, gl) = sandbox().await;
    for name in ["production", "production-eu", "staging"] {
        gl.environment(SHOP, json!({"name": name})).await;
    }
    let names = |list: serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/environments?name=production"))
                .await
                .expect(200)
        ),
        ["production"]
    );
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/environments?search=produ"))
                .await
                .expect(200)
        ),
        ["production", "production-eu"]
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/environments?search=pr"))
            .await
            .status,
        400
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/environments?name=a&search=abc"))
            .await
            .status,
        400
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/environments?states=gone"))
            .await
            .expect(400),
        json!({"error": "states does not have a valid value"})
    );
    let id = gl
        .get(&format!("{SHOP}/environments?name=staging"))
        .await
        .expect(200)[0]["id"]
        .clone();
    gl.post(&format!("{SHOP}/environments/{id}/stop"), json!({}))
        .await
        .expect(200);
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/environments?states=stopped"))
                .await
                .expect(200)
        ),
        ["staging"]
    );
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/environments?states=available"))
                .await
                .expect(200)
        )
        .len(),
        2
    );
}

#[tokio::test]
async fn stopping_takes_the_on_stop_delay_and_only_stopped_environments_go() {
    let (_sandbox, gl) = sandbox().await;
    let plain = gl.environment(SHOP, json!({"name": "plain"})).await["id"].clone();
    let forbidden = gl.delete(&format!("{SHOP}/environments/{plain}")).await;
    assert_eq!(
        (forbidden.status, forbidden.body),
        (403, json!({"message": "403 Forbidden"}))
    );
    assert_eq!(
        gl.post(&format!("{SHOP}/environments/{plain}/stop"), json!({}))
            .await
            .expect(200)["state"],
        "stopped"
    );
    assert_eq!(
        gl.delete(&format!("{SHOP}/environments/{plain}"))
            .await
            .status,
        204
    );
    gl.get(&format!("{SHOP}/environments/{plain}"))
        .await
        .expect(404);

    // With an on_stop action on the clock: stopping, then stopped by itself.
    let timed = gl.environment(SHOP, json!({"name": "timed"})).await["id"].clone();
    gl.admin(
        Method::PUT,
        "/projects/101/environments/timed/on-stop",
        Some(json!({"delay_ms": 300})),
    )
    .await
    .expect(200);
    assert_eq!(
        gl.post(&format!("{SHOP}/environments/{timed}/stop"), json!({}))
            .await
            .expect(200)["state"],
        "stopping"
    );
    assert_eq!(
        gl.post(&format!("{SHOP}/environments/{timed}/stop"), json!({}))
            .await
            .expect(200)["state"],
        "stopping",
        "stopping again is harmless"
    );
    assert_eq!(
        gl.delete(&format!("{SHOP}/environments/{timed}"))
            .await
            .status,
        403
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        gl.get(&format!("{SHOP}/environments/{timed}"))
            .await
            .expect(200)["state"],
        "stopped"
    );
    assert_eq!(
        gl.delete(&format!("{SHOP}/environments/{timed}"))
            .await
            .status,
        204
    );

    // Manual mode: stopping until the admin API finishes it; `force` skips the action.
    let manual = gl.environment(SHOP, json!({"name": "manual"})).await["id"].clone();
    gl.admin(
        Method::PUT,
        "/projects/acme%2Fplatform%2Fshop/environments/manual/on-stop",
        Some(json!({"manual": true})),
    )
    .await
    .expect(200);
    gl.post(&format!("{SHOP}/environments/{manual}/stop"), json!({}))
        .await
        .expect(200);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        gl.get(&format!("{SHOP}/environments/{manual}"))
            .await
            .expect(200)["state"],
        "stopping"
    );
    gl.admin(
        Method::POST,
        "/projects/101/environments/manual/finish-stop",
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        gl.get(&format!("{SHOP}/environments/{manual}"))
            .await
            .expect(200)["state"],
        "stopped"
    );
    let forced = gl.environment(SHOP, json!({"name": "forced"})).await["id"].clone();
    gl.admin(
        Method::PUT,
        "/projects/101/environments/forced/on-stop",
        Some(json!({"manual": true})),
    )
    .await
    .expect(200);
    assert_eq!(
        gl.post(
            &format!("{SHOP}/environments/{forced}/stop"),
            json!({"force": true})
        )
        .await
        .expect(200)["state"],
        "stopped"
    );
}

#[tokio::test]
async fn a_successful_deployment_starts_a_stopped_environment_again() {
    let (_sandbox, gl) = sandbox().await;
    let head = gl.head("101", "main").await;
    let id = gl.environment(SHOP, json!({"name": "review"})).await["id"].clone();
    let state = || {
        let (gl, path) = (gl.clone(), format!("{SHOP}/environments/{id}"));
        async move { gl.get(&path).await.expect(200)["state"].clone() }
    };
    gl.post(&format!("{SHOP}/environments/{id}/stop"), json!({}))
        .await
        .expect(200);
    let run = gl
        .deploy(SHOP, "review", "main", &head, "running")
        .await
        .expect(201);
    assert_eq!(state().await, "stopped", "a running deployment does not");
    gl.put(
        &format!("{SHOP}/deployments/{}", run["id"]),
        json!({"status": "success"}),
    )
    .await
    .expect(200);
    assert_eq!(state().await, "available");
    gl.post(&format!("{SHOP}/environments/{id}/stop"), json!({}))
        .await
        .expect(200);
    gl.deploy(SHOP, "review", "main", &head, "failed")
        .await
        .expect(201);
    assert_eq!(state().await, "stopped", "nor a failed one");
    gl.deploy(
        SHOP,
        "review",
        "release/1.x",
        &gl.head("101", "release/1.x").await,
        "success",
    )
    .await
    .expect(201);
    assert_eq!(state().await, "available");
}

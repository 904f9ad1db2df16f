//! Tokens, the error envelope and its request id, paging, git connections and staging.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{TestClient, app_id, manual, none};

#[tokio::test]
async fn tokens_are_checked_and_errors_echo_the_request_id() {
    let (sandbox, ax) = manual().await;
    let missing = ax.with(None, false).get("/tenants").await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.body["error"]["code"], "token_missing");
    let request = ax
        .http
        .get(format!("{}/tenants", ax.api))
        .header("x-api-key", "axhub_pat_wrong")
        .header("x-request-id", "01JREQUESTIDFROMTHECLIENT0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        request.headers()["x-request-id"],
        "01JREQUESTIDFROMTHECLIENT0"
    );
    let body: serde_json::Value = request.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": {"category": "unauthenticated", "code": "token_invalid",
            "message": "the token is not valid", "request_id": "01JREQUESTIDFROMTHECLIENT0",
            "retryable": true}})
    );
    // Without one the emulator makes a 26-character id, also on unknown routes.
    let unknown = ax.get("/nowhere").await;
    assert_eq!(unknown.status, 404);
    let id = unknown.body["error"]["request_id"].as_str().unwrap();
    assert_eq!(id.len(), 26, "{id}");
    assert_eq!(unknown.header("x-request-id"), Some(id));
    // Bearer works like X-Api-Key; a member token reads but may not write.
    let bearer = ax.with(ax.token.as_deref(), true);
    let tenants = bearer.get("/tenants").await.expect(200);
    assert_eq!(tenants["items"][0]["slug"], "acme");
    let issued = ax
        .admin(Method::POST, "/tokens", Some(json!({"admin": false})))
        .await
        .expect(200);
    let member = ax.with(issued["token"].as_str(), false);
    member
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    let refused = member.deploy("shop", none()).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["error"]["category"], "permission_denied");
    // The request log has every call, and no token.
    let log = sandbox.requests();
    assert!(
        log.iter().any(|r| r.provider == "axhub"
            && r.path.ends_with("/api/v1/tenants")
            && r.status == 401)
    );
    let text = format!("{log:?}");
    assert!(
        !text.contains(issued["token"].as_str().unwrap())
            && !text.contains(crate::providers::axhub::emulator::demo::AXHUB_TOKEN)
    );
}

#[tokio::test]
async fn apps_page_by_offset_and_the_cursor_is_not_accepted() {
    let (_sandbox, ax) = manual().await;
    for n in 0..3 {
        ax.admin(
            Method::POST,
            "/apps",
            Some(json!({"slug": format!("extra-{n}")})),
        )
        .await
        .expect(200);
    }
    let tenant = ax.get("/tenants").await.expect(200)["items"][0]["id"].clone();
    let path = format!("/tenants/{}/apps", tenant.as_str().unwrap());
    let first = ax.get(&format!("{path}?limit=3")).await.expect(200);
    assert_eq!(first["total"], 7);
    let slugs: Vec<_> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].clone())
        .collect();
    assert_eq!(slugs, [json!("shop"), json!("blog"), json!("api")]);
    assert!(first["next_cursor"].is_string());
    let last = ax
        .get(&format!("{path}?limit=3&offset=6"))
        .await
        .expect(200);
    assert_eq!(last["items"].as_array().unwrap().len(), 1);
    assert!(last["next_cursor"].is_null());
    let cursor = first["next_cursor"].as_str().unwrap();
    let refused = ax.get(&format!("{path}?cursor={cursor}")).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["error"]["fields"][0]["field"], "cursor");
    for bad in ["limit=0", "limit=101", "offset=-1", "limit=x"] {
        let reply = ax.get(&format!("{path}?{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(reply.body["error"]["category"], "validation");
    }
    let shop = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(shop["access_url"], "https://shop.acme.axhub.ai");
    assert_eq!(shop["last_deployment_status"], "succeeded");
    assert_eq!(shop["staging_enabled"], false);
    let blog = ax
        .get(&format!("/apps/{}", app_id("blog")))
        .await
        .expect(200);
    assert!(blog["subdomain"].is_null() && blog["production_deployment_id"].is_null());
    // Apps are named by id only.
    assert_eq!(ax.get("/apps/shop").await.status, 404);
}

#[tokio::test]
async fn git_connections_connect_change_branch_and_disconnect() {
    let (_sandbox, ax) = manual().await;
    let api = format!("/apps/{}", app_id("api"));
    let off = ax.get(&format!("{api}/git-connection")).await.expect(200);
    assert_eq!(off["connected"], false);
    assert!(off["install_url"].is_string());
    let patch = ax
        .patch(&format!("{api}/git-connection"), json!({"branch": "dev"}))
        .await;
    assert_eq!(patch.status, 404);
    let connect = json!({"installation_id": 7, "repo_full_name": "acme/api"});
    let made = ax
        .post(&format!("{api}/git/github/connect"), connect.clone())
        .await
        .expect(201);
    assert_eq!(
        made,
        json!({"provider": "github", "repo_full_name": "acme/api", "branch": "main", "installation_id": 7})
    );
    ax.post(&format!("{api}/git/github/connect"), connect)
        .await
        .expect(201);
    let bad = ax
        .patch(&format!("{api}/git-connection"), json!({"branch": "a..b"}))
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["fields"][0]["field"].clone()),
        (400, json!("branch"))
    );
    ax.patch(
        &format!("{api}/git-connection"),
        json!({"branch": "release/1"}),
    )
    .await
    .expect(200);
    let on = ax.get(&format!("{api}/git-connection")).await.expect(200);
    assert_eq!(
        (on["connected"].clone(), on["branch"].clone()),
        (json!(true), json!("release/1"))
    );
    for bad in [
        json!({"installation_id": 0, "repo_full_name": "acme/api"}),
        json!({"installation_id": 1, "repo_full_name": "nobody/x"}),
    ] {
        assert_eq!(
            ax.post(&format!("{api}/git/github/connect"), bad)
                .await
                .status,
            400
        );
    }
    // A repository the admin API adds can be connected; then the deploy builds its head.
    let repo = json!({"full_name": "acme/api-next"});
    let made = ax
        .admin(Method::POST, "/repos", Some(repo.clone()))
        .await
        .expect(200);
    assert_eq!(
        ax.admin(Method::POST, "/repos", Some(repo)).await.status,
        409
    );
    let next = json!({"installation_id": 8, "repo_full_name": "acme/api-next"});
    ax.post(&format!("{api}/git/github/connect"), next)
        .await
        .expect(201);
    let run = ax.deploy("api", none()).await.expect(202);
    assert_eq!(run["commit_sha"], made["commits"][2]);
    ax.delete(&format!("{api}/git-connection"))
        .await
        .expect(204);
    ax.delete(&format!("{api}/git-connection"))
        .await
        .expect(204);
    // The relogin switch: 428 with code and message at the root.
    ax.admin(
        Method::PUT,
        "/github-relogin",
        Some(json!({"required": true})),
    )
    .await
    .expect(200);
    let relogin = ax
        .post(
            &format!("{api}/git/github/connect"),
            json!({"installation_id": 7, "repo_full_name": "acme/api"}),
        )
        .await;
    assert_eq!(relogin.status, 428);
    assert_eq!(relogin.body["code"], "github_relogin_required");
    assert!(relogin.body["request_id"].is_string() && relogin.body.get("error").is_none());
    // The install start is the one redirect.
    let start = ax.get(&format!("{api}/git/github/install/start")).await;
    assert_eq!(start.status, 302);
    assert!(
        start
            .header("location")
            .unwrap()
            .starts_with("https://github.com/")
    );
}

#[tokio::test]
async fn staging_needs_a_production_deploy_and_a_confirmed_disable() {
    let (_sandbox, ax) = manual().await;
    let blog = format!("/apps/{}/staging", app_id("blog"));
    let refused = ax.put(&blog, none()).await;
    // Codes as AxHub's registry (axhub-sdk `ERROR_CODES`) names them.
    assert_eq!(
        (refused.status, refused.body["error"]["code"].clone()),
        (412, json!("prod_deploy_required"))
    );
    assert_eq!(refused.body["error"]["category"], "precondition_failed");
    let shop = format!("/apps/{}/staging", app_id("shop"));
    ax.put(&shop, none()).await.expect(202);
    let twice = ax.put(&shop, none()).await;
    assert_eq!(
        (twice.status, twice.body["error"]["code"].clone()),
        (409, json!("staging_already_enabled"))
    );
    assert_eq!(twice.body["error"]["category"], "conflict");
    let app = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(app["staging_enabled"], true);
    for body in [
        None,
        Some(json!({})),
        Some(json!({"confirm_discard_ops": false})),
    ] {
        let unconfirmed = ax.send(Method::DELETE, &shop, body.clone()).await;
        assert_eq!(
            (
                unconfirmed.status,
                unconfirmed.body["error"]["code"].clone()
            ),
            (412, json!("confirm_required")),
            "{body:?}"
        );
        assert_eq!(unconfirmed.body["error"]["category"], "precondition_failed");
    }
    ax.send(
        Method::DELETE,
        &shop,
        Some(json!({"confirm_discard_ops": true})),
    )
    .await
    .expect(204);
    let app = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(app["staging_enabled"], false);
}

#[tokio::test]
async fn the_rate_limit_and_injected_faults_answer_in_the_envelope() {
    let (_sandbox, ax) = manual().await;
    ax.admin(
        Method::PUT,
        "/rate-limit",
        Some(json!({"limit": 2, "window_secs": 30})),
    )
    .await
    .expect(200);
    ax.get("/tenants").await.expect(200);
    ax.get("/tenants").await.expect(200);
    let limited = ax.get("/tenants").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["error"]["code"], "temporarily_unavailable");
    assert_eq!(limited.body["error"]["retryable"], true);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait));
    assert_eq!(limited.body["error"]["retry"]["after_seconds"], wait);
    ax.admin(Method::DELETE, "/rate-limit", None)
        .await
        .expect(200);
    let sandbox_admin = ax.admin.trim_end_matches("/axhub").to_owned();
    let faults = ax
        .http
        .put(format!("{sandbox_admin}/faults"))
        .json(&json!({"error_rate": 1.0}))
        .send()
        .await
        .unwrap();
    assert!(faults.status().is_success());
    let faulted = ax.get("/tenants").await;
    assert_eq!(faulted.status, 503);
    assert_eq!(faulted.body["error"]["category"], "unavailable");
    assert_eq!(
        faulted.body["error"]["request_id"].as_str().unwrap().len(),
        26
    );
}

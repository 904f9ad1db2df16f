//! The gateway's authentication rules.

use serde_json::json;

use super::super::testkit::{self, Ncp};
use crate::providers::ncp::signature;
use crate::sandbox::DeployTiming;

fn assert_auth_failed((status, body): (u16, serde_json::Value), detail: &str) {
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["errorCode"], "200", "{body}");
    assert_eq!(body["error"]["message"], "Authentication Failed", "{body}");
    let details = body["error"]["details"].as_str().unwrap_or_default();
    assert!(
        details.contains(detail),
        "details {details:?} should mention {detail:?}"
    );
}

#[tokio::test]
async fn signed_requests_pass_and_bad_ones_get_401() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let (status, body) = ncp.get("/api/v1/project?pageNo=1&pageSize=100").await;
    assert_eq!(
        (status, body),
        (200, json!({ "result": { "projectList": [] } }))
    );

    let wrong_secret = Ncp {
        secret_key: "not-the-secret".into(),
        ..ncp.clone()
    };
    assert_auth_failed(
        wrong_secret.get("/api/v1/project").await,
        "signature does not match",
    );

    let unknown_key = Ncp {
        access_key: "NOSUCHKEY".into(),
        ..ncp.clone()
    };
    assert_auth_failed(
        unknown_key.get("/api/v1/project").await,
        "unknown access key",
    );

    let late = Ncp {
        skew_ms: -6 * 60 * 1000,
        ..ncp.clone()
    };
    assert_auth_failed(
        late.get("/api/v1/project").await,
        "ms away from the gateway clock",
    );
    let early = Ncp {
        skew_ms: 6 * 60 * 1000,
        ..ncp.clone()
    };
    assert_auth_failed(
        early.get("/api/v1/project").await,
        "ms away from the gateway clock",
    );
    let slightly_off = Ncp {
        skew_ms: -4 * 60 * 1000,
        ..ncp.clone()
    };
    assert_eq!(slightly_off.get("/api/v1/project").await.0, 200);

    let v1 = Ncp {
        signature_header: signature::HEADER_SIGNATURE_V1,
        ..ncp.clone()
    };
    assert_eq!(v1.get("/api/v1/project?pageNo=1").await.0, 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn missing_headers_are_named() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let url = format!("{}/api/v1/project", ncp.base);
    let timestamp = jiff::Timestamp::now().as_millisecond().to_string();
    let sig = signature::sign(
        "GET",
        "/api/v1/project",
        &timestamp,
        &ncp.access_key,
        &ncp.secret_key,
    );
    let all = [
        (signature::HEADER_TIMESTAMP, timestamp.as_str()),
        (signature::HEADER_ACCESS_KEY, ncp.access_key.as_str()),
        (signature::HEADER_SIGNATURE_V2, sig.as_str()),
    ];
    for skipped in 0..all.len() {
        let mut request = ncp.http.get(&url);
        for (index, (name, value)) in all.iter().enumerate() {
            if index != skipped {
                request = request.header(*name, *value);
            }
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_auth_failed(
            (status, body),
            &format!("missing header {}", all[skipped].0),
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_signature_covers_the_query_and_not_the_mount_prefix() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let timestamp = jiff::Timestamp::now().as_millisecond().to_string();
    let send = |signed: &'static str| {
        let sig = signature::sign("GET", signed, &timestamp, &ncp.access_key, &ncp.secret_key);
        ncp.http
            .get(format!("{}/api/v1/project?pageSize=5", ncp.base))
            .header(signature::HEADER_TIMESTAMP, timestamp.clone())
            .header(signature::HEADER_ACCESS_KEY, ncp.access_key.clone())
            .header(signature::HEADER_SIGNATURE_V2, sig)
            .send()
    };
    assert_eq!(
        send("/api/v1/project?pageSize=5").await.unwrap().status(),
        200
    );
    assert_eq!(send("/api/v1/project").await.unwrap().status(), 401);
    assert_eq!(
        send("/api/v1/project?pageSize=5&").await.unwrap().status(),
        401
    );
    assert_eq!(
        send("/ncp-sourcedeploy/api/v1/project?pageSize=5")
            .await
            .unwrap()
            .status(),
        401
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_are_404_not_found_exception() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    for (method, path) in [
        ("GET", "/api/v1/nothing"),
        ("PUT", "/api/v1/project"),
        ("GET", "/api/v1/project/1"),
    ] {
        let (status, body) = ncp.call(method, path, None).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(body["error"]["errorCode"], "300");
        assert_eq!(body["error"]["message"], "Not Found Exception");
    }
    sandbox.shutdown().await;
}

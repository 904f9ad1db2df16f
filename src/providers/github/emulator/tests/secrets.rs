//! Secrets sealed for the environment key, end to end.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{GithubReply, TestClient, sandbox};

const ENV: &str = "/repos/octo-org/shop/environments/production";

#[tokio::test]
async fn a_sealed_value_is_opened_and_only_its_hash_kept() {
    let (sandbox, gh) = sandbox().await;
    gh.put(ENV, json!({})).await.expect(200);
    let key = gh
        .get(&format!("{ENV}/secrets/public-key"))
        .await
        .expect(200);
    let key_id = key["key_id"].as_str().unwrap();
    assert_eq!(key_id.len(), 18);
    assert!(key_id.bytes().all(|b| b.is_ascii_digit()));
    let (key_id, sealed) = gh.seal(ENV, "s3cr3t-value").await;
    let created = gh
        .put(
            &format!("{ENV}/secrets/deploy_key"),
            json!({"encrypted_value": sealed, "key_id": key_id}),
        )
        .await;
    assert_eq!(created.expect(201), json!({}));
    let hash = gh
        .admin(
            Method::GET,
            "/repos/octo-org/shop/environments/Production/secrets/DEPLOY_KEY/sha256",
            None,
        )
        .await
        .expect(200);
    assert_eq!(hash["sha256"], crate::digest::sha256_hex("s3cr3t-value"));
    // Rewriting answers 204 and replaces the value.
    let (key_id, sealed) = gh.seal(ENV, "rotated").await;
    gh.put(
        &format!("{ENV}/secrets/DEPLOY_KEY"),
        json!({"encrypted_value": sealed, "key_id": key_id}),
    )
    .await
    .expect(204);
    let hash = gh
        .admin(
            Method::GET,
            "/repos/octo-org/shop/environments/production/secrets/deploy_key/sha256",
            None,
        )
        .await
        .expect(200);
    assert_eq!(hash["sha256"], crate::digest::sha256_hex("rotated"));
    let list = gh.get(&format!("{ENV}/secrets")).await.expect(200);
    assert_eq!(list["total_count"], 1);
    assert_eq!(
        list["secrets"][0]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["name", "created_at", "updated_at"]
    );
    assert_eq!(list["secrets"][0]["name"], "DEPLOY_KEY");
    let one = gh
        .get(&format!("{ENV}/secrets/deploy_key"))
        .await
        .expect(200);
    assert_eq!(one["name"], "DEPLOY_KEY");
    // Neither the value nor the sealed box is anywhere in the state.
    let state = gh
        .http
        .get(format!("http://{}/_sandbox/state", sandbox.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!state.contains("rotated") && !state.contains(&sealed));
    gh.delete(&format!("{ENV}/secrets/Deploy_Key"))
        .await
        .expect(204);
    gh.get(&format!("{ENV}/secrets/DEPLOY_KEY"))
        .await
        .error(404, "Not Found");
    gh.delete(&format!("{ENV}/secrets/DEPLOY_KEY"))
        .await
        .error(404, "Not Found");
}

#[tokio::test]
async fn boxes_for_another_key_stale_key_ids_and_bad_names_are_refused() {
    let (_sandbox, gh) = sandbox().await;
    gh.put(ENV, json!({})).await.expect(200);
    let other = "/repos/octo-org/shop/environments/staging";
    gh.put(other, json!({})).await.expect(200);
    let (key_id, sealed) = gh.seal(ENV, "value").await;
    let (other_id, other_sealed) = gh.seal(other, "value").await;
    assert_ne!(key_id, other_id, "every environment has its own key");
    let put = |name: &str, encrypted: &str, id: &str| {
        let gh = gh.clone();
        let path = format!("{ENV}/secrets/{name}");
        let body = json!({"encrypted_value": encrypted, "key_id": id});
        async move { gh.put(&path, body).await }
    };
    put("A", &other_sealed, &key_id)
        .await
        .error(422, "Validation Failed");
    put("A", &sealed, &other_id)
        .await
        .error(422, "Validation Failed");
    put("A", "not base64!", &key_id)
        .await
        .error(422, "Validation Failed");
    put("A", &sealed[..sealed.len() - 8], &key_id)
        .await
        .error(422, "Validation Failed");
    for bad in ["1A", "GITHUB_X", "github_x", "A.B"] {
        put(bad, &sealed, &key_id)
            .await
            .error(422, "Validation Failed");
    }
    gh.put(
        &format!("{ENV}/secrets/A"),
        json!({"encrypted_value": sealed}),
    )
    .await
    .error(422, "\"key_id\" wasn't supplied");
    assert_eq!(
        gh.get(&format!("{ENV}/secrets")).await.expect(200)["total_count"],
        0
    );
    put("A", &sealed, &key_id).await.expect(201);
    // The Enterprise spelling by repository id reads the same secrets.
    let by_id = gh
        .enterprise()
        .get("/repositories/501/environments/production/secrets")
        .await
        .expect(200);
    assert_eq!(by_id["total_count"], 1);
    gh.get("/repos/octo-org/shop/environments/none/secrets/public-key")
        .await
        .error(404, "Not Found");
    // After a key rotation the old key id and its boxes are refused; the secret stays.
    let rotated = gh
        .admin(
            Method::POST,
            "/repos/octo-org/shop/environments/production/rotate-key",
            None,
        )
        .await
        .expect(200);
    assert_ne!(rotated["key_id"], key_id.as_str());
    put("A", &sealed, &key_id)
        .await
        .error(422, "Validation Failed");
    assert_eq!(
        gh.get(&format!("{ENV}/secrets")).await.expect(200)["total_count"],
        1
    );
    let (new_id, resealed) = gh.seal(ENV, "value").await;
    assert_eq!(new_id, rotated["key_id"].as_str().unwrap());
    put("A", &resealed, &new_id).await.expect(204);
}

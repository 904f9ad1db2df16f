//! Paging: `per_page`, `page`, and the `Link` chain built from the request URL.

use proptest::prelude::*;
use serde_json::json;

use super::super::testkit::{Gh, TestClient, sandbox};

async fn seed_deployments(gh: &Gh, count: usize) {
    for _ in 0..count {
        gh.deploy("octo-org/shop", "staging", "main").await;
    }
}

#[tokio::test]
async fn a_link_chain_walks_every_deployment_once_on_both_mounts() {
    let (_sandbox, gh) = sandbox().await;
    seed_deployments(&gh, 45).await;
    gh.deploy("octo-org/shop", "production", "main").await;
    for client in [gh.clone(), gh.enterprise()] {
        let (items, pages) = client
            .walk(
                "/repos/octo-org/shop/deployments?environment=staging&per_page=10",
                None,
            )
            .await;
        assert_eq!((items.len(), pages), (45, 5));
        let ids: Vec<i64> = items
            .iter()
            .map(|run| run["id"].as_i64().unwrap())
            .collect();
        assert!(
            ids.windows(2).all(|pair| pair[0] > pair[1]),
            "newest first, no repeats"
        );
        assert!(items.iter().all(|run| run["environment"] == "staging"));
    }
    let first = gh
        .get("/repos/octo-org/shop/deployments?per_page=10&environment=staging")
        .await;
    let next = first.link("next").unwrap();
    assert!(
        next.starts_with(&gh.base)
            && next.contains("environment=staging")
            && next.contains("per_page=10")
            && next.ends_with("page=2"),
        "{next}"
    );
    assert!(first.link("last").unwrap().ends_with("page=5"));
    assert!(first.link("prev").is_none());
    let middle = gh.get(&next).await;
    assert!(middle.link("prev").unwrap().ends_with("page=1"));
    assert!(middle.link("first").unwrap().ends_with("page=1"));
    let last = gh.get(&first.link("last").unwrap()).await;
    assert!(last.link("next").is_none());
    assert_eq!(last.body.as_array().unwrap().len(), 5);
    // One page: no Link; past the end: empty.
    assert!(
        gh.get("/repos/octo-org/shop/deployments?per_page=100")
            .await
            .header("link")
            .is_none()
    );
    assert_eq!(
        gh.get("/repos/octo-org/shop/deployments?per_page=100&page=3")
            .await
            .expect(200),
        json!([])
    );
    // Defaults and clamps: 30 by default, at most 100.
    assert_eq!(
        gh.get("/repos/octo-org/shop/deployments")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert_eq!(
        gh.get("/repos/octo-org/shop/deployments?per_page=1000")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        46
    );
    assert_eq!(
        gh.get("/repos/octo-org/shop/deployments?per_page=x")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        30
    );
}

#[tokio::test]
async fn wrapped_lists_page_too_and_variables_stop_at_thirty() {
    let (_sandbox, gh) = sandbox().await;
    let env = "/repos/octo-org/shop/environments/staging";
    gh.put(env, json!({})).await.expect(200);
    for n in 0..35 {
        gh.post(
            &format!("{env}/variables"),
            json!({"name": format!("V{n:02}"), "value": "x"}),
        )
        .await
        .expect(201);
    }
    let page = gh.get(&format!("{env}/variables")).await.expect(200);
    assert_eq!(
        (
            page["total_count"].as_i64(),
            page["variables"].as_array().unwrap().len()
        ),
        (Some(35), 10)
    );
    let page = gh.get(&format!("{env}/variables?per_page=100")).await;
    assert_eq!(page.body["variables"].as_array().unwrap().len(), 30);
    assert!(page.link("next").unwrap().ends_with("page=2"));
    let (all, pages) = gh
        .walk(&format!("{env}/variables?per_page=8"), Some("variables"))
        .await;
    assert_eq!((all.len(), pages), (35, 5));
    for n in 0..12 {
        gh.put(
            &format!("/repos/octo-org/shop/environments/e{n:02}"),
            json!({}),
        )
        .await
        .expect(200);
    }
    let (envs, pages) = gh
        .walk(
            "/repos/octo-org/shop/environments?per_page=5",
            Some("environments"),
        )
        .await;
    assert_eq!((envs.len(), pages), (13, 3));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    /// Whatever the size and page size, the chain covers the list once, in order.
    #[test]
    fn any_page_size_walks_the_whole_list(count in 0usize..40, per_page in 1usize..12) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (_sandbox, gh) = sandbox().await;
            for n in 0..count {
                gh.put(&format!("/repos/octo-org/web/environments/env-{n:02}"), json!({})).await.expect(200);
            }
            let (envs, pages) = gh.walk(&format!("/repos/octo-org/web/environments?per_page={per_page}"), Some("environments")).await;
            let names: Vec<String> = envs.iter().map(|env| env["name"].as_str().unwrap().to_owned()).collect();
            let expected: Vec<String> = (0..count).map(|n| format!("env-{n:02}")).collect();
            assert_eq!(names, expected);
            assert_eq!(pages, count.div_ceil(per_page).max(1));
        });
    }
}

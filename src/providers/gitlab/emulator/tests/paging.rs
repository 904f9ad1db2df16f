//! Paging: `page`, `per_page`, the `x-*` headers and the `Link` chain, and large
//! collections past 10,000 items.

use proptest::prelude::*;
use reqwest::Method;
use serde_json::json;

use super::super::testkit::{Gl, SHOP, TestClient, sandbox};

async fn environments(gl: &Gl, count: usize) {
    for n in 0..count {
        gl.environment(SHOP, json!({"name": format!("env-{n:02}")}))
            .await;
    }
}

#[tokio::test]
async fn headers_and_links_describe_every_page() {
    let (_sandbox, gl) = sandbox().await;
    environments(&gl, 45).await;
    let (items, pages) = gl
        .walk(&format!("{SHOP}/environments?per_page=10&states=available"))
        .await;
    assert_eq!((items.len(), pages), (45, 5));
    let first = gl
        .get(&format!("{SHOP}/environments?per_page=10&states=available"))
        .await;
    let header = |name: &str| first.header(name).map(str::to_owned);
    assert_eq!(
        [
            header("x-page"),
            header("x-per-page"),
            header("x-next-page"),
            header("x-prev-page"),
            header("x-total"),
            header("x-total-pages")
        ],
        [
            Some("1".into()),
            Some("10".into()),
            Some("2".into()),
            Some(String::new()),
            Some("45".into()),
            Some("5".into())
        ]
    );
    let next = first.link("next").unwrap();
    assert!(
        next.starts_with(&gl.api)
            && next.contains("per_page=10")
            && next.contains("states=available")
            && next.ends_with("page=2"),
        "{next}"
    );
    assert!(first.link("prev").is_none());
    assert!(
        first.link("first").unwrap().ends_with("page=1")
            && first.link("last").unwrap().ends_with("page=5")
    );
    let last = gl.get(&first.link("last").unwrap()).await;
    assert_eq!(
        (last.header("x-next-page"), last.header("x-prev-page")),
        (Some(""), Some("4"))
    );
    assert!(last.link("next").is_none() && last.link("prev").unwrap().ends_with("page=4"));
    assert_eq!(last.body.as_array().unwrap().len(), 5);
    // Defaults, clamps and bad values.
    assert_eq!(
        gl.get(&format!("{SHOP}/environments"))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        20
    );
    let clamped = gl.get(&format!("{SHOP}/environments?per_page=1000")).await;
    assert_eq!(
        (
            clamped.header("x-per-page"),
            clamped.body.as_array().unwrap().len()
        ),
        (Some("100"), 45)
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/environments?page=9"))
            .await
            .expect(200),
        json!([])
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/environments?page=x"))
            .await
            .expect(400),
        json!({"error": "page is invalid"})
    );
    // An empty list still answers its headers.
    let empty = gl.get(&format!("{SHOP}/deployments")).await;
    assert_eq!(
        (
            empty.header("x-total"),
            empty.header("x-total-pages"),
            empty.header("x-next-page")
        ),
        (Some("0"), Some("1"), Some(""))
    );
}

#[tokio::test]
async fn past_ten_thousand_items_no_totals_and_no_last_link() {
    let (_sandbox, gl) = sandbox().await;
    let seed = |count: u32| {
        let gl = gl.clone();
        async move {
            let body = json!({"environment": "load", "ref": "main", "count": count});
            gl.admin(Method::POST, "/projects/101/ci-deployments", Some(body))
                .await
                .expect(200);
        }
    };
    seed(10_000).await;
    let counted = gl.get(&format!("{SHOP}/deployments?per_page=100")).await;
    assert_eq!(
        (counted.header("x-total"), counted.header("x-total-pages")),
        (Some("10000"), Some("100"))
    );
    assert!(counted.link("last").unwrap().ends_with("page=100"));
    seed(1).await;
    let large = gl.get(&format!("{SHOP}/deployments?per_page=100")).await;
    assert_eq!(
        (
            large.header("x-total"),
            large.header("x-total-pages"),
            large.link("last")
        ),
        (None, None, None)
    );
    assert_eq!(large.header("x-next-page"), Some("2"));
    assert!(large.link("next").is_some() && large.link("first").is_some());
    let end = gl
        .get(&format!("{SHOP}/deployments?per_page=100&page=101"))
        .await;
    assert_eq!(
        (
            end.body.as_array().unwrap().len(),
            end.header("x-next-page"),
            end.link("next")
        ),
        (1, Some(""), None)
    );
    assert_eq!(end.body[0]["id"], 10_001);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    /// Whatever the size and page size, the chain covers the list once, in order.
    #[test]
    fn any_page_size_walks_the_whole_list(count in 0usize..30, per_page in 1usize..12) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (_sandbox, gl) = sandbox().await;
            environments(&gl, count).await;
            let (envs, pages) = gl.walk(&format!("{SHOP}/environments?per_page={per_page}")).await;
            let names: Vec<String> = envs.iter().map(|env| env["name"].as_str().unwrap().to_owned()).collect();
            let expected: Vec<String> = (0..count).map(|n| format!("env-{n:02}")).collect();
            assert_eq!(names, expected);
            assert_eq!(pages, count.div_ceil(per_page).max(1));
        });
    }
}

//! Lists over several pages, named either way, and servers whose paging never ends.

use super::*;

const LIST: &str = "GET /projects/7/environments";

fn seed(fake: &Fake, count: usize) {
    for n in 0..count {
        fake.add(
            "environments",
            json!({"name": format!("review/{n}"), "state": "available"}),
        );
    }
}

#[tokio::test]
async fn every_page_is_read_by_link_or_by_page_number_at_100_a_page() {
    for no_link in [false, true] {
        let (fake, base) = start().await;
        fake.no_link.store(no_link, Ordering::SeqCst);
        seed(&fake, 250);
        let all = client(&base).environments(7).await.unwrap();
        let names: Vec<String> = all.iter().map(|e| e.name.clone()).collect();
        let expected: Vec<String> = (0..250).map(|n| format!("review/{n}")).collect();
        assert_eq!(names, expected, "no_link: {no_link}");
        let seen = fake.seen.all();
        assert_eq!(seen.len(), 3, "no_link: {no_link}");
        let pages: Vec<Option<&str>> = seen.iter().map(|s| s.query("page")).collect();
        assert_eq!(pages, [None, Some("2"), Some("3")]);
        assert!(seen.iter().all(|s| s.query("per_page") == Some("100")));
    }
}

#[tokio::test]
async fn x_total_is_never_needed_and_an_empty_page_ends_the_list() {
    let (fake, base) = start().await;
    let item = |n: u64| json!([{"id": n, "name": format!("e{n}")}]);
    fake.script.on(
        LIST,
        [
            // Past 10,000 items GitLab sends no totals; the list goes on regardless.
            canned(200, item(1))
                .header("x-next-page", "2")
                .header("x-total-pages", "1"),
            canned(200, item(2)).header("x-next-page", "3"),
            canned(200, json!([])).header("x-next-page", "4"),
        ],
    );
    let all = client(&base).environments(7).await.unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(fake.seen.hits(LIST), 3);
}

#[tokio::test]
async fn a_server_repeating_a_page_is_stopped_not_looped_on() {
    let (fake, base) = start().await;
    let page = canned(200, json!([{"id": 1, "name": "same"}]));
    // The same page number named again, by number and by link.
    fake.script.on(
        LIST,
        [
            page.clone().header("x-next-page", "1"),
            page.clone().header("x-next-page", "1"),
        ],
    );
    let err = client(&base).environments(7).await.unwrap_err();
    assert!(err.to_string().contains("go round in circles"), "{err}");
    assert_eq!(fake.seen.hits(LIST), 2);
    // A server ignoring `page` and always naming one more: the same page under new numbers.
    let endless: Vec<Canned> = (2..50)
        .map(|n| page.clone().header("x-next-page", n.to_string()))
        .collect();
    fake.script.on(LIST, endless);
    let err = client(&base).environments(7).await.unwrap_err();
    assert!(matches!(err, GitlabError::Decode { .. }), "{err:?}");
    assert_eq!(fake.seen.hits(LIST), 4);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let (fake, base) = start().await;
    fake.script.on(
        LIST,
        [canned(200, json!([{"id": 1, "name": "a"}]))
            .header(
                "link",
                r#"<https://collector.example/api/v4/projects/7/environments?page=2>; rel="next""#,
            )
            .header("x-next-page", "2")],
    );
    let err = client(&base).environments(7).await.unwrap_err();
    assert!(
        err.to_string().contains("https://collector.example"),
        "{err}"
    );
    assert_eq!(fake.seen.all().len(), 1);
}

#[tokio::test]
async fn a_limited_deployment_list_reads_one_page_of_that_size() {
    let (fake, base) = start().await;
    for n in 0..30 {
        let environment = if n % 2 == 0 { "production" } else { "staging" };
        fake.add(
            "deployments",
            json!({"ref": format!("r{n}"), "sha": SHA, "status": "success",
                                        "environment": {"id": 1, "name": environment}}),
        );
    }
    let gitlab = client(&base);
    let newest = gitlab
        .deployments(7, &DeploymentQuery::newest("production", 3))
        .await
        .unwrap();
    let refs: Vec<&str> = newest.iter().map(|d| d.git_ref.as_str()).collect();
    assert_eq!(refs, ["r28", "r26", "r24"]);
    let query = &fake.seen.all()[0];
    let sent: Vec<(&str, &str)> = query
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("environment", "production"),
            ("order_by", "id"),
            ("sort", "desc"),
            ("per_page", "3")
        ]
    );
    let every = gitlab
        .deployments(7, &DeploymentQuery::default())
        .await
        .unwrap();
    assert_eq!(every.len(), 30);
    assert_eq!(
        fake.seen.all().len(),
        2,
        "30 deployments fit one page of 100"
    );
}

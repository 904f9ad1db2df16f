//! Lists, pagination, lookups and URL encoding.

use super::*;

#[tokio::test]
async fn list_projects_reads_pages_until_a_short_one() {
    let (fake, base) = start().await;
    let names: Vec<String> = (0..250).map(|i| format!("p{i:03}")).collect();
    fake.add_projects(names.iter().map(String::as_str));
    let ncp = client(&base);
    let projects = ncp.list_projects().await.unwrap();
    assert_eq!(projects.len(), 250);
    assert_eq!(projects[249].name, "p249");
    assert_eq!(
        fake.uris(),
        [
            "GET /api/v1/project?pageNo=1&pageSize=100",
            "GET /api/v1/project?pageNo=2&pageSize=100",
            "GET /api/v1/project?pageNo=3&pageSize=100",
        ]
    );
    assert!(
        fake.seen()
            .iter()
            .all(|s| s.signed && s.accept.as_deref() == Some("application/json"))
    );
    let stats = ncp.http_stats();
    assert_eq!((stats.total, stats.method("GET"), stats.retries), (3, 3, 0));
}

#[tokio::test]
async fn a_full_last_page_costs_one_more_empty_page() {
    let (fake, base) = start().await;
    let names: Vec<String> = (0..200).map(|i| format!("p{i}")).collect();
    fake.add_projects(names.iter().map(String::as_str));
    assert_eq!(client(&base).list_projects().await.unwrap().len(), 200);
    assert_eq!(fake.seen().len(), 3);
}

#[tokio::test]
async fn a_server_ignoring_page_numbers_is_caught() {
    let (fake, base) = start().await;
    let page: Vec<Value> = (0..100)
        .map(|i| json!({"id": i, "name": format!("s{i}")}))
        .collect();
    for _ in 0..2 {
        fake.on(
            "GET /api/v1/project/1/stage",
            [ok(json!({ "stageList": page }))],
        );
    }
    let err = client(&base).list_stages(1).await.unwrap_err();
    assert!(matches!(err, NcpError::Pagination { .. }), "{err:?}");
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn find_project_filters_by_substring_and_compares_exactly() {
    let (fake, base) = start().await;
    fake.add_projects(["shop-admin", "workshop", "shop", "other"]);
    let ncp = client(&base);
    let found = ncp.find_project("shop").await.unwrap().unwrap();
    assert_eq!(found.name, "shop");
    assert_eq!(
        fake.uris(),
        ["GET /api/v1/project?projectName=shop&pageNo=1&pageSize=100"]
    );
    assert_eq!(ncp.find_project("sho").await.unwrap(), None);
    assert_eq!(
        ncp.find_project("shop-admin").await.unwrap().unwrap().id,
        1000
    );
}

#[tokio::test]
async fn find_project_pages_through_substring_matches_and_stops_at_the_exact_one() {
    let (fake, base) = start().await;
    let decoys: Vec<String> = (0..150).map(|i| format!("api-{i}")).collect();
    fake.add_projects(decoys.iter().map(String::as_str));
    fake.add_projects(["api"]);
    let decoys_after: Vec<String> = (0..150).map(|i| format!("x-api-{i}")).collect();
    fake.add_projects(decoys_after.iter().map(String::as_str));
    let found = client(&base).find_project("api").await.unwrap().unwrap();
    assert_eq!(found.name, "api");
    assert_eq!(
        fake.seen().len(),
        2,
        "stops on the page with the exact match"
    );
}

#[tokio::test]
async fn query_values_are_encoded_once_and_signed_as_sent() {
    let (fake, base) = start().await;
    fake.add_projects(["a b&c=d/ü"]);
    let found = client(&base).find_project("a b&c=d/ü").await.unwrap();
    assert_eq!(found.map(|p| p.id), Some(1000));
    let seen = fake.seen();
    assert!(seen[0].signed);
    assert_eq!(
        seen[0].uri,
        "/api/v1/project?projectName=a%20b%26c%3Dd%2F%C3%BC&pageNo=1&pageSize=100"
    );
}

#[tokio::test]
async fn names_in_paths_are_encoded_and_dot_segments_refused() {
    let (fake, base) = start().await;
    fake.on(
        "GET /api/v1/objectstorage/bucket/my%20bucket",
        [ok(json!({"objectList": [{"key": "a.tgz", "size": 3}]}))],
    );
    fake.on(
        "GET /api/v1/sourcecommit/repository/team%2Frepo/branch",
        [ok(json!({"branchList": [{"name": "main"}]}))],
    );
    let ncp = client(&base);
    assert_eq!(ncp.list_objects("my bucket").await.unwrap()[0].key, "a.tgz");
    assert_eq!(
        ncp.list_branches("team/repo").await.unwrap()[0].name,
        "main"
    );
    let err = ncp.list_objects("..").await.unwrap_err();
    assert!(matches!(err, NcpError::InvalidRequest { .. }), "{err:?}");
    assert_eq!(fake.seen().len(), 2);
    assert!(fake.seen().iter().all(|s| s.signed));
}

#[tokio::test]
async fn lookups() {
    let (fake, base) = start().await;
    fake.on(
        "GET /api/v1/server",
        [ok(
            json!({"serverList": [{"serverNo": "11", "name": "web-1"}]}),
        )],
    );
    fake.on(
        "GET /api/v1/autoscaling",
        [ok(
            json!({"autoscalingList": [{"groupNo": 5, "name": "asg", "instanceCount": 2}]}),
        )],
    );
    fake.on(
        "GET /api/v1/autoscaling/asg",
        [ok(json!({"targetGroupList": [{"id": 6, "name": "tg"}]}))],
    );
    fake.on(
        "GET /api/v1/kubernetes/cluster",
        [ok(
            json!({"clusterList": [{"id": "uuid-1", "name": "nks"}]}),
        )],
    );
    fake.on(
        "GET /api/v1/objectstorage/bucket",
        [ok(json!({"bucketList": [{"name": "artifacts"}]}))],
    );
    fake.on(
        "GET /api/v1/sourcebuild/project",
        [ok(json!({"projectList": [{"id": 9, "name": "build"}]}))],
    );
    fake.on(
        "GET /api/v1/sourcecommit/repository",
        [ok(json!({"repositoryList": [{"name": "repo"}]}))],
    );
    let ncp = client(&base);
    assert_eq!(ncp.list_servers().await.unwrap()[0].server_no, 11);
    assert_eq!(
        ncp.list_autoscaling_groups().await.unwrap()[0].instance_count,
        2
    );
    assert_eq!(ncp.list_target_groups("asg").await.unwrap()[0].id, 6);
    assert_eq!(ncp.list_clusters().await.unwrap()[0].id, "uuid-1");
    assert_eq!(ncp.list_buckets().await.unwrap()[0].name, "artifacts");
    assert_eq!(
        ncp.list_sourcebuild_projects().await.unwrap()[0].name,
        "build"
    );
    assert_eq!(ncp.list_repositories().await.unwrap()[0].name, "repo");
    assert_eq!(fake.seen().len(), 7);
}

/// A name a path segment cannot carry (``, `.`, `..`: URL parsers drop them, so the request
/// would address the parent path) is refused before anything is sent.
#[tokio::test]
async fn names_that_are_dot_segments_are_refused_before_sending() {
    let (fake, base) = start().await;
    let ncp = client(&base);
    for name in ["", ".", ".."] {
        for err in [
            ncp.list_target_groups(name).await.map(drop).unwrap_err(),
            ncp.list_objects(name).await.map(drop).unwrap_err(),
            ncp.list_branches(name).await.map(drop).unwrap_err(),
        ] {
            assert!(
                matches!(&err, NcpError::InvalidRequest { reason, .. } if reason.contains("cannot name")),
                "{err}"
            );
        }
    }
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
}

#[test]
fn encoding_keeps_unreserved_characters_only() {
    use crate::providers::common::percent::encode_unreserved;
    assert_eq!(encode_unreserved("aZ09-._~"), "aZ09-._~");
    assert_eq!(
        encode_unreserved("a b/?&=%+ü"),
        "a%20b%2F%3F%26%3D%25%2B%C3%BC"
    );
    let query = encode_query(&[("projectName", "x y".into()), ("pageNo", "1".into())]);
    assert_eq!(query, "projectName=x%20y&pageNo=1");
}

//! Base URLs, headers per token kind, names as single path segments, moved projects, and
//! the lookups that answer `None` for what does not exist.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::*;

#[test]
fn the_api_path_is_added_once() {
    let cases = [
        ("https://gitlab.com", "https://gitlab.com/api/v4"),
        (
            "https://gitlab.example.com/",
            "https://gitlab.example.com/api/v4",
        ),
        (
            "https://gitlab.example.com/api/v4",
            "https://gitlab.example.com/api/v4",
        ),
        (
            "https://gitlab.example.com/api/v4/",
            "https://gitlab.example.com/api/v4",
        ),
        (
            "http://127.0.0.1:8080/gitlab",
            "http://127.0.0.1:8080/gitlab/api/v4",
        ),
        (
            "http://127.0.0.1:8080/gitlab/api/v4",
            "http://127.0.0.1:8080/gitlab/api/v4",
        ),
        (
            "  https://example.org/git/  ",
            "https://example.org/git/api/v4",
        ),
    ];
    for (endpoint, expected) in cases {
        assert_eq!(api_base(endpoint).unwrap().as_str(), expected, "{endpoint}");
    }
    for bad in [
        "",
        "gitlab.com",
        "ftp://gitlab.com",
        "https://",
        "https://h/x?y=1",
    ] {
        assert!(
            matches!(api_base(bad), Err(GitlabError::Invalid(_))),
            "{bad}"
        );
    }
    for blank in ["", "  "] {
        let refused = GitlabClient::new("https://gitlab.com", Token::Job(blank.into()), http());
        assert!(matches!(refused, Err(GitlabError::Invalid(_))), "{blank:?}");
    }
}

#[tokio::test]
async fn each_token_kind_goes_in_its_own_header_and_the_project_path_is_one_segment() {
    let (fake, base) = start().await;
    let private = client(&base);
    let job = GitlabClient::new(&base, Token::Job(JOB.to_owned()), http()).unwrap();
    let by_path = private
        .project("acme/platform/shop")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((by_path.id, by_path.moved_from.as_deref()), (7, None));
    assert_eq!(by_path.shared_with_groups[0].group_id, 9);
    let by_id = job.project("7").await.unwrap().unwrap();
    assert_eq!(by_id.path_with_namespace, "acme/platform/shop");
    let seen = fake.seen.all();
    assert_eq!(seen[0].path, "/projects/acme%2Fplatform%2Fshop");
    assert_eq!(
        seen[0].headers.get("private-token").map(String::as_str),
        Some(TOKEN)
    );
    assert!(!seen[0].headers.contains_key("job-token"));
    assert_eq!(seen[1].path, "/projects/7");
    assert_eq!(
        seen[1].headers.get("job-token").map(String::as_str),
        Some(JOB)
    );
    assert!(!seen[1].headers.contains_key("private-token"));
    for request in &seen {
        assert_eq!(
            request.headers.get("accept").map(String::as_str),
            Some("application/json")
        );
        let agent = request
            .headers
            .get("user-agent")
            .cloned()
            .unwrap_or_default();
        assert!(agent.starts_with("deployplan/"), "{agent}");
    }
    assert_eq!(private.requests_sent() + job.requests_sent(), 2);
}

#[tokio::test]
async fn what_does_not_exist_is_none_and_names_are_encoded() {
    let (fake, base) = start().await;
    let gitlab = client(&base);
    let branch = "release/1.x";
    fake.script.on(
        "GET /projects/7/repository/branches/release%2F1.x",
        [canned(
            200,
            json!({"name": branch, "commit": {"id": SHA, "short_id": "0b4bc9a4"},
                            "default": null, "protected": true, "can_push": true}),
        )],
    );
    let found = gitlab.branch(7, branch).await.unwrap().unwrap();
    assert_eq!(
        (found.name.as_str(), found.protected, found.default),
        (branch, true, false)
    );
    assert_eq!(found.commit.unwrap().id, SHA);
    assert_eq!(gitlab.tag(7, "v1.0/rc 1").await.unwrap(), None);
    assert_eq!(gitlab.commit(7, "deadbeef").await.unwrap(), None);
    assert_eq!(gitlab.project("acme/gone").await.unwrap(), None);
    assert_eq!(gitlab.group("acme/release-managers").await.unwrap(), None);
    assert_eq!(gitlab.project_member(7, 42).await.unwrap(), None);
    fake.script.on(
        "GET /users",
        [
            canned(
                200,
                json!([{"id": 5, "username": "Alice", "state": "active"}]),
            ),
            canned(200, json!([])),
        ],
    );
    assert_eq!(
        gitlab.user_by_username("alice").await.unwrap().unwrap().id,
        5
    );
    assert_eq!(gitlab.user_by_username("bob").await.unwrap(), None);
    let paths: Vec<String> = fake.seen.all().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/projects/7/repository/branches/release%2F1.x",
            "/projects/7/repository/tags/v1.0%2Frc%201",
            "/projects/7/repository/commits/deadbeef",
            "/projects/acme%2Fgone",
            "/groups/acme%2Frelease-managers",
            "/projects/7/members/all/42",
            "/users",
            "/users",
        ]
    );
    let users = &fake.seen.all()[6];
    assert_eq!(users.query("username"), Some("alice"));
    for unaddressable in ["", ".", ".."] {
        assert!(matches!(
            gitlab.branch(7, unaddressable).await,
            Err(GitlabError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn a_moved_project_is_followed_once_on_the_same_host_and_reported() {
    let (fake, base) = start().await;
    let gitlab = client(&base);
    let old = "GET /projects/acme%2Fold-shop";
    let api = fake.base.lock().unwrap().clone();
    fake.script.on(
        old,
        [text(301, "").header("location", format!("{api}/projects/7"))],
    );
    let project = gitlab.project("acme/old-shop").await.unwrap().unwrap();
    assert_eq!(project.moved_from.as_deref(), Some("acme/old-shop"));
    assert_eq!(project.path_with_namespace, "acme/platform/shop");
    assert_eq!(fake.seen.keys(), [old, "GET /projects/7"]);
    // The moved request carries the token to the same host only.
    assert_eq!(
        fake.seen.all()[1]
            .headers
            .get("private-token")
            .map(String::as_str),
        Some(TOKEN)
    );

    // Another host is not followed; neither is a second redirect.
    fake.script.on(
        old,
        [text(301, "").header("location", "https://elsewhere.example/api/v4/projects/7")],
    );
    let err = gitlab.project("acme/old-shop").await.unwrap_err();
    assert!(
        err.to_string().contains("not followed") && err.to_string().contains("elsewhere.example"),
        "{err}"
    );
    fake.script.on(
        old,
        [text(301, "").header("location", "/gitlab/api/v4/projects/acme%2Fagain")],
    );
    fake.script.on(
        "GET /projects/acme%2Fagain",
        [text(301, "").header("location", "/gitlab/api/v4/projects/7")],
    );
    let err = gitlab.project("acme/old-shop").await.unwrap_err();
    assert!(err.to_string().contains("redirects again"), "{err}");
    fake.script.on(old, [text(301, "")]);
    let err = gitlab.project("acme/old-shop").await.unwrap_err();
    assert!(err.to_string().contains("did not say where"), "{err}");
    assert_eq!(fake.seen.hits("GET /projects/7"), 1);
}

#[tokio::test]
async fn the_token_is_in_no_error_log_or_debug_output() {
    let (fake, base) = start().await;
    let gitlab = client(&base);
    let job = GitlabClient::new(&base, Token::Job(JOB.to_owned()), http()).unwrap();
    // A server that echoes the token in its errors.
    fake.script.on(
        "GET /projects/7/environments",
        [canned(
            403,
            json!({"message": format!("403 Forbidden for {TOKEN}")}),
        )],
    );
    fake.script.on(
        "GET /projects/1",
        [canned(
            401,
            json!({"error": "invalid_token", "error_description": JOB}),
        )],
    );
    let mut shown = vec![
        format!("{gitlab:?} {job:?}"),
        format!(
            "{:?} {:?}",
            Token::Private(TOKEN.into()),
            Token::Job(JOB.into())
        ),
    ];
    let errors = [
        gitlab.environments(7).await.unwrap_err(),
        job.project("1").await.unwrap_err(),
        GitlabClient::new(
            &format!("{base}?{TOKEN}"),
            Token::Private(TOKEN.into()),
            http(),
        )
        .unwrap_err(),
    ];
    for err in errors {
        shown.push(format!("{err} {err:?} {:?}", err.hint()));
        let provider = crate::providers::ProviderError::from(err);
        shown.push(format!("{provider} {provider:?}"));
    }
    for text in shown {
        assert!(!text.contains(TOKEN) && !text.contains(JOB), "{text}");
    }
}

/// Any project path and branch name reaches the server whole, as exactly one segment.
#[test]
fn any_name_reaches_the_server_as_one_segment() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (fake, base) = runtime.block_on(start());
    let gitlab = client(&base);
    let name = prop_oneof![
        any::<String>(),
        "[a-z0-9./ %#?&+~-]{1,24}".prop_map(String::from),
        "([a-z]{1,5}/){1,4}[a-z.]{1,5}".prop_map(String::from),
    ]
    .prop_filter("addressable", |n| !matches!(n.as_str(), "" | "." | ".."));
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(&(name.clone(), name), |(path, branch)| {
            let before = fake.seen.all().len();
            runtime.block_on(async {
                gitlab.project(&path).await.unwrap();
                gitlab.branch(7, &branch).await.unwrap();
            });
            let seen = fake.seen.all();
            let segments = |i: usize| -> Vec<String> {
                seen[before + i]
                    .path
                    .trim_start_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect()
            };
            let project = segments(0);
            prop_assert_eq!(project.len(), 2, "{:?}", project);
            prop_assert_eq!(decode(&project[1]), path);
            prop_assert!(seen[before].query.is_empty());
            let branch_path = segments(1);
            prop_assert_eq!(branch_path.len(), 5, "{:?}", branch_path);
            prop_assert_eq!(decode(&branch_path[4]), branch);
            Ok(())
        })
        .unwrap();
}

//! GitLab's error shapes as the user reads them, with the hint of each status.

use super::*;
use crate::providers::ProviderError;

/// The error of `GET /projects/7/deployments/1` answered with `answer`, by a client with a
/// private or a job token.
async fn refused(answer: Canned, job: bool) -> GitlabError {
    let (fake, base) = start().await;
    // A 5xx is retried: the same answer each time.
    fake.script.on(
        "GET /projects/7/deployments/1",
        std::iter::repeat_n(answer, 4),
    );
    let token = if job {
        Token::Job(JOB.into())
    } else {
        Token::Private(TOKEN.into())
    };
    let gitlab = GitlabClient::new(&base, token, http()).unwrap();
    gitlab.deployment(7, 1).await.unwrap_err()
}

#[tokio::test]
async fn every_shape_reads_as_one_line_with_the_hint_of_its_status() {
    let cases: Vec<(Canned, bool, &str, &str)> = vec![
        (
            canned(
                400,
                json!({"message": {"ref": ["The branch or tag does not exist"]}}),
            ),
            false,
            "HTTP 400: ref: The branch or tag does not exist",
            "",
        ),
        (
            canned(
                400,
                json!({"message": {"sha": ["The commit does not exist"], "ref": ["is invalid"]}}),
            ),
            false,
            "HTTP 400: sha: The commit does not exist; ref: is invalid",
            "",
        ),
        (
            canned(400, json!({"error": "status does not have a valid value"})),
            false,
            "HTTP 400: status does not have a valid value",
            "",
        ),
        (
            canned(401, json!({"message": "401 Unauthorized"})),
            false,
            "HTTP 401: 401 Unauthorized",
            "GITLAB_TOKEN",
        ),
        (
            canned(401, json!({"message": "401 Unauthorized"})),
            true,
            "HTTP 401: 401 Unauthorized",
            "CI job token",
        ),
        (
            canned(
                403,
                json!({"error": "insufficient_scope", "error_description": "The request requires higher privileges than provided by the access token.", "scope": "api"}),
            ),
            false,
            "HTTP 403: insufficient_scope: The request requires higher privileges than provided by the access token. (scope needed: api)",
            "Premium",
        ),
        (
            canned(
                403,
                json!({"message": "403 Forbidden - Deployments created using GitLab CI can not be updated using the API"}),
            ),
            false,
            "HTTP 403: 403 Forbidden - Deployments created using GitLab CI can not be updated using the API",
            "Developer role",
        ),
        (
            canned(
                409,
                json!({"message": "Protected environment already exists"}),
            ),
            false,
            "HTTP 409: Protected environment already exists",
            "",
        ),
        (text(422, ""), false, "HTTP 422: Unprocessable Entity", ""),
    ];
    for (answer, job, expected, hint) in cases {
        let err = refused(answer, job).await;
        let shown = err.to_string();
        assert_eq!(
            shown,
            format!("read deployment 1 of project 7: {expected}"),
            "{err:?}"
        );
        assert!(
            err.hint().unwrap_or_default().contains(hint),
            "{hint}: {:?}",
            err.hint()
        );
        assert_eq!(hint.is_empty(), err.hint().is_none(), "{expected}");
        match ProviderError::from(err.clone()) {
            ProviderError::Request {
                call,
                message,
                hint: provider_hint,
            } => {
                assert_eq!(call, "read deployment 1 of project 7");
                assert_eq!(message, expected);
                assert_eq!(provider_hint, err.hint());
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_server_error_that_persists_says_how_often_it_was_tried() {
    let err = refused(
        text(
            500,
            "<html><body>We're sorry, but something went wrong.</body></html>",
        ),
        false,
    )
    .await;
    let shown = err.to_string();
    assert!(
        shown.starts_with("read deployment 1 of project 7: GET http://127.0.0.1:"),
        "{shown}"
    );
    assert!(
        shown.ends_with("/gitlab/api/v4/projects/7/deployments/1: still HTTP 500 after 4 attempts"),
        "{shown}"
    );
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn a_missing_project_is_none_but_a_missing_deployment_target_is_an_error_with_a_path_hint() {
    let (fake, base) = start().await;
    let gitlab = client(&base);
    let err = gitlab.environments(99).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "list environments of project 99: HTTP 404: 404 Not Found"
    );
    assert!(
        err.hint()
            .unwrap()
            .contains("does not exist or the token cannot see it"),
        "{:?}",
        err.hint()
    );
    let unknown_ref = "POST /projects/7/deployments";
    fake.script.on(
        unknown_ref,
        [canned(
            400,
            json!({"message": {"ref": ["The branch or tag does not exist"]}}),
        )],
    );
    let err = gitlab
        .create_deployment(7, &new_deployment("nope", DeploymentStatus::Running), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "create deployment of `nope` to environment `production` in project 7: HTTP 400: ref: The branch or tag does not exist"
    );
    assert_eq!(fake.seen.hits(unknown_ref), 1);
}

#[tokio::test]
async fn a_body_that_is_not_gitlabs_json_is_quoted() {
    let (fake, base) = start().await;
    fake.script.on(
        "GET /projects/7/deployments/1",
        [text(200, "<html>proxy login</html>")],
    );
    let err = client(&base).deployment(7, 1).await.unwrap_err();
    assert!(matches!(err, GitlabError::Decode { .. }), "{err:?}");
    assert!(
        err.to_string().contains("<html>proxy login</html>"),
        "{err}"
    );
}

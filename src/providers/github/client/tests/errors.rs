//! GitHub's error answers as the user reads them.

use super::*;
use crate::providers::ProviderError;

/// The provider error of `err`: its message and hint.
fn rendered(err: GithubError) -> (String, String, Option<String>) {
    match ProviderError::from(err) {
        ProviderError::Request {
            call,
            message,
            hint,
        } => (call, message, hint),
        other => panic!("not a request error: {other:?}"),
    }
}

#[tokio::test]
async fn validation_errors_list_every_entry_in_either_form() {
    let (fake, base) = start().await;
    let key = "PUT /repos/octo-org/shop/environments/production";
    fake.script.on(
        key,
        [
            canned(422, json!({"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest",
                "errors": [{"resource": "Environment", "field": "wait_timer", "code": "invalid", "message": "must be at most 43200"},
                           {"resource": "Environment", "field": "reviewers", "code": "too_many"}]})),
            canned(422, json!({"message": "Validation Failed", "errors": ["Reviewers must be unique", "Wait timer is invalid"]})),
        ],
    );
    let github = client(&base);
    let settings = crate::providers::github::wire::EnvironmentSettings::default();
    let err = github
        .put_environment(&repo(), "production", &settings)
        .await
        .unwrap_err();
    let (call, message, hint) = rendered(err);
    assert_eq!(call, "write environment `production` of `octo-org/shop`");
    assert_eq!(
        message,
        "HTTP 422: Validation Failed; Environment.wait_timer: invalid (must be at most 43200); Environment.reviewers: too_many"
    );
    assert_eq!(hint, None);
    let err = github
        .put_environment(&repo(), "production", &settings)
        .await
        .unwrap_err();
    assert!(
        err.to_string().ends_with(
            "HTTP 422: Validation Failed; Reviewers must be unique; Wait timer is invalid"
        ),
        "{err}"
    );
    assert_eq!(fake.seen.hits(key), 2, "a 422 is not repeated");
}

#[tokio::test]
async fn not_found_forbidden_and_bad_credentials_each_get_their_hint() {
    let (fake, base) = start().await;
    let key = "GET /repos/octo-org/shop";
    fake.script.on(
        key,
        [
            canned(404, json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository", "status": "404"})),
            canned(403, json!({"message": "Resource not accessible by personal access token", "documentation_url": "x"}))
                .header("x-ratelimit-remaining", "4990")
                .header("x-ratelimit-reset", "1900000000"),
        ],
    );
    let github = client(&base);
    let err = github.repository(&repo()).await.unwrap_err();
    assert!(err.is_not_found());
    let (_, message, hint) = rendered(err);
    assert_eq!(message, "HTTP 404: Not Found");
    assert!(
        hint.unwrap()
            .starts_with("repository `octo-org/shop` does not exist or the token cannot see it")
    );

    let err = github.repository(&repo()).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    let (_, message, hint) = rendered(err);
    assert_eq!(
        message,
        "HTTP 403: Resource not accessible by personal access token"
    );
    let hint = hint.unwrap();
    assert!(
        hint.contains("`repo` scope") && hint.contains("`repo_deployment`"),
        "{hint}"
    );
    assert_eq!(
        fake.seen.hits(key),
        2,
        "a permission refusal is not repeated"
    );

    // A wrong token: the answer says so, and the token is in no text.
    let wrong = "ghp_wrongTokenValue9876543210zyxwv";
    let other = GithubClient::new(&base, wrong, http()).unwrap();
    let err = other.repository(&repo()).await.unwrap_err();
    let diagnostic = format!("{err} {err:?} {:?}", ProviderError::from(err.clone()));
    let (_, message, hint) = rendered(err);
    assert_eq!(message, "HTTP 401: Bad credentials");
    assert!(hint.unwrap().contains("GITHUB_TOKEN"));
    assert!(
        !diagnostic.contains(wrong) && !diagnostic.contains(TOKEN),
        "{diagnostic}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_githubs_json_is_quoted_and_a_bad_success_body_reported() {
    let (fake, base) = start().await;
    let key = "GET /repos/octo-org/shop";
    fake.script.on(
        key,
        [
            Canned {
                body: b"<html>502 from a proxy</html>".to_vec(),
                ..canned(418, json!(null))
            },
            canned(418, json!(null)),
            canned(200, json!({"id": "not a number"})),
        ],
    );
    let github = client(&base);
    let err = github.repository(&repo()).await.unwrap_err();
    assert!(
        err.to_string()
            .ends_with("HTTP 418: <html>502 from a proxy</html>"),
        "{err}"
    );
    let err = github.repository(&repo()).await.unwrap_err();
    assert!(err.to_string().ends_with("HTTP 418: null"), "{err}");
    let err = github.repository(&repo()).await.unwrap_err();
    assert!(matches!(err, GithubError::Decode { .. }), "{err:?}");
}

#[test]
fn an_unusable_endpoint_or_token_is_refused_when_the_client_is_built() {
    for base in ["api.github.com", "ftp://x/api/v3", ""] {
        assert!(GithubClient::new(base, TOKEN, http()).is_err(), "{base}");
    }
    let err =
        GithubClient::new("https://api.github.com", "bad\ntoken-value-123", http()).unwrap_err();
    assert!(!err.to_string().contains("token-value-123"), "{err}");
    assert!(GithubClient::new("https://ghe.example.com/api/v3/", TOKEN, http()).is_ok());
}

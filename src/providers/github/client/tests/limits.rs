//! Rate limits over HTTP (the waits themselves are pinned in `throttle`'s tests; the test
//! client does not sleep), and the fallback for servers without API versions.

use super::*;

const KEY: &str = "GET /repos/octo-org/shop";

fn repository() -> Canned {
    canned(200, json!({"id": 1, "full_name": "octo-org/shop"}))
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "4321")
        .header("x-ratelimit-used", "679")
        .header("x-ratelimit-reset", "1900000000")
        .header("x-ratelimit-resource", "core")
}

fn reset_in(seconds: i64) -> String {
    (jiff::Timestamp::now().as_second() + seconds).to_string()
}

#[tokio::test]
async fn throttled_answers_are_waited_out_and_sent_again() {
    let (fake, base) = start().await;
    let exceeded = json!({"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"});
    let secondary = json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."});
    fake.script.on(
        KEY,
        [
            // Backing off: a minute, then two (the first attempts, within the cap).
            canned(403, secondary).header("x-ratelimit-remaining", "4000"),
            canned(429, json!({})),
            canned(403, exceeded.clone()).header("retry-after", "3"),
            canned(429, json!({"message": "Too many requests"})).header("retry-after", "1"),
            canned(403, exceeded.clone())
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset_in(30)),
            canned(429, exceeded)
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset_in(5)),
            repository(),
        ],
    );
    let github = client(&base);
    let found = github.repository(&repo()).await.unwrap();
    assert_eq!(found.full_name, "octo-org/shop");
    assert_eq!(fake.seen.hits(KEY), 7);
    // The last answer's rate-limit headers are kept.
    let limit = github.rate_limit().unwrap();
    assert_eq!(
        (limit.limit, limit.remaining, limit.used),
        (Some(5000), Some(4321), Some(679))
    );
    assert_eq!(limit.resource.as_deref(), Some("core"));
    assert_eq!(github.http_stats().retries, 6);
}

#[tokio::test]
async fn a_limit_resetting_later_than_the_client_waits_is_an_error_saying_when() {
    let (fake, base) = start().await;
    let reset = jiff::Timestamp::now().as_second() + 3000;
    fake.script.on(
        KEY,
        [canned(
            403,
            json!({"message": "API rate limit exceeded for user ID 1."}),
        )
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-reset", reset.to_string())],
    );
    let err = client(&base).repository(&repo()).await.unwrap_err();
    let at = jiff::Timestamp::from_second(reset)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let text = err.to_string();
    assert!(
        matches!(err, GithubError::RateLimited { status: 403, .. }),
        "{err:?}"
    );
    assert!(
        text.contains("rate limited by GitHub (HTTP 403: API rate limit exceeded"),
        "{text}"
    );
    assert!(
        text.contains(&format!("the limit resets at {at} (in about 50 min)")),
        "{text}"
    );
    assert!(err.hint().unwrap().contains("--parallelism"));
    assert_eq!(
        fake.seen.hits(KEY),
        1,
        "a wait beyond the cap is not waited"
    );

    // A shorter cap turns a minute's secondary limit into an error too.
    fake.script.on(
        KEY,
        [canned(
            403,
            json!({"message": "You have exceeded a secondary rate limit."}),
        )],
    );
    let impatient = client(&base).with_max_rate_limit_wait(std::time::Duration::from_secs(10));
    let err = impatient.repository(&repo()).await.unwrap_err();
    assert!(err.to_string().contains("secondary rate limit"), "{err}");
    assert_eq!(fake.seen.hits(KEY), 2);
}

#[tokio::test]
async fn a_secondary_limit_that_never_lifts_ends_after_the_rate_limited_budget() {
    let (fake, base) = start().await;
    let secondary = canned(
        403,
        json!({"message": "You have exceeded a secondary rate limit."}),
    )
    .header("retry-after", "2");
    fake.script.on(KEY, std::iter::repeat_n(secondary, 20));
    let err = client(&base).repository(&repo()).await.unwrap_err();
    assert!(matches!(err, GithubError::RateLimited { .. }), "{err:?}");
    let budget = crate::providers::http::RetryPolicy::default().max_rate_limited_attempts as usize;
    assert_eq!(fake.seen.hits(KEY), budget);
}

#[tokio::test]
async fn a_creating_post_throttled_by_a_secondary_limit_is_sent_again_once_lifted() {
    let (fake, base) = start().await;
    let key = "POST /repos/octo-org/shop/deployments";
    fake.script.on(
        key,
        [canned(
            403,
            json!({"message": "You have exceeded a secondary rate limit"}),
        )
        .header("retry-after", "1")],
    );
    let marker = RunMarker::new("run-1/web").unwrap();
    let created = client(&base)
        .create_deployment(&repo(), &marker, &NewDeployment::new("main", "production"))
        .await
        .unwrap();
    assert_eq!(fake.seen.hits(key), 2);
    assert_eq!(fake.deployments().len(), 1);
    assert_eq!(marker_of(&created).as_deref(), Some("run-1/web"));
}

#[tokio::test]
async fn a_server_refusing_the_version_header_is_asked_again_without_it_from_then_on() {
    let (fake, base) = start().await;
    fake.refuse_version.store(true, Ordering::SeqCst);
    fake.script.on(KEY, [repository(), repository()]);
    let github = client(&base);
    assert!(github.sends_api_version());
    github.repository(&repo()).await.unwrap();
    assert!(!github.sends_api_version());
    // A clone shares the choice: one refusal per instance, not per request.
    github.clone().repository(&repo()).await.unwrap();
    let versions: Vec<bool> = fake
        .seen
        .all()
        .iter()
        .map(|s| s.headers.contains_key("x-github-api-version"))
        .collect();
    assert_eq!(versions, [true, false, false]);
    // Another 400 is an error like any other, sent once.
    fake.refuse_version.store(false, Ordering::SeqCst);
    fake.script.on(
        KEY,
        [canned(400, json!({"message": "Problems parsing JSON"}))],
    );
    let before = fake.seen.all().len();
    let err = client(&base).repository(&repo()).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(fake.seen.all().len() - before, 1);
}

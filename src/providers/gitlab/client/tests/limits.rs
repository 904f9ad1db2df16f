//! Rate limits and server failures: which answers are waited out, for how long, and which
//! are final. The test client does not sleep; the waits are pinned on `judge`, and one test
//! really waits a second.

use std::time::{Duration, Instant};

use super::*;
use crate::providers::http::{HttpConfig, RetryPolicy};

const KEY: &str = "GET /projects/7/deployments/1";

fn deployment() -> Canned {
    canned(
        200,
        json!({"id": 1, "ref": "main", "sha": SHA, "status": "success", "deployable": null}),
    )
}

fn answer(status: u16, pairs: &[(&'static str, String)], attempts: u32) -> HttpResponse {
    let pairs: Vec<(&'static str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    HttpResponse {
        status,
        headers: fake::headers(&pairs),
        body: b"Retry later\n".to_vec(),
        attempts,
    }
}

#[test]
fn a_429_waits_as_gitlab_says_and_never_beyond_the_cap() {
    let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let reset = |s: i64| (now.as_second() + s).to_string();
    let cap = DEFAULT_MAX_WAIT;
    let secs = Duration::from_secs;
    let cases: Vec<(HttpResponse, Throttle)> = vec![
        (
            answer(429, &[("retry-after", "7".into())], 1),
            Throttle::Wait(secs(7)),
        ),
        (
            answer(
                429,
                &[("retry-after", "Thu, 01 Jan 2026 00:00:30 GMT".into())],
                1,
            ),
            Throttle::Wait(secs(30)),
        ),
        (
            answer(
                429,
                &[
                    ("ratelimit-remaining", "0".into()),
                    ("ratelimit-reset", reset(20)),
                    ("ratelimit-limit", "600".into()),
                    ("ratelimit-observed", "600".into()),
                ],
                1,
            ),
            Throttle::Wait(secs(21)),
        ),
        // The reset as an HTTP date only.
        (
            answer(
                429,
                &[
                    ("ratelimit-remaining", "0".into()),
                    (
                        "ratelimit-resettime",
                        "Thu, 01 Jan 2026 00:01:00 GMT".into(),
                    ),
                ],
                1,
            ),
            Throttle::Wait(secs(61)),
        ),
        // No word on waiting: 5 s, doubling.
        (answer(429, &[], 1), Throttle::Wait(secs(5))),
        (
            answer(429, &[("ratelimit-remaining", "3".into())], 3),
            Throttle::Wait(secs(20)),
        ),
        // Longer than the cap: final, reported with the reset time.
        (
            answer(429, &[("retry-after", "3600".into())], 1),
            Throttle::Final,
        ),
        (answer(429, &[], 8), Throttle::Final),
        // Only a 429 is throttling at GitLab; a 403 is a refusal.
        (
            answer(403, &[("retry-after", "1".into())], 1),
            Throttle::Final,
        ),
        (
            answer(503, &[("retry-after", "1".into())], 1),
            Throttle::Final,
        ),
    ];
    for (response, expected) in cases {
        assert_eq!(
            judge(&response, now, cap),
            expected,
            "{} {:?}",
            response.status,
            response.headers
        );
    }
}

#[tokio::test]
async fn throttled_and_failing_reads_are_sent_again() {
    let (fake, base) = start().await;
    fake.script.on(
        KEY,
        [
            text(503, "<html>Service Unavailable</html>"),
            text(502, "Bad Gateway"),
            text(429, "Retry later\n")
                .header("content-type", "text/plain")
                .header("retry-after", "1"),
            text(429, "Retry later\n")
                .header("ratelimit-remaining", "0")
                .header("ratelimit-reset", "5"),
            text(429, "Retry later\n"),
            deployment(),
        ],
    );
    let gitlab = client(&base);
    let found = gitlab.deployment(7, 1).await.unwrap().unwrap();
    assert_eq!(found.status, DeploymentStatus::Success);
    assert_eq!(fake.seen.hits(KEY), 6);
    assert_eq!(gitlab.http().stats().retries, 5);
}

#[tokio::test]
async fn a_limit_lifting_later_than_the_client_waits_is_an_error_saying_when() {
    let (fake, base) = start().await;
    let reset = jiff::Timestamp::now().as_second() + 3000;
    fake.script.on(
        KEY,
        [text(429, "Retry later\n")
            .header("ratelimit-remaining", "0")
            .header("ratelimit-reset", reset.to_string())
            .header("ratelimit-resettime", "Thu, 01 Jan 2026 00:50:00 GMT")],
    );
    let err = client(&base).deployment(7, 1).await.unwrap_err();
    let at = jiff::Timestamp::from_second(reset)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert!(
        matches!(err, GitlabError::RateLimited { status: 429, .. }),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("rate limited by GitLab (HTTP 429: Retry later)"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("the limit resets at {at} (in about 50 min)")),
        "{shown}"
    );
    assert!(err.hint().unwrap().contains("--parallelism"));
    assert_eq!(fake.seen.hits(KEY), 1);
}

#[tokio::test]
async fn a_limit_that_never_lifts_ends_after_the_rate_limited_budget() {
    let (fake, base) = start().await;
    fake.script.on(
        KEY,
        std::iter::repeat_n(text(429, "Retry later\n").header("retry-after", "1"), 20),
    );
    let err = client(&base).deployment(7, 1).await.unwrap_err();
    assert!(matches!(err, GitlabError::RateLimited { .. }), "{err:?}");
    assert_eq!(
        fake.seen.hits(KEY),
        RetryPolicy::default().max_rate_limited_attempts as usize
    );
}

#[tokio::test]
async fn retry_after_is_really_waited() {
    let (fake, base) = start().await;
    fake.script.on(
        KEY,
        [
            text(429, "Retry later\n").header("retry-after", "1"),
            deployment(),
        ],
    );
    let sleeping = HttpClient::new(HttpConfig {
        sleep_on_retry: true,
        ..HttpConfig::default()
    });
    let gitlab = GitlabClient::new(&base, Token::Private(TOKEN.into()), sleeping).unwrap();
    let started = Instant::now();
    gitlab.deployment(7, 1).await.unwrap().unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(fake.seen.hits(KEY), 2);
}

#[tokio::test]
async fn a_creating_post_is_resent_after_a_429_but_never_after_a_5xx() {
    let (fake, base) = start().await;
    let post = "POST /projects/7/environments";
    fake.script.on(
        post,
        [text(429, "Retry later\n").header("retry-after", "1")],
    );
    let gitlab = client(&base);
    let body = crate::providers::gitlab::wire::EnvironmentBody {
        name: Some("staging".into()),
        ..Default::default()
    };
    gitlab.create_environment(7, &body).await.unwrap();
    assert_eq!(
        (fake.seen.hits(post), fake.records("environments").len()),
        (2, 1)
    );
    // A 503 may have been processed: the environment is looked up, not created again.
    let mut processed = text(503, "Service Unavailable");
    processed.process = true;
    fake.script.on(post, [processed]);
    let production = crate::providers::gitlab::wire::EnvironmentBody {
        name: Some("production".into()),
        ..Default::default()
    };
    let adopted = gitlab.create_environment(7, &production).await.unwrap();
    assert_eq!(adopted.name, "production");
    assert_eq!(
        (fake.seen.hits(post), fake.records("environments").len()),
        (3, 2)
    );
    assert_eq!(
        fake.seen.all().last().unwrap().query("name"),
        Some("production")
    );
}

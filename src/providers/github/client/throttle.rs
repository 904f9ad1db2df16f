//! GitHub's rate-limit rules (REST docs, "Rate limits for the REST API"; providers.md §3.5).
//!
//! GitHub throttles with 403 **or** 429, and a 403 is just as often a missing permission,
//! which must not be repeated. An answer is throttled when it is a 403 or 429 and
//! - it carries `retry-after`: wait that many seconds;
//! - else `x-ratelimit-remaining` is 0: wait until `x-ratelimit-reset` (a second more, as
//!   the reset is rounded down to the second);
//! - else its message speaks of a rate limit ("secondary rate limit", "API rate limit
//!   exceeded"), or it is a 429: wait a minute, doubling on each further throttled
//!   attempt.
//!
//! A wait longer than the client's patience is not waited: the answer becomes an error that
//! says when the limit resets.

use std::time::Duration;

use crate::providers::http::{HttpResponse, Limited, Throttle};

/// The least wait when GitHub names none (GitHub: "wait for at least one minute").
pub(super) const MIN_WAIT: Duration = Duration::from_secs(60);
/// The longest wait for one throttled answer, unless the client is told otherwise.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(5 * 60);

/// Whether `response`, received at `now`, is throttled, and how.
pub(super) fn classify(response: &HttpResponse, now: jiff::Timestamp) -> Option<Limited> {
    if !matches!(response.status, 403 | 429) {
        return None;
    }
    if let Some(limited) = Limited::from_headers(&response.headers, now) {
        return Some(limited);
    }
    let message = serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|body| body.get("message")?.as_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    (response.status == 429 || message.contains("rate limit")).then(Limited::backoff)
}

/// The judgement [`HttpClient::send_throttled`](crate::providers::http::HttpClient) asks
/// for: wait as GitHub says, unless that is longer than `max_wait`.
pub(super) fn judge(response: &HttpResponse, now: jiff::Timestamp, max_wait: Duration) -> Throttle {
    match classify(response, now) {
        Some(limited) => limited.judge(response.attempts, MIN_WAIT, max_wait),
        None => Throttle::Final,
    }
}

/// Whether a 400 refuses the `X-GitHub-Api-Version` header (a server that predates API
/// versions, or does not know this one), so that the call can go again without it.
pub(super) fn rejects_version(response: &HttpResponse) -> bool {
    response.status == 400
        && serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|body| body.get("message")?.as_str().map(str::to_ascii_lowercase))
            .is_some_and(|message| message.contains("version"))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::json;

    use super::*;

    fn now() -> jiff::Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn answer(
        status: u16,
        headers: &[(&'static str, String)],
        message: &str,
        attempts: u32,
    ) -> HttpResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        HttpResponse {
            status,
            headers: map,
            body: json!({"message": message, "documentation_url": "https://docs.github.com"})
                .to_string()
                .into_bytes(),
            attempts,
        }
    }

    fn reset_in(seconds: i64) -> (&'static str, String) {
        (
            "x-ratelimit-reset",
            (now().as_second() + seconds).to_string(),
        )
    }

    fn remaining_header(n: u32) -> (&'static str, String) {
        ("x-ratelimit-remaining", n.to_string())
    }

    const CAP: Duration = DEFAULT_MAX_WAIT;

    #[test]
    fn every_signal_gives_its_wait_and_a_plain_403_none() {
        use Throttle::{Final, Wait};
        let secs = Duration::from_secs;
        let cases: Vec<(HttpResponse, Throttle)> = vec![
            // retry-after wins, with 403 or 429, whatever the message.
            (
                answer(403, &[("retry-after", "7".into())], "x", 1),
                Wait(secs(7)),
            ),
            (
                answer(
                    429,
                    &[
                        ("retry-after", "30".into()),
                        remaining_header(0),
                        reset_in(200),
                    ],
                    "",
                    1,
                ),
                Wait(secs(30)),
            ),
            // Remaining 0: until the reset, plus a second.
            (
                answer(
                    403,
                    &[remaining_header(0), reset_in(90)],
                    "API rate limit exceeded for user",
                    1,
                ),
                Wait(secs(91)),
            ),
            (
                answer(429, &[remaining_header(0), reset_in(0)], "", 3),
                Wait(secs(1)),
            ),
            // Beyond the cap: final, to be reported with the reset time.
            (
                answer(
                    403,
                    &[remaining_header(0), reset_in(3600)],
                    "API rate limit exceeded",
                    1,
                ),
                Final,
            ),
            (answer(403, &[("retry-after", "3600".into())], "", 1), Final),
            // Secondary limits: a minute, then doubling, until the cap.
            (
                answer(
                    403,
                    &[remaining_header(4000), reset_in(3000)],
                    "You have exceeded a secondary rate limit",
                    1,
                ),
                Wait(secs(60)),
            ),
            (
                answer(403, &[], "You have exceeded a secondary rate limit.", 2),
                Wait(secs(120)),
            ),
            (
                answer(403, &[], "You have exceeded a secondary rate limit.", 3),
                Wait(secs(240)),
            ),
            (
                answer(403, &[], "You have exceeded a secondary rate limit.", 4),
                Final,
            ),
            (answer(429, &[], "", 1), Wait(secs(60))),
            // Remaining 0 without a reset: back off.
            (answer(403, &[remaining_header(0)], "", 1), Wait(secs(60))),
            // A permission refusal is final, whatever the limit headers say.
            (
                answer(
                    403,
                    &[remaining_header(4999), reset_in(3000)],
                    "Resource not accessible by integration",
                    1,
                ),
                Final,
            ),
            (
                answer(403, &[], "Must have admin rights to Repository.", 1),
                Final,
            ),
            // Other statuses are never throttling.
            (
                answer(404, &[remaining_header(0), reset_in(5)], "Not Found", 1),
                Final,
            ),
            (answer(500, &[("retry-after", "1".into())], "", 1), Final),
        ];
        for (response, expected) in cases {
            assert_eq!(
                judge(&response, now(), CAP),
                expected,
                "{} {:?} {}",
                response.status,
                response.headers,
                response.text()
            );
        }
    }

    #[test]
    fn the_reset_time_is_known_when_github_gives_it() {
        let limited = classify(
            &answer(403, &[remaining_header(0), reset_in(3600)], "", 1),
            now(),
        )
        .unwrap();
        assert_eq!(
            limited.resets_at,
            Some(jiff::Timestamp::from_second(now().as_second() + 3600).unwrap())
        );
        let limited =
            classify(&answer(429, &[("retry-after", "120".into())], "", 1), now()).unwrap();
        assert_eq!(
            limited.resets_at,
            Some(jiff::Timestamp::from_second(now().as_second() + 120).unwrap())
        );
        let limited = classify(&answer(403, &[], "secondary rate limit", 1), now()).unwrap();
        assert_eq!(limited.resets_at, None);
        assert_eq!(classify(&answer(403, &[], "Forbidden", 1), now()), None);
    }

    #[test]
    fn only_a_400_about_the_version_refuses_the_version_header() {
        let version = "The version you specified in the \"X-GitHub-Api-Version\" request header, \"2022-11-28\", is not a supported version.";
        assert!(rejects_version(&answer(400, &[], version, 1)));
        assert!(!rejects_version(&answer(
            400,
            &[],
            "Problems parsing JSON",
            1
        )));
        assert!(!rejects_version(&answer(422, &[], version, 1)));
    }

    proptest! {
        /// Whatever the answer: only a 403 or 429 with a throttling signal is waited out,
        /// never longer than the cap, and a 403 without one is final.
        #[test]
        fn only_signalled_403s_and_429s_wait_and_never_beyond_the_cap(
            status in prop_oneof![Just(403u16), Just(429u16), 200u16..600],
            retry_after in proptest::option::of(0u64..10_000),
            remaining in proptest::option::of(0u32..3),
            reset in proptest::option::of(-100i64..10_000),
            message in "[A-Za-z ]{0,40}",
            attempt in 1u32..12,
        ) {
            let mut headers = Vec::new();
            if let Some(seconds) = retry_after {
                headers.push(("retry-after", seconds.to_string()));
            }
            if let Some(left) = remaining {
                headers.push(remaining_header(left));
            }
            if let Some(seconds) = reset {
                headers.push(reset_in(seconds));
            }
            let response = answer(status, &headers, &message, attempt);
            let verdict = judge(&response, now(), CAP);
            let throttling = matches!(status, 403 | 429);
            let signalled = retry_after.is_some()
                || remaining == Some(0)
                || status == 429
                || message.to_ascii_lowercase().contains("rate limit");
            prop_assert_eq!(classify(&response, now()).is_some(), throttling && signalled);
            if let Throttle::Wait(wait) = verdict {
                prop_assert!(throttling && signalled);
                prop_assert!(wait <= CAP, "{wait:?}");
            }
            if !(throttling && signalled) {
                prop_assert_eq!(verdict, Throttle::Final);
            }
        }
    }
}

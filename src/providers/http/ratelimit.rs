//! Rate limits that a server announces in headers, and requests whose throttling the
//! provider's own rules judge.
//!
//! A plain 429 with `Retry-After` is handled by the retry loop for every API. Some APIs
//! throttle differently: they answer 403 (or 429) and say in `x-ratelimit-remaining: 0`
//! and `x-ratelimit-reset` when to come back, or in the body's message that a "secondary
//! rate limit" was hit, while a 403 without those signals is a refusal that must not be
//! repeated. Only the provider knows those rules, so [`HttpClient::send_throttled`] lets
//! it judge each complete answer and name the wait; the loop keeps the attempt budget, the
//! in-flight permits and the logging, as for any other retry.

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::{HttpClient, HttpError, HttpResponse, Miss, Retry};

/// Epoch values below this are read as seconds from now: some servers send a delta in the
/// reset header although their documents say epoch seconds (2001-09-09 in epoch seconds).
const EPOCH_FLOOR: i64 = 1_000_000_000;

/// The rate-limit state a server reported on one answer (`x-ratelimit-*`, the names most
/// REST APIs use, or the unprefixed `ratelimit-*` some send; a reset given as an HTTP
/// date in `ratelimit-resettime` when there is no epoch). Each field is `None`
/// when its header is absent or unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// Requests allowed in the current window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Requests used in the current window.
    pub used: Option<u64>,
    /// When the window resets.
    pub reset: Option<jiff::Timestamp>,
    /// Which limit the numbers are about (e.g. `core`, `search`).
    pub resource: Option<String>,
}

impl RateLimit {
    /// Reads the headers of an answer received at `now`; `None` when it carries none of them.
    pub fn from_headers(headers: &HeaderMap, now: jiff::Timestamp) -> Option<RateLimit> {
        let read = |name: &str| -> Option<String> {
            [format!("x-ratelimit-{name}"), format!("ratelimit-{name}")]
                .iter()
                .find_map(|key| headers.get(key.as_str())?.to_str().ok())
                .map(|value| value.trim().to_owned())
        };
        let number = |name: &str| read(name).and_then(|v| v.parse::<u64>().ok());
        let reset = read("reset")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|secs| {
                if secs < EPOCH_FLOOR {
                    now.checked_add(jiff::SignedDuration::from_secs(secs)).ok()
                } else {
                    jiff::Timestamp::from_second(secs).ok()
                }
            })
            // Some servers also name the reset as an HTTP date.
            .or_else(|| {
                let wait = super::parse_retry_after(&read("resettime")?, now)?;
                now.checked_add(jiff::SignedDuration::try_from(wait).ok()?)
                    .ok()
            });
        let limit = RateLimit {
            limit: number("limit"),
            remaining: number("remaining"),
            used: number("used"),
            reset,
            resource: read("resource").filter(|r| !r.is_empty()),
        };
        (limit != RateLimit::default()).then_some(limit)
    }

    /// True when the window has no request left.
    pub fn is_exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// How long from `now` until the window resets (zero if it already has).
    pub fn until_reset(&self, now: jiff::Timestamp) -> Option<Duration> {
        let reset = self.reset?;
        Some(Duration::try_from(now.duration_until(reset)).unwrap_or(Duration::ZERO))
    }
}

/// What a provider's throttling rules make of a complete answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// Not throttled, or throttled beyond the rules' patience: the answer is final and the
    /// caller reports it.
    Final,
    /// Throttled: send the request again after this wait (the rules bound it).
    Wait(Duration),
}

/// Why a throttled answer is to be waited out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The server named the wait (`Retry-After`, seconds or an HTTP date).
    RetryAfter(Duration),
    /// The window is used up until its reset (plus a second: resets are rounded down).
    UntilReset(Duration),
    /// Throttled without a word on how long: back off, doubling.
    Backoff,
}

/// A throttled answer: how to wait, and when the limit resets if the server said. Which
/// answers are throttled at all is each API's rule; what their headers say about waiting
/// is the same everywhere, and read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub signal: Signal,
    pub resets_at: Option<jiff::Timestamp>,
}

impl Limited {
    /// What the headers of an answer received at `now` say about waiting: `Retry-After`
    /// first, else an exhausted window's reset; `None` when they say neither.
    pub fn from_headers(headers: &HeaderMap, now: jiff::Timestamp) -> Option<Limited> {
        let rate = RateLimit::from_headers(headers, now).unwrap_or_default();
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| super::parse_retry_after(v, now));
        if let Some(wait) = retry_after {
            let signed = jiff::SignedDuration::try_from(wait).unwrap_or(jiff::SignedDuration::MAX);
            let resets_at = rate
                .reset
                .filter(|_| rate.is_exhausted())
                .or_else(|| now.checked_add(signed).ok());
            return Some(Limited {
                signal: Signal::RetryAfter(wait),
                resets_at,
            });
        }
        if rate.is_exhausted() {
            return Some(Limited {
                signal: match rate.until_reset(now) {
                    Some(wait) => Signal::UntilReset(wait + Duration::from_secs(1)),
                    None => Signal::Backoff,
                },
                resets_at: rate.reset,
            });
        }
        None
    }

    /// Throttled with nothing said about waiting.
    pub fn backoff() -> Limited {
        Limited {
            signal: Signal::Backoff,
            resets_at: None,
        }
    }

    /// The wait after throttled attempt number `attempt`: the server's, else `min_wait`
    /// doubling with each further attempt.
    pub fn wait(&self, attempt: u32, min_wait: Duration) -> Duration {
        match self.signal {
            Signal::RetryAfter(wait) | Signal::UntilReset(wait) => wait,
            Signal::Backoff => {
                min_wait.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            }
        }
    }

    /// The judgement [`HttpClient::send_throttled`] asks for: wait, unless the wait is
    /// longer than `max_wait`; then the answer is final and the caller reports when the
    /// limit resets.
    pub fn judge(&self, attempt: u32, min_wait: Duration, max_wait: Duration) -> Throttle {
        let wait = self.wait(attempt, min_wait);
        if wait <= max_wait {
            Throttle::Wait(wait)
        } else {
            Throttle::Final
        }
    }
}

/// `; the limit resets at T (in about N min)` for an error message, empty when unknown.
pub fn resets_note(at: Option<jiff::Timestamp>) -> String {
    let Some(at) = at else {
        return String::new();
    };
    let seconds = jiff::Timestamp::now().duration_until(at).as_secs().max(0);
    let minutes = (seconds + 59) / 60;
    format!(
        "; the limit resets at {} (in about {minutes} min)",
        at.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
}

impl HttpClient {
    /// Like [`send`](Self::send), but every complete answer, 429s included, is first judged
    /// by `judge` (its [`HttpResponse::attempts`] says which attempt it was): a
    /// [`Throttle::Wait`] sends the request again after exactly that wait, with the attempt
    /// budget of a 429 ([`RetryPolicy::max_rate_limited_attempts`](super::RetryPolicy));
    /// when that budget is spent, the last throttled answer is returned as it is, so that
    /// the caller can report what the server said (for example when the limit resets).
    /// Transport failures and 5xx are retried as `retry` allows, as with `send`.
    pub async fn send_throttled<F, J>(
        &self,
        retry: Retry,
        judge: J,
        build: F,
    ) -> Result<HttpResponse, HttpError>
    where
        F: FnMut(&reqwest::Client) -> reqwest::RequestBuilder,
        J: Fn(&HttpResponse) -> Throttle,
    {
        let judge = &judge;
        let policy = &self.shared.config.retry;
        self.retry_loop(retry, true, build, "response", move |answer| {
            let read = answer.read(retry);
            async move {
                let response = read.await?;
                match judge(&response) {
                    Throttle::Wait(wait) if !policy.exhausted(response.attempts, Some(429)) => {
                        Err(Miss::Throttled {
                            status: response.status,
                            wait,
                        })
                    }
                    _ => Ok(response),
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::response::Response;

    use super::*;
    use crate::providers::common::fake::{self, headers};
    use crate::providers::http::{HttpConfig, RetryPolicy};

    fn now() -> jiff::Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn headers_are_read_with_either_prefix_and_resets_in_either_form() {
        let reset = now().as_second() + 90;
        let prefixed = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-used", "5000"),
            ("x-ratelimit-reset", &reset.to_string()),
            ("x-ratelimit-resource", "core"),
        ]);
        let limit = RateLimit::from_headers(&prefixed, now()).unwrap();
        assert_eq!(
            limit,
            RateLimit {
                limit: Some(5000),
                remaining: Some(0),
                used: Some(5000),
                reset: Some(jiff::Timestamp::from_second(reset).unwrap()),
                resource: Some("core".into()),
            }
        );
        assert!(limit.is_exhausted());
        assert_eq!(limit.until_reset(now()), Some(Duration::from_secs(90)));

        let unprefixed = headers(&[("ratelimit-remaining", "12"), ("ratelimit-reset", "30")]);
        let limit = RateLimit::from_headers(&unprefixed, now()).unwrap();
        assert_eq!(limit.remaining, Some(12));
        assert!(!limit.is_exhausted());
        assert_eq!(limit.until_reset(now()), Some(Duration::from_secs(30)));

        let past = headers(&[("x-ratelimit-reset", "1700000000")]);
        let limit = RateLimit::from_headers(&past, now()).unwrap();
        assert_eq!(limit.until_reset(now()), Some(Duration::ZERO));
        assert_eq!(limit.remaining, None);

        assert_eq!(RateLimit::from_headers(&HeaderMap::new(), now()), None);
        let junk = headers(&[
            ("x-ratelimit-remaining", "lots"),
            ("x-ratelimit-resource", ""),
        ]);
        assert_eq!(RateLimit::from_headers(&junk, now()), None);
    }

    /// A server answering `status` `throttled` times, then 200.
    async fn server(status: u16, throttled: usize) -> (String, Arc<AtomicUsize>) {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        let app = Router::new().fallback(move || {
            let counter = Arc::clone(&counter);
            async move {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let status = if n < throttled { status } else { 200 };
                Response::builder()
                    .status(status)
                    .body(axum::body::Body::from(format!("answer {n}")))
                    .unwrap()
            }
        });
        (format!("http://{}", fake::serve(app).await), hits)
    }

    fn client(budget: u32) -> HttpClient {
        HttpClient::new(HttpConfig {
            sleep_on_retry: false,
            retry: RetryPolicy {
                max_rate_limited_attempts: budget,
                ..RetryPolicy::default()
            },
            ..HttpConfig::default()
        })
    }

    /// Judges every 403 and 429 as throttled.
    fn judge(response: &HttpResponse) -> Throttle {
        match response.status {
            403 | 429 => Throttle::Wait(Duration::from_secs(3600)),
            _ => Throttle::Final,
        }
    }

    #[tokio::test]
    async fn judged_answers_are_sent_again_within_the_rate_limited_budget() {
        for status in [403, 429] {
            let (base, hits) = server(status, 5).await;
            let response = client(10)
                .send_throttled(Retry::OnlyIfNotProcessed, judge, |c| c.post(&base))
                .await
                .unwrap();
            assert_eq!((response.status, response.attempts), (200, 6), "{status}");
            assert_eq!(hits.load(Ordering::SeqCst), 6);
        }
    }

    #[tokio::test]
    async fn a_spent_budget_hands_back_the_last_throttled_answer() {
        let (base, hits) = server(403, 100).await;
        let response = client(6)
            .send_throttled(Retry::Safe, judge, |c| c.get(&base))
            .await
            .unwrap();
        assert_eq!(
            (response.status, response.attempts, response.text().as_ref()),
            (403, 6, "answer 5")
        );
        assert_eq!(hits.load(Ordering::SeqCst), 6);
    }

    #[tokio::test]
    async fn a_final_judgement_is_returned_at_once_even_for_a_429() {
        let (base, hits) = server(429, 100).await;
        let response = client(10)
            .send_throttled(Retry::Safe, |_| Throttle::Final, |c| c.get(&base))
            .await
            .unwrap();
        assert_eq!((response.status, response.attempts), (429, 1));
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}

//! When to try a request again, and how long to wait first.
//!
//! The rules are pure functions so that they can be table-tested without a server. The key
//! distinction is whether a repeat can do harm: a GET can be repeated freely, a POST that
//! creates a project or starts a deployment can only be repeated when the server certainly
//! did not act on it (it said 429, or the connection never opened). After a timeout or a 5xx
//! nobody knows, and guessing wrong creates a duplicate, so the caller gets
//! [`HttpError::Ambiguous`](super::HttpError::Ambiguous) and re-reads the remote instead.

use std::time::Duration;

/// The longest `Retry-After` wait honoured; longer requests are shortened to this, so that a
/// misbehaving server cannot stall an apply for hours.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// How many times to try, and the exponential backoff between tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included (0 is treated as 1).
    pub max_attempts: u32,
    /// Attempts in total while the server answers 429: it is asking to come back later,
    /// not failing, so throttling gets more patience than a 5xx or a broken connection.
    pub max_rate_limited_attempts: u32,
    /// Upper bound of the first wait; it doubles for each further retry.
    pub base_delay: Duration,
    /// Upper bound of any wait computed by backoff (`Retry-After` has its own cap).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_rate_limited_attempts: 10,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// Whether no attempt may follow attempt number `attempt`, which failed with `status`
    /// (`None`: no response).
    pub fn exhausted(&self, attempt: u32, status: Option<u16>) -> bool {
        let max = if status == Some(429) {
            self.max_rate_limited_attempts.max(self.max_attempts)
        } else {
            self.max_attempts
        };
        attempt >= max.max(1)
    }

    /// The ceiling of the wait before retry number `retry` (1 for the first retry):
    /// `base_delay · 2^(retry−1)`, never above `max_delay`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait before retry number `retry`: "full jitter", uniform in `[0, ceiling]`, so that
    /// many clients throttled at once do not come back in lockstep.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = u64::try_from(self.backoff_ceiling(retry).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=ceiling))
    }

    /// The wait before retry number `retry`, given the server's `Retry-After` (already parsed)
    /// if it sent one: the server's word wins, up to [`RETRY_AFTER_CAP`].
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) => wait.min(RETRY_AFTER_CAP),
            None => self.backoff(retry),
        }
    }
}

/// How safe it is to send a request again. Every call site states it explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retry {
    /// Repeating has the same effect as sending once (GET, idempotent PUT / PATCH / DELETE):
    /// retried on connection errors, timeouts, 429, 500, 502, 503 and 504.
    Safe,
    /// Repeating could act twice (POSTs that create or deploy): retried only when the server
    /// certainly did not process the request: a 429, or a failure to connect. A timeout, a
    /// broken connection or a 5xx makes the outcome ambiguous and is reported as such.
    OnlyIfNotProcessed,
}

/// How one attempt failed before a complete response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// The connection could not be opened (refused, DNS, TLS handshake, connect timeout):
    /// no byte of the request reached the server.
    Connect,
    /// The request or response timed out after the connection was open.
    Timeout,
    /// The connection broke after the request may have been written.
    Broken,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Hand the response (or error) to the caller.
    Done,
    /// Try again, if attempts remain.
    Again,
    /// Stop: the server may or may not have acted.
    Ambiguous,
}

impl Retry {
    /// The verdict for a response with this status.
    pub(super) fn on_status(self, status: u16) -> Verdict {
        match (self, status) {
            (_, 429) => Verdict::Again,
            (Retry::Safe, 500 | 502 | 503 | 504) => Verdict::Again,
            (Retry::OnlyIfNotProcessed, 500..=599) => Verdict::Ambiguous,
            _ => Verdict::Done,
        }
    }

    /// The verdict for an attempt that produced no complete response.
    pub(super) fn on_failure(self, failure: Failure) -> Verdict {
        match (self, failure) {
            (_, Failure::Connect) | (Retry::Safe, _) => Verdict::Again,
            (Retry::OnlyIfNotProcessed, Failure::Timeout | Failure::Broken) => Verdict::Ambiguous,
        }
    }
}

/// Parses a `Retry-After` value: delay-seconds (`120`) or an HTTP-date (IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850 and asctime forms), relative to
/// `now`. A date in the past means "now" (zero). Returns `None` for anything unparseable;
/// the caller then falls back to its own backoff. The result is not capped here.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits, so the only possible failure is overflow: treat as "very long".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = parse_http_date(value)?;
    let wait = now.duration_until(at);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

fn parse_http_date(value: &str) -> Option<jiff::Timestamp> {
    if let Ok(at) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value) {
        return Some(at);
    }
    // RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`),
    // both always in UTC.
    let asctime = value.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        ("%A, %d-%b-%y %H:%M:%S GMT", value),
        ("%a %b %d %H:%M:%S %Y", asctime.as_str()),
    ]
    .into_iter()
    .find_map(|(format, text)| {
        let parsed = jiff::fmt::strtime::parse(format, text).ok()?;
        parsed
            .to_datetime()
            .ok()?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
    })
    .map(|zoned| zoned.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "1994-11-06T08:49:00Z".parse().unwrap()
    }

    #[test]
    fn retry_after_accepts_seconds_and_every_http_date_form() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("  7 ", Some(7)),
            ("120", Some(120)),
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(37)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", Some(37)),
            ("Sun Nov  6 08:49:37 1994", Some(37)),
            ("Sun, 06 Nov 1994 08:00:00 GMT", Some(0)), // in the past
            ("-5", None),
            ("1.5", None),
            ("", None),
            ("soon", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_retry_after(value, now()),
                expected.map(Duration::from_secs),
                "Retry-After: {value:?}"
            );
        }
    }

    #[test]
    fn retry_after_of_absurd_size_saturates_and_is_capped_by_delay() {
        let huge = parse_retry_after("99999999999999999999999", now()).unwrap();
        assert_eq!(huge, Duration::from_secs(u64::MAX));
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, Some(huge)), RETRY_AFTER_CAP);
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_below_the_ceiling() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<u64> = (1..=9)
            .map(|n| policy.backoff_ceiling(n).as_millis() as u64)
            .collect();
        assert_eq!(
            ceilings,
            [200, 400, 800, 1600, 3200, 6400, 12800, 20000, 20000]
        );
        assert_eq!(policy.backoff_ceiling(u32::MAX), policy.max_delay);
        for retry in [1, 2, 5, 40, u32::MAX] {
            for _ in 0..200 {
                let wait = policy.backoff(retry);
                assert!(wait <= policy.backoff_ceiling(retry), "{wait:?} at {retry}");
                assert!(policy.delay(retry, None) <= policy.max_delay);
            }
        }
        let zero = RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.backoff(3), Duration::ZERO);
    }

    #[test]
    fn throttling_gets_more_attempts_than_failures() {
        let policy = RetryPolicy::default();
        assert!(!policy.exhausted(3, Some(503)));
        assert!(policy.exhausted(4, Some(503)));
        assert!(policy.exhausted(4, None));
        assert!(!policy.exhausted(4, Some(429)));
        assert!(!policy.exhausted(9, Some(429)));
        assert!(policy.exhausted(10, Some(429)));
        let once = RetryPolicy {
            max_attempts: 0,
            max_rate_limited_attempts: 0,
            ..RetryPolicy::default()
        };
        assert!(once.exhausted(1, Some(429)));
    }

    #[test]
    fn classification_follows_idempotency() {
        use Retry::{OnlyIfNotProcessed as Post, Safe};
        use Verdict::{Again, Ambiguous, Done};
        let statuses: &[(u16, Verdict, Verdict)] = &[
            (200, Done, Done),
            (201, Done, Done),
            (400, Done, Done),
            (401, Done, Done),
            (404, Done, Done),
            (409, Done, Done),
            (413, Done, Done),
            (429, Again, Again),
            (500, Again, Ambiguous),
            (501, Done, Ambiguous),
            (502, Again, Ambiguous),
            (503, Again, Ambiguous),
            (504, Again, Ambiguous),
        ];
        for &(status, safe, post) in statuses {
            assert_eq!(Safe.on_status(status), safe, "GET -> {status}");
            assert_eq!(Post.on_status(status), post, "POST -> {status}");
        }
        assert_eq!(Safe.on_failure(Failure::Connect), Again);
        assert_eq!(Safe.on_failure(Failure::Timeout), Again);
        assert_eq!(Safe.on_failure(Failure::Broken), Again);
        assert_eq!(Post.on_failure(Failure::Connect), Again);
        assert_eq!(Post.on_failure(Failure::Timeout), Ambiguous);
        assert_eq!(Post.on_failure(Failure::Broken), Ambiguous);
    }
}

//! A fixed-window request limit per caller, as an emulator's admin API sets it: the same
//! counting for every emulator; each answers the excess in its provider's own shape.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{lock, now_ms};

/// The limit the admin API set: `limit` requests per caller in each `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitSettings {
    pub limit: u64,
    pub window_secs: u64,
}

/// A request over the limit: what the provider's 429 reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    pub limit: u64,
    /// Requests counted in the window, this one included.
    pub observed: u64,
    /// When the window ends (epoch seconds).
    pub reset: u64,
    /// Now (epoch seconds).
    pub now: u64,
}

impl Exceeded {
    /// Seconds until the window ends, at least 1 (what `Retry-After` says).
    pub fn retry_after(&self) -> u64 {
        self.reset.saturating_sub(self.now).max(1)
    }
}

/// Per caller: `(used, window end in epoch s)`.
type Buckets<K> = HashMap<K, (u64, u64)>;

/// Settings and per-caller counters.
#[derive(Debug)]
pub struct RateLimits<K> {
    inner: Mutex<(Option<LimitSettings>, Buckets<K>)>,
}

impl<K> Default for RateLimits<K> {
    fn default() -> Self {
        RateLimits {
            inner: Mutex::new((None, HashMap::new())),
        }
    }
}

impl<K: Hash + Eq> RateLimits<K> {
    /// Sets (or with `None` lifts) the limit; every window starts afresh.
    pub fn set(&self, settings: Option<LimitSettings>) {
        *lock(&self.inner) = (settings, HashMap::new());
    }

    pub fn settings(&self) -> Option<LimitSettings> {
        lock(&self.inner).0
    }

    /// Counts one request of `caller`; `Some` when it is over the limit.
    pub fn take(&self, caller: K) -> Option<Exceeded> {
        let now = u64::try_from(now_ms() / 1000).unwrap_or(0);
        self.take_at(caller, now)
    }

    fn take_at(&self, caller: K, now: u64) -> Option<Exceeded> {
        let mut inner = lock(&self.inner);
        let settings = inner.0?;
        let bucket = inner
            .1
            .entry(caller)
            .or_insert((0, now + settings.window_secs));
        if now >= bucket.1 {
            *bucket = (0, now + settings.window_secs);
        }
        bucket.0 += 1;
        (bucket.0 > settings.limit).then_some(Exceeded {
            limit: settings.limit,
            observed: bucket.0,
            reset: bucket.1,
            now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_caller_has_its_own_window_and_a_new_window_starts_afresh() {
        let limits = RateLimits::<&str>::default();
        assert_eq!(limits.take_at("a", 100), None, "no limit set");
        limits.set(Some(LimitSettings {
            limit: 2,
            window_secs: 60,
        }));
        assert_eq!(limits.take_at("a", 100), None);
        assert_eq!(limits.take_at("a", 101), None);
        let over = limits.take_at("a", 102).unwrap();
        assert_eq!(
            (over.observed, over.reset, over.retry_after()),
            (3, 160, 58)
        );
        assert_eq!(
            limits.take_at("b", 102),
            None,
            "another caller counts apart"
        );
        assert_eq!(limits.take_at("a", 160), None, "the next window");
        limits.set(None);
        assert_eq!(limits.take_at("a", 161), None, "lifted");
    }
}

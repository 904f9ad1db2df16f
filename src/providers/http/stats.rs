//! Request accounting: benchmarks compare the calls made with the minimum the API allows,
//! and the apply summary reports them.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Requests sent so far. An attempt that failed to connect never reached the server and is
/// not counted; every other attempt is, retries included.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HttpStats {
    /// All requests sent.
    pub total: u64,
    /// Of `total`, how many were retries of an earlier attempt.
    pub retries: u64,
    /// Requests sent per HTTP method (`GET`, `POST`, …).
    pub by_method: BTreeMap<String, u64>,
}

impl HttpStats {
    /// Requests sent with `method` (case-insensitive).
    pub fn method(&self, method: &str) -> u64 {
        self.by_method
            .get(&method.to_ascii_uppercase())
            .copied()
            .unwrap_or(0)
    }
}

/// Live counters behind [`HttpStats`]. A mutex is plenty: it is taken once per request,
/// next to a network round trip.
#[derive(Debug, Default)]
pub(super) struct Counters(Mutex<HttpStats>);

impl Counters {
    pub(super) fn record(&self, method: &str, retry: bool) {
        let mut stats = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        stats.total += 1;
        if retry {
            stats.retries += 1;
        }
        *stats.by_method.entry(method.to_owned()).or_default() += 1;
    }

    pub(super) fn snapshot(&self) -> HttpStats {
        self.0
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }
}

//! Fault injection: latency, provider errors, rate limits and dropped connections.
//!
//! Engines must survive a flaky provider (Appendix B of `providers.md`: retry 429 and 5xx,
//! honour `Retry-After`, never blindly repeat a create). Faults are injected before the
//! request reaches the emulator, so a faulted request never changes state — a retry is
//! always safe, which is what the real gateways promise for throttled and failed calls.

use serde::{Deserialize, Serialize};

/// Which faults to inject into provider requests. Missing fields default to zero, so
/// `PUT /_sandbox/faults` accepts a partial document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Delay added before every provider request is answered (also faulted ones).
    pub latency_ms: u64,
    /// Probability (0..=1) of answering 503 with the provider's error body.
    pub error_rate: f64,
    /// Probability (0..=1) of answering 429 with a `Retry-After` header.
    pub rate_limit_rate: f64,
    /// The `Retry-After` value of injected 429s, in seconds.
    pub retry_after_secs: u64,
    /// Probability (0..=1) of closing the connection without answering.
    pub drop_rate: f64,
}

/// The fault picked for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Drop,
    RateLimited,
    Unavailable,
}

impl FaultConfig {
    /// Rejects rates outside 0..=1 (and NaN), naming the offending field.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        Ok(())
    }

    /// Picks at most one fault with a single draw, so each rate is exactly the probability
    /// of its fault as long as the rates add up to at most 1 (beyond that, drops win over
    /// rate limits, which win over errors).
    pub(crate) fn draw(&self) -> Option<Fault> {
        self.pick(fastrand::f64())
    }

    fn pick(&self, roll: f64) -> Option<Fault> {
        let clamp = |rate: f64| {
            if rate.is_nan() {
                0.0
            } else {
                rate.clamp(0.0, 1.0)
            }
        };
        let drop = clamp(self.drop_rate);
        let limited = drop + clamp(self.rate_limit_rate);
        let failed = limited + clamp(self.error_rate);
        if roll < drop {
            Some(Fault::Drop)
        } else if roll < limited {
            Some(Fault::RateLimited)
        } else if roll < failed {
            Some(Fault::Unavailable)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_draw_partitions_the_unit_interval() {
        let faults = FaultConfig {
            drop_rate: 0.1,
            rate_limit_rate: 0.2,
            error_rate: 0.3,
            ..FaultConfig::default()
        };
        assert_eq!(faults.pick(0.05), Some(Fault::Drop));
        assert_eq!(faults.pick(0.25), Some(Fault::RateLimited));
        assert_eq!(faults.pick(0.55), Some(Fault::Unavailable));
        assert_eq!(faults.pick(0.65), None);
        assert_eq!(FaultConfig::default().pick(0.0), None);
    }

    #[test]
    fn certain_faults_always_fire() {
        let faults = FaultConfig {
            error_rate: 1.0,
            ..FaultConfig::default()
        };
        assert!((0..100).all(|_| faults.draw() == Some(Fault::Unavailable)));
    }

    #[test]
    fn rates_outside_the_unit_interval_are_rejected() {
        let bad = FaultConfig {
            drop_rate: 1.5,
            ..FaultConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("drop_rate"));
        let nan = FaultConfig {
            error_rate: f64::NAN,
            ..FaultConfig::default()
        };
        assert!(nan.validate().is_err());
        assert!(FaultConfig::default().validate().is_ok());
    }
}

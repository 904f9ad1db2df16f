//! Fault injection: latency, provider errors, rate limits and dropped connections.
//!
//! Engines must survive a flaky provider (Appendix B of `providers.md`: retry 429 and 5xx,
//! honour `Retry-After`, never blindly repeat a create). A fault is injected either before
//! the request reaches the emulator (nothing was processed: what real gateways promise for
//! throttled calls) or after the emulator processed it (the state changed but the answer is
//! lost: a 503 or a dropped connection), the case that forces a client to re-read before it
//! repeats a create. With a `seed`, the sequence of draws is reproducible.

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
    /// Probability (0..=1) of letting the emulator process the request, then answering 503
    /// instead of its answer.
    pub error_after_rate: f64,
    /// Probability (0..=1) of letting the emulator process the request, then closing the
    /// connection without answering.
    pub drop_after_rate: f64,
    /// Seeds the draws, so that the same sequence of requests meets the same faults.
    /// `None`: a fresh random seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Only requests with one of these methods (e.g. `["POST"]`) meet faults and take a
    /// draw; empty: every request. Aims the faults at creating calls, and keeps a seeded
    /// sequence independent of how often a client polls.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
}

/// The fault picked for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Drop,
    RateLimited,
    Unavailable,
    /// Processed by the emulator, then the connection is closed.
    DropAfter,
    /// Processed by the emulator, then answered 503.
    UnavailableAfter,
}

impl Fault {
    /// Whether the emulator processes the request before the fault hides its answer.
    pub(crate) fn after_processing(self) -> bool {
        matches!(self, Fault::DropAfter | Fault::UnavailableAfter)
    }
}

/// The configured faults and the random source their draws come from.
pub(crate) struct Injector {
    config: FaultConfig,
    rng: fastrand::Rng,
}

impl Injector {
    pub(crate) fn new(config: FaultConfig) -> Self {
        let rng = rng_for(&config);
        Injector { config, rng }
    }

    pub(crate) fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// Replaces the configuration; the draws restart from its seed.
    pub(crate) fn set(&mut self, config: FaultConfig) {
        self.rng = rng_for(&config);
        self.config = config;
    }

    /// The configuration and the fault for the next request, sent with `method`.
    pub(crate) fn next(&mut self, method: &str) -> (FaultConfig, Option<Fault>) {
        let methods = &self.config.methods;
        let aimed = methods.is_empty() || methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        let fault = if aimed {
            self.config.pick(self.rng.f64())
        } else {
            None
        };
        (self.config.clone(), fault)
    }
}

fn rng_for(config: &FaultConfig) -> fastrand::Rng {
    match config.seed {
        Some(seed) => fastrand::Rng::with_seed(seed),
        None => fastrand::Rng::new(),
    }
}

impl FaultConfig {
    /// Rejects rates outside 0..=1 (and NaN), naming the offending field.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
            ("drop_rate", self.drop_rate),
            ("error_after_rate", self.error_after_rate),
            ("drop_after_rate", self.drop_after_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        Ok(())
    }

    /// Picks at most one fault with a single draw, so each rate is exactly the probability
    /// of its fault as long as the rates add up to at most 1 (beyond that, drops win over
    /// rate limits, which win over errors; faults before processing win over those after).
    #[cfg(test)]
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
        let dropped_after = failed + clamp(self.drop_after_rate);
        let failed_after = dropped_after + clamp(self.error_after_rate);
        if roll < drop {
            Some(Fault::Drop)
        } else if roll < limited {
            Some(Fault::RateLimited)
        } else if roll < failed {
            Some(Fault::Unavailable)
        } else if roll < dropped_after {
            Some(Fault::DropAfter)
        } else if roll < failed_after {
            Some(Fault::UnavailableAfter)
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
        let after = FaultConfig {
            error_rate: 0.1,
            drop_after_rate: 0.2,
            error_after_rate: 0.3,
            ..FaultConfig::default()
        };
        assert_eq!(after.pick(0.05), Some(Fault::Unavailable));
        assert_eq!(after.pick(0.25), Some(Fault::DropAfter));
        assert_eq!(after.pick(0.55), Some(Fault::UnavailableAfter));
        assert_eq!(after.pick(0.65), None);
        assert!(Fault::DropAfter.after_processing() && Fault::UnavailableAfter.after_processing());
        assert!(!Fault::Drop.after_processing() && !Fault::Unavailable.after_processing());
    }

    #[test]
    fn a_seed_makes_the_draws_reproducible() {
        let config = FaultConfig {
            error_rate: 0.2,
            drop_after_rate: 0.2,
            seed: Some(7),
            ..FaultConfig::default()
        };
        let draws = |injector: &mut Injector| {
            (0..200)
                .map(|_| injector.next("POST").1)
                .collect::<Vec<_>>()
        };
        let mut first = Injector::new(config.clone());
        let once = draws(&mut first);
        assert_eq!(once, draws(&mut Injector::new(config.clone())));
        // Setting the configuration again restarts the sequence.
        first.set(config);
        assert_eq!(once, draws(&mut first));
        assert!(once.contains(&None) && once.contains(&Some(Fault::DropAfter)));
    }

    #[test]
    fn faults_aimed_at_a_method_spare_the_others_and_their_draws() {
        let config = FaultConfig {
            error_rate: 0.5,
            seed: Some(3),
            methods: vec!["post".into()],
            ..FaultConfig::default()
        };
        let mut plain = Injector::new(config.clone());
        let mut polled = Injector::new(config);
        let posts: Vec<_> = (0..50).map(|_| plain.next("POST").1).collect();
        let interleaved: Vec<_> = (0..50)
            .map(|_| {
                assert_eq!(polled.next("GET").1, None);
                polled.next("POST").1
            })
            .collect();
        assert_eq!(posts, interleaved);
        assert!(posts.contains(&Some(Fault::Unavailable)));
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
        let after = FaultConfig {
            drop_after_rate: -0.1,
            ..FaultConfig::default()
        };
        assert!(after.validate().unwrap_err().contains("drop_after_rate"));
        assert!(FaultConfig::default().validate().is_ok());
    }
}

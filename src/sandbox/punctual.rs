//! Injected latency that is what it says. Tokio's timer ticks in milliseconds and wakes a
//! sleep at the first tick after its deadline, so `sleep(50 ms)` answers after about
//! 51.5 ms; benchmarks divide wall time by `latency × rounds`, so every request would count
//! that error against deployplan. The sandbox measures how far from their deadline its
//! sleeps wake and aims earlier by what they were late on average, and counts from the
//! request's arrival, not from when the gate ran.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// How much earlier than their deadline the sandbox's sleeps aim, corrected after each
/// sleep by how far from the deadline it woke.
#[derive(Debug, Default)]
pub(crate) struct Punctual {
    /// Microseconds.
    early_us: AtomicI64,
}

impl Punctual {
    /// Sleeps until `latency` after `arrived`.
    pub(crate) async fn sleep(&self, arrived: Instant, latency: Duration) {
        let deadline = arrived + latency;
        let early = Duration::from_micros(self.early_us.load(Ordering::Relaxed).unsigned_abs());
        let aim = deadline.checked_sub(early).unwrap_or(deadline).max(arrived);
        tokio::time::sleep_until(aim.into()).await;
        let woke = Instant::now();
        let error_us = match woke.checked_duration_since(deadline) {
            Some(late) => i64::try_from(late.as_micros()).unwrap_or(i64::MAX),
            None => -i64::try_from((deadline - woke).as_micros()).unwrap_or(i64::MAX),
        };
        // Concurrent updates may each read the same old value: one correction is then
        // lost, which the next ones make up for.
        let old = self.early_us.load(Ordering::Relaxed);
        self.early_us
            .store(next_early(old, error_us), Ordering::Relaxed);
    }
}

/// The aim after one more sleep that woke `error_us` after its deadline (negative: before):
/// an eighth of the error corrects it, so the average error goes to zero while one sleep
/// delayed by a busy machine moves it little; kept within 0–5 ms.
fn next_early(early_us: i64, error_us: i64) -> i64 {
    (early_us + error_us.clamp(-5_000, 5_000) / 8).clamp(0, 5_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aim_converges_on_the_timers_lateness_and_a_stall_moves_it_little() {
        // A timer that wakes 1.5 ms after whatever it is asked for: the aim settles 1.5 ms
        // early, where the error is zero.
        let mut early = 0;
        for _ in 0..200 {
            let woke_after_deadline = 1_500 - early;
            early = next_early(early, woke_after_deadline);
        }
        assert!((1_490..=1_500).contains(&early), "{early}");
        assert!(next_early(early, 2_000_000) <= 2_200);
        assert_eq!(next_early(0, -3_000), 0, "never aims late");
    }

    #[tokio::test]
    async fn a_sleep_never_ends_before_the_aim_and_learns_how_late_it_woke() {
        let punctual = Punctual::default();
        let arrived = Instant::now();
        punctual.sleep(arrived, Duration::from_millis(20)).await;
        assert!(arrived.elapsed() >= Duration::from_millis(20));
        assert!(punctual.early_us.load(Ordering::Relaxed) >= 0);
    }
}

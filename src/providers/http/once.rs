//! Creating and deploying calls that must take effect exactly once.
//!
//! A create or deploy POST whose answer is lost (a 5xx, a timeout, a broken connection) may
//! or may not have been processed, so the retry loop hands it back as ambiguous instead of
//! repeating it. The caller knows how to find out: re-read the remote (an object by name, a
//! deployment in the history, a binary version). [`HttpClient::exactly_once`] is that
//! settlement, the same for every creating call: the re-read finds the object → it is
//! adopted; the re-read proves nothing happened → the call is sent again, within the same
//! attempt budget and with the same backoff as any other retry; the re-read fails → the
//! outcome stays unknown and the original error is returned. Never two of anything, as long
//! as the re-read sees what the server did (the APIs here read their own writes).

use super::HttpClient;

/// An error that can say whether the server may have acted on the request.
pub trait Ambiguity: Sized {
    /// True when the request may or may not have been processed.
    fn is_ambiguous(&self) -> bool;

    /// The error once re-reads proved that none of `attempts` attempts was processed: no
    /// longer ambiguous, so that the failure says what is known.
    fn not_processed(self, attempts: u32) -> Self;
}

impl Ambiguity for super::HttpError {
    fn is_ambiguous(&self) -> bool {
        super::HttpError::is_ambiguous(self)
    }

    fn not_processed(self, attempts: u32) -> Self {
        match self {
            super::HttpError::Ambiguous {
                method,
                url,
                reason,
            } => super::HttpError::Transport {
                method,
                url,
                cause: format!("{reason}; a re-read found it not processed each time"),
                attempts,
            },
            other => other,
        }
    }
}

impl HttpClient {
    /// Sends a non-idempotent call so that it takes effect at most once, and once if the
    /// attempts allow.
    ///
    /// `send` makes one attempt (its own transport retries included: a 429 or a refused
    /// connection is retried inside it). When it fails ambiguously, `probe` re-reads the
    /// remote: `Some` is what the lost call produced, adopted as its result; `None` proves
    /// it was not processed, and `send` is tried again after the policy's backoff while
    /// [`RetryPolicy::max_attempts`](super::RetryPolicy::max_attempts) allows; when they run
    /// out, the last error, [no longer ambiguous](Ambiguity::not_processed). A failing probe
    /// returns the ambiguous error: the outcome stays unknown.
    pub async fn exactly_once<T, E, S, SF, P, PF>(&self, mut send: S, mut probe: P) -> Result<T, E>
    where
        E: Ambiguity,
        S: FnMut() -> SF,
        SF: Future<Output = Result<T, E>>,
        P: FnMut() -> PF,
        PF: Future<Output = Result<Option<T>, E>>,
    {
        let policy = &self.shared.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match send().await {
                Err(error) if error.is_ambiguous() => error,
                other => return other,
            };
            match probe().await {
                Ok(Some(done)) => {
                    tracing::debug!(attempt, "the lost call was processed: adopting its result");
                    return Ok(done);
                }
                Ok(None) if !policy.exhausted(attempt, None) => {}
                Ok(None) => return Err(error.not_processed(attempt)),
                Err(_) => return Err(error),
            }
            let delay = policy.backoff(attempt);
            tracing::debug!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                "the lost call was not processed: sending it again"
            );
            if self.shared.config.sleep_on_retry && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use proptest::prelude::*;

    use super::*;
    use crate::providers::http::{HttpConfig, RetryPolicy};

    /// How one attempt of the simulated create goes.
    #[derive(Clone, Copy, Debug)]
    enum Attempt {
        Answered,
        /// The answer was lost before the server processed the request.
        LostBefore,
        /// The server created the object, then the answer was lost.
        LostAfter,
        Refused,
    }

    #[derive(Debug, PartialEq)]
    enum Error {
        Ambiguous,
        NotProcessed(u32),
        Refused,
        ProbeFailed,
    }

    impl Ambiguity for Error {
        fn is_ambiguous(&self) -> bool {
            *self == Error::Ambiguous
        }

        fn not_processed(self, attempts: u32) -> Self {
            match self {
                Error::Ambiguous => Error::NotProcessed(attempts),
                other => other,
            }
        }
    }

    fn client(max_attempts: u32) -> HttpClient {
        HttpClient::new(HttpConfig {
            retry: RetryPolicy {
                max_attempts,
                ..RetryPolicy::default()
            },
            sleep_on_retry: false,
            ..HttpConfig::default()
        })
    }

    fn attempt() -> impl Strategy<Value = Attempt> {
        prop_oneof![
            Just(Attempt::Answered),
            Just(Attempt::LostBefore),
            Just(Attempt::LostAfter),
            Just(Attempt::Refused),
        ]
    }

    /// Runs the simulated create: `script[i]` is how attempt `i` goes (answered once the
    /// script runs out), `probe_fails` makes every re-read fail.
    fn run(
        script: &[Attempt],
        max_attempts: u32,
        probe_fails: bool,
    ) -> (Result<u32, Error>, u32, u32) {
        let created = Cell::new(0u32);
        let sent = Cell::new(0u32);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let result = runtime.block_on(client(max_attempts).exactly_once(
            || async {
                let step = script
                    .get(sent.get() as usize)
                    .copied()
                    .unwrap_or(Attempt::Answered);
                sent.set(sent.get() + 1);
                match step {
                    Attempt::Answered => {
                        created.set(created.get() + 1);
                        Ok(created.get())
                    }
                    Attempt::LostBefore => Err(Error::Ambiguous),
                    Attempt::LostAfter => {
                        created.set(created.get() + 1);
                        Err(Error::Ambiguous)
                    }
                    Attempt::Refused => Err(Error::Refused),
                }
            },
            || async {
                if probe_fails {
                    Err(Error::ProbeFailed)
                } else {
                    Ok((created.get() > 0).then_some(created.get()))
                }
            },
        ));
        (result, created.get(), sent.get())
    }

    #[test]
    fn a_lost_answer_is_adopted_and_an_unprocessed_call_is_sent_again() {
        use Attempt::*;
        assert_eq!(run(&[LostAfter], 4, false), (Ok(1), 1, 1));
        assert_eq!(
            run(&[LostBefore, LostBefore, Answered], 4, false),
            (Ok(1), 1, 3)
        );
        assert_eq!(run(&[LostBefore, LostAfter], 4, false), (Ok(1), 1, 2));
        // The budget is the retry policy's; when it runs out the failure is no longer
        // ambiguous: every re-read found nothing.
        assert_eq!(
            run(&[LostBefore; 4], 4, false),
            (Err(Error::NotProcessed(4)), 0, 4)
        );
        assert_eq!(
            run(&[LostBefore; 4], 2, false),
            (Err(Error::NotProcessed(2)), 0, 2)
        );
        // A re-read that fails leaves the outcome unknown: never sent again.
        assert_eq!(run(&[LostBefore], 4, true), (Err(Error::Ambiguous), 0, 1));
        // A refusal is final.
        assert_eq!(run(&[Refused], 4, false), (Err(Error::Refused), 0, 1));
    }

    proptest! {
        #[test]
        fn never_two_and_success_exactly_when_it_happened(
            script in proptest::collection::vec(attempt(), 0..8),
            max_attempts in 1u32..6,
            probe_fails in any::<bool>(),
        ) {
            let (result, created, sent) = run(&script, max_attempts, probe_fails);
            prop_assert!(created <= 1, "created {created} times");
            prop_assert!(sent <= max_attempts);
            if !probe_fails {
                prop_assert_eq!(result.is_ok(), created == 1);
                // Working re-reads always settle the outcome.
                prop_assert!(!result.as_ref().is_err_and(Ambiguity::is_ambiguous));
            }
            if result.is_ok() {
                prop_assert_eq!(created, 1);
            }
        }
    }
}

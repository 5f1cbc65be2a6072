//! Whether and when a failed request is sent again: one pure function, [`decide`], that the
//! client's send loop calls after every failed attempt.
//!
//! The source of truth is split in two, each in one place:
//!
//! * *Whether an error is transient* is [`Error::is_retryable`] (connector-sdk): 429s,
//!   transport failures, 408 and 5xx. Hosts use the same method to report a failure as
//!   transient, so the client and the host cannot disagree.
//! * *Whether this request may be sent again, and after what wait* is [`decide`]: a 429
//!   (refused before any effect) is retried under every [`RetryPolicy`], after its
//!   `Retry-After` (or the backoff); any other transient error only under
//!   [`RetryPolicy::Idempotent`], after the backoff; so is a 2xx whose body could not be read
//!   ([`Failed::Unreadable`]: a body cut off on a read). Every wait must end within the
//!   request's budget, and the counts of [`RetryOptions`] bound the retries.

use std::time::Duration;

use connector_sdk::Error;

use crate::client::{RetryOptions, RetryPolicy};

/// A failed attempt, as far as retrying goes.
#[derive(Debug, Clone, Copy)]
pub enum Failed<'a> {
    /// An error answer, a transport failure, or anything the client refused to use.
    Error(&'a Error),
    /// A 2xx answer the caller's parser refused. An [`Error::InvalidResponse`] there (a body
    /// cut off or garbled) is transient; any other error is decided as [`Failed::Error`].
    Unreadable(&'a Error),
}

impl Failed<'_> {
    /// The error itself.
    pub fn error(&self) -> &Error {
        match self {
            Failed::Error(e) | Failed::Unreadable(e) => e,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the request again after `wait`.
    Retry {
        /// How long to wait first.
        wait: Duration,
    },
    /// Give up: return the error.
    Fail,
}

/// How many retries a request has had so far (the failed attempt being decided excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    /// Retries after 429.
    pub rate_limited: u32,
    /// Retries after other transient failures.
    pub transient: u32,
}

/// Decides whether the request that failed with `failed`, sent under `policy`, is sent again
/// and after what wait. `tries` counts the retries so far and is updated when the answer is
/// [`Decision::Retry`]; `remaining` is what is left of the request's budget; `backoff` yields
/// the next backoff delay (`None` once exhausted) and is called only when a backoff is due.
pub fn decide(
    failed: Failed<'_>,
    policy: RetryPolicy,
    options: &RetryOptions,
    tries: &mut Tries,
    remaining: Duration,
    backoff: impl FnOnce() -> Option<Duration>,
) -> Decision {
    let fits = |wait: Duration| wait <= remaining;
    let transient = match failed {
        Failed::Error(Error::RateLimited { retry_after, .. }) => {
            let wait = retry_after.or_else(backoff).unwrap_or(options.max_delay);
            if tries.rate_limited >= options.max_rate_limited
                || wait > options.max_retry_after
                || !fits(wait)
            {
                return Decision::Fail;
            }
            tries.rate_limited += 1;
            return Decision::Retry { wait };
        }
        // A 2xx whose body cannot be read is a transport fault.
        Failed::Unreadable(Error::InvalidResponse { .. }) => true,
        Failed::Error(e) | Failed::Unreadable(e) => e.is_retryable(),
    };
    // Anything else may have reached the server: only requests that cannot duplicate data.
    let under_count = usize::try_from(tries.transient).unwrap_or(usize::MAX) < options.max_retries;
    if !transient || policy != RetryPolicy::Idempotent || !under_count {
        return Decision::Fail;
    }
    match backoff().filter(|w| fits(*w)) {
        Some(wait) => {
            tries.transient += 1;
            Decision::Retry { wait }
        }
        None => Decision::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn options() -> RetryOptions {
        RetryOptions {
            max_retries: 2,
            max_rate_limited: 2,
            max_delay: MS(900),
            max_retry_after: MS(5_000),
            ..RetryOptions::default()
        }
    }

    fn limited(after: Option<u64>) -> Error {
        Error::RateLimited {
            retry_after: after.map(MS),
            attempts: 1,
        }
    }

    /// One row per kind of failure and policy: retried or not, and after what wait (the
    /// backoff is always 100 ms here, the budget 10 s).
    #[test]
    fn decisions_as_a_table() {
        use Decision::{Fail, Retry};
        use RetryPolicy::{Idempotent, RateLimitOnly};
        let bad_body = || Error::invalid_response("a JSON body", "EOF");
        let html = Error::invalid_response("a JSON body", "an HTML page");
        let state = Error::InvalidState {
            stream: "tickets".into(),
            reason: "bad cursor".into(),
        };
        let retry = |ms| Retry { wait: MS(ms) };
        let (read, body) = (false, true);
        let rows: Vec<(&str, Error, bool, RetryPolicy, Decision)> = vec![
            (
                "429 with Retry-After",
                limited(Some(1500)),
                read,
                Idempotent,
                retry(1500),
            ),
            (
                "429 on a create",
                limited(Some(1500)),
                read,
                RateLimitOnly,
                retry(1500),
            ),
            (
                "429 without Retry-After: backoff",
                limited(None),
                read,
                RateLimitOnly,
                retry(100),
            ),
            (
                "429 asking too long",
                limited(Some(6000)),
                read,
                Idempotent,
                Fail,
            ),
            (
                "503 on a read",
                Error::upstream(503, "down"),
                read,
                Idempotent,
                retry(100),
            ),
            (
                "503 on a create",
                Error::upstream(503, "down"),
                read,
                RateLimitOnly,
                Fail,
            ),
            (
                "408 on a read",
                Error::upstream(408, "slow"),
                read,
                Idempotent,
                retry(100),
            ),
            (
                "reset on a read",
                Error::transport("reset", false),
                read,
                Idempotent,
                retry(100),
            ),
            (
                "timeout on a create",
                Error::transport("timeout", true),
                read,
                RateLimitOnly,
                Fail,
            ),
            ("400", Error::upstream(400, "bad"), read, Idempotent, Fail),
            (
                "redirect",
                Error::upstream(302, "moved"),
                read,
                Idempotent,
                Fail,
            ),
            (
                "401",
                Error::AuthRejected {
                    message: "no".into(),
                },
                read,
                Idempotent,
                Fail,
            ),
            ("an HTML 2xx page", html, read, Idempotent, Fail),
            (
                "a 2xx body cut off on a read",
                bad_body(),
                body,
                Idempotent,
                retry(100),
            ),
            (
                "a 2xx body cut off on a create",
                bad_body(),
                body,
                RateLimitOnly,
                Fail,
            ),
            (
                "a 2xx the parser refused otherwise",
                state,
                body,
                Idempotent,
                Fail,
            ),
        ];
        for (what, error, unreadable, policy, want) in &rows {
            let failed = if *unreadable {
                Failed::Unreadable(error)
            } else {
                Failed::Error(error)
            };
            let mut tries = Tries::default();
            let got = decide(failed, *policy, &options(), &mut tries, MS(10_000), || {
                Some(MS(100))
            });
            assert_eq!(got, *want, "{what}");
            // What `is_retryable` says of an error answer agrees with a read's decision (a 429
            // is retryable; whether its wait fits is the budget's call).
            if !unreadable && !matches!(error, Error::RateLimited { .. }) {
                let mut fresh = Tries::default();
                let on_read = decide(
                    failed,
                    Idempotent,
                    &options(),
                    &mut fresh,
                    MS(10_000),
                    || Some(MS(100)),
                );
                assert_eq!(error.is_retryable(), on_read != Fail, "{what}");
            }
        }
    }

    /// The counts bound the retries; a wait past the budget, or an exhausted backoff, fails.
    #[test]
    fn counts_budgets_and_backoff_bound_the_retries() {
        let o = options();
        let limit = limited(Some(100));
        let down = Error::upstream(503, "down");
        let mut tries = Tries::default();
        for _ in 0..2 {
            let d = decide(
                Failed::Error(&limit),
                RetryPolicy::Idempotent,
                &o,
                &mut tries,
                MS(10_000),
                || None,
            );
            assert_eq!(d, Decision::Retry { wait: MS(100) });
        }
        assert_eq!(tries.rate_limited, 2);
        let d = decide(
            Failed::Error(&limit),
            RetryPolicy::Idempotent,
            &o,
            &mut tries,
            MS(10_000),
            || None,
        );
        assert_eq!(d, Decision::Fail, "the third 429 retry is one too many");
        // 429s and other failures are counted apart.
        for _ in 0..2 {
            let d = decide(
                Failed::Error(&down),
                RetryPolicy::Idempotent,
                &o,
                &mut tries,
                MS(10_000),
                || Some(MS(50)),
            );
            assert_eq!(d, Decision::Retry { wait: MS(50) });
        }
        let d = decide(
            Failed::Error(&down),
            RetryPolicy::Idempotent,
            &o,
            &mut tries,
            MS(10_000),
            || Some(MS(50)),
        );
        assert_eq!(d, Decision::Fail);
        let fresh = &mut Tries::default();
        let cases: [(&Error, Duration, Option<Duration>); 4] = [
            (&limit, MS(99), None),        // Retry-After past the budget
            (&down, MS(49), Some(MS(50))), // backoff past the budget
            (&down, MS(10_000), None),     // backoff exhausted
            (&limited(None), MS(10_000), Some(Duration::MAX)), // huge backoff: past max_retry_after
        ];
        for (e, remaining, next) in cases {
            let d = decide(
                Failed::Error(e),
                RetryPolicy::Idempotent,
                &o,
                fresh,
                remaining,
                || next,
            );
            assert_eq!(d, Decision::Fail, "{e} within {remaining:?}");
        }
        assert_eq!(*fresh, Tries::default(), "failed decisions count nothing");
    }
}

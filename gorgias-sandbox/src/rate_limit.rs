//! The per-account leaky bucket: each request adds 1; the level leaks at `capacity / window`
//! per second; a request that would overflow is refused with a `Retry-after`.

use crate::auth::AuthKind;
use crate::options::RateLimitOptions;
use std::time::Instant;

/// The outcome for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Allowed: `used` of `limit` after this request.
    Allowed {
        /// Used slots (ceil of the level).
        used: u32,
        /// Capacity.
        limit: u32,
        /// Level after the request.
        level: f64,
    },
    /// Refused: wait `retry_after` seconds.
    Limited {
        /// Whole seconds until one slot frees (at least 1).
        retry_after: u64,
        /// Capacity.
        limit: u32,
        /// Level (full).
        level: f64,
    },
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    last: Option<Instant>,
}

/// The buckets of one account: one per auth kind (Basic and Bearer have different capacities
/// and leak rates, so they cannot share a level).
#[derive(Debug)]
pub struct AccountBuckets {
    buckets: [Bucket; 2],
}

impl Default for AccountBuckets {
    fn default() -> Self {
        Self {
            buckets: [Bucket {
                level: 0.0,
                last: None,
            }; 2],
        }
    }
}

impl AccountBuckets {
    /// Takes one slot for a request made at `now`.
    pub fn acquire(&mut self, kind: AuthKind, now: Instant, opts: &RateLimitOptions) -> Decision {
        let cap = match kind {
            AuthKind::Basic => opts.basic_capacity,
            AuthKind::Bearer => opts.bearer_capacity,
        }
        .max(1);
        let b = &mut self.buckets[kind as usize];
        let rate = f64::from(cap) / opts.window.as_secs_f64().max(1e-6);
        // A request that raced past another before taking this lock drains nothing and does
        // not move the clock back (which would drain the same time twice).
        let now = b.last.map_or(now, |last| last.max(now));
        if let Some(last) = b.last {
            let elapsed = now.saturating_duration_since(last).as_secs_f64();
            b.level = (b.level - elapsed * rate).max(0.0);
        }
        b.last = Some(now);
        if b.level + 1.0 <= f64::from(cap) + 1e-9 {
            b.level += 1.0;
            Decision::Allowed {
                used: (b.level - 1e-9).ceil().max(1.0) as u32,
                limit: cap,
                level: b.level,
            }
        } else {
            let wait = (b.level + 1.0 - f64::from(cap)) / rate;
            Decision::Limited {
                retry_after: (wait.ceil() as u64).max(1),
                limit: cap,
                level: b.level,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fills_refuses_and_leaks() {
        let opts = RateLimitOptions::default();
        let mut b = AccountBuckets::default();
        let t0 = Instant::now();
        for i in 1..=40 {
            match b.acquire(AuthKind::Basic, t0, &opts) {
                Decision::Allowed { used, limit, .. } => assert_eq!((used, limit), (i, 40)),
                d => panic!("{d:?}"),
            }
        }
        assert!(matches!(
            b.acquire(AuthKind::Basic, t0, &opts),
            Decision::Limited { retry_after: 1, .. }
        ));
        // Bearer has its own bucket.
        assert!(matches!(
            b.acquire(AuthKind::Bearer, t0, &opts),
            Decision::Allowed {
                used: 1,
                limit: 80,
                ..
            }
        ));
        // Two slots leak per second.
        let t1 = t0 + Duration::from_secs(1);
        assert!(matches!(
            b.acquire(AuthKind::Basic, t1, &opts),
            Decision::Allowed { used: 39, .. }
        ));
    }

    #[test]
    fn a_late_instant_does_not_drain_twice() {
        let opts = RateLimitOptions::default();
        let mut b = AccountBuckets::default();
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        for _ in 0..40 {
            b.acquire(AuthKind::Basic, t0, &opts);
        }
        // Two slots leaked by t1; a request stamped before t1 but let in after it must not
        // rewind the clock so that the next one at t1 drains the same second again.
        b.acquire(AuthKind::Basic, t1, &opts);
        b.acquire(AuthKind::Basic, t0, &opts);
        assert!(matches!(
            b.acquire(AuthKind::Basic, t1, &opts),
            Decision::Limited { .. }
        ));
    }
}

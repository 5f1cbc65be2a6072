//! The pacer of one account: a pure, synchronous state machine deciding when each request may
//! be sent. It never sleeps and never reads a clock: every input carries `now`, and
//! [`Pacer::reserve`] answers with the instant the caller must wait for. The client keeps one
//! `Mutex<Pacer>` per account and sleeps with `tokio::time::sleep_until`; tests drive the
//! pacer with instants they make up (or under tokio's paused clock), so nothing is timed.
//!
//! Time is [`tokio::time::Instant`]: a plain value here (the pacer only compares and adds
//! them), and the type the client's `sleep_until` takes, so a paused tokio clock drives the
//! client and the pacer alike.
//!
//! What it does, from the declared [`RateLimit`] (a leaky bucket of `requests` per `window`):
//!
//! * **GCRA**: requests go at the declared leak rate, one *leak interval* (`window /
//!   requests`) apart, after a burst of `requests − 1`: one slot is kept spare, because a GCRA
//!   exactly as large as the server's bucket fills it exactly, and a request that reaches the
//!   server a few milliseconds early after a slow one is refused. [`Pacer::reserve`] books the
//!   slot it returns, so concurrent callers get distinct slots instead of racing after a
//!   wake-up.
//! * **Contention** (another client on the account's bucket): a level, at most
//!   [`MAX_CONTENTION`], raised by each 429 ([`Pacer::rate_limited`]) and, at most once a
//!   window, by a usage header showing [`EXTERNAL_MARGIN`] or more requests beyond the
//!   pacer's own count of its requests in the bucket (leaking at the declared rate;
//!   [`Pacer::sent`] counts them), so a lone client at the top of its burst is not taken for a
//!   crowd. At level `n`, while the bucket (as the pacer sees it) is above [`SHARED_TARGET`]
//!   of its capacity, requests go `(1 + n)` leak intervals apart, and below it at the
//!   declared rate: the hosts sharing the account keep the bucket about half full, never
//!   empty (an empty bucket is budget lost) and never full (a full one draws 429s). The level
//!   falls by one per full window without a signal; for two windows after the last signal the
//!   same rule holds at level 0 (one leak interval apart above the target), so no saved-up
//!   burst is spent into a bucket another client still uses.
//! * **The header's bucket, not only its own**: the usage header says how full the account's
//!   bucket is; the GCRA is raised to at least that level (less [`SYNC_SLACK`] for requests of
//!   this client the header may not count yet), so a pacer that saved up a burst while another
//!   client filled the bucket does not spend it into a full bucket.
//! * **A full bucket** (the header reports `used >= limit`, 429s included): no request starts
//!   for one leak interval.
//!
//! Without a limit (or with a zero one) the pacer is off: [`Pacer::reserve`] answers `now`.

use std::time::Duration;

use connector_sdk::RateLimit;

/// The pacer's clock type (see the module docs).
pub type Instant = tokio::time::Instant;

/// The highest contention level: the client then sends at a fifth of the declared rate.
pub const MAX_CONTENTION: u32 = 4;

/// Requests in the account's bucket beyond the pacer's own count, as the usage header reports
/// it, that mean another client shares the bucket. Above the header's rounding (one) and this
/// client's requests in flight when the header was written.
pub const EXTERNAL_MARGIN: f64 = 3.0;

/// Requests the usage header may not count yet when the pacer reads it (its own requests in
/// flight, the header's rounding): the GCRA is raised to the reported level less this.
pub const SYNC_SLACK: f64 = 3.0;

/// Under contention, the share of the bucket below which requests still go at the declared
/// rate (the GCRA alone); above it they are spaced by the contention level.
pub const SHARED_TARGET: f64 = 0.5;

/// The declared limit as the pacer uses it.
#[derive(Debug, Clone, Copy)]
struct Limit {
    /// One leak interval: `window / requests`.
    interval: Duration,
    /// The window.
    window: Duration,
    /// The GCRA's tolerance: `interval × (burst − 1)`, burst = `requests − 1` (one spare).
    tolerance: Duration,
    /// Requests in the bucket below which contention does not space requests.
    target: f64,
}

/// The pacer of one account (see the module docs).
#[derive(Debug, Clone)]
pub struct Pacer {
    limit: Option<Limit>,
    /// The GCRA's theoretical arrival time: the bucket, as this pacer sees it, holds
    /// `(tat − now) / interval` requests.
    tat: Instant,
    /// No request starts before this (a bucket reported full).
    hold_until: Instant,
    level: u32,
    /// The last raise, or the last step down.
    last_change: Instant,
    /// The last raise on the usage signal (at most one a window).
    last_usage_raise: Option<Instant>,
    /// The last raise on any signal.
    last_signal: Option<Instant>,
    /// Under contention, the next free slot.
    next_slot: Instant,
    /// This client's own requests in the account's bucket, leaking at the declared rate.
    own: f64,
    own_at: Instant,
}

/// What a usage header changed, for the client's counters and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    /// The header showed another client's requests: the level rose.
    pub raised: bool,
    /// The header reported the bucket full: requests hold one leak interval.
    pub full: bool,
}

impl Pacer {
    /// A pacer for `limit` (`None`, zero requests or a zero window: off), starting at `now`
    /// with an empty bucket.
    pub fn new(limit: Option<&RateLimit>, now: Instant) -> Self {
        let limit = limit.and_then(|l| {
            let requests = l.requests;
            let window = l.window();
            let interval = window.checked_div(requests)?;
            if interval.is_zero() {
                return None;
            }
            let burst = requests.saturating_sub(1).max(1);
            Some(Limit {
                interval,
                window,
                tolerance: interval.saturating_mul(burst - 1),
                target: f64::from(requests) * SHARED_TARGET,
            })
        });
        Pacer {
            limit,
            tat: now,
            hold_until: now,
            level: 0,
            last_change: now,
            last_usage_raise: None,
            last_signal: None,
            next_slot: now,
            own: 0.0,
            own_at: now,
        }
    }

    /// Whether the pacer paces at all (a declared, non-zero limit).
    pub fn is_paced(&self) -> bool {
        self.limit.is_some()
    }

    /// Books the next slot for a request asked for at `now` and returns when it may be sent
    /// (`now` or later). Every call books a distinct slot.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let Some(limit) = self.limit else {
            return now;
        };
        self.decay(now, limit);
        let gcra = self.tat.checked_sub(limit.tolerance).unwrap_or(now);
        let mut slot = now.max(self.hold_until).max(gcra);
        let calm = self
            .last_signal
            .is_none_or(|t| now.saturating_duration_since(t) >= limit.window.saturating_mul(2));
        if self.level > 0 || !calm {
            // Spaced, but not past the instant the bucket (as seen) falls below the target.
            let ahead = Duration::try_from_secs_f64(limit.interval.as_secs_f64() * limit.target)
                .unwrap_or(Duration::MAX);
            let below = self.tat.checked_sub(ahead).unwrap_or(now);
            slot = slot.max(self.next_slot.min(below));
            let next = add(slot, limit.interval.saturating_mul(1 + self.level));
            self.next_slot = self.next_slot.max(next);
        }
        self.tat = add(self.tat.max(slot), limit.interval);
        slot
    }

    /// A request of this client was sent at `now`: it counts into the pacer's view of its own
    /// requests in the account's bucket.
    pub fn sent(&mut self, now: Instant) {
        let Some(limit) = self.limit else { return };
        self.leak_own(now, limit);
        self.own += 1.0;
    }

    /// A response at `now` carried the usage header: `used` of `limit` requests in the
    /// account's bucket. Raises the level when the header shows [`EXTERNAL_MARGIN`] or more
    /// requests beyond the pacer's own (at most once a window), raises the GCRA to the
    /// reported level, and holds one leak interval when the bucket is full.
    pub fn usage(&mut self, now: Instant, used: u32, limit: u32) -> Seen {
        let Some(lim) = self.limit else {
            return Seen::default();
        };
        self.decay(now, lim);
        self.leak_own(now, lim);
        let mut seen = Seen::default();
        let external = f64::from(used) - self.own;
        let due = self
            .last_usage_raise
            .is_none_or(|t| now.saturating_duration_since(t) >= lim.window);
        if external >= EXTERNAL_MARGIN && due {
            self.raise(now);
            self.last_usage_raise = Some(now);
            seen.raised = true;
        }
        let level = (f64::from(used) - SYNC_SLACK).max(0.0);
        let ahead = Duration::try_from_secs_f64(lim.interval.as_secs_f64() * level)
            .unwrap_or(Duration::MAX);
        let floor = add(now, ahead);
        self.tat = self.tat.max(floor);
        if used >= limit {
            self.hold_until = self.hold_until.max(add(now, lim.interval));
            seen.full = true;
        }
        seen
    }

    /// The server refused a request with 429 at `now`: one level up (from where the level
    /// last stood, without the decay of quiet windows in between: a 429 after a calm means the
    /// other client is back). Returns whether the level was raised (false when unpaced).
    pub fn rate_limited(&mut self, now: Instant) -> bool {
        if self.limit.is_none() {
            return false;
        }
        self.raise(now);
        true
    }

    /// The contention level at `now` (0: the client seems alone on the account).
    pub fn level(&self, now: Instant) -> u32 {
        let Some(limit) = self.limit else { return 0 };
        self.level
            .saturating_sub(quiet_windows(self.last_change, now, limit.window))
    }

    fn raise(&mut self, now: Instant) {
        self.level = (self.level + 1).min(MAX_CONTENTION);
        self.last_change = now;
        self.last_signal = Some(now);
    }

    /// Lowers the level by one per full window without a signal.
    fn decay(&mut self, now: Instant, limit: Limit) {
        let steps = quiet_windows(self.last_change, now, limit.window).min(self.level);
        if steps > 0 {
            self.level -= steps;
            self.last_change = add(self.last_change, limit.window.saturating_mul(steps));
        }
    }

    /// Leaks the own count to `now` at one request per leak interval.
    fn leak_own(&mut self, now: Instant, limit: Limit) {
        let elapsed = now.saturating_duration_since(self.own_at);
        let leaked = elapsed.as_secs_f64() / limit.interval.as_secs_f64();
        self.own = (self.own - leaked).max(0.0);
        self.own_at = self.own_at.max(now);
    }
}

/// Full windows from `since` to `now`, saturating at `u32::MAX`.
fn quiet_windows(since: Instant, now: Instant, window: Duration) -> u32 {
    let elapsed = now.saturating_duration_since(since).as_nanos();
    let n = elapsed.checked_div(window.as_nanos()).unwrap_or(0);
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `t + d`, saturating at about thirty years after `t` (an `Instant` cannot hold every sum).
fn add(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(86_400 * 365 * 30)))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::limit;

    /// An input of a table row.
    #[derive(Debug, Clone, Copy)]
    enum Signal {
        /// `reserve`: the expected answer is the slot, in ms from the start.
        Reserve,
        /// `sent`.
        Sent,
        /// `usage(used, limit)`.
        Usage(u32, u32),
        /// `rate_limited`.
        Limited,
        /// Nothing: only the level is checked.
        Look,
    }
    use Signal::{Limited, Look, Reserve, Sent, Usage};

    /// What a row expects back (besides the level after it).
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Want {
        /// A slot, in ms from the start.
        Slot(u64),
        /// A usage header's effect.
        Seen { raised: bool, full: bool },
        /// Whether a 429 raised the level.
        Raised(bool),
        /// Nothing to check but the level.
        Level,
    }
    use Want::{Level, Raised, Seen as S, Slot};

    /// No signal of another client, and not a full bucket.
    const QUIET: Want = S {
        raised: false,
        full: false,
    };
    /// The level rose.
    const RAISED: Want = S {
        raised: true,
        full: false,
    };

    /// Gorgias with an API key: 40 per 20 s, a leak interval of 500 ms.
    fn gorgias() -> Option<RateLimit> {
        Some(limit(40, 20_000))
    }

    /// `n` copies of a row.
    fn times(n: usize, row: (u64, Signal, Want, u32)) -> Vec<(u64, Signal, Want, u32)> {
        vec![row; n]
    }

    /// Runs rows of (ms from the start, signal, expected answer, expected level after it) on a
    /// fresh pacer for `limit`: injected instants, no clock, no sleeping.
    fn run(name: &str, limit: Option<RateLimit>, rows: &[(u64, Signal, Want, u32)]) {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(limit.as_ref(), t0);
        for (i, &(at, signal, want, level)) in rows.iter().enumerate() {
            let now = t0 + Duration::from_millis(at);
            let got = match signal {
                Reserve => Slot((pacer.reserve(now) - t0).as_millis() as u64),
                Sent => {
                    pacer.sent(now);
                    Level
                }
                Usage(used, limit) => {
                    let s = pacer.usage(now, used, limit);
                    S {
                        raised: s.raised,
                        full: s.full,
                    }
                }
                Limited => Raised(pacer.rate_limited(now)),
                Look => Level,
            };
            if want != Level {
                assert_eq!(got, want, "{name}: row {i} ({at} ms, {signal:?})");
            }
            assert_eq!(
                pacer.level(now),
                level,
                "{name}: level after row {i} ({at} ms, {signal:?})"
            );
        }
    }

    /// A burst of capacity − 1, then one leak interval apart; a drained bucket bursts again.
    #[test]
    fn burst_of_capacity_minus_one_then_even_spacing() {
        // 4 per 400 ms: a leak interval of 100 ms, a burst of 3.
        let mut rows = times(3, (0, Reserve, Slot(0), 0));
        rows.extend([
            (0, Reserve, Slot(100), 0),
            (0, Reserve, Slot(200), 0),
            (150, Reserve, Slot(300), 0),
            // Drained by 1000 ms: a burst of 3 again.
            (1000, Reserve, Slot(1000), 0),
            (1000, Reserve, Slot(1000), 0),
            (1000, Reserve, Slot(1000), 0),
            (1000, Reserve, Slot(1100), 0),
        ]);
        run("4 per 400 ms", Some(limit(4, 400)), &rows);
    }

    /// Gorgias's bucket holds 40: the pacer bursts 39 and keeps the 40th slot spare.
    #[test]
    fn the_spare_slot() {
        let mut rows = times(39, (0, Reserve, Slot(0), 0));
        rows.extend([(0, Reserve, Slot(500), 0), (0, Reserve, Slot(1000), 0)]);
        run("40 per 20 s", gorgias(), &rows);
    }

    /// A lone client at the top of its burst sees only its own requests in the header (and up
    /// to two more: the header's rounding, a request in flight): not contention. Three more is.
    #[test]
    fn own_requests_in_the_usage_header_are_not_contention() {
        let mut rows = Vec::new();
        for used in 1..=39 {
            rows.push((0, Sent, Level, 0));
            rows.push((0, Usage(used + 2, 80), QUIET, 0));
        }
        rows.push((0, Usage(39 + 3, 80), RAISED, 1));
        run("own requests", gorgias(), &rows);
    }

    /// Requests beyond the pacer's own in the header raise the level at most once a window;
    /// while they persist the level holds, and it falls once they stop.
    #[test]
    fn usage_beyond_own_count_raises_at_most_once_a_window() {
        run(
            "usage raises",
            gorgias(),
            &[
                (0, Usage(5, 40), RAISED, 1),
                (100, Usage(30, 40), QUIET, 1),
                (19_999, Usage(30, 40), QUIET, 1),
                // A window later: the quiet window lowers it, the header raises it again.
                (20_100, Usage(30, 40), RAISED, 1),
                (40_099, Look, Level, 1),
                (40_100, Look, Level, 0),
            ],
        );
    }

    /// Each 429 raises one level, up to `MAX_CONTENTION`.
    #[test]
    fn each_429_raises_one_level_up_to_the_maximum() {
        let mut rows: Vec<_> = (1..=MAX_CONTENTION)
            .map(|level| (0, Limited, Raised(true), level))
            .collect();
        rows.extend(times(3, (10, Limited, Raised(true), MAX_CONTENTION)));
        run("429s", gorgias(), &rows);
    }

    /// At level `n`, while the bucket (as the header shows it) is above half, requests go
    /// `(1 + n)` leak intervals apart; once it is back at half, at the declared rate.
    #[test]
    fn contention_spaces_requests_above_half_the_bucket() {
        run(
            "spacing",
            gorgias(),
            &[
                (0, Limited, Raised(true), 1),
                (0, Limited, Raised(true), 2),
                // 38 in the bucket, none of them this client's: level 3, and the pacer's
                // bucket holds 35 (the slack of 3 for its own requests in flight).
                (0, Usage(38, 40), RAISED, 3),
                (0, Reserve, Slot(0), 3),
                (0, Reserve, Slot(2_000), 3),
                (0, Reserve, Slot(4_000), 3),
                (0, Reserve, Slot(6_000), 3),
                (0, Reserve, Slot(8_000), 3),
                // Leaked down to 20 by 10 s: one leak interval apart from there.
                (0, Reserve, Slot(10_000), 3),
                (0, Reserve, Slot(10_500), 3),
                (0, Reserve, Slot(11_000), 3),
            ],
        );
    }

    /// One level less per full window without a signal.
    #[test]
    fn decay_one_level_per_quiet_window() {
        run(
            "decay",
            gorgias(),
            &[
                (0, Limited, Raised(true), 1),
                (0, Limited, Raised(true), 2),
                (19_999, Look, Level, 2),
                (20_000, Look, Level, 1),
                (39_999, Reserve, Slot(39_999), 1),
                (40_000, Look, Level, 0),
                // A 429 raises from where the level stood at the last reserve or header (1),
                // not from its decayed value: a 429 after a calm means the other client is back.
                (50_000, Limited, Raised(true), 2),
                (69_999, Look, Level, 2),
                (70_000, Look, Level, 1),
            ],
        );
    }

    /// For two windows after the last signal, even at level 0, requests beyond half the bucket
    /// go at least one leak interval apart: no saved-up burst into a bucket the other client
    /// still uses. Then the whole burst is back.
    #[test]
    fn no_burst_beyond_half_the_bucket_for_two_windows_after_the_last_signal() {
        let mut rows = vec![(0, Limited, Raised(true), 1)];
        rows.extend(times(21, (20_000, Reserve, Slot(20_000), 0)));
        rows.extend([
            (20_000, Reserve, Slot(20_500), 0),
            (20_000, Reserve, Slot(21_000), 0),
            (39_999, Look, Level, 0),
        ]);
        // Two windows after the 429: the burst of 39 is back.
        rows.extend(times(39, (40_000, Reserve, Slot(40_000), 0)));
        rows.push((40_000, Reserve, Slot(40_500), 0));
        run("calm", gorgias(), &rows);
    }

    /// A bucket reported full holds new requests one leak interval, and only one.
    #[test]
    fn bucket_reported_full_holds_one_leak_interval() {
        run(
            "full",
            Some(limit(4, 400)),
            &[
                (0, Sent, Level, 0),
                (0, Sent, Level, 0),
                (
                    0,
                    Usage(4, 4),
                    S {
                        raised: false,
                        full: true,
                    },
                    0,
                ),
                (0, Reserve, Slot(100), 0),
                (0, Reserve, Slot(100), 0),
                (0, Reserve, Slot(100), 0),
                (0, Reserve, Slot(200), 0),
            ],
        );
    }

    /// The header's bucket level raises the pacer's own (less the slack): a pacer whose own
    /// burst is unspent does not spend it into a bucket the header shows nearly full.
    #[test]
    fn the_usage_header_fills_the_pacers_bucket() {
        let mut rows = times(38, (0, Sent, Level, 0));
        // 38 in the bucket, all its own: no contention, but 38 − 3 slots are taken.
        rows.push((0, Usage(38, 40), QUIET, 0));
        rows.extend(times(4, (0, Reserve, Slot(0), 0)));
        rows.push((0, Reserve, Slot(500), 0));
        // A low reading never lowers what the pacer booked.
        rows.push((0, Usage(1, 40), QUIET, 0));
        rows.push((0, Reserve, Slot(1000), 0));
        run("header sync", gorgias(), &rows);
    }

    /// Without a limit (or with a zero one) nothing waits and no signal counts.
    #[test]
    fn unpaced_never_waits() {
        let mut rows = times(100, (0, Reserve, Slot(0), 0));
        rows.extend([
            (0, Limited, Raised(false), 0),
            (0, Usage(40, 40), QUIET, 0),
            (0, Sent, Level, 0),
            (1, Reserve, Slot(1), 0),
        ]);
        run("no limit", None, &rows);
        run("zero requests", Some(limit(0, 20_000)), &rows);
        run("zero window", Some(limit(40, 0)), &rows);
    }

    /// Extreme limits and headers saturate instead of panicking.
    #[test]
    fn extreme_inputs_saturate() {
        let t0 = Instant::now();
        for l in [
            limit(1, u64::MAX),
            limit(u32::MAX, u64::MAX),
            limit(u32::MAX, 1),
        ] {
            let mut p = Pacer::new(Some(&l), t0);
            for i in 0..5 {
                let now = t0 + Duration::from_millis(i);
                let slot = p.reserve(now);
                assert!(slot >= now);
                p.sent(now);
                p.usage(now, u32::MAX, u32::MAX);
                p.rate_limited(now);
                p.reserve(now);
                let _ = p.level(now);
            }
        }
    }
}

//! `limits::*` (harnesses that log request instants, connectors that declare a rate limit):
//! a full read of every stream stays within the declared budget and draws no 429.

use std::time::Duration;

use connector_host::airbyte::{ConfiguredCatalog, MessageWriter};
use connector_host::{ReadOptions, read};
use connector_sdk::{RateLimit, State};

use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::support::{self, Session};
use crate::{Check, Plan};

/// How far over its capacity the simulated bucket may go before a request counts as over the
/// limit: a fraction of one request, for clock jitter between the connector and the backend.
pub const TOLERANCE: f64 = 0.5;

/// Where a request log first overflows a leaky bucket of `capacity` requests that drains
/// `capacity` per `window` (the SDK's `RateLimit`: "requests per window, also the burst").
/// Returns `(request index, bucket level)` of the first overflow beyond [`TOLERANCE`].
pub fn bucket_overflow(
    instants: &[Duration],
    capacity: u32,
    window: Duration,
) -> Option<(usize, f64)> {
    let cap = f64::from(capacity);
    let rate = cap / window.as_secs_f64().max(f64::MIN_POSITIVE);
    let mut level = 0.0f64;
    let mut last: Option<Duration> = None;
    for (i, t) in instants.iter().enumerate() {
        if let Some(l) = last {
            level = (level - t.saturating_sub(l).as_secs_f64() * rate).max(0.0);
        }
        level += 1.0;
        last = Some(*t);
        if level > cap + TOLERANCE {
            return Some((i, level));
        }
    }
    None
}

/// The largest number of requests within any span of `window` (both ends included).
pub fn max_in_window(instants: &[Duration], window: Duration) -> usize {
    let mut best = 0;
    let mut start = 0;
    for end in 0..instants.len() {
        while instants[end].saturating_sub(instants[start]) > window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

/// The rate limit declared for the valid config's auth scheme (else the one for every scheme).
pub(crate) fn limit_for(session: &Session) -> Result<RateLimit, Failure> {
    let spec = session.spec();
    let scheme = support::auth_kind(spec, &session.config).map(|k| k.scheme);
    let limit = match scheme {
        Some(s) => spec.rate_limit_for(s),
        None => spec.rate_limits.iter().find(|r| r.auth_scheme.is_none()),
    };
    limit.cloned().ok_or_else(|| {
        Failure::new(format!(
            "no declared rate limit applies to the valid config's auth scheme {scheme:?}"
        ))
    })
}

/// `limits::full_read_within_rate_limit`: over a full read of every stream (the host's read, four
/// streams at once), the backend's request log never overflows the declared leaky bucket (with
/// the window the backend enforces, [`crate::Backend::rate_limit_window`]), and the backend sent
/// no 429 when it counts them.
pub async fn full_read_within_rate_limit(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let limit = limit_for(&session)?;
    let window = session.backend.rate_limit_window(limit.window());
    let connector = session.connect()?;
    let Some(before) = session.backend.request_instants().await else {
        fail!(
            "the harness declares `logs_request_instants` but Backend::request_instants returned None"
        );
    };
    let limited_before = if session.caps.counts_rate_limited {
        session.backend.rate_limited().await
    } else {
        None
    };
    let catalog = ConfiguredCatalog::all(session.spec());
    let summary = support::on_own_thread(move || async move {
        let mut sink = MessageWriter::new(std::io::sink());
        read(
            connector.as_ref(),
            &catalog,
            &State::new(),
            &ReadOptions::default(),
            &mut sink,
            &mut std::io::sink(),
        )
        .await
    })
    .await?
    .map_err(|e| Failure::new(format!("the full read failed: {e}")))?;
    ensure!(
        summary.succeeded(),
        "the full read failed:\n{}",
        summary.render()
    );
    let Some(all) = session.backend.request_instants().await else {
        fail!("Backend::request_instants returned None");
    };
    let log: Vec<Duration> = all.get(before.len()..).unwrap_or_default().to_vec();
    ensure!(
        !log.is_empty(),
        "the full read of {} records logged no request: is the request log wired?",
        summary.records()
    );
    ensure!(
        log.windows(2).all(|w| w[0] <= w[1]),
        "Backend::request_instants is not in arrival order"
    );
    if let Some((i, level)) = bucket_overflow(&log, limit.requests, window) {
        fail!(
            "request #{i} of {} overflowed the declared budget of {} requests per {:?}: the bucket held {level:.2} (at most {} requests arrived within one window)",
            log.len(),
            limit.requests,
            window,
            max_in_window(&log, window)
        );
    }
    if session.caps.counts_rate_limited {
        let (Some(b), Some(a)) = (limited_before, session.backend.rate_limited().await) else {
            fail!(
                "the harness declares `counts_rate_limited` but Backend::rate_limited returned None"
            );
        };
        ensure!(
            a == b,
            "the backend answered {} request(s) with 429 during the full read",
            a - b
        );
    }
    Ok(())
}

/// The family name.
pub const FAMILY: &str = "limits";

/// The `limits::*` checks: when the harness logs request instants and the spec declares rate
/// limits.
pub fn register(plan: &Plan) -> Vec<Check> {
    if plan.capabilities.logs_request_instants && !plan.spec.rate_limits.is_empty() {
        vec![plain!(
            FAMILY,
            "full_read_within_rate_limit",
            full_read_within_rate_limit
        )]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|m| Duration::from_millis(*m)).collect()
    }

    #[test]
    fn a_burst_of_capacity_fits_one_more_does_not() {
        let w = Duration::from_secs(1);
        assert_eq!(bucket_overflow(&ms(&[0, 0, 0, 0]), 4, w), None);
        assert_eq!(
            bucket_overflow(&ms(&[0, 0, 0, 0, 0]), 4, w).map(|o| o.0),
            Some(4)
        );
        // After a full burst, one request per leak interval fits.
        assert_eq!(
            bucket_overflow(&ms(&[0, 0, 0, 0, 250, 500, 750]), 4, w),
            None
        );
        assert_eq!(
            bucket_overflow(&ms(&[0, 0, 0, 0, 200, 250]), 4, w).map(|o| o.0),
            Some(5)
        );
        assert_eq!(max_in_window(&ms(&[0, 10, 1000, 1011]), w), 3);
    }
}

//! Introspection: per-account request counters and a bounded, time-ordered log of request
//! instants (so a test can check "never more than N requests in any window").

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// How many request instants each account keeps.
pub const LOG_CAPACITY: usize = 100_000;

/// A snapshot of every account's statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Per subdomain.
    pub accounts: BTreeMap<String, AccountStats>,
    /// Requests refused before an account was known (bad credentials, unknown host).
    pub unauthenticated: u64,
}

impl Stats {
    /// One account's statistics (empty when it saw no request).
    pub fn account(&self, subdomain: &str) -> AccountStats {
        self.accounts.get(subdomain).cloned().unwrap_or_default()
    }
}

/// One account's statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountStats {
    /// Authenticated `/api` requests.
    pub total_requests: u64,
    /// Requests per `"<METHOD> <route template>"`, e.g. `"GET /api/tickets/{id}"`.
    pub requests_by_route: BTreeMap<String, u64>,
    /// Responses per status code.
    pub responses_by_status: BTreeMap<u16, u64>,
    /// 429s sent (by the bucket or by an injected burst).
    pub rate_limited: u64,
    /// Faults injected.
    pub faults_injected: u64,
    /// Faults injected per kind.
    pub faults_by_kind: BTreeMap<String, u64>,
    /// Highest bucket level seen (in requests).
    pub max_bucket_level: f64,
    /// Arrival instants of the last requests, since the sandbox started, oldest first
    /// (at most [`LOG_CAPACITY`]). Serialised as milliseconds.
    #[serde(with = "millis")]
    pub request_log: Vec<Duration>,
    /// OAuth2 endpoint requests per `"<METHOD> <path>[ <grant_type>]"`, e.g.
    /// `"POST /oauth/token refresh_token"` (not counted in `total_requests`: they are not
    /// `/api` requests).
    #[serde(default)]
    pub oauth_requests: BTreeMap<String, u64>,
}

impl AccountStats {
    /// The largest number of logged requests that arrived within any span of `window`
    /// (inclusive of both ends).
    pub fn max_requests_in_window(&self, window: Duration) -> usize {
        let log = &self.request_log;
        let mut best = 0;
        let mut start = 0;
        for end in 0..log.len() {
            while log[end].saturating_sub(log[start]) > window {
                start += 1;
            }
            best = best.max(end - start + 1);
        }
        best
    }

    /// Requests seen for one route key, e.g. `"GET /api/tickets"`.
    pub fn route(&self, key: &str) -> u64 {
        self.requests_by_route.get(key).copied().unwrap_or(0)
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(v: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|d| d.as_secs_f64() * 1000.0))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        let v: Vec<f64> = Vec::deserialize(d)?;
        Ok(v.into_iter()
            .map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0))
            .collect())
    }
}

/// The live counters of one account.
#[derive(Debug, Default)]
pub struct Recorder {
    stats: AccountStats,
    log: VecDeque<Duration>,
}

impl Recorder {
    /// Records one request.
    pub fn request(&mut self, route: &str, at: Duration) {
        self.stats.total_requests += 1;
        *self
            .stats
            .requests_by_route
            .entry(route.to_owned())
            .or_default() += 1;
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(at);
    }

    /// Records one OAuth2 endpoint request.
    pub fn oauth(&mut self, key: &str) {
        *self.stats.oauth_requests.entry(key.to_owned()).or_default() += 1;
    }

    /// Records the response status.
    pub fn status(&mut self, status: u16) {
        *self.stats.responses_by_status.entry(status).or_default() += 1;
        if status == 429 {
            self.stats.rate_limited += 1;
        }
    }

    /// Records an injected fault.
    pub fn fault(&mut self, name: &str) {
        self.stats.faults_injected += 1;
        *self
            .stats
            .faults_by_kind
            .entry(name.to_owned())
            .or_default() += 1;
    }

    /// Records a bucket level.
    pub fn level(&mut self, level: f64) {
        if level > self.stats.max_bucket_level {
            self.stats.max_bucket_level = level;
        }
    }

    /// A snapshot.
    pub fn snapshot(&self) -> AccountStats {
        let mut s = self.stats.clone();
        s.request_log = self.log.iter().copied().collect();
        s
    }

    /// Clears everything.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_count() {
        let s = AccountStats {
            request_log: [0, 100, 200, 1000, 1050, 1100, 1150]
                .iter()
                .map(|m| Duration::from_millis(*m))
                .collect(),
            ..AccountStats::default()
        };
        assert_eq!(s.max_requests_in_window(Duration::from_millis(150)), 4);
        assert_eq!(s.max_requests_in_window(Duration::from_millis(200)), 4);
        assert_eq!(s.max_requests_in_window(Duration::from_secs(2)), 7);
    }
}

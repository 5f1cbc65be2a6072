//! Fault injection: a plan of rules, each matching requests by account, method and path
//! prefix, firing by probability (seeded), every Nth matching request, or on given request
//! numbers, and injecting one kind of fault.
//!
//! ```json
//! {
//!   "seed": 7,
//!   "rules": [
//!     { "account": "acme", "route_prefix": "/api/tickets", "method": "GET",
//!       "trigger": { "every_nth": 3 },
//!       "fault": { "type": "status", "status": 503 },
//!       "max_times": 10 }
//!   ]
//! }
//! ```
//! Triggers: `{"probability": 0.2}`, `{"every_nth": 3}`, `{"on_requests": [1, 4]}` (1-based
//! numbers of matching requests), `"always"`. Faults: `{"type":"status","status":500}`,
//! `{"type":"rate_limit_burst","count":3,"retry_after_secs":1}`,
//! `{"type":"connection_reset","after_bytes":64}`,
//! `{"type":"truncated_json","keep_fraction":0.5}`, `{"type":"malformed_json"}`,
//! `{"type":"slow","delay_ms":1500}`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The whole plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Seed of probability triggers.
    #[serde(default)]
    pub seed: u64,
    /// Rules, checked in order; the first that fires wins.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// A plan with one rule.
    pub fn single(rule: FaultRule) -> Self {
        Self {
            seed: 0,
            rules: vec![rule],
        }
    }

    /// Adds a rule.
    #[must_use]
    pub fn with_rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only this account (subdomain); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Only paths starting with this, e.g. `/api/tickets`; all `/api/` paths when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_prefix: Option<String>,
    /// Only this method (case-insensitive); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// When it fires.
    pub trigger: FaultTrigger,
    /// What it does.
    pub fault: FaultKind,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_times: Option<u64>,
}

impl FaultRule {
    /// A rule for all requests.
    pub fn new(trigger: FaultTrigger, fault: FaultKind) -> Self {
        Self {
            account: None,
            route_prefix: None,
            method: None,
            trigger,
            fault,
            max_times: None,
        }
    }

    /// Restricts to one account.
    #[must_use]
    pub fn account(mut self, sub: impl Into<String>) -> Self {
        self.account = Some(sub.into());
        self
    }

    /// Restricts to a path prefix.
    #[must_use]
    pub fn route_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.route_prefix = Some(prefix.into());
        self
    }

    /// Restricts to a method.
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Caps the number of firings.
    #[must_use]
    pub fn max_times(mut self, n: u64) -> Self {
        self.max_times = Some(n);
        self
    }
}

/// When a rule fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTrigger {
    /// Every matching request.
    Always,
    /// Each matching request with this probability (seeded, so reproducible).
    Probability(f64),
    /// Every Nth matching request (N, 2N, ...).
    EveryNth(u64),
    /// These matching-request numbers (1-based).
    OnRequests(Vec<u64>),
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer this status (500, 502, 503, ...) with a JSON error body.
    Status {
        /// The status.
        status: u16,
    },
    /// Answer 429 to this request and the next `count - 1` matching ones.
    RateLimitBurst {
        /// Consecutive 429s.
        count: u32,
        /// `Retry-after` seconds.
        #[serde(default = "one")]
        retry_after_secs: u64,
    },
    /// Send the headers and the first bytes of the real body, then abort the connection.
    ConnectionReset {
        /// Bytes sent before the abort.
        #[serde(default = "default_after_bytes")]
        after_bytes: usize,
    },
    /// A 200 whose JSON body is cut short (with a matching `Content-Length`).
    TruncatedJson {
        /// Share of the body kept (0..1).
        #[serde(default = "half")]
        keep_fraction: f64,
    },
    /// A 200 whose body is not valid JSON.
    MalformedJson,
    /// Wait before answering normally.
    Slow {
        /// Delay in milliseconds.
        delay_ms: u64,
    },
}

fn one() -> u64 {
    1
}
fn default_after_bytes() -> usize {
    64
}
fn half() -> f64 {
    0.5
}

impl FaultKind {
    /// A short name for statistics.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Status { .. } => "status",
            FaultKind::RateLimitBurst { .. } => "rate_limit_burst",
            FaultKind::ConnectionReset { .. } => "connection_reset",
            FaultKind::TruncatedJson { .. } => "truncated_json",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::Slow { .. } => "slow",
        }
    }
}

#[derive(Debug)]
struct RuleState {
    matched: u64,
    fired: u64,
    burst_left: u32,
    rng: ChaCha8Rng,
}

/// The live plan and per-rule counters.
#[derive(Debug)]
pub struct FaultEngine {
    plan: FaultPlan,
    state: Vec<RuleState>,
}

impl FaultEngine {
    /// Starts a plan with fresh counters.
    pub fn new(plan: FaultPlan) -> Self {
        let state = (0..plan.rules.len())
            .map(|i| RuleState {
                matched: 0,
                fired: 0,
                burst_left: 0,
                rng: ChaCha8Rng::seed_from_u64(crate::datagen::mix(plan.seed, i as u64)),
            })
            .collect();
        Self { plan, state }
    }

    /// The plan.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// The fault to inject for a request, if any.
    pub fn decide(&mut self, account: &str, method: &str, path: &str) -> Option<FaultKind> {
        for (rule, st) in self.plan.rules.iter().zip(self.state.iter_mut()) {
            if rule.account.as_deref().is_some_and(|a| a != account)
                || rule
                    .route_prefix
                    .as_deref()
                    .is_some_and(|p| !path.starts_with(p))
                || rule
                    .method
                    .as_deref()
                    .is_some_and(|m| !m.eq_ignore_ascii_case(method))
            {
                continue;
            }
            st.matched += 1;
            if st.burst_left > 0 {
                st.burst_left -= 1;
                return Some(rule.fault.clone());
            }
            if rule.max_times.is_some_and(|m| st.fired >= m) {
                continue;
            }
            let fire = match &rule.trigger {
                FaultTrigger::Always => true,
                FaultTrigger::Probability(p) => st.rng.random_bool(p.clamp(0.0, 1.0)),
                FaultTrigger::EveryNth(n) => *n > 0 && st.matched % n == 0,
                FaultTrigger::OnRequests(ns) => ns.contains(&st.matched),
            };
            if fire {
                st.fired += 1;
                if let FaultKind::RateLimitBurst { count, .. } = rule.fault {
                    st.burst_left = count.saturating_sub(1);
                }
                return Some(rule.fault.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_round_trips() {
        let json = r#"{"seed":7,"rules":[{"account":"acme","route_prefix":"/api/tickets","trigger":{"every_nth":3},"fault":{"type":"status","status":503},"max_times":2},{"trigger":"always","fault":{"type":"rate_limit_burst","count":2}}]}"#;
        let plan: FaultPlan = serde_json::from_str(json).unwrap();
        assert_eq!(
            plan.rules[1].fault,
            FaultKind::RateLimitBurst {
                count: 2,
                retry_after_secs: 1
            }
        );
        let back: FaultPlan = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
        assert_eq!(plan, back);
    }

    #[test]
    fn every_nth_and_bursts() {
        let plan = FaultPlan::single(
            FaultRule::new(
                FaultTrigger::EveryNth(3),
                FaultKind::RateLimitBurst {
                    count: 2,
                    retry_after_secs: 1,
                },
            )
            .route_prefix("/api/tickets")
            .max_times(1),
        );
        let mut e = FaultEngine::new(plan);
        let got: Vec<bool> = (0..8)
            .map(|_| e.decide("acme", "GET", "/api/tickets").is_some())
            .collect();
        assert_eq!(got, [false, false, true, true, false, false, false, false]);
        assert!(e.decide("acme", "GET", "/api/users").is_none());
    }

    #[test]
    fn probability_is_seeded() {
        let plan = FaultPlan {
            seed: 3,
            rules: vec![FaultRule::new(
                FaultTrigger::Probability(0.3),
                FaultKind::MalformedJson,
            )],
        };
        let run = |plan: &FaultPlan| {
            let mut e = FaultEngine::new(plan.clone());
            (0..50)
                .map(|_| e.decide("a", "GET", "/api/x").is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(&plan), run(&plan));
    }
}

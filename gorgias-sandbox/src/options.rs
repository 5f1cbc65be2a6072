//! Start-up options: where to listen, the seed, the accounts and their data sizes, the rate
//! limit and the initial fault plan.

use crate::faults::FaultPlan;
use crate::oauth::OAuthOptions;
use std::net::SocketAddr;
use std::time::Duration;

/// Everything [`crate::Sandbox::start`] needs. `Default` gives one account (`acme`) with
/// [`DataSizes::default`], the documented rate limits and no faults, listening on a free
/// loopback port.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Address to listen on; default `127.0.0.1:0` (a free loopback port).
    pub bind: SocketAddr,
    /// Seed of all generated data and credentials.
    pub seed: u64,
    /// The accounts (subdomains) served, each with its own data, credentials and buckets.
    pub accounts: Vec<AccountOptions>,
    /// The leaky-bucket rate limit.
    pub rate_limit: RateLimitOptions,
    /// The OAuth2 endpoints (token lifetime, rotation, `expires_in`).
    pub oauth: OAuthOptions,
    /// Faults injected from the start (can be replaced at run time).
    pub faults: FaultPlan,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 42,
            accounts: vec![AccountOptions::new("acme")],
            rate_limit: RateLimitOptions::default(),
            oauth: OAuthOptions::default(),
            faults: FaultPlan::default(),
        }
    }
}

impl SandboxOptions {
    /// Sets the listen address.
    #[must_use]
    pub fn bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }

    /// Sets the seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Replaces the accounts.
    #[must_use]
    pub fn accounts(mut self, accounts: Vec<AccountOptions>) -> Self {
        self.accounts = accounts;
        self
    }

    /// Adds one account.
    #[must_use]
    pub fn account(mut self, account: AccountOptions) -> Self {
        self.accounts.push(account);
        self
    }

    /// Sets the data sizes of every account configured so far (call it after `accounts`).
    #[must_use]
    pub fn sizes(mut self, sizes: DataSizes) -> Self {
        for a in &mut self.accounts {
            a.sizes = sizes.clone();
        }
        self
    }

    /// Sets the rate-limit options.
    #[must_use]
    pub fn rate_limit(mut self, rate_limit: RateLimitOptions) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Turns the rate limit off.
    #[must_use]
    pub fn without_rate_limit(mut self) -> Self {
        self.rate_limit.enabled = false;
        self
    }

    /// Sets the rate-limit window (the bucket leaks `capacity / window`).
    #[must_use]
    pub fn rate_limit_window(mut self, window: Duration) -> Self {
        self.rate_limit.window = window;
        self
    }

    /// Sets the OAuth2 options.
    #[must_use]
    pub fn oauth(mut self, oauth: OAuthOptions) -> Self {
        self.oauth = oauth;
        self
    }

    /// Sets the initial fault plan.
    #[must_use]
    pub fn faults(mut self, faults: FaultPlan) -> Self {
        self.faults = faults;
        self
    }
}

/// One Gorgias account (a subdomain).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountOptions {
    /// The subdomain, e.g. `acme` for `acme.gorgias.com`.
    pub subdomain: String,
    /// How many records of each object to generate.
    pub sizes: DataSizes,
    /// Whether the account has Gorgias Voice (phone calls), and how it answers without.
    pub voice: Voice,
    /// The form datetimes take in the account's responses.
    pub datetimes: DatetimeStyle,
}

impl AccountOptions {
    /// An account with the default sizes, with Voice.
    pub fn new(subdomain: impl Into<String>) -> Self {
        Self {
            subdomain: subdomain.into(),
            sizes: DataSizes::default(),
            voice: Voice::Enabled,
            datetimes: DatetimeStyle::Recorded,
        }
    }

    /// Sets the data sizes.
    #[must_use]
    pub fn sizes(mut self, sizes: DataSizes) -> Self {
        self.sizes = sizes;
        self
    }

    /// Sets whether the account has Voice.
    #[must_use]
    pub fn voice(mut self, voice: Voice) -> Self {
        self.voice = voice;
        self
    }

    /// Sets the form of the datetimes in the account's responses.
    #[must_use]
    pub fn datetimes(mut self, style: DatetimeStyle) -> Self {
        self.datetimes = style;
        self
    }
}

/// The form datetimes take in an account's JSON responses. Every recorded response carries an
/// explicit UTC offset (`2026-08-26T18:39:33.916276+00:00`, recorded: Nango tests list-tickets,
/// custom-fields, get-account); the official object examples are naive
/// (`2019-04-13T03:27:56.973873`, developers.gorgias.com "The Ticket object"), and Airbyte's
/// Gorgias source also parses a space-separated form. The last two are UNCONFIRMED as live
/// responses, so either can be chosen to test a client against them. Only values in the
/// sandbox's own rendering (`...+00:00`) are restyled; the instants stay the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DatetimeStyle {
    /// `2026-08-26T18:39:33.916276+00:00`, as recorded (the default).
    #[default]
    Recorded,
    /// `2026-08-26T18:39:33.916276`: no offset, as in the official examples (UTC meant).
    Naive,
    /// `2026-08-26 18:39:33.916276+00:00`: a space instead of the `T`.
    Spaced,
}

/// Whether an account has Gorgias Voice, the phone add-on behind `/api/phone/*` (voice calls,
/// their events and recordings). The API reference (via withone.ai) only says the account needs
/// Voice; what `/api/phone/*` answers without it is UNCONFIRMED, so each plausible answer can be
/// chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Voice {
    /// Voice is on: calls, events and recordings are seeded (the default).
    #[default]
    Enabled,
    /// No Voice: nothing is seeded under `/api/phone/*`, which answers as given.
    Disabled(NoVoice),
}

/// How `/api/phone/*` answers on an account without Voice (UNCONFIRMED; see [`Voice`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoVoice {
    /// The sandbox's choice, the most plausible answer: the endpoints work and the account has
    /// no calls (lists are empty pages, single reads 404), as for any object an account has none
    /// of.
    #[default]
    Empty,
    /// Every `/api/phone/*` request answers 403 `{"error":{"msg":"You do not have enough
    /// permissions to perform this action."}}` (Gorgias's recorded permission wording, without a
    /// scope).
    Forbidden,
    /// Every `/api/phone/*` request answers 404 `{"error":{"msg":"Resource not found."}}` (the
    /// documented 404 body).
    NotFound,
}

/// Number of generated records per object. `Default` is small but multi-page for the big
/// objects and non-empty for every list endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSizes {
    /// Tickets.
    pub tickets: usize,
    /// Smallest number of messages per ticket (at least 1).
    pub messages_per_ticket_min: usize,
    /// Largest number of messages per ticket.
    pub messages_per_ticket_max: usize,
    /// Customers.
    pub customers: usize,
    /// Events (on top of none: writes append more).
    pub events: usize,
    /// Integrations.
    pub integrations: usize,
    /// Jobs.
    pub jobs: usize,
    /// Macros.
    pub macros: usize,
    /// Rules.
    pub rules: usize,
    /// Satisfaction surveys (at most one per ticket).
    pub satisfaction_surveys: usize,
    /// Tags.
    pub tags: usize,
    /// Users (agents); the first is the account owner, the caller of `/api/users/0`.
    pub users: usize,
    /// Views.
    pub views: usize,
    /// Widgets.
    pub widgets: usize,
    /// Teams.
    pub teams: usize,
    /// Custom fields (split between `Ticket` and `Customer`).
    pub custom_fields: usize,
    /// Voice calls (each with a few events, some with a recording or a voicemail), on accounts
    /// with Voice.
    pub voice_calls: usize,
}

impl Default for DataSizes {
    fn default() -> Self {
        Self {
            tickets: 250,
            messages_per_ticket_min: 2,
            messages_per_ticket_max: 4,
            customers: 150,
            events: 300,
            integrations: 6,
            jobs: 8,
            macros: 12,
            rules: 6,
            satisfaction_surveys: 40,
            tags: 15,
            users: 8,
            views: 11,
            widgets: 5,
            teams: 4,
            custom_fields: 11,
            voice_calls: 40,
        }
    }
}

impl DataSizes {
    /// Sizes for a given number of tickets, everything else scaled in proportion (customers
    /// about half the tickets, events about 1.2 times, surveys about a sixth).
    pub fn scaled(tickets: usize) -> Self {
        let d = Self::default();
        Self {
            tickets,
            customers: (tickets * 3 / 5).max(5),
            events: (tickets * 6 / 5).max(5),
            satisfaction_surveys: (tickets / 6).max(3).min(tickets),
            ..d
        }
    }

    /// Builder: sets the number of tickets.
    #[must_use]
    pub fn tickets(mut self, n: usize) -> Self {
        self.tickets = n;
        self
    }

    /// Builder: sets the number of customers.
    #[must_use]
    pub fn customers(mut self, n: usize) -> Self {
        self.customers = n;
        self
    }

    /// Builder: sets the number of seeded events.
    #[must_use]
    pub fn events(mut self, n: usize) -> Self {
        self.events = n;
        self
    }

    /// Builder: sets the range of messages per ticket.
    #[must_use]
    pub fn messages_per_ticket(mut self, min: usize, max: usize) -> Self {
        self.messages_per_ticket_min = min;
        self.messages_per_ticket_max = max;
        self
    }
}

/// The per-account leaky bucket (Gorgias: 40 requests per 20 s with an API key, 80 with OAuth).
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitOptions {
    /// Whether requests are limited at all.
    pub enabled: bool,
    /// The window: a full bucket drains in this time (default 20 s).
    pub window: Duration,
    /// Bucket capacity for HTTP Basic (email + API key) requests (default 40).
    pub basic_capacity: u32,
    /// Bucket capacity for Bearer (OAuth2) requests (default 80).
    pub bearer_capacity: u32,
}

impl Default for RateLimitOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            window: Duration::from_secs(20),
            basic_capacity: 40,
            bearer_capacity: 80,
        }
    }
}

impl RateLimitOptions {
    /// The documented limits with a different window (for fast tests).
    pub fn with_window(window: Duration) -> Self {
        Self {
            window,
            ..Self::default()
        }
    }

    /// No rate limit.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

//! The seeding machinery: deterministic random streams (ChaCha8 seeded per account and per
//! stream), datetime helpers, people summaries other records embed, and the driver that runs
//! every object's seed generator in the registry's order. What each object's records look like
//! is in that object's module (`objects::<name>::seed`).

pub mod text;

use crate::options::{AccountOptions, DataSizes, Voice};
use crate::store::{AccountData, EventHook, ObjectKind, SpecOf};
use crate::time::{self, Micros, SEED_EPOCH, SEED_SPAN};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

/// Records generated per random stream (and per parallel task).
pub const CHUNK: usize = 2048;

/// The email of an account's owner user (the Basic-auth username).
pub fn owner_email(sub: &str) -> String {
    format!("admin@{sub}.example.com")
}

/// Mixes a seed with a stream number (SplitMix64).
pub fn mix(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random source with helpers.
#[derive(Debug)]
pub struct Gen {
    /// The generator.
    pub rng: ChaCha8Rng,
    span_end: Micros,
}

impl Gen {
    /// A generator for one stream of one seed; "later" datetimes stop at `span_end`.
    pub fn new(seed: u64, stream: u64, span_end: Micros) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(mix(seed, stream)),
            span_end,
        }
    }

    /// The latest instant generated datetimes may take.
    pub fn span_end(&self) -> Micros {
        self.span_end
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// A uniform index below `n` (0 when `n` is 0).
    pub fn index(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.rng.random_range(0..n)
        }
    }

    /// A uniform element. `xs` must not be empty.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.index(xs.len())]
    }

    /// A uniform integer in `[a, b)` (`a` when empty).
    pub fn rng_range(&mut self, a: i64, b: i64) -> i64 {
        if b <= a {
            a
        } else {
            self.rng.random_range(a..b)
        }
    }

    /// A uniform instant in `[a, b]` (`a` when empty).
    pub fn between(&mut self, a: Micros, b: Micros) -> Micros {
        if b <= a {
            a
        } else {
            self.rng.random_range(a..=b)
        }
    }

    /// `Some(f())` with probability `p`.
    pub fn maybe<T>(&mut self, p: f64, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.chance(p) { Some(f(self)) } else { None }
    }

    /// `n` sorted instants in `[a, b]`.
    pub fn sorted_times(&mut self, n: usize, a: Micros, b: Micros) -> Vec<Micros> {
        let mut v: Vec<Micros> = (0..n).map(|_| self.between(a, b)).collect();
        v.sort_unstable();
        v
    }

    /// `n` increasing ids starting above `base`, with small gaps.
    pub fn ids(&mut self, n: usize, base: i64) -> Vec<i64> {
        let mut id = base;
        (0..n)
            .map(|_| {
                id += self.rng_range(1, 5);
                id
            })
            .collect()
    }
}

/// Serialises into a reused scratch buffer, then copies into an exactly sized string (no
/// repeated reallocation while the JSON grows).
pub fn json_string<T: serde::Serialize>(value: &T) -> String {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(8192));
    }
    BUF.with(|b| {
        let mut buf = b.borrow_mut();
        buf.clear();
        if serde_json::to_writer(&mut *buf, value).is_err() {
            return String::new();
        }
        std::str::from_utf8(&buf)
            .map(str::to_owned)
            .unwrap_or_default()
    })
}

/// A datetime value as current responses render it (`...+00:00`, microseconds).
pub fn dt(t: Micros) -> Value {
    Value::String(time::iso(t))
}

/// A nullable datetime value.
pub fn odt(t: Option<Micros>) -> Value {
    t.map_or(Value::Null, dt)
}

/// A person as embedded in other records (`customer`, `sender`, `assignee_user`).
#[derive(Debug, Clone)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// Email, if any.
    pub email: Option<String>,
    /// Full name, if any.
    pub name: Option<String>,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// `meta` as embedded.
    pub meta: Value,
}

impl Person {
    /// Reads the summary out of a stored customer or user record.
    pub fn from_value(v: &Value) -> Option<Self> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            id: v.get("id")?.as_i64()?,
            email: s("email"),
            name: s("name"),
            firstname: s("firstname").unwrap_or_default(),
            lastname: s("lastname").unwrap_or_default(),
            meta: v.get("meta").cloned().unwrap_or(Value::Null),
        })
    }

    /// A placeholder for a missing record.
    pub fn unknown(id: i64) -> Self {
        Self {
            id,
            email: None,
            name: None,
            firstname: String::new(),
            lastname: String::new(),
            meta: Value::Null,
        }
    }

    /// `{id, email, name, firstname, lastname, meta}` (recorded: Nango test list-tickets).
    pub fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "meta": self.meta,
        })
    }

    /// The display name (name, else email, else the id).
    pub fn display(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| format!("#{}", self.id))
    }
}

/// `{id, email, name, firstname, lastname, meta}` of a stored customer or user record.
pub fn person(v: &Value) -> Value {
    json!({ "id": v["id"], "email": v["email"], "name": v["name"], "firstname": v["firstname"], "lastname": v["lastname"], "meta": v["meta"] })
}

/// Lower-case ASCII version of a name, for email local parts.
pub fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'é' | 'è' | 'ê' => Some('e'),
            'ö' => Some('o'),
            'ü' => Some('u'),
            'ç' => Some('c'),
            'í' => Some('i'),
            'á' => Some('a'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Everything a seed generator works with: the store being filled, the sizes asked for and
/// the seeded datetime span.
#[derive(Debug)]
pub struct Seeder {
    /// The store being filled.
    pub data: AccountData,
    /// How many records of each object to generate.
    pub sizes: DataSizes,
    /// The account's seed (already mixed with the account index).
    pub seed: u64,
    /// The subdomain.
    pub sub: String,
    /// The oldest seeded instant.
    pub start: Micros,
    /// The newest seeded instant (the fixed seed epoch).
    pub end: Micros,
    /// The end of the account's first weeks (users, views, integrations are created then).
    pub early: Micros,
    /// Whether the account has Voice (phone calls are seeded only then).
    pub voice: Voice,
}

impl Seeder {
    /// A random stream of this account.
    pub fn gen_for(&self, stream: u64) -> Gen {
        Gen::new(self.seed, stream, self.end)
    }

    /// Every record of an object as a people summary.
    pub fn people(&self, kind: ObjectKind) -> Vec<Person> {
        self.data
            .col(kind)
            .iter()
            .filter_map(|r| Person::from_value(&r.value()))
            .collect()
    }
}

/// One seed generator: fills its object's collection (reading what earlier generators stored).
pub type SeedFn = fn(&mut Seeder);

/// Generates the whole store of one account by running `steps` in order.
pub fn generate(
    account: &AccountOptions,
    account_index: usize,
    seed: u64,
    spec_of: SpecOf,
    event_hook: EventHook,
    steps: &[SeedFn],
) -> AccountData {
    let sub = account.subdomain.as_str();
    let seed = mix(seed, account_index as u64 + 1);
    let start = SEED_EPOCH - SEED_SPAN;
    let mut s = Seeder {
        data: AccountData::new(sub, seed, spec_of, Some(event_hook)),
        sizes: account.sizes.clone(),
        seed,
        sub: sub.to_owned(),
        start,
        end: SEED_EPOCH,
        early: start + SEED_SPAN / 8,
        voice: account.voice,
    };
    for step in steps {
        step(&mut s);
    }
    s.data
}

/// Up to `n` records of an object, sampled deterministically.
pub fn sample_values(data: &AccountData, kind: ObjectKind, g: &mut Gen, n: usize) -> Vec<Value> {
    let col = data.col(kind);
    let ids = col.ids();
    if ids.is_empty() {
        return Vec::new();
    }
    (0..n.min(ids.len()))
        .filter_map(|_| col.get_value(ids[g.index(ids.len())]))
        .collect()
}

/// A generator for one-off records created now (the `insert` hook), seeded from the store.
pub fn gen_now(data: &mut AccountData, now: Micros) -> Gen {
    let seed = data.rng.random::<u64>();
    Gen::new(seed, 99, now)
}

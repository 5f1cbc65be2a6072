//! The per-account store: one [`Collection`] per object, a monotonic clock for writes, id
//! allocation and the event log that writes append to.

pub mod collection;
pub mod extract;
pub mod kind;
pub mod schema;

pub use collection::{Collection, FieldVal, PageQuery, Record};
pub use kind::ObjectKind;

use crate::time::{self, Micros};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::HashMap;

/// All data of one account.
#[derive(Debug)]
pub struct AccountData {
    /// The subdomain.
    pub subdomain: String,
    collections: Vec<Collection>,
    /// The account object (`GET /api/account`) without `settings`.
    pub account: Value,
    /// The user behind the account's credentials (`/api/users/0`).
    pub owner_user_id: i64,
    last_now: Micros,
    id_floor: Vec<i64>,
    /// Randomness for writes (ids gaps, generated inserts), seeded.
    pub rng: ChaCha8Rng,
    /// `version` of the last `PUT /api/customers/{id}/data` per customer.
    pub customer_data_versions: HashMap<i64, Micros>,
    /// Customers merged away: source id -> target id.
    pub merged_customers: HashMap<i64, i64>,
}

impl AccountData {
    /// An empty store.
    pub fn new(subdomain: &str, seed: u64) -> Self {
        Self {
            subdomain: subdomain.to_owned(),
            collections: ObjectKind::ALL
                .iter()
                .map(|k| Collection::new(schema::spec(*k)))
                .collect(),
            account: Value::Null,
            owner_user_id: 0,
            last_now: 0,
            id_floor: vec![0; ObjectKind::ALL.len()],
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x005E_ED0F_7772_1735),
            customer_data_versions: HashMap::new(),
            merged_customers: HashMap::new(),
        }
    }

    /// One object's collection.
    pub fn col(&self, kind: ObjectKind) -> &Collection {
        &self.collections[kind.index()]
    }

    /// One object's collection, mutable. Prefer [`AccountData::put`] for writes, which keeps
    /// id allocation in step.
    pub fn col_mut(&mut self, kind: ObjectKind) -> &mut Collection {
        &mut self.collections[kind.index()]
    }

    /// The wall clock, strictly increasing across calls (two writes never share an instant).
    pub fn now(&mut self) -> Micros {
        let now = time::wall_now().max(self.last_now + 1);
        self.last_now = now;
        now
    }

    /// A fresh id for a new record: above every id ever used for this object.
    pub fn next_id(&mut self, kind: ObjectKind) -> i64 {
        let base = self.col(kind).max_id().max(self.id_floor[kind.index()]);
        let id = base + self.rng.random_range(1..=3);
        self.id_floor[kind.index()] = id;
        id
    }

    /// Stores a record (insert or replace). The value must have an integer `id`.
    pub fn put(&mut self, kind: ObjectKind, value: &Value) -> Option<i64> {
        let id = self.collections[kind.index()].put(value).ok()?;
        let floor = &mut self.id_floor[kind.index()];
        *floor = (*floor).max(id);
        Some(id)
    }

    /// Stores a record given as JSON text (insert or replace).
    pub fn put_json(&mut self, kind: ObjectKind, json: String) -> Option<i64> {
        let id = self.collections[kind.index()].put_json(json).ok()?;
        let floor = &mut self.id_floor[kind.index()];
        *floor = (*floor).max(id);
        Some(id)
    }

    /// Stores many records given as JSON text.
    pub fn put_batch(&mut self, kind: ObjectKind, jsons: Vec<String>) {
        self.collections[kind.index()].put_batch(jsons);
        let max = self.col(kind).max_id();
        let floor = &mut self.id_floor[kind.index()];
        *floor = (*floor).max(max);
    }

    /// Removes a record.
    pub fn remove(&mut self, kind: ObjectKind, id: i64) -> Option<Record> {
        self.collections[kind.index()].remove(id)
    }

    /// A random v4 UUID (for event contexts).
    pub fn uuid(&mut self) -> String {
        uuid(&mut self.rng)
    }

    /// Appends an event `"<object prefix>-<verb>"` about a record, as the account owner, now.
    pub fn event(&mut self, kind: ObjectKind, verb: &str, object_id: i64, data: Option<Value>) {
        let Some(object_type) = kind.event_object_type() else {
            return;
        };
        let at = self.now();
        let id = self.next_id(ObjectKind::Events);
        let context = self.uuid();
        let event = json!({
            "id": id,
            "uri": format!("/api/events/{id}/"),
            "context": context,
            "created_datetime": time::format_now_style(at),
            "data": data,
            "object_id": object_id,
            "object_type": object_type,
            "type": format!("{}-{verb}", kind.event_prefix()),
            "user_id": self.owner_user_id,
        });
        self.put(ObjectKind::Events, &event);
    }
}

/// A random v4 UUID.
pub fn uuid(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

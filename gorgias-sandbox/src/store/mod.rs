//! The per-account store: one [`Collection`] per object (its shape declared by the object's
//! module), a monotonic clock for writes, id allocation, per-object side state and the event
//! log that writes append to (its record shape is the events module's, reached through a hook
//! so the store does not depend on any object).

pub mod collection;
pub mod extract;
pub mod kind;

pub use collection::{Collection, CollectionSpec, FieldVal, PageQuery, Record};
pub use kind::ObjectKind;

use crate::time::{self, Micros};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::any::{Any, TypeId};
use std::collections::HashMap;

/// What a write tells the event log: `"<object prefix>-<verb>"` about one record.
#[derive(Debug, Clone)]
pub struct EventNote {
    /// The object the event is about.
    pub kind: ObjectKind,
    /// The event type, e.g. `ticket-created` or `ticket-tags-added`.
    pub event_type: String,
    /// The record's id.
    pub object_id: i64,
    /// The event's `data` payload, if any.
    pub data: Option<Value>,
}

/// Appends one event record to the store (provided by the events object).
pub type EventHook = fn(&mut AccountData, EventNote);

/// The collection shape of each object (provided by the object registry).
pub type SpecOf = fn(ObjectKind) -> &'static CollectionSpec;

/// All data of one account.
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
    ext: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    event_hook: Option<EventHook>,
}

impl std::fmt::Debug for AccountData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountData")
            .field("subdomain", &self.subdomain)
            .field("collections", &self.collections.len())
            .field("owner_user_id", &self.owner_user_id)
            .finish_non_exhaustive()
    }
}

impl AccountData {
    /// An empty store with one collection per object shaped by `spec_of`.
    pub fn new(subdomain: &str, seed: u64, spec_of: SpecOf, event_hook: Option<EventHook>) -> Self {
        Self {
            subdomain: subdomain.to_owned(),
            collections: ObjectKind::ALL
                .iter()
                .map(|k| Collection::new(spec_of(*k)))
                .collect(),
            account: Value::Null,
            owner_user_id: 0,
            last_now: 0,
            id_floor: vec![0; ObjectKind::ALL.len()],
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x005E_ED0F_7772_1735),
            ext: HashMap::new(),
            event_hook,
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

    /// Side state an object keeps besides its records (created on first use).
    pub fn ext_mut<T: Any + Send + Sync + Default>(&mut self) -> &mut T {
        let slot = self
            .ext
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        // The slot was created for `T`, so the downcast cannot fail; fall back to a fresh
        // value rather than panic.
        if !slot.is::<T>() {
            *slot = Box::new(T::default());
        }
        slot.downcast_mut::<T>()
            .unwrap_or_else(|| unreachable!("slot holds a T"))
    }

    /// Side state an object keeps besides its records, if any was stored.
    pub fn ext<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.ext
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref::<T>())
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
        let event_type = format!("{}-{verb}", kind.event_prefix());
        self.event_typed(kind, event_type, object_id, data);
    }

    /// Appends an event with an explicit type (e.g. `ticket-tags-added`).
    pub fn event_typed(
        &mut self,
        kind: ObjectKind,
        event_type: String,
        object_id: i64,
        data: Option<Value>,
    ) {
        if let Some(hook) = self.event_hook {
            hook(
                self,
                EventNote {
                    kind,
                    event_type,
                    object_id,
                    data,
                },
            );
        }
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

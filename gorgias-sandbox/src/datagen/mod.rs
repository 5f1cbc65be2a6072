//! Deterministic data generation (ChaCha8 seeded per account and per object), realistic per
//! the documented field lists, with Gorgias's quirks: mixed datetime forms, 64-bit ids in
//! embedded Shopify data, `uri` with a trailing slash, nullable fields sometimes null.

pub mod others;
pub mod people;
pub mod text;
pub mod tickets;

use crate::options::DataSizes;
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros, SEED_EPOCH, SEED_SPAN, Style};
use people::{Person, TeamRef};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use tickets::{TagRef, TicketPlan};

/// Records generated per random stream (and per parallel task).
const CHUNK: usize = 2048;

/// The email of an account's owner user (the Basic-auth username).
pub fn owner_email(sub: &str) -> String {
    format!("admin@{sub}.example.com")
}

/// A seeded random source with helpers.
#[derive(Debug)]
pub struct Gen {
    /// The generator.
    pub rng: ChaCha8Rng,
    span_end: Micros,
}

/// Mixes a seed with a stream number (SplitMix64).
pub fn mix(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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

    /// A datetime style: mostly with microseconds and offset, sometimes without fraction,
    /// sometimes naive.
    pub fn style(&mut self) -> Style {
        match self.rng.random_range(0..100) {
            0..85 => Style::Micros,
            85..95 => Style::Seconds,
            _ => Style::Naive,
        }
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

/// A datetime value in a style.
pub fn dt(t: Micros, st: Style) -> Value {
    Value::String(time::format(t, st))
}

/// A nullable datetime value.
pub fn odt(t: Option<Micros>, st: Style) -> Value {
    t.map_or(Value::Null, |t| dt(t, st))
}

struct Catalog {
    objects: Vec<(ObjectKind, i64, Micros, Micros)>,
}

impl Catalog {
    fn add(&mut self, kind: ObjectKind, id: i64, created: Micros, updated: Micros) {
        self.objects.push((kind, id, created, updated));
    }
}

/// Generates the whole store of one account.
pub fn generate(sub: &str, account_index: usize, seed: u64, sizes: &DataSizes) -> AccountData {
    let seed = mix(seed, account_index as u64 + 1);
    let mut data = AccountData::new(sub, seed);
    let start = SEED_EPOCH - SEED_SPAN;
    let end = SEED_EPOCH;
    let early = start + SEED_SPAN / 8;
    let mut cat = Catalog {
        objects: Vec::new(),
    };
    let g = |stream: u64| Gen::new(seed, stream, end);

    // Users: the owner first.
    let mut gu = g(1);
    let n_users = sizes.users.max(1);
    let user_ids = gu.ids(n_users, 10_000);
    let user_times = gu.sorted_times(n_users, start - 30 * time::DAY, early);
    let owner = owner_email(sub);
    let mut users = Vec::new();
    for (i, (&id, &t)) in user_ids.iter().zip(&user_times).enumerate() {
        let v = people::user(&mut gu, id, t, (i == 0).then_some(owner.as_str()), sub);
        users.push(Person::from_value(&v).unwrap_or_else(|| fallback_person(id)));
        cat.add(ObjectKind::Users, id, t, t);
        data.put(ObjectKind::Users, &v);
    }
    data.owner_user_id = user_ids[0];
    data.account = others::account(sub, start - 60 * time::DAY);

    // Teams.
    let mut gt = g(2);
    let mut teams = Vec::new();
    let team_ids = gt.ids(sizes.teams, 2_000);
    for (n, (&id, t)) in team_ids
        .iter()
        .zip(gt.sorted_times(sizes.teams, start, early))
        .enumerate()
    {
        let v = people::team(&mut gt, id, t, n, &users);
        teams.push(TeamRef {
            id,
            name: v["name"].as_str().unwrap_or_default().to_owned(),
            emoji: v["decoration"]["emoji"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        });
        cat.add(ObjectKind::Teams, id, t, t);
        data.put(ObjectKind::Teams, &v);
    }

    // Tags (usage filled in after tickets).
    let mut gtag = g(3);
    let tag_ids = gtag.ids(sizes.tags, 300_000);
    let tag_times = gtag.sorted_times(sizes.tags, start, end - 30 * time::DAY);
    let mut tag_values: Vec<Value> = Vec::new();
    let mut tags: Vec<TagRef> = Vec::new();
    for (n, (&id, &t)) in tag_ids.iter().zip(&tag_times).enumerate() {
        let v = others::tag(&mut gtag, id, t, n, 0);
        tags.push(TagRef {
            id,
            name: v["name"].as_str().unwrap_or_default().to_owned(),
            decoration: v["decoration"].clone(),
        });
        cat.add(ObjectKind::Tags, id, t, t);
        tag_values.push(v);
    }

    // Integrations.
    let mut gi = g(4);
    let int_ids = gi.ids(sizes.integrations, 5_000);
    let mut integrations: Vec<(i64, String, String)> = Vec::new();
    for (n, (&id, t)) in int_ids
        .iter()
        .zip(gi.sorted_times(sizes.integrations, start, early))
        .enumerate()
    {
        let kind = others::INTEGRATION_TYPES[n % others::INTEGRATION_TYPES.len()];
        let v = others::integration(&mut gi, id * 3, t, kind, sub, data.owner_user_id);
        integrations.push((
            id * 3,
            kind.to_owned(),
            v["name"].as_str().unwrap_or_default().to_owned(),
        ));
        cat.add(ObjectKind::Integrations, id * 3, t, t);
        data.put(ObjectKind::Integrations, &v);
    }
    let shopify = integrations.iter().find(|i| i.1 == "shopify").map(|i| i.0);
    let email_int = integrations
        .iter()
        .find(|i| i.1 == "email")
        .map(|i| (i.0, i.2.clone(), format!("support@{sub}.example.com")));

    // Custom fields.
    let mut gc = g(5);
    for (n, (&id, t)) in gc
        .ids(sizes.custom_fields, 9_000)
        .iter()
        .zip(gc.sorted_times(sizes.custom_fields, start, early))
        .enumerate()
    {
        let v = others::custom_field(&mut gc, id, t, n);
        data.put(ObjectKind::CustomFields, &v);
    }

    // Macros.
    let mut gm = g(6);
    let tag_names: Vec<String> = tags.iter().map(|t| t.name.clone()).collect();
    let macro_ids = gm.ids(sizes.macros, 70_000);
    for (n, (&id, t)) in macro_ids
        .iter()
        .zip(gm.sorted_times(sizes.macros, start, end - time::DAY))
        .enumerate()
    {
        let v = others::macro_(&mut gm, id, t, n, &tag_names);
        cat.add(ObjectKind::Macros, id, t, t);
        data.put(ObjectKind::Macros, &v);
    }

    // Customers (serialised on every core, one random stream per chunk).
    let mut gcu = g(7);
    let n_customers = if sizes.tickets > 0 {
        sizes.customers.max(1)
    } else {
        sizes.customers
    };
    let cust_ids = gcu.ids(n_customers, 480_000_000);
    let cust_times = gcu.sorted_times(n_customers, start, end - 10 * time::DAY);
    let generated = crate::par::chunks(n_customers, CHUNK, |c, r| {
        let mut g = Gen::new(seed, 1_000 + c as u64, end);
        r.map(|i| {
            let (id, t) = (cust_ids[i], cust_times[i]);
            let updated = g.between(t, end - time::DAY);
            let v = people::customer(&mut g, id, t, updated, shopify);
            (
                Person::from_value(&v).unwrap_or_else(|| fallback_person(id)),
                updated,
                json_string(&v),
            )
        })
        .collect()
    });
    let mut customers = Vec::with_capacity(n_customers);
    let mut jsons = Vec::with_capacity(n_customers);
    for (i, (p, updated, json)) in generated.into_iter().enumerate() {
        cat.add(ObjectKind::Customers, p.id, cust_times[i], updated);
        customers.push(p);
        jsons.push(json);
    }
    data.put_batch(ObjectKind::Customers, jsons);

    // Tickets: planned in order, serialised on every core.
    let mut gtk = g(8);
    let ticket_ids = gtk.ids(sizes.tickets, 150_000_000);
    let first_ticket = cust_times.first().copied().unwrap_or(start);
    let ticket_times = gtk.sorted_times(sizes.tickets, first_ticket, end - 3 * time::DAY);
    let (lo, hi) = (
        sizes.messages_per_ticket_min.max(1),
        sizes.messages_per_ticket_max.max(1),
    );
    let mut plans: Vec<TicketPlan> = Vec::with_capacity(sizes.tickets);
    let mut tag_usage = vec![0i64; tags.len()];
    for (&id, &t) in ticket_ids.iter().zip(&ticket_times) {
        let known = cust_times.partition_point(|c| *c <= t).max(1);
        let customer = customers[gtk.index(known.min(customers.len()))].clone();
        let n_msgs = gtk.rng_range(lo.min(hi) as i64, hi.max(lo) as i64 + 1) as usize;
        let plan = tickets::plan(
            &mut gtk,
            id,
            t,
            (t + 2 * time::DAY).min(end - time::SECOND),
            n_msgs,
            customer,
            &users,
            &teams,
            &tags,
            email_int.clone(),
        );
        for tag in &plan.tags {
            if let Some(p) = tags.iter().position(|x| x.id == tag.id) {
                tag_usage[p] += 1;
            }
        }
        cat.add(ObjectKind::Tickets, id, t, plan.updated);
        plans.push(plan);
    }
    let jsons = crate::par::chunks(plans.len(), CHUNK, |c, r| {
        let mut g = Gen::new(seed, 2_000_000 + c as u64, end);
        r.map(|i| plans[i].ticket_json(&mut g)).collect()
    });
    data.put_batch(ObjectKind::Tickets, jsons);
    for (mut v, usage) in tag_values.into_iter().zip(tag_usage) {
        v["usage"] = Value::from(usage);
        data.put(ObjectKind::Tags, &v);
    }

    // Messages: ids follow creation time across tickets.
    let mut gms = g(9);
    let mut order: Vec<(Micros, u32, u32)> = plans
        .iter()
        .enumerate()
        .flat_map(|(ti, p)| {
            p.msgs
                .iter()
                .enumerate()
                .map(move |(mi, m)| (m.at, ti as u32, mi as u32))
        })
        .collect();
    order.sort_unstable();
    let msg_ids = gms.ids(order.len(), 380_000_000);
    for (&(at, _, _), &id) in order.iter().zip(&msg_ids) {
        cat.add(ObjectKind::Messages, id, at, at);
    }
    let jsons = crate::par::chunks(order.len(), CHUNK, |c, r| {
        let mut g = Gen::new(seed, 3_000_000 + c as u64, end);
        r.map(|i| {
            let (_, ti, mi) = order[i];
            let plan = &plans[ti as usize];
            plan.message_json(&mut g, msg_ids[i], &plan.msgs[mi as usize], sub, &macro_ids)
        })
        .collect()
    });
    drop(order);
    data.put_batch(ObjectKind::Messages, jsons);

    // Satisfaction surveys, for closed tickets.
    let mut gs = g(10);
    let mut closed: Vec<&TicketPlan> = plans.iter().filter(|p| p.closed.is_some()).collect();
    let want = sizes.satisfaction_surveys.min(closed.len());
    let mut chosen = Vec::with_capacity(want);
    for _ in 0..want {
        let i = gs.index(closed.len());
        chosen.push(closed.swap_remove(i));
    }
    chosen.sort_by_key(|p| p.closed);
    let survey_ids = gs.ids(chosen.len(), 880_000);
    for (p, &id) in chosen.iter().zip(&survey_ids) {
        let at = p.closed.unwrap_or(p.created) + gs.between(1, 3_600_000_000);
        let at = at.min(end - 1);
        let v = others::survey(&mut gs, id, at, p.id, p.customer.id);
        cat.add(ObjectKind::SatisfactionSurveys, id, at, at);
        data.put(ObjectKind::SatisfactionSurveys, &v);
    }

    // Rules, views, widgets, jobs.
    let mut gr = g(11);
    for (n, (&id, t)) in gr
        .ids(sizes.rules, 40_000)
        .iter()
        .zip(gr.sorted_times(sizes.rules, start, end - time::DAY))
        .enumerate()
    {
        let v = others::rule(&mut gr, id, t, n);
        cat.add(ObjectKind::Rules, id, t, t);
        data.put(ObjectKind::Rules, &v);
    }
    let mut gv = g(12);
    let owner_name = users[0].display();
    for (n, (&id, t)) in gv
        .ids(sizes.views, 1_000_000)
        .iter()
        .zip(gv.sorted_times(sizes.views, start, early))
        .enumerate()
    {
        let v = others::view(&mut gv, id, t, n, (data.owner_user_id, &owner_name));
        cat.add(ObjectKind::Views, id, t, t);
        data.put(ObjectKind::Views, &v);
    }
    let mut gw = g(13);
    let widget_integrations: Vec<(i64, &str)> = integrations
        .iter()
        .filter(|i| matches!(i.1.as_str(), "shopify" | "http" | "recharge" | "klaviyo"))
        .map(|i| (i.0, i.1.as_str()))
        .collect();
    for (n, (&id, t)) in gw
        .ids(sizes.widgets, 20_000)
        .iter()
        .zip(gw.sorted_times(sizes.widgets, start, end - time::DAY))
        .enumerate()
    {
        let integ = (!widget_integrations.is_empty() && n % 3 != 2)
            .then(|| widget_integrations[n % widget_integrations.len()]);
        let v = others::widget(&mut gw, id, t, n, integ);
        cat.add(ObjectKind::Widgets, id, t, t);
        data.put(ObjectKind::Widgets, &v);
    }
    let mut gj = g(14);
    for (&id, t) in gj.ids(sizes.jobs, 600_000).iter().zip(gj.sorted_times(
        sizes.jobs,
        end - 120 * time::DAY,
        end - time::DAY,
    )) {
        let v = others::job(&mut gj, id, t, data.owner_user_id, &ticket_ids);
        data.put(ObjectKind::Jobs, &v);
    }

    // Account settings.
    for (i, (kind, value)) in others::settings().into_iter().enumerate() {
        data.put(
            ObjectKind::AccountSettings,
            &others::setting(100 + i as i64 * 7, kind, value),
        );
    }

    // Events about the objects above.
    let mut ge = g(15);
    let mut evs: Vec<(Micros, &'static str, ObjectKind, i64, Option<i64>)> =
        Vec::with_capacity(sizes.events);
    if !cat.objects.is_empty() {
        for _ in 0..sizes.events {
            let (kind, id, created, updated) = *ge.pick(&cat.objects);
            let updating = updated > created && ge.chance(0.4);
            let at = if updating {
                ge.between(created + 1, updated)
            } else {
                created
            };
            let verb = if updating {
                "updated"
            } else if kind == ObjectKind::Messages {
                "created"
            } else {
                *ge.pick(&["created", "created", "updated"])
            };
            let user = if ge.chance(0.8) {
                Some(*ge.pick(&user_ids))
            } else {
                None
            };
            evs.push((at, verb, kind, id, user));
        }
    }
    evs.sort_by_key(|e| e.0);
    let event_ids = ge.ids(evs.len(), 3_000_000_000);
    let jsons = crate::par::chunks(evs.len(), CHUNK, |c, r| {
        let mut g = Gen::new(seed, 4_000_000 + c as u64, end);
        r.filter_map(|i| {
            let (at, verb, kind, object_id, user) = evs[i];
            let object_type = kind.event_object_type()?;
            let kind_name = format!("{}-{verb}", kind.event_prefix());
            Some(json_string(&others::event(
                &mut g,
                event_ids[i],
                at,
                &kind_name,
                object_type,
                object_id,
                user,
            )))
        })
        .collect()
    });
    data.put_batch(ObjectKind::Events, jsons);
    data
}

fn fallback_person(id: i64) -> Person {
    Person {
        id,
        email: None,
        name: None,
        firstname: String::new(),
        lastname: String::new(),
        meta: Value::Null,
    }
}

/// Up to `n` records of an object, sampled deterministically, as people summaries.
pub fn sample_people(data: &AccountData, kind: ObjectKind, g: &mut Gen, n: usize) -> Vec<Person> {
    sample_values(data, kind, g, n)
        .iter()
        .filter_map(Person::from_value)
        .collect()
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

/// One fresh record of an object, created now, referencing existing records. The caller
/// stores it (and applies side effects such as ticket message counters).
pub fn generate_one(data: &mut AccountData, kind: ObjectKind, now: Micros) -> Value {
    let seed = data.rng.random::<u64>();
    let mut g = Gen::new(seed, 99, now);
    let sub = data.subdomain.clone();
    match kind {
        ObjectKind::Tickets => {
            let id = data.next_id(ObjectKind::Tickets);
            let plan = ticket_plan(data, &mut g, id, now);
            plan.ticket(&mut g)
        }
        ObjectKind::Messages => {
            let tickets = sample_values(data, ObjectKind::Tickets, &mut g, 1);
            let id = data.next_id(ObjectKind::Messages);
            let tid = tickets.first().and_then(|t| t["id"].as_i64()).unwrap_or(0);
            let mut plan = ticket_plan(data, &mut g, tid, now);
            if let Some(t) = tickets
                .first()
                .and_then(|t| Person::from_value(&t["customer"]))
            {
                plan.customer = t;
            }
            let m = tickets::MsgPlan {
                at: now,
                from_agent: true,
                body: g.index(text::AGENT_BODIES.len()),
            };
            plan.message(&mut g, id, &m, &sub, &[])
        }
        ObjectKind::Customers => {
            let id = data.next_id(kind);
            let shopify = data
                .col(ObjectKind::Integrations)
                .iter()
                .find(|r| r.fields[0].as_str() == Some("shopify"))
                .map(|r| r.id);
            people::customer(&mut g, id, now, now, shopify)
        }
        ObjectKind::Users => {
            let id = data.next_id(kind);
            people::user(&mut g, id, now, None, &sub)
        }
        ObjectKind::Teams => {
            let id = data.next_id(kind);
            let users = sample_people(data, ObjectKind::Users, &mut g, 3);
            let n = data.col(kind).len();
            people::team(&mut g, id, now, n, &users)
        }
        ObjectKind::Tags => {
            let id = data.next_id(kind);
            let n = data.col(kind).len();
            let mut v = others::tag(&mut g, id, now, n, 0);
            v["name"] = Value::String(format!("tag-{id}"));
            v
        }
        ObjectKind::Integrations => {
            let id = data.next_id(kind);
            others::integration(&mut g, id, now, "http", &sub, data.owner_user_id)
        }
        ObjectKind::CustomFields => {
            let id = data.next_id(kind);
            let n = data.col(kind).len();
            others::custom_field(&mut g, id, now, n)
        }
        ObjectKind::Macros => {
            let id = data.next_id(kind);
            let n = data.col(kind).len();
            others::macro_(&mut g, id, now, n, &[])
        }
        ObjectKind::Rules => {
            let id = data.next_id(kind);
            let n = data.col(kind).len();
            others::rule(&mut g, id, now, n)
        }
        ObjectKind::Views => {
            let id = data.next_id(kind);
            let n = data.col(kind).len();
            others::view(&mut g, id, now, n, (data.owner_user_id, "Owner"))
        }
        ObjectKind::Widgets => {
            let id = data.next_id(kind);
            let n = data.col(kind).len();
            others::widget(&mut g, id, now, n, None)
        }
        ObjectKind::Jobs => {
            let id = data.next_id(kind);
            let ids = data.col(ObjectKind::Tickets).ids();
            let ids: Vec<i64> = ids.into_iter().rev().take(3).collect();
            others::job(&mut g, id, now, data.owner_user_id, &ids)
        }
        ObjectKind::SatisfactionSurveys => {
            let id = data.next_id(kind);
            let t = sample_values(data, ObjectKind::Tickets, &mut g, 1);
            let tid = t.first().and_then(|t| t["id"].as_i64()).unwrap_or(0);
            let cid = t
                .first()
                .and_then(|t| t["customer"]["id"].as_i64())
                .unwrap_or(0);
            others::survey(&mut g, id, now, tid, cid)
        }
        ObjectKind::Events => {
            let id = data.next_id(kind);
            let owner = data.owner_user_id;
            others::event(&mut g, id, now, "user-updated", "User", owner, Some(owner))
        }
        ObjectKind::AccountSettings => {
            let id = data.next_id(kind);
            others::setting(id, "custom", serde_json::json!({ "generated": true }))
        }
    }
}

/// A plan for a new ticket with one customer message, created now.
pub fn ticket_plan(data: &AccountData, g: &mut Gen, id: i64, now: Micros) -> TicketPlan {
    let customers = sample_people(data, ObjectKind::Customers, g, 1);
    let mut users = sample_people(data, ObjectKind::Users, g, 5);
    if users.is_empty() {
        users.push(fallback_person(data.owner_user_id));
    }
    let customer = customers
        .into_iter()
        .next()
        .unwrap_or_else(|| fallback_person(0));
    let email = data
        .col(ObjectKind::Integrations)
        .iter()
        .find(|r| r.fields[0].as_str() == Some("email"))
        .map(|r| {
            (
                r.id,
                r.fields[1].as_str().unwrap_or_default().to_owned(),
                format!("support@{}.example.com", data.subdomain),
            )
        });
    let mut plan = tickets::plan(g, id, now, now, 1, customer, &users, &[], &[], email);
    plan.closed = None;
    plan.snooze = None;
    plan.trashed = None;
    plan.spam = false;
    plan.updated = now;
    for m in &mut plan.msgs {
        m.at = now;
        m.from_agent = false;
    }
    plan
}

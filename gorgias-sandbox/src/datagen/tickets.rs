//! Tickets and their messages, generated together so counts and datetimes agree.

use super::people::{Person, TeamRef};
use super::{Gen, text};
use crate::store::schema::PRIORITIES;
use crate::time::{self, Micros, Style};
use serde_json::{Value, json};

/// `(channel, via)` pairs tickets are created with.
pub const CHANNELS: &[(&str, &str)] = &[
    ("email", "email"),
    ("email", "email"),
    ("email", "helpdesk"),
    ("chat", "gorgias_chat"),
    ("contact_form", "form"),
    ("facebook-messenger", "facebook"),
    ("sms", "sms"),
    ("phone", "phone"),
    ("api", "api"),
    ("instagram-direct-message", "instagram"),
];

/// A tag as embedded in tickets.
#[derive(Debug, Clone)]
pub struct TagRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Decoration (`{"color":..}`, `{}` or null).
    pub decoration: Value,
}

impl TagRef {
    /// `{id, name, decoration}`.
    pub fn summary(&self) -> Value {
        json!({ "id": self.id, "name": self.name, "decoration": self.decoration })
    }
}

/// One planned message.
#[derive(Debug, Clone)]
pub struct MsgPlan {
    /// Creation instant.
    pub at: Micros,
    /// Sent by an agent.
    pub from_agent: bool,
    /// Body template index (customer or agent pool).
    pub body: usize,
}

/// Everything a ticket and its messages are rendered from.
#[derive(Debug, Clone)]
pub struct TicketPlan {
    /// Ticket id.
    pub id: i64,
    /// Creation instant.
    pub created: Micros,
    /// Last update instant.
    pub updated: Micros,
    /// `(channel, via)`.
    pub channel: (&'static str, &'static str),
    /// Requester.
    pub customer: Person,
    /// Assigned agent (also the sender of agent messages), or the owner.
    pub assignee: Option<Person>,
    /// Agent answering when unassigned.
    pub agent: Person,
    /// Assigned team.
    pub team: Option<TeamRef>,
    /// Tags.
    pub tags: Vec<TagRef>,
    /// Messages, oldest first.
    pub msgs: Vec<MsgPlan>,
    /// Closed at.
    pub closed: Option<Micros>,
    /// Snoozed until.
    pub snooze: Option<Micros>,
    /// Trashed at.
    pub trashed: Option<Micros>,
    /// Spam.
    pub spam: bool,
    /// Subject template index.
    pub subject: usize,
    /// Order number used in texts.
    pub order: i64,
    /// Priority.
    pub priority: &'static str,
    /// Language.
    pub language: Option<&'static str>,
    /// Datetime style of the ticket record.
    pub style: Style,
    /// Email integration `(id, name, address)` for email tickets.
    pub email_integration: Option<(i64, String, String)>,
}

/// Plans a ticket created at `created` with `n_msgs` messages (at least 1). Message times
/// stay before `limit`.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    g: &mut Gen,
    id: i64,
    created: Micros,
    limit: Micros,
    n_msgs: usize,
    customer: Person,
    users: &[Person],
    teams: &[TeamRef],
    tags: &[TagRef],
    email_integration: Option<(i64, String, String)>,
) -> TicketPlan {
    let channel = *g.pick(CHANNELS);
    let room = (limit - created).max(1);
    let step = (room / (n_msgs as i64 + 2)).clamp(1, 6 * 3600 * 1_000_000);
    let outbound = g.chance(0.05);
    let mut at = created;
    let mut msgs = Vec::with_capacity(n_msgs.max(1));
    for i in 0..n_msgs.max(1) {
        let from_agent = if i == 0 {
            outbound
        } else {
            (i % 2 == 1) != outbound
        };
        let pool = if from_agent {
            text::AGENT_BODIES.len()
        } else {
            text::CUSTOMER_BODIES.len()
        };
        msgs.push(MsgPlan {
            at,
            from_agent,
            body: g.index(pool),
        });
        at += g.between(step / 4, step).max(1);
    }
    let last = msgs.last().map_or(created, |m| m.at);
    let closed = g
        .chance(0.7)
        .then(|| last + g.between(1, step.max(2)).min(limit - last).max(0));
    let snooze = (closed.is_none() && g.chance(0.2))
        .then(|| last + g.between(3600 * 1_000_000, 3 * 86_400 * 1_000_000));
    let trashed = g
        .chance(0.03)
        .then(|| (closed.unwrap_or(last) + 1).min(limit));
    let updated = [Some(last), closed, trashed]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(created);
    let updated = (updated + g.between(0, 60_000_000)).min(limit.max(updated));
    let assignee = (!users.is_empty() && g.chance(0.8)).then(|| g.pick(users).clone());
    let agent = assignee.clone().unwrap_or_else(|| g.pick(users).clone());
    let team = (!teams.is_empty() && g.chance(0.4)).then(|| g.pick(teams).clone());
    let n_tags = if tags.is_empty() { 0 } else { g.index(4) };
    let mut chosen: Vec<TagRef> = Vec::new();
    for _ in 0..n_tags {
        let t = g.pick(tags).clone();
        if !chosen.iter().any(|c| c.id == t.id) {
            chosen.push(t);
        }
    }
    TicketPlan {
        id,
        created,
        updated,
        channel,
        customer,
        assignee,
        agent,
        team,
        tags: chosen,
        msgs,
        closed,
        snooze,
        trashed,
        spam: g.chance(0.02),
        subject: g.index(text::SUBJECTS.len()),
        order: 1000 + g.rng_range(0, 90_000),
        priority: if g.chance(0.75) {
            "normal"
        } else {
            g.pick::<&str>(PRIORITIES)
        },
        language: g.chance(0.85).then(|| *g.pick(text::LANGUAGES)),
        style: g.style(),
        email_integration: if channel.0 == "email" {
            email_integration
        } else {
            None
        },
    }
}

fn fill(template: &str, order: i64, name: &str) -> String {
    template
        .replace("{n}", &order.to_string())
        .replace("{name}", name)
}

impl TicketPlan {
    /// The subject line.
    pub fn subject_text(&self) -> String {
        fill(
            text::SUBJECTS[self.subject % text::SUBJECTS.len()],
            self.order,
            "",
        )
    }

    /// The body text of one message.
    pub fn body_text(&self, m: &MsgPlan) -> String {
        let first = &self.customer.firstname;
        if m.from_agent {
            fill(
                text::AGENT_BODIES[m.body % text::AGENT_BODIES.len()],
                self.order,
                first,
            )
        } else {
            fill(
                text::CUSTOMER_BODIES[m.body % text::CUSTOMER_BODIES.len()],
                self.order,
                first,
            )
        }
    }

    /// The ticket record (list representation) as JSON text.
    pub fn ticket_json(&self, g: &mut Gen) -> String {
        super::json_string(&self.ticket_out(g))
    }

    /// The ticket record (list representation).
    pub fn ticket(&self, g: &mut Gen) -> Value {
        serde_json::to_value(self.ticket_out(g)).unwrap_or(Value::Null)
    }

    fn ticket_out(&self, g: &mut Gen) -> out::Ticket<'_> {
        let st = self.style;
        let id = self.id;
        let f = |t: Micros| time::format(t, st);
        let last = self.msgs.last().map(|m| m.at);
        let last_received = self.msgs.iter().rev().find(|m| !m.from_agent).map(|m| m.at);
        let opened = self.msgs.iter().find(|m| m.from_agent).map(|m| m.at);
        let excerpt: String = self
            .msgs
            .first()
            .map(|m| self.body_text(m).chars().take(100).collect())
            .unwrap_or_default();
        out::Ticket {
            id,
            uri: format!("/api/tickets/{id}/"),
            external_id: g.maybe(0.1, |_| format!("ext-{}", id % 100_000)),
            language: self.language,
            status: if self.closed.is_some() {
                "closed"
            } else {
                "open"
            },
            priority: self.priority,
            channel: self.channel.0,
            via: self.channel.1,
            from_agent: self.msgs.first().is_some_and(|m| m.from_agent),
            customer: out::Person::of(&self.customer),
            assignee_user: self.assignee.as_ref().map(|a| out::Assignee {
                person: out::Person::of(a),
                bio: None,
            }),
            assignee_team: self.team.as_ref().map(|t| out::Team {
                id: t.id,
                name: &t.name,
                decoration: out::Emoji { emoji: &t.emoji },
            }),
            subject: self.subject_text(),
            excerpt,
            integrations: self
                .email_integration
                .iter()
                .map(|(_, name, address)| out::IntegrationRef {
                    name,
                    address,
                    kind: "email",
                })
                .collect(),
            meta: g.chance(0.3).then_some(out::Empty {}),
            tags: self
                .tags
                .iter()
                .map(|t| out::Tag {
                    id: t.id,
                    name: &t.name,
                    decoration: &t.decoration,
                })
                .collect(),
            messages_count: self.msgs.len(),
            is_unread: self.closed.is_none() && g.chance(0.3),
            spam: self.spam,
            created_datetime: f(self.created),
            opened_datetime: opened.map(f),
            last_received_message_datetime: last_received.map(f),
            last_message_datetime: last.map(f),
            updated_datetime: f(self.updated),
            closed_datetime: self.closed.map(f),
            snooze_datetime: self.snooze.map(f),
            trashed_datetime: self.trashed.map(f),
            custom_fields: out::Empty {},
        }
    }

    /// One message record as JSON text.
    pub fn message_json(
        &self,
        g: &mut Gen,
        id: i64,
        m: &MsgPlan,
        sub: &str,
        macro_ids: &[i64],
    ) -> String {
        let body = self.body_text(m);
        let html = format!(
            "<div>{}</div>",
            body.replace('&', "&amp;").replace('<', "&lt;")
        );
        let support_name = format!("{sub} support");
        let support_addr = format!("support@{sub}.example.com");
        let customer_addr = self
            .customer
            .email
            .clone()
            .unwrap_or_else(|| format!("customer-{}", self.customer.id));
        let msg = self.message_out(
            g,
            id,
            m,
            (&support_name, &support_addr),
            &customer_addr,
            (&body, &html),
            macro_ids,
        );
        super::json_string(&msg)
    }

    /// One message record.
    pub fn message(
        &self,
        g: &mut Gen,
        id: i64,
        m: &MsgPlan,
        sub: &str,
        macro_ids: &[i64],
    ) -> Value {
        serde_json::from_str(&self.message_json(g, id, m, sub, macro_ids)).unwrap_or(Value::Null)
    }

    #[allow(clippy::too_many_arguments)]
    fn message_out<'a>(
        &'a self,
        g: &mut Gen,
        id: i64,
        m: &MsgPlan,
        support: (&'a str, &'a str),
        customer_addr: &'a str,
        body: (&'a str, &'a str),
        macro_ids: &[i64],
    ) -> out::Message<'a> {
        let st = g.style();
        let tid = self.id;
        let (channel, via) = self.channel;
        let support = out::Addr {
            name: Some(support.0),
            address: support.1,
        };
        let customer = out::Addr {
            name: self.customer.name.as_deref(),
            address: customer_addr,
        };
        let (sender, receiver, from, to) = if m.from_agent {
            (
                out::Person::of(&self.agent),
                out::Person::of(&self.customer),
                support,
                customer,
            )
        } else {
            (
                out::Person::of(&self.customer),
                out::Person::of(&self.agent),
                customer,
                support,
            )
        };
        let sent = if m.from_agent {
            m.at + g.between(0, 5_000_000)
        } else {
            m.at
        };
        out::Message {
            id,
            uri: format!("/api/tickets/{tid}/messages/{id}/"),
            message_id: g.maybe(0.8, |_| format!("<{id}.{tid}@mail.example.com>")),
            ticket_id: tid,
            external_id: None,
            public: true,
            channel,
            via,
            source: out::Source {
                kind: channel,
                from,
                to: [to],
                cc: [],
                bcc: [],
                extra: out::Empty {},
            },
            sender,
            receiver,
            integration_id: self.email_integration.as_ref().map(|e| e.0),
            rule_id: None,
            intents: if m.from_agent {
                Vec::new()
            } else {
                vec![out::Intent {
                    name: g.pick::<&str>(text::INTENTS),
                    rejected: false,
                    is_user_feedback: false,
                }]
            },
            auth_customer_identity: None,
            from_agent: m.from_agent,
            subject: (channel == "email").then(|| self.subject_text()),
            body_text: body.0,
            body_html: body.1,
            stripped_text: body.0,
            stripped_html: body.1,
            stripped_signature: None,
            attachments: if g.chance(0.05) {
                vec![out::Attachment {
                    url: format!("https://uploads.example.com/{id}/photo.jpg"),
                    name: "photo.jpg",
                    size: 123_456,
                    content_type: "image/jpeg",
                    public: true,
                    extra: out::Empty {},
                }]
            } else {
                Vec::new()
            },
            actions: None,
            headers: None,
            meta: None,
            macros: (m.from_agent && !macro_ids.is_empty() && g.chance(0.3)).then(|| {
                [out::IdRef {
                    id: *g.pick(macro_ids),
                }]
            }),
            created_datetime: time::format(m.at, st),
            sent_datetime: Some(time::format(sent, st)),
            failed_datetime: None,
            opened_datetime: None,
            deleted_datetime: None,
            last_sending_error: None,
            is_retriable: false,
            replied_by: None,
            replied_to: None,
        }
    }
}

/// Serialisable shapes of the high-volume records (generated without building JSON trees).
mod out {
    use super::Person as P;
    use serde::Serialize;
    use serde_json::Value;

    #[derive(Serialize)]
    pub struct Empty {}

    #[derive(Serialize)]
    pub struct Person<'a> {
        pub id: i64,
        pub email: Option<&'a str>,
        pub name: Option<&'a str>,
        pub firstname: &'a str,
        pub lastname: &'a str,
        pub meta: &'a Value,
    }

    impl<'a> Person<'a> {
        pub fn of(p: &'a P) -> Self {
            Self {
                id: p.id,
                email: p.email.as_deref(),
                name: p.name.as_deref(),
                firstname: &p.firstname,
                lastname: &p.lastname,
                meta: &p.meta,
            }
        }
    }

    #[derive(Serialize)]
    pub struct Assignee<'a> {
        #[serde(flatten)]
        pub person: Person<'a>,
        pub bio: Option<()>,
    }

    #[derive(Serialize)]
    pub struct Emoji<'a> {
        pub emoji: &'a str,
    }

    #[derive(Serialize)]
    pub struct Team<'a> {
        pub id: i64,
        pub name: &'a str,
        pub decoration: Emoji<'a>,
    }

    #[derive(Serialize)]
    pub struct Tag<'a> {
        pub id: i64,
        pub name: &'a str,
        pub decoration: &'a Value,
    }

    #[derive(Serialize)]
    pub struct IntegrationRef<'a> {
        pub name: &'a str,
        pub address: &'a str,
        #[serde(rename = "type")]
        pub kind: &'static str,
    }

    #[derive(Serialize)]
    pub struct Ticket<'a> {
        pub id: i64,
        pub uri: String,
        pub external_id: Option<String>,
        pub language: Option<&'a str>,
        pub status: &'static str,
        pub priority: &'a str,
        pub channel: &'a str,
        pub via: &'a str,
        pub from_agent: bool,
        pub customer: Person<'a>,
        pub assignee_user: Option<Assignee<'a>>,
        pub assignee_team: Option<Team<'a>>,
        pub subject: String,
        pub excerpt: String,
        pub integrations: Vec<IntegrationRef<'a>>,
        pub meta: Option<Empty>,
        pub tags: Vec<Tag<'a>>,
        pub messages_count: usize,
        pub is_unread: bool,
        pub spam: bool,
        pub created_datetime: String,
        pub opened_datetime: Option<String>,
        pub last_received_message_datetime: Option<String>,
        pub last_message_datetime: Option<String>,
        pub updated_datetime: String,
        pub closed_datetime: Option<String>,
        pub snooze_datetime: Option<String>,
        pub trashed_datetime: Option<String>,
        pub custom_fields: Empty,
    }

    #[derive(Serialize, Clone, Copy)]
    pub struct Addr<'a> {
        pub name: Option<&'a str>,
        pub address: &'a str,
    }

    #[derive(Serialize)]
    pub struct Source<'a> {
        #[serde(rename = "type")]
        pub kind: &'a str,
        pub from: Addr<'a>,
        pub to: [Addr<'a>; 1],
        pub cc: [Addr<'a>; 0],
        pub bcc: [Addr<'a>; 0],
        pub extra: Empty,
    }

    #[derive(Serialize)]
    pub struct Intent<'a> {
        pub name: &'a str,
        pub rejected: bool,
        pub is_user_feedback: bool,
    }

    #[derive(Serialize)]
    pub struct Attachment {
        pub url: String,
        pub name: &'static str,
        pub size: i64,
        pub content_type: &'static str,
        pub public: bool,
        pub extra: Empty,
    }

    #[derive(Serialize)]
    pub struct IdRef {
        pub id: i64,
    }

    #[derive(Serialize)]
    pub struct Message<'a> {
        pub id: i64,
        pub uri: String,
        pub message_id: Option<String>,
        pub ticket_id: i64,
        pub external_id: Option<()>,
        pub public: bool,
        pub channel: &'a str,
        pub via: &'a str,
        pub source: Source<'a>,
        pub sender: Person<'a>,
        pub receiver: Person<'a>,
        pub integration_id: Option<i64>,
        pub rule_id: Option<()>,
        pub intents: Vec<Intent<'a>>,
        pub auth_customer_identity: Option<()>,
        pub from_agent: bool,
        pub subject: Option<String>,
        pub body_text: &'a str,
        pub body_html: &'a str,
        pub stripped_text: &'a str,
        pub stripped_html: &'a str,
        pub stripped_signature: Option<()>,
        pub attachments: Vec<Attachment>,
        pub actions: Option<()>,
        pub headers: Option<()>,
        pub meta: Option<()>,
        pub macros: Option<[IdRef; 1]>,
        pub created_datetime: String,
        pub sent_datetime: Option<String>,
        pub failed_datetime: Option<()>,
        pub opened_datetime: Option<()>,
        pub deleted_datetime: Option<()>,
        pub last_sending_error: Option<()>,
        pub is_retriable: bool,
        pub replied_by: Option<()>,
        pub replied_to: Option<()>,
    }
}

//! Which fields each object's collection extracts and which orderings it indexes.

use super::collection::{CollectionSpec, FieldKind::*, FieldSpec, IndexSpec, f};
use super::kind::ObjectKind;

/// Ticket priorities in ascending order (the `priority` ordering of view items).
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "critical"];

const CREATED: IndexSpec = IndexSpec {
    name: "created",
    keys: &["created_datetime"],
};
const UPDATED: IndexSpec = IndexSpec {
    name: "updated",
    keys: &["updated_datetime"],
};
const BY_ID: IndexSpec = IndexSpec {
    name: "id",
    keys: &[],
};
const BY_NAME: IndexSpec = IndexSpec {
    name: "name",
    keys: &["name"],
};

static TICKETS: CollectionSpec = CollectionSpec {
    fields: &[
        f("status", Str),
        f("channel", Str),
        f("via", Str),
        f("priority", Str),
        FieldSpec {
            name: "priority_rank",
            path: "priority",
            kind: Rank(PRIORITIES),
        },
        f("language", Str),
        f("external_id", Str),
        f("subject", Str),
        f("customer.id", Int),
        f("customer.email", Str),
        f("assignee_user.id", Int),
        f("assignee_team.id", Int),
        f("spam", Bool),
        f("is_unread", Bool),
        f("from_agent", Bool),
        f("messages_count", Int),
        f("tags.*.id", List),
        f("tags.*.name", List),
        f("created_datetime", Time),
        f("updated_datetime", Time),
        f("opened_datetime", Time),
        f("last_message_datetime", Time),
        f("last_received_message_datetime", Time),
        f("closed_datetime", Time),
        f("snooze_datetime", Time),
        f("trashed_datetime", Time),
    ],
    indexes: &[
        CREATED,
        UPDATED,
        IndexSpec {
            name: "last_message",
            keys: &["last_message_datetime"],
        },
        IndexSpec {
            name: "last_received_message",
            keys: &["last_received_message_datetime"],
        },
        IndexSpec {
            name: "closed",
            keys: &["closed_datetime"],
        },
        IndexSpec {
            name: "snooze",
            keys: &["snooze_datetime"],
        },
        IndexSpec {
            name: "priority",
            keys: &["priority_rank"],
        },
    ],
    groups: &["customer.id"],
};

static MESSAGES: CollectionSpec = CollectionSpec {
    fields: &[
        f("ticket_id", Int),
        f("from_agent", Bool),
        f("channel", Str),
        f("public", Bool),
        f("sender.id", Int),
        f("macros.*.id", List),
        f("created_datetime", Time),
        f("sent_datetime", Time),
    ],
    indexes: &[CREATED],
    groups: &["ticket_id"],
};

static CUSTOMERS: CollectionSpec = CollectionSpec {
    fields: &[
        f("email", Str),
        f("external_id", Str),
        f("language", Str),
        f("timezone", Str),
        f("name", Str),
        f("firstname", Str),
        f("lastname", Str),
        f("channels.*.address", List),
        f("channels.*.type", List),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[CREATED, UPDATED],
    groups: &[],
};

static EVENTS: CollectionSpec = CollectionSpec {
    fields: &[
        f("type", Str),
        f("object_type", Str),
        f("object_id", Int),
        f("user_id", Int),
        f("created_datetime", Time),
    ],
    indexes: &[CREATED],
    groups: &["object_id"],
};

static INTEGRATIONS: CollectionSpec = CollectionSpec {
    fields: &[
        f("type", Str),
        f("name", Str),
        f("created_datetime", Time),
        f("updated_datetime", Time),
        f("deactivated_datetime", Time),
    ],
    indexes: &[CREATED],
    groups: &[],
};

static JOBS: CollectionSpec = CollectionSpec {
    fields: &[
        f("status", Str),
        f("type", Str),
        f("created_datetime", Time),
    ],
    indexes: &[CREATED],
    groups: &[],
};

static MACROS: CollectionSpec = CollectionSpec {
    fields: &[
        f("name", Str),
        f("language", Str),
        f("usage", Int),
        f("actions.*.arguments.tags", List),
        f("archived_datetime", Time),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[
        CREATED,
        UPDATED,
        BY_NAME,
        IndexSpec {
            name: "usage",
            keys: &["usage"],
        },
        IndexSpec {
            name: "language",
            keys: &["language"],
        },
    ],
    groups: &[],
};

static RULES: CollectionSpec = CollectionSpec {
    fields: &[
        f("name", Str),
        f("priority", Int),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[CREATED],
    groups: &[],
};

static SURVEYS: CollectionSpec = CollectionSpec {
    fields: &[
        f("ticket_id", Int),
        f("customer_id", Int),
        f("score", Int),
        f("created_datetime", Time),
        f("scored_datetime", Time),
        f("sent_datetime", Time),
    ],
    indexes: &[CREATED],
    groups: &["ticket_id"],
};

static TAGS: CollectionSpec = CollectionSpec {
    fields: &[f("name", Str), f("usage", Int), f("created_datetime", Time)],
    indexes: &[
        CREATED,
        BY_NAME,
        IndexSpec {
            name: "usage_name",
            keys: &["usage", "name"],
        },
    ],
    groups: &[],
};

static USERS: CollectionSpec = CollectionSpec {
    fields: &[
        f("email", Str),
        f("external_id", Str),
        f("name", Str),
        f("role.name", Str),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[
        CREATED,
        BY_NAME,
        IndexSpec {
            name: "email",
            keys: &["email"],
        },
        IndexSpec {
            name: "role",
            keys: &["role.name"],
        },
    ],
    groups: &[],
};

static VIEWS: CollectionSpec = CollectionSpec {
    fields: &[f("name", Str), f("slug", Str), f("created_datetime", Time)],
    indexes: &[BY_ID, CREATED],
    groups: &[],
};

static WIDGETS: CollectionSpec = CollectionSpec {
    fields: &[
        f("integration_id", Int),
        f("app_id", Str),
        f("order", Int),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[
        CREATED,
        IndexSpec {
            name: "order",
            keys: &["order"],
        },
    ],
    groups: &[],
};

static TEAMS: CollectionSpec = CollectionSpec {
    fields: &[
        f("name", Str),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[CREATED, BY_NAME],
    groups: &[],
};

static CUSTOM_FIELDS: CollectionSpec = CollectionSpec {
    fields: &[
        f("object_type", Str),
        f("label", Str),
        f("priority", Int),
        f("deactivated_datetime", Time),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[IndexSpec {
        name: "priority",
        keys: &["priority"],
    }],
    groups: &[],
};

static ACCOUNT_SETTINGS: CollectionSpec = CollectionSpec {
    fields: &[f("type", Str)],
    indexes: &[BY_ID],
    groups: &[],
};

/// The collection spec of an object.
pub fn spec(kind: ObjectKind) -> &'static CollectionSpec {
    match kind {
        ObjectKind::AccountSettings => &ACCOUNT_SETTINGS,
        ObjectKind::Customers => &CUSTOMERS,
        ObjectKind::CustomFields => &CUSTOM_FIELDS,
        ObjectKind::Events => &EVENTS,
        ObjectKind::Integrations => &INTEGRATIONS,
        ObjectKind::Jobs => &JOBS,
        ObjectKind::Macros => &MACROS,
        ObjectKind::Messages => &MESSAGES,
        ObjectKind::Rules => &RULES,
        ObjectKind::SatisfactionSurveys => &SURVEYS,
        ObjectKind::Tags => &TAGS,
        ObjectKind::Teams => &TEAMS,
        ObjectKind::Tickets => &TICKETS,
        ObjectKind::Users => &USERS,
        ObjectKind::Views => &VIEWS,
        ObjectKind::Widgets => &WIDGETS,
    }
}

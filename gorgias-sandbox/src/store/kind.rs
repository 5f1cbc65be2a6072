//! The objects the sandbox stores.

use std::fmt;
use std::str::FromStr;

/// One kind of Gorgias object held in an account's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    /// `/api/account/settings`
    AccountSettings,
    /// `/api/customers`
    Customers,
    /// `/api/custom-fields`
    CustomFields,
    /// `/api/events`
    Events,
    /// `/api/integrations`
    Integrations,
    /// `/api/jobs`
    Jobs,
    /// `/api/macros`
    Macros,
    /// `/api/messages` (ticket messages)
    Messages,
    /// `/api/rules`
    Rules,
    /// `/api/satisfaction-surveys`
    SatisfactionSurveys,
    /// `/api/tags`
    Tags,
    /// `/api/teams`
    Teams,
    /// `/api/tickets`
    Tickets,
    /// `/api/users`
    Users,
    /// `/api/views`
    Views,
    /// `/api/phone/voice-calls`
    VoiceCalls,
    /// `/api/phone/voice-call-events`
    VoiceCallEvents,
    /// `/api/phone/voice-call-recordings`
    VoiceCallRecordings,
    /// `/api/widgets`
    Widgets,
}

impl ObjectKind {
    /// Every kind, in a fixed order (the order of the store's collections).
    pub const ALL: [ObjectKind; 19] = [
        ObjectKind::AccountSettings,
        ObjectKind::Customers,
        ObjectKind::CustomFields,
        ObjectKind::Events,
        ObjectKind::Integrations,
        ObjectKind::Jobs,
        ObjectKind::Macros,
        ObjectKind::Messages,
        ObjectKind::Rules,
        ObjectKind::SatisfactionSurveys,
        ObjectKind::Tags,
        ObjectKind::Teams,
        ObjectKind::Tickets,
        ObjectKind::Users,
        ObjectKind::Views,
        ObjectKind::VoiceCalls,
        ObjectKind::VoiceCallEvents,
        ObjectKind::VoiceCallRecordings,
        ObjectKind::Widgets,
    ];

    /// Position in [`ObjectKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name of the object, as its module in `objects/` is named (e.g.
    /// `satisfaction_surveys`, `ticket_messages`): the name a client's stream for it is
    /// expected to carry.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::AccountSettings => "account_settings",
            ObjectKind::Customers => "customers",
            ObjectKind::CustomFields => "custom_fields",
            ObjectKind::Events => "events",
            ObjectKind::Integrations => "integrations",
            ObjectKind::Jobs => "jobs",
            ObjectKind::Macros => "macros",
            ObjectKind::Messages => "ticket_messages",
            ObjectKind::Rules => "rules",
            ObjectKind::SatisfactionSurveys => "satisfaction_surveys",
            ObjectKind::Tags => "tags",
            ObjectKind::Teams => "teams",
            ObjectKind::Tickets => "tickets",
            ObjectKind::Users => "users",
            ObjectKind::Views => "views",
            ObjectKind::VoiceCalls => "voice_calls",
            ObjectKind::VoiceCallEvents => "voice_call_events",
            ObjectKind::VoiceCallRecordings => "voice_call_recordings",
            ObjectKind::Widgets => "widgets",
        }
    }

    /// The kind whose [`ObjectKind::name`] is `name` (e.g. a stream name), if any.
    pub fn from_name(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The name used in paths and in the admin API, e.g. `satisfaction-surveys`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::AccountSettings => "account-settings",
            ObjectKind::Customers => "customers",
            ObjectKind::CustomFields => "custom-fields",
            ObjectKind::Events => "events",
            ObjectKind::Integrations => "integrations",
            ObjectKind::Jobs => "jobs",
            ObjectKind::Macros => "macros",
            ObjectKind::Messages => "messages",
            ObjectKind::Rules => "rules",
            ObjectKind::SatisfactionSurveys => "satisfaction-surveys",
            ObjectKind::Tags => "tags",
            ObjectKind::Teams => "teams",
            ObjectKind::Tickets => "tickets",
            ObjectKind::Users => "users",
            ObjectKind::Views => "views",
            ObjectKind::VoiceCalls => "voice-calls",
            ObjectKind::VoiceCallEvents => "voice-call-events",
            ObjectKind::VoiceCallRecordings => "voice-call-recordings",
            ObjectKind::Widgets => "widgets",
        }
    }

    /// The `object_type` of events about this object, when Gorgias emits events for it
    /// (`CustomField` is recorded: Nango test events; jobs have no documented object type, and
    /// voice activity shows as its own event types, e.g. `incoming-phone-call`, not as
    /// object events).
    pub fn event_object_type(self) -> Option<&'static str> {
        Some(match self {
            ObjectKind::AccountSettings => "Account",
            ObjectKind::Customers => "Customer",
            ObjectKind::CustomFields => "CustomField",
            ObjectKind::Integrations => "Integration",
            ObjectKind::Macros => "Macro",
            ObjectKind::Messages => "TicketMessage",
            ObjectKind::Rules => "Rule",
            ObjectKind::SatisfactionSurveys => "SatisfactionSurvey",
            ObjectKind::Tags => "Tag",
            ObjectKind::Teams => "Team",
            ObjectKind::Tickets => "Ticket",
            ObjectKind::Users => "User",
            ObjectKind::Views => "View",
            ObjectKind::Widgets => "Widget",
            ObjectKind::Events
            | ObjectKind::Jobs
            | ObjectKind::VoiceCalls
            | ObjectKind::VoiceCallEvents
            | ObjectKind::VoiceCallRecordings => return None,
        })
    }

    /// The prefix of event types about this object, e.g. `ticket` in `ticket-created`.
    pub fn event_prefix(self) -> &'static str {
        match self {
            ObjectKind::AccountSettings => "account-setting",
            ObjectKind::Customers => "customer",
            ObjectKind::CustomFields => "custom-field",
            ObjectKind::Events => "event",
            ObjectKind::Integrations => "integration",
            ObjectKind::Jobs => "job",
            ObjectKind::Macros => "macro",
            ObjectKind::Messages => "ticket-message",
            ObjectKind::Rules => "rule",
            ObjectKind::SatisfactionSurveys => "satisfaction-survey",
            ObjectKind::Tags => "tag",
            ObjectKind::Teams => "team",
            ObjectKind::Tickets => "ticket",
            ObjectKind::Users => "user",
            ObjectKind::Views => "view",
            ObjectKind::VoiceCalls => "voice-call",
            ObjectKind::VoiceCallEvents => "voice-call-event",
            ObjectKind::VoiceCallRecordings => "voice-call-recording",
            ObjectKind::Widgets => "widget",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ObjectKind {
    type Err = String;

    /// Accepts the path names (`satisfaction-surveys`), underscores, and `account_settings`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        ObjectKind::ALL
            .into_iter()
            .find(|k| {
                k.as_str() == norm || (norm == "ticket-messages" && *k == ObjectKind::Messages)
            })
            .ok_or_else(|| format!("unknown object {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectKind;

    #[test]
    fn names_round_trip_and_name_the_object_modules() {
        let objects = concat!(env!("CARGO_MANIFEST_DIR"), "/src/objects");
        for k in ObjectKind::ALL {
            assert_eq!(ObjectKind::from_name(k.name()), Some(k), "{k:?}");
            if k != ObjectKind::AccountSettings {
                let module = std::path::Path::new(objects).join(format!("{}.rs", k.name()));
                assert!(module.exists(), "{k:?}: no module {}", module.display());
            }
        }
        assert_eq!(ObjectKind::from_name("nope"), None);
    }
}

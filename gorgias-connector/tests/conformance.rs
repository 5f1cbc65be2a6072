//! The conformance suite run against `gorgias-connector` on the Gorgias sandbox: a fresh
//! seeded sandbox per check (rate limit enforced over a 1 s window, the connector paced to
//! match), requests and 429s observed through the sandbox's statistics, and every hostile mode
//! played by the sandbox's fault plan.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use conformance_tests::{
    Backend, Capabilities, ChangeKind, Harness, HarnessError, Hostile, Redaction, async_trait,
};
use connector_sdk::Definition;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing};
use gorgias_sandbox::{
    AccountOptions, DataSizes, FaultKind, FaultPlan, FaultRule, FaultTrigger, ObjectKind, Sandbox,
    SandboxHandle, SandboxOptions,
};
use serde_json::{Value, json};

/// The sandbox's rate-limit window, scaled from Gorgias's 20 s.
const WINDOW: Duration = Duration::from_secs(1);
const SUBDOMAIN: &str = "acme";

fn options() -> SandboxOptions {
    SandboxOptions::default()
        .accounts(vec![
            AccountOptions::new(SUBDOMAIN).sizes(DataSizes::scaled(30)),
        ])
        .rate_limit_window(WINDOW)
}

/// The sandbox object behind a stream: the sandbox names its objects as the connector names
/// its streams (`ObjectKind::name`), so a new stream needs no entry here.
fn kind(stream: &str) -> Result<ObjectKind, HarnessError> {
    ObjectKind::from_name(stream)
        .ok_or_else(|| format!("the sandbox has no object named like the stream `{stream}`").into())
}

/// The first seeded id of the object behind every stream that has one (the sandbox is
/// deterministic from its seed).
/// The first seeded customer's email (set with [`seeded_ids`]).
static SEEDED_EMAIL: OnceLock<String> = OnceLock::new();

fn seeded_ids() -> &'static BTreeMap<String, i64> {
    static IDS: OnceLock<BTreeMap<String, i64>> = OnceLock::new();
    IDS.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let h = Sandbox::start(options()).await.expect("sandbox starts");
                let mut ids = BTreeMap::new();
                for stream in &GorgiasDefinition::new().spec().streams {
                    let Ok(k) = kind(&stream.name) else { continue };
                    let all = h.all_ids(SUBDOMAIN, k).expect("ids");
                    if let Some(first) = all.first() {
                        ids.insert(stream.name.clone(), *first);
                    }
                }
                // The first customer's email, for find_customer_by_email.
                let email = ids
                    .get("customers")
                    .and_then(|id| h.get_record(SUBDOMAIN, ObjectKind::Customers, *id).ok())
                    .flatten()
                    .and_then(|c| c["email"].as_str().map(str::to_owned));
                let _ = SEEDED_EMAIL.set(email.expect("a seeded customer with an email"));
                h.shutdown().await;
                ids
            })
        })
        .join()
        .expect("seeding thread")
    })
}

struct Gorgias;

struct Sb {
    handle: SandboxHandle,
    config: Value,
    bad: Value,
}

fn definition() -> Arc<dyn Definition> {
    static D: OnceLock<Arc<dyn Definition>> = OnceLock::new();
    D.get_or_init(|| {
        Arc::new(GorgiasDefinition::with_options(ClientOptions {
            pacing: Pacing::Window(WINDOW),
            ..ClientOptions::default()
        }))
    })
    .clone()
}

#[async_trait]
impl Harness for Gorgias {
    fn name(&self) -> String {
        "gorgias".into()
    }

    fn definition(&self) -> Arc<dyn Definition> {
        Arc::new(GorgiasDefinition::new())
    }

    async fn start(&self) -> Result<Box<dyn Backend>, HarnessError> {
        let handle = Sandbox::start(options()).await?;
        let a = handle.account(SUBDOMAIN).ok_or("no sandbox account")?;
        let config = json!({
            "subdomain": a.subdomain,
            "auth": {"type": "basic", "email": a.email, "api_key": a.api_key},
            "base_url": handle.base_url(),
        });
        let mut bad = config.clone();
        bad["auth"]["api_key"] = json!("wrong-key-CANARY-0000");
        Ok(Box::new(Sb {
            handle,
            config,
            bad,
        }))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            counts_requests: true,
            logs_request_instants: true,
            counts_rate_limited: true,
            changes_records: true,
            isolated_backends: true,
            hostile: vec![
                Hostile::PrettyPrint,
                Hostile::ForgedLine,
                Hostile::EchoCredentials,
            ],
        }
    }

    /// Streams read in several partitions (e.g. macros with `archived=false` and `true`): their
    /// list action shows one partition at a time. Derived from the declarations.
    fn partial_lists(&self) -> BTreeMap<String, String> {
        gorgias_connector::objects::streams()
            .into_iter()
            .filter(|s| s.partitions.len() > 1)
            .map(|s| {
                let why = format!(
                    "the stream reads {} partitions: {:?}",
                    s.partitions.len(),
                    s.partitions
                );
                (s.name.to_string(), why)
            })
            .collect()
    }

    fn action_samples(&self) -> BTreeMap<String, Vec<Value>> {
        let id = |s: &str| {
            *seeded_ids()
                .get(s)
                .unwrap_or_else(|| panic!("no seeded `{s}` in the sandbox"))
        };
        let period = json!({"period": {"start_datetime": "2024-01-01T00:00:00Z", "end_datetime": "2026-12-31T00:00:00Z"}});
        let mut m = BTreeMap::new();
        let mut add = |name: &str, input: Value| {
            m.insert(name.to_string(), vec![input]);
        };
        add("get_account", json!({}));
        add("list_account_settings", json!({}));
        // `get_<object>` reads one record of the stream `<object>s` by id: derived from the
        // spec, so a new stream's get action is sampled without an edit here.
        let spec = GorgiasDefinition::new().spec().clone();
        for a in &spec.actions {
            let stream = a.name.strip_prefix("get_").map(|o| format!("{o}s"));
            if let Some(stream) = stream.filter(|s| seeded_ids().contains_key(s))
                && a.input_schema["required"] == json!(["id"])
            {
                add(&a.name, json!({"id": id(&stream)}));
            }
        }
        add("list_ticket_tags", json!({"ticket_id": id("tickets")}));
        add(
            "list_view_items",
            json!({"view_id": id("views"), "limit": 5}),
        );
        add(
            "list_customer_custom_field_values",
            json!({"id": id("customers")}),
        );
        add(
            "list_ticket_custom_field_values",
            json!({"ticket_id": id("tickets")}),
        );
        add(
            "set_ticket_custom_field_value",
            json!({"ticket_id": id("tickets"), "id": id("custom_fields"), "value": "Refund"}),
        );
        add(
            "update_custom_fields",
            json!({"custom_fields": [{"id": id("custom_fields"), "priority": 1}]}),
        );
        add(
            "upload_files",
            json!({"files": [{"name": "conformance.txt", "content_type": "text/plain", "content_base64": "aGVsbG8gZnJvbSB0aGUgc3VpdGU="}]}),
        );
        add(
            "create_tag",
            json!({"name": "conformance-vip", "description": "made by the suite"}),
        );
        add("create_team", json!({"name": "Conformance team"}));
        add(
            "update_ticket",
            json!({"id": id("tickets"), "status": "closed"}),
        );
        add(
            "search",
            json!({"type": "customer", "query": "a", "size": 5}),
        );
        add(
            "get_statistic",
            json!({"name": "total-tickets-created", "filters": period}),
        );
        // The composite read actions (the seed is fixed: their outputs are too).
        add(
            "get_ticket_with_messages",
            json!({"id": id("tickets"), "messages_limit": 5}),
        );
        seeded_ids();
        let email = SEEDED_EMAIL.get().expect("seeded with the ids").clone();
        add(
            "find_customer_by_email",
            json!({"email": email, "tickets_limit": 3}),
        );
        add(
            "summarize_tickets",
            json!({"since": "2000-01-01T00:00:00Z", "max_pages": 2}),
        );
        m
    }

    fn snapshot_dir(&self) -> Option<PathBuf> {
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/snapshots"
        )))
    }

    fn redactions(&self, snapshot: &str) -> Vec<(String, Redaction)> {
        let volatile = ["id", "uri", "created_datetime", "updated_datetime", "meta"];
        match snapshot {
            // The sandbox signs each upload's link anew.
            "action.upload_files" => vec![("[].output[].url".into(), Redaction::from("[url]"))],
            // A bulk update answers `{data: [definition]}`, each stamped with the time it ran.
            "action.update_custom_fields" => vec![(
                "[].output.data[].updated_datetime".into(),
                Redaction::from("[volatile]"),
            )],
            s if s.starts_with("action.create_") || s.starts_with("action.update_") => volatile
                .iter()
                .map(|f| (format!("[].output.{f}"), Redaction::from("[volatile]")))
                .collect(),
            "action.get_statistic" => vec![("[].output.meta".into(), Redaction::from("[period]"))],
            _ => Vec::new(),
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(120)
    }
}

#[async_trait]
impl Backend for Sb {
    fn definition(&self) -> Arc<dyn Definition> {
        definition()
    }

    fn valid_config(&self) -> Value {
        self.config.clone()
    }

    fn bad_credentials_config(&self) -> Value {
        self.bad.clone()
    }

    async fn requests(&self) -> Option<u64> {
        let s = self.handle.stats();
        Some(s.account(SUBDOMAIN).total_requests + s.unauthenticated)
    }

    async fn request_instants(&self) -> Option<Vec<Duration>> {
        Some(self.handle.stats().account(SUBDOMAIN).request_log)
    }

    async fn rate_limited(&self) -> Option<u64> {
        Some(self.handle.stats().account(SUBDOMAIN).rate_limited)
    }

    async fn change(&self, stream: &str, change: ChangeKind) -> Result<usize, HarnessError> {
        let k = kind(stream)?;
        match change {
            ChangeKind::Update => Ok(self.handle.touch(SUBDOMAIN, k, 3)?.len()),
            ChangeKind::Insert => {
                for _ in 0..3 {
                    self.handle.insert(SUBDOMAIN, k)?;
                }
                Ok(3)
            }
            other => Err(format!("the sandbox cannot make a {other:?} change").into()),
        }
    }

    async fn set_hostile(&self, hostile: Option<Hostile>) -> Result<(), HarnessError> {
        let fault = match hostile {
            None => {
                self.handle.set_faults(FaultPlan::none());
                return Ok(());
            }
            Some(Hostile::PrettyPrint) => FaultKind::PrettyPrint,
            Some(Hostile::ForgedLine) => FaultKind::ForgeLine {
                message: conformance_tests::forged_line(),
            },
            Some(Hostile::EchoCredentials) => FaultKind::EchoHeaders { status: 400 },
            Some(other) => return Err(format!("the sandbox cannot play {other:?}").into()),
        };
        self.handle.set_faults(FaultPlan::single(FaultRule::new(
            FaultTrigger::Always,
            fault,
        )));
        Ok(())
    }

    fn rate_limit_window(&self, _declared: Duration) -> Duration {
        WINDOW
    }
}

fn main() {
    conformance_tests::run(Gorgias).exit()
}

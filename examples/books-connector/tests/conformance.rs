//! The whole conformance suite run against `books-connector` on its fake Books API: a fresh
//! seeded fake per check, the connector paced by its declared limit (which the fake enforces),
//! requests, their arrival and 429s observed by the fake, books touched and authors inserted
//! between reads, and every hostile mode played by the fake.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use books_connector::BooksDefinition;
use books_connector::fake::{Fake, Misbehave};
use conformance_tests::{
    Backend, Capabilities, ChangeKind, Harness, HarnessError, Hostile, Redaction, async_trait,
};
use connector_sdk::Definition;
use serde_json::{Value, json};

struct Books;

struct Backed(Fake);

fn definition() -> Arc<dyn Definition> {
    static D: OnceLock<Arc<dyn Definition>> = OnceLock::new();
    D.get_or_init(|| Arc::new(BooksDefinition::new())).clone()
}

#[async_trait]
impl Harness for Books {
    fn name(&self) -> String {
        "books".into()
    }

    fn definition(&self) -> Arc<dyn Definition> {
        definition()
    }

    async fn start(&self) -> Result<Box<dyn Backend>, HarnessError> {
        Ok(Box::new(Backed(Fake::start().await?)))
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

    fn action_samples(&self) -> BTreeMap<String, Vec<Value>> {
        BTreeMap::from([
            ("get_book".into(), vec![json!({"id": 1}), json!({"id": 57})]),
            (
                "create_book".into(),
                vec![
                    json!({"title": "The Conformance Suite", "author_id": 2, "isbn": "9780000000017"}),
                ],
            ),
            (
                "update_book".into(),
                vec![json!({"id": 2, "available": false, "isbn": null})],
            ),
            ("delete_book".into(), vec![json!({"id": 3})]),
            ("get_author".into(), vec![json!({"id": 1})]),
        ])
    }

    fn snapshot_dir(&self) -> Option<PathBuf> {
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/snapshots"
        )))
    }

    fn redactions(&self, snapshot: &str) -> Vec<(String, Redaction)> {
        let volatile: &[&str] = match snapshot {
            "action.create_book" => &["id", "created_at", "updated_at"],
            "action.update_book" => &["updated_at"],
            _ => &[],
        };
        volatile
            .iter()
            .map(|f| (format!("[].output.{f}"), Redaction::from("[write]")))
            .collect()
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(120)
    }
}

#[async_trait]
impl Backend for Backed {
    fn definition(&self) -> Arc<dyn Definition> {
        definition()
    }

    /// Pages of 3: a full read (23 requests) outruns the bucket's burst, so pacing is proven.
    fn valid_config(&self) -> Value {
        let mut config = self.0.config();
        config["page_size"] = json!(3);
        config
    }

    fn bad_credentials_config(&self) -> Value {
        let mut config = self.valid_config();
        config["auth"]["token"] = json!("wrong-token-CANARY-0000");
        config
    }

    async fn requests(&self) -> Option<u64> {
        Some(self.0.requests())
    }

    async fn request_instants(&self) -> Option<Vec<Duration>> {
        Some(self.0.request_instants())
    }

    async fn rate_limited(&self) -> Option<u64> {
        Some(self.0.rate_limited())
    }

    async fn change(&self, stream: &str, kind: ChangeKind) -> Result<usize, HarnessError> {
        match (stream, kind) {
            ("books", ChangeKind::Update) => Ok(self.0.touch_books(3)),
            ("authors", ChangeKind::Insert) => Ok(self.0.insert_authors(3).len()),
            (other, kind) => Err(format!("the fake cannot change `{other}` by {kind:?}").into()),
        }
    }

    async fn set_hostile(&self, hostile: Option<Hostile>) -> Result<(), HarnessError> {
        self.0.misbehave(match hostile {
            None => None,
            Some(Hostile::PrettyPrint) => Some(Misbehave::PrettyPrint),
            Some(Hostile::ForgedLine) => Some(Misbehave::ForgeLine(
                conformance_tests::forged_line().to_string(),
            )),
            Some(Hostile::EchoCredentials) => Some(Misbehave::EchoHeaders),
            Some(other) => return Err(format!("the fake cannot play {other:?}").into()),
        });
        Ok(())
    }
}

fn main() {
    conformance_tests::run(Books).exit()
}

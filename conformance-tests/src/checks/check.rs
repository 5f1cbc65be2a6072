//! `check::*`: `Connector::check` succeeds with the valid config with one request, and fails
//! with `AuthRejected` (one request, no retry, no secret in the message) with bad credentials.

use connector_sdk::{DefinitionExt, Error};

use crate::checks::config::mask;
use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::support::{self, Session};
use crate::{Check, Plan};

/// `check::valid_credentials`: `check` succeeds, with exactly one request when the harness counts.
pub async fn valid_credentials(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let connector = session.connect()?;
    let before = session.requests().await?;
    if let Err(e) = connector.check().await {
        fail!(
            "check failed with the valid config: {} error: {e}",
            e.kind()
        );
    }
    if let (Some(b), Some(a)) = (before, session.requests().await?) {
        ensure!(
            a - b == 1,
            "check made {} request(s) with the valid config; it must make one cheap request",
            a - b
        );
    }
    Ok(())
}

/// `check::bad_credentials`: with the bad-credentials config the connector builds, and `check`
/// fails with `AuthRejected` after one request (4xx is never retried), with a message that
/// echoes neither the valid nor the bad secrets.
pub async fn bad_credentials(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let bad = session.backend.bad_credentials_config();
    let mut secrets = support::secrets(session.spec(), &session.config);
    secrets.extend(support::secrets(session.spec(), &bad));
    let connector = session.definition.connect(&bad).map_err(|e| {
        Failure::new(format!(
            "the bad-credentials config was refused before any request ({e}); it must be valid in shape"
        ))
    })?;
    let before = session.requests().await?;
    let result = connector.check().await;
    let after = session.requests().await?;
    match result {
        Ok(()) => fail!("check succeeded with bad credentials"),
        Err(e @ Error::AuthRejected { .. }) => {
            for text in [e.to_string(), format!("{e:?}")] {
                if let Some(s) = support::echoed(&text, &secrets) {
                    fail!(
                        "the auth error echoes the secret {}: {}",
                        mask(s),
                        support::redact(&text, &secrets)
                    );
                }
            }
        }
        Err(e) => fail!(
            "check failed with {} instead of auth_rejected with bad credentials: {e}",
            e.kind()
        ),
    }
    if let (Some(b), Some(a)) = (before, after) {
        ensure!(
            a - b == 1,
            "check made {} request(s) with bad credentials; a 401 must not be retried",
            a - b
        );
    }
    Ok(())
}

/// The family name.
pub const FAMILY: &str = "check";

/// The `check::*` checks: always.
pub fn register(_plan: &Plan) -> Vec<Check> {
    vec![
        plain!(FAMILY, "valid_credentials", valid_credentials),
        plain!(FAMILY, "bad_credentials", bad_credentials),
    ]
}

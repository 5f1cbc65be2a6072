//! Admin routes outside `/api/` (no auth, not Gorgias): `GET /__sandbox/stats`, `POST
//! /__sandbox/reset` (clears statistics), `GET`/`PUT /__sandbox/faults` (the JSON fault plan), `GET
//! /__sandbox/accounts` (credentials, for demos).

use crate::faults::{FaultEngine, FaultPlan};
use crate::server::{AppState, admin_error, json_text};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

async fn stats(State(app): State<AppState>) -> Response {
    json_text(
        StatusCode::OK,
        serde_json::to_string(&app.stats()).unwrap_or_default(),
    )
}

async fn reset(State(app): State<AppState>) -> Response {
    app.reset_stats();
    StatusCode::NO_CONTENT.into_response()
}

async fn get_faults(State(app): State<AppState>) -> Response {
    json_text(
        StatusCode::OK,
        serde_json::to_string(&app.fault_plan()).unwrap_or_default(),
    )
}

async fn put_faults(State(app): State<AppState>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultPlan>(&body) {
        Ok(plan) => {
            let out = serde_json::to_string(&plan).unwrap_or_default();
            app.set_faults(FaultEngine::new(plan));
            json_text(StatusCode::OK, out)
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, &format!("Invalid fault plan: {e}")),
    }
}

async fn accounts(State(app): State<AppState>) -> Response {
    let list: Vec<_> = app
        .accounts
        .iter()
        .map(|a| {
            json!({
                "subdomain": a.creds.subdomain,
                "email": a.creds.email,
                "api_key": a.creds.api_key,
                "bearer_token": a.creds.bearer_token,
                "client_id": a.creds.client_id,
                "client_secret": a.creds.client_secret,
                "refresh_token": a.creds.refresh_token,
            })
        })
        .collect();
    json_text(StatusCode::OK, json!({ "data": list }).to_string())
}

/// Admin routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/faults", get(get_faults).put(put_faults))
        .route("/__sandbox/accounts", get(accounts))
}

//! The admin API under `/_sandbox/`: how tests and users look inside and steer the sandbox.
//!
//! It is not a provider API, so it uses a plain shape (`{"error": "…"}` on failure), needs no
//! credentials, is never logged and never faulted.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use super::Shared;
use super::faults::FaultConfig;
use super::log::RequestRecord;

/// A failed admin call: a status and a message, answered as `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    /// The HTTP status to answer.
    pub status: StatusCode,
    /// What was wrong, for the test's failure message.
    pub message: String,
}

impl AdminError {
    /// 400: the admin request itself is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        AdminError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// 404: the object the admin request names does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        AdminError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// 409: the object exists but is in the wrong state for the request.
    pub fn conflict(message: impl Into<String>) -> Self {
        AdminError {
            status: StatusCode::CONFLICT,
            message: message.into(),
        }
    }

    /// Parses an admin JSON body, whatever its content type.
    pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
        serde_json::from_slice(body)
            .map_err(|err| AdminError::bad_request(format!("invalid JSON body: {err}")))
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// The generic admin routes plus every emulator's own, under `/<provider type>/`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new()
        .route("/requests", get(list_requests).delete(clear_requests))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/state", get(get_state))
        .with_state(shared.clone());
    for emulator in &shared.emulators {
        router = router.nest(
            &format!("/{}", emulator.provider_type()),
            emulator.clone().admin_router(),
        );
    }
    router
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RequestRecord>> {
    Json(shared.log.snapshot())
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "cleared": shared.log.clear() }))
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Json<FaultConfig> {
    Json(
        shared
            .faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .config()
            .clone(),
    )
}

async fn put_faults(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<FaultConfig>, AdminError> {
    let faults: FaultConfig = AdminError::parse_body(&body)?;
    faults.validate().map_err(AdminError::bad_request)?;
    shared
        .faults
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .set(faults.clone());
    Ok(Json(faults))
}

async fn get_state(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(shared.store.document(&shared.emulators))
}

//! The emulator's test controls, under `/_sandbox/nhn-deploy/` (no token, never logged or
//! faulted; failures are `{"error": …}`).
//!
//! - `PUT /outcomes` `{"artifact","server_group","outcome":"success"|"fail","hosts"?:[…]}`:
//!   how that group's future deployments end (`hosts`: only those fail); answers all rules.
//!   `DELETE /outcomes` clears them. Unknown names are 404, unknown hosts 400.
//! - `GET` / `PUT /token-lifetime` `{"seconds":N, "as_text"?: bool}` (0–86,400; 0 issues
//!   already-expired tokens, for tests): the lifetime of tokens issued from now on, and
//!   whether token answers write it as a string (the token document's table types
//!   `expires_in` as String, its sample shows a number; both must be read).
//! - `GET` / `PUT /max-upload-size` `{"bytes":N}`: the `FILE_SIZE_CAPACITY_EXCEEDED` limit.
//! - `GET /binaries`: every stored binary with its size, SHA-256 and blob file.
//! - `GET /deployments`, `GET /deployments/{deployKey}`: runs with their status now and, once
//!   ended, per-host results (the target of `deployResultLocation`).
//! - `POST /deployments/{deployKey}/finish` `{"status":"success"|"fail"}`: ends a running
//!   run (how runs end in `Manual` timing); 409 when it already ended.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::state::{Deployment, Outcome, OutcomeRule, Progress};
use super::{NhnEmulator, deploy, history, seed};
use crate::providers::common::emulator::now_ms;
use crate::providers::common::emulator::outcome::{Finish, path_id, set_rule};
use crate::sandbox::AdminError;

pub(super) fn router(emulator: Arc<NhnEmulator>) -> Router {
    Router::new()
        .route("/outcomes", put(set_outcome).delete(clear_outcomes))
        .route(
            "/token-lifetime",
            get(token_lifetime).put(set_token_lifetime),
        )
        .route("/max-upload-size", get(max_upload).put(set_max_upload))
        .route("/binaries", get(binaries))
        .route("/deployments", get(deployments))
        .route("/deployments/{deployKey}", get(deployment))
        .route("/deployments/{deployKey}/finish", post(finish))
        .with_state(emulator)
}

async fn set_outcome(
    State(emulator): State<Arc<NhnEmulator>>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let rule: OutcomeRule = AdminError::parse_body(&body)?;
    let group = seed::artifact_named(&rule.artifact)
        .and_then(|artifact| {
            artifact
                .server_groups
                .iter()
                .find(|group| group.name == rule.server_group)
        })
        .ok_or_else(|| {
            AdminError::not_found(format!(
                "no server group {}/{}",
                rule.artifact, rule.server_group
            ))
        })?;
    let hosts = group.hosts();
    if let Some(unknown) = rule
        .hosts
        .iter()
        .flatten()
        .find(|host| !hosts.contains(&host.as_str()))
    {
        return Err(AdminError::bad_request(format!(
            "{unknown:?} is not a host of {} ({})",
            group.name,
            hosts.join(", ")
        )));
    }
    let rules = emulator.with_state(|state| {
        set_rule(&mut state.outcomes, rule, |old, new| {
            (&old.artifact, &old.server_group) == (&new.artifact, &new.server_group)
        })
    });
    Ok(Json(json!({ "outcomes": rules })))
}

async fn clear_outcomes(State(emulator): State<Arc<NhnEmulator>>) -> Json<Value> {
    let cleared = emulator.with_state(|state| std::mem::take(&mut state.outcomes).len());
    Json(json!({ "cleared": cleared }))
}

#[derive(Deserialize)]
struct Lifetime {
    seconds: u64,
    /// Answer `expires_in` as a string; left as it was when not given.
    #[serde(default)]
    as_text: Option<bool>,
}

async fn token_lifetime(State(emulator): State<Arc<NhnEmulator>>) -> Json<Value> {
    let (seconds, as_text) =
        emulator.with_state(|state| (state.token_lifetime_secs, state.token_lifetime_as_text));
    Json(json!({ "seconds": seconds, "as_text": as_text }))
}

async fn set_token_lifetime(
    State(emulator): State<Arc<NhnEmulator>>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let Lifetime { seconds, as_text } = AdminError::parse_body(&body)?;
    if seconds > 86_400 {
        return Err(AdminError::bad_request(format!(
            "seconds must be at most 86400 (the console's maximum), got {seconds}"
        )));
    }
    let as_text = emulator.with_state(|state| {
        state.token_lifetime_secs = seconds;
        if let Some(as_text) = as_text {
            state.token_lifetime_as_text = as_text;
        }
        state.token_lifetime_as_text
    });
    Ok(Json(json!({ "seconds": seconds, "as_text": as_text })))
}

#[derive(Deserialize)]
struct MaxUpload {
    bytes: u64,
}

async fn max_upload(State(emulator): State<Arc<NhnEmulator>>) -> Json<Value> {
    let bytes = emulator.with_state(|state| state.max_upload_bytes);
    Json(json!({ "bytes": bytes }))
}

async fn set_max_upload(
    State(emulator): State<Arc<NhnEmulator>>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let MaxUpload { bytes } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| state.max_upload_bytes = bytes);
    Ok(Json(json!({ "bytes": bytes })))
}

async fn binaries(State(emulator): State<Arc<NhnEmulator>>) -> Json<Value> {
    let binaries = emulator.with_state(|state| state.binaries.clone());
    let rows: Vec<Value> = binaries
        .iter()
        .map(|binary| {
            let artifact = seed::artifact(binary.artifact_id);
            let group =
                artifact.and_then(|artifact| artifact.binary_group(binary.binary_group_key));
            json!({
                "binaryKey": binary.key,
                "artifactId": binary.artifact_id,
                "artifact": artifact.map(|artifact| artifact.name),
                "binaryGroupKey": binary.binary_group_key,
                "binaryGroup": group.map(|group| group.name),
                "version": binary.version,
                "name": binary.name,
                "size": binary.size,
                "sha256": binary.sha256,
                "uploadDate": super::time::iso(binary.upload_date),
                "uploader": binary.uploader,
                "description": binary.description,
                "osType": binary.os_type,
                "fix": binary.fix,
                "metaFileName": binary.meta_file_name,
                "file": emulator.blobs.path(binary.key),
            })
        })
        .collect();
    Json(json!({ "binaries": rows }))
}

fn view(run: &Deployment, now: i64) -> Value {
    let outcome = run.outcome_at(now);
    json!({
        "history": history::entry(run, now),
        "autoscaleGroup": run.autoscale_group,
        "scenarioIds": run.scenario_ids,
        "binaryKey": run.binary_key,
        "deployNote": run.deploy_note,
        "concurrentNum": run.concurrent_num,
        "nextWhenFail": run.next_when_fail,
        "deployStatus": outcome.map_or("deploying", Outcome::lower),
        "deployResult": outcome.map(|outcome| deploy::host_results(run, outcome)),
    })
}

async fn deployments(State(emulator): State<Arc<NhnEmulator>>) -> Json<Value> {
    let now = now_ms();
    let runs = emulator.with_state(|state| state.deployments.clone());
    Json(json!({ "deployments": runs.iter().map(|run| view(run, now)).collect::<Vec<_>>() }))
}

async fn deployment(
    State(emulator): State<Arc<NhnEmulator>>,
    Path(key): Path<String>,
) -> Result<Json<Value>, AdminError> {
    let key = path_id("deployKey", &key)?;
    let now = now_ms();
    emulator
        .with_state(|state| {
            state
                .deployments
                .iter()
                .find(|run| run.deploy_key == key)
                .map(|run| view(run, now))
        })
        .map(Json)
        .ok_or_else(|| AdminError::not_found(format!("deployment {key} does not exist")))
}

async fn finish(
    State(emulator): State<Arc<NhnEmulator>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let key = path_id("deployKey", &key)?;
    let Finish { status } = AdminError::parse_body(&body)?;
    let now = now_ms();
    emulator.with_state(|state| {
        let run = state
            .deployments
            .iter_mut()
            .find(|run| run.deploy_key == key)
            .ok_or_else(|| AdminError::not_found(format!("deployment {key} does not exist")))?;
        if let Some(outcome) = run.outcome_at(now) {
            return Err(AdminError::conflict(format!(
                "deployment {key} already ended with {}",
                outcome.upper()
            )));
        }
        run.progress = Progress::Settled {
            outcome: status,
            at: now,
        };
        Ok(Json(view(run, now)))
    })
}

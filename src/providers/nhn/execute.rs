//! Uploads and deployments.
//!
//! An upload is idempotent by version: `ALREADY_UPLOADED_VERSION` (another run got there
//! first) counts as done once the stored size is checked to match. A deployment is not
//! idempotent: it starts only when no deployment of the group is running, and after an
//! ambiguous failure the history is read instead of deploying again.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::Upload;
use super::fetch::ids;
use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::provider::{NhnProvider, request_error};
use super::wire;
use crate::model::{Action, Change, Resource};
use crate::providers::{ApplyContext, Outcome, ProviderError};

pub async fn execute(
    provider: &NhnProvider,
    change: &Change,
    desired: Option<&Resource>,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let desired = desired.ok_or_else(|| {
        ProviderError::Precondition(format!("no desired state for `{}`", change.address))
    })?;
    match (change.kind.as_str(), change.action) {
        (KIND_BINARY, Action::Create) => upload(provider, desired).await,
        (KIND_RELEASE, Action::Deploy) => deploy(provider, change, desired, ctx).await,
        (kind, action) => Err(ProviderError::Precondition(format!(
            "a `{kind}` cannot be {} through the NHN Cloud Deploy API",
            action.as_str()
        ))),
    }
}

fn text(resource: &Resource, key: &str) -> Option<String> {
    resource
        .attributes
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

async fn upload(provider: &NhnProvider, desired: &Resource) -> Result<Outcome, ProviderError> {
    let (artifact, group, _) = ids(provider, desired).await?;
    let group =
        group.ok_or_else(|| ProviderError::Precondition("binary group not found".into()))?;
    let version = text(desired, "version").unwrap_or_default();
    let size = desired
        .attributes
        .get("size")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let upload = Upload {
        file: PathBuf::from(text(desired, "file").unwrap_or_default()),
        application_type: text(desired, "application_type").unwrap_or_else(|| "server".into()),
        version: version.clone(),
        description: text(desired, "description"),
        os_type: text(desired, "os_type"),
        fix: desired.attributes.get("fix").and_then(Value::as_bool),
        meta_file: text(desired, "meta_file").map(PathBuf::from),
    };
    let call = format!("upload version `{version}` of binary `{}`", desired.name);
    match provider
        .client
        .upload_binary(artifact.id, group, &upload)
        .await
    {
        Ok(result) => Ok(Outcome {
            id: Some(result.binary_key.clone()),
            message: format!("uploaded {size} bytes as binary {}", result.binary_key),
        }),
        Err(err) if err.is_already_uploaded() || err.is_ambiguous() => {
            // Another run may have uploaded it, or this one did and the answer was lost.
            let found = provider
                .client
                .find_binary(artifact.id, group, &version)
                .await
                .map_err(|e| request_error(format!("look up version `{version}`"), e))?;
            match found {
                Some(binary) if binary.binary_size as u64 == size => Ok(Outcome {
                    id: Some(binary.binary_key.clone()),
                    message: format!(
                        "version `{version}` was already uploaded with the same size (binary {})",
                        binary.binary_key
                    ),
                }),
                Some(binary) => Err(ProviderError::Precondition(format!(
                    "version `{version}` already exists with {} bytes, but the local file has {size}: bump the version",
                    binary.binary_size
                ))),
                None => Err(request_error(call, err)),
            }
        }
        Err(err) => Err(request_error(call, err)),
    }
}

fn deploy_request(desired: &Resource) -> wire::DeployRequest {
    let list = |key: &str| -> Option<String> {
        let items = desired.attributes.get(key)?.as_array()?;
        let joined: Vec<String> = items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect();
        (!joined.is_empty()).then(|| joined.join(","))
    };
    wire::DeployRequest {
        target_server_hostnames: list("target_server_hostnames"),
        concurrent_num: desired
            .attributes
            .get("concurrent_num")
            .and_then(Value::as_u64)
            .map(|n| n as u32),
        next_when_fail: desired
            .attributes
            .get("next_when_fail")
            .and_then(Value::as_bool),
        deploy_note: text(desired, "deploy_note"),
        r#async: Some(
            desired
                .attributes
                .get("async")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        scenario_ids: list("scenarios"),
    }
}

async fn deploy(
    provider: &NhnProvider,
    change: &Change,
    desired: &Resource,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let (artifact, _, server_group) = ids(provider, desired).await?;
    let group_name = text(desired, "server_group").unwrap_or_default();
    let server_group = server_group.ok_or_else(|| {
        ProviderError::Precondition(format!("server group `{group_name}` not found"))
    })?;
    let latest = provider
        .client
        .latest_deployments(artifact.id, server_group)
        .await
        .map_err(|e| request_error(format!("read the deployment history of `{group_name}`"), e))?;
    if let Some(running) = latest
        .latest
        .as_ref()
        .filter(|h| h.total_result == "RUNNING")
    {
        return Err(ProviderError::Precondition(format!(
            "deployment {} of server group `{group_name}` is still running; wait for it, then plan again",
            running.deploy_key
        )));
    }
    let request = deploy_request(desired);
    let started = jiff::Timestamp::now();
    (ctx.progress)(
        &change.address,
        &format!(
            "deploying version {} to `{group_name}`",
            text(desired, "version").unwrap_or_default()
        ),
    );
    let runs = match provider
        .client
        .deploy(artifact.id, server_group, &request)
        .await
    {
        Ok(runs) => runs,
        Err(err) if err.is_ambiguous() => {
            return Err(ProviderError::Ambiguous {
                call: format!("deploy to `{group_name}`"),
                message: format!(
                    "{err}; the deployment may have started — check the history before applying again"
                ),
            });
        }
        Err(err) => return Err(request_error(format!("deploy to `{group_name}`"), err)),
    };
    if runs.is_empty() {
        return Err(ProviderError::Precondition(format!(
            "deploy to `{group_name}` returned no deployment"
        )));
    }
    let timeout = desired
        .attributes
        .get("timeout_seconds")
        .and_then(Value::as_u64)
        .map(Duration::from_secs)
        .unwrap_or(ctx.deploy_timeout);
    let mut keys = Vec::new();
    for run in &runs {
        let status = match run.deploy_status.to_ascii_lowercase().as_str() {
            "deploying" => {
                wait(
                    provider,
                    change,
                    artifact.id,
                    server_group,
                    run.deploy_key,
                    started,
                    timeout,
                    ctx,
                )
                .await?
            }
            other => other.to_owned(),
        };
        if status != "success" {
            return Err(ProviderError::DeploymentFailed {
                deployment: run.deploy_key.to_string(),
                status,
                detail: host_results(run),
            });
        }
        keys.push(run.deploy_key.to_string());
    }
    Ok(Outcome {
        id: Some(server_group.to_string()),
        message: format!("deployment {} succeeded", keys.join(", ")),
    })
}

/// `: host-1 SUCCESS, host-2 FAIL` from the per-host results of a synchronous deployment.
fn host_results(run: &wire::DeployRun) -> String {
    if run.deploy_result.is_empty() {
        return String::new();
    }
    let hosts: Vec<String> = run
        .deploy_result
        .iter()
        .map(|h| format!("{} {}", h.hostname, h.status))
        .collect();
    format!(": {}", hosts.join(", "))
}

/// Follows an asynchronous deployment in the history until it is no longer RUNNING. The
/// API cannot cancel a deployment: on interrupt, apply stops waiting and says so.
#[allow(clippy::too_many_arguments)]
async fn wait(
    provider: &NhnProvider,
    change: &Change,
    artifact: i64,
    server_group: i64,
    deploy_key: i64,
    started: jiff::Timestamp,
    timeout: Duration,
    ctx: &ApplyContext,
) -> Result<String, ProviderError> {
    let begun = Instant::now();
    let mut interrupted = ctx.interrupted.clone();
    let mut last = String::new();
    loop {
        let found = provider
            .client
            .find_deployment(artifact, server_group, deploy_key, started)
            .await
            .map_err(|e| request_error(format!("follow deployment {deploy_key}"), e))?;
        let status = found
            .map(|h| h.total_result)
            .unwrap_or_else(|| "RUNNING".into());
        if status != last {
            (ctx.progress)(
                &change.address,
                &format!("deployment {deploy_key}: {status}"),
            );
            last = status.clone();
        }
        if status != "RUNNING" {
            return Ok(status.to_ascii_lowercase());
        }
        if begun.elapsed() >= timeout {
            return Err(ProviderError::Timeout {
                what: format!("deployment {deploy_key}"),
                seconds: timeout.as_secs(),
            });
        }
        let stop = tokio::select! {
            _ = tokio::time::sleep(ctx.poll_interval) => false,
            changed = interrupted.changed() => changed.is_ok() && *interrupted.borrow(),
        };
        if stop || ctx.is_interrupted() {
            return Err(ProviderError::Interrupted(format!(
                "stopped waiting for deployment {deploy_key}; NHN Cloud Deploy cannot cancel it, so it continues remotely"
            )));
        }
    }
}

//! Turning one planned change into SourceDeploy calls.
//!
//! Creates are not idempotent in this API: when a create's outcome is ambiguous (timeout,
//! 5xx, a dropped connection), the object is looked up by name: found, it is adopted; absent,
//! the create is sent again within the retry budget. A retry never makes a duplicate. A release starts at most one deployment, never while the scenario's
//! latest deployment is still running, then follows the history to a terminal status.

use serde_json::Value;

use super::client::{NcpClient, NcpError};
use super::convert;
use super::errors::request_error;
use super::lower::{KIND_PROJECT, KIND_RELEASE, KIND_SCENARIO, KIND_STAGE};
use super::manifest::{Scenario, Target};
use super::wire;
use crate::model::{Action, Address, Change, Resource};
use crate::providers::{ApplyContext, Outcome, ProviderError};

/// Carries out one planned change of provider instance `instance`; a release's deployment
/// is [`super::deploy`]'s.
pub async fn execute(
    instance: &str,
    client: &NcpClient,
    change: &Change,
    desired: Option<&Resource>,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    match (change.kind.as_str(), change.action) {
        (KIND_RELEASE, Action::Deploy) => {
            let desired = desired.ok_or_else(|| missing_desired(change))?;
            super::deploy::deploy(instance, client, change, desired, ctx).await
        }
        (_, Action::Delete) => delete(client, change, ctx).await,
        (_, Action::Replace) => {
            if change.kind == KIND_STAGE {
                clear_replaced_stage(client, change, ctx).await?;
            }
            delete(client, change, ctx).await?;
            ctx.forget_id(&change.address);
            create(
                client,
                change,
                desired.ok_or_else(|| missing_desired(change))?,
                ctx,
            )
            .await
        }
        (_, Action::Create) => {
            create(
                client,
                change,
                desired.ok_or_else(|| missing_desired(change))?,
                ctx,
            )
            .await
        }
        (_, Action::Update) => {
            update(
                client,
                change,
                desired.ok_or_else(|| missing_desired(change))?,
                ctx,
            )
            .await
        }
        (_, action) => Err(ProviderError::Precondition(format!(
            "`{}` cannot be {} by this provider",
            change.address,
            action.as_str()
        ))),
    }
}

fn missing_desired(change: &Change) -> ProviderError {
    ProviderError::Precondition(format!("no desired state for `{}`", change.address))
}

fn id(ctx: &ApplyContext, address: Option<&Address>) -> Result<i64, ProviderError> {
    let address =
        address.ok_or_else(|| ProviderError::Precondition("resource has no parent".into()))?;
    ctx.id_of(address)
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            ProviderError::Precondition(format!(
                "`{address}` does not exist remotely (was its creation skipped?)"
            ))
        })
}

/// `<p>.project.<name>.stage.<name>` → `<p>.project.<name>`.
fn strip_last(address: &Address) -> Option<Address> {
    let s = address.as_str();
    let cut = s.rfind(".stage.").or_else(|| s.rfind(".scenario."))?;
    Some(Address(s[..cut].to_owned()))
}

fn decode<T: serde::de::DeserializeOwned>(value: &Value, what: &str) -> Result<T, ProviderError> {
    serde_json::from_value(value.clone())
        .map_err(|e| ProviderError::Precondition(format!("invalid desired {what}: {e}")))
}

async fn create(
    client: &NcpClient,
    change: &Change,
    desired: &Resource,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let name = change.name.as_str();
    let call = format!("create {} `{name}`", change.kind);
    // A lost answer is settled by looking the name up: found → adopted, absent → sent again.
    let http = client.http();
    let result = match change.kind.as_str() {
        KIND_PROJECT => {
            http.exactly_once(|| client.create_project(name), || client.find_project(name))
                .await
        }
        KIND_STAGE => {
            let project = id(ctx, change.parent.as_ref())?;
            let target: Target = decode(&desired.attributes["target"], "target")?;
            let request = &convert::stage_request(Some(name), &target);
            http.exactly_once(
                || client.create_stage(project, request),
                || async move { find(client.list_stages(project).await?, name) },
            )
            .await
        }
        KIND_SCENARIO => {
            let stage_address = change.parent.as_ref();
            let stage = id(ctx, stage_address)?;
            let project = id(ctx, stage_address.and_then(strip_last).as_ref())?;
            let scenario: Scenario = decode(&desired.attributes, "scenario")?;
            let request = &convert::scenario_request(Some(name), &scenario);
            http.exactly_once(
                || client.create_scenario(project, stage, request),
                || async move { find(client.list_scenarios(project, stage).await?, name) },
            )
            .await
        }
        other => {
            return Err(ProviderError::Precondition(format!(
                "cannot create a `{other}`"
            )));
        }
    };
    let created = result.map_err(|e| request_error(call, e))?;
    ctx.record_id(&change.address, created.id.to_string());
    Ok(Outcome {
        id: Some(created.id.to_string()),
        message: format!("created (id {})", created.id),
    })
}

/// The listed object called `name`, if any.
fn find(listed: Vec<wire::IdName>, name: &str) -> Result<Option<wire::IdName>, NcpError> {
    Ok(listed.into_iter().find(|item| item.name == name))
}

async fn update(
    client: &NcpClient,
    change: &Change,
    desired: &Resource,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let call = format!("update {} `{}`", change.kind, change.name);
    let own = id(ctx, Some(&change.address))?;
    match change.kind.as_str() {
        KIND_STAGE => {
            let project = id(ctx, change.parent.as_ref())?;
            let target: Target = decode(&desired.attributes["target"], "target")?;
            client
                .update_stage(project, own, &convert::stage_request(None, &target))
                .await
                .map_err(|e| request_error(call, e))?;
        }
        KIND_SCENARIO => {
            let stage_address = change.parent.as_ref();
            let stage = id(ctx, stage_address)?;
            let project = id(ctx, stage_address.and_then(strip_last).as_ref())?;
            let scenario: Scenario = decode(&desired.attributes, "scenario")?;
            // The API has no partial-merge guarantee: always send the full config.
            client
                .update_scenario(
                    project,
                    stage,
                    own,
                    &convert::scenario_request(None, &scenario),
                )
                .await
                .map_err(|e| request_error(call, e))?;
        }
        other => {
            return Err(ProviderError::Precondition(format!(
                "a `{other}` has nothing to update in place"
            )));
        }
    }
    Ok(Outcome {
        id: Some(own.to_string()),
        message: "updated".into(),
    })
}

async fn delete(
    client: &NcpClient,
    change: &Change,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let call = format!("delete {} `{}`", change.kind, change.name);
    let own = id(ctx, Some(&change.address))?;
    let result = match change.kind.as_str() {
        KIND_PROJECT => client.delete_project(own).await,
        KIND_STAGE => {
            client
                .delete_stage(id(ctx, change.parent.as_ref())?, own)
                .await
        }
        KIND_SCENARIO => {
            let stage_address = change.parent.as_ref();
            let stage = id(ctx, stage_address)?;
            let project = id(ctx, stage_address.and_then(strip_last).as_ref())?;
            client.delete_scenario(project, stage, own).await
        }
        other => {
            return Err(ProviderError::Precondition(format!(
                "cannot delete a `{other}`"
            )));
        }
    };
    match result {
        // Already gone: the desired end state holds.
        Err(e) if e.is_not_found() => {}
        other => other.map_err(|e| request_error(call, e))?,
    }
    Ok(Outcome {
        id: None,
        message: "deleted".into(),
    })
}

/// A stage is deleted only once it has no scenarios. Before a replacement, the scenarios
/// the plan re-creates under the new stage are still there (the undeclared ones were
/// planned as deletes of their own and have run): they go with the old stage, as the plan's
/// "re-created with its replaced parent" said.
async fn clear_replaced_stage(
    client: &NcpClient,
    change: &Change,
    ctx: &ApplyContext,
) -> Result<(), ProviderError> {
    let stage = id(ctx, Some(&change.address))?;
    let project = id(ctx, change.parent.as_ref())?;
    let scenarios = client
        .list_scenarios(project, stage)
        .await
        .map_err(|e| request_error(format!("list scenarios of stage `{}`", change.name), e))?;
    for scenario in scenarios {
        match client.delete_scenario(project, stage, scenario.id).await {
            Err(e) if !e.is_not_found() => {
                return Err(request_error(
                    format!("delete scenario `{}` of the replaced stage", scenario.name),
                    e,
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

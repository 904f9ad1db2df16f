//! Uploads (deployments are in [`super::deploy`]).
//!
//! An upload is idempotent by version: `ALREADY_UPLOADED_VERSION` (another run got there
//! first) counts as done once the stored size is checked to match, and so does the version
//! found after an upload's answer was lost; when it is not found, the upload is sent again
//! within the retry budget.

use std::path::PathBuf;

use serde_json::Value;

use super::client::Upload;
use super::errors::request_error;
use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::remote::Remote;
use super::wire;
use crate::model::{Action, Change, Resource};
use crate::providers::common::attributes::optional_text;
use crate::providers::{ApplyContext, Outcome, ProviderError};

pub(super) async fn execute(
    remote: &Remote<'_>,
    change: &Change,
    desired: Option<&Resource>,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let desired = desired.ok_or_else(|| {
        ProviderError::Precondition(format!("no desired state for `{}`", change.address))
    })?;
    match (change.kind.as_str(), change.action) {
        (KIND_BINARY, Action::Create) => upload(remote, desired).await,
        (KIND_RELEASE, Action::Deploy) => super::deploy::deploy(remote, change, desired, ctx).await,
        (kind, action) => Err(ProviderError::Precondition(format!(
            "a `{kind}` cannot be {} through the NHN Cloud Deploy API",
            action.as_str()
        ))),
    }
}

async fn upload(remote: &Remote<'_>, desired: &Resource) -> Result<Outcome, ProviderError> {
    let (artifact, group, _) = remote.ids(desired).await?;
    let group =
        group.ok_or_else(|| ProviderError::Precondition("binary group not found".into()))?;
    let version = optional_text(desired, "version").unwrap_or_default();
    let size = desired
        .attributes
        .get("size")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let upload = Upload {
        file: PathBuf::from(optional_text(desired, "file").unwrap_or_default()),
        application_type: optional_text(desired, "application_type")
            .unwrap_or_else(|| "server".into()),
        version: version.clone(),
        description: optional_text(desired, "description"),
        os_type: optional_text(desired, "os_type"),
        fix: desired.attributes.get("fix").and_then(Value::as_bool),
        meta_file: optional_text(desired, "meta_file").map(PathBuf::from),
    };
    let call = format!("upload version `{version}` of binary `{}`", desired.name);
    let client = remote.client;
    let upload = &upload;
    let version = version.as_str();
    // A lost answer is settled by the binary list: the version there is the lost upload's
    // (checked by size below); absent, the upload is sent again within the retry budget.
    let uploaded = client
        .http()
        .exactly_once(
            || async move {
                client
                    .upload_binary(artifact.id, group, upload)
                    .await
                    .map(Uploaded::Sent)
            },
            || async move {
                let found = client.find_binary(artifact.id, group, version).await?;
                Ok(found.map(Uploaded::Found))
            },
        )
        .await;
    let binary = match uploaded {
        Ok(Uploaded::Sent(result)) => {
            return Ok(Outcome {
                id: Some(result.binary_key.clone()),
                message: format!("uploaded {size} bytes as binary {}", result.binary_key),
            });
        }
        Ok(Uploaded::Found(binary)) => binary,
        Err(err) if err.is_already_uploaded() => {
            // Another run uploaded this version first.
            client
                .find_binary(artifact.id, group, version)
                .await
                .map_err(|e| request_error(format!("look up version `{version}`"), e))?
                .ok_or_else(|| request_error(call, err))?
        }
        Err(err) => return Err(request_error(call, err)),
    };
    if binary.binary_size as u64 == size {
        Ok(Outcome {
            id: Some(binary.binary_key.clone()),
            message: format!(
                "version `{version}` was already uploaded with the same size (binary {})",
                binary.binary_key
            ),
        })
    } else {
        Err(ProviderError::Precondition(format!(
            "version `{version}` already exists with {} bytes, but the local file has {size}: bump the version",
            binary.binary_size
        )))
    }
}

/// What an upload call came to: the upload's own answer, or the version found after its
/// answer was lost.
enum Uploaded {
    Sent(wire::UploadResult),
    Found(wire::Binary),
}

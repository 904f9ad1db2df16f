//! The remote objects plan reads back. Fetch builds them for projects, stages and scenarios,
//! and releases for deployments; both build them here so neither depends on the other.

use serde_json::Value;

use crate::model::{Address, RemoteObject, RunningDeployment};

/// One remote object at `address`, with the API's numeric id as the engine's opaque id.
pub(super) fn object(
    address: &Address,
    kind: &str,
    name: &str,
    parent: Option<&Address>,
    id: i64,
    attributes: Value,
    in_flight: Option<RunningDeployment>,
) -> RemoteObject {
    RemoteObject {
        address: address.clone(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        parent: parent.cloned(),
        id: id.to_string(),
        attributes,
        method: None,
        in_flight,
    }
}

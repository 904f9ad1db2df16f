//! Hand-built plans for the renderers' tests.

use serde_json::Value;

use crate::engine::plan::{Plan, Summary};
use crate::model::{Action, Address, Change, FieldChange, Provenance};

pub fn change(address: &str, action: Action, reason: &str, fields: Vec<FieldChange>) -> Change {
    Change {
        address: Address(address.into()),
        provider: "ncp".into(),
        kind: "scenario".into(),
        name: address.rsplit('.').next().unwrap_or_default().into(),
        parent: None,
        action,
        reason: reason.into(),
        fields,
        depends_on: vec![],
        remote_id: None,
        fingerprint: "absent".into(),
        desired: None,
        origin: None,
        following: None,
        follows: None,
        method: None,
        destructive: false,
    }
}

/// A field change whose value was written at `deployplan.yaml:12:9` by the `production`
/// overlay.
pub fn field(path: &str, before: Option<Value>, after: Option<Value>) -> FieldChange {
    FieldChange {
        path: path.into(),
        before,
        after,
        sensitive: false,
        forces_replacement: false,
        provenance: Some(Provenance {
            file: "deployplan.yaml".into(),
            line: 12,
            column: 9,
            overlay: Some("production".into()),
        }),
    }
}

/// A plan of `changes` for the `production` environment.
pub fn plan(changes: Vec<Change>) -> Plan {
    Plan {
        format_version: "1".into(),
        deployplan_version: "0.1.0".into(),
        environment: Some("production".into()),
        manifest_hash: "3f9a1c0de4b7a85512f0c6e9d2b1a0f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8".into(),
        scope: Default::default(),
        summary: Summary::of(&changes),
        changes,
        warnings: Vec::new(),
        digest: String::new(),
    }
}

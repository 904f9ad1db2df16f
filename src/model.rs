//! The data every stage of the pipeline shares: resources, addresses, remote objects,
//! actions and changes. Pure data, no IO.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A resource's stable address, shown in plans and accepted by `--target`:
/// `<provider instance>.<kind>.<name>` for roots and `<parent>.<kind>.<name>` for children,
/// e.g. `cloud.project.shop.stage.dev.scenario.web`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Address(pub String);

impl Address {
    /// Builds a root address. Names that are not plain identifiers are quoted so the
    /// address stays parseable.
    pub fn root(provider: &str, kind: &str, name: &str) -> Self {
        Address(format!("{provider}.{kind}.{}", quote_segment(name)))
    }

    /// Builds the address of a child of `self`.
    pub fn child(&self, kind: &str, name: &str) -> Self {
        Address(format!("{}.{kind}.{}", self.0, quote_segment(name)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `other` or one of its descendants.
    pub fn is_within(&self, other: &Address) -> bool {
        self.0 == other.0 || self.0.starts_with(&format!("{}.", other.0))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn quote_segment(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// Where a value came from: the manifest location, and the environment overlay whose
/// variable supplied it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    // Shared with every other value written in the same file (one name per file).
    pub file: Arc<str>,
    pub line: u64,
    pub column: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if let Some(env) = &self.overlay {
            write!(f, " (environment `{env}`)")?;
        }
        Ok(())
    }
}

/// The kind of every provider's releases: one deployment of what the manifest names. A
/// record of deployments (a code host's deployment history) may follow one
/// ([`Resource::follows`]).
pub const KIND_RELEASE: &str = "release";

/// One desired object, as the manifest declares it after interpolation and validation.
#[derive(Debug, Clone)]
pub struct Resource {
    pub address: Address,
    /// Provider instance name (the key under `providers:`).
    pub provider: String,
    /// Kind within the provider, e.g. `project`, `stage`, `scenario`, `release`.
    pub kind: String,
    /// Identity inside the parent.
    pub name: String,
    pub parent: Option<Address>,
    /// Desired attributes in the manifest's shape; the provider maps them to its wire form.
    pub attributes: Value,
    /// Attribute paths (dotted, e.g. `cmd.pre[0].cmd`) whose values contain a secret.
    pub sensitive: Vec<String>,
    /// Attribute path → where its value was written, for the attributes whose value sits
    /// outside the resource's body (a secret's `value` is its entry); [`Self::provenance_of`]
    /// finds the others through `origins`.
    pub provenance_overrides: BTreeMap<String, Provenance>,
    /// Where the resource's body was written, asked only for the attributes a plan shows:
    /// recorded for every attribute up front it cost a tenth of loading a large manifest,
    /// for answers almost never read. `None` outside the loader.
    pub origins: Option<Arc<dyn AttributeOrigins>>,
    /// Ordering edges: parents, references, and explicit `depends_on`.
    pub depends_on: Vec<Address>,
    pub protect: bool,
    /// Delete remote children of this resource that the manifest does not declare.
    pub prune: bool,
    /// Where the resource is declared.
    pub origin: Option<Provenance>,
    /// JSON pointer of the resource's body in the manifest, so that errors found later (a
    /// name the remote does not know) can point at the exact value.
    pub pointer: String,
    /// For a deployment record: the release (of any provider) whose deployment it records.
    /// Apply starts the record when the release starts and tells it how the release ended.
    pub follows: Option<Address>,
}

impl Resource {
    /// A resource with nothing but its identity and attributes: no parent, edge, secret,
    /// provenance or flag. How a resource is made outside the loader (tests, plans built by
    /// hand); set the other fields with struct update syntax.
    pub fn bare(address: &str, provider: &str, kind: &str, name: &str, attributes: Value) -> Self {
        Resource {
            address: Address(address.into()),
            provider: provider.into(),
            kind: kind.into(),
            name: name.into(),
            parent: None,
            attributes,
            sensitive: Vec::new(),
            provenance_overrides: BTreeMap::new(),
            origins: None,
            depends_on: Vec::new(),
            protect: false,
            prune: false,
            origin: None,
            pointer: String::new(),
            follows: None,
        }
    }

    /// Where the attribute at `path` (dotted, as diffs name fields) was written, if it was
    /// written at all (a default filled in by lowering was not).
    pub fn provenance_of(&self, path: &str) -> Option<Provenance> {
        if let Some(origin) = self.provenance_overrides.get(path) {
            return Some(origin.clone());
        }
        self.origins.as_ref()?.provenance(self, path)
    }
}

/// Finds where a resource's attributes were written in the manifest it was loaded from.
pub trait AttributeOrigins: fmt::Debug + Send + Sync {
    /// Where `resource`'s attribute at `path` was written; `None` when it was not.
    fn provenance(&self, resource: &Resource, path: &str) -> Option<Provenance>;
}

/// What the provider found remotely for one address.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoteObject {
    pub address: Address,
    pub kind: String,
    pub name: String,
    pub parent: Option<Address>,
    /// Remote identifier (numeric ids as strings).
    pub id: String,
    /// Normalised to the same shape as [`Resource::attributes`].
    pub attributes: Value,
    /// For releases: a deployment that has not reached a terminal status yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<RunningDeployment>,
    /// For releases: how the provider would reach the desired value without a new build,
    /// when it has such a way (e.g. ``rollback to deployment `d-7` (its image is kept: no
    /// rebuild)``). The plan shows it, so a reviewer sees which of two very different
    /// operations apply will run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// A release's deployment that had not ended when the remote was read: left running by an
/// interrupted apply, or started by hand. Apply follows it to its end before deciding
/// whether the planned deployment is still needed, so the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunningDeployment {
    /// The provider's id of the deployment (a history id, a deploy key).
    pub id: String,
    /// Its status when read, in the provider's words (e.g. `inprogress`, `RUNNING`).
    pub status: String,
    /// What it deploys, in the form of the release's deployed attribute (an artifact, a
    /// version), when the provider tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploys: Option<String>,
}

impl fmt::Display for RunningDeployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deployment {} is {}", self.id, self.status)?;
        if let Some(deploys) = &self.deploys {
            write!(f, ", deploying {deploys}")?;
        }
        Ok(())
    }
}

/// Everything a provider fetched, keyed by address. Children of declared parents that the
/// manifest does not declare are included too; the planner marks them unmanaged.
#[derive(Debug, Clone, Default)]
pub struct RemoteState {
    pub objects: BTreeMap<Address, RemoteObject>,
    /// What the provider could not check while reading (a lookup it was refused), for the
    /// user to see before the plan; never a reason to stop.
    pub warnings: Vec<String>,
}

/// What apply will do to one address.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    /// An immutable field changed: delete, then create.
    Replace,
    /// Only for remote objects the manifest owns but no longer declares, with prune.
    Delete,
    /// A release whose deployed artifact differs from the desired one.
    Deploy,
    /// Remote object under a declared parent that the manifest does not declare; left alone.
    Unmanaged,
    Noop,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Deploy => "deploy",
            Action::Unmanaged => "unmanaged",
            Action::Noop => "no-op",
        }
    }

    /// Whether apply sends any write for this action.
    pub fn is_change(self) -> bool {
        !matches!(self, Action::Noop | Action::Unmanaged)
    }

    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Delete | Action::Replace)
    }
}

/// Per-kind rules a provider declares so that diffing stays generic.
#[derive(Debug, Clone, Copy, Default)]
pub struct KindRules {
    /// Attribute paths whose change forces a replacement, with the reason shown in the plan.
    pub immutable: &'static [(&'static str, &'static str)],
    /// For a release kind: the attribute holding what is deployed (an artifact, a version).
    /// A difference in it means deploy, not update.
    pub release: Option<&'static str>,
    /// Attribute paths that only steer deployplan itself (e.g. a timeout) and are never
    /// compared with the remote.
    pub local_only: &'static [&'static str],
    /// For a kind whose objects are one version among many under a name (a binary version):
    /// the attribute naming the version, so a create says which version is missing rather
    /// than that the name does not exist.
    pub versioned_by: Option<&'static str>,
    /// Top-level attributes holding lists whose order means nothing (who may deploy): the
    /// remote list is compared as a set, so the same entries in another order are no change.
    pub unordered: &'static [&'static str],
    /// Updates that lose data the provider cannot give back (disabling a staging
    /// environment drops its database): `(attribute path, the JSON value it changes to,
    /// why)`. Such an update is destructive like a delete: shown first, refused under
    /// `protect`.
    pub destructive: &'static [(&'static str, &'static str, &'static str)],
}

/// One changed field of a resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FieldChange {
    /// Dotted attribute path, e.g. `commands.pre[0].run`.
    pub path: String,
    /// Remote value (absent when the field is new). `"(sensitive)"` for secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// Desired value (absent when the field is removed). `"(sensitive)"` for secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// A change of this field forces a replacement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
    /// Where the desired value was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// The planned change of one address.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    pub address: Address,
    pub provider: String,
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Address>,
    pub action: Action,
    /// One line saying why, e.g. "deployed artifact a.tgz ≠ desired b.tgz".
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// Addresses that must be applied first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Address>,
    /// Remote identifier, when the object exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// SHA-256 of the remote object this change was computed from (`absent` when none).
    pub fingerprint: String,
    /// Desired attributes, secrets masked (for the plan document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Provenance>,
    /// For a release: the deployment found running, which apply follows to its end before
    /// it decides whether this deploy is still needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<RunningDeployment>,
    /// For a deployment record: the release whose deployment it records ([`Resource::follows`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<Address>,
    /// For a release: how apply reaches the desired value when not by a new build
    /// ([`RemoteObject::method`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// An update that loses data the provider cannot give back ([`KindRules::destructive`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub destructive: bool,
}

impl Change {
    /// Whether applying this change can lose something: a delete, a replace, or an update
    /// the provider declares destructive.
    pub fn is_destructive(&self) -> bool {
        self.action.is_destructive() || self.destructive
    }
}

//! Lowering pieces every provider section uses: releases (and binaries) are
//! top-level resources of one provider instance, every provider's release carries its own
//! `timeout_seconds`, and optional fields go into the attributes only when the manifest
//! sets them, so that plan compares what was written. Children of a declared parent share
//! one spec shape ([`child_spec`]).

use serde_json::Value;

use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::Address;

pub use crate::model::KIND_RELEASE;

/// The spec of a top-level resource of instance `provider`: addressed
/// `<provider>.<kind>.<name>`, with no parent, and never protected or pruned, since nothing
/// declared owns it and prune has nothing of it to delete.
pub fn top_level<'s>(
    provider: String,
    kind: &'s str,
    name: &'s str,
    pointer: &str,
    attributes: Value,
    depends_on: Vec<Address>,
    explicit_depends_on: &'s [String],
) -> ResourceSpec<'s> {
    ResourceSpec {
        address: Address::root(&provider, kind, name),
        provider,
        kind,
        name,
        parent: None,
        attributes,
        pointer: pointer.to_owned(),
        protect: false,
        prune: false,
        depends_on,
        explicit_depends_on,
        link: None,
    }
}

/// The resource the entries being lowered belong to (a repository, a project, an
/// environment): what its children's specs need of it.
pub struct Parent<'a> {
    pub provider: &'a str,
    pub address: &'a Address,
    /// JSON pointer of its body in the manifest.
    pub pointer: &'a str,
}

/// The spec of a child `kind` `name` of `parent`: addressed under it and ordered after it,
/// neither protected nor pruning, with no `depends_on` or link of its own (callers set
/// what differs with `..child_spec(…)`).
pub fn child_spec<'s>(
    parent: &Parent<'_>,
    kind: &'s str,
    name: &'s str,
    pointer: &str,
    attributes: Value,
) -> ResourceSpec<'s> {
    ResourceSpec {
        address: parent.address.child(kind, name),
        provider: parent.provider.to_owned(),
        kind,
        name,
        parent: Some(parent.address.clone()),
        attributes,
        pointer: pointer.to_owned(),
        protect: false,
        prune: false,
        depends_on: vec![parent.address.clone()],
        explicit_depends_on: &[],
        link: None,
    }
}

/// Reports a release's `timeout_seconds: 0` at the release's `pointer`: apply would stop
/// following the deployment before it could start.
pub fn check_timeout(ctx: &mut Ctx<'_>, timeout_seconds: Option<u64>, pointer: &str) {
    if timeout_seconds == Some(0) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            "`timeout_seconds` must be at least 1",
            &join(pointer, "timeout_seconds"),
            "must be positive",
        );
    }
}

/// A release's spec: a [`top_level`] [`KIND_RELEASE`] whose attributes carry
/// `timeout_seconds` (how long apply follows its deployment) when the manifest sets it.
pub fn release_spec<'s>(
    provider: String,
    name: &'s str,
    pointer: &str,
    mut attributes: Value,
    timeout_seconds: Option<u64>,
    depends_on: Vec<Address>,
    explicit_depends_on: &'s [String],
) -> ResourceSpec<'s> {
    insert_set(
        &mut attributes,
        "timeout_seconds",
        timeout_seconds.map(Value::from),
    );
    top_level(
        provider,
        KIND_RELEASE,
        name,
        pointer,
        attributes,
        depends_on,
        explicit_depends_on,
    )
}

/// Sets `key` of the `attributes` object when the manifest gave a value: an optional field
/// left out stays out, rather than becoming `null` that plan would compare.
pub fn insert_set(attributes: &mut Value, key: &str, value: Option<Value>) {
    if let (Some(map), Some(value)) = (attributes.as_object_mut(), value) {
        map.insert(key.to_owned(), value);
    }
}

//! Desired vs remote, field by field. Pure functions over JSON values: no IO, no provider
//! knowledge beyond the [`KindRules`] a provider declares.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::digest::HashWriter;
use crate::model::{
    Action, Change, FieldChange, KindRules, RemoteObject, Resource, RunningDeployment,
};
use crate::redact::MASK;

/// Flattens a value into leaf paths. Objects nest with `.`, lists of objects with `[i]`;
/// lists of scalars are one leaf, since they read best whole (`servers: [1, 2]`).
pub fn flatten(value: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    walk(value, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() || path.is_empty() => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(child, child_path, out);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{path}[{i}]"), out);
            }
        }
        Value::Null => {}
        _ => {
            out.insert(path, value.clone());
        }
    }
}

fn matches_path(path: &str, rule: &str) -> bool {
    path == rule
        || path
            .strip_prefix(rule)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

fn is_sensitive(path: &str, sensitive: &[String]) -> bool {
    sensitive
        .iter()
        .any(|s| matches_path(path, s) || matches_path(s, path))
}

/// The leaf paths (as [`flatten`] names them) at which `desired` and `remote` differ,
/// sorted: the fields plan would show as changed before any provider rule applies. An
/// export checks with it that what it writes would plan as no change.
pub fn differing_paths(desired: &Value, remote: &Value) -> Vec<String> {
    let (desired, remote) = (flatten(desired), flatten(remote));
    changed_paths(&desired, &remote)
        .into_iter()
        .cloned()
        .collect()
}

/// The paths of either side whose values differ, sorted, each once.
fn changed_paths<'a>(
    desired: &'a BTreeMap<String, Value>,
    remote: &'a BTreeMap<String, Value>,
) -> Vec<&'a String> {
    let mut paths: Vec<&String> = desired
        .keys()
        .chain(remote.keys())
        .filter(|path| desired.get(*path) != remote.get(*path))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Field changes from `remote` to `desired`, secrets masked.
pub fn field_changes(
    resource: &Resource,
    remote: Option<&Value>,
    rules: &KindRules,
) -> Vec<FieldChange> {
    // The common case of a converged remote: the same value flattens to the same leaves,
    // and aligning a list with itself keeps it, so there is nothing to compare leaf by leaf.
    if remote == Some(&resource.attributes) {
        return Vec::new();
    }
    leaf_changes(resource, remote, rules)
}

/// [`field_changes`] compared leaf by leaf.
fn leaf_changes(
    resource: &Resource,
    remote: Option<&Value>,
    rules: &KindRules,
) -> Vec<FieldChange> {
    let desired = flatten(&resource.attributes);
    let remote_exists = remote.is_some();
    let remote = remote
        .map(|remote| flatten(&aligned(&resource.attributes, remote, rules.unordered)))
        .unwrap_or_default();
    let mut changes = Vec::new();
    for path in changed_paths(&desired, &remote) {
        // Local-only fields steer deployplan; there is nothing remote to compare them with,
        // but a new object shows them.
        if remote_exists && rules.local_only.iter().any(|rule| matches_path(path, rule)) {
            continue;
        }
        let (after, before) = (desired.get(path), remote.get(path));
        let sensitive = is_sensitive(path, &resource.sensitive);
        let mask = |v: Option<&Value>| {
            v.map(|v| {
                if sensitive {
                    Value::String(MASK.into())
                } else {
                    v.clone()
                }
            })
        };
        changes.push(FieldChange {
            path: path.clone(),
            before: mask(before),
            after: mask(after),
            sensitive,
            forces_replacement: rules
                .immutable
                .iter()
                .any(|(rule, _)| matches_path(path, rule)),
            provenance: resource.provenance_of(path),
        });
    }
    changes
}

/// `remote` with each list named in `unordered` reordered after the desired one: the
/// entries both have at the desired positions, the remote's others in the gaps and after.
/// The same set in another order then compares equal, and a real difference shows at the
/// entry that differs (desired positions keep their provenance).
fn aligned(desired: &Value, remote: &Value, unordered: &[&str]) -> Value {
    let mut remote = remote.clone();
    for key in unordered {
        let (Some(Value::Array(wanted)), Some(Value::Array(have))) =
            (desired.get(key), remote.get_mut(*key))
        else {
            continue;
        };
        let mut left: Vec<Option<Value>> = have.drain(..).map(Some).collect();
        let mut placed: Vec<Option<Value>> = wanted
            .iter()
            .map(|entry| {
                let at = left.iter().position(|l| l.as_ref() == Some(entry))?;
                left[at].take()
            })
            .collect();
        let mut others = left.into_iter().flatten();
        for slot in placed.iter_mut().filter(|slot| slot.is_none()) {
            *slot = others.next();
        }
        have.extend(placed.into_iter().flatten().chain(others));
    }
    remote
}

/// SHA-256 of the remote object a change was computed from, or `absent`: of the JSON
/// `{"id", "attributes", "in_flight"[, "method"]}`, written straight into the hash.
pub fn fingerprint(remote: Option<&RemoteObject>) -> String {
    /// The fingerprinted part of a remote object, in the order it has always been written.
    #[derive(serde::Serialize)]
    struct Fingerprinted<'a> {
        id: &'a str,
        attributes: &'a Value,
        in_flight: Option<&'a RunningDeployment>,
        // Only when present, so that the fingerprints of providers without it stay as
        // they were.
        #[serde(skip_serializing_if = "Option::is_none")]
        method: Option<&'a str>,
    }
    let Some(remote) = remote else {
        return "absent".into();
    };
    HashWriter::json(&Fingerprinted {
        id: &remote.id,
        attributes: &remote.attributes,
        in_flight: remote.in_flight.as_ref(),
        method: remote.method.as_deref(),
    })
}

/// Desired attributes with every sensitive value masked, for the plan document.
pub fn masked_attributes(resource: &Resource) -> Value {
    let mut value = resource.attributes.clone();
    for path in &resource.sensitive {
        mask_path(&mut value, path);
    }
    value
}

fn mask_path(value: &mut Value, path: &str) {
    let mut current = value;
    let mut rest = path;
    while !rest.is_empty() {
        let (segment, next) = match rest.find(['.', '[']) {
            Some(0) if rest.starts_with('[') => {
                let end = rest.find(']').unwrap_or(rest.len());
                let index: usize = rest[1..end].parse().unwrap_or(usize::MAX);
                let Some(child) = current.get_mut(index) else {
                    return;
                };
                current = child;
                rest = rest.get(end + 1..).unwrap_or("").trim_start_matches('.');
                continue;
            }
            Some(i) => (&rest[..i], rest[i..].trim_start_matches('.')),
            None => (rest, ""),
        };
        let Some(child) = current.get_mut(segment) else {
            return;
        };
        current = child;
        rest = next;
    }
    *current = Value::String(MASK.into());
}

/// The change of one declared resource.
pub fn diff_resource(
    resource: &Resource,
    remote: Option<&RemoteObject>,
    rules: &KindRules,
) -> Change {
    let fields = field_changes(resource, remote.map(|r| &r.attributes), rules);
    let (action, mut reason) = decide(resource, remote, rules, &fields);
    if let Some(release) = resource.follows.as_ref().filter(|_| action.is_change()) {
        reason = format!("{reason}; follows `{release}`");
    }
    let method = remote
        .and_then(|r| r.method.clone())
        .filter(|_| action == Action::Deploy);
    if let Some(method) = &method {
        reason = format!("{reason}: {method}");
    }
    let destructive = action == Action::Update && destructive_update(rules, &fields, &mut reason);
    Change {
        address: resource.address.clone(),
        provider: resource.provider.clone(),
        kind: resource.kind.clone(),
        name: resource.name.clone(),
        parent: resource.parent.clone(),
        action,
        reason,
        fields: if action == Action::Noop {
            Vec::new()
        } else {
            fields
        },
        depends_on: resource.depends_on.clone(),
        remote_id: remote.map(|r| r.id.clone()),
        fingerprint: fingerprint(remote),
        desired: Some(masked_attributes(resource)),
        origin: resource.origin.clone(),
        following: remote
            .and_then(|r| r.in_flight.clone())
            .filter(|_| action == Action::Deploy),
        follows: resource.follows.clone(),
        method,
        destructive,
    }
}

/// Whether an update changes a field to a value the provider declares destructive; the
/// reason then says why.
fn destructive_update(rules: &KindRules, fields: &[FieldChange], reason: &mut String) -> bool {
    let hit = rules.destructive.iter().find(|(path, becomes, _)| {
        fields.iter().any(|f| {
            matches_path(&f.path, path)
                && f.after.as_ref().map(Value::to_string).as_deref() == Some(*becomes)
        })
    });
    if let Some((_, _, why)) = hit {
        *reason = format!("{reason} — destructive: {why}");
    }
    hit.is_some()
}

fn show(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "nothing".into(),
    }
}

/// A release: deploy when the deployed value is not the desired one. A deployment found
/// running is followed first by apply, so the plan says so: it may itself be deploying the
/// desired value (then apply deploys only if it fails).
fn decide_release(
    field: &str,
    desired: Option<&Value>,
    remote: Option<&RemoteObject>,
) -> (Action, String) {
    let deployed = remote.and_then(|r| r.attributes.get(field));
    let running = remote.and_then(|r| r.in_flight.as_ref());
    let is_desired = |value: &str| desired.and_then(Value::as_str) == Some(value);
    let running_other = running
        .and_then(|r| r.deploys.as_deref())
        .is_some_and(|value| !is_desired(value));
    match (deployed, running) {
        (Some(d), None) if Some(d) == desired => {
            (Action::Noop, format!("deployed {field} is the desired one"))
        }
        (Some(d), Some(r)) if Some(d) == desired && !running_other => (
            Action::Noop,
            format!("deployed {field} is the desired one ({r})"),
        ),
        (_, Some(r)) if r.deploys.as_deref().is_some_and(is_desired) => (
            Action::Deploy,
            format!(
                "following {r}: apply waits for its end and deploys {field} {} again only if it fails",
                show(desired)
            ),
        ),
        (deployed, Some(r)) => (
            Action::Deploy,
            format!(
                "following {r}: apply waits for its end, then deploys {field} {} (deployed now: {})",
                show(desired),
                show(deployed)
            ),
        ),
        (Some(d), None) => (
            Action::Deploy,
            format!(
                "deployed {field} {} ≠ desired {}",
                show(Some(d)),
                show(desired)
            ),
        ),
        (None, None) => (
            Action::Deploy,
            format!("never deployed; desired {field} {}", show(desired)),
        ),
    }
}

fn decide(
    resource: &Resource,
    remote: Option<&RemoteObject>,
    rules: &KindRules,
    fields: &[FieldChange],
) -> (Action, String) {
    if let Some(field) = rules.release {
        return decide_release(field, resource.attributes.get(field), remote);
    }
    let Some(_) = remote else {
        let version = rules
            .versioned_by
            .and_then(|field| resource.attributes.get(field))
            .map(|v| show(Some(v)));
        let reason = match version {
            Some(version) => format!(
                "{} `{}` has no version `{version}` yet",
                resource.kind, resource.name
            ),
            None => format!("{} `{}` does not exist", resource.kind, resource.name),
        };
        return (Action::Create, reason);
    };
    if fields.is_empty() {
        return (Action::Noop, "up to date".into());
    }
    if let Some(field) = fields.iter().find(|f| f.forces_replacement) {
        let why = rules
            .immutable
            .iter()
            .find(|(rule, _)| matches_path(&field.path, rule))
            .map(|(_, why)| *why)
            .unwrap_or("immutable field");
        return (
            Action::Replace,
            format!("forces replacement: {why} (`{}`)", field.path),
        );
    }
    let mut names: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
    let more = names.len().saturating_sub(3);
    names.truncate(3);
    let suffix = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    (
        Action::Update,
        format!("changed: {}{suffix}", names.join(", ")),
    )
}

#[cfg(test)]
#[path = "diff_release_tests.rs"]
mod release_tests;

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;

//! Reading a resource's string attributes: fetch, the name lookups, execute and deploy
//! all read the same few, so the readers sit below all of them.

use serde_json::Value;

use crate::model::Resource;

/// The attribute as text, empty when it is not set (names the manifest always sets).
pub(super) fn text<'a>(resource: &'a Resource, key: &str) -> &'a str {
    resource
        .attributes
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}

/// The attribute as text, `None` when it is not set (options sent only when given).
pub(super) fn optional_text(resource: &Resource, key: &str) -> Option<String> {
    resource
        .attributes
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

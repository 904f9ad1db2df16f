//! Reading a resource's attributes as a provider sends them: every provider's fetch,
//! execute and deploy read the same few shapes, so the readers are written once.

use serde_json::Value;

use crate::model::Resource;

/// The attribute as text, empty when it is not set (names the manifest always sets).
pub fn text<'a>(resource: &'a Resource, key: &str) -> &'a str {
    resource
        .attributes
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}

/// The attribute as text, `None` when it is not set (options sent only when given).
pub fn optional_text(resource: &Resource, key: &str) -> Option<String> {
    resource
        .attributes
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The attribute as a boolean, `None` when it is not set (options sent only when given).
pub fn flag(resource: &Resource, key: &str) -> Option<bool> {
    resource.attributes.get(key).and_then(Value::as_bool)
}

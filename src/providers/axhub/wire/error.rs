//! AxHub's error body, read whatever it holds: the envelope `{"error": {…}}` or the same keys
//! at the root (some 428s), each field taken only when it has the expected kind, so that no
//! error answer can fail to become an error.

use serde::Deserialize;
use serde_json::Value;

/// The error body, wrapped (`{"error": {…}}`) or, for some 428s, at the root.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorPayload {
    #[serde(default, deserialize_with = "lenient_text")]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub message: Option<String>,
    #[serde(default, alias = "requestId", deserialize_with = "lenient_text")]
    pub request_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_flag")]
    pub retryable: Option<bool>,
    /// What the error is about: text (`deployments/<id>`), or an object (`{"type":
    /// "deployment", "id": …}`) read as `type/id`.
    #[serde(default, deserialize_with = "lenient_resource")]
    pub resource: Option<String>,
    #[serde(default, deserialize_with = "lenient_fields")]
    pub fields: Vec<FieldError>,
    #[serde(default, deserialize_with = "lenient_retry")]
    pub retry: Option<RetryHint>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub doc_url: Option<String>,
}

impl ErrorPayload {
    /// The payload of any error body: the wrapped form when it names a code, else the root
    /// form when that does, else whatever the wrapper held; a body that is not JSON (a
    /// gateway's page) is an empty payload.
    pub fn parse(body: &[u8]) -> ErrorPayload {
        let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(body) else {
            return ErrorPayload::default();
        };
        let read = |value: Value| serde_json::from_value::<ErrorPayload>(value).unwrap_or_default();
        let wrapped = root
            .get("error")
            .filter(|e| e.is_object())
            .cloned()
            .map(read);
        if let Some(wrapped) = wrapped.as_ref().filter(|w| w.code.is_some()) {
            return wrapped.clone();
        }
        let bare = read(Value::Object(root));
        if bare.code.is_some() {
            return bare;
        }
        wrapped.unwrap_or(bare)
    }
}

/// One rejected field of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FieldError {
    #[serde(default, deserialize_with = "lenient_text")]
    pub field: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub message: Option<String>,
}

/// The server's advice on retrying (`retry: {after_seconds}`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RetryHint {
    #[serde(default)]
    pub after_seconds: Option<f64>,
}

/// A string, or any scalar as its text; anything else is absent rather than a failure.
fn lenient_text<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(de)? {
        Value::String(text) => Some(text),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// [`lenient_text`], and an object with an `id` as `type/id` (or the id alone).
fn lenient_resource<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    let value = Value::deserialize(de)?;
    let Value::Object(object) = &value else {
        return Ok(lenient_text(value).unwrap_or(None));
    };
    let text = |key: &str| match object.get(key) {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Ok(match (text("type"), text("id")) {
        (Some(kind), Some(id)) => Some(format!("{kind}/{id}")),
        (None, Some(id)) => Some(id),
        _ => None,
    })
}

fn lenient_flag<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<bool>, D::Error> {
    Ok(Value::deserialize(de)?.as_bool())
}

fn lenient_fields<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<FieldError>, D::Error> {
    Ok(match Value::deserialize(de)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    })
}

fn lenient_retry<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<RetryHint>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(de)?).ok())
}

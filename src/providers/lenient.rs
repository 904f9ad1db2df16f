//! Lenient field readers shared by the providers' wire types: provider documents and SDKs
//! disagree on whether an id is a number or a string, and some lists come back as `null`.

use serde::{Deserialize, Deserializer};

/// Reads `null` like an absent key: the type's default.
pub fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    de: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

/// Accepts `"123"` or `123` as a string.
pub fn string_or_number<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(de)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected string or number, got {other}"
        ))),
    }
}

//! Reading the token endpoint's answer without ever showing it.
//!
//! The answer holds the access token, so no part of it may reach an error message, not
//! even redacted: a reader that fails says which field it could not read and why, never a
//! value. The token is registered for redaction the moment it is found, before any other
//! field is looked at, so nothing printed later (a trace line, an error) can show it.

use serde_json::{Map, Value};

use crate::redact;

/// What a token answer holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TokenAnswer {
    pub token: String,
    /// `expires_in`; `None` when the answer does not report it.
    pub lifetime_secs: Option<u64>,
}

/// Why a token answer could not be read; names fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum Unreadable {
    #[error("the answer is not JSON")]
    NotJson,
    #[error("the answer is not a JSON object")]
    NotAnObject,
    #[error("field `{field}` {problem}")]
    Field {
        field: &'static str,
        problem: &'static str,
    },
}

/// Reads `{"access_token": …, "expires_in": …}`; `expires_in` may be a number or a string
/// holding one (the token document allows both).
pub(super) fn read(body: &[u8]) -> Result<TokenAnswer, Unreadable> {
    let value: Value = serde_json::from_slice(body).map_err(|_| Unreadable::NotJson)?;
    let Value::Object(answer) = value else {
        return Err(Unreadable::NotAnObject);
    };
    register_tokens(&answer);
    let token = match answer.get("access_token") {
        Some(Value::String(token)) if !token.trim().is_empty() => token.clone(),
        Some(Value::String(_)) => return Err(field("access_token", "is empty")),
        Some(Value::Null) | None => return Err(field("access_token", "is missing")),
        Some(_) => return Err(field("access_token", "is not a string")),
    };
    let lifetime_secs = match answer.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(not_seconds)?),
        Some(Value::String(text)) => Some(text.trim().parse::<u64>().map_err(|_| not_seconds())?),
        Some(_) => return Err(not_seconds()),
    };
    Ok(TokenAnswer {
        token,
        lifetime_secs,
    })
}

fn field(field: &'static str, problem: &'static str) -> Unreadable {
    Unreadable::Field { field, problem }
}

fn not_seconds() -> Unreadable {
    field(
        "expires_in",
        "is neither a whole number of seconds nor a string holding one",
    )
}

/// Registers every string of a `…token` field (`access_token`, and a `refresh_token` or
/// `id_token` a server might add) before anything else happens.
fn register_tokens(answer: &Map<String, Value>) {
    for (key, value) in answer {
        if let Value::String(text) = value
            && key.to_ascii_lowercase().ends_with("token")
        {
            redact::register(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn answer(expires_in: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"access_token": "tok-answer-0001", "token_type": "Bearer", "expires_in": expires_in}))
            .unwrap()
    }

    #[test]
    fn odd_answers_name_the_field_never_the_value() {
        let cases = [
            (
                b"not json tok-answer-0001".to_vec(),
                "the answer is not JSON",
            ),
            (
                b"[\"tok-answer-0001\"]".to_vec(),
                "the answer is not a JSON object",
            ),
            (
                br#"{"expires_in": 60}"#.to_vec(),
                "field `access_token` is missing",
            ),
            (
                br#"{"access_token": " "}"#.to_vec(),
                "field `access_token` is empty",
            ),
            (
                br#"{"access_token": 12345}"#.to_vec(),
                "field `access_token` is not a string",
            ),
            (
                answer(json!("soon")),
                "field `expires_in` is neither a whole number of seconds nor a string holding one",
            ),
            (
                answer(json!(-1)),
                "field `expires_in` is neither a whole number of seconds nor a string holding one",
            ),
            (
                answer(json!(1.5)),
                "field `expires_in` is neither a whole number of seconds nor a string holding one",
            ),
            (
                answer(json!([60])),
                "field `expires_in` is neither a whole number of seconds nor a string holding one",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(read(&body).unwrap_err().to_string(), expected);
        }
        // The token of an answer that fails later is registered all the same.
        assert_eq!(redact::redact("tok-answer-0001"), redact::MASK);
    }

    #[test]
    fn a_missing_or_null_lifetime_is_not_reported() {
        for body in [
            &br#"{"access_token": "tok-a"}"#[..],
            br#"{"access_token": "tok-a", "expires_in": null}"#,
        ] {
            assert_eq!(read(body).unwrap().lifetime_secs, None);
        }
    }

    proptest! {
        /// `expires_in` is read the same as a number and as a string holding it.
        #[test]
        fn expires_in_is_a_number_or_a_numeric_string(secs in 0u64..=u64::MAX, pad in "[ ]{0,2}") {
            let as_number = read(&answer(json!(secs))).unwrap();
            let as_text = read(&answer(json!(format!("{pad}{secs}{pad}")))).unwrap();
            prop_assert_eq!(as_number.lifetime_secs, Some(secs));
            prop_assert_eq!(as_text, as_number);
        }
    }
}

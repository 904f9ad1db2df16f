//! Environment secrets, sealed for the environment's own Curve25519 key pair.
//!
//! Each environment gets a fresh key pair when it is created (`key_id` is 18 decimal
//! digits derived from the public key). `PUT …/secrets/{name}` must carry the current
//! `key_id` and a base64 libsodium sealed box (`crypto_box`'s `seal`) of the value; the
//! emulator opens it, keeps only the SHA-256 of the value (the admin API reads it), and
//! answers 201 `{}` when the secret is new, 204 when it replaced one. A stale `key_id`, a
//! value that is not base64 or does not open with the key, a value over 48 KB, or a name
//! outside `^[A-Za-z_][A-Za-z0-9_]*$` / starting with `GITHUB_` are 422. Names are stored
//! upper-case and matched ignoring case, as GitHub does. Values are never answered.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use crypto_box::SecretKey;
use crypto_box::aead::OsRng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::named::Named;
use super::request::{Body, Params};
use super::state::{Environment, KeyPair, Secret};
use super::{GithubEmulator, environments, views};
use crate::providers::common::emulator::now_ms;

/// The largest secret value GitHub stores.
const MAX_VALUE_BYTES: usize = 48 * 1024;

/// A fresh key pair for environment `env_id`.
pub(super) fn new_key_pair(env_id: i64) -> KeyPair {
    let secret = SecretKey::generate(&mut OsRng);
    let public = secret.public_key();
    let digest = Sha256::digest([public.as_bytes().as_slice(), &env_id.to_be_bytes()].concat());
    let number = u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]));
    KeyPair {
        key_id: format!("{:018}", number % 1_000_000_000_000_000_000),
        secret_key: STANDARD.encode(secret.to_bytes()),
    }
}

fn secret_key(pair: &KeyPair) -> Option<SecretKey> {
    let bytes: [u8; 32] = STANDARD.decode(&pair.secret_key).ok()?.try_into().ok()?;
    Some(SecretKey::from_bytes(bytes))
}

/// The public key of a pair, base64.
pub(super) fn public_key_of(pair: &KeyPair) -> String {
    secret_key(pair)
        .map(|secret| STANDARD.encode(secret.public_key().as_bytes()))
        .unwrap_or_default()
}

/// Refuses a secret or variable name GitHub would not take; the name as stored.
pub(super) fn check_name(resource: &'static str, name: &str) -> ApiResult<String> {
    let mut chars = name.chars();
    let shaped = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    let upper = name.to_ascii_uppercase();
    if !shaped {
        return Err(ApiError::invalid(
            resource,
            "name",
            "invalid",
            format!(
                "{name:?} may hold only letters, digits and underscores and must not start with a digit"
            ),
        ));
    }
    if upper.starts_with("GITHUB_") {
        return Err(ApiError::invalid(
            resource,
            "name",
            "invalid",
            format!("{name:?} must not start with GITHUB_"),
        ));
    }
    Ok(upper)
}

impl Named for Secret {
    const KEY: &'static str = "secrets";
    const PARAM: &'static str = "secret_name";
    const PAGE: (usize, usize) = (30, 100);

    fn name(&self) -> &str {
        &self.name
    }

    /// Name and dates only: values are never answered.
    fn view(&self) -> Value {
        json!({
            "name": self.name,
            "created_at": views::iso(self.created_at),
            "updated_at": views::iso(self.updated_at),
        })
    }

    fn all(env: &Environment) -> &Vec<Self> {
        &env.secrets
    }

    fn all_mut(env: &mut Environment) -> &mut Vec<Self> {
        &mut env.secrets
    }
}

/// `GET …/environments/{environment_name}/secrets/public-key`
pub(super) async fn public_key(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let (_, env) = environments::find(state, &params)?;
        Ok(Json(
            json!({ "key_id": env.key.key_id, "key": public_key_of(&env.key) }),
        ))
    })
}

/// Opens a sealed value: the SHA-256 (hex) of the plain text.
fn open(pair: &KeyPair, key_id: &str, encrypted: &str) -> ApiResult<String> {
    let invalid =
        |message: &str| ApiError::invalid("Secret", "encrypted_value", "invalid", message);
    if key_id != pair.key_id {
        return Err(ApiError::invalid(
            "Secret",
            "key_id",
            "invalid",
            format!(
                "key_id {key_id:?} is not the environment's current public key; fetch secrets/public-key again"
            ),
        ));
    }
    let sealed = STANDARD
        .decode(encrypted.trim())
        .map_err(|_| invalid("encrypted_value is not valid base64"))?;
    let secret = secret_key(pair).ok_or_else(|| invalid("the environment key is unusable"))?;
    let plain = secret.unseal(&sealed).map_err(|_| {
        invalid("encrypted_value is not a sealed box for this environment's public key")
    })?;
    if plain.len() > MAX_VALUE_BYTES {
        return Err(invalid("the secret value is larger than 48 KB"));
    }
    Ok(crate::digest::sha256_hex(&plain))
}

/// `PUT …/secrets/{secret_name}` `{encrypted_value, key_id}`
pub(super) async fn put(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body, Some(&["encrypted_value", "key_id"]))?;
    let encrypted = body.required_string("encrypted_value")?;
    let key_id = body.required_string("key_id")?;
    let name = check_name("Secret", params.text("secret_name")?)?;
    let now = now_ms();
    environments::change(&emulator, &params, |env| {
        let sha256 = open(&env.key, &key_id, &encrypted)?;
        env.updated_at = now;
        match env.secrets.iter_mut().find(|secret| secret.name == name) {
            Some(secret) => {
                secret.sha256 = sha256;
                secret.updated_at = now;
                Ok(StatusCode::NO_CONTENT.into_response())
            }
            None => {
                env.secrets.push(Secret {
                    name,
                    sha256,
                    created_at: now,
                    updated_at: now,
                });
                Ok((StatusCode::CREATED, Json(json!({}))).into_response())
            }
        }
    })
}

/// The SHA-256 of a stored secret, for the admin API.
pub(super) fn stored_hash(env: &Environment, name: &str) -> Option<String> {
    env.secrets
        .iter()
        .find(|secret| secret.name.eq_ignore_ascii_case(name))
        .map(|secret| secret.sha256.clone())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::check_name;

    proptest! {
        /// Exactly the names of `^[A-Za-z_][A-Za-z0-9_]*$` that do not start with
        /// `GITHUB_` (in any case) are taken, and they are stored upper-case.
        #[test]
        fn names_follow_githubs_rule(name in "(GITHUB_|github_)?[A-Za-z0-9_.$ -]{0,12}") {
            let shaped = regex_like(&name);
            let reserved = name.to_ascii_uppercase().starts_with("GITHUB_");
            match check_name("Secret", &name) {
                Ok(stored) => {
                    prop_assert!(shaped && !reserved, "{name:?} taken");
                    prop_assert_eq!(stored, name.to_ascii_uppercase());
                }
                Err(error) => {
                    prop_assert!(!shaped || reserved, "{name:?} refused");
                    prop_assert_eq!(error.status.as_u16(), 422);
                }
            }
        }
    }

    fn regex_like(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
    }
}

//! Environment variables: list (10 per page by default, at most 30, as GitHub pages them),
//! get, create (`POST` 201 `{}`; 409 when the name exists), update (`PATCH` 204, `name` may
//! rename), delete (204). Names follow the secret rules (see `secrets.rs`) and are stored
//! upper-case; values are strings of at most 48 KB.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::named::Named;
use super::request::{Body, Params};
use super::state::{Environment, Variable};
use super::{GithubEmulator, environments, secrets, views};
use crate::providers::common::emulator::now_ms;

const MAX_VALUE_BYTES: usize = 48 * 1024;

impl Named for Variable {
    const KEY: &'static str = "variables";
    const PARAM: &'static str = "name";
    /// GitHub pages variables 10 at a time, at most 30.
    const PAGE: (usize, usize) = (10, 30);

    fn name(&self) -> &str {
        &self.name
    }

    fn view(&self) -> Value {
        json!({
            "name": self.name,
            "value": self.value,
            "created_at": views::iso(self.created_at),
            "updated_at": views::iso(self.updated_at),
        })
    }

    fn all(env: &Environment) -> &Vec<Self> {
        &env.variables
    }

    fn all_mut(env: &mut Environment) -> &mut Vec<Self> {
        &mut env.variables
    }
}

fn value_of(body: &Body, required: bool) -> ApiResult<Option<String>> {
    let value = if required {
        Some(body.required_string("value")?)
    } else {
        body.string("value")?
    };
    if value
        .as_ref()
        .is_some_and(|value| value.len() > MAX_VALUE_BYTES)
    {
        return Err(ApiError::invalid(
            "Variable",
            "value",
            "invalid",
            "value is larger than 48 KB",
        ));
    }
    Ok(value)
}

/// `POST …/variables` `{name, value}`
pub(super) async fn create(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body, Some(&["name", "value"]))?;
    let name = secrets::check_name("Variable", &body.required_string("name")?)?;
    let value = value_of(&body, true)?.unwrap_or_default();
    let now = now_ms();
    environments::change(&emulator, &params, |env| {
        if env.variables.iter().any(|variable| variable.name == name) {
            return Err(ApiError::conflict(
                "Already exists - Variable already exists",
                None,
            ));
        }
        env.variables.push(Variable {
            name,
            value,
            created_at: now,
            updated_at: now,
        });
        env.updated_at = now;
        Ok((StatusCode::CREATED, Json(json!({}))).into_response())
    })
}

/// `PATCH …/variables/{name}` `{name?, value?}`
pub(super) async fn update(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body, Some(&["name", "value"]))?;
    let current = params.text("name")?.to_ascii_uppercase();
    let rename = body
        .string("name")?
        .map(|name| secrets::check_name("Variable", &name))
        .transpose()?;
    let value = value_of(&body, false)?;
    let now = now_ms();
    environments::change(&emulator, &params, |env| {
        let Some(index) = env
            .variables
            .iter()
            .position(|variable| variable.name == current)
        else {
            return Err(ApiError::not_found());
        };
        if let Some(rename) = &rename
            && *rename != current
            && env
                .variables
                .iter()
                .any(|variable| variable.name == *rename)
        {
            return Err(ApiError::conflict(
                "Already exists - Variable already exists",
                None,
            ));
        }
        let variable = &mut env.variables[index];
        if let Some(rename) = rename {
            variable.name = rename;
        }
        if let Some(value) = value {
            variable.value = value;
        }
        variable.updated_at = now;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

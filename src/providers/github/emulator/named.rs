//! What environment variables and secrets share: both are items of an environment known by
//! a name (stored upper-case, matched ignoring case), listed as `{total_count, <key>: […]}`
//! with paging, read and deleted by name (404 when absent).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::request::{Call, Params, QueryPairs, wrapped};
use super::state::Environment;
use super::{GithubEmulator, environments};

/// An item of an environment known by its name.
pub(super) trait Named: Sized + 'static {
    /// The list's key in the wrapped answer.
    const KEY: &'static str;
    /// The route parameter holding the name.
    const PARAM: &'static str;
    /// The default and the largest page size.
    const PAGE: (usize, usize);

    fn name(&self) -> &str;

    /// The item as the API answers it.
    fn view(&self) -> Value;

    fn all(env: &Environment) -> &Vec<Self>;

    fn all_mut(env: &mut Environment) -> &mut Vec<Self>;
}

/// `GET …/environments/{environment_name}/<items>`
pub(super) async fn list<T: Named>(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let (_, env) = environments::find(state, &params)?;
        let all = T::all(env).iter().map(T::view).collect();
        let (default, max) = T::PAGE;
        Ok(wrapped(&call, query.page(default, max), T::KEY, all))
    })
}

/// `GET …/<items>/{name}`
pub(super) async fn get<T: Named>(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let name = params.text(T::PARAM)?;
    environments::item(&emulator, &params, |env| {
        let found = T::all(env)
            .iter()
            .find(|item| item.name().eq_ignore_ascii_case(name));
        found.map(T::view)
    })
}

/// `DELETE …/<items>/{name}`: 204, or 404 (and no change) when absent.
pub(super) async fn delete<T: Named>(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Response> {
    let name = params.text(T::PARAM)?;
    let named = |item: &T| item.name().eq_ignore_ascii_case(name);
    environments::change(&emulator, &params, |env| {
        if !T::all(env).iter().any(named) {
            return Err(ApiError::not_found());
        }
        T::all_mut(env).retain(|item| !named(item));
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

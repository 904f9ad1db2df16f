//! Projects: list (substring filter, paging), create, delete (only once empty).
//!
//! There is no get-project or rename operation in the API, so there is none here. Project
//! names are unique within the account: the documents do not say what a duplicate create
//! does, and answering 400 lets tests catch an engine that creates twice.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;

use super::NcpEmulator;
use super::error::{ApiError, ApiResult, ok};
use super::request::{Params, QueryPairs, check_name, json_body};
use super::state::Project;
use crate::providers::ncp::wire::{Ack, IdName, ProjectList, ProjectRequest};
use crate::sandbox::Tracked;

/// `GET /api/v1/project?projectName=&pageNo=&pageSize=`
pub(super) async fn list(
    State(emulator): State<Arc<NcpEmulator>>,
    query: QueryPairs,
) -> ApiResult<ProjectList> {
    let paging = query.paging()?;
    let keep = query.name_filter("projectName");
    emulator.with_state(|state| {
        let matching = state
            .projects
            .iter()
            .filter(|project| keep(&project.name))
            .map(|project| project.id_name());
        ok(ProjectList {
            project_list: paging.page(matching),
        })
    })
}

/// `POST /api/v1/project` with `{name}`.
pub(super) async fn create(
    State(emulator): State<Arc<NcpEmulator>>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<IdName> {
    let request: ProjectRequest = json_body(body)?;
    check_name("project", &request.name)?;
    emulator.with_state(|state| {
        if let Some(existing) = state
            .projects
            .iter()
            .find(|project| project.name == request.name)
        {
            return Err(ApiError::bad_request(format!(
                "a project named {:?} already exists (id {})",
                existing.name, existing.id
            )));
        }
        let id = state.allocate_id();
        state.projects.push(Tracked::new(Project {
            id,
            name: request.name.clone(),
            stages: Vec::new(),
            histories: Vec::new(),
        }));
        ok(IdName {
            id,
            name: request.name,
        })
    })
}

/// `DELETE /api/v1/project/{projectId}`: refused (400 / 100) while the project has
/// stages, the conservative reading of documents that do not say whether they go with it;
/// its deployment history goes with it.
pub(super) async fn delete(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    let id = params.id("projectId")?;
    emulator.with_state(|state| {
        let project = state.project(id)?;
        if !project.stages.is_empty() {
            return Err(ApiError::bad_request(format!(
                "project {id} has {} stage(s); delete them before deleting the project",
                project.stages.len()
            )));
        }
        state.projects.retain(|project| project.id != id);
        ok(Ack::Wrapped { result: true })
    })
}

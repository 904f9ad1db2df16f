//! The emulator's test controls, under `/_sandbox/axhub/` (no token, never logged,
//! faulted or rate limited; failures are `{"error": …}`). `{app}` is an app's id or slug;
//! `{did}` a deployment id.
//!
//! The world:
//! - `GET /apps/{app}` → the app as stored (git connection, `builds`, production and
//!   staging pointers, `outcome`, `schema_skew`, `pending_rollback`).
//! - `POST /apps` `{"slug", "subdomain"?, "repo"?, "staging_required"?}` → `{"id"}`: an
//!   app of `acme` (`repo`: connected to that seeded repository's `main`, installation
//!   4242); 409 when the slug is taken.
//! - `GET /repos/{owner}/{repo}` → `{"default_branch", "branches": {name: sha},
//!   "commits": [sha…]}`; `POST /repos/{owner}/{repo}/push` `{"branch"?}` →
//!   `{"branch", "sha"}`: one new commit (label `<branch>-<n>`); `POST /repos`
//!   `{"full_name"}` → the repository, seeded like the others (409 when it exists).
//! - `POST /tokens` `{"admin"?: false}` → `{"token"}`: a token of a tenant member (or
//!   admin); only its SHA-256 is kept.
//! - `GET /builds` → `{"builds"}`: image builds since the seed.
//! - `PUT /github-relogin` `{"required": bool}`: connects answer 428 while set.
//! - `GET` / `PUT /rate-limit` `{"limit", "window_secs"}`; `DELETE /rate-limit` lifts it.
//!
//! Deployments:
//! - `PUT /apps/{app}/outcome` `{"status": "success"}` or `{"status": "fail", "stage"?:
//!   "healthcheck", "code"?: "healthcheck.rollout_timeout", "category"?: "deploy",
//!   "message"?}`: how the app's next deployments end.
//! - `POST /apps/{app}/deployments/{did}/advance` → the deployment: ends its current stage
//!   (Manual mode; also works on the clock).
//! - `POST /apps/{app}/deployments/{did}/finish` `{"status": "success" | "fail"}` → the
//!   deployment, finished now (fail uses the app's outcome, else a `deploying` failure).
//! - `POST /apps/{app}/deployments/{did}/expire-image`: its image is gone (`image_uri`
//!   null), so a rollback to it is 412 and its commit builds again.
//! - `POST /apps/{app}/deployments/{did}/approve`: a review approved that version.
//! - `PUT /apps/{app}/schema-skew` `{"destructive": bool}`: rollbacks need
//!   `confirm_schema_skew` while set.
//! - `POST /apps/{app}/rollback/finish` → the app: applies a pending rollback now.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::gate::LimitSettings;
use super::state::{App, AxState, Failure, GitConnection, Token};
use super::{AxhubEmulator, seed, views};
use crate::providers::common::emulator::outcome::{Finish, Outcome};
use crate::providers::common::emulator::{now_ms, sha256_hex};
use crate::sandbox::{AdminError, Tracked};

type Emu = State<Arc<AxhubEmulator>>;
type Reply = Result<Json<Value>, AdminError>;

pub(super) fn router(emulator: Arc<AxhubEmulator>) -> Router {
    const D: &str = "/apps/{app}/deployments/{did}";
    Router::new()
        .route("/apps", post(create_app))
        .route("/apps/{app}", get(read_app))
        .route("/repos", post(create_repo))
        .route("/repos/{owner}/{repo}", get(read_repo))
        .route("/repos/{owner}/{repo}/push", post(push))
        .route("/tokens", post(token))
        .route("/builds", get(builds))
        .route("/github-relogin", put(relogin))
        .route(
            "/rate-limit",
            get(rate_limit).put(set_rate_limit).delete(lift_rate_limit),
        )
        .route("/apps/{app}/outcome", put(outcome))
        .route("/apps/{app}/schema-skew", put(schema_skew))
        .route("/apps/{app}/rollback/finish", post(finish_rollback))
        .route(&format!("{D}/advance"), post(advance))
        .route(&format!("{D}/finish"), post(finish))
        .route(&format!("{D}/expire-image"), post(expire_image))
        .route(&format!("{D}/approve"), post(approve))
        .with_state(emulator)
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, AdminError> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|err| AdminError::bad_request(err.to_string()))
}

fn app_at(state: &AxState, key: &str) -> Result<usize, AdminError> {
    state
        .app_index(key)
        .ok_or_else(|| AdminError::not_found(format!("no app {key}")))
}

fn deployment_at(state: &AxState, app: usize, did: &str) -> Result<usize, AdminError> {
    state
        .deployment_index(&state.apps[app].id, did)
        .ok_or_else(|| AdminError::not_found(format!("no deployment {did}")))
}

#[derive(Deserialize)]
struct NewApp {
    slug: String,
    #[serde(default)]
    subdomain: Option<String>,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default)]
    staging_required: bool,
}

async fn create_app(State(emu): Emu, body: Bytes) -> Reply {
    let request: NewApp = parse(&body)?;
    emu.with_state(|s| {
        if s.app_index(&request.slug).is_some() {
            return Err(AdminError::conflict(format!("app {} exists", request.slug)));
        }
        if let Some(repo) = &request.repo
            && s.repo(repo).is_none()
        {
            return Err(AdminError::bad_request(format!("no repository {repo}")));
        }
        let id = seed::uuid(&format!("app/{}", request.slug));
        s.apps.push(Tracked::new(App {
            id: id.clone(),
            tenant_id: seed::uuid("tenant/acme"),
            name: request.slug.clone(),
            slug: request.slug,
            subdomain: request.subdomain,
            git: request.repo.map(|repo_full_name| GitConnection {
                repo_full_name,
                branch: "main".into(),
                installation_id: 4242,
            }),
            staging_required: request.staging_required,
            staging_enabled: false,
            production_deployment_id: None,
            staging_deployment_id: None,
            builds: 0,
            outcome: None,
            schema_skew: false,
            pending_rollback: None,
            created_at: now_ms(),
        }));
        Ok(Json(json!({ "id": id })))
    })
}

async fn read_app(State(emu): Emu, Path(app): Path<String>) -> Reply {
    emu.with_state(|s| {
        let at = app_at(s, &app)?;
        serde_json::to_value(&*s.apps[at])
            .map(Json)
            .map_err(|err| AdminError::bad_request(err.to_string()))
    })
}

#[derive(Deserialize)]
struct NewRepo {
    full_name: String,
}

async fn create_repo(State(emu): Emu, body: Bytes) -> Reply {
    let NewRepo { full_name } = parse(&body)?;
    if full_name.split('/').filter(|part| !part.is_empty()).count() != 2 {
        return Err(AdminError::bad_request("full_name must be owner/repo"));
    }
    emu.with_state(|s| {
        if s.repo(&full_name).is_some() {
            return Err(AdminError::conflict(format!("{full_name} exists")));
        }
        let repo = seed::repo(&full_name);
        let commits = repo.commits.clone();
        s.repos.push(Tracked::new(repo));
        Ok(Json(json!({ "full_name": full_name, "commits": commits })))
    })
}

async fn read_repo(State(emu): Emu, Path((owner, repo)): Path<(String, String)>) -> Reply {
    emu.with_state(|s| {
        let repo = s
            .repo(&format!("{owner}/{repo}"))
            .ok_or_else(|| AdminError::not_found(format!("no repository {owner}/{repo}")))?;
        let branches: serde_json::Map<String, Value> = repo
            .branches
            .iter()
            .map(|(name, sha)| (name.clone(), Value::from(sha.clone())))
            .collect();
        Ok(Json(json!({
            "default_branch": repo.default_branch,
            "branches": branches,
            "commits": repo.commits,
        })))
    })
}

#[derive(Deserialize)]
struct Push {
    #[serde(default)]
    branch: Option<String>,
}

async fn push(State(emu): Emu, Path((owner, repo)): Path<(String, String)>, body: Bytes) -> Reply {
    let request: Push = parse(&body)?;
    let full_name = format!("{owner}/{repo}");
    emu.with_state(|s| {
        let at = s
            .repos
            .iter()
            .position(|r| r.full_name == full_name)
            .ok_or_else(|| AdminError::not_found(format!("no repository {full_name}")))?;
        let repo = &mut s.repos[at];
        let branch = request
            .branch
            .unwrap_or_else(|| repo.default_branch.clone());
        let sha = seed::commit(&full_name, &format!("{branch}-{}", repo.commits.len() + 1));
        repo.commits.push(sha.clone());
        match repo.branches.iter_mut().find(|(name, _)| *name == branch) {
            Some(entry) => entry.1 = sha.clone(),
            None => repo.branches.push((branch.clone(), sha.clone())),
        }
        Ok(Json(json!({ "branch": branch, "sha": sha })))
    })
}

#[derive(Deserialize)]
struct NewToken {
    #[serde(default)]
    admin: bool,
}

async fn token(State(emu): Emu, body: Bytes) -> Reply {
    let request: NewToken = parse(&body)?;
    emu.with_state(|s| {
        let token = format!(
            "axhub_pat_{}",
            &sha256_hex(&format!("{}:{}", now_ms(), s.tokens.len()))[..32]
        );
        s.tokens.push(Tracked::new(Token {
            sha256: sha256_hex(&token),
            admin: request.admin,
        }));
        Ok(Json(json!({ "token": token })))
    })
}

async fn builds(State(emu): Emu) -> Reply {
    Ok(Json(json!({ "builds": emu.with_state(|s| s.builds) })))
}

#[derive(Deserialize)]
struct Relogin {
    required: bool,
}

async fn relogin(State(emu): Emu, body: Bytes) -> Reply {
    let request: Relogin = parse(&body)?;
    emu.with_state(|s| s.github_relogin_required = request.required);
    Ok(Json(json!({ "required": request.required })))
}

async fn rate_limit(State(emu): Emu) -> Reply {
    Ok(Json(json!(emu.limits.settings())))
}

async fn set_rate_limit(State(emu): Emu, body: Bytes) -> Reply {
    let settings: LimitSettings = parse(&body)?;
    if settings.limit == 0 || settings.window_secs == 0 {
        return Err(AdminError::bad_request("limit and window_secs must be > 0"));
    }
    emu.limits.set(Some(settings));
    Ok(Json(json!(settings)))
}

async fn lift_rate_limit(State(emu): Emu) -> Reply {
    emu.limits.set(None);
    Ok(Json(Value::Null))
}

#[derive(Deserialize)]
struct SetOutcome {
    status: Outcome,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

async fn outcome(State(emu): Emu, Path(app): Path<String>, body: Bytes) -> Reply {
    let request: SetOutcome = parse(&body)?;
    let failure = (request.status == Outcome::Fail).then(|| {
        let stage = request.stage.unwrap_or_else(|| "deploying".into());
        Failure {
            code: request.code.unwrap_or_else(|| format!("{stage}.failed")),
            category: request.category.unwrap_or_else(|| "deploy".into()),
            message: request.message.unwrap_or_else(|| format!("{stage} failed")),
            stage,
        }
    });
    emu.with_state(|s| {
        let at = app_at(s, &app)?;
        s.apps[at].outcome = failure.clone();
        Ok(Json(json!(failure)))
    })
}

#[derive(Deserialize)]
struct Skew {
    destructive: bool,
}

async fn schema_skew(State(emu): Emu, Path(app): Path<String>, body: Bytes) -> Reply {
    let request: Skew = parse(&body)?;
    emu.with_state(|s| {
        let at = app_at(s, &app)?;
        s.apps[at].schema_skew = request.destructive;
        Ok(Json(json!({ "destructive": request.destructive })))
    })
}

async fn finish_rollback(State(emu): Emu, Path(app): Path<String>) -> Reply {
    emu.with_state(|s| {
        let at = app_at(s, &app)?;
        if s.apps[at].pending_rollback.is_none() {
            return Err(AdminError::conflict("no rollback is pending"));
        }
        s.apply_rollback(at);
        Ok(Json(views::app(s, &s.apps[at])))
    })
}

/// Runs `f` on a deployment and answers it as the API shows it.
fn on_deployment(
    emu: &AxhubEmulator,
    (app, did): (String, String),
    f: impl FnOnce(&mut AxState, usize) -> Result<(), AdminError>,
) -> Reply {
    emu.with_state(|s| {
        let app = app_at(s, &app)?;
        let at = deployment_at(s, app, &did)?;
        f(s, at)?;
        Ok(Json(views::deployment(&s.deployments[at])))
    })
}

fn running(state: &AxState, at: usize) -> Result<(), AdminError> {
    if state.deployments[at].status.terminal() {
        return Err(AdminError::conflict("the deployment has finished"));
    }
    Ok(())
}

async fn advance(State(emu): Emu, Path(ids): Path<(String, String)>) -> Reply {
    on_deployment(&emu, ids, |s, at| {
        running(s, at)?;
        s.step(at, now_ms());
        Ok(())
    })
}

async fn finish(State(emu): Emu, Path(ids): Path<(String, String)>, body: Bytes) -> Reply {
    let request: Finish = parse(&body)?;
    on_deployment(&emu, ids, |s, at| {
        running(s, at)?;
        s.finish_by_hand(at, now_ms(), request.status == Outcome::Fail);
        Ok(())
    })
}

async fn expire_image(State(emu): Emu, Path(ids): Path<(String, String)>) -> Reply {
    on_deployment(&emu, ids, |s, at| {
        s.deployments[at].image_uri = None;
        Ok(())
    })
}

async fn approve(State(emu): Emu, Path(ids): Path<(String, String)>) -> Reply {
    on_deployment(&emu, ids, |s, at| {
        s.deployments[at].approved = true;
        Ok(())
    })
}

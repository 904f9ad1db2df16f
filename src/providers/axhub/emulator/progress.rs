//! How deployments and rollbacks move on: on the clock (Timed: `pending` for `waiting_ms`,
//! then `building`, `pushing` and `deploying` a third of `running_ms` each) or one admin
//! call at a time (Manual). Both go through [`AxState::step`], so a build is counted, an
//! image pushed and the app's pointer moved the same way whoever drives it.
//!
//! - A deployment that builds counts one build when `building` ends and gets its
//!   `image_uri` when `pushing` ends; one that reuses an image has it from the start.
//! - The app's admin-set failure ends it `failed` when its stage ends (`building`,
//!   `pushing`, `deploying`) or, for a stage after those (`healthcheck`), when deploying
//!   ends; `current_stage` keeps that stage and `failure_reason` is the structured object.
//! - Success gives the next release version and points production (or staging, when the
//!   app had staging on when the deployment started) at it.
//! - A rollback moves `production_deployment_id` when it applies.

use serde_json::json;

use super::seed;
use super::state::{AxState, Failure, Status};

/// The failure an admin `finish` with `fail` uses when the app has none set.
fn default_failure() -> Failure {
    Failure {
        stage: "deploying".into(),
        code: "deploy.failed".into(),
        category: "deploy".into(),
        message: "the deployment failed".into(),
    }
}

impl AxState {
    /// Moves timed deployments and rollbacks to where the clock says.
    pub(super) fn settle(&mut self, now: i64) {
        for index in 0..self.deployments.len() {
            while let Some(due) = self.boundary(index) {
                if due > now {
                    break;
                }
                self.step(index, due);
            }
        }
        for index in 0..self.apps.len() {
            let due = self.apps[index]
                .pending_rollback
                .as_ref()
                .and_then(|pending| pending.due);
            if due.is_some_and(|due| due <= now) {
                self.apply_rollback(index);
            }
        }
    }

    /// When a timed, running deployment leaves its current stage.
    fn boundary(&self, index: usize) -> Option<i64> {
        let deployment = &self.deployments[index];
        let (waiting, running) = deployment.timed?;
        let (waiting, running) = (waiting as i64, running as i64);
        let offset = match deployment.status {
            Status::Pending => waiting,
            Status::Building => waiting + running / 3,
            Status::Pushing => waiting + 2 * running / 3,
            Status::Deploying => waiting + running,
            _ => return None,
        };
        Some(deployment.started_at + offset)
    }

    /// Ends the current stage of a running deployment at `at`: on to the next stage, or
    /// finished as the app's outcome says.
    pub(super) fn step(&mut self, index: usize, at: i64) {
        let status = self.deployments[index].status;
        if status.terminal() {
            return;
        }
        let Some(app) = self.app_index(&self.deployments[index].app_id) else {
            return;
        };
        let failure = self.apps[app].outcome.clone();
        if failure.as_ref().is_some_and(|f| f.stage == status.name()) {
            return self.finish(index, at, failure);
        }
        match status.next_stage() {
            Some(next) => {
                if status == Status::Building {
                    self.count_build(index, app);
                }
                if status == Status::Pushing {
                    self.push_image(index, app);
                }
                let deployment = &mut self.deployments[index];
                deployment.status = next;
                deployment.current_stage = Some(next.name().into());
            }
            None => self.finish(index, at, failure),
        }
    }

    fn count_build(&mut self, index: usize, app: usize) {
        if self.deployments[index].builds_image {
            self.builds += 1;
            self.apps[app].builds += 1;
        }
    }

    fn push_image(&mut self, index: usize, app: usize) {
        let deployment = &self.deployments[index];
        if deployment.builds_image && deployment.image_uri.is_none() {
            let image = seed::image(
                &self.apps[app].slug,
                &deployment.commit_sha,
                self.apps[app].builds,
            );
            self.deployments[index].image_uri = Some(image);
        }
    }

    /// Finishes a running deployment: `failure` ends it failed, `None` succeeded.
    pub(super) fn finish(&mut self, index: usize, at: i64, failure: Option<Failure>) {
        if self.deployments[index].status.terminal() {
            return;
        }
        let Some(app) = self.app_index(&self.deployments[index].app_id) else {
            return;
        };
        if let Some(failure) = failure {
            let deployment = &mut self.deployments[index];
            deployment.status = Status::Failed;
            deployment.current_stage = Some(failure.stage.clone());
            deployment.failure_reason = Some(json!({
                "stage": failure.stage,
                "code": failure.code,
                "category": failure.category,
                "message": failure.message,
            }));
            deployment.completed_at = Some(at);
            return;
        }
        let status = self.deployments[index].status;
        if matches!(status, Status::Pending | Status::Building) {
            self.count_build(index, app);
        }
        if status != Status::Deploying {
            self.push_image(index, app);
        }
        let app_id = self.apps[app].id.clone();
        let version = self
            .deployments
            .iter()
            .filter(|d| d.app_id == app_id)
            .filter_map(|d| d.version)
            .max()
            .unwrap_or(0)
            + 1;
        let deployment = &mut self.deployments[index];
        deployment.status = Status::Succeeded;
        deployment.current_stage = None;
        deployment.completed_at = Some(at);
        deployment.version = Some(version);
        let (id, to_staging) = (deployment.id.clone(), deployment.to_staging);
        let app = &mut self.apps[app];
        if to_staging {
            app.staging_deployment_id = Some(id);
        } else {
            app.production_deployment_id = Some(id);
        }
    }

    /// Finishes a deployment the admin API ends by hand.
    pub(super) fn finish_by_hand(&mut self, index: usize, at: i64, fail: bool) {
        let failure = fail.then(|| {
            self.app_index(&self.deployments[index].app_id)
                .and_then(|app| self.apps[app].outcome.clone())
                .unwrap_or_else(default_failure)
        });
        self.finish(index, at, failure);
    }

    /// Applies the app's pending rollback: production now runs that deployment's image.
    pub(super) fn apply_rollback(&mut self, app: usize) {
        if let Some(pending) = self.apps[app].pending_rollback.take() {
            self.apps[app].production_deployment_id = Some(pending.deployment_id);
        }
    }
}

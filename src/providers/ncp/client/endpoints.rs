//! The SourceDeploy operations (providers.md §1.4), one method each. Paths are relative to
//! the base URL; numeric ids need no encoding, names in paths go through [`path_segment`].

use serde::Deserialize;

use super::{Call, NcpClient, NcpError};
use crate::providers::common::percent::path_segment;
use crate::providers::ncp::wire::{
    self, AutoscalingGroup, AutoscalingList, BranchList, BucketList, Cluster, ClusterList,
    HistoryDetail, HistoryId, HistoryList, HistorySummary, IdName, Named, ObjectList, ProjectList,
    ProjectRequest, RepositoryList, ScenarioDetail, ScenarioList, ScenarioRequest, Server,
    ServerList, StageDetail, StageList, StageRequest, StoredObject, TargetGroupList,
};

const API: &str = "/api/v1";

/// Result of the canary analysis-times call: `{"stageList": [<epoch ms>, …]}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportTimes {
    #[serde(default)]
    stage_list: Vec<EpochMs>,
}

#[derive(Deserialize)]
struct EpochMs(#[serde(deserialize_with = "wire::id_number")] i64);

fn project(project_id: i64) -> String {
    format!("{API}/project/{project_id}")
}

fn stage(project_id: i64, stage_id: i64) -> String {
    format!("{}/stage/{stage_id}", project(project_id))
}

fn scenario(project_id: i64, stage_id: i64, scenario_id: i64) -> String {
    format!("{}/scenario/{scenario_id}", stage(project_id, stage_id))
}

fn history(project_id: i64, history_id: i64) -> String {
    format!("{}/history/{history_id}", project(project_id))
}

impl NcpClient {
    // ---- projects ------------------------------------------------------------------------

    /// All projects (every page).
    pub async fn list_projects(&self) -> Result<Vec<IdName>, NcpError> {
        let path = format!("{API}/project");
        self.pages(path, None, |l: ProjectList| l.project_list, |_| false)
            .await
    }

    /// The project named exactly `name`. The API's `projectName` filter matches substrings
    /// (`shop` also finds `shop-admin`), so the filtered pages are compared exactly.
    pub async fn find_project(&self, name: &str) -> Result<Option<IdName>, NcpError> {
        let path = format!("{API}/project");
        let filter = Some(("projectName", name));
        let found = self
            .pages(
                path,
                filter,
                |l: ProjectList| l.project_list,
                |p| p.name == name,
            )
            .await?;
        Ok(found.into_iter().find(|p| p.name == name))
    }

    /// Creates a project. Not idempotent: on an ambiguous error, look it up by name.
    pub async fn create_project(&self, name: &str) -> Result<IdName, NcpError> {
        let body = ProjectRequest {
            name: name.to_owned(),
        };
        self.fetch(Call::post(format!("{API}/project")).json(&body)?)
            .await
    }

    /// Deletes a project.
    pub async fn delete_project(&self, project_id: i64) -> Result<(), NcpError> {
        self.acknowledge(Call::delete(project(project_id))).await
    }

    // ---- stages --------------------------------------------------------------------------

    /// All stages of a project (every page).
    pub async fn list_stages(&self, project_id: i64) -> Result<Vec<IdName>, NcpError> {
        let path = format!("{}/stage", project(project_id));
        self.pages(path, None, |l: StageList| l.stage_list, |_| false)
            .await
    }

    /// One stage with its target configuration.
    pub async fn get_stage(&self, project_id: i64, stage_id: i64) -> Result<StageDetail, NcpError> {
        self.fetch(Call::get(stage(project_id, stage_id))).await
    }

    /// Creates a stage (`body.name` required). Not idempotent.
    pub async fn create_stage(
        &self,
        project_id: i64,
        body: &StageRequest,
    ) -> Result<IdName, NcpError> {
        let path = format!("{}/stage", project(project_id));
        self.fetch(Call::post(path).json(body)?).await
    }

    /// Edits a stage (send the full config: partial merge is not documented).
    pub async fn update_stage(
        &self,
        project_id: i64,
        stage_id: i64,
        body: &StageRequest,
    ) -> Result<IdName, NcpError> {
        self.fetch(Call::patch(stage(project_id, stage_id)).json(body)?)
            .await
    }

    /// Deletes a stage.
    pub async fn delete_stage(&self, project_id: i64, stage_id: i64) -> Result<(), NcpError> {
        self.acknowledge(Call::delete(stage(project_id, stage_id)))
            .await
    }

    // ---- scenarios -----------------------------------------------------------------------

    /// All scenarios of a stage (every page).
    pub async fn list_scenarios(
        &self,
        project_id: i64,
        stage_id: i64,
    ) -> Result<Vec<IdName>, NcpError> {
        let path = format!("{}/scenario", stage(project_id, stage_id));
        self.pages(path, None, |l: ScenarioList| l.scenario_list, |_| false)
            .await
    }

    /// One scenario with its configuration.
    pub async fn get_scenario(
        &self,
        project_id: i64,
        stage_id: i64,
        scenario_id: i64,
    ) -> Result<ScenarioDetail, NcpError> {
        self.fetch(Call::get(scenario(project_id, stage_id, scenario_id)))
            .await
    }

    /// Creates a scenario (`body.name` required). Not idempotent.
    pub async fn create_scenario(
        &self,
        project_id: i64,
        stage_id: i64,
        body: &ScenarioRequest,
    ) -> Result<IdName, NcpError> {
        let path = format!("{}/scenario", stage(project_id, stage_id));
        self.fetch(Call::post(path).json(body)?).await
    }

    /// Edits a scenario. The API cannot rename one, so `body.name` must be `None`; a body
    /// with a name is refused before sending.
    pub async fn update_scenario(
        &self,
        project_id: i64,
        stage_id: i64,
        scenario_id: i64,
        body: &ScenarioRequest,
    ) -> Result<IdName, NcpError> {
        let call = Call::patch(scenario(project_id, stage_id, scenario_id));
        if body.name.is_some() {
            return Err(NcpError::InvalidRequest {
                call: call.label(),
                reason: "a scenario cannot be renamed: the edit body must not have a name"
                    .to_owned(),
            });
        }
        self.fetch(call.json(body)?).await
    }

    /// Deletes a scenario.
    pub async fn delete_scenario(
        &self,
        project_id: i64,
        stage_id: i64,
        scenario_id: i64,
    ) -> Result<(), NcpError> {
        self.acknowledge(Call::delete(scenario(project_id, stage_id, scenario_id)))
            .await
    }

    // ---- deployments ---------------------------------------------------------------------

    /// Starts a deployment of a scenario; returns its history id. Not idempotent: each call
    /// starts another deployment.
    pub async fn start_deploy(
        &self,
        project_id: i64,
        stage_id: i64,
        scenario_id: i64,
    ) -> Result<i64, NcpError> {
        let path = format!("{}/deploy", scenario(project_id, stage_id, scenario_id));
        let started: HistoryId = self.fetch(Call::post(path)).await?;
        Ok(started.history_id)
    }

    /// Requests an approved deployment of a scenario; returns its history id (status
    /// `pending` until approved or rejected).
    pub async fn request_deploy_approval(
        &self,
        project_id: i64,
        stage_id: i64,
        scenario_id: i64,
    ) -> Result<i64, NcpError> {
        let path = format!(
            "{}/deploy/request",
            scenario(project_id, stage_id, scenario_id)
        );
        let requested: HistoryId = self.fetch(Call::post(path)).await?;
        Ok(requested.history_id)
    }

    /// Approves a pending deployment.
    pub async fn approve_deploy(&self, project_id: i64, history_id: i64) -> Result<(), NcpError> {
        self.history_action(project_id, history_id, "approval/accept")
            .await
    }

    /// Rejects a pending deployment.
    pub async fn reject_deploy(&self, project_id: i64, history_id: i64) -> Result<(), NcpError> {
        self.history_action(project_id, history_id, "approval/reject")
            .await
    }

    /// Cancels a running deployment.
    pub async fn cancel_deploy(&self, project_id: i64, history_id: i64) -> Result<(), NcpError> {
        self.history_action(project_id, history_id, "cancel").await
    }

    /// Lets a canary deployment that awaits a decision proceed.
    pub async fn accept_canary(&self, project_id: i64, history_id: i64) -> Result<(), NcpError> {
        self.history_action(project_id, history_id, "canary/accept")
            .await
    }

    /// Rolls back a canary deployment that awaits a decision.
    pub async fn reject_canary(&self, project_id: i64, history_id: i64) -> Result<(), NcpError> {
        self.history_action(project_id, history_id, "canary/reject")
            .await
    }

    async fn history_action(
        &self,
        project_id: i64,
        history_id: i64,
        action: &str,
    ) -> Result<(), NcpError> {
        let path = format!("{}/{action}", history(project_id, history_id));
        self.acknowledge(Call::post(path)).await
    }

    /// One page of the project's deployment history (`page_no` from 1; the API allows up to
    /// 100 per page).
    pub async fn list_history_page(
        &self,
        project_id: i64,
        page_no: u32,
        page_size: u32,
    ) -> Result<Vec<HistorySummary>, NcpError> {
        let call = Call::get(format!("{}/history", project(project_id)))
            .query("pageNo", page_no)
            .query("pageSize", page_size);
        let list: HistoryList = self.fetch(call).await?;
        Ok(list.history_list)
    }

    /// One deployment with its status and per-target results.
    pub async fn get_history(
        &self,
        project_id: i64,
        history_id: i64,
    ) -> Result<HistoryDetail, NcpError> {
        self.fetch(Call::get(history(project_id, history_id))).await
    }

    /// The end times (epoch ms) of the canary analyses of a deployment so far.
    pub async fn canary_report_times(
        &self,
        project_id: i64,
        history_id: i64,
    ) -> Result<Vec<i64>, NcpError> {
        let path = format!("{}/report", history(project_id, history_id));
        let times: ReportTimes = self.fetch(Call::get(path)).await?;
        Ok(times.stage_list.into_iter().map(|t| t.0).collect())
    }

    /// The canary analysis report ending at `end_time` (one of
    /// [`canary_report_times`](Self::canary_report_times)): `status` (`pass` | `fail`),
    /// `score`, `passScore`, … Loosely typed: its shape is not fully documented.
    pub async fn canary_report(
        &self,
        project_id: i64,
        history_id: i64,
        end_time: i64,
    ) -> Result<serde_json::Value, NcpError> {
        let path = format!("{}/report/{end_time}", history(project_id, history_id));
        self.fetch(Call::get(path)).await
    }

    // ---- lookups (for validating and exporting targets) ----------------------------------

    /// Servers that a `Server` stage can target.
    pub async fn list_servers(&self) -> Result<Vec<Server>, NcpError> {
        let list: ServerList = self.fetch(Call::get(format!("{API}/server"))).await?;
        Ok(list.server_list)
    }

    /// Auto Scaling groups that an `AutoScalingGroup` stage can target.
    pub async fn list_autoscaling_groups(&self) -> Result<Vec<AutoscalingGroup>, NcpError> {
        let call = Call::get(format!("{API}/autoscaling"));
        let list: AutoscalingList = self.fetch(call).await?;
        Ok(list.autoscaling_list)
    }

    /// Load-balancer target groups of an Auto Scaling group (for blue/green scenarios).
    pub async fn list_target_groups(&self, asg_name: &str) -> Result<Vec<IdName>, NcpError> {
        let path = format!(
            "{API}/autoscaling/{}",
            segment("Auto Scaling group", asg_name)?
        );
        let call = Call::get(path);
        let list: TargetGroupList = self.fetch(call).await?;
        Ok(list.target_group_list)
    }

    /// Kubernetes clusters that a `KubernetesService` stage can target.
    pub async fn list_clusters(&self) -> Result<Vec<Cluster>, NcpError> {
        let call = Call::get(format!("{API}/kubernetes/cluster"));
        let list: ClusterList = self.fetch(call).await?;
        Ok(list.cluster_list)
    }

    /// Object Storage buckets.
    pub async fn list_buckets(&self) -> Result<Vec<Named>, NcpError> {
        let call = Call::get(format!("{API}/objectstorage/bucket"));
        let list: BucketList = self.fetch(call).await?;
        Ok(list.bucket_list)
    }

    /// Objects in a bucket (deployable artifacts).
    pub async fn list_objects(&self, bucket: &str) -> Result<Vec<StoredObject>, NcpError> {
        let call = Call::get(format!(
            "{API}/objectstorage/bucket/{}",
            segment("bucket", bucket)?
        ));
        let list: ObjectList = self.fetch(call).await?;
        Ok(list.object_list)
    }

    /// SourceBuild projects (artifact sources).
    pub async fn list_sourcebuild_projects(&self) -> Result<Vec<IdName>, NcpError> {
        let call = Call::get(format!("{API}/sourcebuild/project"));
        let list: ProjectList = self.fetch(call).await?;
        Ok(list.project_list)
    }

    /// SourceCommit repositories (Kubernetes manifest sources).
    pub async fn list_repositories(&self) -> Result<Vec<Named>, NcpError> {
        let call = Call::get(format!("{API}/sourcecommit/repository"));
        let list: RepositoryList = self.fetch(call).await?;
        Ok(list.repository_list)
    }

    /// Branches of a SourceCommit repository.
    pub async fn list_branches(&self, repository: &str) -> Result<Vec<Named>, NcpError> {
        let path = format!(
            "{API}/sourcecommit/repository/{}/branch",
            segment("repository", repository)?
        );
        let list: BranchList = self.fetch(Call::get(path)).await?;
        Ok(list.branch_list)
    }
}

/// `name` as one path segment; `""`, `.` and `..` cannot be one (URL parsers drop them as
/// dot-segments, so the request would address the parent path) and name nothing.
fn segment(what: &str, name: &str) -> Result<String, NcpError> {
    path_segment(name).ok_or_else(|| NcpError::InvalidRequest {
        call: format!("look up {what} `{name}`"),
        reason: format!("`{name}` cannot name a {what}"),
    })
}

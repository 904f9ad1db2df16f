//! Lookups: the account infrastructure a stage or scenario can point at (servers, Auto
//! Scaling groups and their target groups, NKS clusters, Object Storage, SourceBuild,
//! SourceCommit). They list the static seed; none of them pages. An unknown Auto Scaling
//! group, bucket or repository in the path is 404.

use super::error::{ApiError, ApiResult, ok};
use super::request::Params;
use super::seed;
use crate::providers::ncp::wire::{
    AutoscalingGroup, AutoscalingList, BranchList, BucketList, Cluster, ClusterList, IdName, Named,
    ObjectList, ProjectList, RepositoryList, Server, ServerList, StoredObject, TargetGroupList,
};

/// `GET /api/v1/server`
pub(super) async fn servers() -> ApiResult<ServerList> {
    let server_list = seed::SERVERS.iter().map(|server| Server {
        server_no: server.no,
        name: server.name.to_owned(),
    });
    ok(ServerList {
        server_list: server_list.collect(),
    })
}

/// `GET /api/v1/autoscaling`
pub(super) async fn auto_scaling_groups() -> ApiResult<AutoscalingList> {
    let groups = seed::AUTO_SCALING_GROUPS
        .iter()
        .map(|group| AutoscalingGroup {
            group_no: group.no,
            name: group.name.to_owned(),
            instance_count: i64::try_from(group.instances.len()).unwrap_or(i64::MAX),
        });
    ok(AutoscalingList {
        autoscaling_list: groups.collect(),
    })
}

/// `GET /api/v1/autoscaling/{autoscalingName}`
pub(super) async fn target_groups(params: Params) -> ApiResult<TargetGroupList> {
    let name = params.text("autoscalingName")?;
    let group = seed::auto_scaling_group_named(name).ok_or_else(|| {
        ApiError::not_found(format!("Auto Scaling group {name:?} does not exist"))
    })?;
    let target_groups = group.target_groups.iter().map(|tg| IdName {
        id: tg.no,
        name: tg.name.to_owned(),
    });
    ok(TargetGroupList {
        target_group_list: target_groups.collect(),
    })
}

/// `GET /api/v1/kubernetes/cluster`: `id` is the cluster uuid that stage configs use.
pub(super) async fn clusters() -> ApiResult<ClusterList> {
    let clusters = seed::CLUSTERS.iter().map(|cluster| Cluster {
        id: cluster.uuid.to_owned(),
        name: cluster.name.to_owned(),
    });
    ok(ClusterList {
        cluster_list: clusters.collect(),
    })
}

/// `GET /api/v1/objectstorage/bucket`
pub(super) async fn buckets() -> ApiResult<BucketList> {
    let buckets = seed::BUCKETS.iter().map(|bucket| Named {
        name: bucket.name.to_owned(),
    });
    ok(BucketList {
        bucket_list: buckets.collect(),
    })
}

/// `GET /api/v1/objectstorage/bucket/{bucketName}`
pub(super) async fn objects(params: Params) -> ApiResult<ObjectList> {
    let name = params.text("bucketName")?;
    let bucket = seed::bucket(name).ok_or_else(|| {
        ApiError::not_found(format!("Object Storage bucket {name:?} does not exist"))
    })?;
    let objects = bucket.objects.iter().map(|(key, size)| StoredObject {
        key: (*key).to_owned(),
        size: *size,
    });
    ok(ObjectList {
        object_list: objects.collect(),
    })
}

/// `GET /api/v1/sourcebuild/project`
pub(super) async fn build_projects() -> ApiResult<ProjectList> {
    let projects = seed::BUILD_PROJECTS.iter().map(|project| IdName {
        id: project.id,
        name: project.name.to_owned(),
    });
    ok(ProjectList {
        project_list: projects.collect(),
    })
}

/// `GET /api/v1/sourcecommit/repository`
pub(super) async fn repositories() -> ApiResult<RepositoryList> {
    let repositories = seed::REPOSITORIES.iter().map(|repository| Named {
        name: repository.name.to_owned(),
    });
    ok(RepositoryList {
        repository_list: repositories.collect(),
    })
}

/// `GET /api/v1/sourcecommit/repository/{repositoryName}/branch`
pub(super) async fn branches(params: Params) -> ApiResult<BranchList> {
    let name = params.text("repositoryName")?;
    let repository = seed::repository(name).ok_or_else(|| {
        ApiError::not_found(format!("SourceCommit repository {name:?} does not exist"))
    })?;
    let branches = repository.branches.iter().map(|branch| Named {
        name: (*branch).to_owned(),
    });
    ok(BranchList {
        branch_list: branches.collect(),
    })
}

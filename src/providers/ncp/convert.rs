//! Manifest shapes ↔ SourceDeploy wire shapes. Remote objects are converted to the
//! manifest's shape before diffing, so plans show the field names the user wrote.

use super::manifest::{
    AnalysisConfig, Canary, CanaryAnalysis, CanaryEnv, CanaryMetric, Commands, FileSource,
    FileSourceType, KubernetesManifest, LoadBalancer, PathMapping, QueryType, Scenario, Strategy,
    SuccessCriteria, Target, TargetType, UserCommand,
};
use super::wire;

pub fn target_type_to_wire(t: TargetType) -> &'static str {
    match t {
        TargetType::Server => wire::stage_type::SERVER,
        TargetType::AutoscalingGroup => wire::stage_type::AUTOSCALING_GROUP,
        TargetType::Kubernetes => wire::stage_type::KUBERNETES_SERVICE,
        TargetType::ObjectStorage => wire::stage_type::OBJECT_STORAGE,
    }
}

pub fn target_type_from_wire(t: &str) -> Option<TargetType> {
    match t {
        wire::stage_type::SERVER => Some(TargetType::Server),
        wire::stage_type::AUTOSCALING_GROUP => Some(TargetType::AutoscalingGroup),
        wire::stage_type::KUBERNETES_SERVICE => Some(TargetType::Kubernetes),
        wire::stage_type::OBJECT_STORAGE => Some(TargetType::ObjectStorage),
        _ => None,
    }
}

pub fn stage_request(name: Option<&str>, target: &Target) -> wire::StageRequest {
    wire::StageRequest {
        name: name.map(str::to_owned),
        target_type: target_type_to_wire(target.target_type).to_owned(),
        config: wire::StageConfig {
            server_no: target.servers.clone(),
            auto_scaling_group_no: target.autoscaling_group,
            cluster_uuid: target.cluster.clone(),
            bucket_name: target.bucket.clone(),
            ..Default::default()
        },
    }
}

/// A stage as the API returns it, in the manifest's shape. `None` for an unknown type.
pub fn target_from_wire(detail: &wire::StageDetail) -> Option<Target> {
    let target_type = target_type_from_wire(&detail.target_type)?;
    let c = &detail.config;
    Some(Target {
        target_type,
        servers: (target_type == TargetType::Server)
            .then(|| c.server_no.clone().unwrap_or_default()),
        autoscaling_group: c
            .auto_scaling_group_no
            .filter(|_| target_type == TargetType::AutoscalingGroup),
        cluster: c
            .cluster_uuid
            .clone()
            .filter(|_| target_type == TargetType::Kubernetes),
        bucket: c
            .bucket_name
            .clone()
            .filter(|_| target_type == TargetType::ObjectStorage),
    })
}

fn strategy_to_wire(s: Strategy) -> &'static str {
    match s {
        Strategy::Normal => "normal",
        Strategy::BlueGreen => "blueGreen",
        Strategy::Rolling => "rolling",
        Strategy::Canary => "canary",
    }
}

fn strategy_from_wire(s: &str) -> Option<Strategy> {
    match s {
        "normal" => Some(Strategy::Normal),
        "blueGreen" => Some(Strategy::BlueGreen),
        "rolling" => Some(Strategy::Rolling),
        "canary" => Some(Strategy::Canary),
        _ => None,
    }
}

fn mapping_to_wire(m: &PathMapping) -> wire::PathMapping {
    wire::PathMapping {
        source_path: m.source.clone(),
        deploy_path: m.destination.clone(),
    }
}

fn mapping_from_wire(m: &wire::PathMapping) -> PathMapping {
    PathMapping {
        source: m.source_path.clone(),
        destination: m.deploy_path.clone(),
    }
}

fn command_to_wire(c: &UserCommand) -> wire::UserCommand {
    wire::UserCommand {
        user: c.user.clone(),
        cmd: c.run.clone(),
    }
}

fn command_from_wire(c: &wire::UserCommand) -> UserCommand {
    UserCommand {
        user: c.user.clone(),
        run: c.cmd.clone(),
    }
}

/// The create (with `name`) or edit (without) body of a scenario.
pub fn scenario_request(name: Option<&str>, s: &Scenario) -> wire::ScenarioRequest {
    let file = s.file.as_ref().map(|f| match f.source {
        FileSourceType::ObjectStorage => wire::FileSource {
            source_type: "ObjectStorage".into(),
            object_storage: Some(wire::ObjectStorageFile {
                bucket: f.bucket.clone().unwrap_or_default(),
                object: f.object.clone().unwrap_or_default(),
            }),
            source_build: None,
        },
        FileSourceType::SourceBuild => wire::FileSource {
            source_type: "SourceBuild".into(),
            object_storage: None,
            source_build: Some(wire::SourceBuildFile {
                id: f.build_project.unwrap_or_default(),
                name: None,
            }),
        },
        FileSourceType::Later => wire::FileSource {
            source_type: "later".into(),
            ..Default::default()
        },
    });
    let canary = s.canary.as_ref().map(|c| wire::CanaryConfig {
        analysis_type: match c.analysis {
            CanaryAnalysis::Manual => "manual".into(),
            CanaryAnalysis::Auto => "auto".into(),
        },
        canary_count: c.count,
        timeout: c.timeout,
        prometheus: c.prometheus.clone(),
        env: c.env.as_ref().map(|e| wire::CanaryEnv {
            baseline: e.baseline.clone(),
            canary: e.canary.clone(),
        }),
        metrics: c.metrics.as_ref().map(|ms| {
            ms.iter()
                .map(|m| wire::CanaryMetric {
                    name: m.name.clone(),
                    success_criteria: match m.success_criteria {
                        SuccessCriteria::Base => "base".into(),
                        SuccessCriteria::Canary => "canary".into(),
                    },
                    query_type: match m.query_type {
                        QueryType::Default => "default".into(),
                        QueryType::Promql => "promQL".into(),
                    },
                    weight: m.weight,
                    metric: m.metric.clone(),
                    filter: m.filter.clone(),
                    query: m.query.clone(),
                })
                .collect()
        }),
        analysis_config: c.analysis_config.as_ref().map(|a| wire::AnalysisConfig {
            duration: a.duration,
            delay: a.delay,
            interval: a.interval,
            step: a.step,
        }),
        pass_score: c.pass_score,
    });
    wire::ScenarioRequest {
        name: name.map(str::to_owned),
        description: s.description.clone(),
        config: wire::ScenarioConfig {
            strategy: s.strategy.map(|st| strategy_to_wire(st).to_owned()),
            sequence: s.sequence,
            file,
            rollback: s.rollback,
            cmd: s.commands.as_ref().map(|c| wire::Commands {
                pre: c.pre.iter().map(command_to_wire).collect(),
                deploy: c.deploy.iter().map(mapping_to_wire).collect(),
                post: c.post.iter().map(command_to_wire).collect(),
            }),
            load_balancer: s.load_balancer.as_ref().map(|lb| wire::LoadBalancer {
                load_balancer_target_group_no: lb.target_group,
                load_balancer_target_group_name: None,
                delete_server: lb.delete_server,
            }),
            manifest: s.manifest.as_ref().map(|m| wire::K8sManifest {
                source_type: "SourceCommit".into(),
                repository: m.repository.clone(),
                branch: m.branch.clone(),
                path: m.paths.clone(),
            }),
            canary_config: canary,
            path: s
                .paths
                .as_ref()
                .map(|ps| ps.iter().map(mapping_to_wire).collect()),
        },
    }
}

/// A scenario as the API returns it, in the manifest's shape.
pub fn scenario_from_wire(detail: &wire::ScenarioDetail) -> Scenario {
    let c = &detail.config;
    let file = c.file.as_ref().map(|f| match f.source_type.as_str() {
        "ObjectStorage" => FileSource {
            source: FileSourceType::ObjectStorage,
            bucket: f.object_storage.as_ref().map(|o| o.bucket.clone()),
            object: f.object_storage.as_ref().map(|o| o.object.clone()),
            build_project: None,
        },
        "SourceBuild" => FileSource {
            source: FileSourceType::SourceBuild,
            bucket: None,
            object: None,
            build_project: f.source_build.as_ref().map(|b| b.id),
        },
        _ => FileSource {
            source: FileSourceType::Later,
            bucket: None,
            object: None,
            build_project: None,
        },
    });
    let commands = c
        .cmd
        .as_ref()
        .filter(|cmd| !(cmd.pre.is_empty() && cmd.deploy.is_empty() && cmd.post.is_empty()))
        .map(|cmd| Commands {
            pre: cmd.pre.iter().map(command_from_wire).collect(),
            deploy: cmd.deploy.iter().map(mapping_from_wire).collect(),
            post: cmd.post.iter().map(command_from_wire).collect(),
        });
    let canary = c.canary_config.as_ref().map(|cc| Canary {
        analysis: if cc.analysis_type == "auto" {
            CanaryAnalysis::Auto
        } else {
            CanaryAnalysis::Manual
        },
        count: cc.canary_count,
        timeout: cc.timeout,
        prometheus: cc.prometheus.clone(),
        env: cc.env.as_ref().map(|e| CanaryEnv {
            baseline: e.baseline.clone(),
            canary: e.canary.clone(),
        }),
        metrics: cc.metrics.as_ref().map(|ms| {
            ms.iter()
                .map(|m| CanaryMetric {
                    name: m.name.clone(),
                    success_criteria: if m.success_criteria == "canary" {
                        SuccessCriteria::Canary
                    } else {
                        SuccessCriteria::Base
                    },
                    query_type: if m.query_type.eq_ignore_ascii_case("promql") {
                        QueryType::Promql
                    } else {
                        QueryType::Default
                    },
                    weight: m.weight,
                    metric: m.metric.clone(),
                    filter: m.filter.clone(),
                    query: m.query.clone(),
                })
                .collect()
        }),
        analysis_config: cc.analysis_config.as_ref().map(|a| AnalysisConfig {
            duration: a.duration,
            delay: a.delay,
            interval: a.interval,
            step: a.step,
        }),
        pass_score: cc.pass_score,
    });
    Scenario {
        description: detail.description.clone().filter(|d| !d.is_empty()),
        strategy: c.strategy.as_deref().and_then(strategy_from_wire),
        sequence: c.sequence,
        rollback: c.rollback,
        file,
        commands,
        load_balancer: c.load_balancer.as_ref().map(|lb| LoadBalancer {
            target_group: lb.load_balancer_target_group_no,
            delete_server: lb.delete_server,
        }),
        manifest: c.manifest.as_ref().map(|m| KubernetesManifest {
            repository: m.repository.clone(),
            branch: m.branch.clone(),
            paths: m.path.clone(),
        }),
        canary,
        paths: c
            .path
            .as_ref()
            .filter(|p| !p.is_empty())
            .map(|ps| ps.iter().map(mapping_from_wire).collect()),
        protect: false,
        depends_on: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_scenario() -> Scenario {
        Scenario {
            description: Some("web".into()),
            strategy: Some(Strategy::Normal),
            sequence: Some(true),
            rollback: Some(true),
            file: Some(FileSource {
                source: FileSourceType::ObjectStorage,
                bucket: Some("shop-artifacts".into()),
                object: Some("shop/shop-1.4.2.tar.gz".into()),
                build_project: None,
            }),
            commands: Some(Commands {
                pre: vec![UserCommand {
                    user: "root".into(),
                    run: "systemctl stop shop".into(),
                }],
                deploy: vec![PathMapping {
                    source: "/".into(),
                    destination: "/opt/shop".into(),
                }],
                post: vec![],
            }),
            ..Default::default()
        }
    }

    #[test]
    fn scenario_round_trips_through_the_wire_shape() {
        let scenario = server_scenario();
        let request = scenario_request(Some("web"), &scenario);
        let body = serde_json::to_value(&request).unwrap();
        assert_eq!(body["config"]["strategy"], "normal");
        assert_eq!(
            body["config"]["file"]["ObjectStorage"]["object"],
            "shop/shop-1.4.2.tar.gz"
        );
        assert_eq!(
            body["config"]["cmd"]["pre"][0]["cmd"],
            "systemctl stop shop"
        );
        assert_eq!(
            body["config"]["cmd"]["deploy"][0]["deployPath"],
            "/opt/shop"
        );
        let detail = wire::ScenarioDetail {
            project: None,
            stage: None,
            id: 1,
            name: "web".into(),
            target_type: Some("Server".into()),
            description: request.description.clone(),
            config: request.config.clone(),
        };
        let back = scenario_from_wire(&detail);
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&scenario).unwrap()
        );
    }

    #[test]
    fn stage_target_round_trips() {
        let target = Target {
            target_type: TargetType::Server,
            servers: Some(vec![1011, 1012]),
            autoscaling_group: None,
            cluster: None,
            bucket: None,
        };
        let request = stage_request(Some("dev"), &target);
        assert_eq!(request.target_type, "Server");
        let detail = wire::StageDetail {
            project: None,
            id: 3,
            name: "dev".into(),
            target_type: request.target_type.clone(),
            config: wire::StageConfig {
                server_name: Some(vec!["a".into(), "b".into()]),
                ..request.config
            },
        };
        assert_eq!(target_from_wire(&detail), Some(target));
    }

    #[test]
    fn blue_green_is_camel_case_on_the_wire() {
        let scenario = Scenario {
            strategy: Some(Strategy::BlueGreen),
            ..Default::default()
        };
        assert_eq!(
            scenario_request(None, &scenario).config.strategy.as_deref(),
            Some("blueGreen")
        );
    }
}

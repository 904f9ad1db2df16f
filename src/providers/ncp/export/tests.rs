use serde_json::json;

use super::*;
use crate::providers::ncp::manifest::TargetType;
use crate::providers::ncp::{fetch, lower};

fn stage(name: &str, target_type: &str, config: wire::StageConfig) -> wire::StageDetail {
    wire::StageDetail {
        project: None,
        id: 10,
        name: name.into(),
        target_type: target_type.into(),
        config,
    }
}

fn server_stage(name: &str) -> wire::StageDetail {
    stage(
        name,
        "Server",
        wire::StageConfig {
            server_no: Some(vec![1011, 1012]),
            server_name: Some(vec!["web-1".into(), "web-2".into()]),
            ..Default::default()
        },
    )
}

fn scenario(name: &str, config: serde_json::Value) -> wire::ScenarioDetail {
    wire::ScenarioDetail {
        project: None,
        stage: None,
        id: 20,
        name: name.into(),
        target_type: None,
        description: None,
        config: serde_json::from_value(config).unwrap(),
    }
}

fn web() -> wire::ScenarioDetail {
    let mut detail = scenario(
        "web",
        json!({
            "strategy": "normal",
            "sequence": true,
            "rollback": true,
            "file": { "type": "ObjectStorage", "ObjectStorage": { "bucket": "shop-artifacts", "object": "shop/shop-1.4.2.tar.gz" } },
            "cmd": {
                "pre": [{ "user": "root", "cmd": "systemctl stop shop" }],
                "deploy": [{ "sourcePath": "/", "deployPath": "/opt/shop" }],
                "post": [{ "user": "root", "cmd": "systemctl start shop\ncurl -fsS http://localhost:8080/health\n" }]
            }
        }),
    );
    detail.description = Some("Deploy the shop web app".into());
    detail
}

fn project(
    name: &str,
    stages: Vec<(wire::StageDetail, Vec<wire::ScenarioDetail>)>,
) -> RemoteProject {
    let address = Address::root("ncp", KIND_PROJECT, name);
    RemoteProject {
        name: name.into(),
        stages: stages
            .into_iter()
            .map(|(detail, scenarios)| RemoteStage {
                address: address.child(KIND_STAGE, &detail.name),
                detail,
                scenarios,
            })
            .collect(),
        address,
    }
}

fn reasons(skipped: &[ExportSkip]) -> Vec<(String, String)> {
    skipped
        .iter()
        .map(|s| (s.address.to_string(), s.reason.clone()))
        .collect()
}

#[test]
fn exports_every_target_type_with_defaults_left_out() {
    let projects = vec![project(
        "shop",
        vec![
            (server_stage("dev"), vec![web()]),
            (
                stage(
                    "static",
                    "ObjectStorage",
                    wire::StageConfig {
                        bucket_name: Some("static-site".into()),
                        ..Default::default()
                    },
                ),
                vec![scenario(
                    "assets",
                    json!({
                        "file": { "type": "SourceBuild", "SourceBuild": { "id": 5003, "name": "site-build" } },
                        "path": [{ "sourcePath": "/public", "deployPath": "/shop" }]
                    }),
                )],
            ),
            (
                stage(
                    "prod",
                    "AutoScalingGroup",
                    wire::StageConfig {
                        auto_scaling_group_no: Some(2001),
                        auto_scaling_group_name: Some("web-asg".into()),
                        ..Default::default()
                    },
                ),
                vec![scenario(
                    "blue-green",
                    json!({
                        "strategy": "blueGreen",
                        "rollback": false,
                        "file": { "type": "later" },
                        "loadBalancer": { "loadBalancerTargetGroupNo": 3001, "loadBalancerTargetGroupName": "web-tg-blue", "deleteServer": true }
                    }),
                )],
            ),
            (
                stage(
                    "k8s",
                    "KubernetesService",
                    wire::StageConfig {
                        cluster_uuid: Some("5f0d8a52-8c1e-4b6a-9e3b-2a7c41d0f001".into()),
                        cluster_name: Some("shop-nks".into()),
                        ..Default::default()
                    },
                ),
                vec![scenario(
                    "canary",
                    json!({
                        "strategy": "canary",
                        "manifest": { "type": "SourceCommit", "repository": "shop-manifests", "branch": "main", "path": ["/k8s/a.yaml"] },
                        "canaryConfig": { "analysisType": "manual", "canaryCount": 2, "timeout": 30 }
                    }),
                )],
            ),
        ],
    )];
    let (section, skipped, counts) = section_of(&projects, None);
    assert_eq!(reasons(&skipped), []);
    assert_eq!(
        counts,
        Counts {
            projects: 1,
            stages: 4,
            scenarios: 4
        }
    );
    assert_eq!(counts.summary(), "1 project, 4 stages, 4 scenarios");
    let value = section_value(&section);
    assert_eq!(
        value,
        json!({ "projects": { "shop": { "stages": {
            "dev": {
                "target": { "type": "server", "servers": [1011, 1012] },
                "scenarios": { "web": {
                    "description": "Deploy the shop web app",
                    "strategy": "normal",
                    "rollback": true,
                    "file": { "type": "object-storage", "bucket": "shop-artifacts", "object": "shop/shop-1.4.2.tar.gz" },
                    "commands": {
                        "pre": [{ "user": "root", "run": "systemctl stop shop" }],
                        "deploy": [{ "source": "/", "destination": "/opt/shop" }],
                        "post": [{ "user": "root", "run": "systemctl start shop\ncurl -fsS http://localhost:8080/health\n" }]
                    }
                } }
            },
            "static": {
                "target": { "type": "object-storage", "bucket": "static-site" },
                "scenarios": { "assets": {
                    "file": { "type": "source-build", "build_project": 5003 },
                    "paths": [{ "source": "/public", "destination": "/shop" }]
                } }
            },
            "prod": {
                "target": { "type": "autoscaling-group", "autoscaling_group": 2001 },
                "scenarios": { "blue-green": {
                    "strategy": "blue-green",
                    "rollback": false,
                    "file": { "type": "later" },
                    "load_balancer": { "target_group": 3001, "delete_server": true }
                } }
            },
            "k8s": {
                "target": { "type": "kubernetes", "cluster": "5f0d8a52-8c1e-4b6a-9e3b-2a7c41d0f001" },
                "scenarios": { "canary": {
                    "strategy": "canary",
                    "manifest": { "repository": "shop-manifests", "branch": "main", "paths": ["/k8s/a.yaml"] },
                    "canary": { "analysis": "manual", "count": 2, "timeout": 30 }
                } }
            }
        } } } })
    );
    // Sorted by name, and the section reads back as the manifest type it claims to be.
    let stages: Vec<&String> = value["projects"]["shop"]["stages"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(stages, ["dev", "k8s", "prod", "static"]);
    let back: NcpSection = serde_json::from_value(value).unwrap();
    assert_eq!(section_value(&back), section_value(&section));
}

#[test]
fn keys_at_their_defaults_are_left_out_and_others_kept() {
    let mut section = NcpSection::default();
    let mut project = Project {
        protect: true,
        depends_on: vec!["ncp.project.base".into()],
        ..Project::default()
    };
    project.stages.insert(
        "dev".into(),
        Stage {
            target: stage_of(&server_stage("dev")).unwrap(),
            protect: false,
            prune: true,
            depends_on: Vec::new(),
            scenarios: BTreeMap::new(),
        },
    );
    section.projects.insert("shop".into(), project);
    assert_eq!(
        section_value(&section),
        json!({ "projects": { "shop": {
            "protect": true,
            "depends_on": ["ncp.project.base"],
            "stages": { "dev": {
                "target": { "type": "server", "servers": [1011, 1012] },
                "prune": true
            } }
        } } })
    );
}

#[test]
fn lowered_exports_equal_what_plan_reads_back() {
    let detail = web();
    let exported = scenario_of(TargetType::Server, &detail).unwrap();
    assert_eq!(exported.sequence, None, "the default is left out");
    assert_eq!(
        lower::scenario_attributes(&exported, TargetType::Server),
        fetch::scenario_attributes(&detail)
    );
    let target = stage_of(&server_stage("dev")).unwrap();
    assert_eq!(
        json!({ "target": target }),
        fetch::stage_attributes(&server_stage("dev"))
    );
}

#[test]
fn a_non_default_sequence_is_kept() {
    let mut detail = web();
    detail.config.sequence = Some(false);
    assert_eq!(
        scenario_of(TargetType::Server, &detail).unwrap().sequence,
        Some(false)
    );
}

#[test]
fn what_the_manifest_cannot_say_is_left_out_with_the_reason() {
    let mut unknown_strategy = web();
    unknown_strategy.name = "odd".into();
    unknown_strategy.config.strategy = Some("shadow".into());
    let mut no_sequence = web();
    no_sequence.name = "no-sequence".into();
    no_sequence.config.sequence = None;
    let mut bad_name = web();
    bad_name.name = "web app".into();
    let mut unknown_file = web();
    unknown_file.name = "ftp".into();
    unknown_file.config.file = Some(wire::FileSource {
        source_type: "Ftp".into(),
        ..Default::default()
    });
    let projects = vec![
        project(
            "shop",
            vec![
                (
                    server_stage("dev"),
                    vec![web(), unknown_strategy, no_sequence, bad_name, unknown_file],
                ),
                (
                    stage("lambda", "CloudFunctions", wire::StageConfig::default()),
                    vec![web(), web()],
                ),
                (
                    stage(
                        "k8s",
                        "KubernetesService",
                        wire::StageConfig {
                            cluster_no: Some(4001),
                            ..Default::default()
                        },
                    ),
                    vec![],
                ),
            ],
        ),
        project("bad.name", vec![]),
    ];
    let (section, skipped, counts) = section_of(&projects, None);
    assert_eq!(
        reasons(&skipped),
        [
            (
                "ncp.project.\"bad.name\"".to_owned(),
                "its name `bad.name` is not valid in a manifest (1–100 ASCII letters, digits, `-` and `_`)".to_owned()
            ),
            (
                "ncp.project.shop.stage.dev.scenario.\"web app\"".to_owned(),
                "its name `web app` is not valid in a manifest (1–100 ASCII letters, digits, `-` and `_`)".to_owned()
            ),
            (
                "ncp.project.shop.stage.dev.scenario.ftp".to_owned(),
                "file source type `Ftp` is not one the manifest language can declare".to_owned()
            ),
            (
                "ncp.project.shop.stage.dev.scenario.no-sequence".to_owned(),
                "declaring it would still plan a change of `sequence`".to_owned()
            ),
            (
                "ncp.project.shop.stage.dev.scenario.odd".to_owned(),
                "strategy `shadow` is not one the manifest language can declare".to_owned()
            ),
            (
                "ncp.project.shop.stage.k8s".to_owned(),
                "the API's stage breaks a manifest rule: a `kubernetes` target needs `cluster`".to_owned()
            ),
            (
                "ncp.project.shop.stage.lambda".to_owned(),
                "target type `CloudFunctions` is not one the manifest language can declare (with its 2 scenarios)".to_owned()
            ),
        ]
    );
    assert_eq!(
        counts,
        Counts {
            projects: 1,
            stages: 1,
            scenarios: 1
        }
    );
    let dev = &section.projects["shop"].stages["dev"];
    assert_eq!(dev.scenarios.keys().collect::<Vec<_>>(), ["web"]);
}

#[test]
fn canary_settings_the_manifest_cannot_say_are_left_out() {
    let mut detail = scenario(
        "canary",
        json!({
            "strategy": "canary",
            "manifest": { "type": "SourceCommit", "repository": "shop-manifests", "branch": "main", "path": ["/k8s/a.yaml"] },
            "canaryConfig": { "analysisType": "bayesian", "canaryCount": 2, "timeout": 30 }
        }),
    );
    assert_eq!(
        scenario_of(TargetType::Kubernetes, &detail).unwrap_err(),
        "canary analysis type `bayesian` is not one the manifest language can declare"
    );
    detail.config.canary_config = Some(wire::CanaryConfig {
        analysis_type: "auto".into(),
        canary_count: 2,
        prometheus: Some("http://prometheus:9090".into()),
        env: Some(wire::CanaryEnv {
            baseline: "baseline".into(),
            canary: "canary".into(),
        }),
        metrics: Some(vec![wire::CanaryMetric {
            name: "errors".into(),
            success_criteria: "base".into(),
            query_type: "PromQL".into(),
            weight: 100,
            query: Some("rate(errors[5m])".into()),
            ..Default::default()
        }]),
        analysis_config: Some(wire::AnalysisConfig {
            duration: 30,
            delay: 0,
            interval: 10,
            step: 10,
        }),
        pass_score: Some(80),
        ..Default::default()
    });
    let exported = scenario_of(TargetType::Kubernetes, &detail).unwrap();
    assert_eq!(
        serde_json::to_value(exported.canary.unwrap().metrics.unwrap()[0].query_type).unwrap(),
        "promql"
    );
    let metrics = detail
        .config
        .canary_config
        .as_mut()
        .unwrap()
        .metrics
        .as_mut()
        .unwrap();
    metrics[0].query_type = "sql".into();
    assert_eq!(
        scenario_of(TargetType::Kubernetes, &detail).unwrap_err(),
        "query type `sql` of canary metric `errors` is not one the manifest language can declare"
    );
}

#[test]
fn a_pinned_export_names_the_instance_on_every_project() {
    let projects = vec![project("shop", vec![]), project("api", vec![])];
    let (section, _, _) = section_of(&projects, Some("ncp-prod"));
    let value = section_value(&section);
    assert_eq!(
        value,
        json!({ "projects": {
            "api": { "provider": "ncp-prod" },
            "shop": { "provider": "ncp-prod" }
        } })
    );
}

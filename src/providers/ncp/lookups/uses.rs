//! Which infrastructure names the manifest's stages and scenarios use, and where each is
//! written (the attribute path under the resource), grouped by the lookup that checks it.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::model::{Address, Resource};
use crate::providers::ncp::lower::{KIND_SCENARIO, KIND_STAGE};

/// One value of the manifest to look up.
#[derive(Debug, Clone)]
pub struct Use<'a> {
    pub resource: &'a Resource,
    /// `/`-separated path of the value under the resource, e.g. `target/servers/1`.
    pub attribute: String,
    /// The value as the lookup lists it (numbers as decimal text).
    pub value: String,
}

/// Every use, by lookup. Objects and branches are keyed by their bucket or repository,
/// beside the uses of that bucket or repository itself (reported instead when it is
/// missing).
#[derive(Debug, Default)]
pub struct Uses<'a> {
    pub servers: Vec<Use<'a>>,
    pub groups: Vec<Use<'a>>,
    pub clusters: Vec<Use<'a>>,
    pub build_projects: Vec<Use<'a>>,
    /// Buckets named without an object (stage targets).
    pub buckets: Vec<Use<'a>>,
    pub objects: BTreeMap<String, (Vec<Use<'a>>, Vec<Use<'a>>)>,
    pub branches: BTreeMap<String, (Vec<Use<'a>>, Vec<Use<'a>>)>,
    /// Blue/green target groups by the Auto Scaling group (number) of their stage.
    pub target_groups: BTreeMap<String, Vec<Use<'a>>>,
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<'a> Uses<'a> {
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
            && self.groups.is_empty()
            && self.clusters.is_empty()
            && self.build_projects.is_empty()
            && self.buckets.is_empty()
            && self.objects.is_empty()
            && self.branches.is_empty()
            && self.target_groups.is_empty()
    }

    pub fn collect(desired: &[&'a Resource]) -> Self {
        let mut uses = Uses::default();
        for resource in desired {
            match resource.kind.as_str() {
                KIND_STAGE => uses.stage(resource),
                KIND_SCENARIO => uses.scenario(resource),
                _ => {}
            }
        }
        // A target group belongs to the Auto Scaling group of its scenario's stage.
        let group_of: HashMap<&Address, String> = desired
            .iter()
            .filter(|r| r.kind == KIND_STAGE)
            .filter_map(|r| {
                Some((
                    &r.address,
                    scalar(&r.attributes["target"]["autoscaling_group"])?,
                ))
            })
            .collect();
        for scenario in desired.iter().filter(|r| r.kind == KIND_SCENARIO) {
            let group = scenario.parent.as_ref().and_then(|p| group_of.get(p));
            let value = scalar(&scenario.attributes["load_balancer"]["target_group"]);
            if let (Some(group), Some(value)) = (group, value) {
                uses.target_groups
                    .entry(group.clone())
                    .or_default()
                    .push(Use {
                        resource: scenario,
                        attribute: "load_balancer/target_group".into(),
                        value,
                    });
            }
        }
        uses
    }

    fn stage(&mut self, stage: &'a Resource) {
        let target = &stage.attributes["target"];
        let at = |path: &str, value: &Value| {
            scalar(value).map(|value| Use {
                resource: stage,
                attribute: format!("target/{path}"),
                value,
            })
        };
        if let Some(servers) = target["servers"].as_array() {
            for (i, server) in servers.iter().enumerate() {
                self.servers.extend(at(&format!("servers/{i}"), server));
            }
        }
        self.groups
            .extend(at("autoscaling_group", &target["autoscaling_group"]));
        self.clusters.extend(at("cluster", &target["cluster"]));
        self.buckets.extend(at("bucket", &target["bucket"]));
    }

    fn scenario(&mut self, scenario: &'a Resource) {
        let at = |path: &str, value: &Value| {
            scalar(value).map(|value| Use {
                resource: scenario,
                attribute: path.to_owned(),
                value,
            })
        };
        let file = &scenario.attributes["file"];
        match file["type"].as_str() {
            Some("object-storage") => {
                let bucket = at("file/bucket", &file["bucket"]);
                match (bucket, at("file/object", &file["object"])) {
                    (Some(bucket), Some(object)) => {
                        let entry = self.objects.entry(bucket.value.clone()).or_default();
                        entry.0.push(bucket);
                        entry.1.push(object);
                    }
                    (Some(bucket), None) => self.buckets.push(bucket),
                    _ => {}
                }
            }
            Some("source-build") => self
                .build_projects
                .extend(at("file/build_project", &file["build_project"])),
            // `later`: chosen when deploying, nothing to check now.
            _ => {}
        }
        let manifest = &scenario.attributes["manifest"];
        let repository = at("manifest/repository", &manifest["repository"]);
        // `branch` is required beside `repository`: one branch list checks both.
        if let (Some(repository), Some(branch)) =
            (repository, at("manifest/branch", &manifest["branch"]))
        {
            let entry = self.branches.entry(repository.value.clone()).or_default();
            entry.0.push(repository);
            entry.1.push(branch);
        }
    }
}

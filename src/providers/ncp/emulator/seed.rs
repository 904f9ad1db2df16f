//! The emulated account's fixed infrastructure: what the lookup operations list and what
//! stage and scenario configs may reference.
//!
//! It is static (not part of the persisted state) so every sandbox offers the same world and
//! the examples can name it. See the module documentation of the emulator for the table.

/// A server instance (`serverNo`, name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Server {
    pub no: i64,
    pub name: &'static str,
}

/// A load balancer target group attached to an Auto Scaling group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TargetGroup {
    pub no: i64,
    pub name: &'static str,
}

/// An Auto Scaling group with its current instances and target groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AutoScalingGroup {
    pub no: i64,
    pub name: &'static str,
    pub instances: &'static [Server],
    pub target_groups: &'static [TargetGroup],
}

/// An Ncloud Kubernetes Service cluster: addressed by uuid, also by number (`clusterNo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cluster {
    pub uuid: &'static str,
    pub no: i64,
    pub name: &'static str,
}

/// An Object Storage bucket and its objects (`key`, size in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bucket {
    pub name: &'static str,
    pub objects: &'static [(&'static str, i64)],
}

/// A SourceBuild project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BuildProject {
    pub id: i64,
    pub name: &'static str,
}

/// A SourceCommit repository and its branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Repository {
    pub name: &'static str,
    pub branches: &'static [&'static str],
}

pub(super) const SERVERS: &[Server] = &[
    Server {
        no: 1011,
        name: "web-1",
    },
    Server {
        no: 1012,
        name: "web-2",
    },
    Server {
        no: 1013,
        name: "web-3",
    },
    Server {
        no: 1021,
        name: "api-1",
    },
    Server {
        no: 1022,
        name: "api-2",
    },
];

pub(super) const AUTO_SCALING_GROUPS: &[AutoScalingGroup] = &[
    AutoScalingGroup {
        no: 2001,
        name: "web-asg",
        instances: &[
            Server {
                no: 2011,
                name: "web-asg-001",
            },
            Server {
                no: 2012,
                name: "web-asg-002",
            },
        ],
        target_groups: &[
            TargetGroup {
                no: 3001,
                name: "web-tg-blue",
            },
            TargetGroup {
                no: 3002,
                name: "web-tg-green",
            },
        ],
    },
    AutoScalingGroup {
        no: 2002,
        name: "api-asg",
        instances: &[Server {
            no: 2021,
            name: "api-asg-001",
        }],
        target_groups: &[TargetGroup {
            no: 3011,
            name: "api-tg",
        }],
    },
];

pub(super) const CLUSTERS: &[Cluster] = &[
    Cluster {
        uuid: "5f0d8a52-8c1e-4b6a-9e3b-2a7c41d0f001",
        no: 4001,
        name: "shop-nks",
    },
    Cluster {
        uuid: "9b2e6c13-47d5-4f8e-b1a0-6c3d58e2f002",
        no: 4002,
        name: "staging-nks",
    },
];

pub(super) const BUCKETS: &[Bucket] = &[
    Bucket {
        name: "shop-artifacts",
        objects: &[
            ("shop/shop-1.4.0.tar.gz", 18_204_311),
            ("shop/shop-1.4.1.tar.gz", 18_219_876),
            ("shop/shop-1.4.2.tar.gz", 18_230_102),
            ("shop/shop-1.5.0.tar.gz", 19_004_557),
        ],
    },
    Bucket {
        name: "static-site",
        objects: &[
            ("index.html", 4_812),
            ("releases/site-2.3.0.zip", 1_204_330),
        ],
    },
];

pub(super) const BUILD_PROJECTS: &[BuildProject] = &[
    BuildProject {
        id: 5001,
        name: "shop-build",
    },
    BuildProject {
        id: 5002,
        name: "api-build",
    },
    BuildProject {
        id: 5003,
        name: "site-build",
    },
];

pub(super) const REPOSITORIES: &[Repository] = &[
    Repository {
        name: "shop-manifests",
        branches: &["main", "develop"],
    },
    Repository {
        name: "shop-app",
        branches: &["main", "develop"],
    },
    Repository {
        name: "site",
        branches: &["main", "develop"],
    },
];

pub(super) fn server(no: i64) -> Option<&'static Server> {
    SERVERS.iter().find(|server| server.no == no)
}

pub(super) fn auto_scaling_group(no: i64) -> Option<&'static AutoScalingGroup> {
    AUTO_SCALING_GROUPS.iter().find(|group| group.no == no)
}

pub(super) fn auto_scaling_group_named(name: &str) -> Option<&'static AutoScalingGroup> {
    AUTO_SCALING_GROUPS.iter().find(|group| group.name == name)
}

/// A cluster by uuid, or by its number written as text (how `clusterNo` may arrive).
pub(super) fn cluster(id: &str) -> Option<&'static Cluster> {
    CLUSTERS
        .iter()
        .find(|cluster| cluster.uuid == id || cluster.no.to_string() == id)
}

pub(super) fn bucket(name: &str) -> Option<&'static Bucket> {
    BUCKETS.iter().find(|bucket| bucket.name == name)
}

pub(super) fn build_project(id: i64) -> Option<&'static BuildProject> {
    BUILD_PROJECTS.iter().find(|project| project.id == id)
}

pub(super) fn repository(name: &str) -> Option<&'static Repository> {
    REPOSITORIES
        .iter()
        .find(|repository| repository.name == name)
}

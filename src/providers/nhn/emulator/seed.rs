//! The seeded project: what the console would have created, since the API only reads it.
//!
//! Artifacts, server groups, binary groups and scenarios cannot be created through the Deploy
//! API (`providers.md` §2.7), so they are static data, identical in every sandbox; only
//! binaries, deployments, tokens and test settings live in the mutable state. The table is
//! repeated in the module documentation of the emulator.

use crate::providers::nhn::emulator::demo;

/// An artifact: `server` ones deploy to server groups, `client` ones only store binaries.
pub(super) struct Artifact {
    pub id: i64,
    pub name: &'static str,
    pub application_type: &'static str,
    pub description: &'static str,
    pub create_date: &'static str,
    pub server_groups: &'static [ServerGroup],
    pub binary_groups: &'static [BinaryGroup],
}

/// A server group: fixed servers, or Auto Scaling groups whose instances are the hosts.
pub(super) struct ServerGroup {
    pub id: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub os_type: &'static str,
    pub members: Members,
}

/// The hosts of a server group.
pub(super) enum Members {
    /// A normal group: these hostnames.
    Servers(&'static [&'static str]),
    /// An autoscale server group: one deployment (one element of the answer) per group.
    Autoscale(&'static [AutoscaleGroup]),
}

/// One Auto Scaling group inside an autoscale server group.
pub(super) struct AutoscaleGroup {
    pub name: &'static str,
    pub hosts: &'static [&'static str],
}

pub(super) struct BinaryGroup {
    pub key: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub region_code: &'static str,
    pub create_date: &'static str,
}

/// A deployment scenario and the server groups it is mapped to.
pub(super) struct Scenario {
    pub id: i64,
    pub name: &'static str,
    pub server_groups: &'static [i64],
}

/// The only project (app key) the emulator knows.
pub(super) const APP_KEY: &str = demo::NHN_APP_KEY;

/// The user behind the demo credentials: `executeUser` and `uploader`.
pub(super) const DEMO_USER: &str = "sandbox-demo@example.com";

const CREATED: &str = "2025-01-06T10:00:00+09:00";

pub(super) const ARTIFACTS: &[Artifact] = &[
    Artifact {
        id: 101,
        name: "shop",
        application_type: "server",
        description: "Shop web server (Cloud Agent)",
        create_date: CREATED,
        server_groups: &[
            ServerGroup {
                id: 201,
                name: "web-prod",
                description: "Production web servers",
                os_type: "LINUX",
                members: Members::Servers(&["web-prod-1", "web-prod-2", "web-prod-3"]),
            },
            ServerGroup {
                id: 202,
                name: "web-staging",
                description: "Staging web server",
                os_type: "LINUX",
                members: Members::Servers(&["web-staging-1"]),
            },
            ServerGroup {
                id: 203,
                name: "web-asg",
                description: "Autoscale web servers",
                os_type: "LINUX",
                members: Members::Autoscale(&[
                    AutoscaleGroup {
                        name: "web-asg-a",
                        hosts: &["web-asg-a-01", "web-asg-a-02"],
                    },
                    AutoscaleGroup {
                        name: "web-asg-b",
                        hosts: &["web-asg-b-01"],
                    },
                ]),
            },
        ],
        binary_groups: &[BinaryGroup {
            key: 301,
            name: "shop-server",
            description: "Shop server packages",
            region_code: "KR1",
            create_date: CREATED,
        }],
    },
    Artifact {
        id: 102,
        name: "shop-app",
        application_type: "client",
        description: "Shop mobile apps",
        create_date: CREATED,
        server_groups: &[],
        binary_groups: &[
            BinaryGroup {
                key: 302,
                name: "shop-android",
                description: "Android builds",
                region_code: "KR1",
                create_date: CREATED,
            },
            BinaryGroup {
                key: 303,
                name: "shop-ios",
                description: "iOS builds",
                region_code: "KR1",
                create_date: CREATED,
            },
        ],
    },
];

pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: 401,
        name: "deploy-web",
        server_groups: &[201, 202, 203],
    },
    Scenario {
        id: 402,
        name: "restart-web",
        server_groups: &[201, 202],
    },
    Scenario {
        id: 403,
        name: "warmup-asg",
        server_groups: &[203],
    },
];

/// The artifact with this id.
pub(super) fn artifact(id: i64) -> Option<&'static Artifact> {
    ARTIFACTS.iter().find(|artifact| artifact.id == id)
}

/// The artifact with this name.
pub(super) fn artifact_named(name: &str) -> Option<&'static Artifact> {
    ARTIFACTS.iter().find(|artifact| artifact.name == name)
}

/// The scenarios mapped to a server group, in id order.
pub(super) fn scenarios_of(group: &ServerGroup) -> Vec<&'static Scenario> {
    SCENARIOS
        .iter()
        .filter(|scenario| scenario.server_groups.contains(&group.id))
        .collect()
}

impl Artifact {
    pub(super) fn server_group(&self, id: i64) -> Option<&'static ServerGroup> {
        self.server_groups.iter().find(|group| group.id == id)
    }

    pub(super) fn binary_group(&self, key: i64) -> Option<&'static BinaryGroup> {
        self.binary_groups.iter().find(|group| group.key == key)
    }
}

impl ServerGroup {
    /// Every hostname of the group, in seed order.
    pub(super) fn hosts(&self) -> Vec<&'static str> {
        match &self.members {
            Members::Servers(hosts) => hosts.to_vec(),
            Members::Autoscale(groups) => groups
                .iter()
                .flat_map(|group| group.hosts.iter().copied())
                .collect(),
        }
    }
}

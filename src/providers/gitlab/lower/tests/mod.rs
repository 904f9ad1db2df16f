//! The `gitlab:` section lowered through the real loader: what each entry becomes, and
//! each plan-time rule accepting what GitLab accepts and locating what it refuses.

mod environments;
mod projects;
mod properties;
mod protection;
mod records;

use crate::manifest::testkit::{Kit, find};
use crate::model::Resource;

/// The instance every case uses; cases append the `gitlab:` section.
const PROVIDERS: &str = "providers:\n  gl:\n    type: gitlab\n    endpoint: sandbox\n";

/// What the loader reads from the process environment in these tests.
fn env(name: &str) -> Option<String> {
    match name {
        "CI_COMMIT_SHA" => Some("0123456789abcdef0123456789abcdef01234567".into()),
        "SHORT_SHA" => Some("0123456".into()),
        "SECRET_SHA" => Some("not-a-sha-but-secret-7f3e".into()),
        "SHOUTED_SHA" => Some("0123456789ABCDEF0123456789ABCDEF01234567".into()),
        "SECRET_URL" => Some("shop.example.com/token-5ec2e7".into()),
        "SECRET_TIER" => Some("productoin-5ec2e7".into()),
        _ => None,
    }
}

const KIT: Kit = Kit {
    providers: PROVIDERS,
    env,
};

/// A project `acme/shop` with `body` (indented under it; its first line is line 8).
fn project(body: &str) -> String {
    format!("gitlab:\n  projects:\n    acme/shop:\n{body}")
}

/// One environment `production` with `body` (indented under it; first line: line 10).
fn production(body: &str) -> String {
    project(&format!("      environments:\n        production:\n{body}"))
}

/// `production` protected with `body` under `protection:` (first line: line 11).
fn protected(body: &str) -> String {
    production(&format!("          protection:\n{body}"))
}

const PROJECT: &str = "gl.project.\"acme/shop\"";
const PRODUCTION: &str = "gl.project.\"acme/shop\".environment.production";
const PROTECTION: &str = "gl.project.\"acme/shop\".environment.production.protection.production";

/// The attributes of the resource at `address` of a section that must load.
fn attributes_of(section: &str, address: &str) -> serde_json::Value {
    let resources: Vec<Resource> = KIT.resources(section);
    find(&resources, address).attributes.clone()
}

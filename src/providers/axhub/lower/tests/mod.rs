//! The `axhub:` section lowered through the real loader: what each entry becomes, and
//! each plan-time rule accepting what AxHub accepts and locating what it refuses.

mod apps;
mod instance;
mod reference;
mod releases;

use crate::manifest::testkit::Kit;

/// The instance every case uses; cases append the `axhub:` section.
const PROVIDERS: &str =
    "providers:\n  ax:\n    type: axhub\n    endpoint: sandbox\n    tenant: acme\n";

/// A commit every case may deploy.
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// What the loader reads from the process environment in these tests.
fn env(name: &str) -> Option<String> {
    match name {
        "GITHUB_SHA" => Some(SHA.into()),
        "SHORT_SHA" => Some("0123456".into()),
        "SECRET_SHA" => Some("not-a-sha-but-secret-7f3e".into()),
        "SECRET_APP" => Some("Secret_App_5ec2e7".into()),
        "SECRET_REPO" => Some("acme-5ec2e7".into()),
        "SECRET_TENANT" => Some("Acme_5ec2e7".into()),
        _ => None,
    }
}

const KIT: Kit = Kit {
    providers: PROVIDERS,
    env,
};

/// The app `shop` with `body` (indented under it; its first line is line 9).
fn shop(body: &str) -> String {
    format!("axhub:\n  apps:\n    shop:\n{body}")
}

/// The releases `body` (indented under `releases:`; its first line is line 8).
fn releases(body: &str) -> String {
    format!("axhub:\n  releases:\n{body}")
}

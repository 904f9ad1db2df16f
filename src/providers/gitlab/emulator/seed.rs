//! The static seed: users, groups with their members, and three projects with
//! deterministic commits, branches and tags (the table is in `mod.rs`). Everything here
//! can change later through the admin API; the seed is only where every sandbox starts.

use sha2::{Digest, Sha256};

use super::state::{Commit, Group, Member, Project, Share, Tier, User};

/// Access levels, as GitLab numbers them.
pub(crate) const REPORTER: u8 = 20;
pub(crate) const DEVELOPER: u8 = 30;
pub(crate) const MAINTAINER: u8 = 40;
pub(crate) const OWNER: u8 = 50;
/// Instance administrators (a protected environment's `access_level: 60`).
pub(crate) const ADMIN: u8 = 60;

/// The user holding the demo token.
pub(crate) const DEMO_USER_ID: i64 = 1;
/// Seed epoch: 2024-01-01T00:00:00Z.
pub(super) const EPOCH_MS: i64 = 1_704_067_200_000;

/// The first 40 hex digits of SHA-256(`path` + `\n` + `label`): a seeded commit's SHA, so
/// a test can compute it.
pub(crate) fn sha(path: &str, label: &str) -> String {
    let digest = Sha256::digest(format!("{path}\n{label}").as_bytes());
    crate::digest::hex(&digest[..20])
}

pub(super) fn users() -> Vec<User> {
    [
        (DEMO_USER_ID, "sandbox-demo", "Sandbox Demo"),
        (2, "alice", "Alice Liddell"),
        (3, "bob", "Bob Builder"),
        (4, "carol", "Carol Danvers"),
        (5, "dave", "Dave Lister"),
    ]
    .into_iter()
    .map(|(id, username, name)| User {
        id,
        username: username.to_owned(),
        name: name.to_owned(),
        state: "active".to_owned(),
    })
    .collect()
}

fn member(user_id: i64, access_level: u8) -> Member {
    Member {
        user_id,
        access_level,
    }
}

pub(super) fn groups() -> Vec<Group> {
    let group = |id, full_path: &str, parent_id, members| Group {
        id,
        name: full_path.rsplit('/').next().unwrap_or(full_path).to_owned(),
        full_path: full_path.to_owned(),
        parent_id,
        members,
    };
    vec![
        group(10, "acme", None, vec![member(DEMO_USER_ID, OWNER)]),
        group(11, "acme/platform", Some(10), vec![]),
        group(
            12,
            "acme/release-managers",
            Some(10),
            vec![member(2, DEVELOPER)],
        ),
        group(13, "acme/qa", Some(10), vec![member(4, DEVELOPER)]),
        group(14, "acme/tools", Some(10), vec![]),
    ]
}

/// A project with the seeded repository: `main` (three commits), `release/1.x` (two more
/// from the second), tags `v1.0.0` (main's second commit) and `v1.1.0` (release/1.x head).
pub(super) fn project(id: i64, namespace_id: i64, full_path: &str, tier: Tier) -> Project {
    let commit = |label: &str, parent: Option<&str>, title: &str, at_s: i64| Commit {
        id: sha(full_path, label),
        parent_id: parent.map(|label| sha(full_path, label)),
        title: title.to_owned(),
        author: "Sandbox Demo".to_owned(),
        at: EPOCH_MS + at_s * 1000,
    };
    let commits = vec![
        commit("main-1", None, "Initial commit", 0),
        commit("main-2", Some("main-1"), "Add the service", 3_600),
        commit("main-3", Some("main-2"), "Tune the service", 7_200),
        commit("release-1", Some("main-2"), "Prepare release 1.x", 10_800),
        commit("release-2", Some("release-1"), "Fix release 1.x", 14_400),
    ];
    let (namespace, name) = full_path.rsplit_once('/').unwrap_or(("", full_path));
    Project {
        id,
        name: name.to_owned(),
        namespace_id,
        namespace_full_path: namespace.to_owned(),
        redirects: Vec::new(),
        tier,
        default_branch: "main".to_owned(),
        created_at: EPOCH_MS,
        members: Vec::new(),
        shares: Vec::new(),
        branches: vec![
            ("main".to_owned(), sha(full_path, "main-3")),
            ("release/1.x".to_owned(), sha(full_path, "release-2")),
        ],
        tags: vec![
            ("v1.0.0".to_owned(), sha(full_path, "main-2")),
            ("v1.1.0".to_owned(), sha(full_path, "release-2")),
        ],
        commits,
        protections: Vec::new(),
        next_iid: 1,
    }
}

pub(super) fn projects() -> Vec<Project> {
    let mut shop = project(101, 11, "acme/platform/shop", Tier::Premium);
    shop.members = vec![
        member(2, MAINTAINER),
        member(3, DEVELOPER),
        member(5, REPORTER),
    ];
    shop.shares = vec![Share {
        group_id: 12,
        group_access_level: DEVELOPER,
    }];
    let api = project(102, 11, "acme/platform/api", Tier::Premium);
    let scripts = project(103, 14, "acme/tools/scripts", Tier::Free);
    vec![shop, api, scripts]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shas_are_forty_hex_and_differ_per_project() {
        let one = sha("acme/platform/shop", "main-3");
        assert_eq!(one.len(), 40);
        assert!(one.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(one, sha("acme/platform/api", "main-3"));
    }
}

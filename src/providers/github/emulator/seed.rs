//! The static seed: one organization, its users and teams, and its repositories with
//! deterministic commits, branches and tags (the table is in the module documentation of
//! `mod.rs`). Users and teams never change; repositories' refs move through the admin API.

use sha2::{Digest, Sha256};

use super::state::{Commit, Context, Repo};

/// The organization owning every seeded repository.
pub(super) const ORG: &str = "octo-org";
/// Its id.
pub(super) const ORG_ID: i64 = 9_919;

/// The seeded repository names, in id order; ids start at 501.
pub(super) const REPOS: [&str; 5] = ["shop", "web", "api", "docs", "infra"];
/// The numbered repositories `svc-01` … `svc-NN` beside them, for wide plans.
pub(super) const SERVICE_REPOS: u32 = 20;
/// The first repository id.
pub(super) const FIRST_REPO_ID: i64 = 501;

/// A seeded user (or the organization, which has a login too).
#[derive(Debug, Clone, Copy)]
pub(super) struct User {
    pub login: &'static str,
    pub id: i64,
    pub name: &'static str,
    pub site_admin: bool,
}

/// Users, in id order. `sandbox-demo` holds the demo token.
pub(super) const USERS: [User; 5] = [
    User {
        login: "octocat",
        id: 1,
        name: "The Octocat",
        site_admin: false,
    },
    User {
        login: "hubot",
        id: 2,
        name: "Hubot",
        site_admin: false,
    },
    User {
        login: "monalisa",
        id: 3,
        name: "Mona Lisa",
        site_admin: false,
    },
    User {
        login: "release-bot",
        id: 4,
        name: "Release Bot",
        site_admin: false,
    },
    User {
        login: "sandbox-demo",
        id: 100,
        name: "Sandbox Demo",
        site_admin: true,
    },
];

/// The user of the demo token.
pub(super) const DEMO_USER: &str = "sandbox-demo";

/// A team of the organization.
#[derive(Debug, Clone, Copy)]
pub(super) struct Team {
    pub slug: &'static str,
    pub id: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub members: &'static [&'static str],
}

pub(super) const TEAMS: [Team; 4] = [
    Team {
        slug: "release-managers",
        id: 1001,
        name: "Release Managers",
        description: "Approve production deployments",
        members: &["octocat", "monalisa"],
    },
    Team {
        slug: "sre",
        id: 1002,
        name: "SRE",
        description: "Site reliability",
        members: &["hubot"],
    },
    Team {
        slug: "developers",
        id: 1003,
        name: "Developers",
        description: "Everyone who writes code",
        members: &["octocat", "hubot", "monalisa"],
    },
    Team {
        slug: "security",
        id: 1004,
        name: "Security",
        description: "Security reviews",
        members: &["monalisa"],
    },
];

pub(super) fn user(login: &str) -> Option<&'static User> {
    USERS
        .iter()
        .find(|user| user.login.eq_ignore_ascii_case(login))
}

pub(super) fn user_by_id(id: i64) -> Option<&'static User> {
    USERS.iter().find(|user| user.id == id)
}

pub(super) fn team(slug: &str) -> Option<&'static Team> {
    TEAMS
        .iter()
        .find(|team| team.slug.eq_ignore_ascii_case(slug))
}

pub(super) fn team_by_id(id: i64) -> Option<&'static Team> {
    TEAMS.iter().find(|team| team.id == id)
}

/// Every seeded repository name, in id order.
pub(super) fn repo_names() -> Vec<String> {
    REPOS
        .iter()
        .map(|name| (*name).to_owned())
        .chain((1..=SERVICE_REPOS).map(|n| format!("svc-{n:02}")))
        .collect()
}

/// A deterministic 40-hex commit SHA for `label` in repository `full_name`.
pub(super) fn sha(full_name: &str, label: &str) -> String {
    let digest = Sha256::digest(format!("{full_name}\n{label}").as_bytes());
    crate::digest::hex(&digest[..20])
}

/// Seed commit times: 2024-01-01T00:00:00Z plus one hour per commit.
const EPOCH_MS: i64 = 1_704_067_200_000;

/// A repository as seeded: `main` has four commits (c1 … c4; c4 is the head, with a
/// successful `ci/build` context); `v1.0.0` tags c2 and `v1.1.0` c3; `develop` is c4 plus one
/// commit (up to date with `main`); `topic-branch` is c3 plus one commit (behind `main`:
/// auto-merge merges it); `conflicting` is c3 plus one commit whose merge with `main`
/// conflicts; `failing-checks` is c4 plus one commit whose `ci/build` context failed;
/// `release/1.0` points at c2.
pub(super) fn repo(id: i64, owner: &str, name: &str) -> Repo {
    let full = format!("{owner}/{name}");
    let commit = |label: &str, parents: Vec<String>, hour: i64, contexts: Vec<Context>| Commit {
        sha: sha(&full, label),
        parents,
        message: format!("{label} of {name}"),
        author: "octocat".to_owned(),
        at: EPOCH_MS + hour * 3_600_000,
        contexts,
        conflicts: false,
    };
    let success = || vec![Context::new("ci/build", "success")];
    let c1 = commit("c1", vec![], 0, Vec::new());
    let c2 = commit("c2", vec![c1.sha.clone()], 1, Vec::new());
    let c3 = commit("c3", vec![c2.sha.clone()], 2, success());
    let c4 = commit("c4", vec![c3.sha.clone()], 3, success());
    let develop = commit("develop-1", vec![c4.sha.clone()], 4, success());
    let topic = commit("topic-1", vec![c3.sha.clone()], 5, success());
    let mut conflicting = commit("conflicting-1", vec![c3.sha.clone()], 6, Vec::new());
    conflicting.conflicts = true;
    let failing = commit(
        "failing-1",
        vec![c4.sha.clone()],
        7,
        vec![
            Context::new("ci/build", "failure"),
            Context::new("ci/lint", "success"),
        ],
    );
    let branches = vec![
        ("main".to_owned(), c4.sha.clone()),
        ("develop".to_owned(), develop.sha.clone()),
        ("topic-branch".to_owned(), topic.sha.clone()),
        ("conflicting".to_owned(), conflicting.sha.clone()),
        ("failing-checks".to_owned(), failing.sha.clone()),
        ("release/1.0".to_owned(), c2.sha.clone()),
    ];
    let tags = vec![
        ("v1.0.0".to_owned(), c2.sha.clone()),
        ("v1.1.0".to_owned(), c3.sha.clone()),
    ];
    Repo {
        id,
        owner: owner.to_owned(),
        name: name.to_owned(),
        created_at: EPOCH_MS,
        default_branch: "main".to_owned(),
        protected_branches: vec!["main".to_owned()],
        commits: vec![c1, c2, c3, c4, develop, topic, conflicting, failing],
        branches,
        tags,
    }
}

/// Every seeded repository, in id order.
pub(super) fn repos() -> Vec<Repo> {
    repo_names()
        .iter()
        .zip(FIRST_REPO_ID..)
        .map(|(name, id)| repo(id, ORG, name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shas_are_forty_hex_distinct_and_stable() {
        let repos = repos();
        let mut all: Vec<&str> = repos
            .iter()
            .flat_map(|repo| repo.commits.iter().map(|commit| commit.sha.as_str()))
            .collect();
        assert!(all.iter().all(|sha| {
            sha.len() == 40
                && sha
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }));
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
        assert_eq!(repos[0].commits[0].sha, sha("octo-org/shop", "c1"));
        assert_eq!(repos.len(), REPOS.len() + SERVICE_REPOS as usize);
    }
}

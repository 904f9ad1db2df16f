//! Objects as GitHub writes them (`simple-user`, `team`, `full-repository`, `commit`, …),
//! with every field the OpenAPI description marks required, URLs under the base the client
//! called.

use base64::Engine;
use serde_json::{Value, json};

use super::request::Call;
use super::seed::{self, Team, User};
use super::state::{Commit, Repo};

/// `2024-01-01T00:00:00Z` for an epoch-ms instant (whole seconds, UTC).
pub(super) fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// GitHub's legacy global node id: base64 of `0<len>:<Type><id>`.
pub(super) fn node_id(kind: &str, id: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("0{}:{kind}{id}", kind.len()))
}

/// `simple-user` (also the owner of a repository, with `type: Organization`).
pub(super) fn simple_user(call: &Call, login: &str, id: i64, organization: bool) -> Value {
    let api = format!("{}/users/{login}", call.api);
    json!({
        "login": login,
        "id": id,
        "node_id": node_id(if organization { "Organization" } else { "User" }, id),
        "avatar_url": format!("{}/avatars/u/{id}", call.web),
        "gravatar_id": "",
        "url": api,
        "html_url": format!("{}/{login}", call.web),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": if organization { "Organization" } else { "User" },
        "site_admin": false,
    })
}

pub(super) fn user(call: &Call, user: &User) -> Value {
    let mut value = simple_user(call, user.login, user.id, false);
    value["site_admin"] = Value::Bool(user.site_admin);
    value
}

/// `GET /users/{username}`: `public-user`.
pub(super) fn public_user(call: &Call, found: &User) -> Value {
    let mut value = user(call, found);
    let extra = json!({
        "name": found.name,
        "company": null,
        "blog": "",
        "location": null,
        "email": null,
        "hireable": null,
        "bio": null,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": iso(1_577_836_800_000),
        "updated_at": iso(1_704_067_200_000),
    });
    merge(&mut value, extra);
    value
}

/// A user of the seed by login (commit authors, deployment creators).
pub(super) fn user_named(call: &Call, login: &str) -> Value {
    match seed::user(login) {
        Some(found) => user(call, found),
        None => simple_user(call, login, 0, false),
    }
}

/// `team`.
pub(super) fn team(call: &Call, team: &Team) -> Value {
    let url = format!("{}/teams/{}", call.api, team.id);
    json!({
        "id": team.id,
        "node_id": node_id("Team", team.id),
        "url": url,
        "html_url": format!("{}/orgs/{}/teams/{}", call.web, seed::ORG, team.slug),
        "name": team.name,
        "slug": team.slug,
        "description": team.description,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": format!("{url}/members{{/member}}"),
        "repositories_url": format!("{url}/repos"),
        "parent": null,
        "type": "organization",
        "organization_id": seed::ORG_ID,
    })
}

/// `GET /orgs/{org}/teams/{team_slug}`: `team-full`.
pub(super) fn team_full(call: &Call, found: &Team) -> Value {
    let mut value = team(call, found);
    let org = organization(call);
    merge(
        &mut value,
        json!({
            "members_count": found.members.len(),
            "repos_count": seed::repo_names().len(),
            "created_at": iso(1_577_836_800_000),
            "updated_at": iso(1_704_067_200_000),
            "organization": org,
        }),
    );
    value
}

fn organization(call: &Call) -> Value {
    let url = format!("{}/orgs/{}", call.api, seed::ORG);
    json!({
        "login": seed::ORG,
        "id": seed::ORG_ID,
        "node_id": node_id("Organization", seed::ORG_ID),
        "url": url,
        "repos_url": format!("{url}/repos"),
        "events_url": format!("{url}/events"),
        "hooks_url": format!("{url}/hooks"),
        "issues_url": format!("{url}/issues"),
        "members_url": format!("{url}/members{{/member}}"),
        "public_members_url": format!("{url}/public_members{{/member}}"),
        "avatar_url": format!("{}/avatars/u/{}", call.web, seed::ORG_ID),
        "description": "The sandbox organization",
        "name": "Octo Org",
        "html_url": format!("{}/{}", call.web, seed::ORG),
        "has_organization_projects": true,
        "has_repository_projects": true,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "type": "Organization",
        "created_at": iso(1_577_836_800_000),
        "updated_at": iso(1_704_067_200_000),
        "archived_at": null,
    })
}

/// A collaborator: a user with the permissions of the seed (every user can push; the demo
/// user administers).
pub(super) fn collaborator(call: &Call, found: &User) -> Value {
    let admin = found.login == seed::DEMO_USER;
    let mut value = user(call, found);
    merge(
        &mut value,
        json!({
            "permissions": { "pull": true, "triage": true, "push": true, "maintain": admin, "admin": admin },
            "role_name": if admin { "admin" } else { "write" },
        }),
    );
    value
}

/// The API URL of a repository.
pub(super) fn repo_url(call: &Call, repo: &Repo) -> String {
    format!("{}/repos/{}/{}", call.api, repo.owner, repo.name)
}

/// `GET /repos/{owner}/{repo}`: `full-repository`.
pub(super) fn repository(call: &Call, repo: &Repo) -> Value {
    let url = repo_url(call, repo);
    let html = format!("{}/{}/{}", call.web, repo.owner, repo.name);
    let owner_id = if repo.owner == seed::ORG {
        seed::ORG_ID
    } else {
        seed::user(&repo.owner).map_or(0, |user| user.id)
    };
    let mut value = json!({
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name(),
        "owner": simple_user(call, &repo.owner, owner_id, repo.owner == seed::ORG),
        "private": true,
        "html_url": html,
        "description": format!("The {} service", repo.name),
        "fork": false,
        "url": url,
        "git_url": format!("git://sandbox/{}.git", repo.full_name()),
        "ssh_url": format!("git@sandbox:{}.git", repo.full_name()),
        "clone_url": format!("{html}.git"),
        "svn_url": html,
        "mirror_url": null,
        "homepage": null,
        "language": "Rust",
        "license": null,
    });
    merge(
        &mut value,
        json!({
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 108,
            "default_branch": repo.default_branch,
            "open_issues_count": 0,
            "open_issues": 0,
            "is_template": false,
            "topics": [],
            "has_issues": true,
            "has_projects": true,
            "has_wiki": false,
            "has_pages": false,
            "has_downloads": true,
            "has_discussions": false,
            "archived": false,
            "disabled": false,
            "visibility": "private",
            "pushed_at": iso(repo.commits.iter().map(|commit| commit.at).max().unwrap_or(repo.created_at)),
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.created_at),
            "permissions": { "admin": true, "maintain": true, "push": true, "triage": true, "pull": true },
            "allow_rebase_merge": true,
            "allow_squash_merge": true,
            "allow_merge_commit": true,
            "allow_auto_merge": false,
            "delete_branch_on_merge": false,
            "network_count": 0,
            "subscribers_count": 0,
        }),
    );
    for (key, tail) in [
        ("archive_url", "/{archive_format}{/ref}"),
        ("assignees_url", "/assignees{/user}"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("branches_url", "/branches{/branch}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("comments_url", "/comments{/number}"),
        ("commits_url", "/commits{/sha}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("contents_url", "/contents/{+path}"),
        ("contributors_url", "/contributors"),
        ("deployments_url", "/deployments"),
        ("downloads_url", "/downloads"),
        ("events_url", "/events"),
        ("forks_url", "/forks"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("hooks_url", "/hooks"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("issue_events_url", "/issues/events{/number}"),
        ("issues_url", "/issues{/number}"),
        ("keys_url", "/keys{/key_id}"),
        ("labels_url", "/labels{/name}"),
        ("languages_url", "/languages"),
        ("merges_url", "/merges"),
        ("milestones_url", "/milestones{/number}"),
        (
            "notifications_url",
            "/notifications{?since,all,participating}",
        ),
        ("pulls_url", "/pulls{/number}"),
        ("releases_url", "/releases{/id}"),
        ("stargazers_url", "/stargazers"),
        ("statuses_url", "/statuses/{sha}"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("tags_url", "/tags"),
        ("teams_url", "/teams"),
        ("trees_url", "/git/trees{/sha}"),
    ] {
        value[key] = Value::String(format!("{url}{tail}"));
    }
    value
}

/// `GET /repos/{owner}/{repo}/commits/{ref}`: `commit`.
pub(super) fn commit(call: &Call, repo: &Repo, commit: &Commit) -> Value {
    let url = repo_url(call, repo);
    let html = format!("{}/{}/{}", call.web, repo.owner, repo.name);
    let person = json!({
        "name": commit.author,
        "email": format!("{}@users.noreply.sandbox", commit.author),
        "date": iso(commit.at),
    });
    let parents: Vec<Value> = commit
        .parents
        .iter()
        .map(|sha| {
            json!({
                "sha": sha,
                "url": format!("{url}/commits/{sha}"),
                "html_url": format!("{html}/commit/{sha}"),
            })
        })
        .collect();
    json!({
        "url": format!("{url}/commits/{}", commit.sha),
        "sha": commit.sha,
        "node_id": format!("C_{}", &commit.sha[..20.min(commit.sha.len())]),
        "html_url": format!("{html}/commit/{}", commit.sha),
        "comments_url": format!("{url}/commits/{}/comments", commit.sha),
        "commit": {
            "url": format!("{url}/git/commits/{}", commit.sha),
            "author": person,
            "committer": person,
            "message": commit.message,
            "comment_count": 0,
            "tree": { "sha": commit.sha, "url": format!("{url}/git/trees/{}", commit.sha) },
            "verification": { "verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null },
        },
        "author": user_named(call, &commit.author),
        "committer": user_named(call, &commit.author),
        "parents": parents,
        "stats": { "additions": 1, "deletions": 0, "total": 1 },
        "files": [],
    })
}

/// Adds the fields of `extra` to `value`.
pub(super) fn merge(value: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(fields)) = (value.as_object_mut(), extra) {
        target.extend(fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_and_dates_match_githubs_samples() {
        assert_eq!(node_id("Deployment", 1), "MDEwOkRlcGxveW1lbnQx");
        assert_eq!(node_id("User", 1), "MDQ6VXNlcjE=");
        assert_eq!(iso(1_342_747_153_000), "2012-07-20T01:19:13Z");
    }
}

//! `deployplan export` for GitHub: each repository's environments as the `github:` section
//! declares them — protection, custom branch and tag policies, variables — so that adopting
//! the output plans as no changes. Secret values cannot be read (only their names), so
//! secrets are listed in the header, never written; deployment records are history, not
//! state, and are not exported either. Read-only.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use super::client::{GithubClient, RepoRef};
use super::fetch::task_failed;
use super::wire::{Environment, PolicyType, ReviewerType};
use crate::providers::{ExportFilter, Exported, ProviderError};

/// Why some things are never in the output; goes into the document's header.
const NOTES: [&str; 2] = [
    "Secret values cannot be read from GitHub: each secret found is named below; declare it as `secrets: { NAME: ${secret.NAME} }` to manage it.",
    "Deployment records are history, not settings: declare `deployments:` for the records apply should keep current.",
];

/// One environment, read.
struct Read {
    repo: String,
    environment: Environment,
    variables: Vec<super::wire::Variable>,
    secrets: Vec<String>,
    policies: Vec<super::wire::BranchPolicy>,
}

pub(super) async fn export(
    instance: &str,
    client: &GithubClient,
    filter: &ExportFilter,
) -> Result<Exported, ProviderError> {
    let names = if filter.only.is_empty() {
        &filter.declared
    } else {
        &filter.only
    };
    if names.is_empty() {
        return Err(ProviderError::Precondition(
            "name the repositories to export with `--repository owner/name` (GitHub has no list of every repository a token may see), or declare them under `github: repositories:`".into(),
        ));
    }
    let mut repos = Vec::new();
    let mut unmatched = Vec::new();
    for name in names {
        match RepoRef::parse(name) {
            Some(repo) => repos.push((name.clone(), repo)),
            None => unmatched.push(name.clone()),
        }
    }
    let mut listed = JoinSet::new();
    for (name, repo) in repos {
        let client = client.clone();
        listed.spawn(async move {
            let found = client.environments(&repo).await;
            (name, repo, found)
        });
    }
    let mut reads = JoinSet::new();
    let mut available = Vec::new();
    let mut section: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    while let Some(joined) = listed.join_next().await {
        let (name, repo, found) = joined.map_err(task_failed)?;
        let environments = match found {
            Ok(environments) => environments,
            Err(err) if err.is_not_found() => {
                unmatched.push(name);
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        available.push(name.clone());
        section.entry(name.clone()).or_default();
        for environment in environments {
            let (client, repo, name) = (client.clone(), repo.clone(), name.clone());
            reads.spawn(async move {
                let env = environment.name.clone();
                let custom = (environment.deployment_branch_policy)
                    .is_some_and(|p| p.custom_branch_policies);
                let (variables, secrets, policies) = tokio::join!(
                    client.variables(&repo, &env),
                    client.secrets(&repo, &env),
                    async {
                        if custom {
                            client.branch_policies(&repo, &env).await
                        } else {
                            Ok(Vec::new())
                        }
                    }
                );
                Ok::<_, ProviderError>(Read {
                    repo: name,
                    environment,
                    variables: variables?,
                    secrets: secrets?.into_iter().map(|s| s.name).collect(),
                    policies: policies?,
                })
            });
        }
    }
    if !unmatched.is_empty() {
        return Ok(Exported {
            unmatched,
            available,
            noun: "repositories",
            ..Exported::default()
        });
    }
    let mut notes: Vec<String> = NOTES.iter().map(|n| (*n).to_owned()).collect();
    let (mut environments, mut variables) = (0, 0);
    let mut environment_maps: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    while let Some(joined) = reads.join_next().await {
        let read = joined.map_err(task_failed)??;
        environments += 1;
        variables += read.variables.len();
        for secret in &read.secrets {
            notes.push(format!(
                "Secret `{secret}` of environment `{}` of `{}` exists (value not exported).",
                read.environment.name, read.repo
            ));
        }
        let entry = environment_entry(&read);
        environment_maps
            .entry(read.repo.clone())
            .or_default()
            .insert(read.environment.name.clone(), entry);
    }
    let mut repositories = Map::new();
    for (name, mut repo) in section {
        if filter.pin_instance {
            repo.insert("provider".into(), json!(instance));
        }
        let envs = environment_maps.remove(&name).unwrap_or_default();
        if !envs.is_empty() {
            repo.insert("environments".into(), Value::Object(envs));
        }
        repositories.insert(name, Value::Object(repo));
    }
    let count = repositories.len();
    Ok(Exported {
        section: json!({ "repositories": repositories }),
        summary: format!(
            "{count} {}, {environments} environments, {variables} variables",
            if count == 1 {
                "repository"
            } else {
                "repositories"
            }
        ),
        available,
        notes,
        noun: "repositories",
        ..Exported::default()
    })
}

/// An environment as the manifest declares it: only what is set (a wait timer of 0, no
/// reviewers, any branch are GitHub's defaults and left out).
fn environment_entry(read: &Read) -> Value {
    let mut entry = Map::new();
    for rule in &read.environment.protection_rules {
        match rule.kind.as_str() {
            "wait_timer" => {
                if let Some(minutes) = rule.wait_timer.filter(|m| *m > 0) {
                    entry.insert("wait_timer".into(), json!(minutes));
                }
            }
            "required_reviewers" => {
                if rule.prevent_self_review == Some(true) {
                    entry.insert("prevent_self_review".into(), json!(true));
                }
                let (mut users, mut teams) = (Vec::new(), Vec::new());
                for reviewer in &rule.reviewers {
                    match reviewer.kind {
                        ReviewerType::Team => teams.extend(reviewer.reviewer.slug.clone()),
                        _ => users.extend(reviewer.reviewer.login.clone()),
                    }
                }
                users.sort();
                teams.sort();
                let mut reviewers = Map::new();
                if !users.is_empty() {
                    reviewers.insert("users".into(), json!(users));
                }
                if !teams.is_empty() {
                    reviewers.insert("teams".into(), json!(teams));
                }
                if !reviewers.is_empty() {
                    entry.insert("reviewers".into(), Value::Object(reviewers));
                }
            }
            _ => {}
        }
    }
    match read.environment.deployment_branch_policy {
        Some(p) if p.custom_branch_policies => {
            let patterns: Vec<Value> = (read.policies.iter())
                .filter_map(|policy| match &policy.kind {
                    PolicyType::Branch => Some(json!({ "branch": policy.name })),
                    PolicyType::Tag => Some(json!({ "tag": policy.name })),
                    PolicyType::Other(_) => None,
                })
                .collect();
            entry.insert(
                "deployment_branch_policy".into(),
                json!({ "custom": patterns }),
            );
        }
        Some(p) if p.protected_branches => {
            entry.insert("deployment_branch_policy".into(), json!("protected"));
        }
        _ => {}
    }
    if !read.variables.is_empty() {
        let variables: Map<String, Value> = (read.variables.iter())
            .map(|v| (v.name.clone(), json!(v.value)))
            .collect();
        entry.insert("variables".into(), Value::Object(variables));
    }
    Value::Object(entry)
}

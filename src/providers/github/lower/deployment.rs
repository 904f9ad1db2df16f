//! Deployment records → `deployment` resources: the fields as they will be sent (GitHub's
//! unsafe defaults replaced by deterministic ones), one record per (environment, task).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::names::token_problem;
use super::{KIND_BRANCH_POLICY, KIND_DEPLOYMENT, KIND_TAG_POLICY, Parent};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::common::checks::check_web_url;
use crate::providers::common::lower::{child_spec, insert_set};
use crate::providers::common::records::{Claims, undeclared_environment};
use crate::providers::github::manifest::Deployment;
use crate::suggest::did_you_mean;

/// The task GitHub records when none is given.
pub const DEFAULT_TASK: &str = "deploy";
/// Longest description GitHub keeps on a deployment status.
pub const MAX_DESCRIPTION: usize = 140;

/// Lowers the records of one repository into `out`. `environments` maps each declared
/// environment name to its address.
pub fn lower_all(
    records: &BTreeMap<String, Deployment>,
    environments: &BTreeMap<String, Address>,
    repo: &Parent<'_>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) {
    let mut claims = Claims::new(repo.pointer);
    for (name, record) in records {
        let pointer = join(&join(repo.pointer, "deployments"), name);
        let Some(mut resource) = lower_one(name, record, environments, repo, &pointer, ctx) else {
            ctx.declared_invalid(KIND_DEPLOYMENT, name);
            continue;
        };
        // GitHub refuses a record of a ref its environment's branch and tag policies do not
        // allow yet: the record waits for the policies declared with it.
        let environment = (environments.iter())
            .find(|(declared, _)| declared.eq_ignore_ascii_case(&record.environment))
            .map(|(_, address)| address);
        let policies: Vec<Address> = (out.iter())
            .filter(|r| r.parent.as_ref() == environment)
            .filter(|r| r.kind == KIND_BRANCH_POLICY || r.kind == KIND_TAG_POLICY)
            .map(|r| r.address.clone())
            .collect();
        resource.depends_on.extend(policies);
        let task = record.task.as_deref().unwrap_or(DEFAULT_TASK);
        let target = (record.environment.as_str(), task);
        let message = |first: &str| {
            format!(
                "deployment records `{first}` and `{name}` both record task `{task}` in environment `{}`",
                record.environment
            )
        };
        let help = "keep one record per environment and task, or give one another `task:` (e.g. `deploy:api`)";
        if !claims.claim(ctx, target, name, message, help) {
            continue;
        }
        out.push(resource);
    }
}

fn lower_one(
    name: &str,
    record: &Deployment,
    environments: &BTreeMap<String, Address>,
    repo: &Parent<'_>,
    pointer: &str,
    ctx: &mut Ctx<'_>,
) -> Option<Resource> {
    let before = ctx.diagnostics.len();
    let environment = environment_of(record, environments, pointer, ctx);
    for (field, value, what) in [
        ("ref", Some(&record.git_ref), "a ref"),
        ("task", record.task.as_ref(), "a task"),
    ] {
        if let Some(hint) = value.and_then(|v| token_problem(v, what)) {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!("invalid `{field}` of deployment record `{name}`"),
                &join(pointer, field),
                format!("invalid {field}"),
            )
            .help = Some(hint);
        }
    }
    if let Some(description) = &record.description {
        let length = description.chars().count();
        if length > MAX_DESCRIPTION {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!(
                    "the description of deployment record `{name}` is {length} characters long"
                ),
                &join(pointer, "description"),
                format!("{length} characters"),
            )
            .help = Some(format!("GitHub keeps at most {MAX_DESCRIPTION} characters"));
        }
    }
    for (field, url) in [
        ("environment_url", &record.environment_url),
        ("log_url", &record.log_url),
    ] {
        if let Some(url) = url {
            let message = format!("`{field}` of deployment record `{name}` is not an http(s) URL");
            check_web_url(ctx, url, &join(pointer, field), message, "GitHub");
        }
    }
    let environment = environment?;
    if ctx.diagnostics.len() > before {
        return None;
    }
    Some(ctx.resource(ResourceSpec {
        depends_on: vec![repo.address.clone(), environment],
        explicit_depends_on: &record.depends_on,
        link: record.link.as_deref(),
        ..child_spec(repo, KIND_DEPLOYMENT, name, pointer, attributes(record))
    }))
}

/// The record's environment: one declared in the same repository, spelt as declared (the
/// record is ordered after it, so its protection is in place before the first record).
fn environment_of(
    record: &Deployment,
    environments: &BTreeMap<String, Address>,
    pointer: &str,
    ctx: &mut Ctx<'_>,
) -> Option<Address> {
    if let Some(address) = environments.get(&record.environment) {
        return Some(address.clone());
    }
    let wanted = &record.environment;
    let help = || {
        let same_ignoring_case = (environments.keys()).find(|e| e.eq_ignore_ascii_case(wanted));
        match same_ignoring_case {
            Some(declared) => format!("did you mean `{declared}`? (write it as it is declared)"),
            None => did_you_mean(wanted, environments.keys().map(String::as_str)).unwrap_or_else(
                || format!("declare it under `environments:` (`{wanted}: {{}}` records without protection)"),
            ),
        }
    };
    undeclared_environment(ctx, wanted, "repository", pointer, help);
    None
}

/// What plan compares: every field as it will be sent, with deployplan's defaults
/// (`task: deploy`, `auto_merge: false`, `required_contexts: []`, `auto_inactive: true`)
/// filled in and the other optional fields only when written.
pub fn attributes(record: &Deployment) -> Value {
    let mut attributes = json!({
        "environment": record.environment,
        "ref": record.git_ref,
        "task": record.task.as_deref().unwrap_or(DEFAULT_TASK),
        "auto_merge": record.auto_merge.unwrap_or(false),
        "required_contexts": record.required_contexts.clone().unwrap_or_default(),
        "auto_inactive": record.auto_inactive.unwrap_or(true),
    });
    for (key, value) in [
        ("description", record.description.clone().map(Value::from)),
        (
            "environment_url",
            record.environment_url.clone().map(Value::from),
        ),
        ("log_url", record.log_url.clone().map(Value::from)),
        ("payload", record.payload.clone().map(Value::Object)),
        (
            "transient_environment",
            record.transient_environment.map(Value::from),
        ),
        (
            "production_environment",
            record.production_environment.map(Value::from),
        ),
    ] {
        insert_set(&mut attributes, key, value);
    }
    attributes
}

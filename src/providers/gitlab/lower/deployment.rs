//! Deployment records → `deployment` resources: `environment`, `ref`, `tag` (and `sha`
//! when written), one record per environment, each ordered after its environment and
//! that environment's protection (which decides who may record a deployment there).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::environment::Lowered;
use super::names::sha_problem;
use super::{KIND_DEPLOYMENT, KIND_ENVIRONMENT, Parent};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::Resource;
use crate::providers::common::checks::token_problem;
use crate::providers::gitlab::manifest::{Deployment, Environment};
use crate::suggest::did_you_mean;

/// The environments of one project a record may name: what lowering made of each, and the
/// manifest's declarations (for `renamed_from`).
pub struct Declared<'a> {
    pub lowered: &'a BTreeMap<String, Lowered>,
    pub written: &'a BTreeMap<String, Environment>,
}

/// Lowers the records of one project into `out`.
pub fn lower_all(
    records: &BTreeMap<String, Deployment>,
    environments: &Declared<'_>,
    project: &Parent<'_>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) {
    // GitLab keeps one deployment history per environment: two records of one
    // environment would each read the other's deployment as the current one.
    let mut recorded_by: HashMap<&str, &str> = HashMap::new();
    for (name, record) in records {
        let pointer = join(&join(project.pointer, "deployments"), name);
        let Some(resource) = lower_one(name, record, environments, project, &pointer, ctx) else {
            ctx.declared_invalid(KIND_DEPLOYMENT, name);
            continue;
        };
        if let Some(first) = recorded_by.get(record.environment.as_str()) {
            let first_at = join(&join(&join(project.pointer, "deployments"), first), "environment");
            ctx.conflict(
                format!(
                    "deployment records `{first}` and `{name}` both record environment `{}`",
                    record.environment
                ),
                &join(&pointer, "environment"),
                format!("recorded by `{name}`"),
                &first_at,
                format!("recorded by `{first}`"),
            )
            .help = Some(
                "GitLab keeps one deployment history per environment: keep one record for it".into(),
            );
            ctx.declared_invalid(KIND_DEPLOYMENT, name);
            continue;
        }
        recorded_by.insert(&record.environment, name);
        out.push(resource);
    }
}

fn lower_one(
    name: &str,
    record: &Deployment,
    environments: &Declared<'_>,
    project: &Parent<'_>,
    pointer: &str,
    ctx: &mut Ctx<'_>,
) -> Option<Resource> {
    let before = ctx.diagnostics.len();
    let environment = environment_of(record, environments, pointer, ctx);
    let what = if record.tag { "a tag name" } else { "a branch name" };
    if let Some(hint) = token_problem(&record.git_ref, what) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("invalid `ref` of deployment record `{name}`"),
            &join(pointer, "ref"),
            "invalid ref",
        )
        .help = Some(hint);
    }
    if let Some(sha) = &record.sha {
        check_sha(name, sha, &join(pointer, "sha"), ctx);
    }
    let environment = environment?;
    if ctx.diagnostics.len() > before {
        return None;
    }
    let mut depends_on = vec![project.address.clone(), environment.address.clone()];
    depends_on.extend(environment.protection.clone());
    Some(ctx.resource(ResourceSpec {
        address: project.address.child(KIND_DEPLOYMENT, name),
        provider: project.provider.to_owned(),
        kind: KIND_DEPLOYMENT,
        name,
        parent: Some(project.address.clone()),
        attributes: attributes(record),
        pointer: pointer.to_owned(),
        protect: false,
        prune: false,
        depends_on,
        explicit_depends_on: &record.depends_on,
        link: record.link.as_deref(),
    }))
}

/// `sha`, as it arrives after interpolation (`${env.CI_COMMIT_SHA}` is its value by
/// now): a value from a secret is not repeated in the message.
fn check_sha(name: &str, sha: &str, pointer: &str, ctx: &mut Ctx<'_>) {
    let Some(hint) = sha_problem(sha) else { return };
    let shown = match ctx.interpolated.sensitive.contains(pointer) {
        true => String::new(),
        false => format!(" `{sha}`"),
    };
    let interpolated = ctx.sources.file(ctx.located.value(pointer).file).is_some_and(|file| {
        let span = ctx.located.value(pointer);
        (file.inner().get(span.offset..span.offset + span.len)).is_some_and(|t| t.contains("${"))
    });
    let label = if interpolated { "its value is not a full commit SHA" } else { "not a full commit SHA" };
    ctx.error(
        DiagnosticKind::InvalidValue,
        format!("`sha`{shown} of deployment record `{name}` is not a commit SHA"),
        pointer,
        label,
    )
    .help = Some(hint);
}

/// The record's environment: one declared in the same project, spelt exactly as declared.
fn environment_of<'e>(
    record: &Deployment,
    environments: &Declared<'e>,
    pointer: &str,
    ctx: &mut Ctx<'_>,
) -> Option<&'e Lowered> {
    let wanted = record.environment.as_str();
    if let Some(lowered) = environments.lowered.get(wanted) {
        return Some(lowered);
    }
    if ctx.is_invalid(KIND_ENVIRONMENT, wanted) {
        return None; // its own error is reported
    }
    let declared: Vec<&str> = environments.lowered.keys().map(String::as_str).collect();
    let renamed_to = (environments.written.iter())
        .find(|(_, e)| e.renamed_from.as_deref() == Some(wanted))
        .map(|(name, _)| name.as_str());
    let list = match declared.as_slice() {
        [] => "this project declares no environment".to_owned(),
        names => format!("declared here: {}", names.join(", ")),
    };
    let help = match renamed_to {
        Some(new) => format!("`{wanted}` is renamed to `{new}`: record `{new}`"),
        None => match did_you_mean(wanted, declared.iter().copied()) {
            Some(close) => format!("{close} ({list})"),
            None => format!(
                "{list}; declare it under `environments:` (`{wanted}: {{}}` records without managing it)"
            ),
        },
    };
    ctx.error(
        DiagnosticKind::DanglingReference,
        format!("environment `{wanted}` is not declared in this project"),
        &join(pointer, "environment"),
        "no such environment here",
    )
    .help = Some(help);
    None
}

/// What plan compares: `environment`, `ref`, `tag` (false unless written), and `sha` only
/// when written.
pub fn attributes(record: &Deployment) -> Value {
    let mut attributes = json!({
        "environment": record.environment,
        "ref": record.git_ref,
        "tag": record.tag,
    });
    if let (Some(map), Some(sha)) = (attributes.as_object_mut(), &record.sha) {
        map.insert("sha".into(), json!(sha));
    }
    attributes
}

//! Deployment records → `deployment` resources: `environment`, `ref`, `tag` (and `sha`
//! when written), one record per environment, each ordered after its environment and
//! that environment's protection (which decides who may record a deployment there).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::KIND_DEPLOYMENT;
use super::environment::Lowered;
use super::names::{ref_problem, sha_hint};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::Resource;
use crate::providers::common::checks;
use crate::providers::common::lower::{Parent, child_spec};
use crate::providers::common::records::{Claims, undeclared_environment};
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
    // GitLab keeps one deployment history per environment.
    let mut claims = Claims::new(project.pointer);
    for (name, record) in records {
        let pointer = join(&join(project.pointer, "deployments"), name);
        let Some(resource) = lower_one(name, record, environments, project, &pointer, ctx) else {
            ctx.declared_invalid(KIND_DEPLOYMENT, name);
            continue;
        };
        let wanted = record.environment.as_str();
        let message = |first: &str| {
            format!("deployment records `{first}` and `{name}` both record environment `{wanted}`")
        };
        let help = "GitLab keeps one deployment history per environment: keep one record for it";
        if claims.claim(ctx, wanted, name, message, help) {
            out.push(resource);
        }
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
    if let Some(hint) = ref_problem(&record.git_ref) {
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
        depends_on,
        explicit_depends_on: &record.depends_on,
        link: record.link.as_deref(),
        ..child_spec(project, KIND_DEPLOYMENT, name, pointer, attributes(record))
    }))
}

/// `sha`, as it arrives after interpolation (`${env.CI_COMMIT_SHA}` is its value by
/// now): a value from a secret is not repeated in the message.
fn check_sha(name: &str, sha: &str, pointer: &str, ctx: &mut Ctx<'_>) {
    let message =
        |shown: &str| format!("`sha` {shown} of deployment record `{name}` is not a commit SHA");
    checks::check_sha(ctx, sha, pointer, message, sha_hint);
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
    let declared: Vec<&str> = environments.lowered.keys().map(String::as_str).collect();
    let renamed_to = (environments.written.iter())
        .find(|(_, e)| e.renamed_from.as_deref() == Some(wanted))
        .map(|(name, _)| name.as_str());
    let list = match declared.as_slice() {
        [] => "this project declares no environment".to_owned(),
        names => format!("declared here: {}", names.join(", ")),
    };
    let help = || match renamed_to {
        Some(new) => format!("`{wanted}` is renamed to `{new}`: record `{new}`"),
        None => match did_you_mean(wanted, declared.iter().copied()) {
            Some(close) => format!("{close} ({list})"),
            None => format!(
                "{list}; declare it under `environments:` (`{wanted}: {{}}` records without managing it)"
            ),
        },
    };
    undeclared_environment(ctx, wanted, "project", pointer, help);
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

//! One environment → its `environment` resource (the settings the manifest writes, and
//! always its name) and, when declared, its `protection`; GitLab's rules for names and
//! settings, and for `renamed_from`, are checked here.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::names::{MAX_DESCRIPTION, MAX_URL, environment_problem, namespace_problem};
use super::{KIND_ENVIRONMENT, Parent, protection};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::common::checks::{check_choice, check_web_url, key_read_otherwise, shown};
use crate::providers::common::lower::{child_spec, insert_set};
use crate::providers::gitlab::manifest::Environment;

/// GitLab's environment tiers.
pub const TIERS: &[&str] = &["production", "staging", "testing", "development", "other"];
/// When GitLab's auto-stop timer stops an environment.
pub const AUTO_STOP_SETTINGS: &[&str] = &["always", "with_action"];

/// What lowering one environment gives the records that name it.
pub struct Lowered {
    pub address: Address,
    /// Its protection's address, when the manifest declares one.
    pub protection: Option<Address>,
}

/// Lowers environment `name` of `project` into `out`.
pub fn lower(
    name: &str,
    environment: &Environment,
    project: &Parent<'_>,
    prune: bool,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) -> Lowered {
    let pointer = join(&join(project.pointer, "environments"), name);
    check_name(name, &pointer, "environment", ctx);
    let mut attributes = json!({ "name": name });
    if let Some(tier) = &environment.tier {
        check_choice(ctx, tier, TIERS, &join(&pointer, "tier"), "tier");
        insert_set(&mut attributes, "tier", Some(json!(tier)));
    }
    if let Some(url) = &environment.external_url {
        check_url(url, &join(&pointer, "external_url"), ctx);
        insert_set(&mut attributes, "external_url", Some(json!(url)));
    }
    text_up_to(
        "description",
        &environment.description,
        MAX_DESCRIPTION,
        &pointer,
        &mut attributes,
        ctx,
    );
    if let Some(setting) = &environment.auto_stop_setting {
        let at = join(&pointer, "auto_stop_setting");
        check_choice(ctx, setting, AUTO_STOP_SETTINGS, &at, "auto-stop setting");
        insert_set(&mut attributes, "auto_stop_setting", Some(json!(setting)));
    }
    if let Some(namespace) = &environment.kubernetes_namespace {
        let at = join(&pointer, "kubernetes_namespace");
        if let Some(hint) = namespace_problem(namespace) {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!(
                    "invalid Kubernetes namespace {}",
                    shown(ctx, &at, namespace)
                ),
                &at,
                "not a namespace",
            )
            .help = Some(hint);
        }
        insert_set(
            &mut attributes,
            "kubernetes_namespace",
            Some(json!(namespace)),
        );
    }
    text_up_to(
        "flux_resource_path",
        &environment.flux_resource_path,
        MAX_URL,
        &pointer,
        &mut attributes,
        ctx,
    );
    if environment.flux_resource_path.is_some() && environment.kubernetes_namespace.is_none() {
        ctx.error(
            DiagnosticKind::MissingField,
            "a Flux resource path needs a Kubernetes namespace",
            &join(&pointer, "flux_resource_path"),
            "without `kubernetes_namespace`",
        )
        .help = Some(
            "GitLab keeps `flux_resource_path` only with `kubernetes_namespace`: set both".into(),
        );
    }
    if let Some(old) = &environment.renamed_from {
        check_name(
            old,
            &join(&pointer, "renamed_from"),
            "previous environment",
            ctx,
        );
        insert_set(
            &mut attributes,
            "renamed_from",
            Some(Value::from(old.as_str())),
        );
    }
    let spec = child_spec(project, KIND_ENVIRONMENT, name, &pointer, attributes);
    let address = spec.address.clone();
    out.push(ctx.resource(ResourceSpec {
        protect: environment.protect,
        prune,
        explicit_depends_on: &environment.depends_on,
        ..spec
    }));
    let protection = environment.protection.as_ref().map(|protection| {
        let here = Parent {
            provider: project.provider,
            address: &address,
            pointer: &pointer,
        };
        protection::lower(protection, name, &here, environment.protect, ctx, out)
    });
    Lowered {
        address,
        protection,
    }
}

/// An environment name (a key, or the value of `renamed_from`) as GitLab takes it.
fn check_name(name: &str, pointer: &str, what: &str, ctx: &mut Ctx<'_>) {
    let is_key = what == "environment";
    if is_key && key_read_otherwise(ctx, pointer, name, what) {
        return;
    }
    let Some(hint) = environment_problem(name) else {
        return;
    };
    let message = format!("invalid {what} name `{name}`");
    let diagnostic = match is_key {
        true => ctx.error_at_key(
            DiagnosticKind::InvalidName,
            message,
            pointer,
            "invalid name",
        ),
        false => ctx.error(
            DiagnosticKind::InvalidName,
            message,
            pointer,
            "invalid name",
        ),
    };
    diagnostic.help = Some(hint);
}

/// `external_url`: an http(s) URL of at most 255 characters.
fn check_url(url: &str, pointer: &str, ctx: &mut Ctx<'_>) {
    let message = format!(
        "`external_url` {} is not an http(s) URL",
        shown(ctx, pointer, url)
    );
    check_web_url(ctx, url, pointer, message, "GitLab");
    check_length("external_url", url, MAX_URL, pointer, ctx);
}

/// A free text setting `key` of the environment at `pointer`, at most `limit` characters.
fn text_up_to(
    key: &str,
    value: &Option<String>,
    limit: usize,
    pointer: &str,
    attributes: &mut Value,
    ctx: &mut Ctx<'_>,
) {
    let Some(value) = value else { return };
    check_length(key, value, limit, &join(pointer, key), ctx);
    insert_set(attributes, key, Some(json!(value)));
}

fn check_length(key: &str, value: &str, limit: usize, pointer: &str, ctx: &mut Ctx<'_>) {
    let length = value.chars().count();
    if length > limit {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("`{key}` is {length} characters long"),
            pointer,
            format!("{length} characters"),
        )
        .help = Some(format!("GitLab keeps at most {limit} characters here"));
    }
}

/// `renamed_from` across one project's environments: not the environment's own name, not
/// another declared environment (that one exists and stays), and each old name claimed by
/// one environment only.
pub fn check_renames(
    environments: &BTreeMap<String, Environment>,
    project_pointer: &str,
    ctx: &mut Ctx<'_>,
) {
    let at = |name: &str| join(&join(project_pointer, "environments"), name);
    let mut claimed: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, environment) in environments {
        let Some(old) = environment.renamed_from.as_deref() else {
            continue;
        };
        let pointer = join(&at(name), "renamed_from");
        if old == name {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!("environment `{name}` is renamed from itself"),
                &pointer,
                "its own name",
            )
            .help = Some("remove `renamed_from`, or write the environment's previous name".into());
        } else if environments.contains_key(old) {
            let (sources, located) = (ctx.sources, ctx.located);
            let diagnostic = ctx.error(
                DiagnosticKind::Conflict,
                format!("environment `{name}` is renamed from `{old}`, which is declared too"),
                &pointer,
                "declared as well",
            );
            sources.add_label(diagnostic, located.key(&at(old)), "still declared here");
            diagnostic.help = Some(format!(
                "a rename deletes `{old}`: remove its declaration, or remove `renamed_from`"
            ));
        } else if let Some(first) = claimed.get(old) {
            ctx.conflict(
                format!("environments `{first}` and `{name}` are both renamed from `{old}`"),
                &pointer,
                format!("`{name}` claims it"),
                &join(&at(first), "renamed_from"),
                format!("`{first}` claims it"),
            )
            .help = Some(format!(
                "one environment takes over `{old}`; remove the other `renamed_from`"
            ));
        } else {
            claimed.insert(old, name);
        }
    }
}

//! One environment → its resource and its children's (branch and tag policies,
//! variables, secrets), with the protection rules GitHub enforces checked here.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::names::{environment_problem, token_problem, variable_problem};
use super::{
    KIND_BRANCH_POLICY, KIND_ENVIRONMENT, KIND_SECRET, KIND_TAG_POLICY, KIND_VARIABLE, Parent,
};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::common::checks::{duplicate, key_read_otherwise, written_key};
use crate::providers::common::lower::{child_spec, insert_set};
use crate::providers::github::manifest::{
    BranchMode, BranchPolicy, Environment, PolicyPattern, Reviewers,
};

/// Longest wait timer GitHub accepts: 30 days, in minutes.
pub const MAX_WAIT_TIMER: u32 = 43_200;
/// Most reviewers one environment takes (users and teams together).
pub const MAX_REVIEWERS: usize = 6;
/// Most variables, and most secrets, one environment holds.
pub const MAX_PER_ENVIRONMENT: usize = 100;
/// Largest value of a variable or secret: 48 KB.
pub const MAX_VALUE_BYTES: usize = 48 * 1024;

/// Lowers environment `name` of the repository `repo` into `out`; returns its address.
pub fn lower(
    name: &str,
    environment: &Environment,
    repo: &Parent<'_>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) -> Address {
    let pointer = join(&join(repo.pointer, "environments"), name);
    if !key_read_otherwise(ctx, &pointer, name, "environment")
        && let Some(hint) = environment_problem(name)
    {
        ctx.error_at_key(
            DiagnosticKind::InvalidName,
            format!("invalid environment name `{name}`"),
            &pointer,
            "invalid name",
        )
        .help = Some(hint);
    }
    if let Some(minutes) = environment.wait_timer.filter(|m| *m > MAX_WAIT_TIMER) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("a wait timer of {minutes} minutes is longer than GitHub allows"),
            &join(&pointer, "wait_timer"),
            "out of range",
        )
        .help = Some(format!(
            "an integer from 0 to {MAX_WAIT_TIMER} (minutes: at most 30 days)"
        ));
    }
    let mut attributes = json!({});
    insert_set(
        &mut attributes,
        "wait_timer",
        environment.wait_timer.map(Value::from),
    );
    insert_set(
        &mut attributes,
        "prevent_self_review",
        environment.prevent_self_review.map(Value::from),
    );
    if let Some(reviewers) = &environment.reviewers {
        check_reviewers(reviewers, &join(&pointer, "reviewers"), ctx);
        insert_set(&mut attributes, "reviewers", Some(reviewer_list(reviewers)));
    }
    if let Some(policy) = &environment.deployment_branch_policy {
        let mode = match policy {
            BranchPolicy::Mode(BranchMode::Any) => Value::Null,
            BranchPolicy::Mode(BranchMode::Protected) => json!("protected"),
            BranchPolicy::Custom(_) => json!("custom"),
        };
        insert_set(&mut attributes, "deployment_branch_policy", Some(mode));
    }
    let address = repo.address.child(KIND_ENVIRONMENT, name);
    out.push(ctx.resource(ResourceSpec {
        protect: environment.protect,
        prune: environment.prune,
        explicit_depends_on: &environment.depends_on,
        ..child_spec(repo, KIND_ENVIRONMENT, name, &pointer, attributes)
    }));
    let here = Parent {
        provider: repo.provider,
        address: &address,
        pointer: &pointer,
    };
    if let Some(BranchPolicy::Custom(custom)) = &environment.deployment_branch_policy {
        lower_patterns(&custom.custom, &here, ctx, out);
    }
    lower_values(environment, &here, ctx, out);
    address
}

/// At most six reviewers, each named once (logins and slugs ignore case on GitHub).
fn check_reviewers(reviewers: &Reviewers, pointer: &str, ctx: &mut Ctx<'_>) {
    let total = reviewers.users.len() + reviewers.teams.len();
    if total > MAX_REVIEWERS {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("an environment takes at most {MAX_REVIEWERS} reviewers; {total} are listed"),
            pointer,
            format!("{total} reviewers"),
        )
        .help = Some(format!(
            "any one approval suffices: keep at most {MAX_REVIEWERS}, and name a team for a larger group"
        ));
    }
    for (list, names, what) in [
        ("users", &reviewers.users, "a user login"),
        ("teams", &reviewers.teams, "a team slug"),
    ] {
        let at = join(pointer, list);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, reviewer) in names.iter().enumerate() {
            let item = format!("{at}/{i}");
            if let Some(hint) = token_problem(reviewer, what) {
                ctx.error(
                    DiagnosticKind::InvalidName,
                    format!("invalid reviewer `{reviewer}`"),
                    &item,
                    "invalid name",
                )
                .help = Some(hint);
            }
            match seen.get(&reviewer.to_lowercase()) {
                Some(first) => duplicate(
                    ctx,
                    format!("reviewer `{reviewer}` is listed twice"),
                    &item,
                    &format!("{at}/{first}"),
                    "GitHub matches logins and team slugs ignoring case; list each reviewer once",
                ),
                None => {
                    seen.insert(reviewer.to_lowercase(), i);
                }
            }
        }
    }
}

/// The reviewers as the plan compares them: `{users, teams}` as written (GitHub's order is
/// not meaningful; fetch reports the same lists when the sets agree), so that a difference,
/// and a name GitHub does not know, point at the exact entry.
pub fn reviewer_list(reviewers: &Reviewers) -> Value {
    json!({ "users": reviewers.users, "teams": reviewers.teams })
}

/// Custom policy patterns → `branch_policy` / `tag_policy` children: at least one, each
/// pattern once per kind.
fn lower_patterns(
    patterns: &[PolicyPattern],
    environment: &Parent<'_>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) {
    let at = join(
        &join(environment.pointer, "deployment_branch_policy"),
        "custom",
    );
    if patterns.is_empty() {
        ctx.error(
            DiagnosticKind::MissingField,
            "a custom deployment branch policy lists at least one pattern",
            &at,
            "no pattern",
        )
        .help = Some(
            "add `- branch: main` (or `- tag: \"v*\"`); or write `protected`, or `any` for any branch"
                .into(),
        );
    }
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, pattern) in patterns.iter().enumerate() {
        let (kind, key, word) = match pattern {
            PolicyPattern::Branch(_) => (KIND_BRANCH_POLICY, "branch", "a branch pattern"),
            PolicyPattern::Tag(_) => (KIND_TAG_POLICY, "tag", "a tag pattern"),
        };
        let name = pattern.pattern();
        let item = format!("{at}/{i}");
        let value_at = join(&item, key);
        if let Some(hint) = token_problem(name, word) {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!("invalid pattern `{name}`"),
                &value_at,
                "invalid pattern",
            )
            .help = Some(hint);
        }
        if let Some(first) = seen.get(&(kind, name)) {
            duplicate(
                ctx,
                format!("pattern `{name}` is listed twice"),
                &value_at,
                &join(&format!("{at}/{first}"), key),
                "list each pattern once",
            );
            continue;
        }
        seen.insert((kind, name), i);
        out.push(child(environment, kind, name, &item, json!({}), ctx));
    }
}

/// Variables and secrets → their children, with GitHub's name rules, size limits, and the
/// rule that a secret comes from a secret and a variable never does.
fn lower_values(
    environment: &Environment,
    parent: &Parent<'_>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) {
    for (kind, list, values) in [
        (KIND_VARIABLE, "variables", &environment.variables),
        (KIND_SECRET, "secrets", &environment.secrets),
    ] {
        let at = join(parent.pointer, list);
        if values.len() > MAX_PER_ENVIRONMENT {
            ctx.error_at_key(
                DiagnosticKind::InvalidValue,
                format!(
                    "an environment holds at most {MAX_PER_ENVIRONMENT} {list}; {} are declared",
                    values.len()
                ),
                &at,
                format!("{} {list}", values.len()),
            )
            .help = Some(format!(
                "GitHub's limit per environment; {list} shared by every environment belong to the repository or the organisation"
            ));
        }
        for (name, value) in values {
            let pointer = join(&at, name);
            if let Some(hint) = variable_problem(name) {
                let hint = match written_key(ctx, &pointer) {
                    // YAML reads a plain `N`, `ON` or `YES` as a boolean.
                    Some(written) if written != name.as_str() => format!(
                        "YAML reads `{written}` as `{name}`: quote the name, `\"{written}\": …`"
                    ),
                    _ => hint,
                };
                ctx.error_at_key(
                    DiagnosticKind::InvalidName,
                    format!("invalid {kind} name `{name}`"),
                    &pointer,
                    "invalid name",
                )
                .help = Some(hint);
            }
            let secret = ctx.interpolated.sensitive.contains(&pointer);
            if kind == KIND_SECRET && !secret {
                ctx.error(
                    DiagnosticKind::InvalidValue,
                    format!("secret `{name}` must come from a secret, not the manifest text"),
                    &pointer,
                    "a secret written into the manifest",
                )
                .help = Some(format!(
                    "write `{name}: ${{secret.{name}}}` and export the value"
                ));
            }
            if kind == KIND_VARIABLE && secret {
                ctx.error(
                    DiagnosticKind::InvalidValue,
                    format!(
                        "variable `{name}` holds a secret, and variables are readable in plain text"
                    ),
                    &pointer,
                    "a secret in a variable",
                )
                .help = Some(format!("declare `{name}` under `secrets:` instead"));
            }
            if value.len() > MAX_VALUE_BYTES {
                ctx.error(
                    DiagnosticKind::InvalidValue,
                    format!("the value of {kind} `{name}` is over 48 KB"),
                    &pointer,
                    format!("{} bytes", value.len()),
                )
                .help = Some("GitHub takes values of at most 48 KB (49152 bytes)".into());
            }
            let attributes = if kind == KIND_SECRET {
                json!({ "value": value, "rotate": environment.rotate_secrets })
            } else {
                json!({ "value": value })
            };
            let mut resource = child(parent, kind, name, &pointer, attributes, ctx);
            value_written_at(&mut resource, &pointer, kind == KIND_SECRET || secret, ctx);
            out.push(resource);
        }
    }
}

/// The `value` attribute of a variable or secret is the entry's own value (not a field
/// under it): its provenance is the entry's, and a secret's value is always sensitive.
fn value_written_at(resource: &mut Resource, pointer: &str, sensitive: bool, ctx: &Ctx<'_>) {
    if let Some(origin) = ctx.provenance_at(pointer) {
        resource.provenance_overrides.insert("value".into(), origin);
    }
    if sensitive {
        resource.sensitive.push("value".into());
    }
}

/// A child of an environment: ordered after it, never protected; pruned through its
/// environment.
fn child(
    environment: &Parent<'_>,
    kind: &'static str,
    name: &str,
    pointer: &str,
    attributes: Value,
    ctx: &mut Ctx<'_>,
) -> Resource {
    ctx.resource(child_spec(environment, kind, name, pointer, attributes))
}

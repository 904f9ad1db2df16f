//! Apps → an `app` resource, and under it a `git_connection` and a `staging` when the
//! manifest manages them. An app with an error makes no resource, and its children none.

use serde_json::{Value, json};

use super::names::slug_problem;
use super::{KIND_APP, KIND_GIT_CONNECTION, KIND_STAGING};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::axhub::manifest::{AxhubApp, AxhubGit};
use crate::providers::common::checks::{is_secret, key_read_otherwise, shown};
use crate::providers::common::git::{ref_problem, repository_problem};
use crate::providers::common::lower::{Parent, child_spec, insert_set, top_level};

/// A declared app as releases see it: the addresses a release of it is ordered after.
pub struct Lowered {
    /// The instance and the slug: a release of the same slug on another instance names
    /// another tenant's app.
    pub key: (String, String),
    pub address: Address,
    pub git_connection: Option<Address>,
    pub staging: Option<Address>,
}

/// Lowers the app `slug` into `out`; `None` when it breaks a rule (reported).
pub fn lower(
    slug: &str,
    app: &AxhubApp,
    pointer: &str,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) -> Option<Lowered> {
    let before = ctx.diagnostics.len();
    check_slug(slug, pointer, ctx);
    let provider = ctx.provider_for(app.provider.as_deref(), super::super::TYPE, pointer);
    let git = (app.git.as_ref()).and_then(|git| git_attributes(slug, git, pointer, ctx));
    let provider = provider.filter(|_| ctx.diagnostics.len() == before);
    let Some(provider) = provider else {
        ctx.declared_invalid(KIND_APP, slug);
        return None;
    };
    let address = Address::root(&provider, KIND_APP, slug);
    // Read-only: nothing to compare; its `protect` covers what is destroyed beneath it.
    let spec = top_level(
        provider.clone(),
        KIND_APP,
        slug,
        pointer,
        json!({}),
        Vec::new(),
        &app.depends_on,
    );
    out.push(ctx.resource(ResourceSpec {
        protect: app.protect,
        ..spec
    }));
    let parent = Parent {
        provider: &provider,
        address: &address,
        pointer,
    };
    let git_connection = git.map(|attributes| {
        let at = join(pointer, "git");
        let spec = child_spec(&parent, KIND_GIT_CONNECTION, slug, &at, attributes);
        push(ctx, out, app.protect, spec)
    });
    let staging = app.staging.map(|enabled| {
        let at = join(pointer, "staging");
        let mut attributes = json!({ "enabled": enabled });
        let consent = app.confirm_discard_ops.then_some(Value::Bool(true));
        insert_set(&mut attributes, "confirm_discard_ops", consent);
        let spec = child_spec(&parent, KIND_STAGING, slug, &at, attributes);
        let address = push(ctx, out, app.protect, spec);
        let resource = out.last_mut().expect("just pushed");
        located_at(ctx, resource, "enabled", &at);
        located_at(
            ctx,
            resource,
            "confirm_discard_ops",
            &join(pointer, "confirm_discard_ops"),
        );
        address
    });
    Some(Lowered {
        key: (provider, slug.to_owned()),
        address,
        git_connection,
        staging,
    })
}

/// Adds the resource of `spec`, protected with its app; returns its address.
fn push(
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
    protect: bool,
    spec: ResourceSpec<'_>,
) -> Address {
    let resource = ctx.resource(ResourceSpec { protect, ..spec });
    let address = resource.address.clone();
    out.push(resource);
    address
}

/// Records where `attribute` was written when its value sits elsewhere than under the
/// resource's body (`staging: true` is the body itself; the consent is the app's).
fn located_at(ctx: &Ctx<'_>, resource: &mut Resource, attribute: &str, pointer: &str) {
    if resource.attributes.get(attribute).is_none() {
        return;
    }
    if let Some(origin) = ctx.provenance_at(pointer) {
        resource
            .provenance_overrides
            .insert(attribute.to_owned(), origin);
    }
}

/// The app's key is a slug; a key YAML read as a boolean (`on:`) is reported as such.
fn check_slug(slug: &str, pointer: &str, ctx: &mut Ctx<'_>) {
    if key_read_otherwise(ctx, pointer, slug, "app") {
        return;
    }
    if let Some(hint) = slug_problem(slug, "an app slug") {
        ctx.error_at_key(
            DiagnosticKind::InvalidName,
            format!("invalid app slug `{slug}`"),
            pointer,
            "not an app slug",
        )
        .help = Some(hint);
    }
}

/// The connection's attributes, every field present and valid; `None` otherwise
/// (reported, all at once).
fn git_attributes(slug: &str, git: &AxhubGit, pointer: &str, ctx: &mut Ctx<'_>) -> Option<Value> {
    let at = join(pointer, "git");
    let missing: Vec<String> = [
        ("repository", git.repository.is_none()),
        ("branch", git.branch.is_none()),
        ("installation", git.installation.is_none()),
    ]
    .into_iter()
    .filter(|(_, missing)| *missing)
    .map(|(field, _)| format!("`{field}`"))
    .collect();
    let before = ctx.diagnostics.len();
    if !missing.is_empty() {
        ctx.error_at_key(
            DiagnosticKind::MissingField,
            format!("the git connection of app `{slug}` lacks {}", missing.join(" and ")),
            &at,
            "incomplete git connection",
        )
        .help = Some(
            "a connection is all three: `repository` (owner/name), `branch` and `installation` (the GitHub App installation id); or leave `git` out to keep the app's connection as it is"
                .into(),
        );
    }
    if let Some(repository) = &git.repository {
        let rule: Rule = (repository_problem, "a repository is `owner/name`");
        check_text(
            ctx,
            &join(&at, "repository"),
            repository,
            rule,
            "repository",
        );
    }
    if let Some(branch) = &git.branch {
        let rule: Rule = (
            ref_problem,
            "a branch name follows Git's rules: no spaces, no `..`, none of `~ ^ : ? * [ \\`",
        );
        check_text(ctx, &join(&at, "branch"), branch, rule, "branch");
    }
    if let Some(installation) = git.installation.filter(|id| *id <= 0) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("installation {installation} is not a positive number"),
            &join(&at, "installation"),
            "not an installation id",
        )
        .help = Some(
            "the id AxHub shows once its GitHub App is installed on the repository's account (e.g. `12345`)"
                .into(),
        );
    }
    (ctx.diagnostics.len() == before).then(|| {
        json!({
            "repository": git.repository,
            "branch": git.branch,
            "installation": git.installation,
        })
    })
}

/// A rule as a check (what is wrong, if anything) and in words (for a secret's hint).
type Rule = (fn(&str) -> Option<String>, &'static str);

/// Reports `value` at `pointer` when `problem` refuses it. A secret is named neither in
/// the message nor in the hint (which may quote a character of it): its hint is the rule
/// in words (`rule.1`).
fn check_text(ctx: &mut Ctx<'_>, pointer: &str, value: &str, rule: Rule, field: &str) {
    let (problem, in_words) = rule;
    let Some(hint) = problem(value) else { return };
    let hint = match is_secret(ctx, pointer) {
        true => in_words.to_owned(),
        false => hint,
    };
    let shown = shown(ctx, pointer, value);
    ctx.error(
        DiagnosticKind::InvalidValue,
        format!("invalid {field} {shown}"),
        pointer,
        format!("not a {field} name"),
    )
    .help = Some(hint);
}

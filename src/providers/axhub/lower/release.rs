//! Releases → top-level `release` resources: `app` and `commit`, one release per app of
//! an instance (two would each deploy over the other at every apply), each ordered after
//! its declared app's git connection and staging.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::KIND_RELEASE;
use super::app::Lowered;
use super::names::{slug_problem, timeout_problem};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;
use crate::model::Resource;
use crate::providers::axhub::manifest::AxhubRelease;
use crate::providers::common::checks::{check_sha, key_read_otherwise, shown};
use crate::providers::common::git::{SHA_LENGTH, ShaProblem};
use crate::providers::common::lower::{insert_set, release_spec};

/// Lowers every release into `out`; `releases` is the pointer of the `releases` map.
pub fn lower_all(
    releases: &BTreeMap<String, AxhubRelease>,
    declared: &HashMap<(String, String), Lowered>,
    pointer: &str,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) {
    let mut deployed_by: HashMap<(String, String), &str> = HashMap::new();
    for (name, release) in releases {
        let at = join(pointer, name);
        let Some(resource) = lower_one(name, release, declared, &at, ctx) else {
            ctx.declared_invalid(KIND_RELEASE, name);
            continue;
        };
        let target = (resource.provider.clone(), release.app.clone());
        if let Some(first) = deployed_by.get(&target) {
            let app = shown(ctx, &join(&at, "app"), &release.app);
            ctx.conflict(
                format!("releases `{first}` and `{name}` both deploy app {app}"),
                &join(&at, "app"),
                format!("deployed by `{name}`"),
                &join(&join(pointer, first), "app"),
                format!("deployed by `{first}`"),
            )
            .help = Some(
                "an app runs one commit in production: keep one release for it; to deploy after another release, use `depends_on:`"
                    .into(),
            );
            ctx.declared_invalid(KIND_RELEASE, name);
            continue;
        }
        deployed_by.insert(target, name);
        out.push(resource);
    }
}

fn lower_one(
    name: &str,
    release: &AxhubRelease,
    declared: &HashMap<(String, String), Lowered>,
    pointer: &str,
    ctx: &mut Ctx<'_>,
) -> Option<Resource> {
    let before = ctx.diagnostics.len();
    key_read_otherwise(ctx, pointer, name, "release");
    let provider = ctx.provider_for(release.provider.as_deref(), super::super::TYPE, pointer);
    let app_at = join(pointer, "app");
    if let Some(hint) = slug_problem(&release.app, "an app slug") {
        let app = shown(ctx, &app_at, &release.app);
        let hint = match app.starts_with('`') {
            true => hint,
            false => "an app slug is 2–64 lower-case letters, digits and `-`".to_owned(),
        };
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("release `{name}` names {app}, which is not an app slug"),
            &app_at,
            "not an app slug",
        )
        .help = Some(hint);
    }
    let message = |shown: &str| format!("`commit` {shown} of release `{name}` is not a commit SHA");
    check_sha(
        ctx,
        &release.commit,
        &join(pointer, "commit"),
        message,
        sha_hint,
    );
    if let Some(hint) = (release.timeout_seconds).and_then(timeout_problem) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("release `{name}` would be followed for no sensible time"),
            &join(pointer, "timeout_seconds"),
            "out of range",
        )
        .help = Some(hint);
    }
    let provider = provider.filter(|_| ctx.diagnostics.len() == before)?;
    let mut depends_on = Vec::new();
    if let Some(app) = declared.get(&(provider.clone(), release.app.clone())) {
        depends_on.push(app.address.clone());
        depends_on.extend(app.git_connection.clone());
        depends_on.extend(app.staging.clone());
    }
    let mut attributes = json!({ "app": release.app, "commit": release.commit });
    insert_set(
        &mut attributes,
        "force_rebuild",
        release.force_rebuild.map(Value::Bool),
    );
    insert_set(
        &mut attributes,
        "allow_schema_skew",
        release.allow_schema_skew.map(Value::Bool),
    );
    Some(ctx.resource(release_spec(
        provider,
        name,
        pointer,
        attributes,
        release.timeout_seconds,
        depends_on,
        &release.depends_on,
    )))
}

/// The hint for a commit AxHub would not deploy as written, in its terms.
fn sha_hint(problem: ShaProblem) -> String {
    match problem {
        ShaProblem::NotHex => format!(
            "a commit SHA is {SHA_LENGTH} hex digits (`0-9`, `a-f`): a release deploys exactly one commit, never a branch or tag"
        ),
        ShaProblem::Length(length) => format!(
            "a commit SHA is the full {SHA_LENGTH} hex digits, not {length}: AxHub records the full SHA of each deployment"
        ),
        ShaProblem::UpperCase(lower) => format!(
            "AxHub reports commits in lower case, so plan would never find this one running: write `{lower}`"
        ),
    }
}

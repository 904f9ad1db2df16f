//! The check every exported app passes before it is written: its entry parses as the
//! manifest's own `AxhubApp`, lowers through the manifest's own rules (the same
//! [`lower`](super::super::lower) `plan` runs) without an error, and lowers into exactly
//! the resources and attributes read from AxHub: nothing normalised away on the way, so
//! a plan of the adopted entry compares equal values.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::manifest::interpolate::Interpolated;
use crate::manifest::schema::ProviderConfig;
use crate::manifest::source::{Located, SourceMap};
use crate::manifest::validate::Ctx;
use crate::providers::axhub::TYPE;
use crate::providers::axhub::lower::{self, KIND_APP, KIND_GIT_CONNECTION, KIND_STAGING};
use crate::providers::axhub::manifest::{AxhubApp, AxhubSection};
use crate::providers::axhub::wire::{App, GitConnection};

/// `entry` when the manifest declares `app` (as read, with `git`) exactly by it; otherwise
/// why not, as one line.
pub(super) fn check(
    instance: &str,
    app: &App,
    git: &GitConnection,
    entry: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let declared: AxhubApp = serde_json::from_value(Value::Object(entry.clone()))
        .map_err(|err| format!("its entry is not one the manifest language reads: {err}"))?;
    let lowered = lowered(instance, &app.slug, &declared)
        .map_err(|errors| format!("it breaks a manifest rule: {}", errors.join("; ")))?;
    let expected = remote(app, git, entry.contains_key("git"));
    if lowered != expected {
        return Err(format!(
            "its entry would not plan as it is (declared {}, read {})",
            shown(&lowered),
            shown(&expected)
        ));
    }
    Ok(entry)
}

/// The resources (kind → attributes) AxHub holds for the app, as the contract reads them:
/// the app, its connection when it is declared, and its staging.
fn remote(app: &App, git: &GitConnection, with_git: bool) -> BTreeMap<String, Value> {
    let mut resources = BTreeMap::from([(KIND_APP.to_owned(), json!({}))]);
    if let (
        true,
        GitConnection::Connected {
            repository,
            branch,
            installation_id,
            ..
        },
    ) = (with_git, git)
    {
        let installation = installation_id
            .as_deref()
            .and_then(|id| id.parse::<i64>().ok());
        resources.insert(
            KIND_GIT_CONNECTION.to_owned(),
            json!({ "repository": repository, "branch": branch, "installation": installation }),
        );
    }
    resources.insert(
        KIND_STAGING.to_owned(),
        json!({ "enabled": app.staging_enabled }),
    );
    resources
}

/// The resources (kind → attributes) the manifest's lowering makes of `app` declared on
/// `instance` under `slug`, or the rules it breaks (each message with its hint). The instance is the
/// only one of its type, as in a manifest that declares it alone; a pinned `provider:`
/// names it.
fn lowered(
    instance: &str,
    slug: &str,
    app: &AxhubApp,
) -> Result<BTreeMap<String, Value>, Vec<String>> {
    let config = ProviderConfig {
        provider_type: TYPE.to_owned(),
        settings: Map::new(),
    };
    let providers = BTreeMap::from([(instance.to_owned(), config)]);
    let (sources, located, interpolated) = (
        SourceMap::default(),
        Located::default(),
        Interpolated::default(),
    );
    let language = crate::providers::registry::language();
    let mut ctx = Ctx::new(&sources, &located, &interpolated, &providers, language);
    let section = AxhubSection {
        apps: BTreeMap::from([(slug.to_owned(), app.clone())]),
        releases: BTreeMap::new(),
    };
    let resources = lower::lower(&section, &mut ctx);
    let errors: Vec<String> = (ctx.diagnostics.0.into_iter())
        .map(|d| match d.help {
            Some(help) => format!("{} ({help})", d.message),
            None => d.message,
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(resources
        .into_iter()
        .map(|r| (r.kind, r.attributes))
        .collect())
}

/// Resources as one line, `kind {attributes}` each.
fn shown(resources: &BTreeMap<String, Value>) -> String {
    (resources.iter())
        .map(|(kind, attributes)| format!("{kind} {attributes}"))
        .collect::<Vec<_>>()
        .join(", ")
}

//! Manifest files → a validated list of resources.
//!
//! `load` runs: read + parse + merge files ([`load`]) → pick the environment overlay →
//! interpolate ([`interpolate`]) → validate against the schema ([`check`]) → decode into
//! typed structs ([`schema`]) → semantic checks and lowering per provider ([`validate`]).
//! Every step collects diagnostics instead of stopping, so one run reports all problems.

pub mod check;
pub mod diagnostic;
pub mod forms;
pub mod interpolate;
pub mod language;
pub mod load;
pub mod located;
pub mod node;
pub mod origins;
pub mod report;
pub mod schema;
pub mod source;
pub mod syntax;
#[cfg(test)]
pub(crate) mod testkit;
pub mod validate;
pub mod window;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::suggest::did_you_mean;
use diagnostic::{DiagnosticKind, Diagnostics, ManifestDiagnostic};
use interpolate::{Interpolated, Scope, Var};
use language::Language;
use node::{Node, NodeValue, Scalar};
use origins::ManifestOrigins;
use schema::{Manifest, ProviderConfig};
use source::{Located, SourceMap};
use validate::Ctx;

use crate::model::Resource;

/// A manifest that passed every check.
#[derive(Debug)]
pub struct LoadedManifest {
    /// The selected environment overlay.
    pub environment: Option<String>,
    pub resources: Vec<Resource>,
    /// Provider instances, credentials interpolated.
    pub providers: BTreeMap<String, ProviderConfig>,
    pub sources: SourceMap,
    pub located: Arc<Located>,
    /// SHA-256 of every file's name and content, in load order.
    pub content_hash: String,
}

/// Where the loader reads the process environment; tests pass their own.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Loads, checks and lowers the manifest at `path` for environment `env`, in `language`
/// (the provider types the registry knows).
pub fn load(
    path: &Path,
    env: Option<&str>,
    env_lookup: EnvLookup<'_>,
    language: &Language,
) -> Result<LoadedManifest, Diagnostics> {
    let mut sources = SourceMap::default();
    let mut diagnostics = Diagnostics::default();
    let Some(mut root) = load::read(path, &mut sources, &mut diagnostics) else {
        return Err(diagnostics);
    };
    let vars = variables(&root, env, &sources, env_lookup, &mut diagnostics);
    let scope = Scope {
        vars,
        env: env_lookup,
        within_vars: false,
        environment: env.map(str::to_owned),
    };
    let mut interpolated = Interpolated::default();
    if let NodeValue::Map(entries) = &mut root.value {
        for (key, value) in entries.iter_mut() {
            if key.name == "vars" || key.name == "environments" {
                continue;
            }
            let pointer = source::join("", &key.name);
            interpolate::interpolate(
                value,
                &pointer,
                &scope,
                &sources,
                &mut interpolated,
                &mut diagnostics,
            );
        }
    }
    let mut document = source::to_json(&root);
    let located = Arc::new(Located::new(root));
    // `name: ~` under the top-level `vars:` declares a variable without a default; the
    // loader resolves it (each environment must set it), it is not a value to validate.
    if let Some(serde_json::Value::Object(vars)) = document.get_mut("vars") {
        vars.retain(|_, value| !value.is_null());
    }
    let checked = checked_and_lowered(
        language,
        &document,
        &located,
        &sources,
        &interpolated,
        &mut diagnostics,
    );
    let lowered = match checked {
        Ok(lowered) => lowered,
        Err(violations) => {
            // Every check whose inputs are intact still runs: entries with structural errors
            // are left out, and what refers to them is not reported again.
            if let Some((intact, dropped)) = intact_part(language.schema(), document, &violations)
                && let Ok(manifest) = Manifest::deserialize(&intact)
            {
                let mut ctx = Ctx::new(
                    &sources,
                    &located,
                    &interpolated,
                    &manifest.providers,
                    language,
                );
                for (kind, name) in &dropped {
                    ctx.declared_invalid(kind, name);
                }
                // A part the checks above already reported may not decode; then nothing
                // after it can be trusted either.
                if let Some(mut resources) = language.lower(&manifest, &intact, &mut ctx, false) {
                    diagnostics.0.extend(ctx.finish(&mut resources).0);
                }
            }
            diagnostics.sort();
            return Err(diagnostics);
        }
    };
    // The document is not kept past lowering: at 10,000 resources it is a tenth of the
    // memory a plan holds, and everything after works from the resources.
    drop(document);
    let (providers, mut resources) = match lowered {
        Ok(lowered) => lowered,
        Err(mut diagnostics) => {
            diagnostics.sort();
            return Err(diagnostics);
        }
    };
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    let content_hash = content_hash(&sources);
    Ok(LoadedManifest {
        environment: env.map(str::to_owned),
        resources,
        providers,
        sources,
        located,
        content_hash,
    })
}

/// What lowering a manifest gives: its provider instances and resources, or why not.
type Lowered = Result<(BTreeMap<String, ProviderConfig>, Vec<Resource>), Diagnostics>;

/// Runs the structural checks, their diagnostics into `diagnostics`, and when everything
/// so far is clean lowers the document at the same time on another core: both only read
/// it, and the lowering is kept only when the checks pass, so a valid manifest (the common
/// case) costs the longer of the two, not their sum. `Ok` with the lowering when
/// `diagnostics` is still empty; else the pointers of the values the checks rejected.
fn checked_and_lowered(
    language: &Language,
    document: &serde_json::Value,
    located: &Arc<Located>,
    sources: &SourceMap,
    interpolated: &Interpolated,
    diagnostics: &mut Diagnostics,
) -> Result<Lowered, Vec<String>> {
    let checks = || {
        let mut found = Diagnostics::default();
        let violations = check::check(language, document, located, sources, &mut found);
        check::check_ranges(language, document, located, sources, &mut found);
        (violations, found)
    };
    let lower = || lower(language, document, located, sources, interpolated);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let (violations, found, lowered) = if !diagnostics.is_empty() || cores == 1 {
        let (violations, found) = checks();
        (violations, found, None)
    } else {
        std::thread::scope(|scope| {
            let checking = scope.spawn(checks);
            let lowered = lower();
            let (violations, found) = checking
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (violations, found, Some(lowered))
        })
    };
    diagnostics.0.extend(found.0);
    if !diagnostics.is_empty() {
        return Err(violations);
    }
    Ok(lowered.unwrap_or_else(lower))
}

/// Decodes the checked `document` and lowers its sections into resources, each able to
/// say where its attributes were written.
fn lower(
    language: &Language,
    document: &serde_json::Value,
    located: &Arc<Located>,
    sources: &SourceMap,
    interpolated: &Interpolated,
) -> Lowered {
    let manifest = Manifest::deserialize(document).map_err(|err| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(ManifestDiagnostic::new(
            DiagnosticKind::InvalidValue,
            format!("the manifest does not match its schema: {err}"),
        ));
        diagnostics
    })?;
    let origins = ManifestOrigins::new(Arc::clone(located), sources, interpolated);
    let mut ctx = Ctx::new(
        sources,
        located,
        interpolated,
        &manifest.providers,
        language,
    )
    .with_origins(Arc::new(origins));
    let mut resources = language
        .lower(&manifest, document, &mut ctx, true)
        .unwrap_or_default();
    let diagnostics = ctx.finish(&mut resources);
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok((manifest.providers, resources))
}

/// `document` without the resource entries that hold a violation, and the (kind, name) of
/// each entry left out; `None` when a violation lies outside any resource entry (in a
/// provider, an environment or the top level), where nothing after it can be trusted.
fn intact_part(
    schema: &serde_json::Value,
    mut document: serde_json::Value,
    violations: &[String],
) -> Option<(serde_json::Value, Vec<(String, String)>)> {
    let mut dropped = Vec::new();
    for pointer in violations {
        let (entry, section, name) = check::entry_of(schema, pointer)?;
        if entry.starts_with("/providers/") || entry.starts_with("/environments/") {
            return None;
        }
        let kind = match section.strip_suffix("ies") {
            Some(stem) => format!("{stem}y"),
            None => section.strip_suffix('s').unwrap_or(&section).to_owned(),
        };
        let parent = &entry[..entry.rfind('/').unwrap_or(0)];
        if let Some(map) = document.pointer_mut(parent).and_then(|p| p.as_object_mut()) {
            map.remove(&name);
        }
        dropped.push((kind, name));
    }
    Some((document, dropped))
}

fn content_hash(sources: &SourceMap) -> String {
    let mut hasher = Sha256::new();
    for (name, text) in sources.texts() {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    crate::digest::hex(&hasher.finalize())
}

/// Top-level `vars`, overridden by the selected environment's `vars`.
fn variables(
    root: &Node,
    env: Option<&str>,
    sources: &SourceMap,
    env_lookup: EnvLookup<'_>,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<String, Var> {
    let mut vars = BTreeMap::new();
    collect_vars(root.get("vars"), None, &mut vars);
    let environments = root.get("environments");
    undeclared_overlay_vars(root, sources, diagnostics);
    if let Some(name) = env {
        match environments.and_then(|e| e.get(name)) {
            Some(overlay) => collect_vars(overlay.get("vars"), Some(name), &mut vars),
            None => {
                let available: Vec<String> = match environments.map(|e| &e.value) {
                    Some(NodeValue::Map(entries)) => {
                        entries.iter().map(|(k, _)| k.name.clone()).collect()
                    }
                    _ => Vec::new(),
                };
                let help =
                    did_you_mean(name, available.iter().map(String::as_str)).unwrap_or_else(|| {
                        if available.is_empty() {
                            "the manifest declares no `environments:`".into()
                        } else {
                            format!("available environments: {}", available.join(", "))
                        }
                    });
                let environments_key = match &root.value {
                    NodeValue::Map(entries) => entries
                        .iter()
                        .find(|(k, _)| k.name == "environments")
                        .map(|(k, _)| k.span),
                    _ => None,
                };
                let mut diagnostic = match environments_key {
                    Some(span) => sources.diagnostic(
                        DiagnosticKind::UnknownEnvironment,
                        format!("environment `{name}` does not exist"),
                        span,
                        "environments are declared here",
                    ),
                    None => ManifestDiagnostic::new(
                        DiagnosticKind::UnknownEnvironment,
                        format!("environment `{name}` does not exist"),
                    ),
                };
                diagnostic.help = Some(help);
                diagnostics.push(diagnostic);
            }
        }
    }
    for var in vars.values_mut() {
        interpolate::resolve_var(var, sources, env_lookup, diagnostics);
    }
    vars
}

/// An environment may only override variables the top level declares: a misspelt name in
/// an overlay (`verison`) would otherwise leave the default in force for that environment,
/// silently. Checked for every environment, whichever is selected.
fn undeclared_overlay_vars(root: &Node, sources: &SourceMap, diagnostics: &mut Diagnostics) {
    // Names, whatever their values: `version: ~` declares a variable every environment sets.
    let declared: Vec<&str> = match root.get("vars").map(|v| &v.value) {
        Some(NodeValue::Map(entries)) => entries.iter().map(|(k, _)| k.name.as_str()).collect(),
        _ => Vec::new(),
    };
    let Some(NodeValue::Map(environments)) = root.get("environments").map(|e| &e.value) else {
        return;
    };
    for (environment, overlay) in environments {
        let Some(NodeValue::Map(overrides)) = overlay.get("vars").map(|v| &v.value) else {
            continue;
        };
        for (key, _) in overrides {
            if declared.contains(&key.name.as_str()) {
                continue;
            }
            let help = did_you_mean(&key.name, declared.iter().copied())
                .unwrap_or_else(|| {
                    format!(
                        "declare `{}` under the top-level `vars:` with a default, so that every environment has a value",
                        key.name
                    )
                });
            diagnostics.push(
                sources
                    .diagnostic(
                        DiagnosticKind::UnknownVariable,
                        format!(
                            "environment `{}` sets `{}`, which the top-level `vars:` does not declare",
                            environment.name, key.name
                        ),
                        key.span,
                        "not a declared variable",
                    )
                    .with_help(help),
            );
        }
    }
}

fn collect_vars(node: Option<&Node>, overlay: Option<&str>, vars: &mut BTreeMap<String, Var>) {
    let Some(NodeValue::Map(entries)) = node.map(|n| &n.value) else {
        return;
    };
    for (key, value) in entries {
        let NodeValue::Scalar(scalar) = &value.value else {
            // A list or mapping is reported by the schema check; uses of the name are not
            // a second error.
            vars.insert(
                key.name.clone(),
                Var {
                    value: Scalar::Null,
                    span: value.span,
                    overlay: overlay.map(str::to_owned),
                    sensitive: false,
                    invalid: true,
                },
            );
            continue;
        };
        // `name: ~` at the top level declares a variable each environment must set; an
        // overlay's `~` leaves the declaration as it is.
        if matches!(scalar, Scalar::Null) && overlay.is_some() {
            continue;
        }
        vars.insert(
            key.name.clone(),
            Var {
                value: scalar.clone(),
                span: value.span,
                overlay: overlay.map(str::to_owned),
                sensitive: false,
                invalid: false,
            },
        );
    }
}

//! Semantic checks on a schema-valid manifest, and its lowering into [`Resource`]s.
//!
//! Generic rules live here (provider references, names, `depends_on` targets, dependency
//! cycles); each provider lowers its own section through [`Ctx`], which gives it located
//! diagnostics, provenance and sensitivity by JSON pointer without knowing about YAML.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use super::diagnostic::{DiagnosticKind, Diagnostics, ManifestDiagnostic};
use super::interpolate::Interpolated;
use super::language::Language;
use super::schema::ProviderConfig;
use super::source::{Located, SourceMap};
use crate::model::{Address, AttributeOrigins, KIND_RELEASE, Provenance, Resource};
use crate::suggest::did_you_mean;

/// What a provider's lowering needs from the loader.
pub struct Ctx<'a> {
    pub sources: &'a SourceMap,
    pub located: &'a Located,
    pub interpolated: &'a Interpolated,
    pub providers: &'a BTreeMap<String, ProviderConfig>,
    pub language: &'a Language,
    pub diagnostics: Diagnostics,
    /// Explicit `depends_on` entries, checked once every resource is known.
    pending_dependencies: Vec<(Address, String, String)>,
    /// `link:` entries of deployment records (record, release written, pointer), checked
    /// once every resource is known.
    pending_links: Vec<(Address, String, String)>,
    /// `<kind>.<name>` of entries declared but left out for their own errors: a
    /// `depends_on` naming one is not a second error.
    invalid: HashSet<String>,
    /// Given to every resource built, to find where its attributes were written.
    origins: Option<Arc<dyn AttributeOrigins>>,
}

/// The messages of the plan-time rules `check` applies to values that come from no
/// manifest (a remote object `export` would declare): the rules are the ones lowering
/// uses, there is just nothing to locate.
pub fn rule_messages(language: &Language, check: impl FnOnce(&mut Ctx<'_>)) -> Vec<String> {
    let (sources, located) = (SourceMap::default(), Located::default());
    let (interpolated, providers) = (Interpolated::default(), BTreeMap::new());
    let mut ctx = Ctx::new(&sources, &located, &interpolated, &providers, language);
    check(&mut ctx);
    ctx.diagnostics.0.into_iter().map(|d| d.message).collect()
}

/// The fields of a resource a provider fills in; [`Ctx::resource`] adds the rest.
pub struct ResourceSpec<'s> {
    pub address: Address,
    pub provider: String,
    pub kind: &'s str,
    pub name: &'s str,
    pub parent: Option<Address>,
    pub attributes: Value,
    /// JSON pointer of the resource's body in the document.
    pub pointer: String,
    pub protect: bool,
    pub prune: bool,
    /// Implicit edges (parent, referenced resources).
    pub depends_on: Vec<Address>,
    /// The `depends_on:` list as written.
    pub explicit_depends_on: &'s [String],
    /// For a deployment record: its `link:` as written, the address of the release whose
    /// deployment it records (checked like `depends_on`, and an edge too).
    pub link: Option<&'s str>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        sources: &'a SourceMap,
        located: &'a Located,
        interpolated: &'a Interpolated,
        providers: &'a BTreeMap<String, ProviderConfig>,
        language: &'a Language,
    ) -> Self {
        Ctx {
            sources,
            located,
            interpolated,
            providers,
            language,
            diagnostics: Diagnostics::default(),
            pending_dependencies: Vec::new(),
            pending_links: Vec::new(),
            invalid: HashSet::new(),
            origins: None,
        }
    }

    /// Resources built from here on find where their attributes were written through
    /// `origins` (the loader's tree; checks of values from no manifest have none).
    pub fn with_origins(mut self, origins: Arc<dyn AttributeOrigins>) -> Self {
        self.origins = Some(origins);
        self
    }

    /// Records an error whose label sits on the value at `pointer`.
    pub fn error(
        &mut self,
        kind: DiagnosticKind,
        message: impl Into<String>,
        pointer: &str,
        label: impl Into<String>,
    ) -> &mut ManifestDiagnostic {
        let diagnostic = self
            .sources
            .diagnostic(kind, message, self.located.value(pointer), label);
        self.diagnostics.0.push(diagnostic);
        self.diagnostics.0.last_mut().expect("just pushed")
    }

    /// Notes an entry left out for an error already reported, so that references to it
    /// are not reported again as unknown.
    pub fn declared_invalid(&mut self, kind: &str, name: &str) {
        self.invalid.insert(format!("{kind}.{name}"));
    }

    /// Whether an entry of `kind` named `name` was left out for its own error.
    pub fn is_invalid(&self, kind: &str, name: &str) -> bool {
        self.invalid.contains(&format!("{kind}.{name}"))
    }

    /// Records that the value at `pointer` claims what the value at `first` already does:
    /// labelled at both, so the user sees the pair.
    pub fn conflict(
        &mut self,
        message: impl Into<String>,
        pointer: &str,
        label: impl Into<String>,
        first: &str,
        first_label: impl Into<String>,
    ) -> &mut ManifestDiagnostic {
        let mut diagnostic = self.sources.diagnostic(
            DiagnosticKind::Conflict,
            message,
            self.located.value(pointer),
            label,
        );
        self.sources
            .add_label(&mut diagnostic, self.located.value(first), first_label);
        self.diagnostics.0.push(diagnostic);
        self.diagnostics.0.last_mut().expect("just pushed")
    }

    /// Records an error whose label sits on the key of the entry at `pointer`.
    pub fn error_at_key(
        &mut self,
        kind: DiagnosticKind,
        message: impl Into<String>,
        pointer: &str,
        label: impl Into<String>,
    ) -> &mut ManifestDiagnostic {
        let diagnostic = self
            .sources
            .diagnostic(kind, message, self.located.key(pointer), label);
        self.diagnostics.0.push(diagnostic);
        self.diagnostics.0.last_mut().expect("just pushed")
    }

    /// Picks the provider instance of type `ty` for a resource: the one named by
    /// `provider:`, or the only instance of that type.
    pub fn provider_for(
        &mut self,
        explicit: Option<&str>,
        ty: &str,
        pointer: &str,
    ) -> Option<String> {
        let candidates: Vec<&str> = self
            .providers
            .iter()
            .filter(|(_, config)| config.provider_type == ty)
            .map(|(name, _)| name.as_str())
            .collect();
        match explicit {
            Some(name) if candidates.contains(&name) => Some(name.to_owned()),
            Some(name) => {
                let help = did_you_mean(name, candidates.iter().copied()).unwrap_or_else(|| {
                    format!("declare it under `providers:` with `type: {}`", ty)
                });
                self.error(
                    DiagnosticKind::DanglingReference,
                    format!("no `{}` provider named `{name}`", ty),
                    &format!("{pointer}/provider"),
                    "unknown provider",
                )
                .help = Some(help);
                None
            }
            None => {
                match candidates.as_slice() {
                    [only] => Some((*only).to_owned()),
                    [] => {
                        self.error_at_key(
                            DiagnosticKind::DanglingReference,
                            format!("no provider of type `{}` is declared", ty),
                            pointer,
                            "this resource needs a provider",
                        )
                        .help = Some(format!(
                            "add one under `providers:`, e.g. `{}: {{ type: {ty}, endpoint: sandbox }}`",
                            ty.split('-').next().unwrap_or(ty)
                        ));
                        None
                    }
                    many => {
                        self.error_at_key(
                        DiagnosticKind::DanglingReference,
                        format!("{} providers of type `{}` are declared; this resource must name one", many.len(), ty),
                        pointer,
                        "ambiguous provider",
                    )
                    .help = Some(format!("add `provider: {}` (or one of: {})", many[0], many.join(", ")));
                        None
                    }
                }
            }
        }
    }

    /// A path written at `pointer`, resolved against the folder of the file it is written in.
    pub fn local_path(&self, pointer: &str, written: &str) -> std::path::PathBuf {
        let written = std::path::Path::new(written);
        if written.is_absolute() {
            return written.to_owned();
        }
        let span = self.located.value(pointer);
        let base = self
            .sources
            .path(span.file)
            .and_then(std::path::Path::parent)
            .unwrap_or(std::path::Path::new(""));
        base.join(written)
    }

    /// Checks an identity name against a provider's naming rule.
    pub fn check_name(
        &mut self,
        name: &str,
        pointer: &str,
        rule: &str,
        valid: impl Fn(&str) -> bool,
    ) {
        if !valid(name) {
            self.error_at_key(
                DiagnosticKind::InvalidName,
                format!("invalid name `{name}`"),
                pointer,
                "invalid name",
            )
            .help = Some(rule.to_owned());
        }
    }

    /// Builds the resource: where it was declared, which attributes hold a secret, and
    /// (through [`Self::with_origins`]) where each attribute was written when asked.
    pub fn resource(&mut self, spec: ResourceSpec<'_>) -> Resource {
        let mut sensitive = Vec::new();
        if self.secrets_under(&spec.pointer) {
            self.sensitive_paths(
                &spec.attributes,
                &mut spec.pointer.clone(),
                String::new(),
                &mut sensitive,
            );
        }
        for (i, dependency) in spec.explicit_depends_on.iter().enumerate() {
            self.pending_dependencies.push((
                spec.address.clone(),
                dependency.clone(),
                format!("{}/depends_on/{i}", spec.pointer),
            ));
        }
        if let Some(link) = spec.link {
            self.pending_links.push((
                spec.address.clone(),
                link.to_owned(),
                format!("{}/link", spec.pointer),
            ));
        }
        let origin = Some(self.sources.provenance(self.located.key(&spec.pointer)));
        Resource {
            address: spec.address,
            provider: spec.provider,
            kind: spec.kind.to_owned(),
            name: spec.name.to_owned(),
            parent: spec.parent,
            attributes: spec.attributes,
            sensitive,
            provenance_overrides: BTreeMap::new(),
            origins: self.origins.clone(),
            depends_on: spec.depends_on,
            protect: spec.protect,
            prune: spec.prune,
            origin,
            pointer: spec.pointer,
            follows: None,
        }
    }

    /// Whether a value interpolated from a secret lies at or under `pointer` (a prefix
    /// test: a sibling whose name extends the last segment answers yes too, and costs only
    /// a walk that finds nothing).
    fn secrets_under(&self, pointer: &str) -> bool {
        use std::ops::Bound;
        self.interpolated
            .sensitive
            .range::<str, _>((Bound::Included(pointer), Bound::Unbounded))
            .next()
            .is_some_and(|secret| secret.starts_with(pointer))
    }

    /// Collects the attribute paths of `value` (found at `pointer`) whose value came from a
    /// secret; `pointer` is one buffer, extended and cut back on the way.
    fn sensitive_paths(
        &self,
        value: &Value,
        pointer: &mut String,
        path: String,
        sensitive: &mut Vec<String>,
    ) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    let len = pointer.len();
                    super::source::push_segment(pointer, key);
                    self.sensitive_paths(child, pointer, child_path, sensitive);
                    pointer.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let len = pointer.len();
                    super::source::push_segment(pointer, &i.to_string());
                    self.sensitive_paths(child, pointer, format!("{path}[{i}]"), sensitive);
                    pointer.truncate(len);
                }
            }
            _ => {
                if self.interpolated.sensitive.contains(pointer.as_str()) {
                    sensitive.push(path);
                }
            }
        }
    }

    /// Where the value at `pointer` was written, and the environment whose overlay set
    /// it, if one did; `None` when nothing was written there.
    pub fn provenance_at(&self, pointer: &str) -> Option<Provenance> {
        let node = self.located.node_at(pointer)?;
        let mut origin = self.sources.provenance(node.span);
        origin.overlay = self.overlay(pointer).cloned();
        Some(origin)
    }

    /// The environment whose overlay set the value at `pointer`, if one did.
    fn overlay(&self, pointer: &str) -> Option<&String> {
        let overlays = &self.interpolated.overlays;
        (!overlays.is_empty())
            .then(|| overlays.get(pointer))
            .flatten()
    }

    /// Resolves explicit `depends_on` entries to addresses and rejects cycles.
    pub fn finish(mut self, resources: &mut [Resource]) -> Diagnostics {
        // Only `depends_on` and `link:` look addresses up; most manifests have neither.
        let pending = self.pending_dependencies.len() + self.pending_links.len();
        let known: HashMap<String, usize> = match pending {
            0 => HashMap::new(),
            _ => resources
                .iter()
                .enumerate()
                .map(|(i, r)| (r.address.0.clone(), i))
                .collect(),
        };
        for (from, target, pointer) in std::mem::take(&mut self.pending_dependencies) {
            match known.get(&target) {
                Some(_) if target == from.0 => {
                    self.error(
                        DiagnosticKind::DependencyCycle,
                        format!("`{from}` depends on itself"),
                        &pointer,
                        "self-dependency",
                    );
                }
                Some(_) => {
                    if let Some(&i) = known.get(&from.0) {
                        resources[i].depends_on.push(Address(target));
                    }
                }
                None if self
                    .invalid
                    .iter()
                    .any(|kind_name| target.ends_with(&format!(".{kind_name}"))) => {}
                None => {
                    let others = known.keys().map(String::as_str).filter(|k| *k != from.0);
                    let help = did_you_mean(&target, others).unwrap_or_else(|| {
                        format!(
                            "use an address shown by `deployplan plan`, e.g. `{}`",
                            self.language.examples().address
                        )
                    });
                    self.error(
                        DiagnosticKind::DanglingReference,
                        format!("`{from}` depends on unknown resource `{target}`"),
                        &pointer,
                        "no resource has this address",
                    )
                    .help = Some(help);
                }
            }
        }
        self.resolve_links(resources, &known);
        for cycle in self.language.cycles(resources) {
            let Some(first) = resources.iter().find(|r| r.address == cycle[0]) else {
                continue;
            };
            let path: Vec<&str> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(Address::as_str)
                .collect();
            let mut diagnostic = ManifestDiagnostic::new(
                DiagnosticKind::DependencyCycle,
                format!("dependency cycle: {}", path.join(" -> ")),
            )
            .with_help("remove one of the `depends_on` edges of the cycle");
            if let Some(origin) = &first.origin {
                diagnostic.location = Some((origin.file.to_string(), origin.line, origin.column));
            }
            self.diagnostics
                .push(self.label_cycle(diagnostic, &cycle, resources));
        }
        self.diagnostics
    }

    /// Resolves each record's `link:` to the release it follows: a declared resource of kind
    /// [`KIND_RELEASE`], which becomes an ordering edge too.
    fn resolve_links(&mut self, resources: &mut [Resource], known: &HashMap<String, usize>) {
        for (from, target, pointer) in std::mem::take(&mut self.pending_links) {
            let releases = || {
                resources
                    .iter()
                    .filter(|r| r.kind == KIND_RELEASE)
                    .map(|r| r.address.as_str())
            };
            match known.get(&target) {
                Some(&t) if resources[t].kind == KIND_RELEASE => {
                    if let Some(&i) = known.get(&from.0) {
                        resources[i].follows = Some(Address(target.clone()));
                        resources[i].depends_on.push(Address(target));
                    }
                }
                Some(&t) => {
                    let kind = resources[t].kind.clone();
                    let help = release_list(releases());
                    self.error(
                        DiagnosticKind::InvalidValue,
                        format!(
                            "`{from}` links to `{target}`, {} {kind}, not a release",
                            article(&kind)
                        ),
                        &pointer,
                        "a deployment record follows a release",
                    )
                    .help = Some(help);
                }
                None if self
                    .invalid
                    .iter()
                    .any(|kind_name| target.ends_with(&format!(".{kind_name}"))) => {}
                None => {
                    let help = did_you_mean(&target, releases())
                        .unwrap_or_else(|| release_list(releases()));
                    self.error(
                        DiagnosticKind::DanglingReference,
                        format!("`{from}` links to unknown release `{target}`"),
                        &pointer,
                        "no release has this address",
                    )
                    .help = Some(help);
                }
            }
        }
    }

    fn label_cycle(
        &self,
        mut diagnostic: ManifestDiagnostic,
        cycle: &[Address],
        resources: &[Resource],
    ) -> ManifestDiagnostic {
        for address in cycle {
            let Some(resource) = resources.iter().find(|r| &r.address == address) else {
                continue;
            };
            let Some(origin) = &resource.origin else {
                continue;
            };
            let span = self.located.key_spans().into_iter().find(|s| {
                *self.sources.name(s.file) == *origin.file
                    && s.line == origin.line
                    && s.column == origin.column
            });
            if let Some(span) = span {
                if diagnostic.source.is_none() {
                    diagnostic.source = self.sources.file(span.file).cloned();
                }
                self.sources.add_label(
                    &mut diagnostic,
                    span,
                    format!("`{address}` is part of the cycle"),
                );
            }
        }
        diagnostic
    }
}

/// "releases: a, b" (or that there is none) for a link that names no release.
fn release_list<'r>(releases: impl Iterator<Item = &'r str>) -> String {
    let releases: Vec<&str> = releases.collect();
    if releases.is_empty() {
        "the manifest declares no release to link to".to_owned()
    } else {
        format!("releases: {}", releases.join(", "))
    }
}

/// "a" or "an" before `word`, by its first letter.
fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod link_tests;

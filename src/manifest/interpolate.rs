//! `${var.NAME}`, `${env.NAME}` and `${secret.NAME}` in string values.
//!
//! Variables come from the top-level `vars` overridden by the selected environment's `vars`;
//! `env` reads the process environment; `secret` reads the process environment too (or the
//! file named by `NAME_FILE`) and marks the value as sensitive: its JSON pointer is recorded
//! so renderers print `(sensitive)`, and the value is registered with the redactor. A string
//! that is exactly one reference takes the variable's type (`count: ${var.replicas}` stays a
//! number); `$${` writes a literal `${`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::diagnostic::{DiagnosticKind, Diagnostics};
use super::node::{Node, NodeValue, Scalar, Span};
use super::source::{SourceMap, join};
use crate::redact;
use crate::suggest::did_you_mean;

/// One resolved variable.
#[derive(Debug, Clone)]
pub struct Var {
    pub value: Scalar,
    pub span: Span,
    /// The environment overlay that set it, if not the top-level default.
    pub overlay: Option<String>,
    pub sensitive: bool,
    /// Declared with a value of the wrong form (already reported): uses are left alone.
    pub invalid: bool,
}

/// Where values come from during interpolation.
pub struct Scope<'a> {
    pub vars: BTreeMap<String, Var>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Resolving a variable's own value, where `${var.*}` is not allowed.
    pub within_vars: bool,
    /// The selected environment, named when a variable it must set is missing.
    pub environment: Option<String>,
}

/// What interpolation learned about the document.
#[derive(Debug, Default)]
pub struct Interpolated {
    /// Pointers whose values contain a secret.
    pub sensitive: BTreeSet<String>,
    /// Pointer → the environment overlay whose variable supplied (part of) the value.
    pub overlays: HashMap<String, String>,
}

enum Part {
    Text(String),
    Ref {
        namespace: String,
        name: String,
        raw: String,
    },
}

fn split(text: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    let mut literal = String::new();
    while let Some(start) = rest.find("${") {
        if rest[..start].ends_with('$') {
            literal.push_str(&rest[..start - 1]);
            literal.push_str("${");
            rest = &rest[start + 2..];
            continue;
        }
        literal.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated `${{` in `{text}`"))?;
        let inner = after[..end].trim();
        let raw = format!("${{{}}}", &after[..end]);
        let (namespace, name) = inner
            .split_once('.')
            .ok_or_else(|| format!("`{raw}` is not a reference: use `${{var.NAME}}`, `${{env.NAME}}` or `${{secret.NAME}}`"))?;
        if !literal.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut literal)));
        }
        parts.push(Part::Ref {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            raw,
        });
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    Ok(parts)
}

/// Narrows `span` to the first occurrence of `needle` in the source, when it is there.
fn narrow(sources: &SourceMap, span: Span, needle: &str) -> Span {
    let Some(file) = sources.file(span.file) else {
        return span;
    };
    let text = file.inner();
    let end = (span.offset + span.len).min(text.len());
    let Some(slice) = text.get(span.offset..end) else {
        return span;
    };
    match slice.find(needle) {
        Some(at) => Span {
            offset: span.offset + at,
            len: needle.len(),
            ..span
        },
        None => span,
    }
}

struct Resolved {
    value: Scalar,
    sensitive: bool,
    overlay: Option<String>,
}

impl Scope<'_> {
    fn lookup(
        &self,
        namespace: &str,
        name: &str,
        raw: &str,
        span: Span,
        sources: &SourceMap,
        diagnostics: &mut Diagnostics,
    ) -> Option<Resolved> {
        let at = narrow(sources, span, raw);
        match namespace {
            "var" if self.within_vars => {
                diagnostics.push(
                    sources
                        .diagnostic(
                            DiagnosticKind::UnknownVariable,
                            format!("variable values cannot refer to other variables (`${{var.{name}}}`)"),
                            at,
                            "a reference to a variable inside `vars:`",
                        )
                        .with_help("write the value out here, or compose it where it is used (e.g. `object: shop-v${var.version}.tar.gz`)"),
                );
                None
            }
            "var" => match self.vars.get(name) {
                Some(var) if var.invalid => None,
                Some(var) if matches!(var.value, Scalar::Null) => {
                    let (message, help) = match &self.environment {
                        Some(environment) => (
                            format!(
                                "environment `{environment}` does not set `{name}`, which the top-level `vars:` declares without a default"
                            ),
                            format!(
                                "set it under `environments.{environment}.vars` (`{name}: ...`), or give it a default under `vars:`"
                            ),
                        ),
                        None => (
                            format!(
                                "`{name}` has no value: the top-level `vars:` declares it without a default, and no environment is selected"
                            ),
                            format!(
                                "pass `--env NAME` for an environment that sets `{name}`, or give it a default under `vars:`"
                            ),
                        ),
                    };
                    let mut diagnostic = sources
                        .diagnostic(DiagnosticKind::UnknownVariable, message, at, "used here")
                        .with_help(help);
                    sources.add_label(&mut diagnostic, var.span, "declared without a default");
                    diagnostics.push(diagnostic);
                    None
                }
                Some(var) => Some(Resolved {
                    value: var.value.clone(),
                    sensitive: var.sensitive,
                    overlay: var.overlay.clone(),
                }),
                None => {
                    let help = did_you_mean(name, self.vars.keys().map(String::as_str))
                        .unwrap_or_else(|| format!("declare it under `vars:` (or an environment's `vars:`) as `{name}: ...`"));
                    diagnostics.push(
                        sources
                            .diagnostic(
                                DiagnosticKind::UnknownVariable,
                                format!("unknown variable `{name}`"),
                                at,
                                "not declared in `vars` or the selected environment",
                            )
                            .with_help(help),
                    );
                    None
                }
            },
            "env" => match (self.env)(name) {
                Some(value) => Some(Resolved {
                    value: Scalar::Str(value),
                    sensitive: false,
                    overlay: None,
                }),
                None => {
                    diagnostics.push(
                        sources
                            .diagnostic(
                                DiagnosticKind::MissingEnvVar,
                                format!("environment variable `{name}` is not set"),
                                at,
                                "read from the process environment",
                            )
                            .with_help(format!("export {name}=... before running deployplan")),
                    );
                    None
                }
            },
            "secret" => match self.secret(name) {
                Ok(value) => {
                    redact::register(&value);
                    Some(Resolved {
                        value: Scalar::Str(value),
                        sensitive: true,
                        overlay: None,
                    })
                }
                Err(help) => {
                    diagnostics.push(
                        sources
                            .diagnostic(
                                DiagnosticKind::MissingSecret,
                                format!("secret `{name}` is not set"),
                                at,
                                "secret read from the environment",
                            )
                            .with_help(help),
                    );
                    None
                }
            },
            other => {
                let help = did_you_mean(other, ["var", "env", "secret"]).unwrap_or_else(|| {
                    "use `${var.NAME}`, `${env.NAME}` or `${secret.NAME}`".into()
                });
                diagnostics.push(
                    sources
                        .diagnostic(
                            DiagnosticKind::InvalidValue,
                            format!("unknown reference kind `{other}` in `{raw}`"),
                            at,
                            "unknown reference kind",
                        )
                        .with_help(help),
                );
                None
            }
        }
    }

    /// The secret from `NAME`, or from the file `NAME_FILE` names; `Err` says why neither
    /// gave one.
    fn secret(&self, name: &str) -> Result<String, String> {
        if let Some(value) = (self.env)(name) {
            return Ok(value);
        }
        let variable = format!("{name}_FILE");
        let Some(path) = (self.env)(&variable) else {
            return Err(format!(
                "export {name}=... or {name}_FILE=/path/to/file before running deployplan"
            ));
        };
        std::fs::read_to_string(&path)
            .map(|text| text.trim_end_matches(['\n', '\r']).to_owned())
            .map_err(|err| format!("{variable} is set, but `{path}` cannot be read: {err}"))
    }
}

/// Interpolates one scalar. Returns the new scalar and whether it holds a secret.
fn interpolate_scalar(
    text: &str,
    span: Span,
    scope: &Scope<'_>,
    sources: &SourceMap,
    diagnostics: &mut Diagnostics,
) -> Option<(Scalar, bool, Option<String>)> {
    if !text.contains("${") {
        return None;
    }
    let parts = match split(text) {
        Ok(parts) => parts,
        Err(message) => {
            diagnostics.push(sources.diagnostic(
                DiagnosticKind::InvalidValue,
                message,
                span,
                "malformed reference",
            ));
            return None;
        }
    };
    let mut sensitive = false;
    let mut overlay = None;
    if let [
        Part::Ref {
            namespace,
            name,
            raw,
        },
    ] = parts.as_slice()
    {
        let resolved = scope.lookup(namespace, name, raw, span, sources, diagnostics)?;
        return Some((resolved.value, resolved.sensitive, resolved.overlay));
    }
    let mut out = String::new();
    let mut failed = false;
    for part in &parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Ref {
                namespace,
                name,
                raw,
            } => match scope.lookup(namespace, name, raw, span, sources, diagnostics) {
                Some(resolved) => {
                    sensitive |= resolved.sensitive;
                    overlay = overlay.or(resolved.overlay);
                    out.push_str(&scalar_text(&resolved.value));
                }
                None => failed = true,
            },
        }
    }
    if failed {
        return None;
    }
    Some((Scalar::Str(out), sensitive, overlay))
}

fn scalar_text(scalar: &Scalar) -> String {
    match scalar {
        Scalar::Null => String::new(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Str(s) => s.clone(),
    }
}

/// Resolves `${env.*}` and `${secret.*}` inside variable values (variables cannot refer to
/// other variables, which keeps resolution order-free).
pub fn resolve_var(
    var: &mut Var,
    sources: &SourceMap,
    env: &dyn Fn(&str) -> Option<String>,
    diagnostics: &mut Diagnostics,
) {
    let Scalar::Str(text) = &var.value else {
        return;
    };
    let scope = Scope {
        vars: BTreeMap::new(),
        env,
        within_vars: true,
        environment: None,
    };
    if let Some((value, sensitive, _)) =
        interpolate_scalar(&text.clone(), var.span, &scope, sources, diagnostics)
    {
        var.value = value;
        var.sensitive |= sensitive;
    }
}

/// Interpolates every string in `node` (in place), recording sensitive pointers.
pub fn interpolate(
    node: &mut Node,
    pointer: &str,
    scope: &Scope<'_>,
    sources: &SourceMap,
    out: &mut Interpolated,
    diagnostics: &mut Diagnostics,
) {
    let span = node.span;
    match &mut node.value {
        NodeValue::Scalar(Scalar::Str(text)) => {
            if let Some((value, sensitive, overlay)) =
                interpolate_scalar(&text.clone(), span, scope, sources, diagnostics)
            {
                node.value = NodeValue::Scalar(value);
                if sensitive {
                    out.sensitive.insert(pointer.to_owned());
                }
                if let Some(env) = overlay {
                    out.overlays.insert(pointer.to_owned(), env);
                }
            }
        }
        NodeValue::Scalar(_) => {}
        NodeValue::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                interpolate(
                    item,
                    &format!("{pointer}/{i}"),
                    scope,
                    sources,
                    out,
                    diagnostics,
                );
            }
        }
        NodeValue::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                interpolate(
                    value,
                    &join(pointer, &key.name),
                    scope,
                    sources,
                    out,
                    diagnostics,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_references() {
        let parts = split("a-${var.x}-$${lit}-${env.Y}").unwrap();
        let rendered: Vec<String> = parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => format!("T({t})"),
                Part::Ref {
                    namespace, name, ..
                } => format!("R({namespace}.{name})"),
            })
            .collect();
        assert_eq!(rendered, ["T(a-)", "R(var.x)", "T(-${lit}-)", "R(env.Y)"]);
    }

    #[test]
    fn rejects_malformed_references() {
        assert!(split("${unterminated").is_err());
        assert!(split("${nodot}").is_err());
    }

    #[test]
    fn a_secret_file_that_cannot_be_read_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("token");
        std::fs::write(&present, "s3cr3t\n").unwrap();
        let missing = dir.path().join("nope");
        let (present, missing) = (present.display().to_string(), missing.display().to_string());
        let env = move |name: &str| match name {
            "A_FILE" => Some(present.clone()),
            "B_FILE" => Some(missing.clone()),
            _ => None,
        };
        let scope = Scope {
            vars: BTreeMap::new(),
            env: &env,
            within_vars: false,
            environment: None,
        };
        assert_eq!(scope.secret("A"), Ok("s3cr3t".to_owned()));
        let err = scope.secret("B").unwrap_err();
        assert!(err.starts_with("B_FILE is set, but `"), "{err}");
        assert!(err.contains("cannot be read"), "{err}");
        assert!(scope.secret("C").unwrap_err().starts_with("export C=..."));
    }
}

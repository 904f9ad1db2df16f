//! Structural checks: the whole document validated against the manifest's JSON Schema,
//! every violation turned into a located diagnostic (unknown fields with "did you mean",
//! wrong types, bad enum values, missing required fields, out-of-range numbers).

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::diagnostic::{DiagnosticKind, Diagnostics};
use super::forms::{self, resolve, settle};
use super::language::{Language, tagged_branches};
use super::source::{Located, SourceMap, join};
use crate::suggest::did_you_mean;

/// Validates `document` against the manifest schema, pushing one diagnostic per violation;
/// returns the pointers of the violating values.
pub fn check(
    language: &Language,
    document: &Value,
    located: &Located,
    sources: &SourceMap,
    diagnostics: &mut Diagnostics,
) -> Vec<String> {
    let schema = language.schema();
    let mut violations = Vec::new();
    let Some(validator) = language.validator() else {
        diagnostics.push(super::diagnostic::ManifestDiagnostic::new(
            DiagnosticKind::InvalidValue,
            "internal error: the manifest schema does not compile",
        ));
        return vec![String::new()];
    };
    for error in validator.iter_errors(document) {
        let pointer = error.instance_path().as_str().to_owned();
        violations.push(pointer.clone());
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_keys(schema, document, &pointer);
                let context = describe(&pointer);
                for name in unexpected {
                    let key = join(&pointer, name);
                    let help = did_you_mean(name, allowed.iter().map(String::as_str))
                        .or_else(|| other_variant(schema, document, &pointer, name, &allowed))
                        .or_else(|| {
                            (!allowed.is_empty())
                                .then(|| format!("expected one of: {}", allowed.join(", ")))
                        });
                    diagnostics.push(
                        sources
                            .diagnostic(
                                DiagnosticKind::UnknownField,
                                format!("unknown field `{name}` in {context}"),
                                located.key(&key),
                                "unknown field",
                            )
                            .with_help_opt(help),
                    );
                }
            }
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => forms::type_name(&t.to_string()),
                    TypeKind::Multiple(set) => set
                        .iter()
                        .map(|t| forms::type_name(&t.to_string()))
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                let found = json_type(error.instance());
                diagnostics.push(sources.diagnostic(
                    DiagnosticKind::WrongType,
                    format!(
                        "wrong type for {}: expected {expected}, found {found}",
                        describe(&pointer)
                    ),
                    located.value(&pointer),
                    format!("expected {expected}"),
                ));
            }
            ValidationErrorKind::Enum { options } => {
                let options: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|o| o.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let given = error
                    .instance()
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| error.instance().to_string());
                let help = did_you_mean(&given, options.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("expected one of: {}", options.join(", ")));
                diagnostics.push(
                    sources
                        .diagnostic(
                            DiagnosticKind::InvalidValue,
                            format!("`{given}` is not a valid value for {}", describe(&pointer)),
                            located.value(&pointer),
                            "not an allowed value",
                        )
                        .with_help(help),
                );
            }
            ValidationErrorKind::Required { property } => {
                let property = property.as_str().unwrap_or_default();
                diagnostics.push(sources.diagnostic(
                    DiagnosticKind::MissingField,
                    format!("missing field `{property}` in {}", describe(&pointer)),
                    located.key(&pointer),
                    format!("`{property}` is required here"),
                ));
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
                let problem = match union_at(schema, document, &pointer) {
                    Some(branches) => forms::union_problem(
                        schema,
                        branches,
                        error.instance(),
                        &describe(&pointer),
                    ),
                    None => forms::UnionProblem {
                        kind: DiagnosticKind::InvalidValue,
                        message: format!(
                            "{} is not an accepted value for {}",
                            forms::found(error.instance()),
                            describe(&pointer)
                        ),
                        label: "not accepted here".into(),
                        help: Some(
                            "see `deployplan schema manifest` for the accepted forms".into(),
                        ),
                    },
                };
                diagnostics.push(
                    sources
                        .diagnostic(
                            problem.kind,
                            problem.message,
                            located.value(&pointer),
                            problem.label,
                        )
                        .with_help_opt(problem.help),
                );
            }
            _ => diagnostics.push(sources.diagnostic(
                DiagnosticKind::InvalidValue,
                format!(
                    "invalid value for {}: {}",
                    describe(&pointer),
                    error.masked()
                ),
                located.value(&pointer),
                "invalid value",
            )),
        }
    }
    violations
}

fn json_type(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) if s.len() <= 40 => format!("the text `{s}`"),
        Value::String(_) => "text".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// A readable name for the place a pointer designates: `` `target` of stage `dev` `` style
/// would need the typed model; the dotted path is clear and stable.
pub fn describe(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the manifest".into();
    }
    let path: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    format!("`{}`", path.join("."))
}

/// The named entry (a resource, provider, environment or variable: a key of a map of
/// names) that holds the value at `pointer`, as (entry pointer, section key, name).
pub fn entry_of(root: &Value, pointer: &str) -> Option<(String, String, String)> {
    let mut node = Some(root);
    let mut prefix = String::new();
    let mut previous = String::new();
    let mut entry = None;
    for segment in pointer.split('/').skip(1) {
        let name = segment.replace("~1", "/").replace("~0", "~");
        let parent = node.map(|n| resolve(root, n));
        let named = parent.is_some_and(|p| {
            p.get("properties")
                .and_then(|props| props.get(&name))
                .is_none()
                && p.get("additionalProperties").is_some_and(Value::is_object)
        });
        prefix = join(&prefix, &name);
        if named {
            entry = Some((prefix.clone(), previous.clone(), name.clone()));
        }
        node = node.and_then(|n| step(root, n, &name, None));
        previous = name;
    }
    entry
}

/// The branches of the `anyOf`/`oneOf` that governs the value at `pointer`.
fn union_at<'a>(root: &'a Value, document: &Value, pointer: &str) -> Option<&'a [Value]> {
    let node = schema_at(root, document, pointer)?;
    node.get("anyOf")
        .or_else(|| node.get("oneOf"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

/// Every number outside its integer field's range (the validator checks no formats).
pub fn check_ranges(
    language: &Language,
    document: &Value,
    located: &Located,
    sources: &SourceMap,
    diagnostics: &mut Diagnostics,
) {
    forms::check_integer_ranges(language.schema(), document, located, sources, diagnostics);
}

/// The schema node governing the value at `pointer` of `document` (a union tagged by
/// `type` left whole), and that value.
fn node_at<'a, 'd>(
    root: &'a Value,
    document: &'d Value,
    pointer: &str,
) -> Option<(&'a Value, Option<&'d Value>)> {
    let mut node = Some(root);
    let mut here = Some(document);
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        node = node.and_then(|n| step(root, n, &segment, here));
        here = here.and_then(|h| match h {
            Value::Object(map) => map.get(&segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        });
    }
    node.map(|n| (n, here))
}

/// The schema the value at `pointer` must match: [`node_at`], with the branch of a tagged
/// union the value picks.
fn schema_at<'a>(root: &'a Value, document: &Value, pointer: &str) -> Option<&'a Value> {
    node_at(root, document, pointer).map(|(node, here)| settle(root, node, here))
}

/// The property names the schema allows for the object at `pointer`.
fn allowed_keys(root: &Value, document: &Value, pointer: &str) -> Vec<String> {
    let mut keys: Vec<String> = schema_at(root, document, pointer)
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// For a field of a union tagged by `type` (a provider instance), which other type takes
/// it: "`app_key` is a setting of `b`, not of `a`".
fn other_variant(
    root: &Value,
    document: &Value,
    pointer: &str,
    name: &str,
    allowed: &[String],
) -> Option<String> {
    let (node, here) = node_at(root, document, pointer)?;
    let tag = here?.get("type")?.as_str()?;
    let union = resolve(root, node);
    let owners: Vec<&str> = tagged_branches(union)
        .into_iter()
        .filter(|(other, branch)| {
            *other != tag
                && resolve(root, branch)
                    .get("properties")
                    .is_some_and(|p| p.get(name).is_some())
        })
        .map(|(other, _)| other)
        .collect();
    (!owners.is_empty()).then(|| {
        format!(
            "`{name}` is a setting of `{}`; `{tag}` takes: {}",
            owners.join("`, `"),
            allowed.join(", ")
        )
    })
}

/// The schema of child `segment` of a value whose schema is `node` (and which is `value`,
/// when known: it picks the branch of a union tagged by `type`).
fn step<'a>(
    root: &'a Value,
    node: &'a Value,
    segment: &str,
    value: Option<&Value>,
) -> Option<&'a Value> {
    let node = settle(root, node, value);
    if let Some(child) = node.get("properties").and_then(|p| p.get(segment)) {
        return Some(child);
    }
    if segment.parse::<usize>().is_ok()
        && let Some(items) = node.get("items")
    {
        return Some(items);
    }
    node.get("additionalProperties").filter(|a| a.is_object())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_keys_follow_refs_and_maps() {
        let language = crate::providers::registry::language();
        let root = language.schema();
        let document = serde_json::json!({});
        let keys = allowed_keys(
            root,
            &document,
            "/ncp-sourcedeploy/projects/shop/stages/dev",
        );
        assert!(keys.contains(&"target".to_owned()) && keys.contains(&"scenarios".to_owned()));
        let top = allowed_keys(root, &document, "");
        assert!(top.contains(&"providers".to_owned()));
    }

    #[test]
    fn describes_pointers_as_dotted_paths() {
        assert_eq!(describe("/a/b~1c/0"), "`a.b/c.0`");
        assert_eq!(describe(""), "the manifest");
    }
}

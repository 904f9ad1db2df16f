//! What a place in the manifest accepts, in words: the allowed values of a union of
//! constants (`file.type`), the forms of a union of types (a variable's value), and the
//! range of an integer field. The schema validator reports a failed `oneOf`/`anyOf` as
//! "not valid under any of the schemas", and does not check integer formats at all.

use serde_json::Value;

use super::diagnostic::{DiagnosticKind, Diagnostics};
use super::source::{Located, SourceMap};
use crate::suggest::did_you_mean;

/// Why a value fails a union, for the author.
#[derive(Debug, PartialEq)]
pub struct UnionProblem {
    pub kind: DiagnosticKind,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

/// Explains why `instance` (at the place `place`) matches none of the union's `branches`.
pub fn union_problem(
    root: &Value,
    branches: &[Value],
    instance: &Value,
    place: &str,
) -> UnionProblem {
    let branches: Vec<&Value> = branches.iter().map(|b| resolve(root, b)).collect();
    if let Some(values) = constants(&branches) {
        let given = instance
            .as_str()
            .map_or_else(|| instance.to_string(), str::to_owned);
        let help = did_you_mean(&given, values.iter().map(String::as_str))
            .unwrap_or_else(|| format!("expected one of: {}", values.join(", ")));
        return UnionProblem {
            kind: DiagnosticKind::InvalidValue,
            message: format!("`{}` is not a valid value for {place}", clip(&given)),
            label: "not an allowed value".into(),
            help: Some(help),
        };
    }
    let mut forms: Vec<String> = Vec::new();
    for branch in &branches {
        for form in forms_of(root, branch) {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    let expected = match forms.as_slice() {
        [] => "another value".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    UnionProblem {
        kind: DiagnosticKind::WrongType,
        message: format!(
            "wrong type for {place}: expected {expected}, found {}",
            found(instance)
        ),
        label: format!("expected {expected}"),
        help: None,
    }
}

/// The string constants a union allows, when it is a union of constants only.
fn constants(branches: &[&Value]) -> Option<Vec<String>> {
    let mut values = Vec::new();
    for branch in branches {
        if let Some(value) = branch.get("const").and_then(Value::as_str) {
            values.push(value.to_owned());
        } else if let Some(options) = branch.get("enum").and_then(Value::as_array) {
            values.extend(options.iter().filter_map(Value::as_str).map(str::to_owned));
        } else {
            return None;
        }
    }
    Some(values)
}

/// The forms one branch accepts, in words ("text", "an integer", …).
fn forms_of(root: &Value, branch: &Value) -> Vec<String> {
    if let Some(nested) = branch
        .get("anyOf")
        .or_else(|| branch.get("oneOf"))
        .and_then(Value::as_array)
    {
        return nested
            .iter()
            .flat_map(|b| forms_of(root, resolve(root, b)))
            .collect();
    }
    match branch.get("type") {
        Some(Value::String(t)) => vec![type_name(t)],
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .map(type_name)
            .collect(),
        _ => Vec::new(),
    }
}

/// JSON Schema type names in the words of YAML users.
pub fn type_name(json_type: &str) -> String {
    match json_type {
        "array" => "a list".into(),
        "object" => "a mapping".into(),
        "integer" => "an integer".into(),
        "string" => "text".into(),
        "boolean" => "true or false".into(),
        "number" => "a number".into(),
        "null" => "nothing (`~`)".into(),
        other => other.to_owned(),
    }
}

/// What a value is, in words.
pub fn found(value: &Value) -> String {
    match value {
        Value::Null => "nothing (`~`)".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) if s.chars().count() <= 40 => format!("the text `{s}`"),
        Value::String(_) => "text".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn clip(text: &str) -> String {
    super::window::clip_text(text, 60)
}

/// Follows local `$ref`s.
pub fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#').and_then(|p| local(root, p)) {
                Some(target) => node = target,
                None => return node,
            },
            None => return node,
        }
    }
    node
}

/// The schema node at JSON pointer `pointer` of `root`: what `Value::pointer` finds,
/// without a string per segment (a large manifest resolves a `$ref` for most of its
/// values, and the schema's pointers never need unescaping).
fn local<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.contains('~') {
        return root.pointer(pointer);
    }
    if pointer.is_empty() {
        return Some(root);
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .try_fold(root, |node, segment| match node {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => {
                let index: usize = segment.parse().ok()?;
                (index.to_string() == segment).then(|| items.get(index))?
            }
            _ => None,
        })
}

/// `node` resolved, and when it is a union tagged by `type`, the branch `value` selects.
pub fn settle<'a>(root: &'a Value, node: &'a Value, value: Option<&Value>) -> &'a Value {
    let node = resolve(root, node);
    match super::language::tagged_branch(node, value) {
        Some(branch) => resolve(root, branch),
        None => node,
    }
}

/// The range an integer schema allows: its `format`, narrowed by `minimum`/`maximum`.
pub fn integer_range(schema: &Value) -> Option<(i128, i128)> {
    let (mut low, mut high): (i128, i128) = match schema.get("format").and_then(Value::as_str) {
        Some("int8") => (i8::MIN.into(), i8::MAX.into()),
        Some("int16") => (i16::MIN.into(), i16::MAX.into()),
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("uint8") => (0, u8::MAX.into()),
        Some("uint16") => (0, u16::MAX.into()),
        Some("uint32") => (0, u32::MAX.into()),
        Some("uint64") => (0, u64::MAX.into()),
        _ if schema.get("type").and_then(Value::as_str) == Some("integer") => {
            (i64::MIN.into(), i64::MAX.into())
        }
        _ => return None,
    };
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        low = low.max(min.ceil() as i128);
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        high = high.min(max.floor() as i128);
    }
    Some((low, high))
}

/// Every whole number in `document` outside the range of its integer field (a number too
/// large for 64 bits arrives as a float), located and named with the allowed range.
pub fn check_integer_ranges(
    root: &Value,
    document: &Value,
    located: &Located,
    sources: &SourceMap,
    diagnostics: &mut Diagnostics,
) {
    walk(
        root,
        Some(root),
        document,
        &mut String::new(),
        &mut |pointer, schema, value| {
            let Some(number) = value.as_f64() else { return };
            let Some((low, high)) = integer_range(schema) else {
                return;
            };
            if number.fract() != 0.0 {
                return; // not an integer at all: the type check says so
            }
            let exact = value
                .as_i64()
                .map(i128::from)
                .or_else(|| value.as_u64().map(i128::from))
                .unwrap_or(number as i128);
            if (low..=high).contains(&exact) {
                return;
            }
            let span = located.value(pointer);
            // As written: a number beyond 64 bits has lost digits on its way here.
            let written = sources
                .file(span.file)
                .and_then(|f| f.inner().get(span.offset..span.offset + span.len))
                .filter(|w| !w.is_empty() && w.trim().parse::<f64>().is_ok());
            let shown = match (written, value.as_i64(), value.as_u64()) {
                (Some(w), _, _) => w.trim().to_owned(),
                (None, Some(i), _) => i.to_string(),
                (None, _, Some(u)) => u.to_string(),
                _ => format!("{number:.0}"),
            };
            diagnostics.push(
                sources
                    .diagnostic(
                        DiagnosticKind::InvalidValue,
                        format!(
                            "`{}` is out of range for {}",
                            clip(&shown),
                            super::check::describe(pointer)
                        ),
                        span,
                        "out of range",
                    )
                    .with_help(format!("an integer from {low} to {high}")),
            );
        },
    );
}

/// Walks `value` with its schema node (when known), calling `visit` on every number.
/// `pointer` is one buffer, extended and cut back on the way (no string per value).
fn walk(
    root: &Value,
    schema: Option<&Value>,
    value: &Value,
    pointer: &mut String,
    visit: &mut dyn FnMut(&str, &Value, &Value),
) {
    // A union tagged by `type` (a provider instance): the branch this value picks.
    let Some(schema) = schema.map(|s| settle(root, s, Some(value))) else {
        return;
    };
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_schema = schema
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                let len = pointer.len();
                super::source::push_segment(pointer, key);
                walk(root, child_schema, child, pointer, visit);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                super::source::push_segment(pointer, &i.to_string());
                walk(root, schema.get("items"), item, pointer, visit);
                pointer.truncate(len);
            }
        }
        Value::Number(_) => {
            let branches = schema
                .get("anyOf")
                .or_else(|| schema.get("oneOf"))
                .and_then(Value::as_array);
            match branches {
                Some(branches) => {
                    // A union: the range of its integer branch, if it has exactly one.
                    let integers: Vec<&Value> = branches
                        .iter()
                        .map(|b| resolve(root, b))
                        .filter(|b| integer_range(b).is_some())
                        .collect();
                    let numbers = branches.iter().any(|b| {
                        resolve(root, b).get("type").and_then(Value::as_str) == Some("number")
                    });
                    if let [only] = integers.as_slice()
                        && !numbers
                    {
                        visit(pointer, only, value);
                    }
                }
                None => visit(pointer, schema, value),
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;

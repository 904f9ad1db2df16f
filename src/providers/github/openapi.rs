//! GitHub's own OpenAPI description of the operations this provider uses, as a test oracle.
//!
//! The emulator and the client are written from the same notes, so they can agree with each
//! other and both be wrong about GitHub. The subsets in `tests/fixtures/github/openapi/`
//! (cut from GitHub's published description, see the README there) let tests check each
//! direction against GitHub's word instead: [`check_response`] for what the emulator answers,
//! [`check_request`] for the bodies the client sends.
//!
//! The description is OpenAPI 3.0, whose schemas are not quite JSON Schema: `nullable: true`
//! stands for "or null", a `$ref` ignores its sibling keywords and points into
//! `#/components/schemas`. Each schema is rewritten into JSON Schema 2020-12 once, with every
//! component under `$defs`, and compiled by the `jsonschema` crate; `anyOf` and `oneOf` are
//! kept as written. Formats (`date-time`, `uri`, `int64`) stay annotations, as OpenAPI 3.0
//! allows: GitHub's own examples carry URL templates under `format: uri`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{Map, Value, json};

/// api.github.com, REST API version 2022-11-28: every operation the provider calls.
const DOTCOM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/github/openapi/api.github.com.2022-11-28.subset.json"
));

/// GitHub Enterprise Server 3.9: environment variables and secrets by repository id, the only
/// paths for them there, which api.github.com's description no longer lists.
const GHES_LEGACY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/github/openapi/ghes-3.9.legacy-paths.subset.json"
));

/// Prefix of every path on GitHub Enterprise Server (`https://HOST/api/v3/...`).
const ENTERPRISE_PREFIX: &str = "/api/v3";

/// One operation of the description, matched to a concrete request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operation {
    /// GitHub's `operationId`, e.g. `repos/get-environment`: the name GitHub's docs use.
    pub(crate) id: String,
    /// Upper-case HTTP method.
    pub(crate) method: String,
    /// The path template, e.g. `/repos/{owner}/{repo}/environments/{environment_name}`.
    pub(crate) template: String,
    /// Each `{param}` of the template with the segment it matched, still percent-encoded.
    pub(crate) params: Vec<(String, String)>,
    /// Which description holds it (`api.github.com 2022-11-28` or `GHES 3.9`).
    pub(crate) source: &'static str,
}

/// The operation `method concrete_path` is, if the description has it. A `{param}` matches
/// one non-empty, validly percent-encoded segment (`prod%2Fweb`); a literal segment beats a
/// parameter (`secrets/public-key` is not the secret named `public-key`). A leading `/api/v3`
/// and a query string are ignored.
pub(crate) fn operation(method: &str, concrete_path: &str) -> Option<Operation> {
    find(method, concrete_path).map(|(spec, params)| Operation {
        id: spec.id.clone(),
        method: spec.method.clone(),
        template: spec.template.clone(),
        params,
        source: spec.source,
    })
}

/// Checks a response body against the schema the description declares for `status`
/// (`Value::Null` standing for "no body"). A status the operation does not declare is an
/// error, and so is a body on a 204; any other status declared without a body schema (303,
/// create-deployment's 409) takes any body, there being nothing of GitHub's to compare with.
pub(crate) fn check_response(
    method: &str,
    concrete_path: &str,
    status: u16,
    body: &Value,
) -> Result<(), Vec<String>> {
    let (spec, _) = found(method, concrete_path)?;
    let Some(schema) = spec.responses.get(&status.to_string()) else {
        let declared: Vec<&str> = spec.responses.keys().map(String::as_str).collect();
        return Err(vec![format!(
            "{} declares no {status} response (declared: {})",
            spec.id,
            declared.join(", ")
        )]);
    };
    match (schema, body) {
        (Some(validator), body) => validate(validator, body),
        (None, Value::Null) => Ok(()),
        (None, _) if status == 204 => Err(vec![format!("{}: a 204 answer has no body", spec.id)]),
        (None, _) => Ok(()),
    }
}

/// Checks a request body against the operation's `requestBody` schema. `Value::Null` stands
/// for "no body", which is right for operations without one and for optional bodies.
pub(crate) fn check_request(
    method: &str,
    concrete_path: &str,
    body: &Value,
) -> Result<(), Vec<String>> {
    let (spec, _) = found(method, concrete_path)?;
    match (&spec.request, body) {
        (None, Value::Null) => Ok(()),
        (None, _) => Err(vec![format!("{} takes no request body", spec.id)]),
        (Some(request), Value::Null) if !request.required => Ok(()),
        (Some(_), Value::Null) => Err(vec![format!("{} requires a request body", spec.id)]),
        (Some(request), body) => validate(&request.validator, body),
    }
}

/// A compiled operation of either description.
struct Spec {
    id: String,
    method: String,
    template: String,
    source: &'static str,
    request: Option<Request>,
    /// Status → compiled body schema (`None`: declared without a JSON body).
    responses: BTreeMap<String, Option<Validator>>,
}

struct Request {
    required: bool,
    validator: Validator,
}

/// An operation and the parameters its template took from the path.
type Matched = (&'static Spec, Vec<(String, String)>);

/// Both descriptions, compiled once for the whole test run.
static SPECS: LazyLock<Vec<Spec>> = LazyLock::new(|| {
    let mut specs = compile(DOTCOM, "api.github.com 2022-11-28");
    specs.extend(compile(GHES_LEGACY, "GHES 3.9"));
    specs
});

fn found(method: &str, concrete_path: &str) -> Result<Matched, Vec<String>> {
    find(method, concrete_path).ok_or_else(|| {
        vec![format!(
            "no operation in GitHub's description is {} {concrete_path}",
            method.to_ascii_uppercase()
        )]
    })
}

fn find(method: &str, concrete_path: &str) -> Option<Matched> {
    let path = concrete_path.split(['?', '#']).next().unwrap_or_default();
    let path = match path.strip_prefix(ENTERPRISE_PREFIX) {
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    };
    let segments: Vec<&str> = path.split('/').collect();
    SPECS
        .iter()
        .filter(|spec| spec.method.eq_ignore_ascii_case(method))
        .filter_map(|spec| {
            let params = match_template(&spec.template, &segments)?;
            let literals: Vec<bool> = spec.template.split('/').map(|s| !is_param(s)).collect();
            Some((literals, spec, params))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, spec, params)| (spec, params))
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// The template's parameters with the segments they match, or `None` when it does not match.
fn match_template(template: &str, segments: &[&str]) -> Option<Vec<(String, String)>> {
    let parts: Vec<&str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if is_param(part) {
            if segment.is_empty() || !is_encoded_segment(segment) {
                return None;
            }
            params.push((part[1..part.len() - 1].to_string(), (*segment).to_string()));
        } else if part != segment {
            return None;
        }
    }
    Some(params)
}

/// RFC 3986 `segment`: unreserved characters, sub-delimiters, `:`, `@` and `%XX` escapes.
fn is_encoded_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

/// Compiles every operation of one description.
fn compile(text: &str, source: &'static str) -> Vec<Spec> {
    let doc: Value = serde_json::from_str(text).expect("the OpenAPI subset is JSON");
    let defs: Map<String, Value> = doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
        .iter()
        .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
        .collect();
    let defs = Value::Object(defs);
    let mut specs = Vec::new();
    for (template, methods) in doc["paths"].as_object().expect("paths") {
        for (method, op) in methods.as_object().expect("path item") {
            let request = op.get("requestBody").map(|body| {
                let body = resolve(&doc, body);
                Request {
                    required: body["required"].as_bool().unwrap_or(false),
                    validator: validator(&defs, json_schema_of(body).expect("a JSON request body")),
                }
            });
            let responses = op["responses"]
                .as_object()
                .expect("responses")
                .iter()
                .map(|(status, response)| {
                    let schema = json_schema_of(resolve(&doc, response));
                    (status.clone(), schema.map(|s| validator(&defs, s)))
                })
                .collect();
            specs.push(Spec {
                id: op["operationId"].as_str().expect("operationId").to_string(),
                method: method.to_ascii_uppercase(),
                template: template.clone(),
                source,
                request,
                responses,
            });
        }
    }
    specs
}

/// Follows a `$ref` to a component (a response or request body may be one).
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("an internal $ref");
            resolve(doc, doc.pointer(pointer).expect("$ref target in the subset"))
        }
        None => node,
    }
}

fn json_schema_of(body: &Value) -> Option<&Value> {
    body.get("content")?.get("application/json")?.get("schema")
}

fn validator(defs: &Value, schema: &Value) -> Validator {
    let root = json!({ "$defs": defs, "allOf": [to_json_schema(schema)] });
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(false)
        .build(&root)
        .expect("the rewritten schema compiles")
}

/// Rewrites one OpenAPI 3.0 Schema Object into JSON Schema 2020-12.
fn to_json_schema(node: &Value) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        // OpenAPI 3.0: a $ref's siblings are ignored.
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("a schema $ref points into components.schemas");
        return json!({ "$ref": format!("#/$defs/{name}") });
    }
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .expect("properties is an object")
                    .iter()
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(value.as_array().expect("a list of schemas").iter().map(to_json_schema).collect())
            }
            "exclusiveMinimum" | "exclusiveMaximum" => {
                // OpenAPI 3.0: a boolean beside minimum/maximum, not a bound of its own.
                let bound = if key == "exclusiveMinimum" { "minimum" } else { "maximum" };
                match (value.as_bool(), map.get(bound)) {
                    (Some(true), Some(limit)) => limit.clone(),
                    _ => continue,
                }
            }
            "nullable" | "example" | "deprecated" | "discriminator" | "readOnly" | "writeOnly"
            | "xml" | "externalDocs" => continue,
            extension if extension.starts_with("x-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if out.contains_key(exclusive) {
            out.remove(bound);
        }
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

/// `nullable: true`: the schema, or `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match schema.get("type").cloned() {
        Some(Value::String(kind)) => {
            schema.insert("type".into(), json!([kind, "null"]));
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
}

fn validate(validator: &Validator, body: &Value) -> Result<(), Vec<String>> {
    let mut messages = Vec::new();
    for error in validator.iter_errors(body) {
        describe(&error, "", &mut messages);
    }
    if messages.is_empty() { Ok(()) } else { Err(messages) }
}

/// One line per violation, `<JSON pointer>: <what is wrong>`; a failed `anyOf`/`oneOf` lists
/// what each branch found, since "matches no branch" alone names no field.
fn describe(error: &ValidationError<'_>, indent: &str, out: &mut Vec<String>) {
    let at = match error.instance_path().as_str() {
        "" => "(root)".to_string(),
        pointer => pointer.to_string(),
    };
    let branches = match error.kind() {
        ValidationErrorKind::AnyOf { context } => Some(("anyOf", context)),
        ValidationErrorKind::OneOfNotValid { context } => Some(("oneOf", context)),
        _ => None,
    };
    match branches {
        Some((keyword, context)) => {
            out.push(format!("{indent}{at}: matches none of the {keyword} branches"));
            for (i, errors) in context.iter().enumerate() {
                out.push(format!("{indent}  branch {i}:"));
                for error in errors {
                    describe(error, &format!("{indent}    "), out);
                }
            }
        }
        None => {
            let mut message = error.to_string();
            if message.len() > 300 {
                let cut = (0..=300).rev().find(|&i| message.is_char_boundary(i)).unwrap_or(0);
                message.truncate(cut);
                message.push('…');
            }
            out.push(format!("{indent}{at}: {message}"));
        }
    }
}

#[cfg(test)]
mod bodies;
#[cfg(test)]
mod conformance;
#[cfg(test)]
mod requests;
#[cfg(test)]
mod tests;

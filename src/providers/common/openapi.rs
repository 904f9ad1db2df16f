//! A provider's own OpenAPI description of the operations it uses, as a test oracle.
//!
//! An emulator and a client written from the same notes can agree with each other and both
//! be wrong about the service. A subset cut from the service's published description (see
//! `tests/fixtures/<provider>/openapi/README.md`) lets tests hold each direction to the
//! service's word instead: [`Oracle::check_response`] for what an emulator answers,
//! [`Oracle::check_request`] for the bodies a client sends. GitHub and GitLab both use it;
//! each provider's `openapi.rs` only names its files.
//!
//! The descriptions are OpenAPI 3.0 (GitLab's Swagger 2.0 is converted when it is cut), whose
//! schemas are not quite JSON Schema: `nullable: true` stands for "or null", a `$ref` ignores
//! its sibling keywords and points into `#/components/schemas`. Each schema is rewritten
//! into JSON Schema 2020-12 once, with the components a file can reach (its own, then its
//! siblings') under `$defs`, and compiled by the `jsonschema` crate; `anyOf` and `oneOf` are
//! kept as written. Formats (`date-time`, `uri`, `int64`) stay annotations, as OpenAPI 3.0
//! allows: GitHub's own examples carry URL templates under `format: uri`.

use std::collections::BTreeMap;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{Map, Value, json};

use schema::to_json_schema;

pub(crate) mod relay;
mod schema;

/// One operation of the description, matched to a concrete request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operation {
    /// The description's `operationId`, the name the service's docs use.
    pub(crate) id: String,
    /// Upper-case HTTP method.
    pub(crate) method: String,
    /// The path template, e.g. `/repos/{owner}/{repo}/environments/{environment_name}`.
    pub(crate) template: String,
    /// Each `{param}` of the template with the segment it matched, still percent-encoded.
    pub(crate) params: Vec<(String, String)>,
    /// Which description holds it (e.g. `api.github.com 2022-11-28`).
    pub(crate) source: &'static str,
}

/// One file of a provider's description: its JSON text and the name tests report it by.
pub(crate) struct Description {
    pub(crate) text: &'static str,
    pub(crate) source: &'static str,
}

/// Every operation of one provider's descriptions, compiled once.
pub(crate) struct Oracle {
    /// Whose description it is, for messages (`GitHub`, `GitLab`).
    provider: &'static str,
    /// Leading path segments that are not part of any template (`/api/v3` for GitHub
    /// Enterprise Server, the sandbox's `/gitlab` mount), ignored when a path starts with one.
    prefixes: &'static [&'static str],
    specs: Vec<Spec>,
}

impl Oracle {
    /// Compiles the descriptions. A file's `$ref`s go to its own components first, then to
    /// those of the other files, so a file of operations may use schemas another defines.
    pub(crate) fn new(
        provider: &'static str,
        prefixes: &'static [&'static str],
        descriptions: &[Description],
    ) -> Self {
        let docs: Vec<(Value, &'static str)> = descriptions
            .iter()
            .map(|d| {
                (
                    serde_json::from_str(d.text).expect("the OpenAPI subset is JSON"),
                    d.source,
                )
            })
            .collect();
        let own: Vec<Map<String, Value>> = docs
            .iter()
            .map(|(doc, _)| {
                let schemas = doc["components"]["schemas"]
                    .as_object()
                    .into_iter()
                    .flatten();
                schemas
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                    .collect()
            })
            .collect();
        let specs = docs
            .iter()
            .zip(&own)
            .flat_map(|((doc, source), mine)| {
                // A file's own components first, then those only another file defines.
                let mut defs = mine.clone();
                for (name, schema) in own.iter().flatten() {
                    defs.entry(name.clone()).or_insert_with(|| schema.clone());
                }
                compile(doc, source, &Value::Object(defs))
            })
            .collect();
        Oracle {
            provider,
            prefixes,
            specs,
        }
    }

    /// The operation `method concrete_path` is, if the description has it. A `{param}`
    /// matches one non-empty, validly percent-encoded segment (`prod%2Fweb`); a literal
    /// segment beats a parameter (`secrets/public-key` is not the secret named
    /// `public-key`). A known prefix and a query string are ignored.
    pub(crate) fn operation(&self, method: &str, concrete_path: &str) -> Option<Operation> {
        self.find(method, concrete_path)
            .map(|(spec, params)| Operation {
                id: spec.id.clone(),
                method: spec.method.clone(),
                template: spec.template.clone(),
                params,
                source: spec.source,
            })
    }

    /// Checks a response body against the schema the description declares for `status`
    /// (`Value::Null` standing for "no body"). A status the operation does not declare is
    /// an error, and so is a body on a 204 (whatever schema a generator put beside it);
    /// any other status declared without a body schema takes any body, there being nothing
    /// of the service's to compare with.
    pub(crate) fn check_response(
        &self,
        method: &str,
        concrete_path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let (spec, _) = self.found(method, concrete_path)?;
        let Some(schema) = spec.responses.get(&status.to_string()) else {
            let declared: Vec<&str> = spec.responses.keys().map(String::as_str).collect();
            return Err(vec![format!(
                "{} declares no {status} response (declared: {})",
                spec.id,
                declared.join(", ")
            )]);
        };
        match (schema, body) {
            (_, Value::Null) if status == 204 => Ok(()),
            (_, _) if status == 204 => Err(vec![format!("{}: a 204 answer has no body", spec.id)]),
            (Some(validator), body) => validate(validator, body),
            (None, _) => Ok(()),
        }
    }

    /// Checks a request body against the operation's `requestBody` schema. `Value::Null`
    /// stands for "no body", which is right for operations without one and for optional
    /// bodies.
    pub(crate) fn check_request(
        &self,
        method: &str,
        concrete_path: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let (spec, _) = self.found(method, concrete_path)?;
        match (&spec.request, body) {
            (None, Value::Null) => Ok(()),
            (None, _) => Err(vec![format!("{} takes no request body", spec.id)]),
            (Some(request), Value::Null) if !request.required => Ok(()),
            (Some(_), Value::Null) => Err(vec![format!("{} requires a request body", spec.id)]),
            (Some(request), body) => validate(&request.validator, body),
        }
    }

    /// How many operations come from `source`: lets tests pin that a subset holds exactly
    /// the operations a provider uses.
    pub(crate) fn count(&self, source: &str) -> usize {
        self.specs
            .iter()
            .filter(|spec| spec.source == source)
            .count()
    }

    fn found(&self, method: &str, concrete_path: &str) -> Result<Matched<'_>, Vec<String>> {
        self.find(method, concrete_path).ok_or_else(|| {
            vec![format!(
                "no operation in {}'s description is {} {concrete_path}",
                self.provider,
                method.to_ascii_uppercase()
            )]
        })
    }

    fn find(&self, method: &str, concrete_path: &str) -> Option<Matched<'_>> {
        let mut path = concrete_path.split(['?', '#']).next().unwrap_or_default();
        for prefix in self.prefixes {
            if let Some(rest) = path.strip_prefix(prefix)
                && rest.starts_with('/')
            {
                path = rest;
            }
        }
        let segments: Vec<&str> = path.split('/').collect();
        self.specs
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
}

/// A compiled operation.
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
type Matched<'a> = (&'a Spec, Vec<(String, String)>);

/// Whether a template segment is a `{param}`.
pub(crate) fn is_param(segment: &str) -> bool {
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

/// Compiles every operation of one description against the shared components.
fn compile(doc: &Value, source: &'static str, defs: &Value) -> Vec<Spec> {
    let mut specs = Vec::new();
    for (template, methods) in doc["paths"].as_object().expect("paths") {
        for (method, op) in methods.as_object().expect("path item") {
            let request = op.get("requestBody").map(|body| {
                let body = resolve(doc, body);
                Request {
                    required: body["required"].as_bool().unwrap_or(false),
                    validator: validator(defs, json_schema_of(body).expect("a JSON request body")),
                }
            });
            let responses = op["responses"]
                .as_object()
                .expect("responses")
                .iter()
                .map(|(status, response)| {
                    let schema = json_schema_of(resolve(doc, response));
                    (status.clone(), schema.map(|s| validator(defs, s)))
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
pub(crate) fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("an internal $ref");
            resolve(
                doc,
                doc.pointer(pointer).expect("$ref target in the subset"),
            )
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

fn validate(validator: &Validator, body: &Value) -> Result<(), Vec<String>> {
    let mut messages = Vec::new();
    for error in validator.iter_errors(body) {
        describe(&error, "", &mut messages);
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(messages)
    }
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
            out.push(format!(
                "{indent}{at}: matches none of the {keyword} branches"
            ));
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
                let cut = (0..=300)
                    .rev()
                    .find(|&i| message.is_char_boundary(i))
                    .unwrap_or(0);
                message.truncate(cut);
                message.push('…');
            }
            out.push(format!("{indent}{at}: {message}"));
        }
    }
}

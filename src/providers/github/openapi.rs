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
mod tests {
    use super::*;

    const ENV: &str = "/repos/octo-org/shop/environments/production";

    /// Every operation the provider calls, as GitHub names it.
    const USED: &[(&str, &str, &str)] = &[
        ("GET", "/repos/{owner}/{repo}", "repos/get"),
        ("GET", "/repos/{owner}/{repo}/commits/{ref}", "repos/get-commit"),
        ("GET", "/users/{username}", "users/get-by-username"),
        ("GET", "/orgs/{org}/teams/{team_slug}", "teams/get-by-name"),
        ("GET", "/orgs/{org}/teams", "teams/list"),
        ("GET", "/repos/{owner}/{repo}/collaborators", "repos/list-collaborators"),
        ("GET", "/repos/{owner}/{repo}/environments", "repos/get-all-environments"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}", "repos/get-environment"),
        ("PUT", "/repos/{owner}/{repo}/environments/{environment_name}", "repos/create-or-update-environment"),
        ("DELETE", "/repos/{owner}/{repo}/environments/{environment_name}", "repos/delete-an-environment"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies", "repos/list-deployment-branch-policies"),
        ("POST", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies", "repos/create-deployment-branch-policy"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}", "repos/get-deployment-branch-policy"),
        ("PUT", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}", "repos/update-deployment-branch-policy"),
        ("DELETE", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}", "repos/delete-deployment-branch-policy"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/variables", "actions/list-environment-variables"),
        ("POST", "/repos/{owner}/{repo}/environments/{environment_name}/variables", "actions/create-environment-variable"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}", "actions/get-environment-variable"),
        ("PATCH", "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}", "actions/update-environment-variable"),
        ("DELETE", "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}", "actions/delete-environment-variable"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key", "actions/get-environment-public-key"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/secrets", "actions/list-environment-secrets"),
        ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}", "actions/get-environment-secret"),
        ("PUT", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}", "actions/create-or-update-environment-secret"),
        ("DELETE", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}", "actions/delete-environment-secret"),
        ("GET", "/repos/{owner}/{repo}/deployments", "repos/list-deployments"),
        ("POST", "/repos/{owner}/{repo}/deployments", "repos/create-deployment"),
        ("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}", "repos/get-deployment"),
        ("DELETE", "/repos/{owner}/{repo}/deployments/{deployment_id}", "repos/delete-deployment"),
        ("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "repos/list-deployment-statuses"),
        ("POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "repos/create-deployment-status"),
        ("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}", "repos/get-deployment-status"),
    ];

    /// A template with each `{param}` filled by a sample segment.
    fn concrete(template: &str) -> String {
        template
            .split('/')
            .map(|part| if is_param(part) { "x1" } else { part })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A hand-written GitHub-shaped document of `tests/fixtures/github/openapi/samples/`.
    fn sample(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/github/openapi/samples/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
    }

    fn fails_naming(result: Result<(), Vec<String>>, needle: &str) {
        let errors = result.expect_err("the document should be refused");
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "no error names {needle:?}: {errors:#?}"
        );
    }

    #[test]
    fn every_operation_the_provider_uses_is_described() {
        for (method, template, id) in USED {
            let found = operation(method, &concrete(template))
                .unwrap_or_else(|| panic!("{method} {template} is not in the subset"));
            assert_eq!((found.id.as_str(), found.template.as_str()), (*id, *template));
            assert_eq!(found.source, "api.github.com 2022-11-28");
        }
        // The subset holds nothing else of api.github.com.
        let dotcom = SPECS.iter().filter(|s| s.source == "api.github.com 2022-11-28");
        assert_eq!(dotcom.count(), USED.len());
    }

    #[test]
    fn the_older_variable_and_secret_paths_come_from_enterprise_server() {
        let legacy = "/repositories/42/environments/production";
        for (method, path, id) in [
            ("GET", format!("{legacy}/variables"), "actions/list-environment-variables"),
            ("POST", format!("{legacy}/variables"), "actions/create-environment-variable"),
            ("PATCH", format!("{legacy}/variables/API_URL"), "actions/update-environment-variable"),
            ("DELETE", format!("{legacy}/variables/API_URL"), "actions/delete-environment-variable"),
            ("GET", format!("{legacy}/secrets/public-key"), "actions/get-environment-public-key"),
            ("GET", format!("{legacy}/secrets"), "actions/list-environment-secrets"),
            ("PUT", format!("{legacy}/secrets/DEPLOY_KEY"), "actions/create-or-update-environment-secret"),
            ("DELETE", format!("{legacy}/secrets/DEPLOY_KEY"), "actions/delete-environment-secret"),
        ] {
            let found = operation(method, &format!("/api/v3{path}")).expect(&path);
            assert_eq!((found.id.as_str(), found.source), (id, "GHES 3.9"));
        }
    }

    #[test]
    fn paths_match_templates_segment_by_segment() {
        let found = operation("get", "/repos/octo-org/shop/environments/prod%2Fweb").unwrap();
        assert_eq!(found.template, "/repos/{owner}/{repo}/environments/{environment_name}");
        assert_eq!(
            found.params,
            [("owner", "octo-org"), ("repo", "shop"), ("environment_name", "prod%2Fweb")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        // Enterprise Server's prefix and a query string are not part of the template.
        let enterprise = operation("GET", "/api/v3/repos/o/r/deployments?environment=prod&per_page=100");
        assert_eq!(enterprise.unwrap().id, "repos/list-deployments");
        // A literal segment wins over a parameter.
        let key = operation("GET", &format!("{ENV}/secrets/public-key")).unwrap();
        assert_eq!(key.id, "actions/get-environment-public-key");
        assert_eq!(operation("GET", &format!("{ENV}/secrets/DEPLOY_KEY")).unwrap().id, "actions/get-environment-secret");
        // A raw slash is two segments, a raw space is no segment, an empty segment no value.
        assert_eq!(operation("GET", "/repos/octo-org/shop/environments/prod/web"), None);
        assert_eq!(operation("GET", "/repos/octo-org/shop/environments/prod web"), None);
        assert_eq!(operation("GET", "/repos/octo-org/shop/environments/"), None);
        assert_eq!(operation("GET", "/repos/octo-org/shop/environments/bad%2"), None);
        // The method matters.
        assert_eq!(operation("POST", ENV), None);
    }

    #[test]
    fn unknown_paths_and_undeclared_statuses_are_reported() {
        fails_naming(check_response("GET", "/repos/o/r/hooks", 200, &json!([])), "GET /repos/o/r/hooks");
        fails_naming(check_request("PATCH", ENV, &json!({})), "PATCH");
        fails_naming(check_response("GET", ENV, 500, &json!({})), "declares no 500 response");
        fails_naming(check_request("DELETE", ENV, &json!({ "force": true })), "takes no request body");
        fails_naming(check_response("DELETE", ENV, 204, &json!({})), "a 204 answer has no body");
        fails_naming(check_request("POST", "/repos/o/r/deployments", &Value::Null), "requires a request body");
    }

    /// Examples in GitHub's description that its own schemas refuse, with the error each
    /// gives: fields made required after the example was written, and `null` standing for
    /// an empty body. Listed so that the check stays strict everywhere else, and so that a
    /// regenerated subset in which GitHub fixed one shows up here.
    const EXAMPLES_GITHUB_GOT_WRONG: &[(&str, &str)] = &[
        ("GET /orgs/{org}/teams Some(200) default", "/0: \"type\" is a required property"),
        ("GET /orgs/{org}/teams/{team_slug} Some(200) default", "(root): \"type\" is a required property"),
        ("GET /repos/{owner}/{repo} Some(200) default-response", "(root): \"language\" is a required property"),
        ("GET /repos/{owner}/{repo}/commits/{ref} Some(200) default", "/files/0: \"sha\" is a required property"),
        ("PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name} Some(201) default", "(root): null is not of type"),
        ("POST /repos/{owner}/{repo}/environments/{environment_name}/variables Some(201) default", "(root): null is not of type"),
        ("PUT /repositories/{repository_id}/environments/{environment_name}/secrets/{secret_name} Some(201) default", "(root): null is not of type"),
        ("POST /repositories/{repository_id}/environments/{environment_name}/variables Some(201) default", "(root): null is not of type"),
    ];

    /// Every example GitHub put in the subset validates against its own schema, except the
    /// few listed above, which fail as listed.
    #[test]
    fn the_descriptions_own_examples_validate() {
        let mut checked = 0;
        let mut failures = Vec::new();
        for text in [DOTCOM, GHES_LEGACY] {
            let doc: Value = serde_json::from_str(text).unwrap();
            for (template, methods) in doc["paths"].as_object().unwrap() {
                let path = concrete(template).replace("/x1/", "/42/");
                let path = if path.ends_with("/x1") { format!("{}42", &path[..path.len() - 2]) } else { path };
                for (method, op) in methods.as_object().unwrap() {
                    let mut cases = Vec::new();
                    if let Some(body) = op.get("requestBody") {
                        cases.push((None, resolve(&doc, body)));
                    }
                    for (status, response) in op["responses"].as_object().unwrap() {
                        cases.push((Some(status.parse::<u16>().unwrap()), resolve(&doc, response)));
                    }
                    for (status, body) in cases {
                        let examples = body["content"]["application/json"]["examples"].as_object();
                        for (name, example) in examples.into_iter().flatten() {
                            let value = &resolve(&doc, example)["value"];
                            let result = match status {
                                Some(status) => check_response(method, &path, status, value),
                                None => check_request(method, &path, value),
                            };
                            let case = format!("{} {template} {status:?} {name}", method.to_uppercase());
                            let known = EXAMPLES_GITHUB_GOT_WRONG.iter().find(|(c, _)| *c == case);
                            match (result, known) {
                                (Ok(()), None) => {}
                                (Err(errors), Some((_, why))) if errors.iter().any(|e| e.contains(why)) => {}
                                (result, _) => failures.push(format!("{case}: {result:?}")),
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 30, "only {checked} examples checked");
        assert_eq!(failures, Vec::<String>::new());
    }

    #[test]
    fn github_shaped_answers_validate() {
        let deployment = "/repos/octocat/example/deployments/1";
        let answers = [
            ("deployment.json", "GET", deployment.to_string(), 200),
            ("deployment.json", "POST", "/repos/octocat/example/deployments".into(), 201),
            ("deployment-status.json", "GET", format!("{deployment}/statuses/2"), 200),
            ("deployment-status.json", "POST", format!("{deployment}/statuses"), 201),
            ("environment.json", "GET", ENV.into(), 200),
            ("environment.json", "PUT", ENV.into(), 200),
            ("environments.json", "GET", "/repos/octo-org/shop/environments".into(), 200),
            ("branch-policies.json", "GET", format!("{ENV}/deployment-branch-policies"), 200),
            ("variables.json", "GET", format!("{ENV}/variables"), 200),
            ("secrets.json", "GET", format!("{ENV}/secrets"), 200),
            ("public-key.json", "GET", format!("{ENV}/secrets/public-key"), 200),
        ];
        for (name, method, path, status) in answers {
            let result = check_response(method, &path, status, &sample(name));
            assert_eq!(result, Ok(()), "{name} as {method} {path} {status}");
        }
        let list = json!([sample("deployment.json")]);
        let listed = check_response("GET", "/repos/octocat/example/deployments", 200, &list);
        assert_eq!(listed, Ok(()));
        let statuses = json!([sample("deployment-status.json")]);
        let path = format!("{deployment}/statuses");
        assert_eq!(check_response("GET", &path, 200, &statuses), Ok(()));
        // Nullable fields take null; a payload may be a string.
        let mut loose = sample("deployment.json");
        loose["description"] = Value::Null;
        loose["creator"] = Value::Null;
        loose["payload"] = json!("{ \"deploy\": \"migrate\" }");
        assert_eq!(check_response("GET", deployment, 200, &loose), Ok(()));
        // Statuses declared without a body accept the empty one.
        assert_eq!(check_response("DELETE", deployment, 204, &Value::Null), Ok(()));
        let secret = format!("{ENV}/secrets/DEPLOY_KEY");
        assert_eq!(check_response("PUT", &secret, 201, &json!({})), Ok(()));
    }

    #[test]
    fn github_shaped_requests_validate() {
        let requests = [
            ("environment-put.json", "PUT", ENV.to_string()),
            ("branch-policy-post.json", "POST", format!("{ENV}/deployment-branch-policies")),
            ("variable-post.json", "POST", format!("{ENV}/variables")),
            ("secret-put.json", "PUT", format!("{ENV}/secrets/DEPLOY_KEY")),
            ("deployment-post.json", "POST", "/repos/o/r/deployments".into()),
            ("deployment-status-post.json", "POST", "/repos/o/r/deployments/1/statuses".into()),
        ];
        for (name, method, path) in requests {
            let result = check_request(method, &path, &sample(name));
            assert_eq!(result, Ok(()), "{name} as {method} {path}");
        }
        let open = json!({ "reviewers": null, "deployment_branch_policy": null });
        assert_eq!(check_request("PUT", ENV, &open), Ok(()));
        // The body of create-or-update may be left out.
        assert_eq!(check_request("PUT", ENV, &Value::Null), Ok(()));
    }

    #[test]
    fn a_missing_field_or_a_wrong_type_is_named() {
        let mut no_sha = sample("deployment.json");
        no_sha.as_object_mut().unwrap().remove("sha");
        fails_naming(check_response("GET", "/repos/o/r/deployments/1", 200, &no_sha), "\"sha\" is a required property");
        let mut text_id = sample("deployment.json");
        text_id["id"] = json!("1");
        fails_naming(check_response("GET", "/repos/o/r/deployments/1", 200, &text_id), "/id:");
        // Inside a list, and inside an anyOf branch.
        let mut env = sample("environment.json");
        env["protection_rules"][0].as_object_mut().unwrap().remove("node_id");
        let list = json!({ "total_count": 1, "environments": [env] });
        fails_naming(check_response("GET", "/repos/o/r/environments", 200, &list), "\"node_id\" is a required property");
        let wrong = json!({ "total_count": "1", "variables": [] });
        fails_naming(check_response("GET", &format!("{ENV}/variables"), 200, &wrong), "/total_count:");
        // Requests: an unknown field where GitHub forbids them, a wrong type, an unknown enum value.
        fails_naming(check_request("PUT", ENV, &json!({ "wait_timr": 30 })), "wait_timr");
        fails_naming(check_request("PUT", ENV, &json!({ "wait_timer": "30" })), "/wait_timer:");
        let tag = json!({ "name": "v*", "type": "regex" });
        fails_naming(check_request("POST", &format!("{ENV}/deployment-branch-policies"), &tag), "/type:");
        fails_naming(check_request("POST", "/repos/o/r/deployments", &json!({ "task": "deploy" })), "\"ref\" is a required property");
        // A sealed secret must be base64.
        let secret = json!({ "encrypted_value": "not base64!", "key_id": "012345678912345678" });
        let path = format!("{ENV}/secrets/DEPLOY_KEY");
        fails_naming(check_request("PUT", &path, &secret), "/encrypted_value:");
        // null is only for fields GitHub marks nullable.
        let mut null_sha = sample("deployment.json");
        null_sha["sha"] = Value::Null;
        fails_naming(check_response("GET", "/repos/o/r/deployments/1", 200, &null_sha), "/sha:");
    }
}

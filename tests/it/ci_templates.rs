//! The CI templates in `examples/ci/` must stay copy-pasteable: their structure is asserted
//! (applies serialised per environment, the environment matrix, the permission to comment),
//! and every `deployplan` command line in their scripts is parsed by the real CLI definition,
//! so that renaming a flag breaks this test instead of a user's pipeline.

use std::path::Path;

use clap::Parser;
use deployplan::cli::Cli;
use serde_json::{Map, Value};

/// What `${{ matrix.environment }}` and `$ENVIRONMENT` stand for when parsing.
const SAMPLE_ENVIRONMENT: &str = "staging";

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_saphyr::from_str::<Value>(&text)
        .unwrap_or_else(|err| panic!("{name} is not valid YAML: {err}"))
}

// ---------------------------------------------------------------------------------------
// Shell: from `run:` / `script:` entries to deployplan command lines.

/// Every script in the document: strings (or lists of strings) under `run`, `script`,
/// `before_script` and `after_script`, wherever they are.
fn scripts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let is_script = matches!(
                    key.as_str(),
                    "run" | "script" | "before_script" | "after_script"
                );
                match value {
                    Value::String(text) if is_script => out.push(text.clone()),
                    Value::Array(items) if is_script => {
                        out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
                    }
                    _ => scripts(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| scripts(item, out)),
        _ => {}
    }
}

/// The script's lines with `\` continuations joined; blank and comment lines dropped.
fn logical_lines(script: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let done = std::mem::take(&mut current);
                let done = done.trim();
                if !done.is_empty() && !done.starts_with('#') {
                    lines.push(done.to_owned());
                }
            }
        }
    }
    lines
}

/// Replaces CI expressions and shell variables with sample values: `${{ matrix.environment }}`,
/// `$ENVIRONMENT` and `${ENVIRONMENT}` with [`SAMPLE_ENVIRONMENT`], any other with `sample`.
fn substitute(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(expression) = after.strip_prefix("{{") {
            let end = expression
                .find("}}")
                .unwrap_or_else(|| panic!("unclosed `${{{{` in `{line}`"));
            (expression[..end].trim().to_owned(), 2 + end + 2)
        } else if let Some(braced) = after.strip_prefix('{') {
            let end = braced
                .find('}')
                .unwrap_or_else(|| panic!("unclosed `${{` in `{line}`"));
            (braced[..end].to_owned(), 1 + end + 1)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (after[..end].to_owned(), end)
        };
        if name.is_empty() {
            out.push('$');
        } else if name == "ENVIRONMENT" || name == "matrix.environment" {
            out.push_str(SAMPLE_ENVIRONMENT);
        } else {
            out.push_str("sample");
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// Splits a shell line into simple commands (lists of words) at unquoted `;`, `&`, `|` (so
/// also `&&`, `||`, `;;`), dropping redirections (`> file`, `>> file`, `2>&1`, `<file`).
/// Quotes group words and are removed; nothing is expanded.
fn simple_commands(line: &str) -> Vec<Vec<String>> {
    let line = line.replace("&>", ">");
    let mut split = Splitter::default();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else {
                split.word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                split.in_word = true;
            }
            '>' | '<' => {
                // A file descriptor number right before the operator belongs to it.
                if !split.word.is_empty() && split.word.bytes().all(|b| b.is_ascii_digit()) {
                    split.word.clear();
                    split.in_word = false;
                }
                split.end_word();
                if chars.peek() == Some(&'>') {
                    chars.next();
                }
                if chars.peek() == Some(&'&') {
                    // `>&2`, `2>&1`: a duplication, no file name follows.
                    chars.next();
                    while chars.next_if(|c| c.is_ascii_digit() || *c == '-').is_some() {}
                } else {
                    split.skip_next_word = true;
                }
            }
            ';' | '&' | '|' => split.end_command(),
            c if c.is_whitespace() => split.end_word(),
            c => {
                split.word.push(c);
                split.in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "unbalanced quote in `{line}`");
    split.end_command();
    split.commands
}

#[derive(Default)]
struct Splitter {
    commands: Vec<Vec<String>>,
    words: Vec<String>,
    word: String,
    in_word: bool,
    /// The next word is a redirection's file name.
    skip_next_word: bool,
}

impl Splitter {
    fn end_word(&mut self) {
        if self.in_word {
            let word = std::mem::take(&mut self.word);
            // The target of a `>` is dropped.
            if !std::mem::take(&mut self.skip_next_word) {
                self.words.push(word);
            }
        }
        self.word.clear();
        self.in_word = false;
    }

    fn end_command(&mut self) {
        self.end_word();
        if !self.words.is_empty() {
            self.commands.push(std::mem::take(&mut self.words));
        }
    }
}

/// The words of a command from `deployplan` on, when the command runs deployplan (after
/// shell keywords, a `case` label or variable assignments).
fn deployplan_words(words: &[String]) -> Option<Vec<String>> {
    let is_prefix = |word: &str| {
        matches!(
            word,
            "then" | "else" | "do" | "{" | "(" | "!" | "time" | "exec"
        ) || (word.ends_with(')') && !word.starts_with('('))
            || word.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    let start = words.iter().position(|word| !is_prefix(word))?;
    (words[start] == "deployplan").then(|| words[start..].to_vec())
}

/// Every deployplan invocation in the document's scripts, as argv.
fn deployplan_commands(document: &Value) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    scripts(document, &mut all);
    let mut commands = Vec::new();
    for script in &all {
        for line in logical_lines(script) {
            for words in simple_commands(&substitute(&line)) {
                if let Some(argv) = deployplan_words(&words) {
                    commands.push(argv);
                }
            }
        }
    }
    commands
}

/// Parses every command with the real CLI; fails naming each command clap rejects.
fn assert_commands_parse(template: &str, commands: &[Vec<String>]) {
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|argv| {
            Cli::try_parse_from(argv)
                .err()
                .map(|err| format!("`{}`:\n{err}", argv.join(" ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{template}: {} deployplan command(s) do not parse with the current CLI:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn has_pair(argv: &[String], flag: &str, value: &str) -> bool {
    argv.windows(2)
        .any(|pair| pair[0] == flag && pair[1] == value)
}

fn subcommand<'a>(commands: &'a [Vec<String>], name: &str) -> Vec<&'a Vec<String>> {
    commands
        .iter()
        .filter(|argv| argv.get(1).map(String::as_str) == Some(name))
        .collect()
}

/// The plan-for-review, plan-to-file and apply-a-plan-file commands are all there, and no
/// apply could stop to ask for confirmation.
fn assert_pipeline_commands(template: &str, commands: &[Vec<String>]) {
    let plans = subcommand(commands, "plan");
    let applies = subcommand(commands, "apply");
    let listing = || {
        commands
            .iter()
            .map(|argv| format!("  {}", argv.join(" ")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        plans
            .iter()
            .any(|argv| has_pair(argv, "--format", "markdown")),
        "{template}: no `deployplan plan --format markdown` for the review comment; found:\n{}",
        listing()
    );
    assert!(
        plans.iter().any(|argv| argv.iter().any(|w| w == "--out")),
        "{template}: no `deployplan plan --out FILE`; found:\n{}",
        listing()
    );
    let applies_plan_file =
        |argv: &&Vec<String>| argv.get(2).is_some_and(|path| path.ends_with(".json"));
    assert!(
        applies.iter().any(applies_plan_file),
        "{template}: no `deployplan apply PLANFILE`; found:\n{}",
        listing()
    );
    for argv in &applies {
        assert!(
            applies_plan_file(argv) || argv.iter().any(|w| w == "--auto-approve"),
            "{template}: `{}` would wait for a confirmation no CI job can give",
            argv.join(" ")
        );
    }
}

fn runs_apply(job: &Value) -> bool {
    subcommand(&deployplan_commands(job), "apply")
        .iter()
        .any(|argv| argv.get(2).is_some_and(|path| path.ends_with(".json")))
}

fn runs_markdown_plan(job: &Value) -> bool {
    subcommand(&deployplan_commands(job), "plan")
        .iter()
        .any(|argv| has_pair(argv, "--format", "markdown"))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn environments(matrix_entry: &Value) -> Vec<String> {
    matrix_entry
        .as_array()
        .map(|items| items.iter().map(text).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// GitHub Actions

#[test]
fn github_actions_template_is_well_formed() {
    let doc = load("github-actions.yml");
    // YAML 1.1 readers turn the key `on` into `true`; accept either.
    let on = doc
        .get("on")
        .or_else(|| doc.get("true"))
        .expect("an `on:` trigger");
    assert!(
        on["pull_request"]["paths"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "pull_request must be filtered to the manifest paths: {on}"
    );
    assert!(
        on["push"]["branches"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b == "main")),
        "push to main must trigger the apply: {on}"
    );

    let jobs = doc["jobs"].as_object().expect("jobs");
    let (_, plan) = jobs
        .iter()
        .find(|(_, job)| runs_markdown_plan(job))
        .expect("a job that plans for the PR comment");
    assert_eq!(
        plan["permissions"]["pull-requests"], "write",
        "the plan job comments on the PR"
    );
    assert_eq!(
        environments(&plan["strategy"]["matrix"]["environment"]),
        ["staging", "production"]
    );
    let steps = plan["steps"].as_array().expect("plan steps");
    assert!(
        steps.iter().any(|step| {
            text(&step["uses"]).starts_with("actions/upload-artifact")
                && text(&step["with"]["path"]).contains(".json")
        }),
        "the plan job uploads the plan file as an artifact"
    );
    let comment = steps
        .iter()
        .find(|step| text(&step["run"]).contains("gh api"))
        .expect("a step that comments with `gh api`");
    let run = text(&comment["run"]);
    assert!(
        run.contains("PATCH") && run.contains("POST"),
        "updates the marked comment, else posts one:\n{run}"
    );
    assert!(
        text(&comment["env"]["MARKER"])
            .starts_with("<!-- deployplan-plan environment=${{ matrix.environment }} -->"),
        "the comment is found by deployplan's hidden marker"
    );

    let appliers: Vec<_> = jobs.iter().filter(|(_, job)| runs_apply(job)).collect();
    assert!(!appliers.is_empty(), "a job applies a saved plan");
    for (name, job) in appliers {
        assert_eq!(
            job["concurrency"]["group"], "deployplan-apply-${{ matrix.environment }}",
            "job `{name}`: one apply per environment at a time"
        );
        assert_eq!(
            job["concurrency"]["cancel-in-progress"], false,
            "job `{name}`: a running apply must never be cancelled"
        );
        let environment = job["environment"]
            .get("name")
            .unwrap_or(&job["environment"]);
        assert_eq!(
            text(environment),
            "${{ matrix.environment }}",
            "job `{name}`: protection rules apply"
        );
        assert!(
            text(&job["if"]).contains("push"),
            "job `{name}` applies on push only"
        );
        let strategy = &job["strategy"];
        assert_eq!(
            environments(&strategy["matrix"]["environment"]),
            ["staging", "production"],
            "job `{name}`: staging is applied first"
        );
        assert_eq!(
            strategy["max-parallel"], 1,
            "job `{name}`: one environment at a time"
        );
        assert_eq!(
            strategy["fail-fast"], true,
            "job `{name}`: a failed staging apply stops production"
        );
    }
}

#[test]
fn github_actions_commands_parse() {
    let commands = deployplan_commands(&load("github-actions.yml"));
    assert_commands_parse("github-actions.yml", &commands);
    assert_pipeline_commands("github-actions.yml", &commands);
}

// ---------------------------------------------------------------------------------------
// GitLab CI

/// GitLab's `extends:` (deep merge of mappings; the extending job wins).
fn resolve_job(doc: &Map<String, Value>, job: &Value) -> Value {
    let parents: Vec<String> = match &job["extends"] {
        Value::String(parent) => vec![parent.clone()],
        Value::Array(parents) => parents.iter().map(text).collect(),
        _ => Vec::new(),
    };
    let mut resolved = Value::Object(Map::new());
    for parent in parents {
        let parent = doc
            .get(&parent)
            .unwrap_or_else(|| panic!("`extends: {parent}` names no job"));
        merge(&mut resolved, resolve_job(doc, parent));
    }
    merge(&mut resolved, job.clone());
    resolved
}

fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, over) => *base = over,
    }
}

const GITLAB_KEYWORDS: &[&str] = &[
    "workflow",
    "stages",
    "variables",
    "default",
    "include",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

#[test]
fn gitlab_ci_template_is_well_formed() {
    let doc = load("gitlab-ci.yml");
    let top = doc.as_object().expect("a mapping");
    let workflow_rules = doc["workflow"]["rules"].to_string();
    assert!(
        workflow_rules.contains(r#"$CI_PIPELINE_SOURCE == \"merge_request_event\""#),
        "{workflow_rules}"
    );
    assert!(
        workflow_rules.contains("$CI_DEFAULT_BRANCH"),
        "{workflow_rules}"
    );
    let stages: Vec<String> = doc["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(text)
        .collect();

    let jobs: Vec<(&String, Value)> = top
        .iter()
        .filter(|(name, _)| !name.starts_with('.') && !GITLAB_KEYWORDS.contains(&name.as_str()))
        .map(|(name, job)| (name, resolve_job(top, job)))
        .collect();

    let (plan_name, plan) = jobs
        .iter()
        .find(|(_, job)| runs_markdown_plan(job))
        .expect("a job that plans for the MR note");
    assert_eq!(
        environments(&plan["parallel"]["matrix"][0]["ENVIRONMENT"]),
        ["staging", "production"],
        "job `{plan_name}`: one plan per environment"
    );
    assert!(
        plan["rules"].to_string().contains("merge_request_event"),
        "job `{plan_name}` runs on merge requests"
    );
    assert!(
        plan["artifacts"]["paths"]
            .to_string()
            .contains("plan-$ENVIRONMENT.json"),
        "job `{plan_name}` keeps the plan file"
    );
    let script = plan["script"].to_string();
    for needle in [
        "merge_requests/$CI_MERGE_REQUEST_IID/notes",
        "PRIVATE-TOKEN: $GITLAB_TOKEN",
        "method=PUT",
        "method=POST",
        "<!-- deployplan-plan environment=$ENVIRONMENT -->",
    ] {
        assert!(
            script.contains(needle),
            "job `{plan_name}`: the MR note step lacks `{needle}`"
        );
    }

    let mut applied: Vec<(usize, String)> = Vec::new();
    for (name, job) in jobs.iter().filter(|(_, job)| runs_apply(job)) {
        let group = text(&job["resource_group"]);
        assert!(
            group.contains("$ENVIRONMENT") || group.contains("${ENVIRONMENT}"),
            "job `{name}`: `resource_group` must serialise applies per environment, got `{group}`"
        );
        assert_eq!(
            job["interruptible"], false,
            "job `{name}`: a running apply must never be auto-cancelled"
        );
        assert_eq!(
            job["environment"]["name"], "$ENVIRONMENT",
            "job `{name}`: protected environment rules apply"
        );
        assert!(
            job["rules"].to_string().contains("$CI_DEFAULT_BRANCH"),
            "job `{name}` applies on the default branch only"
        );
        let environment = text(&job["variables"]["ENVIRONMENT"]);
        let stage = text(&job["stage"]);
        let position = stages
            .iter()
            .position(|s| *s == stage)
            .unwrap_or_else(|| panic!("job `{name}`: stage `{stage}` is not in `stages`"));
        applied.push((position, environment));
    }
    applied.sort();
    let order: Vec<&str> = applied.iter().map(|(_, env)| env.as_str()).collect();
    assert_eq!(
        order,
        ["staging", "production"],
        "staging is applied in an earlier stage than production"
    );
    assert!(
        applied[0].0 < applied[1].0,
        "the applies must be in different stages"
    );
}

#[test]
fn gitlab_ci_commands_parse() {
    let commands = deployplan_commands(&load("gitlab-ci.yml"));
    assert_commands_parse("gitlab-ci.yml", &commands);
    assert_pipeline_commands("gitlab-ci.yml", &commands);
}

// ---------------------------------------------------------------------------------------
// The extraction itself.

#[test]
fn extracts_deployplan_commands_from_shell() {
    let script = "code=0\n\
                  deployplan plan $M --env ${{ matrix.environment }} \\\n  --format markdown --out plan-${ENVIRONMENT}.json > plan.md 2>&1 || code=$?\n\
                  # deployplan apply in a comment\n\
                  case \"$code\" in\n  2) deployplan apply plan-$ENVIRONMENT.json --lock-timeout 10m ;;\nesac\n\
                  cargo install --locked --git $URL deployplan\n\
                  echo \"deployplan is ready\" >&2; FOO=1 deployplan validate | tee log";
    let doc = serde_json::json!({ "steps": [{ "run": script }] });
    let commands: Vec<String> = deployplan_commands(&doc)
        .iter()
        .map(|argv| argv.join(" "))
        .collect();
    assert_eq!(
        commands,
        [
            "deployplan plan sample --env staging --format markdown --out plan-staging.json",
            "deployplan apply plan-staging.json --lock-timeout 10m",
            "deployplan validate",
        ]
    );
}

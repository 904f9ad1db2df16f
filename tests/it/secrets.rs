//! No secret value appears in any output, plan file or log.

use proptest::prelude::*;

use crate::common::{self, assert_code, fixture, ncp, stderr, stdout, world};

const SECRET: &str = "s3cr3t-t0ken-9f8e7d";

/// The API keys from the environment and a secret, and a secret in a command.
const MANIFEST: &str = "ncp/secret-in-a-command.yaml";

/// A secret in a multi-line command (a block scalar) and in a one-line one.
const SHAPED: &str = "ncp/secret-in-a-block-scalar.yaml";

/// A scenario asking for an object named after the secret: the provider refuses it,
/// echoing the name.
const ECHOED: &str = "ncp/secret-in-an-object-name.yaml";

#[test]
fn secrets_never_reach_outputs_plan_files_or_logs() {
    let w = world();
    w.manifest(&fixture(MANIFEST));
    let run = |args: &[&str]| {
        w.cmd()
            .env("DEPLOY_TOKEN", SECRET)
            .args(args)
            .output()
            .unwrap()
    };
    let mut outputs = Vec::new();

    let text = run(&["plan", "-vv"]);
    assert_code(&text, 0);
    assert!(stdout(&text).contains("(sensitive)"), "{}", stdout(&text));
    outputs.push(text);
    let json = run(&["plan", "--format", "json", "--out", "plan.json"]);
    assert_code(&json, 0);
    outputs.push(json);
    let markdown = run(&["plan", "--format", "markdown"]);
    assert_code(&markdown, 0);
    outputs.push(markdown);
    let graph = run(&["graph", "--format", "mermaid"]);
    assert_code(&graph, 0);
    outputs.push(graph);
    let plan_file = std::fs::read_to_string(w.path().join("plan.json")).unwrap();
    let apply = run(&["apply", "plan.json", "-vv", "--poll-interval-ms", "100"]);
    assert_code(&apply, 0);
    outputs.push(apply);
    // The remote now holds the secret (it is part of the command): reading it back must
    // still mask it, and a change to it must too.
    w.manifest(&fixture(MANIFEST).replace("notify", "notify2"));
    let changed = run(&["plan", "-vv"]);
    assert_code(&changed, 0);
    outputs.push(changed);

    for output in &outputs {
        for text in [stdout(output), stderr(output)] {
            assert!(!text.contains(SECRET), "secret leaked:\n{text}");
            assert!(
                !text.contains(ncp::SECRET_KEY),
                "API secret leaked:\n{text}"
            );
        }
    }
    assert!(!plan_file.contains(SECRET) && plan_file.contains("(sensitive)"));
}

/// Secrets of awkward shapes: several lines, quotes, backslashes, `%`, `${`, spaces,
/// unicode. Each line starts with letters and digits so that no line is mistaken for the
/// structure of an output.
fn secret_shape() -> impl Strategy<Value = String> {
    let odd = prop_oneof![
        Just("\""),
        Just("'"),
        Just("\\"),
        Just("%"),
        Just("%2F"),
        Just("${"),
        Just(" "),
        Just("é"),
        Just("密码"),
        Just("🔑"),
        Just("#"),
        Just(": "),
        Just("&"),
        Just("+"),
    ];
    let line = (
        "[A-Za-z0-9]{4,8}",
        proptest::collection::vec(odd, 1..4),
        "[A-Za-z0-9]{2,6}",
    )
        .prop_map(|(head, odd, tail)| format!("{head}{}{tail}", odd.concat()));
    proptest::collection::vec(line, 1..4).prop_map(|lines| lines.join("\n"))
}

/// Forms of `secret` that must not appear in any output: the value, each line of eight
/// characters or more (trimmed), and the value JSON-escaped, Debug-escaped and
/// form-encoded, each computed here independently of the redactor.
fn forbidden(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let mut url = reqwest::Url::parse("http://h/").unwrap();
    url.query_pairs_mut().append_pair("v", secret);
    let mut out = vec![
        secret.to_owned(),
        json[1..json.len() - 1].to_owned(),
        format!("{secret:?}").trim_matches('"').to_owned(),
        url.query().unwrap()[2..].to_owned(),
    ];
    out.extend(
        secret
            .lines()
            .map(str::trim)
            .filter(|line| line.chars().count() >= 8)
            .map(str::to_owned),
    );
    out
}

fn leaks(text: &str, forbidden: &[String]) -> Option<String> {
    forbidden
        .iter()
        .find(|form| text.contains(form.as_str()))
        .cloned()
}

fn every_output_masks(secret: &str) -> Result<(), TestCaseError> {
    let w = world();
    let run = |args: &[&str]| {
        w.cmd()
            .env("DEPLOY_TOKEN", secret)
            .args(args)
            .output()
            .unwrap()
    };
    let mut texts: Vec<(String, String)> = Vec::new();
    fn keep(texts: &mut Vec<(String, String)>, what: &str, output: &std::process::Output) {
        texts.push((format!("{what} stdout"), stdout(output)));
        texts.push((format!("{what} stderr"), stderr(output)));
    }

    let shaped = fixture(SHAPED);
    w.manifest(&shaped);
    for (what, args) in [
        ("plan", &["plan", "-vv"][..]),
        (
            "plan json",
            &["plan", "--format", "json", "--out", "plan.json"],
        ),
        ("plan markdown", &["plan", "--format", "markdown"]),
        ("graph dot", &["graph", "--format", "dot"]),
        ("graph mermaid", &["graph", "--format", "mermaid"]),
        (
            "apply",
            &["apply", "plan.json", "-vv", "--poll-interval-ms", "100"],
        ),
    ] {
        let output = run(args);
        prop_assert_eq!(common::code(&output), 0, "{}: {}", what, stderr(&output));
        keep(&mut texts, what, &output);
    }
    texts.push((
        "plan file".into(),
        std::fs::read_to_string(w.path().join("plan.json")).unwrap(),
    ));
    // Read back from the provider: a plan of a change to the command, and an export.
    let changed = shaped.replace("echo done", "echo finished");
    w.manifest(&changed);
    let replan = run(&["plan", "-vv"]);
    prop_assert_eq!(common::code(&replan), 0, "{}", stderr(&replan));
    keep(&mut texts, "plan after a change", &replan);
    // The manifest no longer uses the secret: the remote's old command is shown, line by
    // line in a diff, as nothing but text.
    let forgotten = shaped.replacen("\"${secret.DEPLOY_TOKEN}\"", "none", 1);
    prop_assert_ne!(&forgotten, &shaped);
    w.manifest(&forgotten);
    let diff = run(&["plan", "-vv"]);
    prop_assert_eq!(common::code(&diff), 0, "{}", stderr(&diff));
    keep(&mut texts, "plan of a command without the secret", &diff);
    let diff_md = run(&["plan", "--format", "markdown"]);
    keep(
        &mut texts,
        "markdown plan of a command without the secret",
        &diff_md,
    );
    let diff_json = run(&["plan", "--format", "json"]);
    keep(
        &mut texts,
        "json plan of a command without the secret",
        &diff_json,
    );
    let export = run(&["export", "--provider", "ncp", "-vv"]);
    prop_assert_eq!(common::code(&export), 0, "{}", stderr(&export));
    prop_assert!(
        stdout(&export).contains("(sensitive)"),
        "{}",
        stdout(&export)
    );
    keep(&mut texts, "export", &export);
    let export_file = run(&["export", "--provider", "ncp", "--out", "exported.yaml"]);
    prop_assert_eq!(common::code(&export_file), 0, "{}", stderr(&export_file));
    texts.push((
        "export file".into(),
        std::fs::read_to_string(w.path().join("exported.yaml")).unwrap(),
    ));

    // The provider refuses an object named after the secret, echoing the name.
    w.manifest(&fixture(ECHOED));
    let refused = run(&[
        "apply",
        "--auto-approve",
        "-vv",
        "--poll-interval-ms",
        "100",
    ]);
    prop_assert_eq!(common::code(&refused), 1, "{}", stdout(&refused));
    keep(&mut texts, "refused apply", &refused);
    for entry in std::fs::read_dir(w.path().join(".deployplan/runs")).unwrap() {
        let path = entry.unwrap().path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }

    let forbidden = forbidden(secret);
    for (what, text) in &texts {
        if let Some(form) = leaks(text, &forbidden) {
            return Err(TestCaseError::fail(format!(
                "{what} shows {form:?} of secret {secret:?}:\n{text}"
            )));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every output path — plans in each format, graphs, apply progress, `-vv` traces, the
    /// journal, the saved plan, export, a provider's refusal echoing the value — masks every
    /// shape of secret in every form it takes there.
    #[test]
    fn every_output_masks_every_shape_of_secret(secret in secret_shape()) {
        every_output_masks(&secret)?;
    }
}

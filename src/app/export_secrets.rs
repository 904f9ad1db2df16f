//! `export` never writes a known secret, whatever shape the secret has and whichever YAML
//! style (plain, quoted, block, in a list) the writer picks for the value holding it.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::export::{Header, masked_document};

/// Multi-line secrets with quotes, backslashes, `%`, `${`, `#`, `: `, spaces and unicode.
/// Each line opens with letters and digits, and the value with a marker no other test
/// prints, since the registry is process-wide.
fn secret_shape() -> impl Strategy<Value = String> {
    let odd = prop_oneof![
        Just("\""),
        Just("'"),
        Just("\\"),
        Just("%"),
        Just("${"),
        Just(" "),
        Just("#"),
        Just(": "),
        Just("é"),
        Just("密码"),
        Just("🔑"),
        Just("\t"),
    ];
    let line = (
        "[A-Za-z0-9]{6,10}",
        proptest::collection::vec(odd, 0..4),
        "[A-Za-z0-9]{0,4}",
    )
        .prop_map(|(head, odd, tail)| format!("{head}{}{tail}", odd.concat()));
    proptest::collection::vec(line, 1..4)
        .prop_map(|lines| format!("zq-export-{}", lines.join("\n")))
}

/// Every string in a document read back.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out);
        }),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn export_never_writes_a_known_secret(secret in secret_shape(), pad in "[ ]{0,2}") {
        crate::redact::register(&secret);
        let section = json!({"projects": {"shop": {"stages": {"dev": {"scenarios": {"web": {
            "description": format!("{pad}{secret}"),
            "commands": {"post": [
                {"user": "root", "run": format!("echo start\n  {secret}\necho done\n")},
                {"user": "root", "run": format!("sign --key '{secret}' --now")},
                {"user": "root", "run": secret.clone()},
            ]},
            "env": [[secret.clone(), format!("{secret}{pad}")]],
        }}}}}}});
        let header = Header {
            instance: "ncp",
            provider_type: "ncp-sourcedeploy",
            time: "2026-11-22T10:00:00Z".into(),
            notes: &[],
            skipped: 0,
        };
        let (text, masked) = masked_document(&header, "ncp-sourcedeploy", &section).unwrap();
        prop_assert!(masked);
        let lines: Vec<&str> = secret
            .lines()
            .map(str::trim)
            .filter(|l| l.chars().count() >= crate::redact::forms::MIN_LINE_CHARS)
            .collect();
        prop_assert!(!text.contains(secret.as_str()), "{text}");
        for line in &lines {
            prop_assert!(!text.contains(line), "{line:?}:\n{text}");
        }
        // Read back, no value holds any line of the secret, however short: each value was
        // masked whole before the writer could split it.
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        let mut found = Vec::new();
        strings(&back, &mut found);
        for s in found {
            for line in secret.lines().map(str::trim) {
                prop_assert!(!s.contains(line), "{line:?} in {s:?}");
            }
        }
    }
}

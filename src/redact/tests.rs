//! The redactor against every shape of secret and every form an output gives it.

use std::time::Instant;

use proptest::prelude::*;

use super::forms::{FRAGMENT_CHARS, FRAGMENT_MIN_FORM_CHARS, MIN_LINE_CHARS};
use super::*;

fn redactor(secrets: &[&str]) -> Redactor {
    let redactor = Redactor::default();
    for secret in secrets {
        redactor.register(secret);
    }
    redactor
}

#[test]
fn masks_registered_values_longest_first() {
    register("hunter2-secret");
    register("hunter2-secret-extended");
    assert_eq!(redact("a hunter2-secret-extended b"), "a (sensitive) b");
    assert_eq!(redact("x hunter2-secret y"), "x (sensitive) y");
    assert!(matches!(redact("nothing here"), Cow::Borrowed(_)));
}

#[test]
fn ignores_trivially_short_values() {
    let r = redactor(&["ab", "é1"]);
    assert_eq!(r.redact("abc é1"), "abc é1");
}

#[test]
fn escaped_and_encoded_forms_are_masked() {
    let r = redactor(&["pa\"ss w/rd\\é"]);
    for text in [
        r#"{"message":"bad value pa\"ss w/rd\\é"}"#,
        r#"{"line":"{\"message\":\"pa\\\"ss w/rd\\\\é\"}"}"#,
        "GET /x?token=pa%22ss+w%2Frd%5C%C3%A9",
        "GET /x/pa%22ss%20w%2frd%5c%c3%a9",
        r#"key: "pa\"ss w/rd\\é""#,
        r#"{"v":"pa\"ss w/rd\\\u00e9"}"#,
        "Some(\"pa\\\"ss w/rd\\\\é\")",
    ] {
        let out = r.redact(text);
        assert!(out.contains(MASK), "{text} → {out}");
        assert!(!out.contains("ss w"), "{text} → {out}");
        assert!(
            !out.contains("ss+w") && !out.contains("ss%20w"),
            "{text} → {out}"
        );
    }
}

#[test]
fn each_line_of_a_block_scalar_is_masked() {
    let key = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\nqZVBy1zT0mN3kR\n}\n";
    let r = redactor(&[key]);
    let yaml = "script: |\n    -----BEGIN KEY-----\n    MIIBOgIBAAJBAKj34GkxFhD9\n    qZVBy1zT0mN3kR\n    }\nnext: 1\n";
    let out = r.redact(yaml);
    assert!(!out.contains("MIIBOg") && !out.contains("qZVBy1"), "{out}");
    assert!(out.contains("next: 1"), "{out}");
}

#[test]
fn a_clipped_secret_is_masked_by_its_long_start_or_end() {
    let token = "tok-0123456789abcdefghij-XYZ";
    let r = redactor(&[token]);
    assert_eq!(
        r.redact("answer: {\"t\":\"tok-0123456789ab…"),
        "answer: {\"t\":\"(sensitive)…"
    );
    assert_eq!(r.redact("…89abcdefghij-XYZ\"}"), "…(sensitive)\"}");
    // Shorter than a fragment: left alone (and not the secret's start or end anyway).
    assert_eq!(r.redact("tok-01234"), "tok-01234");
}

#[test]
fn large_outputs_are_scanned_once() {
    let secrets: Vec<String> = (0..50)
        .map(|i| format!("secret-{i:03}-{}\nline-two-of-{i:03}-value", "x".repeat(i)))
        .collect();
    let r = Redactor::default();
    for s in &secrets {
        r.register(s);
    }
    let mut text = String::new();
    for i in 0..40_000 {
        text.push_str(&format!(
            "  + ncp.shop.stages.dev{i}: name = \"dev{i}\" (new)\n"
        ));
    }
    text.push_str(&secrets[7]);
    let started = Instant::now();
    let out = r.redact(&text);
    let elapsed = started.elapsed();
    assert!(out.ends_with(MASK) && !out.contains("secret-007"));
    assert_eq!(out.len(), text.len() - secrets[7].len() + MASK.len());
    // Reported, not asserted: timing depends on the machine.
    eprintln!(
        "redacted {} bytes against 50 secrets in {elapsed:?}",
        text.len()
    );
}

/// Secrets of every awkward shape: quotes, backslashes, `%`, `${`, spaces, unicode, and
/// several lines.
fn secret_shape() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[A-Z0-9]{1,12}",
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("%".to_owned()),
        Just("${".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just("/".to_owned()),
        Just("+&=?#".to_owned()),
        Just("é".to_owned()),
        Just("密码".to_owned()),
        Just("🔑".to_owned()),
        Just("<>".to_owned()),
    ];
    let line = proptest::collection::vec(piece, 1..6).prop_map(|p| p.concat());
    proptest::collection::vec(line, 1..4)
        .prop_map(|lines| format!("K{}Z", lines.join("\n")))
        .prop_filter("long enough to register", |s| {
            s.chars().count() >= MIN_SECRET_CHARS
        })
}

/// What each output writer makes of a string.
fn outputs(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let mut map = serde_json::Map::new();
    map.insert("run".into(), Value::String(secret.into()));
    let yaml = serde_saphyr::to_string(&Value::Object(map.clone())).unwrap();
    let flow = serde_json::to_string(&json!({"note": format!("x{secret}y")})).unwrap();
    let mut url = reqwest::Url::parse("http://h/p").unwrap();
    url.query_pairs_mut().append_pair("q", secret);
    url.path_segments_mut().unwrap().push(secret);
    vec![
        format!("value: {secret}."),
        format!("error: {json}"),
        format!(
            "journal: {}",
            serde_json::to_string(&json!({"m": json})).unwrap()
        ),
        yaml,
        flow,
        url.to_string(),
        format!("{secret:?}"),
        format!("  | {}", secret.replace('\n', "\n  | ")),
    ]
}

use serde_json::json;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No output form of a secret survives: not the value, nor any meaningful line of it.
    #[test]
    fn no_form_of_a_secret_survives(secret in secret_shape()) {
        let r = redactor(&[&secret]);
        let lines: Vec<&str> = secret
            .split('\n')
            .map(str::trim)
            .filter(|l| l.chars().count() >= MIN_LINE_CHARS)
            .collect();
        // Lines shorter than MIN_LINE_CHARS are shown when a writer splits the value.
        let whole_or_lines = !secret.contains('\n') || !lines.is_empty();
        for output in outputs(&secret) {
            let out = r.redact(&output);
            prop_assert!(!whole_or_lines || out.contains(MASK), "{output:?} → {out:?}");
            prop_assert!(!out.contains(secret.as_str()), "{output:?} → {out:?}");
            for line in &lines {
                prop_assert!(!out.contains(line), "line {line:?}: {output:?} → {out:?}");
            }
        }
    }

    /// Text around a secret is kept as it was.
    #[test]
    fn text_around_a_secret_is_kept(
        secret in secret_shape(),
        left in "[a-z ]{0,40}",
        right in "[a-z ]{0,40}",
    ) {
        let r = redactor(&[&secret]);
        let text = format!("{left}{secret}{right}");
        let out = r.redact(&text);
        prop_assert!(out.starts_with(left.as_str()) && out.ends_with(right.as_str()), "{out:?}");
        prop_assert!(out.contains(MASK));
        let untouched = format!("{left}|{right}");
        prop_assert_eq!(r.redact(&untouched), untouched.as_str());
    }

    /// A message clipped anywhere inside a long secret shows no fragment of
    /// [`FRAGMENT_CHARS`] or more of its start or end.
    #[test]
    fn clipped_secrets_show_no_long_fragment(
        secret in "[A-Za-z0-9+/=é\"-]{20,60}",
        cut in 0usize..60,
    ) {
        prop_assume!(secret.chars().count() >= FRAGMENT_MIN_FORM_CHARS);
        let r = redactor(&[&secret]);
        let chars: Vec<char> = secret.chars().collect();
        let cut = cut.min(chars.len());
        let head: String = chars[..cut].iter().collect();
        let tail: String = chars[cut..].iter().collect();
        let clipped_head = r.redact(&format!("body: {head}…")).into_owned();
        let clipped_tail = r.redact(&format!("…{tail} end")).into_owned();
        if cut >= FRAGMENT_CHARS {
            prop_assert_eq!(clipped_head.as_str(), "body: (sensitive)…");
        }
        if chars.len() - cut >= FRAGMENT_CHARS {
            prop_assert_eq!(clipped_tail.as_str(), "…(sensitive) end");
        }
    }
}

#[test]
fn snippets_are_redacted_before_they_are_clipped_or_flattened() {
    register("ab\ncd\nef");
    let body = b"{\"error\":\"ab\\ncd\\nef\"} and ab\ncd\nef then more";
    let text = snippet(body, 200);
    assert!(!text.contains("cd"), "{text}");
    assert_eq!(snippet(b"plain words", 4), "plai…");
    assert_eq!(snippet(b"", 4), "(empty)");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Should the automaton ever fail to build, the pattern-by-pattern search masks exactly
    /// the same spans.
    #[test]
    fn the_fallback_search_masks_the_same_spans(secret in secret_shape(), noise in "[a-zA-Z0-9 \"%\\\\]{0,30}") {
        let mut matcher = Matcher::build(std::slice::from_ref(&secret)).unwrap();
        let text = format!("{noise}{}{noise}", outputs(&secret).join("\n"));
        let fast = matcher.spans(&text);
        prop_assert!(!fast.is_empty());
        matcher.automaton = None;
        prop_assert_eq!(matcher.spans(&text), fast);
    }
}

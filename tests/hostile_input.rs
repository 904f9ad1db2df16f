//! Input no manifest author means to write: very long lines, multi-megabyte values, bytes
//! that are not UTF-8. The real binary must answer each with a located diagnostic, exit 1,
//! and a report whose size does not grow with the input.

mod common;

use common::{stderr, world};

/// Bytes of stderr allowed per diagnostic listed (plus the closing line).
const PER_DIAGNOSTIC: usize = 4096;

fn run_on(bytes: &[u8]) -> (String, i32) {
    let w = world();
    std::fs::write(w.path().join("deployplan.yaml"), bytes).unwrap();
    let out = w.run(&["validate"]);
    assert!(w.requests().is_empty());
    (stderr(&out), out.status.code().unwrap_or(-1))
}

#[test]
fn a_syntax_error_past_column_65535_is_located_not_a_crash() {
    for (prefix, suffix) in [
        ("vars:\n  a: ", ": b: c\n"),
        ("vars: {a: \"", "\", b: [1, 2}\n"),
        ("vars:\n  a: \"", "\n  b: [\n"),
    ] {
        let text = format!("{prefix}{}{suffix}", "x".repeat(70_000));
        let (err, code) = run_on(text.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(
            !err.contains("internal error") && !err.contains("panicked"),
            "{err}"
        );
        assert!(err.contains("deployplan::yaml-syntax"), "{err}");
        assert!(
            err.len() < 2 * PER_DIAGNOSTIC,
            "{} bytes of stderr",
            err.len()
        );
        assert!(err.contains('…'), "a clipped line is marked: {err}");
    }
    let (err, _) = run_on(format!("vars:\n  a: {}: b: c\n", "x".repeat(70_000)).as_bytes());
    assert!(
        err.contains("deployplan.yaml:2:70006"),
        "the true column: {err}"
    );
}

#[test]
fn a_multi_megabyte_value_is_not_echoed() {
    let big = "x".repeat(14 * 1024 * 1024);
    for text in [
        format!("vars:\n  a: {big}\nfoo: bar: baz\n"),
        format!("vars:\n  a: {big}\nunknown_section: 1\n"),
        format!("providers:\n  ncp:\n    type: {big}\n"),
    ] {
        let (err, code) = run_on(text.as_bytes());
        assert_eq!(code, 1, "{}", &err[..err.len().min(2000)]);
        assert!(
            err.len() < 2 * PER_DIAGNOSTIC,
            "{} bytes of stderr",
            err.len()
        );
    }
}

#[test]
fn many_errors_are_listed_up_to_a_cap_and_counted() {
    let mut text = String::from("vars:\n");
    for i in 0..400 {
        text.push_str(&format!("  v{i}: [1, 2]\n"));
    }
    let (err, code) = run_on(text.as_bytes());
    assert_eq!(code, 1);
    assert!(err.contains("400 errors in the manifest"), "{err}");
    assert!(err.contains("and 350 more not listed here"), "{err}");
    assert!(err.len() < 51 * PER_DIAGNOSTIC, "{} bytes", err.len());
}

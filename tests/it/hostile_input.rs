//! Input no manifest author means to write: very long lines, multi-megabyte values, bytes
//! that are not UTF-8. The real binary must answer each with a located diagnostic, exit 1,
//! and a report whose size does not grow with the input.

use crate::common::{stderr, world};

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

#[test]
fn a_file_that_is_not_utf8_is_named_with_the_line_of_the_first_bad_byte() {
    for (bytes, at) in [
        (
            &b"vars:\n  a: b\n  c: d\xff\xfe\n"[..],
            "deployplan.yaml:3:7",
        ),
        (&b"\xc3(\n"[..], "deployplan.yaml:1:1"),
        (
            &b"vars:\n  k: \"\xea\xb0\x80\xea\xb0\"\n"[..],
            "deployplan.yaml:2:8",
        ),
    ] {
        let (err, code) = run_on(bytes);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("deployplan::encoding"), "{err}");
        assert!(err.contains("`deployplan.yaml` is not UTF-8 text"), "{err}");
        assert!(err.contains(at), "{at} in {err}");
    }
}

/// A wrong path or an unwritten file must not pass a CI drift check as "no changes".
#[test]
fn a_manifest_with_nothing_in_it_is_an_error_that_says_what_was_read() {
    for text in [
        "",
        "\n\n",
        "# only a comment\n# and another\n",
        "{}\n",
        "---\n",
    ] {
        let w = world();
        std::fs::write(w.path().join("deployplan.yaml"), text).unwrap();
        for args in [
            &["validate", "deployplan.yaml"][..],
            &["plan", "--detailed-exitcode", "deployplan.yaml"],
            &["apply", "--auto-approve", "deployplan.yaml"],
        ] {
            let out = w.run(args);
            let command = args[0];
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{command} {text:?}: {err}");
            assert!(
                err.contains("`deployplan.yaml` is empty or holds only comments"),
                "{command} {text:?}: {err}"
            );
        }
    }
    let w = world();
    std::fs::create_dir_all(w.path().join("m/sub")).unwrap();
    std::fs::write(w.path().join("m/a.yaml"), "# later\n").unwrap();
    std::fs::write(w.path().join("m/sub/b.yml"), "").unwrap();
    let out = w.run(&["plan", "m"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the 2 manifest files in `m`"), "{err}");
    assert!(
        err.contains("m/a.yaml") && err.contains("m/sub/b.yml"),
        "{err}"
    );
    assert!(w.requests().is_empty());
}

/// Past the YAML reader's default node budget (250,000 values) one file still loads: the
/// budget scales with the file (a value takes at least a byte), and the same content split
/// over files in one directory loads too.
#[test]
fn a_file_past_the_default_node_budget_loads_whole_or_split() {
    let w = world();
    let entry = |i: usize| format!("  v{i}: {i}\n");
    let half = 70_000;
    let whole: String = std::iter::once("vars:\n".to_owned())
        .chain((0..2 * half).map(entry))
        .collect();
    std::fs::write(w.path().join("deployplan.yaml"), &whole).unwrap();
    let out = w.run(&["validate", "deployplan.yaml"]);
    let err = stderr(&out);
    assert!(
        !err.contains("too large"),
        "{}",
        &err[..err.len().min(3000)]
    );

    std::fs::create_dir(w.path().join("split")).unwrap();
    let first: String = std::iter::once("vars:\n".to_owned())
        .chain((0..half).map(entry))
        .collect();
    let second: String = std::iter::once("vars:\n".to_owned())
        .chain((half..2 * half).map(entry))
        .collect();
    std::fs::write(w.path().join("split/a.yaml"), first).unwrap();
    std::fs::write(w.path().join("split/b.yaml"), second).unwrap();
    let out = w.run(&["validate", "split"]);
    let err = stderr(&out);
    assert!(
        !err.contains("too large"),
        "{}",
        &err[..err.len().min(3000)]
    );
}

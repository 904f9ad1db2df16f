use std::path::Path;

use super::*;
use crate::manifest::node;

fn diagnose(text: &str) -> ManifestDiagnostic {
    let mut sources = SourceMap::default();
    let file = sources.add(Path::new("m.yaml"), "m.yaml".into(), text.into());
    let err = node::parse(text, file).expect_err(text);
    diagnostic(&err, file, &sources)
}

/// The parser's own vocabulary, which a manifest author should not need.
const PARSER_WORDS: [&str; 7] = [
    "while parsing",
    "flow sequence",
    "flow mapping",
    "quoted scalar",
    "indicator",
    "budget breached",
    "Depth {",
];

#[test]
fn each_syntax_error_points_at_its_cause_in_plain_words() {
    // (text, line, column, words in the message)
    let table: &[(&str, u64, u64, &str)] = &[
        (
            "a:\n  servers: [1011\n  scenarios:\n    web: 1\n",
            2,
            12,
            "`[` is never closed",
        ),
        ("a: {b: 1, c: 2\nd: 3\n", 1, 4, "`{` is never closed"),
        ("a: [1, [2, 3]\nb: 1\n", 1, 4, "`[` is never closed"),
        ("# [ not code\na: [1\nb: 2\n", 2, 4, "`[` is never closed"),
        ("key: it's plain\nb: [\nc: 1\n", 2, 4, "`[` is never closed"),
        (
            "a: |\n  text with [ and \"\nb: {c\nd: 1\n",
            3,
            4,
            "`{` is never closed",
        ),
        ("- [a, b\n- c\n", 1, 3, "`[` is never closed"),
        ("a:\n  b: \"abc\n  c: 2\n", 2, 6, "`\"` is never closed"),
        ("a:\n  b: 'abc\n  c: 2\n", 2, 6, "`'` is never closed"),
        ("a: \"abc", 1, 4, "`\"` is never closed"),
        ("a: 'it''s\nb: 1\n", 1, 4, "`'` is never closed"),
        ("a:\n\tb: 1\n", 2, 1, "tab"),
        ("a:\n  b: 1\n \tc: 2\n", 3, 2, "tab"),
        ("a: b: c\n", 1, 5, "`key: value` pair cannot start here"),
    ];
    for &(text, line, column, words) in table {
        let d = diagnose(text);
        let (_, l, c) = d.location.clone().expect("located");
        assert_eq!((l, c), (line, column), "{text:?}: {}", d.message);
        assert!(d.message.contains(words), "{text:?}: {}", d.message);
        assert!(d.help.is_some(), "{text:?}: a hint");
        for jargon in PARSER_WORDS {
            assert!(!d.message.contains(jargon), "{text:?}: {}", d.message);
            assert!(
                d.labels
                    .iter()
                    .all(|l| !l.label().unwrap_or("").contains(jargon))
            );
        }
    }
}

#[test]
fn the_scan_ignores_brackets_and_quotes_that_are_text() {
    let state = scan("a: it's\nb: x[1] \"q\" # ' [\nc: |\n  [ \" '\nd: [1, {e: 2}]\n");
    assert!(state.flow.is_empty() && state.quote.is_none(), "{state:?}");
}

#[test]
fn a_file_past_the_readers_default_node_budget_loads() {
    // 390,000 values: past the reader's default of 250,000, which scales with the file.
    let text: String = (0..130_000).map(|i| format!("k{i}: [{i}]\n")).collect();
    let mut sources = SourceMap::default();
    let file = sources.add(Path::new("m.yaml"), "m.yaml".into(), text.clone());
    assert!(node::parse(&text, file).is_ok());
}

#[test]
fn a_file_too_large_for_the_reader_says_to_split_it() {
    let text = "a: 1\n";
    let mut sources = SourceMap::default();
    let file = sources.add(Path::new("m.yaml"), "m.yaml".into(), text.into());
    for breach in [
        serde_saphyr::budget::BudgetBreach::Nodes { nodes: 1 },
        serde_saphyr::budget::BudgetBreach::ScalarBytes {
            total_scalar_bytes: 1,
        },
    ] {
        let d = super::budget(&breach, Some(0), file, &sources);
        assert!(
            d.message.contains("too large to read as one manifest file"),
            "{}",
            d.message
        );
        assert!(
            d.help
                .as_deref()
                .unwrap_or("")
                .contains("several files in one directory")
        );
        for jargon in PARSER_WORDS {
            assert!(!d.message.contains(jargon), "{}", d.message);
        }
    }
}

#[test]
fn parser_advice_for_programmers_becomes_advice_for_authors() {
    assert_eq!(
        plain_words(
            "duplicate mapping key: rollback, set DuplicateKeyPolicy in Options if acceptable"
        )
        .0,
        "`rollback` is set twice in the same mapping"
    );
    assert!(
        plain_words("multiple YAML documents detected; use from_str_multiple or from_str_multiple_with_options")
            .0
            .starts_with("a manifest file holds one YAML document")
    );
}

#[test]
fn an_alias_bomb_is_stopped_however_large_the_file_may_be() {
    // "Billion laughs": nine levels of nine aliases each, 9^9 values from a few hundred bytes.
    let mut text = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..=9 {
        let previous = format!("*l{}", level - 1);
        let items = [previous.as_str(); 9].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{items}]\n"));
    }
    // Stopped by the values it expands to, which count against the file's budget.
    let d = diagnose(&text);
    assert!(
        d.message.contains("too large to read as one manifest file")
            && d.message
                .contains("an alias counting each value it repeats"),
        "{}",
        d.message
    );
}

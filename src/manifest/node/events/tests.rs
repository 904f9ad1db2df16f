use proptest::prelude::*;

use super::*;
use crate::manifest::node::parse_full;

/// What this path reads, the full reader reads the same, spans and all; what the full
/// reader refuses, this path leaves to it.
fn agrees(text: &str) -> Option<Node> {
    let fast = read(text, 3);
    match parse_full(text, 3) {
        Ok(full) => {
            if let Some(fast) = &fast {
                assert_eq!(fast, &full, "read differently:\n{text}");
            }
        }
        Err(err) => assert!(
            fast.is_none(),
            "read what the full reader refuses ({err}):\n{text}"
        ),
    }
    fast
}

#[test]
fn a_manifest_of_names_strings_numbers_and_lists_is_read_here() {
    let text = "\
providers:
  ncp:
    type: ncp-sourcedeploy   # a comment
    endpoint: sandbox
ncp-sourcedeploy:
  projects:
    shop:
      stages:
        dev:
          target: {type: server, servers: [1011, 1012]}
          scenarios:
            deploy:
              strategy: normal
              rollback: true
              timeout: -30
              ratio: 0.5
              none: ~
              empty:
              quoted: \"8080\"
              single: 'it''s'
              block: |
                line one
                line two
              folded: >
                a
                b
              korean: 배포
";
    assert!(
        agrees(text).is_some(),
        "the common manifest takes this path"
    );
}

#[test]
fn every_spelling_yaml_may_type_is_typed_as_the_full_reader_types_it() {
    let spellings = [
        "true",
        "True",
        "TRUE",
        "false",
        "yes",
        "Yes",
        "no",
        "NO",
        "on",
        "Off",
        "y",
        "N",
        "null",
        "Null",
        "NULL",
        "~",
        "",
        "0",
        "-0",
        "+1",
        "007",
        "0x1F",
        "0o17",
        "0b101",
        "1_000",
        "1e3",
        "1.5e-3",
        ".5",
        "5.",
        "-.inf",
        ".inf",
        ".NaN",
        "nan",
        "inf",
        "Infinity",
        "1e999",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "12:30",
        "1.2.3",
        "v1.2",
        "-",
        "--",
        "---x",
        "-x",
        "~x",
        ".x",
        "+x",
        "1 2",
        "0.",
        "00",
        "-00",
        "1__0",
    ];
    for spelling in spellings {
        agrees(&format!("value: {spelling}\nlist: [{spelling}]\n"));
        agrees(&format!("{spelling}: key\n"));
    }
}

#[test]
fn what_only_the_full_reader_reads_is_left_to_it() {
    let cases = [
        "a: &x 1\nb: *x\n",
        "base: &b {x: 1}\nc:\n  <<: *b\n",
        "a: !!str 1\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\na: 2\n",
        "? [a]\n: 1\n",
        "a: [1, 2\n",
        "a: .inf\n",
    ];
    for text in cases {
        assert!(agrees(text).is_none(), "read here:\n{text}");
    }
}

#[test]
fn depth_past_the_limit_is_left_to_the_full_reader() {
    let block: String = (0..MAX_DEPTH + 1)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect();
    assert!(agrees(&block).is_none());
}

fn scalar() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "name",
        "p0001",
        "true",
        "no",
        "On",
        "~",
        "null",
        "",
        "0",
        "12",
        "-7",
        "1.5",
        "0x10",
        "1_0",
        "'quoted'",
        "\"dq\\t\"",
        "\"8080\"",
        "'it''s'",
        "a b",
        "배포",
        "y",
        "-x",
        "1e3",
        "007",
        "ok # note",
    ])
    .prop_map(str::to_owned)
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a", "b", "name", "1", "true", "on", "~", "'q'", "\"a b\"", "n", "0x1", "1.0", "null",
    ])
    .prop_map(str::to_owned)
}

#[derive(Debug, Clone)]
enum Doc {
    Scalar(String),
    Flow(Vec<String>),
    Map(Vec<(String, Doc)>),
    Seq(Vec<Doc>),
}

fn doc() -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        scalar().prop_map(Doc::Scalar),
        prop::collection::vec(scalar(), 0..4).prop_map(Doc::Flow),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec((key(), inner.clone()), 1..5).prop_map(Doc::Map),
            prop::collection::vec(inner, 1..4).prop_map(Doc::Seq),
        ]
    })
}

fn render(doc: &Doc, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match doc {
        Doc::Scalar(s) => out.push_str(&format!(" {s}\n")),
        Doc::Flow(items) => {
            let items: Vec<&str> = items
                .iter()
                .map(|s| s.split(" #").next().unwrap_or(s))
                .filter(|s| !s.is_empty())
                .collect();
            out.push_str(&format!(" [{}]\n", items.join(", ")));
        }
        Doc::Map(entries) => {
            out.push('\n');
            let mut seen = Vec::new();
            for (key, value) in entries {
                // Names that read alike (`~` and `null`, `on` and `true`) count once.
                let name = key.trim_matches(['\'', '"']).to_ascii_lowercase();
                let name = match name.as_str() {
                    "~" => "null".to_owned(),
                    "on" => "true".to_owned(),
                    _ => name,
                };
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                out.push_str(&format!("{pad}{key}:"));
                render(value, indent + 2, out);
            }
        }
        Doc::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}-"));
                match item {
                    Doc::Map(_) | Doc::Seq(_) => render(item, indent + 2, out),
                    _ => render(item, indent, out),
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any document of the shapes a manifest takes, with keys and scalars of every
    /// type, is read here exactly as the full reader reads it, or left to it.
    #[test]
    fn reads_exactly_as_the_full_reader_or_not_at_all(entries in prop::collection::vec((key(), doc()), 1..6)) {
        let mut text = String::new();
        render(&Doc::Map(entries), 0, &mut text);
        agrees(text.trim_start_matches('\n'));
    }
}

use super::*;
use crate::manifest::node;
use crate::manifest::source::{join, to_json};

fn located(text: &str) -> Located {
    Located::new(node::parse(text, 0).unwrap())
}

fn text_at(text: &str, span: Span) -> &str {
    &text[span.offset..span.offset + span.len]
}

#[test]
fn finds_values_and_keys_by_pointer() {
    let text = "a:\n  b: hello\n  c: [1, true]\n  \"x/y~z\": odd\n";
    let located = located(text);
    assert_eq!(text_at(text, located.value_at("/a/b").unwrap()), "hello");
    assert_eq!(text_at(text, located.key_at("/a/b").unwrap()), "b");
    assert_eq!(text_at(text, located.value_at("/a/c/1").unwrap()), "true");
    assert_eq!(located.key_at("/a/c/1"), None, "list items have no key");
    assert_eq!(
        text_at(text, located.value_at(&join("/a", "x/y~z")).unwrap()),
        "odd"
    );
    assert_eq!(located.value_at("/a/c/01"), None, "only canonical indexes");
    assert_eq!(located.value_at("/a/missing"), None);
    assert_eq!(located.value_at("a"), None, "not a pointer");
}

#[test]
fn a_missing_value_falls_back_to_its_nearest_ancestor() {
    let text = "a:\n  b:\n    c: 1\n";
    let located = located(text);
    // `b` is a block mapping (no span of its own): its key is the anchor.
    assert_eq!(text_at(text, located.value("/a/b/missing/deeper")), "b");
    assert_eq!(text_at(text, located.key("/a/b/c")), "c");
    assert_eq!(text_at(text, located.key("/a/b/missing")), "b");
    assert_eq!(Located::default().value("/a"), Span::default());
}

#[test]
fn a_wide_mapping_is_looked_up_through_its_index() {
    let mut text = String::from("items:\n");
    for i in (0..500).rev() {
        text.push_str(&format!("  n{i}: {i}\n"));
    }
    let located = located(&text);
    for i in [0, 1, 17, 250, 499] {
        let span = located.value_at(&format!("/items/n{i}")).unwrap();
        assert_eq!(text_at(&text, span), i.to_string());
    }
    assert_eq!(located.value_at("/items/n500"), None);
    assert_eq!(located.value_at("/items/n"), None);
}

/// Every value and key of a document is found at the pointer its JSON form gives it,
/// through a scan or an index alike (the map the lookup replaced held exactly these).
#[test]
fn every_pointer_of_the_json_form_is_found() {
    let mut text = String::from("top:\n");
    for width in [3, 40] {
        text.push_str(&format!("  w{width}:\n"));
        for i in 0..width {
            text.push_str(&format!("    \"k{i}/~\": {{v: [a, {{deep: {i}}}]}}\n"));
        }
    }
    let root = node::parse(&text, 0).unwrap();
    let document = to_json(&root);
    let located = Located::new(root.clone());
    let mut checked = 0;
    fn visit(node: &Node, pointer: &str, located: &Located, checked: &mut usize) {
        assert_eq!(located.value_at(pointer), Some(node.span), "{pointer}");
        *checked += 1;
        match &node.value {
            NodeValue::Scalar(_) => {}
            NodeValue::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    visit(item, &format!("{pointer}/{i}"), located, checked);
                }
            }
            NodeValue::Map(entries) => {
                for (key, value) in entries {
                    let child = join(pointer, &key.name);
                    assert_eq!(located.key_at(&child), Some(key.span), "{child}");
                    visit(value, &child, located, checked);
                }
            }
        }
    }
    visit(&root, "", &located, &mut checked);
    assert!(document.pointer("/top/w40/k39~1~0/v/1/deep").is_some());
    assert_eq!(
        checked, 219,
        "root, top, two widths, 43 entries of five values"
    );
}

#[test]
fn a_key_is_the_entry_s_key_where_the_pointer_has_one_else_its_value() {
    let text = "a:\n  b:\n    c: 1\n  d: [x, {e: y}]\n  f: {g: 2}\n  \"h/i\": ~\n";
    let located = located(text);
    let pointers = [
        "",
        "/a",
        "/a/b",
        "/a/b/c",
        "/a/b/missing",
        "/a/b/c/deeper",
        "/a/d",
        "/a/d/0",
        "/a/d/1/e",
        "/a/d/2",
        "/a/d/01",
        "/a/f",
        "/a/f/g",
        "/a/h~1i",
        "/nothing",
        "not-one",
    ];
    for pointer in pointers {
        // The key where the whole pointer has one, else where the value is written.
        let expected = located
            .key_at(pointer)
            .unwrap_or_else(|| located.value(pointer));
        assert_eq!(located.key(pointer), expected, "{pointer}");
    }
    assert_eq!(Located::default().key("/a"), Span::default());
}

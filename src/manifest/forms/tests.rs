use serde_json::{Value, json};

use super::*;

/// Every `anyOf`/`oneOf` in `value`, with its JSON pointer.
fn unions<'a>(value: &'a Value, pointer: String, out: &mut Vec<(String, &'a Vec<Value>)>) {
    match value {
        Value::Object(map) => {
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(branches)) = map.get(key) {
                    out.push((format!("{pointer}/{key}"), branches));
                }
            }
            for (key, child) in map {
                unions(child, format!("{pointer}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                unions(item, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// For every union of both schemas and every kind of value it rejects, the explanation
/// names what is accepted, never the validator's "not valid under any of the schemas".
#[test]
fn every_union_in_the_schema_is_explained_in_words() {
    let samples = [
        json!(null),
        json!(true),
        json!(7),
        json!(1.5),
        json!("objectstorage"),
        json!([1]),
        json!({"a": 1}),
    ];
    let language = crate::providers::registry::language();
    for root in [language.schema().clone(), language.editor_schema()] {
        let mut found = Vec::new();
        unions(&root, String::new(), &mut found);
        assert!(found.len() >= 3, "the schema has unions: {}", found.len());
        let validator_of = |branches: &Vec<Value>| {
            let mut schema = json!({ "anyOf": branches });
            schema["$defs"] = root["$defs"].clone();
            jsonschema::validator_for(&schema).unwrap()
        };
        for (pointer, branches) in &found {
            let validator = validator_of(branches);
            let mut rejected = 0;
            for sample in &samples {
                if validator.is_valid(sample) {
                    continue;
                }
                rejected += 1;
                let problem = union_problem(&root, branches, sample, "`x`");
                let text = format!("{} {} {:?}", problem.message, problem.label, problem.help);
                assert!(!text.contains("not valid under any"), "{pointer}: {text}");
                assert!(
                    text.contains("expected") || text.contains("did you mean"),
                    "{pointer} {sample}: {text}"
                );
                assert!(
                    !text.contains("another value"),
                    "{pointer} {sample}: {text}"
                );
            }
            assert!(rejected > 0, "{pointer} rejects something");
        }
    }
}

#[test]
fn a_union_of_constants_lists_the_values_with_a_suggestion() {
    let root = crate::providers::registry::language().schema().clone();
    let branches = root["$defs"]["FileSourceType"]["oneOf"].as_array().unwrap();
    let problem = union_problem(&root, branches, &json!("objectstorage"), "`file.type`");
    assert_eq!(
        problem.message,
        "`objectstorage` is not a valid value for `file.type`"
    );
    assert_eq!(
        problem.help.as_deref(),
        Some("did you mean `object-storage`?")
    );
    let problem = union_problem(&root, branches, &json!("zzz"), "`file.type`");
    assert_eq!(
        problem.help.as_deref(),
        Some("expected one of: object-storage, source-build, later")
    );
}

#[test]
fn integer_ranges_follow_format_and_bounds() {
    assert_eq!(
        integer_range(&json!({"type": "integer", "format": "uint32", "minimum": 0})),
        Some((0, u32::MAX.into()))
    );
    assert_eq!(
        integer_range(&json!({"type": "integer", "format": "int64"})),
        Some((i64::MIN.into(), i64::MAX.into()))
    );
    assert_eq!(
        integer_range(&json!({"type": "integer", "minimum": 1, "maximum": 10})),
        Some((1, 10))
    );
    assert_eq!(integer_range(&json!({"type": "string"})), None);
}

/// Every pointer into the manifest schema, and the malformed ones: the lookup without
/// strings finds what `Value::pointer` finds.
#[test]
fn local_pointers_find_what_value_pointer_finds() {
    fn pointers(value: &Value, pointer: String, out: &mut Vec<String>) {
        out.push(pointer.clone());
        match value {
            Value::Object(map) => map.iter().for_each(|(key, child)| {
                let segment = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{pointer}/{segment}"), out)
            }),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .for_each(|(i, item)| pointers(item, format!("{pointer}/{i}"), out)),
            _ => {}
        }
    }
    let language = crate::providers::registry::language();
    let tricky = json!({"a/b": {"c~d": [1, {"": 2}]}, "list": [0, 1, 2], "": {"x": 3}});
    for root in [language.schema(), &tricky] {
        let mut all = Vec::new();
        pointers(root, String::new(), &mut all);
        let odd = [
            "/",
            "//",
            "no-slash",
            "/list/01",
            "/list/+1",
            "/list/3",
            "/list/-1",
            "/missing/x",
        ];
        all.extend(odd.iter().map(|p| (*p).to_owned()));
        assert!(all.len() > odd.len() + 5);
        for pointer in &all {
            assert_eq!(
                local(root, pointer).map(|v| v as *const Value),
                root.pointer(pointer).map(|v| v as *const Value),
                "{pointer}"
            );
        }
    }
}

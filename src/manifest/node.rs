//! A YAML document as a tree of span-carrying nodes.
//!
//! Typed deserialization stops at the first error; a manifest check must report every
//! error at once and point at each. So a file is first read into this generic tree (every
//! scalar and every key keeps its byte span), and the typed model is built from it later,
//! after schema and semantic checks have collected all their diagnostics.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

mod events;

/// Byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Index of the file in the manifest's source list.
    pub file: usize,
    pub offset: usize,
    pub len: usize,
    pub line: u64,
    pub column: u64,
}

impl Span {
    fn of<T>(spanned: &Spanned<T>) -> Span {
        let location = &spanned.referenced;
        let span = location.span();
        Span {
            file: 0,
            offset: span.byte_offset().unwrap_or(0) as usize,
            len: span.byte_len().unwrap_or(0) as usize,
            line: location.line(),
            column: location.column(),
        }
    }
}

/// A scalar as YAML typed it (core schema).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its own span (keys are where "unknown field" labels point).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub span: Span,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Scalar(Scalar::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Scalar(Scalar::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => NodeValue::Scalar(Scalar::Int(i)),
            Err(_) => NodeValue::Scalar(Scalar::Float(v as f64)),
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Scalar(Scalar::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Scalar(Scalar::Str(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Scalar(Scalar::Str(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Scalar(Scalar::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Scalar(Scalar::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Node>()?;
            let span = Span::of(&key);
            entries.push((
                Key {
                    name: key.value.0,
                    span,
                },
                value,
            ));
        }
        Ok(NodeValue::Map(entries))
    }
}

struct RawValue(NodeValue);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(RawValue)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawValue>::deserialize(d)?;
        let span = Span::of(&spanned);
        Ok(Node {
            value: spanned.value.0,
            span,
        })
    }
}

/// Mapping keys are read as text whatever their YAML type (`1:` and `true:` are keys too).
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(ValueVisitor)? {
            NodeValue::Scalar(scalar) => Ok(KeyText(scalar.into_key_name())),
            _ => Err(de::Error::custom("a mapping key must be a scalar")),
        }
    }
}

impl Scalar {
    /// The scalar as a mapping key's name: `1:` is `1`, `true:` is `true`, `~:` is `null`.
    fn into_key_name(self) -> String {
        match self {
            Scalar::Str(s) => s,
            Scalar::Int(i) => i.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Null => "null".into(),
        }
    }
}

/// Deepest nesting of mappings and lists a file may have. A manifest needs about a dozen
/// levels; each level costs the recursive reader stack, so the limit keeps even a small
/// thread stack (2 MB) from overflowing on deliberately deep input.
pub const MAX_DEPTH: usize = 32;

/// The values (mappings, sequences, scalars) a file of `text_len` bytes may hold (and,
/// twice that, the parser events: a value's start and end): every value takes at least a
/// byte of text, so a manifest is never refused for its size alone (10,000 resources are
/// 4 MB and some 600,000 values). Values an alias repeats count each time, so an alias
/// bomb stops after as many values as its file has bytes (at least 250,000); nesting keeps
/// its own limit.
pub fn max_nodes(text_len: usize) -> usize {
    text_len.max(serde_saphyr::Budget::default().max_nodes)
}

/// Parses one YAML document of file number `file` into a node tree. An empty document is
/// an empty mapping.
pub fn parse(text: &str, file: usize) -> Result<Node, serde_saphyr::Error> {
    if let Some(node) = events::read(text, file) {
        return Ok(node);
    }
    parse_full(text, file)
}

/// [`parse`] by the full reader: every YAML feature, the budget, the errors' words.
pub(crate) fn parse_full(text: &str, file: usize) -> Result<Node, serde_saphyr::Error> {
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        let span = Span {
            file,
            ..Span::default()
        };
        return Ok(Node {
            value: NodeValue::Map(Vec::new()),
            span,
        });
    }
    let budget = serde_saphyr::budget! {
        max_depth: MAX_DEPTH,
        max_nodes: max_nodes(text.len()),
        max_events: 2 * max_nodes(text.len()),
    };
    let mut node = serde_saphyr::from_str_with_options::<Node>(
        text,
        serde_saphyr::options! { with_snippet: false, budget: budget },
    )?;
    node.set_file(file);
    Ok(node)
}

impl Node {
    fn set_file(&mut self, file: usize) {
        self.span.file = file;
        match &mut self.value {
            NodeValue::Scalar(_) => {}
            NodeValue::Seq(items) => items.iter_mut().for_each(|n| n.set_file(file)),
            NodeValue::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.span.file = file;
                v.set_file(file);
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_of_keys_and_scalars() {
        let src = "a:\n  b: hello\n  c: [1, true]\n";
        let root = parse(src, 0).unwrap();
        let b = root.get("a").unwrap().get("b").unwrap();
        assert_eq!(b.value, NodeValue::Scalar(Scalar::Str("hello".into())));
        assert_eq!(&src[b.span.offset..b.span.offset + b.span.len], "hello");
        assert_eq!((b.span.line, b.span.column), (2, 6));
        let NodeValue::Map(entries) = &root.get("a").unwrap().value else {
            panic!()
        };
        let key = &entries[1].0;
        assert_eq!(&src[key.span.offset..key.span.offset + key.span.len], "c");
        let NodeValue::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(items[1].value, NodeValue::Scalar(Scalar::Bool(true)));
    }

    #[test]
    fn empty_and_comment_only_documents_are_empty_maps() {
        assert_eq!(parse("", 0).unwrap().value, NodeValue::Map(vec![]));
        assert_eq!(
            parse("# just a comment\n", 0).unwrap().value,
            NodeValue::Map(vec![])
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for n in [MAX_DEPTH + 1, 64, 200, 5000] {
            let flow = format!("h: {}{}\n", "[".repeat(n), "]".repeat(n));
            assert!(parse(&flow, 0).is_err(), "flow {n}");
            let block: String = (0..n).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
            assert!(parse(&block, 0).is_err(), "block {n}");
        }
        let fine: String = (0..MAX_DEPTH - 1)
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect();
        assert!(parse(&fine, 0).is_ok());
    }

    #[test]
    fn syntax_errors_are_errors_not_panics() {
        assert!(parse("a: [1, 2\n", 0).is_err());
        assert!(parse("a: b: c\n", 0).is_err());
        assert!(parse("a: 1\na: 2\n", 0).is_err());
    }
}

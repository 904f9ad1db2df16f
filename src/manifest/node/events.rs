//! The common case of reading a file: the node tree built straight from the YAML parser's
//! events, without the serde layer around them.
//!
//! The full reader ([`super::parse`]) stays the reference: it types every scalar, keeps
//! anchors and aliases, merge keys, tags and the budget, and words every error. This path
//! reads the same parser with the same options and takes only what it can read exactly
//! as the full reader would; for anything else (an error, an alias, a tag, a duplicate
//! key, a scalar it cannot type with certainty) it gives up and the full reader reads the
//! file from the start. A manifest is mostly plain names and strings, and those it reads
//! at the parser's own speed.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span as ParserSpan};

use super::{Key, MAX_DEPTH, Node, NodeValue, Scalar, Span, max_nodes};

/// Files from this size on always take the full reader: it enforces the budget's byte
/// limits (64 MiB of scalar and comment text), which this path does not count.
const LARGEST: usize = 32 * 1024 * 1024;

/// The file's node tree, or `None` when the full reader must read it.
pub(super) fn read(text: &str, file: usize) -> Option<Node> {
    if text.len() >= LARGEST {
        return None;
    }
    let budget = serde_saphyr::Budget::default();
    let options = serde_saphyr::granit_parser::options! {
        simple_key_max_lookahead: budget.simple_key_max_lookahead,
        flow_nesting_limit: budget.flow_nesting_limit,
        block_nesting_limit: serde_saphyr::granit_parser::Options::default()
            .block_nesting_limit
            .max(MAX_DEPTH + 1),
        emit_comments: true,
        max_buffered_comment_events: budget.max_buffered_comment_events,
    };
    let mut builder = Builder {
        file,
        stack: Vec::new(),
        root: None,
        nodes: 0,
        max_nodes: max_nodes(text.len()),
        typed: HashMap::new(),
    };
    let mut documents = 0;
    for item in Parser::new_from_str_with_options(text, options) {
        let (event, span) = item.ok()?;
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::Comment(..) => {}
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return None;
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                builder.scalar(value, style, &span)?;
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let map = matches!(event, Event::MappingStart(..));
                builder.start(map, &span)?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.end()?,
            _ => return None,
        }
    }
    builder.root
}

enum Frame {
    Seq(Vec<Node>, Span),
    Map(Vec<(Key, Node)>, Span, Option<Key>),
}

struct Builder {
    file: usize,
    stack: Vec<Frame>,
    root: Option<Node>,
    nodes: usize,
    max_nodes: usize,
    /// How plain scalars that are not obviously text were typed, by their text: each
    /// distinct spelling (`true`, `8080`, `~`) is typed once by the full reader.
    typed: HashMap<String, Scalar>,
}

impl Builder {
    fn span(&self, span: &ParserSpan) -> Span {
        let start = span.start.byte_offset().unwrap_or(0);
        let end = span.end.byte_offset().unwrap_or(start);
        Span {
            file: self.file,
            offset: start,
            len: end.saturating_sub(start),
            line: span.start.line() as u64,
            column: span.start.col() as u64 + 1,
        }
    }

    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= self.max_nodes).then_some(())
    }

    fn scalar(&mut self, value: Cow<'_, str>, style: ScalarStyle, span: &ParserSpan) -> Option<()> {
        self.count()?;
        let span = self.span(span);
        let scalar = match style {
            ScalarStyle::Plain => self.plain(&value)?,
            _ => Scalar::Str(value.into_owned()),
        };
        if let Some(Frame::Map(_, _, pending @ None)) = self.stack.last_mut() {
            let name = scalar.into_key_name();
            // `<<` merges a mapping into its parent: the full reader does that.
            if name == "<<" {
                return None;
            }
            *pending = Some(Key { name, span });
            return Some(());
        }
        self.place(Node {
            value: NodeValue::Scalar(scalar),
            span,
        })
    }

    fn start(&mut self, map: bool, span: &ParserSpan) -> Option<()> {
        self.count()?;
        // A mapping or list as a key is not a name (the full reader words the error).
        if let Some(Frame::Map(_, _, None)) = self.stack.last() {
            return None;
        }
        if self.stack.len() >= MAX_DEPTH {
            return None;
        }
        let span = self.span(span);
        self.stack.push(match map {
            true => Frame::Map(Vec::new(), span, None),
            false => Frame::Seq(Vec::new(), span),
        });
        Some(())
    }

    fn end(&mut self) -> Option<()> {
        let node = match self.stack.pop()? {
            Frame::Seq(items, span) => Node {
                value: NodeValue::Seq(items),
                span,
            },
            Frame::Map(entries, span, None) => {
                // A name twice is the full reader's error to word.
                if has_duplicate(&entries) {
                    return None;
                }
                Node {
                    value: NodeValue::Map(entries),
                    span,
                }
            }
            Frame::Map(_, _, Some(_)) => return None,
        };
        self.place(node)
    }

    fn place(&mut self, node: Node) -> Option<()> {
        match self.stack.last_mut() {
            None if self.root.is_none() => self.root = Some(node),
            None => return None,
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, _, pending)) => entries.push((pending.take()?, node)),
        }
        Some(())
    }

    /// A plain scalar typed as the full reader types it: text that cannot be anything
    /// else directly, a plain decimal integer directly, any other spelling by the full
    /// reader itself (once per spelling).
    fn plain(&mut self, text: &str) -> Option<Scalar> {
        if surely_text(text) {
            return Some(Scalar::Str(text.to_owned()));
        }
        if let Some(int) = decimal(text) {
            return Some(Scalar::Int(int));
        }
        if let Some(scalar) = self.typed.get(text) {
            return Some(scalar.clone());
        }
        let scalar = typed_alone(text)?;
        self.typed.insert(text.to_owned(), scalar.clone());
        Some(scalar)
    }
}

/// Plain text that YAML's core schema (with YAML 1.1 booleans) cannot read as a null, a
/// boolean or a number: it starts with none of `0-9 + - . ~` and is none of the words.
fn surely_text(text: &str) -> bool {
    const WORDS: [&str; 12] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf", "infinity",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    if first.is_ascii_digit() || matches!(first, '+' | '-' | '.' | '~') || first.is_whitespace() {
        return false;
    }
    if text.ends_with(char::is_whitespace) {
        return false;
    }
    !WORDS.iter().any(|word| text.eq_ignore_ascii_case(word))
}

/// `0`, or a decimal integer without a leading zero, underscores or `+`, that fits an
/// `i64` with room to spare: read as the full reader reads it.
fn decimal(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    plain.then(|| text.parse().ok()).flatten()
}

/// The full reader's typing of one plain scalar, read as the value of a one-entry
/// mapping; `None` when it is not a scalar there (the file is then read in full).
fn typed_alone(text: &str) -> Option<Scalar> {
    if text.contains(['\n', '\r', '#', ':', '\'', '"']) {
        return None;
    }
    let node = super::parse_full(&format!("k: {text}\n"), 0).ok()?;
    let NodeValue::Map(mut entries) = node.value else {
        return None;
    };
    let (key, value) = entries.pop()?;
    let NodeValue::Scalar(scalar) = value.value else {
        return None;
    };
    (entries.is_empty() && key.name == "k").then_some(scalar)
}

fn has_duplicate(entries: &[(Key, Node)]) -> bool {
    if entries.len() < 16 {
        return entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| entries[..i].iter().any(|(other, _)| other.name == k.name));
    }
    let mut names: Vec<&str> = entries.iter().map(|(k, _)| k.name.as_str()).collect();
    names.sort_unstable();
    names.windows(2).any(|pair| pair[0] == pair[1])
}

#[cfg(test)]
mod tests;

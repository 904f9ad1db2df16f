//! The manifest's source files and the map from every value to where it was written.
//!
//! After files are parsed and merged, the tree becomes a `serde_json::Value` for schema
//! validation and typed decoding; [`Located`] keeps, for every JSON pointer in that value,
//! the span of the value and of its key, so any later check can point at the exact text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource};
use serde_json::{Map, Number, Value};

use super::diagnostic::{DiagnosticKind, ManifestDiagnostic, SourceFile};
use super::node::{Node, NodeValue, Scalar, Span};
use crate::model::Provenance;

/// The files a manifest was read from, in load order.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<(PathBuf, SourceFile)>,
}

impl SourceMap {
    pub fn add(&mut self, path: &Path, display: String, text: String) -> usize {
        self.files
            .push((path.to_owned(), Arc::new(NamedSource::new(display, text))));
        self.files.len() - 1
    }

    pub fn file(&self, index: usize) -> Option<&SourceFile> {
        self.files.get(index).map(|(_, f)| f)
    }

    /// The path a file was read from.
    pub fn path(&self, index: usize) -> Option<&Path> {
        self.files.get(index).map(|(p, _)| p.as_path())
    }

    pub fn name(&self, index: usize) -> &str {
        self.files
            .get(index)
            .map(|(_, f)| f.name())
            .unwrap_or("<manifest>")
    }

    /// All file contents, for the manifest's content hash.
    pub fn texts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .map(|(_, f)| (f.name(), f.inner().as_str()))
    }

    /// A diagnostic whose primary label is at `span`.
    pub fn diagnostic(
        &self,
        kind: DiagnosticKind,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> ManifestDiagnostic {
        let mut diagnostic = ManifestDiagnostic::new(kind, message);
        diagnostic.source = self.file(span.file).cloned();
        diagnostic.labels.push(LabeledSpan::new_primary_with_span(
            Some(label.into()),
            (span.offset, span.len),
        ));
        diagnostic.location = Some((self.name(span.file).to_owned(), span.line, span.column));
        diagnostic
    }

    /// Adds a secondary label; a span in another file becomes a related note instead,
    /// because one miette snippet shows one file.
    pub fn add_label(
        &self,
        diagnostic: &mut ManifestDiagnostic,
        span: Span,
        label: impl Into<String>,
    ) {
        let same_file = diagnostic
            .source
            .as_ref()
            .zip(self.file(span.file))
            .is_some_and(|(a, b)| Arc::ptr_eq(a, b));
        if same_file {
            diagnostic.labels.push(LabeledSpan::new_with_span(
                Some(label.into()),
                (span.offset, span.len),
            ));
        } else {
            let label = label.into();
            let mut related = self.diagnostic(diagnostic.kind, label.clone(), span, label);
            related.note = true;
            diagnostic.related.push(related);
        }
    }

    /// Byte offset of a 1-based line and column (for errors that carry no byte span).
    pub fn offset_of(&self, file: usize, line: u64, column: u64) -> usize {
        let Some(source) = self.file(file) else {
            return 0;
        };
        let text = source.inner();
        let line_start: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1) as usize)
            .map(str::len)
            .sum();
        let rest = &text[line_start.min(text.len())..];
        let in_line: usize = rest
            .chars()
            .take(column.saturating_sub(1) as usize)
            .map(char::len_utf8)
            .sum();
        (line_start + in_line).min(text.len())
    }

    pub fn provenance(&self, span: Span) -> Provenance {
        Provenance {
            file: self.name(span.file).to_owned(),
            line: span.line,
            column: span.column,
            overlay: None,
        }
    }
}

/// Spans of every value and key of the merged document, by JSON pointer.
#[derive(Debug, Clone, Default)]
pub struct Located {
    pub values: HashMap<String, Span>,
    pub keys: HashMap<String, Span>,
}

impl Located {
    /// Span of the value at `pointer`, else of the nearest ancestor that has one.
    pub fn value(&self, pointer: &str) -> Span {
        let mut p = pointer;
        loop {
            if let Some(span) = self.values.get(p) {
                if span.len > 0 || p.is_empty() {
                    return *span;
                }
                // Block mappings have zero-length spans: their key is the better anchor.
                if let Some(key) = self.keys.get(p) {
                    return *key;
                }
                return *span;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Span::default(),
            }
        }
    }

    /// Span of the key of the entry at `pointer`, falling back to its value.
    pub fn key(&self, pointer: &str) -> Span {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.value(pointer))
    }
}

/// Escapes one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Joins a pointer and a segment.
pub fn join(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape(segment))
}

/// Converts a node tree into a JSON value, recording spans by pointer.
pub fn to_json(node: &Node, pointer: &str, located: &mut Located) -> Value {
    located.values.insert(pointer.to_owned(), node.span);
    match &node.value {
        NodeValue::Scalar(scalar) => scalar_to_json(scalar),
        NodeValue::Seq(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_json(item, &format!("{pointer}/{i}"), located))
                .collect(),
        ),
        NodeValue::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let child = join(pointer, &key.name);
                located.keys.insert(child.clone(), key.span);
                map.insert(key.name.clone(), to_json(value, &child, located));
            }
            Value::Object(map)
        }
    }
}

pub fn scalar_to_json(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Int(i) => Value::Number((*i).into()),
        Scalar::Float(f) => Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Scalar::Str(s) => Value::String(s.clone()),
    }
}

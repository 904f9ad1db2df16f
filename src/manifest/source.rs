//! The manifest's source files, and the JSON form of the parsed tree.
//!
//! After files are parsed and merged, the tree becomes a `serde_json::Value` for schema
//! validation and typed decoding; [`Located`] keeps the tree, so any later check can point
//! at the exact text of the value at a JSON pointer, or of its key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource};
use serde_json::{Map, Number, Value};

use super::diagnostic::{DiagnosticKind, ManifestDiagnostic, SourceFile};
pub use super::located::Located;
use super::node::{Node, NodeValue, Scalar, Span};
use crate::model::Provenance;

/// The files a manifest was read from, in load order.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<(PathBuf, SourceFile)>,
    /// Each file's display name, shared by every provenance that points into it.
    names: Vec<Arc<str>>,
}

impl SourceMap {
    pub fn add(&mut self, path: &Path, display: String, text: String) -> usize {
        self.names.push(display.as_str().into());
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
            file: (self.names.get(span.file).cloned()).unwrap_or_else(|| "<manifest>".into()),
            line: span.line,
            column: span.column,
            overlay: None,
        }
    }
}

/// Escapes one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Joins a pointer and a segment.
pub fn join(pointer: &str, segment: &str) -> String {
    let mut joined = String::with_capacity(pointer.len() + 1 + segment.len());
    joined.push_str(pointer);
    push_segment(&mut joined, segment);
    joined
}

/// Appends `/segment`, escaped, to `pointer`.
pub fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    if segment.contains(['~', '/']) {
        pointer.push_str(&escape(segment));
    } else {
        pointer.push_str(segment);
    }
}

/// Converts a node tree into a JSON value (its spans stay in the tree: [`Located`]).
pub fn to_json(node: &Node) -> Value {
    match &node.value {
        NodeValue::Scalar(scalar) => scalar_to_json(scalar),
        NodeValue::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeValue::Map(entries) => {
            let mut map = Map::with_capacity(entries.len());
            for (key, value) in entries {
                map.insert(key.name.clone(), to_json(value));
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

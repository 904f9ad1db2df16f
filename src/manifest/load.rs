//! Reading manifest files: a single file, or every `*.yaml` / `*.yml` under a directory
//! (sorted, hidden folders skipped), parsed and merged into one tree.
//!
//! Files merge by section: `vars`, `providers` and `environments` entries, and each
//! provider section's named resources, may be spread across files; the same name declared
//! twice is an error that points at both places.

use std::path::{Path, PathBuf};

use super::diagnostic::{DiagnosticKind, Diagnostics, ManifestDiagnostic};
use super::node::{self, Node, NodeValue, Span};
use super::source::SourceMap;

/// Top-level sections whose direct children are named entries.
const FLAT_SECTIONS: [&str; 3] = ["vars", "providers", "environments"];

/// Reads and parses every manifest file under `path`, merging them into one tree.
pub fn read(path: &Path, sources: &mut SourceMap, diagnostics: &mut Diagnostics) -> Option<Node> {
    let files = match manifest_files(path) {
        Ok(files) if files.is_empty() => {
            diagnostics.push(
                ManifestDiagnostic::new(
                    DiagnosticKind::Io,
                    format!("no manifest files (*.yaml, *.yml) in `{}`", path.display()),
                )
                .with_help("pass a manifest file or a directory of them"),
            );
            return None;
        }
        Ok(files) => files,
        Err(err) => {
            diagnostics.push(
                ManifestDiagnostic::new(
                    DiagnosticKind::Io,
                    format!("cannot read manifest `{}`: {err}", path.display()),
                )
                .with_help(
                    "pass a manifest file or a directory of them (default: deployplan.yaml)",
                ),
            );
            return None;
        }
    };
    let base = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(Path::new(""))
    };
    let mut root: Option<Node> = None;
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(err) => {
                diagnostics.push(ManifestDiagnostic::new(
                    DiagnosticKind::Io,
                    format!("cannot read `{}`: {err}", file.display()),
                ));
                continue;
            }
        };
        let display = display_name(&file, base, path);
        let index = sources.add(&file, display, text.clone());
        match node::parse(&text, index) {
            Ok(parsed) => {
                if !matches!(parsed.value, NodeValue::Map(_)) {
                    diagnostics.push(sources.diagnostic(
                        DiagnosticKind::WrongType,
                        "a manifest must be a mapping of sections",
                        parsed.span,
                        "expected `providers:`, `environments:`, `vars:` or a provider section",
                    ));
                    continue;
                }
                match &mut root {
                    None => root = Some(parsed),
                    Some(existing) => merge(existing, parsed, 1, None, sources, diagnostics),
                }
            }
            Err(err) => diagnostics.push(syntax_diagnostic(&err, index, sources)),
        }
    }
    root
}

fn display_name(file: &Path, base: &Path, given: &Path) -> String {
    if given.is_file() {
        return given.display().to_string();
    }
    let relative = file.strip_prefix(base).unwrap_or(file);
    given.join(relative).display().to_string()
}

fn manifest_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    collect(path, &mut files)?;
    files.sort();
    Ok(files)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect(&path, files)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
    Ok(())
}

fn syntax_diagnostic(
    err: &serde_saphyr::Error,
    file: usize,
    sources: &SourceMap,
) -> ManifestDiagnostic {
    let message = plain_words(&strip_location(&first_line(&err.to_string())));
    match err.location() {
        Some(location) => {
            let byte_span = location.span();
            let offset = match byte_span.byte_offset() {
                Some(offset) if offset > 0 || location.line() <= 1 => offset as usize,
                _ => sources.offset_of(file, location.line(), location.column()),
            };
            let span = Span {
                file,
                offset,
                len: byte_span.byte_len().unwrap_or(0) as usize,
                line: location.line(),
                column: location.column(),
            };
            sources.diagnostic(
                DiagnosticKind::Syntax,
                format!("invalid YAML: {message}"),
                span,
                message,
            )
        }
        None => ManifestDiagnostic::new(
            DiagnosticKind::Syntax,
            format!("invalid YAML in `{}`: {message}", sources.name(file)),
        ),
    }
}

/// The parser's messages in the manifest author's words: a few speak to the parser's Rust
/// caller ("set DuplicateKeyPolicy in Options", "use from_str_multiple").
fn plain_words(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return format!("`{key}` is set twice in the same mapping");
    }
    if message.starts_with("multiple YAML documents detected") {
        return "a manifest file holds one YAML document; split the `---` sections into separate files in one directory".into();
    }
    message.to_owned()
}

/// Drops a trailing " at line N, column M": the label already shows where.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(", column ") => message[..at].to_owned(),
        _ => message.to_owned(),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).trim().to_owned()
}

/// Merges `src` into `dst`. `depth` is the depth of `dst`'s entries (1 = top-level keys);
/// `section` is the top-level key being merged.
fn merge(
    dst: &mut Node,
    src: Node,
    depth: usize,
    section: Option<&str>,
    sources: &SourceMap,
    diagnostics: &mut Diagnostics,
) {
    let (NodeValue::Map(dst_entries), NodeValue::Map(src_entries)) = (&mut dst.value, src.value)
    else {
        return;
    };
    for (key, value) in src_entries {
        let Some(position) = dst_entries.iter().position(|(k, _)| k.name == key.name) else {
            dst_entries.push((key, value));
            continue;
        };
        let section = section.unwrap_or(key.name.as_str()).to_owned();
        let entry_depth = if FLAT_SECTIONS.contains(&section.as_str()) {
            2
        } else {
            3
        };
        let (first_key, existing) = &mut dst_entries[position];
        let both_maps =
            matches!(existing.value, NodeValue::Map(_)) && matches!(value.value, NodeValue::Map(_));
        if depth < entry_depth && both_maps {
            merge(
                existing,
                value,
                depth + 1,
                Some(&section),
                sources,
                diagnostics,
            );
        } else {
            let mut diagnostic = sources.diagnostic(
                DiagnosticKind::DuplicateName,
                format!("`{}` is declared more than once", key.name),
                key.span,
                "declared again here",
            );
            sources.add_label(&mut diagnostic, first_key.span, "first declared here");
            diagnostics
                .push(diagnostic.with_help("names must be unique; rename or remove one of them"));
        }
    }
}

#[cfg(test)]
mod plain_words_tests {
    use super::plain_words;

    #[test]
    fn parser_advice_for_programmers_becomes_advice_for_authors() {
        assert_eq!(
            plain_words(
                "duplicate mapping key: rollback, set DuplicateKeyPolicy in Options if acceptable"
            ),
            "`rollback` is set twice in the same mapping"
        );
        assert!(
            plain_words("multiple YAML documents detected; use from_str_multiple or from_str_multiple_with_options")
                .starts_with("a manifest file holds one YAML document")
        );
        assert_eq!(plain_words("unclosed bracket '['"), "unclosed bracket '['");
    }
}

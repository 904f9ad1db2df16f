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
use super::syntax;

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
    let mut read = Vec::new();
    let mut outcomes = Vec::with_capacity(files.len());
    for file in &files {
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(err) => {
                outcomes.push(Outcome::Failed(ManifestDiagnostic::new(
                    DiagnosticKind::Io,
                    format!("cannot read `{}`: {err}", file.display()),
                )));
                continue;
            }
        };
        let display = display_name(file, base, path);
        read.push(display.clone());
        match String::from_utf8(bytes) {
            Ok(text) => outcomes.push(Outcome::Text(sources.add(file, display, text))),
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let index = sources.add(file, display, text);
                outcomes.push(Outcome::Failed(not_utf8(index, at, sources)));
            }
        }
    }
    let texts: Vec<usize> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Text(index) => Some(*index),
            Outcome::Failed(_) => None,
        })
        .collect();
    let mut parsed = parse_all(&texts, sources).into_iter();
    let mut root: Option<Node> = None;
    let mut failed = false;
    for outcome in outcomes {
        let index = match outcome {
            Outcome::Failed(diagnostic) => {
                diagnostics.push(diagnostic);
                failed = true;
                continue;
            }
            Outcome::Text(index) => index,
        };
        match parsed.next().expect("one result per text") {
            Ok(mut parsed) => {
                // A document of only `---` (or `~`) holds nothing, like an empty file.
                if matches!(parsed.value, NodeValue::Scalar(node::Scalar::Null)) {
                    parsed.value = NodeValue::Map(Vec::new());
                }
                if !matches!(parsed.value, NodeValue::Map(_)) {
                    diagnostics.push(sources.diagnostic(
                        DiagnosticKind::WrongType,
                        "a manifest must be a mapping of sections",
                        parsed.span,
                        "expected `providers:`, `environments:`, `vars:` or a provider section",
                    ));
                    failed = true;
                    continue;
                }
                match &mut root {
                    None => root = Some(parsed),
                    Some(existing) => merge(existing, parsed, 1, None, sources, diagnostics),
                }
            }
            Err(err) => {
                diagnostics.push(syntax::diagnostic(&err, index, sources));
                failed = true;
            }
        }
    }
    let empty = |node: &Node| matches!(&node.value, NodeValue::Map(entries) if entries.is_empty());
    if !failed && root.as_ref().is_none_or(empty) {
        diagnostics.push(nothing_to_read(path, &read));
        return None;
    }
    root
}

/// What reading one file gave: its text (by source index), or why there is none.
enum Outcome {
    Text(usize),
    Failed(ManifestDiagnostic),
}

/// Parses the files at `indexes` side by side (one thread per core at most: the files of
/// a large manifest are independent until they merge), results in the order given.
fn parse_all(indexes: &[usize], sources: &SourceMap) -> Vec<Result<Node, serde_saphyr::Error>> {
    let text = |index: usize| sources.file(index).map_or("", |f| f.inner().as_str());
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(indexes.len());
    if threads <= 1 {
        return indexes.iter().map(|&i| node::parse(text(i), i)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<Node, serde_saphyr::Error>)> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(&index) = indexes.get(at) else {
                                return done;
                            };
                            done.push((at, node::parse(text(index), index)));
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
    results.sort_by_key(|(at, _)| *at);
    results.into_iter().map(|(_, result)| result).collect()
}

/// A manifest with no content at all is a mistake (a wrong path, a file not yet written):
/// read as "no changes" it would pass a drift check in CI.
fn nothing_to_read(path: &Path, read: &[String]) -> ManifestDiagnostic {
    let listed = match read {
        [one] => format!("`{one}` is empty or holds only comments"),
        _ => {
            let mut names: Vec<String> = read.iter().take(5).map(|n| format!("`{n}`")).collect();
            if read.len() > 5 {
                names.push(format!("and {} more", read.len() - 5));
            }
            format!(
                "the {} manifest files in `{}` ({}) are empty or hold only comments",
                read.len(),
                path.display(),
                names.join(", ")
            )
        }
    };
    ManifestDiagnostic::new(DiagnosticKind::Empty, format!("nothing to read: {listed}")).with_help(
        "a manifest declares `providers:` and the resources they manage; check the path given",
    )
}

/// Names the file, line and column of the first byte that is not UTF-8.
fn not_utf8(file: usize, at: usize, sources: &SourceMap) -> ManifestDiagnostic {
    let text = sources.file(file).map_or("", |f| f.inner().as_str());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let span = Span {
        file,
        offset: at,
        len: '\u{fffd}'.len_utf8(),
        line: text[..at].matches('\n').count() as u64 + 1,
        column: text[line_start..at].chars().count() as u64 + 1,
    };
    sources
        .diagnostic(
            DiagnosticKind::Encoding,
            format!(
                "`{}` is not UTF-8 text: the first invalid byte is at line {}, column {}",
                sources.name(file),
                span.line,
                span.column
            ),
            span,
            "not UTF-8",
        )
        .with_help("save the file as UTF-8 (manifests are UTF-8 text)")
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
    // By name, so that merging large files stays linear.
    let mut index: std::collections::HashMap<String, usize> = dst_entries
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.name.clone(), i))
        .collect();
    for (key, value) in src_entries {
        let Some(&position) = index.get(&key.name) else {
            index.insert(key.name.clone(), dst_entries.len());
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

//! YAML syntax errors in the author's words, pointing at the cause.
//!
//! The parser notices a problem where it can no longer go on, which is often a line after
//! the cause: an unclosed `[` is noticed at the next key, an unterminated quote at the next
//! line's indentation. A short scan of the text up to that point finds the bracket, the
//! quote or the tab that caused it, and the diagnostic points there, in plain words.

use serde_saphyr::budget::BudgetBreach;

use super::diagnostic::{DiagnosticKind, ManifestDiagnostic};
use super::node::{MAX_DEPTH, Span};
use super::source::SourceMap;

/// The diagnostic for a parse failure of file number `file`.
pub fn diagnostic(
    err: &serde_saphyr::Error,
    file: usize,
    sources: &SourceMap,
) -> ManifestDiagnostic {
    let text = sources.file(file).map_or("", |f| f.inner().as_str());
    let parser_words = strip_location(&first_line(&err.to_string()));
    let noticed = err.location().map(|location| {
        let byte_span = location.span();
        let offset = match byte_span.byte_offset() {
            Some(offset) if offset > 0 || location.line() <= 1 => offset as usize,
            _ => sources.offset_of(file, location.line(), location.column()),
        };
        offset.min(text.len())
    });
    if let serde_saphyr::Error::Budget { breach, .. } = innermost(err) {
        return budget(breach, noticed, file, sources);
    }
    let Some(noticed) = noticed else {
        let (message, help) = plain_words(&parser_words);
        return ManifestDiagnostic::new(
            DiagnosticKind::Syntax,
            format!("invalid YAML in `{}`: {message}", sources.name(file)),
        )
        .with_help_opt(help);
    };
    let cause = cause(text, noticed, &parser_words);
    let (offset, len, message, label, help) = match cause {
        Some(Cause::Tab(at)) => (
            at,
            1,
            "a tab character in the indentation".to_owned(),
            "tab".to_owned(),
            Some("YAML indents with spaces only: replace the tab with spaces".to_owned()),
        ),
        Some(Cause::Quote(quote, at)) => (
            at,
            1,
            format!("the text opened by this `{quote}` is never closed"),
            format!("no closing `{quote}` after this one"),
            Some(format!(
                "end the text with a matching `{quote}`; for text over several lines write `key: |` and indent the lines below it"
            )),
        ),
        Some(Cause::Bracket(open, at)) => {
            let (close, what) = if open == '[' {
                (']', "list")
            } else {
                ('}', "mapping")
            };
            (
                at,
                1,
                format!("this `{open}` is never closed"),
                format!("the {what} opened here has no `{close}`"),
                Some(format!(
                    "close the {what} with `{close}` (a bracketed {what} spanning lines must close before the next key), or remove the `{open}`"
                )),
            )
        }
        None => {
            let (message, help) = plain_words(&parser_words);
            (noticed, 0, message.clone(), message, help)
        }
    };
    let span = span_at(file, text, offset, len);
    sources
        .diagnostic(
            DiagnosticKind::Syntax,
            format!("invalid YAML: {message}"),
            span,
            label,
        )
        .with_help_opt(help)
}

fn span_at(file: usize, text: &str, offset: usize, len: usize) -> Span {
    let offset = floor_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    Span {
        file,
        offset,
        len: len.min(text.len() - offset),
        line: text[..offset].matches('\n').count() as u64 + 1,
        column: text[line_start..offset].chars().count() as u64 + 1,
    }
}

/// What made the text unreadable, when it lies before where the parser noticed.
#[derive(Debug, PartialEq)]
enum Cause {
    Tab(usize),
    Quote(char, usize),
    Bracket(char, usize),
}

fn cause(text: &str, noticed: usize, parser_words: &str) -> Option<Cause> {
    if parser_words.contains("tab") {
        return tab_before(text, noticed).map(Cause::Tab);
    }
    // The character where the parser stopped may itself open the bracket or quote.
    let through = floor_boundary(text, noticed);
    let through = text[through..]
        .chars()
        .next()
        .map_or(through, |c| through + c.len_utf8());
    let state = scan(&text[..through]);
    if let Some((quote, at)) = state.quote {
        return Some(Cause::Quote(quote, at));
    }
    if parser_words.contains("mismatched") {
        return None;
    }
    state
        .flow
        .last()
        .map(|&(open, at)| Cause::Bracket(open, at))
}

/// A tab in the indentation of the line at `offset`, else of the next line, else of the
/// few lines before it (the parser may notice it a line early or late).
fn tab_before(text: &str, offset: usize) -> Option<usize> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
    let tab_in = |index: usize| {
        let start = *starts.get(index)?;
        let rest = &text[start..];
        let content = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let indent = content.len() - content.trim_start_matches([' ', '\t']).len();
        content[..indent].find('\t').map(|at| start + at)
    };
    [line, line + 1]
        .into_iter()
        .chain((line.saturating_sub(3)..line).rev())
        .find_map(tab_in)
}

#[derive(Debug, Default)]
struct ScanState {
    /// Open flow brackets, innermost last.
    flow: Vec<(char, usize)>,
    quote: Option<(char, usize)>,
}

/// Tracks quotes, comments, block scalars and flow brackets through `text`, as far as a
/// reader can tell without parsing: enough to name the cause of an error seen at its end.
fn scan(text: &str) -> ScanState {
    let mut state = ScanState::default();
    let mut comment = false;
    // Last non-blank character on the line, and the raw character before this one.
    let mut significant: Option<char> = None;
    let mut previous: Option<char> = None;
    // Indentation of the line that opened a block scalar (`|` or `>`).
    let mut block: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    let mut at_line_start = true;
    while let Some((at, c)) = chars.next() {
        if at_line_start {
            at_line_start = false;
            let rest = &text[at..];
            let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
            let indent = line.len() - line.trim_start_matches(' ').len();
            match block {
                Some(opener) if line.trim().is_empty() || indent > opener => {
                    // Inside a block scalar: nothing on this line is syntax.
                    for _ in 0..line.chars().count() {
                        chars.next();
                    }
                    at_line_start = true;
                    chars.next();
                    continue;
                }
                _ => block = None,
            }
        }
        if c == '\n' {
            comment = false;
            significant = None;
            previous = None;
            at_line_start = true;
            continue;
        }
        if comment {
            continue;
        }
        match state.quote {
            Some(('"', _)) => {
                if c == '\\' {
                    chars.next();
                } else if c == '"' {
                    state.quote = None;
                }
                previous = Some(c);
                continue;
            }
            Some((_, _)) => {
                if c == '\'' {
                    if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        chars.next();
                    } else {
                        state.quote = None;
                    }
                }
                previous = Some(c);
                continue;
            }
            None => {}
        }
        let starts_value = matches!(previous, None | Some(' ' | '\t' | '[' | '{' | ','))
            && matches!(significant, None | Some(':' | '-' | '[' | '{' | ',' | '?'));
        match c {
            '#' if matches!(previous, None | Some(' ' | '\t')) => comment = true,
            '"' | '\'' if starts_value => state.quote = Some((c, at)),
            '[' | '{' if starts_value => state.flow.push((c, at)),
            ']' | '}' if !state.flow.is_empty() => {
                state.flow.pop();
            }
            '|' | '>' if starts_value && state.flow.is_empty() => {
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let line = &text[line_start..];
                block = Some(line.len() - line.trim_start_matches(' ').len());
            }
            _ => {}
        }
        if c != ' ' && c != '\t' {
            significant = Some(c);
        }
        previous = Some(c);
    }
    state
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The error itself, out of the wrappers the reader puts around it: a source snippet, and
/// an alias's "defined at / used at" (a limit reached while repeating an alias is still
/// that limit).
fn innermost(mut err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    while let serde_saphyr::Error::WithSnippet { error, .. }
    | serde_saphyr::Error::AliasError { error, .. } = err
    {
        err = error;
    }
    err
}

/// A parser limit reached: what happened, and what to do, without the parser's names.
fn budget(
    breach: &BudgetBreach,
    noticed: Option<usize>,
    file: usize,
    sources: &SourceMap,
) -> ManifestDiagnostic {
    let name = sources.name(file);
    let split = "split the manifest into several files in one directory and pass the directory: every *.yaml and *.yml file in it is read and merged";
    let (message, label, help) = match breach {
        BudgetBreach::Depth { .. } => (
            format!("`{name}` nests values more than {MAX_DEPTH} levels deep"),
            "nested too deeply here".to_owned(),
            "a manifest needs about a dozen levels; look for brackets or indentation that run away".to_owned(),
        ),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::MergeKeys { .. } => (
            format!("`{name}` repeats values through aliases (`*name`) more than a manifest file may"),
            "too many aliases by here".to_owned(),
            format!("write the values out, or {split}"),
        ),
        BudgetBreach::Documents { .. } => (
            format!("`{name}` holds more than one YAML document"),
            "another document".to_owned(),
            "a manifest file holds one YAML document; split the `---` sections into separate files in one directory".to_owned(),
        ),
        _ => (
            format!("`{name}` is too large to read as one manifest file (more than {} values, an alias counting each value it repeats, or {} MB of text)",
                super::node::max_nodes(sources.file(file).map_or(0, |f| f.inner().len())),
                serde_saphyr::Budget::default().max_total_scalar_bytes / (1024 * 1024)),
            "the limit was reached here".to_owned(),
            split.to_owned(),
        ),
    };
    let text = sources.file(file).map_or("", |f| f.inner().as_str());
    match noticed {
        Some(offset) => sources
            .diagnostic(
                DiagnosticKind::Syntax,
                message,
                span_at(file, text, offset, 0),
                label,
            )
            .with_help(help),
        None => ManifestDiagnostic::new(DiagnosticKind::Syntax, message).with_help(help),
    }
}

/// The parser's messages in the manifest author's words, with a hint where one helps.
fn plain_words(message: &str) -> (String, Option<String>) {
    let plain = |m: &str, h: &str| (m.to_owned(), Some(h.to_owned()));
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return (format!("`{key}` is set twice in the same mapping"), None);
    }
    if message.starts_with("multiple YAML documents detected") {
        return plain(
            "a manifest file holds one YAML document",
            "split the `---` sections into separate files in one directory",
        );
    }
    if message.contains("mapping values are not allowed") {
        return plain(
            "a `key: value` pair cannot start here",
            "a value that contains `: ` must be quoted; otherwise check this line's indentation",
        );
    }
    if message.contains("did not find expected key") || message.contains("invalid indentation") {
        return plain(
            "this line is indented wrongly",
            "the keys of one mapping line up under each other, indented with spaces",
        );
    }
    if message.contains("could not find expected ':'") {
        return plain(
            "expected `:` after a key",
            "a key is followed by `: `; text that is not a key must be quoted",
        );
    }
    if message.contains("cannot start any token") {
        return plain(
            "a value cannot start with this character",
            "quote the value (`\"...\"`)",
        );
    }
    if message.contains("unknown escape") {
        return plain(
            "unknown escape sequence in double-quoted text",
            "write `\\\\` for a backslash, or use single quotes, where backslashes are plain",
        );
    }
    let message = message
        .split_once(", ")
        .filter(|(head, _)| head.starts_with("while "))
        .map_or(message, |(_, rest)| rest);
    (message.to_owned(), None)
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

#[cfg(test)]
mod tests;

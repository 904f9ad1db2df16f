//! Escaping for each place a plan value lands in a comment: code spans (pipes escaped in
//! tables), raw HTML, plain Markdown text, and the redaction that must come before any of
//! them.

use crate::redact::redact;

/// Every string in `value` redacted, before the value is formatted (quoting and escaping
/// would hide a secret from a later pass).
pub(super) use crate::redact::redact_value;

pub(super) fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn one_line(text: &str) -> String {
    redact(text).replace(['\r', '\n'], " ")
}

/// A Markdown code span no content can end early. In a table cell, pipes are escaped
/// (GFM splits cells before it parses spans); a pipe after an odd run of backslashes gets
/// two, since the first would escape the backslash rather than the pipe.
pub(super) fn code_span(text: &str, in_table: bool) -> String {
    let text = one_line(text);
    if text.is_empty() {
        return "` `".to_owned();
    }
    let body = if in_table {
        let mut body = String::with_capacity(text.len() + 2);
        let mut backslashes = 0;
        for c in text.chars() {
            if c == '|' {
                body.push_str(if backslashes % 2 == 1 { "\\\\|" } else { "\\|" });
            } else {
                body.push(c);
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        }
        body
    } else {
        text
    };
    let fence = "`".repeat(longest_run(&body, '`') + 1);
    let pad = body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' ') && !body.trim().is_empty());
    if pad {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

/// Text for a raw-HTML context (the `<summary>` line): Markdown is not parsed there.
fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn code_html(text: &str) -> String {
    format!("<code>{}</code>", html_text(text))
}

/// Plain text in Markdown: punctuation that could start markup is backslash-escaped.
pub(super) fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$' | '!' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A reason splits into text and `code` parts: the engine writes names in backticks. An
/// unmatched or empty pair of backticks stays text.
fn segments(text: &str) -> Vec<(bool, String)> {
    let text = one_line(text);
    let parts: Vec<&str> = text.split('`').collect();
    let closed = parts.len() - (1 - parts.len() % 2);
    let mut out: Vec<(bool, String)> = Vec::new();
    let push_text = |out: &mut Vec<(bool, String)>, part: &str| match out.last_mut() {
        Some((false, last)) => last.push_str(part),
        _ => out.push((false, part.to_owned())),
    };
    for (i, part) in parts[..closed].iter().enumerate() {
        if i.is_multiple_of(2) {
            push_text(&mut out, part);
        } else if part.is_empty() {
            push_text(&mut out, "``");
        } else {
            out.push((true, (*part).to_owned()));
        }
    }
    if closed < parts.len() {
        push_text(&mut out, &format!("`{}", parts[closed]));
    }
    out.retain(|(code, part)| *code || !part.is_empty());
    out
}

pub(super) fn rich_md(text: &str) -> String {
    segments(text)
        .iter()
        .map(|(code, part)| {
            if *code {
                code_span(part, false)
            } else {
                md_text(part)
            }
        })
        .collect()
}

pub(super) fn rich_html(text: &str) -> String {
    segments(text)
        .iter()
        .map(|(code, part)| {
            if *code {
                code_html(part)
            } else {
                html_text(part)
            }
        })
        .collect()
}

/// `1,234`.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

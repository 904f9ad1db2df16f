//! Every form a secret can take on its way to an output.
//!
//! A secret rarely reaches text as the exact value: a provider echoes it JSON-escaped in an
//! error body, a URL carries it percent-encoded, the journal escapes that error again, a
//! YAML writer re-indents each line of a block scalar, a message clipped to N characters
//! cuts it short. The redactor therefore masks, for every registered value, each of the
//! *pieces* below in each of the *encodings* below, and the long start and end of each.

use std::fmt::Write as _;

/// A line of a multi-line secret shorter than this (after trimming) is not masked on its
/// own. Eight characters: shorter lines (`fi`, `}`, `done`, `-----`) carry too little of
/// a secret to be worth hiding, and masking them would deface unrelated output wherever
/// the same short text occurs. The whole value is always masked, whatever its lines.
pub const MIN_LINE_CHARS: usize = 8;

/// A fragment of a secret (the part a clipped message still shows) is masked when it is
/// the secret's start or end and at least this long. Ten characters of a token are already
/// enough to look it up in a log; fewer would start masking ordinary words that happen to
/// open a secret.
pub const FRAGMENT_CHARS: usize = 10;

/// Fragments are looked for only in forms at least this long, so that a masked fragment
/// never exceeds half a form and an unmasked remnant of a clipped secret (which a shorter
/// form could leave) is at most [`FRAGMENT_CHARS`] − 1 characters, less than half of it.
pub const FRAGMENT_MIN_FORM_CHARS: usize = 2 * FRAGMENT_CHARS;

/// The pieces of `secret` that must never be shown: the value, the value trimmed, and each
/// meaningful line of a multi-line value, trimmed (block scalars re-indent lines, renderers
/// put a prefix in front of them).
pub fn pieces(secret: &str) -> Vec<&str> {
    let mut out = vec![secret];
    let trimmed = secret.trim();
    if trimmed != secret && !trimmed.is_empty() {
        out.push(trimmed);
    }
    if secret.contains(['\n', '\r']) {
        for line in secret.split(['\n', '\r']) {
            let line = line.trim();
            if line.chars().count() >= MIN_LINE_CHARS {
                out.push(line);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Each encoding of `piece` an output can contain: as it is, JSON-escaped (also twice, and
/// with non-ASCII as `\u` escapes), as Rust's `Debug` shows it, YAML double- and
/// single-quoted, HTML-escaped, and percent-encoded the ways URLs and forms do.
pub fn encodings(piece: &str) -> Vec<String> {
    let json = json_escaped(piece);
    let mut out = vec![
        piece.to_owned(),
        json_escaped(&json),
        json_ascii(piece, false),
        json_ascii(piece, true),
        piece.escape_debug().to_string(),
        yaml_double_quoted(piece),
        piece.replace('\'', "''"),
        html_escaped(piece),
        json,
    ];
    for set in [
        Encode::Unreserved,
        Encode::Form,
        Encode::PathSegment,
        Encode::Query,
    ] {
        for upper in [true, false] {
            for plus in [false, true] {
                out.push(percent(piece, set, upper, plus));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The body of a JSON string holding `text`, as `serde_json` writes it.
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_owned()
}

/// JSON with everything outside ASCII as `\uXXXX` (surrogate pairs beyond the BMP), as
/// many servers write it (Python's default, for one).
fn json_ascii(text: &str, upper: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push_str(&json_escaped(c.encode_utf8(&mut [0; 4])));
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            let _ = if upper {
                write!(out, "\\u{unit:04X}")
            } else {
                write!(out, "\\u{unit:04x}")
            };
        }
    }
    out
}

/// The body of a YAML double-quoted scalar (YAML 1.2 escapes, as the export writer uses).
fn yaml_double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) <= 0xFF && c.is_control() => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if c.is_control() || matches!(c, '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}') => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn html_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Which bytes a percent-encoder leaves as they are.
#[derive(Clone, Copy)]
enum Encode {
    /// RFC 3986 unreserved characters only (`A-Z a-z 0-9 - . _ ~`): the strictest encoders.
    Unreserved,
    /// `application/x-www-form-urlencoded` (`A-Z a-z 0-9 * - . _`).
    Form,
    /// The WHATWG path-segment set: also `! $ & ' ( ) * + , ; = : @ [ ] \ ^ |` stay.
    PathSegment,
    /// The WHATWG query set: only controls, space, `" # < >` and `'` are encoded.
    Query,
}

fn kept(set: Encode, byte: u8) -> bool {
    if byte.is_ascii_alphanumeric() {
        return true;
    }
    if !byte.is_ascii_graphic() {
        return false;
    }
    match set {
        Encode::Unreserved => matches!(byte, b'-' | b'.' | b'_' | b'~'),
        Encode::Form => matches!(byte, b'*' | b'-' | b'.' | b'_'),
        Encode::PathSegment => !matches!(
            byte,
            b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'/' | b'%'
        ),
        Encode::Query => !matches!(byte, b'"' | b'#' | b'<' | b'>' | b'\''),
    }
}

/// `text` percent-encoded with `set`, hex digits in upper or lower case, a space as `+`
/// (forms) or `%20`.
fn percent(text: &str, set: Encode, upper: bool, plus: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte == b' ' && plus {
            out.push('+');
        } else if kept(set, byte) {
            out.push(char::from(byte));
        } else if upper {
            let _ = write!(out, "%{byte:02X}");
        } else {
            let _ = write!(out, "%{byte:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_the_value_and_its_meaningful_lines_trimmed() {
        let secret = "  -----BEGIN KEY-----\n  MIIBOgIBAAJBAKj34GkxFhD9\n  }\n";
        let pieces = pieces(secret);
        assert!(pieces.contains(&secret));
        assert!(pieces.contains(&"-----BEGIN KEY-----\n  MIIBOgIBAAJBAKj34GkxFhD9\n  }"));
        assert!(pieces.contains(&"MIIBOgIBAAJBAKj34GkxFhD9"));
        assert!(pieces.contains(&"-----BEGIN KEY-----"));
        assert!(!pieces.contains(&"}"), "{pieces:?}");
    }

    #[test]
    fn encodings_cover_escapes_and_urls() {
        let forms = encodings("p\"w d/é");
        for expected in [
            "p\"w d/é",
            r#"p\"w d/é"#,
            r#"p\\\"w d/é"#,
            r#"p\"w d/\u00e9"#,
            r#"p\"w d/\u00E9"#,
            "p&quot;w d/é",
            "p%22w%20d%2F%C3%A9",
            "p%22w+d%2f%c3%a9",
            "p%22w%20d%2F%C3%A9",
        ] {
            assert!(forms.iter().any(|f| f == expected), "{expected}: {forms:?}");
        }
    }
}

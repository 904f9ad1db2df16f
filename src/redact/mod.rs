//! Process-wide secret redaction.
//!
//! Secrets are typed as sensitive from parse time on and rendered as `(sensitive)` by the
//! renderers, but a secret can still reach text by other roads: an API echoing a value in an
//! error body, a URL in a transport error, a panic message. Every secret value the process
//! learns is therefore registered here, and every writer of human or machine output passes
//! its text through [`redact`] as the last step. Belt and braces: typed secrecy first, this
//! filter second.
//!
//! A secret is looked for in every form it can take in output ([`forms`]): each meaningful
//! line of a multi-line value, escaped for JSON, YAML, HTML or Rust's `Debug`,
//! percent-encoded, and the long start or end of it that a clipped message still shows.
//! All of these are found in one pass over the text (an Aho-Corasick automaton, rebuilt
//! only when a secret is added), so a plan of thousands of resources costs one scan.

pub mod forms;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};
use serde_json::Value;

/// What replaces a secret value in any output.
pub const MASK: &str = "(sensitive)";

/// Values with fewer characters than this are not registered: masking every `a` or `1` in
/// the output would destroy it while protecting nothing.
pub const MIN_SECRET_CHARS: usize = 4;

/// A set of secrets and the matcher of all their forms. The process has one ([`register`],
/// [`redact`]); tests make their own.
#[derive(Default)]
pub struct Redactor {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    secrets: Vec<String>,
    /// Built on first use after a change; `None` while stale.
    matcher: Option<Arc<Matcher>>,
}

/// How a found pattern maps to the span to mask.
#[derive(Clone, Copy)]
enum Found {
    /// The pattern is a whole form: mask it.
    Whole,
    /// The pattern opens form `n`: mask as much of that form as the text goes on with.
    Start(usize),
    /// The pattern ends form `n`: mask as much of that form as the text had before it.
    End(usize),
}

struct Matcher {
    /// `None` only if the automaton could not be built (a limit of the crate): then each
    /// pattern is looked for on its own, slower but never failing open.
    automaton: Option<AhoCorasick>,
    patterns: Vec<String>,
    /// For each pattern, what finding it means (one pattern can be several things).
    meaning: Vec<Vec<Found>>,
    forms: Vec<String>,
}

impl Matcher {
    fn build(secrets: &[String]) -> Option<Matcher> {
        let mut forms: Vec<String> = secrets
            .iter()
            .flat_map(|secret| forms::pieces(secret))
            .flat_map(forms::encodings)
            .collect();
        forms.sort_unstable();
        forms.dedup();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut meaning: Vec<Vec<Found>> = Vec::new();
        let mut add = |pattern: &str, found: Found| {
            let at = *index.entry(pattern.to_owned()).or_insert_with(|| {
                patterns.push(pattern.to_owned());
                meaning.push(Vec::new());
                patterns.len() - 1
            });
            meaning[at].push(found);
        };
        for (n, form) in forms.iter().enumerate() {
            add(form, Found::Whole);
            let chars = form.chars().count();
            if chars >= forms::FRAGMENT_MIN_FORM_CHARS {
                let start_end = form
                    .char_indices()
                    .nth(forms::FRAGMENT_CHARS)
                    .map_or(form.len(), |(i, _)| i);
                let end_start = form
                    .char_indices()
                    .nth(chars - forms::FRAGMENT_CHARS)
                    .map_or(0, |(i, _)| i);
                add(&form[..start_end], Found::Start(n));
                add(&form[end_start..], Found::End(n));
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok();
        Some(Matcher {
            automaton,
            patterns,
            meaning,
            forms,
        })
    }

    /// Every place a pattern occurs, as `(pattern, start, end)`, overlaps included.
    fn finds(&self, text: &str) -> Vec<(usize, usize, usize)> {
        match &self.automaton {
            Some(automaton) => automaton
                .find_overlapping_iter(text)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect(),
            None => {
                let mut finds = Vec::new();
                for (n, pattern) in self.patterns.iter().enumerate() {
                    let mut from = 0;
                    while let Some(at) = text[from..].find(pattern.as_str()) {
                        let start = from + at;
                        finds.push((n, start, start + pattern.len()));
                        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
                    }
                }
                finds
            }
        }
    }

    /// The byte spans of `text` to mask, sorted and merged.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        for (pattern, start, end) in self.finds(text) {
            for meaning in &self.meaning[pattern] {
                spans.push(match *meaning {
                    Found::Whole => (start, end),
                    Found::Start(n) => {
                        let len = common_prefix(&text[start..], &self.forms[n]);
                        (start, start + len.max(end - start))
                    }
                    Found::End(n) => {
                        let len = common_suffix(&text[..end], &self.forms[n]);
                        (end - len.max(end - start), end)
                    }
                });
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }
}

/// Bytes `a` and `b` share at their start, ending on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    let mut len = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(len) {
        len -= 1;
    }
    len
}

/// Bytes `a` and `b` share at their end, starting on a character boundary.
fn common_suffix(a: &str, b: &str) -> usize {
    let mut len = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    while !a.is_char_boundary(a.len() - len) {
        len -= 1;
    }
    len
}

impl Redactor {
    /// Adds a secret; values shorter than [`MIN_SECRET_CHARS`] are ignored.
    pub fn register(&self, secret: &str) {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if !state.secrets.iter().any(|known| known == secret) {
            state.secrets.push(secret.to_owned());
            state.matcher = None;
        }
    }

    fn matcher(&self) -> Option<Arc<Matcher>> {
        {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            if state.secrets.is_empty() {
                return None;
            }
            if let Some(matcher) = &state.matcher {
                return Some(matcher.clone());
            }
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if state.matcher.is_none() {
            state.matcher = Matcher::build(&state.secrets).map(Arc::new);
        }
        state.matcher.clone()
    }

    /// `text` with every form of every registered secret replaced by [`MASK`] (adjoining
    /// or overlapping finds become one mask).
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(matcher) = self.matcher() else {
            return Cow::Borrowed(text);
        };
        let spans = matcher.spans(text);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in spans {
            out.push_str(&text[at..start]);
            out.push_str(MASK);
            at = end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// Every string in `value` (keys too) redacted: for writers that escape or re-format
    /// strings after this point, where a secret could take a form not foreseen here.
    pub fn redact_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.redact(s).into_owned()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.redact(k).into_owned(), self.redact_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

fn global() -> &'static Redactor {
    static REDACTOR: OnceLock<Redactor> = OnceLock::new();
    REDACTOR.get_or_init(Redactor::default)
}

/// Registers a secret value so that it never appears in output, in any of its forms.
pub fn register(secret: &str) {
    global().register(secret);
}

/// Replaces every form of every registered secret in `text` with [`MASK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    global().redact(text)
}

/// Every string of `value` redacted ([`Redactor::redact_value`]).
pub fn redact_value(value: &Value) -> Value {
    global().redact_value(value)
}

/// The start of a response body for an error message: on one line, at most `max_chars`
/// characters, redacted. Redacted before it is clipped as well as after, so that clipping
/// cannot cut a secret into a piece too short to be recognised.
pub fn snippet(body: &[u8], max_chars: usize) -> String {
    if body.is_empty() {
        return "(empty)".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let text = redact(&text);
    let mut out: String = text
        .chars()
        .take(max_chars)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    redact(&out).into_owned()
}

#[cfg(test)]
mod tests;

//! How much of an unexpected answer an error message quotes. A body that is no envelope at
//! all (a proxy's HTML page, a gateway's plain text) is recognisable from its start; every
//! client quotes the same length, redacted, on one line.

/// Characters of an unexpected body quoted in an error.
pub const SNIPPET_CHARS: usize = 200;

/// The start of `body`, on one line, with every registered secret masked.
pub fn snippet(body: &[u8]) -> String {
    crate::redact::snippet(body, SNIPPET_CHARS)
}

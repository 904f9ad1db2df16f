//! Percent-encoding of one URL component. Clients put user-given names (buckets,
//! repositories, binary keys, app keys) into paths, and a signing API signs the path as
//! sent, so the encoding must be exactly this and never the URL parser's own choice.

/// Percent-encodes everything but RFC 3986 unreserved characters (`A–Z a–z 0–9 - . _ ~`),
/// so that the URL parser leaves the string as it is and a name can never end a path
/// segment or start a query.
pub fn encode_unreserved(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(encode_unreserved("aZ09-._~"), "aZ09-._~");
        assert_eq!(
            encode_unreserved("a b/?&=%+ü"),
            "a%20b%2F%3F%26%3D%25%2B%C3%BC"
        );
    }
}

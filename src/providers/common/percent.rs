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

/// `value` percent-encoded as one whole path segment ([`encode_unreserved`]), or `None` for
/// the values no URL can carry as a segment: the empty string, `.` and `..`. URL parsers
/// remove those as dot-segments (RFC 3986 §5.2.4, and the WHATWG URL standard also when
/// percent-encoded as `%2E`), so a name `..` would silently address the parent path.
pub fn path_segment(value: &str) -> Option<String> {
    (!matches!(value, "" | "." | "..")).then(|| encode_unreserved(value))
}

/// The URL of `path` (starting with `/`, its segments already encoded) below the API base
/// `base` (no trailing `/`), with `query` encoded; the error says why not, redacted.
pub fn api_url(base: &str, path: &str, query: &[(&str, String)]) -> Result<reqwest::Url, String> {
    let text = format!("{base}{path}");
    let mut url = reqwest::Url::parse(&text).map_err(|e| {
        crate::redact::redact(&format!("invalid API URL `{text}`: {e}")).into_owned()
    })?;
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    Ok(url)
}

/// The REST base of an instance named by `endpoint` (an `https://HOST` or the sandbox's
/// `http://127.0.0.1:PORT/<provider>`): `api_path` (e.g. `/api/v4`) is added unless the
/// base already ends in it. The error names `what` the URL should point to, redacted.
pub fn api_base(endpoint: &str, api_path: &str, what: &str) -> Result<reqwest::Url, String> {
    let text = endpoint.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(text)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .filter(|url| url.query().is_none() && url.fragment().is_none())
        .ok_or_else(|| {
            crate::redact::redact(&format!("`{text}` is not an http(s) URL of {what}")).into_owned()
        })?;
    if url.path().trim_end_matches('/').ends_with(api_path) {
        return Ok(url);
    }
    let joined = format!("{}{api_path}", url.as_str().trim_end_matches('/'));
    reqwest::Url::parse(&joined).map_err(|e| crate::redact::redact(&e.to_string()).into_owned())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(encode_unreserved("aZ09-._~"), "aZ09-._~");
        assert_eq!(
            encode_unreserved("a b/?&=%+ü"),
            "a%20b%2F%3F%26%3D%25%2B%C3%BC"
        );
    }

    proptest! {
        /// Any name a segment can carry comes back whole from the one segment it was put
        /// in, without adding a segment, a query or a fragment; the others are refused.
        #[test]
        fn a_segment_holds_any_name_whole_or_refuses_it(
            name in prop_oneof![any::<String>(), "[./%2Ee]{0,4}".prop_map(String::from)],
        ) {
            let Some(segment) = path_segment(&name) else {
                prop_assert!(matches!(name.as_str(), "" | "." | ".."));
                return Ok(());
            };
            let url = reqwest::Url::parse(&format!("https://h/a/{segment}/b")).unwrap();
            prop_assert_eq!(url.query(), None);
            prop_assert_eq!(url.fragment(), None);
            let segments: Vec<&str> = url.path_segments().unwrap().collect();
            prop_assert_eq!(segments.len(), 3, "{}", url);
            let decoded = percent_encoding::percent_decode_str(segments[1]).decode_utf8().unwrap();
            prop_assert_eq!(decoded.as_ref(), name.as_str());
        }
    }
}

//! The `Link` response header (RFC 8288) that REST APIs page with: code hosts answer
//! `Link: <https://…?page=2>; rel="next", <https://…?page=5>; rel="last"`, and the only
//! correct way to page is to follow the `next` URL exactly as given, since servers change
//! its path and parameters at will (cursor tokens, other path prefixes).

use reqwest::header::{HeaderMap, LINK};

/// The target of the link with relation `rel` (case-insensitive) across every `Link`
/// header of `headers`, exactly as written between `<` and `>`. `None` when there is no such
/// link (the last page).
pub fn link_target(headers: &HeaderMap, rel: &str) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| find_rel(value, rel))
}

/// The `rel="next"` target of [`link_target`]: the next page of a paged list.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    link_target(headers, "next")
}

/// Parses one header value: comma-separated `<target>; param=value; …` entries. A target
/// may itself contain commas and semicolons (it is delimited by `<>`), and a parameter value
/// may be quoted; `rel` may hold several space-separated relation types.
fn find_rel(value: &str, wanted: &str) -> Option<String> {
    let mut rest = value;
    loop {
        let start = rest.find('<')?;
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = &after[..end];
        let params_and_more = &after[end + 1..];
        let (params, next) = split_params(params_and_more);
        if rel_matches(params, wanted) {
            return Some(target.trim().to_owned());
        }
        rest = next;
    }
}

/// Splits the text after a target into its parameters and what follows the entry (after
/// the comma that ends it), honouring quoted strings.
fn split_params(text: &str) -> (&str, &str) {
    split_unquoted(text, ',')
}

/// `text` up to the first `delimiter` outside a quoted string, and what follows it (empty
/// when there is none).
fn split_unquoted(text: &str, delimiter: char) -> (&str, &str) {
    let mut quoted = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == delimiter && !quoted => return (&text[..at], &text[at + 1..]),
            _ => {}
        }
    }
    (text, "")
}

/// Whether `params` (`; rel="next"; type=…`) has a `rel` naming `wanted`.
fn rel_matches(params: &str, wanted: &str) -> bool {
    let mut rest = params;
    while !rest.is_empty() {
        let (param, next) = split_unquoted(rest, ';');
        rest = next;
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("rel")
            && value
                .trim()
                .trim_matches('"')
                .split_ascii_whitespace()
                .any(|rel| rel.eq_ignore_ascii_case(wanted))
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(LINK, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn next_is_found_among_the_other_relations_in_any_form() {
        let typical = r#"<https://api.example.com/repositories/1/deployments?per_page=100&page=2>; rel="next", <https://api.example.com/repositories/1/deployments?per_page=100&page=5>; rel="last""#;
        assert_eq!(
            next_link(&headers(&[typical])).as_deref(),
            Some("https://api.example.com/repositories/1/deployments?per_page=100&page=2")
        );
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &[r#"<a?page=1>; rel="prev", <b?page=3>; rel="next""#],
                Some("b?page=3"),
            ),
            (&["<x>; rel=next"], Some("x")),
            (&["<x>;rel=NEXT"], Some("x")),
            (&[r#"<x>; rel="last next""#], Some("x")),
            (&[r#"<x>; title="a, b; rel=next"; rel="last""#], None),
            (&[r#"<x>; title="a, b"; rel="next""#], Some("x")),
            (&["<a,b;c>; rel=\"next\""], Some("a,b;c")),
            (&[r#"<a>; rel="first""#, r#"<b>; rel="next""#], Some("b")),
            (&[r#"<a>; rel="last""#], None),
            (&["garbage"], None),
            (&["<unterminated; rel=next"], None),
            (&[], None),
        ];
        for (values, expected) in cases {
            assert_eq!(
                next_link(&headers(values)).as_deref(),
                *expected,
                "{values:?}"
            );
        }
        assert_eq!(
            link_target(&headers(&[typical]), "last").as_deref(),
            Some("https://api.example.com/repositories/1/deployments?per_page=100&page=5")
        );
    }

    proptest! {
        /// Whatever other links surround it, and in whatever order, the `next` target
        /// comes back byte for byte.
        #[test]
        fn the_next_target_comes_back_verbatim(
            target in "[A-Za-z0-9:/?&=%._~+;,-]{0,60}",
            others in proptest::collection::vec(("[a-z]{1,6}", "[A-Za-z0-9:/?&=._-]{0,30}"), 0..4),
            at in 0usize..5,
            quoted in any::<bool>(),
        ) {
            let mut entries: Vec<String> = others
                .iter()
                .filter(|(rel, _)| !rel.eq_ignore_ascii_case("next"))
                .map(|(rel, url)| format!("<{url}>; rel=\"{rel}\""))
                .collect();
            let rel = if quoted { "\"next\"" } else { "next" };
            entries.insert(at.min(entries.len()), format!("<{target}>; rel={rel}"));
            let found = next_link(&headers(&[&entries.join(", ")]));
            prop_assert_eq!(found.as_deref(), Some(target.trim()));
        }
    }
}

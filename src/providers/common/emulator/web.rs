//! The URLs an emulator writes into its answers: the request URL as the client sent it
//! (for paging links and redirects) and the base the emulator is mounted at (for `url`
//! fields), both taken from the `Host` header and the original URI, so answers point
//! wherever the client called, whatever port the sandbox runs on.

use axum::extract::OriginalUri;
use axum::http::header;
use axum::http::request::Parts;

/// Where a request arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalledUrl {
    /// `http://HOST/<mount>`: the emulator's mount point (no trailing slash).
    pub mount: String,
    /// The whole request URL as sent (`http://HOST/<mount>/<path>?<query>`).
    pub url: String,
}

/// The [`CalledUrl`] of a request, from its parts.
pub fn called_url(parts: &Parts) -> CalledUrl {
    let original = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |uri| uri.0.clone());
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let inner = parts.uri.path();
    let mount = original.path().strip_suffix(inner).unwrap_or("");
    CalledUrl {
        mount: format!("http://{host}{mount}"),
        url: format!("http://{host}{original}"),
    }
}

/// `url` with its `page` query parameter set to `page` (every other parameter kept, in
/// order); `None` when `url` does not parse.
pub fn with_page(url: &str, page: usize) -> Option<String> {
    let mut url = reqwest::Url::parse(url).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != "page")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("page", &page.to_string());
    Some(url.to_string())
}

/// An RFC 8288 `Link` header value: one `<url with page=N>; rel="…"` per relation, in the
/// order given. `None` when `url` does not parse.
pub fn link_header(url: &str, relations: &[(&str, usize)]) -> Option<String> {
    let links = relations
        .iter()
        .map(|(rel, page)| with_page(url, *page).map(|at| format!("<{at}>; rel=\"{rel}\"")))
        .collect::<Option<Vec<_>>>()?;
    Some(links.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_replace_only_the_page() {
        let url = "http://h/x/list?per_page=3&page=2&name=a%2Fb";
        assert_eq!(
            with_page(url, 5).as_deref(),
            Some("http://h/x/list?per_page=3&name=a%2Fb&page=5")
        );
        assert_eq!(
            link_header("http://h/l", &[("next", 2), ("first", 1)]).as_deref(),
            Some("<http://h/l?page=2>; rel=\"next\", <http://h/l?page=1>; rel=\"first\"")
        );
        assert_eq!(link_header("not a url", &[("next", 2)]), None);
    }
}

//! Paged lists: the first page at `per_page=100` (GitLab's maximum), then the next page as
//! GitLab names it: `Link: <…>; rel="next"` exactly as given, else the `x-next-page` number
//! (empty on the last page). `x-total` and `x-total-pages` are never relied on: GitLab
//! leaves them out past 10,000 items.
//!
//! The next page is only followed on the API's own origin (the token goes with it), a page
//! is never read twice, and a server that answers every page number with the same page is
//! stopped rather than looped on.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{GitlabClient, GitlabError, decode};
use crate::providers::http::{PageTrail, PagingError, Retry, next_link};

/// Items asked for per page (GitLab's maximum).
pub(super) const PER_PAGE: u32 = 100;

/// How much of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Extent {
    /// Every page.
    All,
    /// The first page only, of this size.
    First(u32),
}

impl GitlabClient {
    /// The items of the list at `path` with `query`, as far as `extent` says.
    pub(super) async fn list<T: DeserializeOwned>(
        &self,
        (call, target): (&str, &str),
        path: &str,
        query: &[(&str, String)],
        extent: Extent,
    ) -> Result<Vec<T>, GitlabError> {
        let per_page = match extent {
            Extent::All => PER_PAGE,
            Extent::First(size) => size.clamp(1, PER_PAGE),
        };
        let mut query = query.to_vec();
        query.push(("per_page", per_page.to_string()));
        let mut next = Some(self.url(path, &query)?);
        let mut trail = PageTrail::new(&self.inner.base);
        let paging = |e: PagingError| GitlabError::Decode {
            call: call.to_owned(),
            reason: e.to_string(),
        };
        let mut items = Vec::new();
        let mut previous: Option<Vec<u8>> = None;
        while let Some(url) = next.take() {
            trail.visit(&url).map_err(paging)?;
            let response = self
                .send(call, Retry::Safe, Method::GET, &url, None)
                .await?;
            if !response.is_success() {
                return Err(self.refusal(call, target, &response));
            }
            let page: Vec<T> = decode(call, &response)?;
            if page.is_empty() || extent != Extent::All {
                items.extend(page);
                break;
            }
            if previous.as_deref() == Some(response.body.as_slice()) {
                return Err(paging(PagingError::Circular));
            }
            items.extend(page);
            next = next_page(&trail, &url, &response.headers).map_err(paging)?;
            previous = Some(response.body);
        }
        Ok(items)
    }
}

/// The page after `current`: the `Link` header's `next` target, else `current` with `page`
/// set to `x-next-page`; `None` on the last page.
pub(super) fn next_page(
    trail: &PageTrail,
    current: &reqwest::Url,
    headers: &HeaderMap,
) -> Result<Option<reqwest::Url>, PagingError> {
    if let Some(target) = next_link(headers) {
        return trail.resolve(current, &target).map(Some);
    }
    let Some(number) = headers
        .get("x-next-page")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let number: u64 = number
        .parse()
        .map_err(|_| PagingError::Unusable(format!("x-next-page: {number}")))?;
    let mut url = current.clone();
    let kept: Vec<(String, String)> = current
        .query_pairs()
        .filter(|(key, _)| key != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("page", &number.to_string());
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::common::fake::headers;

    #[test]
    fn the_link_wins_then_the_page_number_then_the_end() {
        let base = reqwest::Url::parse("https://gl.example/api/v4").unwrap();
        let trail = PageTrail::new(&base);
        let current = reqwest::Url::parse(
            "https://gl.example/api/v4/projects/1/environments?per_page=100&page=2&name=a%20b",
        )
        .unwrap();
        let link = r#"<https://gl.example/api/v4/projects/1/environments?id=1&page=3&per_page=100>; rel="next", <https://gl.example/api/v4/projects/1/environments?page=1>; rel="first""#;
        let both = headers(&[("link", link), ("x-next-page", "9")]);
        assert_eq!(
            next_page(&trail, &current, &both)
                .unwrap()
                .unwrap()
                .as_str(),
            "https://gl.example/api/v4/projects/1/environments?id=1&page=3&per_page=100"
        );
        let number = headers(&[("x-next-page", " 3 "), ("x-total", "7")]);
        assert_eq!(
            next_page(&trail, &current, &number)
                .unwrap()
                .unwrap()
                .as_str(),
            "https://gl.example/api/v4/projects/1/environments?per_page=100&name=a+b&page=3"
        );
        for last in [
            headers(&[("x-next-page", "")]),
            headers(&[("x-total-pages", "9")]),
        ] {
            assert_eq!(next_page(&trail, &current, &last).unwrap(), None);
        }
        assert!(matches!(
            next_page(&trail, &current, &headers(&[("x-next-page", "two")])),
            Err(PagingError::Unusable(_))
        ));
        let elsewhere = headers(&[(
            "link",
            r#"<https://other.example/api/v4/x?page=3>; rel="next""#,
        )]);
        assert_eq!(
            next_page(&trail, &current, &elsewhere),
            Err(PagingError::OtherHost("https://other.example".into()))
        );
    }
}

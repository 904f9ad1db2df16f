//! Following a paged list safely, whatever the API's way of naming the next page.
//!
//! The next page's URL comes from the server (a `Link` header, a page number), and the
//! token goes with the request, so it is followed on the API's own origin only. A server
//! that names a page twice, or never stops, is reported rather than looped on.

use std::collections::HashSet;

/// Pages read at most from one list.
pub const MAX_PAGES: usize = 1000;

/// Why a list cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    /// A page was named a second time, or the list never ended.
    #[error("the server's next-page links go round in circles")]
    Circular,
    /// The next page is on another origin: the token is not sent there.
    #[error("the next-page link points to another host ({0}); the token is not sent there")]
    OtherHost(String),
    /// The next page's address cannot be read as a URL.
    #[error("unusable next-page link: {0}")]
    Unusable(String),
}

/// The pages one list has read so far, and the origin its pages must stay on.
#[derive(Debug, Clone)]
pub struct PageTrail {
    origin: reqwest::Url,
    seen: HashSet<String>,
}

impl PageTrail {
    /// A trail for a list of the API at `base`.
    pub fn new(base: &reqwest::Url) -> Self {
        PageTrail {
            origin: base.clone(),
            seen: HashSet::new(),
        }
    }

    /// Records that `url` is read next; an error if it was read before or the list is
    /// longer than [`MAX_PAGES`].
    pub fn visit(&mut self, url: &reqwest::Url) -> Result<(), PagingError> {
        if !self.seen.insert(url.as_str().to_owned()) || self.seen.len() > MAX_PAGES {
            return Err(PagingError::Circular);
        }
        Ok(())
    }

    /// `target` (absolute, or relative to the page `current`) as the next page's URL, if it
    /// is on the API's origin.
    pub fn resolve(
        &self,
        current: &reqwest::Url,
        target: &str,
    ) -> Result<reqwest::Url, PagingError> {
        let resolved = current
            .join(target)
            .map_err(|e| PagingError::Unusable(crate::redact::redact(&e.to_string()).into()))?;
        self.check_origin(resolved)
    }

    /// `url` if it is on the API's origin.
    pub fn check_origin(&self, url: reqwest::Url) -> Result<reqwest::Url, PagingError> {
        if url.origin() != self.origin.origin() {
            return Err(PagingError::OtherHost(url.origin().ascii_serialization()));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> reqwest::Url {
        reqwest::Url::parse(text).unwrap()
    }

    #[test]
    fn pages_stay_on_the_origin_and_are_read_once() {
        let mut trail = PageTrail::new(&url("https://h.example/api/v4"));
        let first = url("https://h.example/api/v4/x?page=1");
        trail.visit(&first).unwrap();
        assert_eq!(trail.visit(&first), Err(PagingError::Circular));
        let next = trail.resolve(&first, "/api/v4/x?page=2").unwrap();
        assert_eq!(next.as_str(), "https://h.example/api/v4/x?page=2");
        assert_eq!(
            trail.resolve(&first, "https://evil.example/api/v4/x?page=2"),
            Err(PagingError::OtherHost("https://evil.example".into()))
        );
        assert_eq!(
            trail.resolve(&first, "http://h.example/api/v4/x?page=2"),
            Err(PagingError::OtherHost("http://h.example".into()))
        );
        for n in 2..=MAX_PAGES {
            trail
                .visit(&url(&format!("https://h.example/x?page={n}")))
                .unwrap();
        }
        let over = url("https://h.example/x?page=over");
        assert_eq!(trail.visit(&over), Err(PagingError::Circular));
    }
}

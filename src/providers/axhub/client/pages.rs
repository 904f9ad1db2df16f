//! Paged lists: `limit` (AxHub's maximum, 100) and `offset`, until the items read reach
//! `total`, a page comes back short or empty, or the caller has enough. `next_cursor` is
//! returned by AxHub but never followed, as in its SDKs.
//!
//! A server that ignores `offset` (the same page again) or never stops is reported rather
//! than looped on: each offset is read once, at most [`MAX_PAGES`] pages, and a page equal
//! to the one before it ends the list with an error.

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::{AxhubClient, AxhubError};
use crate::providers::axhub::wire::Page;
use crate::providers::http::{MAX_PAGES, PageTrail, PagingError, Retry};

/// Items asked for per page (AxHub's maximum).
pub(super) const LIMIT: usize = 100;

impl AxhubClient {
    /// The items of the list at `path`, at most `max` of them (all with `None`).
    pub(super) async fn list<T: DeserializeOwned>(
        &self,
        (call, target): (&str, &str),
        path: &str,
        max: Option<usize>,
    ) -> Result<Vec<T>, AxhubError> {
        let mut trail = PageTrail::new(&self.inner.base);
        let paging = |e: PagingError| AxhubError::Decode {
            call: call.to_owned(),
            reason: e.to_string(),
        };
        let mut items = Vec::new();
        let mut previous: Option<Vec<u8>> = None;
        for _ in 0..MAX_PAGES {
            let wanted = max.map_or(LIMIT, |max| max.saturating_sub(items.len()).min(LIMIT));
            if wanted == 0 {
                return Ok(items);
            }
            let query = [
                ("limit", wanted.to_string()),
                ("offset", items.len().to_string()),
            ];
            let url = self.url(path, &query)?;
            trail.visit(&url).map_err(paging)?;
            let (response, id) = self
                .send(call, Retry::Safe, Method::GET, &url, None)
                .await?;
            if !response.is_success() {
                return Err(AxhubError::from_response(call, target, &id, &response));
            }
            let page: Page<T> = response
                .json()
                .map_err(|reason| super::undecodable(call, reason))?;
            if previous.as_deref() == Some(response.body.as_slice()) && !page.items.is_empty() {
                return Err(paging(PagingError::Circular));
            }
            let read = page.items.len();
            items.extend(page.items);
            let complete = page.total.is_some_and(|total| items.len() as u64 >= total);
            if read < wanted || complete {
                return Ok(items);
            }
            previous = Some(response.body);
        }
        Err(paging(PagingError::Circular))
    }
}

//! Paged lists: the first page at `per_page` (the largest the API allows), then each
//! `Link: <…>; rel="next"` exactly as given, until there is none.
//!
//! The next URL is only followed on the API's own origin: the bearer token goes with it,
//! and a server (or a proxy) naming another host must not receive it. A server that names
//! a page twice, or never stops, is reported rather than looped on.

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::{GithubClient, GithubError, decode};
use crate::providers::github::wire;
use crate::providers::http::{PageTrail, Retry, next_link};
use crate::redact::redact;

/// Items asked for per page of most lists (the API's maximum).
pub(super) const PER_PAGE: u32 = 100;

/// One page of a list answer: a bare array, or an object wrapping it.
pub trait Page: DeserializeOwned {
    /// What the list holds.
    type Item;
    /// The items of this page.
    fn into_items(self) -> Vec<Self::Item>;
}

impl<T: DeserializeOwned> Page for Vec<T> {
    type Item = T;
    fn into_items(self) -> Vec<T> {
        self
    }
}

macro_rules! wrapped_page {
    ($($list:ty => $field:ident: $item:ty),+ $(,)?) => {
        $(impl Page for $list {
            type Item = $item;
            fn into_items(self) -> Vec<$item> {
                self.$field
            }
        })+
    };
}

wrapped_page!(
    wire::EnvironmentList => environments: wire::Environment,
    wire::BranchPolicyList => branch_policies: wire::BranchPolicy,
    wire::VariableList => variables: wire::Variable,
    wire::SecretList => secrets: wire::SecretMeta,
);

/// The pages of one list, read one at a time (newest first where GitHub sorts so), so
/// that a caller looking for one item stops reading when it has it.
pub struct Pages<P: Page> {
    client: GithubClient,
    call: String,
    target: String,
    next: Option<reqwest::Url>,
    trail: PageTrail,
    _page: std::marker::PhantomData<fn() -> P>,
}

impl<P: Page> Pages<P> {
    pub(super) fn new(
        client: &GithubClient,
        call: String,
        target: String,
        first: reqwest::Url,
    ) -> Self {
        Pages {
            client: client.clone(),
            call,
            target,
            next: Some(first),
            trail: PageTrail::new(&client.inner.base),
            _page: std::marker::PhantomData,
        }
    }

    /// The next page's items, or `None` after the last page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<P::Item>>, GithubError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        self.trail
            .visit(&url)
            .map_err(|e| self.paging_error(&e.to_string()))?;
        let response = self
            .client
            .send(&self.call, Retry::Safe, Method::GET, &url, None)
            .await?;
        if !response.is_success() {
            return Err(GithubError::from_response(
                &self.call,
                &self.target,
                &response,
            ));
        }
        let page: P = decode(&self.call, &response)?;
        if let Some(next) = next_link(&response.headers) {
            let resolved = self
                .trail
                .resolve(&url, &next)
                .map_err(|e| self.paging_error(&e.to_string()))?;
            self.next = Some(resolved);
        }
        Ok(Some(page.into_items()))
    }

    /// Every remaining item of every remaining page.
    pub async fn all(mut self) -> Result<Vec<P::Item>, GithubError> {
        let mut items = Vec::new();
        while let Some(page) = self.next_page().await? {
            items.extend(page);
        }
        Ok(items)
    }

    /// The first remaining item `wanted` accepts, reading only as many pages as it takes.
    pub async fn find(
        mut self,
        mut wanted: impl FnMut(&P::Item) -> bool,
    ) -> Result<Option<P::Item>, GithubError> {
        while let Some(page) = self.next_page().await? {
            if let Some(found) = page.into_iter().find(|item| wanted(item)) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn paging_error(&self, reason: &str) -> GithubError {
        GithubError::Decode {
            call: self.call.clone(),
            reason: redact(reason).into_owned(),
        }
    }
}

impl GithubClient {
    /// The pages of the list at `path` with `query`, `per_page` items each.
    pub(super) fn pages<P: Page>(
        &self,
        call: String,
        target: String,
        path: &str,
        query: &[(&str, String)],
        per_page: u32,
    ) -> Result<Pages<P>, GithubError> {
        let mut query = query.to_vec();
        query.push(("per_page", per_page.to_string()));
        let url = self.url(path, &query)?;
        Ok(Pages::new(self, call, target, url))
    }
}

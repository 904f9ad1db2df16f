//! The lookup and deploy operations (providers.md §2.3), one method each, and the paging
//! they share. Paths are below `/api/v2.1/projects/{appKey}`; note that the docs spell the
//! upload / download / deploy paths with singular `binary-group` / `server-group` and the
//! lists with plural `binary-groups` / `server-groups`, and each is used as documented.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use super::{NhnClient, NhnError, envelope};
use crate::providers::http::Retry;
use crate::providers::nhn::wire::{
    self, Artifact, ArtifactList, Binary, BinaryGroup, BinaryGroupList, BinaryPage,
    DeployHistoryPage, DeployRequest, DeployRun, ServerGroup, ServerGroupList,
};
use crate::redact::redact;

/// Items asked for per page of a paged list.
pub(super) const PAGE_SIZE: u32 = 100;
/// Pages read at most from one list, in case a server never reaches its `totalCount`.
const MAX_PAGES: u32 = 1000;

pub(super) fn artifact(artifact_id: i64) -> String {
    format!("/artifacts/{artifact_id}")
}

/// `yyyy-MM-dd`, the date format of the history window.
pub(super) fn ymd(date: jiff::civil::Date) -> String {
    date.strftime("%Y-%m-%d").to_string()
}

impl NhnClient {
    /// Every artifact of the project.
    pub async fn list_artifacts(&self) -> Result<Vec<Artifact>, NhnError> {
        let list: ArtifactList = self.get("list artifacts", "/artifacts", &[]).await?;
        Ok(list.artifacts)
    }

    /// The artifact named exactly `name`. The `artifactName` filter is not documented to
    /// match exactly (it may match substrings), so its answer is compared exactly; two
    /// artifacts with the very same name are reported rather than guessed between.
    pub async fn find_artifact(&self, name: &str) -> Result<Option<Artifact>, NhnError> {
        let call = redact(&format!("find artifact `{name}`")).into_owned();
        let query = [("artifactName", name.to_owned())];
        let list: ArtifactList = self.get(&call, "/artifacts", &query).await?;
        let mut exact: Vec<Artifact> = list
            .artifacts
            .into_iter()
            .filter(|a| a.name == name)
            .collect();
        if exact.len() > 1 {
            let ids: Vec<String> = exact.iter().map(|a| a.id.to_string()).collect();
            return Err(NhnError::Decode {
                call,
                reason: format!(
                    "{} artifacts have this exact name (ids {})",
                    exact.len(),
                    ids.join(", ")
                ),
            });
        }
        Ok(exact.pop())
    }

    /// The server groups of an artifact.
    pub async fn list_server_groups(&self, artifact_id: i64) -> Result<Vec<ServerGroup>, NhnError> {
        let call = format!("list server groups of artifact {artifact_id}");
        let path = format!("{}/server-groups", artifact(artifact_id));
        let list: ServerGroupList = self.get(&call, &path, &[]).await?;
        Ok(list.server_groups)
    }

    /// The binary groups of an artifact.
    pub async fn list_binary_groups(&self, artifact_id: i64) -> Result<Vec<BinaryGroup>, NhnError> {
        let call = format!("list binary groups of artifact {artifact_id}");
        let path = format!("{}/binary-groups", artifact(artifact_id));
        let list: BinaryGroupList = self.get(&call, &path, &[]).await?;
        Ok(list.binary_groups)
    }

    /// The most recently uploaded binary of a group: what a deployment runs when its
    /// scenario takes the group's newest binary (the deploy API has no version parameter).
    pub async fn newest_binary(
        &self,
        artifact_id: i64,
        binary_group_key: i64,
    ) -> Result<Option<Binary>, NhnError> {
        let call =
            format!("newest binary of binary group {binary_group_key} of artifact {artifact_id}");
        let path = format!(
            "{}/binary-groups/{binary_group_key}/binaries",
            artifact(artifact_id)
        );
        let query = [
            ("pageNum", "1".to_owned()),
            ("pageSize", "1".to_owned()),
            ("sortKey", "UPLOAD_DATE".to_owned()),
            ("sortDirection", "DESC".to_owned()),
        ];
        let page: BinaryPage = self.get(&call, &path, &query).await?;
        Ok(page.binaries.into_iter().next())
    }

    /// The binary of exactly `version` in a binary group. The `keyword` search matches
    /// versions loosely, so every page of its answer is compared exactly.
    pub async fn find_binary(
        &self,
        artifact_id: i64,
        binary_group_key: i64,
        version: &str,
    ) -> Result<Option<Binary>, NhnError> {
        let call = redact(&format!(
            "find version `{version}` in binary group {binary_group_key} of artifact {artifact_id}"
        ))
        .into_owned();
        let path = format!(
            "{}/binary-groups/{binary_group_key}/binaries",
            artifact(artifact_id)
        );
        let query = vec![("keyword", version.to_owned())];
        let mut found = None;
        self.scan(
            &call,
            &path,
            query,
            |page: BinaryPage| (page.total_count, page.binaries),
            |page| {
                found = page.into_iter().find(|b| b.version == version);
                found.is_some()
            },
        )
        .await?;
        Ok(found)
    }

    /// Runs a deployment to a server group and returns one run per group (autoscale groups
    /// answer with several). Never repeated after an unknown outcome: a deploy is not
    /// idempotent. With `async: false` (the API's default) the call lasts as long as the
    /// deployment and gets the long time limit.
    pub async fn deploy(
        &self,
        artifact_id: i64,
        server_group_id: i64,
        request: &DeployRequest,
    ) -> Result<Vec<DeployRun>, NhnError> {
        let call = format!("deploy to server group {server_group_id} of artifact {artifact_id}");
        let path = format!(
            "{}/server-group/{server_group_id}/deploy",
            artifact(artifact_id)
        );
        let url = self.url(&path, &[])?;
        let body = serde_json::to_vec(request).map_err(|e| NhnError::Decode {
            call: call.clone(),
            reason: redact(&format!("cannot encode the request: {e}")).into_owned(),
        })?;
        let long = request.r#async != Some(true);
        let response = self
            .send(Retry::OnlyIfNotProcessed, long, |client| {
                client
                    .post(url.clone())
                    .header(ACCEPT, "application/json")
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        envelope::decode(&call, &response)
    }

    /// One page of a server group's deploy history between two dates (inclusive, at most a
    /// year apart), as the API returns it.
    pub async fn deploy_history_page(
        &self,
        artifact_id: i64,
        server_group_id: i64,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        page_num: u32,
        page_size: u32,
    ) -> Result<DeployHistoryPage, NhnError> {
        let call = history_call(artifact_id, server_group_id, from, to);
        let mut query = history_query(server_group_id, from, to);
        query.push(("pageNum", page_num.to_string()));
        query.push(("pageSize", page_size.to_string()));
        let path = format!("{}/deploy-histories", artifact(artifact_id));
        self.get(&call, &path, &query).await
    }

    /// Reads pages 1, 2, … of the list at `path` (with `query`) and hands each page's items
    /// to `visit` until it returns true, a page comes back empty, or as many items as the
    /// list's `totalCount` have been seen (without a count: until a page is not full). `split` takes a page apart into that count and
    /// its items.
    pub(super) async fn scan<P, T>(
        &self,
        call: &str,
        path: &str,
        query: Vec<(&'static str, String)>,
        split: impl Fn(P) -> (i64, Vec<T>),
        mut visit: impl FnMut(Vec<T>) -> bool,
    ) -> Result<(), NhnError>
    where
        P: DeserializeOwned,
    {
        let mut seen: i64 = 0;
        for page_num in 1..=MAX_PAGES {
            let mut paged = query.clone();
            paged.push(("pageNum", page_num.to_string()));
            paged.push(("pageSize", PAGE_SIZE.to_string()));
            let (total, items) = split(self.get::<P>(call, path, &paged).await?);
            if items.is_empty() {
                return Ok(());
            }
            let len = items.len();
            seen += len as i64;
            if visit(items) {
                return Ok(());
            }
            // A non-empty page with a `totalCount` of 0 means the count is missing (the
            // wire type defaults it): then only a short page ends the list.
            let ended = if total > 0 {
                seen >= total
            } else {
                len < PAGE_SIZE as usize
            };
            if ended {
                return Ok(());
            }
        }
        Err(NhnError::Decode {
            call: call.to_owned(),
            reason: format!("the list did not end after {MAX_PAGES} pages of {PAGE_SIZE}"),
        })
    }
}

/// The name of a history read, for errors.
pub(super) fn history_call(
    artifact_id: i64,
    server_group_id: i64,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> String {
    format!(
        "read the deploy history of server group {server_group_id} of artifact {artifact_id} from {} to {}",
        ymd(from),
        ymd(to)
    )
}

/// The query of a history read, without paging.
pub(super) fn history_query(
    server_group_id: i64,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Vec<(&'static str, String)> {
    vec![
        ("serverGroupId", server_group_id.to_string()),
        ("deploymentYearFrom", ymd(from)),
        ("deploymentYearTo", ymd(to)),
    ]
}

/// A history page taken apart into its total count and its entries, for
/// [`NhnClient::scan`].
pub(super) fn history_items(page: wire::DeployHistoryPage) -> (i64, Vec<wire::DeployHistory>) {
    (page.total_count, page.deploy_histories)
}

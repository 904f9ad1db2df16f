//! One provider instance's view of the remote: its client, and the artifact, server-group
//! and binary-group names it has resolved to ids. Fetch fills the cache and execute reads
//! it, so both take this view rather than the provider that owns it.

use std::collections::HashMap;

use futures_util::future::try_join_all;
use tokio::sync::Mutex;

use super::client::NhnClient;
use super::errors::request_error;
use super::wire;
use crate::model::Resource;
use crate::providers::ProviderError;
use crate::providers::common::attributes::text;

/// Names resolved to ids, kept between fetch and execute.
#[derive(Default)]
pub(super) struct Lookups {
    pub artifacts: HashMap<String, wire::Artifact>,
    pub server_groups: HashMap<i64, Vec<wire::ServerGroup>>,
    pub binary_groups: HashMap<i64, Vec<wire::BinaryGroup>>,
}

/// The client and the name cache of one provider instance, borrowed for one fetch or one
/// change.
pub(super) struct Remote<'a> {
    pub client: &'a NhnClient,
    cache: &'a Mutex<Lookups>,
}

impl<'a> Remote<'a> {
    pub(super) fn new(client: &'a NhnClient, cache: &'a Mutex<Lookups>) -> Self {
        Remote { client, cache }
    }

    /// The artifact named `name`, from the cache or the API.
    pub(super) async fn artifact(
        &self,
        name: &str,
    ) -> Result<Option<wire::Artifact>, ProviderError> {
        if let Some(found) = self.cache.lock().await.artifacts.get(name) {
            return Ok(Some(found.clone()));
        }
        let found = self
            .client
            .find_artifact(name)
            .await
            .map_err(|e| request_error(format!("find artifact `{name}`"), e))?;
        if let Some(artifact) = &found {
            self.cache
                .lock()
                .await
                .artifacts
                .insert(name.to_owned(), artifact.clone());
        }
        Ok(found)
    }

    /// Looks up every artifact named, all at once: one round trip however many artifacts
    /// the manifest names. `None` for a name that does not exist.
    pub(super) async fn artifacts(
        &self,
        names: impl IntoIterator<Item = String>,
    ) -> Result<HashMap<String, Option<wire::Artifact>>, ProviderError> {
        let lookups = names.into_iter().map(|name| async move {
            let found = self.artifact(&name).await?;
            Ok::<_, ProviderError>((name, found))
        });
        Ok(try_join_all(lookups).await?.into_iter().collect())
    }

    /// Fills the group caches for these artifacts, every list at once, so that the
    /// per-resource lookups after it cost no request.
    pub(super) async fn load_groups(
        &self,
        binary_groups_of: &[wire::Artifact],
        server_groups_of: &[wire::Artifact],
    ) -> Result<(), ProviderError> {
        tokio::try_join!(
            try_join_all(binary_groups_of.iter().map(|a| self.binary_groups(a))),
            try_join_all(server_groups_of.iter().map(|a| self.server_groups(a))),
        )?;
        Ok(())
    }

    pub(super) async fn server_groups(
        &self,
        artifact: &wire::Artifact,
    ) -> Result<Vec<wire::ServerGroup>, ProviderError> {
        if let Some(found) = self.cache.lock().await.server_groups.get(&artifact.id) {
            return Ok(found.clone());
        }
        let groups = self
            .client
            .list_server_groups(artifact.id)
            .await
            .map_err(|e| {
                request_error(
                    format!("list server groups of artifact `{}`", artifact.name),
                    e,
                )
            })?;
        self.cache
            .lock()
            .await
            .server_groups
            .insert(artifact.id, groups.clone());
        Ok(groups)
    }

    pub(super) async fn binary_groups(
        &self,
        artifact: &wire::Artifact,
    ) -> Result<Vec<wire::BinaryGroup>, ProviderError> {
        if let Some(found) = self.cache.lock().await.binary_groups.get(&artifact.id) {
            return Ok(found.clone());
        }
        let groups = self
            .client
            .list_binary_groups(artifact.id)
            .await
            .map_err(|e| {
                request_error(
                    format!("list binary groups of artifact `{}`", artifact.name),
                    e,
                )
            })?;
        self.cache
            .lock()
            .await
            .binary_groups
            .insert(artifact.id, groups.clone());
        Ok(groups)
    }

    /// Resolved ids of a resource at apply time (from the cache filled by fetch, or the API).
    pub(super) async fn ids(
        &self,
        resource: &Resource,
    ) -> Result<(wire::Artifact, Option<i64>, Option<i64>), ProviderError> {
        let name = text(resource, "artifact");
        let artifact = self.artifact(name).await?.ok_or_else(|| {
            ProviderError::Precondition(format!("artifact `{name}` no longer exists"))
        })?;
        let group_name = text(resource, "binary_group");
        let group = if group_name.is_empty() {
            None
        } else {
            self.binary_groups(&artifact)
                .await?
                .iter()
                .find(|g| g.name == group_name)
                .map(|g| g.key)
        };
        let server_name = text(resource, "server_group");
        let server_group = if server_name.is_empty() {
            None
        } else {
            self.server_groups(&artifact)
                .await?
                .iter()
                .find(|g| g.name == server_name)
                .map(|g| g.id)
        };
        Ok((artifact, group, server_group))
    }
}

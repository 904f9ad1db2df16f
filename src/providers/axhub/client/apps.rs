//! Tenants and apps (read only: AxHub creates apps through its bootstrap flow), and the two
//! settings of an app the provider manages: its git connection and staging.

use reqwest::Method;

use super::{AxhubClient, AxhubError, json, segment};
use crate::providers::axhub::wire::{
    App, ConnectGit, DisableStaging, GitConnection, SetBranch, Tenant,
};
use crate::providers::http::Retry;

impl AxhubClient {
    /// The tenants the token's user belongs to.
    pub async fn tenants(&self) -> Result<Vec<Tenant>, AxhubError> {
        self.list(("list tenants", "the token's tenants"), "/tenants", None)
            .await
    }

    /// The tenant with `slug`, `None` when the user has none by that slug.
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, AxhubError> {
        Ok(self.tenants().await?.into_iter().find(|t| t.slug == slug))
    }

    /// Every app of the tenant with id `tenant`.
    pub async fn apps(&self, tenant: &str) -> Result<Vec<App>, AxhubError> {
        let call = format!("list apps of tenant `{tenant}`");
        let path = format!("/tenants/{}/apps", segment("tenant", tenant)?);
        self.list((&call, &format!("tenant `{tenant}`")), &path, None)
            .await
    }

    /// The app with id `app`.
    pub async fn app(&self, app: &str) -> Result<App, AxhubError> {
        let call = format!("read app `{app}`");
        let url = self.url(&format!("/apps/{}", segment("app", app)?), &[])?;
        self.call(
            (&call, &format!("app `{app}`")),
            Retry::Safe,
            Method::GET,
            &url,
            None,
        )
        .await
    }

    /// The app's git connection.
    pub async fn git_connection(&self, app: &str) -> Result<GitConnection, AxhubError> {
        let call = format!("read the git connection of app `{app}`");
        let url = self.git_url(app)?;
        self.call(
            (&call, &format!("app `{app}`")),
            Retry::Safe,
            Method::GET,
            &url,
            None,
        )
        .await
    }

    /// Connects `repository` (`owner/repo`) at `branch` through GitHub App installation
    /// `installation`. AxHub upserts, so repeating it is harmless.
    pub async fn connect_git(
        &self,
        app: &str,
        installation: u64,
        repository: &str,
        branch: &str,
    ) -> Result<GitConnection, AxhubError> {
        let call = format!("connect `{repository}` to app `{app}`");
        let path = format!("/apps/{}/git/github/connect", segment("app", app)?);
        let url = self.url(&path, &[])?;
        let body = json(&ConnectGit {
            installation_id: installation,
            repo_full_name: repository,
            branch,
        });
        let target = format!("app `{app}`");
        self.call(
            (&call, &target),
            Retry::Safe,
            Method::POST,
            &url,
            Some(&body),
        )
        .await
    }

    /// Makes pushes to `branch` deploy the app.
    pub async fn set_git_branch(&self, app: &str, branch: &str) -> Result<(), AxhubError> {
        let call = format!("set the branch of app `{app}` to `{branch}`");
        let url = self.git_url(app)?;
        let body = json(&SetBranch { branch });
        let target = format!("app `{app}`");
        let method = Method::PATCH;
        self.call_done(
            (&call, &target),
            Retry::Safe,
            method,
            &url,
            Some(&body),
            |_| false,
        )
        .await
    }

    /// Disconnects the repository; done when there was none (AxHub's DELETE is idempotent).
    pub async fn disconnect_git(&self, app: &str) -> Result<(), AxhubError> {
        let call = format!("disconnect the repository of app `{app}`");
        let url = self.git_url(app)?;
        let target = format!("app `{app}`");
        self.call_done(
            (&call, &target),
            Retry::Safe,
            Method::DELETE,
            &url,
            None,
            |r| r.deleted(),
        )
        .await
    }

    /// Enables staging (AxHub seeds it in the background). A 409 on a repeated attempt is
    /// the first attempt's work: done.
    pub async fn enable_staging(&self, app: &str) -> Result<(), AxhubError> {
        let call = format!("enable staging of app `{app}`");
        let url = self.staging_url(app)?;
        let target = format!("app `{app}`");
        self.call_done(
            (&call, &target),
            Retry::Safe,
            Method::PUT,
            &url,
            None,
            |r| r.status == 409 && r.attempts > 1,
        )
        .await
    }

    /// Disables staging, which drops its schema: AxHub refuses (412) unless `confirm`.
    pub async fn disable_staging(&self, app: &str, confirm: bool) -> Result<(), AxhubError> {
        let call = format!("disable staging of app `{app}`");
        let url = self.staging_url(app)?;
        let body = json(&DisableStaging {
            confirm_discard_ops: confirm,
        });
        let target = format!("app `{app}`");
        let method = Method::DELETE;
        self.call_done(
            (&call, &target),
            Retry::Safe,
            method,
            &url,
            Some(&body),
            |r| r.deleted(),
        )
        .await
    }

    fn git_url(&self, app: &str) -> Result<reqwest::Url, AxhubError> {
        self.url(
            &format!("/apps/{}/git-connection", segment("app", app)?),
            &[],
        )
    }

    fn staging_url(&self, app: &str) -> Result<reqwest::Url, AxhubError> {
        self.url(&format!("/apps/{}/staging", segment("app", app)?), &[])
    }
}

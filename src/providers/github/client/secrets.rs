//! Environment variables and secrets, under `/repos/{owner}/{repo}/environments/{name}/…`
//! (`/repositories/{id}/environments/{name}/…` on an older Enterprise Server, `server`).
//!
//! Variables are readable; their list pages hold at most 30 (the API's maximum). Creating
//! one is a POST: after an ambiguous failure the list is read again, and a variable of that
//! name with that value is what the lost call created. Secrets are write-only: their PUT
//! (create or update) carries the value sealed for the environment's public key and is
//! safe to repeat.

use reqwest::Method;

use super::environments::environment_target;
use super::pages::PER_PAGE;
use super::{GithubClient, GithubError, RepoRef, json, seal, segment};
use crate::providers::github::wire::{
    SealedSecret, SecretList, SecretMeta, SecretsKey, Variable, VariableList,
};
use crate::providers::http::Retry;
use crate::redact::redact;

/// Variables per page: the API's maximum for this list.
const VARIABLES_PER_PAGE: u32 = 30;

/// What a secret PUT did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretWrite {
    /// 201: the secret is new.
    Created,
    /// 204 (or another 2xx): an existing secret got the value.
    Updated,
}

impl GithubClient {
    /// `GET …/variables`, every page.
    pub async fn variables(
        &self,
        repo: &RepoRef,
        environment: &str,
    ) -> Result<Vec<Variable>, GithubError> {
        self.scoped_read(repo, environment, |base| async move {
            self.environment_pages_at::<VariableList>(
                &base,
                repo,
                environment,
                "variables",
                VARIABLES_PER_PAGE,
            )?
            .all()
            .await
        })
        .await
    }

    /// `POST …/variables`: creates the variable, exactly once.
    pub async fn create_variable(
        &self,
        repo: &RepoRef,
        environment: &str,
        variable: &Variable,
    ) -> Result<(), GithubError> {
        let target = environment_target(repo, environment);
        let call = redact(&format!("create variable `{}` of {target}", variable.name)).into_owned();
        let base = self.scoped_path(repo, environment).await?;
        let url = self.url(&format!("{base}/variables"), &[])?;
        let body = json(variable);
        self.http()
            .exactly_once(
                || async {
                    let post = Method::POST;
                    self.write(
                        &call,
                        &target,
                        Retry::OnlyIfNotProcessed,
                        post,
                        &url,
                        Some(&body),
                    )
                    .await
                    .map(drop)
                },
                || async {
                    let found = self
                        .environment_pages_at::<VariableList>(
                            &base,
                            repo,
                            environment,
                            "variables",
                            VARIABLES_PER_PAGE,
                        )?
                        .find(|v| v.name.eq_ignore_ascii_case(&variable.name))
                        .await?;
                    Ok(found.filter(|v| v.value == variable.value).map(drop))
                },
            )
            .await
    }

    /// `PATCH …/variables/{name}`: sets the value.
    pub async fn update_variable(
        &self,
        repo: &RepoRef,
        environment: &str,
        variable: &Variable,
    ) -> Result<(), GithubError> {
        let action = format!("update variable `{}`", variable.name);
        let item = format!("/variables/{}", segment("variable", &variable.name)?);
        let body = json(variable);
        self.environment_write_at(
            &self.scoped_path(repo, environment).await?,
            repo,
            environment,
            &action,
            &item,
            Method::PATCH,
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// `DELETE …/variables/{name}`.
    pub async fn delete_variable(
        &self,
        repo: &RepoRef,
        environment: &str,
        name: &str,
    ) -> Result<(), GithubError> {
        let action = format!("delete variable `{name}`");
        let item = format!("/variables/{}", segment("variable", name)?);
        self.environment_write_at(
            &self.scoped_path(repo, environment).await?,
            repo,
            environment,
            &action,
            &item,
            Method::DELETE,
            None,
        )
        .await
        .map(drop)
    }

    /// `GET …/secrets/public-key`: the key to seal this environment's secrets for.
    pub async fn secrets_key(
        &self,
        repo: &RepoRef,
        environment: &str,
    ) -> Result<SecretsKey, GithubError> {
        let target = environment_target(repo, environment);
        let path = format!(
            "{}/secrets/public-key",
            self.scoped_path(repo, environment).await?
        );
        let url = self.url(&path, &[])?;
        let call = format!("read the secrets key of {target}");
        self.call(&call, &target, Retry::Safe, Method::GET, &url, None)
            .await
    }

    /// `GET …/secrets`, every page: names and dates, never values.
    pub async fn secrets(
        &self,
        repo: &RepoRef,
        environment: &str,
    ) -> Result<Vec<SecretMeta>, GithubError> {
        self.scoped_read(repo, environment, |base| async move {
            self.environment_pages_at::<SecretList>(&base, repo, environment, "secrets", PER_PAGE)?
                .all()
                .await
        })
        .await
    }

    /// `read` at where the environment's variables and secrets are. A read sent before any
    /// answer named the server's release (the first round's reads go out together) may have
    /// used the `/repos/…` form on an Enterprise Server that has only the one by id: when
    /// its 404 says so (the release header), it is read once more by id. On github.com a
    /// 404 names no release and stays the only request.
    async fn scoped_read<T, F, Fut>(
        &self,
        repo: &RepoRef,
        environment: &str,
        read: F,
    ) -> Result<T, GithubError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, GithubError>>,
    {
        let by_id = self.inner.server.by_repository_id();
        let result = read(self.scoped_path(repo, environment).await?).await;
        match result {
            Err(e) if e.is_not_found() && !by_id && self.inner.server.by_repository_id() => {
                read(self.scoped_path(repo, environment).await?).await
            }
            other => other,
        }
    }

    /// `PUT …/secrets/{name}`: seals `value` for `key` (from [`secrets_key`](Self::secrets_key))
    /// and writes it. The value is registered as a secret first, so no output shows it.
    pub async fn put_secret(
        &self,
        repo: &RepoRef,
        environment: &str,
        name: &str,
        value: &str,
        key: &SecretsKey,
    ) -> Result<SecretWrite, GithubError> {
        crate::redact::register(value);
        let sealed = SealedSecret {
            encrypted_value: seal(&key.key, value)?,
            key_id: key.key_id.clone(),
        };
        let action = format!("write secret `{name}`");
        let item = format!("/secrets/{}", segment("secret", name)?);
        let body = json(&sealed);
        let status = self
            .environment_write_at(
                &self.scoped_path(repo, environment).await?,
                repo,
                environment,
                &action,
                &item,
                Method::PUT,
                Some(&body),
            )
            .await?;
        Ok(if status == 201 {
            SecretWrite::Created
        } else {
            SecretWrite::Updated
        })
    }

    /// `DELETE …/secrets/{name}`.
    pub async fn delete_secret(
        &self,
        repo: &RepoRef,
        environment: &str,
        name: &str,
    ) -> Result<(), GithubError> {
        let action = format!("delete secret `{name}`");
        let item = format!("/secrets/{}", segment("secret", name)?);
        self.environment_write_at(
            &self.scoped_path(repo, environment).await?,
            repo,
            environment,
            &action,
            &item,
            Method::DELETE,
            None,
        )
        .await
        .map(drop)
    }
}

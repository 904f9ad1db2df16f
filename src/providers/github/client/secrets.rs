//! Environment variables and secrets, under `/repos/{owner}/{repo}/environments/{name}/…`.
//!
//! Variables are readable; their list pages hold at most 30 (the API's maximum). Creating
//! one is a POST: after an ambiguous failure the list is read again, and a variable of that
//! name with that value is what the lost call created. Secrets are write-only: their PUT
//! (create or update) carries the value sealed for the environment's public key and is
//! safe to repeat.

use reqwest::Method;

use super::environments::{environment_path, environment_target};
use super::pages::PER_PAGE;
use super::{GithubClient, GithubError, RepoRef, json, seal};
use crate::providers::common::percent::encode_unreserved;
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
        self.variable_pages(repo, environment)?.all().await
    }

    fn variable_pages(
        &self,
        repo: &RepoRef,
        environment: &str,
    ) -> Result<super::Pages<VariableList>, GithubError> {
        let target = environment_target(repo, environment);
        self.pages(
            format!("list variables of {target}"),
            target,
            &format!("{}/variables", environment_path(repo, environment)),
            &[],
            VARIABLES_PER_PAGE,
        )
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
        let url = self.url(&format!("{}/variables", environment_path(repo, environment)), &[])?;
        let body = json(variable);
        self.http()
            .exactly_once(
                || async {
                    let response = self
                        .send(&call, Retry::OnlyIfNotProcessed, Method::POST, &url, Some(&body))
                        .await?;
                    if response.is_success() {
                        Ok(())
                    } else {
                        Err(GithubError::from_response(&call, &target, &response))
                    }
                },
                || async {
                    let found = self
                        .variable_pages(repo, environment)?
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
        let target = environment_target(repo, environment);
        let call = redact(&format!("update variable `{}` of {target}", variable.name)).into_owned();
        let url = self.url(&variable_path(repo, environment, &variable.name), &[])?;
        let body = json(variable);
        self.write_no_content(&call, &target, Method::PATCH, &url, Some(&body))
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
        let target = environment_target(repo, environment);
        let call = redact(&format!("delete variable `{name}` of {target}")).into_owned();
        let url = self.url(&variable_path(repo, environment, name), &[])?;
        self.write_no_content(&call, &target, Method::DELETE, &url, None)
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
        let url = self.url(
            &format!("{}/secrets/public-key", environment_path(repo, environment)),
            &[],
        )?;
        self.call(
            &format!("read the secrets key of {target}"),
            &target,
            Retry::Safe,
            Method::GET,
            &url,
            None,
        )
        .await
    }

    /// `GET …/secrets`, every page: names and dates, never values.
    pub async fn secrets(
        &self,
        repo: &RepoRef,
        environment: &str,
    ) -> Result<Vec<SecretMeta>, GithubError> {
        let target = environment_target(repo, environment);
        self.pages::<SecretList>(
            format!("list secrets of {target}"),
            target,
            &format!("{}/secrets", environment_path(repo, environment)),
            &[],
            PER_PAGE,
        )?
        .all()
        .await
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
        let target = environment_target(repo, environment);
        let call = redact(&format!("write secret `{name}` of {target}")).into_owned();
        let sealed = SealedSecret {
            encrypted_value: seal(&key.key, value)?,
            key_id: key.key_id.clone(),
        };
        let url = self.url(&secret_path(repo, environment, name), &[])?;
        let body = json(&sealed);
        let status = self
            .write_no_content(&call, &target, Method::PUT, &url, Some(&body))
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
        let target = environment_target(repo, environment);
        let call = redact(&format!("delete secret `{name}` of {target}")).into_owned();
        let url = self.url(&secret_path(repo, environment, name), &[])?;
        self.write_no_content(&call, &target, Method::DELETE, &url, None)
            .await
            .map(drop)
    }
}

fn variable_path(repo: &RepoRef, environment: &str, name: &str) -> String {
    format!(
        "{}/variables/{}",
        environment_path(repo, environment),
        encode_unreserved(name)
    )
}

fn secret_path(repo: &RepoRef, environment: &str, name: &str) -> String {
    format!(
        "{}/secrets/{}",
        environment_path(repo, environment),
        encode_unreserved(name)
    )
}

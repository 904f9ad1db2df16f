//! What to do about an AxHub error, by status and code: the part of a failure message a
//! user acts on, so it names the setting or the console step rather than the HTTP status.

use super::{AxhubError, Refusal};

impl AxhubError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            AxhubError::Api {
                target, refusal, ..
            } => refusal_hint(target, refusal),
            AxhubError::InProgress {
                running_deployment_id,
                ..
            } => Some(format!(
                "AxHub runs one deployment per app at a time, and this one was not started: wait \
                 for {} to finish (or cancel it), then apply again",
                running_deployment_id
                    .as_deref()
                    .map(|id| format!("deployment {id}"))
                    .unwrap_or_else(|| "the running deployment".to_owned())
            )),
            AxhubError::RateLimited { .. } => {
                Some("wait until the limit resets, or lower `--parallelism`".to_owned())
            }
            AxhubError::Redirected { .. } => Some(
                "the endpoint is not AxHub's API itself (a login page or a proxy answered): \
                 check the provider's `endpoint` (e.g. `https://api.axhub.ai`)"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// The hint of a refusal of a call about `target`.
fn refusal_hint(target: &str, refusal: &Refusal) -> Option<String> {
    let code = refusal.code.as_str();
    if code == "github_relogin_required" || refusal.status == 428 {
        return Some(
            "AxHub's authorisation to act on GitHub for this user has expired: sign in to GitHub \
             again in the AxHub console, then apply again"
                .to_owned(),
        );
    }
    match refusal.status {
        401 => Some(
            "AxHub refused the token: check AXHUB_TOKEN or the instance's `credentials.token` \
             (a personal access token, sent as `X-Api-Key`); it may be expired or revoked"
                .to_owned(),
        ),
        403 => Some(format!(
            "the token's user may not do this on {target}: deployments, rollbacks, staging and \
             the git connection need the app's owner or a tenant admin (connecting GitHub also \
             the `deploy:write` scope); an opt-in app rolls back only to approved versions"
        )),
        404 | 410 => Some(format!(
            "{target} does not exist or is not in a tenant the token can see: check the app's \
             slug and the provider's `tenant`"
        )),
        409 => Some(format!(
            "{target} is not in a state that allows this now (`{code}`): another change may be \
             in progress; read it again and retry once it settles"
        )),
        412 | 422 => Some(format!(
            "a precondition on {target} is not met: {}",
            missing(refusal)
        )),
        _ => None,
    }
}

/// What a 412 says is missing, in the manifest's terms where there are any: by its code
/// (AxHub's registry has specific ones, e.g. `prod_deploy_required`) or by its words.
fn missing(refusal: &Refusal) -> String {
    let mut words = vec![
        refusal.code.clone(),
        refusal.message.clone(),
        refusal.resource.clone().unwrap_or_default(),
    ];
    words.extend(refusal.fields.iter().flat_map(|f| {
        [f.field.clone(), f.code.clone(), f.message.clone()]
            .into_iter()
            .flatten()
    }));
    let text = words.join(" ").to_lowercase();
    let known: [(&[&str], &str); 7] = [
        (
            &["staging_required", "staging_not_enabled"],
            "the app is reviewed or public, so AxHub requires going through staging first: enable `staging` and deploy there",
        ),
        (
            &["schema_skew", "schema skew", "skew"],
            "destructive schema changes happened since that build: set `allow_schema_skew: true` on the release to roll back anyway",
        ),
        (
            &["confirm_discard_ops", "discard"],
            "disabling staging drops its schema: set `confirm_discard_ops: true` on the app",
        ),
        (
            &["subdomain"],
            "the app has no subdomain yet: set one in the AxHub console",
        ),
        (
            &["git", "repository", "connection"],
            "the app has no git connection: declare `git:` on the app (repository, branch, installation)",
        ),
        (
            &["image"],
            "that build's image is gone: deploy its commit again instead of rolling back",
        ),
        (
            &["production", "prod_deploy_required"],
            "the app has never been deployed to production: deploy a release first",
        ),
    ];
    known
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| text.contains(n)))
        .map(|(_, advice)| (*advice).to_owned())
        .unwrap_or_else(|| format!("AxHub says `{}`", refusal.message))
}

//! Provider-instance settings for `type: nhn-deploy`: endpoint, app key, credentials.

use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::schema::ProviderConfig;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;
use crate::suggest::did_you_mean;

/// The public API endpoints by name.
pub const ENDPOINTS: [(&str, &str, &str); 2] = [
    (
        "public",
        "https://api-tcd.nhncloudservice.com",
        "https://oauth.api.nhncloudservice.com",
    ),
    (
        "gov",
        "https://api-tcd.gov-nhncloudservice.com",
        "https://oauth.api.gov-nhncloudservice.com",
    ),
];

/// Credential names: a ready token, or a User Access Key exchanged for tokens.
pub const CREDENTIALS: [&str; 3] = ["token", "access_key_id", "secret_access_key"];

/// Environment variables read when the manifest names no credentials.
pub const ENV_TOKEN: &str = "NHN_DEPLOY_TOKEN";
pub const ENV_ACCESS_KEY_ID: &str = "NHN_ACCESS_KEY_ID";
pub const ENV_SECRET_ACCESS_KEY: &str = "NHN_SECRET_ACCESS_KEY";
pub const ENV_APP_KEY: &str = "NHN_DEPLOY_APP_KEY";

/// `(api base, oauth base)` of `endpoint:`; `None` means the embedded sandbox.
pub fn bases(
    endpoint: Option<&str>,
    oauth: Option<&str>,
) -> Result<Option<(String, String)>, String> {
    match endpoint.unwrap_or("public") {
        "sandbox" => Ok(None),
        url if url.starts_with("http://") || url.starts_with("https://") => {
            let api = url.trim_end_matches('/').to_owned();
            Ok(Some((
                api.clone(),
                oauth
                    .map(|o| o.trim_end_matches('/').to_owned())
                    .unwrap_or(api),
            )))
        }
        name => ENDPOINTS
            .iter()
            .find(|(known, _, _)| *known == name)
            .map(|(_, api, auth)| {
                Some((
                    (*api).to_owned(),
                    oauth.unwrap_or(auth).trim_end_matches('/').to_owned(),
                ))
            })
            .ok_or_else(|| name.to_owned()),
    }
}

pub fn validate(_name: &str, config: &ProviderConfig, pointer: &str, ctx: &mut Ctx<'_>) {
    if let Err(bad) = bases(config.endpoint.as_deref(), config.oauth_endpoint.as_deref()) {
        let help = did_you_mean(&bad, ["sandbox", "public", "gov"])
            .unwrap_or_else(|| "use `sandbox`, `public`, `gov` or an http(s) URL".into());
        ctx.error(
            DiagnosticKind::ProviderConfig,
            format!("unknown endpoint `{bad}`"),
            &join(pointer, "endpoint"),
            "unknown endpoint",
        )
        .help = Some(help);
    }
    if config.region.is_some() {
        ctx.error_at_key(
            DiagnosticKind::ProviderConfig,
            "`region` does not apply to `nhn-deploy`",
            &join(pointer, "region"),
            "not for this provider",
        )
        .help = Some("the region is part of the app key's project".into());
    }
    for key in config.credentials.keys() {
        let at = join(&join(pointer, "credentials"), key);
        if !CREDENTIALS.contains(&key.as_str()) {
            let help = did_you_mean(key, CREDENTIALS)
                .unwrap_or_else(|| format!("expected one of: {}", CREDENTIALS.join(", ")));
            ctx.error_at_key(
                DiagnosticKind::UnknownField,
                format!("unknown credential `{key}`"),
                &at,
                "unknown credential",
            )
            .help = Some(help);
        } else if key != "access_key_id" && !ctx.interpolated.sensitive.contains(&at) {
            ctx.error(
                DiagnosticKind::ProviderConfig,
                format!("`{key}` must come from a secret, not the manifest text"),
                &at,
                "a secret written into the manifest",
            )
            .help = Some(format!(
                "write `{key}: ${{secret.NAME}}` and export the value"
            ));
        }
    }
}

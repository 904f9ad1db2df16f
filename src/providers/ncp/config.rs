//! Provider-instance settings for `type: ncp-sourcedeploy`: endpoint, region, credentials.

use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::schema::ProviderConfig;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;
use crate::suggest::did_you_mean;

/// Named endpoints of SourceDeploy.
pub const ENDPOINTS: [(&str, &str); 3] = [
    ("vpc", "https://vpcsourcedeploy.apigw.ntruss.com"),
    ("classic", "https://sourcedeploy.apigw.ntruss.com"),
    ("gov", "https://vpcsourcedeploy.apigw.gov-ntruss.com"),
];

/// Credential names this provider reads.
pub const CREDENTIALS: [&str; 2] = ["access_key", "secret_key"];

/// Environment variables read when the manifest names no credentials (the names the NCP
/// Terraform provider uses).
pub const ENV_ACCESS_KEY: &str = "NCLOUD_ACCESS_KEY";
pub const ENV_SECRET_KEY: &str = "NCLOUD_SECRET_KEY";

/// Resolves `endpoint:` to a base URL; `None` means the embedded sandbox.
pub fn base_url(endpoint: Option<&str>) -> Result<Option<String>, String> {
    match endpoint.unwrap_or("vpc") {
        "sandbox" => Ok(None),
        url if url.starts_with("http://") || url.starts_with("https://") => {
            Ok(Some(url.trim_end_matches('/').to_owned()))
        }
        name => ENDPOINTS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, url)| Some((*url).to_owned()))
            .ok_or_else(|| name.to_owned()),
    }
}

pub fn validate(_name: &str, config: &ProviderConfig, pointer: &str, ctx: &mut Ctx<'_>) {
    if let Err(bad) = base_url(config.endpoint.as_deref()) {
        let names = ["sandbox", "vpc", "classic", "gov"];
        let help = did_you_mean(&bad, names)
            .unwrap_or_else(|| "use `sandbox`, `vpc`, `classic`, `gov` or an http(s) URL".into());
        ctx.error(
            DiagnosticKind::ProviderConfig,
            format!("unknown endpoint `{bad}`"),
            &join(pointer, "endpoint"),
            "unknown endpoint",
        )
        .help = Some(help);
    }
    for (field, present) in [
        ("app_key", config.app_key.is_some()),
        ("oauth_endpoint", config.oauth_endpoint.is_some()),
    ] {
        if present {
            ctx.error_at_key(
                DiagnosticKind::ProviderConfig,
                format!("`{field}` does not apply to `ncp-sourcedeploy`"),
                &join(pointer, field),
                "not for this provider",
            );
        }
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
        } else if key == "secret_key" && !ctx.interpolated.sensitive.contains(&at) {
            ctx.error(
                DiagnosticKind::ProviderConfig,
                "`secret_key` must come from a secret, not the manifest text",
                &at,
                "a secret written into the manifest",
            )
            .help =
                Some("write `secret_key: ${secret.NCLOUD_SECRET_KEY}` and export the value".into());
        }
    }
}

//! Building a provider instance from its settings: the shared meaning of `endpoint:`
//! (`sandbox`, a named endpoint, a base URL) and of credentials (written in the manifest,
//! else from the environment, else the emulator's demo value when talking to the sandbox),
//! with the same errors for every provider type.

use super::super::ProviderError;
use super::super::kind::Setup;
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;
use crate::suggest::did_you_mean;

/// A provider's named endpoints: what `endpoint:` may name besides `sandbox` and a URL.
#[derive(Debug, Clone, Copy)]
pub struct Endpoints {
    /// The name used when the manifest names none.
    pub default: &'static str,
    /// (name, base URL) of each public endpoint.
    pub named: &'static [(&'static str, &'static str)],
}

impl Endpoints {
    pub fn names(&self) -> Vec<&'static str> {
        self.named.iter().map(|(name, _)| *name).collect()
    }

    /// Reads `endpoint:`; `Err` holds an unknown name.
    pub fn resolve(&self, written: Option<&str>) -> Result<Endpoint, String> {
        match written.unwrap_or(self.default) {
            "sandbox" => Ok(Endpoint::Sandbox),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(Endpoint::Url(url.trim_end_matches('/').to_owned()))
            }
            name => self
                .named
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(known, url)| Endpoint::Named(known, url))
                .ok_or_else(|| name.to_owned()),
        }
    }

    /// Reports an unknown endpoint name at `<pointer>/endpoint`, with the names known.
    pub fn check(&self, written: Option<&str>, pointer: &str, ctx: &mut Ctx<'_>) {
        let Err(bad) = self.resolve(written) else {
            return;
        };
        let mut known = vec!["sandbox"];
        known.extend(self.names());
        let help = did_you_mean(&bad, known.iter().copied()).unwrap_or_else(|| {
            let listed: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
            format!("use {} or an http(s) URL", listed.join(", "))
        });
        ctx.error(
            DiagnosticKind::ProviderConfig,
            format!("unknown endpoint `{bad}`"),
            &join(pointer, "endpoint"),
            "unknown endpoint",
        )
        .help = Some(help);
    }
}

/// Where `endpoint:` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The embedded sandbox.
    Sandbox,
    /// A base URL, without a trailing `/`.
    Url(String),
    /// One of the provider's named endpoints: its name and base URL.
    Named(&'static str, &'static str),
}

/// Reports a credential written as plain text where only a secret reference
/// (`${secret.NAME}`) belongs.
pub fn require_secret(field: &str, present: bool, pointer: &str, ctx: &mut Ctx<'_>, help: String) {
    let at = join(&join(pointer, "credentials"), field);
    if present && !ctx.interpolated.sensitive.contains(&at) {
        ctx.error(
            DiagnosticKind::ProviderConfig,
            format!("`{field}` must come from a secret, not the manifest text"),
            &at,
            "a secret written into the manifest",
        )
        .help = Some(help);
    }
}

/// Where one credential comes from: the manifest, else the environment variable `env`,
/// else (talking to the sandbox) the emulator's `demo` value.
#[derive(Debug, Clone, Copy)]
pub struct Credential<'v> {
    pub written: Option<&'v str>,
    pub env: &'static str,
    pub demo: &'static str,
}

/// Where [`Instance::token`] found a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFrom<'e> {
    /// The manifest's `credentials:`.
    Manifest,
    /// The emulator's demo token (the instance talks to the sandbox).
    Demo,
    /// This environment variable.
    Env(&'e str),
}

/// An instance being built: its name, and where it may look for what it needs.
pub struct Instance<'a> {
    pub name: &'a str,
    pub setup: &'a Setup<'a>,
    /// Whether it talks to the embedded sandbox (demo credentials apply).
    pub demo: bool,
}

impl<'a> Instance<'a> {
    /// Opens the instance `name` at `endpoint:` (as written) among `endpoints`: its base
    /// URL (the sandbox's mount of `provider_type`, a named endpoint's, or the URL written)
    /// and what the endpoint was.
    pub fn open(
        name: &'a str,
        setup: &'a Setup<'a>,
        written: Option<&str>,
        endpoints: &Endpoints,
        provider_type: &str,
    ) -> Result<(Instance<'a>, String, Endpoint), ProviderError> {
        let endpoint = endpoints
            .resolve(written)
            .map_err(|bad| config_error(name, format!("unknown endpoint `{bad}`"), None))?;
        let (url, demo, endpoint) = match endpoint {
            Endpoint::Url(url) => (url.clone(), false, Endpoint::Url(url)),
            Endpoint::Named(known, url) => (url.to_owned(), false, Endpoint::Named(known, url)),
            Endpoint::Sandbox => match setup.sandbox {
                Some(urls) => (urls(provider_type), true, Endpoint::Sandbox),
                None => {
                    return Err(config_error(
                        name,
                        "the embedded sandbox is not running",
                        None,
                    ));
                }
            },
        };
        Ok((Instance { name, setup, demo }, url, endpoint))
    }

    /// A credential or setting: as written, else from `env_name`, else the emulator's demo
    /// value when talking to the sandbox.
    pub fn value(&self, written: Option<&str>, env_name: &str, demo: &str) -> Option<String> {
        written
            .map(str::to_owned)
            .or_else(|| (self.setup.env)(env_name))
            .or_else(|| self.demo.then(|| demo.to_owned()))
    }

    /// An id and its secret, each resolved as [`Instance::value`]; the secret is registered
    /// for redaction the moment it is read. `hint` says where to put them when one is
    /// missing.
    pub fn key_pair(
        &self,
        id: Credential<'_>,
        secret: Credential<'_>,
        hint: String,
    ) -> Result<(String, String), ProviderError> {
        let id = self.value(id.written, id.env, id.demo);
        let secret = self.value(secret.written, secret.env, secret.demo);
        match (id, secret) {
            (Some(id), Some(secret)) => {
                crate::redact::register(&secret);
                Ok((id, secret))
            }
            _ => Err(self.error("no API credentials", Some(hint))),
        }
    }

    /// A bearer of access (an API token): as written (a secret), else the emulator's demo
    /// token when the instance talks to the sandbox — a real token exported for other
    /// tools is never sent there — else the first of `env` that is set. A blank value
    /// counts as absent; a blank written one is not replaced by another.
    pub fn token<'e>(
        &self,
        written: Option<&str>,
        demo: &str,
        env: &[&'e str],
    ) -> Option<(String, TokenFrom<'e>)> {
        let present = |token: String| Some(token).filter(|t| !t.trim().is_empty());
        match (written, self.demo) {
            (Some(token), _) => present(token.to_owned()).map(|t| (t, TokenFrom::Manifest)),
            (None, true) => Some((demo.to_owned(), TokenFrom::Demo)),
            (None, false) => env.iter().find_map(|name| {
                let token = (self.setup.env)(name).and_then(present)?;
                Some((token, TokenFrom::Env(name)))
            }),
        }
    }

    pub fn error(&self, message: impl Into<String>, hint: Option<String>) -> ProviderError {
        config_error(self.name, message, hint)
    }
}

/// The instance cannot be built (endpoint, credentials).
pub fn config_error(name: &str, message: impl Into<String>, hint: Option<String>) -> ProviderError {
    ProviderError::Config {
        provider: name.to_owned(),
        message: message.into(),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINTS: Endpoints = Endpoints {
        default: "public",
        named: &[
            ("public", "https://api.example.test"),
            ("gov", "https://gov.example.test"),
        ],
    };

    #[test]
    fn endpoints_are_sandbox_urls_or_known_names() {
        assert_eq!(
            ENDPOINTS.resolve(None),
            Ok(Endpoint::Named("public", "https://api.example.test"))
        );
        assert_eq!(ENDPOINTS.resolve(Some("sandbox")), Ok(Endpoint::Sandbox));
        assert_eq!(
            ENDPOINTS.resolve(Some("https://example.test/api/")),
            Ok(Endpoint::Url("https://example.test/api".into()))
        );
        assert_eq!(ENDPOINTS.resolve(Some("pubic")), Err("pubic".into()));
        assert_eq!(ENDPOINTS.names(), ["public", "gov"]);
    }

    #[test]
    fn a_token_is_written_else_the_sandboxs_else_the_first_variable_set() {
        let env = |name: &str| match name {
            "EMPTY_TOKEN" => Some("  ".to_owned()),
            "CI_TOKEN" => Some("from-ci".to_owned()),
            "USER_TOKEN" => Some("from-user".to_owned()),
            _ => None,
        };
        let urls = |_: &str| "http://127.0.0.1:9".to_owned();
        let setup = Setup {
            sandbox: Some(&urls),
            env: &env,
            http: crate::providers::common::fake::http(),
        };
        let open = |written| {
            Instance::open("x", &setup, written, &ENDPOINTS, "t")
                .unwrap()
                .0
        };
        let (real, sandbox) = (open(None), open(Some("sandbox")));
        let vars = ["MISSING", "EMPTY_TOKEN", "CI_TOKEN", "USER_TOKEN"];
        assert_eq!(
            real.token(None, "demo", &vars),
            Some(("from-ci".to_owned(), TokenFrom::Env("CI_TOKEN")))
        );
        assert_eq!(
            real.token(Some("mine"), "demo", &vars),
            Some(("mine".to_owned(), TokenFrom::Manifest))
        );
        // A blank written token is not quietly replaced by one from the environment.
        assert_eq!(real.token(Some(" "), "demo", &vars), None);
        assert_eq!(real.token(None, "demo", &["MISSING", "EMPTY_TOKEN"]), None);
        // The sandbox never gets a token exported for other tools.
        assert_eq!(
            sandbox.token(None, "demo", &vars),
            Some(("demo".to_owned(), TokenFrom::Demo))
        );
    }
}

//! Access tokens for the Deploy API.
//!
//! API v2.1 wants `X-NHN-AUTHORIZATION: Bearer <token>`, and the token comes from an OAuth2
//! client-credentials exchange with a User Access Key (providers.md §2.1). Tokens live from
//! 60 s to 24 h depending on the project's settings, and a long apply (a synchronous deploy
//! can take an hour) must outlive them, so:
//!
//! - the token is cached with the lifetime the exchange reported (`expires_in`, which the
//!   documents disagree about, so it is never assumed) and renewed shortly before it ends:
//!   60 s early, or half-way through a lifetime shorter than two minutes;
//! - a call refused with HTTP 401 drops the token it used and is repeated once with a new
//!   one (see `NhnClient::send`), in case the token was revoked or the clocks disagree;
//! - one tokio mutex guards the cache, so concurrent callers that find it stale share a
//!   single exchange instead of each starting one;
//! - a refusal of the credentials themselves (HTTP 400 / 401 / 403 from the token endpoint)
//!   is remembered and returned to every later caller: wrong keys are one clear error, not
//!   a storm of exchanges.

use std::fmt;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::ACCEPT;
use serde::Deserialize;

use serde::de::IgnoredAny;

use super::error::NhnError;
use super::token_answer;
use crate::providers::http::{HttpClient, HttpResponse, Retry};
use crate::providers::nhn::wire::Envelope;
use crate::redact::{self, redact};

/// Path of the token endpoint below the OAuth base URL.
pub(super) const TOKEN_PATH: &str = "/oauth2/token/create";
/// Lifetime assumed when the exchange reports none: the shorter of the documented defaults.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// How long before its end a token is renewed (at most).
const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// The longest lifetime believed: the documented maximum. A larger `expires_in` is a
/// server error, and trusting it would keep a dead token (or overflow the clock).
const MAX_LIFETIME: Duration = Duration::from_secs(86_400);

/// How the client authenticates. `Debug` never shows a token or a secret key.
#[derive(Clone)]
pub enum NhnAuth {
    /// A ready-made access token, used as it is and never renewed.
    Token(String),
    /// A User Access Key, exchanged for tokens as needed.
    AccessKey {
        /// The User Access Key ID.
        id: String,
        /// The Secret Access Key.
        secret: String,
    },
}

impl fmt::Debug for NhnAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NhnAuth::Token(_) => f.debug_tuple("Token").field(&redact::MASK).finish(),
            NhnAuth::AccessKey { id, .. } => f
                .debug_struct("AccessKey")
                .field("id", id)
                .field("secret", &redact::MASK)
                .finish(),
        }
    }
}

/// A token and when to stop using it.
struct Cached {
    token: String,
    renew_at: Instant,
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    /// The token endpoint's refusal of the credentials, returned to every later caller.
    refused: Option<NhnError>,
}

/// Hands out valid tokens; shared by all clones of a client.
pub(super) struct Authenticator {
    auth: NhnAuth,
    token_url: String,
    state: tokio::sync::Mutex<State>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("auth", &self.auth)
            .field("token_url", &redact(&self.token_url))
            .finish()
    }
}

/// When to renew a token that lives `lifetime` (0 means "not reported"; at most a day is
/// believed).
pub(super) fn renew_after(lifetime: Duration) -> Duration {
    let lifetime = if lifetime.is_zero() {
        DEFAULT_LIFETIME
    } else {
        lifetime.min(MAX_LIFETIME)
    };
    lifetime - RENEW_MARGIN.min(lifetime / 2)
}

impl Authenticator {
    /// Registers every secret of `auth` for redaction before anything can print it.
    pub(super) fn new(auth: NhnAuth, oauth_base: &str) -> Self {
        match &auth {
            NhnAuth::Token(token) => redact::register(token),
            NhnAuth::AccessKey { id, secret } => {
                redact::register(secret);
                redact::register(&basic_credentials(id, secret));
            }
        }
        let token_url = format!("{}{TOKEN_PATH}", oauth_base.trim().trim_end_matches('/'));
        Authenticator {
            auth,
            token_url,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    /// Whether a refused token can be replaced by a new one.
    pub(super) fn renewable(&self) -> bool {
        matches!(self.auth, NhnAuth::AccessKey { .. })
    }

    /// A token that is valid for a while yet, exchanging the access key if needed.
    pub(super) async fn token(&self, http: &HttpClient) -> Result<String, NhnError> {
        let (id, secret) = match &self.auth {
            NhnAuth::Token(token) => return Ok(token.clone()),
            NhnAuth::AccessKey { id, secret } => (id, secret),
        };
        let mut state = self.state.lock().await;
        if let Some(refused) = &state.refused {
            return Err(refused.clone());
        }
        if let Some(cached) = &state.current
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        state.current = None;
        match self.exchange(http, id, secret).await {
            Ok(cached) => {
                let token = cached.token.clone();
                state.current = Some(cached);
                Ok(token)
            }
            Err(Exchange::Refused(error)) => {
                state.refused = Some(error.clone());
                Err(error)
            }
            Err(Exchange::Failed(error)) => Err(error),
        }
    }

    /// Forgets `token` after the API refused it, unless another caller has already
    /// replaced it.
    pub(super) async fn invalidate(&self, token: &str) {
        let mut state = self.state.lock().await;
        if state.current.as_ref().is_some_and(|c| c.token == token) {
            tracing::debug!("NHN access token refused by the API; a new one will be issued");
            state.current = None;
        }
    }

    async fn exchange(
        &self,
        http: &HttpClient,
        id: &str,
        secret: &str,
    ) -> Result<Cached, Exchange> {
        let issued = Instant::now();
        // Issuing a token changes nothing remotely, so it is as safe to repeat as a GET.
        let response = http
            .send(Retry::Safe, |client| {
                client
                    .post(&self.token_url)
                    .basic_auth(id, Some(secret))
                    .header(ACCEPT, "application/json")
                    .form(&[("grant_type", "client_credentials")])
            })
            .await
            .map_err(|e| Exchange::Failed(e.into()))?;
        let where_ = format!("NHN Cloud token exchange at {}", redact(&self.token_url));
        let status = response.status;
        if matches!(status, 400 | 401 | 403) {
            return Err(Exchange::Refused(NhnError::Auth {
                message: format!(
                    "{where_} refused the User Access Key `{}`: HTTP {status}{}",
                    redact(id),
                    refusal_code(&response)
                ),
            }));
        }
        let failed = |what: String| {
            Exchange::Failed(NhnError::Auth {
                message: format!("{where_}: {what}"),
            })
        };
        if !response.is_success() {
            return Err(failed(format!("HTTP {status}{}", refusal_code(&response))));
        }
        match token_answer::read(&response.body) {
            Ok(answer) => {
                tracing::debug!(
                    expires_in = answer.lifetime_secs,
                    "issued an NHN access token"
                );
                let lifetime = Duration::from_secs(answer.lifetime_secs.unwrap_or(0));
                Ok(Cached {
                    token: answer.token,
                    renew_at: issued + renew_after(lifetime),
                })
            }
            // NHN style refusal with HTTP 200: `{"header": {"isSuccessful": false, …}}`.
            Err(unreadable) => match serde_json::from_slice::<Envelope<IgnoredAny>>(&response.body)
            {
                Ok(envelope) if !envelope.header.is_successful => {
                    Err(Exchange::Refused(NhnError::Auth {
                        message: format!(
                            "{where_} refused the User Access Key `{}`: HTTP {status}{}",
                            redact(id),
                            refusal_code(&response)
                        ),
                    }))
                }
                _ => Err(failed(format!(
                    "HTTP {status}, but the answer could not be read: {unreadable} (the answer is not shown: it may hold a token)"
                ))),
            },
        }
    }
}

/// Why an exchange gave no token.
enum Exchange {
    /// The credentials were refused: remembered.
    Refused(NhnError),
    /// Anything else (transport, server trouble): the next caller tries again.
    Failed(NhnError),
}

/// `base64(id:secret)`, the value of the Basic authorization header.
fn basic_credentials(id: &str, secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

/// OAuth2 error answer (`{"error": "invalid_client", "error_description": …}`).
#[derive(Deserialize)]
struct OAuthError {
    error: String,
}

/// The error codes of RFC 6749 §5.2: a closed list, so showing one shows nothing of the
/// answer but the code.
const OAUTH_CODES: [&str; 6] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
];

/// The server's code for a refused exchange, as ` (code)`, when it is one that cannot carry
/// anything else: an RFC 6749 error code or an NHN result code of capitals, digits and
/// underscores. Nothing else of an auth answer is ever shown, not even redacted: free text
/// there (`error_description`, `resultMessage`) could echo the credentials or a token.
fn refusal_code(response: &HttpResponse) -> String {
    if let Ok(error) = serde_json::from_slice::<OAuthError>(&response.body)
        && OAUTH_CODES.contains(&error.error.as_str())
    {
        return format!(" ({})", error.error);
    }
    if let Ok(envelope) = serde_json::from_slice::<Envelope<IgnoredAny>>(&response.body) {
        let code = envelope.header.result_code.to_string();
        let plain = !code.is_empty()
            && code.len() <= 40
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if plain {
            return redact(&format!(" ({code})")).into_owned();
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_a_minute_early_or_half_way() {
        let secs = |s| Duration::from_secs(s);
        assert_eq!(renew_after(secs(86_400)), secs(86_340));
        assert_eq!(renew_after(secs(3600)), secs(3540));
        assert_eq!(renew_after(secs(120)), secs(60));
        assert_eq!(renew_after(secs(60)), secs(30));
        assert_eq!(renew_after(secs(1)), Duration::from_millis(500));
        assert_eq!(renew_after(Duration::ZERO), secs(3540));
        assert_eq!(renew_after(Duration::MAX), secs(86_340));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let key = NhnAuth::AccessKey {
            id: "UAK-ID".into(),
            secret: "very-secret-value".into(),
        };
        let token = NhnAuth::Token("static-token-value".into());
        let text = format!("{key:?} {token:?}");
        assert!(text.contains("UAK-ID"), "{text}");
        assert!(
            !text.contains("very-secret-value") && !text.contains("static-token"),
            "{text}"
        );
    }
}

//! Errors of the AxHub client, rendered from AxHub's own words.
//!
//! AxHub explains a refusal in its envelope `{"error": {category, code, message,
//! request_id, retryable, resource, fields[], retry, doc_url}}`, or (some 428s) with the
//! same keys at the root. Either becomes one line, `code: message` with the rejected fields
//! and both request ids (ours, and the server's when it differs), so that a failed apply
//! can be traced in AxHub's logs. A body that is not AxHub's JSON (a gateway's page) is
//! quoted. The status and code pick the hint. Every string has been through
//! [`crate::redact::redact`], and the token is registered as a secret when the client is
//! built.

mod hint;

use std::fmt;

use crate::providers::ProviderError;
use crate::providers::axhub::wire::{ErrorPayload, FieldError};
use crate::providers::common::failure::{call_failed, help};
use crate::providers::http::{HttpError, HttpResponse, Limited, resets_note};
use crate::redact::redact;

/// What AxHub said when it refused a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: u16,
    /// AxHub's code, or `http_<status>` when the body names none (as the SDKs do).
    pub code: String,
    pub category: Option<String>,
    pub message: String,
    /// The `X-Request-ID` this client sent with the refused attempt.
    pub request_id: String,
    /// The `request_id` AxHub put in the body, when it gave one.
    pub server_request_id: Option<String>,
    /// The body's `retryable`, else what AxHub's code table says.
    pub retryable: bool,
    pub resource: Option<String>,
    pub fields: Vec<FieldError>,
    /// The body's `retry.after_seconds`.
    pub retry_after_seconds: Option<f64>,
    pub doc_url: Option<String>,
}

impl Refusal {
    /// The refusal in an answer with an error status, sent as request `request_id`.
    pub fn read(response: &HttpResponse, request_id: &str) -> Refusal {
        let payload = ErrorPayload::parse(&response.body);
        let clean = |text: Option<String>| text.map(|t| one_line(&t)).filter(|t| !t.is_empty());
        let code = clean(payload.code).unwrap_or_else(|| format!("http_{}", response.status));
        // No message: a gateway's page is quoted, an empty body named by its status.
        let message =
            clean(payload.message).unwrap_or_else(|| one_line(&response.error_text(None)));
        let retryable = payload.retryable.unwrap_or_else(|| retryable_code(&code));
        Refusal {
            status: response.status,
            category: clean(payload.category),
            message,
            request_id: request_id.to_owned(),
            server_request_id: clean(payload.request_id),
            retryable,
            resource: clean(payload.resource),
            fields: payload
                .fields
                .into_iter()
                .map(|f| FieldError {
                    field: clean(f.field),
                    code: clean(f.code),
                    message: clean(f.message),
                })
                .collect(),
            retry_after_seconds: payload.retry.and_then(|r| r.after_seconds),
            doc_url: clean(payload.doc_url),
            code,
        }
    }

    /// The rejected fields as `field: message (code)`, joined with `; `.
    fn fields_text(&self) -> String {
        self.fields
            .iter()
            .map(|f| {
                let name = f.field.as_deref().unwrap_or("?");
                match (f.message.as_deref(), f.code.as_deref()) {
                    (Some(m), Some(c)) => format!("{name}: {m} ({c})"),
                    (Some(m), None) => format!("{name}: {m}"),
                    (None, Some(c)) => format!("{name}: {c}"),
                    (None, None) => name.to_owned(),
                }
            })
            .map(|text| one_line(&text))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `text` redacted, on one line: a server's line breaks would split a log line.
fn one_line(text: &str) -> String {
    redact(&text.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

/// The codes AxHub's registry marks retryable (backend `httpx/codes.go`, as axhub-sdk
/// 0.13.0 ships it in `ERROR_CODES`): what a refusal that does not say `retryable` may
/// still be, as the SDKs read it.
const RETRYABLE_CODES: &[&str] = &[
    "ai_key_unavailable",
    "app_unreachable",
    "backup_in_progress",
    "bad_gateway",
    "connector_probe_unavailable",
    "directory_not_ready",
    "gateway_timeout",
    "promote_in_progress",
    "rate_limited",
    "session_ended",
    "session_expired",
    "site_offline",
    "source_upload_unavailable",
    "temporarily_unavailable",
    "token_expired",
    "token_invalid",
    "token_missing",
    "topup_in_progress",
];

/// AxHub's code table: which codes may succeed when sent again.
pub(super) fn retryable_code(code: &str) -> bool {
    RETRYABLE_CODES.contains(&code)
}

impl fmt::Display for Refusal {
    /// `code: message; fields: …; (HTTP status, request ours, server request theirs)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        let fields = self.fields_text();
        if !fields.is_empty() {
            write!(f, " [fields: {fields}]")?;
        }
        write!(f, " (HTTP {}, request {}", self.status, self.request_id)?;
        match self.server_request_id.as_deref() {
            Some(theirs) if theirs != self.request_id => write!(f, ", server request {theirs})"),
            _ => f.write_str(")"),
        }
    }
}

/// An AxHub call that did not produce the expected result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AxhubError {
    /// AxHub answered with an error status.
    #[error("{call}: {refusal}")]
    Api {
        /// What was called, e.g. ``start a deployment of app `shop` ``.
        call: String,
        /// What the call was about, for the hint, e.g. ``app `shop` ``.
        target: String,
        refusal: Box<Refusal>,
    },

    /// A deployment of the app is already running (409): nothing was started.
    #[error("{call}: a deployment is already in progress{}: {refusal}",
            running_deployment_id.as_deref().map(|id| format!(" ({id})")).unwrap_or_default())]
    InProgress {
        call: String,
        /// The running deployment, when AxHub named it.
        running_deployment_id: Option<String>,
        refusal: Box<Refusal>,
    },

    /// AxHub throttled the call longer than the client waits.
    #[error("{call}: rate limited by AxHub: {refusal}{}", resets_note(*.resets_at))]
    RateLimited {
        call: String,
        refusal: Box<Refusal>,
        resets_at: Option<jiff::Timestamp>,
    },

    /// AxHub answered with a redirect, which is never followed: the token would go along.
    #[error("{call}: AxHub answered HTTP {status} redirecting to `{}`; redirects are not followed (request {request_id})",
            location.as_deref().unwrap_or("(no Location)"))]
    Redirected {
        call: String,
        status: u16,
        location: Option<String>,
        request_id: String,
    },

    /// No usable response: transport failure, retries exhausted, or an ambiguous outcome
    /// that re-reading could not settle.
    #[error("{call}: {source} (request {request_id})")]
    Http {
        call: String,
        #[source]
        source: Box<HttpError>,
        /// The id of the last attempt.
        request_id: String,
    },

    /// An answer that is not what AxHub documents.
    #[error("{call}: unexpected response: {reason}")]
    Decode { call: String, reason: String },

    /// The client cannot be set up (endpoint URL, token), or a value cannot be addressed.
    #[error("{0}")]
    Invalid(String),
}

impl AxhubError {
    /// The error of an answer that is not a 2xx, sent as request `request_id`.
    pub(super) fn from_response(
        call: &str,
        target: &str,
        request_id: &str,
        response: &HttpResponse,
    ) -> Self {
        if (300..400).contains(&response.status) {
            let location = response
                .headers
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(|v| redact(v).into_owned());
            return AxhubError::Redirected {
                call: call.to_owned(),
                status: response.status,
                location,
                request_id: request_id.to_owned(),
            };
        }
        let refusal = Box::new(Refusal::read(response, request_id));
        if response.status == 429 {
            let limited = Limited::from_headers(&response.headers, jiff::Timestamp::now());
            return AxhubError::RateLimited {
                call: call.to_owned(),
                refusal,
                resets_at: limited.and_then(|l| l.resets_at),
            };
        }
        AxhubError::Api {
            call: call.to_owned(),
            target: target.to_owned(),
            refusal,
        }
    }

    /// A 409 of a deployment start as [`AxhubError::InProgress`], naming the running
    /// deployment when the body does (in `resource` or the message); other errors as they are.
    pub(super) fn in_progress(self) -> Self {
        match self {
            AxhubError::Api { call, refusal, .. } if refusal.status == 409 => {
                let running_deployment_id =
                    running_id(refusal.resource.as_deref(), &refusal.message);
                AxhubError::InProgress {
                    call,
                    running_deployment_id,
                    refusal,
                }
            }
            other => other,
        }
    }

    /// The call an error is about.
    pub fn call(&self) -> &str {
        match self {
            AxhubError::Api { call, .. }
            | AxhubError::InProgress { call, .. }
            | AxhubError::RateLimited { call, .. }
            | AxhubError::Redirected { call, .. }
            | AxhubError::Http { call, .. }
            | AxhubError::Decode { call, .. } => call,
            AxhubError::Invalid(_) => "",
        }
    }

    /// What AxHub said, for an answer with an error status.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            AxhubError::Api { refusal, .. }
            | AxhubError::InProgress { refusal, .. }
            | AxhubError::RateLimited { refusal, .. } => Some(refusal),
            _ => None,
        }
    }

    /// The HTTP status AxHub answered, for an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            AxhubError::Redirected { status, .. } => Some(*status),
            AxhubError::Http { source, .. } => source.status(),
            other => other.refusal().map(|r| r.status),
        }
    }

    /// The server may have acted on a creating call: re-read the remote to learn whether.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, AxhubError::Http { source, .. } if source.is_ambiguous())
    }
}

/// The running deployment's id in a 409's `resource` (`deployments/<id>`, `deployment:<id>`
/// or the bare id) or, failing that, a UUID in its message.
fn running_id(resource: Option<&str>, message: &str) -> Option<String> {
    let from_resource = resource.and_then(|resource| {
        uuid_in(resource).or_else(|| {
            let last = resource.trim().rsplit(['/', ':']).next()?.trim();
            let word = !last.is_empty()
                && last
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
            (word && !matches!(last, "deployment" | "deployments")).then(|| last.to_owned())
        })
    });
    from_resource.or_else(|| uuid_in(message))
}

/// The first UUID (`8-4-4-4-12` hex digits) in `text`.
fn uuid_in(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|w| is_uuid(w))
        .map(str::to_owned)
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl miette::Diagnostic for AxhubError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        help(self.hint())
    }
}

impl crate::providers::http::Ambiguity for AxhubError {
    fn is_ambiguous(&self) -> bool {
        AxhubError::is_ambiguous(self)
    }

    /// The transport error says that re-reads found the call not processed.
    fn not_processed(mut self, attempts: u32) -> Self {
        if let AxhubError::Http { source, .. } = &mut self {
            **source = (**source).clone().not_processed(attempts);
        }
        self
    }
}

impl From<AxhubError> for ProviderError {
    /// The failed call with AxHub's message and the hint; an outcome that stayed unknown is
    /// [`ProviderError::Ambiguous`].
    fn from(error: AxhubError) -> ProviderError {
        let text = error.to_string();
        call_failed(error.call(), &text, error.hint(), error.is_ambiguous())
    }
}

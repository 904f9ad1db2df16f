//! Provider plug-ins. The engine knows nothing of any provider's URLs or JSON: it talks to
//! each instance through the [`Provider`] trait, which does IO only (fetch remote state,
//! execute one planned change). A provider type is a [`kind::ProviderKind`] in its own
//! folder; adding one is that folder and one line in [`registry`] (see `README.md` here).

pub mod common;
pub mod http;
pub mod kind;
pub mod lenient;
#[macro_use]
pub mod registry;

provider_folders!();

#[cfg(test)]
mod boundary_tests;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;

use crate::model::{Address, Change, KindRules, RemoteState, Resource};

/// A failure talking to a provider, or of a deployment it ran.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ProviderError {
    /// The provider answered with an error (after any safe retries).
    #[error("{call}: {message}")]
    Request {
        call: String,
        message: String,
        #[help]
        hint: Option<String>,
    },
    /// The outcome of a non-idempotent call is unknown and re-reading did not settle it.
    #[error("{call}: outcome unknown ({message}); re-run `plan` to see the remote state")]
    Ambiguous { call: String, message: String },
    /// A deployment reached a terminal status other than success.
    #[error("deployment {deployment} ended with status `{status}`{detail}")]
    DeploymentFailed {
        deployment: String,
        status: String,
        detail: String,
    },
    /// Only waiting stopped: the deployment itself goes on at the provider.
    #[error(
        "timed out after {seconds}s waiting for {what}; it goes on running at the provider, and the next plan shows how it ended (`--deploy-timeout` waits longer)"
    )]
    Timeout { what: String, seconds: u64 },
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// The provider cannot be configured (credentials, endpoint).
    #[error("provider `{provider}`: {message}")]
    Config {
        provider: String,
        message: String,
        #[help]
        hint: Option<String>,
    },
    /// A change referred to an object the provider could not find or create first.
    #[error("{0}")]
    Precondition(String),
    /// Manifest values that name nothing the provider knows (an artifact, a server group):
    /// shown as located diagnostics, like any other manifest error.
    #[error("{} manifest value(s) name nothing the provider knows", .0.len())]
    References(Vec<ReferenceError>),
    /// The provider type does not implement an operation (yet); the caller names the
    /// instance and its type.
    #[error("this provider type cannot {operation} yet")]
    Unsupported { operation: &'static str },
}

/// One manifest value the remote does not know.
#[derive(Debug, Clone)]
pub struct ReferenceError {
    /// A name the provider does not know, or a value its state rules out.
    pub kind: ReferenceKind,
    pub address: Address,
    /// Attribute holding the value, e.g. `server_group`; a value inside it by a
    /// `/`-separated path, e.g. `target/servers/1`.
    pub attribute: String,
    pub message: String,
    /// The label under the value.
    pub label: String,
    /// E.g. "available: web-prod, web-staging" or a "did you mean".
    pub help: Option<String>,
}

/// Why the provider's state refuses a manifest value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// The name does not exist at the provider (an artifact, a server group).
    UnknownName,
    /// The value exists but the provider's state rules it out (a rollback to a version that
    /// is not the newest, another build under an uploaded version).
    Conflict,
}

/// Receives progress lines ("deployment 42: inprogress") of one address.
pub type ProgressFn = Arc<dyn Fn(&Address, &str) + Send + Sync>;

/// How the release a deployment record follows went, as the record learns it
/// ([`ApplyContext::release_outcome`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// The release has nothing to do in this apply: it already runs what the manifest says.
    Converged,
    /// Its deployment succeeded (the executor's one-line result).
    Succeeded(String),
    /// Its deployment failed, or the release could not start it (the error, redacted).
    Failed(String),
    /// Apply stopped following it (interrupted, timed out): the deployment may go on at the
    /// provider, and the record must not claim an outcome it does not know.
    Abandoned(String),
}

/// What apply shares with providers while it runs.
#[derive(Clone)]
pub struct ApplyContext {
    ids: Arc<RwLock<HashMap<Address, String>>>,
    /// Per release that deployment records follow in this apply: its outcome once it ended.
    releases: Arc<RwLock<HashMap<Address, tokio::sync::watch::Receiver<Option<ReleaseOutcome>>>>>,
    /// Turns true on Ctrl-C: stop polling, cancel running deployments where possible.
    pub interrupted: tokio::sync::watch::Receiver<bool>,
    /// Progress lines ("deployment 42: inprogress") for the reporter.
    pub progress: ProgressFn,
    pub deploy_timeout: Duration,
    pub poll_interval: Duration,
    /// The request slot the change being executed holds (none for a record, which waits
    /// on its release): given up while [`ApplyContext::pause`] waits.
    slot: Option<Arc<Slot>>,
}

/// One of apply's `--parallelism` slots, held by a change while it sends requests.
pub(crate) struct Slot {
    pool: Arc<tokio::sync::Semaphore>,
    held: std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
}

impl Slot {
    pub(crate) fn new(
        pool: Arc<tokio::sync::Semaphore>,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Arc<Slot> {
        Arc::new(Slot {
            pool,
            held: std::sync::Mutex::new(Some(permit)),
        })
    }

    fn hold(&self) -> std::sync::MutexGuard<'_, Option<tokio::sync::OwnedSemaphorePermit>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ApplyContext {
    pub fn new(
        known_ids: HashMap<Address, String>,
        interrupted: tokio::sync::watch::Receiver<bool>,
        progress: ProgressFn,
        deploy_timeout: Duration,
        poll_interval: Duration,
    ) -> Self {
        ApplyContext {
            ids: Arc::new(RwLock::new(known_ids)),
            releases: Arc::default(),
            interrupted,
            progress,
            deploy_timeout,
            poll_interval,
            slot: None,
        }
    }

    /// The context of one change, holding `slot` while it runs.
    pub(crate) fn with_slot(&self, slot: Option<Arc<Slot>>) -> Self {
        ApplyContext {
            slot,
            ..self.clone()
        }
    }

    /// Waits `duration` between two looks at something that takes time (a deployment, an
    /// environment stopping) without holding a request slot: other changes run meanwhile,
    /// and only the next look competes for a slot again. Returns `true` as soon as apply is
    /// interrupted (the slot is then not taken back: what follows is cleaning up).
    pub async fn pause(&self, duration: Duration) -> bool {
        let released = self.slot.as_ref().and_then(|slot| slot.hold().take());
        drop(released);
        let mut interrupted = self.interrupted.clone();
        let stop = *interrupted.borrow()
            || tokio::select! {
                _ = tokio::time::sleep(duration) => false,
                changed = interrupted.changed() => changed.is_ok() && *interrupted.borrow(),
            };
        if stop || self.is_interrupted() {
            return true;
        }
        if let Some(slot) = &self.slot
            && let Ok(permit) = slot.pool.clone().acquire_owned().await
        {
            *slot.hold() = Some(permit);
        }
        self.is_interrupted()
    }

    /// A context for tests: no known ids, never interrupted, progress dropped, a 5 s
    /// deployment timeout and 50 ms polls.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        let (_, interrupted) = tokio::sync::watch::channel(false);
        ApplyContext::new(
            HashMap::new(),
            interrupted,
            Arc::new(|_, _| {}),
            Duration::from_secs(5),
            Duration::from_millis(50),
        )
    }

    /// Remote id of an address: fetched during plan, or created earlier in this apply.
    pub fn id_of(&self, address: &Address) -> Option<String> {
        self.ids
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(address)
            .cloned()
    }

    pub fn record_id(&self, address: &Address, id: String) {
        self.ids
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(address.clone(), id);
    }

    pub fn forget_id(&self, address: &Address) {
        self.ids
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(address);
    }

    pub fn is_interrupted(&self) -> bool {
        *self.interrupted.borrow()
    }

    /// How the release that `record` follows ended (waiting until it has). The executor
    /// starts a record together with its release, so a record's `execute` opens the record
    /// (in progress), awaits this, and closes it with the outcome. A record that follows no
    /// release, or whose release has no change in this apply, gets
    /// [`ReleaseOutcome::Converged`] at once.
    pub async fn release_outcome(&self, record: &Change) -> ReleaseOutcome {
        let Some(release) = &record.follows else {
            return ReleaseOutcome::Converged;
        };
        let watched = (self.releases.read().unwrap_or_else(|p| p.into_inner()))
            .get(release)
            .cloned();
        let Some(mut watched) = watched else {
            return ReleaseOutcome::Converged;
        };
        match watched.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(ReleaseOutcome::Converged),
            Err(_) => ReleaseOutcome::Abandoned(format!(
                "apply ended before `{release}` reported how it went"
            )),
        }
    }

    /// Makes `release`'s outcome available to the records that follow it; the executor
    /// sends it on the returned sender when the release ends.
    pub(crate) fn watch_release(
        &self,
        release: &Address,
    ) -> tokio::sync::watch::Sender<Option<ReleaseOutcome>> {
        let (sender, receiver) = tokio::sync::watch::channel(None);
        (self.releases.write().unwrap_or_else(|p| p.into_inner()))
            .insert(release.clone(), receiver);
        sender
    }
}

/// What executing one change produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Remote id of the object after the change (created objects).
    pub id: Option<String>,
    /// One line for the summary, e.g. "deployment 42 succeeded".
    pub message: String,
}

/// What `deployplan export` asks of a provider instance.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Names of the top-level objects to export (e.g. projects); empty means all of them.
    pub only: Vec<String>,
    /// Write the instance's name on every exported top-level object (`provider: NAME`), for
    /// manifests with more than one instance of the provider's type.
    pub pin_instance: bool,
    /// Names of the instance's top-level objects the manifest already declares: what a
    /// provider that cannot list everything (a code host's repositories) exports when
    /// [`ExportFilter::only`] is empty.
    pub declared: Vec<String>,
}

/// The manifest section an instance exported, and what it had to leave out.
#[derive(Debug, Clone, Default)]
pub struct Exported {
    /// The value of the provider type's top-level manifest section (plain data: the caller
    /// escapes interpolation syntax when writing it as manifest text).
    pub section: serde_json::Value,
    /// Remote objects left out because the manifest language cannot declare them exactly
    /// (declaring them would plan as a change).
    pub skipped: Vec<ExportSkip>,
    /// Names of [`ExportFilter::only`] that match no remote object; nothing is exported then.
    pub unmatched: Vec<String>,
    /// Every top-level object name that exists remotely (for "did you mean").
    pub available: Vec<String>,
    /// Lines for the header of the exported document (what was deliberately not exported).
    pub notes: Vec<String>,
    /// One line for the user, e.g. "2 projects, 3 stages, 5 scenarios".
    pub summary: String,
    /// What the top-level objects are called ("projects"), for messages about them.
    pub noun: &'static str,
}

/// A remote object `export` left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSkip {
    pub address: Address,
    pub reason: String,
}

/// One provider instance.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Diff rules of a resource kind.
    fn rules(&self, kind: &str) -> KindRules;

    /// Fetches the remote objects for `desired` (all of this instance's resources), with as
    /// few calls as the API allows, and the undeclared children of declared parents.
    /// `elsewhere`: addresses the manifest declares that are not being read this time (a
    /// saved plan's re-read, a partial run); a remote object there is not undeclared, so
    /// nothing below it needs reading.
    async fn fetch(
        &self,
        desired: &[&Resource],
        elsewhere: &BTreeSet<Address>,
    ) -> Result<RemoteState, ProviderError>;

    /// Executes one planned change. `desired` is the resource with its secrets (absent for
    /// deletes).
    async fn execute(
        &self,
        change: &Change,
        desired: Option<&Resource>,
        ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError>;

    /// Requests sent so far (for the summary and benchmarks).
    fn requests_sent(&self) -> u64;

    /// Reads the remote objects (read-only: never a write request) and returns them as this
    /// instance's manifest section, declaring each exactly as it is, so that a plan of the
    /// result shows no changes for them. Provider types that cannot export keep this
    /// default.
    async fn export(&self, filter: &ExportFilter) -> Result<Exported, ProviderError> {
        let _ = filter;
        Err(ProviderError::Unsupported {
            operation: "export",
        })
    }
}

/// Where the embedded sandbox serves, when a provider uses `endpoint: sandbox`.
pub type SandboxUrls<'a> = Option<&'a dyn Fn(&str) -> String>;

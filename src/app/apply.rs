//! `apply`: of a manifest (plan, show, confirm, execute) or of a saved plan file (check it
//! is not stale, execute exactly its changes). Either way under the local apply lock, and
//! reported live and in the run journal.

use std::io::{BufRead, IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::AppError;
use super::output;
use super::plan::{plan_scope, warn_if_empty, warn_if_partial};
use super::previous_run;
use super::session::{self, Session};
use crate::cli::{ApplyArgs, ManifestArgs};
use crate::engine::apply::{self, Reporter};
use crate::engine::plan::{FORMAT_VERSION, Plan, Summary};
use crate::engine::stale;
use crate::journal::Journal;
use crate::lock::{ApplyLock, LockHolder, LockScope};
use crate::model::{RemoteState, Resource};
use crate::providers::ApplyContext;
use crate::render;
use crate::render::live::LiveReporter;
use crate::render::progress::LineReporter;

pub async fn apply(args: &ApplyArgs) -> Result<ExitCode, AppError> {
    match read_saved_plan(&args.path)? {
        Some(saved) => apply_saved(args, saved).await,
        None => apply_manifest(args).await,
    }
}

async fn apply_manifest(args: &ApplyArgs) -> Result<ExitCode, AppError> {
    let interactive = std::io::stdin().is_terminal();
    if !interactive && !args.auto_approve {
        return Err(AppError::usage(
            "apply needs confirmation, but stdin is not a terminal",
            Some("review the plan with `deployplan plan --out plan.json`, then run `deployplan apply plan.json` (or `deployplan apply --auto-approve`)".into()),
        ));
    }
    let manifest = ManifestArgs {
        path: args.path.clone(),
        env: args.env.clone(),
    };
    // Locked before anything is read, so the second of two applies plans from what the
    // first left behind.
    let mut lock = lock(args, &manifest)?;
    let session = Session::open(&manifest, args.engine.parallelism).await?;
    warn_if_empty(&session, &manifest);
    let scope = session.scope(&args.engine.targets, &args.engine.excludes)?;
    let (plan, remote) = session
        .plan(&scope, plan_scope(&manifest, &args.engine))
        .await?;
    output::stdout(&render::text::render(&plan));
    warn_if_partial(&scope);
    if !plan.has_changes() {
        lock.settle();
        return Ok(ExitCode::SUCCESS);
    }
    if !args.auto_approve && !confirm() {
        output::stderr("Apply cancelled; nothing was changed.\n");
        return Ok(ExitCode::from(1));
    }
    execute(
        args,
        &manifest,
        &session,
        &mut lock,
        &plan,
        &scope.resources,
        &remote,
    )
    .await
}

/// Applies a saved plan: same manifest, same scope, and the remote objects it touches as
/// they were when it was made; otherwise nothing is applied.
async fn apply_saved(args: &ApplyArgs, saved: Plan) -> Result<ExitCode, AppError> {
    let conflicting = [
        (args.env.is_some(), "--env"),
        (!args.engine.targets.is_empty(), "--target"),
        (!args.engine.excludes.is_empty(), "--exclude"),
        (args.engine.prune, "--prune"),
    ];
    if let Some((_, flag)) = conflicting.iter().find(|(given, _)| *given) {
        return Err(AppError::usage(
            format!(
                "{flag} cannot be combined with a plan file: the plan fixes its environment and scope"
            ),
            Some("pass the option to `deployplan plan --out FILE` instead".into()),
        ));
    }
    let manifest = ManifestArgs {
        path: saved.scope.manifest.clone().into(),
        env: saved.environment.clone(),
    };
    if !manifest.path.exists() {
        return Err(AppError::usage(
            format!(
                "the plan was made from the manifest `{}`, which is not there from the current directory",
                manifest.path.display()
            ),
            Some("run `deployplan apply PLANFILE` in the directory `deployplan plan` ran in (in CI: the repository root)".into()),
        ));
    }
    // Locked before anything is read, so the second of two applies plans from what the
    // first left behind.
    let mut lock = lock(args, &manifest)?;
    let session = Session::open(&manifest, args.engine.parallelism).await?;
    let scope = session.scope(&saved.scope.targets, &saved.scope.excludes)?;
    let reads = stale::addresses_to_read(&saved, &scope.resources);
    let to_read: Vec<Resource> = scope
        .resources
        .iter()
        .filter(|r| reads.contains(&r.address))
        .cloned()
        .collect();
    let remote = session.fetch(&to_read).await?;
    let rules = |r: &Resource| session.rules(r);
    let stale = stale::check(
        &saved,
        &session.loaded.content_hash,
        &scope,
        &remote,
        &rules,
    );
    if !stale.is_empty() {
        return Err(AppError::StalePlan {
            reasons: stale.iter().map(ToString::to_string).collect(),
        });
    }
    output::stdout(&render::text::render(&saved));
    if !saved.has_changes() {
        lock.settle();
        return Ok(ExitCode::SUCCESS);
    }
    execute(
        args,
        &manifest,
        &session,
        &mut lock,
        &saved,
        &scope.resources,
        &remote,
    )
    .await
}

/// The plan document in `path`, when `path` is a plan file rather than a manifest.
fn read_saved_plan(path: &Path) -> Result<Option<Plan>, AppError> {
    // A `.json` path is a plan file: a missing or cut-short one says so, rather than being
    // taken for a manifest (in CI: an artifact that failed to download).
    let named_as_plan = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    if !path.exists() {
        return Err(if named_as_plan {
            AppError::usage(
                format!("there is no plan file `{}`", path.display()),
                Some("plan files are written by `deployplan plan --out FILE`; in CI, check that the plan artifact was downloaded".into()),
            )
        } else {
            AppError::usage(
                format!("there is no manifest `{}`", path.display()),
                Some("pass a manifest file, a directory of manifests, or a plan file written by `deployplan plan --out FILE`".into()),
            )
        });
    }
    if !path.is_file() {
        return Ok(None);
    }
    let not_a_plan = |why: String| {
        AppError::usage(
            format!("`{}` is not a valid plan file: {why}", path.display()),
            Some("plan files are written by `deployplan plan --out FILE`; was it cut short or edited?".into()),
        )
    };
    let mut text = String::new();
    let read = std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    if let Err(err) = &read
        && named_as_plan
    {
        return Err(not_a_plan(err.to_string()));
    }
    if read.is_err() || !text.trim_start().starts_with('{') {
        if named_as_plan {
            return Err(not_a_plan("it is not a JSON document".into()));
        }
        // Not readable as text or not JSON: the manifest loader reports it properly.
        return Ok(None);
    }
    let document = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(document) => document,
        // A manifest may be written in YAML's flow style; a plan file names its format.
        Err(_) if !named_as_plan && !text.contains("\"format_version\"") => return Ok(None),
        Err(err) => {
            return Err(AppError::usage(
                format!("`{}` is not a valid plan file: {err}", path.display()),
                Some("plan files are written by `deployplan plan --out FILE`; was it cut short or edited?".into()),
            ));
        }
    };
    let Some(version) = document.get("format_version") else {
        return Ok(None);
    };
    if version.as_str() != Some(FORMAT_VERSION) {
        let version = version
            .as_str()
            .map_or_else(|| version.to_string(), str::to_owned);
        return Err(AppError::usage(
            format!(
                "`{}` is a plan in format `{version}`; this deployplan reads format `{FORMAT_VERSION}`",
                path.display()
            ),
            Some("make the plan again with this version of deployplan".into()),
        ));
    }
    let mut plan: Plan = serde_json::from_value(document).map_err(|err| {
        AppError::usage(
            format!("`{}` is not a valid plan file: {err}", path.display()),
            Some("plan files are written by `deployplan plan --out FILE`".into()),
        )
    })?;
    if plan.digest.is_empty() || plan.content_digest() != plan.digest {
        return Err(AppError::usage(
            format!(
                "`{}` was edited or damaged after `deployplan plan` wrote it: its content does not match its digest",
                path.display()
            ),
            Some("apply only a plan file exactly as `deployplan plan --out FILE` wrote it; make a new plan".into()),
        ));
    }
    // Counted again: what is shown and decided must come from the changes themselves.
    plan.summary = Summary::of(&plan.changes);
    let ours = env!("CARGO_PKG_VERSION");
    if plan.deployplan_version != ours {
        return Err(AppError::usage(
            format!(
                "`{}` was made by deployplan {}; this is deployplan {ours}",
                path.display(),
                plan.deployplan_version
            ),
            Some("plan and apply with the same version (pin it in CI)".into()),
        ));
    }
    Ok(Some(plan))
}

/// Takes the local lock on (manifest, environment), waiting up to `--lock-timeout`.
fn lock(args: &ApplyArgs, manifest: &ManifestArgs) -> Result<ApplyLock, AppError> {
    let state_dir = session::state_dir(&manifest.path);
    let scope = LockScope {
        manifest: &manifest.path,
        environment: manifest.env.as_deref(),
    };
    let mut on_wait = |holder: Option<&LockHolder>| {
        let who = holder
            .map(|h| format!(" (pid {} on {}, since {})", h.pid, h.host, h.started_at))
            .unwrap_or_default();
        output::stderr(&format!(
            "Waiting up to {}s for another apply of this manifest and environment to finish{who}…\n",
            args.lock_timeout.as_secs()
        ));
    };
    // Waiting polls and sleeps on this thread: nothing else runs yet (the session, and
    // with it the embedded sandbox, opens once the lock is held).
    let lock = ApplyLock::acquire(
        &state_dir,
        &scope,
        &command_line(),
        args.lock_timeout,
        &mut on_wait,
    )
    .map_err(|error| AppError::Lock(Box::new(error)))?;
    if let Some(stale) = lock.previous_stale_holder() {
        output::stderr(&previous_run::took_over(stale));
    }
    Ok(lock)
}

async fn execute(
    args: &ApplyArgs,
    manifest: &ManifestArgs,
    session: &Session,
    lock: &mut ApplyLock,
    plan: &Plan,
    resources: &[Resource],
    remote: &RemoteState,
) -> Result<ExitCode, AppError> {
    let (interrupt_tx, interrupt_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            output::stderr(
                "\nInterrupt: no new operation will start; running ones finish or are cancelled. Press Ctrl-C again to abort at once.\n",
            );
            let _ = interrupt_tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                output::stderr("Aborted.\n");
                std::process::exit(130);
            }
        }
    });
    // Live progress on a terminal, one line per event otherwise (CI logs).
    let live = live_progress().then(|| {
        let changes = plan.changes.iter().filter(|c| c.action.is_change()).count();
        Arc::new(LiveReporter::stderr(changes))
    });
    let lines: Arc<dyn Reporter> = match &live {
        Some(live) => live.clone(),
        None => Arc::new(LineReporter::stderr()),
    };
    let state_dir = session::state_dir(&manifest.path);
    let journal = Journal::create(&state_dir, lines.clone()).map_err(|source| AppError::Io {
        context: format!(
            "cannot write the run journal under `{}`",
            state_dir.display()
        ),
        source,
    })?;
    // Named in the lock record: if this process dies, the next plan or apply can tell
    // what was in flight.
    lock.record_journal(journal.path())
        .map_err(|source| AppError::Io {
            context: format!("cannot update the apply lock `{}`", lock.path().display()),
            source,
        })?;
    journal.planned(&plan.changes);
    let journal_path = journal.path().to_path_buf();
    let reporter: Arc<dyn Reporter> = Arc::new(journal);
    let progress_reporter = reporter.clone();
    let known_ids = remote
        .objects
        .values()
        .map(|o| (o.address.clone(), o.id.clone()))
        .collect();
    let ctx = ApplyContext::new(
        known_ids,
        interrupt_rx,
        Arc::new(move |address, message| progress_reporter.progress(address, message)),
        Duration::from_secs(args.deploy_timeout),
        Duration::from_millis(args.poll_interval_ms.max(50)),
    );
    let report = apply::apply(
        plan.changes.clone(),
        resources,
        &session.providers,
        ctx,
        apply::Limits {
            parallelism: args.engine.parallelism,
            deployments: args.max_deployments.map(|n| n as usize),
        },
        reporter,
    )
    .await;
    if let Some(live) = live {
        live.clear();
    }
    output::stderr("\n");
    output::stdout(&render::progress::summary(&report));
    output::stderr(&format!("Journal: {}\n", journal_path.display()));
    Ok(if report.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// This run's command line, for the lock holder record ("deployplan apply --env prod").
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("deployplan {}", args.join(" "))
}

/// A live display needs a terminal that can move the cursor.
fn live_progress() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var("TERM").map_or(true, |term| term != "dumb")
        && std::env::var_os("CI").is_none()
}

fn confirm() -> bool {
    output::stderr("\nApply these changes? Only `yes` is accepted: ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

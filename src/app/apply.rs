//! `apply`: plan, show, confirm, execute, report.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::AppError;
use super::output;
use super::session::Session;
use crate::cli::ApplyArgs;
use crate::engine::apply::{self, Reporter};
use crate::journal::Journal;
use crate::providers::ApplyContext;
use crate::render;
use crate::render::progress::LineReporter;

pub async fn apply(args: &ApplyArgs) -> Result<ExitCode, AppError> {
    let interactive = std::io::stdin().is_terminal();
    if !interactive && !args.auto_approve {
        return Err(AppError::usage(
            "apply needs confirmation, but stdin is not a terminal",
            Some("review the plan with `deployplan plan`, then run `deployplan apply --auto-approve`".into()),
        ));
    }
    let session = Session::open(&args.manifest, args.engine.parallelism).await?;
    let resources = session.scoped_resources(&args.engine.targets)?;
    let (plan, remote) = session.plan(&resources, &args.engine).await?;
    output::stdout(&render::text::render(&plan));
    if !plan.has_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    if !args.auto_approve && !confirm() {
        output::stderr("Apply cancelled; nothing was changed.\n");
        return Ok(ExitCode::from(1));
    }

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
    let lines: Arc<dyn Reporter> = Arc::new(LineReporter::stderr());
    let state_dir = super::session::state_dir(&args.manifest.path);
    let journal = Journal::create(&state_dir, lines.clone()).map_err(|source| AppError::Io {
        context: format!(
            "cannot write the run journal under `{}`",
            state_dir.display()
        ),
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
        &resources,
        &session.providers,
        ctx,
        args.engine.parallelism,
        reporter,
    )
    .await;
    output::stderr("\n");
    output::stdout(&render::progress::summary(&report));
    output::stderr(&format!("Journal: {}\n", journal_path.display()));
    Ok(if report.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn confirm() -> bool {
    output::stderr("\nApply these changes? Only `yes` is accepted: ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

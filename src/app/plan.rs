//! `validate` and `plan`.

use std::process::ExitCode;

use super::AppError;
use super::output;
use super::session::{self, Session};
use crate::cli::{EngineArgs, Format, GraphArgs, GraphFormat, ManifestArgs, PlanArgs};
use crate::engine::plan::PlanScope;
use crate::engine::scope::Scope;
use crate::render;

pub async fn validate(args: &ManifestArgs) -> Result<ExitCode, AppError> {
    let loaded = session::load(args)?;
    let env = loaded
        .environment
        .as_deref()
        .map(|e| format!(" (environment `{e}`)"))
        .unwrap_or_default();
    output::stderr(&format!(
        "The manifest is valid{env}: {} resource{}, {} provider instance{}.\n",
        loaded.resources.len(),
        if loaded.resources.len() == 1 { "" } else { "s" },
        loaded.providers.len(),
        if loaded.providers.len() == 1 { "" } else { "s" }
    ));
    // The process ends here: freeing every value of a large manifest one by one would
    // take a tenth of the run, and the operating system reclaims it at once.
    std::mem::forget(loaded);
    Ok(ExitCode::SUCCESS)
}

pub async fn plan(args: &PlanArgs) -> Result<ExitCode, AppError> {
    super::previous_run::warn_before_plan(&args.manifest);
    let session = Session::open(&args.manifest, args.engine.parallelism).await?;
    warn_if_empty(&session, &args.manifest);
    let scope = session.scope(&args.engine.targets, &args.engine.excludes)?;
    let (plan, remote) = session
        .plan(&scope, plan_scope(&args.manifest, &args.engine))
        .await?;
    match args.format {
        Format::Text => output::stdout(&render::text::render(&plan)),
        Format::Json => output::stdout(&render::json(&plan)),
        Format::Markdown => output::stdout(&render::markdown::render(
            &plan,
            render::markdown::COMMENT_LIMIT,
        )),
    }
    warn_if_partial(&scope);
    if let Some(path) = &args.out {
        std::fs::write(path, render::json(&plan)).map_err(|source| AppError::Io {
            context: format!("cannot write `{}`", path.display()),
            source,
        })?;
        output::stderr(&format!(
            "Saved the plan to {0}; `deployplan apply {0}` applies exactly these changes.\n",
            path.display()
        ));
    }
    tracing::debug!(requests = session.requests_sent(), "plan finished");
    let code = if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here; see `Session::end_with_process`.
    std::mem::forget((plan, remote, scope));
    session.end_with_process();
    Ok(code)
}

pub async fn graph(args: &GraphArgs) -> Result<ExitCode, AppError> {
    let session = Session::open(&args.manifest, args.engine.parallelism).await?;
    let scope = session.scope(&args.engine.targets, &args.engine.excludes)?;
    let (plan, _) = session
        .plan(&scope, plan_scope(&args.manifest, &args.engine))
        .await?;
    output::stdout(&match args.format {
        GraphFormat::Dot => render::graph::dot(&plan),
        GraphFormat::Mermaid => render::graph::mermaid(&plan),
    });
    Ok(ExitCode::SUCCESS)
}

/// A manifest without resources is valid, but in CI an empty or wrong file would otherwise
/// pass as a quiet "no changes".
pub(super) fn warn_if_empty(session: &Session, manifest: &ManifestArgs) {
    if session.loaded.resources.is_empty() {
        output::stderr(&format!(
            "Warning: `{}` declares no resources: there is nothing to plan or apply.\n",
            manifest.path.display()
        ));
    }
}

/// What a plan records of its command line, for `apply PLANFILE`.
pub(super) fn plan_scope(manifest: &ManifestArgs, engine: &EngineArgs) -> PlanScope {
    PlanScope {
        manifest: manifest.path.display().to_string(),
        targets: engine.targets.clone(),
        excludes: engine.excludes.clone(),
        prune: engine.prune,
    }
}

/// A partial plan leaves the rest of the manifest unconverged; say so, as every run of it
/// should be followed by a full one.
pub(super) fn warn_if_partial(scope: &Scope<'_>) {
    if scope.is_partial() {
        output::stderr(&format!(
            "Note: --target/--exclude: {} declared resource{} left out of this run; run without them to converge everything.\n",
            scope.out_of_scope.len(),
            if scope.out_of_scope.len() == 1 {
                " is"
            } else {
                "s are"
            },
        ));
    }
}

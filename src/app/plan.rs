//! `validate` and `plan`.

use std::process::ExitCode;

use super::AppError;
use super::output;
use super::session::{self, Session};
use crate::cli::{Format, ManifestArgs, PlanArgs};
use crate::render;

pub async fn validate(args: &ManifestArgs) -> Result<ExitCode, AppError> {
    let loaded = session::load(args)?;
    let env = loaded
        .environment
        .as_deref()
        .map(|e| format!(" (environment `{e}`)"))
        .unwrap_or_default();
    output::stderr(&format!(
        "The manifest is valid{env}: {} resources, {} provider instance{}.\n",
        loaded.resources.len(),
        loaded.providers.len(),
        if loaded.providers.len() == 1 { "" } else { "s" }
    ));
    Ok(ExitCode::SUCCESS)
}

pub async fn plan(args: &PlanArgs) -> Result<ExitCode, AppError> {
    let session = Session::open(&args.manifest, args.engine.parallelism).await?;
    let resources = session.scoped_resources(&args.engine.targets)?;
    let (plan, _) = session.plan(&resources, &args.engine).await?;
    match args.format {
        Format::Text => output::stdout(&render::text::render(&plan)),
        Format::Json => output::stdout(&render::json(&plan)),
    }
    if let Some(path) = &args.out {
        std::fs::write(path, render::json(&plan)).map_err(|source| AppError::Io {
            context: format!("cannot write `{}`", path.display()),
            source,
        })?;
        output::stderr(&format!("Saved the plan to {}.\n", path.display()));
    }
    tracing::debug!(requests = session.requests_sent(), "plan finished");
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

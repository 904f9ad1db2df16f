//! Where output goes: data (plans, JSON) to stdout, everything else to stderr, secrets
//! redacted on the way out, colour only on a terminal and never with `NO_COLOR`.

use std::io::Write;

use super::AppError;
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::report;
use crate::redact::redact;

/// Writes data to stdout (colour stripped when not a terminal).
pub fn stdout(text: &str) {
    let mut out = anstream::stdout();
    let _ = out.write_all(redact(text).as_bytes());
    let _ = out.flush();
}

/// Writes a message to stderr.
pub fn stderr(text: &str) {
    let mut out = anstream::stderr();
    let _ = out.write_all(redact(text).as_bytes());
    let _ = out.flush();
}

fn stderr_has_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Renders one diagnostic as miette's graphical report.
pub fn render_diagnostic(diagnostic: &dyn miette::Diagnostic) -> String {
    report::render(diagnostic, stderr_has_colour())
}

/// Prints an error and every diagnostic it carries.
pub fn print_error(err: &AppError) {
    match err {
        AppError::Manifest(diagnostics) => {
            stderr(&report::render_all(diagnostics, stderr_has_colour()));
            stderr(&format!(
                "Error: {diagnostics}; nothing was sent to any provider.\n"
            ));
        }
        AppError::UnknownNames(diagnostics) => {
            stderr(&report::render_all(diagnostics, stderr_has_colour()));
            let unknown = diagnostics
                .0
                .iter()
                .filter(|d| d.kind == DiagnosticKind::DanglingReference)
                .count();
            let refused = diagnostics.len() - unknown;
            let mut parts = Vec::new();
            if unknown > 0 {
                parts.push(format!(
                    "{unknown} name{} in the manifest unknown to the provider",
                    if unknown == 1 { "" } else { "s" }
                ));
            }
            if refused > 0 {
                parts.push(format!(
                    "{refused} value{} the provider's state rules out",
                    if refused == 1 { "" } else { "s" }
                ));
            }
            stderr(&format!(
                "Error: {}; nothing was changed.\n",
                parts.join(", ")
            ));
        }
        AppError::Protected(errors) => {
            for e in errors {
                stderr(&render_diagnostic(e));
                stderr("\n");
            }
            stderr(
                "Error: the plan would delete or replace protected resources; nothing was applied.\n",
            );
        }
        AppError::StalePlan { reasons } => {
            stderr("Error: stale plan: the world moved since the plan was made.\n");
            for reason in reasons {
                stderr(&format!("  - {reason}\n"));
            }
            stderr(
                "Nothing was applied. Make a new plan (`deployplan plan --out FILE`), review it, and apply that.\n",
            );
        }
        other => {
            stderr(&render_diagnostic(other));
            stderr("\n");
        }
    }
}

/// `-v` logs HTTP requests and engine steps; `RUST_LOG` overrides.
pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "deployplan=debug",
        _ => "deployplan=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactingStderr::default)
        .with_target(false)
        .try_init();
}

/// A tracing writer that redacts secrets line by line.
#[derive(Default)]
struct RedactingStderr;

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        anstream::stderr().write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// A panic is a bug: say so in one redacted line, without a debug dump.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        stderr(&format!(
            "internal error{location}: {message}\nThis is a bug in deployplan; please report it.\n"
        ));
    }));
}

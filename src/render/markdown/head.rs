//! The top of the comment: its marker, title and summary, and the notes a reviewer must
//! read before the changes (a partial plan, what could not be checked).

use std::fmt::Write as _;

use super::escape::{code_span, rich_md, thousands};
use super::marker;
use crate::engine::plan::{Plan, Summary};

pub(super) fn head(plan: &Plan) -> String {
    let mut out = marker(plan.environment.as_deref());
    out.push('\n');
    match &plan.environment {
        Some(env) => {
            let _ = writeln!(
                out,
                "### deployplan plan — environment {}\n",
                code_span(env, false)
            );
        }
        None => out.push_str("### deployplan plan — default environment\n\n"),
    }
    out.push_str(&summary_words(&plan.summary));
    out.push_str("\n\n");
    out.push_str(&partial_note(plan));
    out.push_str(&unchecked_note(plan));
    out
}

/// What the providers could not check, so the comment does not vouch for it.
fn unchecked_note(plan: &Plan) -> String {
    if plan.warnings.is_empty() {
        return String::new();
    }
    let mut out = String::from("> [!WARNING]\n> Not everything could be checked while planning:\n");
    for warning in &plan.warnings {
        let _ = writeln!(out, "> - {}", rich_md(&clip(warning)));
    }
    out.push('\n');
    out
}

/// A warning in a comment stays one readable line.
fn clip(text: &str) -> String {
    const MAX: usize = 400;
    let text = text.replace('\n', " ");
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// A partial plan says so: what it was limited to, so a reviewer does not take it for all.
fn partial_note(plan: &Plan) -> String {
    let flags: Vec<String> = [
        ("--target", &plan.scope.targets),
        ("--exclude", &plan.scope.excludes),
    ]
    .iter()
    .flat_map(|(flag, addresses)| {
        addresses
            .iter()
            .map(move |a| format!("`{flag}` {}", code_span(a, false)))
    })
    .collect();
    if flags.is_empty() {
        return String::new();
    }
    format!(
        "> [!NOTE]\n> Partial plan, limited by {}: the rest of the manifest is not compared.\n\n",
        flags.join(", ")
    )
}

/// `**2 to create, 1 to update, 3 to deploy**, 1 unmanaged (left alone)`.
fn summary_words(s: &Summary) -> String {
    let counts = [
        (s.create, "to create"),
        (s.update, "to update"),
        (s.replace, "to replace"),
        (s.delete, "to delete"),
        (s.deploy, "to deploy"),
    ];
    let words: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", thousands(*n)))
        .collect();
    let mut line = if words.is_empty() {
        "**No changes.** The remote matches the manifest".to_owned()
    } else {
        format!("**{}**", words.join(", "))
    };
    if s.unmanaged > 0 {
        let _ = write!(line, ", {} unmanaged (left alone)", thousands(s.unmanaged));
    }
    if words.is_empty() {
        line.push('.');
    }
    line
}

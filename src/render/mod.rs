//! Renderers of plans and apply progress. They write strings; the CLI decides where they go.

pub mod graph;
pub mod live;
pub mod markdown;
pub mod progress;
pub mod text;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod following_tests;

use crate::engine::plan::Plan;

/// The plan as pretty JSON (the saved-plan document).
pub fn json(plan: &Plan) -> String {
    let mut text =
        serde_json::to_string_pretty(plan).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    crate::redact::redact(&text).into_owned()
}

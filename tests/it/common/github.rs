//! GitHub (`github`) in the tests: the sandbox's demo token and the variable that carries it.

use super::Provider;

pub const TYPE: &str = "github";

/// Every run gets the demo token as `GITHUB_TOKEN` (it opens nothing outside the sandbox).
pub const PROVIDER: Provider = Provider {
    kind: TYPE,
    placeholder: "{{GITHUB}}",
    credentials: deployplan::providers::github::emulator::demo::ENVIRONMENT,
};

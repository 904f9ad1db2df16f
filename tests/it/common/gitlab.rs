//! GitLab (`gitlab`) in the tests: the sandbox's demo token and the variable that carries it.

use super::Provider;

pub const TYPE: &str = "gitlab";

/// Every run gets the demo token as `GITLAB_TOKEN` (it opens nothing outside the sandbox).
pub const PROVIDER: Provider = Provider {
    kind: TYPE,
    placeholder: "{{GITLAB}}",
    credentials: deployplan::providers::gitlab::emulator::demo::ENVIRONMENT,
};

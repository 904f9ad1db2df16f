//! AxHub (`axhub`) in the tests: the sandbox's demo token and the variable that carries it.

use super::Provider;

pub const TYPE: &str = "axhub";

/// Every run gets the demo token as `AXHUB_TOKEN` (it opens nothing outside the sandbox).
pub const PROVIDER: Provider = Provider {
    kind: TYPE,
    placeholder: "{{AXHUB}}",
    credentials: deployplan::providers::axhub::emulator::demo::ENVIRONMENT,
};

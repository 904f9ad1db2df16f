//! NCP SourceDeploy (`ncp-sourcedeploy`) in the tests: the sandbox's demo credentials and
//! the environment variables that carry them.

use super::Provider;

pub const TYPE: &str = "ncp-sourcedeploy";

/// The variable of the secret key.
pub const SECRET_KEY_VAR: &str = "NCLOUD_SECRET_KEY";

/// The sandbox's demo secret key (it opens nothing outside the sandbox), for tests that
/// look for it in outputs. Every run gets the whole demo environment of the emulator.
pub const SECRET_KEY: &str = deployplan::providers::ncp::emulator::demo::SECRET_KEY;

pub const PROVIDER: Provider = Provider {
    kind: TYPE,
    placeholder: "{{NCP}}",
    credentials: deployplan::providers::ncp::emulator::demo::ENVIRONMENT,
};

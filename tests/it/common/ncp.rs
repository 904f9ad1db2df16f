//! NCP SourceDeploy (`ncp-sourcedeploy`) in the tests: the sandbox's demo credentials and
//! the environment variables that carry them.

use super::Provider;

pub const TYPE: &str = "ncp-sourcedeploy";

/// The variables of the access key pair.
pub const ACCESS_KEY_VAR: &str = "NCLOUD_ACCESS_KEY";
pub const SECRET_KEY_VAR: &str = "NCLOUD_SECRET_KEY";

/// The sandbox's demo key pair (it opens nothing outside the sandbox). The only place the
/// tests name it.
pub const ACCESS_KEY: &str = deployplan::providers::ncp::emulator::demo::ACCESS_KEY;
pub const SECRET_KEY: &str = deployplan::providers::ncp::emulator::demo::SECRET_KEY;

pub const PROVIDER: Provider = Provider {
    kind: TYPE,
    placeholder: "{{NCP}}",
    credentials: &[(ACCESS_KEY_VAR, ACCESS_KEY), (SECRET_KEY_VAR, SECRET_KEY)],
};

//! Demo credentials the SourceDeploy emulator accepts (executor `sandbox-demo`), printed by
//! the sandbox banner. They open nothing outside the sandbox.

use super::super::config::{ENV_ACCESS_KEY, ENV_SECRET_KEY};

/// Access key accepted by the emulator.
pub const ACCESS_KEY: &str = "SANDBOXDEMOACCESSKEY";
/// Secret key matching [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "SANDBOXDEMOSECRETKEY0000000000000000DEMO";

/// The environment that points a client at the emulator's demo account.
pub const ENVIRONMENT: &[(&str, &str)] =
    &[(ENV_ACCESS_KEY, ACCESS_KEY), (ENV_SECRET_KEY, SECRET_KEY)];

//! Demo credentials the GitHub emulator accepts, printed by the sandbox banner. They open
//! nothing outside the sandbox.

/// A token the emulator accepts (user `sandbox-demo`, admin of the seeded repositories).
pub const GITHUB_TOKEN: &str = "ghp_SandboxDemoToken000000000000000000";

/// The environment that points a client at the emulator's demo account.
pub const ENVIRONMENT: &[(&str, &str)] = &[(super::super::config::ENV_TOKENS[0], GITHUB_TOKEN)];

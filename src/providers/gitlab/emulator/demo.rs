//! Demo credentials the GitLab emulator accepts, printed by the sandbox banner. They open
//! nothing outside the sandbox.

/// A token the emulator accepts (user `sandbox-demo`, owner of the seeded projects).
pub const GITLAB_TOKEN: &str = "glpat-SandboxDemoToken00000";

/// The environment that points a client at the emulator's demo account.
pub const ENVIRONMENT: &[(&str, &str)] = &[(super::super::config::ENV_TOKEN, GITLAB_TOKEN)];

//! Demo credentials the AxHub emulator accepts, printed by the sandbox banner. They open
//! nothing outside the sandbox.

/// A personal access token the emulator accepts (tenant `acme`'s admin).
pub const AXHUB_TOKEN: &str = "axhub_pat_SandboxDemoToken0000000000";

/// The environment that points a client at the emulator's demo account.
pub const ENVIRONMENT: &[(&str, &str)] = &[(super::super::config::ENV_TOKEN, AXHUB_TOKEN)];

//! Demo credentials the NHN Cloud Deploy emulator accepts, printed by the sandbox banner.
//! They open nothing outside the sandbox.

use super::super::config::{ENV_ACCESS_KEY_ID, ENV_APP_KEY, ENV_SECRET_ACCESS_KEY};

/// Deploy app key of the seeded project.
pub const NHN_APP_KEY: &str = "SandboxDemoAppKey";
/// User Access Key ID accepted by the emulated OAuth2 token endpoint.
pub const NHN_ACCESS_KEY_ID: &str = "SandboxDemoUserKeyID";
/// Secret Access Key matching [`NHN_ACCESS_KEY_ID`].
pub const NHN_SECRET_ACCESS_KEY: &str = "SandboxDemoSecretAccessKey000000";
/// A static bearer token that never expires (a shortcut for `curl`; real tokens come from
/// the token endpoint).
pub const NHN_TOKEN: &str = "sandbox-demo-nhn-token";

/// The environment that points a client at the emulator's demo project.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (ENV_APP_KEY, NHN_APP_KEY),
    (ENV_ACCESS_KEY_ID, NHN_ACCESS_KEY_ID),
    (ENV_SECRET_ACCESS_KEY, NHN_SECRET_ACCESS_KEY),
];

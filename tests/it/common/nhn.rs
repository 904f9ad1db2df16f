//! NHN Cloud Deploy (`nhn-deploy`) in the tests: the sandbox's demo credentials, the
//! environment variables that carry them, and the local build files its binaries upload.

use std::path::Path;

use super::Provider;

pub const TYPE: &str = "nhn-deploy";

/// The variable of the app key.
pub const APP_KEY_VAR: &str = "NHN_DEPLOY_APP_KEY";
/// The variable of a ready bearer token, instead of the key pair.
pub const TOKEN_VAR: &str = "NHN_DEPLOY_TOKEN";

/// The sandbox's demo credentials (they open nothing outside the sandbox). The only place
/// the tests name them.
pub const APP_KEY: &str = deployplan::providers::nhn::emulator::demo::NHN_APP_KEY;
pub const TOKEN: &str = deployplan::providers::nhn::emulator::demo::NHN_TOKEN;

/// Every run gets the app key and the key pair; the token only where a test adds it.
pub const PROVIDER: Provider = Provider {
    kind: TYPE,
    placeholder: "{{NHN}}",
    credentials: deployplan::providers::nhn::emulator::demo::ENVIRONMENT,
};

/// Writes the build `shop-{version}.tar.gz` into `dir`: 1,200 bytes that differ by version.
pub fn write_build(dir: &Path, version: &str) {
    std::fs::write(
        dir.join(format!("shop-{version}.tar.gz")),
        format!("build {version}\n").repeat(100),
    )
    .unwrap();
}

//! A provider's own Python client driving its emulator in a test (python-gitlab, axhub-sdk):
//! the client is found or the test says why it did not run, a check script under `scripts/`
//! is run, and its output is held against the token. Where the package must be there (CI
//! after installing it), its absence is a failure instead.

use std::path::PathBuf;
use std::process::{Output, Stdio};

use tokio::process::Command;

/// One Python client and the script that drives an emulator with it.
pub(crate) struct PythonClient {
    /// The module to import, e.g. `gitlab`.
    pub module: &'static str,
    /// The folder under `scripts/` with `check.py` and `requirements.txt`.
    pub folder: &'static str,
    /// Set to `1` where the package must be installed (CI after installing it).
    pub require: &'static str,
}

impl PythonClient {
    /// Whether the client can run; when not, says why on stderr (or fails where it is
    /// required).
    pub(crate) async fn usable(&self) -> bool {
        let Some(reason) = self.unavailable().await else {
            return true;
        };
        let require = self.require;
        assert!(
            std::env::var(require).as_deref() != Ok("1"),
            "{require}=1 but {reason}"
        );
        eprintln!("skipped: {reason}");
        false
    }

    async fn unavailable(&self) -> Option<String> {
        let probe = Command::new("python3")
            .args(["-c", &format!("import {}", self.module)])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .await;
        match probe {
            Err(error) => Some(format!("python3 does not run: {error}")),
            Ok(output) if !output.status.success() => Some(format!(
                "python3 cannot import {} ({}); install scripts/{}/requirements.txt",
                self.module,
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .last()
                    .unwrap_or("no message"),
                self.folder
            )),
            Ok(_) => None,
        }
    }

    /// Runs `scripts/<folder>/check.py` with `args`; its stdout once it passed without
    /// showing `token`.
    pub(crate) async fn check(&self, args: &[&str], token: &str) -> String {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("scripts")
            .join(self.folder)
            .join("check.py");
        let output: Output = Command::new("python3")
            .arg(script)
            .args(args)
            .output()
            .await
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "check.py failed\n--- stdout\n{stdout}--- stderr\n{stderr}"
        );
        // The token never shows, whatever the script printed.
        assert!(!stdout.contains(token) && !stderr.contains(token));
        stdout
    }
}

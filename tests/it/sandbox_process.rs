//! The standalone `deployplan sandbox` process: how it stops.

use std::path::Path;

use crate::common::{Standalone, assert_code, binary_in, fixture, signal, stdout};

/// Starts `deployplan sandbox` with its temp directory at `tmp`.
fn start_sandbox(tmp: &Path, extra: &[&str]) -> Standalone {
    Standalone::start(|command| {
        command.args(extra).env("TMPDIR", tmp).env("NO_COLOR", "1");
    })
}

/// Uploads a binary through the real client, so that the sandbox holds an upload file.
fn upload_a_binary(sandbox: &Standalone) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.tar.gz"), vec![7u8; 64 * 1024]).unwrap();
    std::fs::write(
        dir.path().join("deployplan.yaml"),
        sandbox.fill(&fixture("nhn/one-binary.yaml")),
    )
    .unwrap();
    let apply = binary_in(dir.path())
        .envs(sandbox.exports())
        .args(["apply", "--auto-approve"])
        .output()
        .unwrap();
    assert_code(&apply, 0);
    assert!(
        stdout(&apply).contains("nhn.binary.shop"),
        "{}",
        stdout(&apply)
    );
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// `kill`, `docker stop` and CI runners send SIGTERM: the sandbox stops as on Ctrl-C, so the
/// upload files it kept in the temp directory go with it.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_sandbox_and_removes_its_upload_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut sandbox = start_sandbox(tmp.path(), &[]);
    upload_a_binary(&sandbox);
    assert!(
        !entries(tmp.path()).is_empty(),
        "the upload is kept in the temp directory while the sandbox runs"
    );
    signal(&sandbox.child, "TERM");
    let status = sandbox.child.wait().unwrap();
    assert!(status.success(), "an orderly stop: {status}");
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

/// With `--state`, SIGTERM also gives the state file its last write.
#[cfg(unix)]
#[test]
fn sigterm_keeps_the_state_file() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state").join("sandbox.json");
    let mut sandbox = start_sandbox(tmp.path(), &["--state", state.to_str().unwrap()]);
    upload_a_binary(&sandbox);
    signal(&sandbox.child, "TERM");
    assert!(sandbox.child.wait().unwrap().success());
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let binaries = document["nhn-deploy"]["binaries"].as_array().unwrap();
    assert!(
        binaries.iter().any(|b| b["version"] == "9.9.9"),
        "{document:#}"
    );
}

//! The standalone `deployplan sandbox` process: how it stops.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::{assert_code, signal, stdout};

/// Starts `deployplan sandbox` with its temp directory at `tmp`; returns the process and the
/// banner's `nhn-deploy` endpoint and exports.
fn start_sandbox(tmp: &Path, extra: &[&str]) -> (Child, String, Vec<(String, String)>) {
    let mut sandbox = Command::new(assert_cmd::cargo::cargo_bin("deployplan"))
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    for line in std::io::BufReader::new(sandbox.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let endpoint = banner
        .lines()
        .find(|l| l.trim_start().starts_with("nhn-deploy"))
        .and_then(|l| l.split("endpoint: ").nth(1))
        .unwrap_or_else(|| panic!("no endpoint in:\n{banner}"))
        .to_owned();
    let exports = banner
        .lines()
        .filter_map(|l| l.trim().strip_prefix("export "))
        .flat_map(|l| l.split(' '))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (sandbox, endpoint, exports)
}

/// Uploads a binary through the real client, so that the sandbox holds an upload file.
fn upload_a_binary(endpoint: &str, exports: Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.tar.gz"), vec![7u8; 64 * 1024]).unwrap();
    std::fs::write(
        dir.path().join("deployplan.yaml"),
        format!(
            "providers:\n  nhn:\n    type: nhn-deploy\n    endpoint: {endpoint}\nnhn-deploy:\n  binaries:\n    shop:\n      artifact: shop\n      binary_group: shop-server\n      version: \"9.9.9\"\n      file: shop.tar.gz\n      application_type: server\n"
        ),
    )
    .unwrap();
    let apply = assert_cmd::Command::cargo_bin("deployplan")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .envs(exports)
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
    let (mut sandbox, endpoint, exports) = start_sandbox(tmp.path(), &[]);
    upload_a_binary(&endpoint, exports);
    assert!(
        !entries(tmp.path()).is_empty(),
        "the upload is kept in the temp directory while the sandbox runs"
    );
    signal(&sandbox, "TERM");
    let status = sandbox.wait().unwrap();
    assert!(status.success(), "an orderly stop: {status}");
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

/// With `--state`, SIGTERM also gives the state file its last write.
#[cfg(unix)]
#[test]
fn sigterm_keeps_the_state_file() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state").join("sandbox.json");
    let (mut sandbox, endpoint, exports) =
        start_sandbox(tmp.path(), &["--state", state.to_str().unwrap()]);
    upload_a_binary(&endpoint, exports);
    signal(&sandbox, "TERM");
    assert!(sandbox.wait().unwrap().success());
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let binaries = document["nhn-deploy"]["binaries"].as_array().unwrap();
    assert!(
        binaries.iter().any(|b| b["version"] == "9.9.9"),
        "{document:#}"
    );
}

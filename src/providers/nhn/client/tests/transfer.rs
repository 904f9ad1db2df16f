//! Uploads and downloads: what travels, that it is streamed, and how failures end.

use super::*;

const UPLOAD_KEY: &str = "POST /artifacts/101/binary-group/5";
const DOWNLOAD_KEY: &str = "GET /artifacts/101/binary-group/5/binaries/77";

/// Bytes that are not all alike, so that a misplaced chunk would show.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

fn upload_of(file: &std::path::Path, version: &str) -> Upload {
    Upload {
        file: file.to_owned(),
        application_type: "server".into(),
        version: version.into(),
        description: Some("nightly build".into()),
        os_type: None,
        fix: None,
        meta_file: None,
    }
}

#[tokio::test]
async fn an_upload_delivers_the_fields_and_the_exact_bytes() {
    let (fake, base) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app-1.2.3.jar");
    let bytes = pattern(300_000);
    std::fs::write(&file, &bytes).unwrap();
    let result = client(&base)
        .upload_binary(101, 5, &upload_of(&file, "1.2.3"))
        .await
        .unwrap();
    assert_eq!(result.binary_key, "77");
    assert!(
        result.download_url.ends_with("/binary-group/5/binaries/77"),
        "{}",
        result.download_url
    );

    let received = fake.uploads.lock().unwrap()[0].clone();
    let fields = |k: &str| received.fields.get(k).map(String::as_str);
    assert_eq!(fields("applicationType"), Some("server"));
    assert_eq!(fields("version"), Some("1.2.3"));
    assert_eq!(fields("description"), Some("nightly build"));
    assert_eq!(fields("osType"), None);
    assert_eq!(received.file_name.as_deref(), Some("app-1.2.3.jar"));
    assert_eq!(
        received.file_content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(received.file_len, bytes.len() as u64);
    assert_eq!(received.file_sha256, sha2::Sha256::digest(&bytes).to_vec());
    let seen = &fake.seen()[0];
    assert!(
        seen.content_type
            .as_deref()
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert!(seen.token.is_some());
}

#[tokio::test]
async fn an_upload_refused_for_its_token_is_sent_again_from_a_reopened_file() {
    let (fake, base) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.jar");
    let bytes = pattern(100_000);
    std::fs::write(&file, &bytes).unwrap();
    let nhn = client(&base);
    nhn.list_artifacts().await.unwrap();
    fake.revoke_all();
    nhn.upload_binary(101, 5, &upload_of(&file, "2.0.0"))
        .await
        .unwrap();
    assert_eq!(fake.token_calls(), 2);
    let uploads = fake.uploads.lock().unwrap().clone();
    assert_eq!(uploads.len(), 1); // the refused attempt was not accepted
    assert_eq!(
        uploads[0].file_sha256,
        sha2::Sha256::digest(&bytes).to_vec()
    );
    assert_eq!(fake.paths(), ["GET /artifacts", UPLOAD_KEY, UPLOAD_KEY]);
}

#[tokio::test]
async fn upload_failures_are_classified() {
    let (fake, base) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.jar");
    std::fs::write(&file, b"jar").unwrap();
    let nhn = client(&base);

    fake.on(
        UPLOAD_KEY,
        [refused(200, "ALREADY_UPLOADED_VERSION", "already uploaded")],
    );
    let err = nhn
        .upload_binary(101, 5, &upload_of(&file, "1.0.0"))
        .await
        .unwrap_err();
    assert!(err.is_already_uploaded(), "{err:?}");
    assert!(err.to_string().starts_with("upload `"), "{err}");
    assert!(err.to_string().ends_with("as version `1.0.0` to binary group 5 of artifact 101: ALREADY_UPLOADED_VERSION (already uploaded)"), "{err}");

    fake.on(UPLOAD_KEY, [refused(502, "GENERAL_EXCEPTION", "gateway")]);
    let err = nhn
        .upload_binary(101, 5, &upload_of(&file, "1.0.1"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(fake.paths().len(), 2); // not repeated

    let missing = dir.path().join("missing.jar");
    let err = nhn
        .upload_binary(101, 5, &upload_of(&missing, "1.0.2"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, NhnError::Io { path, .. } if path.ends_with("missing.jar")),
        "{err:?}"
    );
    let err = nhn
        .upload_binary(101, 5, &upload_of(dir.path(), "1.0.2"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert_eq!(fake.paths().len(), 2); // nothing sent for unreadable files
}

/// `VmRSS` and `VmHWM` of this process, in bytes.
#[cfg(target_os = "linux")]
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or(0)
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_is_streamed_not_held_in_memory() {
    const SIZE: u64 = 300 * 1024 * 1024;
    const LIMIT: u64 = 100 * 1024 * 1024;
    let (fake, base) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::File::create(&path).unwrap().set_len(SIZE).unwrap(); // sparse: no disk, no memory
    // Reset the high-water mark where the kernel allows it; sample RSS meanwhile anyway.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (rss_before, _) = memory();
    let peak = Arc::new(AtomicU64::new(rss_before));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(memory().0, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    client(&base)
        .upload_binary(101, 5, &upload_of(&path, "big"))
        .await
        .unwrap();
    done.store(true, Ordering::SeqCst);
    sampler.await.unwrap();
    let (_, hwm_after) = memory();
    let received = fake.uploads.lock().unwrap()[0].clone();
    assert_eq!(received.file_len, SIZE);
    let sampled_growth = peak.load(Ordering::SeqCst).saturating_sub(rss_before);
    assert!(
        sampled_growth < LIMIT,
        "RSS grew by {} MiB",
        sampled_growth >> 20
    );
    if reset {
        let growth = hwm_after.saturating_sub(rss_before);
        assert!(growth < LIMIT, "peak RSS grew by {} MiB", growth >> 20);
    }
}

#[tokio::test]
async fn a_download_is_streamed_to_the_file() {
    let (fake, base) = start().await;
    let bytes = pattern(3 * 1024 * 1024 + 17);
    *fake.download.lock().unwrap() = bytes.clone();
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("app.jar");
    std::fs::write(&to, b"an older file").unwrap();
    let written = client(&base)
        .download_binary(101, 5, "77", &to)
        .await
        .unwrap();
    assert_eq!(written, bytes.len() as u64);
    assert!(std::fs::read(&to).unwrap() == bytes);
    assert!(!dir.path().join("app.jar.part").exists());
    assert_eq!(fake.paths(), [DOWNLOAD_KEY]);
}

#[tokio::test]
async fn a_download_that_breaks_off_starts_over() {
    let (fake, base) = start().await;
    let bytes = pattern(2 * 1024 * 1024);
    *fake.download.lock().unwrap() = bytes.clone();
    // A 503 first (retried before any byte), then a body cut off mid-way (started over).
    fake.on(
        DOWNLOAD_KEY,
        [
            refused(503, "GENERAL_EXCEPTION", "busy"),
            Canned {
                status: 200,
                content_type: "application/octet-stream",
                body: bytes.clone(),
                cut_after: Some(100_000),
            },
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("app.jar");
    let written = client(&base)
        .download_binary(101, 5, "77", &to)
        .await
        .unwrap();
    assert_eq!(written, bytes.len() as u64);
    assert!(std::fs::read(&to).unwrap() == bytes);
    assert_eq!(fake.paths(), [DOWNLOAD_KEY, DOWNLOAD_KEY, DOWNLOAD_KEY]);
    assert!(!dir.path().join("app.jar.part").exists());
}

#[tokio::test]
async fn a_download_refused_in_an_envelope_leaves_no_file() {
    let (fake, base) = start().await;
    let key = "GET /artifacts/101/binary-group/5/binaries/78";
    fake.on(
        key,
        [refused(200, "NOT_FOUND_BINARY_INFO", "binary not found")],
    );
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("app.jar");
    let err = client(&base)
        .download_binary(101, 5, "78", &to)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "download binary 78 of binary group 5 of artifact 101: NOT_FOUND_BINARY_INFO (binary not found)"
    );
    assert!(!to.exists() && !dir.path().join("app.jar.part").exists());
    // Into a directory that does not exist: a local error naming the file.
    let err = client(&base)
        .download_binary(101, 5, "77", &dir.path().join("no/such/app.jar"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, NhnError::Io { path, .. } if path.ends_with("app.jar.part")),
        "{err:?}"
    );
}

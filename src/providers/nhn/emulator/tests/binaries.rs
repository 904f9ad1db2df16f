//! Upload, download and the binary list.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::super::testkit::{self, FAST, Nhn, assert_error, server_form, success};

fn versions(body: &Value) -> Vec<String> {
    body["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|binary| binary["version"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn uploads_download_byte_for_byte_and_list_with_defaults() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let first: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let form = server_form("1.9.0", "shop-1.9.0.tar.gz", first.clone())
        .text("description", "first release")
        .text("osType", "Android")
        .text("fix", "true");
    let body = success(nhn.upload(101, 301, form).await);
    let download_url = nhn.api("/artifacts/101/binary-group/301/binaries/1001");
    assert_eq!(
        body,
        json!({ "downloadUrl": download_url, "binaryKey": "1001" })
    );
    assert_eq!(nhn.upload_server("1.10.0", b"second").await, 1002);
    assert_eq!(nhn.upload_server("2.0.0-rc1", b"third").await, 1003);

    let response = nhn
        .http
        .get(&download_url)
        .header("X-NHN-AUTHORIZATION", format!("Bearer {}", nhn.token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"shop-1.9.0.tar.gz\""
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), first.as_slice());
    let anonymous = nhn.http.get(&download_url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let (_, stored) = nhn.admin_get("/binaries").await;
    let stored = &stored["binaries"][0];
    assert_eq!(stored["size"], 50_000);
    assert_eq!(stored["sha256"], crate::digest::sha256_hex(&first));
    assert_eq!(stored["binaryGroup"], "shop-server");
    assert_eq!(stored["osType"], Value::Null, "osType is client-only");
    assert_eq!(stored["fix"], Value::Null, "fix is client-only");

    let list = "/artifacts/101/binary-groups/301/binaries";
    let body = success(nhn.get(list).await);
    assert_eq!(body["totalCount"], 3);
    assert_eq!(versions(&body), ["2.0.0-rc1", "1.10.0", "1.9.0"]);
    let row = &body["binaries"][2];
    assert_eq!(row["binaryKey"], 1001, "a number in the list");
    assert_eq!(row["binaryName"], "shop-1.9.0.tar.gz");
    assert_eq!(row["binarySize"], 50_000);
    assert_eq!(row["uploader"], "sandbox-demo@example.com");
    assert_eq!(row["description"], "first release");
    assert!(
        row["uploadDate"].as_str().unwrap().ends_with("+09:00"),
        "{row}"
    );

    let sorted = |query: &str| format!("{list}?{query}");
    let body = success(nhn.get(&sorted("sortKey=VERSION&sortDirection=ASC")).await);
    assert_eq!(versions(&body), ["1.9.0", "1.10.0", "2.0.0-rc1"]);
    let body = success(
        nhn.get(&sorted("sortKey=BINARY_KEY&sortDirection=DESC"))
            .await,
    );
    assert_eq!(versions(&body), ["2.0.0-rc1", "1.10.0", "1.9.0"]);
    let body = success(nhn.get(&sorted("keyword=1.")).await);
    assert_eq!(
        (versions(&body), &body["totalCount"]),
        (vec!["1.10.0".to_owned(), "1.9.0".to_owned()], &json!(2))
    );
    let body = success(nhn.get(&sorted("keyword=RC")).await);
    assert_eq!(versions(&body), ["2.0.0-rc1"]);
    let body = success(nhn.get(&sorted("pageSize=2&pageNum=2")).await);
    assert_eq!(
        (versions(&body), &body["totalCount"]),
        (vec!["1.9.0".to_owned()], &json!(3))
    );
    let body = success(nhn.get(&sorted("pageNum=9")).await);
    assert_eq!(body["binaries"], json!([]));

    for (query, message) in [
        ("sortKey=NAME", "sortKey"),
        ("sortDirection=asc", "sortDirection"),
        ("pageNum=0", "pageNum"),
        ("pageSize=x", "pageSize"),
    ] {
        assert_error(&nhn.get(&sorted(query)).await, 400, "BAD_REQUEST", message);
    }
    assert_error(
        &nhn.get("/artifacts/101/binary-group/301/binaries/999")
            .await,
        404,
        "NOT_FOUND_BINARY_INFO",
        "binary 999",
    );
    // The key exists, but not in this group.
    assert_error(
        &nhn.get("/artifacts/102/binary-group/302/binaries/1001")
            .await,
        404,
        "NOT_FOUND_BINARY_INFO",
        "binary 1001",
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_same_version_twice_is_already_uploaded_and_leaves_nothing_behind() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    nhn.upload_server("1.0.0", b"one").await;
    // Version before the file (a large one): refused cleanly, nothing written.
    let big = server_form("1.0.0", "x.tar.gz", vec![1; 3 * 1024 * 1024]);
    let again = nhn.upload(101, 301, big).await;
    assert_error(&again, 409, "ALREADY_UPLOADED_VERSION", "1.0.0");
    // File part before the version: detected after streaming.
    let form = Form::new()
        .part(
            "binaryFile",
            Part::bytes(b"two".to_vec())
                .file_name("x.tar.gz")
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .text("version", "1.0.0")
        .text("applicationType", "server");
    assert_error(
        &nhn.upload(101, 301, form).await,
        409,
        "ALREADY_UPLOADED_VERSION",
        "1.0.0",
    );

    let (_, stored) = nhn.admin_get("/binaries").await;
    assert_eq!(stored["binaries"].as_array().unwrap().len(), 1);
    let file = stored["binaries"][0]["file"].as_str().unwrap().to_owned();
    let dir = std::path::Path::new(&file).parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["1001.bin"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn server_upload_rules() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let file = || {
        Part::bytes(b"bytes".to_vec())
            .file_name("a.jar")
            .mime_str("application/octet-stream")
            .unwrap()
    };
    let cases: Vec<(Form, &str)> = vec![
        (
            Form::new().part("binaryFile", file()),
            "applicationType is required",
        ),
        (
            Form::new()
                .text("applicationType", "Server")
                .part("binaryFile", file()),
            "client or server",
        ),
        (
            Form::new()
                .text("applicationType", "client")
                .part("binaryFile", file()),
            "does not match artifact shop",
        ),
        (
            Form::new().text("applicationType", "server"),
            "binaryFile is required",
        ),
        (
            Form::new()
                .text("applicationType", "server")
                .text("binaryFile", "inline"),
            "file part",
        ),
        (
            Form::new().text("applicationType", "server").part(
                "binaryFile",
                Part::bytes(Vec::new())
                    .file_name("a.jar")
                    .mime_str("application/octet-stream")
                    .unwrap(),
            ),
            "empty",
        ),
        (
            server_form(&"9".repeat(101), "a.jar", b"x".to_vec()),
            "at most 100",
        ),
    ];
    for (form, message) in cases {
        assert_error(
            &nhn.upload(101, 301, form).await,
            400,
            "BAD_REQUEST",
            message,
        );
    }
    let json_body = nhn
        .post_json(
            "/artifacts/101/binary-group/301",
            json!({ "applicationType": "server" }),
        )
        .await;
    assert_error(&json_body, 400, "BAD_REQUEST", "multipart/form-data");
    assert_error(
        &nhn.upload(101, 399, server_form("1", "a.jar", b"x".to_vec()))
            .await,
        404,
        "NOT_FOUND_BINARY_GROUP",
        "399",
    );
    assert_error(
        &nhn.upload(100, 301, server_form("1", "a.jar", b"x".to_vec()))
            .await,
        404,
        "NOT_FOUND_ARTIFACT_INFO",
        "100",
    );

    // No version: the upload instant in epoch ms. 100 characters exactly is fine.
    let before = jiff::Timestamp::now().as_millisecond();
    let form = Form::new()
        .text("applicationType", "server")
        .part("binaryFile", file());
    success(nhn.upload(101, 301, form).await);
    nhn.upload_server(&"9".repeat(100), b"x").await;
    let body = success(
        nhn.get("/artifacts/101/binary-groups/301/binaries?sortKey=BINARY_KEY&sortDirection=ASC")
            .await,
    );
    let stamp: i64 = body["binaries"][0]["version"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(stamp >= before && stamp - before < 60_000, "{stamp}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn client_upload_rules() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let client = |version: &str, os: &str, name: &str| {
        Form::new()
            .text("applicationType", "client")
            .text("version", version.to_owned())
            .text("osType", os.to_owned())
            .part(
                "binaryFile",
                Part::bytes(b"app".to_vec())
                    .file_name(name.to_owned())
                    .mime_str("application/octet-stream")
                    .unwrap(),
            )
    };
    success(
        nhn.upload(
            102,
            302,
            client("1.0.0", "Android", "shop.apk").text("fix", "false"),
        )
        .await,
    );
    // The same version in another binary group is fine.
    let ios = client("1.0.0", "ios", "shop.ipa").part(
        "metaFile",
        Part::bytes(b"<plist/>".to_vec())
            .file_name("manifest.plist")
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    success(nhn.upload(102, 303, ios).await);
    let (_, stored) = nhn.admin_get("/binaries").await;
    assert_eq!(stored["binaries"][0]["osType"], "Android");
    assert_eq!(stored["binaries"][0]["fix"], false);
    assert_eq!(stored["binaries"][1]["osType"], "iOS");
    assert_eq!(stored["binaries"][1]["metaFileName"], "manifest.plist");

    assert_error(
        &nhn.upload(102, 302, client("2", "Windows", "shop.exe"))
            .await,
        400,
        "NOT_FOUND_OS",
        "Windows",
    );
    assert_error(
        &nhn.upload(102, 302, client("2", "Android", "shop.ipa"))
            .await,
        400,
        "INVALID_FILE_EXTENSION",
        ".apk",
    );
    let bad_meta = client("2", "iOS", "shop.ipa").part(
        "metaFile",
        Part::bytes(b"x".to_vec())
            .file_name("manifest.txt")
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    assert_error(
        &nhn.upload(102, 303, bad_meta).await,
        400,
        "INVALID_FILE_EXTENSION",
        ".plist",
    );
    assert_error(
        &nhn.upload(
            102,
            302,
            client("2", "etc", "notes.zip").text("fix", "maybe"),
        )
        .await,
        400,
        "BAD_REQUEST",
        "fix must be true or false",
    );
    success(nhn.upload(102, 302, client("3", "etc", "notes.zip")).await);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let (status, _) = nhn
        .admin_put("/max-upload-size", json!({ "bytes": 1000 }))
        .await;
    assert_eq!(status, 200);
    let over = server_form("big", "big.tar.gz", vec![7; 1001]);
    assert_error(
        &nhn.upload(101, 301, over).await,
        413,
        "FILE_SIZE_CAPACITY_EXCEEDED",
        "1000 bytes",
    );
    nhn.upload_server("fits", &[7; 1000]).await;
    let (_, stored) = nhn.admin_get("/binaries").await;
    assert_eq!(stored["binaries"].as_array().unwrap().len(), 1);
    sandbox.shutdown().await;
}

/// File parts are labelled `application/octet-stream`, as the guide's sample sends them;
/// an unlabelled or otherwise labelled part is refused and nothing is stored.
#[tokio::test]
async fn file_parts_must_be_octet_streams() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    for label in [None, Some("text/plain"), Some("application/json")] {
        let mut part = Part::bytes(b"bytes".to_vec()).file_name("a.jar");
        if let Some(label) = label {
            part = part.mime_str(label).unwrap();
        }
        let form = Form::new()
            .text("applicationType", "server")
            .text("version", "9.9.9")
            .part("binaryFile", part);
        let (status, body) = nhn.upload(101, 301, form).await;
        assert_eq!(status, 400, "{label:?}: {body}");
        assert!(
            body.to_string().contains("application/octet-stream"),
            "{body}"
        );
    }
    let labelled = Form::new()
        .text("applicationType", "server")
        .text("version", "9.9.9")
        .part(
            "binaryFile",
            Part::bytes(b"bytes".to_vec())
                .file_name("a.jar")
                .mime_str("application/octet-stream; charset=binary")
                .unwrap(),
        );
    success(nhn.upload(101, 301, labelled).await);
    let (_, stored) = nhn.admin_get("/binaries").await;
    assert_eq!(stored["binaries"].as_array().unwrap().len(), 1);
    sandbox.shutdown().await;
}

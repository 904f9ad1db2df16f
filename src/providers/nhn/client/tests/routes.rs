//! The fake's request handlers: the token endpoint, the multipart upload, and everything
//! else (lists with paging and filters, the download, scripted answers).

use super::*;

pub(super) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    header(headers, "x-nhn-authorization")?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

/// A reader that yields `data`, then fails: a body cut off mid-way.
struct Cut(std::io::Cursor<Vec<u8>>);

impl tokio::io::AsyncRead for Cut {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.0.position() < self.0.get_ref().len() as u64 {
            return std::pin::Pin::new(&mut self.0).poll_read(cx, buf);
        }
        std::task::Poll::Ready(Err(std::io::Error::other("cut off")))
    }
}

pub(super) fn respond(answer: Canned) -> Response {
    let response = Response::builder()
        .status(answer.status)
        .header("content-type", answer.content_type);
    match answer.cut_after {
        None => response.body(answer.body.into()).unwrap(),
        Some(n) => {
            let full = answer.body.len();
            let head = answer.body[..n.min(full)].to_vec();
            let stream = tokio_util::io::ReaderStream::new(Cut(std::io::Cursor::new(head)));
            response
                .header("content-length", full)
                .body(Body::from_stream(stream))
                .unwrap()
        }
    }
}

fn unauthorized() -> Response {
    respond(refused(401, "UNAUTHORIZED", "invalid or expired token"))
}

pub(super) async fn token(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    fake.token_calls.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(30)).await;
    if let Some(answer) = fake.scripted("POST /oauth2/token/create") {
        return respond(answer);
    }
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"));
    let form = header(&headers, "content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if header(&headers, "authorization") != Some(format!("Basic {basic}"))
        || body != "grant_type=client_credentials"
        || !form
    {
        return respond(canned(
            401,
            json!({"error": "invalid_client", "error_description": "Bad client credentials"}),
        ));
    }
    let life = match fake.expires_in.load(Ordering::SeqCst) {
        0 => 3600,
        n => n,
    };
    let mut issued = fake.issued.lock().unwrap();
    let token = format!("token-{}-{}", issued.len() + 1, "x".repeat(16));
    issued.push((token.clone(), Instant::now(), life));
    respond(canned(
        200,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": life}),
    ))
}

pub(super) async fn upload(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    // The whole body is read before answering, as a real server would.
    let mut received = Received::default();
    while let Ok(Some(mut field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "binaryFile" {
            received.file_name = field.file_name().map(str::to_owned);
            received.file_content_type = field.content_type().map(str::to_owned);
            let mut hasher = sha2::Sha256::new();
            while let Ok(Some(chunk)) = field.chunk().await {
                received.file_len += chunk.len() as u64;
                hasher.update(&chunk);
            }
            received.file_sha256 = hasher.finalize().to_vec();
        } else {
            received
                .fields
                .insert(name, field.text().await.unwrap_or_default());
        }
    }
    let key = fake.record(&method, &uri, &headers, String::new());
    if !fake.authorized(&headers) {
        return unauthorized();
    }
    fake.uploads.lock().unwrap().push(received.clone());
    if let Some(answer) = fake.scripted(&key) {
        return respond(answer);
    }
    respond(ok(
        json!({"downloadUrl": format!("http://x{API}{}/binaries/77", key.trim_start_matches("POST ")),
                      "binaryKey": 77}),
    ))
}

pub(super) async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = fake.record(
        &method,
        &uri,
        &headers,
        String::from_utf8_lossy(&body).into_owned(),
    );
    if !fake.authorized(&headers) {
        return unauthorized();
    }
    if let Some(answer) = fake.scripted(&key) {
        return respond(answer);
    }
    let seen = fake.seen().pop().unwrap();
    let q = |name: &str| seen.query.get(name).cloned().unwrap_or_default();
    let page = |items: Vec<Value>| {
        let number = |name: &str, default: usize| q(name).parse().unwrap_or(default);
        let cap = match fake.page_cap.load(Ordering::SeqCst) {
            0 => usize::MAX,
            n => n,
        };
        let size = number("pageSize", 20).min(cap);
        let total = items.len();
        let page: Vec<Value> = items
            .into_iter()
            .skip((number("pageNum", 1) - 1) * size)
            .take(size)
            .collect();
        (total, page)
    };
    let segments: Vec<&str> = seen.path.split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["", "artifacts"]) => {
            let filter = q("artifactName");
            let list: Vec<Value> = fake
                .artifacts
                .lock()
                .unwrap()
                .iter()
                .filter(|a| a["name"].as_str().unwrap().contains(&filter))
                .cloned()
                .collect();
            respond(ok(json!({"artifacts": list})))
        }
        ("GET", ["", "artifacts", _, "binary-groups", _, "binaries"]) => {
            let keyword = q("keyword");
            let list: Vec<Value> = fake
                .binaries
                .lock()
                .unwrap()
                .iter()
                .filter(|b| b["version"].as_str().unwrap().contains(&keyword))
                .cloned()
                .collect();
            let (total, items) = page(list);
            respond(ok(json!({"totalCount": total, "binaries": items})))
        }
        ("GET", ["", "artifacts", _, "deploy-histories"]) => {
            let (from, to) = (q("deploymentYearFrom"), q("deploymentYearTo"));
            let list: Vec<Value> = fake
                .histories
                .lock()
                .unwrap()
                .iter()
                .filter(|h| {
                    let date = &h["executeDate"].as_str().unwrap()[..10];
                    date >= from.as_str()
                        && date <= to.as_str()
                        && h["serverGroupId"].as_i64() == q("serverGroupId").parse().ok()
                })
                .cloned()
                .collect();
            let (total, items) = page(list);
            respond(ok(json!({"totalCount": total, "deployHistories": items})))
        }
        ("GET", ["", "artifacts", _, "binary-group", _, "binaries", "77"]) => respond(Canned {
            status: 200,
            content_type: "application/octet-stream",
            body: fake.download.lock().unwrap().clone(),
            cut_after: None,
        }),
        _ => respond(refused(
            200,
            "NOT_FOUND_ARTIFACT_INFO",
            "artifact not found",
        )),
    }
}

//! Binary upload and download, streamed to and from disk.
//!
//! Binaries can be gigabytes, and a deploy tool that reads one into memory is one large
//! artifact away from being killed. The upload therefore sends the file as a multipart part
//! of known length fed by a file reader, opened afresh for every attempt (a request body can
//! be sent once only); the download writes the response body chunk by chunk to a
//! `<name>.part` file next to the target and renames it into place only when complete, so
//! a broken transfer never leaves a truncated binary under the final name.
//!
//! An upload is not blindly repeated (`Retry::OnlyIfNotProcessed`): if its outcome is
//! unknown, the caller looks the version up ([`NhnClient::find_binary`]); a repeat that
//! meets `ALREADY_UPLOADED_VERSION` tells the same story.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::multipart::{Form, Part};
use serde::de::IgnoredAny;
use tokio::io::AsyncWriteExt as _;
use tokio_util::io::ReaderStream;

use super::endpoints::artifact;
use super::{NhnClient, NhnError, envelope};
use crate::providers::common::percent::path_segment;
use crate::providers::http::{HttpError, Retry, StreamingResponse};
use crate::providers::nhn::wire::{Envelope, UploadResult};
use crate::redact::redact;

/// Bytes read from disk at a time while uploading.
const READ_CHUNK: usize = 64 * 1024;

/// A binary to upload to a binary group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The binary file (`binaryFile`); streamed, never read into memory.
    pub file: PathBuf,
    /// `client` or `server`: the artifact's application type.
    pub application_type: String,
    /// The version to register (at most 100 characters); the server uses a timestamp when
    /// it is empty.
    pub version: String,
    /// A free-text description.
    pub description: Option<String>,
    /// `iOS`, `Android` or `etc`, for client binaries.
    pub os_type: Option<String>,
    /// The "fix" flag of client binaries.
    pub fix: Option<bool>,
    /// The plist file of an iOS binary (`metaFile`).
    pub meta_file: Option<PathBuf>,
}

fn io_error(path: &Path, what: &str, error: impl std::fmt::Display) -> NhnError {
    NhnError::Io {
        path: redact(&path.display().to_string()).into_owned(),
        message: redact(&format!("{what}: {error}")).into_owned(),
    }
}

/// A file part of known length, read from disk as it is sent.
fn file_part(path: &Path) -> Result<Part, NhnError> {
    let file = std::fs::File::open(path)
        .map_err(|e| io_error(path, "cannot open the file to upload", e))?;
    let length = file
        .metadata()
        .map_err(|e| io_error(path, "cannot read the file's size", e))?
        .len();
    let stream = ReaderStream::with_capacity(tokio::fs::File::from_std(file), READ_CHUNK);
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "binary".to_owned());
    // Labelled as the guide's `curl -F` sample sends it; without a label the part has no
    // Content-Type, which a strict server refuses.
    Part::stream_with_length(reqwest::Body::wrap_stream(stream), length)
        .file_name(name)
        .mime_str("application/octet-stream")
        .map_err(|e| io_error(path, "cannot label the file part", e))
}

/// The multipart form of an upload, with freshly opened files.
fn form(upload: &Upload) -> Result<Form, NhnError> {
    let mut form = Form::new().text("applicationType", upload.application_type.clone());
    if !upload.version.is_empty() {
        form = form.text("version", upload.version.clone());
    }
    if let Some(description) = &upload.description {
        form = form.text("description", description.clone());
    }
    if let Some(os_type) = &upload.os_type {
        form = form.text("osType", os_type.clone());
    }
    if let Some(fix) = upload.fix {
        form = form.text("fix", fix.to_string());
    }
    form = form.part("binaryFile", file_part(&upload.file)?);
    if let Some(meta) = &upload.meta_file {
        form = form.part("metaFile", file_part(meta)?);
    }
    Ok(form)
}

/// Fails early, before any request, on a file that cannot be uploaded.
async fn check_file(path: &Path) -> Result<(), NhnError> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|e| io_error(path, "cannot read the file to upload", e))?;
    if metadata.is_file() {
        Ok(())
    } else {
        Err(io_error(path, "cannot upload", "not a regular file"))
    }
}

/// Why writing a downloaded body stopped.
enum WriteError {
    /// The body broke off: worth another attempt.
    Body(HttpError),
    /// The local file failed.
    Local(NhnError),
}

/// Streams the body of `response` into a new file at `path`; returns the bytes written.
async fn write_body(mut response: StreamingResponse<'_>, path: &Path) -> Result<u64, WriteError> {
    let local = |what: &str, e: std::io::Error| WriteError::Local(io_error(path, what, e));
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| local("cannot create the download file", e))?;
    let mut written = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(WriteError::Body)? {
        let chunk = chunk.as_ref();
        file.write_all(chunk)
            .await
            .map_err(|e| local("cannot write the download file", e))?;
        written += chunk.len() as u64;
    }
    file.flush()
        .await
        .map_err(|e| local("cannot write the download file", e))?;
    Ok(written)
}

impl NhnClient {
    /// Uploads a binary to a binary group (multipart, streamed from disk). A version the
    /// group already holds is an error with [`NhnError::is_already_uploaded`].
    pub async fn upload_binary(
        &self,
        artifact_id: i64,
        binary_group_key: i64,
        upload: &Upload,
    ) -> Result<UploadResult, NhnError> {
        let call = redact(&format!(
            "upload `{}` as version `{}` to binary group {binary_group_key} of artifact {artifact_id}",
            upload.file.display(),
            upload.version
        ))
        .into_owned();
        check_file(&upload.file).await?;
        if let Some(meta) = &upload.meta_file {
            check_file(meta).await?;
        }
        let url = self.url(
            &format!("{}/binary-group/{binary_group_key}", artifact(artifact_id)),
            &[],
        )?;
        // A file that cannot be opened for an attempt makes the request unbuildable (an
        // empty URL), so nothing is sent; the reason is kept here.
        let unreadable: Mutex<Option<NhnError>> = Mutex::new(None);
        let response = self
            .send(Retry::OnlyIfNotProcessed, true, |client| {
                match form(upload) {
                    Ok(form) => client
                        .post(url.clone())
                        .header(ACCEPT, "application/json")
                        .multipart(form),
                    Err(error) => {
                        *unreadable.lock().unwrap_or_else(|p| p.into_inner()) = Some(error);
                        client.post("")
                    }
                }
            })
            .await;
        if let Some(error) = unreadable.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(error);
        }
        envelope::decode(&call, &response?)
    }

    /// Downloads a binary to the file `to` (replaced if it exists), streaming it to disk;
    /// returns the bytes written. A transfer that breaks off is started over, as often as
    /// the HTTP client retries.
    pub async fn download_binary(
        &self,
        artifact_id: i64,
        binary_group_key: i64,
        binary_key: &str,
        to: &Path,
    ) -> Result<u64, NhnError> {
        let call = redact(&format!(
            "download binary {binary_key} of binary group {binary_group_key} of artifact {artifact_id}"
        ))
        .into_owned();
        let key = path_segment(binary_key).ok_or_else(|| {
            NhnError::Http(HttpError::InvalidRequest {
                cause: format!("`{binary_key}` cannot be a binary key"),
            })
        })?;
        let path = format!(
            "{}/binary-group/{binary_group_key}/binaries/{key}",
            artifact(artifact_id),
        );
        let url = self.url(&path, &[])?;
        let Some(name) = to.file_name() else {
            return Err(io_error(to, "cannot download", "not a file path"));
        };
        let partial = to.with_file_name(format!("{}.part", name.to_string_lossy()));
        let attempts = self.inner.http.config().retry.max_attempts.max(1);
        for attempt in 1..=attempts {
            let response = self
                .send_streaming(Retry::Safe, |client| client.get(url.clone()))
                .await?;
            let json = response
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim_start().starts_with("application/json"));
            if !response.is_success() || json {
                let response = response.into_response().await?;
                return match serde_json::from_slice::<Envelope<IgnoredAny>>(&response.body) {
                    Ok(envelope) if response.is_success() && envelope.header.is_successful => {
                        Err(NhnError::Decode {
                            call,
                            reason: "a JSON envelope instead of the binary".to_owned(),
                        })
                    }
                    Ok(envelope) => Err(envelope::refusal(&call, &response, Some(envelope.header))),
                    Err(_) if !response.is_success() => {
                        Err(envelope::refusal(&call, &response, None))
                    }
                    // A binary that happens to be JSON.
                    Err(_) => {
                        tokio::fs::write(&partial, &response.body)
                            .await
                            .map_err(|e| io_error(&partial, "cannot write the download file", e))?;
                        self.finish_download(&partial, to).await?;
                        Ok(response.body.len() as u64)
                    }
                };
            }
            match write_body(response, &partial).await {
                Ok(written) => {
                    self.finish_download(&partial, to).await?;
                    return Ok(written);
                }
                Err(WriteError::Body(error)) => {
                    let _ = tokio::fs::remove_file(&partial).await;
                    if attempt == attempts {
                        return Err(error.into());
                    }
                    tracing::debug!(%call, attempt, %error, "download broke off; starting over");
                }
                Err(WriteError::Local(error)) => {
                    let _ = tokio::fs::remove_file(&partial).await;
                    return Err(error);
                }
            }
        }
        Err(io_error(to, "cannot download", "no attempt was made"))
    }

    /// Moves a complete download into place.
    async fn finish_download(&self, partial: &Path, to: &Path) -> Result<(), NhnError> {
        if let Err(e) = tokio::fs::rename(partial, to).await {
            let _ = tokio::fs::remove_file(partial).await;
            return Err(io_error(to, "cannot move the download into place", e));
        }
        Ok(())
    }
}

//! Binary upload: `POST …/artifacts/{artifactId}/binary-group/{binaryGroupKey}` with a
//! `multipart/form-data` body.
//!
//! The file part is streamed to disk while being hashed (`blobs.rs`); text parts are capped
//! at 64 KiB, a `metaFile` is read through and only its name kept, unknown parts are read
//! through and ignored. Rules, in the order they are checked once the body is read:
//!
//! - `applicationType` is required, exactly `client` or `server`, and must be the artifact's
//!   own type (`BAD_REQUEST`).
//! - `binaryFile` is required, must be a file part (with a file name) labelled
//!   `application/octet-stream` as the guide's `curl -F` sample sends it, and not empty
//!   (`BAD_REQUEST`; a `metaFile` must be labelled the same way); over the upload limit (admin `PUT /max-upload-size`, default 2 GiB) it
//!   is `FILE_SIZE_CAPACITY_EXCEEDED` as soon as the limit is crossed.
//! - `version` is at most 100 characters; when absent or empty it is the upload instant in
//!   epoch milliseconds (the guide's "timestamp"). The same version twice in one binary group
//!   is `ALREADY_UPLOADED_VERSION`; when `version` comes before the file, the file is read
//!   through without being written.
//! - Client artifacts only (ignored for server ones): `osType` is `iOS`, `Android` or `etc`
//!   (any case; default `etc`), else `NOT_FOUND_OS`; an Android file must be `.apk`/`.aab`,
//!   an iOS one `.ipa`, an iOS `metaFile` `.plist`, else `INVALID_FILE_EXTENSION`; `fix` is
//!   `true`/`false`.
//!
//! The answer's `downloadUrl` is absolute, on the host the client called, and `binaryKey` is
//! a string as in the guide's sample.

use std::sync::Arc;

use axum::Extension;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, Uri};

use super::artifacts;
use super::auth::Caller;
use super::blobs::{BlobWriter, Written};
use super::error::{ApiError, ApiResult, ok};
use super::request::{self, Params};
use super::state::StoredBinary;
use super::{NhnEmulator, PROVIDER_TYPE, seed};
use crate::providers::common::emulator::now_ms;
use crate::providers::nhn::wire::UploadResult;

const MAX_TEXT_BYTES: usize = 64 * 1024;
const MAX_VERSION_CHARS: usize = 100;

/// What the form said, before validation.
#[derive(Default)]
struct Form {
    application_type: Option<String>,
    version: Option<String>,
    description: Option<String>,
    os_type: Option<String>,
    fix: Option<String>,
    meta_file_name: Option<String>,
    file: Option<(String, BlobWriter, Written)>,
    /// A version found taken before the file part, which was then not stored.
    duplicate: Option<String>,
}

/// `POST …/artifacts/{artifactId}/binary-group/{binaryGroupKey}`
pub(super) async fn upload(
    State(emulator): State<Arc<NhnEmulator>>,
    caller: Option<Extension<Caller>>,
    params: Params,
    headers: HeaderMap,
    uri: Uri,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<UploadResult> {
    let (artifact, group) = artifacts::binary_group(&params)?;
    let mut multipart = multipart.map_err(|rejection| {
        ApiError::bad_request(format!(
            "expected a multipart/form-data body: {}",
            rejection.body_text()
        ))
    })?;
    let limit = emulator.with_state(|state| state.max_upload_bytes);
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "binaryFile" => {
                let file_name = field
                    .file_name()
                    .map(str::to_owned)
                    .filter(|name| !name.is_empty())
                    .ok_or_else(|| {
                        ApiError::bad_request("binaryFile must be a file part with a file name")
                    })?;
                octet_stream(&field, &name)?;
                if form.file.is_some() {
                    return Err(ApiError::bad_request("only one binaryFile per upload"));
                }
                if let Some(version) = form.version.as_deref().filter(|v| !v.is_empty())
                    && emulator.version_taken(artifact.id, group.key, version)
                {
                    // Read the body through (not to disk), so the client gets the answer
                    // rather than a connection closed under its upload.
                    drain(&mut field, limit).await?;
                    form.duplicate = Some(version.to_owned());
                    continue;
                }
                let (writer, written) = stream_file(&emulator, &mut field, limit).await?;
                form.file = Some((file_name, writer, written));
            }
            "metaFile" => {
                octet_stream(&field, &name)?;
                form.meta_file_name = field.file_name().map(str::to_owned);
                drain(&mut field, limit).await?;
            }
            "applicationType" => form.application_type = Some(text(&mut field, &name).await?),
            "version" => form.version = Some(text(&mut field, &name).await?),
            "description" => form.description = Some(text(&mut field, &name).await?),
            "osType" => form.os_type = Some(text(&mut field, &name).await?),
            "fix" => form.fix = Some(text(&mut field, &name).await?),
            _ => drain(&mut field, limit).await?,
        }
    }
    if let Some(version) = form.duplicate {
        return Err(ApiError::already_uploaded(&version, group.key));
    }
    let binary = validate(&mut form, artifact, caller)?;
    let Some((name, writer, written)) = form.file else {
        return Err(ApiError::bad_request("binaryFile is required"));
    };
    let binary = StoredBinary {
        binary_group_key: group.key,
        name,
        size: written.size,
        sha256: written.sha256,
        ..binary
    };
    let key = emulator.with_state(|state| {
        if state
            .binaries_in(artifact.id, group.key)
            .iter()
            .any(|stored| stored.version == binary.version)
        {
            return Err(ApiError::already_uploaded(&binary.version, group.key));
        }
        let key = state.next_binary_key;
        writer.keep(&emulator.blobs.path(key)).map_err(|err| {
            ApiError::general(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("could not store the binary: {err}"),
            )
        })?;
        state.next_binary_key += 1;
        state.binaries.push(StoredBinary { key, ..binary }.into());
        Ok(key)
    })?;
    let download_url = format!(
        "{}/{PROVIDER_TYPE}/api/v2.1/projects/{}/artifacts/{}/binary-group/{}/binaries/{key}",
        request::origin(&headers, &uri),
        seed::APP_KEY,
        artifact.id,
        group.key
    );
    ok(UploadResult {
        download_url,
        binary_key: key.to_string(),
    })
}

/// Checks the text parts; the binary's metadata without its group, file name, size and hash.
fn validate(
    form: &mut Form,
    artifact: &seed::Artifact,
    caller: Option<Extension<Caller>>,
) -> Result<StoredBinary, ApiError> {
    let application_type = form
        .application_type
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("applicationType is required (client or server)"))?;
    if !matches!(application_type, "client" | "server") {
        return Err(ApiError::bad_request(format!(
            "applicationType must be client or server, got {application_type:?}"
        )));
    }
    if application_type != artifact.application_type {
        return Err(ApiError::bad_request(format!(
            "applicationType {application_type} does not match artifact {} ({})",
            artifact.name, artifact.application_type
        )));
    }
    let Some((file_name, _, written)) = form.file.as_ref() else {
        return Err(ApiError::bad_request("binaryFile is required"));
    };
    if written.size == 0 {
        return Err(ApiError::bad_request("binaryFile is empty"));
    }
    let now = now_ms();
    let version = match form.version.take().filter(|version| !version.is_empty()) {
        Some(version) if version.chars().count() > MAX_VERSION_CHARS => {
            return Err(ApiError::bad_request(format!(
                "version must be at most {MAX_VERSION_CHARS} characters"
            )));
        }
        Some(version) => version,
        None => now.to_string(),
    };
    let (os_type, fix) = if artifact.application_type == "client" {
        let os = client_os(form.os_type.as_deref())?;
        check_extension(os, file_name, form.meta_file_name.as_deref())?;
        let fix = match form.fix.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "fix must be true or false, got {other:?}"
                )));
            }
        };
        (Some(os.to_owned()), fix)
    } else {
        (None, None)
    };
    Ok(StoredBinary {
        key: 0,
        artifact_id: artifact.id,
        binary_group_key: 0,
        version,
        name: String::new(),
        size: 0,
        sha256: String::new(),
        upload_date: now,
        uploader: caller.map_or_else(
            || seed::DEMO_USER.to_owned(),
            |Extension(Caller(user))| user,
        ),
        description: form.description.take().filter(|text| !text.is_empty()),
        meta_file_name: if os_type.as_deref() == Some("iOS") {
            form.meta_file_name.take()
        } else {
            None
        },
        os_type,
        fix,
    })
}

/// The canonical spelling of a client `osType`.
fn client_os(os_type: Option<&str>) -> Result<&'static str, ApiError> {
    match os_type.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("etc") => Ok("etc"),
        Some("ios") => Ok("iOS"),
        Some("android") => Ok("Android"),
        Some(_) => Err(ApiError::os_not_found(os_type.unwrap_or_default())),
    }
}

fn check_extension(os: &str, file_name: &str, meta_file: Option<&str>) -> Result<(), ApiError> {
    let has = |name: &str, extensions: &[&str]| {
        let lower = name.to_ascii_lowercase();
        extensions
            .iter()
            .any(|extension| lower.ends_with(extension))
    };
    let allowed: &[&str] = match os {
        "Android" => &[".apk", ".aab"],
        "iOS" => &[".ipa"],
        _ => return Ok(()),
    };
    if !has(file_name, allowed) {
        return Err(ApiError::invalid_extension(format!(
            "an {os} binary must end in {}, got {file_name:?}",
            allowed.join(" or ")
        )));
    }
    if os == "iOS"
        && let Some(meta) = meta_file
        && !has(meta, &[".plist"])
    {
        return Err(ApiError::invalid_extension(format!(
            "the iOS metaFile must be a .plist, got {meta:?}"
        )));
    }
    Ok(())
}

/// Streams the file part into a part file, refusing it once it crosses `limit`.
async fn stream_file(
    emulator: &NhnEmulator,
    field: &mut Field<'_>,
    limit: u64,
) -> Result<(BlobWriter, Written), ApiError> {
    let io_error = |err: std::io::Error| {
        ApiError::general(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not write the upload: {err}"),
        )
    };
    let mut writer = emulator.blobs.begin().await.map_err(io_error)?;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if writer.size() + chunk.len() as u64 > limit {
            return Err(ApiError::too_large(limit));
        }
        writer.write(&chunk).await.map_err(io_error)?;
    }
    let written = writer.finish().await.map_err(io_error)?;
    Ok((writer, written))
}

/// File parts are `application/octet-stream` (parameters allowed), as the guide sends them.
fn octet_stream(field: &Field<'_>, name: &str) -> Result<(), ApiError> {
    let labelled = field.content_type().is_some_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/octet-stream"))
    });
    if labelled {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{name} must be sent with Content-Type: application/octet-stream, got {}",
            field.content_type().unwrap_or("none")
        )))
    }
}

/// Reads a part through without keeping it.
async fn drain(field: &mut Field<'_>, limit: u64) -> Result<(), ApiError> {
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(ApiError::too_large(limit));
        }
    }
    Ok(())
}

/// A text part, at most [`MAX_TEXT_BYTES`].
async fn text(field: &mut Field<'_>, name: &str) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > MAX_TEXT_BYTES {
            return Err(ApiError::bad_request(format!(
                "{name} is longer than {MAX_TEXT_BYTES} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::bad_request(format!("{name} is not UTF-8 text")))
}

fn multipart_error(err: MultipartError) -> ApiError {
    ApiError::bad_request(format!("malformed multipart body: {}", err.body_text()))
}

//! Binary download and the binary list of a binary group.
//!
//! Download (`…/binary-group/{key}/binaries/{binaryKey}`, singular as documented) streams
//! the stored file as `application/octet-stream` with its length and file name; a key that
//! is not in that artifact's group, or whose file is gone, is `NOT_FOUND_BINARY_INFO`.
//!
//! The list (`…/binary-groups/{key}/binaries`, plural as documented) takes `pageNum` and
//! `pageSize` (≥ 1; defaults 1, 20), `sortKey` `VERSION` | `BINARY_KEY` | `UPLOAD_DATE`
//! (default) and `sortDirection` `ASC` | `DESC` (default), exactly spelled, and `keyword`,
//! kept when the version contains it, ignoring case. `VERSION` sorts naturally (digit runs as
//! numbers, so `1.10.0` comes after `1.9.0`); ties fall back to the binary key. `binaryKey`
//! is a number here, as the guide's sample shows.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use tokio_util::io::ReaderStream;

use super::artifacts;
use super::error::{ApiError, ApiResult, ok};
use super::request::{Params, QueryPairs};
use super::state::StoredBinary;
use super::{NhnEmulator, time};

/// `GET …/artifacts/{artifactId}/binary-group/{binaryGroupKey}/binaries/{binaryKey}`
pub(super) async fn download(
    State(emulator): State<Arc<NhnEmulator>>,
    params: Params,
) -> Result<Response, ApiError> {
    let (artifact, group) = artifacts::binary_group(&params)?;
    let key = params.id("binaryKey")?;
    let binary = emulator
        .with_state(|state| {
            state
                .binaries
                .iter()
                .find(|binary| {
                    binary.key == key
                        && binary.artifact_id == artifact.id
                        && binary.binary_group_key == group.key
                })
                .cloned()
        })
        .ok_or_else(|| {
            ApiError::binary_not_found(format!(
                "binary {key} does not exist in binary group {}",
                group.key
            ))
        })?;
    let file = tokio::fs::File::open(emulator.blobs.path(key))
        .await
        .map_err(|err| {
            ApiError::binary_not_found(format!("the file of binary {key} is gone: {err}"))
        })?;
    let safe_name: String = binary
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, binary.size)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe_name}\""),
        )
        .body(Body::from_stream(ReaderStream::new(file)))
        .map_err(|err| ApiError::general(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))
}

/// One row of the list, with the key as a number.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BinaryRow {
    binary_key: i64,
    version: String,
    binary_name: String,
    binary_size: u64,
    upload_date: String,
    uploader: String,
    description: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BinaryRows {
    total_count: usize,
    binaries: Vec<BinaryRow>,
}

/// `GET …/artifacts/{artifactId}/binary-groups/{binaryGroupKey}/binaries`
pub(super) async fn list(
    State(emulator): State<Arc<NhnEmulator>>,
    params: Params,
    query: QueryPairs,
) -> ApiResult<BinaryRows> {
    let (artifact, group) = artifacts::binary_group(&params)?;
    let paging = query.paging()?;
    let sort_key = query.get("sortKey").unwrap_or("UPLOAD_DATE");
    let compare: fn(&StoredBinary, &StoredBinary) -> Ordering = match sort_key {
        "VERSION" => |a, b| natural(&a.version, &b.version).then(a.key.cmp(&b.key)),
        "BINARY_KEY" => |a, b| a.key.cmp(&b.key),
        "UPLOAD_DATE" => |a, b| a.upload_date.cmp(&b.upload_date).then(a.key.cmp(&b.key)),
        other => {
            return Err(ApiError::bad_request(format!(
                "sortKey must be VERSION, BINARY_KEY or UPLOAD_DATE, got {other:?}"
            )));
        }
    };
    let descending = match query.get("sortDirection").unwrap_or("DESC") {
        "DESC" => true,
        "ASC" => false,
        other => {
            return Err(ApiError::bad_request(format!(
                "sortDirection must be ASC or DESC, got {other:?}"
            )));
        }
    };
    let keyword = query.get("keyword").unwrap_or("").to_lowercase();
    let mut binaries: Vec<StoredBinary> = emulator.with_state(|state| {
        state
            .binaries_in(artifact.id, group.key)
            .into_iter()
            .filter(|binary| binary.version.to_lowercase().contains(&keyword))
            .cloned()
            .collect()
    });
    binaries.sort_by(|a, b| {
        let order = compare(a, b);
        if descending { order.reverse() } else { order }
    });
    let total_count = binaries.len();
    let binaries = paging
        .page(binaries)
        .into_iter()
        .map(|binary| BinaryRow {
            binary_key: binary.key,
            version: binary.version,
            binary_name: binary.name,
            binary_size: binary.size,
            upload_date: time::iso(binary.upload_date),
            uploader: binary.uploader,
            description: binary.description,
        })
        .collect();
    ok(BinaryRows {
        total_count,
        binaries,
    })
}

/// Natural order: runs of digits compare as numbers, everything else as text.
pub(super) fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (chunk(a), chunk(b)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((left, rest_a)), Some((right, rest_b))) => {
                let digits = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
                let order = if digits(left) && digits(right) {
                    let (l, r) = (left.trim_start_matches('0'), right.trim_start_matches('0'));
                    l.len().cmp(&r.len()).then_with(|| l.cmp(r))
                } else {
                    left.cmp(right)
                };
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (rest_a, rest_b);
            }
        }
    }
}

/// The leading run of digits or of non-digits, and the rest.
fn chunk(text: &str) -> Option<(&str, &str)> {
    let first = text.chars().next()?;
    let digit = first.is_ascii_digit();
    let end = text
        .find(|c: char| c.is_ascii_digit() != digit)
        .unwrap_or(text.len());
    Some(text.split_at(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_naturally() {
        let mut versions = vec!["1.10.0", "1.9.0", "1.9.0-rc1", "0.1", "1.09.1", "abc"];
        versions.sort_by(|a, b| natural(a, b));
        assert_eq!(
            versions,
            ["0.1", "1.9.0", "1.9.0-rc1", "1.09.1", "1.10.0", "abc"]
        );
    }
}

//! The request log: one record per provider request, in memory and optionally as JSON lines.
//!
//! Tests count calls with it (a retried create shows up twice; a plan must not write), and a
//! user watching `deployplan sandbox` can `tail -f` the file. Admin calls are not logged, so
//! the log holds exactly what a client sent to a provider.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One provider request as the sandbox answered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// 1, 2, 3… in the order the answers were logged; never reused, even after a clear.
    pub seq: u64,
    /// The provider type (the mount prefix).
    pub provider: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path the provider saw, without the mount prefix (e.g. `/api/v1/project`).
    pub path: String,
    /// The raw query string, without `?`, when there was one.
    pub query: Option<String>,
    /// The status answered; `0` when the connection was dropped without an answer.
    pub status: u16,
    /// When an injected fault hid the emulator's answer (a 503 or a dropped connection after
    /// the request was processed): the status the emulator answered. Counting writes that
    /// took effect means counting these too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_status: Option<u16>,
    /// When the request arrived, epoch milliseconds.
    pub at_ms: i64,
}

/// The shared log; cheap to append to from any request.
pub(crate) struct RequestLog {
    inner: Mutex<Inner>,
}

struct Inner {
    next_seq: u64,
    records: Vec<RequestRecord>,
    file: Option<File>,
}

impl RequestLog {
    /// Opens (creating or appending to) the JSON-lines file when one is given.
    pub(crate) fn open(path: Option<&Path>) -> std::io::Result<Self> {
        let file = match path {
            Some(path) => {
                if let Some(parent) = path
                    .parent()
                    .filter(|parent| !parent.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(parent)?;
                }
                Some(OpenOptions::new().create(true).append(true).open(path)?)
            }
            None => None,
        };
        Ok(RequestLog {
            inner: Mutex::new(Inner {
                next_seq: 1,
                records: Vec::new(),
                file,
            }),
        })
    }

    /// Appends one record, numbering it. A failing file write is reported and otherwise
    /// ignored: the in-memory log stays complete.
    pub(crate) fn record(&self, mut record: RequestRecord) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        record.seq = inner.next_seq;
        inner.next_seq += 1;
        if let Some(file) = inner.file.as_mut() {
            let written = serde_json::to_string(&record)
                .map_err(std::io::Error::other)
                .and_then(|line| writeln!(file, "{line}"))
                .and_then(|()| file.flush());
            if let Err(err) = written {
                tracing::warn!(%err, "could not append to the sandbox request log file");
            }
        }
        inner.records.push(record);
    }

    /// Everything logged since the last clear, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<RequestRecord> {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.records.clone()
    }

    /// Forgets the in-memory records (the file keeps them); returns how many there were.
    pub(crate) fn clear(&self) -> usize {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut inner.records).len()
    }
}

/// The current time in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

//! Where uploaded binaries' bytes live: files, never memory.
//!
//! A deployment tool uploads release packages of hundreds of megabytes, so an upload is
//! streamed chunk by chunk into a part file while its size and SHA-256 are computed, and only
//! renamed to its final name (`<binaryKey>.bin`) once the upload is accepted; a rejected or
//! interrupted upload leaves nothing behind. Downloads stream the file back.
//!
//! The directory sits beside the sandbox state file (`<stem>.nhn-deploy-blobs/` next to
//! `<stem>.json`) so binaries survive a restart with the state that lists them. Without a
//! state file it is a fresh directory under the system temp dir, owned by the emulator and
//! removed when the emulator is dropped (the sandbox stopped).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncWriteExt, BufWriter};

/// The blob directory of one emulator.
#[derive(Debug)]
pub(super) struct Blobs {
    dir: PathBuf,
    /// A temp dir this emulator created and removes on drop.
    owned: bool,
}

impl Blobs {
    /// Beside `state_file`, or a private temp dir. Created lazily on the first upload.
    pub(super) fn new(state_file: Option<&Path>) -> Self {
        match state_file {
            Some(state_file) => {
                let stem = state_file
                    .file_stem()
                    .map_or_else(|| "state".into(), |stem| stem.to_string_lossy());
                Blobs {
                    dir: state_file.with_file_name(format!("{stem}.nhn-deploy-blobs")),
                    owned: false,
                }
            }
            None => Blobs {
                dir: std::env::temp_dir().join(format!(
                    "deployplan-nhn-deploy-{}-{:016x}",
                    std::process::id(),
                    fastrand::u64(..)
                )),
                owned: true,
            },
        }
    }

    /// The file holding a binary's bytes.
    pub(super) fn path(&self, binary_key: i64) -> PathBuf {
        self.dir.join(format!("{binary_key}.bin"))
    }

    /// Starts writing an upload into a new part file.
    pub(super) async fn begin(&self) -> std::io::Result<BlobWriter> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let path = self
            .dir
            .join(format!(".upload-{:016x}.part", fastrand::u64(..)));
        let file = tokio::fs::File::create(&path).await?;
        Ok(BlobWriter {
            file: BufWriter::with_capacity(256 * 1024, file),
            path,
            hasher: Sha256::new(),
            size: 0,
            kept: false,
        })
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        if self.owned {
            // Best effort: a leftover temp dir is harmless.
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// An upload being written: a part file, its running size and hash. Dropped without
/// [`BlobWriter::keep`], the part file is deleted.
pub(super) struct BlobWriter {
    file: BufWriter<tokio::fs::File>,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    kept: bool,
}

/// A finished upload's size and lower-case hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Written {
    pub size: u64,
    pub sha256: String,
}

impl BlobWriter {
    /// Appends one chunk.
    pub(super) async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await
    }

    /// Bytes written so far.
    pub(super) fn size(&self) -> u64 {
        self.size
    }

    /// Flushes and syncs the part file; its size and hash.
    pub(super) async fn finish(&mut self) -> std::io::Result<Written> {
        self.file.flush().await?;
        self.file.get_mut().sync_all().await?;
        let sha256 = crate::digest::hex(&std::mem::take(&mut self.hasher).finalize());
        Ok(Written {
            size: self.size,
            sha256,
        })
    }

    /// Moves the finished part file to its final name. Synchronous on purpose: a rename in
    /// one directory is a quick metadata change, and the upload does it under the state lock
    /// so the binary and its file appear together.
    pub(super) fn keep(mut self, destination: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, destination)?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_hash_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(Some(&dir.path().join("state.json")));
        assert_eq!(
            blobs.path(7),
            dir.path().join("state.nhn-deploy-blobs").join("7.bin")
        );
        let mut writer = blobs.begin().await.unwrap();
        writer.write(b"ab").await.unwrap();
        writer.write(b"c").await.unwrap();
        let written = writer.finish().await.unwrap();
        assert_eq!(written.size, 3);
        assert_eq!(
            written.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        writer.keep(&blobs.path(7)).unwrap();
        assert_eq!(std::fs::read(blobs.path(7)).unwrap(), b"abc");

        let mut abandoned = blobs.begin().await.unwrap();
        abandoned.write(b"partial").await.unwrap();
        drop(abandoned);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("state.nhn-deploy-blobs"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(left, ["7.bin"]);
    }

    #[tokio::test]
    async fn a_private_temp_dir_goes_away_with_the_emulator() {
        let blobs = Blobs::new(None);
        blobs.begin().await.unwrap().finish().await.unwrap();
        let dir = blobs.dir.clone();
        assert!(dir.exists());
        drop(blobs);
        assert!(!dir.exists());
    }
}

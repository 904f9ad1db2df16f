//! SHA-256 as the project writes it: lower-case hex, and a writer that serde can serialise
//! straight into, so a digest of a large document never needs the document as text.

use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes` (a digest, mostly).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    out
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex(&Sha256::digest(bytes.as_ref()))
}

/// Feeds whatever is written into a SHA-256.
#[derive(Default)]
pub struct HashWriter(Sha256);

impl HashWriter {
    /// The digest of everything written, lower-case hex.
    pub fn hex(self) -> String {
        hex(&self.0.finalize())
    }

    /// SHA-256 of `value` as `serde_json` writes it compactly, without the text.
    pub fn json(value: &impl serde::Serialize) -> String {
        let mut hashing = HashWriter::default();
        // Writing into a hash cannot fail; a value that cannot be written as JSON (a map
        // with non-string keys) is not one this project digests.
        let _ = serde_json::to_writer(&mut hashing, value);
        hashing.hex()
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_what_format_writes() {
        let bytes: Vec<u8> = (0..=255).collect();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&bytes), expected);
    }

    #[test]
    fn the_writer_digests_what_to_string_would_write() {
        let value = serde_json::json!({"b": [1, "two", null], "a": {"x": 1.5}});
        assert_eq!(HashWriter::json(&value), sha256_hex(value.to_string()));
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

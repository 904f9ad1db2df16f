//! NAVER Cloud API Gateway request signature, version 2.
//!
//! The gateway authenticates a request by an HMAC-SHA256, keyed with the secret key, over
//! `"{METHOD} {PATH?QUERY}\n{TIMESTAMP}\n{ACCESS_KEY}"`, sent Base64-encoded. The body is
//! not signed. Both the client and the sandbox emulator use this one function, so the
//! fixed vectors in the tests below pin the algorithm for both sides.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Header carrying the epoch-millisecond timestamp that is part of the signed string.
pub const HEADER_TIMESTAMP: &str = "x-ncp-apigw-timestamp";
/// Header carrying the access key that is part of the signed string.
pub const HEADER_ACCESS_KEY: &str = "x-ncp-iam-access-key";
/// The documented signature header.
pub const HEADER_SIGNATURE_V2: &str = "x-ncp-apigw-signature-v2";
/// The header NAVER's own SDKs put the same v2 value in; the gateway accepts it too.
pub const HEADER_SIGNATURE_V1: &str = "x-ncp-apigw-signature-v1";
/// Optional region header (`KR` when absent).
pub const HEADER_REGION: &str = "x-ncp-region_code";
/// How far the timestamp may be from the gateway's clock.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// The exact string the gateway signs. `path_and_query` is the request URI as sent on the
/// wire: the absolute path (with the `/api/v1` prefix) plus `?query` only when there is one.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    access_key: &str,
) -> String {
    format!(
        "{} {path_and_query}\n{timestamp}\n{access_key}",
        method.to_ascii_uppercase()
    )
}

/// Computes the Base64 signature for one request.
pub fn sign(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    access_key: &str,
    secret_key: &str,
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign(method, path_and_query, timestamp, access_key).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Constant-time check of a received signature against the expected one.
pub fn verify(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    access_key: &str,
    secret_key: &str,
    signature: &str,
) -> bool {
    let Ok(received) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign(method, path_and_query, timestamp, access_key).as_bytes());
    mac.verify_slice(&received).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCESS: &str = "AKIDEXAMPLE0000000000";
    const SECRET: &str = "SKEXAMPLE00000000000000000000000000000000";
    const TS: &str = "1700000000000";

    #[test]
    fn string_to_sign_layout_is_exact() {
        assert_eq!(
            string_to_sign("get", "/api/v1/project?pageNo=1&pageSize=100", TS, ACCESS),
            "GET /api/v1/project?pageNo=1&pageSize=100\n1700000000000\nAKIDEXAMPLE0000000000"
        );
    }

    #[test]
    fn matches_fixed_vectors() {
        assert_eq!(
            sign(
                "GET",
                "/api/v1/project?pageNo=1&pageSize=100",
                TS,
                ACCESS,
                SECRET
            ),
            "vr2THSqnCPzcQidrF4+QI0GhjzKWEJA22AYVXfsjsEA="
        );
        assert_eq!(
            sign(
                "POST",
                "/api/v1/project/1234/stage/5678/scenario/9012/deploy",
                TS,
                ACCESS,
                SECRET
            ),
            "rLkrdPm/RxR5YoviddvP3psruCUcA36d8PWjy60U2iI="
        );
    }

    #[test]
    fn verify_accepts_own_signature_and_rejects_others() {
        let sig = sign("DELETE", "/api/v1/project/7", TS, ACCESS, SECRET);
        assert!(verify(
            "DELETE",
            "/api/v1/project/7",
            TS,
            ACCESS,
            SECRET,
            &sig
        ));
        assert!(!verify(
            "DELETE",
            "/api/v1/project/8",
            TS,
            ACCESS,
            SECRET,
            &sig
        ));
        assert!(!verify(
            "DELETE",
            "/api/v1/project/7",
            TS,
            ACCESS,
            "wrong",
            &sig
        ));
        assert!(!verify(
            "DELETE",
            "/api/v1/project/7",
            TS,
            ACCESS,
            SECRET,
            "not base64!"
        ));
    }
}

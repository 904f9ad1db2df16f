//! Encrypting a secret value for an environment, as GitHub requires: a libsodium sealed
//! box (`crypto_box_seal`: an ephemeral X25519 key, XSalsa20-Poly1305) of the UTF-8 value
//! for the environment's public key, base64-encoded. The crypto is RustCrypto's
//! `crypto_box`, never written here.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_box::PublicKey;
use crypto_box::aead::OsRng;

use super::GithubError;

/// Seals `value` for the base64 Curve25519 public key `public_key_b64` (the `key` of
/// `GET …/secrets/public-key`) and returns the base64 `encrypted_value`. Each call uses a
/// fresh ephemeral key, so the same value seals differently every time.
pub fn seal(public_key_b64: &str, value: &str) -> Result<String, GithubError> {
    let bytes = STANDARD.decode(public_key_b64.trim()).map_err(|e| {
        GithubError::Invalid(format!("the environment's public key is not base64: {e}"))
    })?;
    let key: [u8; crypto_box::KEY_SIZE] = bytes.as_slice().try_into().map_err(|_| {
        GithubError::Invalid(format!(
            "the environment's public key has {} bytes, not the {} of a Curve25519 key",
            bytes.len(),
            crypto_box::KEY_SIZE
        ))
    })?;
    let sealed = PublicKey::from(key)
        .seal(&mut OsRng, value.as_bytes())
        .map_err(|_| GithubError::Invalid("sealing the secret value failed".to_owned()))?;
    Ok(STANDARD.encode(sealed))
}

#[cfg(test)]
mod tests {
    use crypto_box::SecretKey;
    use proptest::prelude::*;

    use super::*;

    fn open(secret: &SecretKey, sealed_b64: &str) -> String {
        let sealed = STANDARD.decode(sealed_b64).unwrap();
        String::from_utf8(secret.unseal(&sealed).unwrap()).unwrap()
    }

    #[test]
    fn the_matching_secret_key_opens_the_box_and_no_other_does() {
        let secret = SecretKey::generate(&mut OsRng);
        let public = STANDARD.encode(secret.public_key().as_bytes());
        let sealed = seal(&public, "p@ss wörd ✓").unwrap();
        assert_eq!(open(&secret, &sealed), "p@ss wörd ✓");
        // Sealed boxes carry a fresh ephemeral key: never the same twice, never the value.
        let again = seal(&public, "p@ss wörd ✓").unwrap();
        assert_ne!(sealed, again);
        assert!(!sealed.contains("p@ss"));
        // 32-byte ephemeral key + 16-byte tag + the value's bytes.
        assert_eq!(
            STANDARD.decode(&sealed).unwrap().len(),
            48 + "p@ss wörd ✓".len()
        );
        let other = SecretKey::generate(&mut OsRng);
        assert!(other.unseal(&STANDARD.decode(&sealed).unwrap()).is_err());
    }

    #[test]
    fn a_key_that_is_no_curve25519_key_is_refused() {
        let short = STANDARD.encode([7u8; 31]);
        let err = seal(&short, "v").unwrap_err();
        assert!(err.to_string().contains("31 bytes"), "{err}");
        assert!(seal("not base64!", "v").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn any_value_round_trips(value in any::<String>()) {
            let secret = SecretKey::generate(&mut OsRng);
            let public = STANDARD.encode(secret.public_key().as_bytes());
            prop_assert_eq!(open(&secret, &seal(&public, &value).unwrap()), value);
        }
    }
}

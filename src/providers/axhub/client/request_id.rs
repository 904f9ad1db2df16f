//! The `X-Request-ID` sent with every attempt: 26 characters of Crockford base32, the
//! first ten the milliseconds since the epoch and the rest 80 random bits (ULID's layout),
//! so that ids sort by time in AxHub's logs and never repeat between attempts. AxHub echoes
//! it in error bodies; the error keeps ours too, so support can find the call either way.

/// Crockford's base32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh id for a request sent now.
pub fn fresh() -> String {
    let millis = jiff::Timestamp::now().as_millisecond().max(0) as u64;
    let random = (u128::from(fastrand::u64(..)) << 16) | u128::from(fastrand::u16(..));
    encode(millis, random)
}

/// The id of `millis` (48 bits kept) and `random` (80 bits kept).
pub fn encode(millis: u64, random: u128) -> String {
    let value = (u128::from(millis & 0xFFFF_FFFF_FFFF) << 80) | (random & ((1u128 << 80) - 1));
    (0..26)
        .rev()
        .map(|i| char::from(ALPHABET[((value >> (i * 5)) & 0x1F) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn fresh_ids_differ_and_have_the_length_axhub_expects() {
        let (a, b) = (fresh(), fresh());
        assert_eq!(a.len(), 26);
        assert_ne!(a, b);
        assert_eq!(encode(0, 0), "00000000000000000000000000");
    }

    proptest! {
        #[test]
        fn ids_are_26_crockford_characters_ordered_by_time(
            t1 in 0u64..(1 << 48), t2 in 0u64..(1 << 48), r1: u128, r2: u128,
        ) {
            let (a, b) = (encode(t1, r1), encode(t2, r2));
            prop_assert_eq!(a.len(), 26);
            prop_assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
            if t1 < t2 {
                prop_assert!(a < b);
            }
        }
    }
}

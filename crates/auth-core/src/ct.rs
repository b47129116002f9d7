//! Constant-time comparison of secret byte strings.
//!
//! Written by hand so a reviewer can read the whole thing: the length is
//! treated as public (it is, for every MAC and ID we compare), the contents are
//! folded with XOR/OR over every byte without an early exit, and the result
//! leaves as a [`subtle::Choice`] so the compiler cannot turn the final test
//! into a branch on secret data before the caller asks for a `bool`.

use subtle::Choice;

/// Compares two byte strings in time that depends only on their lengths.
///
/// Returns a `Choice` that is 1 when `a == b`. Unequal lengths return 0
/// immediately: lengths are public.
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> Choice {
    if a.len() != b.len() {
        return Choice::from(0);
    }
    let mut diff: u8 = 0;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    // `diff` is 0 iff every byte matched. Map it to 1/0 without a branch:
    // 0u16 - 1 = 0xffff has bit 8 set, while d - 1 for d in 1..=255 does not.
    let equal = (u16::from(diff).wrapping_sub(1) >> 8) & 1;
    // `black_box` keeps the optimiser from treating the value as a boolean and
    // short-circuiting the loop above.
    Choice::from(core::hint::black_box(equal.to_le_bytes()[0]))
}

/// `ct_eq` as a `bool`, for call sites that branch on the verdict.
#[must_use]
pub fn ct_eq_bool(a: &[u8], b: &[u8]) -> bool {
    bool::from(ct_eq(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use subtle::ConstantTimeEq;

    #[test]
    fn equal_and_unequal() {
        assert!(ct_eq_bool(b"", b""));
        assert!(ct_eq_bool(b"abc", b"abc"));
        assert!(!ct_eq_bool(b"abc", b"abd"));
        assert!(!ct_eq_bool(b"abc", b"ab"));
        assert!(!ct_eq_bool(&[0x80], &[0x00]));
        assert!(!ct_eq_bool(&[0x00; 32], &[0xff; 32]));
        for bit in 0..8 {
            assert!(!ct_eq_bool(&[0], &[1 << bit]), "bit {bit}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_subtle(a in proptest::collection::vec(any::<u8>(), 0..64),
                              b in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(ct_eq_bool(&a, &b), bool::from(a.as_slice().ct_eq(b.as_slice())));
        }

        #[test]
        fn agrees_with_subtle_on_near_misses(a in proptest::collection::vec(any::<u8>(), 1..64),
                                             idx in any::<prop::sample::Index>(),
                                             flip in 1u8..=255) {
            let mut b = a.clone();
            let i = idx.index(b.len());
            b[i] ^= flip;
            prop_assert!(!ct_eq_bool(&a, &b));
            prop_assert_eq!(ct_eq_bool(&a, &b), bool::from(a.as_slice().ct_eq(b.as_slice())));
            prop_assert!(ct_eq_bool(&a, &a.clone()));
        }
    }
}

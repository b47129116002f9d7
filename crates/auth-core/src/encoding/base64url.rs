//! Strict, unpadded base64url (RFC 4648 section 5) for public token data.
//!
//! Accepted: only `A-Z a-z 0-9 - _`, no padding, no whitespace, a length that
//! is not 1 mod 4, and canonical trailing bits (the unused low bits of the
//! last character are zero), so every byte string has exactly one encoding.
//!
//! This decoder is table-driven and therefore *not* constant-time. It is used
//! for token segments, which are public (the client sent them). Secret key
//! material (JWK `k`, `d`, ...) is decoded with `base64ct` instead; see
//! [`decode_secret`].

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::error::Error;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `DECODE[c]` is the 6-bit value of `c`, or `INVALID`.
const INVALID: u8 = 0xff;
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        #[allow(clippy::cast_possible_truncation)] // i < 64
        let value = i as u8;
        table[ALPHABET[i] as usize] = value;
        i += 1;
    }
    table
};

/// The decoded length of `n` base64url characters, or `None` if no unpadded
/// encoding has that length.
#[must_use]
pub(crate) const fn decoded_len(n: usize) -> Option<usize> {
    match n % 4 {
        1 => None,
        r => Some(n / 4 * 3 + if r == 0 { 0 } else { r - 1 }),
    }
}

/// The encoded length of `n` bytes.
#[must_use]
pub(crate) const fn encoded_len(n: usize) -> usize {
    n / 3 * 4
        + match n % 3 {
            0 => 0,
            r => r + 1,
        }
}

/// Decodes `input` strictly, appending to `out`.
pub(crate) fn decode_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    let Some(len) = decoded_len(input.len()) else {
        return Err(Error::Malformed(
            "base64url segment has an impossible length",
        ));
    };
    out.reserve(len);
    let mut chunks = input.chunks_exact(4);
    // OR of every looked-up value: if any character was invalid the top bits
    // of `bad` end up set. Checked once per chunk to keep the loop tight.
    for chunk in &mut chunks {
        let a = DECODE[usize::from(chunk[0])];
        let b = DECODE[usize::from(chunk[1])];
        let c = DECODE[usize::from(chunk[2])];
        let d = DECODE[usize::from(chunk[3])];
        if (a | b | c | d) & 0xc0 != 0 {
            return Err(invalid_char());
        }
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        let [_, x, y, z] = n.to_be_bytes();
        out.extend_from_slice(&[x, y, z]);
    }
    match *chunks.remainder() {
        [] => {}
        [a, b] => {
            let (a, b) = (DECODE[usize::from(a)], DECODE[usize::from(b)]);
            if (a | b) & 0xc0 != 0 {
                return Err(invalid_char());
            }
            if b & 0x0f != 0 {
                return Err(non_canonical());
            }
            out.push(a << 2 | b >> 4);
        }
        [a, b, c] => {
            let (a, b, c) = (
                DECODE[usize::from(a)],
                DECODE[usize::from(b)],
                DECODE[usize::from(c)],
            );
            if (a | b | c) & 0xc0 != 0 {
                return Err(invalid_char());
            }
            if c & 0x03 != 0 {
                return Err(non_canonical());
            }
            out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2]);
        }
        // `decoded_len` rejected a remainder of 1; chunks_exact leaves < 4.
        _ => {
            return Err(Error::Malformed(
                "base64url segment has an impossible length",
            ));
        }
    }
    Ok(())
}

/// Decodes `input` strictly into a new vector.
pub(crate) fn decode(input: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    decode_into(input, &mut out)?;
    Ok(out)
}

/// Decodes secret key material in constant time (via `base64ct`), into a
/// buffer that is wiped when dropped. Equally strict: no padding, canonical.
pub(crate) fn decode_secret(input: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(input)
        .map(Zeroizing::new)
        .map_err(|_| Error::InvalidKey("key member is not canonical base64url"))
}

/// Encodes secret key material in constant time (via `base64ct`).
pub(crate) fn encode_secret(input: &[u8]) -> Zeroizing<String> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Zeroizing::new(Base64UrlUnpadded::encode_string(input))
}

/// Appends the unpadded base64url encoding of `input` to `out`.
pub(crate) fn encode_into(input: &[u8], out: &mut String) {
    out.reserve(encoded_len(input.len()));
    let mut chunks = input.chunks_exact(3);
    for chunk in &mut chunks {
        let n = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[((n >> shift) & 0x3f) as usize]));
        }
    }
    match *chunks.remainder() {
        [] => {}
        [a] => {
            out.push(char::from(ALPHABET[usize::from(a >> 2)]));
            out.push(char::from(ALPHABET[usize::from((a & 0x03) << 4)]));
        }
        [a, b] => {
            out.push(char::from(ALPHABET[usize::from(a >> 2)]));
            out.push(char::from(ALPHABET[usize::from((a & 0x03) << 4 | b >> 4)]));
            out.push(char::from(ALPHABET[usize::from((b & 0x0f) << 2)]));
        }
        _ => unreachable_remainder(),
    }
}

/// Encodes `input` into a new string.
#[must_use]
pub(crate) fn encode(input: &[u8]) -> String {
    let mut out = String::new();
    encode_into(input, &mut out);
    out
}

// `chunks_exact(3)` never leaves 3 or more bytes; this keeps the match total
// without a panic path.
const fn unreachable_remainder() {}

fn invalid_char() -> Error {
    Error::Malformed("base64url segment has a character outside the alphabet")
}

fn non_canonical() -> Error {
    Error::Malformed("base64url segment has non-zero trailing bits")
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors() {
        for (raw, enc) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (&[0xfb, 0xff], "-_8"),
        ] {
            assert_eq!(encode(raw), enc);
            assert_eq!(decode(enc.as_bytes()).as_deref(), Ok(raw));
        }
    }

    #[test]
    fn rejects_every_non_strict_form() {
        let malformed = |s: &str| decode(s.as_bytes()).unwrap_err();
        assert_eq!(malformed("Zg=="), invalid_char());
        assert_eq!(malformed("Zm8="), invalid_char());
        assert_eq!(malformed("+/8"), invalid_char());
        assert_eq!(malformed("Zm 9"), invalid_char());
        assert_eq!(
            malformed("Zm9v\n"),
            Error::Malformed("base64url segment has an impossible length")
        );
        assert_eq!(malformed("Zm9\n"), invalid_char());
        assert_eq!(
            malformed("Z"),
            Error::Malformed("base64url segment has an impossible length")
        );
        // "Zh" decodes to 'f' with non-zero unused bits; "Zm9" is canonical, "Zm-" is not.
        assert_eq!(malformed("Zh"), non_canonical());
        assert_eq!(malformed("Zm-"), non_canonical());
        assert_eq!(decode(b"Zm8").as_deref(), Ok(&b"fo"[..]));
    }

    proptest! {
        #[test]
        fn round_trips_and_matches_base64ct(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let enc = encode(&data);
            prop_assert_eq!(&enc, &Base64UrlUnpadded::encode_string(&data));
            prop_assert_eq!(decode(enc.as_bytes()).unwrap(), data);
        }

        #[test]
        fn accepts_exactly_what_base64ct_accepts(s in "[A-Za-z0-9_=+/ -]{0,12}") {
            let ours = decode(s.as_bytes()).ok();
            let theirs = Base64UrlUnpadded::decode_vec(&s).ok();
            prop_assert_eq!(ours, theirs);
        }
    }
}

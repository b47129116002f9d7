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

/// `SHIFTED[k][c]` is `DECODE[c]` placed where the `k`-th character of a
/// quantum puts its six bits in the 24-bit group (`18 - 6k` up), or bit 31
/// for an invalid character: a quantum is the OR of four lookups, and
/// invalid if its top byte is not zero.
const SHIFTED: [[u32; 256]; 4] = {
    let mut tables = [[1u32 << 31; 256]; 4];
    let mut k = 0;
    while k < 4 {
        let mut c = 0;
        while c < 256 {
            if DECODE[c] != INVALID {
                tables[k][c] = (DECODE[c] as u32) << (18 - 6 * k);
            }
            c += 1;
        }
        k += 1;
    }
    tables
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
        return Err(impossible_length());
    };
    let start = out.len();
    out.resize(start + len, 0);
    let written = decode_to_slice(input, &mut out[start..]);
    if written.is_err() {
        out.truncate(start);
    }
    written.map(|_| ())
}

/// Decodes `input` strictly into `out`, which must have room for
/// [`decoded_len`] bytes; returns how many were written.
pub(crate) fn decode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let Some(len) = decoded_len(input.len()) else {
        return Err(impossible_length());
    };
    let Some(out) = out.get_mut(..len) else {
        return Err(Error::Malformed(
            "base64url segment is longer than expected",
        ));
    };
    let full = input.len() / 4;
    let (head, tail_in) = input.split_at(full * 4);
    let (body, tail_out) = out.split_at_mut(full * 3);
    let [t0, t1, t2, t3] = &SHIFTED;
    for (src, dst) in head.chunks_exact(4).zip(body.chunks_exact_mut(3)) {
        let n = t0[usize::from(src[0])]
            | t1[usize::from(src[1])]
            | t2[usize::from(src[2])]
            | t3[usize::from(src[3])];
        // An invalid character sets bit 31, which survives the OR.
        let [invalid, x, y, z] = n.to_be_bytes();
        if invalid != 0 {
            return Err(invalid_char());
        }
        dst[0] = x;
        dst[1] = y;
        dst[2] = z;
    }
    match (tail_in, tail_out) {
        ([], []) => {}
        (&[a, b], [o]) => {
            let (a, b) = (DECODE[usize::from(a)], DECODE[usize::from(b)]);
            if (a | b) & 0xc0 != 0 {
                return Err(invalid_char());
            }
            if b & 0x0f != 0 {
                return Err(non_canonical());
            }
            *o = a << 2 | b >> 4;
        }
        (&[a, b, c], [o1, o2]) => {
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
            *o1 = a << 2 | b >> 4;
            *o2 = b << 4 | c >> 2;
        }
        // `decoded_len` rejected a remainder of 1, and sized `out` to match.
        _ => return Err(impossible_length()),
    }
    Ok(len)
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
    // Into a buffer of ours: `decode_vec` frees its own, with whatever it
    // decoded before an error, unwiped.
    let n = input.len();
    let mut out = Zeroizing::new(alloc::vec![0u8; n / 4 * 3 + n % 4 * 3 / 4]);
    let len = Base64UrlUnpadded::decode(input, &mut out)
        .map_err(|_| Error::InvalidKey("key member is not canonical base64url"))?
        .len();
    out.truncate(len);
    Ok(out)
}

/// Encodes secret key material in constant time (via `base64ct`).
pub(crate) fn encode_secret(input: &[u8]) -> Zeroizing<String> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Zeroizing::new(Base64UrlUnpadded::encode_string(input))
}

/// Appends the unpadded base64url encoding of `input` to `out`, growing
/// `out` once, by exactly what it needs: the text of a secret (a session ID
/// or refresh token) is never copied by a reallocation that would leave an
/// unwiped copy behind.
pub(crate) fn encode_into(input: &[u8], out: &mut String) {
    out.reserve_exact(encoded_len(input.len()));
    // Encode through a stack buffer: the output is ASCII, so each chunk
    // passes `from_utf8` and is appended with one copy.
    let mut buf = [0u8; 1024];
    for block in input.chunks(768) {
        let n = encode_block(block, &mut buf);
        out.push_str(core::str::from_utf8(&buf[..n]).unwrap_or_default());
    }
}

/// Encodes at most 768 bytes into `buf`; returns the encoded length.
fn encode_block(input: &[u8], buf: &mut [u8; 1024]) -> usize {
    let sym = |v: u32| ALPHABET[(v & 0x3f) as usize];
    let full = input.len() / 3;
    let (head, tail) = input.split_at(full * 3);
    for (src, dst) in head.chunks_exact(3).zip(buf.chunks_exact_mut(4)) {
        let n = u32::from(src[0]) << 16 | u32::from(src[1]) << 8 | u32::from(src[2]);
        dst.copy_from_slice(&[sym(n >> 18), sym(n >> 12), sym(n >> 6), sym(n)]);
    }
    let mut n = full * 4;
    match *tail {
        [a] => {
            let v = u32::from(a) << 16;
            buf[n..n + 2].copy_from_slice(&[sym(v >> 18), sym(v >> 12)]);
            n += 2;
        }
        [a, b] => {
            let v = u32::from(a) << 16 | u32::from(b) << 8;
            buf[n..n + 3].copy_from_slice(&[sym(v >> 18), sym(v >> 12), sym(v >> 6)]);
            n += 3;
        }
        _ => {}
    }
    n
}

/// Encodes `input` into a new string.
#[must_use]
pub(crate) fn encode(input: &[u8]) -> String {
    let mut out = String::new();
    encode_into(input, &mut out);
    out
}

fn impossible_length() -> Error {
    Error::Malformed("base64url segment has an impossible length")
}

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

    /// Encoding allocates once, exactly the encoded size.
    #[test]
    fn encoding_allocates_the_exact_size_once() {
        for n in 0..200 {
            let text = encode(&vec![0xa5; n]);
            assert_eq!(text.len(), encoded_len(n), "{n}");
            assert_eq!(text.capacity(), text.len(), "{n}");
        }
    }

    /// An invalid character anywhere, alone or beside others, in a full
    /// block or in either tail length, is reported as such. The rest of the
    /// input is 'A' (all-zero bits, canonical), so the only possible error
    /// is the invalid character: `(a | b)` weakened to `(a & b)` lets "+A"
    /// through, and `^` lets "++" through (two 0xff cancel).
    #[test]
    fn an_invalid_character_in_any_positions_is_refused() {
        for len in [2_usize, 3, 4, 6, 7, 8] {
            for mask in 1_u32..(1 << len) {
                for bad in [b'+', b'/', b'=', b' ', 0x80, 0xff] {
                    let input: Vec<u8> = (0..len)
                        .map(|i| if mask >> i & 1 == 1 { bad } else { b'A' })
                        .collect();
                    assert_eq!(decode(&input), Err(invalid_char()), "{input:?}");
                    let mut out = [0_u8; 6];
                    assert_eq!(decode_to_slice(&input, &mut out), Err(invalid_char()));
                }
            }
        }
        assert_eq!(decode(b"Z+8"), Err(invalid_char()));
        assert_eq!(decode(b"+A"), Err(invalid_char()));
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
            let secret = decode_secret(&s).ok().map(|v| v.to_vec());
            prop_assert_eq!(secret, Base64UrlUnpadded::decode_vec(&s).ok());
        }

        /// Secrets decode into one buffer of exactly their size.
        #[test]
        fn secrets_decode_into_a_buffer_of_their_exact_size(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let secret = decode_secret(&encode(&data)).unwrap();
            prop_assert_eq!(secret.as_slice(), data.as_slice());
            prop_assert_eq!(secret.capacity(), data.len());
        }
    }
}

//! Hidden hooks for the fuzz harness (`fuzz/harness`), behind the `fuzzing`
//! feature. Not part of the public API.
//!
//! The harness checks everything else through the public API. These two
//! reach crate-private steps it compares the public paths against: the
//! strict header parser, and the verification steps with the known-header
//! shortcut turned off.

use alloc::vec::Vec;

use crate::error::Error;
use crate::jws::Header;
use crate::keys::VerifyingKey;

/// The strict parser for a decoded protected header (JSON text), as
/// verification applies it.
pub fn parse_header(json_text: &str) -> Result<Header, Error> {
    Header::parse(json_text)
}

/// What [`VerifyingKey::verify_signature_only`] does (structure, header,
/// `kid`, `alg`, signature), on raw bytes rather than `&str`, and with the
/// known-header shortcut on or off. With it off, every header goes through
/// the full parser.
pub fn verify_signature(
    key: &VerifyingKey,
    token: &[u8],
    max_len: usize,
    known_header_shortcut: bool,
) -> Result<(Header, Vec<u8>), Error> {
    crate::jwt::verify_signature(
        token,
        max_len,
        |segment| {
            key.known_segment(segment)
                .filter(|_| known_header_shortcut)
                .map(|h| (key, h))
        },
        |kid| match kid {
            Some(kid) if kid != key.kid() => Err(Error::UnknownKid),
            _ => Ok(key),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alg::Algorithm;
    use crate::jwt::{Claims, DEFAULT_MAX_TOKEN_LEN, Empty};
    use crate::keys::SigningKey;

    /// The hooks must answer exactly as the public path does; otherwise the
    /// harness would compare the public path against something else.
    #[test]
    fn hooks_agree_with_the_public_path() {
        let key = SigningKey::from_hmac_secret(Algorithm::Hs256, &[3; 32])
            .unwrap()
            .with_kid("k");
        let public = key.verifying_key();
        let token = key
            .sign(&Claims::new(Empty {}).valid_for(1_000, 60))
            .unwrap();
        let expected = public.verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN);
        assert!(expected.is_ok());
        for shortcut in [true, false] {
            let got = verify_signature(&public, token.as_bytes(), DEFAULT_MAX_TOKEN_LEN, shortcut);
            assert_eq!(got, expected);
        }
        let other = public.clone().with_kid("other");
        for shortcut in [true, false] {
            let got = verify_signature(&other, token.as_bytes(), DEFAULT_MAX_TOKEN_LEN, shortcut);
            assert_eq!(got, Err(Error::UnknownKid));
        }
        let mut bad = token.into_bytes();
        let last = bad.len() - 3;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        for shortcut in [true, false] {
            let got = verify_signature(&public, &bad, DEFAULT_MAX_TOKEN_LEN, shortcut);
            assert_eq!(got, Err(Error::BadSignature));
        }
        assert_eq!(
            parse_header(r#"{"alg":"HS256","kid":"k"}"#).map(|h| (h.alg, h.kid)),
            Ok((Algorithm::Hs256, Some("k".into())))
        );
        assert_eq!(
            parse_header(r#"{"alg":"none"}"#),
            Err(Error::UnsupportedAlg)
        );
    }
}

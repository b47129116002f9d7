//! Reading `--key FILE`: a JWK, a JWKS, or PEM; `-` is standard input.
//!
//! Errors name the file and the rule that failed, never the key material.
//! Key material is only ever held in buffers that are wiped when dropped
//! (see "Where secret bytes live" in `docs/security.md`).

use std::fmt;
use std::io::{self, Read};

use auth_core::{Algorithm, Jwk, KeySet, SigningKey, VerifyingKey, parse_jwks};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use zeroize::Zeroizing;

use crate::Failure;

/// The contents of one key file.
pub(crate) enum KeyFile {
    Jwk(Box<Jwk>),
    /// A JWKS, kept as text too: a key file may hold secrets, and is loaded
    /// for verification with [`KeySet::from_secret_jwks`].
    Jwks {
        text: Zeroizing<String>,
        keys: Vec<Jwk>,
    },
    Pem(Zeroizing<String>),
}

/// The first read buffer for standard input, whose size is not known.
const STDIN_START: usize = 16 * 1024;

/// Reads a file (or standard input for `-`) as text, wiped when dropped.
///
/// Not `read_to_string`: it grows its buffer by reallocation, and every
/// buffer it outgrows is freed with the key still in it. A file is read into
/// one buffer of its size (plus one byte, to see the end); standard input,
/// of unknown size, into buffers that are wiped as they are outgrown.
pub(crate) fn read_text(path: &str) -> Result<Zeroizing<String>, Failure> {
    let failed = |e: io::Error| Failure::usage(format!("cannot read {path}: {}", e.kind()));
    let bytes = if path == "-" {
        read_all(&mut stdin()?, STDIN_START)
    } else {
        let mut file = std::fs::File::open(path).map_err(failed)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        read_all(
            &mut file,
            usize::try_from(size).unwrap_or(0).saturating_add(1),
        )
    }
    .map_err(failed)?;
    into_text(bytes).ok_or_else(|| Failure::usage(format!("cannot read {path}: not UTF-8")))
}

/// Standard input. On unix, a `File` on its descriptor: std's own stdin
/// buffer is never wiped, so key material must not pass through it.
#[cfg(unix)]
fn stdin() -> Result<impl Read, Failure> {
    use std::os::fd::AsFd;
    io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .map_err(|e| Failure::usage(format!("cannot read standard input: {}", e.kind())))
}

/// Standard input, through std's buffer (which a read of at least its size
/// bypasses; [`STDIN_START`] is twice that).
#[cfg(not(unix))]
fn stdin() -> Result<impl Read, Failure> {
    Ok(io::stdin().lock())
}

/// Reads `reader` to its end into a buffer of `capacity` bytes, moving to one
/// twice as large (and wiping the old one) whenever it fills up.
fn read_all(reader: &mut impl Read, capacity: usize) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; capacity.max(1)]);
    let mut len = 0;
    loop {
        if len == buf.len() {
            let mut bigger = Zeroizing::new(vec![0u8; buf.len().saturating_mul(2)]);
            bigger[..len].copy_from_slice(&buf[..len]);
            buf = bigger;
        }
        match reader.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    Ok(buf)
}

/// The bytes as text, in the same buffer; `None` (the bytes wiped) if they
/// are not UTF-8.
fn into_text(mut bytes: Zeroizing<Vec<u8>>) -> Option<Zeroizing<String>> {
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Some(Zeroizing::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            None
        }
    }
}

/// Whether a JSON document is an object with a top-level `keys` member.
/// Member values are skipped without being copied anywhere (unlike parsing
/// into a `serde_json::Value`, whose strings, secrets included, would be
/// freed unwiped). Anything that is not a JSON object answers `false`.
fn has_keys_member(text: &str) -> bool {
    struct Probe(bool);
    struct ProbeVisitor;
    impl<'de> Visitor<'de> for ProbeVisitor {
        type Value = Probe;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
            let mut found = false;
            while let Some(name) = map.next_key::<String>()? {
                found |= name == "keys";
                map.next_value::<IgnoredAny>()?;
            }
            Ok(Probe(found))
        }
    }
    impl<'de> Deserialize<'de> for Probe {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(ProbeVisitor)
        }
    }
    serde_json::from_str::<Probe>(text).is_ok_and(|p| p.0)
}

fn key_error(path: &str, e: &auth_core::Error) -> Failure {
    Failure::usage(format!("{path}: {e}"))
}

impl KeyFile {
    pub(crate) fn load(path: &str) -> Result<Self, Failure> {
        let text = read_text(path)?;
        let start = text.trim_start();
        if start.starts_with("-----BEGIN ") {
            return Ok(Self::Pem(text));
        }
        if !start.starts_with('{') {
            return Err(Failure::usage(format!(
                "{path}: not a JWK, a JWKS or a PEM key"
            )));
        }
        if has_keys_member(&text) {
            let keys = parse_jwks(&text).map_err(|e| key_error(path, &e))?;
            Ok(Self::Jwks { text, keys })
        } else {
            Jwk::parse(&text)
                .map(|k| Self::Jwk(Box::new(k)))
                .map_err(|e| key_error(path, &e))
        }
    }

    /// The signing key: the file's only key, or the JWKS entry named `kid`.
    pub(crate) fn signing_key(
        &self,
        path: &str,
        alg: Option<Algorithm>,
        kid: Option<&str>,
    ) -> Result<SigningKey, Failure> {
        let key = match self {
            Self::Jwk(jwk) => jwk.signing_key(alg),
            Self::Pem(pem) => SigningKey::from_pem(pem, alg),
            Self::Jwks { keys, .. } => {
                let jwk = pick(path, keys, kid)?;
                return jwk.signing_key(alg).map_err(|e| key_error(path, &e));
            }
        }
        .map_err(|e| key_error(path, &e))?;
        Ok(match kid {
            Some(kid) => key.with_kid(kid),
            None => key,
        })
    }

    /// Every verifying key in the file.
    pub(crate) fn verifying_keys(
        &self,
        path: &str,
        alg: Option<Algorithm>,
    ) -> Result<Vec<VerifyingKey>, Failure> {
        match self {
            Self::Jwk(jwk) => jwk.verifying_key(alg).map(|k| vec![k]),
            Self::Pem(pem) => VerifyingKey::from_pem(pem, alg).map(|k| vec![k]),
            Self::Jwks { keys, .. } => keys.iter().map(|k| k.verifying_key(alg)).collect(),
        }
        .map_err(|e| key_error(path, &e))
    }
}

fn pick<'a>(path: &str, keys: &'a [Jwk], kid: Option<&str>) -> Result<&'a Jwk, Failure> {
    match (kid, keys) {
        (Some(kid), _) => keys
            .iter()
            .find(|k| k.kid() == Some(kid))
            .ok_or_else(|| Failure::usage(format!("{path}: no key with kid {kid:?}"))),
        (None, [only]) => Ok(only),
        (None, _) => Err(Failure::usage(format!(
            "{path}: the JWKS holds {} keys; choose one with --kid",
            keys.len()
        ))),
    }
}

/// A key set for verification from one key file.
///
/// A JWKS file is a key file, not a JWKS published by someone else: it may
/// hold HMAC secrets, so it is loaded with [`KeySet::from_secret_jwks`]
/// (which `KeySet::from_jwks` would refuse). With `--alg`, each of its keys
/// is bound to that algorithm instead of its own `alg`.
pub(crate) fn key_set(path: &str, alg: Option<Algorithm>) -> Result<KeySet, Failure> {
    let file = KeyFile::load(path)?;
    if let (KeyFile::Jwks { text, .. }, None) = (&file, alg) {
        return KeySet::from_secret_jwks(text).map_err(|e| key_error(path, &e));
    }
    let mut set = KeySet::new();
    for key in file.verifying_keys(path, alg)? {
        set.add(key).map_err(|e| key_error(path, &e))?;
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its data a few bytes at a time, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(7);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_file_of_known_size_is_read_into_one_buffer() {
        let data: Vec<u8> = (b'a'..=b'z').cycle().take(5000).collect();
        for len in [0, 1, 2, 4999, 5000] {
            let data = &data[..len];
            let text = read_all(&mut Trickle(data), len + 1).unwrap();
            assert_eq!(text.as_slice(), data);
            // Never outgrown: the one allocation is the one that is wiped.
            assert_eq!(text.capacity(), (len + 1).max(1), "{len}");
        }
    }

    #[test]
    fn input_larger_than_its_buffer_arrives_whole() {
        let data: Vec<u8> = (0..=250u8).cycle().take(100_000).collect();
        for start in [1, 3, 4096] {
            assert_eq!(
                read_all(&mut Trickle(&data), start).unwrap().as_slice(),
                data
            );
            assert_eq!(
                read_all(&mut data.as_slice(), start).unwrap().as_slice(),
                data
            );
        }
    }

    #[test]
    fn text_must_be_utf8() {
        assert_eq!(
            into_text(Zeroizing::new(b"{\"k\":1}".to_vec()))
                .as_deref()
                .map(String::as_str),
            Some("{\"k\":1}")
        );
        assert!(into_text(Zeroizing::new(vec![b'{', 0xff])).is_none());
    }

    #[test]
    fn keys_member_is_found_at_the_top_level_only() {
        assert!(has_keys_member(r#"{"keys":[]}"#));
        assert!(has_keys_member(
            r#"{"a":{"keys":1},"k\u0065ys":[{"k":"c2VjcmV0"}]}"#
        ));
        assert!(!has_keys_member(
            r#"{"kty":"oct","k":"c2VjcmV0","x":{"keys":[]}}"#
        ));
        assert!(!has_keys_member(r#"[{"keys":[]}]"#));
        assert!(!has_keys_member(r#"{"keys":[]"#));
        assert!(!has_keys_member("-----BEGIN"));
    }
}

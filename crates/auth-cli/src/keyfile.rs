//! Reading `--key FILE`: a JWK, a JWKS, or PEM; `-` is standard input.
//!
//! Errors name the file and the rule that failed, never the key material.

use std::io::Read;

use auth_core::{Algorithm, Jwk, KeySet, SigningKey, VerifyingKey, parse_jwks};
use zeroize::Zeroizing;

use crate::Failure;

/// The contents of one key file.
pub(crate) enum KeyFile {
    Jwk(Box<Jwk>),
    Jwks(Vec<Jwk>),
    Pem(Zeroizing<String>),
}

/// Reads a file (or standard input for `-`) as text, wiped when dropped.
pub(crate) fn read_text(path: &str) -> Result<Zeroizing<String>, Failure> {
    let mut text = Zeroizing::new(String::new());
    let result = if path == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    result.map_err(|e| Failure::usage(format!("cannot read {path}: {}", e.kind())))?;
    Ok(text)
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
        let is_set = serde_json::from_str::<serde_json::Value>(&text)
            .map(|v| v.get("keys").is_some())
            .unwrap_or(false);
        if is_set {
            parse_jwks(&text)
                .map(Self::Jwks)
                .map_err(|e| key_error(path, &e))
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
            Self::Jwks(keys) => {
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
            Self::Jwks(keys) => keys.iter().map(|k| k.verifying_key(alg)).collect(),
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
pub(crate) fn key_set(path: &str, alg: Option<Algorithm>) -> Result<KeySet, Failure> {
    let mut set = KeySet::new();
    for key in KeyFile::load(path)?.verifying_keys(path, alg)? {
        set.add(key).map_err(|e| key_error(path, &e))?;
    }
    Ok(set)
}

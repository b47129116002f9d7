//! A set of verifying keys selected by `kid`, plus at most one signing key.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Jwk, SigningKey, VerifyingKey, parse_jwks};
use crate::error::Error;

/// Several verification keys at once (for rotation), chosen by the token's
/// `kid`, and at most one signing key.
///
/// A token without `kid` is accepted only when the set holds exactly one key:
/// the set never tries keys one after another.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
    signer: Option<SigningKey>,
}

impl KeySet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a verifying key. Key ids must be unique within the set.
    pub fn add(&mut self, key: VerifyingKey) -> Result<(), Error> {
        if self.keys.iter().any(|k| k.kid() == key.kid()) {
            return Err(Error::InvalidKey(
                "the set already holds a key with this kid",
            ));
        }
        self.keys.push(key);
        Ok(())
    }

    /// Sets the signing key (replacing any earlier one) and adds its
    /// verifying key to the set.
    ///
    /// If the set already holds a key with this kid, it must be this very key
    /// (same algorithm, same key material): a different key under the same
    /// kid would be chosen to verify every token the new key signs, and all
    /// of them would fail. That is refused like [`KeySet::add`] refuses it,
    /// and the set is left unchanged.
    pub fn set_signing_key(&mut self, key: SigningKey) -> Result<(), Error> {
        let public = key.verifying_key();
        match self.keys.iter().find(|k| k.kid() == key.kid()) {
            Some(existing) if !existing.same_key(&public) => {
                return Err(Error::InvalidKey(
                    "the set already holds a different key with this kid",
                ));
            }
            Some(_) => {}
            None => self.keys.push(public),
        }
        self.signer = Some(key);
        Ok(())
    }

    /// Removes the verifying key with `kid`; returns whether one was there.
    /// The signing key, if it has that kid, is removed too.
    pub fn remove(&mut self, kid: &str) -> bool {
        if self.signer.as_ref().is_some_and(|s| s.kid() == kid) {
            self.signer = None;
        }
        let before = self.keys.len();
        self.keys.retain(|k| k.kid() != kid);
        self.keys.len() != before
    }

    /// Builds a set of verifying keys from a published JWKS (the document an
    /// issuer serves, e.g. at `jwks_uri`). Each key must state its `alg` (EC
    /// keys may rely on `crv` instead).
    ///
    /// A published JWKS is readable by anyone, so a secret in it lets every
    /// reader sign: a symmetric key (`kty: "oct"`) or a private member of an
    /// RSA or EC key is refused (`invalid_key`), not quietly used. Load a key
    /// file that holds secrets with [`KeySet::from_secret_jwks`].
    pub fn from_jwks(json_text: &str) -> Result<Self, Error> {
        let keys = parse_jwks(json_text)?;
        if keys.iter().any(Jwk::is_symmetric) {
            return Err(Error::InvalidKey(
                "a published JWKS must not hold a secret (`oct`) key",
            ));
        }
        if keys.iter().any(Jwk::has_private_members) {
            return Err(Error::InvalidKey(
                "a published JWKS must not hold private key members",
            ));
        }
        Self::from_list(&keys)
    }

    /// Builds a set of verifying keys from a JWKS that is itself a secret: a
    /// key file of HMAC secrets (`kty: "oct"`), or of private RSA and EC
    /// keys (their public halves are used). Each key must state its `alg`
    /// (EC keys may rely on `crv` instead).
    ///
    /// Never use this for a JWKS fetched from someone else: whoever can put
    /// an `oct` key in it can then sign tokens this set accepts. That is what
    /// [`KeySet::from_jwks`] is for.
    pub fn from_secret_jwks(json_text: &str) -> Result<Self, Error> {
        Self::from_list(&parse_jwks(json_text)?)
    }

    fn from_list(keys: &[Jwk]) -> Result<Self, Error> {
        let mut set = Self::new();
        for jwk in keys {
            set.add(jwk.verifying_key(None)?)?;
        }
        Ok(set)
    }

    /// The public JWKS of every verifying key. A set holding an HMAC key has
    /// nothing it may publish: `invalid_key`.
    pub fn to_jwks(&self) -> Result<String, Error> {
        let mut out = String::from(r#"{"keys":["#);
        for (i, key) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&key.to_public_jwk()?);
        }
        out.push_str("]}");
        Ok(out)
    }

    /// The signing key, if one was set.
    #[must_use]
    pub fn signing_key(&self) -> Option<&SigningKey> {
        self.signer.as_ref()
    }

    /// The verifying keys, in insertion order.
    #[must_use]
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// The key for a token's `kid`: the key with that id, or, for a token
    /// without one, the only key in the set.
    pub fn find(&self, kid: Option<&str>) -> Result<&VerifyingKey, Error> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid() == kid),
            None => match self.keys.as_slice() {
                [only] => Some(only),
                _ => None,
            },
        }
        .ok_or(Error::UnknownKid)
    }
}

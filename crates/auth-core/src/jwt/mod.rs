//! Signing and verifying JSON Web Tokens (RFC 7519) in JWS compact form.
//!
//! Verification runs in a fixed order, and nothing from the token is trusted
//! before the signature has verified:
//!
//! 1. length limit, then exactly three parts;
//! 2. the header: strict base64url, a JSON object without repeated members,
//!    a supported `alg`, no `crit`, no `b64: false`;
//! 3. the key, chosen by `kid` from the caller's keys (never from `jku`,
//!    `x5u`, `jwk` or `x5c`), and the header's `alg` must be the key's;
//! 4. the signature;
//! 5. `typ`, then the payload: a JSON object whose registered claims have
//!    their registered types, then time, issuer, audience, subject and
//!    required claims, then the application's claims type.

mod claims;
mod validation;

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) use claims::Registered;
pub use claims::{Claims, Empty};
pub use validation::{DEFAULT_MAX_TOKEN_LEN, MAX_LEEWAY, Validation};

use crate::encoding::base64url;
use crate::error::Error;
use crate::jws::{Compact, Header, encode_header};
use crate::keys::{KeySet, SigningKey, VerifyingKey};

/// Options for the protected header of a token being signed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignOptions {
    /// The `typ` header (default `JWT`; `None` leaves it out).
    pub typ: Option<String>,
    /// Whether to put the key's `kid` in the header (default `true`).
    pub include_kid: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            typ: Some("JWT".into()),
            include_kid: true,
        }
    }
}

impl SignOptions {
    /// Sets `typ`, e.g. `at+jwt` for RFC 9068 access tokens.
    #[must_use]
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Leaves `typ` out of the header.
    #[must_use]
    pub fn without_typ(mut self) -> Self {
        self.typ = None;
        self
    }

    /// Leaves `kid` out of the header.
    #[must_use]
    pub fn without_kid(mut self) -> Self {
        self.include_kid = false;
        self
    }
}

impl SigningKey {
    /// Signs `claims` with `typ: JWT` and this key's `kid` in the header.
    pub fn sign<T: Serialize>(&self, claims: &Claims<T>) -> Result<String, Error> {
        self.sign_with(claims, &SignOptions::default())
    }

    /// Signs `claims` with the given header options.
    pub fn sign_with<T: Serialize>(
        &self,
        claims: &Claims<T>,
        options: &SignOptions,
    ) -> Result<String, Error> {
        let header = encode_header(
            self.alg(),
            options.typ.as_deref(),
            options.include_kid.then(|| self.kid()),
        );
        let payload = claims.to_json()?;
        self.sign_parts(header.as_bytes(), payload.as_bytes())
    }

    /// Signs a raw header and payload (both JSON texts) as they are.
    pub(crate) fn sign_parts(&self, header: &[u8], payload: &[u8]) -> Result<String, Error> {
        let mut token = String::with_capacity(
            base64url::encoded_len(header.len()) + base64url::encoded_len(payload.len()) + 700,
        );
        base64url::encode_into(header, &mut token);
        token.push('.');
        base64url::encode_into(payload, &mut token);
        let signature = self.sign_bytes(token.as_bytes())?;
        token.push('.');
        base64url::encode_into(&signature, &mut token);
        Ok(token)
    }
}

impl VerifyingKey {
    /// Verifies `token` with this key and `validation` at time `now`
    /// (seconds since the Unix epoch), returning its claims.
    ///
    /// A token that names a `kid` other than this key's is `unknown_kid`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
        now: u64,
    ) -> Result<Claims<T>, Error> {
        verify(token, validation, now, |kid| self.select(kid))
    }

    fn select(&self, kid: Option<&str>) -> Result<&Self, Error> {
        match kid {
            Some(kid) if kid != self.kid() => Err(Error::UnknownKid),
            _ => Ok(self),
        }
    }
}

impl VerifyingKey {
    /// Verifies a JWS whose payload need not be a JWT (RFC 7515 examples,
    /// detached content types). Checks structure, header, `kid`, `alg` and
    /// signature exactly as [`VerifyingKey::verify`] does, and returns the
    /// header and the raw payload. No claim is read or checked.
    pub fn verify_jws(&self, token: &str, max_len: usize) -> Result<(Header, Vec<u8>), Error> {
        verify_signature(token.as_bytes(), max_len, |kid| self.select(kid))
    }
}

impl KeySet {
    /// Verifies `token` with the key its `kid` selects.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
        now: u64,
    ) -> Result<Claims<T>, Error> {
        verify(token, validation, now, |kid| self.find(kid))
    }

    /// Signs `claims` with the set's signing key.
    pub fn sign<T: Serialize>(&self, claims: &Claims<T>) -> Result<String, Error> {
        self.signing_key()
            .ok_or(Error::InvalidKey("the key set has no signing key"))?
            .sign(claims)
    }
}

/// The one verification pipeline behind every `verify`.
fn verify<'k, T: DeserializeOwned>(
    token: &str,
    validation: &Validation,
    now: u64,
    select: impl FnOnce(Option<&str>) -> Result<&'k VerifyingKey, Error>,
) -> Result<Claims<T>, Error> {
    let (header, payload) = verify_signature(token.as_bytes(), validation.max_token_len, select)?;
    validation.check_typ(header.typ.as_deref())?;
    let text = core::str::from_utf8(&payload)
        .map_err(|_| Error::Malformed("token payload is not UTF-8"))?;
    let mut found: Vec<bool> = alloc::vec![false; validation.required.len()];
    let registered = Registered::scan(text, |name| {
        for (want, hit) in validation.required.iter().zip(found.iter_mut()) {
            *hit |= want == name;
        }
    })?;
    validation.check_claims(&registered, now)?;
    if let Some((claim, _)) = validation
        .required
        .iter()
        .zip(&found)
        .find(|(_, hit)| !**hit)
    {
        return Err(Error::MissingClaim(claim.clone()));
    }
    let custom: T = serde_json::from_str(text).map_err(|_| Error::InvalidClaim {
        claim: "(custom claims)".into(),
        reason: "do not match the expected claims type",
    })?;
    Ok(Claims {
        iss: registered.iss,
        sub: registered.sub,
        aud: registered.aud,
        exp: registered.exp,
        nbf: registered.nbf,
        iat: registered.iat,
        jti: registered.jti,
        custom,
    })
}

/// Steps 1 to 4: structure, header, key choice, signature. Returns the
/// parsed header and the decoded (verified, not yet interpreted) payload.
pub(crate) fn verify_signature<'k>(
    token: &[u8],
    max_len: usize,
    select: impl FnOnce(Option<&str>) -> Result<&'k VerifyingKey, Error>,
) -> Result<(Header, Vec<u8>), Error> {
    let parts = Compact::split(token, max_len)?;
    let header = parts.header()?;
    let key = select(header.kid.as_deref())?;
    if header.alg != key.alg() {
        return Err(Error::AlgMismatch {
            expected: key.alg(),
            found: header.alg,
        });
    }
    let signature = base64url::decode(parts.signature)?;
    key.verify_signature(parts.signing_input, &signature)?;
    let payload = base64url::decode(parts.payload)?;
    Ok((header, payload))
}

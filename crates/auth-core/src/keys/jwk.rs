//! JSON Web Keys (RFC 7517, 7518 section 6) and key sets.
//!
//! Parsing is strict: the document goes through the same JSON guard as token
//! headers (no repeated members), every member this library reads must have
//! its registered type, and a key whose `alg`, `use`, `key_ops`, `crv` or
//! size contradicts the algorithm it is asked to serve is refused.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use super::{SigningKey, VerifyingKey};
use crate::alg::{Algorithm, Family};
use crate::encoding::{base64url, json};
use crate::error::Error;

/// The key type (`kty`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kty {
    Oct,
    Rsa,
    Ec,
}

/// One parsed JWK, not yet bound to an algorithm.
///
/// Turn it into a key with [`Jwk::verifying_key`] or [`Jwk::signing_key`].
/// `Debug` shows the key type, `kid` and `alg` only.
#[derive(Clone)]
pub struct Jwk {
    kty: Kty,
    alg: Option<Algorithm>,
    kid: Option<String>,
    usage: Option<String>,
    key_ops: Option<Vec<String>>,
    crv: Option<String>,
    n: Option<Vec<u8>>,
    e: Option<Vec<u8>>,
    x: Option<Vec<u8>>,
    y: Option<Vec<u8>>,
    k: Option<Zeroizing<Vec<u8>>>,
    d: Option<Zeroizing<Vec<u8>>>,
    p: Option<Zeroizing<Vec<u8>>>,
    q: Option<Zeroizing<Vec<u8>>>,
    dp: Option<Zeroizing<Vec<u8>>>,
    dq: Option<Zeroizing<Vec<u8>>>,
    qi: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private", &self.is_private())
            .finish_non_exhaustive()
    }
}

fn string(value: json::Value<'_>, why: &'static str) -> Result<String, Error> {
    match value {
        json::Value::Str(s) => Ok(s.value().into_owned()),
        _ => Err(Error::InvalidKey(why)),
    }
}

fn public_bytes(value: json::Value<'_>) -> Result<Vec<u8>, Error> {
    let text = string(value, "JWK key member is not a string")?;
    base64url::decode(text.as_bytes())
        .map_err(|_| Error::InvalidKey("JWK key member is not canonical base64url"))
}

fn secret_bytes(value: json::Value<'_>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let json::Value::Str(s) = value else {
        return Err(Error::InvalidKey("JWK key member is not a string"));
    };
    let text = Zeroizing::new(s.value().into_owned());
    base64url::decode_secret(&text)
}

impl Jwk {
    /// Parses one JWK from JSON text.
    pub fn parse(json_text: &str) -> Result<Self, Error> {
        let mut jwk = Self {
            kty: Kty::Oct,
            alg: None,
            kid: None,
            usage: None,
            key_ops: None,
            crv: None,
            n: None,
            e: None,
            x: None,
            y: None,
            k: None,
            d: None,
            p: None,
            q: None,
            dp: None,
            dq: None,
            qi: None,
        };
        let mut kty = None;
        json::for_each_member(json_text, json::DEFAULT_MAX_DEPTH, |name, value| {
            match name.value().as_ref() {
                "kty" => kty = Some(string(value, "JWK `kty` is not a string")?),
                "alg" => {
                    let alg = string(value, "JWK `alg` is not a string")?;
                    jwk.alg = Some(Algorithm::from_name(&alg).ok_or(Error::InvalidKey(
                        "JWK `alg` is not a supported signature algorithm",
                    ))?);
                }
                "kid" => jwk.kid = Some(string(value, "JWK `kid` is not a string")?),
                "use" => jwk.usage = Some(string(value, "JWK `use` is not a string")?),
                "key_ops" => jwk.key_ops = Some(key_ops(value)?),
                "crv" => jwk.crv = Some(string(value, "JWK `crv` is not a string")?),
                "n" => jwk.n = Some(public_bytes(value)?),
                "e" => jwk.e = Some(public_bytes(value)?),
                "x" => jwk.x = Some(public_bytes(value)?),
                "y" => jwk.y = Some(public_bytes(value)?),
                "k" => jwk.k = Some(secret_bytes(value)?),
                "d" => jwk.d = Some(secret_bytes(value)?),
                "p" => jwk.p = Some(secret_bytes(value)?),
                "q" => jwk.q = Some(secret_bytes(value)?),
                "dp" => jwk.dp = Some(secret_bytes(value)?),
                "dq" => jwk.dq = Some(secret_bytes(value)?),
                "qi" => jwk.qi = Some(secret_bytes(value)?),
                "oth" => return Err(Error::InvalidKey("multi-prime RSA keys are not supported")),
                _ => {}
            }
            Ok(())
        })
        .map_err(|e| match e {
            // Keep JSON errors specific but report them as key problems.
            Error::Malformed(why) => Error::InvalidKey(why),
            other => other,
        })?;
        jwk.kty = match kty.as_deref() {
            Some("oct") => Kty::Oct,
            Some("RSA") => Kty::Rsa,
            Some("EC") => Kty::Ec,
            Some(_) => return Err(Error::InvalidKey("JWK `kty` is not oct, RSA or EC")),
            None => return Err(Error::InvalidKey("JWK has no `kty`")),
        };
        Ok(jwk)
    }

    /// The `kid` member, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The `alg` member, if any.
    #[must_use]
    pub fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// Whether the JWK carries private (or, for `oct`, secret) material.
    #[must_use]
    pub fn is_private(&self) -> bool {
        self.k.is_some() || self.d.is_some()
    }

    /// Whether this is a symmetric key (`kty: "oct"`): a secret whatever
    /// members it has.
    pub(crate) fn is_symmetric(&self) -> bool {
        self.kty == Kty::Oct
    }

    /// Whether any private member of an RSA or EC key is present, even one
    /// that [`Jwk::is_private`] does not look at (`p` without `d`).
    pub(crate) fn has_private_members(&self) -> bool {
        [&self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qi]
            .iter()
            .any(|m| m.is_some())
    }

    /// Decides the algorithm: the JWK's `alg` and the requested one must
    /// agree; with neither, an EC key's curve decides and other keys are
    /// refused (an RSA key could be RS* or PS*, an `oct` key any HS*).
    fn resolve(&self, requested: Option<Algorithm>, op: &str) -> Result<Algorithm, Error> {
        let alg = match (self.alg, requested) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::InvalidKey(
                    "JWK `alg` contradicts the requested algorithm",
                ));
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => match (self.kty, self.crv.as_deref()) {
                (Kty::Ec, Some("P-256")) => Algorithm::Es256,
                (Kty::Ec, Some("P-384")) => Algorithm::Es384,
                _ => {
                    return Err(Error::InvalidKey(
                        "JWK has no `alg`; the algorithm must be named",
                    ));
                }
            },
        };
        let fits = matches!(
            (self.kty, alg.family()),
            (Kty::Oct, Family::Hmac) | (Kty::Rsa, Family::Rsa) | (Kty::Ec, Family::Ecdsa)
        );
        if !fits {
            return Err(Error::InvalidKey("JWK `kty` does not fit the algorithm"));
        }
        if self.usage.as_deref().is_some_and(|u| u != "sig") {
            return Err(Error::InvalidKey("JWK `use` is not `sig`"));
        }
        if let Some(ops) = &self.key_ops
            && !ops.iter().any(|o| o == op)
        {
            return Err(Error::InvalidKey(
                "JWK `key_ops` does not allow this operation",
            ));
        }
        Ok(alg)
    }

    /// A verifying key bound to `alg` (or to the JWK's own `alg`). A private
    /// JWK yields its public half (an `oct` JWK its secret).
    pub fn verifying_key(&self, alg: Option<Algorithm>) -> Result<VerifyingKey, Error> {
        let alg = self.resolve(alg, "verify")?;
        let key = match self.kty {
            Kty::Oct => VerifyingKey::from_hmac_secret(alg, self.secret_k()?)?,
            Kty::Rsa => self.rsa_verifying(alg)?,
            Kty::Ec => self.ec_verifying(alg)?,
        };
        Ok(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        })
    }

    /// A signing key bound to `alg` (or to the JWK's own `alg`). The JWK must
    /// be private.
    pub fn signing_key(&self, alg: Option<Algorithm>) -> Result<SigningKey, Error> {
        let alg = self.resolve(alg, "sign")?;
        let key = match self.kty {
            Kty::Oct => SigningKey::from_hmac_secret(alg, self.secret_k()?)?,
            Kty::Rsa => self.rsa_signing(alg)?,
            Kty::Ec => self.ec_signing(alg)?,
        };
        Ok(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        })
    }

    fn secret_k(&self) -> Result<&[u8], Error> {
        self.k
            .as_deref()
            .map(Vec::as_slice)
            .ok_or(Error::InvalidKey("JWK of type `oct` has no `k`"))
    }

    #[cfg(feature = "rsa")]
    fn rsa_public(&self) -> Result<(&[u8], &[u8]), Error> {
        match (&self.n, &self.e) {
            (Some(n), Some(e)) => Ok((n, e)),
            _ => Err(Error::InvalidKey("RSA JWK needs `n` and `e`")),
        }
    }

    #[cfg(feature = "rsa")]
    fn rsa_verifying(&self, alg: Algorithm) -> Result<VerifyingKey, Error> {
        let (n, e) = self.rsa_public()?;
        let public = super::rsa::public_from_parts(n, e)?;
        Ok(VerifyingKey::new(
            alg,
            super::Verifier::Rsa(super::rsa::RsaVerifier::new(alg, public)?),
        ))
    }

    #[cfg(feature = "rsa")]
    fn rsa_signing(&self, alg: Algorithm) -> Result<SigningKey, Error> {
        let (n, e) = self.rsa_public()?;
        let (Some(d), Some(p), Some(q)) = (&self.d, &self.p, &self.q) else {
            return Err(Error::InvalidKey("private RSA JWK needs `d`, `p` and `q`"));
        };
        let crt = match (&self.dp, &self.dq, &self.qi) {
            (Some(dp), Some(dq), Some(qi)) => Some((dp.as_slice(), dq.as_slice(), qi.as_slice())),
            (None, None, None) => None,
            _ => {
                return Err(Error::InvalidKey(
                    "private RSA JWK has only some of `dp`, `dq`, `qi`",
                ));
            }
        };
        let key = super::rsa::private_from_parts(n, e, d, p, q, crt)?;
        SigningKey::new(
            alg,
            super::Signer::Rsa(super::rsa::RsaSigner::new(alg, key)?),
        )
    }

    #[cfg(not(feature = "rsa"))]
    fn rsa_verifying(&self, _: Algorithm) -> Result<VerifyingKey, Error> {
        Err(super::family_disabled())
    }

    #[cfg(not(feature = "rsa"))]
    fn rsa_signing(&self, _: Algorithm) -> Result<SigningKey, Error> {
        Err(super::family_disabled())
    }

    #[cfg(feature = "ecdsa")]
    fn ec_public(&self, alg: Algorithm) -> Result<super::ecdsa::EcVerifier, Error> {
        use super::ecdsa::{Curve, EcVerifier};
        let curve = Curve::for_alg(alg)?;
        let named = Curve::from_name(self.crv.as_deref().unwrap_or_default())?;
        if named != curve {
            return Err(Error::InvalidKey("JWK `crv` does not fit the algorithm"));
        }
        let (Some(x), Some(y)) = (&self.x, &self.y) else {
            return Err(Error::InvalidKey("EC JWK needs `x` and `y`"));
        };
        EcVerifier::from_coordinates(curve, x, y)
    }

    #[cfg(feature = "ecdsa")]
    fn ec_verifying(&self, alg: Algorithm) -> Result<VerifyingKey, Error> {
        Ok(VerifyingKey::new(
            alg,
            super::Verifier::Ec(self.ec_public(alg)?),
        ))
    }

    #[cfg(feature = "ecdsa")]
    fn ec_signing(&self, alg: Algorithm) -> Result<SigningKey, Error> {
        use super::ecdsa::EcSigner;
        let public = self.ec_public(alg)?;
        let Some(d) = &self.d else {
            return Err(Error::InvalidKey("EC JWK has no private member `d`"));
        };
        let signer = EcSigner::from_scalar(public.curve(), d)?;
        if signer.verifier().coordinates() != public.coordinates() {
            return Err(Error::InvalidKey("EC JWK `d` does not match `x` and `y`"));
        }
        SigningKey::new(alg, super::Signer::Ec(signer))
    }

    #[cfg(not(feature = "ecdsa"))]
    fn ec_verifying(&self, _: Algorithm) -> Result<VerifyingKey, Error> {
        Err(super::family_disabled())
    }

    #[cfg(not(feature = "ecdsa"))]
    fn ec_signing(&self, _: Algorithm) -> Result<SigningKey, Error> {
        Err(super::family_disabled())
    }
}

fn key_ops(value: json::Value<'_>) -> Result<Vec<String>, Error> {
    let json::Value::Array(items) = value else {
        return Err(Error::InvalidKey("JWK `key_ops` is not an array"));
    };
    let mut ops: Vec<String> = Vec::new();
    json::for_each_element(items, |item| {
        let op = string(item, "JWK `key_ops` has a non-string entry")?;
        if ops.contains(&op) {
            return Err(Error::InvalidKey("JWK `key_ops` repeats an operation"));
        }
        ops.push(op);
        Ok(())
    })?;
    Ok(ops)
}

/// Parses a JWK Set (`{"keys":[...]}`) into its keys, in order. Every entry
/// must parse; members other than `keys` are ignored.
pub fn parse_jwks(json_text: &str) -> Result<Vec<Jwk>, Error> {
    let mut keys = None;
    json::for_each_member(json_text, json::DEFAULT_MAX_DEPTH, |name, value| {
        if name.eq_str("keys") {
            let json::Value::Array(items) = value else {
                return Err(Error::InvalidKey("JWKS `keys` is not an array"));
            };
            let mut out = Vec::new();
            json::for_each_element(items, |item| match item {
                json::Value::Object(text) => {
                    out.push(Jwk::parse(text)?);
                    Ok(())
                }
                _ => Err(Error::InvalidKey(
                    "JWKS `keys` has an entry that is not an object",
                )),
            })?;
            keys = Some(out);
        }
        Ok(())
    })
    .map_err(|e| match e {
        Error::Malformed(why) => Error::InvalidKey(why),
        other => other,
    })?;
    keys.ok_or(Error::InvalidKey("JWKS has no `keys`"))
}

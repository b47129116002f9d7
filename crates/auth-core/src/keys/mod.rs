//! Signing and verifying keys. **A key knows its algorithm.**
//!
//! Every [`SigningKey`] and [`VerifyingKey`] is bound to exactly one
//! [`Algorithm`] when it is built, and verification refuses a token whose
//! header names any other (`alg_mismatch`). There is no way to build a key
//! for `none`, and no way to ask for "whatever the header says", so algorithm
//! confusion (an RS256 public key used as an HS256 secret) cannot be
//! expressed.
//!
//! Keys come from raw secrets, JWKs ([`Jwk`]), PEM, or generation. Each has a
//! key id: the one given, or else a default. For RSA and EC keys the default
//! is the RFC 7638 thumbprint of the public key. For HMAC secrets it is a
//! keyed derivation that reveals nothing about the secret (a thumbprint
//! would be a plain SHA-256 of it, in every token header; see
//! `docs/security.md`). Secrets are wiped on drop and never printed by
//! `Debug`.

#[cfg(all(feature = "ecdsa", feature = "std"))]
mod ec_verify;
#[cfg(feature = "ecdsa")]
mod ecdsa;
#[cfg(feature = "hmac")]
mod hmac;
mod jwk;
#[cfg(any(feature = "rsa", feature = "ecdsa"))]
mod pem;
#[cfg(feature = "rsa")]
mod rsa;
mod set;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

pub use jwk::{Jwk, parse_jwks};
pub use set::KeySet;

use crate::alg::{Algorithm, Family};
use crate::encoding::base64url;
use crate::encoding::json;
use crate::error::Error;

/// What a verifying key holds.
///
/// The HMAC variant keeps its pre-keyed state inline: verification is the
/// hot path and one pointer chase per token is not worth a smaller enum.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Verifier {
    #[cfg(feature = "hmac")]
    Hmac(hmac::HmacKey),
    #[cfg(feature = "rsa")]
    Rsa(rsa::RsaVerifier),
    #[cfg(feature = "ecdsa")]
    Ec(ecdsa::EcVerifier),
}

/// What a signing key holds.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Signer {
    #[cfg(feature = "hmac")]
    Hmac(hmac::HmacKey),
    #[cfg(feature = "rsa")]
    Rsa(rsa::RsaSigner),
    #[cfg(feature = "ecdsa")]
    Ec(ecdsa::EcSigner),
}

/// A key that checks signatures of exactly one algorithm.
///
/// For HS* this holds the shared secret. `Debug` shows the algorithm and key
/// id, never key material.
#[derive(Clone)]
pub struct VerifyingKey {
    alg: Algorithm,
    kid: String,
    inner: Verifier,
    /// The headers this key's own tokens carry, pre-encoded.
    known: [KnownHeader; 2],
}

/// A canonical header `{"alg":..,"typ":..,"kid":..}` a key's tokens carry
/// (one per [`KNOWN_TYPS`] entry), base64url-encoded and followed by the
/// `.` of the signing input; for HMAC keys also the MAC state after
/// absorbing it.
///
/// Signing with `kid` and one of those `typ`s starts from it, and
/// verification takes a fast path when a token's header segment equals it
/// byte for byte: equal bytes parse to the same header, so nothing is
/// skipped but repeated work.
#[derive(Clone)]
pub(crate) struct KnownHeader {
    /// The header's `typ`.
    pub(crate) typ: &'static str,
    /// `BASE64URL(header) || '.'`.
    pub(crate) prefix: String,
    #[cfg(feature = "hmac")]
    hmac: Option<hmac::HmacPrefix>,
}

/// The `typ`s of the known headers: `JWT`, the default, and `at+jwt`, the
/// token service's access tokens (RFC 9068).
pub(crate) const KNOWN_TYPS: [&str; 2] = ["JWT", crate::tokens::ACCESS_TOKEN_TYP];

/// The known headers of a key with `alg`, `kid` and `inner`, in the order
/// of [`KNOWN_TYPS`].
fn known_headers(alg: Algorithm, kid: &str, inner: &Verifier) -> [KnownHeader; 2] {
    KNOWN_TYPS.map(|typ| KnownHeader::new(alg, typ, kid, inner))
}

impl KnownHeader {
    fn new(alg: Algorithm, typ: &'static str, kid: &str, inner: &Verifier) -> Self {
        let header = crate::jws::encode_header(alg, Some(typ), Some(kid));
        let mut prefix = String::with_capacity(base64url::encoded_len(header.len()) + 1);
        base64url::encode_into(header.as_bytes(), &mut prefix);
        prefix.push('.');
        #[cfg(feature = "hmac")]
        let hmac = match inner {
            Verifier::Hmac(k) => Some(k.absorb(prefix.as_bytes())),
            #[allow(unreachable_patterns)]
            _ => None,
        };
        #[cfg(not(feature = "hmac"))]
        let _ = inner;
        Self {
            typ,
            prefix,
            #[cfg(feature = "hmac")]
            hmac,
        }
    }

    /// The header segment alone (without the `.`).
    pub(crate) fn segment(&self) -> &[u8] {
        let bytes = self.prefix.as_bytes();
        &bytes[..bytes.len().saturating_sub(1)]
    }
}

/// A key that makes signatures of exactly one algorithm.
///
/// `Debug` shows the algorithm and key id, never key material.
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    kid: String,
    inner: Signer,
    /// The matching verifying key, built (and checked) once.
    public: VerifyingKey,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn family_disabled() -> Error {
    Error::InvalidKey("support for this algorithm family is not compiled in")
}

impl VerifyingKey {
    pub(crate) fn new(alg: Algorithm, inner: Verifier) -> Self {
        let kid = default_kid(&inner);
        let known = known_headers(alg, &kid, &inner);
        Self {
            alg,
            kid,
            inner,
            known,
        }
    }

    /// Whether `other` is the same key: the same algorithm and the same key
    /// material (HMAC secrets compared in constant time). Key ids are not
    /// compared.
    pub(crate) fn same_key(&self, other: &Self) -> bool {
        if self.alg != other.alg {
            return false;
        }
        match (&self.inner, &other.inner) {
            #[cfg(feature = "hmac")]
            (Verifier::Hmac(a), Verifier::Hmac(b)) => a.same_secret(b),
            #[cfg(feature = "rsa")]
            (Verifier::Rsa(a), Verifier::Rsa(b)) => a.public_key() == b.public_key(),
            #[cfg(feature = "ecdsa")]
            (Verifier::Ec(a), Verifier::Ec(b)) => {
                a.curve() == b.curve() && a.coordinates() == b.coordinates()
            }
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The known header with `typ`, if there is one.
    pub(crate) fn known_header(&self, typ: &str) -> Option<&KnownHeader> {
        self.known.iter().find(|k| k.typ == typ)
    }

    /// The known header whose segment is `segment`, if there is one.
    pub(crate) fn known_segment(&self, segment: &[u8]) -> Option<&KnownHeader> {
        self.known.iter().find(|k| k.segment() == segment)
    }

    /// Verifies a signature over a signing input that starts with this
    /// key's known header prefix.
    pub(crate) fn verify_known(
        &self,
        known: &KnownHeader,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        #[cfg(feature = "hmac")]
        if let (Verifier::Hmac(k), Some(prefix)) = (&self.inner, &known.hmac) {
            let rest = signing_input.get(known.prefix.len()..).unwrap_or_default();
            return k.verify_after(prefix, rest, signature);
        }
        #[cfg(not(feature = "hmac"))]
        let _ = known;
        self.verify_signature(signing_input, signature)
    }

    /// An HS256/HS384/HS512 key from a shared secret. The secret must be at
    /// least as long as the hash output (32, 48 or 64 bytes).
    ///
    /// Its default key id is
    /// `base64url(HMAC-SHA256(key = secret, msg = "auth-core oct kid v1")[..16])`:
    /// every process that loads the same secret derives the same id, and the
    /// id reveals nothing about the secret (it is never a hash of the secret
    /// alone, as an RFC 7638 thumbprint would be). The same holds for
    /// [`SigningKey::from_hmac_secret`] and `oct` JWKs without a `kid`.
    pub fn from_hmac_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        #[cfg(feature = "hmac")]
        {
            Ok(Self::new(
                alg,
                Verifier::Hmac(hmac::HmacKey::new(alg, secret)?),
            ))
        }
        #[cfg(not(feature = "hmac"))]
        {
            let _ = (alg, secret);
            Err(family_disabled())
        }
    }

    /// A key from PEM: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`), or any
    /// private key form [`SigningKey::from_pem`] accepts (its public half is
    /// used). RSA keys need `alg`; EC keys take it from their curve, and a
    /// given `alg` must agree.
    pub fn from_pem(pem: &str, alg: Option<Algorithm>) -> Result<Self, Error> {
        #[cfg(any(feature = "rsa", feature = "ecdsa"))]
        {
            pem::verifying_key(pem, alg)
        }
        #[cfg(not(any(feature = "rsa", feature = "ecdsa")))]
        {
            let _ = (pem, alg);
            Err(family_disabled())
        }
    }

    /// A key from one JWK (JSON text). See [`Jwk::verifying_key`].
    pub fn from_jwk(json: &str, alg: Option<Algorithm>) -> Result<Self, Error> {
        Jwk::parse(json)?.verifying_key(alg)
    }

    /// Replaces the key id (by default the RFC 7638 thumbprint of a public
    /// key; for an HMAC secret see [`VerifyingKey::from_hmac_secret`]).
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self.known = known_headers(self.alg, &self.kid, &self.inner);
        self
    }

    /// The one algorithm this key verifies.
    #[must_use]
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key.
    ///
    /// `None` for an HMAC key: its thumbprint would be a SHA-256 of the
    /// secret itself, a value anyone can check guessed secrets against and
    /// match across deployments, so it is never computed.
    #[must_use]
    pub fn thumbprint(&self) -> Option<String> {
        thumbprint_of_verifier(&self.inner)
    }

    /// The public JWK (JSON) with `kty`, `kid`, `alg`, `use: "sig"` and the
    /// public parameters. HMAC keys have no public form: `invalid_key`.
    pub fn to_public_jwk(&self) -> Result<String, Error> {
        let mut out = String::from("{");
        let written = match &self.inner {
            #[cfg(feature = "hmac")]
            Verifier::Hmac(_) => false,
            #[cfg(feature = "rsa")]
            Verifier::Rsa(k) => {
                jwk_rsa_public(&mut out, k.public_key());
                true
            }
            #[cfg(feature = "ecdsa")]
            Verifier::Ec(k) => {
                jwk_ec_public(&mut out, k);
                true
            }
        };
        if !written {
            return Err(Error::InvalidKey("an HMAC secret has no public JWK"));
        }
        jwk_tail(&mut out, self.alg, &self.kid);
        Ok(out)
    }

    pub(crate) fn verify_signature(
        &self,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        match &self.inner {
            #[cfg(feature = "hmac")]
            Verifier::Hmac(k) => k.verify(signing_input, signature),
            #[cfg(feature = "rsa")]
            Verifier::Rsa(k) => k.verify(signing_input, signature),
            #[cfg(feature = "ecdsa")]
            Verifier::Ec(k) => k.verify(signing_input, signature),
        }
    }
}

impl SigningKey {
    pub(crate) fn new(alg: Algorithm, inner: Signer) -> Result<Self, Error> {
        let verifier = match &inner {
            #[cfg(feature = "hmac")]
            Signer::Hmac(k) => Verifier::Hmac(k.clone()),
            #[cfg(feature = "rsa")]
            Signer::Rsa(k) => Verifier::Rsa(k.verifier(alg)?),
            #[cfg(feature = "ecdsa")]
            Signer::Ec(k) => Verifier::Ec(k.verifier()),
        };
        let public = VerifyingKey::new(alg, verifier);
        Ok(Self {
            alg,
            kid: public.kid.clone(),
            inner,
            public,
        })
    }

    /// An HS256/HS384/HS512 key from a shared secret. The secret must be at
    /// least as long as the hash output (32, 48 or 64 bytes). Its default key
    /// id is described on [`VerifyingKey::from_hmac_secret`].
    pub fn from_hmac_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        #[cfg(feature = "hmac")]
        {
            Self::new(alg, Signer::Hmac(hmac::HmacKey::new(alg, secret)?))
        }
        #[cfg(not(feature = "hmac"))]
        {
            let _ = (alg, secret);
            Err(family_disabled())
        }
    }

    /// A new random key for `alg`: an HMAC secret as long as the hash output,
    /// a 2048-bit RSA key, or an EC key on the algorithm's curve.
    pub fn generate(alg: Algorithm) -> Result<Self, Error> {
        Self::generate_with_rsa_bits(alg, 2048)
    }

    /// Like [`SigningKey::generate`], with the RSA modulus size (2048 to 8192
    /// bits; ignored for other families).
    pub fn generate_with_rsa_bits(alg: Algorithm, rsa_bits: usize) -> Result<Self, Error> {
        match alg.family() {
            Family::Hmac => {
                let mut secret = Zeroizing::new([0u8; 64]);
                let secret = &mut secret[..alg.hash_len()];
                getrandom::fill(secret).map_err(|_| Error::Random)?;
                Self::from_hmac_secret(alg, secret)
            }
            #[cfg(feature = "rsa")]
            Family::Rsa => {
                let _ = rsa_bits;
                Self::new(
                    alg,
                    Signer::Rsa(rsa::RsaSigner::new(alg, rsa::generate(rsa_bits)?)?),
                )
            }
            #[cfg(feature = "ecdsa")]
            Family::Ecdsa => {
                let curve = ecdsa::Curve::for_alg(alg)?;
                Self::new(alg, Signer::Ec(ecdsa::EcSigner::generate(curve)?))
            }
            #[allow(unreachable_patterns)]
            _ => {
                let _ = rsa_bits;
                Err(family_disabled())
            }
        }
    }

    /// A key from PEM: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or
    /// SEC1 (`EC PRIVATE KEY`). RSA keys need `alg`; EC keys take it from
    /// their curve, and a given `alg` must agree.
    pub fn from_pem(pem: &str, alg: Option<Algorithm>) -> Result<Self, Error> {
        #[cfg(any(feature = "rsa", feature = "ecdsa"))]
        {
            pem::signing_key(pem, alg)
        }
        #[cfg(not(any(feature = "rsa", feature = "ecdsa")))]
        {
            let _ = (pem, alg);
            Err(family_disabled())
        }
    }

    /// A key from one private JWK (JSON text). See [`Jwk::signing_key`].
    pub fn from_jwk(json: &str, alg: Option<Algorithm>) -> Result<Self, Error> {
        Jwk::parse(json)?.signing_key(alg)
    }

    /// Replaces the key id (by default the RFC 7638 thumbprint of a public
    /// key; for an HMAC secret see [`VerifyingKey::from_hmac_secret`]).
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self.public = self.public.with_kid(self.kid.clone());
        self
    }

    /// The one algorithm this key signs with.
    #[must_use]
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key that verifies this key's signatures, with the same key id.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// Signs a signing input that starts with this key's known header
    /// prefix (see [`KnownHeader`]).
    pub(crate) fn sign_known(
        &self,
        known: &KnownHeader,
        signing_input: &[u8],
    ) -> Result<Vec<u8>, Error> {
        #[cfg(feature = "hmac")]
        if let (Signer::Hmac(k), Some(prefix)) = (&self.inner, &known.hmac) {
            let rest = signing_input.get(known.prefix.len()..).unwrap_or_default();
            return Ok(k.sign_after(prefix, rest));
        }
        #[cfg(not(feature = "hmac"))]
        let _ = known;
        self.sign_bytes(signing_input)
    }

    /// The known header with `typ`, if there is one.
    pub(crate) fn known_header(&self, typ: &str) -> Option<&KnownHeader> {
        self.public.known_header(typ)
    }

    /// The private JWK (JSON), including secret members. Handle it as the
    /// secret it is: the returned string is wiped when dropped.
    #[must_use]
    pub fn to_private_jwk(&self) -> Zeroizing<String> {
        // A string that grows by pushes frees every buffer it outgrows, and
        // the allocator does not wipe them. So every piece is made first (the
        // secret ones in buffers of their exact size, wiped on drop), then
        // the output is allocated once at its final length.
        let mut public = String::new();
        let mut secrets: Vec<(&str, Zeroizing<String>)> = Vec::with_capacity(6);
        match &self.inner {
            #[cfg(feature = "hmac")]
            Signer::Hmac(k) => {
                public.push_str(r#""kty":"oct""#);
                secrets.push(("k", base64url::encode_secret(k.secret())));
            }
            #[cfg(feature = "rsa")]
            Signer::Rsa(k) => {
                let key = k.private_key();
                jwk_rsa_public(&mut public, key.as_ref());
                let parts = rsa::private_parts(key);
                for (name, value) in [
                    ("d", &parts.d),
                    ("p", &parts.p),
                    ("q", &parts.q),
                    ("dp", &parts.dp),
                    ("dq", &parts.dq),
                    ("qi", &parts.qi),
                ] {
                    secrets.push((name, base64url::encode_secret(value)));
                }
            }
            #[cfg(feature = "ecdsa")]
            Signer::Ec(k) => {
                jwk_ec_public(&mut public, &k.verifier());
                secrets.push(("d", base64url::encode_secret(&k.scalar())));
            }
        }
        let mut tail = String::new();
        jwk_tail(&mut tail, self.alg, &self.kid);

        let mut pieces: Vec<&str> = Vec::with_capacity(3 + 5 * secrets.len());
        pieces.extend(["{", public.as_str()]);
        for (name, value) in &secrets {
            pieces.extend([",\"", name, "\":\"", value.as_str(), "\""]);
        }
        pieces.push(&tail);
        let mut out = Zeroizing::new(String::with_capacity(pieces.iter().map(|p| p.len()).sum()));
        let capacity = out.capacity();
        for piece in pieces {
            out.push_str(piece);
        }
        debug_assert_eq!(out.capacity(), capacity, "the private JWK was reallocated");
        out
    }

    /// The private key as PKCS#8 PEM (`PRIVATE KEY`), wiped when dropped.
    /// HMAC secrets have no PEM form: `invalid_key`.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        #[cfg(any(feature = "rsa", feature = "ecdsa"))]
        use pkcs8::{EncodePrivateKey, LineEnding};
        #[cfg(any(feature = "rsa", feature = "ecdsa"))]
        let failed = |_| Error::InvalidKey("the key could not be encoded as PKCS#8");
        match &self.inner {
            #[cfg(feature = "hmac")]
            Signer::Hmac(_) => Err(Error::InvalidKey("an HMAC secret has no PEM form")),
            #[cfg(feature = "rsa")]
            Signer::Rsa(k) => k.private_key().to_pkcs8_pem(LineEnding::LF).map_err(failed),
            #[cfg(feature = "ecdsa")]
            Signer::Ec(ecdsa::EcSigner::P256(k)) => k.to_pkcs8_pem(LineEnding::LF).map_err(failed),
            #[cfg(feature = "ecdsa")]
            Signer::Ec(ecdsa::EcSigner::P384(k)) => k.to_pkcs8_pem(LineEnding::LF).map_err(failed),
        }
    }

    pub(crate) fn sign_bytes(&self, signing_input: &[u8]) -> Result<Vec<u8>, Error> {
        match &self.inner {
            #[cfg(feature = "hmac")]
            Signer::Hmac(k) => Ok(k.sign(signing_input)),
            #[cfg(feature = "rsa")]
            Signer::Rsa(k) => k.sign(signing_input),
            #[cfg(feature = "ecdsa")]
            Signer::Ec(k) => k.sign(signing_input),
        }
    }
}

/// The key id of a key built without one.
fn default_kid(inner: &Verifier) -> String {
    match inner {
        #[cfg(feature = "hmac")]
        Verifier::Hmac(k) => k.default_kid().into(),
        #[allow(unreachable_patterns)]
        _ => thumbprint_of_verifier(inner).unwrap_or_default(),
    }
}

/// The RFC 7638 thumbprint of a public key; `None` for a secret.
fn thumbprint_of_verifier(inner: &Verifier) -> Option<String> {
    match inner {
        #[cfg(feature = "hmac")]
        Verifier::Hmac(_) => None,
        #[cfg(feature = "rsa")]
        Verifier::Rsa(k) => Some(thumbprint_of(&thumbprint_rsa(k.public_key()))),
        #[cfg(feature = "ecdsa")]
        Verifier::Ec(k) => Some(thumbprint_of(&thumbprint_ec(k))),
    }
}

#[cfg(any(feature = "rsa", feature = "ecdsa"))]
fn thumbprint_of(canonical_members: &str) -> String {
    let mut json = String::with_capacity(canonical_members.len() + 2);
    json.push('{');
    json.push_str(canonical_members);
    json.push('}');
    use sha2::{Digest, Sha256};
    base64url::encode(&Sha256::digest(json.as_bytes()))
}

/// The RFC 7638 required members of an RSA key, in order, without braces.
#[cfg(feature = "rsa")]
fn thumbprint_rsa(key: &::rsa::RsaPublicKey) -> String {
    let (n, e) = rsa::public_parts(key);
    let mut out = String::from(r#""e":""#);
    base64url::encode_into(&e, &mut out);
    out.push_str(r#"","kty":"RSA","n":""#);
    base64url::encode_into(&n, &mut out);
    out.push('"');
    out
}

/// The RFC 7638 required members of an EC key, in order, without braces.
#[cfg(feature = "ecdsa")]
fn thumbprint_ec(key: &ecdsa::EcVerifier) -> String {
    let (x, y) = key.coordinates();
    let mut out = String::from(r#""crv":""#);
    out.push_str(key.curve().name());
    out.push_str(r#"","kty":"EC","x":""#);
    base64url::encode_into(&x, &mut out);
    out.push_str(r#"","y":""#);
    base64url::encode_into(&y, &mut out);
    out.push('"');
    out
}

#[cfg(feature = "rsa")]
fn jwk_rsa_public(out: &mut String, key: &::rsa::RsaPublicKey) {
    let (n, e) = rsa::public_parts(key);
    out.push_str(r#""kty":"RSA","n":""#);
    base64url::encode_into(&n, out);
    out.push_str(r#"","e":""#);
    base64url::encode_into(&e, out);
    out.push('"');
}

#[cfg(feature = "ecdsa")]
fn jwk_ec_public(out: &mut String, key: &ecdsa::EcVerifier) {
    let (x, y) = key.coordinates();
    out.push_str(r#""kty":"EC","crv":""#);
    out.push_str(key.curve().name());
    out.push_str(r#"","x":""#);
    base64url::encode_into(&x, out);
    out.push_str(r#"","y":""#);
    base64url::encode_into(&y, out);
    out.push('"');
}

fn jwk_tail(out: &mut String, alg: Algorithm, kid: &str) {
    out.push_str(r#","use":"sig","alg":""#);
    out.push_str(alg.name());
    out.push_str(r#"","kid":"#);
    json::push_string(out, kid);
    out.push('}');
}

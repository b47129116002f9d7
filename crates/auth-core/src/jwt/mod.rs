//! Signing and verifying JSON Web Tokens (RFC 7519) in JWS compact form.
//!
//! Verification runs in a fixed order, and nothing from the token is trusted
//! before the signature has verified:
//!
//! 1. length limit, then exactly three parts;
//! 2. the header: unless it is byte for byte the one a key of ours writes
//!    (which is then neither measured nor parsed), at most
//!    [`MAX_HEADER_LEN`] characters before anything is decoded, strict
//!    base64url, a JSON object without repeated members and with at most
//!    [`MAX_HEADER_MEMBERS`](crate::MAX_HEADER_MEMBERS) members at any depth (the parse stops at the
//!    first one over), a supported `alg`, no `crit`, no `b64: false`;
//! 3. the key, chosen by `kid` from the caller's keys (never from `jku`,
//!    `x5u`, `jwk` or `x5c`), and the header's `alg` must be the key's;
//! 4. the signature;
//! 5. `typ`, then the payload: a JSON object whose registered claims have
//!    their registered types, then time, issuer, audience, subject and
//!    required claims, then the application's claims type.

mod claims;
mod numeric_date;
mod validation;

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) use claims::Registered;
pub use claims::{Claims, Empty};
pub use validation::{DEFAULT_MAX_TOKEN_LEN, MAX_LEEWAY, Validation};

use crate::encoding::base64url;
use crate::error::Error;
use crate::jws::{Compact, Header, HeaderRef, MAX_HEADER_LEN, encode_header};
use crate::keys::{KeySet, KnownHeader, SigningKey, VerifyingKey};

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
        let payload = claims.to_json()?;
        let known = options
            .typ
            .as_deref()
            .and_then(|typ| self.known_header(typ));
        if let (true, Some(known)) = (options.include_kid, known) {
            // A usual header: start from the key's pre-encoded prefix.
            let prefix = &known.prefix;
            let mut token =
                String::with_capacity(prefix.len() + base64url::encoded_len(payload.len()) + 700);
            token.push_str(prefix);
            base64url::encode_into(payload.as_bytes(), &mut token);
            let signature = self.sign_known(known, token.as_bytes())?;
            token.push('.');
            base64url::encode_into(&signature, &mut token);
            return Ok(token);
        }
        let header = encode_header(
            self.alg(),
            options.typ.as_deref(),
            options.include_kid.then(|| self.kid()),
        );
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

/// A verified token: its protected header and its claims.
///
/// Returned by the `verify_with_header` methods, for callers that read `kid`
/// or `typ` after verification without decoding the token a second time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified<T> {
    /// The protected header, as verified.
    pub header: Header,
    /// The claims, as validated.
    pub claims: Claims<T>,
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
        let known = |seg: &[u8]| self.known(seg);
        let select = |kid: Option<&str>| self.select(kid);
        verify(token, validation, now, known, select, |_| ()).map(|(_, claims)| claims)
    }

    /// Like [`VerifyingKey::verify`], and also returns the verified header.
    pub fn verify_with_header<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
        now: u64,
    ) -> Result<Verified<T>, Error> {
        let known = |seg: &[u8]| self.known(seg);
        let select = |kid: Option<&str>| self.select(kid);
        verify(token, validation, now, known, select, owned_header)
            .map(|(header, claims)| Verified { header, claims })
    }

    fn known(&self, header_segment: &[u8]) -> Option<(&Self, &KnownHeader)> {
        self.known_segment(header_segment).map(|h| (self, h))
    }

    fn select(&self, kid: Option<&str>) -> Result<&Self, Error> {
        match kid {
            Some(kid) if kid != self.kid() => Err(Error::UnknownKid),
            _ => Ok(self),
        }
    }

    /// Checks **only the signature** of a JWS whose payload need not be a
    /// JWT (RFC 7515 examples, detached content types): structure, header,
    /// `kid`, `alg` and signature, exactly as [`VerifyingKey::verify`] does,
    /// then returns the header and the raw payload. No claim is read, so
    /// nothing here checks expiry, issuer or audience: the caller must.
    pub fn verify_signature_only(
        &self,
        token: &str,
        max_len: usize,
    ) -> Result<(Header, Vec<u8>), Error> {
        verify_signature(
            token.as_bytes(),
            max_len,
            |seg| self.known(seg),
            |kid| self.select(kid),
        )
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
        let known = |seg: &[u8]| self.known(seg);
        let select = |kid: Option<&str>| self.find(kid);
        verify(token, validation, now, known, select, |_| ()).map(|(_, claims)| claims)
    }

    /// Like [`KeySet::verify`], and also returns the verified header.
    pub fn verify_with_header<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
        now: u64,
    ) -> Result<Verified<T>, Error> {
        let known = |seg: &[u8]| self.known(seg);
        let select = |kid: Option<&str>| self.find(kid);
        verify(token, validation, now, known, select, owned_header)
            .map(|(header, claims)| Verified { header, claims })
    }

    fn known(&self, header_segment: &[u8]) -> Option<(&VerifyingKey, &KnownHeader)> {
        self.keys()
            .iter()
            .find_map(|k| k.known_segment(header_segment).map(|h| (k, h)))
    }

    /// Signs `claims` with the set's signing key.
    pub fn sign<T: Serialize>(&self, claims: &Claims<T>) -> Result<String, Error> {
        self.signing_key()
            .ok_or(Error::InvalidKey("the key set has no signing key"))?
            .sign(claims)
    }
}

/// `HeaderRef::into_owned` as a function generic over the header's lifetime
/// (the method's lifetime is fixed by its `impl`).
fn owned_header(header: HeaderRef<'_>) -> Header {
    header.into_owned()
}

/// The one verification pipeline behind every `verify`. `keep` turns the
/// verified header into what the caller wants of it (nothing, or an owned
/// copy).
fn verify<'k, T: DeserializeOwned, H>(
    token: &str,
    validation: &Validation,
    now: u64,
    known: impl FnOnce(&[u8]) -> Option<(&'k VerifyingKey, &'k KnownHeader)>,
    select: impl FnOnce(Option<&str>) -> Result<&'k VerifyingKey, Error>,
    keep: impl FnOnce(HeaderRef<'_>) -> H,
) -> Result<(H, Claims<T>), Error> {
    let parts = Compact::split(token.as_bytes(), validation.max_token_len)?;
    let mut header_buf = None;
    let header = check_header_and_signature(&parts, &mut header_buf, known, select)?;
    validation.check_typ(header.typ.as_deref())?;
    // A payload of up to STACK_PAYLOAD bytes is decoded on the stack, in a
    // buffer zeroed only as far as a small payload needs.
    let mut small;
    let mut stack;
    let heap;
    let payload = match base64url::decoded_len(parts.payload.len()) {
        Some(n) if n <= SMALL_PAYLOAD => {
            small = [0; SMALL_PAYLOAD];
            let n = base64url::decode_to_slice(parts.payload, &mut small)?;
            &small[..n]
        }
        Some(n) if n <= STACK_PAYLOAD => {
            stack = [0; STACK_PAYLOAD];
            let n = base64url::decode_to_slice(parts.payload, &mut stack)?;
            &stack[..n]
        }
        _ => {
            heap = base64url::decode(parts.payload)?;
            &heap[..]
        }
    };
    let text = core::str::from_utf8(payload)
        .map_err(|_| Error::Malformed("token payload is not UTF-8"))?;
    // Which required claims the payload has: on the stack for the usual few.
    let mut found_inline = [false; INLINE_REQUIRED];
    let mut found_heap;
    let found: &mut [bool] = match found_inline.get_mut(..validation.required.len()) {
        Some(found) => found,
        None => {
            found_heap = alloc::vec![false; validation.required.len()];
            &mut found_heap
        }
    };
    let mark = |found: &mut [bool], name: &str| {
        for (want, hit) in validation.required.iter().zip(found.iter_mut()) {
            *hit |= want == name;
        }
    };
    // One pass when it can (it never says yes where the two passes below
    // say no); otherwise the guard's scan, the checks, then serde.
    let (registered, custom) = match Registered::one_pass::<T>(text, |n| mark(found, n)) {
        Some((registered, custom)) => (registered, Some(custom)),
        None => {
            found.fill(false);
            (Registered::scan(text, |n| mark(found, n))?, None)
        }
    };
    validation.check_claims(&registered, now)?;
    if let Some((claim, _)) = validation
        .required
        .iter()
        .zip(found.iter())
        .find(|(_, hit)| !**hit)
    {
        return Err(Error::MissingClaim(claim.clone()));
    }
    let custom: T = match custom {
        Some(custom) => custom,
        None => serde_json::from_str(text).map_err(|_| Error::InvalidClaim {
            claim: "(custom claims)".into(),
            reason: "do not match the expected claims type",
        })?,
    };
    let claims = Claims {
        iss: registered.iss,
        sub: registered.sub,
        aud: registered.aud,
        exp: registered.exp,
        nbf: registered.nbf,
        iat: registered.iat,
        jti: registered.jti,
        custom,
    };
    Ok((keep(header), claims))
}

/// How many required claims are tracked on the stack (more go to the heap).
const INLINE_REQUIRED: usize = 16;

/// The largest payload a verification decodes on the stack (a larger one
/// goes to the heap): room for what access tokens usually carry.
const STACK_PAYLOAD: usize = 1024;
/// A payload of up to this many bytes (a typical access token's) is
/// decoded into a smaller stack buffer, which costs less to zero.
const SMALL_PAYLOAD: usize = 384;

/// What a header of [`MAX_HEADER_LEN`] characters decodes to: every header
/// that is parsed fits on the stack.
const STACK_HEADER: usize = MAX_HEADER_LEN / 4 * 3;
// The division is exact only for whole base64 quanta.
const _: () = assert!(MAX_HEADER_LEN.is_multiple_of(4));
/// The longest signature any supported key makes (RSA-8192).
const MAX_SIGNATURE: usize = 1024;
/// The longest HMAC or EC signature (HS512: 64 bytes; ES384: 96).
const SMALL_SIGNATURE: usize = 96;

/// Steps 2 to 4: the header, the key choice and the signature. A header
/// that must be parsed is decoded into `buf` and borrowed from there; the
/// buffer is filled in only then, so a key's own header costs no zeroing.
fn check_header_and_signature<'b, 'k: 'b>(
    parts: &Compact<'_>,
    buf: &'b mut Option<[u8; STACK_HEADER]>,
    known: impl FnOnce(&[u8]) -> Option<(&'k VerifyingKey, &'k KnownHeader)>,
    select: impl FnOnce(Option<&str>) -> Result<&'k VerifyingKey, Error>,
) -> Result<HeaderRef<'b>, Error> {
    // Fast path: the header is, byte for byte, the one a key of ours writes,
    // so it parses to exactly (that key's alg, its kid, the header's typ).
    if let Some((key, header)) = known(parts.header) {
        with_signature(parts.signature, |signature| {
            key.verify_known(header, parts.signing_input, signature)
        })?;
        return Ok(HeaderRef {
            alg: key.alg(),
            kid: Some(Cow::Borrowed(key.kid())),
            typ: Some(Cow::Borrowed(header.typ)),
            cty: None,
        });
    }
    // Anyone can send a header, and it is parsed before any key or
    // signature is looked at: its size bounds what that costs.
    if parts.header.len() > MAX_HEADER_LEN {
        return Err(Error::TooLarge {
            limit: MAX_HEADER_LEN,
            actual: parts.header.len(),
        });
    }
    let buf = buf.insert([0; STACK_HEADER]);
    let n = base64url::decode_to_slice(parts.header, buf)?;
    let text = core::str::from_utf8(&buf[..n])
        .map_err(|_| Error::Malformed("token header is not UTF-8"))?;
    let header = HeaderRef::parse(text)?;
    let key = select(header.kid.as_deref())?;
    if header.alg != key.alg() {
        return Err(Error::AlgMismatch {
            expected: key.alg(),
            found: header.alg,
        });
    }
    with_signature(parts.signature, |signature| {
        key.verify_signature(parts.signing_input, signature)
    })?;
    Ok(header)
}

/// Decodes a signature segment on the stack and hands it to `check`. Only
/// as much stack as the signature needs is zeroed: [`SMALL_SIGNATURE`]
/// bytes for every HMAC and EC signature, [`MAX_SIGNATURE`] for RSA.
fn with_signature(
    segment: &[u8],
    check: impl FnOnce(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    match base64url::decoded_len(segment.len()) {
        Some(n) if n <= SMALL_SIGNATURE => decode_into::<SMALL_SIGNATURE>(segment, check),
        Some(n) if n <= MAX_SIGNATURE => decode_into::<MAX_SIGNATURE>(segment, check),
        // Longer than any key we hold can sign: it cannot verify.
        Some(_) => Err(Error::BadSignature),
        None => Err(Error::Malformed(
            "base64url segment has an impossible length",
        )),
    }
}

/// `with_signature` with an `N`-byte buffer, which the caller has checked
/// is large enough.
fn decode_into<const N: usize>(
    segment: &[u8],
    check: impl FnOnce(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut buf = [0; N];
    let n = base64url::decode_to_slice(segment, &mut buf)?;
    check(&buf[..n])
}

/// Steps 1 to 4 for [`VerifyingKey::verify_signature_only`]: returns the header and the
/// decoded (verified, not interpreted) payload.
pub(crate) fn verify_signature<'k>(
    token: &[u8],
    max_len: usize,
    known: impl FnOnce(&[u8]) -> Option<(&'k VerifyingKey, &'k KnownHeader)>,
    select: impl FnOnce(Option<&str>) -> Result<&'k VerifyingKey, Error>,
) -> Result<(Header, Vec<u8>), Error> {
    let parts = Compact::split(token, max_len)?;
    let mut header_buf = None;
    let header = check_header_and_signature(&parts, &mut header_buf, known, select)?.into_owned();
    let payload = base64url::decode(parts.payload)?;
    Ok((header, payload))
}

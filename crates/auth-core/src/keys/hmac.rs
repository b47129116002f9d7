//! HS256/384/512: a shared secret, pre-keyed once.

use alloc::string::String;
use alloc::vec::Vec;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::{Zeroize, Zeroizing};

use crate::alg::Algorithm;
use crate::ct;
use crate::encoding::base64url;
use crate::error::Error;

/// The message of the default key id derivation. Versioned: a different
/// derivation must come with a new label (and a new pinned test value), never
/// silently. It contains spaces, which no JWS signing input can (base64url and
/// `.` only), so the key id is never a MAC over anything a token signs.
const KID_LABEL: &[u8] = b"auth-core oct kid v1";
/// Bytes of the derivation kept for the key id: 128 bits, 22 base64url
/// characters. Enough that two secrets of one deployment never share an id.
const KID_LEN: usize = 16;

/// A pre-keyed HMAC state: cloning it costs two hash states, not a re-keying.
/// The hmac crate wipes these states on drop (its `zeroize` feature).
#[derive(Clone)]
enum State {
    S256(Hmac<Sha256>),
    S384(Hmac<Sha384>),
    S512(Hmac<Sha512>),
}

/// An HMAC secret bound to one algorithm.
#[derive(Clone)]
pub(crate) struct HmacKey {
    secret: Zeroizing<Vec<u8>>,
    state: State,
    /// The default key id, see [`HmacKey::default_kid`].
    kid: String,
}

impl HmacKey {
    /// Refuses secrets shorter than the hash output (RFC 7518 section 3.2).
    pub(crate) fn new(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        if secret.len() < alg.hash_len() {
            return Err(Error::InvalidKey(
                "HMAC secret is shorter than the hash output",
            ));
        }
        let bad = |_| Error::InvalidKey("HMAC secret was refused");
        let state = match alg {
            Algorithm::Hs256 => State::S256(Hmac::new_from_slice(secret).map_err(bad)?),
            Algorithm::Hs384 => State::S384(Hmac::new_from_slice(secret).map_err(bad)?),
            Algorithm::Hs512 => State::S512(Hmac::new_from_slice(secret).map_err(bad)?),
            _ => return Err(Error::InvalidKey("algorithm is not an HMAC algorithm")),
        };
        let kid = derive_kid(secret)?;
        Ok(Self {
            secret: Zeroizing::new(secret.to_vec()),
            state,
            kid,
        })
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The key id a key gets when none is given: the first [`KID_LEN`] bytes
    /// of HMAC-SHA256 keyed with the secret over [`KID_LABEL`], base64url.
    ///
    /// Deterministic, so every process that loads the same secret names it
    /// alike; a PRF output, so it says nothing about the secret to anyone
    /// who does not hold it (unlike the RFC 7638 thumbprint, a plain SHA-256
    /// of the secret that every JOSE tool computes). `docs/security.md` has
    /// the reasoning.
    pub(crate) fn default_kid(&self) -> &str {
        &self.kid
    }

    /// Whether `other` holds the same secret, compared in constant time (the
    /// length is public).
    pub(crate) fn same_secret(&self, other: &Self) -> bool {
        ct::ct_eq_bool(&self.secret, &other.secret)
    }

    /// The MAC state after absorbing `prefix`: signing inputs that start
    /// with it (a key's usual header) then hash only what follows.
    pub(crate) fn absorb(&self, prefix: &[u8]) -> HmacPrefix {
        let mut state = self.state.clone();
        match &mut state {
            State::S256(m) => m.update(prefix),
            State::S384(m) => m.update(prefix),
            State::S512(m) => m.update(prefix),
        }
        HmacPrefix(state)
    }

    pub(crate) fn sign(&self, data: &[u8]) -> Vec<u8> {
        sign_from(&self.state, data)
    }

    /// Signs `prefix || rest` where `prefix` was absorbed by [`Self::absorb`].
    pub(crate) fn sign_after(&self, prefix: &HmacPrefix, rest: &[u8]) -> Vec<u8> {
        sign_from(&prefix.0, rest)
    }

    /// Recomputes the MAC and compares it in constant time with [`ct::ct_eq`].
    pub(crate) fn verify(&self, data: &[u8], tag: &[u8]) -> Result<(), Error> {
        verify_from(&self.state, data, tag)
    }

    /// Verifies a tag over `prefix || rest` (see [`Self::absorb`]).
    pub(crate) fn verify_after(
        &self,
        prefix: &HmacPrefix,
        rest: &[u8],
        tag: &[u8],
    ) -> Result<(), Error> {
        verify_from(&prefix.0, rest, tag)
    }
}

/// A keyed MAC state that has absorbed a known prefix. Secret-equivalent:
/// wiped on drop like every HMAC state here.
#[derive(Clone)]
pub(crate) struct HmacPrefix(State);

/// See [`HmacKey::default_kid`]. The MAC state is wiped on drop by the hmac
/// crate; the tag is the public id.
fn derive_kid(secret: &[u8]) -> Result<String, Error> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .map_err(|_| Error::InvalidKey("HMAC secret was refused"))?;
    mac.update(KID_LABEL);
    let tag = mac.finalize().into_bytes();
    Ok(base64url::encode(&tag[..KID_LEN]))
}

/// Continues `state` over `data` and hands the MAC to `f`, in the buffer
/// `finalize` wrote it to (no copy).
fn with_mac<R>(state: &State, data: &[u8], f: impl FnOnce(&mut [u8]) -> R) -> R {
    fn run<M: Mac + Clone, R>(state: &M, data: &[u8], f: impl FnOnce(&mut [u8]) -> R) -> R {
        let mut mac = state.clone();
        mac.update(data);
        f(&mut mac.finalize().into_bytes())
    }
    match state {
        State::S256(m) => run(m, data, f),
        State::S384(m) => run(m, data, f),
        State::S512(m) => run(m, data, f),
    }
}

/// The MAC of `data`: a signature, public once the token is written.
fn sign_from(state: &State, data: &[u8]) -> Vec<u8> {
    with_mac(state, data, |mac| mac.to_vec())
}

/// Whether `tag` is the MAC of `data`, compared in constant time. The MAC
/// computed here would let whoever read it forge this very message, so it
/// is wiped once compared.
fn verify_from(state: &State, data: &[u8], tag: &[u8]) -> Result<(), Error> {
    let valid = with_mac(state, data, |expected| {
        let valid = ct::ct_eq_bool(expected, tag);
        expected.zeroize();
        valid
    });
    if valid {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

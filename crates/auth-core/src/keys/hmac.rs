//! HS256/384/512: a shared secret, pre-keyed once.

use alloc::vec::Vec;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::alg::Algorithm;
use crate::ct;
use crate::error::Error;

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
        Ok(Self {
            secret: Zeroizing::new(secret.to_vec()),
            state,
        })
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
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

/// Continues `state` over `data` and writes the MAC into `out`.
fn mac(state: &State, data: &[u8], out: &mut [u8; 64]) -> usize {
    fn run<M: Mac + Clone>(state: &M, data: &[u8], out: &mut [u8]) -> usize {
        let mut mac = state.clone();
        mac.update(data);
        let tag = mac.finalize().into_bytes();
        let n = tag.len();
        out[..n].copy_from_slice(&tag);
        n
    }
    match state {
        State::S256(m) => run(m, data, out),
        State::S384(m) => run(m, data, out),
        State::S512(m) => run(m, data, out),
    }
}

fn sign_from(state: &State, data: &[u8]) -> Vec<u8> {
    let mut buf = Zeroizing::new([0u8; 64]);
    let n = mac(state, data, &mut buf);
    buf[..n].to_vec()
}

fn verify_from(state: &State, data: &[u8], tag: &[u8]) -> Result<(), Error> {
    let mut buf = Zeroizing::new([0u8; 64]);
    let n = mac(state, data, &mut buf);
    if ct::ct_eq_bool(&buf[..n], tag) {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

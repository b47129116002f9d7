//! RS256/384/512 (PKCS#1 v1.5) and PS256/384/512 (PSS, salt = hash length,
//! RFC 7518 section 3.5).
//!
//! Verification uses only the public key. Signing uses blinding with the
//! operating system's random number generator (see `docs/security.md` for
//! RUSTSEC-2023-0071 and why rsa 0.10's constant-time arithmetic matters).

use alloc::vec;
use alloc::vec::Vec;

use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BoxedUint, RsaPrivateKey, RsaPublicKey, pkcs1v15, pss};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::alg::Algorithm;
use crate::error::Error;

/// The smallest modulus accepted, in bits.
pub(crate) const MIN_BITS: usize = 2048;
/// The largest modulus accepted, in bits (the rsa crate's own ceiling).
pub(crate) const MAX_BITS: usize = 8192;

macro_rules! dispatch {
    ($value:expr, $key:ident => $body:expr) => {
        match $value {
            Self::Rs256($key) => $body,
            Self::Rs384($key) => $body,
            Self::Rs512($key) => $body,
            Self::Ps256($key) => $body,
            Self::Ps384($key) => $body,
            Self::Ps512($key) => $body,
        }
    };
}

#[derive(Clone)]
pub(crate) enum RsaVerifier {
    Rs256(pkcs1v15::VerifyingKey<Sha256>),
    Rs384(pkcs1v15::VerifyingKey<Sha384>),
    Rs512(pkcs1v15::VerifyingKey<Sha512>),
    Ps256(pss::VerifyingKey<Sha256>),
    Ps384(pss::VerifyingKey<Sha384>),
    Ps512(pss::VerifyingKey<Sha512>),
}

/// The private key inside is wiped on drop by the rsa crate.
#[derive(Clone)]
pub(crate) enum RsaSigner {
    Rs256(pkcs1v15::SigningKey<Sha256>),
    Rs384(pkcs1v15::SigningKey<Sha384>),
    Rs512(pkcs1v15::SigningKey<Sha512>),
    Ps256(pss::SigningKey<Sha256>),
    Ps384(pss::SigningKey<Sha384>),
    Ps512(pss::SigningKey<Sha512>),
}

fn check_size(key: &RsaPublicKey) -> Result<(), Error> {
    // The modulus's bit length, spelt out: crypto-bigint 0.7.11 renamed
    // `bits` to `bit_width` (deprecating the old name) and 0.7.10, which the
    // manifest also allows, has only `bits`; this is both one's definition.
    let n = key.n();
    let bits = (n.bits_precision() - n.leading_zeros()) as usize;
    if bits < MIN_BITS {
        return Err(Error::InvalidKey("RSA modulus is shorter than 2048 bits"));
    }
    if bits > MAX_BITS {
        return Err(Error::InvalidKey("RSA modulus is longer than 8192 bits"));
    }
    Ok(())
}

/// Big-endian bytes to an integer of `bits` precision (rounded to bytes).
fn uint(bytes: &[u8], bits: usize) -> Result<BoxedUint, Error> {
    let bits = u32::try_from(bits).map_err(|_| Error::InvalidKey("RSA parameter is too large"))?;
    BoxedUint::from_be_slice(bytes, bits)
        .map_err(|_| Error::InvalidKey("RSA parameter is too large"))
}

/// JWK integers use the minimum number of octets (RFC 7518 section 6.3.1).
fn minimal(bytes: &[u8]) -> Result<&[u8], Error> {
    match bytes.first() {
        None => Err(Error::InvalidKey("RSA parameter is empty")),
        Some(0) => Err(Error::InvalidKey("RSA parameter has leading zero octets")),
        Some(_) => Ok(bytes),
    }
}

/// `bytes` without its leading zero octets (`[0]` for zero). A view, not a
/// copy: it is applied to private values, and a copy would be one more
/// buffer to wipe.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    match &bytes[start..] {
        [] => &[0],
        rest => rest,
    }
}

/// The public parts of an RSA key as JWK integers `(n, e)`.
pub(crate) fn public_parts(key: &RsaPublicKey) -> (Vec<u8>, Vec<u8>) {
    (
        trimmed(&key.n().to_be_bytes()).to_vec(),
        trimmed(&key.e().to_be_bytes()).to_vec(),
    )
}

/// Builds a public key from JWK `n` and `e`.
pub(crate) fn public_from_parts(n: &[u8], e: &[u8]) -> Result<RsaPublicKey, Error> {
    let n = minimal(n)?;
    let e = minimal(e)?;
    let n_bits = n.len() * 8;
    let key =
        RsaPublicKey::new_with_size_limits(uint(n, n_bits)?, uint(e, e.len() * 8)?, 1..=MAX_BITS)
            .map_err(|_| Error::InvalidKey("RSA public key was refused"))?;
    check_size(&key)?;
    Ok(key)
}

/// The private parts of a key, as JWK integers.
pub(crate) struct PrivateParts {
    pub(crate) d: Zeroizing<Vec<u8>>,
    pub(crate) p: Zeroizing<Vec<u8>>,
    pub(crate) q: Zeroizing<Vec<u8>>,
    pub(crate) dp: Zeroizing<Vec<u8>>,
    pub(crate) dq: Zeroizing<Vec<u8>>,
    pub(crate) qi: Zeroizing<Vec<u8>>,
}

fn secret_bytes(value: Option<&BoxedUint>) -> Zeroizing<Vec<u8>> {
    match value {
        Some(v) => {
            let raw = Zeroizing::new(v.to_be_bytes());
            Zeroizing::new(trimmed(&raw).to_vec())
        }
        None => Zeroizing::new(Vec::new()),
    }
}

pub(crate) fn private_parts(key: &RsaPrivateKey) -> PrivateParts {
    let prime = |i: usize| secret_bytes(key.primes().get(i).map(AsRef::as_ref));
    // Computed afresh and owned here; `BoxedUint` does not wipe itself.
    let qi = Zeroizing::new(key.crt_coefficient());
    PrivateParts {
        d: secret_bytes(Some(key.d())),
        p: prime(0),
        q: prime(1),
        dp: secret_bytes(key.dp()),
        dq: secret_bytes(key.dq()),
        qi: secret_bytes(qi.as_ref()),
    }
}

/// Builds a private key from JWK members. `p` and `q` are required; `dp`,
/// `dq` and `qi`, when given, must match the values derived from them.
pub(crate) fn private_from_parts(
    n: &[u8],
    e: &[u8],
    d: &[u8],
    p: &[u8],
    q: &[u8],
    crt: Option<(&[u8], &[u8], &[u8])>,
) -> Result<RsaPrivateKey, Error> {
    let public = public_from_parts(n, e)?;
    let bits = public.n().bits_precision() as usize;
    // `BoxedUint` does not wipe itself: hold ours in `Zeroizing` (so an early
    // return wipes them) and hand the rsa crate copies, which its key wipes.
    let d = Zeroizing::new(uint(d, bits)?);
    let p = Zeroizing::new(uint(p, bits)?);
    let q = Zeroizing::new(uint(q, bits)?);
    let key = RsaPrivateKey::from_components(
        public.n().as_ref().clone(),
        public.e().clone(),
        BoxedUint::clone(&d),
        vec![BoxedUint::clone(&p), BoxedUint::clone(&q)],
    )
    .map_err(|_| Error::InvalidKey("RSA private key components are inconsistent"))?;
    if let Some((dp, dq, qi)) = crt {
        let ours = private_parts(&key);
        let same = |a: &[u8], b: &[u8]| crate::ct::ct_eq_bool(trimmed(a), b);
        if !(same(dp, &ours.dp) && same(dq, &ours.dq) && same(qi, &ours.qi)) {
            return Err(Error::InvalidKey(
                "RSA private key CRT parameters do not match its primes",
            ));
        }
    }
    Ok(key)
}

/// A fresh key pair of `bits` from the operating system's random number
/// generator.
pub(crate) fn generate(bits: usize) -> Result<RsaPrivateKey, Error> {
    generate_with(bits, |dst| getrandom::fill(dst).map_err(|_| Error::Random))
}

/// Key generation over `fill`, a fallible source of random bytes.
fn generate_with(
    bits: usize,
    fill: impl FnMut(&mut [u8]) -> Result<(), Error>,
) -> Result<RsaPrivateKey, Error> {
    if !(MIN_BITS..=MAX_BITS).contains(&bits) {
        return Err(Error::InvalidKey("RSA key size must be 2048 to 8192 bits"));
    }
    let mut rng = FallibleRng {
        fill,
        failed: false,
        filler: 0x9e37_79b9_7f4a_7c15,
    };
    let key = RsaPrivateKey::new(&mut rng, bits);
    if rng.failed {
        return Err(Error::Random);
    }
    key.map_err(|_| Error::InvalidKey("RSA key generation failed"))
}

/// Adapts a fallible RNG to the infallible interface key generation wants.
///
/// After the first failure the source is never asked again: the failure is
/// recorded, and the output continues from a fixed, public xorshift
/// sequence. That sequence only keeps the prime search moving so that it
/// ends (a source stuck at one value would make it search forever); the key
/// it yields is discarded by the caller, which returns [`Error::Random`].
struct FallibleRng<F> {
    fill: F,
    failed: bool,
    filler: u64,
}

impl<F: FnMut(&mut [u8]) -> Result<(), Error>> rsa::rand_core::TryRng for FallibleRng<F> {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if !self.failed && (self.fill)(dst).is_ok() {
            return Ok(());
        }
        self.failed = true;
        for chunk in dst.chunks_mut(8) {
            self.filler ^= self.filler << 13;
            self.filler ^= self.filler >> 7;
            self.filler ^= self.filler << 17;
            chunk.copy_from_slice(&self.filler.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

impl<F: FnMut(&mut [u8]) -> Result<(), Error>> rsa::rand_core::TryCryptoRng for FallibleRng<F> {}

impl RsaVerifier {
    pub(crate) fn new(alg: Algorithm, key: RsaPublicKey) -> Result<Self, Error> {
        check_size(&key)?;
        Ok(match alg {
            Algorithm::Rs256 => Self::Rs256(pkcs1v15::VerifyingKey::new(key)),
            Algorithm::Rs384 => Self::Rs384(pkcs1v15::VerifyingKey::new(key)),
            Algorithm::Rs512 => Self::Rs512(pkcs1v15::VerifyingKey::new(key)),
            Algorithm::Ps256 => Self::Ps256(pss::VerifyingKey::new(key)),
            Algorithm::Ps384 => Self::Ps384(pss::VerifyingKey::new(key)),
            Algorithm::Ps512 => Self::Ps512(pss::VerifyingKey::new(key)),
            _ => return Err(Error::InvalidKey("algorithm is not an RSA algorithm")),
        })
    }

    pub(crate) fn public_key(&self) -> &RsaPublicKey {
        dispatch!(self, k => k.as_ref())
    }

    pub(crate) fn verify(&self, data: &[u8], sig: &[u8]) -> Result<(), Error> {
        // The signature must be exactly the modulus length (RFC 8017 8.2.2).
        if sig.len() != self.public_key().size() {
            return Err(Error::BadSignature);
        }
        let ok = match self {
            Self::Rs256(k) => pkcs1(sig).is_some_and(|s| k.verify(data, &s).is_ok()),
            Self::Rs384(k) => pkcs1(sig).is_some_and(|s| k.verify(data, &s).is_ok()),
            Self::Rs512(k) => pkcs1(sig).is_some_and(|s| k.verify(data, &s).is_ok()),
            Self::Ps256(k) => pss_sig(sig).is_some_and(|s| k.verify(data, &s).is_ok()),
            Self::Ps384(k) => pss_sig(sig).is_some_and(|s| k.verify(data, &s).is_ok()),
            Self::Ps512(k) => pss_sig(sig).is_some_and(|s| k.verify(data, &s).is_ok()),
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}

fn pkcs1(sig: &[u8]) -> Option<pkcs1v15::Signature> {
    pkcs1v15::Signature::try_from(sig).ok()
}

fn pss_sig(sig: &[u8]) -> Option<pss::Signature> {
    pss::Signature::try_from(sig).ok()
}

/// Makes one signature and verifies it (a pairwise consistency test).
///
/// The rsa crate checks that the primes multiply to `n` and that `d` inverts
/// `e` modulo each `p - 1`, but not that the "primes" are prime or distinct.
/// A key with `n = p * p`, or with a composite factor, passes those checks,
/// loads, and then fails every signature (as a misleading RNG failure). Such
/// a key is refused here instead, when it is built.
fn check_consistent(key: &RsaPrivateKey) -> Result<(), Error> {
    const MESSAGE: &[u8] = b"auth-core RSA key consistency check";
    let refused = || Error::InvalidKey("RSA private key does not make valid signatures");
    let signer = pkcs1v15::SigningKey::<Sha256>::new(key.clone());
    let signature = signer
        .try_sign_with_rng(&mut getrandom::SysRng, MESSAGE)
        .map_err(|_| refused())?;
    pkcs1v15::VerifyingKey::<Sha256>::new(key.to_public_key())
        .verify(MESSAGE, &signature)
        .map_err(|_| refused())
}

impl RsaSigner {
    pub(crate) fn new(alg: Algorithm, key: RsaPrivateKey) -> Result<Self, Error> {
        check_size(key.as_ref())?;
        check_consistent(&key)?;
        Ok(match alg {
            Algorithm::Rs256 => Self::Rs256(pkcs1v15::SigningKey::new(key)),
            Algorithm::Rs384 => Self::Rs384(pkcs1v15::SigningKey::new(key)),
            Algorithm::Rs512 => Self::Rs512(pkcs1v15::SigningKey::new(key)),
            Algorithm::Ps256 => Self::Ps256(pss::SigningKey::new(key)),
            Algorithm::Ps384 => Self::Ps384(pss::SigningKey::new(key)),
            Algorithm::Ps512 => Self::Ps512(pss::SigningKey::new(key)),
            _ => return Err(Error::InvalidKey("algorithm is not an RSA algorithm")),
        })
    }

    pub(crate) fn private_key(&self) -> &RsaPrivateKey {
        dispatch!(self, k => k.as_ref())
    }

    pub(crate) fn verifier(&self, alg: Algorithm) -> Result<RsaVerifier, Error> {
        RsaVerifier::new(alg, self.private_key().to_public_key())
    }

    /// Signs with blinding (and, for PSS, a random salt) from the OS RNG.
    pub(crate) fn sign(&self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let mut rng = getrandom::SysRng;
        let fail = |_| Error::Random;
        Ok(dispatch!(self, k => k.try_sign_with_rng(&mut rng, data).map_err(fail)?.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Algorithm, Error, Jwk, SigningKey};

    /// Words come from the source, little-endian, while it works; after a
    /// failure the source is never asked again.
    #[test]
    fn fallible_rng_words_come_from_the_source() {
        use rsa::rand_core::TryRng;
        let mut next = 0u8;
        let mut calls = 0;
        let mut rng = super::FallibleRng {
            fill: |dst: &mut [u8]| {
                calls += 1;
                if calls > 2 {
                    return Err(Error::Random);
                }
                for b in dst {
                    next += 1;
                    *b = next;
                }
                Ok(())
            },
            failed: false,
            filler: 1,
        };
        assert_eq!(rng.try_next_u32(), Ok(u32::from_le_bytes([1, 2, 3, 4])));
        assert_eq!(
            rng.try_next_u64(),
            Ok(u64::from_le_bytes([5, 6, 7, 8, 9, 10, 11, 12]))
        );
        assert!(!rng.failed);
        // The third call fails: the filler takes over, for good.
        let a = rng.try_next_u64().unwrap();
        let b = rng.try_next_u64().unwrap();
        assert!(rng.failed);
        assert_ne!(a, b);
        assert_ne!(a, 0);
    }

    /// `n = p * p` for a 1024-bit prime `p`, with `d = e^-1 mod (p - 1)`:
    /// the rsa crate's checks pass, but the key cannot sign.
    const N_IS_P_SQUARED: &str = include_str!("../../tests/keys/rsa-n-is-p-squared.jwk");
    /// `p` is the product of two 512-bit primes, `q` a 1024-bit prime, and
    /// `d = e^-1 mod lcm(p - 1, q - 1)`: it loads, and every signature fails.
    const COMPOSITE_P: &str = include_str!("../../tests/keys/rsa-composite-p.jwk");
    const COMPOSITE_P_PEM: &str = include_str!("../../tests/keys/rsa-composite-p-pkcs8.pem");

    #[test]
    fn keys_that_cannot_sign_are_refused_when_built() {
        let refused = Some(Error::InvalidKey(
            "RSA private key does not make valid signatures",
        ));
        for jwk in [N_IS_P_SQUARED, COMPOSITE_P] {
            let jwk = Jwk::parse(jwk).unwrap();
            assert_eq!(jwk.signing_key(Some(Algorithm::Rs256)).err(), refused);
            assert_eq!(jwk.signing_key(None).err(), refused);
            // The public half is an ordinary (if useless) public key.
            assert!(jwk.verifying_key(Some(Algorithm::Rs256)).is_ok());
        }
        assert_eq!(
            SigningKey::from_pem(COMPOSITE_P_PEM, Some(Algorithm::Rs256)).err(),
            refused
        );
    }

    #[test]
    fn a_failing_rng_is_random_failure_not_a_hang() {
        use super::generate_with;
        // Fails at once.
        assert_eq!(
            generate_with(2048, |_| Err(Error::Random)).unwrap_err(),
            Error::Random
        );
        // Fails midway, after some good output: still refused.
        let mut calls = 0u32;
        let flaky = |dst: &mut [u8]| {
            calls += 1;
            if calls > 1 {
                return Err(Error::Random);
            }
            getrandom::fill(dst).map_err(|_| Error::Random)
        };
        assert_eq!(generate_with(2048, flaky).unwrap_err(), Error::Random);
        // Sizes are checked before any randomness is asked for.
        assert_eq!(
            generate_with(1024, |_| Err(Error::Random)).unwrap_err(),
            Error::InvalidKey("RSA key size must be 2048 to 8192 bits")
        );
    }

    #[test]
    fn the_modulus_size_is_its_bit_length_not_its_octet_count() {
        use super::public_from_parts;
        let e = [1, 0, 1];
        // 256 octets, 2047 bits: refused, although its precision is 2048.
        let mut n = [0xffu8; 256];
        n[0] = 0x7f;
        assert_eq!(
            public_from_parts(&n, &e).unwrap_err(),
            Error::InvalidKey("RSA modulus is shorter than 2048 bits")
        );
        // Exactly 2048 bits: accepted.
        n[0] = 0x80;
        assert!(public_from_parts(&n, &e).is_ok());
    }
}

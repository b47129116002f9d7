//! ES256 (P-256) and ES384 (P-384): fixed-width `r || s` signatures
//! (RFC 7518 section 3.4), never DER.

use alloc::vec::Vec;

use p256::ecdsa::signature::{Signer, Verifier};
use zeroize::Zeroizing;

use crate::alg::Algorithm;
use crate::error::Error;

/// The curve a key lives on; each ES algorithm has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
}

impl Curve {
    pub(crate) fn for_alg(alg: Algorithm) -> Result<Self, Error> {
        match alg {
            Algorithm::Es256 => Ok(Self::P256),
            Algorithm::Es384 => Ok(Self::P384),
            _ => Err(Error::InvalidKey("algorithm is not an ECDSA algorithm")),
        }
    }

    pub(crate) fn alg(self) -> Algorithm {
        match self {
            Self::P256 => Algorithm::Es256,
            Self::P384 => Algorithm::Es384,
        }
    }

    /// The JWK `crv` name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
        }
    }

    pub(crate) fn from_name(name: &str) -> Result<Self, Error> {
        match name {
            "P-256" => Ok(Self::P256),
            "P-384" => Ok(Self::P384),
            _ => Err(Error::InvalidKey("JWK `crv` is not P-256 or P-384")),
        }
    }

    /// Bytes in one coordinate or scalar.
    pub(crate) fn field_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }
}

#[derive(Clone)]
pub(crate) enum EcVerifier {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

/// The secret scalars are wiped on drop by the `ecdsa` crate.
#[derive(Clone)]
pub(crate) enum EcSigner {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

const BAD_POINT: Error = Error::InvalidKey("EC public key is not a valid point on the curve");
const BAD_SCALAR: Error = Error::InvalidKey("EC private key is not a valid scalar");

impl EcVerifier {
    pub(crate) fn curve(&self) -> Curve {
        match self {
            Self::P256(_) => Curve::P256,
            Self::P384(_) => Curve::P384,
        }
    }

    /// From affine coordinates, each exactly the field length.
    pub(crate) fn from_coordinates(curve: Curve, x: &[u8], y: &[u8]) -> Result<Self, Error> {
        if x.len() != curve.field_len() || y.len() != curve.field_len() {
            return Err(Error::InvalidKey("EC coordinate has the wrong length"));
        }
        let mut sec1 = Vec::with_capacity(1 + 2 * curve.field_len());
        sec1.push(0x04);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        Self::from_sec1(curve, &sec1)
    }

    pub(crate) fn from_sec1(curve: Curve, sec1: &[u8]) -> Result<Self, Error> {
        match curve {
            Curve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map(Self::P256),
            Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map(Self::P384),
        }
        .map_err(|_| BAD_POINT)
    }

    /// The affine coordinates `(x, y)`.
    pub(crate) fn coordinates(&self) -> (Vec<u8>, Vec<u8>) {
        fn split(point: &[u8]) -> (Vec<u8>, Vec<u8>) {
            // Uncompressed SEC1: 0x04 || x || y.
            let body = point.get(1..).unwrap_or_default();
            let (x, y) = body.split_at(body.len() / 2);
            (x.to_vec(), y.to_vec())
        }
        match self {
            Self::P256(k) => split(k.to_sec1_point(false).as_bytes()),
            Self::P384(k) => split(k.to_sec1_point(false).as_bytes()),
        }
    }

    /// Verifies an `r || s` signature. Any other length (DER included), and
    /// `r` or `s` outside `[1, n-1]`, is a bad signature.
    pub(crate) fn verify(&self, data: &[u8], sig: &[u8]) -> Result<(), Error> {
        let ok =
            match self {
                Self::P256(k) => p256::ecdsa::Signature::from_slice(sig)
                    .is_ok_and(|s| k.verify(data, &s).is_ok()),
                Self::P384(k) => p384::ecdsa::Signature::from_slice(sig)
                    .is_ok_and(|s| k.verify(data, &s).is_ok()),
            };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}

impl EcSigner {
    pub(crate) fn from_scalar(curve: Curve, d: &[u8]) -> Result<Self, Error> {
        if d.len() != curve.field_len() {
            return Err(Error::InvalidKey("EC private key has the wrong length"));
        }
        match curve {
            Curve::P256 => p256::ecdsa::SigningKey::from_slice(d).map(Self::P256),
            Curve::P384 => p384::ecdsa::SigningKey::from_slice(d).map(Self::P384),
        }
        .map_err(|_| BAD_SCALAR)
    }

    /// A new key from the operating system's random number generator.
    pub(crate) fn generate(curve: Curve) -> Result<Self, Error> {
        // Rejection sampling: a random string is a valid scalar with
        // overwhelming probability; retry the rare miss rather than bias it.
        for _ in 0..64 {
            let mut d = Zeroizing::new([0u8; 48]);
            let d = &mut d[..curve.field_len()];
            getrandom::fill(d).map_err(|_| Error::Random)?;
            if let Ok(key) = Self::from_scalar(curve, d) {
                return Ok(key);
            }
        }
        Err(Error::Random)
    }

    pub(crate) fn curve(&self) -> Curve {
        match self {
            Self::P256(_) => Curve::P256,
            Self::P384(_) => Curve::P384,
        }
    }

    /// The secret scalar, big-endian. The fixed-size copy the curve crate
    /// returns is wiped before this returns.
    pub(crate) fn scalar(&self) -> Zeroizing<Vec<u8>> {
        match self {
            Self::P256(k) => Zeroizing::new(Zeroizing::new(k.to_bytes()).to_vec()),
            Self::P384(k) => Zeroizing::new(Zeroizing::new(k.to_bytes()).to_vec()),
        }
    }

    pub(crate) fn verifier(&self) -> EcVerifier {
        match self {
            Self::P256(k) => EcVerifier::P256(*k.verifying_key()),
            Self::P384(k) => EcVerifier::P384(*k.verifying_key()),
        }
    }

    /// Deterministic (RFC 6979) signature in `r || s` form.
    pub(crate) fn sign(&self, data: &[u8]) -> Result<Vec<u8>, Error> {
        match self {
            Self::P256(k) => {
                let sig: p256::ecdsa::Signature = k
                    .try_sign(data)
                    .map_err(|_| Error::InvalidKey("ECDSA signing failed"))?;
                Ok(sig.to_bytes().to_vec())
            }
            Self::P384(k) => {
                let sig: p384::ecdsa::Signature = k
                    .try_sign(data)
                    .map_err(|_| Error::InvalidKey("ECDSA signing failed"))?;
                Ok(sig.to_bytes().to_vec())
            }
        }
    }
}

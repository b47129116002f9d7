//! PEM key input: PKCS#8 and SPKI for RSA and EC, PKCS#1 for RSA, SEC1 for EC.

use alloc::vec::Vec;

use pkcs8::der::pem::Decoder;
use zeroize::Zeroizing;

use super::{SigningKey, VerifyingKey};
use crate::alg::{Algorithm, Family};
use crate::error::Error;

/// The label of the first PEM block (`-----BEGIN <label>-----`).
fn label(pem: &str) -> Result<&str, Error> {
    let rest = pem
        .trim_start()
        .strip_prefix("-----BEGIN ")
        .ok_or(Error::InvalidKey("not a PEM document"))?;
    let end = rest
        .find("-----")
        .ok_or(Error::InvalidKey("not a PEM document"))?;
    Ok(&rest[..end])
}

/// A decoded key before it is bound to an algorithm.
enum Private {
    #[cfg(feature = "rsa")]
    Rsa(::rsa::RsaPrivateKey),
    #[cfg(feature = "ecdsa")]
    Ec(super::ecdsa::EcSigner),
}

enum Public {
    #[cfg(feature = "rsa")]
    Rsa(::rsa::RsaPublicKey),
    #[cfg(feature = "ecdsa")]
    Ec(super::ecdsa::EcVerifier),
}

const UNRECOGNISED: Error = Error::InvalidKey("PEM key is not an RSA, P-256 or P-384 key");

/// The DER document inside a private key's PEM, in a buffer wiped on drop.
///
/// The key crates' own `from_*_pem` helpers are not used for private keys:
/// `SecretKey::from_sec1_pem` decodes into a plain `Vec` that is never
/// wiped, and the `SecretDocument`-based ones free their buffer unwiped
/// when the DER inside it is malformed. The decoder is the one they use
/// (strict RFC 7468), writing into a buffer of ours, sized once; `None`
/// unless the document decodes and its label is `label`.
fn private_der(pem: &str, label: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut der = Zeroizing::new(Vec::new());
    let mut decoder = Decoder::new(pem.as_bytes()).ok()?;
    if decoder.type_label() != label {
        return None;
    }
    decoder.decode_to_end(&mut der).ok()?;
    Some(der)
}

fn decode_private(pem: &str) -> Result<Private, Error> {
    match label(pem)? {
        "PRIVATE KEY" => {
            let der = private_der(pem, "PRIVATE KEY").ok_or(UNRECOGNISED)?;
            #[cfg(feature = "rsa")]
            {
                use pkcs8::DecodePrivateKey;
                if let Ok(k) = ::rsa::RsaPrivateKey::from_pkcs8_der(&der) {
                    return Ok(Private::Rsa(k));
                }
            }
            #[cfg(feature = "ecdsa")]
            {
                use super::ecdsa::EcSigner;
                use pkcs8::DecodePrivateKey;
                if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(&der) {
                    return Ok(Private::Ec(EcSigner::P256(k)));
                }
                if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(&der) {
                    return Ok(Private::Ec(EcSigner::P384(k)));
                }
            }
            Err(UNRECOGNISED)
        }
        #[cfg(feature = "rsa")]
        "RSA PRIVATE KEY" => {
            use pkcs1::DecodeRsaPrivateKey;
            const REFUSED: Error = Error::InvalidKey("PKCS#1 RSA private key does not parse");
            let der = private_der(pem, "RSA PRIVATE KEY").ok_or(REFUSED)?;
            ::rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(Private::Rsa)
                .map_err(|_| REFUSED)
        }
        #[cfg(feature = "ecdsa")]
        "EC PRIVATE KEY" => {
            use super::ecdsa::EcSigner;
            const REFUSED: Error =
                Error::InvalidKey("SEC1 EC private key is not a P-256 or P-384 key");
            let der = private_der(pem, "EC PRIVATE KEY").ok_or(REFUSED)?;
            if let Ok(k) = p256::SecretKey::from_sec1_der(&der) {
                return Ok(Private::Ec(EcSigner::P256(k.into())));
            }
            if let Ok(k) = p384::SecretKey::from_sec1_der(&der) {
                return Ok(Private::Ec(EcSigner::P384(k.into())));
            }
            Err(REFUSED)
        }
        _ => Err(Error::InvalidKey(
            "PEM label is not a supported private key type",
        )),
    }
}

fn decode_public(pem: &str) -> Result<Public, Error> {
    match label(pem)? {
        "PUBLIC KEY" => {
            #[cfg(feature = "rsa")]
            {
                use pkcs8::DecodePublicKey;
                if let Ok(k) = ::rsa::RsaPublicKey::from_public_key_pem(pem) {
                    return Ok(Public::Rsa(k));
                }
            }
            #[cfg(feature = "ecdsa")]
            {
                use super::ecdsa::EcVerifier;
                use pkcs8::DecodePublicKey;
                if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
                    return Ok(Public::Ec(EcVerifier::p256(k)));
                }
                if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_pem(pem) {
                    return Ok(Public::Ec(EcVerifier::p384(k)));
                }
            }
            Err(UNRECOGNISED)
        }
        #[cfg(feature = "rsa")]
        "RSA PUBLIC KEY" => {
            use pkcs1::DecodeRsaPublicKey;
            ::rsa::RsaPublicKey::from_pkcs1_pem(pem)
                .map(Public::Rsa)
                .map_err(|_| Error::InvalidKey("PKCS#1 RSA public key does not parse"))
        }
        _ => {
            // A private key file also yields its public half.
            decode_private(pem).map(|private| match private {
                #[cfg(feature = "rsa")]
                Private::Rsa(k) => Public::Rsa(k.to_public_key()),
                #[cfg(feature = "ecdsa")]
                Private::Ec(k) => Public::Ec(k.verifier()),
            })
        }
    }
}

/// Binds a decoded key's family (and curve) to the requested algorithm.
fn pick(
    alg: Option<Algorithm>,
    family: Family,
    curve_alg: Option<Algorithm>,
) -> Result<Algorithm, Error> {
    let alg = match (alg, curve_alg) {
        (Some(a), Some(c)) if a != c => {
            return Err(Error::InvalidKey(
                "EC key's curve does not fit the algorithm",
            ));
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => {
            return Err(Error::InvalidKey(
                "an RSA key needs the algorithm to be named",
            ));
        }
    };
    if alg.family() != family {
        return Err(Error::InvalidKey("PEM key type does not fit the algorithm"));
    }
    Ok(alg)
}

pub(crate) fn signing_key(pem: &str, alg: Option<Algorithm>) -> Result<SigningKey, Error> {
    match decode_private(pem)? {
        #[cfg(feature = "rsa")]
        Private::Rsa(k) => {
            let alg = pick(alg, Family::Rsa, None)?;
            SigningKey::new(alg, super::Signer::Rsa(super::rsa::RsaSigner::new(alg, k)?))
        }
        #[cfg(feature = "ecdsa")]
        Private::Ec(k) => {
            let alg = pick(alg, Family::Ecdsa, Some(k.curve().alg()))?;
            SigningKey::new(alg, super::Signer::Ec(k))
        }
    }
}

pub(crate) fn verifying_key(pem: &str, alg: Option<Algorithm>) -> Result<VerifyingKey, Error> {
    match decode_public(pem)? {
        #[cfg(feature = "rsa")]
        Public::Rsa(k) => {
            let alg = pick(alg, Family::Rsa, None)?;
            Ok(VerifyingKey::new(
                alg,
                super::Verifier::Rsa(super::rsa::RsaVerifier::new(alg, k)?),
            ))
        }
        #[cfg(feature = "ecdsa")]
        Public::Ec(k) => {
            let alg = pick(alg, Family::Ecdsa, Some(k.curve().alg()))?;
            Ok(VerifyingKey::new(alg, super::Verifier::Ec(k)))
        }
    }
}

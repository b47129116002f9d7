//! Hazardous materials: the bare signature primitives under the token API.
//!
//! These sign and check arbitrary bytes with a key's bound algorithm. They
//! are what the JWS code is built on, and what test vectors (Wycheproof) and
//! protocols that sign something other than a JWS need. They do **no**
//! framing, no header check and no claim check: a signature that verifies
//! here says only that the key's holder signed these bytes. For tokens, use
//! [`VerifyingKey::verify`] (or, for a JWS whose payload is not a JWT,
//! [`VerifyingKey::verify_signature_only`]).
//!
//! The algorithm is still the key's own: nothing here can choose another.

use alloc::vec::Vec;

use crate::error::Error;
use crate::keys::{SigningKey, VerifyingKey};

/// A bare signature over `message` with the key's algorithm (ECDSA as
/// `r || s`, fixed width).
pub fn sign_raw(key: &SigningKey, message: &[u8]) -> Result<Vec<u8>, Error> {
    key.sign_bytes(message)
}

/// Checks a bare signature over `message` with the key's algorithm (ECDSA
/// signatures as `r || s`). A failure says nothing but
/// [`Error::BadSignature`].
pub fn verify_raw(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> Result<(), Error> {
    key.verify_signature(message, signature)
}

#[cfg(all(test, feature = "hmac"))]
mod tests {
    use super::*;
    use crate::alg::Algorithm;

    #[test]
    fn raw_round_trip_and_tamper() {
        let key = SigningKey::from_hmac_secret(Algorithm::Hs256, &[7; 32]).unwrap();
        let sig = sign_raw(&key, b"msg").unwrap();
        assert_eq!(sig.len(), 32);
        let public = key.verifying_key();
        assert_eq!(verify_raw(&public, b"msg", &sig), Ok(()));
        assert_eq!(verify_raw(&public, b"msh", &sig), Err(Error::BadSignature));
        assert_eq!(
            verify_raw(&public, b"msg", &sig[..31]),
            Err(Error::BadSignature)
        );
    }
}

//! ES256 (P-256) and ES384 (P-384): fixed-width `r || s` signatures
//! (RFC 7518 section 3.4), never DER.

use alloc::vec::Vec;
use core::marker::PhantomData;

use p256::ecdsa::signature::Signer;
use p256::elliptic_curve::CurveArithmetic;
#[cfg(feature = "std")]
use p256::elliptic_curve::array::typenum::Unsigned as _;
use zeroize::Zeroizing;

#[cfg(feature = "std")]
use super::ec_verify::{self, Table};
#[cfg(feature = "std")]
use alloc::sync::Arc;
#[cfg(feature = "std")]
use sha2::Digest as _;

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

/// A public key, and (with `std`) its verification table, built on first
/// use and shared by the key's clones.
#[derive(Clone)]
pub(crate) enum EcVerifier {
    P256(p256::ecdsa::VerifyingKey, KeyTable<p256::NistP256>),
    P384(p384::ecdsa::VerifyingKey, KeyTable<p384::NistP384>),
}

/// The precomputed multiples of a key's point (see `ec_verify`), made the
/// first time the key verifies. Without `std` there is no lazy cell to keep
/// them in, and verification is the curve crate's own.
pub(crate) struct KeyTable<C: CurveArithmetic> {
    #[cfg(feature = "std")]
    table: Arc<std::sync::OnceLock<Table<C>>>,
    curve: PhantomData<C>,
}

impl<C: CurveArithmetic> KeyTable<C> {
    fn new() -> Self {
        Self {
            #[cfg(feature = "std")]
            table: Arc::default(),
            curve: PhantomData,
        }
    }

    /// The table of `point`, made now if this is the first call.
    #[cfg(feature = "std")]
    fn get(&self, point: C::ProjectivePoint) -> &Table<C> {
        self.table
            .get_or_init(|| Table::new(point, C::FieldBytesSize::USIZE))
    }

    /// Bytes the table takes once made (0 before).
    #[cfg(all(test, feature = "std"))]
    fn bytes(&self) -> usize {
        self.table.get().map_or(0, Table::bytes)
    }
}

impl<C: CurveArithmetic> Clone for KeyTable<C> {
    fn clone(&self) -> Self {
        Self {
            #[cfg(feature = "std")]
            table: Arc::clone(&self.table),
            curve: PhantomData,
        }
    }
}

/// The generator's tables, one per curve for the whole process.
#[cfg(feature = "std")]
fn generator_table<C: CurveArithmetic>(
    cell: &'static std::sync::OnceLock<Table<C>>,
) -> &'static Table<C> {
    use p256::elliptic_curve::group::Group as _;
    cell.get_or_init(|| Table::new(C::ProjectivePoint::generator(), C::FieldBytesSize::USIZE))
}
#[cfg(feature = "std")]
static G256: std::sync::OnceLock<Table<p256::NistP256>> = std::sync::OnceLock::new();
#[cfg(feature = "std")]
static G384: std::sync::OnceLock<Table<p384::NistP384>> = std::sync::OnceLock::new();

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
            Self::P256(..) => Curve::P256,
            Self::P384(..) => Curve::P384,
        }
    }

    pub(crate) fn p256(key: p256::ecdsa::VerifyingKey) -> Self {
        Self::P256(key, KeyTable::new())
    }

    pub(crate) fn p384(key: p384::ecdsa::VerifyingKey) -> Self {
        Self::P384(key, KeyTable::new())
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
            Curve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map(Self::p256),
            Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map(Self::p384),
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
            Self::P256(k, _) => split(k.to_sec1_point(false).as_bytes()),
            Self::P384(k, _) => split(k.to_sec1_point(false).as_bytes()),
        }
    }

    /// Verifies an `r || s` signature. Any other length (DER included), and
    /// `r` or `s` outside `[1, n-1]`, is a bad signature. With `std`, through
    /// the precomputed tables of `ec_verify`; without, the curve crate's own
    /// `verify`, which gives the same answer on every input (tested).
    pub(crate) fn verify(&self, data: &[u8], sig: &[u8]) -> Result<(), Error> {
        #[cfg(feature = "std")]
        let ok = match self {
            Self::P256(k, table) => {
                let q = table.get(k.as_affine().into());
                let z = sha2::Sha256::digest(data);
                ec_verify::verify(generator_table(&G256), q, &z, sig)
            }
            Self::P384(k, table) => {
                let q = table.get(k.as_affine().into());
                let z = sha2::Sha384::digest(data);
                ec_verify::verify(generator_table(&G384), q, &z, sig)
            }
        };
        #[cfg(not(feature = "std"))]
        let ok = self.verify_plain(data, sig);
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    /// The curve crate's own verification, without tables.
    #[cfg(any(test, not(feature = "std")))]
    pub(crate) fn verify_plain(&self, data: &[u8], sig: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier as _;
        match self {
            Self::P256(k, _) => {
                p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(data, &s).is_ok())
            }
            Self::P384(k, _) => {
                p384::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(data, &s).is_ok())
            }
        }
    }

    /// Bytes of precomputed table this key holds (0 until it first
    /// verifies).
    #[cfg(all(test, feature = "std"))]
    pub(crate) fn table_bytes(&self) -> usize {
        match self {
            Self::P256(_, table) => table.bytes(),
            Self::P384(_, table) => table.bytes(),
        }
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
            Self::P256(k) => EcVerifier::p256(*k.verifying_key()),
            Self::P384(k) => EcVerifier::p384(*k.verifying_key()),
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

/// The precomputed path against the curve crate's own verification, at the
/// digest level so that every corner can be reached: valid signatures and
/// their high-S twins, `r` or `s` of 0, `n - 1`, `n` and all ones, random
/// ones, tampered digests, and digests chosen so that `u1·G + u2·Q` is the
/// point at infinity; keys include 1 and `n - 1` (`Q = ±G`, so the two
/// bases' terms cancel window by window).
#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
    use p256::elliptic_curve::ops::Reduce;
    use p256::elliptic_curve::{Field as _, PrimeField as _};
    use proptest::prelude::*;

    /// `fn $name(d, z, r, s) -> usize`: for the key `d` (its first byte 0
    /// or 1 picks 1 or `n - 1`), checks that the tables and the curve crate
    /// agree on every variant, and returns how many the crate accepted.
    macro_rules! compare {
        ($name:ident, $curve:ident, $variant:ident, $g:ident) => {
            fn $name(d: &[u8], z: &[u8], r: &[u8], s: &[u8]) -> usize {
                use $curve::{FieldBytes, Scalar, ecdsa};
                let len = d.len();
                let bytes = |b: &[u8]| FieldBytes::try_from(b).unwrap();
                let d = match d[0] {
                    0 => Scalar::ONE,
                    1 => -Scalar::ONE,
                    _ => Option::from(Scalar::from_repr(bytes(d)))
                        .filter(|d: &Scalar| !bool::from(d.is_zero()))
                        .unwrap_or(Scalar::ONE),
                };
                let signer = ecdsa::SigningKey::from_bytes(&d.to_repr()).unwrap();
                let key = EcVerifier::$variant(*signer.verifying_key(), KeyTable::new());
                let EcVerifier::$variant(theirs, table) = &key else {
                    unreachable!()
                };
                let g = generator_table(&$g);
                let q = table.get(theirs.as_affine().into());

                // n - 1, n and all ones, big-endian.
                let n_minus_1 = (-Scalar::ONE).to_repr();
                let mut n = n_minus_1;
                n[len - 1] += 1; // n is odd: no carry.
                let ones = alloc::vec![0xffu8; len];
                let zero = alloc::vec![0u8; len];

                let valid: ecdsa::Signature = signer.sign_prehash(z).unwrap();
                let (vr, vs) = valid.split_scalars();
                let twin = [vr.to_repr(), (-*vs).to_repr()].concat();
                let r_scalar = <Scalar as Reduce<FieldBytes>>::reduce(&bytes(r));
                let r_scalar = if bool::from(r_scalar.is_zero()) {
                    Scalar::ONE
                } else {
                    r_scalar
                };
                // z = -r·d: u1·G + u2·Q = (z + r·d)/s · G = infinity.
                let infinity_z = (-(r_scalar * d)).to_repr();
                let mut tampered = bytes(z);
                tampered[0] ^= 1;

                let cat = |a: &[u8], b: &[u8]| [a, b].concat();
                let r_ok = r_scalar.to_repr();
                let cases: [(&[u8], alloc::vec::Vec<u8>); 13] = [
                    (z, valid.to_bytes().to_vec()),
                    (z, twin),
                    (&tampered, valid.to_bytes().to_vec()),
                    (z, cat(&zero, s)),
                    (z, cat(r, &zero)),
                    (z, cat(&n, s)),
                    (z, cat(r, &n)),
                    (z, cat(&n_minus_1, &n_minus_1)),
                    (z, cat(&ones, s)),
                    (z, cat(r, &ones)),
                    (z, cat(r, s)),
                    (&infinity_z, cat(&r_ok, s)),
                    (&infinity_z, cat(&r_ok, &n_minus_1)),
                ];
                let mut accepted = 0;
                for (i, (digest, sig)) in cases.iter().enumerate() {
                    let theirs = ecdsa::Signature::from_slice(sig)
                        .is_ok_and(|sig| theirs.verify_prehash(digest, &sig).is_ok());
                    let ours = ec_verify::verify(g, q, &bytes(digest), sig);
                    assert_eq!(ours, theirs, "case {i}: d {d:?}, digest {digest:02x?}");
                    accepted += usize::from(theirs);
                }
                // The valid signature and its twin always verify.
                assert!(accepted >= 2, "{accepted}");
                accepted
            }
        };
    }
    compare!(compare_p256, p256, P256, G256);
    compare!(compare_p384, p384, P384, G384);

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn p256_tables_agree_with_the_curve_crate(
            d in any::<[u8; 32]>(),
            z in any::<[u8; 32]>(),
            r in any::<[u8; 32]>(),
            s in any::<[u8; 32]>(),
        ) {
            compare_p256(&d, &z, &r, &s);
        }

        #[test]
        fn p384_tables_agree_with_the_curve_crate(
            d in proptest::collection::vec(any::<u8>(), 48),
            z in proptest::collection::vec(any::<u8>(), 48),
            r in proptest::collection::vec(any::<u8>(), 48),
            s in proptest::collection::vec(any::<u8>(), 48),
        ) {
            compare_p384(&d, &z, &r, &s);
        }
    }

    /// The fixed corners, whatever the random draws: the keys 1 and n - 1.
    #[test]
    fn keys_plus_and_minus_the_generator() {
        for first in [0u8, 1] {
            let mut d = [7u8; 48];
            d[0] = first;
            compare_p256(&d[..32], &[9; 32], &[5; 32], &[3; 32]);
            compare_p384(&d, &[9; 48], &[5; 48], &[3; 48]);
        }
    }

    /// A key's table is made on first use, shared by its clones, and takes
    /// what the module documents: 33 and 49 windows of 8 affine points.
    #[test]
    fn table_is_lazy_shared_and_sized() {
        let signer = EcSigner::generate(Curve::P256).unwrap();
        let key = signer.verifier();
        let copy = key.clone();
        assert_eq!(key.table_bytes(), 0);
        let sig = signer.sign(b"m").unwrap();
        assert_eq!(copy.verify(b"m", &sig), Ok(()));
        // The path without tables (no `std`) answers the same.
        assert!(copy.verify_plain(b"m", &sig));
        assert!(!copy.verify_plain(b"n", &sig));
        let point = core::mem::size_of::<p256::AffinePoint>();
        assert_eq!(key.table_bytes(), 33 * 8 * point);
        assert_eq!(copy.table_bytes(), 33 * 8 * point);

        let signer = EcSigner::generate(Curve::P384).unwrap();
        let key = signer.verifier();
        let sig = signer.sign(b"m").unwrap();
        assert_eq!(key.verify(b"n", &sig), Err(Error::BadSignature));
        let point = core::mem::size_of::<p384::AffinePoint>();
        assert_eq!(key.table_bytes(), 49 * 8 * point);
    }
}

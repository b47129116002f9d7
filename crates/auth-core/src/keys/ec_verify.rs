//! ECDSA verification with precomputed tables (ES256, ES384).
//!
//! Verification handles only public data (the key, the message, the
//! signature), so it may run in variable time; signing never comes here.
//! The curve crates verify with `u1·G + u2·Q` computed from scratch each
//! time (a wNAF ladder: one doubling per scalar bit). A key verifies
//! thousands of tokens, so this module keeps, per key, a table of multiples
//! of its point `Q`, and one shared table for the generator `G`. Then
//! `u1·G + u2·Q` is a sum of table entries: about one affine addition per
//! four scalar bits and base, and four doublings in all.
//!
//! The table: for a scalar of `L` bytes, window `i` (`0 ≤ i ≤ L`) holds
//! `1·B_i .. 8·B_i` in affine form, where `B_i = 256^i·B`. A scalar is
//! written in signed radix 16, `k = Σ d_j·16^j` with `d_j` in `[-8, 8]`
//! (`2L + 1` digits); an even digit `d_2i` picks `d_2i·B_i`, an odd digit
//! `d_2i+1` picks `d_2i+1·B_i` into a second sum that is multiplied by 16
//! once at the end. Everything is built on the curve crate's own point and
//! scalar types; no field arithmetic is written here.
//!
//! Memory: `(L + 1)·8` affine points per table: 264 points for P-256
//! (`L` = 32), 392 for P-384 (`L` = 48). On 64-bit targets a point is 72
//! and 104 bytes, so a key's table takes 19,008 bytes (P-256) or 40,768
//! (P-384), once per key and shared by its clones, plus one table per
//! curve for the generator. Building a table costs about four
//! verifications' worth of point arithmetic, paid by a key's first
//! verification.

use alloc::vec::Vec;

use p256::elliptic_curve::group::{Curve as _, Group as _};
use p256::elliptic_curve::ops::{Invert as _, Reduce};
use p256::elliptic_curve::point::AffineCoordinates as _;
use p256::elliptic_curve::{CurveArithmetic, Field as _, FieldBytes, PrimeField};

/// Entries per window: the multiples `1..=8` of the window's base.
const PER_WINDOW: usize = 8;
/// Signed radix-16 digits of the longest scalar (P-384: 48 bytes).
const MAX_DIGITS: usize = 2 * 48 + 1;

/// Multiples of one point, for [`lincomb`].
pub(crate) struct Table<C: CurveArithmetic> {
    /// Window `i`, multiple `m` (1 to 8) is at `i * 8 + m - 1`.
    points: Vec<C::AffinePoint>,
}

impl<C: CurveArithmetic> Table<C> {
    /// The table of `base` for scalars of `scalar_len` bytes.
    pub(crate) fn new(base: C::ProjectivePoint, scalar_len: usize) -> Self {
        let windows = scalar_len + 1;
        let mut projective = Vec::with_capacity(windows * PER_WINDOW);
        let mut window_base = base;
        for _ in 0..windows {
            let mut multiple = window_base;
            for _ in 0..PER_WINDOW {
                projective.push(multiple);
                multiple += window_base;
            }
            for _ in 0..8 {
                window_base = window_base.double();
            }
        }
        // One field inversion for the whole table.
        let mut points = alloc::vec![C::AffinePoint::default(); projective.len()];
        C::ProjectivePoint::batch_normalize(&projective, &mut points);
        Self { points }
    }

    /// The memory the table's points take, in bytes.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.points.len() * core::mem::size_of::<C::AffinePoint>()
    }

    /// `acc += digit · 256^window · base`.
    fn add(&self, acc: &mut C::ProjectivePoint, window: usize, digit: i8) {
        let index = window * PER_WINDOW + usize::from(digit.unsigned_abs());
        match digit {
            1.. => *acc += &self.points[index - 1],
            ..=-1 => *acc -= &self.points[index - 1],
            0 => {}
        }
    }
}

/// Writes the signed radix-16 digits of the big-endian `scalar` into
/// `out[..2 * scalar.len() + 1]`, least significant first, each in
/// `[-8, 8]`, and returns how many there are.
pub(crate) fn signed_digits(scalar: &[u8], out: &mut [i8; MAX_DIGITS]) -> usize {
    let mut carry = 0u8;
    let mut n = 0;
    for byte in scalar.iter().rev() {
        for nibble in [byte & 0x0f, byte >> 4] {
            // 0 to 16; from 8 up, borrow 16 from the next digit.
            let v = nibble + carry;
            carry = u8::from(v >= 8);
            out[n] = v.cast_signed() - 16 * carry.cast_signed();
            n += 1;
        }
    }
    out[n] = carry.cast_signed();
    n + 1
}

/// `u1·G + u2·Q` from the two tables, in one pass over the digits.
pub(crate) fn lincomb<C: CurveArithmetic>(
    g: &Table<C>,
    u1: &C::Scalar,
    q: &Table<C>,
    u2: &C::Scalar,
) -> C::ProjectivePoint {
    let mut d1 = [0i8; MAX_DIGITS];
    let mut d2 = [0i8; MAX_DIGITS];
    let n = signed_digits(u1.to_repr().as_ref(), &mut d1);
    signed_digits(u2.to_repr().as_ref(), &mut d2);
    let mut even = C::ProjectivePoint::identity();
    let mut odd = C::ProjectivePoint::identity();
    for j in 0..n {
        let acc = if j % 2 == 0 { &mut even } else { &mut odd };
        g.add(acc, j / 2, d1[j]);
        q.add(acc, j / 2, d2[j]);
    }
    for _ in 0..4 {
        odd = odd.double();
    }
    even + odd
}

/// ECDSA verification (SEC 1 section 4.1.4) of the fixed-width `r || s`
/// signature `sig` over the message digest `z`, with the generator's table
/// `g` and the key's table `q`. `r` and `s` must be in `[1, n-1]`; high `s`
/// is accepted, as JWS and the curve crates' own `verify` accept it.
pub(crate) fn verify<C: CurveArithmetic>(
    g: &Table<C>,
    q: &Table<C>,
    z: &FieldBytes<C>,
    sig: &[u8],
) -> bool {
    let len = z.len();
    if sig.len() != 2 * len {
        return false;
    }
    let (r, s) = sig.split_at(len);
    let (Some(r), Some(s)) = (scalar::<C>(r), scalar::<C>(s)) else {
        return false;
    };
    let Some(s_inv) = Option::<C::Scalar>::from(s.invert_vartime()) else {
        return false;
    };
    let z = <C::Scalar as Reduce<FieldBytes<C>>>::reduce(z);
    let point = lincomb(g, &(z * s_inv), q, &(r * s_inv));
    if bool::from(point.is_identity()) {
        return false;
    }
    let x = point.to_affine().x();
    <C::Scalar as Reduce<FieldBytes<C>>>::reduce(&x) == r
}

/// A scalar in `[1, n-1]` from its big-endian bytes, or `None`.
fn scalar<C: CurveArithmetic>(bytes: &[u8]) -> Option<C::Scalar> {
    let repr = FieldBytes::<C>::try_from(bytes).ok()?;
    Option::<C::Scalar>::from(C::Scalar::from_repr(repr)).filter(|s| !bool::from(s.is_zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digits put back together give the scalar, and each is in [-8, 8].
    #[test]
    fn signed_digits_recompose() {
        let cases: [[u8; 4]; 6] = [
            [0; 4],
            [0xff; 4],
            [0x88; 4],
            [0x80, 0, 0, 0x08],
            [0x12, 0x34, 0x56, 0x78],
            [0x7f, 0xf8, 0x08, 0x90],
        ];
        for bytes in cases {
            let mut out = [0i8; MAX_DIGITS];
            let n = signed_digits(&bytes, &mut out);
            assert_eq!(n, 9);
            let mut value: i64 = 0;
            for d in out[..n].iter().rev() {
                assert!((-8..=8).contains(d), "{bytes:?}: digit {d}");
                value = value * 16 + i64::from(*d);
            }
            assert_eq!(value, i64::from(u32::from_be_bytes(bytes)), "{bytes:?}");
        }
    }
}

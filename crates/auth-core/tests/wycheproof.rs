//! Project Wycheproof signature and MAC tests, run through auth-core's public
//! API: keys come from auth-core's own constructors (PEM, JWK, raw HMAC
//! secret) and every case goes through [`VerifyingKey::verify_raw`].
//!
//! The data is the `wycheproof` crate's copy of the upstream JSON files; each
//! group below names the files it reads (`hmac_sha256_test.json`, ...).
//!
//! Outcomes asserted for every case that runs:
//!
//! - `valid`: verifies.
//! - `invalid`: rejected with exactly `bad_signature`.
//! - `acceptable`: rejected with exactly `bad_signature`. Wycheproof marks a
//!   case acceptable when a correct implementation may go either way (for
//!   RSA PKCS#1 v1.5, a `DigestInfo` without its `NULL` parameter). auth-core
//!   accepts one encoding of each signature and nothing looser, so it must
//!   reject these, and with the same detail-free error as any bad signature.
//!
//! Cases outside what JWS algorithms mean (truncated HMAC tags, HMAC keys
//! shorter than the hash output, PSS parameter sets other than salt length =
//! hash length with MGF1 over the same hash, hashes other than SHA-2
//! 256/384/512) are filtered explicitly, counted, and reported. Where a
//! filtered case still says something about auth-core (a short HMAC key is
//! refused; a truncated tag or a PSS signature made with other parameters
//! does not verify), that is asserted too. Each group asserts a minimum
//! number of cases run per algorithm (a little under what the `wycheproof`
//! 0.7.0 data yields), so it cannot pass by skipping everything.

// The vectors span every algorithm family.
#![cfg(all(feature = "hmac", feature = "rsa", feature = "ecdsa"))]
// Test code: a panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

extern crate alloc;

use alloc::collections::BTreeMap;
use core::fmt::Write as _;

use auth_core::{Algorithm, Error, VerifyingKey};
use wycheproof::{HashFunction, Mgf, TestResult};

/// What happened to the cases of one group of test files.
#[derive(Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    /// Cases run per algorithm.
    by_alg: BTreeMap<&'static str, usize>,
    skipped: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn run(&self) -> usize {
        self.valid + self.invalid + self.acceptable
    }

    fn skip(&mut self, why: &'static str, cases: usize) {
        *self.skipped.entry(why).or_default() += cases;
    }

    fn fail(&mut self, what: String) {
        self.failures.push(what);
    }

    /// Records one case that ran, checking its outcome against the policy in
    /// the module documentation.
    fn check(
        &mut self,
        alg: Algorithm,
        file: &str,
        tc_id: usize,
        expected: TestResult,
        outcome: Result<(), Error>,
    ) {
        *self.by_alg.entry(alg.name()).or_default() += 1;
        let ok = match expected {
            TestResult::Valid => {
                self.valid += 1;
                outcome.is_ok()
            }
            TestResult::Invalid => {
                self.invalid += 1;
                outcome == Err(Error::BadSignature)
            }
            TestResult::Acceptable => {
                self.acceptable += 1;
                outcome == Err(Error::BadSignature)
            }
        };
        if !ok {
            self.fail(format!(
                "{file} tcId {tc_id}: expected {expected:?}, got {outcome:?}"
            ));
        }
    }

    /// Prints the counts (visible with `--nocapture`) and fails on any wrong
    /// outcome or on fewer cases run for an algorithm than `min_run` says.
    fn finish(self, group: &str, min_run: &[(Algorithm, usize)]) {
        let mut line = format!(
            "wycheproof {group}: {} run ({} valid, {} invalid, {} acceptable)",
            self.run(),
            self.valid,
            self.invalid,
            self.acceptable
        );
        for (alg, n) in &self.by_alg {
            let _ = write!(line, "; {alg}: {n} run");
        }
        for (why, n) in &self.skipped {
            let _ = write!(line, "; {n} skipped: {why}");
        }
        eprintln!("{line}");
        assert!(
            self.failures.is_empty(),
            "{group}: {} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        for &(alg, min) in min_run {
            let ran = self.by_alg.get(alg.name()).copied().unwrap_or(0);
            assert!(
                ran >= min,
                "{group}: only {ran} {alg} cases ran, expected at least {min}"
            );
        }
    }
}

fn b64url(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64UrlUnpadded::encode_string(bytes)
}

/// A JWK integer: big-endian without leading zero octets.
fn jwk_int(bytes: &[u8]) -> String {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    b64url(&bytes[start..])
}

fn sha2(hash: HashFunction) -> Option<usize> {
    match hash {
        HashFunction::Sha2_256 => Some(32),
        HashFunction::Sha2_384 => Some(48),
        HashFunction::Sha2_512 => Some(64),
        _ => None,
    }
}

#[test]
fn wycheproof_hmac() {
    use wycheproof::mac::{TestName, TestSet};

    let mut tally = Tally::default();
    for (name, file, alg) in [
        (
            TestName::HmacSha256,
            "hmac_sha256_test.json",
            Algorithm::Hs256,
        ),
        (
            TestName::HmacSha384,
            "hmac_sha384_test.json",
            Algorithm::Hs384,
        ),
        (
            TestName::HmacSha512,
            "hmac_sha512_test.json",
            Algorithm::Hs512,
        ),
    ] {
        let set = TestSet::load(name).expect(file);
        let hash_bits = alg.hash_len() * 8;
        for group in set.test_groups {
            let n = group.tests.len();
            if group.key_size < hash_bits {
                // Out of scope: RFC 7518 section 3.2 requires a key at least
                // as long as the hash output. auth-core refuses such a key.
                for test in &group.tests {
                    let err = VerifyingKey::from_hmac_secret(alg, &test.key).unwrap_err();
                    if err.code() != "invalid_key" {
                        tally.fail(format!(
                            "{file} tcId {}: short key gave {err:?}",
                            test.tc_id
                        ));
                    }
                }
                tally.skip(
                    "HMAC key shorter than the hash output (key refused: invalid_key)",
                    n,
                );
                continue;
            }
            if group.tag_size != hash_bits {
                // Out of scope: a JWS MAC is the full hash output. A truncated
                // tag, even a correct one, must not verify.
                for test in &group.tests {
                    let key = VerifyingKey::from_hmac_secret(alg, &test.key).expect(file);
                    if auth_core::hazmat::verify_raw(&key, &test.msg, &test.tag)
                        != Err(Error::BadSignature)
                    {
                        tally.fail(format!(
                            "{file} tcId {}: truncated tag was not bad_signature",
                            test.tc_id
                        ));
                    }
                }
                tally.skip("truncated HMAC tag (asserted: bad_signature)", n);
                continue;
            }
            for test in group.tests {
                match VerifyingKey::from_hmac_secret(alg, &test.key) {
                    Ok(key) => {
                        tally.check(
                            alg,
                            file,
                            test.tc_id,
                            test.result,
                            auth_core::hazmat::verify_raw(&key, &test.msg, &test.tag),
                        );
                    }
                    Err(err) => {
                        tally.fail(format!("{file} tcId {}: key refused: {err:?}", test.tc_id));
                    }
                }
            }
        }
    }
    // wycheproof 0.7.0: 84 cases per hash.
    tally.finish(
        "HMAC-SHA256/384/512",
        &[
            (Algorithm::Hs256, 80),
            (Algorithm::Hs384, 80),
            (Algorithm::Hs512, 80),
        ],
    );
}

#[test]
fn wycheproof_ecdsa_p1363() {
    use wycheproof::ecdsa::{TestName, TestSet};

    let mut tally = Tally::default();
    for (name, file, alg, hash, crv) in [
        (
            TestName::EcdsaSecp256r1Sha256P1363,
            "ecdsa_secp256r1_sha256_p1363_test.json",
            Algorithm::Es256,
            HashFunction::Sha2_256,
            "P-256",
        ),
        (
            TestName::EcdsaSecp384r1Sha384P1363,
            "ecdsa_secp384r1_sha384_p1363_test.json",
            Algorithm::Es384,
            HashFunction::Sha2_384,
            "P-384",
        ),
    ] {
        let set = TestSet::load(name).expect(file);
        for group in set.test_groups {
            assert_eq!(group.hash, hash, "{file}");
            // The SPKI PEM; the curve names the algorithm.
            let key = match VerifyingKey::from_pem(&group.pem, None) {
                Ok(key) => key,
                Err(err) => {
                    tally.fail(format!("{file}: public key refused: {err:?}"));
                    continue;
                }
            };
            assert_eq!(key.alg(), alg, "{file}");
            // The same point as a JWK gives the same key.
            if let Some(jwk) = &group.jwk {
                let json = format!(
                    r#"{{"kty":"EC","crv":"{crv}","x":"{}","y":"{}"}}"#,
                    b64url(&jwk.affine_x),
                    b64url(&jwk.affine_y)
                );
                match VerifyingKey::from_jwk(&json, Some(alg)) {
                    Ok(from_jwk) if from_jwk.thumbprint() == key.thumbprint() => {}
                    other => tally.fail(format!("{file}: JWK {json} gave {other:?}")),
                }
            }
            for test in group.tests {
                tally.check(
                    alg,
                    file,
                    test.tc_id,
                    test.result,
                    auth_core::hazmat::verify_raw(&key, &test.msg, &test.sig),
                );
            }
        }
    }
    // wycheproof 0.7.0: 262 (P-256) and 280 (P-384) cases.
    tally.finish(
        "ECDSA P-256/SHA-256 and P-384/SHA-384 (P1363)",
        &[(Algorithm::Es256, 250), (Algorithm::Es384, 270)],
    );
}

/// The RSA public key of a Wycheproof group, built from its PEM and from a
/// JWK of its modulus and exponent; both must agree.
fn rsa_key(
    tally: &mut Tally,
    file: &str,
    pem: Option<&str>,
    n: &[u8],
    e: &[u8],
    alg: Algorithm,
) -> Option<VerifyingKey> {
    let jwk = format!(
        r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
        jwk_int(n),
        jwk_int(e)
    );
    let from_jwk = match VerifyingKey::from_jwk(&jwk, Some(alg)) {
        Ok(key) => key,
        Err(err) => {
            tally.fail(format!("{file}: JWK refused: {err:?}"));
            return None;
        }
    };
    if let Some(pem) = pem {
        match VerifyingKey::from_pem(pem, Some(alg)) {
            Ok(key) if key.thumbprint() == from_jwk.thumbprint() => {}
            other => tally.fail(format!("{file}: PEM gave {other:?}")),
        }
    }
    Some(from_jwk)
}

#[test]
fn wycheproof_rsa_pkcs1v15() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};

    let mut tally = Tally::default();
    for (name, file, alg, hash) in [
        (
            TestName::Rsa2048Sha256,
            "rsa_signature_2048_sha256_test.json",
            Algorithm::Rs256,
            HashFunction::Sha2_256,
        ),
        (
            TestName::Rsa2048Sha384,
            "rsa_signature_2048_sha384_test.json",
            Algorithm::Rs384,
            HashFunction::Sha2_384,
        ),
        (
            TestName::Rsa2048Sha512,
            "rsa_signature_2048_sha512_test.json",
            Algorithm::Rs512,
            HashFunction::Sha2_512,
        ),
        (
            TestName::Rsa3072Sha256,
            "rsa_signature_3072_sha256_test.json",
            Algorithm::Rs256,
            HashFunction::Sha2_256,
        ),
        (
            TestName::Rsa3072Sha384,
            "rsa_signature_3072_sha384_test.json",
            Algorithm::Rs384,
            HashFunction::Sha2_384,
        ),
        (
            TestName::Rsa3072Sha512,
            "rsa_signature_3072_sha512_test.json",
            Algorithm::Rs512,
            HashFunction::Sha2_512,
        ),
        (
            TestName::Rsa4096Sha256,
            "rsa_signature_4096_sha256_test.json",
            Algorithm::Rs256,
            HashFunction::Sha2_256,
        ),
        (
            TestName::Rsa4096Sha384,
            "rsa_signature_4096_sha384_test.json",
            Algorithm::Rs384,
            HashFunction::Sha2_384,
        ),
        (
            TestName::Rsa4096Sha512,
            "rsa_signature_4096_sha512_test.json",
            Algorithm::Rs512,
            HashFunction::Sha2_512,
        ),
        (
            TestName::Rsa8192Sha256,
            "rsa_signature_8192_sha256_test.json",
            Algorithm::Rs256,
            HashFunction::Sha2_256,
        ),
        (
            TestName::Rsa8192Sha384,
            "rsa_signature_8192_sha384_test.json",
            Algorithm::Rs384,
            HashFunction::Sha2_384,
        ),
        (
            TestName::Rsa8192Sha512,
            "rsa_signature_8192_sha512_test.json",
            Algorithm::Rs512,
            HashFunction::Sha2_512,
        ),
    ] {
        let set = TestSet::load(name).expect(file);
        for group in set.test_groups {
            assert_eq!(group.hash, hash, "{file}");
            if group.key_size < 2048 {
                tally.skip("RSA modulus under 2048 bits", group.tests.len());
                continue;
            }
            let Some(key) = rsa_key(
                &mut tally,
                file,
                Some(&group.pem),
                &group.key.n,
                &group.key.e,
                alg,
            ) else {
                continue;
            };
            for test in group.tests {
                tally.check(
                    alg,
                    file,
                    test.tc_id,
                    test.result,
                    auth_core::hazmat::verify_raw(&key, &test.msg, &test.sig),
                );
            }
        }
    }
    // wycheproof 0.7.0: 1034, 1035 and 1037 cases.
    tally.finish(
        "RSA PKCS#1 v1.5 (2048-8192 bits, SHA-256/384/512)",
        &[
            (Algorithm::Rs256, 1000),
            (Algorithm::Rs384, 1000),
            (Algorithm::Rs512, 1000),
        ],
    );
}

#[test]
fn wycheproof_rsa_pss() {
    use wycheproof::rsa_pss_verify::{TestGroupTypeId, TestName, TestSet};

    let mut tally = Tally::default();
    // Every PSS file: the in-scope groups are picked by their parameters.
    for name in TestName::all() {
        let file = format!("{name:?}");
        let set = TestSet::load(name).expect(&file);
        for group in set.test_groups {
            let n = group.tests.len();
            let Some(hash_len) = sha2(group.hash) else {
                tally.skip("hash is not SHA-256/384/512", n);
                continue;
            };
            let alg = match hash_len {
                32 => Algorithm::Ps256,
                48 => Algorithm::Ps384,
                _ => Algorithm::Ps512,
            };
            if group.key_size < 2048 {
                tally.skip("RSA modulus under 2048 bits", n);
                continue;
            }
            // SPKI with the rsaEncryption OID; the `..._params` files use
            // id-RSASSA-PSS with parameters, which auth-core's PEM input does
            // not read (`invalid_key`; if it ever does, it must be the same
            // key), so those keys come in through their JWK.
            let pem =
                (group.test_type == TestGroupTypeId::RsaPssVerify).then_some(group.pem.as_str());
            let Some(key) = rsa_key(&mut tally, &file, pem, &group.key.n, &group.key.e, alg) else {
                continue;
            };
            if pem.is_none() {
                match VerifyingKey::from_pem(&group.pem, Some(alg)) {
                    Err(err) if err.code() == "invalid_key" => {}
                    Ok(k) if k.thumbprint() == key.thumbprint() => {}
                    other => tally.fail(format!("{file}: id-RSASSA-PSS PEM gave {other:?}")),
                }
            }
            let same_mgf = group.mgf == Mgf::Mgf1 && group.mgf_hash == Some(group.hash);
            if !same_mgf || group.salt_size != hash_len {
                // Out of scope: PS256/384/512 fix MGF1 over the same hash and
                // a salt as long as the hash (RFC 7518 section 3.5). A
                // signature made with other parameters must not verify. The
                // one exception is a case Wycheproof re-signed with the salt
                // length changed to exactly ours ("s_len changed to 32" in
                // the salt-0 SHA-256 files): invalid for that file's
                // parameters, a correct PS256 signature for ours.
                let ours = format!("s_len changed to {hash_len}");
                for test in &group.tests {
                    let outcome = auth_core::hazmat::verify_raw(&key, &test.msg, &test.sig);
                    let expected = if same_mgf && test.comment == ours {
                        Ok(())
                    } else {
                        Err(Error::BadSignature)
                    };
                    if outcome != expected {
                        tally.fail(format!(
                            "{file} tcId {} ({:?}, MGF1-{:?}, salt {}) as {alg}: expected {expected:?}, got {outcome:?}",
                            test.tc_id, test.result, group.mgf_hash, group.salt_size
                        ));
                    }
                }
                tally.skip("PSS parameters other than MGF1(same hash), salt = hash length (asserted: bad_signature)", n);
                continue;
            }
            for test in group.tests {
                tally.check(
                    alg,
                    &file,
                    test.tc_id,
                    test.result,
                    auth_core::hazmat::verify_raw(&key, &test.msg, &test.sig),
                );
            }
        }
    }
    // wycheproof 0.7.0: 542, 284 and 360 cases.
    tally.finish(
        "RSA-PSS (MGF1 same hash, salt = hash length)",
        &[
            (Algorithm::Ps256, 500),
            (Algorithm::Ps384, 270),
            (Algorithm::Ps512, 340),
        ],
    );
}

//! Writes the generated seeds into `fuzz/corpus/` (one file each), or into
//! the directory given as the first argument:
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml -p auth-core-fuzz-harness --example write_seeds
//! ```
//!
//! `decode_verify` gets tokens signed with the harness's fixed keys: every
//! variant for one HMAC and one ECDSA key, the first for the others. RSA-PSS
//! signatures are salted at random, so those files change on every run; the
//! others (HMAC, PKCS#1 v1.5, RFC 6979 ECDSA) come out byte for byte the same.
//!
//! The other corpora are written by hand (the session ones in the record
//! format of the time: refresh them when the format changes).

use std::fs;
use std::path::PathBuf;

use auth_core::Algorithm;
use auth_core_fuzz_harness::FuzzKeys;

fn main() -> std::io::Result<()> {
    let root = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus"),
        PathBuf::from,
    );
    let dir = root.join("decode_verify");
    fs::create_dir_all(&dir)?;
    let keys = FuzzKeys::new();
    for (alg, tokens) in keys.seed_tokens() {
        let all = matches!(alg, Algorithm::Hs256 | Algorithm::Es256);
        let take = if all { tokens.len() } else { 1 };
        for (i, token) in tokens.iter().enumerate().take(take) {
            let name = format!("seed-{}-{i:02}", alg.name().to_ascii_lowercase());
            fs::write(dir.join(name), token)?;
        }
    }
    println!("wrote seeds to {}", root.display());
    Ok(())
}

//! Writes the generated seed tokens into `fuzz/corpus/decode_verify/` (one
//! file each), from the fixed keys of the fuzzing harness.
//!
//! ```text
//! cargo run -p auth-core --features fuzzing --example write_fuzz_seeds
//! ```

use std::fs;
use std::path::PathBuf;

use auth_core::Algorithm;
use auth_core::fuzzing::{FuzzKeys, seed_tokens};

fn main() -> std::io::Result<()> {
    let keys = FuzzKeys::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/decode_verify");
    fs::create_dir_all(&dir)?;
    let seeds = seed_tokens(&keys);
    let per_alg = seeds.len() / Algorithm::ALL.len();
    for (alg, tokens) in Algorithm::ALL.iter().zip(seeds.chunks(per_alg)) {
        // Every variant for one HMAC and one ECDSA key; the first for the rest.
        let all = matches!(alg, Algorithm::Hs256 | Algorithm::Es256);
        let take = if all { per_alg } else { 1 };
        for (i, token) in tokens.iter().enumerate().take(take) {
            let name = format!("seed-{}-{i:02}", alg.name().to_ascii_lowercase());
            fs::write(dir.join(name), token)?;
        }
    }
    println!("wrote seeds to {}", dir.display());
    Ok(())
}

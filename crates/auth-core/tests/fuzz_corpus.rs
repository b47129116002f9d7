//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/`) through
//! the same entry points the fuzz targets call, so the corpora double as
//! regression tests on stable Rust. Needs the `fuzzing` feature.
//!
//! `cargo run -p auth-core --features fuzzing --example write_fuzz_seeds`
//! rewrites the generated seed tokens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core
)]

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use auth_core::fuzzing::{
    FuzzKeys, decode_verify, header_parse, jwk_parse, pem_parse, seed_tokens,
};

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// Every file of one corpus, sorted by name; the directory must not be empty.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (
                path.file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned(),
                data,
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus is empty");
    files
}

/// Runs `run` on every file of `target`'s corpus, naming the file that fails.
fn replay(target: &str, mut run: impl FnMut(&[u8])) -> usize {
    let files = corpus(target);
    for (name, data) in &files {
        if catch_unwind(AssertUnwindSafe(|| run(data))).is_err() {
            panic!("fuzz/corpus/{target}/{name} breaks a property (see the panic above)");
        }
    }
    files.len()
}

#[test]
fn decode_verify_corpus() {
    let keys = FuzzKeys::new();
    let mut accepted = 0;
    replay("decode_verify", |data| {
        accepted += decode_verify(&keys, data);
    });
    // The oracle is only as good as what it sees accepted.
    assert!(accepted > 0, "no corpus token verified");
}

#[test]
fn most_seed_tokens_verify() {
    let keys = FuzzKeys::new();
    let seeds = seed_tokens(&keys);
    assert!(!seeds.is_empty());
    let accepted = seeds
        .iter()
        .filter(|t| decode_verify(&keys, t.as_bytes()) > 0)
        .count();
    assert!(
        accepted * 2 > seeds.len(),
        "only {accepted} of {} seeds verify",
        seeds.len()
    );
}

#[test]
fn jwk_parse_corpus() {
    replay("jwk_parse", jwk_parse);
}

#[test]
fn pem_parse_corpus() {
    replay("pem_parse", pem_parse);
}

#[test]
fn header_parse_corpus() {
    replay("header_parse", header_parse);
}

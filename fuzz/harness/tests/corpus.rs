//! Replays every committed corpus file (`fuzz/corpus/<target>/`) through the
//! entry point its fuzz target calls, so the corpora double as regression
//! tests on stable Rust.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml -p auth-core-fuzz-harness
//! --example write_seeds` rewrites the generated seeds.

#![allow(clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use auth_core_fuzz_harness::{FuzzKeys, TARGETS, decode_verify_with};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file of one corpus, sorted by name; the directory must not be empty.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_name().expect("file name").to_string_lossy();
            (name.into_owned(), data)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus is empty");
    files
}

/// Runs `run` on every file of `target`'s corpus, naming the file that
/// fails. Returns the sum of what `run` returned.
fn replay(target: &str, run: impl Fn(&[u8]) -> usize) -> usize {
    let mut accepted = 0;
    for (name, data) in corpus(target) {
        match catch_unwind(AssertUnwindSafe(|| run(&data))) {
            Ok(n) => accepted += n,
            Err(_) => panic!("fuzz/corpus/{target}/{name} breaks a property (see the panic above)"),
        }
    }
    accepted
}

/// Every corpus replays without breaking a property, and reaches the
/// properties: a corpus that is refused wholesale checks nothing beyond
/// "does not panic".
#[test]
fn every_corpus_replays_and_something_in_it_is_accepted() {
    for (target, run) in TARGETS {
        let accepted = replay(target, run);
        assert!(accepted > 0, "nothing in fuzz/corpus/{target} is accepted");
    }
}

fn names_in(dir: &str, strip: &str) -> BTreeSet<String> {
    let path = fuzz_dir().join(dir);
    fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|entry| {
            let name = entry.expect("directory entry").file_name();
            let name = name.to_string_lossy();
            name.strip_suffix(strip).unwrap_or(&name).to_owned()
        })
        .collect()
}

/// A target without a corpus, or a corpus whose target is not replayed,
/// would go untested on stable.
#[test]
fn every_target_has_a_corpus_and_is_replayed() {
    let replayed: BTreeSet<String> = TARGETS.iter().map(|(t, _)| (*t).to_owned()).collect();
    assert_eq!(names_in("fuzz_targets", ".rs"), replayed);
    assert_eq!(names_in("corpus", ""), replayed);
}

/// The oracle of `decode_verify` is only as good as what it sees accepted.
#[test]
fn most_seed_tokens_verify() {
    let keys = FuzzKeys::new();
    let seeds: Vec<&String> = keys
        .seed_tokens()
        .iter()
        .flat_map(|(_, tokens)| tokens)
        .collect();
    assert!(!seeds.is_empty());
    let accepted = seeds
        .iter()
        .filter(|t| decode_verify_with(&keys, t.as_bytes()) > 0)
        .count();
    assert!(
        accepted * 2 > seeds.len(),
        "only {accepted} of {} seeds verify",
        seeds.len()
    );
}

/// The hand-written token family seeds: the two valid ones (as auth-core
/// writes a family, and as a Redis script re-encodes it) decode; the
/// broken ones do not (as a family, nor as a session record).
#[test]
fn token_family_seeds_decode_as_families() {
    let mut seen = 0;
    for (name, data) in corpus("session_record_decode") {
        if let Some(kind) = name.strip_prefix("family-") {
            let expected = usize::from(kind == "valid" || kind == "cjson-escaped");
            assert_eq!(
                auth_core_fuzz_harness::session_record_decode(&data),
                expected,
                "{name}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 5);
}

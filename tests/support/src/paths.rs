//! Where the checkout and its `../shared` are, found at run time.
//!
//! Not `env!("CARGO_MANIFEST_DIR")`: a compile-time path is baked into the test binary, and the
//! target dir is shared between clones (cargo reuses artifacts across checkouts), so a binary
//! built in another, since deleted, clone would look there.

use std::path::PathBuf;

/// The root of this checkout (the directory holding ARCHITECTURE.md), from the directory cargo
/// runs the test in.
pub fn repo_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .expect("a directory to start from");
    start
        .ancestors()
        .find(|d| d.join("ARCHITECTURE.md").is_file() && d.join("Cargo.toml").is_file())
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no checkout root above {}", start.display()))
}

/// `shared/spec`: the TBSchedule specification, its examples and cron tables.
pub fn spec_dir() -> PathBuf {
    repo_root().join("../shared/spec")
}

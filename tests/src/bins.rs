//! Locates the binaries built by this cargo invocation (`tbdesk`, `tbdesk-app`).

use std::path::PathBuf;

/// The target profile dir of the running test (`…/target/debug`): test executables live in its
/// `deps/` subdirectory.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    exe.parent().and_then(|d| d.parent()).expect("target/<profile>/deps").to_path_buf()
}

/// A binary of the workspace; `env_override` (e.g. `TBDESK_APP_BIN`) wins when set.
pub fn binary(name: &str, env_override: &str) -> PathBuf {
    let p = std::env::var_os(env_override).map(PathBuf::from).unwrap_or_else(|| profile_dir().join(name));
    assert!(p.exists(), "{} not built: {} (build the workspace first, or set {env_override})", name, p.display());
    p.canonicalize().expect("canonical binary path")
}

/// Where tests save screenshots: `<target>/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let d = profile_dir().parent().expect("target dir").join("screenshots");
    std::fs::create_dir_all(&d).expect("create screenshot dir");
    d
}

//! The window's size, remembered for the next start in the data dir (`window.json`), so two
//! app states (`TBDESK_DATA_DIR`) keep their own. A window concern: it lives with the window.

use std::path::{Path, PathBuf};

/// The data dir the size is kept in.
pub struct Dir(pub PathBuf);

const FILE: &str = "window.json";
/// Smaller than this the sidebar and a form no longer fit; larger than this is a broken file.
const MIN: (f64, f64) = (640.0, 420.0);
const MAX: f64 = 16_384.0;

#[derive(serde::Serialize, serde::Deserialize)]
struct Size {
    width: f64,
    height: f64,
}

/// The remembered size (logical pixels), clamped to what the window can use; `None` when none
/// was saved or the file is unreadable.
pub fn load(dir: &Path) -> Option<(f64, f64)> {
    // A small regular file only: a FIFO or a huge file in its place neither blocks the start
    // nor fills memory.
    let path = dir.join(FILE);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 4096 {
        return None;
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(std::fs::File::open(&path).ok()?, 4096), &mut bytes).ok()?;
    let s: Size = serde_json::from_slice(&bytes).ok()?;
    let ok = |v: f64, min: f64| v.is_finite().then(|| v.clamp(min, MAX));
    Some((ok(s.width, MIN.0)?, ok(s.height, MIN.1)?))
}

/// Remembers a size (logical pixels); a failure only costs the next start its size.
pub fn save(dir: &Path, width: f64, height: f64) {
    let text = serde_json::to_vec(&Size { width, height }).unwrap_or_default();
    if let Err(e) = std::fs::write(dir.join(FILE), text) {
        tracing::warn!(error = %e, "cannot remember the window size");
    }
}

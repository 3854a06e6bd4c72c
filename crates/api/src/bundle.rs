//! The support bundle: one zip with what a maintainer needs to see a root as the user sees it —
//! the snapshot, the health report, the recent journal and the app's log — and no secret: the
//! profile is written without its digest user, the password is never read, and every text is
//! checked for the password before it is written (the entry is replaced by a note if it holds
//! it).

use std::io::Write;
use std::path::{Path, PathBuf};

use tbdesk_model::wire::{ApiError, ErrorCode};

/// Journal entries the bundle carries, newest first.
pub const JOURNAL_ENTRIES: i64 = 500;
/// The most bytes of the app's log it carries (the end of the log).
pub const LOG_BYTES: usize = 1 << 20;

/// One file of the bundle.
pub struct Part {
    /// Its name in the zip.
    pub name: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Writes `parts` as a zip at `path`; any part holding one of `secrets` is replaced by a note.
pub fn write_zip(path: &Path, parts: Vec<Part>, secrets: &[&str]) -> Result<PathBuf, ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Internal, format!("cannot write {}: {e}", path.display()));
    let zerr =
        |e: zip::result::ZipError| ApiError::new(ErrorCode::Internal, format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file = std::fs::File::create(path).map_err(io)?;
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for part in parts {
        let leaks =
            secrets.iter().filter(|s| !s.is_empty()).any(|s| part.bytes.windows(s.len()).any(|w| w == s.as_bytes()));
        zip.start_file(part.name, opts).map_err(zerr)?;
        if leaks {
            tracing::warn!(part = part.name, "a bundle part held a secret; left out");
            zip.write_all(b"left out: it held a secret of the profile\n").map_err(io)?;
        } else {
            zip.write_all(&part.bytes).map_err(io)?;
        }
    }
    zip.finish().map_err(zerr)?;
    Ok(path.to_owned())
}

/// The end of `log`, at most [`LOG_BYTES`], cut at a line.
pub fn log_tail(log: &str) -> &str {
    if log.len() <= LOG_BYTES {
        return log;
    }
    let mut start = log.len() - LOG_BYTES;
    while !log.is_char_boundary(start) {
        start += 1;
    }
    match log[start..].find('\n') {
        Some(i) => &log[start + i + 1..],
        None => &log[start..],
    }
}

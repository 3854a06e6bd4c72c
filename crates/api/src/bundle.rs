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
    // Written whole or not at all (a failure midway leaves an earlier bundle of that name as
    // it was).
    whole(path, |file| fill_zip(file, parts, secrets, &io, &zerr), io)?;
    Ok(path.to_owned())
}

/// Writes `path` whole or not at all: `fill` writes (and syncs) a temporary file beside it,
/// which is then renamed over `path`; removed when anything fails.
fn whole<E>(
    path: &Path,
    fill: impl FnOnce(std::fs::File) -> Result<(), E>,
    io: impl Fn(std::io::Error) -> E,
) -> Result<(), E> {
    let tmp = partial_path(path);
    let written =
        std::fs::File::create(&tmp).map_err(&io).and_then(fill).and_then(|()| std::fs::rename(&tmp, path).map_err(&io));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `path` with `.partial-<pid>-<n>` appended: the temporary file a whole write renames (one
/// of its own for each write of the process).
pub fn partial_path(path: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".partial-{}-{n}", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` at `path` whole or not at all (a temporary file beside it, on disk before it
/// is renamed over `path`).
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    whole(
        path,
        |mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        },
        |e| e,
    )
}

fn fill_zip(
    file: std::fs::File,
    parts: Vec<Part>,
    secrets: &[&str],
    io: &dyn Fn(std::io::Error) -> ApiError,
    zerr: &dyn Fn(zip::result::ZipError) -> ApiError,
) -> Result<(), ApiError> {
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
    zip.finish().map_err(zerr)?.sync_all().map_err(io)?;
    Ok(())
}

/// `log` without the lines holding any of `terms` (another profile's name, servers or root),
/// saying how many were left out.
pub fn without_lines_naming(log: &str, terms: &[String]) -> String {
    let mut out = String::with_capacity(log.len());
    let mut left = 0usize;
    for line in log.split_inclusive('\n') {
        if terms.iter().any(|t| line.contains(t.as_str())) {
            left += 1;
        } else {
            out.push_str(line);
        }
    }
    if left > 0 {
        out.push_str(&format!("({left} line(s) naming other profiles left out)\n"));
    }
    out
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

//! The hardening table: tests that try a fault or bad input record what they tried, how many
//! cases and what happened; `scripts/test` turns the rows of the run into TESTING.md.
//!
//! Rows go to `$TBDESK_REPORT_DIR/<area>.tsv` when that variable is set (scripts/test sets it),
//! and nowhere otherwise.

use std::io::Write;

/// Records one row: `area` (e.g. `faults`), `what` was tried, `cases` run, the `result`.
pub fn record(area: &str, what: &str, cases: usize, result: &str) {
    let Some(dir) = std::env::var_os("TBDESK_REPORT_DIR") else { return };
    let dir = std::path::PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(format!("{area}.tsv"))) {
        let _ = writeln!(f, "{}\t{}\t{}\t{}", clean(area), clean(what), cases, clean(result));
    }
}

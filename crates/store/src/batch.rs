//! Cutting a long write into ZooKeeper requests.
//!
//! One multi is all or nothing, but a request over the server's `jute.maxbuffer` (0xfffff
//! bytes by default) makes it drop the connection, and thousands of ops hold its request
//! processor. So every write of many nodes (a domain's item writes, a leader's re-make, a
//! subtree delete, the removal of dead servers, a run's clean-up) is cut here, at whole units:
//! the ops that must land together (an item's two fields, its deletes) never straddle two
//! requests. The one atomic write that cannot be cut is refused whole instead
//! ([`crate::jute::MAX_REQUEST`]).

use std::ops::Range;

/// The most ops in one cut request.
pub const MAX_OPS: usize = 2000;
/// The most bytes in one cut request: half of ZooKeeper's default request limit. Long roots and
/// names make 2,000 ops pass the whole limit (2,000 field writes of 600-byte paths are 1.2 MB).
pub const MAX_BYTES: usize = 512 * 1024;

/// Ops that must go in one request, and their bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub ops: usize,
    pub bytes: usize,
}

impl Unit {
    /// One op on `path` carrying `data` bytes.
    pub fn op(path: &str, data: usize) -> Unit {
        Unit { ops: 1, bytes: op_bytes(path, data) }
    }
}

/// The bytes an op on `path` carrying `data` bytes takes in a multi, near enough: its header,
/// the path and data with their lengths, a version.
pub fn op_bytes(path: &str, data: usize) -> usize {
    path.len().saturating_add(data).saturating_add(24)
}

/// Splits `units` into runs of whole units of at most [`MAX_OPS`] ops and [`MAX_BYTES`] bytes
/// (a larger unit alone), in order; no run is empty.
pub fn whole_batches(units: &[Unit]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut ops, mut bytes) = (0usize, 0usize, 0usize);
    for (i, u) in units.iter().enumerate() {
        let over = ops.saturating_add(u.ops) > MAX_OPS || bytes.saturating_add(u.bytes) > MAX_BYTES;
        if i > start && over {
            out.push(start..i);
            (start, ops, bytes) = (i, 0, 0);
        }
        ops = ops.saturating_add(u.ops);
        bytes = bytes.saturating_add(u.bytes);
    }
    if start < units.len() {
        out.push(start..units.len());
    }
    out
}

/// [`whole_batches`] of single ops on `paths` (deletes, each its own unit), as slices.
pub fn path_batches<T>(items: &[T], path: impl Fn(&T) -> &str) -> Vec<&[T]> {
    let units: Vec<Unit> = items.iter().map(|t| Unit::op(path(t), 0)).collect();
    whole_batches(&units).into_iter().map(|r| &items[r]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(n: &[usize]) -> Vec<Unit> {
        n.iter().map(|&ops| Unit { ops, bytes: ops * 100 }).collect()
    }

    #[test]
    fn batches_hold_whole_units_under_the_limits() {
        assert!(whole_batches(&[]).is_empty());
        assert_eq!(whole_batches(&ops(&[2; 1000])), vec![0..1000]);
        assert_eq!(whole_batches(&ops(&[2; 1001])), vec![0..1000, 1000..1001]);
        // An odd unit is never split: 1999 + 2 > 2000.
        assert_eq!(whole_batches(&ops(&[1999, 2, 2])), vec![0..1, 1..3]);
        // A unit over the limit goes alone, or with zero-op units before it.
        assert_eq!(whole_batches(&ops(&[MAX_OPS + 5, 0, 1])), vec![0..1, 1..3]);
        assert_eq!(whole_batches(&ops(&[1, MAX_OPS + 5, 1])), vec![0..1, 1..2, 2..3]);
        let huge = Unit { ops: usize::MAX, bytes: usize::MAX };
        assert_eq!(whole_batches(&[huge, huge]), vec![0..1, 1..2]);
        // Long paths: the bytes decide before the ops do.
        let long = vec![Unit { ops: 2, bytes: 2 * 700 }; 1000];
        let b = whole_batches(&long);
        assert_eq!(b.len(), 3, "{b:?}");
        assert!(b.iter().all(|r| long[r.clone()].iter().map(|u| u.bytes).sum::<usize>() <= MAX_BYTES));
        assert_eq!(b.last().map(|r| r.end), Some(1000));
    }

    #[test]
    fn path_batches_cover_every_path_once_in_order() {
        let paths: Vec<String> = (0..5000).map(|i| format!("/r/{}/{i}", "x".repeat(i % 300))).collect();
        let b = path_batches(&paths, String::as_str);
        assert!(b.len() >= 3, "{}", b.len());
        assert!(b.iter().all(|s| !s.is_empty() && s.len() <= MAX_OPS));
        assert!(b.iter().all(|s| s.iter().map(|p| op_bytes(p, 0)).sum::<usize>() <= MAX_BYTES));
        let flat: Vec<&String> = b.iter().flat_map(|s| s.iter()).collect();
        assert_eq!(flat.len(), paths.len());
        assert!(flat.iter().zip(&paths).all(|(a, b)| *a == b));
        assert!(path_batches(&[] as &[String], String::as_str).is_empty());
    }
}

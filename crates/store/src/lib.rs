//! The only code in tbdesk that talks to ZooKeeper for console work: connect from a profile,
//! read a whole root fast, keep it current from watches, and write it exactly as Java does.
//!
//! # Layout
//! - [`session`]: connecting (digest auth, fail fast), typed errors, root initialisation, clock.
//! - [`reader`]: batched multi-reads (pipelined single reads before ZooKeeper 3.6).
//! - [`Store::snapshot`]: a whole root as a `model::snapshot::Snapshot`.
//! - [`live`]: persistent recursive watches as a stream of snapshots, re-synced after reconnects.
//! - [`writes`]: validated, versioned, all-or-nothing writes and the guarded destructive actions.
//! - [`transfer`]: export / import (with a dry-run plan) / diff, in JSON and the Java line format.

pub mod jute;
pub mod live;
pub mod reader;
pub mod session;
pub mod transfer;
pub mod writes;

pub use session::{now_ms, ConnectOptions, Error, Store};
pub use writes::Expect;

use tbdesk_model::snapshot::{fold, Snapshot};

impl Store {
    /// Reads the whole root and folds it; `progress` is called after each tree level.
    pub async fn snapshot(&self, progress: impl FnMut(reader::Progress)) -> Result<Snapshot, Error> {
        let tree = reader::read_tree(&self.client, self.root.as_str(), self.mode, progress).await?;
        if !tree.contains_key(self.root.as_str()) {
            return Err(Error::NoNode { path: self.root.as_str().to_owned() });
        }
        Ok(fold(&self.root, &tree, self.zk_now_ms()))
    }

    /// The raw nodes of the whole root (for tests, the benchmark and export).
    pub async fn raw_tree(&self) -> Result<tbdesk_model::snapshot::RawTree, Error> {
        reader::read_tree(&self.client, self.root.as_str(), self.mode, |_| {}).await
    }

    /// The read mode in use (multi-read or pipelined singles).
    pub fn read_mode(&self) -> reader::ReadMode {
        self.mode
    }
}

//! The only code in tbdesk that talks to ZooKeeper for console work: connect from a profile,
//! read a whole root fast, keep it current from watches, and write it exactly as Java does.
//!
//! # Layout
//! - [`Store`] (here): one session bound to one root; every other module adds methods to it.
//! - [`Error`]: the one error type, and its code on the wire.
//! - [`session`]: connecting (digest auth, fail fast), Java's ACLs, root initialisation, clock.
//! - [`jute`]: the small second client that writes null data where Java does.
//! - [`server`]: what the server speaks (3.4, 3.5, 3.6+), decided once per session.
//! - [`reader`]: batched multi-reads (pipelined single reads before ZooKeeper 3.6).
//! - [`Store::snapshot`]: a whole root as a `model::snapshot::Snapshot`.
//! - [`live`]: persistent recursive watches as a stream of snapshots, re-synced after reconnects.
//! - [`writes`]: validated, versioned, all-or-nothing writes and the guarded destructive actions.
//! - [`transfer`]: export / import (with a dry-run plan) / diff, in JSON and the Java line format.

pub mod batch;
mod error;
pub mod jute;
pub mod live;
pub mod reader;
pub mod restore;
pub mod server;
pub mod session;
pub mod transfer;
pub mod writes;

pub use error::Error;
pub use session::{boot_ms, now_ms};
pub use tbdesk_model::wire::Expect;

use std::time::Duration;

use tbdesk_model::paths::Root;
use tbdesk_model::snapshot::{fold_in, Snapshot};
use zookeeper_client as zk;

/// What a [`Store`] needs to connect: the fields of a connection profile, with the password
/// already fetched from the keyring by the caller.
#[derive(Clone)]
pub struct ConnectOptions {
    /// `host:port[,host:port...]`.
    pub connect: String,
    /// The TBSchedule root path.
    pub root: String,
    /// Requested session timeout; the server may cap it (default max: 20 ticks = 40 s).
    pub session_timeout: Duration,
    /// Digest user and password (`userName:password`, §1), when the root is protected.
    pub digest: Option<(String, String)>,
    /// Refuse every write (the profile's read-only flag, enforced here, not only in the UI).
    pub read_only: bool,
    /// The zone this root's Java schedulers run in (the profile's): every cron judgment made
    /// through this store (validation of writes and imports) uses it.
    pub tz: chrono_tz::Tz,
}

impl std::fmt::Debug for ConnectOptions {
    // Hand-written so the password never reaches a log line or an error message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("connect", &self.connect)
            .field("root", &self.root)
            .field("session_timeout", &self.session_timeout)
            .field("digest_user", &self.digest.as_ref().map(|(u, _)| u))
            .field("read_only", &self.read_only)
            .field("tz", &self.tz)
            .finish()
    }
}

/// One ZooKeeper session bound to one TBSchedule root.
pub struct Store {
    pub(crate) client: zk::Client,
    pub(crate) root: Root,
    pub(crate) opts: ConnectOptions,
    pub(crate) mode: reader::ReadMode,
    /// What the server speaks (version, reader, watches, create opcode).
    pub(crate) features: server::Features,
    /// ZooKeeper's clock as measured (like Java, once at connect; the follower again as it
    /// reads changes), anchored to this machine's boot clock: `(ZooKeeper ms, boot ms)` at the
    /// measurement. A wall clock stepped since (a laptop's resume, an NTP correction) does not
    /// move ZooKeeper's time with it; `None` until measured (then the local clock is used).
    pub(crate) clock_anchor: Option<(i64, i64)>,
    /// The second, short-lived session kind that can write null data (see [`crate::jute`]).
    pub(crate) nulls: jute::NullWriter,
}

impl Store {
    /// Reads the whole root and folds it; `progress` is called after each tree level.
    pub async fn snapshot(&self, progress: impl FnMut(reader::Progress)) -> Result<Snapshot, Error> {
        let tree = reader::read_tree(&self.client, self.root.as_str(), self.mode, progress).await?;
        if !tree.contains_key(self.root.as_str()) {
            return Err(Error::NoNode { path: self.root.as_str().to_owned() });
        }
        Ok(fold_in(&self.root, &tree, self.zk_now_ms(), self.opts.tz))
    }

    /// The raw nodes of the whole root (for tests, the benchmark and export).
    pub async fn raw_tree(&self) -> Result<tbdesk_model::snapshot::RawTree, Error> {
        reader::read_tree(&self.client, self.root.as_str(), self.mode, |_| {}).await
    }

    /// The read mode in use (multi-read or pipelined singles).
    pub fn read_mode(&self) -> reader::ReadMode {
        self.mode
    }

    /// What the server speaks: its version, and the reader and watches tbdesk uses with it.
    pub fn features(&self) -> server::Features {
        self.features
    }
}

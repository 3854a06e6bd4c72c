//! Everything tbdesk knows about TBSchedule's data, with no I/O, so that the UI (compiled to
//! wasm32), the ZooKeeper store, the local scheduler and the CLI share one truth.
//!
//! The reference is `shared/spec/tbschedule-zk.md` (section numbers in comments point there).
//!
//! # Layout
//! - [`names`]: task type ↔ base + own sign, factory and server uuids, sequence suffixes, leaders.
//! - [`paths`]: every ZooKeeper path tbdesk touches is built here and nowhere else.
//! - [`version`]: the root version marker and Java's String-compare compatibility check.

pub mod names;
pub mod paths;
pub mod version;

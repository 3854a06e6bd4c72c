//! Everything tbdesk knows about TBSchedule's data, with no I/O, so that the UI (compiled to
//! wasm32), the ZooKeeper store, the local scheduler and the CLI share one truth.
//!
//! The reference is `shared/spec/tbschedule-zk.md` (section numbers in comments point there).
//!
//! # Layout
//! - [`inspect`]: one node as the node inspector shows it (JSON, text or hex; ACL in words).
//! - [`items`]: the task item list syntax (§6.7) and its rules.
//! - [`journal`]: tbdesk's recorded writes as shown, and the rules of a revert.
//! - [`names`]: task type ↔ base + own sign, factory and server uuids, sequence suffixes, leaders.
//! - [`paths`]: every ZooKeeper path tbdesk touches is built here and nowhere else.
//! - [`cron`]: TBSchedule's own cron (a Quartz 1.8 copy): verdicts, fire times, quirks.
//! - [`cron_builder`]: the shapes the cron builder writes and reads back (checked by [`cron`]).
//! - [`diagnose`]: root health findings and the "why is this task type not running?" chain.
//! - [`diff`]: field-level differences between two blobs.
//! - [`distribution`]: thread groups over factories, items over servers, hand-over plans.
//! - [`gson`]: gson 2.1's exact JSON bytes, and lenient field readers.
//! - [`records`]: strategy, strategy runtime, task type, server, export line (§4).
//! - [`replay`]: a bounded history of ownership changes, and a domain as it was at an instant.
//! - [`search`]: where a task type runs, which strategies name an IP, which task types use a bean.
//! - [`snapshot`]: a whole root as typed values, folded from raw nodes (no I/O).
//! - [`timeline`]: every task type's run windows over a horizon, paused state, overlaps in groups.
//! - [`transfer`]: a root's configuration, its two file formats and the import plan.
//! - [`validate`]: every rule of a strategy and a task type, all violations at once.
//! - [`version`]: the root version marker and Java's String-compare compatibility check.
//! - [`window`]: the cron run window of a thread group (§6.6).
//! - [`wire`]: every value that crosses the IPC, and the one list of the app's commands.

pub mod alerts;
pub mod cron;
pub mod cron_builder;
pub mod diagnose;
pub mod diff;
pub mod distribution;
pub mod gson;
pub mod inspect;
pub mod items;
pub mod java;
pub mod journal;
pub mod names;
pub mod paths;
pub mod profile;
pub mod records;
pub mod replay;
pub mod search;
pub mod snapshot;
pub mod timeline;
pub mod transfer;
pub mod validate;
pub mod version;
pub mod window;
pub mod wire;

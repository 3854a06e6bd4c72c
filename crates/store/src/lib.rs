//! The only code in tbdesk that talks to ZooKeeper for console work.
//!
//! # Layout
//! - [`session`]: connecting from a profile's settings, digest auth, typed errors.
//! - [`Store`]: one ZooKeeper session bound to one TBSchedule root.

pub mod session;

pub use session::{ConnectOptions, Error, Store};

//! Shared fixtures of tbdesk's end-to-end tests.
//!
//! # Layout
//! - [`zk`]: a real ZooKeeper per test (from `tbdesk-zkserver`) plus a client to seed it.
//! - [`app`]: the real app window driven over WebDriver (tauri-driver → WebKitWebDriver).
//! - [`bins`]: where cargo put the binaries under test.

pub mod app;
pub mod bins;
pub mod paths;
pub mod report;
pub mod zk;

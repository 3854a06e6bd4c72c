//! Shared fixtures of tbdesk's end-to-end tests.
//!
//! # Layout
//! - [`zk`]: a real ZooKeeper per test (from `tbdesk-zkserver`) plus a client to seed it.
//! - [`app`]: the real app window driven over WebDriver (tauri-driver → WebKitWebDriver).
//! - [`bins`]: where cargo put the binaries under test.
//! - [`paths`], [`report`]: from `tbdesk-test-support` (the model uses those alone).

pub mod app;
pub mod bins;
pub use tbdesk_test_support::{paths, report};
pub mod zk;

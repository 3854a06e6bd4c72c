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

/// A profile's fields for tests: `name` on `connect` and `root`, 6 s sessions, zone UTC, no
/// digest user, writable.
pub fn profile_fields(name: &str, connect: &str, root: &str) -> tbdesk_profiles::ProfileFields {
    tbdesk_profiles::ProfileFields {
        name: name.into(),
        connect: connect.into(),
        root_path: root.into(),
        session_timeout_ms: 6000,
        digest_user: None,
        color: "none".into(),
        read_only: false,
        local_server: false,
        zone: "UTC".into(),
    }
}

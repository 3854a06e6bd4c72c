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

/// A task type that runs quickly in tests: `items` items `0`..`items-1`, heartbeat 1 s,
/// judge-dead 6 s, 100 ms between empty selects, 50 rows a fetch, bean `bean`.
pub fn quick_task_type(name: &str, items: usize) -> tbdesk_model::records::TaskType {
    tbdesk_model::records::TaskType {
        base_task_type: Some(name.into()),
        heart_beat_rate: 1000,
        judge_dead_interval: 6000,
        sleep_time_no_data: 100,
        fetch_data_number: 50,
        deal_bean_name: Some("bean".into()),
        task_items: Some((0..items).map(|i| i.to_string()).collect()),
        ..tbdesk_model::records::TaskType::default()
    }
}

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

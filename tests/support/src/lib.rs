//! Test helpers without dependencies, so a pure crate (the model) can use them without pulling
//! in the end-to-end fixtures (WebDriver, SQLite, the keyring).
//!
//! - [`paths`]: the repository and the shared spec (examples, the cron oracle).
//! - [`report`]: rows of TESTING.md, recorded by tests that try faults and bad input.

pub mod paths;
pub mod report;

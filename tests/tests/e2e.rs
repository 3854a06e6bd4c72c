//! tbdesk's end-to-end tests: one binary, one module per topic (ripgrep's layout).

mod cli;
mod gui;
mod peer;
mod pictures;
mod scheduler;

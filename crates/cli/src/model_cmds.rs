//! Subcommands over the pure model crate (cron, validate, encode); filled in by issue 4.

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum ModelCmd {
    /// Print the TBSchedule root version marker tbdesk writes.
    Marker,
}

pub fn run(cmd: ModelCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ModelCmd::Marker => {
            println!("{}", tbdesk_model::version::ROOT_MARKER);
            Ok(ExitCode::SUCCESS)
        }
    }
}

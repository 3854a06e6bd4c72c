//! `tbdesk`: the command line over the same crates as the desktop app, for scripting and
//! headless checks. `main` only maps the result of [`run`] to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

mod model_cmds;

#[derive(Parser)]
#[command(name = "tbdesk", version, about = "TBSchedule console: profiles, ZooKeeper roots, model checks")]
struct Cli {
    /// App data dir holding profiles.sqlite (default: the desktop app's, or $TBDESK_DATA_DIR).
    #[arg(long, global = true, env = "TBDESK_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Manage connection profiles.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// List the children of a profile's root.
    Ls {
        /// Profile name.
        profile: String,
    },
    #[command(flatten)]
    Model(model_cmds::ModelCmd),
}

#[derive(Subcommand)]
enum ProfileCmd {
    /// List profiles.
    List,
    /// Add a profile. The password is read from $TBDESK_PASSWORD (never from the command line,
    /// where other users could see it) and stored in the OS keyring.
    Add {
        name: String,
        #[arg(long)]
        connect: String,
        #[arg(long)]
        root: String,
        #[arg(long, default_value_t = 60000)]
        session_timeout_ms: i64,
        #[arg(long)]
        digest_user: Option<String>,
        #[arg(long, default_value = "none")]
        color: String,
        #[arg(long)]
        read_only: bool,
    },
    /// Delete a profile and its keyring entry.
    Delete { name: String },
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .context("neither XDG_DATA_HOME nor HOME is set; pass --data-dir")?;
    // Same directory tauri's app_data_dir() gives the desktop app (its identifier).
    Ok(base.join("dev.tbdesk.console"))
}

async fn console(cli_dir: &Option<PathBuf>) -> anyhow::Result<tbdesk_api::Console> {
    let dir = match cli_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    Ok(tbdesk_api::Console::open(&dir).await?)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.cmd {
        Cmd::Model(m) => model_cmds::run(m),
        Cmd::Profile(ProfileCmd::List) => {
            for p in console(&cli.data_dir).await?.list_profiles().await? {
                println!("{}\t{}\t{}", p.fields.name, p.fields.connect, p.fields.root_path);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Profile(ProfileCmd::Add { name, connect, root, session_timeout_ms, digest_user, color, read_only }) => {
            let password = std::env::var("TBDESK_PASSWORD").ok();
            let fields = tbdesk_profiles::ProfileFields {
                name,
                connect,
                root_path: root,
                session_timeout_ms,
                digest_user,
                color,
                read_only,
                local_server: false,
            };
            let c = console(&cli.data_dir).await?;
            c.profiles().create(&fields, password.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Profile(ProfileCmd::Delete { name }) => {
            console(&cli.data_dir).await?.profiles().delete(&name).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Ls { profile } => {
            let l = console(&cli.data_dir).await?.root_listing(&profile).await?;
            for c in l.children {
                println!("{c}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TBDESK_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tbdesk: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(Cli::parse())) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tbdesk: {e:#}");
            ExitCode::from(2)
        }
    }
}

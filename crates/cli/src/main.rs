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
    /// Read a profile's whole root: strategies, task types with domains, servers and items.
    Snapshot {
        profile: String,
        /// Print the snapshot as JSON instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Export a profile's configuration (task types and strategies).
    Export {
        profile: String,
        /// `json` (tbdesk, human-readable) or `java` (the Java console's ConfigNode lines).
        #[arg(long, default_value = "json")]
        format: String,
        /// Output file (default: stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Import a configuration file into a profile's root: prints the plan; writes only
    /// without --dry-run (all or nothing). Java lines are written to this root, not theirs.
    Import {
        profile: String,
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        /// Also delete objects the file does not have.
        #[arg(long)]
        prune: bool,
        #[arg(long)]
        json: bool,
    },
    /// Differences between two profiles' configurations (what importing TO into FROM does).
    Diff {
        from: String,
        to: String,
        #[arg(long)]
        json: bool,
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
        Cmd::Snapshot { profile, json } => {
            let snap = console(&cli.data_dir).await?.snapshot(&profile).await?;
            if json {
                println!("{}", serde_json::to_string(&snap)?);
            } else {
                println!("{} ({:?}), {} nodes", snap.root, snap.marker, snap.nodes);
                for s in &snap.strategies {
                    println!("strategy {}\t{} runtime(s)", s.name, s.runtimes.len());
                }
                for t in &snap.task_types {
                    for d in &t.domains {
                        let dead = d.servers.iter().filter(|x| x.dead).count();
                        println!(
                            "task type {}\tdomain {}\t{} server(s), {} dead, {} item(s)",
                            t.name,
                            d.own_sign,
                            d.servers.len(),
                            dead,
                            d.items.len()
                        );
                    }
                    if t.domains.is_empty() {
                        println!("task type {}\tno domain", t.name);
                    }
                }
                for f in &snap.factories {
                    println!("factory {}\t{}", f.uuid, if f.started { "started" } else { "stopped" });
                }
                for p in &snap.problems {
                    println!("problem {}\t{}", p.path, p.message);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Export { profile, format, output } => {
            let (root, cfg) = console(&cli.data_dir).await?.export(&profile).await?;
            let text = match format.as_str() {
                "json" => cfg.to_file(&root)?,
                "java" => cfg.to_java_lines(&root),
                other => anyhow::bail!("--format must be json or java, not {other:?}"),
            };
            match output {
                Some(p) => std::fs::write(&p, text).with_context(|| format!("write {}", p.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Import { profile, file, dry_run, prune, json } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("read {}", file.display()))?;
            let changes = console(&cli.data_dir).await?.import(&profile, &text, !dry_run, prune).await?;
            print_changes(&changes, json)?;
            if dry_run {
                eprintln!("dry run: nothing was written ({} change(s) planned)", changes.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Diff { from, to, json } => {
            let changes = console(&cli.data_dir).await?.diff(&from, &to).await?;
            print_changes(&changes, json)?;
            Ok(if changes.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
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

fn print_changes(changes: &[tbdesk_store::transfer::Change], json: bool) -> anyhow::Result<()> {
    use tbdesk_store::transfer::Change;
    for c in changes {
        if json {
            println!("{}", serde_json::to_string(c)?);
            continue;
        }
        match c {
            Change::Create { kind, name } => println!("create {kind} {name}"),
            Change::Delete { kind, name } => println!("delete {kind} {name}"),
            Change::Update { kind, name, fields } => {
                println!("update {kind} {name}");
                for f in fields {
                    let show =
                        |v: &Option<serde_json::Value>| v.as_ref().map_or("(absent)".to_string(), |v| v.to_string());
                    println!("  {}: {} -> {}", f.field, show(&f.before), show(&f.after));
                }
            }
        }
    }
    Ok(())
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

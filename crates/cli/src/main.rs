//! `tbdesk`: the command line over the same crates as the desktop app, for scripting and
//! headless checks. `main` only maps the result of [`run`] to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// What reaches a terminal is text from ZooKeeper, files and job programs: an escape sequence
/// in a node's data (`\x1b]0;…`, `\x1b[2J`) would drive the user's terminal. Every `println!`,
/// `print!`, `eprintln!` and `eprint!` of this binary goes through [`terminal_safe`] with its
/// stream (these macros shadow std's); output to a pipe or file stays byte for byte.
///
/// And none of them panics, as std's do when the stream is gone: a closed terminal or a
/// `| tee` ended by the same Ctrl-C must not cut a scheduler's stop and clean-up short. A lost
/// standard output is remembered and makes the exit status 1 ([`put`]).
macro_rules! println {
    () => { $crate::put(false, "", true) };
    ($($t:tt)*) => { $crate::put(false, &format!($($t)*), true) };
}
macro_rules! print {
    ($($t:tt)*) => { $crate::put(false, &format!($($t)*), false) };
}
macro_rules! eprintln {
    () => { $crate::put(true, "", true) };
    ($($t:tt)*) => { $crate::put(true, &format!($($t)*), true) };
}
macro_rules! eprint {
    ($($t:tt)*) => { $crate::put(true, &format!($($t)*), false) };
}

/// Standard output could not be written (a closed pipe, a full disk): what was printed is
/// incomplete, and the exit status says so.
static STDOUT_LOST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes `text` (and a newline) to stderr or stdout, made [`terminal_safe`]; never panics.
fn put(to_stderr: bool, text: &str, newline: bool) {
    use std::io::Write;
    fn write(mut w: impl Write + std::io::IsTerminal, text: &str, newline: bool) -> std::io::Result<()> {
        let safe = terminal_safe(&w, text);
        w.write_all(safe.as_bytes())?;
        if newline {
            w.write_all(b"\n")?;
        }
        Ok(())
    }
    if to_stderr {
        let _ = write(std::io::stderr().lock(), text, newline);
    } else if write(std::io::stdout().lock(), text, newline).is_err() {
        STDOUT_LOST.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `text` with control characters other than newline and tab shown as `\u{…}` when `stream`
/// is a terminal; unchanged otherwise.
fn terminal_safe<'a>(stream: &impl std::io::IsTerminal, text: &'a str) -> std::borrow::Cow<'a, str> {
    if stream.is_terminal() {
        escape_controls(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `text` with every control character but newline and tab written as `\u{…}`.
fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars().map(|c| if bad(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_sequences_never_reach_a_terminal() {
        assert_eq!(
            super::escape_controls("root marker \x1b]0;pwned\x07\x1b[2J"),
            "root marker \\u{1b}]0;pwned\\u{7}\\u{1b}[2J"
        );
        assert_eq!(super::escape_controls("a\tb\nc \u{9b}"), "a\tb\nc \\u{9b}");
        assert!(matches!(super::escape_controls("plain 任务"), std::borrow::Cow::Borrowed(_)));
    }
}

mod model_cmds;

#[derive(Parser)]
#[command(name = "tbdesk", version, about = "TBSchedule console: profiles, ZooKeeper roots, model checks")]
struct Cli {
    /// App data dir holding profiles.sqlite (default: the desktop app's, or $TBDESK_DATA_DIR).
    #[arg(long, global = true, env = "TBDESK_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Unlock the writes of this production profile for this command (its name, typed).
    #[arg(long, global = true, value_name = "PROFILE")]
    unlock: Option<String>,
    /// Seconds a one-shot command may take in all, connecting and reading included (1 to
    /// 86400): a server that accepts the connection and then answers nothing, or a byte at a
    /// time, never holds a command for ever. `scheduler run` and `watch` run until stopped.
    #[arg(long, global = true, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    deadline: u64,
    #[command(subcommand)]
    cmd: Cmd,
}

impl Cli {
    /// Whether the command runs until stopped (no total deadline applies).
    fn runs_until_stopped(&self) -> bool {
        matches!(self.cmd, Cmd::Watch { .. } | Cmd::Scheduler(SchedulerCmd::Run { .. }))
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Manage connection profiles.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Initialise a profile's root as the Java runtime does (version marker, directories, ACL).
    Init { profile: String },
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
        /// Allow --prune to delete every task type and strategy of the root.
        #[arg(long)]
        prune_all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Copy task types with their strategies (or strategies with their task types) from one
    /// profile to another: prints the plan field by field; writes only without --dry-run, all or
    /// nothing, recorded in the target's history. Never deletes.
    Promote {
        /// The source profile.
        #[arg(long)]
        from: String,
        /// The target profile.
        #[arg(long)]
        to: String,
        /// Text found (case-insensitive) in the names of the task types or strategies to copy;
        /// none: everything.
        #[arg(default_value = "")]
        filter: String,
        /// Point the copied strategies at this own sign of their task types (BASE: shared).
        #[arg(long)]
        own_sign: Option<String>,
        #[arg(long)]
        dry_run: bool,
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
    /// Every profile, one line each: colour, ZooKeeper, counts, the worst finding. Exit code by
    /// the worst colour: 0 green, 1 amber, 2 red (or unreachable).
    Status {
        /// Seconds each profile may take before it is reported red as not answering.
        #[arg(long, default_value_t = 15)]
        timeout: u64,
        /// One JSON object per line instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Follow profiles (the named ones, else every watched one) and print an alert line when a
    /// root turns red, a task type stops running or a server dies (each once, until it clears;
    /// the first look only learns). Runs until Ctrl-C or --seconds.
    Watch {
        profiles: Vec<String>,
        /// Seconds between looks.
        #[arg(long, default_value_t = 5)]
        interval: u64,
        /// Stop after this many seconds.
        #[arg(long)]
        seconds: Option<u64>,
        /// One JSON object per alert.
        #[arg(long)]
        json: bool,
    },
    /// Search every profile's root: where a task type runs, which strategies name an IP, which
    /// task types use a bean (case-insensitive). Exit 0 when something matched, 1 when nothing.
    Find {
        /// Text to look for in names, beans, own signs, IP lists, factory and server uuids.
        query: String,
        /// Seconds each profile may take.
        #[arg(long, default_value_t = 15)]
        timeout: u64,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// ZooKeeper ensemble and root health of a profile: green / amber / red with findings.
    Health {
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// Why is TASK_TYPE not running? Walks the chain and stops at the first broken link.
    Why {
        /// Base task type.
        task_type: String,
        #[arg(long)]
        profile: String,
        /// Isolation domain (default: the shared BASE domain).
        #[arg(long, default_value = "BASE")]
        own_sign: String,
        /// Zone of the Java runtime's crons (default: the profile's zone).
        #[arg(long)]
        tz: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The journal of tbdesk's writes to a profile's root, newest first, with each node's
    /// changed fields. OBJECT narrows it: a path, `taskType NAME`, `strategy NAME` or a name.
    History {
        profile: String,
        object: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// One JSON object per entry, with the bytes before and after.
        #[arg(long)]
        json: bool,
    },
    /// Revert a journal entry: write its nodes' before-bytes back, all or nothing, each only if
    /// it is still as the entry left it. A node changed since is shown with its three versions
    /// (before, after, now) and nothing is written (exit 1) unless --overwrite.
    Revert {
        profile: String,
        entry: i64,
        /// Show what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write back even over nodes changed since the entry.
        #[arg(long)]
        overwrite: bool,
        #[arg(long)]
        json: bool,
    },
    /// One node of a profile's root (absolute, or relative to the root): its data as pretty
    /// JSON, text or hex, its stat, its ACL in words and its children. Reads only.
    Node {
        profile: String,
        path: String,
        #[arg(long)]
        json: bool,
    },
    /// Pause every strategy FILTER chooses (name, task or IP list; empty: all) in one multi,
    /// all or nothing; --own-sign narrows to task types of that own sign. Prints each one.
    Pause(BatchArgs),
    /// Resume every strategy FILTER chooses, like `pause`.
    Resume(BatchArgs),
    /// Delete a task type (with its domains) or a strategy, as the Java console does. Refused,
    /// nothing deleted, while runtimes are registered in or under it, or while a strategy
    /// points at the task type. Recorded in the history (revert writes the definition back).
    #[command(subcommand)]
    Delete(DeleteCmd),
    /// Start or stop a factory (the Java console's switch: its node `true` / `false`).
    Factory {
        profile: String,
        /// The factory's uuid (`tbdesk snapshot` lists them).
        uuid: String,
        #[arg(value_parser = ["start", "stop"])]
        action: String,
    },
    /// Write a support bundle for a profile: a zip with the root's snapshot, the health report
    /// and the recent journal, no password or digest credential. Prints its path.
    Bundle {
        profile: String,
        /// Where to write it (default: the data dir's bundles/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The local development scheduler.
    #[command(subcommand)]
    Scheduler(SchedulerCmd),
    #[command(flatten)]
    Model(model_cmds::ModelCmd),
}

/// What `pause` and `resume` act on.
#[derive(clap::Args)]
struct BatchArgs {
    profile: String,
    #[arg(default_value = "")]
    filter: String,
    #[arg(long)]
    own_sign: Option<String>,
    /// Name them; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// After a pause, remind to resume them this many minutes later (1 to 10080): a
    /// notification of the app, an ALERT line of `tbdesk watch`.
    #[arg(long, value_name = "MINUTES")]
    remind_in: Option<u32>,
}

#[derive(Subcommand)]
enum DeleteCmd {
    /// Delete a task type and every domain of it.
    TaskType {
        profile: String,
        /// The base task type.
        name: String,
        /// Delete only if the definition is still at this version (default: the version read now).
        #[arg(long)]
        version: Option<i32>,
    },
    /// Delete a strategy.
    Strategy {
        profile: String,
        name: String,
        /// Delete only if the strategy is still at this version (default: the version read now).
        #[arg(long)]
        version: Option<i32>,
    },
}

#[derive(Subcommand)]
enum SchedulerCmd {
    /// Run TASK_TYPE in the isolation domain OWN_SIGN on this machine until Ctrl-C: creates
    /// the strategy copy `TASK_TYPE$OWN_SIGN` naming only this machine, runs the deal, shows a
    /// status line, and on stop removes what it created (unless --keep).
    Run {
        #[arg(long)]
        profile: String,
        #[arg(long)]
        own_sign: String,
        /// The base task type to run.
        #[arg(long)]
        task_type: String,
        /// The job program (JSON lines over stdin/stdout, see README); default: the demo deal.
        #[arg(long)]
        exec: Option<String>,
        /// Thread groups.
        #[arg(long, default_value_t = 1)]
        groups: i64,
        /// Seconds a deal call may take before the program is restarted (1 to 86400: at 0 every
        /// call would time out and the program restart for ever).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        deal_timeout: u64,
        /// Zone of the server timestamps and crons (default: the profile's zone, as production
        /// runs; `local` for this machine's zone).
        #[arg(long)]
        tz: Option<String>,
        /// Stop after this many seconds (scripting and tests).
        #[arg(long)]
        seconds: Option<u64>,
        /// Keep the strategy copy and the domain after stopping.
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand)]
enum ProfileCmd {
    /// List profiles.
    List,
    /// Add a profile. A digest user's password is read from stdin (--password-stdin) or else
    /// $TBDESK_PASSWORD, never from the command line (where other users could see it), and
    /// stored in the OS keyring.
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
        /// Zone of this root's Java schedulers (IANA name; default: this machine's zone).
        #[arg(long)]
        zone: Option<String>,
        /// Read the digest user's password from the first line of stdin.
        #[arg(long, requires = "digest_user", conflicts_with = "password_env")]
        password_stdin: bool,
        /// Require the digest user's password from $TBDESK_PASSWORD (an error when it is unset).
        #[arg(long, requires = "digest_user")]
        password_env: bool,
    },
    /// Delete a profile and its keyring entry.
    Delete { name: String },
    /// Whether the app follows a profile in the background (home, alerts) and whether its
    /// alerts raise notifications; prints both.
    Watch {
        name: String,
        /// on / off (absent: unchanged).
        #[arg(long)]
        watch: Option<OnOff>,
        /// on / off (absent: unchanged).
        #[arg(long)]
        alerts: Option<OnOff>,
    },
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .context("neither XDG_DATA_HOME nor HOME is set; pass --data-dir")?;
    // Same directory tauri's app_data_dir() gives the desktop app (its identifier).
    Ok(base.join("dev.tbdesk.console"))
}

/// `tbdesk pause` / `resume`.
async fn pause_cmd(data_dir: &Option<PathBuf>, a: BatchArgs, pause: bool) -> anyhow::Result<ExitCode> {
    let BatchArgs { profile, filter, own_sign, dry_run, remind_in } = a;
    if remind_in.is_some() && !pause {
        anyhow::bail!("--remind-in: only a pause asks for a reminder to resume");
    }
    let c = console(data_dir).await?;
    if let Some(m) = remind_in {
        // The delay's range and room for one more, before anything is paused.
        c.check_reminder(m).await?;
    }
    let (chosen, changed) = c.pause_matching(&profile, &filter, own_sign.as_deref(), pause, dry_run).await?;
    if let (Some(m), false, false) = (remind_in, dry_run, chosen.is_empty()) {
        c.remind_resume(&profile, &filter, own_sign.as_deref(), m).await?;
        eprintln!("a reminder to resume them is due in {m} min (the app or `tbdesk watch` raises it)");
    }
    let verb = if pause { "paused" } else { "resumed" };
    for n in &chosen {
        let state = if dry_run {
            format!("would be {verb}")
        } else if changed.contains(n) {
            verb.to_owned()
        } else {
            format!("already {verb}")
        };
        println!("{n}\t{state}");
    }
    if chosen.is_empty() {
        eprintln!("no strategy matches");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// A switch's value.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

/// The production profile `--unlock` names, unlocked in every console this run opens.
static UNLOCK: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// A password on the first line of `input` (at most 4 KiB; its line end not part of it).
fn read_password_line(input: impl std::io::BufRead) -> anyhow::Result<String> {
    use std::io::BufRead;
    let mut line = Vec::new();
    input.take(4097).read_until(b'\n', &mut line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() > 4096 {
        anyhow::bail!("--password-stdin: the password is longer than 4096 bytes");
    }
    String::from_utf8(line).map_err(|_| anyhow::anyhow!("--password-stdin: the password is not UTF-8"))
}

async fn console(cli_dir: &Option<PathBuf>) -> anyhow::Result<tbdesk_api::Console> {
    let dir = match cli_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    let console = tbdesk_api::Console::open(&dir).await?;
    if let Some(Some(p)) = UNLOCK.get() {
        console.unlock_for_run(p).await?;
    }
    Ok(console)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let _ = UNLOCK.set(cli.unlock.clone());
    match cli.cmd {
        Cmd::Model(m) => model_cmds::run(m),
        Cmd::Profile(ProfileCmd::List) => {
            for p in console(&cli.data_dir).await?.list_profiles().await? {
                println!("{}\t{}\t{}", p.fields.name, p.fields.connect, p.fields.root_path);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Profile(ProfileCmd::Add {
            name,
            connect,
            root,
            session_timeout_ms,
            digest_user,
            color,
            read_only,
            zone,
            password_stdin,
            password_env,
        }) => {
            // A digest user's password: from stdin when asked (--password-stdin), else from
            // $TBDESK_PASSWORD (scripts and the Java peer kit set it for the one command). Never
            // for a profile without a digest user, and the source is named, so a variable left
            // from another profile's add is seen being used.
            let password = if password_stdin {
                Some(read_password_line(std::io::stdin().lock())?)
            } else if digest_user.is_some() {
                let v = std::env::var("TBDESK_PASSWORD").ok();
                if password_env && v.is_none() {
                    anyhow::bail!("--password-env: $TBDESK_PASSWORD is not set");
                }
                v
            } else {
                None
            }
            .filter(|p| !p.is_empty());
            match (&digest_user, &password) {
                (Some(user), None) => eprintln!(
                    "digest user {user} without a password (--password-stdin, or $TBDESK_PASSWORD): the profile only reads until its password is stored"
                ),
                (Some(user), Some(_)) if !password_stdin => {
                    eprintln!("the password of {user} for {name} ({connect}) is taken from $TBDESK_PASSWORD")
                }
                _ => {}
            }
            let fields = tbdesk_profiles::ProfileFields {
                name,
                connect,
                root_path: root,
                session_timeout_ms,
                digest_user,
                color,
                read_only,
                local_server: false,
                zone: zone.unwrap_or_else(tbdesk_api::machine_zone_name),
            };
            let c = console(&cli.data_dir).await?;
            c.create_profile(&fields, password.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Profile(ProfileCmd::Watch { name, watch, alerts }) => {
            let on = |o: Option<OnOff>| o.map(|o| o == OnOff::On);
            let (w, a) = console(&cli.data_dir).await?.set_watch(&name, on(watch), on(alerts), None).await?;
            let word = |b: bool| if b { "on" } else { "off" };
            println!("{name}\twatch {}\talerts {}", word(w), word(a));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Watch { profiles, interval, seconds, json } => {
            let c = console(&cli.data_dir).await?;
            let mut stop = stop_signals()?;
            let every = std::time::Duration::from_secs(interval.clamp(1, 3600));
            // A --seconds past what a clock can hold means: until stopped.
            let until =
                seconds.and_then(|s| tokio::time::Instant::now().checked_add(std::time::Duration::from_secs(s)));
            let known: Vec<String> = c.list_profiles().await?.into_iter().map(|p| p.fields.name).collect();
            if let Some(bad) = profiles.iter().find(|p| !known.contains(p)) {
                anyhow::bail!("profile {bad}: there is no such profile (tbdesk profile list)");
            }
            let mut seen = std::collections::BTreeSet::new();
            loop {
                // --seconds bounds a look in progress too (a first read may take minutes).
                let ends = async {
                    match until {
                        Some(u) => tokio::time::sleep_until(u).await,
                        None => std::future::pending().await,
                    }
                };
                let look = tokio::select! {
                    r = c.watch_tick(&profiles) => r?,
                    _ = stopped(stop.clone()) => break,
                    _ = ends => break,
                };
                let (home, alerts) = look;
                for st in home.iter().filter(|st| seen.insert(st.profile.clone())) {
                    eprintln!("watching {}: {} ({})", st.profile, st.summary.as_str(), st.connection);
                }
                for a in &alerts {
                    if json {
                        println!("{}", serde_json::to_string(a)?);
                    } else {
                        println!("ALERT\t{}\t{}\t{}\t{}", a.profile, a.key, a.title, a.body);
                    }
                }
                if home.is_empty() {
                    anyhow::bail!("nothing to watch: no profile is watched (tbdesk profile watch NAME --watch on) and none was named");
                }
                let next = tokio::time::Instant::now() + every;
                let wait = tokio::time::sleep_until(until.map_or(next, |u| u.min(next)));
                tokio::select! {
                    _ = wait => {}
                    _ = stop.changed() => break,
                }
                if until.is_some_and(|u| tokio::time::Instant::now() >= u) {
                    break;
                }
            }
            c.end_watches().await;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Profile(ProfileCmd::Delete { name }) => {
            console(&cli.data_dir).await?.delete_profile(&name).await?;
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
            for (path, why) in &cfg.skipped {
                eprintln!("warning: left out {path}: {why}");
            }
            let text = match format.as_str() {
                "json" => cfg.to_file(&root)?,
                "java" => cfg.to_java_lines(&root),
                other => anyhow::bail!("--format must be json or java, not {other:?}"),
            };
            match output {
                // Whole or not at all: a failure midway leaves an earlier backup as it was.
                Some(p) => tbdesk_api::bundle::write_whole(&p, text.as_bytes())
                    .with_context(|| format!("write {}", p.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Import { profile, file, dry_run, prune, prune_all, json } => {
            let text = tbdesk_api::read_import_file(&file)?;
            let changes = console(&cli.data_dir)
                .await?
                .import_opts(&profile, &text, !dry_run, prune || prune_all, prune_all)
                .await?;
            print_changes(&changes, json)?;
            if dry_run {
                eprintln!("dry run: nothing was written ({} change(s) planned)", changes.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Promote { from, to, filter, own_sign, dry_run, json } => {
            let changes =
                console(&cli.data_dir).await?.promote(&from, &to, &filter, own_sign.as_deref(), !dry_run).await?;
            print_changes(&changes, json)?;
            if dry_run {
                eprintln!("dry run: nothing was written ({} change(s) planned)", changes.len());
            } else if changes.is_empty() {
                eprintln!("{to} already holds what {from} has: nothing to write");
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Diff { from, to, json } => {
            let changes = console(&cli.data_dir).await?.diff(&from, &to).await?;
            print_changes(&changes, json)?;
            Ok(if changes.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Cmd::Scheduler(SchedulerCmd::Run {
            profile,
            own_sign,
            task_type,
            exec,
            groups,
            deal_timeout,
            tz,
            seconds,
            keep,
        }) => {
            scheduler_run(&cli.data_dir, profile, own_sign, task_type, exec, groups, deal_timeout, tz, seconds, keep)
                .await
        }
        Cmd::Find { query, timeout, json } => {
            let limit = std::time::Duration::from_secs(timeout.clamp(1, 3600));
            let hits = console(&cli.data_dir).await?.find_all(&query, limit).await?;
            let mut found = false;
            for h in &hits {
                if json {
                    println!("{}", serde_json::to_string(h)?);
                }
                match (&h.hit, &h.error) {
                    (Some(hit), _) => {
                        found = true;
                        if !json {
                            let kind = serde_json::to_value(hit.kind)?;
                            println!(
                                "{}\t{}\t{}\t{}={}",
                                h.profile,
                                kind.as_str().unwrap_or(""),
                                hit.name,
                                hit.field,
                                hit.value
                            );
                        }
                    }
                    (None, Some(e)) => eprintln!("{}: not searched: {e}", h.profile),
                    (None, None) => {}
                }
            }
            Ok(if found { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Cmd::Status { timeout, json } => {
            let limit = std::time::Duration::from_secs(timeout.clamp(1, 3600));
            let all = console(&cli.data_dir).await?.status_all(limit).await?;
            for s in &all {
                if json {
                    println!("{}", serde_json::to_string(s)?);
                    continue;
                }
                let what = match (&s.error, s.top.first()) {
                    (Some(e), _) => format!("unreachable: {e}"),
                    (None, Some(f)) => format!("{}: {}", f.code, f.message),
                    (None, None) => "nothing wrong found".into(),
                };
                println!(
                    "{:<16} {:<5} {:<40} strategies {:>3}  task types {:>4}  factories {:>3}  servers {:>4}  orphan items {:>4}  {what}",
                    s.profile, s.summary.as_str(), s.protocol, s.strategies, s.task_types, s.factories, s.live_servers, s.items_without_owner
                );
            }
            let worst = all.iter().map(|s| s.summary).max().unwrap_or_default();
            Ok(ExitCode::from(worst.exit_code()))
        }
        Cmd::Health { profile, json } => {
            let h = console(&cli.data_dir).await?.health(&profile).await?;
            if json {
                println!("{}", serde_json::to_string(&h)?);
            } else {
                println!("health: {}", h.summary);
                for s in &h.ensemble {
                    if !s.up {
                        println!("server {}: DOWN ({})", s.address, s.error.clone().unwrap_or_default());
                        continue;
                    }
                    println!(
                        "server {}: up, {} {}, rtt {:.2} ms{}, latency {:?}, nodes {:?}, watches {:?}, fds {:?}",
                        s.address,
                        s.mode.clone().unwrap_or_else(|| "?".into()),
                        s.version.clone().unwrap_or_default(),
                        s.rtt_ms.unwrap_or(0.0),
                        if s.slow { " (slow)" } else { "" },
                        s.latency,
                        s.znode_count,
                        s.watch_count,
                        s.file_descriptors
                    );
                    for r in &s.refused {
                        println!("  {} refused: {}", r.command, r.hint);
                    }
                    for u in &s.unanswered {
                        println!("  no answer: {}: {}", u.command, u.why);
                    }
                }
                println!(
                    "session timeout: asked {} ms, granted {} ms",
                    h.requested_session_timeout_ms, h.negotiated_session_timeout_ms
                );
                println!("protocol: {}", h.protocol);
                if let Some(o) = h.clock_offset_ms {
                    println!("clock: ZooKeeper - this machine = {o} ms");
                }
                for f in h.ensemble_findings.iter().chain(&h.findings) {
                    println!("{:?} {}: {} — {}", f.level, f.code, f.message, f.why);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Why { task_type, profile, own_sign, tz, json } => {
            let tz = match tz {
                Some(z) => {
                    Some(tbdesk_model::cron::parse_zone(&z).with_context(|| format!("--tz: unknown zone {z:?}"))?)
                }
                None => None,
            };
            let d = console(&cli.data_dir).await?.why(&profile, &task_type, &own_sign, tz).await?;
            if json {
                println!("{}", serde_json::to_string(&d)?);
            } else {
                for l in &d.links {
                    println!("{} {}: {}", if l.ok { "ok  " } else { "FAIL" }, l.check, l.detail);
                    if !l.ok {
                        for e in &l.evidence {
                            println!("       {e}");
                        }
                        if let Some(f) = &l.fix {
                            println!("  fix: {f}");
                        }
                    }
                }
                match &d.broken {
                    None => println!("{} is running.", d.task_type),
                    Some(b) => println!("{} is not running: broken at '{b}'.", d.task_type),
                }
            }
            Ok(if d.broken.is_none() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Cmd::History { profile, object, limit, json } => {
            let c = console(&cli.data_dir).await?;
            let entries = c.history(&profile, object.as_deref(), limit).await?;
            // In the profile's zone, named, as the window shows them (not this machine's).
            let tz = c.profile(&profile).await?.fields.zone_or(tbdesk_api::machine_zone());
            for e in &entries {
                if json {
                    println!("{}", serde_json::to_string(e)?);
                    continue;
                }
                let when = chrono::DateTime::from_timestamp_millis(e.time_ms)
                    .map(|t| format!("{} {}", t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S"), tz.name()))
                    .unwrap_or_default();
                let reverts = e.reverts.map(|r| format!(" (reverts #{r})")).unwrap_or_default();
                let error = e.error.as_deref().map(|x| format!(": {x}")).unwrap_or_default();
                println!("#{} {when} {} {}{reverts} {}{error}", e.id, e.who, e.command, e.outcome.as_str());
                for (n, object) in e.nodes.iter().zip(e.objects()) {
                    let v = |s: &tbdesk_model::journal::NodeState| {
                        s.version.map_or("absent".to_owned(), |v| format!("v{v}"))
                    };
                    println!("  {object}: {} -> {}", v(&n.before), v(&n.after));
                    for f in n.fields() {
                        let show = |x: &Option<serde_json::Value>| x.as_ref().map_or("-".to_owned(), |v| v.to_string());
                        println!("    {}: {} -> {}", f.field, show(&f.before), show(&f.after));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Revert { profile, entry, dry_run, overwrite, json } => {
            let r = console(&cli.data_dir).await?.revert(&profile, entry, overwrite, dry_run).await?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                for c in &r.conflicts {
                    println!("changed since #{entry}: {}", c.path);
                    for (label, st) in [("before", &c.before), ("after", &c.after), ("now", &c.now)] {
                        let v = st.version.map_or("absent".to_owned(), |v| format!("v{v}"));
                        println!("  {label:<6} {v:<8} {}", st.text().unwrap_or_default());
                    }
                }
                let verb = if r.dry_run { "would write back" } else { "wrote back" };
                for n in &r.nodes {
                    println!("{verb} {}", n.path);
                    for f in n.fields() {
                        let show = |x: &Option<serde_json::Value>| x.as_ref().map_or("-".to_owned(), |v| v.to_string());
                        println!("  {}: {} -> {}", f.field, show(&f.before), show(&f.after));
                    }
                }
                if let Some(j) = r.journal {
                    println!("recorded as #{j}");
                }
                if !r.conflicts.is_empty() && !overwrite {
                    eprintln!("refused: {} node(s) changed since #{entry}; nothing written (--overwrite to write back anyway)", r.conflicts.len());
                }
            }
            Ok(if !r.conflicts.is_empty() && !overwrite { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Cmd::Delete(d) => {
            let c = console(&cli.data_dir).await?;
            let (kind, dir, profile, name, version) = match d {
                DeleteCmd::TaskType { profile, name, version } => ("task type", "baseTaskType", profile, name, version),
                DeleteCmd::Strategy { profile, name, version } => ("strategy", "strategy", profile, name, version),
            };
            if name.is_empty() || name.contains('/') {
                anyhow::bail!("{kind} name {name:?}: one node name, not empty and without '/'");
            }
            let version = match version {
                Some(v) => v,
                None => c.node(&profile, &format!("{dir}/{name}")).await?.stat.version,
            };
            if dir == "strategy" {
                c.delete_strategy(&profile, &name, version).await?;
            } else {
                c.delete_task_type(&profile, &name, version).await?;
            }
            println!("deleted {kind} {name} (version {version})");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Factory { profile, uuid, action } => {
            let start = action == "start";
            console(&cli.data_dir).await?.set_factory(&profile, &uuid, start).await?;
            println!("factory {uuid} {}", if start { "started" } else { "stopped" });
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Pause(a) => pause_cmd(&cli.data_dir, a, true).await,
        Cmd::Resume(a) => pause_cmd(&cli.data_dir, a, false).await,
        Cmd::Bundle { profile, out } => {
            let path = console(&cli.data_dir).await?.support_bundle(&profile, None, out).await?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Node { profile, path, json } => {
            let n = console(&cli.data_dir).await?.node(&profile, &path).await?;
            if json {
                println!("{}", serde_json::to_string(&n)?);
                return Ok(ExitCode::SUCCESS);
            }
            let st = &n.stat;
            println!("{}", n.path);
            println!(
                "version {} · cversion {} · aversion {} · {} bytes · {} children{}",
                st.version,
                st.cversion,
                st.aversion,
                st.data_length,
                st.num_children,
                if st.ephemeral_owner != 0 {
                    format!(" · ephemeral, session {:#x}", st.ephemeral_owner)
                } else {
                    String::new()
                }
            );
            println!("created {} · modified {}", n.ctime_text, n.mtime_text);
            match &n.acl {
                Some(acl) => println!("ACL: {}", acl.join("; ")),
                None => println!("ACL: not readable by this session"),
            }
            if let Some(why) = &n.unreadable {
                println!("data: unreadable ({why})");
            }
            use tbdesk_model::inspect::Shown;
            match &n.shown {
                Some(Shown::Empty) => println!("data: (empty or null)"),
                Some(Shown::Json(t)) => println!("data (JSON):\n{t}"),
                Some(Shown::Text(t)) => println!("data (text): {t}"),
                Some(Shown::Hex(t)) => print!("data (hex):\n{t}"),
                None => {}
            }
            if let Some(c) = &n.children {
                println!("children ({}): {}", c.len(), c.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Init { profile } => {
            console(&cli.data_dir).await?.init_root(&profile).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Ls { profile } => {
            let store = console(&cli.data_dir).await?.open_store(&profile).await?;
            for c in store.root_children().await.map_err(tbdesk_api::ApiError::from)? {
                println!("{c}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Resolves at the first SIGINT, SIGTERM or SIGHUP (an IDE's stop button, `timeout`, systemd,
/// a closed terminal). Installed before anything else, so no signal is lost during start-up.
fn stop_signals() -> anyhow::Result<tokio::sync::watch::Receiver<bool>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(true);
        let first = std::time::Instant::now();
        // A second SIGINT or SIGTERM (a closed terminal sends SIGHUP twice: not counted), a
        // moment after the first: the user will not wait for the clean stop. The job programs
        // go with us; the nodes of this run may be left.
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => continue,
            }
            if first.elapsed() >= std::time::Duration::from_secs(1) {
                tbdesk_scheduler::deal::kill_all_jobs();
                before_exit();
                eprintln!("\nsecond signal: exiting now without cleaning up (the nodes of this run may be left)");
                std::process::exit(130);
            }
        }
    });
    Ok(rx)
}

/// What must happen before the process exits on a second signal, without waiting for the stop
/// under way: a scheduler run lists its nodes in its leftovers file, so that the next run
/// removes them (an exit without the list would leave them for ever).
type BeforeExit = Box<dyn Fn() + Send + Sync>;
static BEFORE_EXIT: std::sync::Mutex<Option<BeforeExit>> = std::sync::Mutex::new(None);

/// `scheduler run` on a profile made read-only: no write more (no stop, no clean-up), its
/// job programs killed, what it made listed for a later run; exit status 3.
fn read_only_exit(keep: bool) -> ! {
    eprintln!();
    eprintln!("the profile was made read-only: this run writes nothing more and exits");
    // Its job programs go with it (they run in process groups of their own).
    tbdesk_scheduler::deal::kill_all_jobs();
    before_exit();
    if !keep {
        eprintln!("what it made is listed for the next run of this task type on the profile once it is writable");
    }
    std::process::exit(3);
}

/// The longest a `scheduler run`'s clean-up takes after its runtime stopped.
const CLEAN_UP_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

/// How often a running `scheduler run` checks that its profile is still writable.
const READ_ONLY_POLL: std::time::Duration = std::time::Duration::from_secs(2);

fn before_exit() {
    if let Ok(f) = BEFORE_EXIT.lock() {
        if let Some(f) = f.as_ref() {
            f();
        }
    }
}

async fn stopped(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

#[allow(clippy::too_many_arguments)]
async fn scheduler_run(
    data_dir: &Option<PathBuf>,
    profile: String,
    own_sign: String,
    task_type: String,
    exec: Option<String>,
    groups: i64,
    deal_timeout: u64,
    tz: Option<String>,
    seconds: Option<u64>,
    keep: bool,
) -> anyhow::Result<ExitCode> {
    use tbdesk_scheduler::launcher::{LaunchSpec, Leftovers};
    let stop = stop_signals()?;
    // Every argument is checked before the first write.
    let tz_arg = match tz.as_deref() {
        Some("local") => Some(tbdesk_api::machine_zone()),
        Some(z) => Some(
            tbdesk_model::cron::parse_zone(z)
                .with_context(|| format!("--tz: unknown zone {z:?} (an IANA name such as Asia/Shanghai, or local)"))?,
        ),
        None => None,
    };
    // The launcher's rules, worded as the flags that carry them: the typed ones before any
    // profile, keyring or server is touched, the profile's (read-only) after.
    let flag_error = |e: tbdesk_scheduler::Error| match e {
        tbdesk_scheduler::Error::OwnSign(_) => {
            anyhow::anyhow!("--own-sign: the local scheduler never runs the shared BASE domain")
        }
        tbdesk_scheduler::Error::Invalid(m) if m.starts_with("own sign") => {
            anyhow::anyhow!("--{}", m.replacen(' ', "-", 1))
        }
        tbdesk_scheduler::Error::Invalid(m) if m.starts_with("thread groups") => {
            anyhow::anyhow!("--groups{}", m.trim_start_matches("thread groups"))
        }
        tbdesk_scheduler::Error::Invalid(m) if m.starts_with("task type") => {
            anyhow::anyhow!("--task-type{}", m.trim_start_matches("task type"))
        }
        tbdesk_scheduler::Error::Store(tbdesk_store::Error::ReadOnly) => {
            anyhow::anyhow!("profile {profile} is read-only: the scheduler writes, so it does not start")
        }
        other => other.into(),
    };
    LaunchSpec::check_inputs(&task_type, &own_sign, groups).map_err(flag_error)?;
    // Nothing is written until the strategy copy is made: a signal before then ends the program
    // at once, even while the keyring waits for an unlock prompt or the local server starts.
    let opened = async {
        let c = console(data_dir).await?;
        // The scheduler writes (its strategy copy, factory, servers): a production profile's
        // lock holds here as for every other write, before anything is connected.
        c.guard_production(&profile).await?;
        let connect = c.connect_options(&profile).await?;
        let profile_id = c.profiles().get(&profile).await?.id;
        anyhow::Ok((c, connect, profile_id))
    };
    let (c, connect, profile_id) = tokio::select! {
        r = opened => r?,
        _ = stopped(stop.clone()) => { eprintln!("stopped before anything was written"); return Ok(ExitCode::SUCCESS) }
    };
    let data = match data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    let spec = LaunchSpec {
        leftovers: Leftovers::file(&data, profile_id, &task_type, &own_sign),
        tz: tz_arg.unwrap_or(connect.tz),
        connect,
        base: task_type.clone(),
        own_sign: own_sign.clone(),
        groups,
        deal: tbdesk_scheduler::deal::Deal::from_exec(exec, std::time::Duration::from_secs(deal_timeout)),
    };
    spec.check().map_err(flag_error)?;
    // Read-only steps: a signal here simply ends the program.
    let prepare = async {
        let store = c.open_store(&profile).await?;
        let prepared = spec.prepare(&store).await?;
        anyhow::Ok((store, prepared))
    };
    // Within the app's total deadline for a whole read: a server that keeps the session alive
    // while it trickles its answers holds no start for ever.
    let prepare = async {
        match tokio::time::timeout(tbdesk_api::FIRST_READ_LIMIT, prepare).await {
            Ok(r) => r,
            Err(_) => Err(anyhow::anyhow!(
                "{profile}: reading the root did not finish within {} s",
                tbdesk_api::FIRST_READ_LIMIT.as_secs()
            )),
        }
    };
    let (store, prepared) = tokio::select! {
        r = prepare => r?,
        _ = stopped(stop.clone()) => { eprintln!("stopped before anything was written"); return Ok(ExitCode::SUCCESS) }
    };
    for s in &prepared.capturing {
        eprintln!(
            "warning: shared strategy {s} names this machine; a Java factory here would join it (tbdesk will not)"
        );
    }
    // The one write of start-up runs to its end (bounded by the session timeout), so what it
    // created is always known and removed below, even when a signal came meanwhile.
    let mut launch = prepared.create(&store).await?;
    if !keep {
        // Listed at the stop's start, as the app does, and again by a second signal's exit:
        // however the stop ends, no node of this run is forgotten (the clean-up rewrites the
        // list with what it could not remove, or deletes it).
        let save = launch.leftovers_saver();
        let on_signal = move || {
            if let Err(e) = save() {
                eprintln!("could not list the nodes of this run for the next one: {e}");
            }
        };
        if let Ok(mut slot) = BEFORE_EXIT.lock() {
            *slot = Some(Box::new(on_signal));
        }
    }
    for n in &launch.dev.notes {
        eprintln!("{n}");
    }
    if keep && !launch.adopted.is_empty() {
        eprintln!("(with --keep, they stay)");
    }
    eprintln!(
        "running {task_type}${own_sign} through strategy {} as {} ({}), crons in {}; Ctrl-C stops",
        launch.dev.name,
        launch.host(),
        launch.ip(),
        launch.spec().tz.name()
    );
    let session_timeout = launch.spec().connect.session_timeout;
    let leftovers_file = launch.spec().leftovers.clone();
    let (tx, mut rx) = tokio::sync::watch::channel(tbdesk_scheduler::Status::default());
    let last_status = rx.clone();
    let sig = stop.clone();
    let c_ref = &c;
    // A profile made read-only while the run goes on (the app, another `tbdesk`): the run stops
    // writing at once. Its graceful stop would write (servers unregistered, items released), so
    // the process lists what it made for a later run and exits; its session's ephemeral nodes
    // go with it.
    let made_read_only = async move {
        loop {
            tokio::time::sleep(READ_ONLY_POLL).await;
            if c_ref.made_read_only(profile_id).await {
                return;
            }
        }
    };
    let shutdown = async move {
        let timer = async {
            match seconds {
                Some(s) => tokio::time::sleep(std::time::Duration::from_secs(s)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = timer => {}
            _ = stopped(sig) => {}
        }
        // Made read-only since the last look: not even the stop's writes.
        if c_ref.made_read_only(profile_id).await {
            read_only_exit(keep);
        }
        before_exit();
    };
    let printer = tokio::spawn(async move {
        let t0 = std::time::Instant::now();
        let (mut last, mut last_at) = (0u64, t0);
        // Events printed so far, by the runtime's count: its log is a bounded ring, so the
        // new lines are its last `log_pushed - printed`, less any that rolled out unseen.
        let mut printed = 0u64;
        while rx.changed().await.is_ok() {
            let st = rx.borrow_and_update().clone();
            let new = st.log_pushed.saturating_sub(printed);
            let shown = usize::try_from(new).unwrap_or(usize::MAX).min(st.log.len());
            if new > shown as u64 {
                eprintln!("\r({} events not shown: the runtime keeps its last {})", new - shown as u64, st.log.len());
            }
            for line in &st.log[st.log.len() - shown..] {
                eprintln!("\r{line:<70}");
            }
            printed = printed.max(st.log_pushed);
            let done: u64 = st.groups.iter().map(|g| g.done).sum();
            let failed: u64 = st.groups.iter().map(|g| g.failed).sum();
            let items: usize = st.groups.iter().map(|g| g.items.len()).sum();
            let now = std::time::Instant::now();
            let secs = now.saturating_duration_since(last_at).as_secs_f64().max(0.001);
            let rate = done.saturating_sub(last) as f64 / secs;
            (last, last_at) = (done, now);
            eprint!(
                "\r[{:>5}s] groups {} · items {} · done {} ({:.0}/s) · errors {}   ",
                t0.elapsed().as_secs(),
                st.groups.len(),
                items,
                done,
                rate,
                failed
            );
        }
    });
    // Watched through the runtime's stop too: a profile made read-only while the stop
    // unregisters and releases cuts it there.
    let result = tokio::select! {
        r = tbdesk_scheduler::run(launch.config(), shutdown, tx) => r,
        _ = made_read_only => read_only_exit(keep),
    };
    let _ = printer.await;
    eprintln!();
    // A profile made read-only during the run (the app, another `tbdesk`) is not written,
    // not even to remove what this run made: it is listed for a later run instead.
    let read_only_now = !keep && c.read_only_now(profile_id).await;
    if read_only_now {
        if let Err(e) = launch.park() {
            eprintln!("could not list the nodes left: {e}");
        }
        eprintln!(
            "the profile is read-only now: nothing removed; the next run of {task_type}${own_sign} on it removes what this run made ({})",
            leftovers_file.display()
        );
    }
    if !keep && !read_only_now {
        // As the app's stop: 20 s at most, whatever the session timeout (what is not removed by
        // then is listed for the next run).
        let cleaned = launch.clean_up((session_timeout + std::time::Duration::from_secs(2)).min(CLEAN_UP_LIMIT)).await;
        match &cleaned.outcome {
            Ok(report) => eprintln!("{}", report.describe()),
            Err(e) => eprintln!("could not clean up: {e}"),
        }
        let left = cleaned.left;
        if left.strategy.is_some() || !left.nodes.is_empty() {
            if let Some((s, _)) = &left.strategy {
                eprintln!("left: strategy {s}");
            }
            for (p, _) in left.nodes.iter().take(20) {
                eprintln!("left: {p}");
            }
            if left.nodes.len() > 20 {
                eprintln!("left: ... and {} more node(s), every one listed in the file below", left.nodes.len() - 20);
            }
            eprintln!(
                "the next run of {task_type}${own_sign} on this profile removes them ({})",
                leftovers_file.display()
            );
        }
    }
    result?;
    let failures = last_status.borrow().failures;
    if failures > 0 {
        eprintln!("{failures} thread group(s) failed during the run (restarted with backoff; see the log)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_changes(changes: &[tbdesk_store::transfer::Change], json: bool) -> anyhow::Result<()> {
    use tbdesk_store::transfer::Change;
    for c in changes {
        if json {
            println!("{}", serde_json::to_string(c)?);
            continue;
        }
        match c {
            Change::Create { kind, name, .. } => println!("create {kind} {name}"),
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
    let cli = Cli::parse();
    let deadline = (!cli.runs_until_stopped()).then(|| std::time::Duration::from_secs(cli.deadline));
    let result = rt.block_on(async move {
        match deadline {
            None => run(cli).await,
            Some(d) => match tokio::time::timeout(d, run(cli)).await {
                Ok(r) => r,
                Err(_) => Err(anyhow::anyhow!(
                    "gave up after {} s (--deadline): ZooKeeper (or the keyring) did not finish answering",
                    d.as_secs()
                )),
            },
        }
    });
    // The runtime is not waited for: a blocking call still stuck (a keyring or a server that
    // never answers) must not hold the exit.
    rt.shutdown_background();
    let flushed = std::io::Write::flush(&mut std::io::stdout()).is_ok();
    let lost = !flushed || STDOUT_LOST.load(std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(_) if lost => {
            eprintln!("tbdesk: standard output could not be written (a closed pipe, a full disk): what it shows is incomplete");
            ExitCode::from(1)
        }
        Ok(code) => code,
        Err(e) => {
            eprintln!("tbdesk: {e:#}");
            ExitCode::from(2)
        }
    }
}

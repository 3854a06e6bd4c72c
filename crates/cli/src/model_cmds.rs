//! Subcommands over the pure model crate: cron fire times, validation, Java-exact encoding.
//! The conformance tests go through the same model functions.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use tbdesk_model::cron::{fire_times, format_instant, parse_instant, parse_zone};
use tbdesk_model::records::{Server, Strategy, StrategyRuntime, TaskType};
use tbdesk_model::validate;

#[derive(Subcommand)]
pub enum ModelCmd {
    /// Fire times of a cron as TBSchedule's Java runtime computes them: one TAB-separated line,
    /// the verdict (OK, NONE, INVALID, ERROR) then COUNT times (`-` where the chain ends).
    Cron {
        /// The expression (6 or 7 fields); may start with '-' (e.g. `-1 0 12 * * ?`).
        #[arg(allow_hyphen_values = true)]
        expr: String,
        /// IANA zone of the runtime's JVM (default: this machine's zone).
        #[arg(long)]
        tz: Option<String>,
        /// Start instant, ISO-8601 (default: now).
        #[arg(long)]
        from: Option<String>,
        /// How many fire times (1 to 10000).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=10000))]
        count: u16,
    },
    /// Validate a strategy or task type blob (JSON file, `-` for stdin): one JSON line per
    /// violation; exit 1 when an error stands.
    Validate {
        #[arg(long, value_enum)]
        kind: RuleKind,
        /// The file.
        file: String,
        /// Zone the crons are judged in (default: this machine's zone).
        #[arg(long)]
        tz: Option<String>,
    },
    /// Read a blob on stdin and write it back exactly as the Java runtime would (no newline).
    Encode {
        #[arg(long, value_enum)]
        kind: BlobKind,
    },
    /// Print the TBSchedule root version marker tbdesk writes.
    Marker,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RuleKind {
    Strategy,
    TaskType,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BlobKind {
    Strategy,
    TaskType,
    Server,
    StrategyRuntime,
}

fn zone(s: &Option<String>) -> anyhow::Result<chrono_tz::Tz> {
    match s {
        None => Ok(tbdesk_api::machine_zone()),
        Some(s) => parse_zone(s)
            .with_context(|| format!("--tz: unknown time zone {s:?} (use an IANA name like Asia/Shanghai)")),
    }
}

/// The most a blob may hold: a ZooKeeper node's data is at most about 1 MiB (`jute.maxbuffer`),
/// so longer input (`/dev/zero`, a wrong file) is refused before it fills memory.
const MAX_BLOB_BYTES: u64 = 1 << 20;

fn read_input(file: &str) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let limit = MAX_BLOB_BYTES.saturating_add(1);
    if file == "-" {
        std::io::stdin().take(limit).read_to_end(&mut buf).context("read stdin")?;
    } else {
        // A FIFO or a device would block with no deadline: files only ("-" reads stdin).
        if !std::fs::metadata(file).with_context(|| format!("read {file}"))?.is_file() {
            bail!("{file}: not a regular file (a pipe, device or directory is not read; use - for stdin)");
        }
        let f = std::fs::File::open(file).with_context(|| format!("read {file}"))?;
        f.take(limit).read_to_end(&mut buf).with_context(|| format!("read {file}"))?;
    }
    if buf.len() as u64 > MAX_BLOB_BYTES {
        bail!("{file}: longer than {MAX_BLOB_BYTES} bytes, more than a ZooKeeper node holds");
    }
    Ok(buf)
}

pub fn run(cmd: ModelCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ModelCmd::Marker => {
            println!("{}", tbdesk_model::version::ROOT_MARKER);
            Ok(ExitCode::SUCCESS)
        }
        ModelCmd::Cron { expr, tz, from, count } => {
            let count = usize::from(count);
            let tz = zone(&tz)?;
            let from = match from {
                Some(f) => parse_instant(&f).with_context(|| format!("--from {f:?} is not an ISO-8601 instant"))?,
                None => chrono::Utc::now().timestamp_millis(),
            };
            let ft = fire_times(&expr, tz, from, count);
            let mut cols = vec![ft.verdict.as_str().to_string()];
            for i in 0..count {
                cols.push(ft.times.get(i).map_or_else(|| "-".into(), |t| format_instant(*t, tz)));
            }
            println!("{}", cols.join("\t"));
            if let Some(d) = ft.detail {
                eprintln!("{d}");
            }
            for q in ft.quirks {
                eprintln!("warning: {}", q.0);
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelCmd::Validate { kind, file, tz } => {
            let bytes = read_input(&file)?;
            let ctx = validate::Context { now_ms: chrono::Utc::now().timestamp_millis(), tz: zone(&tz)? };
            let violations = match kind {
                RuleKind::TaskType => {
                    validate::task_type(&TaskType::decode(&bytes).with_context(|| file.to_string())?, &ctx)
                }
                RuleKind::Strategy => validate::strategy(&Strategy::decode(&bytes).with_context(|| file.to_string())?),
            };
            for v in &violations {
                println!("{}", serde_json::to_string(v)?);
            }
            Ok(if validate::has_errors(&violations) { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        ModelCmd::Encode { kind } => {
            let bytes = read_input("-")?;
            if bytes.is_empty() {
                bail!("no blob on stdin");
            }
            let out = match kind {
                BlobKind::Strategy => Strategy::decode(&bytes)?.encode(),
                BlobKind::TaskType => TaskType::decode(&bytes)?.encode(),
                BlobKind::Server => Server::decode(&bytes)?.encode(),
                BlobKind::StrategyRuntime => StrategyRuntime::decode(&bytes)?.encode(),
            };
            use std::io::Write;
            std::io::stdout().write_all(out.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

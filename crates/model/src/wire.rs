//! Every value that crosses the IPC between the app (`src-tauri`) and its UI (wasm), defined
//! once. The UI and the backend compile these same types, so a field renamed on one side is a
//! compile error on the other, never a silent `null` in a window.
//!
//! [`cmd`] is the one list of commands: each is a type naming the command, its arguments and its
//! answer. The app's handler and its permissions are checked against [`cmd::NAMES`] when the app
//! is built and tested; the UI can only call a command through its type.
//!
//! # Invariants
//! - No secret crosses: a profile carries whether a password exists, never the password (the
//!   one exception is the password the user types into a profile form, sent once to be stored).
//! - Errors are an [`ErrorCode`] the UI matches exhaustively, plus a message for a person.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::diagnose::{Finding, Level};
use crate::snapshot::Snapshot;
use crate::version::MarkerVerdict;

pub use crate::profile::{Profile, ProfileFields};
pub use crate::transfer::Change;

/// What went wrong, as a stable code the UI switches on (never on the message's text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input breaks a rule (the violations are in `detail`).
    Invalid,
    /// No ZooKeeper server of the connect string answered.
    Unreachable,
    /// ZooKeeper refused the credentials or the ACL.
    NoAuth,
    /// A node (or the root) does not exist.
    NoNode,
    /// The root is not one the Java runtimes accept.
    IncompatibleRoot,
    /// The ZooKeeper session expired during the call.
    SessionExpired,
    /// The profile is read-only.
    ReadOnly,
    /// A production profile's writes are locked until unlocked for a while.
    Locked,
    /// The node changed since it was read (both versions in `detail`).
    Conflict,
    /// Refused while runtimes are registered (they are in `detail`).
    Running,
    /// A node holds data that is not the record it should be.
    ForeignData,
    /// Any other ZooKeeper error.
    Zookeeper,
    /// No profile of that name.
    NotFound,
    /// A profile of that name exists already.
    Duplicate,
    /// The OS keyring refused or is unavailable.
    Keyring,
    /// The profile database failed.
    Database,
    /// The managed local ZooKeeper could not be started.
    LocalServer,
    /// The profile is not being followed (select it first).
    NotFollowed,
    /// The local scheduler is already running.
    Busy,
    /// The local scheduler failed.
    Scheduler,
    /// A bug: something tbdesk should always be able to do failed.
    Internal,
    /// The UI could not encode a call or decode an answer.
    Ui,
    /// The app refused the call itself (no permission, no such command).
    Ipc,
}

impl ErrorCode {
    /// The headline a person reads above the message.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::Unreachable => "ZooKeeper cannot be reached",
            ErrorCode::NoAuth => "Not authorised",
            ErrorCode::NoNode => "The node does not exist",
            ErrorCode::IncompatibleRoot => "Incompatible TBSchedule root",
            ErrorCode::Keyring => "The system keyring is unavailable",
            ErrorCode::Invalid => "Not saved: the input breaks a rule",
            ErrorCode::Conflict => "Changed by someone else",
            ErrorCode::ReadOnly => "This profile is read-only",
            ErrorCode::Locked => "Production: writes are locked",
            ErrorCode::Running => "Refused: runtimes are registered",
            ErrorCode::SessionExpired => "The ZooKeeper session expired",
            ErrorCode::ForeignData => "A node holds data tbdesk cannot read",
            ErrorCode::NotFound => "No such profile",
            ErrorCode::Duplicate => "That name is taken",
            ErrorCode::Database => "The profile database failed",
            ErrorCode::LocalServer => "The local ZooKeeper could not start",
            ErrorCode::NotFollowed => "The profile is not open",
            ErrorCode::Busy => "Busy",
            ErrorCode::Scheduler => "The local scheduler failed",
            ErrorCode::Zookeeper | ErrorCode::Internal | ErrorCode::Ui | ErrorCode::Ipc => "Something went wrong",
        }
    }

    /// The code as it travels (`no_auth`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::NoAuth => "no_auth",
            ErrorCode::NoNode => "no_node",
            ErrorCode::IncompatibleRoot => "incompatible_root",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::ReadOnly => "read_only",
            ErrorCode::Locked => "locked",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Running => "running",
            ErrorCode::ForeignData => "foreign_data",
            ErrorCode::Zookeeper => "zookeeper",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Duplicate => "duplicate",
            ErrorCode::Keyring => "keyring",
            ErrorCode::Database => "database",
            ErrorCode::LocalServer => "local_server",
            ErrorCode::NotFollowed => "not_followed",
            ErrorCode::Busy => "busy",
            ErrorCode::Scheduler => "scheduler",
            ErrorCode::Internal => "internal",
            ErrorCode::Ui => "ui",
            ErrorCode::Ipc => "ipc",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the UI sees it: a stable [`ErrorCode`] and a message for a person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// What went wrong.
    pub code: ErrorCode,
    /// What happened, for a person; never a raw debug string.
    pub message: String,
    /// Structured detail for codes the UI renders specially: the violations of `invalid`,
    /// the versions of `conflict`, the runtimes of `running`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), detail: None }
    }

    /// The same error with structured detail.
    pub fn with_detail(mut self, detail: Option<serde_json::Value>) -> Self {
        self.detail = detail;
        self
    }
}

/// The version a write expects the node to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "version", rename_all = "snake_case")]
pub enum Expect {
    /// The node must not exist yet (create).
    Absent,
    /// The node must still be at this data version (update).
    Version(i32),
}

impl std::fmt::Display for Expect {
    /// Words for error messages a person reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Absent => f.write_str("no node yet"),
            Expect::Version(v) => write!(f, "version {v}"),
        }
    }
}

/// The connection state of a followed root, as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum LiveStatus {
    /// Following changes.
    Live,
    /// Connection lost; the client is reconnecting.
    Disconnected,
    /// Reconnected: the whole root was re-read because events may have been missed.
    Resynced,
    /// The session expired; a new one is being opened.
    Reconnecting(String),
}

impl LiveStatus {
    /// The state's name as it travels (`live`, `disconnected`, `resynced`, `reconnecting`).
    pub fn key(&self) -> &'static str {
        match self {
            LiveStatus::Live => "live",
            LiveStatus::Disconnected => "disconnected",
            LiveStatus::Resynced => "resynced",
            LiveStatus::Reconnecting(_) => "reconnecting",
        }
    }

    /// The state in words.
    pub fn words(&self) -> &'static str {
        match self {
            LiveStatus::Live => "live",
            LiveStatus::Disconnected => "disconnected, reconnecting…",
            LiveStatus::Resynced => "reconnected (re-read)",
            LiveStatus::Reconnecting(_) => "session expired, reconnecting…",
        }
    }
}

/// A four-letter word the server refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The command.
    pub command: String,
    /// What enables it.
    pub hint: String,
}

/// A four-letter word that got no answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unanswered {
    /// The command.
    pub command: String,
    /// Why: timed out, the connection dropped, the answer broke a limit, or not asked once the
    /// server's time budget was spent.
    pub why: String,
}

/// One server's health.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerHealth {
    /// As written in the connect string.
    pub address: String,
    /// Answered `ruok` with `imok` (or at least accepted the connection when `ruok` is refused).
    pub up: bool,
    /// Why it is down.
    pub error: Option<String>,
    /// Round trip of one command, ms.
    pub rtt_ms: Option<f64>,
    /// `rtt_ms` above the health crate's `SLOW_RTT_MS`.
    pub slow: bool,
    /// `leader`, `follower`, `standalone`, `observer`.
    pub mode: Option<String>,
    /// Server version.
    pub version: Option<String>,
    /// Latency min/avg/max, ms.
    pub latency: Option<(f64, f64, f64)>,
    /// Requests queued.
    pub outstanding: Option<u64>,
    /// Nodes.
    pub znode_count: Option<u64>,
    /// Watches.
    pub watch_count: Option<u64>,
    /// Bytes of data.
    pub approximate_data_size: Option<u64>,
    /// Open / maximum file descriptors.
    pub file_descriptors: Option<(u64, u64)>,
    /// Client connections.
    pub connections: Option<u64>,
    /// Session timeout bounds the server grants, ms (Java asks for 60000; the default maximum
    /// is 20 ticks = 40000).
    pub session_timeout_bounds: Option<(u64, u64)>,
    /// `autopurge.purgeInterval` (hours; 0 = off) when `conf` reports it.
    pub autopurge_interval_h: Option<u64>,
    /// `autopurge.snapRetainCount` when `conf` reports it.
    pub autopurge_retain: Option<u64>,
    /// Commands refused by the whitelist.
    pub refused: Vec<Refused>,
    /// The last transaction id it applied (`srvr`); a follower behind its leader has a lower one.
    #[serde(default)]
    pub zxid: Option<i64>,
    /// Its id in the ensemble (`conf`'s `serverId`).
    #[serde(default)]
    pub server_id: Option<u64>,
    /// The ensemble's members as this server lists them (`conf`: `server.N=host:quorum:election…`).
    #[serde(default)]
    pub members: Vec<String>,
    /// On a leader: followers in sync, and syncs in progress (`mntr`).
    #[serde(default)]
    pub synced_followers: Option<u64>,
    /// See `synced_followers`.
    #[serde(default)]
    pub pending_syncs: Option<u64>,
    /// Commands that got no answer. What they would have told is unknown, not fine.
    #[serde(default)]
    pub unanswered: Vec<Unanswered>,
}

/// The green / amber / red verdict, worst first wins. The one place the rule is written: the
/// backend's health report, the CLI's exit code and the UI's badge all use it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    /// Nothing to do.
    #[default]
    Green,
    /// Degraded: will bite later.
    Amber,
    /// Broken now.
    Red,
}

impl Colour {
    /// A finding's colour: errors red, warnings amber, information green.
    pub fn of_level(level: Level) -> Colour {
        match level {
            Level::Error => Colour::Red,
            Level::Warning => Colour::Amber,
            Level::Info => Colour::Green,
        }
    }

    /// A server's colour: down or not serving red; slow or refusing a four-letter word amber.
    pub fn of_server(s: &ServerHealth) -> Colour {
        if !s.up || s.error.is_some() {
            Colour::Red
        } else if s.slow || !s.refused.is_empty() {
            Colour::Amber
        } else {
            Colour::Green
        }
    }

    /// The worst colour over an ensemble and a root's findings.
    pub fn summary(ensemble: &[ServerHealth], findings: &[Finding]) -> Colour {
        let servers = ensemble.iter().map(Colour::of_server);
        let found = findings.iter().map(|f| Colour::of_level(f.level));
        servers.chain(found).max().unwrap_or_default()
    }

    /// A command's exit code for it: 0 green, 1 amber, 2 red.
    pub fn exit_code(self) -> u8 {
        match self {
            Colour::Green => 0,
            Colour::Amber => 1,
            Colour::Red => 2,
        }
    }

    /// `green`, `amber` or `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Amber => "amber",
            Colour::Red => "red",
        }
    }
}

impl std::fmt::Display for Colour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A profile's health: the ensemble, the session, the clock, and the root's findings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HealthReport {
    /// [`Colour::summary`] over everything below.
    pub summary: Colour,
    /// Every server of the connect string.
    pub ensemble: Vec<ServerHealth>,
    /// Session timeout the profile asks for (ms).
    pub requested_session_timeout_ms: u64,
    /// What the server granted (ms): a default server caps Java's 60 s at 40 s.
    pub negotiated_session_timeout_ms: u64,
    /// ZooKeeper's clock minus this machine's (ms), when it could be measured.
    pub clock_offset_ms: Option<i64>,
    /// The server's version and the protocol tbdesk speaks with it
    /// (`3.4.13 · pipelined reads · one-shot watches`).
    #[serde(default)]
    pub protocol: String,
    /// Problems of the ensemble as a whole (quorum, unreachable or lagging servers, a connect
    /// string that misses members or names strangers).
    #[serde(default)]
    pub ensemble_findings: Vec<Finding>,
    /// Problems found in the root.
    pub findings: Vec<Finding>,
}

/// One profile at a glance (the home of every environment, `tbdesk status`): its colour, its
/// ZooKeeper, what its root holds and its worst findings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProfileStatus {
    /// The profile.
    pub profile: String,
    /// Its colour (`production` marks a production profile).
    pub color: String,
    /// [`Colour::summary`] of its ensemble and root; red when it cannot be reached.
    pub summary: Colour,
    /// The server's version and the protocol in use (`3.8.0 · multi-read · persistent watch`).
    pub protocol: String,
    /// Strategies in the root.
    pub strategies: usize,
    /// Task types in the root.
    pub task_types: usize,
    /// Factories (scheduler processes) registered.
    pub factories: usize,
    /// Thread groups (servers) alive, over every domain.
    pub live_servers: usize,
    /// Task items whose owner is not alive (or none), over every domain.
    pub items_without_owner: usize,
    /// The worst findings first (at most 3).
    pub top: Vec<Finding>,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
    /// Followed in the background (one session, one watch), so these figures are live.
    #[serde(default)]
    pub watched: bool,
    /// Its alerts raise desktop notifications.
    #[serde(default)]
    pub alerts: bool,
    /// The follower's connection (`live`, `disconnected`, ...); `read once` when not watched.
    #[serde(default)]
    pub connection: String,
    /// When a change of the root was last seen (ms since the epoch; watched roots only).
    #[serde(default)]
    pub changed_ms: Option<i64>,
}

impl ProfileStatus {
    /// Counts and findings of a root, for `profile`.
    pub fn of(profile: &str, color: &str, report: &HealthReport, snapshot: Option<&Snapshot>) -> Self {
        let mut all: Vec<Finding> = report.ensemble_findings.iter().chain(&report.findings).cloned().collect();
        all.sort_by_key(|f| std::cmp::Reverse(f.level));
        all.truncate(3);
        let domains = || snapshot.into_iter().flat_map(|s| &s.task_types).flat_map(|t| &t.domains);
        ProfileStatus {
            profile: profile.to_owned(),
            color: color.to_owned(),
            summary: report.summary,
            protocol: report.protocol.clone(),
            strategies: snapshot.map_or(0, |s| s.strategies.len()),
            task_types: snapshot.map_or(0, |s| s.task_types.len()),
            factories: snapshot.map_or(0, |s| s.factories.len()),
            live_servers: domains().flat_map(|d| &d.servers).filter(|s| !s.dead).count(),
            items_without_owner: domains().flat_map(|d| &d.items).filter(|i| !i.owner_alive).count(),
            top: all,
            error: None,
            watched: false,
            alerts: false,
            connection: "read once".into(),
            changed_ms: None,
        }
    }
}

/// A search hit in one profile's root (`tbdesk find`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileHit {
    /// The profile.
    pub profile: String,
    /// What matched; `None` with `error` when the root could not be read.
    pub hit: Option<crate::search::Hit>,
    /// Why the profile could not be searched.
    pub error: Option<String>,
}

/// What "Test connection" found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConnectionReport {
    /// ZooKeeper version (from `srvr`), when the server answers four-letter words.
    pub server_version: Option<String>,
    /// The session timeout the server granted (ms).
    pub session_timeout_ms: u64,
    /// The root's version marker, or `None` when the root does not exist yet.
    pub marker: Option<MarkerVerdict>,
}

/// The live state of a local scheduler run, for a status line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SchedulerStatus {
    /// The factory uuid.
    pub factory: String,
    /// Per thread group: server uuid, items held, rows done and failed.
    pub groups: Vec<GroupStatus>,
    /// Strategies joined.
    pub strategies: Vec<String>,
    /// Why groups could not start, per strategy.
    pub problems: Vec<String>,
    /// Recent events, oldest first (bounded).
    pub log: Vec<String>,
    /// How many events were ever logged: a reader that saw `n` before shows the last
    /// `log_pushed - n` lines (those that rolled out of `log` meanwhile are lost, and counted).
    #[serde(default)]
    pub log_pushed: u64,
    /// Thread groups that died (a panic in their task) during this run; each was restarted
    /// with backoff. A run that ends with failures exits non-zero.
    #[serde(default)]
    pub failures: u64,
}

/// One thread group in the status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupStatus {
    /// Server uuid.
    pub server: String,
    /// Held item ids.
    pub items: Vec<String>,
    /// Rows executed.
    pub done: u64,
    /// Rows failed.
    pub failed: u64,
    /// What it is doing (`running`, `window closed`, `no items`, ...).
    pub state: String,
}

/// What the app shows of its local scheduler.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SchedulerView {
    /// Profile it runs against.
    pub profile: String,
    /// Base task type.
    pub task_type: String,
    /// Its own sign.
    pub own_sign: String,
    /// The strategy copy it follows.
    pub strategy: String,
    /// Shared strategies that would capture this machine (warned before start).
    pub capturing: Vec<String>,
    /// Still running.
    pub running: bool,
    /// Why it stopped, if it failed.
    pub error: Option<String>,
    /// The zone its crons and timestamps use (the profile's, or this machine's when asked).
    pub zone: String,
    /// What the start said about an existing strategy copy (joined, adopted, its group count).
    pub notes: Vec<String>,
    /// Live state.
    pub status: SchedulerStatus,
}

/// One published state of a followed root. The backend serialises it borrowed (no copy of a
/// large root); the UI deserialises it owned (`SnapshotEvent<'static>`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SnapshotEvent<'a> {
    /// The profile.
    pub profile: Cow<'a, str>,
    /// Connection state.
    pub status: Cow<'a, LiveStatus>,
    /// The follower that published it: a profile edited gets a newer one.
    pub follower: u64,
    /// Publication counter, growing for the follower's whole life.
    pub generation: u64,
    /// The root.
    pub snapshot: Cow<'a, Snapshot>,
    /// The server's version and the protocol tbdesk uses with it (`3.4.13 · pipelined reads ·
    /// one-shot watches`), as found when following began.
    pub server_version: Option<Cow<'a, str>>,
    /// The profile forbids writes.
    pub read_only: bool,
}

/// What changed in a followed root since a state the page holds: the page asks with the
/// `(follower, generation)` it shows and gets back only the strategies and task types that
/// changed (a heartbeat in one task type of a 320,000-node root sends that task type), or the
/// whole state when the backend no longer knows the page's (`base` is `None`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SnapshotDelta<'a> {
    /// The new state; with a `base`, its snapshot holds only the changed strategies and task
    /// types (the header — marker, factories, problems, counts — is always whole).
    pub event: SnapshotEvent<'a>,
    /// The generation the changes apply to; `None`: `event` is whole.
    pub base: Option<u64>,
    /// With a `base`: every strategy's name in order (those not sent are unchanged; those not
    /// named are gone).
    #[serde(default)]
    pub strategy_names: Vec<String>,
    /// With a `base`: every task type's name in order.
    #[serde(default)]
    pub task_type_names: Vec<String>,
}

impl SnapshotDelta<'static> {
    /// The delta that turns `base` (generation `base_generation`) into `now`: parts shared by
    /// pointer are unchanged, others are compared by value.
    pub fn between(now: SnapshotEvent<'static>, base: &Snapshot, base_generation: u64) -> Self {
        use std::sync::Arc;
        fn changed<T: PartialEq>(now: &[Arc<T>], base: &[Arc<T>], name: impl Fn(&T) -> &str) -> Vec<Arc<T>> {
            now.iter()
                .filter(|p| match base.binary_search_by(|b| name(b).cmp(name(p))) {
                    Ok(i) => !Arc::ptr_eq(&base[i], p) && base[i] != **p,
                    Err(_) => true,
                })
                .cloned()
                .collect()
        }
        let snap = &*now.snapshot;
        let strategy_names = snap.strategies.iter().map(|s| s.name.clone()).collect();
        let task_type_names = snap.task_types.iter().map(|t| t.name.clone()).collect();
        let part = Snapshot {
            strategies: changed(&snap.strategies, &base.strategies, |s| &s.name),
            task_types: changed(&snap.task_types, &base.task_types, |t| &t.name),
            root: snap.root.clone(),
            marker: snap.marker.clone(),
            now_ms: snap.now_ms,
            factories: snap.factories.clone(),
            nodes: snap.nodes,
            problems: snap.problems.clone(),
        };
        SnapshotDelta {
            event: SnapshotEvent { snapshot: Cow::Owned(part), ..now },
            base: Some(base_generation),
            strategy_names,
            task_type_names,
        }
    }

    /// The whole state.
    pub fn whole(now: SnapshotEvent<'static>) -> Self {
        SnapshotDelta { event: now, base: None, strategy_names: Vec::new(), task_type_names: Vec::new() }
    }

    /// Applies the delta to the state shown; `None` when it does not apply (another profile,
    /// follower or generation, or a part neither sent nor held): the caller asks for the whole.
    pub fn apply(self, shown: Option<&SnapshotEvent<'static>>) -> Option<SnapshotEvent<'static>> {
        use std::sync::Arc;
        let Some(base) = self.base else { return Some(self.event) };
        let shown = shown?;
        if shown.profile != self.event.profile || shown.follower != self.event.follower || shown.generation != base {
            return None;
        }
        fn merge<T: Clone>(
            names: &[String],
            sent: Vec<Arc<T>>,
            held: &[Arc<T>],
            name: impl Fn(&T) -> &str,
        ) -> Option<Vec<Arc<T>>> {
            let mut sent = sent.into_iter().peekable();
            let mut out = Vec::with_capacity(names.len());
            for n in names {
                // Both lists are in name order: the next sent part is this name's, or it is held.
                if sent.peek().is_some_and(|p| name(p) == n) {
                    out.extend(sent.next());
                } else {
                    let i = held.binary_search_by(|h| name(h).cmp(n)).ok()?;
                    out.push(Arc::clone(&held[i]));
                }
            }
            sent.next().is_none().then_some(out)
        }
        let mut event = self.event;
        let part = event.snapshot.to_mut();
        part.strategies =
            merge(&self.strategy_names, std::mem::take(&mut part.strategies), &shown.snapshot.strategies, |s| &s.name)?;
        part.task_types =
            merge(&self.task_type_names, std::mem::take(&mut part.task_types), &shown.snapshot.task_types, |t| {
                &t.name
            })?;
        Some(event)
    }
}

/// How a configuration export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// tbdesk's JSON file ([`crate::transfer::ConfigFile`]).
    Json,
    /// The Java console's `ConfigNode` lines.
    Java,
}

/// Events the app sends to its window.
pub mod event {
    use super::*;

    /// An event: its name and payload.
    pub trait Event {
        /// The event name.
        const NAME: &'static str;
        /// What it carries.
        type Payload: Serialize + for<'de> Deserialize<'de>;
    }

    /// A followed profile published a new state; the page fetches it with [`super::cmd::Snapshot`]
    /// when it shows that profile (events stay tiny whatever the root's size).
    pub enum Snapshot {}
    impl Event for Snapshot {
        const NAME: &'static str = "snapshot";
        type Payload = SnapshotNotice;
    }

    /// Progress of a root's first read.
    pub enum LoadProgress {}
    impl Event for LoadProgress {
        const NAME: &'static str = "load_progress";
        type Payload = Progress;
    }

    /// The background watch looked at every profile: the home's figures and the alerts new
    /// since the last look (also raised as desktop notifications).
    pub enum Watched {}
    impl Event for Watched {
        const NAME: &'static str = "watched";
        type Payload = WatchLook;
    }

    /// A desktop notification was clicked: the window opens its profile (and task type).
    pub enum OpenAlert {}
    impl Event for OpenAlert {
        const NAME: &'static str = "open_alert";
        type Payload = crate::alerts::Alert;
    }

    /// One event as the window fetches it ([`super::cmd::NextEvents`]): its place in the app's
    /// sequence, its [`Event::NAME`] and its payload.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
    pub struct EventEnvelope {
        /// Its number; later events have larger ones.
        pub seq: u64,
        /// [`Event::NAME`] of its kind.
        pub name: String,
        /// Its [`Event::Payload`].
        pub payload: serde_json::Value,
    }

    /// The answer of [`super::cmd::NextEvents`]: the events after the one asked for (none when
    /// the wait ended first), and the number to ask after next.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
    pub struct EventBatch {
        /// Oldest first.
        pub events: Vec<EventEnvelope>,
        /// The last event's number (the newest the app has, when `events` is empty).
        pub last: u64,
    }

    /// The payload of [`Watched`].
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
    pub struct WatchLook {
        /// Every profile, as the home shows it.
        pub home: Vec<ProfileStatus>,
        /// New alerts.
        pub alerts: Vec<crate::alerts::Alert>,
    }

    /// The payload of [`Snapshot`].
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    pub struct SnapshotNotice {
        /// The profile.
        pub profile: String,
        /// Publication counter of the new state.
        pub generation: u64,
    }

    /// The payload of [`LoadProgress`]: nodes read of those known so far.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    pub struct Progress {
        /// The profile.
        pub profile: String,
        /// Nodes read.
        pub done: u64,
        /// Nodes known.
        pub total: u64,
    }
}

/// The commands: one type per command with its name, arguments and answer.
pub mod cmd {
    use super::*;
    use crate::diagnose::Fix;
    use crate::records::{Strategy, TaskType};

    /// A command of the app.
    pub trait Command {
        /// The command's name (the tauri command function of the same name).
        const NAME: &'static str;
        /// Its arguments, sent as the one argument `args`.
        type Args: Serialize + for<'de> Deserialize<'de> + Intent;
        /// Its answer.
        type Output: Serialize + for<'de> Deserialize<'de>;
        /// The answer travels as raw JSON bytes, parsed in wasm: a whole root never becomes a
        /// JavaScript object tree.
        const BYTES: bool = false;
    }

    /// A write a command's arguments ask for, in words: on a production profile the window shows
    /// it and asks for the profile's name before the command is sent ([`ConfirmWrite`]), and the
    /// backend refuses the write without that confirmation.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct WriteIntent {
        /// The profile whose root is written.
        pub profile: String,
        /// What will change, for a person.
        pub what: String,
    }

    /// The write (if any) a command's arguments ask for. Every argument type says it here, so
    /// no write can reach a production root without its confirmation step in the UI.
    pub trait Intent {
        /// `None`: the command does not write to a root.
        fn intent(&self) -> Option<WriteIntent> {
            None
        }
    }

    /// The write a command's arguments ask for, with the key its production confirmation is
    /// given for: a digest (FNV-1a, 64 bits) of the command's name and its arguments' JSON. The
    /// window computes it from the arguments as the backend will receive them (after their JSON
    /// trip), the backend from what it received, so a name typed for one write (this command,
    /// this task type, these bytes, this version) can be spent by that write only. A guard
    /// against mistakes, not against the page's own script, which could compute any key.
    pub fn confirmation<C: Command>(args: &C::Args) -> Option<(WriteIntent, String)> {
        let w = args.intent()?;
        // Serialising these plain structs cannot fail; if it did, no key matches and the write
        // is refused as unconfirmed.
        let json = serde_json::to_vec(args).unwrap_or_default();
        let digest = C::NAME
            .as_bytes()
            .iter()
            .chain(&[0])
            .chain(&json)
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
        Some((w, format!("{digest:016x}")))
    }

    fn intent(profile: &str, what: String) -> Option<WriteIntent> {
        Some(WriteIntent { profile: profile.to_owned(), what })
    }

    impl Intent for NoArgs {}
    impl Intent for ProfileArg {}
    impl Intent for SinceArgs {}
    impl Intent for EventsArgs {}
    impl Intent for UnlockArgs {}
    impl Intent for ConfirmArgs {}
    impl Intent for QueryArgs {}
    impl Intent for HistoryArgs {}
    impl Intent for NodeArgs {}
    impl Intent for NameArg {}
    impl Intent for ProfileFieldsArgs {}
    impl Intent for UpdateProfileArgs {}
    impl Intent for ExportArgs {}
    impl Intent for SetWatchArgs {}
    impl Intent for DiffArgs {}
    impl Intent for ReplayArgs {}
    /// Stopping removes only what this run created: never held back by a confirmation.
    impl Intent for StopSchedulerArgs {}

    /// "create task type X" / "overwrite version 3 of strategy Y".
    fn save_intent(profile: &str, expected: &Expect, kind: &str, name: Option<&str>) -> Option<WriteIntent> {
        let how = match expected {
            Expect::Absent => "create".to_owned(),
            Expect::Version(v) => format!("overwrite version {v} of"),
        };
        intent(profile, format!("{how} {kind} {}", name.unwrap_or_default()))
    }

    impl Intent for SaveTaskTypeArgs {
        fn intent(&self) -> Option<WriteIntent> {
            save_intent(&self.profile, &self.expected, "task type", self.task_type.base_task_type.as_deref())
        }
    }

    impl Intent for SaveStrategyArgs {
        fn intent(&self) -> Option<WriteIntent> {
            save_intent(&self.profile, &self.expected, "strategy", self.strategy.strategy_name.as_deref())
        }
    }

    impl Intent for PauseArgs {
        fn intent(&self) -> Option<WriteIntent> {
            intent(&self.profile, format!("{} strategy {}", if self.pause { "pause" } else { "resume" }, self.name))
        }
    }

    impl Intent for DeleteTaskTypeArgs {
        fn intent(&self) -> Option<WriteIntent> {
            intent(
                &self.profile,
                format!("delete version {} of task type {} with its domains", self.version, self.name),
            )
        }
    }

    impl Intent for DeleteStrategyArgs {
        fn intent(&self) -> Option<WriteIntent> {
            intent(&self.profile, format!("delete version {} of strategy {}", self.version, self.name))
        }
    }

    impl Intent for FactoryArgs {
        fn intent(&self) -> Option<WriteIntent> {
            intent(&self.profile, format!("{} factory {}", if self.start { "start" } else { "stop" }, self.uuid))
        }
    }

    impl Intent for PauseMatchingArgs {
        fn intent(&self) -> Option<WriteIntent> {
            (!self.dry_run).then_some(())?;
            let sign = self.own_sign.as_deref().map(|s| format!(" in own sign {s}")).unwrap_or_default();
            intent(
                &self.profile,
                format!(
                    "{} every strategy matching \"{}\"{sign}, in one multi",
                    if self.pause { "pause" } else { "resume" },
                    self.filter
                ),
            )
        }
    }

    impl Intent for RevertArgs {
        fn intent(&self) -> Option<WriteIntent> {
            (!self.dry_run).then_some(())?;
            let over = if self.overwrite { ", overwriting nodes changed since" } else { "" };
            intent(&self.profile, format!("revert journal entry {}{over}", self.entry))
        }
    }

    impl Intent for SetNodeArgs {
        fn intent(&self) -> Option<WriteIntent> {
            intent(
                &self.profile,
                format!("write {} bytes to node {} (version {})", self.text.len(), self.path, self.version),
            )
        }
    }

    impl Intent for ApplyFixArgs {
        fn intent(&self) -> Option<WriteIntent> {
            match &self.fix {
                Fix::RemoveDeadServers { task_type, .. } => {
                    intent(&self.profile, format!("delete the dead server nodes of domain {task_type}"))
                }
            }
        }
    }

    impl Intent for ImportArgs {
        fn intent(&self) -> Option<WriteIntent> {
            self.apply.then_some(())?;
            let prune = if self.prune { ", deleting the objects it does not name" } else { "" };
            intent(&self.profile, format!("import the plan shown ({} bytes of configuration){prune}", self.text.len()))
        }
    }

    impl Intent for PromoteArgs {
        fn intent(&self) -> Option<WriteIntent> {
            self.apply.then_some(())?;
            let sign = self.own_sign.as_deref().map(|s| format!(" for own sign {s}")).unwrap_or_default();
            intent(
                &self.to,
                format!("promote from {} what \"{}\" names{sign} (the plan shown)", self.from, self.filter),
            )
        }
    }

    impl Intent for StartSchedulerArgs {
        fn intent(&self) -> Option<WriteIntent> {
            intent(
                &self.profile,
                format!(
                    "start the local scheduler on {}${} (creates its strategy copy, factory and servers)",
                    self.task_type, self.own_sign
                ),
            )
        }
    }

    macro_rules! commands {
        ($($(#[$doc:meta])* $ty:ident = $name:literal ($args:ty) -> $out:ty $(, bytes = $bytes:literal)?;)*) => {
            $(
                $(#[$doc])*
                pub enum $ty {}
                impl Command for $ty {
                    const NAME: &'static str = $name;
                    type Args = $args;
                    type Output = $out;
                    $(const BYTES: bool = $bytes;)?
                }
            )*
            /// Every command name, in declaration order.
            pub const NAMES: &[&str] = &[$($name),*];
        };
    }

    commands! {
        /// Profiles for the switcher; on the very first start this creates the `local` profile.
        ListProfiles = "list_profiles" (NoArgs) -> Vec<Profile>;
        /// Starts following a profile's root and answers its current state.
        FollowProfile = "follow_profile" (ProfileArg) -> SnapshotEvent<'static>, bytes = true;
        /// The current state of a followed profile.
        Snapshot = "snapshot" (ProfileArg) -> SnapshotEvent<'static>, bytes = true;
        /// What changed in a followed profile since the state the page shows.
        SnapshotSince = "snapshot_since" (SinceArgs) -> SnapshotDelta<'static>, bytes = true;
        /// Saves a task type (validated again in the store); answers its new version.
        SaveTaskType = "save_task_type" (SaveTaskTypeArgs) -> i32;
        /// Saves a strategy (validated again in the store); answers its new version.
        SaveStrategy = "save_strategy" (SaveStrategyArgs) -> i32;
        /// Pauses or resumes a strategy; answers its new version.
        PauseStrategy = "pause_strategy" (PauseArgs) -> i32;
        /// Deletes a task type with its domains if still at `version` (refused while thread
        /// groups are registered or a strategy points at it).
        DeleteTaskType = "delete_task_type" (DeleteTaskTypeArgs) -> ();
        /// Deletes a strategy if still at `version` (refused while factories are registered).
        DeleteStrategy = "delete_strategy" (DeleteStrategyArgs) -> ();
        /// Starts or stops a factory as the Java console does.
        SetFactory = "set_factory" (FactoryArgs) -> ();
        /// Creates a profile; the password goes to the OS keyring only.
        CreateProfile = "create_profile" (ProfileFieldsArgs) -> Profile;
        /// Changes a profile; `password`: absent keeps, "" removes, text replaces.
        UpdateProfile = "update_profile" (UpdateProfileArgs) -> Profile;
        /// One profile's fields.
        GetProfile = "get_profile" (NameArg) -> Profile;
        /// Deletes a profile and its keyring entry.
        DeleteProfile = "delete_profile" (NameArg) -> ();
        /// Connects with unsaved profile fields; writes nothing.
        TestConnection = "test_connection" (ProfileFieldsArgs) -> ConnectionReport;
        /// Starts the local development scheduler on `taskType$ownSign`.
        StartScheduler = "start_scheduler" (StartSchedulerArgs) -> SchedulerView;
        /// Stops the local scheduler; with `remove`, deletes what it created.
        StopScheduler = "stop_scheduler" (StopSchedulerArgs) -> ();
        /// The local scheduler's live state.
        SchedulerStatus = "scheduler_status" (NoArgs) -> Option<SchedulerView>;
        /// The own sign last used with a profile.
        LastOwnSign = "last_own_sign" (ProfileArg) -> Option<String>;
        /// Ensemble and root health of a profile.
        Health = "health" (ProfileArg) -> HealthReport, bytes = true;
        /// Applies a safe fix offered by a health finding; answers what it removed.
        ApplyFix = "apply_fix" (ApplyFixArgs) -> Vec<String>;
        /// A profile's configuration written to a file the user picks (the native save dialog);
        /// answers its path, `None` when the dialog was cancelled.
        ExportToFile = "export_to_file" (ExportArgs) -> Option<String>;
        /// Reads a file the user picks (the native open dialog) for the import pane.
        OpenImportFile = "open_import_file" (NoArgs) -> Option<ImportFile>;
        /// A profile's configuration as text.
        ExportConfig = "export_config" (ExportArgs) -> String;
        /// The plan of an import (dry run) or, with `apply`, the import itself.
        ImportConfig = "import_config" (ImportArgs) -> Vec<Change>;
        /// What would change if `to`'s configuration were imported into `from`.
        DiffProfiles = "diff_profiles" (DiffArgs) -> Vec<Change>;
        /// The profile shown last.
        LastProfile = "last_profile" (NoArgs) -> Option<String>;
        /// This machine's IANA zone as the backend judges crons in it (`TZ`, else the system's):
        /// the window uses the same name, so a form and the backend never disagree on a zone.
        MachineZone = "machine_zone" (NoArgs) -> String;
        /// Every profile at a glance (the home), each within a time limit.
        StatusAll = "status_all" (NoArgs) -> Vec<ProfileStatus>;
        /// Unlocks a production profile's writes for some minutes (0: locks them again);
        /// answers the seconds they stay unlocked.
        UnlockWrites = "unlock_writes" (UnlockArgs) -> Option<u64>;
        /// How long a profile's writes stay unlocked (`None`: locked, or not a production profile).
        WriteLock = "write_lock" (ProfileArg) -> Option<u64>;
        /// A production profile's next write, confirmed by its name typed; without `typed`,
        /// answers whether the profile asks for it (refused while its writes are locked).
        ConfirmWrite = "confirm_write" (ConfirmArgs) -> bool;
        /// Pauses or resumes every strategy a filter chooses, in one multi (journaled).
        PauseMatching = "pause_matching" (PauseMatchingArgs) -> PauseReport;
        /// Searches every profile's root (the command palette), each within a time limit.
        FindAll = "find_all" (QueryArgs) -> Vec<ProfileHit>;
        /// A profile's journal of writes, newest first, narrowed to an object.
        History = "history" (HistoryArgs) -> Vec<crate::journal::JournalEntry>;
        /// Reverts a journal entry (refused with the three versions when a node changed since).
        Revert = "revert" (RevertArgs) -> crate::journal::RevertReport;
        /// One node of a profile's root, for the inspector.
        /// Bytes: a session id or zxid is above 2^53, which a JavaScript number would round.
        Node = "node" (NodeArgs) -> crate::inspect::NodeView, bytes = true;
        /// The inspector's guarded edit of a node (version-checked, journaled).
        SetNode = "set_node" (SetNodeArgs) -> i32;
        /// Writes a support bundle (zip, no secrets) for a profile; answers its path.
        SupportBundle = "support_bundle" (ProfileArg) -> String;
        /// Switches a profile's background watch and its notifications; answers both.
        SetWatch = "set_watch" (SetWatchArgs) -> WatchFlags;
        /// Promotion between profiles: the plan (import's) or, with `apply`, the copy.
        PromoteConfig = "promote_config" (PromoteArgs) -> Vec<Change>;
        /// The ownership events of a followed profile's task type (replay), bounded.
        Replay = "replay" (ReplayArgs) -> crate::replay::ReplayView, bytes = true;
        /// The window's events after `after` (a long poll: answers at once when there are
        /// some, else when one comes or the wait ends); without `after`, at once with none.
        NextEvents = "next_events" (EventsArgs) -> super::event::EventBatch;
    }

    /// No arguments.
    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    pub struct NoArgs {}

    /// A profile by name.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ProfileArg {
        /// The profile.
        pub profile: String,
    }

    /// [`SnapshotSince`]: the state the page shows, if any.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct SinceArgs {
        /// The profile.
        pub profile: String,
        /// The `(follower, generation)` of the state shown.
        pub shown: Option<(u64, u64)>,
    }

    /// [`NextEvents`]: the number of the last event the window has (`None`: it has none yet,
    /// and wants only what comes from now on).
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct EventsArgs {
        /// The last event's number seen.
        pub after: Option<u64>,
    }

    /// [`UnlockWrites`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct UnlockArgs {
        /// The profile.
        pub profile: String,
        /// The name typed to confirm (must equal the profile's).
        pub typed: String,
        /// Minutes (at most 120; 0 locks).
        pub minutes: u32,
    }

    /// [`ConfirmWrite`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ConfirmArgs {
        /// The profile.
        pub profile: String,
        /// The name typed (`None`: only ask whether one is needed).
        pub typed: Option<String>,
        /// The write confirmed: its arguments' key ([`confirmation`]).
        #[serde(default)]
        pub key: String,
    }

    /// [`PauseMatching`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct PauseMatchingArgs {
        /// The profile.
        pub profile: String,
        /// Found in the name, task name or IP list (empty: every strategy).
        pub filter: String,
        /// Only strategies of task types in this own sign.
        pub own_sign: Option<String>,
        /// Pause (`true`) or resume.
        pub pause: bool,
        /// Only name them.
        pub dry_run: bool,
        /// After a pause: remind (a notification) to resume them this many minutes later.
        #[serde(default)]
        pub remind_in_minutes: Option<u32>,
    }

    /// [`PauseMatching`]'s answer.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PauseReport {
        /// Every strategy the filter chose.
        pub chosen: Vec<String>,
        /// Those changed (the others were in that state already).
        pub changed: Vec<String>,
        /// When the reminder to resume them is due (ms since the epoch), if one was asked for.
        #[serde(default)]
        pub remind_at_ms: Option<i64>,
    }

    /// [`FindAll`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct QueryArgs {
        /// The text looked for.
        pub query: String,
        /// Also names that hold the query's letters in order (the palette's fuzzy match).
        #[serde(default)]
        pub fuzzy: bool,
    }

    /// [`History`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct HistoryArgs {
        /// The profile.
        pub profile: String,
        /// A path, `taskType NAME`, `strategy NAME` or a name; `None`: every entry.
        pub object: Option<String>,
        /// At most this many entries.
        pub limit: i64,
    }

    /// [`Revert`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct RevertArgs {
        /// The profile.
        pub profile: String,
        /// The journal entry.
        pub entry: i64,
        /// Write back over nodes changed since the entry.
        pub overwrite: bool,
        /// Only say what would be written.
        pub dry_run: bool,
    }

    /// [`SetNode`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct SetNodeArgs {
        /// The profile.
        pub profile: String,
        /// The node (absolute).
        pub path: String,
        /// The new text.
        pub text: String,
        /// The version the inspector showed.
        pub version: i32,
    }

    /// [`Node`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct NodeArgs {
        /// The profile.
        pub profile: String,
        /// Absolute, or relative to the root.
        pub path: String,
    }

    /// A profile by name (profile management).
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct NameArg {
        /// The profile's name.
        pub name: String,
    }

    /// [`SaveTaskType`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct SaveTaskTypeArgs {
        /// The profile.
        pub profile: String,
        /// The task type.
        pub task_type: TaskType,
        /// The version the form loaded.
        pub expected: Expect,
    }

    /// [`SaveStrategy`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct SaveStrategyArgs {
        /// The profile.
        pub profile: String,
        /// The strategy.
        pub strategy: Strategy,
        /// The version the form loaded.
        pub expected: Expect,
    }

    /// [`PauseStrategy`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct PauseArgs {
        /// The profile.
        pub profile: String,
        /// The strategy.
        pub name: String,
        /// Pause (true) or resume.
        pub pause: bool,
    }

    /// [`DeleteTaskType`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct DeleteTaskTypeArgs {
        /// The profile.
        pub profile: String,
        /// The task type's base name.
        pub name: String,
        /// The version the window showed: a definition changed since is not deleted.
        pub version: i32,
    }

    /// [`DeleteStrategy`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct DeleteStrategyArgs {
        /// The profile.
        pub profile: String,
        /// The strategy's name.
        pub name: String,
        /// The version the window showed: a strategy changed since is not deleted.
        pub version: i32,
    }

    /// [`SetFactory`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct FactoryArgs {
        /// The profile.
        pub profile: String,
        /// The factory's uuid (its node's name).
        pub uuid: String,
        /// Start (true) or stop.
        pub start: bool,
    }

    /// [`CreateProfile`], [`TestConnection`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ProfileFieldsArgs {
        /// The fields.
        pub fields: ProfileFields,
        /// The digest password typed into the form (to the keyring only).
        pub password: Option<String>,
    }

    /// [`UpdateProfile`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct UpdateProfileArgs {
        /// The profile's current name.
        pub name: String,
        /// Its new fields.
        pub fields: ProfileFields,
        /// Absent keeps the password, "" removes it, text replaces it.
        pub password: Option<String>,
    }

    /// [`StartScheduler`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct StartSchedulerArgs {
        /// The profile.
        pub profile: String,
        /// The base task type.
        pub task_type: String,
        /// The own sign (never `BASE`).
        pub own_sign: String,
        /// The job program, or none for the built-in demo deal.
        pub exec: Option<String>,
        /// Thread groups on this machine.
        pub groups: i64,
        /// Judge crons in this machine's zone instead of the profile's.
        pub machine_zone: bool,
    }

    /// [`StopScheduler`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct StopSchedulerArgs {
        /// Also delete the strategy copy and its domain (what this run created).
        pub remove: bool,
    }

    /// [`ApplyFix`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ApplyFixArgs {
        /// The profile.
        pub profile: String,
        /// The fix a finding offered.
        pub fix: Fix,
    }

    /// [`ExportConfig`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ExportArgs {
        /// The profile.
        pub profile: String,
        /// The file format.
        pub format: ExportFormat,
    }

    /// [`OpenImportFile`]'s answer.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ImportFile {
        /// The file read.
        pub path: String,
        /// Its text.
        pub text: String,
    }

    /// [`ImportConfig`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ImportArgs {
        /// The profile.
        pub profile: String,
        /// tbdesk JSON or Java lines.
        pub text: String,
        /// Apply (true) or only plan.
        pub apply: bool,
        /// Delete objects the text does not name.
        pub prune: bool,
    }

    /// [`SetWatch`]: `None` leaves a switch as it is.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct SetWatchArgs {
        /// The profile.
        pub profile: String,
        /// Follow it in the background (home, alerts).
        pub watch: Option<bool>,
        /// Its alerts raise desktop notifications.
        pub alerts: Option<bool>,
    }

    /// [`SetWatch`]'s answer.
    #[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
    pub struct WatchFlags {
        /// Followed in the background.
        pub watch: bool,
        /// Notifications on.
        pub alerts: bool,
    }

    /// [`PromoteConfig`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct PromoteArgs {
        /// The source profile.
        pub from: String,
        /// The target profile.
        pub to: String,
        /// Text in the names of the task types or strategies to copy (empty: all).
        pub filter: String,
        /// The own sign the copied strategies run (`None`: as in the source).
        pub own_sign: Option<String>,
        /// Write (all or nothing); otherwise only the plan.
        pub apply: bool,
    }

    /// [`Replay`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ReplayArgs {
        /// The profile (followed).
        pub profile: String,
        /// The base task type.
        pub task_type: String,
    }

    /// [`DiffProfiles`].
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct DiffArgs {
        /// The profile compared.
        pub from: String,
        /// The profile compared with.
        pub to: String,
    }
}

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
pub const JS_MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Checks that `v` crosses a JavaScript number unchanged: every integer in it lies within
/// ±(2^53 - 1). The window's IPC arguments go through `JSON.parse`, which would round a larger
/// one (a `long` typed into a form) to a neighbour without a word; this names its field instead.
pub fn js_exact(v: &serde_json::Value) -> Result<(), String> {
    fn walk(v: &serde_json::Value, at: &mut Vec<String>) -> Result<(), String> {
        match v {
            serde_json::Value::Number(n) => {
                let exact = match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => u <= JS_MAX_SAFE_INTEGER,
                    (None, Some(i)) => i.unsigned_abs() <= JS_MAX_SAFE_INTEGER,
                    (None, None) => true,
                };
                if exact {
                    Ok(())
                } else {
                    Err(format!(
                        "{}: {n} is beyond what the window can send exactly (±{JS_MAX_SAFE_INTEGER})",
                        if at.is_empty() { "value".to_owned() } else { at.join(".") }
                    ))
                }
            }
            serde_json::Value::Array(items) => items.iter().enumerate().try_for_each(|(i, x)| {
                at.push(i.to_string());
                let r = walk(x, at);
                at.pop();
                r
            }),
            serde_json::Value::Object(fields) => fields.iter().try_for_each(|(k, x)| {
                at.push(k.clone());
                let r = walk(x, at);
                at.pop();
                r
            }),
            _ => Ok(()),
        }
    }
    walk(v, &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_exact_names_an_integer_a_javascript_number_would_round() {
        let ok = serde_json::json!({"args": {"v": 9_007_199_254_740_991_i64, "w": -9_007_199_254_740_991_i64, "f": 2.5e300}});
        assert_eq!(js_exact(&ok), Ok(()));
        let big = serde_json::json!({"args": {"taskType": {"heartBeatRate": 9_007_199_254_740_993_i64}}});
        let e = js_exact(&big).expect_err("rounded by JSON.parse");
        assert!(e.starts_with("args.taskType.heartBeatRate: 9007199254740993 "), "{e}");
        let low = serde_json::json!([1, [i64::MIN]]);
        assert!(js_exact(&low).expect_err("i64::MIN").starts_with("1.0: -9223372036854775808 "));
        assert!(js_exact(&serde_json::json!(u64::MAX)).expect_err("u64::MAX").starts_with("value: "));
    }

    #[test]
    fn command_names_are_unique_snake_case() {
        let mut names = cmd::NAMES.to_vec();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a command is declared twice");
        for n in cmd::NAMES {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
        }
    }

    #[test]
    fn writes_say_what_they_change_and_reads_say_nothing() {
        use cmd::*;
        let tt = crate::records::TaskType { base_task_type: Some("OrderSync".into()), ..Default::default() };
        let save = SaveTaskTypeArgs { profile: "prod".into(), task_type: tt, expected: Expect::Version(3) };
        let w = save.intent().expect("a save writes");
        assert_eq!((w.profile.as_str(), w.what.as_str()), ("prod", "overwrite version 3 of task type OrderSync"));
        let plan = ImportArgs { profile: "prod".into(), text: "{}".into(), apply: false, prune: false };
        assert!(plan.intent().is_none(), "a plan writes nothing");
        let promote =
            PromoteArgs { from: "dev".into(), to: "prod".into(), filter: "Order".into(), own_sign: None, apply: true };
        assert_eq!(promote.intent().map(|w| w.profile), Some("prod".to_string()), "the target is written");
        let dry = PauseMatchingArgs {
            profile: "p".into(),
            filter: String::new(),
            own_sign: None,
            pause: true,
            dry_run: true,
            remind_in_minutes: None,
        };
        assert!(dry.intent().is_none());
        assert!(StopSchedulerArgs { remove: true }.intent().is_none(), "clean-up is never held back");
        assert!(ProfileArg { profile: "prod".into() }.intent().is_none());
    }

    #[test]
    fn a_confirmation_key_names_the_exact_arguments() {
        use cmd::*;
        let save = |name: &str, threads: i64, v: i32| {
            let tt = crate::records::TaskType {
                base_task_type: Some(name.into()),
                thread_number: threads,
                ..Default::default()
            };
            SaveTaskTypeArgs { profile: "prod".into(), task_type: tt, expected: Expect::Version(v) }
        };
        let key = |a: &SaveTaskTypeArgs| confirmation::<SaveTaskType>(a).expect("a write").1;
        let k = key(&save("A", 1, 3));
        assert_eq!(k.len(), 16, "{k}");
        assert!(k.chars().all(|c| c.is_ascii_hexdigit()), "{k}");
        assert_eq!(k, key(&save("A", 1, 3)), "the same arguments, the same key");
        // Received by the backend after the JSON round trip: the same key.
        let back: SaveTaskTypeArgs = serde_json::from_slice(&serde_json::to_vec(&save("A", 1, 3)).unwrap_or_default())
            .unwrap_or_else(|_| save("?", 0, 0));
        assert_eq!(k, key(&back));
        for other in [save("B", 1, 3), save("A", 2, 3), save("A", 1, 4)] {
            assert_ne!(k, key(&other), "another task type, other bytes or another version");
        }
        assert!(
            confirmation::<FollowProfile>(&ProfileArg { profile: "prod".into() }).is_none(),
            "reads confirm nothing"
        );
        // The command is part of the key: the same arguments for another command differ.
        struct Other;
        impl Command for Other {
            const NAME: &'static str = "other";
            type Args = SaveTaskTypeArgs;
            type Output = ();
        }
        assert_ne!(k, confirmation::<Other>(&save("A", 1, 3)).expect("a write").1);
    }

    #[test]
    fn error_codes_travel_as_their_names() {
        for code in [ErrorCode::NoAuth, ErrorCode::IncompatibleRoot, ErrorCode::Ipc, ErrorCode::LocalServer] {
            let json = serde_json::to_value(code).unwrap_or_default();
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
        }
        let e: Result<ApiError, _> = serde_json::from_str(r#"{"code":"conflict","message":"m"}"#);
        assert_eq!(e.ok().map(|e| e.code), Some(ErrorCode::Conflict));
    }

    #[test]
    fn the_colour_is_the_worst_of_servers_and_findings() {
        let up = ServerHealth { up: true, ..Default::default() };
        let slow = ServerHealth { up: true, slow: true, ..Default::default() };
        let down = ServerHealth::default();
        assert_eq!(Colour::summary(&[], &[]), Colour::Green);
        assert_eq!(Colour::summary(std::slice::from_ref(&up), &[]), Colour::Green);
        assert_eq!(Colour::summary(&[up.clone(), slow], &[]), Colour::Amber);
        assert_eq!(Colour::summary(&[up, down], &[]), Colour::Red);
        assert_eq!(serde_json::to_string(&Colour::Amber).unwrap_or_default(), "\"amber\"");
    }
}

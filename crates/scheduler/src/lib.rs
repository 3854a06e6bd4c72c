//! A local TBSchedule-compatible runtime: to the other schedulers of a root it is one more
//! Java factory (§6), but it only ever runs task types of its own isolation domain
//! (`base$OWN_SIGN`), so a developer's runs never touch the shared `BASE` domain.
//!
//! # Layout
//! - [`run`]: the factory loop (registration, strategies, thread groups) until shutdown.
//! - [`group`]: one thread group: server node, heartbeat, leader duties, processing.
//! - [`deal`]: the task deal contract and the built-in deals (demo, external process).
//! - [`launcher`]: "run this task type in my own domain" (strategy copy, capture check, clean-up).

pub mod deal;
pub mod group;
pub mod launcher;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tbdesk_model::distribution::{thread_groups, JavaVersion};
use tbdesk_model::names::{leader, TaskTypeName, BASE_OWN_SIGN};
use tbdesk_model::records::{Kind, Strategy, StrategyRuntime, TaskType};
use tbdesk_model::validate;
use tbdesk_store::{ConnectOptions, Store};
use zookeeper_client as zk;

use crate::deal::Deal;
use crate::group::{Group, GroupSpec, GroupState};

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused to run in the shared domain without the explicit override.
    #[error("own sign {0:?} is not allowed: the local runtime never runs the shared BASE domain unless started with the override")]
    OwnSign(String),
    /// A store operation failed.
    #[error(transparent)]
    Store(#[from] tbdesk_store::Error),
    /// A ZooKeeper call failed.
    #[error("ZooKeeper error on {path}: {source}")]
    Zk {
        /// The node.
        path: String,
        /// Why.
        source: zk::Error,
    },
    /// A launcher input broke a rule.
    #[error("{0}")]
    Invalid(String),
    /// A factory pass got no answer from ZooKeeper (its session disconnected) within its
    /// deadline, and was cut off.
    #[error("ZooKeeper did not answer the factory pass within {0:?} (disconnected): cut off")]
    PassCut(Duration),
    /// ZooKeeper did not answer within the time a step is given (the nodes left are listed).
    #[error("ZooKeeper did not answer within {0:?}; the nodes left are listed for the next run")]
    Unanswered(Duration),
}

impl From<Error> for tbdesk_model::wire::ApiError {
    fn from(e: Error) -> Self {
        use tbdesk_model::wire::{ApiError, ErrorCode};
        match e {
            Error::Store(s) => s.into(),
            Error::Zk { path, source } => tbdesk_store::Error::at(&path, source).into(),
            e @ Error::OwnSign(_) => ApiError::new(ErrorCode::Invalid, e.to_string()),
            Error::Invalid(m) => ApiError::new(ErrorCode::Invalid, m),
            e @ (Error::Unanswered(_) | Error::PassCut(_)) => ApiError::new(ErrorCode::Unreachable, e.to_string()),
        }
    }
}

impl Error {
    pub(crate) fn zk(path: &str, source: zk::Error) -> Self {
        Error::Zk { path: path.to_owned(), source }
    }
}

/// The most thread groups one launch may ask for (`--groups`).
pub const MAX_GROUPS: i64 = 1000;

/// How to run.
#[derive(Clone)]
pub struct Config {
    /// Where (the profile's settings; must be writable).
    pub connect: ConnectOptions,
    /// The base task type this runtime serves: its deal is that task type's job, so a strategy
    /// of another base task type is never joined (a Java factory joins it and builds the group
    /// with that task type's own bean; this runtime has no job for it, and joining would run
    /// another task type's items through this one's program).
    pub base: String,
    /// The isolation domain this runtime serves.
    pub own_sign: String,
    /// Run `BASE` strategies too (loudly logged; for emergencies only).
    pub allow_base: bool,
    /// This machine's address as it appears in IP lists and uuids.
    pub ip: String,
    /// This machine's name.
    pub host: String,
    /// The deal every thread group uses.
    pub deal: Deal,
    /// Zone of server timestamps and crons (the JVM zone of Java peers).
    pub tz: chrono_tz::Tz,
    /// Factory loop period (Java: 2 s).
    pub tick: Duration,
    /// Where the run records every persistent node it creates; the launcher's clean-up
    /// removes exactly those (and only while no other runtime uses them).
    pub ledger: Arc<Ledger>,
}

/// The persistent nodes one run created, each with its creation zxid: a node deleted and
/// re-created by someone else (a Java leader re-initialising the items) has another czxid and
/// is not ours any more. A node whose czxid could not be read back (ZooKeeper went away right
/// after the create, or the create's answer was lost) is recorded as [`Ledger::UNKNOWN`] and is
/// taken as ours only if it was created after [`Ledger::since_ms`].
#[derive(Debug, Default)]
pub struct Ledger {
    entries: std::sync::Mutex<Entries>,
    since: std::sync::atomic::AtomicI64,
}

/// The ledger's nodes in the order recorded, found by path at once: a domain of many items
/// records six nodes per item and looks each up several times.
#[derive(Debug, Default)]
struct Entries {
    next: u64,
    order: std::collections::BTreeMap<u64, (String, i64)>,
    at: HashMap<String, u64>,
}

impl Entries {
    fn get_mut(&mut self, path: &str) -> Option<&mut i64> {
        let seq = self.at.get(path)?;
        self.order.get_mut(seq).map(|(_, c)| c)
    }

    fn push(&mut self, path: &str, czxid: i64) {
        self.next = self.next.saturating_add(1);
        self.at.insert(path.to_owned(), self.next);
        self.order.insert(self.next, (path.to_owned(), czxid));
    }

    fn remove(&mut self, path: &str) {
        if let Some(seq) = self.at.remove(path) {
            self.order.remove(&seq);
        }
    }
}

impl Ledger {
    /// The czxid of a node created by this run that could not be read back.
    pub const UNKNOWN: i64 = -1;

    /// Records `path`, just created by this run (its czxid read back); returns that czxid
    /// ([`Ledger::UNKNOWN`] when it could not be read).
    pub async fn record(&self, store: &Store, path: &str) -> i64 {
        self.start(store);
        // Noted before the read-back, which a stop may cut off (ZooKeeper away): a node in no
        // ledger would be taken for another runtime's at clean-up and hold the domain for ever.
        self.record_czxid(path, Self::UNKNOWN);
        // The create came through another session: catch this one up before reading back.
        let _ = store.client().sync(path).await;
        let czxid = match store.client().check_stat(path).await {
            Ok(Some(st)) => st.czxid,
            other => {
                tracing::warn!(%path, ?other, "created a node but cannot read it back; recorded by creation time");
                Self::UNKNOWN
            }
        };
        self.made(path, czxid);
        czxid
    }

    /// Records `path` as created by this run with `czxid` (known, or [`Ledger::UNKNOWN`]),
    /// for a create whose answer said it was made: a czxid recorded for an earlier node of the
    /// same path (deleted since, by a clear or a peer's expiry) is surely not this one's, and
    /// kept it would make clean-up take this run's node for another's.
    pub fn made(&self, path: &str, czxid: i64) {
        if let Ok(mut v) = self.entries.lock() {
            match v.get_mut(path) {
                Some(e) => *e = czxid,
                None => v.push(path, czxid),
            }
        }
    }

    /// Records `path` as possibly created by this run (a create whose answer was lost).
    pub fn record_unknown(&self, store: &Store, path: &str) {
        self.start(store);
        self.record_czxid(path, Self::UNKNOWN);
    }

    /// Notes when the run began creating (ZooKeeper clock, with a margin for the clock probe).
    pub(crate) fn start(&self, store: &Store) {
        let t = store.zk_now_ms().saturating_sub(10_000);
        let _ = self.since.compare_exchange(
            0,
            t,
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Nodes of unknown czxid created before this instant (ZooKeeper clock, ms) are not ours.
    pub fn since_ms(&self) -> i64 {
        self.since.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets [`Ledger::since_ms`] (a saved list taken over), keeping the earliest.
    pub fn set_since_ms(&self, ms: i64) {
        let _ =
            self.since.fetch_update(std::sync::atomic::Ordering::Relaxed, std::sync::atomic::Ordering::Relaxed, |v| {
                Some(if v == 0 { ms } else { v.min(ms) })
            });
    }

    /// Records `path` with its creation zxid. A path this run creates again (a Java leader's
    /// re-init or expiry removed the first one) is recorded with the latest create: that node
    /// is this run's, and clean-up would otherwise take it for someone else's and leave it.
    pub fn record_czxid(&self, path: &str, czxid: i64) {
        if let Ok(mut v) = self.entries.lock() {
            match v.get_mut(path) {
                // A lost answer never replaces a known czxid: the node may be someone else's
                // now, and clean-up leaves what it cannot prove its own.
                Some(e) if czxid != Self::UNKNOWN => *e = czxid,
                Some(_) => {}
                None => v.push(path, czxid),
            }
        }
    }

    /// Forgets `path`: this run deleted it, or it was found gone. A long run re-registers its
    /// servers (expired by a peer after a suspend, restarted after a session's end) under new
    /// names; without this the list only grew, and every clean-up checked each old name.
    pub fn forget(&self, path: &str) {
        if let Ok(mut v) = self.entries.lock() {
            v.remove(path);
        }
    }

    /// The recorded nodes, oldest first.
    pub fn entries(&self) -> Vec<(String, i64)> {
        self.entries.lock().map(|v| v.order.values().cloned().collect()).unwrap_or_default()
    }

    /// Whether this run created `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.entries.lock().map(|v| v.at.contains_key(path)).unwrap_or(false)
    }
}

/// This machine's name and address as Java's `InetAddress.getLocalHost()` would give them.
///
/// The address is the name's lookup, which may wait on a DNS server that does not answer: it
/// runs on a thread of its own for at most [`LOOKUP_DEADLINE`], so a start stays cancellable
/// (a Ctrl-C does not wait for the resolver; a detached thread does not hold the runtime's
/// shutdown either). A name that does not resolve in time gives `127.0.0.1` (Java gives an
/// empty address there; this factory's IP-list matching then needs the name or `127.0.0.1`).
pub async fn local_identity() -> (String, String) {
    // Java asks the kernel (`gethostname`), which a container or `hostname NAME` may set apart
    // from /etc/hostname; the file only where the call fails.
    let host = kernel_hostname()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_owned()))
        .unwrap_or_default();
    let host = if host.is_empty() { "localhost".to_owned() } else { host };
    let name = host.clone();
    let ip = tbdesk_store::session::off_thread("tbdesk-host-lookup", LOOKUP_DEADLINE, move || {
        std::net::ToSocketAddrs::to_socket_addrs(&(name.as_str(), 0))
            .ok()
            .and_then(|mut a| a.find(|x| x.is_ipv4()))
            .map(|a| a.ip().to_string())
    })
    .await
    .flatten();
    if ip.is_none() {
        tracing::warn!(host = %host, "the host name did not resolve in time; this factory's address is 127.0.0.1");
    }
    (ip.unwrap_or_else(|| "127.0.0.1".into()), host)
}

/// How long the host name's lookup may take before the address falls back to `127.0.0.1`.
pub const LOOKUP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

/// The kernel's host name (`gethostname(2)`), as Java's `InetAddress.getLocalHost()` reads it.
fn kernel_hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the call writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// Java's IP list rule (§6.1): an entry equals `127.0.0.1`, or `localhost` / the host name
/// ignoring case, or the factory's IP. No trimming, wildcards or ranges.
pub fn ip_matches(list: &[String], ip: &str, host: &str) -> bool {
    list.iter()
        .any(|e| e == "127.0.0.1" || e.eq_ignore_ascii_case("localhost") || e.eq_ignore_ascii_case(host) || e == ip)
}

/// The runtime's recent events (group starts and stops, hand-overs, failures), newest last, for
/// the app's log pane; bounded so a long run cannot grow it.
#[derive(Debug, Default)]
pub struct EventLog(std::sync::Mutex<Ring>, std::sync::OnceLock<chrono_tz::Tz>);

/// The lines kept, and how many were ever pushed (so a reader that printed up to a count
/// prints exactly the lines after it, and says how many rolled out unseen).
#[derive(Debug, Default)]
struct Ring {
    lines: std::collections::VecDeque<String>,
    pushed: u64,
}

impl EventLog {
    const KEEP: usize = 200;

    /// The zone its lines' times are told in (the runtime's: the zone of its crons and of
    /// the servers' timestamps); the first one set stays. Until then, the machine's.
    pub fn set_zone(&self, tz: chrono_tz::Tz) {
        let _ = self.1.set(tz);
    }

    /// Records one event with the time of day in the log's zone.
    pub fn push(&self, msg: impl Into<String>) {
        let now = chrono::Utc::now();
        let at = match self.1.get() {
            Some(tz) => now.with_timezone(tz).format("%H:%M:%S").to_string(),
            None => now.with_timezone(&chrono::Local).format("%H:%M:%S").to_string(),
        };
        let line = format!("{at} {}", msg.into());
        if let Ok(mut r) = self.0.lock() {
            if r.lines.len() == Self::KEEP {
                r.lines.pop_front();
            }
            r.lines.push_back(line);
            r.pushed = r.pushed.saturating_add(1);
        }
    }

    /// The events kept, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.snapshot().0
    }

    /// The events kept, oldest first, and how many were ever pushed.
    pub fn snapshot(&self) -> (Vec<String>, u64) {
        self.0.lock().map(|r| (r.lines.iter().cloned().collect(), r.pushed)).unwrap_or_default()
    }
}

pub use tbdesk_model::wire::{GroupStatus, SchedulerStatus as Status};

/// Runs the factory until `shutdown` resolves, then stops every group and deletes every node
/// it created (server, strategy runtime and factory nodes).
pub async fn run(
    cfg: Config,
    shutdown: impl Future<Output = ()>,
    status: tokio::sync::watch::Sender<Status>,
) -> Result<(), Error> {
    // The runtime writes (factory, server and item nodes): a read-only profile never runs it.
    if cfg.connect.read_only {
        return Err(Error::Store(tbdesk_store::Error::ReadOnly));
    }
    if cfg.own_sign == BASE_OWN_SIGN && !cfg.allow_base {
        return Err(Error::OwnSign(cfg.own_sign));
    }
    if let Some(p) = validate::own_sign_problem(&cfg.own_sign) {
        return Err(Error::Invalid(p));
    }
    if cfg.base.trim().is_empty() {
        return Err(Error::Invalid("task type: required".into()));
    }
    if cfg.allow_base {
        tracing::warn!("the local runtime may join BASE-domain strategies (override given)");
    }
    tokio::pin!(shutdown);
    // Nothing is written before the factory registers; a signal until then just returns.
    let store = tokio::select! {
        s = connect_measured(&cfg.connect) => Arc::new(s?),
        _ = &mut shutdown => return Ok(()),
    };
    let log = cfg.deal.event_log();
    log.set_zone(cfg.tz);
    let mut factory = Factory {
        store,
        cfg,
        uuid: String::new(),
        groups: BTreeMap::new(),
        log,
        failures: 0,
        restart_at: HashMap::new(),
        expiry_pass: HashMap::new(),
        factory_unreadable: false,
        factory_blank: None,
        undecodable: Default::default(),
        said: Default::default(),
    };
    // A stop during registration: the factory node is ephemeral and goes with the session,
    // which ends when the store is dropped on return.
    tokio::select! {
        r = factory.register() => r?,
        _ = &mut shutdown => return Ok(()),
    }
    let mut tick_failures = Repeats::default();
    // Whether the last pass was cut off at its deadline (said once per outage).
    let mut pass_cut = false;
    let limit = tick_deadline();
    'run: loop {
        // A stop is heard at any instant: the tick in hand gets a moment to finish (a
        // connected ZooKeeper answers in milliseconds, so nothing is left half-done); with
        // ZooKeeper away it would wait for the session, so it is dropped, and what it may
        // have created is in the ledger or, unanswered, is a server node peers expire.
        let client = factory.store.client().clone();
        let view = factory.status_view();
        let outcome = {
            // A pass has a deadline while ZooKeeper is away: its calls would wait for the
            // session (past a minute). Past the deadline with the session connected, the pass
            // is doing its work (stopping groups takes up to 20 s each) and goes on; with it
            // disconnected, the pass is cut off, as a pass dropped at a stop (groups it was
            // stopping are aborted, a server node it was creating is expired by peers, as a
            // dead Java server's), and the next pass starts over. Meanwhile the status goes
            // on being sent: the groups' own states move on their own.
            let tick = factory.tick();
            tokio::pin!(tick);
            let mut deadline = tokio::time::Instant::now() + limit;
            let mut refresh = tokio::time::interval_at(tokio::time::Instant::now() + STATUS_EVERY, STATUS_EVERY);
            loop {
                tokio::select! {
                    r = &mut tick => break r,
                    _ = tokio::time::sleep_until(deadline) => {
                        if connected_within(&client, Duration::ZERO).await {
                            deadline += limit;
                        } else {
                            break Err(Error::PassCut(limit));
                        }
                    }
                    _ = refresh.tick() => {
                        let _ = status.send(view.status());
                    }
                    _ = &mut shutdown => {
                        let grace = if connected_within(&client, Duration::ZERO).await { TICK_GRACE } else { Duration::ZERO };
                        if tokio::time::timeout(grace, &mut tick).await.is_err() {
                            tracing::warn!("stop: the factory pass in hand did not end within {TICK_GRACE:?} (ZooKeeper away?); cut off");
                        }
                        break 'run;
                    }
                }
            }
        };
        if let Err(Error::PassCut(limit)) = &outcome {
            if !pass_cut {
                factory.log.push(format!(
                    "ZooKeeper did not answer the factory pass within {} s (disconnected): cut off, tried again each pass until it answers",
                    limit.as_secs()
                ));
            }
            pass_cut = true;
        } else if outcome.is_ok() && std::mem::take(&mut pass_cut) {
            factory.log.push("ZooKeeper answers the factory pass again");
        }
        if let Err(e) = &outcome {
            if let Some(times) = tick_failures.should_say(&e.to_string(), std::time::Instant::now()) {
                tracing::warn!(error = %e, times, "factory tick failed");
            }
            if factory.session_lost() {
                factory.log.push("ZooKeeper session expired: reconnecting, then restarting the thread groups");
                // Reconnect until it works or a stop is asked for; never deaf to the signal.
                // The old groups are stopped after, so their server nodes are deleted with the
                // new session.
                loop {
                    tokio::select! {
                        ok = factory.reconnect_once() => if ok { break },
                        _ = &mut shutdown => break 'run,
                    }
                    let _ = status.send(factory.status());
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = &mut shutdown => break 'run,
                    }
                }
                factory.log.push("reconnected: stopping the old thread groups, then starting them again");
                let _ = status.send(factory.status());
                factory.stop_groups(|_| true).await;
            }
        }
        if outcome.is_ok() {
            tick_failures = Repeats::default();
        }
        let _ = status.send(factory.status());
        tokio::select! {
            _ = tokio::time::sleep(factory.cfg.tick) => {}
            _ = &mut shutdown => break,
        }
    }
    factory.stop_all().await;
    factory.cfg.deal.shutdown().await;
    Ok(())
}

/// A factory's status as of a moment: its groups as they were then (their states read live).
struct StatusView {
    factory: String,
    strategies: Vec<String>,
    /// Each group's state and whether its task had died.
    groups: Vec<(Arc<GroupState>, bool)>,
    log: Arc<EventLog>,
    failures: u64,
}

impl StatusView {
    fn status(&self) -> Status {
        use std::sync::atomic::Ordering::Relaxed;
        let (log, log_pushed) = self.log.snapshot();
        let mut st = Status {
            factory: self.factory.clone(),
            strategies: self.strategies.clone(),
            log,
            log_pushed,
            failures: self.failures,
            ..Status::default()
        };
        for (s, failed) in &self.groups {
            st.groups.push(GroupStatus {
                server: s.uuid.lock().map(|u| u.clone()).unwrap_or_default(),
                items: s.held.lock().map(|h| h.iter().map(|i| i.id.clone()).collect()).unwrap_or_default(),
                done: s.stats.success.load(Relaxed),
                failed: s.stats.fail.load(Relaxed),
                state: if *failed {
                    "failed".to_owned()
                } else if s.stopping.load(Relaxed) {
                    "stopping".to_owned()
                } else {
                    s.message.lock().map(|m| m.clone()).unwrap_or_default()
                },
            });
        }
        st
    }
}

/// Whether to log a failure that may repeat every pass for days (a deleted `/factory`, an
/// unreachable ZooKeeper): a message at its first coming, then once a minute with how many
/// times it came meanwhile, so a log is not filled with one line. A few messages are kept
/// apart (two failures taking turns are each throttled); the oldest is forgotten.
#[derive(Default)]
struct Repeats {
    /// message -> (when last said, times since then).
    seen: Vec<(String, std::time::Instant, u64)>,
}

impl Repeats {
    const EVERY: Duration = Duration::from_secs(60);
    const KEPT: usize = 8;

    /// `Some(times it came since last said)` when `message` should be logged at `now`.
    fn should_say(&mut self, message: &str, now: std::time::Instant) -> Option<u64> {
        match self.seen.iter_mut().find(|(m, _, _)| m == message) {
            Some((_, at, times)) => {
                *times = times.saturating_add(1);
                if now.saturating_duration_since(*at) < Self::EVERY {
                    return None;
                }
                *at = now;
                Some(std::mem::replace(times, 0))
            }
            None => {
                if self.seen.len() >= Self::KEPT {
                    self.seen.remove(0);
                }
                self.seen.push((message.to_owned(), now, 0));
                Some(1)
            }
        }
    }
}

/// How long one ZooKeeper call of a stop may take: a connected server answers in
/// milliseconds, while a call made with ZooKeeper away waits for the session (up to 1.4 times
/// its timeout, past a minute on common settings).
pub(crate) const STOP_CALL: Duration = Duration::from_secs(5);
/// How long a stop waits for ZooKeeper to come back before leaving this run's nodes.
const STOP_RECONNECT: Duration = Duration::from_secs(3);
/// How long the factory pass in hand at a stop may still take.
const TICK_GRACE: Duration = Duration::from_secs(3);
/// How long a factory pass may wait on a disconnected ZooKeeper before it is cut off (a pass
/// with the session connected goes on however long its group stops take): short of the
/// minute calls would wait for a session with ZooKeeper away. `TBDESK_TICK_DEADLINE_MS`
/// (1 to 300 s) sets another, for tests.
const TICK_DEADLINE: Duration = Duration::from_secs(30);

fn tick_deadline() -> Duration {
    std::env::var("TBDESK_TICK_DEADLINE_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|ms| Duration::from_millis(ms.clamp(1_000, 300_000)))
        .unwrap_or(TICK_DEADLINE)
}
/// How often the status is sent while a pass is in hand.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// Whether `client`'s session is connected, waiting at most `within` for a reconnect.
pub(crate) async fn connected_within(client: &zk::Client, within: Duration) -> bool {
    let up = |s: zk::SessionState| matches!(s, zk::SessionState::SyncConnected | zk::SessionState::ConnectedReadOnly);
    let mut watcher = client.state_watcher();
    match client.state() {
        s if up(s) => return true,
        // Expired, closed, refused: no reconnect comes, and `changed` would wait in vain.
        s if s.is_terminated() => return false,
        _ => {}
    }
    let wait = async {
        loop {
            let s = watcher.changed().await;
            if up(s) {
                return true;
            }
            if s.is_terminated() {
                return false;
            }
        }
    };
    tokio::time::timeout(within, wait).await.unwrap_or(false)
}

/// A session whose ZooKeeper clock is measured (heartbeat ages and expiry use it, P9). The
/// runtime writes anyway; the probe is an ephemeral node deleted at once.
async fn connect_measured(opts: &ConnectOptions) -> Result<Store, tbdesk_store::Error> {
    let mut s = Store::connect(opts).await?;
    // A transient failure gets two more tries; without a measured clock the groups expire no
    // server (see `group::domain_duties`).
    for wait in [0, 500, 1500] {
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        s.measure_clock().await;
        if s.clock_measured() {
            break;
        }
    }
    Ok(s)
}

struct Factory {
    store: Arc<Store>,
    cfg: Config,
    uuid: String,
    /// strategy name → its groups, oldest first.
    groups: BTreeMap<String, Vec<Group>>,
    log: Arc<EventLog>,
    /// Thread groups that died during the run.
    failures: u64,
    /// strategy → when its failed groups may be started again (backoff).
    restart_at: HashMap<String, std::time::Instant>,
    /// domain → the last expiry pass of this process's groups there.
    expiry_pass: HashMap<String, Arc<std::sync::atomic::AtomicI64>>,
    /// The factory node's data could not be read (its ACL changed); said once.
    factory_unreadable: bool,
    /// The factory node's empty data judged for a node (czxid) at a data version: started
    /// (null) or stopped (empty text, which Java's `Boolean.parseBoolean` reads as false). One
    /// null-telling read per node and version, not one per pass.
    factory_blank: Option<(i64, i32, bool)>,
    /// Strategies said not to decode (at most 1,000 names kept).
    undecodable: std::collections::HashSet<String>,
    /// Strategies whose runtime message says why groups could not start: emptied once they
    /// run (tried again every tick until the write lands).
    said: std::collections::HashSet<String>,
}

impl Factory {
    async fn register(&mut self) -> Result<(), Error> {
        let c = self.store.client();
        let prefix = format!(
            "{}/{}${}${}$",
            self.store.root().factories(),
            self.cfg.ip,
            self.cfg.host,
            uuid::Uuid::new_v4().simple().to_string().to_uppercase()
        );
        // Java creates the factory node with null data (read as "started"). An ephemeral node
        // must be created by this session, which cannot send null: it is created with "true"
        // (read exactly as null by `loadManagerFactoryInfo`) and then nulled.
        let opts = zk::CreateMode::EphemeralSequential.with_acls(self.store.acls());
        let (_, seq) = c.create(&prefix, b"true", &opts).await.map_err(|e| Error::zk(&prefix, e))?;
        self.uuid = format!("{}{}", prefix.rsplit('/').next().unwrap_or_default(), seq);
        self.null_factory_node(0).await;
        tracing::info!(factory = %self.uuid, "factory registered");
        self.log.push(format!("factory registered as {}", self.uuid));
        Ok(())
    }

    /// Registers again after a lost session under the same name, as Java's
    /// `registerManagerFactory` re-creates a known uuid's node as a plain ephemeral: the
    /// factory keeps its rank among the root's factories (and so the strategies' leadership
    /// and its share of groups). A new name only if another session holds this one.
    async fn register_again(&mut self) -> Result<(), Error> {
        if self.uuid.is_empty() {
            return self.register().await;
        }
        let path = self.store.root().factory(&self.uuid);
        let opts = zk::CreateMode::Ephemeral.with_acls(self.store.acls());
        // The expired session's node may still be there a moment (the server removes it as it
        // expires that session, which can come after our new session connects): Java keeps
        // its name then too. Waited for, bounded; only then a new name.
        let give_up = tokio::time::Instant::now() + (self.cfg.connect.session_timeout * 2).min(Duration::from_secs(20));
        loop {
            match self.store.client().create(&path, b"true", &opts).await {
                Ok(_) => {
                    self.null_factory_node(0).await;
                    tracing::info!(factory = %self.uuid, "factory registered again");
                    self.log
                        .push(format!("factory registered again as {} (its name kept, as Java keeps it)", self.uuid));
                    return Ok(());
                }
                Err(zk::Error::NodeExists) if tokio::time::Instant::now() < give_up => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(zk::Error::NodeExists) => return self.register().await,
                Err(e) => return Err(Error::zk(&path, e)),
            }
        }
    }

    /// Sets the factory node's data to null if it still holds our "true" at `version`.
    async fn null_factory_node(&self, version: i32) {
        use tbdesk_store::jute::Op;
        let path = self.store.root().factory(&self.uuid);
        if let Err(e) = self.store.nulls().multi(&[Op::SetNull { path: &path, version: Some(version) }]).await {
            tracing::debug!(%path, error = %e, "factory node left as \"true\" (read like null by Java)");
        }
    }

    /// Deletes this factory's strategy-runtime nodes, as Java's `unRregisterManagerFactory`
    /// does when the console stops a factory.
    async fn unregister_runtimes(&self) {
        let c = self.store.client();
        if let Ok(names) = c.list_children(&self.store.root().strategies()).await {
            for n in names {
                // Looked at first (a read), as Java's `unRregisterManagerFactory` does: a stopped
                // factory runs this every pass, and a blind delete of a missing node is a write
                // through the ensemble's leader for each strategy of the root. Then deleted at
                // any version, as Java's: the node is this factory's own (its uuid), and the
                // strategy's leader rewrites its requestNum every pass.
                let path = self.store.root().strategy_runtime(&n, &self.uuid);
                match c.check_stat(&path).await {
                    Ok(Some(_)) => {}
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(strategy = %n, error = %e, "could not look at our strategy runtime");
                        continue;
                    }
                }
                match c.delete(&path, None).await {
                    Ok(()) | Err(zk::Error::NoNode) => {}
                    Err(e) => tracing::warn!(strategy = %n, error = %e, "could not delete our strategy runtime"),
                }
            }
        }
    }

    /// Deletes the server nodes of this run's groups that a cut-off stop left behind (a stop
    /// asked for while a pass was draining groups drops that pass, and with it the groups'
    /// own deletes): each only if it is still the node this run created (the ledger's czxid),
    /// at the version read. Without it such a node would hold its items until peers judge
    /// it dead.
    async fn delete_stranded_servers(&self) {
        let top = format!("{}/", self.store.root().base_task_types());
        let ledger = &self.cfg.ledger;
        // Only this run's domain: the ledger also holds what a leftovers file named, and a
        // file edited by hand (or another version's) must not reach another domain's servers.
        let domain = TaskTypeName { base: self.cfg.base.clone(), own_sign: self.cfg.own_sign.clone() }.task_type();
        for (path, czxid) in ledger.entries() {
            // `<root>/baseTaskType/<base>/<task type>/server/<uuid>`.
            let parts: Vec<&str> = path.strip_prefix(&top).map(|r| r.split('/').collect()).unwrap_or_default();
            if parts.len() != 4 || parts[0] != self.cfg.base || parts[1] != domain || parts[2] != "server" {
                continue;
            }
            match launcher::delete_if_ours(self.store.client(), &path, czxid, ledger.since_ms()).await {
                Ok(Ok(())) => {
                    tracing::info!(%path, "stop: deleted a server node its cut-off stop left");
                    ledger.forget(&path);
                }
                Ok(Err(why)) => tracing::info!(%path, %why, "stop: server node left"),
                Err(e) => tracing::warn!(%path, error = %e, "stop: could not delete a server node"),
            }
        }
    }

    /// Whether the factory node's empty data (node `czxid` at `version`) means started: null
    /// does (this factory writes null after registering), empty text does not (a `set` of ""
    /// in a zk shell; Java's factories stop on it). The main client reads both as empty; the
    /// null writer tells them apart, asked once per node and version. Its session may reach
    /// another server, behind this one: only an answer about the same node at the same version
    /// decides; anything else (another version, NoAuth, ZooKeeper away) reads as started this
    /// pass, as before the question, and is asked again next pass.
    async fn blank_started(&mut self, path: &str, czxid: i64, version: i32) -> bool {
        if let Some((c, v, started)) = self.factory_blank {
            if (c, v) == (czxid, version) {
                return started;
            }
        }
        match self.store.nulls().get_data_at(path).await {
            Ok((data, c, v)) if (c, v) == (czxid, version) && data.as_deref().is_none_or(<[u8]>::is_empty) => {
                let started = data.is_none();
                self.factory_blank = Some((czxid, version, started));
                started
            }
            Ok(_) => true,
            Err(e) => {
                tracing::debug!(error = %e, "factory node: null or empty not known this pass");
                true
            }
        }
    }

    /// Whether this factory's session is gone (expired or closed), so only a new one helps.
    /// Judged on the session's own state, never on an error's kind: a "session expired" can
    /// come from a short-lived session of the null writer (a ZooKeeper stalled past its few
    /// seconds), and taking it for this one's would register the factory again under a new
    /// name and restart every group while the old session still holds the old nodes.
    fn session_lost(&self) -> bool {
        matches!(self.store.client().state(), zk::SessionState::Expired | zk::SessionState::Closed)
    }

    /// One attempt at a new session and factory registration.
    async fn reconnect_once(&mut self) -> bool {
        match connect_measured(&self.cfg.connect).await {
            Ok(s) => {
                self.store = Arc::new(s);
                match self.register_again().await {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::warn!(error = %e, "re-register failed");
                        false
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reconnect failed");
                false
            }
        }
    }

    fn status(&self) -> Status {
        self.status_view().status()
    }

    /// What [`Factory::status`] reads, held apart from the factory, so the status can be sent
    /// while a pass holds the factory (the groups' states move on their own meanwhile).
    fn status_view(&self) -> StatusView {
        StatusView {
            factory: self.uuid.clone(),
            strategies: self.groups.keys().cloned().collect(),
            groups: self.groups.values().flatten().map(|g| (g.state.clone(), g.failed())).collect(),
            log: self.log.clone(),
            failures: self.failures,
        }
    }

    /// Stops the groups of the strategies `which` selects, all at once (a stop takes as long as
    /// the slowest group, at most ~10 s, not the sum).
    async fn stop_groups(&mut self, which: impl Fn(&str) -> bool) {
        self.stop_groups_as(which, true).await
    }

    /// [`Factory::stop_groups`]; `delete`: whether their server nodes are deleted (not with
    /// ZooKeeper away at the final stop).
    async fn stop_groups_as(&mut self, which: impl Fn(&str) -> bool, delete: bool) {
        let names: Vec<String> = self.groups.keys().filter(|n| which(n)).cloned().collect();
        let mut stopping = Vec::new();
        for n in names {
            if let Some(gs) = self.groups.remove(&n) {
                for g in gs {
                    self.log.push(format!("stopping thread group {} ({n})", g.uuid()));
                    stopping.push(g.stop_as(&self.store, delete));
                }
            }
        }
        futures::future::join_all(stopping).await;
    }

    /// The final stop, bounded whatever ZooKeeper does: every group's work ends (its job
    /// programs with it), then this factory's nodes are deleted, each call within
    /// [`STOP_CALL`]. ZooKeeper away for [`STOP_RECONNECT`]: nothing is deleted and nothing
    /// waits for the session; the nodes stay in the ledger, which the launcher lists for the
    /// next run (ephemeral ones go with the session, server nodes are expired by peers).
    async fn stop_all(&mut self) {
        let mut reachable = connected_within(self.store.client(), STOP_RECONNECT).await;
        if !reachable && matches!(self.store.client().state(), zk::SessionState::Expired | zk::SessionState::Closed) {
            // The session is gone, and with it our ephemeral nodes; the persistent server
            // nodes are deleted with a fresh session, if one comes at once.
            if let Ok(Ok(s)) = tokio::time::timeout(STOP_CALL, Store::connect(&self.cfg.connect)).await {
                self.store = Arc::new(s);
                reachable = true;
            }
        }
        if !reachable {
            self.log.push("ZooKeeper is away: thread groups stopped without deleting their nodes");
            tracing::warn!(factory = %self.uuid, "ZooKeeper is away at the stop: this run's nodes are left");
        }
        self.stop_groups_as(|_| true, reachable).await;
        // ZooKeeper may have gone while the groups ended: then nothing more waits for it.
        if !reachable || !connected_within(self.store.client(), Duration::ZERO).await {
            return;
        }
        if tokio::time::timeout(STOP_CALL * 2, self.delete_stranded_servers()).await.is_err() {
            tracing::warn!(factory = %self.uuid, "stop: ZooKeeper did not answer the server deletes in time");
        }
        if tokio::time::timeout(STOP_CALL * 2, self.unregister_runtimes()).await.is_err() {
            tracing::warn!(factory = %self.uuid, "stop: ZooKeeper did not answer the runtime deletes in time");
        }
        let factory = self.store.root().factory(&self.uuid);
        match tokio::time::timeout(STOP_CALL, self.store.client().delete(&factory, None)).await {
            Ok(Ok(()) | Err(zk::Error::NoNode)) => {
                tracing::info!(factory = %self.uuid, "factory stopped; its nodes are deleted")
            }
            Ok(Err(e)) => tracing::warn!(%factory, error = %e, "stop: could not delete the factory node"),
            Err(_) => tracing::warn!(%factory, "stop: ZooKeeper did not answer the factory node's delete in time"),
        }
    }

    /// One pass of Java's factory loop (§6.1), restricted to this runtime's own sign.
    async fn tick(&mut self) -> Result<(), Error> {
        let root = self.store.root().clone();
        let c = self.store.client().clone();
        let fpath = root.factory(&self.uuid);
        let read = match c.get_data(&fpath).await {
            Ok((d, st)) if d.is_empty() => Ok(self.blank_started(&fpath, st.czxid, st.version).await),
            Ok((d, _)) => Ok(d.eq_ignore_ascii_case(b"true")),
            Err(e) => Err(e),
        };
        match read {
            // Java: Boolean.parseBoolean(data), null meaning started, empty text stopped.
            Ok(false) => {
                if !self.groups.is_empty() {
                    self.log.push("factory stopped from the console: thread groups stopped, runtimes unregistered");
                }
                self.stop_groups(|_| true).await;
                self.unregister_runtimes().await;
                return Ok(());
            }
            Ok(_) => {}
            // Deleted while this session lives (a console or a zk shell removed it): as Java's
            // `refresh`, whose `loadManagerFactoryInfo` throws on the missing node, every
            // thread group stops (its server node deleted), this factory's strategy runtimes
            // are deleted, and the factory registers again under its own name; the strategies
            // are joined anew below and the groups start again under new names. (Java does the
            // same on any failed read of the node; here a read that fails leaves the groups
            // running, each stopping its own processing while its heartbeat cannot land.)
            Err(zk::Error::NoNode) => {
                if !self.groups.is_empty() {
                    self.log.push(format!(
                        "factory node {} was deleted: thread groups stopped and runtimes unregistered, then \
                         registered again (as Java's factory does)",
                        self.uuid
                    ));
                }
                tracing::warn!(factory = %self.uuid, "factory node deleted while the session lives: restarting as Java");
                self.stop_groups(|_| true).await;
                self.unregister_runtimes().await;
                let opts = zk::CreateMode::Ephemeral.with_acls(self.store.acls());
                c.create(&fpath, b"true", &opts).await.map_err(|e| Error::zk(&fpath, e))?;
                self.null_factory_node(0).await;
            }
            // Readable no more (someone changed its ACL): judged as started, and the pass goes
            // on, so a strategy paused or pointed elsewhere still stops its groups. (Java stops
            // every group on such a read and starts them again each pass.)
            Err(zk::Error::NoAuth) => {
                if !self.factory_unreadable {
                    self.factory_unreadable = true;
                    self.log.push(format!(
                        "factory node {} is no longer readable by this profile (its ACL changed): read as started; a console stop cannot reach this factory",
                        self.uuid
                    ));
                }
            }
            Err(e) => return Err(Error::zk(&fpath, e)),
        }
        let names = c.list_children(&root.strategies()).await.map_err(|e| Error::zk(&root.strategies(), e))?;
        let mut joined: HashMap<String, Strategy> = HashMap::new();
        // Strategies that could not be judged this pass: their groups run on as they are.
        // (Java's refresh throws on such a read and so stops nothing; stopping here would
        // restart the groups under new, highest suffixes, losing leadership and items.)
        let mut unjudged: Vec<String> = Vec::new();
        for n in &names {
            let path = root.strategy(n);
            let data = match c.get_data(&path).await {
                Ok((data, _)) => data,
                // Deleted meanwhile: not a strategy any more.
                Err(zk::Error::NoNode) => continue,
                Err(e) => return Err(Error::zk(&path, e)),
            };
            let s = match Strategy::decode(&data) {
                Ok(s) => {
                    self.undecodable.remove(n);
                    s
                }
                Err(e) => {
                    if self.groups.contains_key(n) {
                        self.log
                            .push(format!("strategy {n} no longer decodes ({e}); its thread groups run on unchanged"));
                    } else if self.undecodable.len() < 1000 && self.undecodable.insert(n.clone()) {
                        // Said once (a run started against it would otherwise idle in silence).
                        self.log.push(format!("strategy {n} does not decode ({e}): not joined while it stays so"));
                    }
                    unjudged.push(n.clone());
                    continue;
                }
            };
            let mine = s.kind == Some(Kind::Schedule)
                && !s.is_paused()
                && s.ip_list.as_deref().is_some_and(|l| ip_matches(l, &self.cfg.ip, &self.cfg.host))
                && s.task_name.as_deref().is_some_and(|t| {
                    let tt = TaskTypeName::parse(t);
                    tt.base == self.cfg.base
                        && (tt.own_sign == self.cfg.own_sign || (self.cfg.allow_base && tt.is_base_domain()))
                });
            let rpath = root.strategy_runtime(n, &self.uuid);
            if mine {
                let rt = StrategyRuntime {
                    strategy_name: Some(n.clone()),
                    uuid: Some(self.uuid.clone()),
                    message: Some(String::new()),
                    ..StrategyRuntime::default()
                };
                // Java creates it with null data, which its loader reads as requestNum 0; complete
                // JSON with requestNum 0 reads the same, and the strategy leader rewrites it.
                let opts = zk::CreateMode::Ephemeral.with_acls(self.store.acls());
                match c.create(&rpath, rt.encode().as_bytes(), &opts).await {
                    Ok(_) | Err(zk::Error::NodeExists) => {}
                    Err(e) => return Err(Error::zk(&rpath, e)),
                }
                joined.insert(n.clone(), s);
            } else if self.groups.contains_key(n) || c.check_stat(&rpath).await.ok().flatten().is_some() {
                self.stop_groups(|x| x == n).await;
                let _ = c.delete(&rpath, None).await;
            }
        }
        self.stop_groups(|n| !joined.contains_key(n) && !unjudged.iter().any(|u| u == n)).await;
        self.reap_failed().await;
        for (name, s) in &joined {
            let spath = root.strategy(name);
            let children = c.list_children(&spath).await.map_err(|e| Error::zk(&spath, e))?;
            // The strategy leader writes everyone's requestNum; only when it changes (Java
            // rewrites every node every 2 s, P20).
            if leader(children.iter().map(String::as_str)) == Some(self.uuid.as_str()) {
                for (f, n) in thread_groups(&children, s.assign_num, s.num_of_single_server, JavaVersion::V3_3) {
                    let p = root.strategy_runtime(name, &f);
                    let Ok((d, st)) = c.get_data(&p).await else { continue };
                    let mut rt = StrategyRuntime::decode(&d).unwrap_or_default();
                    if rt.request_num != n || rt.strategy_name.is_none() || rt.uuid.is_none() {
                        rt.strategy_name = Some(name.clone());
                        rt.uuid = Some(f.clone());
                        rt.request_num = n;
                        if rt.message.is_none() {
                            rt.message = Some(String::new());
                        }
                        let _ = c.set_data(&p, rt.encode().as_bytes(), Some(st.version)).await;
                    }
                }
            }
            let mine = root.strategy_runtime(name, &self.uuid);
            let asked = match c.get_data(&mine).await {
                Ok((d, _)) => StrategyRuntime::decode(&d).map(|r| r.request_num).unwrap_or(0),
                Err(zk::Error::NoNode) => 0,
                // Not known this pass: the groups stay as they are.
                Err(_) => continue,
            };
            // A strategy asking for more than one machine can sensibly run (or a number from a
            // hostile node) is capped, and said once.
            let want = asked.clamp(0, MAX_GROUPS) as usize;
            if asked > MAX_GROUPS && self.groups.get(name).map_or(0, Vec::len) < want {
                self.log
                    .push(format!("strategy {name} asks this factory for {asked} thread groups; running {MAX_GROUPS}"));
            }
            self.adjust(name, s, want).await?;
        }
        Ok(())
    }

    /// Removes groups whose task died (a panic), counts them and schedules their restart with
    /// backoff (1 s doubling to 30 s): shown as failed, never silently gone.
    async fn reap_failed(&mut self) {
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for n in names {
            let Some(gs) = self.groups.get_mut(&n) else { continue };
            let (dead, alive): (Vec<Group>, Vec<Group>) = std::mem::take(gs).into_iter().partition(Group::failed);
            *gs = alive;
            for g in dead {
                self.failures += 1;
                let backoff = Duration::from_secs(1u64 << self.failures.min(5)).min(Duration::from_secs(30));
                self.log.push(format!(
                    "thread group {} of {n} failed (its task ended unexpectedly); restarting in {} s",
                    g.uuid(),
                    backoff.as_secs()
                ));
                tracing::error!(strategy = %n, server = %g.uuid(), "thread group failed");
                self.restart_at.insert(n.clone(), std::time::Instant::now() + backoff);
                g.stop(&self.store).await;
            }
        }
    }

    /// Starts or stops the newest groups of a strategy until there are `want`.
    async fn adjust(&mut self, name: &str, s: &Strategy, want: usize) -> Result<(), Error> {
        let have = self.groups.get(name).map_or(0, Vec::len);
        // A restart's backoff delays starting groups, never stopping them: with fewer asked
        // for, the extra groups stop now.
        if have <= want && self.restart_at.get(name).is_some_and(|t| std::time::Instant::now() < *t) {
            return Ok(());
        }
        if have > want {
            if let Some(gs) = self.groups.get_mut(name) {
                let extra: Vec<Group> = gs.drain(want..).collect();
                // Together, as `stop_groups` does: a stop takes as long as the slowest group.
                futures::future::join_all(extra.into_iter().map(|g| g.stop(&self.store))).await;
            }
            return Ok(());
        }
        if have == want {
            if want > 0 && self.said.contains(name) {
                self.unsay(name).await;
            }
            return Ok(());
        }
        let task_name = s.task_name.clone().unwrap_or_default();
        let tt = TaskTypeName::parse(&task_name);
        let root = self.store.root().clone();
        let def = match self.store.client().get_data(&root.base_task_type(&tt.base)).await {
            Ok((d, _)) => TaskType::decode(&d).ok(),
            Err(_) => None,
        };
        // Java swallows these and never retries (P4); here the reason is written into the
        // strategy runtime's message and the start is retried every tick.
        let problem = match &def {
            None => Some(format!("task type {} is missing or unreadable", tt.base)),
            Some(t) if t.judge_dead_interval < t.heart_beat_rate.saturating_mul(5) => Some(format!(
                "judgeDeadInterval {} < 5 × heartBeatRate {}: refused",
                t.judge_dead_interval, t.heart_beat_rate
            )),
            Some(t) if t.heart_beat_rate <= 0 => Some("heartBeatRate must be positive".into()),
            _ => None,
        };
        if let Some(p) = problem {
            self.said.insert(name.to_owned());
            tracing::warn!(strategy = name, problem = %p, "cannot start thread groups");
            self.log.push(format!("cannot start thread groups of {name}: {p}"));
            self.say(name, &p).await;
            return Ok(());
        }
        let Some(def) = def else { return Ok(()) };
        for _ in have..want {
            let spec = GroupSpec {
                base: tt.base.clone(),
                task_type: tt.task_type(),
                def: def.clone(),
                ip: self.cfg.ip.clone(),
                host: self.cfg.host.clone(),
                factory: self.uuid.clone(),
                tz: self.cfg.tz,
                log: self.log.clone(),
                ledger: self.cfg.ledger.clone(),
                expiry_pass: self.expiry_pass.entry(tt.task_type()).or_default().clone(),
                unmeasured_said: std::sync::atomic::AtomicBool::new(false),
            };
            let g = Group::start(self.store.clone(), spec, self.cfg.deal.clone()).await?;
            self.log.push(format!("thread group {} started ({name})", g.uuid()));
            self.groups.entry(name.to_owned()).or_default().push(g);
        }
        if self.said.contains(name) {
            self.unsay(name).await;
        }
        Ok(())
    }

    /// A problem said in the strategy runtime's message is over: the Java console shows the
    /// message in red, and Java's leader keeps it when it rewrites requestNum, so it is emptied
    /// (a write that loses to the leader's is tried again next tick).
    async fn unsay(&mut self, name: &str) {
        if self.say(name, "").await {
            self.said.remove(name);
        }
    }

    /// Writes `text` into this factory's runtime node of strategy `name` (its `message`), at the
    /// version read. Whether the node now says it, or there is no node to say it on: false when
    /// the write or the read failed.
    async fn say(&self, name: &str, text: &str) -> bool {
        let rpath = self.store.root().strategy_runtime(name, &self.uuid);
        let c = self.store.client();
        match c.get_data(&rpath).await {
            Ok((d, st)) => match StrategyRuntime::decode(&d) {
                Ok(mut rt) if rt.message.as_deref().unwrap_or_default() != text => {
                    rt.message = Some(text.to_owned());
                    c.set_data(&rpath, rt.encode().as_bytes(), Some(st.version)).await.is_ok()
                }
                // Says it already, or not ours to rewrite (it does not decode).
                _ => true,
            },
            Err(zk::Error::NoNode) => true,
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EventLog, Ledger, Repeats};
    use std::time::{Duration, Instant};

    #[test]
    fn the_event_log_tells_times_in_the_runtimes_zone() {
        // UTC+14: never the machine's zone here, and another day than UTC for 14 hours.
        let zone = chrono_tz::Etc::GMTMinus14;
        let log = EventLog::default();
        log.set_zone(zone);
        log.set_zone(chrono_tz::UTC);
        let before = chrono::Utc::now();
        log.push("x");
        let after = chrono::Utc::now();
        let at = |t: chrono::DateTime<chrono::Utc>| format!("{} x", t.with_timezone(&zone).format("%H:%M:%S"));
        let line = &log.lines()[0];
        assert!(*line == at(before) || *line == at(after), "{line}");
    }

    #[test]
    fn the_ledger_keeps_its_order_and_finds_a_path_at_once() {
        let l = Ledger::default();
        // 100,000 items' six nodes each: a scan per record would take hours.
        let n = 600_000;
        for i in 0..n {
            l.record_czxid(&format!("/d/taskItem/{i}"), Ledger::UNKNOWN);
        }
        l.made("/d/taskItem/7", 42);
        l.record_czxid("/d/taskItem/7", Ledger::UNKNOWN);
        l.record_czxid("/d/taskItem/8", 43);
        l.forget("/d/taskItem/9");
        l.made("/d/taskItem/9", 44);
        let e = l.entries();
        assert_eq!(e.len(), n);
        assert_eq!(e[0], ("/d/taskItem/0".to_owned(), Ledger::UNKNOWN));
        // A lost answer never replaces a known czxid; a path recorded again after its forget
        // comes last.
        assert_eq!(e[7], ("/d/taskItem/7".to_owned(), 42));
        assert_eq!(e[8], ("/d/taskItem/8".to_owned(), 43));
        assert_eq!(e[n - 1], ("/d/taskItem/9".to_owned(), 44));
        assert!(l.contains("/d/taskItem/599999") && !l.contains("/d/taskItem/600000"));
    }

    #[test]
    fn a_repeated_failure_is_said_once_a_minute_with_its_count() {
        let mut r = Repeats::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(r.should_say("no /factory", t0), Some(1));
        // Two failures taking turns, every 2 s: each said once, then once a minute.
        assert_eq!(r.should_say("connection lost", at(1)), Some(1));
        for s in 1..30 {
            assert_eq!(r.should_say("no /factory", at(s * 2)), None);
            assert_eq!(r.should_say("connection lost", at(s * 2 + 1)), None);
        }
        assert_eq!(r.should_say("no /factory", at(60)), Some(30), "its own count");
        assert_eq!(r.should_say("connection lost", at(61)), Some(30));
        assert_eq!(r.should_say("no /factory", at(62)), None);
        // Bounded: many messages keep at most a few.
        for i in 0..100 {
            assert_eq!(r.should_say(&format!("error {i}"), at(70)), Some(1));
        }
        assert!(r.seen.len() <= Repeats::KEPT);
    }
}

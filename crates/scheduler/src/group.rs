//! One thread group: a persistent-sequential server node that heartbeats, the domain leader's
//! duties when it has the smallest suffix (init items, expire dead servers, assign and hand
//! over through the model's algorithm), and the processor that selects and executes tasks for
//! the items it holds inside the run window.
//!
//! Heartbeat and processing run as separate tokio tasks, so a slow or hung deal can never stop
//! the heartbeat (Java's one Timer thread for both is pitfall P3), and a heartbeat error never
//! kills the group: it re-registers or retries on the next beat.

use futures::StreamExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeZone;
use tbdesk_model::distribution::{leader_pass, release, sort_items_by, ItemOwner, ItemWrite, JavaVersion, Plan};
use tbdesk_model::items::parse_item;
use tbdesk_model::names::{leader, sort_by_suffix, TaskTypeName};
use tbdesk_model::paths::{Root, ITEM_FIELDS};
use tbdesk_model::records::{Server, TaskType};
use tbdesk_store::batch::{op_bytes, whole_batches, Unit};
use tbdesk_store::Store;
use tokio::sync::watch;
use zookeeper_client as zk;

use crate::deal::{Deal, HeldItem, SelectRequest};
use crate::Error;
use tbdesk_model::window::Window;

/// Counters of one group, shown in the status line and the server blob.
#[derive(Debug, Default)]
pub struct Stats {
    /// `selectTasks` calls.
    pub fetch_count: AtomicU64,
    /// Rows fetched.
    pub fetch_num: AtomicU64,
    /// Rows executed successfully.
    pub success: AtomicU64,
    /// Rows failed.
    pub fail: AtomicU64,
    /// Time spent executing (ms).
    pub spend_ms: AtomicU64,
}

/// Shared state of a running group.
pub struct GroupState {
    /// The server node name (changes when the group re-registers).
    pub uuid: Mutex<String>,
    /// Items held after the last reload.
    pub held: Mutex<Vec<HeldItem>>,
    /// Counters.
    pub stats: Stats,
    /// Last fetch time (ZooKeeper clock, ms); 0 before the first.
    pub last_fetch: AtomicU64,
    /// The domain is initialised (taskItem names the current leader).
    pub initialised: AtomicBool,
    /// This group has seen the domain initialised once (Java's `isRuntimeInfoInitial`, never
    /// reset): from then on it creates no items while `taskItem` stands, even as the leader.
    /// Java creates them only in a server's start-up, when it leads; a running leader that
    /// re-created the items of its own (possibly older) definition would bring back items a
    /// re-init removed, or add items whose count Java peers never read. The one exception is a
    /// `taskItem` gone (or left unnamed) for a whole judge-dead interval: see `domain_duties`.
    pub started: AtomicBool,
    /// The pause message of the blob (window state).
    pub message: Mutex<String>,
    /// Items the domain has.
    pub item_total: AtomicU64,
    /// Heartbeats lost so far (failed, not landed in time, or the node expired by a peer),
    /// counted while `held` is locked and emptied: a round or a reload that began under
    /// another count holds nothing any more, and its workers stop before their next execute
    /// (Java's `clearMemoInfo`: peers may already have taken the items).
    pub lost: AtomicU64,
    /// When the last heartbeat landed, this machine's boot clock (ms): it runs on through a
    /// suspend, which the runtime's monotonic timers do not see, and no one sets it (a wall
    /// clock stepped back kept a lost heartbeat "fresh", and the workers executing, for as long
    /// as the step).
    pub last_beat_ms: std::sync::atomic::AtomicI64,
    /// The processor rests (no items, the window closed, sleeping after no data): as Java's
    /// heartbeat does for a paused or sleeping processor, the items are reloaded every beat,
    /// not only when the reload flag moves (a leader's pass cut before its flag was written
    /// still reaches an idle group).
    pub idle: AtomicBool,
    /// The group is stopping: workers end after the execute in hand.
    pub stopping: AtomicBool,
    /// Since when (ZooKeeper clock, ms) this group, leading a started domain, has seen its
    /// `taskItem` missing or unnamed; 0 while it is whole. See `domain_duties`.
    pub items_gone_since: std::sync::atomic::AtomicI64,
    /// When that was last seen (ZooKeeper clock, ms): a wait whose last sighting is older than
    /// two heartbeats starts again.
    pub items_gone_seen: std::sync::atomic::AtomicI64,
    /// The definition did not decode during this wait (said once).
    pub items_gone_undecodable: AtomicBool,
}

/// A thread group's fixed settings.
pub struct GroupSpec {
    /// Base task type.
    pub base: String,
    /// Domain (`base$ownSign`).
    pub task_type: String,
    /// The definition, read once at group creation (as Java does).
    pub def: TaskType,
    /// This machine.
    pub ip: String,
    /// This machine's name.
    pub host: String,
    /// The factory running the group.
    pub factory: String,
    /// Zone of the timestamps and crons.
    pub tz: chrono_tz::Tz,
    /// The runtime's event log.
    pub log: Arc<crate::EventLog>,
    /// The nodes this run created (so a stop removes exactly those).
    pub ledger: Arc<crate::Ledger>,
    /// When a group of this process last expired the domain's dead servers (ZooKeeper clock,
    /// ms), shared by all its groups in the domain: one expiry pass per heartbeat per process,
    /// not one per group (500 groups would otherwise make 250,000 stat calls a heartbeat and
    /// starve their own heartbeats).
    pub expiry_pass: Arc<std::sync::atomic::AtomicI64>,
    /// Said once in the log: the clock is not measured, so no server is expired.
    pub unmeasured_said: AtomicBool,
}

fn ts(tz: chrono_tz::Tz, ms: i64) -> String {
    tz.timestamp_millis_opt(ms).single().map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
}

/// Java's `String.hashCode`.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

fn uuid32() -> String {
    uuid::Uuid::new_v4().simple().to_string().to_uppercase()
}

/// A running group; dropping the handle does not stop it, [`Group::stop`] does.
pub struct Group {
    /// Shared state.
    pub state: Arc<GroupState>,
    stop: watch::Sender<bool>,
    /// The heartbeat's own stop: it beats until processing has ended (Java cancels the
    /// heartbeat timer only in `unRegisterScheduleServer`, after the last worker).
    stop_beat: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    spec: Arc<GroupSpec>,
}

impl Group {
    /// Registers the server node and starts heartbeat and processing.
    pub async fn start(store: Arc<Store>, spec: GroupSpec, deal: Deal) -> Result<Group, Error> {
        let spec = Arc::new(spec);
        let state = Arc::new(GroupState {
            uuid: Mutex::new(String::new()),
            held: Mutex::new(Vec::new()),
            stats: Stats::default(),
            last_fetch: AtomicU64::new(0),
            initialised: AtomicBool::new(false),
            started: AtomicBool::new(false),
            message: Mutex::new(String::new()),
            item_total: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            last_beat_ms: std::sync::atomic::AtomicI64::new(tbdesk_store::boot_ms()),
            idle: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            items_gone_since: std::sync::atomic::AtomicI64::new(0),
            items_gone_seen: std::sync::atomic::AtomicI64::new(0),
            items_gone_undecodable: AtomicBool::new(false),
        });
        let register_time = store.zk_now_ms();
        let uuid = register(&store, &spec).await?;
        if let Ok(mut u) = state.uuid.lock() {
            *u = uuid;
        }
        let (stop, stop_rx) = watch::channel(false);
        let (stop_beat, beat_rx) = watch::channel(false);
        let reload = Arc::new(AtomicBool::new(true));
        let hb =
            tokio::spawn(heartbeat(store.clone(), spec.clone(), state.clone(), register_time, reload.clone(), beat_rx));
        let du = tokio::spawn(duties(store.clone(), spec.clone(), state.clone(), reload.clone(), stop_rx.clone()));
        let pr = tokio::spawn(process(store.clone(), spec.clone(), state.clone(), deal, reload, stop_rx));
        Ok(Group { state, stop, stop_beat, tasks: vec![hb, du, pr], spec })
    }

    /// Whether a task of the group ended while it was not asked to stop (a panic): the group
    /// is dead and must be replaced.
    pub fn failed(&self) -> bool {
        !*self.stop.borrow() && self.tasks.iter().any(|t| t.is_finished())
    }

    /// The current server uuid.
    pub fn uuid(&self) -> String {
        self.state.uuid.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// Stops processing (the current batch finishes), then deletes the server node through
    /// `store` (the factory's current session: the group's own may have expired).
    pub async fn stop(self, store: &Store) {
        self.stop_as(store, true).await
    }

    /// [`Group::stop`]; `delete`: whether the server node is deleted (each call within
    /// [`crate::STOP_CALL`]). Without, it stays in the ledger: the launcher lists it for the
    /// next run, and peers expire it as they would a dead Java server's.
    pub async fn stop_as(mut self, store: &Store, delete: bool) {
        // Java's stopSchedule: the fetched rows are dropped (`taskList.clear()`), the workers
        // end after the execute in hand, and the heartbeat goes on meanwhile, so no peer takes
        // the items while they still run here.
        self.state.stopping.store(true, Ordering::SeqCst);
        let _ = self.stop.send(true);
        let uuid_before = self.uuid();
        // The tasks stay in `self.tasks` while they end: a stop itself cut off (the factory's
        // pass dropped at a shutdown) drops the group, whose `Drop` aborts them, heartbeat
        // included, rather than leaving them running detached.
        // The current batch may finish; a deal call that hangs is cut off (and aborted, so
        // nothing of this group runs after its server node is gone). One deadline for all
        // workers: a stop takes at most 10 s, not 10 s per worker. The first task is the
        // heartbeat, which beats until the workers have ended.
        let workers_by = tokio::time::Instant::now() + Duration::from_secs(10);
        for t in self.tasks.iter_mut().skip(1) {
            end_by(t, workers_by).await;
        }
        let _ = self.stop_beat.send(true);
        if let Some(b) = self.tasks.first_mut() {
            end_by(b, tokio::time::Instant::now() + Duration::from_secs(5)).await;
        }
        // ZooKeeper gone while the workers ended: the node stays in the ledger.
        if !delete || !crate::connected_within(store.client(), Duration::ZERO).await {
            return;
        }
        let uuid = self.state.uuid.lock().map(|u| u.clone()).unwrap_or(uuid_before);
        let path = store.root().server(&self.spec.base, &self.spec.task_type, &uuid);
        match tokio::time::timeout(crate::STOP_CALL, store.client().delete(&path, None)).await {
            Ok(Ok(()) | Err(zk::Error::NoNode)) => self.spec.ledger.forget(&path),
            Ok(Err(e)) => tracing::warn!(%path, error = %e, "could not delete the server node"),
            Err(_) => tracing::warn!(%path, "ZooKeeper did not answer the server node's delete in time"),
        }
    }
}

/// How long a group's ZooKeeper work in hand may still take once the group is stopped.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// `work`, unless the group is stopped first: then it gets [`STOP_GRACE`] more (a connected
/// ZooKeeper answers in milliseconds, so what it writes is not cut off half-done) and is
/// dropped after, since with ZooKeeper away it would wait for the session (up to a minute).
/// `None`: stopped.
async fn unless_stopped<T>(stop: &watch::Receiver<bool>, work: impl std::future::Future<Output = T>) -> Option<T> {
    let mut s = stop.clone();
    let stopped = async move {
        let _ = s.wait_for(|v| *v).await;
    };
    tokio::pin!(work);
    tokio::select! {
        r = &mut work => Some(r),
        () = stopped => {
            let _ = tokio::time::timeout(STOP_GRACE, &mut work).await;
            None
        }
    }
}

/// Waits for a task to end, aborting it at `deadline`.
async fn end_by(t: &mut tokio::task::JoinHandle<()>, deadline: tokio::time::Instant) {
    if tokio::time::timeout_at(deadline, &mut *t).await.is_err() {
        t.abort();
        let _ = t.await;
    }
}

impl Drop for Group {
    /// A group dropped without [`Group::stop`] (its factory died) dies at once, like the threads
    /// of a killed JVM: its tasks are aborted and its server node is left for peers to expire.
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Creates a directory as Java does (null data, Java's ACL) and records it when this run made it.
async fn ensure_dir(store: &Store, ledger: &crate::Ledger, path: &str) -> Result<(), Error> {
    // Most of the time it exists: one read instead of a second session's create.
    if store.client().check_stat(path).await.ok().flatten().is_some() {
        return Ok(());
    }
    // Noted before the request (see `surely_not_applied`).
    ledger.record_unknown(store, path);
    match store.create_null(path).await {
        Ok(true) => {
            ledger.record(store, path).await;
        }
        Ok(false) => ledger.forget(path),
        Err(e) => {
            unnote_if_not_made(ledger, [path], &e);
            return Err(e.into());
        }
    }
    Ok(())
}

/// After a failed create of `paths`: their notes go when the answer says nothing was made.
fn unnote_if_not_made<'a>(ledger: &crate::Ledger, paths: impl IntoIterator<Item = &'a str>, e: &tbdesk_store::Error) {
    if surely_not_applied(e) {
        paths.into_iter().for_each(|p| ledger.forget(p));
    }
}

/// Whether a failed create surely created nothing. Creates are noted in the ledger (unknown
/// czxid) before they are sent: ZooKeeper may apply one whose answer is lost, or whose request
/// a stop cut off mid-way, and a node in no ledger would be taken for another runtime's at the
/// clean-up and hold the domain for ever. An unknown entry counts as this run's only if the
/// node was created during the run. The note is dropped only when the answer says nothing was
/// made.
fn surely_not_applied(e: &tbdesk_store::Error) -> bool {
    use tbdesk_store::Error as E;
    matches!(
        e,
        E::NoNode { .. }
            | E::NoAuth { .. }
            | E::ReadOnly
            | E::RequestTooLarge { .. }
            | E::Zk {
                source: zk::Error::NodeExists | zk::Error::NoNode | zk::Error::NoAuth | zk::Error::InvalidAcl,
                ..
            }
    )
}

/// Registers a server node like Java's `registerScheduleServer`: the domain and `server`
/// directories when missing, then a persistent-sequential node with null data (the first
/// heartbeat writes the blob at once).
async fn register(store: &Store, spec: &GroupSpec) -> Result<String, Error> {
    use tbdesk_store::jute::{Mode, Op, OpResult};
    let root = store.root();
    ensure_dir(store, &spec.ledger, &root.domain(&spec.base, &spec.task_type)).await?;
    ensure_dir(store, &spec.ledger, &root.servers(&spec.base, &spec.task_type)).await?;
    let prefix = format!("{}/{}${}${}$", root.servers(&spec.base, &spec.task_type), spec.task_type, spec.ip, uuid32());
    let created =
        store.nulls().multi(&[Op::Create { path: &prefix, data: None, mode: Mode::PersistentSequential }]).await?;
    let Some(OpResult::Created(path)) = created.into_iter().next() else {
        return Err(Error::Invalid(format!("ZooKeeper did not return the path created for {prefix}")));
    };
    let name = path.rsplit('/').next().unwrap_or_default().to_owned();
    // Normally deleted by Group::stop; recorded so a stop while ZooKeeper is away names it.
    spec.ledger.record(store, &path).await;
    tracing::info!(server = %name, "thread group registered");
    Ok(name)
}

fn server_blob(
    spec: &GroupSpec,
    state: &GroupState,
    uuid: &str,
    register_time: i64,
    now: i64,
    version: i64,
    window: &Window,
) -> String {
    let tt = TaskTypeName::parse(&spec.task_type);
    let day: i64 = spec
        .tz
        .timestamp_millis_opt(register_time)
        .single()
        .map(|d| d.format("%y%m%d").to_string())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let s = &state.stats;
    let msg = state.message.lock().map(|m| m.clone()).unwrap_or_default();
    let last_fetch = state.last_fetch.load(Ordering::Relaxed) as i64;
    let (ns, ne) = window.describe(now);
    Server {
        uuid: Some(uuid.to_owned()),
        id: day.saturating_mul(100_000_000).saturating_add(i64::from(java_hash(&format!("{}${}", spec.ip, uuid)) % 100_000_000).abs()),
        task_type: Some(spec.task_type.clone()),
        base_task_type: Some(tt.base),
        own_sign: Some(tt.own_sign),
        ip: Some(spec.ip.clone()),
        host_name: Some(spec.host.clone()),
        thread_num: spec.def.thread_number,
        register_time: Some(ts(spec.tz, register_time)),
        heart_beat_time: Some(ts(spec.tz, now)),
        last_fetch_data_time: (last_fetch > 0).then(|| ts(spec.tz, last_fetch)),
        deal_info_desc: Some(format!(
            "{msg}:FetchDataCount={},FetchDataNum={},DealDataSucess={},DealDataFail={},DealSpendTime={},otherCompareCount=0",
            s.fetch_count.load(Ordering::Relaxed),
            s.fetch_num.load(Ordering::Relaxed),
            s.success.load(Ordering::Relaxed),
            s.fail.load(Ordering::Relaxed),
            s.spend_ms.load(Ordering::Relaxed)
        )),
        next_run_start_time: ns.map(|t| ts(spec.tz, t)),
        next_run_end_time: ne.map(|r| match r {
            Ok(t) => ts(spec.tz, t),
            Err(lit) => lit.to_owned(),
        }),
        center_server_time: None,
        version,
        is_register: version > 0,
        manager_factory_uuid: Some(spec.factory.clone()),
        extra: Vec::new(),
    }
    .encode()
}

/// A domain's items as read: each item's owners and parameter, and the data version of every
/// owner field read, which the writes of a plan made from them expect.
#[derive(Debug, Default)]
pub struct ItemsRead {
    /// Each item's owners and its parameter, in ZooKeeper's order.
    pub items: Vec<(ItemOwner, String)>,
    /// `cur_server` / `req_server` path → the data version read.
    pub versions: std::collections::HashMap<String, i32>,
}

/// Reads every item's owner fields of a domain (one batched read).
pub async fn read_items(store: &Store, base: &str, task_type: &str) -> Result<ItemsRead, Error> {
    let root = store.root();
    let top = root.task_items(base, task_type);
    let tree =
        tbdesk_store::reader::read_tree(store.client(), &top, store.read_mode(), |_| {}).await.map_err(Error::Store)?;
    Ok(items_in(root, &tree, base, task_type))
}

/// The items of a domain in `tree` (a read of its `taskItem`), as [`read_items`] answers them.
fn items_in(
    root: &tbdesk_model::paths::Root,
    tree: &tbdesk_model::snapshot::RawTree,
    base: &str,
    task_type: &str,
) -> ItemsRead {
    let top = root.task_items(base, task_type);
    let Some(node) = tree.get(&top) else { return ItemsRead::default() };
    let versions = node
        .children
        .iter()
        .flat_map(|id| ["cur_server", "req_server"].map(|f| root.task_item_field(base, task_type, id, f)))
        .filter_map(|p| tree.get(&p).map(|n| n.stat.version).map(|v| (p, v)))
        .collect();
    let text = |id: &str, f: &str| -> Option<String> {
        tree.get(&root.task_item_field(base, task_type, id, f))
            .filter(|n| !n.data.is_empty())
            .map(|n| tbdesk_model::gson::text(&n.data))
    };
    let items = node
        .children
        .iter()
        .map(|id| {
            (
                ItemOwner { id: id.clone(), cur_server: text(id, "cur_server"), req_server: text(id, "req_server") },
                text(id, "parameter").unwrap_or_default(),
            )
        })
        .collect();
    ItemsRead { items, versions }
}

/// Applies item writes exactly as Java's leader and holder write them: a value as its bytes,
/// "no server" as ZooKeeper **null** (never empty: a Java holder reads any non-null
/// `req_server` as a hand-over request, ARCHITECTURE.md "Null versus empty"). One multi, so a
/// hand-over (`cur_server := req`, `req_server := null`) is never seen half done. Each field is
/// written against the version `read` gives it (Java writes blindly): a field changed since the
/// read fails the multi with `BadVersion`, and the caller plans again from a new read, rather
/// than hand an item to a request that was replaced meanwhile.
pub async fn write_items(
    store: &Store,
    base: &str,
    task_type: &str,
    plan: &Plan,
    read: &std::collections::HashMap<String, i32>,
) -> Result<(), Error> {
    use tbdesk_store::jute::Op;
    let root = store.root();
    let mut paths: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    let field = |w: &ItemWrite, f: &str, v: &Option<String>| {
        (root.task_item_field(base, task_type, &w.id, f), tbdesk_model::distribution::zk_data(v))
    };
    // Ops per item write: a request boundary never falls between an item's two fields.
    let mut sizes: Vec<usize> = Vec::with_capacity(plan.writes.len() + 1);
    for w in &plan.writes {
        let before = paths.len();
        if let Some(v) = &w.cur_server {
            paths.push(field(w, "cur_server", v));
        }
        if let Some(v) = &w.req_server {
            paths.push(field(w, "req_server", v));
        }
        sizes.push(paths.len() - before);
    }
    if plan.bump_reload {
        paths.push((root.servers(base, task_type), Some(b"reload=true".to_vec())));
        sizes.push(1);
    }
    // `reload=true` on the servers directory is a signal, written blindly as Java does. A
    // field written twice (a dead owner cleared, then the item assigned) expects, the second
    // time, the version its first write makes (ZooKeeper adds one, in Java's int arithmetic).
    let mut expect: std::collections::HashMap<&str, i32> = read.iter().map(|(p, v)| (p.as_str(), *v)).collect();
    let ops: Vec<Op<'_>> = paths
        .iter()
        .map(|(p, d)| {
            let version = expect.get_mut(p.as_str()).map(|v| {
                let now = *v;
                *v = v.wrapping_add(1);
                now
            });
            match d {
                Some(d) => Op::Set { path: p, data: d, version },
                None => Op::SetNull { path: p, version },
            }
        })
        .collect();
    // Whole item writes per request. A failed request writes nothing of itself; the ones
    // before it stand, and the caller's next pass plans from a new read.
    let mut units = Vec::with_capacity(sizes.len());
    let mut at = 0usize;
    for n in sizes {
        let bytes = paths[at..at + n].iter().map(|(p, d)| op_bytes(p, d.as_ref().map_or(0, Vec::len))).sum();
        units.push(Unit { ops: n, bytes });
        at += n;
    }
    let mut start = 0usize;
    for batch in whole_batches(&units) {
        let n: usize = units[batch].iter().map(|u| u.ops).sum();
        if let Err(e) = store.nulls().multi(&ops[start..start + n]).await {
            // The requests before this one stand: their items reach their holders only by the
            // reload flag, which was to come last (Java always writes it after a pass that
            // changed anything). An idle holder reloads anyway; a busy one waits for it.
            if start > 0 && plan.bump_reload {
                let flag = root.servers(base, task_type);
                let bump = [Op::Set { path: &flag, data: b"reload=true", version: None }];
                if let Err(e) = store.nulls().multi(&bump).await {
                    tracing::warn!(error = %e, "the reload flag after a partial assignment was not written");
                }
            }
            return Err(e.into());
        }
        start += n;
    }
    Ok(())
}

/// Creates `taskItem` and the missing items of the definition as Java's
/// `createScheduleTaskItem` does: the item, `cur_server` and `req_server` null, `sts`
/// `ACTIVTE`, `parameter` and `deal_desc` as (possibly empty) strings; one multi per item.
async fn init_items(store: &Store, spec: &GroupSpec, task_items: &[String]) -> Result<(), Error> {
    use tbdesk_store::jute::{Mode, Op};
    let root = store.root();
    let c = store.client();
    let top = root.task_items(&spec.base, &spec.task_type);
    ensure_dir(store, &spec.ledger, &top).await?;
    let existing: std::collections::HashSet<String> =
        c.list_children(&top).await.map_err(|e| Error::zk(&top, e))?.into_iter().collect();
    for entry in task_items {
        let Ok(def) = parse_item(entry) else { continue };
        if existing.contains(&def.id) {
            continue;
        }
        // An id that is no node name (validation refuses it; a definition written by hand may
        // hold one) would fail every pass's init: skipped, and said.
        if let Some(why) = tbdesk_model::paths::node_name_problem(&def.id) {
            spec.log.push(format!("task item {:?} skipped: its id {why}", def.id));
            continue;
        }
        let item = root.task_item(&spec.base, &spec.task_type, &def.id);
        let fields: Vec<(String, Option<&[u8]>)> = ITEM_FIELDS
            .iter()
            .map(|f| (root.task_item_field(&spec.base, &spec.task_type, &def.id, f), init_value(f, &def.parameter)))
            .collect();
        let mut ops = vec![Op::Create { path: &item, data: None, mode: Mode::Persistent }];
        ops.extend(fields.iter().map(|(p, d)| Op::Create { path: p, data: *d, mode: Mode::Persistent }));
        // Noted before the request, every node of it (see `surely_not_applied`).
        let noted = || std::iter::once(item.as_str()).chain(fields.iter().map(|(p, _)| p.as_str()));
        noted().for_each(|p| spec.ledger.record_unknown(store, p));
        match store.nulls().multi(&ops).await {
            Ok(_) => {
                // One multi is one transaction: its nodes share the item's czxid.
                let czxid = spec.ledger.record(store, &item).await;
                for (p, _) in &fields {
                    spec.ledger.made(p, czxid);
                }
            }
            Err(e) => {
                unnote_if_not_made(&spec.ledger, noted(), &e);
                if !matches!(e, tbdesk_store::Error::Zk { source: zk::Error::NodeExists, .. }) {
                    return Err(e.into());
                }
            }
        }
    }
    Ok(())
}

/// The domain's `taskItem` subtree as it is (its path and nodes), and the definition's items
/// (id → parameter) as the task type lists them.
async fn items_and_definition(
    store: &Store,
    spec: &GroupSpec,
) -> Result<(String, tbdesk_model::snapshot::RawTree, std::collections::HashMap<String, String>), Error> {
    let top = store.root().task_items(&spec.base, &spec.task_type);
    let tree =
        tbdesk_store::reader::read_tree(store.client(), &top, store.read_mode(), |_| {}).await.map_err(Error::Store)?;
    let wanted =
        spec.def.task_items.iter().flatten().filter_map(|e| parse_item(e).ok()).map(|d| (d.id, d.parameter)).collect();
    Ok((top, tree, wanted))
}

/// One item's re-make: its id, the nodes to delete (fields first) at their versions, or its
/// parameter node to set (path, version, text).
type Remake = (String, Vec<(String, i32)>, Option<(String, i32, String)>);

/// A leader in start-up makes `taskItem` what the definition says, as Java's leader does
/// by deleting and re-creating it (`initialRunningInfo4Static`): items the definition no longer
/// has are deleted (each with its fields, at the versions read: one rewritten meanwhile stays),
/// and a parameter edited since is rewritten. Only while no live server but `me` holds or is
/// handed an item ([`remake_allowed`]), judged on the very read whose versions the deletes
/// expect: a server (Java's) taking an item after it makes that item's delete fail. Owners are
/// left to the leader's pass; missing items follow in [`init_items`].
async fn remake_items(store: &Store, spec: &GroupSpec, live: &[String], me: &str) -> Result<(), Error> {
    use tbdesk_store::jute::Op;
    let root = store.root();
    let (top, tree, wanted) = items_and_definition(store, spec).await?;
    let Some(node) = tree.get(&top) else { return Ok(()) };
    let owners: Vec<ItemOwner> =
        items_in(root, &tree, &spec.base, &spec.task_type).items.into_iter().map(|(i, _)| i).collect();
    if !remake_allowed(live, &owners, me) {
        return Ok(());
    }
    // A definition without a readable item keeps what is there (Java's re-make would leave
    // the domain without items; its leader then logs the error every heartbeat).
    if wanted.is_empty() {
        return Ok(());
    }
    // Each item's writes together (its fields' deletes and its own, or its parameter), in
    // multis cut by `tbdesk_store::batch` (one session each); a multi refused (something
    // changed meanwhile) is tried item by item, so one changed item keeps only itself.
    let paths: Vec<Remake> = node
        .children
        .iter()
        .filter_map(|id| {
            let item = root.task_item(&spec.base, &spec.task_type, id);
            match wanted.get(id) {
                None => {
                    let inode = tree.get(&item)?;
                    let mut deletes: Vec<(String, i32)> = inode
                        .children
                        .iter()
                        .map(|f| format!("{item}/{f}"))
                        .filter_map(|p| tree.get(&p).map(|n| (p, n.stat.version)))
                        .collect();
                    deletes.push((item, inode.stat.version));
                    Some((id.clone(), deletes, None))
                }
                Some(parameter) => {
                    let path = root.task_item_field(&spec.base, &spec.task_type, id, "parameter");
                    let pnode = tree.get(&path)?;
                    // As text (Java's platform charset may have written GBK): only an edit.
                    (tbdesk_model::gson::text(&pnode.data) != *parameter)
                        .then(|| (id.clone(), Vec::new(), Some((path, pnode.stat.version, parameter.clone()))))
                }
            }
        })
        .collect();
    fn ops_of(w: &Remake) -> Vec<Op<'_>> {
        let mut ops: Vec<Op<'_>> = w.1.iter().map(|(p, v)| Op::Delete { path: p, version: Some(*v) }).collect();
        if let Some((p, v, d)) = &w.2 {
            ops.push(Op::Set { path: p, data: d.as_bytes(), version: Some(*v) });
        }
        ops
    }
    let (mut removed, mut rewritten) = (Vec::new(), Vec::new());
    let mut done = |w: &Remake| {
        if w.2.is_some() {
            rewritten.push(w.0.clone());
        } else {
            removed.push(w.0.clone());
        }
    };
    let units: Vec<Unit> = paths
        .iter()
        .map(|w| Unit {
            ops: w.1.len() + usize::from(w.2.is_some()),
            bytes: w.1.iter().map(|(p, _)| op_bytes(p, 0)).sum::<usize>()
                + w.2.as_ref().map_or(0, |(p, _, d)| op_bytes(p, d.len())),
        })
        .collect();
    for batch in whole_batches(&units) {
        let batch = &paths[batch];
        let ops: Vec<Op<'_>> = batch.iter().flat_map(ops_of).collect();
        match store.nulls().multi(&ops).await {
            Ok(_) => {
                batch.iter().for_each(&mut done);
                continue;
            }
            // Something changed meanwhile: item by item below.
            Err(
                tbdesk_store::Error::NoNode { .. }
                | tbdesk_store::Error::Conflict { .. }
                | tbdesk_store::Error::Zk {
                    source: zk::Error::BadVersion | zk::Error::NotEmpty | zk::Error::NodeExists,
                    ..
                },
            ) => {}
            // ZooKeeper away or refusing: nothing more this pass.
            Err(e) => return Err(e.into()),
        }
        for w in batch {
            match store.nulls().multi(&ops_of(w)).await {
                Ok(_) => done(w),
                // Changed or grown meanwhile: left as it is, judged again at the next start.
                Err(e) => spec.log.push(format!("{}: item {} left as it is ({e})", spec.task_type, w.0)),
            }
        }
    }
    if !removed.is_empty() || !rewritten.is_empty() {
        let few = |v: &[String]| {
            let shown: Vec<&str> = v.iter().take(20).map(String::as_str).collect();
            if v.len() > shown.len() {
                format!("{} ({} in all)", shown.join(","), v.len())
            } else {
                shown.join(",")
            }
        };
        spec.log.push(format!(
            "{}: leading alone at start-up, made taskItem the definition's (as Java's leader does): removed [{}], parameter rewritten [{}]",
            spec.task_type,
            few(&removed),
            few(&rewritten)
        ));
    }
    Ok(())
}

/// What Java's `createScheduleTaskItem` writes into an item's field: owners null, `sts`
/// `ACTIVTE` (sic), the item's parameter, an empty `deal_desc`.
fn init_value<'a>(field: &str, parameter: &'a str) -> Option<&'a [u8]> {
    match field {
        "sts" => Some(b"ACTIVTE"),
        "parameter" => Some(parameter.as_bytes()),
        "deal_desc" => Some(b""),
        _ => None,
    }
}

/// Creates the fields missing under existing items, with the values Java's init gives them
/// (owners null, `sts` `ACTIVTE`, the definition's parameter, an empty `deal_desc`). Only
/// absent nodes are created; nothing present is touched.
async fn repair_items(store: &Store, spec: &GroupSpec) -> Result<(), Error> {
    use tbdesk_store::jute::{Mode, Op};
    let root = store.root();
    let (top, tree, params) = items_and_definition(store, spec).await?;
    let Some(node) = tree.get(&top) else { return Ok(()) };
    for id in &node.children {
        for f in ITEM_FIELDS {
            let path = root.task_item_field(&spec.base, &spec.task_type, id, f);
            if tree.contains_key(&path) {
                continue;
            }
            let data = init_value(f, params.get(id).map_or("", String::as_str));
            // Noted before the request (see `surely_not_applied`).
            spec.ledger.record_unknown(store, &path);
            match store.nulls().multi(&[Op::Create { path: &path, data, mode: Mode::Persistent }]).await {
                Ok(_) => {
                    spec.ledger.record(store, &path).await;
                    spec.log.push(format!("{}: created the missing {path}", spec.task_type));
                }
                Err(e) => {
                    unnote_if_not_made(&spec.ledger, [path.as_str()], &e);
                    // Made meanwhile, or the item itself went away: nothing to repair.
                    if !matches!(
                        e,
                        tbdesk_store::Error::Zk { source: zk::Error::NodeExists, .. }
                            | tbdesk_store::Error::NoNode { .. }
                    ) {
                        return Err(e.into());
                    }
                }
            }
        }
    }
    Ok(())
}

/// A started domain's `taskItem` as its leader finds it, and what to do about it. Whole: true.
/// Gone (the Java console's "clear": clearTaskType deletes every runtime domain node by node
/// under running runtimes, which then register again) or unnamed (a re-make or a Java leader's
/// init cut off half-way: Java names the leader in it last): a Java leader makes items only in
/// its start-up, so the domain would stay without items, every server idle, until a restart.
/// Here, once this group, leading, has seen it so for a whole judge-dead interval (the longest
/// of its definition's and the one now, each sighting within two heartbeats of the last: a
/// wait broken by a change of leader starts again), the clear has ended, a Java leader's
/// re-init would have finished, and every server that held an item has since heartbeated,
/// found its node gone and dropped its items; then the items are made again from the
/// definition read now (Java's init reads it afresh; "edit the items, then clear" is the
/// console's way to change them), and only while it is there: a deleted task type stays
/// deleted. Until then false: nothing is assigned.
async fn remake_cleared(store: &Store, spec: &GroupSpec, state: &GroupState, now: i64) -> Result<bool, Error> {
    let root = store.root();
    let c = store.client();
    let top = root.task_items(&spec.base, &spec.task_type);
    let whole = match c.get_data(&top).await {
        Ok((d, _)) => !d.is_empty(),
        Err(zk::Error::NoNode) => false,
        Err(e) => return Err(Error::zk(&top, e)),
    };
    if whole {
        state.items_gone_since.store(0, Ordering::Relaxed);
        return Ok(true);
    }
    // The wait counts only while this group leads and keeps seeing it so: a sighting older
    // than two heartbeats (it stopped leading meanwhile, or its passes failed) starts it again.
    let period = spec.def.heart_beat_rate.max(100);
    let seen = state.items_gone_seen.swap(now.max(1), Ordering::Relaxed);
    let since = state.items_gone_since.load(Ordering::Relaxed);
    if wait_restarts(since, seen, now, period) {
        state.items_gone_since.store(now.max(1), Ordering::Relaxed);
        spec.log.push(format!(
            "{}: taskItem is gone or unnamed (the task type cleared?); leading, its items are made again from the definition if it stays so for a judge-dead interval",
            spec.task_type
        ));
        return Ok(false);
    }
    let path = root.base_task_type(&spec.base);
    let def = match c.get_data(&path).await {
        Ok((d, _)) => match TaskType::decode(&d) {
            Ok(t) => t,
            // Said once, not every heartbeat, until the definition decodes again.
            Err(e) => {
                if !state.items_gone_undecodable.swap(true, Ordering::Relaxed) {
                    spec.log.push(format!("{}: the definition does not decode ({e}); no items made", spec.task_type));
                }
                return Ok(false);
            }
        },
        Err(zk::Error::NoNode) => return Ok(false),
        Err(e) => return Err(Error::zk(&path, e)),
    };
    state.items_gone_undecodable.store(false, Ordering::Relaxed);
    // Every old holder has heartbeated by then, found its node gone and dropped its items.
    if now.saturating_sub(since) < clear_wait_ms(&spec.def, &def) {
        return Ok(false);
    }
    init_items(store, spec, def.task_items.as_deref().unwrap_or_default()).await?;
    spec.log.push(format!("{}: leading, made the items again from the definition", spec.task_type));
    state.items_gone_since.store(0, Ordering::Relaxed);
    Ok(true)
}

/// Whether a leader in start-up may re-make the items from the definition: no live server but
/// `me` holds or is being handed an item (a group registered in the same instant holds none).
fn remake_allowed(live: &[String], items: &[ItemOwner], me: &str) -> bool {
    !items
        .iter()
        .any(|i| [&i.cur_server, &i.req_server].into_iter().flatten().any(|o| o != me && live.iter().any(|l| l == o)))
}

/// Whether the wait for a cleared domain starts anew at `now` (ms, ZooKeeper clock): never
/// begun (`since` 0), or its last sighting (`seen`) older than two heartbeats (`period`): the
/// group stopped leading meanwhile, or its passes failed.
fn wait_restarts(since: i64, seen: i64, now: i64, period: i64) -> bool {
    since == 0 || now.saturating_sub(seen) > period.saturating_mul(2)
}

/// How long a cleared domain's leader waits before it makes the items again: the longest
/// judge-dead of the definitions in play (the group's, read at its start, and `now_def`: peers
/// started since run that one), at least five heartbeats of `now_def` and a second (a hostile
/// interval, negative or zero, waits that long).
fn clear_wait_ms(own: &TaskType, now_def: &TaskType) -> i64 {
    own.judge_dead_interval
        .max(now_def.judge_dead_interval)
        .max(now_def.heart_beat_rate.max(100).saturating_mul(5))
        .max(1000)
}

/// How old the leader lets `taskItem` grow before rewriting it: a quarter of the task type's
/// `expireOwnSignInterval` (days, as Java reads it: `(long)(days * 24 * 3600 * 1000)`), at most
/// a minute, at least a second.
fn expire_refresh_ms(expire_days: f64) -> i64 {
    let expire_ms = expire_days * 86_400_000.0;
    // `as` saturates (and maps NaN to 0), like Java's cast.
    ((expire_ms / 4.0) as i64).clamp(1000, 60_000)
}

/// Stats of one expiry pass in flight at once.
const STAT_IN_FLIGHT: usize = 64;

/// One heartbeat's leader and expiry duties; returns whether this server leads.
async fn domain_duties(store: &Store, spec: &GroupSpec, state: &GroupState, me: &str) -> Result<bool, Error> {
    let root = store.root();
    let c = store.client();
    let dir = root.servers(&spec.base, &spec.task_type);
    let mut names = c.list_children(&dir).await.map_err(|e| Error::zk(&dir, e))?;
    let now = store.zk_now_ms();
    sort_by_suffix(&mut names);
    // Expire dead servers (mtime older than judge-dead), as every Java server does, but once
    // per heartbeat per process; and always by the group that would lead (it needs the live
    // list to assign items). The leader is the smallest suffix by value, as Java's `getLeader`
    // (`Long.parseLong`) has it: the first name in string order differs for a negative suffix
    // (a `server` cversion that wrapped) or a hand-made one, and `initialised` flapped.
    let lead = tbdesk_model::names::leader(names.iter().map(String::as_str)).map(str::to_owned);
    let would_lead = lead.as_deref() == Some(me);
    let period = spec.def.heart_beat_rate.max(100);
    let last = spec.expiry_pass.load(Ordering::Relaxed);
    let duty = now.saturating_sub(last) >= period
        && spec.expiry_pass.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok();
    if !would_lead && !duty {
        let top = root.task_items(&spec.base, &spec.task_type);
        let ok = match c.get_data(&top).await {
            Ok((d, _)) => lead.as_deref().is_some_and(|l| d == l.as_bytes()),
            Err(_) => false,
        };
        state.initialised.store(ok, Ordering::Relaxed);
        if ok {
            state.started.store(true, Ordering::Relaxed);
        }
        return Ok(false);
    }
    // Every server's stat at once (pipelined on the one session): one pass costs about one
    // round trip, not one per server; serial, 400 servers took longer than judge-dead.
    let stats: Vec<_> = futures::stream::iter(names.drain(..).map(|n| {
        let p = root.server(&spec.base, &spec.task_type, &n);
        async move {
            let st = c.check_stat(&p).await;
            (n, p, st)
        }
    }))
    .buffered(STAT_IN_FLIGHT)
    .collect()
    .await;
    // Without ZooKeeper's clock measured, "dead" would be judged by this machine's clock: one
    // running ahead by more than judge-dead would delete live peers' servers every heartbeat.
    // The store's "remove dead servers" refuses alike; Java peers still expire the dead.
    let clock = store.clock_measured();
    if !clock && !spec.unmeasured_said.swap(true, Ordering::Relaxed) {
        spec.log.push(format!(
            "{}: ZooKeeper's clock could not be measured; this process expires no server",
            spec.task_type
        ));
    }
    let mut live = Vec::new();
    for (n, p, st) in stats {
        match st {
            Ok(Some(st)) if clock && now.saturating_sub(st.mtime) > spec.def.judge_dead_interval && n != me => {
                match c.delete(&p, Some(st.version)).await {
                    Ok(()) => {
                        tracing::info!(server = %n, "expired a dead server");
                        spec.log.push(format!("expired dead server {n}"));
                    }
                    // Gone meanwhile: not live.
                    Err(zk::Error::NoNode) => {}
                    // Refused (BadVersion: it heartbeated after the stat) or not known: still
                    // there, so still a server of the domain, as Java re-lists after its try.
                    Err(_) => live.push(n),
                }
            }
            Ok(Some(_)) => live.push(n),
            // Gone.
            Ok(None) => {}
            // Not known this pass (a blip): still a server, as Java's expiry swallows the
            // error and keeps it listed. Judged dead, its items would be handed to another
            // server at once while it may still be executing a batch.
            Err(_) => live.push(n),
        }
    }
    sort_by_suffix(&mut live);
    let lead = leader(live.iter().map(String::as_str)).map(str::to_owned);
    let top = root.task_items(&spec.base, &spec.task_type);
    if lead.as_deref() == Some(me) {
        if !state.started.load(Ordering::Relaxed) {
            // Java's leader in start-up re-makes `taskItem` from the definition
            // (`initialRunningInfo4Static`): an item list edited since the domain last started
            // applies. Here only while no other live server holds or is handed an item: a
            // group that registered in the same instant (Java's or this process's next one)
            // holds none yet, so the edit applies then too.
            remake_items(store, spec, &live, me).await?;
            init_items(store, spec, spec.def.task_items.as_deref().unwrap_or_default()).await?;
        } else if !remake_cleared(store, spec, state, now).await? {
            // Waiting: the domain's items are not there to assign.
            state.initialised.store(false, Ordering::Relaxed);
            return Ok(true);
        }
        // Java's setInitialRunningInfoSucuss: taskItem names the leader, rewritten by Java on
        // every heartbeat. Its mtime is what keeps the domain alive: every Java group built
        // for this base task type deletes a domain whose taskItem is older than
        // expireOwnSignInterval. Here it is rewritten when it names someone else or is older
        // than a quarter of that (at most a minute), not every heartbeat, so watchers of the
        // root are not woken each second.
        let refresh = expire_refresh_ms(spec.def.expire_own_sign_interval);
        // Written against the version read: a leader (Java's, say) that wrote meanwhile is not
        // overwritten; this pass then ends and the next one judges again.
        match c.get_data(&top).await {
            Ok((d, st)) if d == me.as_bytes() && now.saturating_sub(st.mtime) < refresh => {}
            Ok((_, st)) => match c.set_data(&top, me.as_bytes(), Some(st.version)).await {
                Ok(_) => {}
                Err(zk::Error::BadVersion) => {
                    spec.log
                        .push(format!("{}: taskItem changed while leading; judged again next pass", spec.task_type));
                    return Ok(false);
                }
                Err(e) => return Err(Error::zk(&top, e)),
            },
            Err(e) => return Err(Error::zk(&top, e)),
        }
        let read = read_items(store, &spec.base, &spec.task_type).await?;
        let items: Vec<ItemOwner> = read.items.into_iter().map(|(i, _)| i).collect();
        let plan = leader_pass(&live, &items, 0, JavaVersion::V3_3);
        if !plan.writes.is_empty() {
            spec.log
                .push(format!("leader {me}: {} item write(s) (assignments and hand-over requests)", plan.writes.len()));
        }
        match write_items(store, &spec.base, &spec.task_type, &plan, &read.versions).await {
            // An item without its `cur_server` or `req_server` (a leader that died inside its
            // init, or removed by hand) fails the whole multi on every pass: no item would ever
            // be assigned. Its missing fields are created as Java's init creates them.
            Err(Error::Store(tbdesk_store::Error::NoNode { path })) if path.starts_with(&top) => {
                repair_items(store, spec).await?;
                write_items(store, &spec.base, &spec.task_type, &plan, &read.versions).await?;
            }
            // An owner field changed since the read (a holder handed over, a Java leader
            // wrote): nothing of that request was written; the next heartbeat plans again.
            Err(Error::Store(tbdesk_store::Error::Zk { source: zk::Error::BadVersion, .. })) => {
                spec.log.push(format!("{}: items changed while assigning; planned again next pass", spec.task_type));
            }
            r => r?,
        }
    }
    // Initialised when taskItem names the current leader (Java waits for this too).
    let ok = match c.get_data(&top).await {
        Ok((d, _)) => lead.as_deref().is_some_and(|l| d == l.as_bytes()),
        Err(_) => false,
    };
    state.initialised.store(ok, Ordering::Relaxed);
    if ok {
        state.started.store(true, Ordering::Relaxed);
    }
    Ok(lead.as_deref() == Some(me))
}

/// Rewrites the server node every `heartBeatRate` (Java's heartbeat), on its own timer: the
/// leader's and the expiry pass's work never delays it (run in one loop, a leader with 400
/// servers to stat missed its own judge-dead interval and was expired by a peer).
async fn heartbeat(
    store: Arc<Store>,
    spec: Arc<GroupSpec>,
    state: Arc<GroupState>,
    register_time: i64,
    reload: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
) {
    let period = Duration::from_millis(spec.def.heart_beat_rate.max(100) as u64);
    let mut version: i64 = 0;
    let mut window = Window::new(
        spec.def.permit_run_start_time.as_deref(),
        spec.def.permit_run_end_time.as_deref(),
        spec.tz,
        store.zk_now_ms(),
    );
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        let _ = window.is_open(store.zk_now_ms());
        let me = state.uuid.lock().map(|u| u.clone()).unwrap_or_default();
        let path = store.root().server(&spec.base, &spec.task_type, &me);
        let now = store.zk_now_ms();
        let blob = server_blob(&spec, &state, &me, register_time, now, version, &window);
        // A heartbeat that has not landed within two periods counts as failed: peers judge
        // this server dead judgeDeadInterval (≥ 5 periods) after its last landed beat, and by
        // then it must hold nothing (a write queued while ZooKeeper is away may wait far
        // longer). Two, not one, so a server slow under load is not taken for a lost one.
        let beat = tokio::time::timeout(
            period.saturating_mul(2).max(Duration::from_secs(1)),
            store.client().set_data(&path, blob.as_bytes(), None),
        );
        // The last beat of a stopping group is not waited for: the workers have ended, and
        // with ZooKeeper frozen the write would hold the stop for its two periods.
        let beat = tokio::select! {
            r = beat => r,
            _ = stop.changed() => return,
        };
        let beat = match beat {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(zk::Error::ConnectionLoss),
        };
        match beat {
            Ok(()) => {
                version += 1;
                state.last_beat_ms.store(tbdesk_store::boot_ms(), Ordering::SeqCst);
            }
            Err(zk::Error::NoNode) => {
                // Expired by a peer (we were silent too long) or deleted: forget the items and
                // the fetched rows (peers own them now), and come back under a new uuid, as
                // Java does (clearMemoInfo, then a new registration).
                tracing::warn!(server = %me, "server node gone; re-registering");
                spec.ledger.forget(&path);
                spec.log.push(format!("{me}: server node gone (expired by a peer?); re-registering, items dropped"));
                lose_items(&state);
                reload.store(true, Ordering::Relaxed);
                match register(&store, &spec).await {
                    Ok(n) => {
                        if let Ok(mut u) = state.uuid.lock() {
                            *u = n;
                        }
                        // The new node's data now, not a period later: Java writes it right
                        // after the create, and its console fails on a server node of null.
                        tick.reset_immediately();
                    }
                    Err(e) => tracing::warn!(error = %e, "re-register failed"),
                }
            }
            Err(e) => {
                // Java's refreshScheduleServerInfo: "clear every fetched row and the item list,
                // so a failing heartbeat does not lead to duplicate processing"; the items are
                // read again (reload) once ZooKeeper answers.
                tracing::warn!(error = %e, "heartbeat failed; items and fetched rows dropped");
                let had = lose_items(&state);
                reload.store(true, Ordering::Relaxed);
                if had > 0 {
                    spec.log.push(format!("{me}: heartbeat failed ({e}); {had} item(s) and the fetched rows dropped"));
                }
            }
        }
    }
}

/// The leader's and the expiry pass's work, and the reload check, once per `heartBeatRate`
/// after each round ends (as Java's timer does after the heartbeat).
async fn duties(
    store: Arc<Store>,
    spec: Arc<GroupSpec>,
    state: Arc<GroupState>,
    reload: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
) {
    let period = Duration::from_millis(spec.def.heart_beat_rate.max(100) as u64);
    let mut last_flag: i32 = -1;
    loop {
        let me = state.uuid.lock().map(|u| u.clone()).unwrap_or_default();
        let pass = async {
            if let Err(e) = domain_duties(&store, &spec, &state, &me).await {
                tracing::warn!(error = %e, "leader duties failed; retrying next beat");
            }
            let dir = store.root().servers(&spec.base, &spec.task_type);
            store.client().check_stat(&dir).await
        };
        match unless_stopped(&stop, pass).await {
            None => return,
            Some(Ok(Some(st))) if st.version != last_flag => {
                last_flag = st.version;
                reload.store(true, Ordering::Relaxed);
            }
            // Java's `refreshScheduleServerInfo`: a paused or sleeping processor reloads its
            // items at every beat, flag or not.
            Some(_) if state.idle.load(Ordering::Relaxed) => reload.store(true, Ordering::Relaxed),
            Some(_) => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Workers a group runs at most, whatever the definition's `threadNumber` says: a hostile or
/// mistyped 2147483647 would otherwise spawn a task per unit every round.
pub const MAX_THREADS: i64 = 256;

/// Why a NOTSLEEP round ended at a load.
#[derive(Debug, Clone, Copy)]
enum RoundEnd {
    /// The answer was empty: the window's no-data rule and `sleepTimeNoData` apply.
    NoData,
    /// The select failed (counted); the group waits as after no data.
    Failed,
    /// The items are to be reloaded: the round drains first.
    Reload,
    /// A stop, a lost or stale heartbeat, or the window's end.
    Cut,
}

/// Whether a NOTSLEEP round ends at its next load, and why.
fn round_end(state: &GroupState, spec: &GroupSpec, round: u64, open: bool, reload: &AtomicBool) -> Option<RoundEnd> {
    if !may_execute(state, spec, round) || !open {
        Some(RoundEnd::Cut)
    } else if reload.load(Ordering::Relaxed) {
        Some(RoundEnd::Reload)
    } else {
        None
    }
}

/// A NOTSLEEP round's shared queue (`taskList`), the rows its workers are executing
/// (`runningTaskList`, by value) and the rows of those a load saw executing
/// (`maybeRepeatTaskList`), each a count per value.
#[derive(Default)]
struct NotSleepQueue {
    rows: Mutex<NotSleepRows>,
    /// Held by the one worker loading; says why the round ended, once it has.
    load: tokio::sync::Mutex<Option<RoundEnd>>,
}

#[derive(Default)]
struct NotSleepRows {
    queue: std::collections::VecDeque<(String, serde_json::Value)>,
    running: std::collections::HashMap<String, usize>,
    maybe_repeat: std::collections::HashMap<String, usize>,
}

impl NotSleepQueue {
    fn rows(&self) -> std::sync::MutexGuard<'_, NotSleepRows> {
        self.rows.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_empty(&self) -> bool {
        self.rows().queue.is_empty()
    }

    /// Up to `n` rows from the front (`getScheduleTaskIdMulti`), each skipped once if a load
    /// saw it executing (`isDealing`); the rows taken count as running.
    fn take(&self, n: usize) -> Vec<(String, serde_json::Value)> {
        let mut r = self.rows();
        let mut out = Vec::new();
        while out.len() < n {
            let Some((k, v)) = r.queue.pop_front() else { break };
            if uncount(&mut r.maybe_repeat, &k) {
                continue;
            }
            out.push((k, v));
        }
        for (k, _) in &out {
            *r.running.entry(k.clone()).or_insert(0) += 1;
        }
        out
    }

    /// The rows executing now are those the next answer may repeat (`putLastRunningTaskList`).
    fn remember_running(&self) {
        let mut r = self.rows();
        r.maybe_repeat = r.running.clone();
    }

    fn push(&self, tasks: Vec<serde_json::Value>) {
        self.rows().queue.extend(tasks.into_iter().map(|t| (t.to_string(), t)));
    }

    /// Rows executed: no longer running.
    fn done(&self, keys: &[String]) {
        let mut r = self.rows();
        for k in keys {
            uncount(&mut r.running, k);
        }
    }
}

/// Takes one `k` off a count per value; whether there was one.
fn uncount(counts: &mut std::collections::HashMap<String, usize>, k: &str) -> bool {
    let Some(c) = counts.get_mut(k) else { return false };
    *c -= 1;
    if *c == 0 {
        counts.remove(k);
    }
    true
}

/// A select answered: `FetchDataCount`, `FetchDataNum` and `lastFetchDataTime`.
fn count_fetch(state: &GroupState, store: &Store, rows: usize) {
    state.stats.fetch_count.fetch_add(1, Ordering::Relaxed);
    state.stats.fetch_num.fetch_add(rows as u64, Ordering::Relaxed);
    state.last_fetch.store(store.zk_now_ms() as u64, Ordering::Relaxed);
}

/// A select failed: logged, in the event log, and counted as a failure.
fn select_failed(state: &GroupState, spec: &GroupSpec, me: &str, e: &impl std::fmt::Display) {
    tracing::warn!(error = %e, "selectTasks failed");
    spec.log.push(format!("{me}: selectTasks failed: {e}"));
    state.stats.fail.fetch_add(1, Ordering::Relaxed);
}

/// The group's workers: `threadNumber` up to [`MAX_THREADS`] (none below 1: `process` then
/// never selects).
fn workers_of(def: &TaskType) -> i64 {
    def.thread_number.clamp(0, MAX_THREADS)
}

/// The wait after a select that found nothing (or failed): `sleepTimeNoData`, and never less
/// than the 100 ms Java's processor sleeps before every select, so a definition with 0 does not
/// turn the group into a busy loop hammering the job program.
fn no_data_pause(def: &TaskType) -> Duration {
    Duration::from_millis(u64::try_from(def.sleep_time_no_data).unwrap_or(0).max(100))
}

/// `sleepTimeInterval`: the wait before each select (a negative value none).
fn interval_of(def: &TaskType) -> Duration {
    Duration::from_millis(u64::try_from(def.sleep_time_interval).unwrap_or(0))
}

async fn process(
    store: Arc<Store>,
    spec: Arc<GroupSpec>,
    state: Arc<GroupState>,
    deal: Deal,
    reload: Arc<AtomicBool>,
    stop: watch::Receiver<bool>,
) {
    let def = &spec.def;
    if def.thread_number > MAX_THREADS {
        spec.log.push(format!(
            "{}: threadNumber {} runs {MAX_THREADS} workers (tbdesk's cap)",
            spec.task_type, def.thread_number
        ));
    } else if def.thread_number < 1 {
        // As Java's processor, which starts no thread: the group registers and holds its items
        // but never selects. Unlike Java it still hands them over when a leader asks (idle).
        spec.log.push(format!(
            "{}: threadNumber {}: no workers, nothing is processed (as a Java group)",
            spec.task_type, def.thread_number
        ));
    }
    let own_sign = TaskTypeName::parse(&spec.task_type).own_sign;
    // Booted when the group first holds items, as Java's `computerStart` runs only then: a
    // start-only window that fired while the group held nothing does not run it now.
    let mut window: Option<Window> = None;
    // A SLEEP round's sleepTimeInterval is slept, and the select not yet made; forgotten when a
    // check then waits (window closed, no items, no beat), so the select after it waits its
    // interval again, as Java's resumed processor does.
    let mut rested = false;
    let pause = |d: Duration| {
        let mut s = stop.clone();
        async move {
            tokio::select! {
                _ = tokio::time::sleep(d) => false,
                _ = s.changed() => true,
            }
        }
    };
    loop {
        if *stop.borrow() {
            return;
        }
        if !state.initialised.load(Ordering::Relaxed) {
            set_message(&state, "waiting for the domain leader");
            rested = false;
            if pause(Duration::from_millis(200)).await {
                return;
            }
            continue;
        }
        let me = state.uuid.lock().map(|u| u.clone()).unwrap_or_default();
        if reload.swap(false, Ordering::Relaxed) {
            if reload_held(&store, &spec, &state, &reload, &stop).await {
                return;
            }
            // A reload to be done again (it failed, or a beat was lost meanwhile) waits a
            // little: a NOTSLEEP round ends at once on it, and would read the items again and
            // again without a pause.
            if reload.load(Ordering::Relaxed) && pause(Duration::from_millis(200)).await {
                return;
            }
        }
        let window = match &mut window {
            Some(w) => w,
            None => {
                if state.held.lock().map(|h| h.is_empty()).unwrap_or(true) {
                    set_message(&state, "no items");
                    state.idle.store(true, Ordering::Relaxed);
                    rested = false;
                    if pause(Duration::from_millis(200)).await {
                        return;
                    }
                    continue;
                }
                window.insert(Window::new(
                    def.permit_run_start_time.as_deref(),
                    def.permit_run_end_time.as_deref(),
                    spec.tz,
                    store.zk_now_ms(),
                ))
            }
        };
        // Outside the run window the group keeps its registration and its items (and still
        // hands them over on request), but fetches nothing.
        if !window.is_open(store.zk_now_ms()) {
            set_message(&state, "window closed");
            state.idle.store(true, Ordering::Relaxed);
            rested = false;
            if pause(Duration::from_millis(200)).await {
                return;
            }
            continue;
        }
        if !beat_fresh(&state, &spec) {
            set_message(&state, "waiting for a heartbeat to land");
            rested = false;
            if pause(Duration::from_millis(200)).await {
                return;
            }
            continue;
        }
        // The items and the loss count read together: a heartbeat lost from here on stops
        // this round's workers before their next execute.
        let (round, held) = {
            let h = state.held.lock().unwrap_or_else(|p| p.into_inner());
            (state.lost.load(Ordering::SeqCst), h.clone())
        };
        if held.is_empty() {
            set_message(&state, "no items");
            state.idle.store(true, Ordering::Relaxed);
            rested = false;
            if pause(Duration::from_millis(200)).await {
                return;
            }
            continue;
        }
        if def.thread_number < 1 {
            set_message(&state, &format!("threadNumber {}: no workers", def.thread_number));
            state.idle.store(true, Ordering::Relaxed);
            rested = false;
            if pause(Duration::from_millis(200)).await {
                return;
            }
            continue;
        }
        set_message(&state, "running");
        state.idle.store(false, Ordering::Relaxed);
        // The window's end cuts the round: what was fetched and not yet begun is dropped.
        let until = window.closes_at();
        let req = SelectRequest {
            task_parameter: def.task_parameter.clone(),
            own_sign: own_sign.clone(),
            task_item_num: state.item_total.load(Ordering::Relaxed) as usize,
            items: held,
            fetch_num: def.fetch_data_number.max(1) as usize,
            server: me.clone(),
        };
        if def.processor_type.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("NOTSLEEP")) {
            // NOTSLEEP (`TBScheduleProcessorNotSleep`): the workers share one queue. A worker
            // that finds it empty loads the next answer, one worker at a time and after
            // sleepTimeInterval, while the others go on executing; a row that was executing
            // when the answer was selected is skipped once (Java's maybeRepeatTaskList,
            // compared by value). The round ends, once every worker's execute is done, on an
            // empty or failed answer, a reload (Java lets the queue and the running tasks drain
            // before it reloads its items), a lost heartbeat, the window's end or a stop. Held
            // at once: the queue (one answer) and the rows executing (taken from the one before).
            let q = Arc::new(NotSleepQueue::default());
            // One request for all the workers (it carries every held item and its parameter).
            let req = Arc::new(req);
            let interval = interval_of(def);
            let batch = usize::try_from(def.execute_number.max(1)).unwrap_or(usize::MAX);
            let mut workers = AbortAll(Vec::new());
            for _ in 0..workers_of(def) {
                let (d, st, sign, me, req, q, store) =
                    (deal.clone(), state.clone(), own_sign.clone(), me.clone(), req.clone(), q.clone(), store.clone());
                let (sp, reload, stop) = (spec.clone(), reload.clone(), stop.clone());
                workers.0.push(tokio::spawn(async move {
                    let open = || until.is_none_or(|t| store.zk_now_ms() < t);
                    loop {
                        if !may_execute(&st, &sp, round) || !open() {
                            break;
                        }
                        let rows = q.take(batch);
                        if rows.is_empty() {
                            let mut end = q.load.lock().await;
                            if end.is_some() {
                                break;
                            }
                            if !q.is_empty() {
                                continue; // another worker loaded meanwhile
                            }
                            // Judged before and after the sleep: the workers queued on this
                            // lock then leave at once, none sleeping in turn.
                            if let Some(e) = round_end(&st, &sp, round, open(), &reload) {
                                *end = Some(e);
                                break;
                            }
                            // Cut short by a hand-over asked meanwhile (the round then ends,
                            // drains and releases), as Java's heartbeat releases a sleeping
                            // processor's items at once.
                            let until = tokio::time::Instant::now() + interval;
                            while !reload.load(Ordering::Relaxed) && nap(until, &stop).await == Nap::Slept {}
                            if let Some(e) = round_end(&st, &sp, round, open(), &reload) {
                                *end = Some(e);
                                break;
                            }
                            q.remember_running();
                            match d.select(&req).await {
                                Ok(tasks) => {
                                    count_fetch(&st, &store, tasks.len());
                                    if tasks.is_empty() {
                                        *end = Some(RoundEnd::NoData);
                                        break;
                                    }
                                    q.push(tasks);
                                }
                                Err(e) => {
                                    select_failed(&st, &sp, &me, &e);
                                    *end = Some(RoundEnd::Failed);
                                    break;
                                }
                            }
                            continue;
                        }
                        let (keys, values): (Vec<String>, Vec<serde_json::Value>) = rows.into_iter().unzip();
                        let t0 = std::time::Instant::now();
                        match d.execute(&values, &sign, &me).await {
                            Ok(true) => st.stats.success.fetch_add(values.len() as u64, Ordering::Relaxed),
                            _ => st.stats.fail.fetch_add(values.len() as u64, Ordering::Relaxed),
                        };
                        let spent = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
                        st.stats.spend_ms.fetch_add(spent, Ordering::Relaxed);
                        q.done(&keys);
                    }
                }));
            }
            for w in workers.0.iter_mut() {
                let _ = w.await;
            }
            let end = *q.load.lock().await;
            match end {
                Some(RoundEnd::NoData) => {
                    window.no_data(store.zk_now_ms());
                    if rest(no_data_pause(def), &store, &spec, &state, &reload, &stop).await {
                        return;
                    }
                }
                // Java's NOTSLEEP processor catches a failed select and loads again (after
                // sleepTimeInterval only; its no-data rule is not applied): here after the
                // no-data pause, so a failing job is not called in a busy loop.
                Some(RoundEnd::Failed) => {
                    if rest(no_data_pause(def), &store, &spec, &state, &reload, &stop).await {
                        return;
                    }
                }
                Some(RoundEnd::Reload | RoundEnd::Cut) | None => {}
            }
            continue;
        }
        // Java's SLEEP processor sleeps sleepTimeInterval before every select, the first
        // too, and reads its items after it: so the checks above run again after the sleep.
        if !rested && !interval_of(def).is_zero() {
            rested = true;
            if rest(interval_of(def), &store, &spec, &state, &reload, &stop).await {
                return;
            }
            continue;
        }
        rested = false;
        let tasks = match deal.select(&req).await {
            Ok(t) => t,
            Err(e) => {
                select_failed(&state, &spec, &me, &e);
                // Java's processors catch a failed select and load nothing: no data, whose
                // rule (a start-only window pauses until its next start) applies.
                window.no_data(store.zk_now_ms());
                if rest(no_data_pause(def), &store, &spec, &state, &reload, &stop).await {
                    return;
                }
                continue;
            }
        };
        count_fetch(&state, &store, tasks.len());
        if tasks.is_empty() {
            window.no_data(store.zk_now_ms());
            // Java's SLEEP processor sleeps sleepTimeNoData (then, before its next select,
            // sleepTimeInterval, as before every select).
            if rest(no_data_pause(def), &store, &spec, &state, &reload, &stop).await {
                return;
            }
            continue;
        }
        let t0 = std::time::Instant::now();
        let batch = def.execute_number.max(1) as usize;
        // Moved into the chunks, not copied: an answer can be large. Taken from the front, in
        // the answer's order, as Java's workers take `taskList.remove(0)`.
        let mut chunks: std::collections::VecDeque<Vec<serde_json::Value>> = Default::default();
        let mut rest = tasks.into_iter().peekable();
        while rest.peek().is_some() {
            chunks.push_back(rest.by_ref().take(batch).collect());
        }
        let queue = Arc::new(Mutex::new(chunks));
        let mut workers = AbortAll(Vec::new());
        for _ in 0..workers_of(def) {
            let (q, d, st, sign, me) = (queue.clone(), deal.clone(), state.clone(), own_sign.clone(), me.clone());
            let (sp, store) = (spec.clone(), store.clone());
            workers.0.push(tokio::spawn(async move {
                loop {
                    if !may_execute(&st, &sp, round) || until.is_some_and(|t| store.zk_now_ms() >= t) {
                        if let Ok(mut q) = q.lock() {
                            q.clear();
                        }
                        break;
                    }
                    let Some(chunk) = q.lock().ok().and_then(|mut q| q.pop_front()) else { break };
                    match d.execute(&chunk, &sign, &me).await {
                        Ok(true) => st.stats.success.fetch_add(chunk.len() as u64, Ordering::Relaxed),
                        _ => st.stats.fail.fetch_add(chunk.len() as u64, Ordering::Relaxed),
                    };
                }
            }));
        }
        for w in workers.0.iter_mut() {
            let _ = w.await;
        }
        state.stats.spend_ms.fetch_add(u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX), Ordering::Relaxed);
        // The 100 ms Java's SLEEP processor sleeps before it loads again (sleepTimeInterval
        // follows, before the select).
        if pause(Duration::from_millis(100)).await {
            return;
        }
    }
}

/// The items hand-over and reload (Java's `getCurrentScheduleTaskItemListNow`): releases
/// what was requested of this group, then holds what is its own, in Java's order. Answers true
/// when stopped meanwhile.
async fn reload_held(
    store: &Store,
    spec: &GroupSpec,
    state: &GroupState,
    reload: &AtomicBool,
    stop: &watch::Receiver<bool>,
) -> bool {
    // Read now, not when the caller's pass began: the heartbeat may have registered the group
    // again under a new uuid meanwhile (its node was gone), and items still listed under the
    // old one are no longer this group's.
    let me = state.uuid.lock().map(|u| u.clone()).unwrap_or_default();
    let me = me.as_str();
    // Called with no row executing (a SLEEP round is over, a NOTSLEEP round drained) or
    // while the group sleeps. Items read while a heartbeat was lost are not kept (the loss
    // emptied them; they are read again once a beat lands).
    let lost_before = state.lost.load(Ordering::SeqCst);
    let Some(read) = unless_stopped(stop, read_items(store, &spec.base, &spec.task_type)).await else {
        return true;
    };
    match read {
        Ok(ItemsRead { items, versions }) => {
            let owners: Vec<ItemOwner> = items.iter().map(|(i, _)| i.clone()).collect();
            let plan = release(me, &owners);
            let write = write_items(store, &spec.base, &spec.task_type, &plan, &versions);
            match unless_stopped(stop, write).await {
                None => return true,
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    // Nothing was written (one multi); the items handed over are not
                    // run here, and the next pass reads and releases again.
                    tracing::warn!(error = %e, "release failed");
                    reload.store(true, Ordering::Relaxed);
                }
            }
            // In Java's order (`reloadDealTaskItem` sorts every item, numbers by value,
            // then keeps its own): the job sees [0, 1, 2, ..., 10], never ZooKeeper's
            // child order [0, 10, 1, ...].
            let mut after = plan.apply(&owners);
            sort_items_by(&mut after, |o| o.id.as_str(), JavaVersion::V3_3);
            // By id, so thousands of items cost a lookup each, not a scan each.
            let params: std::collections::HashMap<&str, &String> =
                items.iter().map(|(o, p)| (o.id.as_str(), p)).collect();
            let held: Vec<HeldItem> = after
                .iter()
                .filter(|i| i.cur_server.as_deref() == Some(me))
                .map(|i| HeldItem {
                    id: i.id.clone(),
                    parameter: params.get(i.id.as_str()).map(|p| (*p).clone()).unwrap_or_default(),
                })
                .collect();
            // Java reads the domain's item count once, when the group first holds
            // items (`taskItemCount`, before `computerStart`), and hands that number
            // to every select of the group's life.
            if !held.is_empty() && state.item_total.load(Ordering::Relaxed) == 0 {
                state.item_total.store(owners.len() as u64, Ordering::Relaxed);
            }
            // Judged under the lock the heartbeat empties `held` under.
            let mut h = state.held.lock().unwrap_or_else(|p| p.into_inner());
            if state.lost.load(Ordering::SeqCst) == lost_before {
                *h = held;
            } else {
                reload.store(true, Ordering::Relaxed);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "reload failed");
            reload.store(true, Ordering::Relaxed);
        }
    }
    false
}

/// A pause of `d` (sleepTimeNoData, sleepTimeInterval) during which a hand-over asked of this
/// group still happens: Java's heartbeat releases the items of a processor that is sleeping
/// (`isSleeping`) at once, so a requester never waits out a long sleep for its items. Answers
/// true when stopped.
async fn rest(
    d: Duration,
    store: &Store,
    spec: &GroupSpec,
    state: &GroupState,
    reload: &AtomicBool,
    stop: &watch::Receiver<bool>,
) -> bool {
    let until = tokio::time::Instant::now() + d;
    state.idle.store(true, Ordering::Relaxed);
    loop {
        match nap(until, stop).await {
            Nap::Over => return false,
            Nap::Stopped => return true,
            Nap::Slept => {}
        }
        if *stop.borrow() {
            return true;
        }
        if reload.swap(false, Ordering::Relaxed) && reload_held(store, spec, state, reload, stop).await {
            return true;
        }
    }
}

/// What one [`nap`] ended on.
#[derive(Debug, PartialEq, Eq)]
enum Nap {
    /// `until` had come: nothing was slept.
    Over,
    /// A stop came.
    Stopped,
    /// A slice (at most 200 ms) was slept; `until` may not have come yet.
    Slept,
}

/// One slice of a sleep until `until`, at most 200 ms, broken by a stop: the long sleeps
/// ([`rest`], a NOTSLEEP loader's interval) look between slices for a hand-over asked meanwhile.
async fn nap(until: tokio::time::Instant, stop: &watch::Receiver<bool>) -> Nap {
    let now = tokio::time::Instant::now();
    if now >= until {
        return Nap::Over;
    }
    let mut s = stop.clone();
    tokio::select! {
        _ = tokio::time::sleep((until - now).min(Duration::from_millis(200))) => Nap::Slept,
        _ = s.changed() => Nap::Stopped,
    }
}

/// A heartbeat was lost: empties the held items and counts the loss under one lock (see
/// [`GroupState::lost`]); returns how many items were held.
fn lose_items(state: &GroupState) -> usize {
    let mut h = state.held.lock().unwrap_or_else(|p| p.into_inner());
    state.lost.fetch_add(1, Ordering::SeqCst);
    std::mem::take(&mut *h).len()
}

/// Whether the last heartbeat landed recently enough (three periods, at least three seconds,
/// by the wall clock) for this server to still own its items: peers judge it dead after
/// judgeDeadInterval (≥ 5 periods). After a suspend the wall clock has moved on and this is
/// false at once, before the heartbeat has even noticed.
fn beat_fresh(state: &GroupState, spec: &GroupSpec) -> bool {
    let hb = spec.def.heart_beat_rate.max(1);
    // Three beats (a second at least), and never as long as peers wait before calling this
    // group dead and taking its items (judgeDead, less a beat).
    let limit = hb.max(1000).saturating_mul(3).min(spec.def.judge_dead_interval.saturating_sub(hb).max(hb));
    tbdesk_store::boot_ms().saturating_sub(state.last_beat_ms.load(Ordering::SeqCst)) <= limit
}

/// Whether a worker of the round begun at heartbeat-loss count `round` may run its next
/// execute: nothing lost since, the group not stopping, the last beat fresh.
fn may_execute(state: &GroupState, spec: &GroupSpec, round: u64) -> bool {
    !state.stopping.load(Ordering::SeqCst) && state.lost.load(Ordering::SeqCst) == round && beat_fresh(state, spec)
}

/// Worker tasks of one round: aborted with the round (a stopping group aborts its processing
/// task; its workers must not go on executing tasks of items that are no longer its own).
struct AbortAll<T>(Vec<tokio::task::JoinHandle<T>>);

impl<T> Drop for AbortAll<T> {
    fn drop(&mut self) {
        for w in &self.0 {
            w.abort();
        }
    }
}

fn set_message(state: &GroupState, m: &str) {
    if let Ok(mut msg) = state.message.lock() {
        if msg.as_str() != m {
            *msg = m.to_owned();
        }
    }
}

/// Paths a group's domain uses, for tests and clean-up.
pub fn domain_path(root: &Root, base: &str, task_type: &str) -> String {
    root.domain(base, task_type)
}

#[cfg(test)]
mod clear_tests {
    use super::{clear_wait_ms, remake_allowed, wait_restarts, ItemOwner};
    use tbdesk_model::records::TaskType;

    #[test]
    fn a_starting_leader_remakes_unless_another_live_server_holds_an_item() {
        let live: Vec<String> = ["me", "new"].iter().map(|s| s.to_string()).collect();
        let item = |cur: Option<&str>, req: Option<&str>| ItemOwner {
            id: "0".into(),
            cur_server: cur.map(Into::into),
            req_server: req.map(Into::into),
        };
        // Owned by a dead server, by none, by the leader itself: the new one holds nothing.
        assert!(remake_allowed(&live, &[item(Some("dead"), None), item(None, None), item(Some("me"), None)], "me"));
        assert!(!remake_allowed(&live, &[item(Some("dead"), None), item(Some("new"), None)], "me"));
        assert!(!remake_allowed(&live, &[item(Some("dead"), Some("new"))], "me"));
        assert!(remake_allowed(&live[..1], &[item(Some("new"), None)], "me"));
    }

    #[test]
    fn a_wait_broken_by_a_change_of_leader_starts_again() {
        // Never begun.
        assert!(wait_restarts(0, 0, 50_000, 2_000));
        // Seen at every pass (2 s apart): it goes on.
        assert!(!wait_restarts(40_000, 48_000, 50_000, 2_000));
        // Led, lost the lead, leads again 30 s later: the old start is not kept.
        assert!(wait_restarts(10_000, 12_000, 42_000, 2_000));
        // Extreme numbers saturate instead of wrapping (a wrap would flip the first answer).
        assert!(wait_restarts(1, i64::MIN, i64::MAX, i64::MAX / 4));
        assert!(!wait_restarts(1, i64::MAX, i64::MIN, 2_000));
    }

    #[test]
    fn the_wait_is_the_longest_judge_dead_in_play() {
        let def = |judge: i64, beat: i64| TaskType {
            judge_dead_interval: judge,
            heart_beat_rate: beat,
            ..TaskType::default()
        };
        assert_eq!(clear_wait_ms(&def(10_000, 2_000), &def(10_000, 2_000)), 10_000);
        // Edited since the group started: the longer one, and five of its heartbeats.
        assert_eq!(clear_wait_ms(&def(10_000, 2_000), &def(30_000, 2_000)), 30_000);
        assert_eq!(clear_wait_ms(&def(10_000, 2_000), &def(10_000, 8_000)), 40_000);
        // Hostile: negative or zero waits a second; huge saturates.
        assert_eq!(clear_wait_ms(&def(-5, -5), &def(0, 0)), 1_000);
        assert_eq!(clear_wait_ms(&def(0, 0), &def(0, i64::MAX)), i64::MAX);
    }
}

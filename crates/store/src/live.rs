//! A root followed live: every node change becomes a re-read of just that node, and a new
//! [`Snapshot`] is published after each batch of events; nothing re-reads the whole root except
//! a re-sync. On ZooKeeper ≥ 3.6 the changes come from one persistent recursive watch on the
//! root; on 3.4 and 3.5 (no `addWatch`) from a data watch and a child watch on every node,
//! re-armed by the re-read each event causes (see [`crate::server`]).
//!
//! Events during a connection loss can be lost (ZOOKEEPER-4698), so after `Disconnected` →
//! `SyncConnected` the whole root is re-read; after session expiry a new session is opened
//! (retrying with backoff) and the root re-read. Each step is reported in [`LiveStatus`].

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, FuturesUnordered, StreamExt};
use futures::FutureExt;
use tbdesk_model::snapshot::{Changed, Folder, RawNode, RawTree, Snapshot};
use tokio::sync::watch;
use zookeeper_client as zk;

use crate::reader::{read_tree, stat_of};
use crate::server::WatchMode;
use crate::{ConnectOptions, Error, Store};

pub use tbdesk_model::wire::LiveStatus;

/// One published state.
#[derive(Debug, Clone)]
pub struct LiveState {
    /// The latest snapshot.
    pub snapshot: Arc<Snapshot>,
    /// Connection state.
    pub status: LiveStatus,
    /// Increases with every publication.
    pub generation: u64,
    /// Node events applied since the start.
    pub events: u64,
}

/// A followed root. Dropping it stops the follower task.
pub struct Live {
    rx: watch::Receiver<LiveState>,
    task: tokio::task::JoinHandle<()>,
    features: crate::server::Features,
    configs: tokio::sync::broadcast::Sender<ConfigChange>,
}

/// A configuration node (a task type definition or a strategy) that changed, as the follower
/// saw it: its bytes and version before and after. Whoever made it: the api's journal tells
/// tbdesk's own writes from others'.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChange {
    /// The node.
    pub path: String,
    /// Before (absent: created).
    pub before: tbdesk_model::journal::NodeState,
    /// After (absent: deleted).
    pub after: tbdesk_model::journal::NodeState,
    /// Found by a re-read after a reconnect: it happened while the follower could not see.
    pub resync: bool,
    /// When the follower saw it (a reader behind by many changes judges each from then).
    pub seen: tokio::time::Instant,
}

/// Changes kept for a slow reader of [`Live::config_changes`]; past them it is told it lagged.
const CONFIG_CHANGES: usize = 1024;

/// The total deadline of one re-read of the root after a lost session or a lost change (the
/// same as the app gives the first read).
const RESYNC_LIMIT: Duration = Duration::from_secs(120);

/// The follower's copy of every configuration node's bytes, to say what each change replaced.
struct Configs(std::collections::BTreeMap<String, tbdesk_model::journal::NodeState>);

impl Configs {
    fn state(tree: &RawTree, path: &str) -> tbdesk_model::journal::NodeState {
        match tree.get(path) {
            Some(n) if n.unreadable.is_none() => {
                tbdesk_model::journal::NodeState { data: Some(n.data.clone()), version: Some(n.stat.version) }
            }
            _ => tbdesk_model::journal::NodeState::absent(),
        }
    }

    fn paths(root: &tbdesk_model::paths::Root, tree: &RawTree) -> Vec<String> {
        let mut out = Vec::new();
        for (dir, path) in [(root.base_task_types(), root.base_task_type("")), (root.strategies(), root.strategy(""))] {
            if let Some(n) = tree.get(&dir) {
                out.extend(n.children.iter().map(|c| format!("{path}{c}")));
            }
        }
        out
    }

    fn new(root: &tbdesk_model::paths::Root, tree: &RawTree) -> Self {
        Configs(Self::paths(root, tree).into_iter().map(|p| (p.clone(), Self::state(tree, &p))).collect())
    }

    /// The configuration nodes `changed` names (all of them after a re-read) whose bytes or
    /// version differ from the copy; the copy is brought up to date.
    fn diff(&mut self, root: &tbdesk_model::paths::Root, tree: &RawTree, changed: &Changed) -> Vec<ConfigChange> {
        let mut paths: std::collections::BTreeSet<String> = if changed.all {
            let mut p: std::collections::BTreeSet<String> = self.0.keys().cloned().collect();
            p.extend(Self::paths(root, tree));
            p
        } else {
            changed
                .task_types
                .iter()
                .map(|n| root.base_task_type(n))
                .chain(changed.strategies.iter().map(|n| root.strategy(n)))
                .collect()
        };
        let mut out = Vec::new();
        for path in std::mem::take(&mut paths) {
            let after = Self::state(tree, &path);
            let before = self.0.get(&path).cloned().unwrap_or_else(tbdesk_model::journal::NodeState::absent);
            if before != after {
                out.push(ConfigChange {
                    path: path.clone(),
                    before,
                    after: after.clone(),
                    resync: changed.all,
                    seen: tokio::time::Instant::now(),
                });
            }
            if after.version.is_some() {
                self.0.insert(path, after);
            } else {
                self.0.remove(&path);
            }
        }
        out
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Live {
    /// Connects, reads the root and starts following it.
    pub async fn follow(opts: ConnectOptions) -> Result<Live, Error> {
        Self::follow_with_progress(opts, |_| {}).await
    }

    /// Like [`Live::follow`], reporting the first read's progress (for a progress bar).
    pub async fn follow_with_progress(
        opts: ConnectOptions,
        progress: impl FnMut(crate::reader::Progress),
    ) -> Result<Live, Error> {
        let store = Store::connect(&opts).await?;
        let (watcher, tree) = start_with(&store, progress).await?;
        let mut folder = Folder::in_zone(store.root.clone(), store.opts.tz);
        let snapshot = Arc::new(folder.fold(&tree, store.zk_now_ms(), &Changed::everything()));
        let (tx, rx) = watch::channel(LiveState { snapshot, status: LiveStatus::Live, generation: 0, events: 0 });
        let features = store.features;
        let (configs, _) = tokio::sync::broadcast::channel(CONFIG_CHANGES);
        let task = tokio::spawn(supervise(opts, store, watcher, tree, folder, tx, configs.clone()));
        Ok(Live { rx, task, features, configs })
    }

    /// Every configuration node change the follower sees from now on (bounded: a reader that
    /// falls [`CONFIG_CHANGES`] behind is told it lagged).
    pub fn config_changes(&self) -> tokio::sync::broadcast::Receiver<ConfigChange> {
        self.configs.subscribe()
    }

    /// A receiver of every new state.
    pub fn subscribe(&self) -> watch::Receiver<LiveState> {
        self.rx.clone()
    }

    /// What the followed server speaks (version, reader, watches), as found when following began.
    pub fn features(&self) -> crate::server::Features {
        self.features
    }

    /// The current state.
    pub fn current(&self) -> LiveState {
        self.rx.borrow().clone()
    }
}

/// What a followed root's watches report: a node changed, or the session's state did.
enum Change {
    Node(zk::WatchedEvent),
    Session(zk::SessionState),
}

impl Change {
    fn of(ev: zk::WatchedEvent) -> Change {
        if ev.event_type == zk::EventType::Session {
            Change::Session(ev.session_state)
        } else {
            Change::Node(ev)
        }
    }

    /// Expired, closed or refused: the session is over (nothing may be polled after it).
    fn is_terminal(&self) -> bool {
        matches!(self, Change::Session(s) if !matches!(
            s,
            zk::SessionState::Disconnected | zk::SessionState::SyncConnected | zk::SessionState::ConnectedReadOnly
        ))
    }
}

type Fired = futures::future::BoxFuture<'static, zk::WatchedEvent>;

/// Where a followed root's changes come from.
enum Watches {
    /// ZooKeeper ≥ 3.6: one persistent recursive watch (it reports session states too).
    Persistent(zk::PersistentWatcher),
    /// 3.4 / 3.5: the armed one-shot watches (each fires once; a re-read arms it again) and the
    /// session's state. The server re-registers them after a reconnect and reports what changed
    /// meanwhile (ZooKeeper's watch reset), and tbdesk re-reads the root after a reconnect anyway.
    OneShot { armed: FuturesUnordered<Fired>, state: zk::StateWatcher },
}

impl Watches {
    async fn changed(&mut self) -> Change {
        match self {
            Watches::Persistent(w) => Change::of(w.changed().await),
            Watches::OneShot { armed, state } => {
                tokio::select! {
                    Some(ev) = armed.next(), if !armed.is_empty() => Change::of(ev),
                    s = state.changed() => Change::Session(s),
                }
            }
        }
    }

    fn arm(&mut self, fired: impl IntoIterator<Item = Fired>) {
        if let Watches::OneShot { armed, .. } = self {
            armed.extend(fired);
        }
    }
}

async fn start(store: &Store) -> Result<(Watches, RawTree), Error> {
    start_with(store, |_| {}).await
}

async fn start_with(store: &Store, progress: impl FnMut(crate::reader::Progress)) -> Result<(Watches, RawTree), Error> {
    let root = store.root.as_str();
    match store.features.watch {
        WatchMode::Persistent => {
            // Watch first, then read: a change between the two is seen twice, never missed.
            let watcher = store
                .client
                .watch(root, zk::AddWatchMode::PersistentRecursive)
                .await
                .map_err(|e| Error::at(root, e))?;
            let tree = read_tree(&store.client, root, store.mode, progress).await?;
            Ok((Watches::Persistent(watcher), tree))
        }
        WatchMode::OneShot => {
            // Each read arms its node's watches: a change after the read fires, never missed.
            let state = store.client.state_watcher();
            let mut watches = Watches::OneShot { armed: FuturesUnordered::new(), state };
            let tree = read_watching(&store.client, root, &mut watches, progress).await?;
            if !tree.contains_key(root) {
                arm_exists(store, &mut watches, root).await?;
            }
            Ok((watches, tree))
        }
    }
}

fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// One node read with its data and child watches armed; `None` when it is gone. A node this
/// session may not read is kept as unreadable, unwatched.
type NodeRead<'a> = futures::future::BoxFuture<'a, Result<(Option<RawNode>, Vec<Fired>), Error>>;

fn read_node_watching<'a>(client: &'a zk::Client, path: &'a str) -> NodeRead<'a> {
    Box::pin(read_node_watching_inner(client, path))
}

async fn read_node_watching_inner(client: &zk::Client, path: &str) -> Result<(Option<RawNode>, Vec<Fired>), Error> {
    let (data, stat, on_data) = match client.get_and_watch_data(path).await {
        Ok(r) => r,
        Err(zk::Error::NoNode) => return Ok((None, Vec::new())),
        Err(zk::Error::NoAuth) => return Ok((Some(crate::reader::unreadable(client, path).await), Vec::new())),
        Err(e) => return Err(Error::at(path, e)),
    };
    let on_data = on_data.changed().boxed();
    let (children, on_children) = match client.list_and_watch_children(path).await {
        Ok(r) => r,
        // Deleted between the two reads: its data watch is kept (it fires the delete). Dropped,
        // an armed watch makes the client send removeWatches, which a 3.4 server answers by
        // closing the connection.
        Err(zk::Error::NoNode) => return Ok((None, vec![on_data])),
        Err(e) => return Err(Error::at(path, e)),
    };
    let node = RawNode { data, stat: stat_of(&stat), children, unreadable: None };
    Ok((Some(node), vec![on_data, on_children.changed().boxed()]))
}

/// Reads `top` and everything below it level by level (pipelined), arming every node's watches.
async fn read_watching(
    client: &zk::Client,
    top: &str,
    watches: &mut Watches,
    mut progress: impl FnMut(crate::reader::Progress),
) -> Result<RawTree, Error> {
    let mut tree = RawTree::new();
    let mut level = vec![top.to_owned()];
    let mut known = 1usize;
    while !level.is_empty() {
        let futs: Vec<NodeRead<'_>> = level.iter().map(|p| read_node_watching(client, p)).collect();
        let reads: Vec<_> = stream::iter(futs).buffered(crate::reader::SINGLE_IN_FLIGHT).collect().await;
        let mut next = Vec::new();
        for (path, read) in level.iter().zip(reads) {
            let (node, fired) = read?;
            watches.arm(fired);
            if let Some(node) = node {
                next.extend(node.children.iter().map(|c| child_path(path, c)));
                tree.insert(path.clone(), node);
            }
        }
        known = known.saturating_add(next.len());
        crate::reader::within_node_limit(top, known)?;
        progress(crate::reader::Progress { done: tree.len(), total: known });
        level = next;
    }
    Ok(tree)
}

/// Removes `path` and everything below it from the tree, and its name from its parent.
fn remove_subtree(tree: &mut RawTree, path: &str) {
    let prefix = format!("{path}/");
    tree.remove(path);
    let doomed: Vec<String> =
        tree.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, _)| k.clone()).collect();
    for k in doomed {
        tree.remove(&k);
    }
    if let Some((parent, name)) = parent_and_name(path) {
        if let Some(p) = tree.get_mut(parent) {
            p.children.retain(|c| c != name);
            p.stat.num_children = i32::try_from(p.children.len()).unwrap_or(i32::MAX);
        }
    }
}

/// Re-reads `path` and its subtree (arming their watches) in place of what the tree held; a
/// root that does not exist (yet, or any more) gets an exists watch, which fires when it is
/// created.
async fn reread_subtree(store: &Store, tree: &mut RawTree, watches: &mut Watches, path: &str) -> Result<(), Error> {
    let sub = read_watching(&store.client, path, watches, |_| {}).await?;
    remove_subtree(tree, path);
    if sub.contains_key(path) {
        crate::reader::within_node_limit(path, tree.len().saturating_add(sub.len()))?;
        tree.extend(sub);
        if let Some((parent, name)) = parent_and_name(path) {
            if let Some(p) = tree.get_mut(parent) {
                if !p.children.iter().any(|c| c == name) {
                    p.children.push(name.to_owned());
                    p.stat.num_children = i32::try_from(p.children.len()).unwrap_or(i32::MAX);
                }
            }
        }
    } else if path == store.root.as_str() {
        arm_exists(store, watches, path).await?;
    }
    Ok(())
}

/// An exists watch on `path` (fires `NodeCreated`); when it exists meanwhile, it is read.
async fn arm_exists(store: &Store, watches: &mut Watches, path: &str) -> Result<(), Error> {
    let (stat, w) = store.client.check_and_watch_stat(path).await.map_err(|e| Error::at(path, e))?;
    watches.arm([w.changed().boxed()]);
    if stat.is_some() {
        tracing::debug!(%path, "created meanwhile; its watch fires and it is read then");
    }
    Ok(())
}

/// One one-shot watch fired: re-reads what it names and arms it again.
async fn apply_one_shot(
    store: &Store,
    tree: &mut RawTree,
    watches: &mut Watches,
    ev: &zk::WatchedEvent,
) -> Result<(), Error> {
    let path = ev.path.as_str();
    match ev.event_type {
        // Deleted, and maybe created again already (a leader rebuilding taskItem does that):
        // read it again rather than trust the order the watches fire in.
        zk::EventType::NodeDeleted => reread_subtree(store, tree, watches, path).await?,
        // Created (the exists watch of a missing root) or changed while not in the tree: all of it.
        zk::EventType::NodeCreated | zk::EventType::NodeDataChanged if !tree.contains_key(path) => {
            reread_subtree(store, tree, watches, path).await?
        }
        zk::EventType::NodeDataChanged | zk::EventType::NodeCreated => {
            match store.client.get_and_watch_data(path).await {
                Ok((data, stat, on_data)) => {
                    watches.arm([on_data.changed().boxed()]);
                    if let Some(n) = tree.get_mut(path) {
                        n.data = data;
                        n.stat = stat_of(&stat);
                        n.stat.num_children = i32::try_from(n.children.len()).unwrap_or(i32::MAX);
                    }
                }
                Err(zk::Error::NoNode) => remove_subtree(tree, path),
                Err(e) => return Err(Error::at(path, e)),
            }
        }
        zk::EventType::NodeChildrenChanged => match store.client.list_and_watch_children(path).await {
            Ok((children, on_children)) => {
                watches.arm([on_children.changed().boxed()]);
                let old = tree.get(path).map(|n| n.children.clone()).unwrap_or_default();
                // Sets, not scans: a node of 100,000 children would cost 10^10 comparisons.
                let (was, is): (std::collections::HashSet<&String>, std::collections::HashSet<&String>) =
                    (old.iter().collect(), children.iter().collect());
                for gone in old.iter().filter(|c| !is.contains(c)) {
                    remove_subtree(tree, &child_path(path, gone));
                }
                // New: a name not in the tree, not only one the old list lacked (a child listed
                // by a read and deleted before its own read is in the old list, not the tree;
                // created again meanwhile, it would never be read).
                let new: Vec<&String> =
                    children.iter().filter(|c| !was.contains(c) || !tree.contains_key(&child_path(path, c))).collect();
                for new in new {
                    let sub = read_watching(&store.client, &child_path(path, new), watches, |_| {}).await?;
                    crate::reader::within_node_limit(path, tree.len().saturating_add(sub.len()))?;
                    tree.extend(sub);
                }
                if let Some(n) = tree.get_mut(path) {
                    n.stat.num_children = i32::try_from(children.len()).unwrap_or(i32::MAX);
                    n.children = children;
                }
            }
            Err(zk::Error::NoNode) => remove_subtree(tree, path),
            Err(e) => return Err(Error::at(path, e)),
        },
        _ => {}
    }
    Ok(())
}

fn parent_and_name(path: &str) -> Option<(&str, &str)> {
    let (p, n) = path.rsplit_once('/')?;
    Some((if p.is_empty() { "/" } else { p }, n))
}

/// Events taken from the queue at once; a batch that reaches it is a re-sync (see `follow`).
const BATCH_MAX: usize = 10_000;

/// Reads of a batch's data events made before they are applied (persistent watches).
#[derive(Default)]
struct Prefetched {
    /// Batch index → the node's data read for that event.
    reads: std::collections::HashMap<usize, Result<(Vec<u8>, zk::Stat), zk::Error>>,
    /// Data events followed later in the batch by another event of the same node: the later
    /// one reads (or removes) it, so they are skipped.
    superseded: std::collections::HashSet<usize>,
}

/// ZooKeeper's clock as the follower sees it, without writing anything (reads never write): a
/// node that just changed carries the server's time of that write (its mtime), read here a
/// moment later, so `mtime - now` is never above the true offset and is close to it when the
/// write is fresh. Heartbeats rewrite server nodes every few seconds: the largest of the last
/// 30-60 s of samples is the estimate, and an old sample (a server clock stepped back) ages out.
#[derive(Debug, Default, Clone)]
pub(crate) struct ClockEstimate {
    /// Start of the current span (monotonic: a local clock stepped back ends no span early or late).
    since: Option<std::time::Instant>,
    best: Option<i64>,
    previous: Option<i64>,
}

impl ClockEstimate {
    const SPAN: Duration = Duration::from_secs(30);

    /// A node written at `server_ms` (its mtime) was read back at `local_ms`, at `at`.
    pub(crate) fn sample(&mut self, server_ms: i64, local_ms: i64, at: std::time::Instant) {
        let since = *self.since.get_or_insert(at);
        let gone = at.saturating_duration_since(since);
        if gone >= Self::SPAN {
            // The span just ended counts one more span; after a quiet gap nothing old does.
            self.previous = if gone < Self::SPAN * 2 { self.best.take() } else { None };
            self.best = None;
            self.since = Some(at);
        }
        let s = server_ms.saturating_sub(local_ms);
        self.best = Some(self.best.map_or(s, |b| b.max(s)));
    }

    /// ZooKeeper's clock minus this machine's, once anything changed.
    pub(crate) fn offset(&self) -> Option<i64> {
        match (self.previous, self.best) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// An event [`apply`] answers by reading the node's data.
fn reads_data(ev: &zk::WatchedEvent) -> bool {
    matches!(ev.event_type, zk::EventType::NodeCreated | zk::EventType::NodeDataChanged)
}

/// Distinct nodes in a full batch past which re-reading the root costs less than reading each.
const OVERLOAD_NODES: usize = 2_500;

/// How many distinct paths a batch's node events name.
fn distinct_nodes(batch: &[Change]) -> usize {
    batch
        .iter()
        .filter_map(|c| match c {
            Change::Node(ev) => Some(ev.path.as_str()),
            Change::Session(_) => None,
        })
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Reads in flight at once when a batch is prefetched.
const PREFETCH_IN_FLIGHT: usize = 64;

/// One-shot watches: the events of a batch that repeat an earlier one of the same batch (kind
/// and path). A node's delete fires its data and its child watch alike, and a node armed twice
/// (read by its own re-read and by its parent's) fires twice; the first event's handling reads
/// the node after all of them fired, so the repeats add nothing. Handled each, every repeat
/// armed the node's subtree once more: its watches doubled at every delete and re-create.
fn one_shot_repeats(batch: &[Change]) -> std::collections::HashSet<usize> {
    let mut seen = std::collections::HashSet::new();
    let end = batch.iter().position(Change::is_terminal).unwrap_or(batch.len());
    batch[..end]
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Change::Node(ev) => (!seen.insert((ev.event_type as u8, ev.path.as_str()))).then_some(i),
            Change::Session(_) => None,
        })
        .collect()
}

async fn prefetch(store: &Store, batch: &[Change]) -> Prefetched {
    let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut out = Prefetched::default();
    // Stop at a terminal session event: nothing after it is applied.
    let end = batch.iter().position(Change::is_terminal).unwrap_or(batch.len());
    for (i, c) in batch[..end].iter().enumerate() {
        if let Change::Node(ev) = c {
            if let Some(prev) = last.insert(ev.path.as_str(), i) {
                if let Some(Change::Node(p)) = batch.get(prev) {
                    if reads_data(p) {
                        out.superseded.insert(prev);
                    }
                }
            }
        }
    }
    let wanted: Vec<(usize, String)> = batch[..end]
        .iter()
        .enumerate()
        .filter(|(i, _)| !out.superseded.contains(i))
        .filter_map(|(i, c)| match c {
            Change::Node(ev) if reads_data(ev) => Some((i, ev.path.clone())),
            _ => None,
        })
        .collect();
    if wanted.len() < 2 {
        return out;
    }
    let reads: Vec<_> = wanted
        .into_iter()
        .map(|(i, p)| {
            let client = store.client.clone();
            async move { (i, client.get_data(&p).await) }.boxed()
        })
        .collect();
    out.reads = stream::iter(reads).buffer_unordered(PREFETCH_IN_FLIGHT).collect().await;
    out
}

/// Applies one event of a persistent watch; `read` is the node's data when it was prefetched.
async fn apply(
    store: &Store,
    tree: &mut RawTree,
    ev: &zk::WatchedEvent,
    read: Option<Result<(Vec<u8>, zk::Stat), zk::Error>>,
) -> Result<(), Error> {
    let path = ev.path.as_str();
    match ev.event_type {
        zk::EventType::NodeDeleted => {
            let prefix = format!("{path}/");
            tree.remove(path);
            let doomed: Vec<String> = tree
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .collect();
            for k in doomed {
                tree.remove(&k);
            }
            if let Some((parent, name)) = parent_and_name(path) {
                if let Some(p) = tree.get_mut(parent) {
                    p.children.retain(|c| c != name);
                    p.stat.num_children = i32::try_from(p.children.len()).unwrap_or(i32::MAX);
                }
            }
        }
        zk::EventType::NodeCreated | zk::EventType::NodeDataChanged => {
            let read = match read {
                Some(r) => r,
                None => store.client.get_data(path).await,
            };
            let node = match read {
                Ok((data, stat)) => {
                    let children = if ev.event_type == zk::EventType::NodeCreated
                        || stat.num_children as usize != tree.get(path).map_or(0, |n| n.children.len())
                    {
                        // A failed list is an error (the follower re-syncs), never "no children".
                        match store.client.list_children(path).await {
                            Ok(c) => c,
                            Err(zk::Error::NoNode) => return Ok(()), // deleted again: its event follows
                            Err(e) => return Err(Error::at(path, e)),
                        }
                    } else {
                        tree.get(path).map(|n| n.children.clone()).unwrap_or_default()
                    };
                    RawNode { data, stat: stat_of(&stat), children, unreadable: None }
                }
                Err(zk::Error::NoNode) => return Ok(()), // created and deleted again: its delete event follows
                // A node this session may not read (ZooKeeper before 3.8.4 / 3.9.2 sends events
                // of such nodes, CVE-2024-23944): kept as unreadable, as a whole read keeps it,
                // rather than a full re-read of the root at each of its changes.
                Err(zk::Error::NoAuth) => crate::reader::unreadable(&store.client, path).await,
                Err(e) => return Err(Error::at(path, e)),
            };
            // A followed root grows past the node limit by its events too, not only by a
            // whole read: refused here, it is re-read (and refused there, retried a minute on).
            if !tree.contains_key(path) {
                crate::reader::within_node_limit(path, tree.len().saturating_add(1))?;
            }
            tree.insert(path.to_owned(), node);
            if let Some((parent, name)) = parent_and_name(path) {
                if let Some(p) = tree.get_mut(parent) {
                    if !p.children.iter().any(|c| c == name) {
                        p.children.push(name.to_owned());
                        p.stat.num_children = i32::try_from(p.children.len()).unwrap_or(i32::MAX);
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Runs the follower; should it ever die (a client panic), starts it again on a new session,
/// so a live view never silently freezes.
async fn supervise(
    opts: ConnectOptions,
    store: Store,
    watcher: Watches,
    tree: RawTree,
    folder: Folder,
    tx: watch::Sender<LiveState>,
    configs: tokio::sync::broadcast::Sender<ConfigChange>,
) {
    let mut first = Some((store, watcher, tree));
    let mut folder = Some(folder);
    let tx = std::sync::Arc::new(tx);
    loop {
        let (store, watcher, tree) = match first.take() {
            Some(parts) => parts,
            None => {
                tx.send_modify(|s| s.status = LiveStatus::Reconnecting("restarting the follower".into()));
                // Within the re-sync's total deadline, as every other (re)start.
                let started = tokio::time::timeout(RESYNC_LIMIT, async {
                    let s = Store::connect(&opts).await?;
                    start(&s).await.map(|(w, t)| (s, w, t))
                })
                .await
                .unwrap_or_else(|_| {
                    Err(Error::Unreachable {
                        connect: opts.connect.clone(),
                        reason: format!("restarting the follower did not finish within {} s", RESYNC_LIMIT.as_secs()),
                    })
                });
                match started {
                    Ok(parts) => parts,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot restart the follower; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                }
            }
        };
        // Aborted with this task: dropping `Live` aborts `supervise`, and the run it spawned
        // must go with it. Left running, it held its session forever, and once the server went
        // away it polled its watcher after the session's end, which panics inside
        // zookeeper-client (`PersistentReceiver::recv` unwraps a closed channel).
        // A restarted run folds everything once (its tree is new).
        let folder = folder.take().unwrap_or_else(|| Folder::in_zone(store.root.clone(), store.opts.tz));
        let mut handle =
            AbortOnDrop(tokio::spawn(run(opts.clone(), store, watcher, tree, folder, tx.clone(), configs.clone())));
        match (&mut handle.0).await {
            Ok(()) => return,
            Err(e) if e.is_cancelled() => return,
            Err(e) => tracing::error!(error = %e, "the live follower died; starting it again"),
        }
    }
}

/// Aborts the task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The generation after `mine` that is also after everything the channel has published.
fn next_generation(tx: &watch::Sender<LiveState>, mine: u64) -> u64 {
    mine.max(tx.borrow().generation).saturating_add(1)
}

async fn run(
    opts: ConnectOptions,
    mut store: Store,
    mut watcher: Watches,
    mut tree: RawTree,
    mut folder: Folder,
    tx: std::sync::Arc<watch::Sender<LiveState>>,
    config_tx: tokio::sync::broadcast::Sender<ConfigChange>,
) {
    let mut configs = Configs::new(&store.root, &tree);
    // A run restarted by `supervise` starts its copy from its own read: a change made during
    // the restart itself is not reported (its re-read after a reconnect is, see `resync`).
    // Generations only grow for the follower's whole life: a run restarted by `supervise`
    // continues from the last one published (the UI drops a state whose generation is not
    // newer than the one it shows; restarting at 0 froze the live view for good).
    let mut generation = tx.borrow().generation;
    let mut events = tx.borrow().events;
    // Only the parts a batch touched are folded again (and those whose servers' verdicts expired);
    // the rest are shared with the previous snapshot.
    let publish = |tree: &RawTree,
                   store: &Store,
                   folder: &mut Folder,
                   changed: &Changed,
                   status: LiveStatus,
                   generation: &mut u64,
                   events: u64| {
        *generation = next_generation(&tx, *generation);
        let snapshot = Arc::new(folder.fold(tree, store.zk_now_ms(), changed));
        let _ = tx.send(LiveState { snapshot, status, generation: *generation, events });
    };
    // A re-sync that failed is tried again within a second, not only at the next event: a
    // quiet tree may send none (and in one-shot mode the event's own watch has fired).
    let mut retry = false;
    let mut clock = ClockEstimate::default();
    let mut clock_moved = false;
    let mut full_batches = 0u32;
    let mut retry_after = Duration::from_secs(1);
    loop {
        // Woken by a change, by a failed re-sync's retry (within a second) or when a server's
        // verdict expires with no event (it turns dead past judge-dead: a root whose every
        // server died sends nothing).
        let due = folder.next_due_ms().map(|at| {
            Duration::from_millis(u64::try_from(at.saturating_sub(store.zk_now_ms())).unwrap_or(0).min(3_600_000))
        });
        let wake = match (retry, due) {
            (true, Some(d)) => Some(d.min(retry_after)),
            (true, None) => Some(retry_after),
            (false, d) => d,
        };
        let first = match wake {
            Some(d) => tokio::select! {
                ev = watcher.changed() => Some(ev),
                _ = tokio::time::sleep(d) => None,
            },
            None => Some(watcher.changed().await),
        };
        let mut changed = Changed::default();
        let mut batch: Vec<Change> = first.into_iter().collect();
        // Drain what is already queued, so a burst costs one fold. Never past a terminal
        // session event: the client's receiver panics when polled after one.
        while batch.len() < BATCH_MAX && !batch.last().is_some_and(Change::is_terminal) {
            match watcher.changed().now_or_never() {
                Some(ev) => batch.push(ev),
                None => break,
            }
        }
        let mut status = LiveStatus::Live;
        let mut terminal = false;
        let mut resync = retry;
        // A batch this long means the follower fell behind (a busy root over a slow link):
        // one re-read of the root costs less than its events one by one, and the re-read's
        // new watch drops the old one's queue, so the backlog cannot grow without limit.
        // Judged on the distinct nodes the batch names, not its events: a chatty root (heart-
        // beats many times a second) fills a batch with repeats that cost one read each node,
        // and a re-read there would be followed by another full batch, for ever.
        // Three full batches in a row re-read too, whatever they name: the follower is not
        // keeping up, and the client's queue of events has no bound of its own.
        let full = batch.len() >= BATCH_MAX;
        full_batches = if full { full_batches.saturating_add(1) } else { 0 };
        let overloaded = full && (distinct_nodes(&batch) >= OVERLOAD_NODES || full_batches >= 3);
        if overloaded {
            full_batches = 0;
        }
        // Persistent watches: a node changed several times in the batch is read once (its last
        // event), and the reads of the batch go out together, pipelined on the session.
        let mut prefetched = if overloaded {
            Prefetched::default()
        } else if matches!(watcher, Watches::Persistent(_)) {
            prefetch(&store, &batch).await
        } else {
            Prefetched { superseded: one_shot_repeats(&batch), ..Prefetched::default() }
        };
        for (i, change) in batch.iter().enumerate() {
            let ev = match change {
                Change::Session(zk::SessionState::Disconnected) => {
                    tx.send_modify(|s| s.status = LiveStatus::Disconnected);
                    status = LiveStatus::Disconnected;
                    continue;
                }
                Change::Session(zk::SessionState::SyncConnected | zk::SessionState::ConnectedReadOnly) => {
                    resync = true;
                    continue;
                }
                Change::Session(_) => {
                    terminal = true;
                    break;
                }
                Change::Node(ev) => ev,
            };
            events += 1;
            changed.note(&store.root, &ev.path);
            if overloaded {
                resync = true;
                continue;
            }
            if prefetched.superseded.contains(&i) {
                continue;
            }
            let applied = match watcher {
                Watches::Persistent(_) => apply(&store, &mut tree, ev, prefetched.reads.remove(&i)).await,
                Watches::OneShot { .. } => apply_one_shot(&store, &mut tree, &mut watcher, ev).await,
            };
            match applied {
                Err(e) => {
                    tracing::warn!(error = %e, "live update failed; re-reading the root");
                    resync = true;
                }
                // A node written just now: its mtime is ZooKeeper's clock of a moment ago.
                Ok(()) if reads_data(ev) => {
                    if let Some(n) = tree.get(ev.path.as_str()) {
                        clock.sample(n.stat.mtime, crate::session::now_ms(), std::time::Instant::now());
                    }
                }
                Ok(()) => {}
            }
        }
        // Servers are judged dead by ZooKeeper's clock (P9), which the follower cannot measure
        // by writing: the changes it reads give it (a clock 60 s apart otherwise showed every
        // live server dead, or a dead one live for a minute).
        if let Some(off) = clock.offset() {
            if store.clock_offset_ms().is_none_or(|cur| cur.saturating_sub(off).unsigned_abs() > 250) {
                store.set_clock_offset(off);
                // Every server's verdict moves with the clock, not only the touched parts'.
                clock_moved = true;
            }
        }
        if terminal {
            // Expired, closed or auth failure: a new session, with backoff.
            let mut delay = Duration::from_millis(200);
            loop {
                tx.send_modify(|s| s.status = LiveStatus::Reconnecting("session expired".into()));
                // Each attempt within a total deadline (a server that trickles its answers
                // keeps a session alive for ever); a late one is dropped and tried again.
                let attempt = async {
                    let s = Store::connect(&opts).await?;
                    let (w, t) = start(&s).await?;
                    Ok::<_, Error>((s, w, t))
                };
                match tokio::time::timeout(RESYNC_LIMIT, attempt).await {
                    Ok(Ok((s, w, t))) => {
                        store = s;
                        watcher = w;
                        tree = t;
                        break;
                    }
                    Ok(Err(e)) => tracing::warn!(error = %e, "reconnect or re-sync failed"),
                    Err(_) => tracing::warn!("reconnect and re-sync did not finish within {RESYNC_LIMIT:?}"),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            folder = Folder::in_zone(store.root.clone(), store.opts.tz);
            for c in configs.diff(&store.root, &tree, &Changed::everything()) {
                let _ = config_tx.send(c);
            }
            publish(&tree, &store, &mut folder, &Changed::everything(), LiveStatus::Resynced, &mut generation, events);
            continue;
        }
        if resync {
            // One-shot watches are armed again by the re-read (the old ones are dropped).
            // The watch is added again too: after the session moved to another server (a
            // leader's death) the persistent watch re-sent by the client was seen lost, and the
            // view froze with no event ever again (crates/api/tests/ensemble.rs).
            let reread = match tokio::time::timeout(RESYNC_LIMIT, start(&store)).await {
                Ok(Ok((w, t))) => {
                    watcher = w;
                    Ok(t)
                }
                // A root grown past the node limit: each try would read it almost whole, so
                // the next waits a minute, not a second.
                Ok(Err(e @ Error::TooManyNodes { .. })) => {
                    retry_after = Duration::from_secs(60);
                    Err(e.to_string())
                }
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("not finished within {} s", RESYNC_LIMIT.as_secs())),
            };
            match reread {
                Ok(t) => {
                    tree = t;
                    changed = Changed::everything();
                    status = LiveStatus::Resynced;
                    retry = false;
                    retry_after = Duration::from_secs(1);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "re-sync failed; retrying");
                    status = LiveStatus::Reconnecting(format!("re-reading the root failed ({e}); retrying"));
                    retry = true;
                }
            }
        }
        for c in configs.diff(&store.root, &tree, &changed) {
            let _ = config_tx.send(c);
        }
        let fold = if std::mem::take(&mut clock_moved) { Changed::everything() } else { changed };
        publish(&tree, &store, &mut folder, &fold, status, &mut generation, events);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tbdesk_model::snapshot::fold;

    /// A follower run restarted after a failure starts counting from 0 again; what it publishes
    /// must still be newer than what the previous run published.
    #[test]
    fn the_clock_estimate_is_the_freshest_write_and_ages_out() {
        let t0 = std::time::Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut c = ClockEstimate::default();
        assert_eq!(c.offset(), None);
        // ZooKeeper 60 s ahead: a fresh heartbeat read back 40 ms later, an old node 10 s later.
        c.sample(1_000_060_000 - 40, 1_000_000_000, at(0));
        c.sample(1_000_060_000 - 10_000, 1_000_000_500, at(0));
        assert_eq!(c.offset(), Some(59_960));
        // Behind by 30 s from then on: the last span still counts, then ages out.
        c.sample(1_000_000_000, 1_000_030_000, at(31));
        assert_eq!(c.offset(), Some(59_960), "the last span still counts");
        c.sample(1_000_031_000, 1_000_061_000, at(62));
        assert_eq!(c.offset(), Some(-30_000));
        // After a quiet gap of two spans nothing old counts, even if the local clock stepped.
        c.sample(5_000, 0, at(200));
        assert_eq!(c.offset(), Some(5_000));
        // Hostile times answer without overflow.
        c.sample(i64::MIN, i64::MAX, at(201));
        c.sample(i64::MAX, i64::MIN, at(202));
        assert!(c.offset().is_some());
    }

    #[test]
    fn generations_only_grow_across_restarts() {
        let root = tbdesk_model::paths::Root::new("/r").expect("root");
        let snapshot = Arc::new(fold(&root, &RawTree::new(), 0));
        let (tx, _rx) = watch::channel(LiveState {
            snapshot: snapshot.clone(),
            status: LiveStatus::Live,
            generation: 0,
            events: 0,
        });
        let mut first_run = 0;
        for _ in 0..5 {
            first_run = next_generation(&tx, first_run);
            tx.send_modify(|s| s.generation = first_run);
        }
        assert_eq!(first_run, 5);
        // the restarted run's own counter is 0: its first state is still newer
        let restarted = next_generation(&tx, 0);
        assert_eq!(restarted, 6);
    }
}

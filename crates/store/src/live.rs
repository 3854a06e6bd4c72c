//! A root followed live: one persistent recursive watch on the root turns every node change
//! into a re-read of just that node, and a new [`Snapshot`] is published after each batch of
//! events; nothing re-reads the whole root except a re-sync.
//!
//! Events during a connection loss can be lost (ZOOKEEPER-4698), so after `Disconnected` →
//! `SyncConnected` the whole root is re-read; after session expiry a new session is opened
//! (retrying with backoff) and the root re-read. Each step is reported in [`LiveStatus`].

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tbdesk_model::snapshot::{fold, RawNode, RawTree, Snapshot};
use tokio::sync::watch;
use zookeeper_client as zk;

use crate::reader::{read_tree, stat_of};
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
        let snapshot = Arc::new(fold(&store.root, &tree, store.zk_now_ms()));
        let (tx, rx) = watch::channel(LiveState { snapshot, status: LiveStatus::Live, generation: 0, events: 0 });
        let task = tokio::spawn(supervise(opts, store, watcher, tree, tx));
        Ok(Live { rx, task })
    }

    /// A receiver of every new state.
    pub fn subscribe(&self) -> watch::Receiver<LiveState> {
        self.rx.clone()
    }

    /// The current state.
    pub fn current(&self) -> LiveState {
        self.rx.borrow().clone()
    }
}

async fn start(store: &Store) -> Result<(zk::PersistentWatcher, RawTree), Error> {
    start_with(store, |_| {}).await
}

async fn start_with(
    store: &Store,
    progress: impl FnMut(crate::reader::Progress),
) -> Result<(zk::PersistentWatcher, RawTree), Error> {
    let root = store.root.as_str();
    // Watch first, then read: a change between the two is seen twice, never missed.
    let watcher =
        store.client.watch(root, zk::AddWatchMode::PersistentRecursive).await.map_err(|e| Error::at(root, e))?;
    let tree = read_tree(&store.client, root, store.mode, progress).await?;
    Ok((watcher, tree))
}

fn parent_and_name(path: &str) -> Option<(&str, &str)> {
    let (p, n) = path.rsplit_once('/')?;
    Some((if p.is_empty() { "/" } else { p }, n))
}

async fn apply(store: &Store, tree: &mut RawTree, ev: &zk::WatchedEvent) -> Result<(), Error> {
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
                    p.stat.num_children = p.children.len() as i32;
                }
            }
        }
        zk::EventType::NodeCreated | zk::EventType::NodeDataChanged => {
            match store.client.get_data(path).await {
                Ok((data, stat)) => {
                    let children = if ev.event_type == zk::EventType::NodeCreated
                        || stat.num_children as usize != tree.get(path).map_or(0, |n| n.children.len())
                    {
                        store.client.list_children(path).await.unwrap_or_default()
                    } else {
                        tree.get(path).map(|n| n.children.clone()).unwrap_or_default()
                    };
                    tree.insert(path.to_owned(), RawNode { data, stat: stat_of(&stat), children, unreadable: None });
                    if let Some((parent, name)) = parent_and_name(path) {
                        if let Some(p) = tree.get_mut(parent) {
                            if !p.children.iter().any(|c| c == name) {
                                p.children.push(name.to_owned());
                                p.stat.num_children = p.children.len() as i32;
                            }
                        }
                    }
                }
                Err(zk::Error::NoNode) => {} // created and deleted again: its delete event follows
                Err(e) => return Err(Error::at(path, e)),
            }
        }
        _ => {}
    }
    Ok(())
}

fn is_terminal(ev: &zk::WatchedEvent) -> bool {
    ev.event_type == zk::EventType::Session
        && !matches!(
            ev.session_state,
            zk::SessionState::Disconnected | zk::SessionState::SyncConnected | zk::SessionState::ConnectedReadOnly
        )
}

/// Runs the follower; should it ever die (a client panic), starts it again on a new session,
/// so a live view never silently freezes.
async fn supervise(
    opts: ConnectOptions,
    store: Store,
    watcher: zk::PersistentWatcher,
    tree: RawTree,
    tx: watch::Sender<LiveState>,
) {
    let mut first = Some((store, watcher, tree));
    let tx = std::sync::Arc::new(tx);
    loop {
        let (store, watcher, tree) = match first.take() {
            Some(parts) => parts,
            None => {
                let _ = tx.send_modify(|s| s.status = LiveStatus::Reconnecting("restarting the follower".into()));
                let started = match Store::connect(&opts).await {
                    Ok(s) => start(&s).await.map(|(w, t)| (s, w, t)),
                    Err(e) => Err(e),
                };
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
        let mut handle = AbortOnDrop(tokio::spawn(run(opts.clone(), store, watcher, tree, tx.clone())));
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
    mut watcher: zk::PersistentWatcher,
    mut tree: RawTree,
    tx: std::sync::Arc<watch::Sender<LiveState>>,
) {
    // Generations only grow for the follower's whole life: a run restarted by `supervise`
    // continues from the last one published (the UI drops a state whose generation is not
    // newer than the one it shows; restarting at 0 froze the live view for good).
    let mut generation = tx.borrow().generation;
    let mut events = tx.borrow().events;
    let publish = |tree: &RawTree, store: &Store, status: LiveStatus, generation: &mut u64, events: u64| {
        *generation = next_generation(&tx, *generation);
        let snapshot = Arc::new(fold(&store.root, tree, store.zk_now_ms()));
        let _ = tx.send(LiveState { snapshot, status, generation: *generation, events });
    };
    loop {
        let first = watcher.changed().await;
        let mut batch = vec![first];
        // Drain what is already queued, so a burst costs one fold. Never past a terminal
        // session event: the client's receiver panics when polled after one.
        while batch.len() < 10_000 && !batch.last().is_some_and(is_terminal) {
            match watcher.changed().now_or_never() {
                Some(ev) => batch.push(ev),
                None => break,
            }
        }
        let mut status = LiveStatus::Live;
        let mut terminal = false;
        let mut resync = false;
        for ev in &batch {
            if ev.event_type == zk::EventType::Session {
                match ev.session_state {
                    zk::SessionState::Disconnected => {
                        let _ = tx.send_modify(|s| s.status = LiveStatus::Disconnected);
                        status = LiveStatus::Disconnected;
                    }
                    zk::SessionState::SyncConnected | zk::SessionState::ConnectedReadOnly => resync = true,
                    _ => {
                        terminal = true;
                        break;
                    }
                }
                continue;
            }
            events += 1;
            if let Err(e) = apply(&store, &mut tree, ev).await {
                tracing::warn!(error = %e, "live update failed; re-reading the root");
                resync = true;
            }
        }
        if terminal {
            // Expired, closed or auth failure: a new session, with backoff.
            let mut delay = Duration::from_millis(200);
            loop {
                let _ = tx.send_modify(|s| s.status = LiveStatus::Reconnecting("session expired".into()));
                match Store::connect(&opts).await {
                    Ok(s) => match start(&s).await {
                        Ok((w, t)) => {
                            store = s;
                            watcher = w;
                            tree = t;
                            break;
                        }
                        Err(e) => tracing::warn!(error = %e, "re-sync failed"),
                    },
                    Err(e) => tracing::warn!(error = %e, "reconnect failed"),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            publish(&tree, &store, LiveStatus::Resynced, &mut generation, events);
            continue;
        }
        if resync {
            match read_tree(&store.client, store.root.as_str(), store.mode, |_| {}).await {
                Ok(t) => {
                    tree = t;
                    status = LiveStatus::Resynced;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "re-sync failed; will retry on the next event")
                }
            }
        }
        publish(&tree, &store, status, &mut generation, events);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A follower run restarted after a failure starts counting from 0 again; what it publishes
    /// must still be newer than what the previous run published.
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

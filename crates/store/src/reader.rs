//! Reads a whole subtree fast: level by level, `getData` for every node of a level, then
//! `getChildren` only where the stat says there are children. Requests are batched into
//! ZooKeeper multi-reads (≥ 3.6) and several batches are in flight at once; against an older
//! server the same requests are pipelined one by one. Never one round trip after another.
//!
//! A node that vanishes between its parent's listing and its own read is simply absent.

use futures::stream::{self, StreamExt};
use futures::FutureExt;
use tbdesk_model::snapshot::{NodeStat, RawNode, RawTree};
use zookeeper_client as zk;

use crate::Error;

/// Operations per multi-read request (the measured sweet spot here is ~1000 ops).
const BATCH: usize = 500;
/// Multi-read requests (or single requests, in fallback mode) in flight at once.
const IN_FLIGHT: usize = 8;
pub(crate) const SINGLE_IN_FLIGHT: usize = 512;

/// Progress of a read, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// Nodes read so far.
    pub done: usize,
    /// Nodes known so far (grows as levels are discovered).
    pub total: usize,
}

pub(crate) fn stat_of(s: &zk::Stat) -> NodeStat {
    NodeStat {
        version: s.version,
        mtime: s.mtime,
        ctime: s.ctime,
        ephemeral: s.ephemeral_owner != 0,
        num_children: s.num_children,
    }
}

/// How requests are sent; decided once per session by probing the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// ZooKeeper ≥ 3.6 multi-read.
    Multi,
    /// One request per node, pipelined.
    Pipelined,
}

/// Reads `top` and everything below it.
pub async fn read_tree(
    client: &zk::Client,
    top: &str,
    mode: ReadMode,
    mut progress: impl FnMut(Progress),
) -> Result<RawTree, Error> {
    let mut tree = RawTree::new();
    let mut level = vec![top.to_owned()];
    let mut known = 1usize;
    while !level.is_empty() {
        let data = get_data_all(client, &level, mode).await?;
        let mut parents = Vec::new();
        let mut denied = Vec::new();
        for (path, res) in level.iter().zip(data) {
            match res {
                Read::Got((bytes, stat)) => {
                    if stat.num_children > 0 {
                        parents.push(path.clone());
                    }
                    tree.insert(
                        path.clone(),
                        RawNode { data: bytes, stat: stat_of(&stat), children: Vec::new(), unreadable: None },
                    );
                }
                Read::Denied => denied.push(path),
                Read::Gone => {}
            }
        }
        // Their stats and ACLs together, pipelined: one by one, thousands of nodes this
        // session may not read made a whole read take minutes over a slow link.
        let asks: Vec<_> = denied
            .into_iter()
            .map(|p| {
                let (client, p) = (client.clone(), p.to_owned());
                async move {
                    let node = unreadable(&client, &p).await;
                    (p, node)
                }
                .boxed()
            })
            .collect();
        let unreadables: Vec<(String, RawNode)> = stream::iter(asks).buffered(UNREADABLE_IN_FLIGHT).collect().await;
        for (p, node) in unreadables {
            tree.insert(p, node);
        }
        let lists = get_children_all(client, &parents, mode).await?;
        let mut next = Vec::new();
        for (path, res) in parents.iter().zip(lists) {
            if let (Read::Got(children), Some(node)) = (res, tree.get_mut(path)) {
                for c in &children {
                    next.push(if path == "/" { format!("/{c}") } else { format!("{path}/{c}") });
                }
                node.children = children;
            }
        }
        known = known.saturating_add(next.len());
        within_node_limit(top, known)?;
        progress(Progress { done: tree.len(), total: known });
        level = next;
    }
    // Rebuilt from its sorted entries: a B-tree filled by inserts keeps its nodes about half
    // full, one built in bulk fills them (the 32k root's tree: 10.3 -> 7.8 MiB).
    Ok(tree.into_iter().collect())
}

/// The most nodes one read holds: about 330 bytes each in the raw tree, so some 700 MiB at
/// the limit (the largest roots measured, 320,000 nodes, take a sixth of it).
/// `TBDESK_MAX_NODES` sets another (a test proves the refusal with a small one).
pub fn max_nodes() -> usize {
    std::env::var("TBDESK_MAX_NODES").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(2_000_000)
}

/// Refuses a read of `top` that has found `known` nodes, more than [`max_nodes`].
pub(crate) fn within_node_limit(top: &str, known: usize) -> Result<(), Error> {
    let limit = max_nodes();
    if known > limit {
        return Err(Error::TooManyNodes { top: top.to_owned(), limit });
    }
    Ok(())
}

/// Unreadable nodes whose stat and ACL are asked for at once.
const UNREADABLE_IN_FLIGHT: usize = 32;

/// One node's read: its value, gone meanwhile, or refused by its ACL.
enum Read<T> {
    Got(T),
    Gone,
    Denied,
}

/// ZooKeeper's permission bits (read 1, write 2, create 4, delete 8, admin 16).
pub(crate) fn acl_bits(p: zk::Permission) -> u32 {
    [zk::Permission::READ, zk::Permission::WRITE, zk::Permission::CREATE, zk::Permission::DELETE, zk::Permission::ADMIN]
        .iter()
        .enumerate()
        .filter(|(_, b)| p.has(**b))
        .fold(0u32, |acc, (i, _)| acc | (1 << i))
}

/// A node this session may not read: its stat (`exists` needs no permission) and, when the
/// server shows it, its ACL, so the user sees whose node it is.
pub(crate) async fn unreadable(client: &zk::Client, path: &str) -> RawNode {
    let stat = client.check_stat(path).await.ok().flatten().map(|s| stat_of(&s)).unwrap_or_default();
    let acl = match client.get_acl(path).await {
        Ok((acl, _)) => {
            // In words, a digest entry by its user only: old servers show the id's password
            // hash, which must not reach snapshots, exports or a support bundle.
            acl.iter()
                .map(|a| tbdesk_model::inspect::acl_words(a.scheme(), a.id(), acl_bits(a.permission())))
                .collect::<Vec<_>>()
                .join("; ")
        }
        Err(_) => "not readable to this session either".into(),
    };
    RawNode {
        data: Vec::new(),
        stat,
        children: Vec::new(),
        unreadable: Some(format!("this session may not read it (ACL: {acl})")),
    }
}

type OneRead<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Read<T>, Error>> + Send + 'a>>;

/// One kind of read (getData or getChildren) over many paths: batched multi-reads, or single
/// requests pipelined; `None` for a node that vanished.
async fn read_all<T>(
    client: &zk::Client,
    paths: &[String],
    mode: ReadMode,
    children: bool,
    take: fn(zk::MultiReadResult) -> Option<T>,
    single: for<'a> fn(&'a zk::Client, &'a str) -> OneRead<'a, T>,
) -> Result<Vec<Read<T>>, Error> {
    match mode {
        ReadMode::Multi => {
            let batches: Vec<&[String]> = paths.chunks(BATCH).collect();
            let futs: Vec<_> = batches.iter().map(|b| multi_read(client, b, children)).collect();
            let results: Vec<Result<Vec<zk::MultiReadResult>, Error>> =
                stream::iter(futs).buffered(IN_FLIGHT).collect().await;
            let mut out = Vec::with_capacity(paths.len());
            for (batch, res) in batches.iter().zip(results) {
                for (p, r) in batch.iter().zip(res?) {
                    out.push(match r {
                        zk::MultiReadResult::Error { err: zk::Error::NoNode } => Read::Gone,
                        zk::MultiReadResult::Error { err: zk::Error::NoAuth } => Read::Denied,
                        zk::MultiReadResult::Error { err } => return Err(Error::at(p, err)),
                        other => take(other).map_or(Read::Gone, Read::Got),
                    });
                }
            }
            Ok(out)
        }
        ReadMode::Pipelined => {
            let futs: Vec<_> = paths.iter().map(|p| single(client, p)).collect();
            stream::iter(futs).buffered(SINGLE_IN_FLIGHT).collect::<Vec<_>>().await.into_iter().collect()
        }
    }
}

async fn get_data_all(
    client: &zk::Client,
    paths: &[String],
    mode: ReadMode,
) -> Result<Vec<Read<(Vec<u8>, zk::Stat)>>, Error> {
    let take = |r| match r {
        zk::MultiReadResult::Data { data, stat } => Some((data, stat)),
        _ => None,
    };
    read_all(client, paths, mode, false, take, single_data).await
}

async fn get_children_all(
    client: &zk::Client,
    paths: &[String],
    mode: ReadMode,
) -> Result<Vec<Read<Vec<String>>>, Error> {
    let take = |r| match r {
        zk::MultiReadResult::Children { children } => Some(children),
        _ => None,
    };
    read_all(client, paths, mode, true, take, single_children).await
}

fn multi_read<'a>(
    client: &'a zk::Client,
    batch: &'a [String],
    children: bool,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<zk::MultiReadResult>, Error>> + Send + 'a>> {
    Box::pin(async move {
        let mut r = client.new_multi_reader();
        for p in batch {
            let added = if children { r.add_get_children(p) } else { r.add_get_data(p) };
            added.map_err(|e| Error::at(p, e))?;
        }
        let first = batch.first().map_or("/", String::as_str);
        r.commit().await.map_err(|e| Error::at(first, e))
    })
}

fn single_data<'a>(client: &'a zk::Client, p: &'a str) -> OneRead<'a, (Vec<u8>, zk::Stat)> {
    Box::pin(async move {
        match client.get_data(p).await {
            Ok(v) => Ok(Read::Got(v)),
            Err(zk::Error::NoNode) => Ok(Read::Gone),
            Err(zk::Error::NoAuth) => Ok(Read::Denied),
            Err(e) => Err(Error::at(p, e)),
        }
    })
}

fn single_children<'a>(client: &'a zk::Client, p: &'a str) -> OneRead<'a, Vec<String>> {
    Box::pin(async move {
        match client.list_children(p).await {
            Ok(v) => Ok(Read::Got(v)),
            Err(zk::Error::NoNode) => Ok(Read::Gone),
            Err(zk::Error::NoAuth) => Ok(Read::Denied),
            Err(e) => Err(Error::at(p, e)),
        }
    })
}

/// Picks multi-read when the server supports it (one probe request).
pub async fn probe_mode(client: &zk::Client, path: &str) -> ReadMode {
    let mut r = client.new_multi_reader();
    if r.add_get_data(path).is_err() {
        return ReadMode::Pipelined;
    }
    match r.commit().await {
        Ok(_) => ReadMode::Multi,
        Err(e) => {
            tracing::info!(error = %e, "multi-read unavailable; pipelining single reads");
            ReadMode::Pipelined
        }
    }
}

/// Reads nodes one synchronous request after another, as the Java console does: the
/// benchmark's baseline, not used by tbdesk itself.
pub async fn read_tree_serial(client: &zk::Client, top: &str) -> Result<RawTree, Error> {
    let mut tree = RawTree::new();
    let mut stack = vec![top.to_owned()];
    while let Some(path) = stack.pop() {
        let (data, stat) = match client.get_data(&path).await {
            Ok(v) => v,
            Err(zk::Error::NoNode) => continue,
            Err(e) => return Err(Error::at(&path, e)),
        };
        let children = match client.list_children(&path).await {
            Ok(c) => c,
            Err(zk::Error::NoNode) => continue,
            Err(e) => return Err(Error::at(&path, e)),
        };
        for c in &children {
            stack.push(format!("{path}/{c}"));
        }
        tree.insert(path, RawNode { data, stat: stat_of(&stat), children, unreadable: None });
    }
    Ok(tree)
}

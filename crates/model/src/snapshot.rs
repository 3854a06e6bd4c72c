//! A whole TBSchedule root as typed values: a pure fold from the raw ZooKeeper nodes
//! (path → data, stat, children) that the store reads, so it can be tested without ZooKeeper
//! and shipped to the UI as it is.
//!
//! Foreign data never breaks the fold: a blob that does not decode is kept as
//! [`Decoded::Bad`] with its text, a null-data server node (P17) as `None`, and a node where
//! no TBSchedule node belongs is listed in [`Snapshot::problems`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::gson::{text, DecodeError};
use crate::names::{leader, sort_by_suffix, TaskTypeName};
use crate::paths::{Root, ITEM_FIELDS};
use crate::records::{Server, Strategy, StrategyRuntime, TaskType};
use crate::version::{judge_marker, MarkerVerdict};

/// The parts of a ZooKeeper `Stat` tbdesk uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NodeStat {
    /// Data version; optimistic writes carry it.
    pub version: i32,
    /// Last data change, ZooKeeper server clock (ms).
    pub mtime: i64,
    /// Creation, ZooKeeper server clock (ms).
    pub ctime: i64,
    /// Ephemeral node (owned by a session).
    pub ephemeral: bool,
    /// Number of children.
    pub num_children: i32,
}

/// One node as read (data empty means null or empty: the client cannot tell them apart, P15).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RawNode {
    /// The data.
    pub data: Vec<u8>,
    /// Its stat.
    pub stat: NodeStat,
    /// Child names (unsorted as ZooKeeper gives them).
    pub children: Vec<String>,
    /// The session may not read this node (its ACL refuses READ): why, with the ACL when it
    /// could be read. Its data and children are unknown; everything else reads as usual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// Path → node, for every node under (and including) the root.
pub type RawTree = BTreeMap<String, RawNode>;

/// A blob that decoded, or why not and what it said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Decoded<T> {
    /// Read as the record.
    Ok {
        /// The record.
        value: T,
    },
    /// Not a readable record: shown as such, never fatal.
    Bad {
        /// Why.
        error: DecodeError,
        /// The node text (lossy UTF-8, at most 4 KiB).
        raw: String,
    },
}

impl<T> Decoded<T> {
    fn from(bytes: &[u8], decode: impl Fn(&[u8]) -> Result<T, DecodeError>) -> Self {
        match decode(bytes) {
            Ok(value) => Decoded::Ok { value },
            Err(error) => {
                let mut raw = text(bytes);
                if raw.len() > 4096 {
                    let mut cut = 4096;
                    while !raw.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    raw.truncate(cut);
                }
                Decoded::Bad { error, raw }
            }
        }
    }

    /// The record, if it decoded.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Decoded::Ok { value } => Some(value),
            Decoded::Bad { .. } => None,
        }
    }
}

/// A strategy with its per-factory runtimes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyView {
    /// Node name.
    pub name: String,
    /// Data version (for optimistic writes).
    pub version: i32,
    /// The definition.
    pub strategy: Decoded<Strategy>,
    /// One per registered factory, leader first.
    pub runtimes: Vec<RuntimeView>,
    /// The factory that computes requestNum (smallest suffix).
    pub leader: Option<String>,
}

/// `<root>/strategy/<name>/<factory>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeView {
    /// The factory uuid.
    pub factory: String,
    /// `None` while the leader has not written it (null data: requestNum 0).
    pub runtime: Option<Decoded<StrategyRuntime>>,
}

/// A task type definition with its domains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskTypeView {
    /// The base task type (node name).
    pub name: String,
    /// Data version.
    pub version: i32,
    /// The definition.
    pub def: Decoded<TaskType>,
    /// One per own sign that has run.
    pub domains: Vec<DomainView>,
}

/// Whether a live server is actually fetching (P2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fetching {
    /// Fetched within 20 heartbeats of its last heartbeat.
    Yes,
    /// No fetch ever recorded.
    Never,
    /// Last fetch older than 20 × heartBeatRate before its last heartbeat (the console's red).
    Stale,
    /// No readable blob.
    Unknown,
}

/// One thread group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerView {
    /// Node name.
    pub uuid: String,
    /// Its blob; `None` for null data (just registered, P17).
    pub server: Option<Decoded<Server>>,
    /// Node mtime, ZooKeeper clock.
    pub mtime: i64,
    /// Heartbeat age by the ZooKeeper clock (P9).
    pub heartbeat_age_ms: i64,
    /// Older than the task type's judge-dead interval (P1).
    pub dead: bool,
    /// Fetch activity (P2).
    pub fetching: Fetching,
    /// This server leads the domain (smallest suffix).
    pub leader: bool,
}

/// One task item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    /// Node name.
    pub id: String,
    /// Owner (null and empty read as `None`).
    pub cur_server: Option<String>,
    /// Requested new owner: a hand-over in flight.
    pub req_server: Option<String>,
    /// `ACTIVTE` (sic).
    pub sts: Option<String>,
    /// Item parameter.
    pub parameter: Option<String>,
    /// Never updated by Java.
    pub deal_desc: Option<String>,
    /// The owner is a live server of the domain.
    pub owner_alive: bool,
    /// How often `cur_server` was written (its data version): with `owner_span_ms`, an owner
    /// that keeps changing (a hand-over that never completes) shows in one snapshot.
    #[serde(default)]
    pub owner_writes: i32,
    /// Time between `cur_server`'s creation and its last write (ms).
    #[serde(default)]
    pub owner_span_ms: i64,
}

/// One isolation domain (`base` or `base$ownSign`) of a task type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainView {
    /// The task type string (node name).
    pub task_type: String,
    /// Its own sign.
    pub own_sign: String,
    /// Version of the `server` node: the reload flag.
    pub reload_version: Option<i32>,
    /// The uuid the leader wrote into `taskItem` (`None` before init).
    pub initialised_by: Option<String>,
    /// `taskItem` mtime: a stale one means no leader has run lately.
    pub task_item_mtime: Option<i64>,
    /// The current leader: smallest suffix among the servers.
    pub leader: Option<String>,
    /// Thread groups, leader first.
    pub servers: Vec<ServerView>,
    /// Items in the 3.3 leader's order.
    pub items: Vec<ItemView>,
}

/// A registered scheduler factory (a JVM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactoryView {
    /// Node name `ip$host$UUID$seq`.
    pub uuid: String,
    /// Null data or `true` = started; `false` = stopped in the console.
    pub started: bool,
    /// Raw data text, if any.
    pub data: Option<String>,
}

/// Something in the tree tbdesk does not recognise or that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The node.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// A whole root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The root path.
    pub root: String,
    /// The root's version marker.
    pub marker: MarkerVerdict,
    /// ZooKeeper clock at the fold (ms).
    pub now_ms: i64,
    /// Strategies by name.
    pub strategies: Vec<StrategyView>,
    /// Task types by name.
    pub task_types: Vec<TaskTypeView>,
    /// Factories, by suffix.
    pub factories: Vec<FactoryView>,
    /// Nodes read.
    pub nodes: usize,
    /// Foreign or broken nodes.
    pub problems: Vec<Problem>,
}

fn opt_text(n: Option<&RawNode>) -> Option<String> {
    n.filter(|n| !n.data.is_empty()).map(|n| text(&n.data))
}

fn sorted_children(n: &RawNode) -> Vec<String> {
    let mut c = n.children.clone();
    c.sort();
    c
}

/// Folds a raw tree into a [`Snapshot`]; `now_ms` is the ZooKeeper clock.
pub fn fold(root: &Root, tree: &RawTree, now_ms: i64) -> Snapshot {
    // Nodes the session may not read are named once, with their ACL; the rest reads as usual.
    let mut problems: Vec<Problem> = tree
        .iter()
        .filter_map(|(p, n)| {
            n.unreadable.as_ref().map(|why| Problem { path: p.clone(), message: format!("unreadable: {why}") })
        })
        .collect();
    let marker = judge_marker(tree.get(root.as_str()).map(|n| n.data.as_slice()));
    let mut snap = Snapshot {
        root: root.as_str().to_owned(),
        marker,
        now_ms,
        strategies: Vec::new(),
        task_types: Vec::new(),
        factories: Vec::new(),
        nodes: tree.len(),
        problems: Vec::new(),
    };
    if let Some(dir) = tree.get(&root.strategies()) {
        for name in sorted_children(dir) {
            let path = root.strategy(&name);
            let Some(node) = tree.get(&path) else {
                continue;
            };
            let mut factories = node.children.clone();
            sort_by_suffix(&mut factories);
            let runtimes = factories
                .iter()
                .map(|f| RuntimeView {
                    factory: f.clone(),
                    runtime: tree
                        .get(&root.strategy_runtime(&name, f))
                        .filter(|n| !n.data.is_empty())
                        .map(|n| Decoded::from(&n.data, StrategyRuntime::decode)),
                })
                .collect();
            let lead = leader(factories.iter().map(String::as_str)).map(str::to_owned);
            snap.strategies.push(StrategyView {
                name,
                version: node.stat.version,
                strategy: Decoded::from(&node.data, Strategy::decode),
                runtimes,
                leader: lead,
            });
        }
    }
    if let Some(dir) = tree.get(&root.base_task_types()) {
        for name in sorted_children(dir) {
            let path = root.base_task_type(&name);
            let Some(node) = tree.get(&path) else {
                continue;
            };
            let def = Decoded::from(&node.data, TaskType::decode);
            let (judge_dead, heartbeat) =
                def.ok().map_or((60_000, 5_000), |t| (t.judge_dead_interval, t.heart_beat_rate));
            let mut domains = Vec::new();
            for task_type in sorted_children(node) {
                let dpath = root.domain(&name, &task_type);
                let Some(dnode) = tree.get(&dpath) else {
                    continue;
                };
                let tt = TaskTypeName::parse(&task_type);
                if tt.base != name {
                    problems.push(Problem {
                        path: dpath.clone(),
                        message: format!("domain {task_type:?} does not belong to base task type {name:?}"),
                    });
                }
                domains.push(fold_domain(
                    root,
                    tree,
                    &name,
                    &task_type,
                    dnode,
                    now_ms,
                    judge_dead,
                    heartbeat,
                    &mut problems,
                ));
            }
            snap.task_types.push(TaskTypeView { name, version: node.stat.version, def, domains });
        }
    }
    if let Some(dir) = tree.get(&root.factories()) {
        let mut names = dir.children.clone();
        sort_by_suffix(&mut names);
        for uuid in names {
            let data = opt_text(tree.get(&root.factory(&uuid)));
            let started = data.as_deref().is_none_or(|d| d.eq_ignore_ascii_case("true"));
            snap.factories.push(FactoryView { uuid, started, data });
        }
    }
    if let Some(r) = tree.get(root.as_str()) {
        for c in &r.children {
            if !matches!(c.as_str(), "baseTaskType" | "strategy" | "factory") && !c.starts_with("systime") {
                problems.push(Problem { path: Root::child(root.as_str(), c), message: "not a TBSchedule node".into() });
            }
        }
    }
    snap.problems = problems;
    snap
}

#[allow(clippy::too_many_arguments)]
fn fold_domain(
    root: &Root,
    tree: &RawTree,
    base: &str,
    task_type: &str,
    dnode: &RawNode,
    now_ms: i64,
    judge_dead: i64,
    heartbeat: i64,
    problems: &mut Vec<Problem>,
) -> DomainView {
    let tt = TaskTypeName::parse(task_type);
    let servers_node = tree.get(&root.servers(base, task_type));
    let mut names = servers_node.map(|n| n.children.clone()).unwrap_or_default();
    sort_by_suffix(&mut names);
    let lead = leader(names.iter().map(String::as_str)).map(str::to_owned);
    let mut servers = Vec::new();
    for uuid in &names {
        let path = root.server(base, task_type, uuid);
        let Some(n) = tree.get(&path) else { continue };
        if crate::names::sequence_suffix(uuid).is_none() {
            problems.push(Problem {
                path: path.clone(),
                message: "server name does not end in $<digits>: Java's leader computation throws (P11)".into(),
            });
        }
        let server = (!n.data.is_empty()).then(|| Decoded::from(&n.data, Server::decode));
        let age = now_ms.saturating_sub(n.stat.mtime);
        let fetching = match server.as_ref().and_then(|s| s.ok()) {
            None => Fetching::Unknown,
            Some(s) => match (&s.last_fetch_data_time, &s.heart_beat_time) {
                (None, _) => Fetching::Never,
                (Some(f), Some(h)) => match (parse_ts(f), parse_ts(h)) {
                    (Some(f), Some(h)) if h.saturating_sub(f) > heartbeat.saturating_mul(20) => Fetching::Stale,
                    _ => Fetching::Yes,
                },
                (Some(_), None) => Fetching::Yes,
            },
        };
        servers.push(ServerView {
            uuid: uuid.clone(),
            server,
            mtime: n.stat.mtime,
            heartbeat_age_ms: age,
            dead: age > judge_dead,
            fetching,
            leader: lead.as_deref() == Some(uuid.as_str()),
        });
    }
    let live: Vec<&str> = servers.iter().filter(|s| !s.dead).map(|s| s.uuid.as_str()).collect();
    let ti_path = root.task_items(base, task_type);
    let ti = tree.get(&ti_path);
    let mut ids = ti.map(|n| n.children.clone()).unwrap_or_default();
    crate::distribution::sort_items(&mut ids, crate::distribution::JavaVersion::V3_3);
    let items = ids
        .into_iter()
        .map(|id| {
            let field = |f: &str| opt_text(tree.get(&root.task_item_field(base, task_type, &id, f)));
            let cur = field(ITEM_FIELDS[0]);
            let cur_stat = tree.get(&root.task_item_field(base, task_type, &id, ITEM_FIELDS[0])).map(|n| n.stat);
            ItemView {
                owner_alive: cur.as_deref().is_some_and(|c| live.contains(&c)),
                owner_writes: cur_stat.as_ref().map_or(0, |st| st.version),
                owner_span_ms: cur_stat.as_ref().map_or(0, |st| st.mtime.saturating_sub(st.ctime)),
                req_server: field(ITEM_FIELDS[1]),
                sts: field(ITEM_FIELDS[2]),
                parameter: field(ITEM_FIELDS[3]),
                deal_desc: field(ITEM_FIELDS[4]),
                cur_server: cur,
                id,
            }
        })
        .collect();
    let _ = dnode;
    DomainView {
        task_type: task_type.to_owned(),
        own_sign: tt.own_sign,
        reload_version: servers_node.map(|n| n.stat.version),
        initialised_by: opt_text(ti),
        task_item_mtime: ti.map(|n| n.stat.mtime),
        leader: lead,
        servers,
        items,
    }
}

/// Java's zone-less `yyyy-MM-dd HH:mm:ss` as seconds on a naive scale (only differences of
/// two timestamps from the same writer are meaningful).
fn parse_ts(s: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok().map(|t| t.and_utc().timestamp_millis())
}

//! A whole TBSchedule root as typed values: a pure fold from the raw ZooKeeper nodes
//! (path → data, stat, children) that the store reads, so it can be tested without ZooKeeper
//! and shipped to the UI as it is.
//!
//! Foreign data never breaks the fold: a blob that does not decode is kept as
//! [`Decoded::Bad`] with its text, a null-data server node (P17) as `None`, and a node where
//! no TBSchedule node belongs is listed in [`Snapshot::problems`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

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
    /// Node ctime, ZooKeeper clock: when its thread group registered (its run window's boot).
    #[serde(default)]
    pub ctime: i64,
    /// Older than the task type's judge-dead interval (P1).
    pub dead: bool,
    /// Fetch activity (P2).
    pub fetching: Fetching,
    /// This server leads the domain (smallest suffix).
    pub leader: bool,
}

impl ServerView {
    /// Heartbeat age by the ZooKeeper clock at `now_ms` (P9): the snapshot's `now_ms`, which
    /// every fold renews, while a part no change touched keeps its earlier fold.
    pub fn age_ms(&self, now_ms: i64) -> i64 {
        now_ms.saturating_sub(self.mtime)
    }
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
    /// Fields of the five (`cur_server`, `req_server`, `sts`, `parameter`, `deal_desc`) that
    /// have no node: Java's item reads throw on each (null data is fine).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl ItemView {
    /// Why Java's item reads (`loadAllTaskItem`, the leader's `assignTaskItem`) throw on this
    /// item, if they do: a field without its node, or an `sts` that is not one of
    /// `TaskItemSts` (`valueOf` throws; note the enum's own spelling `ACTIVTE`).
    pub fn java_unreadable(&self) -> Option<String> {
        if !self.missing.is_empty() {
            return Some(format!("item {}: no {} node", self.id, self.missing.join(", ")));
        }
        match self.sts.as_deref() {
            None | Some("ACTIVTE" | "FINISH" | "HALT") => None,
            Some(other) => Some(format!("item {}: sts {other:?} is not ACTIVTE (sic), FINISH or HALT", self.id)),
        }
    }
}

impl DomainView {
    /// The items Java's item reads throw on, with why: [`ItemView::java_unreadable`], and
    /// all-digit ids over a Java int when another id is all digits too (both the groups' read
    /// and the leader's assignment sort with `Integer.parseInt` on such pairs).
    pub fn java_unreadable_items(&self) -> Vec<(&ItemView, String)> {
        let digits = |id: &str| crate::java::is_numeric(id);
        let numeric = self.items.iter().filter(|i| digits(&i.id)).count();
        self.items
            .iter()
            .filter_map(|i| {
                i.java_unreadable().map(|why| (i, why)).or_else(|| {
                    (numeric > 1
                        && digits(&i.id)
                        && crate::java::parse_int(&i.id, 10, i64::from(i32::MIN), i64::from(i32::MAX)).is_none())
                    .then(|| {
                        (
                            i,
                            format!(
                                "item {}: a numeric id over Java's int, which the item sort's parseInt throws on",
                                i.id
                            ),
                        )
                    })
                })
            })
            .collect()
    }
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
    pub strategies: Vec<Arc<StrategyView>>,
    /// Task types by name.
    pub task_types: Vec<Arc<TaskTypeView>>,
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
    Folder::new(root.clone()).fold(tree, now_ms, &Changed::everything())
}

/// [`fold`], reading Java's timestamps in `zone` (see [`Folder::in_zone`]).
pub fn fold_in(root: &Root, tree: &RawTree, now_ms: i64, zone: chrono_tz::Tz) -> Snapshot {
    Folder::in_zone(root.clone(), zone).fold(tree, now_ms, &Changed::everything())
}

/// What changed in a raw tree since a [`Folder`]'s last fold: the parts to fold again.
///
/// The header (marker, factories, the node count, nodes outside task types and strategies) is
/// folded every time; it is small whatever the root's size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changed {
    /// Fold everything (a first read, a re-read after a reconnect).
    pub all: bool,
    /// Base task types whose subtree changed.
    pub task_types: BTreeSet<String>,
    /// Strategies whose subtree changed.
    pub strategies: BTreeSet<String>,
}

impl Changed {
    /// Every part.
    pub fn everything() -> Self {
        Changed { all: true, ..Changed::default() }
    }

    /// Records a change of the node at `path` (anything under the root).
    pub fn note(&mut self, root: &Root, path: &str) {
        let Some(rest) = path.strip_prefix(root.as_str()).and_then(|r| r.strip_prefix('/')) else { return };
        let mut parts = rest.splitn(3, '/');
        match (parts.next(), parts.next()) {
            (Some("baseTaskType"), Some(name)) => {
                self.task_types.insert(name.to_owned());
            }
            (Some("strategy"), Some(name)) => {
                self.strategies.insert(name.to_owned());
            }
            _ => {}
        }
    }

    /// Nothing to fold but the header.
    pub fn is_empty(&self) -> bool {
        !self.all && self.task_types.is_empty() && self.strategies.is_empty()
    }
}

/// One folded task type and what the snapshot-wide lists need from it.
#[derive(Debug, Clone)]
struct FoldedTaskType {
    view: Arc<TaskTypeView>,
    /// Unreadable nodes of its subtree.
    unreadable: Vec<Problem>,
    /// Domains that break a rule.
    problems: Vec<Problem>,
    /// The ZooKeeper time at which a server's verdict changes with no event (it turns dead or
    /// silent): the part is folded again then.
    due_ms: Option<i64>,
}

#[derive(Debug, Clone)]
struct FoldedStrategy {
    view: Arc<StrategyView>,
    unreadable: Vec<Problem>,
}

/// Folds a followed root again after each change, reusing every part the change did not touch:
/// a heartbeat in one task type of a 320,000-node root refolds that task type only, and the
/// parts that did not change are shared (`Arc`) with the previous [`Snapshot`], so a consumer
/// can tell what changed by pointer.
///
/// Invariant (tested against [`fold`] on random trees and changes): after any sequence of
/// folds, each given every change since the one before, the result equals a whole fold of the
/// same tree at the same time.
#[derive(Debug, Clone)]
pub struct Folder {
    root: Root,
    /// The zone Java's runtimes write their zone-less timestamps in (the profile's; UTC when
    /// not told).
    zone: chrono_tz::Tz,
    task_types: BTreeMap<String, FoldedTaskType>,
    strategies: BTreeMap<String, FoldedStrategy>,
}

/// Keys of `tree` under `prefix/` (the node itself excluded).
fn subtree<'t>(tree: &'t RawTree, prefix: &str) -> impl Iterator<Item = (&'t String, &'t RawNode)> {
    // '0' is the character after '/': every `prefix/...` sorts in [prefix/, prefix0).
    tree.range::<str, _>((
        Bound::Included(format!("{prefix}/").as_str()),
        Bound::Excluded(format!("{prefix}0").as_str()),
    ))
}

fn unreadable_of<'t>(nodes: impl Iterator<Item = (&'t String, &'t RawNode)>) -> Vec<Problem> {
    nodes
        .filter_map(|(p, n)| {
            n.unreadable.as_ref().map(|why| Problem { path: p.clone(), message: format!("unreadable: {why}") })
        })
        .collect()
}

/// A node and its subtree.
fn with_subtree<'t>(tree: &'t RawTree, path: &str) -> impl Iterator<Item = (&'t String, &'t RawNode)> {
    tree.get_key_value(path).into_iter().chain(subtree(tree, path))
}

impl Folder {
    /// A folder that has folded nothing yet.
    pub fn new(root: Root) -> Self {
        Folder { root, zone: chrono_tz::Tz::UTC, task_types: BTreeMap::new(), strategies: BTreeMap::new() }
    }

    /// A folder reading Java's zone-less timestamps in `zone`: across a daylight-saving change
    /// two of them an hour apart on the wall may be seconds apart in time.
    pub fn in_zone(root: Root, zone: chrono_tz::Tz) -> Self {
        Folder { zone, ..Folder::new(root) }
    }

    /// The earliest ZooKeeper time at which a folded part's verdicts change with no event (a
    /// server turns dead): fold again then, even if nothing changed.
    pub fn next_due_ms(&self) -> Option<i64> {
        self.task_types.values().filter_map(|t| t.due_ms).min()
    }

    /// The root it folds.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// Folds `tree` at ZooKeeper time `now_ms`, `changed` naming every part changed since the
    /// last fold (parts whose verdicts expire by `now_ms` are folded again as well).
    pub fn fold(&mut self, tree: &RawTree, now_ms: i64, changed: &Changed) -> Snapshot {
        let root = self.root.clone();
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
        // Nodes the session may not read are named once, with their ACL, in path order.
        let btt = root.base_task_types();
        let strat = root.strategies();
        let mut unreadable: Vec<Problem> = unreadable_of(outside(tree, &btt, &strat));
        let mut names = tree.get(&strat).map(sorted_children).unwrap_or_default();
        names.dedup();
        let mut strategies = BTreeMap::new();
        for name in names {
            let path = root.strategy(&name);
            let Some(node) = tree.get(&path) else { continue };
            let reuse = !changed.all && !changed.strategies.contains(&name);
            let part = match self.strategies.remove(&name) {
                Some(old) if reuse => old,
                _ => fold_strategy(&root, tree, &name, &path, node),
            };
            unreadable.extend(part.unreadable.iter().cloned());
            snap.strategies.push(Arc::clone(&part.view));
            strategies.insert(name, part);
        }
        self.strategies = strategies;
        let mut problems = Vec::new();
        let mut names = tree.get(&btt).map(sorted_children).unwrap_or_default();
        names.dedup();
        let mut task_types = BTreeMap::new();
        for name in names {
            let path = root.base_task_type(&name);
            let Some(node) = tree.get(&path) else { continue };
            let reuse = !changed.all && !changed.task_types.contains(&name);
            let part = match self.task_types.remove(&name) {
                Some(old) if reuse && old.due_ms.is_none_or(|due| due > now_ms) => old,
                _ => fold_task_type(&root, self.zone, tree, &name, &path, node, now_ms),
            };
            unreadable.extend(part.unreadable.iter().cloned());
            problems.extend(part.problems.iter().cloned());
            snap.task_types.push(Arc::clone(&part.view));
            task_types.insert(name, part);
        }
        self.task_types = task_types;
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
                    problems
                        .push(Problem { path: Root::child(root.as_str(), c), message: "not a TBSchedule node".into() });
                }
            }
        }
        unreadable.sort_by(|a, b| a.path.cmp(&b.path));
        unreadable.extend(problems);
        snap.problems = unreadable;
        snap
    }
}

/// Every node of `tree` but those strictly below `a` or `b` (the parts' subtrees), by ranges:
/// the header's scan costs what lies outside the parts, not the whole root.
fn outside<'t>(tree: &'t RawTree, a: &str, b: &str) -> impl Iterator<Item = (&'t String, &'t RawNode)> {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let (a_in, a_out, b_in, b_out) = (format!("{a}/"), format!("{a}0"), format!("{b}/"), format!("{b}0"));
    let first = tree.range::<str, _>((Bound::Unbounded, Bound::Excluded(a_in.as_str())));
    // Guard the middle range against overlapping prefixes (`b` under `a`): empty then.
    let middle =
        (a_out < b_in).then(|| tree.range::<str, _>((Bound::Included(a_out.as_str()), Bound::Excluded(b_in.as_str()))));
    let last_from = if b_out > a_out { b_out } else { a_out };
    let last = tree.range::<str, _>((Bound::Included(last_from.as_str()), Bound::Unbounded));
    first.chain(middle.into_iter().flatten()).chain(last)
}

fn fold_strategy(root: &Root, tree: &RawTree, name: &str, path: &str, node: &RawNode) -> FoldedStrategy {
    let mut factories = node.children.clone();
    sort_by_suffix(&mut factories);
    let runtimes = factories
        .iter()
        .map(|f| RuntimeView {
            factory: f.clone(),
            runtime: tree
                .get(&root.strategy_runtime(name, f))
                .filter(|n| !n.data.is_empty())
                .map(|n| Decoded::from(&n.data, StrategyRuntime::decode)),
        })
        .collect();
    let lead = leader(factories.iter().map(String::as_str)).map(str::to_owned);
    FoldedStrategy {
        view: Arc::new(StrategyView {
            name: name.to_owned(),
            version: node.stat.version,
            strategy: Decoded::from(&node.data, Strategy::decode),
            runtimes,
            leader: lead,
        }),
        unreadable: unreadable_of(with_subtree(tree, path)),
    }
}

/// The judge-dead interval and heartbeat rate (ms) servers are judged by: the definition's, or
/// TBSchedule's defaults when it cannot be read.
pub fn judge_dead_and_heartbeat(def: &Decoded<TaskType>) -> (i64, i64) {
    def.ok().map_or((60_000, 5_000), |t| (t.judge_dead_interval, t.heart_beat_rate))
}

fn fold_task_type(
    root: &Root,
    zone: chrono_tz::Tz,
    tree: &RawTree,
    name: &str,
    path: &str,
    node: &RawNode,
    now_ms: i64,
) -> FoldedTaskType {
    let def = Decoded::from(&node.data, TaskType::decode);
    let (judge_dead, heartbeat) = judge_dead_and_heartbeat(&def);
    let mut domains = Vec::new();
    let mut problems = Vec::new();
    for task_type in sorted_children(node) {
        let dpath = root.domain(name, &task_type);
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
        let ctx = DomainCtx { root, zone, tree, base: name, now_ms, judge_dead, heartbeat };
        domains.push(fold_domain(&ctx, &task_type, dnode, &mut problems));
    }
    // A server's verdicts change with time alone: it turns dead past judge-dead, silent past
    // 40 heartbeats (diagnose's zombie); the part is folded again at the first such instant.
    let due_ms = domains
        .iter()
        .flat_map(|d| &d.servers)
        .flat_map(|s| [s.mtime.saturating_add(judge_dead), s.mtime.saturating_add(heartbeat.saturating_mul(40))])
        .filter(|at| *at >= now_ms)
        .min()
        .map(|at| at.saturating_add(1));
    FoldedTaskType {
        view: Arc::new(TaskTypeView { name: name.to_owned(), version: node.stat.version, def, domains }),
        unreadable: unreadable_of(with_subtree(tree, path)),
        problems,
        due_ms,
    }
}

#[allow(clippy::too_many_arguments)]
/// What every domain of a task type is folded with.
struct DomainCtx<'a> {
    root: &'a Root,
    zone: chrono_tz::Tz,
    tree: &'a RawTree,
    base: &'a str,
    now_ms: i64,
    judge_dead: i64,
    heartbeat: i64,
}

fn fold_domain(ctx: &DomainCtx<'_>, task_type: &str, dnode: &RawNode, problems: &mut Vec<Problem>) -> DomainView {
    let DomainCtx { root, zone, tree, base, now_ms, judge_dead, heartbeat } = *ctx;
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
                (Some(f), Some(h)) => match fetch_gap_ms(f, h, zone) {
                    Some(gap) if gap > heartbeat.saturating_mul(20) => Fetching::Stale,
                    _ => Fetching::Yes,
                },
                (Some(_), None) => Fetching::Yes,
            },
        };
        servers.push(ServerView {
            uuid: uuid.clone(),
            server,
            mtime: n.stat.mtime,
            ctime: n.stat.ctime,
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
                missing: ITEM_FIELDS
                    .iter()
                    .filter(|f| !tree.contains_key(&root.task_item_field(base, task_type, &id, f)))
                    .map(|f| (*f).to_owned())
                    .collect(),
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

/// How long before its last heartbeat (`h`) a server last fetched (`f`), both Java's zone-less
/// `yyyy-MM-dd HH:mm:ss` from the same writer: the SMALLEST gap any reading allows, so that
/// nothing is called stale by a daylight-saving change. In `zone`, a wall time the clocks passed
/// twice has two instants; a wall time `zone` skips (the writer was elsewhere) reads both on
/// one naive scale.
fn fetch_gap_ms(f: &str, h: &str, zone: chrono_tz::Tz) -> Option<i64> {
    use chrono::TimeZone;
    let naive = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok();
    let (nf, nh) = (naive(f)?, naive(h)?);
    let instants = |n: chrono::NaiveDateTime| -> Option<[i64; 2]> {
        match zone.from_local_datetime(&n) {
            chrono::LocalResult::Single(t) => Some([t.timestamp_millis(); 2]),
            chrono::LocalResult::Ambiguous(a, b) => Some([a.timestamp_millis(), b.timestamp_millis()]),
            chrono::LocalResult::None => None,
        }
    };
    let (fs, hs) = instants(nf).zip(instants(nh)).unwrap_or_else(|| {
        let (a, b) = (nf.and_utc().timestamp_millis(), nh.and_utc().timestamp_millis());
        ([a; 2], [b; 2])
    });
    fs.iter().flat_map(|f| hs.iter().map(move |h| h.saturating_sub(*f))).min()
}

#[cfg(test)]
mod tests {
    use super::fetch_gap_ms;

    #[test]
    fn a_daylight_saving_change_does_not_make_a_fetch_stale() {
        let (berlin, utc) = (chrono_tz::Europe::Berlin, chrono_tz::Tz::UTC);
        // Clocks go 02:00 -> 03:00: a fetch at 01:59:30 and a beat at 03:00:10 are 40 s apart.
        assert_eq!(fetch_gap_ms("2026-03-29 01:59:30", "2026-03-29 03:00:10", berlin), Some(40_000));
        assert_eq!(fetch_gap_ms("2026-03-29 01:59:30", "2026-03-29 03:00:10", utc), Some(3_640_000));
        // Clocks go 03:00 -> 02:00: 02:50 (the second one) is at least 40 min after 02:10.
        assert_eq!(fetch_gap_ms("2026-10-25 02:10:00", "2026-10-25 02:50:00", berlin), Some(-1_200_000));
        assert_eq!(fetch_gap_ms("2026-10-25 01:50:00", "2026-10-25 03:10:00", berlin), Some(8_400_000));
        // A wall time Berlin skips was not written in Berlin: the naive scale.
        assert_eq!(fetch_gap_ms("2026-03-29 02:30:00", "2026-03-29 02:31:00", berlin), Some(60_000));
        // Ordinary days are the same in any reading; junk is not a gap.
        assert_eq!(fetch_gap_ms("2026-06-01 10:00:00", "2026-06-01 10:05:00", berlin), Some(300_000));
        assert_eq!(fetch_gap_ms("2026-06-01 10:00:00", "junk", berlin), None);
        assert_eq!(fetch_gap_ms("+999999-01-01 00:00:00", "2026-06-01 10:05:00", berlin), None);
    }
}

//! The journal of tbdesk's writes, as the history view and the CLI show it, and the pure rules of
//! a revert. ZooKeeper keeps no history: every write tbdesk makes is recorded (in the profile
//! database, `tbdesk-profiles`) before and after it is applied, with each node's bytes and
//! versions, so a change can be read back and undone.
//!
//! A revert writes each node's before-bytes back only if the node is still as the entry left it
//! (its version and bytes): otherwise [`revert_conflicts`] names the nodes with their three
//! states (before, after, now) and the revert is refused unless the user chooses to overwrite.

use serde::{Deserialize, Serialize};

use crate::diff::{field_diff, FieldDiff};

/// A node's state at one moment: absent, or its bytes (null and empty read alike, P15) at a
/// data version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeState {
    /// The bytes; `None`: the node did not exist.
    pub data: Option<Vec<u8>>,
    /// Its data version; `None` when absent.
    pub version: Option<i32>,
}

impl NodeState {
    /// No node.
    pub fn absent() -> Self {
        NodeState { data: None, version: None }
    }

    /// The bytes as text (lossy), or `None` when absent.
    pub fn text(&self) -> Option<String> {
        self.data.as_deref().map(|d| String::from_utf8_lossy(d).into_owned())
    }

    /// Same bytes (versions aside): a node written back to what it held compares equal.
    pub fn same_bytes(&self, other: &NodeState) -> bool {
        self.data == other.data
    }
}

/// How a journal entry ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Recorded before the write; the app ended before it could say how it went.
    Pending,
    /// Applied.
    Applied,
    /// Refused or failed; nothing (or, for a single-node write, nothing of it) was written.
    Failed,
}

impl Outcome {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Applied => "applied",
            Outcome::Failed => "failed",
        }
    }

    /// Reads a stored word (an unknown one reads as pending: never claims a write happened).
    pub fn parse(s: &str) -> Self {
        match s {
            "applied" => Outcome::Applied,
            "failed" => Outcome::Failed,
            _ => Outcome::Pending,
        }
    }
}

/// One node of an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalNode {
    /// The node's path.
    pub path: String,
    /// Before the write.
    pub before: NodeState,
    /// After it (unknown for a write that never came back: equal to `before`).
    pub after: NodeState,
}

impl JournalNode {
    /// The node bytes it holds (before and after).
    pub fn bytes(&self) -> usize {
        let len = |s: &NodeState| s.data.as_ref().map_or(0, Vec::len);
        len(&self.before).saturating_add(len(&self.after))
    }

    /// The fields that changed (JSON blobs; a non-JSON node shows no fields).
    pub fn fields(&self) -> Vec<FieldDiff> {
        let after = self.after.text().unwrap_or_default();
        field_diff(self.before.text().as_deref(), &after)
    }
}

/// One recorded write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Its number, growing.
    pub id: i64,
    /// When it was recorded (ms since the epoch, this machine's clock).
    pub time_ms: i64,
    /// The profile.
    pub profile: String,
    /// The root written.
    pub root: String,
    /// The OS user and host (`user@host`).
    pub who: String,
    /// What made it (`save_task_type`, `import`, `revert`...).
    pub command: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it failed.
    pub error: Option<String>,
    /// The entry this one reverts.
    pub reverts: Option<i64>,
    /// The nodes, in the order written.
    pub nodes: Vec<JournalNode>,
}

impl JournalEntry {
    /// The objects it touched, as `taskType NAME` / `strategy NAME` (or the path).
    pub fn objects(&self) -> Vec<String> {
        self.nodes.iter().map(|n| object_of(&self.root, &n.path)).collect()
    }
}

/// `taskType NAME`, `strategy NAME`, or the path relative to the root.
pub fn object_of(root: &str, path: &str) -> String {
    let rel = path.strip_prefix(root).map(|r| r.trim_start_matches('/')).unwrap_or(path);
    let mut parts = rel.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("baseTaskType"), Some(name), None) => format!("taskType {name}"),
        (Some("strategy"), Some(name), None) => format!("strategy {name}"),
        _ if rel.is_empty() => "root".to_owned(),
        _ => rel.to_owned(),
    }
}

/// A node only a live runtime makes (its session's or its heartbeat's), by its place under the
/// root: a factory (`factory/F`, ephemeral), a strategy runtime (`strategy/S/F`, ephemeral) or
/// a thread group's server (`baseTaskType/B/D/server/X`, rewritten by its heartbeat). The words
/// name it in messages.
pub fn runtime_node(root: &str, path: &str) -> Option<&'static str> {
    let rel = path.strip_prefix(root)?.strip_prefix('/')?;
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["factory", f] if !f.is_empty() => Some("a factory's node"),
        ["strategy", s, f] if !s.is_empty() && !f.is_empty() => Some("a strategy runtime"),
        ["baseTaskType", b, d, "server", x] if !b.is_empty() && !d.is_empty() && !x.is_empty() => {
            Some("a thread group's server node")
        }
        _ => None,
    }
}

/// Why a revert may not write `nodes` (path, whether the node is there now, whether the
/// revert leaves it there): it never re-creates a runtime's node. Ephemeral in Java, it would
/// come back persistent, with nobody's session behind it: a factory or strategy runtime that
/// never goes (the strategy's leader counts it and, with the lowest suffix, is it: no
/// requestNum is written again), a server Java takes for alive until judged dead.
pub fn revert_refusal<'a>(root: &str, nodes: impl IntoIterator<Item = (&'a str, bool, bool)>) -> Option<String> {
    let back: Vec<String> = nodes
        .into_iter()
        .filter(|(_, there, kept)| !there && *kept)
        .filter_map(|(p, _, _)| runtime_node(root, p).map(|what| format!("{what} {p}")))
        .collect();
    if back.is_empty() {
        return None;
    }
    let more = if back.len() > 3 { format!(" and {} more", back.len() - 3) } else { String::new() };
    Some(format!(
        "a revert never re-creates a runtime's node (only its runtime makes it; made back it would stand with no session behind it, taken by Java for alive): {}{more}",
        back.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
    ))
}

/// Why the inspector's edit may not write `data` to `path` (under `root`), if it may not: a
/// runtime's node only as Java reads it. A factory's node holds `true` or `false` (Java's
/// `parseBoolean`: empty, or any other text, stops every group of that factory); a strategy
/// runtime holds the JSON of that strategy and that factory (any other breaks every factory's
/// loop, P10); a server node is its runtime's heartbeat, never edited. `cur_server` and
/// `req_server` written empty are written null ([`edit_writes_null`]).
pub fn node_edit_problem(root: &str, path: &str, data: &[u8]) -> Option<String> {
    let rel = path.strip_prefix(root)?.strip_prefix('/')?;
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["factory", _] if data != b"true" && data != b"false" => Some(format!(
            "{path}: a factory's node holds true or false (Java reads anything else, empty too, as false: the factory stops every group)"
        )),
        ["strategy", s, f] => match crate::records::StrategyRuntime::decode(data) {
            Ok(rt) if rt.strategy_name.as_deref() == Some(s) && rt.uuid.as_deref() == Some(f) => None,
            Ok(_) => Some(format!(
                "{path}: a strategy runtime's strategyName must be {s} and its uuid {f} (Java's factories fail their loop otherwise)"
            )),
            Err(e) => Some(format!("{path}: a strategy runtime holds its JSON ({e}); Java's factories fail their loop otherwise")),
        },
        ["baseTaskType", _, _, "server", _] => {
            Some(format!("{path}: a thread group's server node is written by its runtime's heartbeat, never edited"))
        }
        _ => None,
    }
}

/// Whether the inspector writes `data` to `path` as ZooKeeper null: an item's owner field
/// (`cur_server`, `req_server`) written empty, as Java leaves "no server" (a Java holder reads
/// any non-null `req_server`, empty too, as a hand-over request).
pub fn edit_writes_null(path: &str, data: &[u8]) -> bool {
    data.is_empty() && (path.ends_with("/cur_server") || path.ends_with("/req_server")) && path.contains("/taskItem/")
}

/// A node a revert would not find as the entry left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevertConflict {
    /// The node.
    pub path: String,
    /// What the revert would write back.
    pub before: NodeState,
    /// What the entry left.
    pub after: NodeState,
    /// What it holds now.
    pub now: NodeState,
}

/// The nodes of `entry` that changed since it (their state now differs from what it left, by
/// version or bytes), with their three states; empty when the revert is safe.
pub fn revert_conflicts(entry: &JournalEntry, now: &[NodeState]) -> Vec<RevertConflict> {
    entry
        .nodes
        .iter()
        .zip(now)
        .filter(|(n, now)| n.after.version != now.version || !n.after.same_bytes(now))
        .map(|(n, now)| RevertConflict {
            path: n.path.clone(),
            before: n.before.clone(),
            after: n.after.clone(),
            now: now.clone(),
        })
        .collect()
}

/// What a revert did or would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevertReport {
    /// The entry reverted.
    pub entry: i64,
    /// The revert's own journal entry (none for a dry run or a refusal).
    pub journal: Option<i64>,
    /// The nodes written back (path and the fields that change back).
    pub nodes: Vec<JournalNode>,
    /// Nodes changed since the entry: the revert was refused unless overwriting was chosen.
    pub conflicts: Vec<RevertConflict>,
    /// Nothing was written (a dry run, or refused by conflicts).
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revert_never_makes_a_runtimes_node_again() {
        let r = "/r";
        let back = |p: &'static str| vec![(p, false, true)];
        for p in ["/r/factory/F$1", "/r/strategy/S/F$1", "/r/baseTaskType/B/B$d/server/B$d$x$1"] {
            let why = revert_refusal(r, back(p)).unwrap_or_default();
            assert!(why.contains(p), "{p}: {why}");
        }
        // Definitions, items, a runtime node still there (set back), or deleted: allowed.
        for p in ["/r/strategy/S", "/r/baseTaskType/B", "/r/baseTaskType/B/B$d/taskItem/0/cur_server", "/r/factory"] {
            assert_eq!(revert_refusal(r, back(p)), None, "{p}");
        }
        assert_eq!(revert_refusal(r, vec![("/r/factory/F$1", true, true)]), None);
        assert_eq!(revert_refusal(r, vec![("/r/factory/F$1", true, false)]), None);
        // Another root's paths are not judged by this one's places.
        assert_eq!(revert_refusal("/other", back("/r/factory/F$1")), None);
        let many: Vec<(&str, bool, bool)> = ["/r/factory/a", "/r/factory/b", "/r/factory/c", "/r/factory/d"]
            .iter()
            .map(|p| (*p, false, true))
            .collect();
        assert!(revert_refusal(r, many).unwrap_or_default().ends_with("and 1 more"));
    }

    #[test]
    fn the_inspector_writes_a_runtimes_node_only_as_java_reads_it() {
        let r = "/r";
        assert_eq!(node_edit_problem(r, "/r/factory/F$1", b"false"), None);
        assert_eq!(node_edit_problem(r, "/r/factory/F$1", b"true"), None);
        for bad in [&b""[..], b" true", b"TRUE", b"0", b"\xff"] {
            assert!(node_edit_problem(r, "/r/factory/F$1", bad).is_some(), "{bad:?}");
        }
        let rt = |s: &str, u: &str| {
            format!(r#"{{"strategyName":"{s}","uuid":"{u}","requestNum":2,"currentNum":0,"message":""}}"#)
        };
        assert_eq!(node_edit_problem(r, "/r/strategy/S/F$1", rt("S", "F$1").as_bytes()), None);
        assert!(node_edit_problem(r, "/r/strategy/S/F$1", rt("T", "F$1").as_bytes()).is_some());
        assert!(node_edit_problem(r, "/r/strategy/S/F$1", rt("S", "F$2").as_bytes()).is_some());
        assert!(node_edit_problem(r, "/r/strategy/S/F$1", b"").is_some());
        assert!(node_edit_problem(r, "/r/strategy/S/F$1", b"{").is_some());
        assert!(node_edit_problem(r, "/r/baseTaskType/B/B$d/server/B$d$x$1", b"{}").is_some());
        assert_eq!(node_edit_problem(r, "/r/baseTaskType/B/B$d/taskItem/0/sts", b"ACTIVTE"), None);
        assert!(edit_writes_null("/r/baseTaskType/B/B$d/taskItem/0/req_server", b""));
        assert!(edit_writes_null("/r/baseTaskType/B/B$d/taskItem/0/cur_server", b""));
        assert!(!edit_writes_null("/r/baseTaskType/B/B$d/taskItem/0/cur_server", b"x"));
        assert!(!edit_writes_null("/r/baseTaskType/B/B$d/taskItem/0/parameter", b""));
    }

    fn state(data: &str, v: i32) -> NodeState {
        NodeState { data: Some(data.as_bytes().to_vec()), version: Some(v) }
    }

    fn entry(nodes: Vec<JournalNode>) -> JournalEntry {
        JournalEntry {
            id: 1,
            time_ms: 0,
            profile: "p".into(),
            root: "/r".into(),
            who: "u@h".into(),
            command: "save_task_type".into(),
            outcome: Outcome::Applied,
            error: None,
            reverts: None,
            nodes,
        }
    }

    #[test]
    fn a_node_changed_since_is_a_conflict_with_three_states() {
        let n =
            JournalNode { path: "/r/strategy/S".into(), before: state("{\"a\":1}", 0), after: state("{\"a\":2}", 1) };
        let e = entry(vec![n]);
        assert!(revert_conflicts(&e, &[state("{\"a\":2}", 1)]).is_empty());
        let c = revert_conflicts(&e, &[state("{\"a\":3}", 2)]);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].before.version, c[0].after.version, c[0].now.version), (Some(0), Some(1), Some(2)));
        // the same version with other bytes (a node deleted and created again) is a conflict too
        assert_eq!(revert_conflicts(&e, &[state("{\"a\":9}", 1)]).len(), 1);
        // a node created by the entry and deleted since
        let created =
            JournalNode { path: "/r/baseTaskType/T".into(), before: NodeState::absent(), after: state("{}", 0) };
        assert_eq!(revert_conflicts(&entry(vec![created]), &[NodeState::absent()]).len(), 1);
    }

    #[test]
    fn objects_are_named_from_their_paths() {
        assert_eq!(object_of("/r", "/r/baseTaskType/Job"), "taskType Job");
        assert_eq!(object_of("/r", "/r/strategy/S1"), "strategy S1");
        assert_eq!(object_of("/r", "/r/baseTaskType/Job/Job$dev/server/x"), "baseTaskType/Job/Job$dev/server/x");
        assert_eq!(object_of("/r", "/r"), "root");
        assert_eq!(Outcome::parse("weird"), Outcome::Pending);
    }
}

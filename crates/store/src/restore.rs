//! Node states for the journal, and writing states back (a revert): what the api's journal
//! records before and after each write, and the one multi a revert applies.

use tbdesk_model::journal::NodeState;
use zookeeper_client as zk;

use crate::jute::Op;
use crate::{Error, Expect, Store};

/// One node a revert writes back.
#[derive(Debug, Clone)]
pub struct Restore {
    /// The node.
    pub path: String,
    /// The state to write back (absent: delete it).
    pub target: NodeState,
    /// The state it must be in now (its version, or absence): checked atomically by the multi.
    pub expect: NodeState,
}

/// A write refused by a rule on what it would do (`field` names it).
fn refused(field: &str, why: String) -> Error {
    Error::Invalid(vec![tbdesk_model::validate::Violation::error(field, "runtime_node", why)])
}

impl Store {
    /// Each node's state now (absent, or its bytes at a version), read together.
    pub async fn node_states(&self, paths: &[String]) -> Result<Vec<NodeState>, Error> {
        let reads = paths.iter().map(|p| self.client.get_data(p));
        let mut out = Vec::with_capacity(paths.len());
        for (r, p) in futures::future::join_all(reads).await.into_iter().zip(paths) {
            out.push(match r {
                Ok((data, stat)) => NodeState { data: Some(data), version: Some(stat.version) },
                Err(zk::Error::NoNode) => NodeState::absent(),
                Err(e) => return Err(Error::at(p, e)),
            });
        }
        Ok(out)
    }

    /// Writes every node back to its target in one multi, each only if it is still as
    /// expected; whole or nothing. Deletes go deepest first, creates and sets shallowest first.
    /// Empty bytes are written as null (how Java leaves a node without data; the client reads
    /// both as empty, P15).
    pub async fn restore(&self, nodes: &[Restore]) -> Result<(), Error> {
        if self.opts.read_only {
            return Err(Error::ReadOnly);
        }
        let back = nodes.iter().map(|n| (n.path.as_str(), n.expect.data.is_some(), n.target.data.is_some()));
        if let Some(why) = tbdesk_model::journal::revert_refusal(self.root.as_str(), back) {
            return Err(refused("revert", why));
        }
        let depth = |p: &str| p.matches('/').count();
        let mut deletes: Vec<&Restore> =
            nodes.iter().filter(|n| n.target.data.is_none() && n.expect.data.is_some()).collect();
        deletes.sort_by_key(|n| std::cmp::Reverse(depth(&n.path)));
        let mut writes: Vec<&Restore> = nodes.iter().filter(|n| n.target.data.is_some()).collect();
        writes.sort_by_key(|n| depth(&n.path));
        let mut ops = Vec::new();
        for n in &deletes {
            ops.push(Op::Delete { path: &n.path, version: n.expect.version });
        }
        for n in &writes {
            let data = n.target.data.as_deref().unwrap_or_default();
            ops.push(match (n.expect.version, data.is_empty()) {
                (None, true) => Op::Create { path: &n.path, data: None, mode: crate::jute::Mode::Persistent },
                (None, false) => Op::Create { path: &n.path, data: Some(data), mode: crate::jute::Mode::Persistent },
                (Some(v), true) => Op::SetNull { path: &n.path, version: Some(v) },
                (Some(v), false) => Op::Set { path: &n.path, data, version: Some(v) },
            });
        }
        match self.nulls.multi(&ops).await {
            Ok(_) => Ok(()),
            Err(Error::Zk { path, source: zk::Error::BadVersion | zk::Error::NodeExists })
            | Err(Error::NoNode { path }) => {
                let expected = nodes
                    .iter()
                    .find(|n| n.path == path)
                    .and_then(|n| n.expect.version)
                    .map_or(Expect::Absent, Expect::Version);
                let actual = self.version_of(&path).await.ok().flatten();
                Err(Error::Conflict { path, expected, actual })
            }
            Err(e) => Err(e),
        }
    }
}

impl Store {
    /// One node of the root for the inspector: `path` absolute (at or under the root) or
    /// relative to it. A node the session may not read shows its stat and, when it can be read,
    /// its ACL, with why its bytes cannot be read.
    pub async fn inspect(&self, path: &str) -> Result<tbdesk_model::inspect::NodeView, Error> {
        use tbdesk_model::inspect::{acl_words, show, time_text, NodeStatView, NodeView};
        let root = self.root.as_str();
        let path = if path.starts_with('/') {
            path.trim_end_matches('/').to_owned()
        } else {
            // "" (or only slashes) is the root itself, not "root/".
            match path.trim_matches('/') {
                "" => root.to_owned(),
                rel => format!("{root}/{rel}"),
            }
        };
        let path = if path.is_empty() { "/".to_owned() } else { path };
        let under = path == root || path.strip_prefix(root).is_some_and(|r| r.starts_with('/'));
        if !under {
            return Err(Error::Invalid(vec![tbdesk_model::validate::Violation::error(
                "path",
                "under_root",
                format!("{path} is not under this profile's root {root}"),
            )]));
        }
        let acl = match self.client.get_acl(&path).await {
            Ok((acls, _)) => Some(
                acls.iter().map(|a| acl_words(a.scheme(), a.id(), crate::reader::acl_bits(a.permission()))).collect(),
            ),
            Err(zk::Error::NoNode) => return Err(Error::NoNode { path }),
            Err(_) => None,
        };
        let (data, stat, unreadable) = match self.client.get_data(&path).await {
            Ok((d, s)) => (Some(d), Some(s), None),
            Err(zk::Error::NoNode) => return Err(Error::NoNode { path }),
            Err(zk::Error::NoAuth) => (None, None, Some("its ACL refuses this session READ".to_owned())),
            Err(e) => return Err(Error::at(&path, e)),
        };
        let stat = match stat {
            Some(s) => s,
            None => match self.client.check_stat(&path).await {
                Ok(Some(s)) => s,
                Ok(None) => return Err(Error::NoNode { path }),
                Err(e) => return Err(Error::at(&path, e)),
            },
        };
        let children = match self.client.list_children(&path).await {
            Ok(mut c) => {
                c.sort();
                Some(c)
            }
            Err(zk::Error::NoAuth) => None,
            Err(e) => return Err(Error::at(&path, e)),
        };
        let tz = self.opts.tz;
        Ok(NodeView {
            shown: data.as_deref().map(show),
            data,
            stat: NodeStatView {
                version: stat.version,
                cversion: stat.cversion,
                aversion: stat.aversion,
                ctime: stat.ctime,
                mtime: stat.mtime,
                ephemeral_owner: stat.ephemeral_owner,
                data_length: stat.data_length,
                num_children: stat.num_children,
                czxid: stat.czxid,
                mzxid: stat.mzxid,
            },
            acl,
            children,
            unreadable,
            ctime_text: time_text(stat.ctime, tz),
            mtime_text: time_text(stat.mtime, tz),
            path,
        })
    }
}

impl Store {
    /// Sets a node's bytes at `version` (the inspector's guarded edit of a node outside the
    /// forms): under the root only, never a task type or strategy definition (their forms
    /// validate them), refused on a read-only profile; a changed node is a conflict.
    pub async fn set_node(&self, path: &str, data: &[u8], version: i32) -> Result<i32, Error> {
        if self.opts.read_only {
            return Err(Error::ReadOnly);
        }
        let root = self.root.as_str();
        let refuse = |message: String| {
            Error::Invalid(vec![tbdesk_model::validate::Violation::error("path", "node_edit", message)])
        };
        if !path.strip_prefix(root).is_some_and(|r| r.starts_with('/')) {
            return Err(refuse(format!("{path} is not below this profile's root {root}")));
        }
        let object = tbdesk_model::journal::object_of(root, path);
        if object.starts_with("taskType ") || object.starts_with("strategy ") {
            return Err(refuse(format!("{object} is edited in its form, which checks every rule")));
        }
        if let Some(why) = tbdesk_model::journal::node_edit_problem(root, path, data) {
            return Err(refused("data", why));
        }
        crate::writes::known_version(version)?;
        let written = if tbdesk_model::journal::edit_writes_null(path, data) {
            // "No server" as Java writes it: null, never empty.
            let op = [Op::SetNull { path, version: Some(version) }];
            self.nulls.multi(&op).await.map(|r| match r.first() {
                Some(crate::jute::OpResult::Set(v)) => *v,
                _ => version.saturating_add(1),
            })
        } else {
            self.client
                .set_data(path, data, Some(version))
                .await
                .map(|stat| stat.version)
                .map_err(|e| Error::at(path, e))
        };
        match written {
            Ok(v) => Ok(v),
            Err(Error::Zk { source: zk::Error::BadVersion | zk::Error::NoNode, .. }) | Err(Error::NoNode { .. }) => {
                let actual = self.version_of(path).await.ok().flatten();
                Err(Error::Conflict { path: path.to_owned(), expected: Expect::Version(version), actual })
            }
            Err(e) => Err(e),
        }
    }
}

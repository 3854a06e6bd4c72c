//! Export, import and diff against a live root. The pure half (the configuration, both file
//! formats, the plan) is [`tbdesk_model::transfer`], so the UI can compute a plan itself; this
//! half reads a root's configuration and applies a plan as one multi.

pub use tbdesk_model::transfer::*;

use tbdesk_model::gson;
use tbdesk_model::records::{ConfigType, Strategy, TaskType};
use tbdesk_model::validate;
use zookeeper_client as zk;

use crate::session::acls;
use crate::{Error, Expect, Store};

/// The largest import applied as one multi: the one request limit, [`crate::jute::MAX_REQUEST`].
pub const MAX_MULTI_BYTES: usize = crate::jute::MAX_REQUEST;

impl Store {
    /// The root's configuration, each blob exactly as stored, with its version.
    pub async fn export_config(&self) -> Result<Config, Error> {
        self.check_config_root().await?;
        let mut c = Config::default();
        let mut skipped = Vec::new();
        let mut order = Vec::new();
        for (dir, target) in
            [(self.root.base_task_types(), &mut c.task_types), (self.root.strategies(), &mut c.strategies)]
        {
            let names = match self.client.list_children(&dir).await {
                Ok(n) => n,
                Err(zk::Error::NoNode) => continue,
                Err(e) => return Err(Error::at(&dir, e)),
            };
            let task_types = dir == self.root.base_task_types();
            for n in names {
                let p = format!("{dir}/{n}");
                match self.client.get_data(&p).await {
                    Ok((data, stat)) => {
                        let readable = if task_types {
                            TaskType::decode(&data).map(|_| ())
                        } else {
                            Strategy::decode(&data).map(|_| ())
                        };
                        match readable {
                            Ok(()) => {
                                order.push((
                                    if task_types { ConfigType::BaseTaskType } else { ConfigType::Strategy },
                                    n.clone(),
                                ));
                                target.insert(n, Entry { blob: gson::text(&data), version: Some(stat.version) });
                            }
                            Err(e) => skipped.push((
                                p,
                                format!("not a readable {}: {e}", if task_types { "task type" } else { "strategy" }),
                            )),
                        }
                    }
                    Err(zk::Error::NoNode) => {}
                    Err(zk::Error::NoAuth) => {
                        skipped.push((p, "unreadable: its ACL refuses this session".into()));
                    }
                    Err(e) => return Err(Error::at(&p, e)),
                }
            }
        }
        c.skipped = skipped;
        c.order = order;
        Ok(c)
    }

    /// Applies `target` to this root in one multi: every object is validated first (nothing
    /// is written if one fails), updates and deletes check the version read for the plan.
    /// Deletes of task types and strategies in use are refused as in [`Store::delete_task_type`].
    pub async fn import_config(&self, target: &Config, prune: bool) -> Result<Vec<Change>, Error> {
        self.import_config_opts(target, prune, false).await
    }

    /// Refuses a root that is missing or not initialised, or whose marker the 3.2.12–3.3.x
    /// runtimes reject: export of such a root would be an empty backup, an import would write
    /// where no runtime reads.
    pub async fn check_config_root(&self) -> Result<(), Error> {
        use tbdesk_model::version::{judge_marker, MarkerVerdict};
        let root = self.root.as_str();
        match self.client.get_data(root).await {
            Err(zk::Error::NoNode) => Err(Error::NotARoot {
                path: root.to_owned(),
                why: "it does not exist (check the profile's root path, or run init first)".into(),
            }),
            Err(e) => Err(Error::at(root, e)),
            Ok((d, _)) => match judge_marker(Some(&d)) {
                MarkerVerdict::Unmarked => Err(Error::NotARoot {
                    path: root.to_owned(),
                    why: "it holds no TBSchedule version marker (not initialised: run init first)".into(),
                }),
                MarkerVerdict::Incompatible(found) => Err(Error::IncompatibleRoot { path: root.to_owned(), found }),
                MarkerVerdict::Compatible(_) => Ok(()),
            },
        }
    }

    /// What importing `target` would change, after every check an import makes (the root,
    /// names, rules, the prune guard): a dry run refuses exactly what the import refuses.
    pub async fn import_plan(
        &self,
        target: &Config,
        prune: bool,
        prune_all: bool,
    ) -> Result<(Config, Vec<Change>), Error> {
        self.check_config_root().await?;
        self.check_import(target)?;
        let current = self.export_config().await?;
        let changes = plan(&current, target, prune);
        let deletes = changes.iter().filter(|c| matches!(c, Change::Delete { .. })).count();
        let existing = current.task_types.len() + current.strategies.len();
        if prune && !prune_all && existing > 0 && deletes == existing {
            let why = format!(
                "this would delete every task type and strategy of the root ({existing}); if that is meant, say so with --prune-all"
            );
            return Err(Error::Invalid(vec![validate::Violation::error("prune", "prune_everything", why)]));
        }
        self.check_prune_in_use(&current, target, &changes)?;
        Ok((current, changes))
    }

    /// Refuses a prune that deletes a task type a Schedule strategy left in the root runs
    /// (Java's factories would loop on the missing definition), or while a strategy this
    /// session cannot read may run it: as the console's task type delete refuses it.
    fn check_prune_in_use(&self, current: &Config, target: &Config, changes: &[Change]) -> Result<(), Error> {
        use std::collections::BTreeSet;
        let deleted = |kind: &str| -> BTreeSet<&str> {
            changes
                .iter()
                .filter(|c| matches!(c, Change::Delete { .. }) && c.kind() == kind)
                .map(Change::name)
                .collect()
        };
        let (task_types, strategies) = (deleted("taskType"), deleted("strategy"));
        if task_types.is_empty() {
            return Ok(());
        }
        let mut problems = Vec::new();
        let staying: BTreeSet<&String> = current.strategies.keys().chain(target.strategies.keys()).collect();
        for name in staying.into_iter().filter(|n| !strategies.contains(n.as_str())) {
            let Some(e) = target.strategies.get(name).or_else(|| current.strategies.get(name)) else { continue };
            if let Some(t) = e.schedule_task_type().filter(|t| task_types.contains(t.base.as_str())) {
                problems.push(validate::Violation::error(
                    format!("taskType {}", t.base),
                    "prune_in_use",
                    format!(
                        "is run by strategy {name}, which stays in the root: the prune would delete its task type under it (delete or repoint the strategy too); nothing was written"
                    ),
                ));
            }
        }
        for (path, why) in current.unread_strategies(&self.root.strategies()) {
            problems.push(validate::Violation::error(
                "prune",
                "prune_unreadable_strategy",
                format!(
                    "{path} is not a strategy this session can read ({why}), so whether it runs a task type the prune deletes is not known: fix or delete it first; nothing was written"
                ),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    }

    /// [`Store::import_config`], with `prune_all` allowing a prune that empties the root.
    pub async fn import_config_opts(
        &self,
        target: &Config,
        prune: bool,
        prune_all: bool,
    ) -> Result<Vec<Change>, Error> {
        if self.opts.read_only {
            return Err(Error::ReadOnly);
        }
        let (current, changes) = self.import_plan(target, prune, prune_all).await?;
        self.apply_plan(target, &current, changes).await
    }

    /// Names, node names and rules of every object of an import; all problems at once.
    fn check_import(&self, target: &Config) -> Result<(), Error> {
        let ctx = validate::Context { now_ms: self.zk_now_ms(), tz: self.opts.tz };
        let mut problems = Vec::new();
        for (name, e) in &target.task_types {
            let t = TaskType::decode(e.blob.as_bytes())
                .map_err(|source| Error::Decode { path: self.root.base_task_type(name), source })?;
            problems.extend(
                validate::task_type(&t, &ctx).into_iter().filter(|v| v.severity == validate::Severity::Error).map(
                    |mut v| {
                        v.field = format!("taskType {name}: {}", v.field);
                        v
                    },
                ),
            );
            if t.base_task_type.as_deref() != Some(name.as_str()) {
                problems.push(validate::Violation::error(
                    format!("taskType {name}: baseTaskType"),
                    "name_matches_node",
                    "must equal the node name",
                ));
            }
        }
        for (name, e) in &target.strategies {
            let s = Strategy::decode(e.blob.as_bytes())
                .map_err(|source| Error::Decode { path: self.root.strategy(name), source })?;
            problems.extend(
                validate::strategy(&s).into_iter().filter(|v| v.severity == validate::Severity::Error).map(|mut v| {
                    v.field = format!("strategy {name}: {}", v.field);
                    v
                }),
            );
            if s.strategy_name.as_deref() != Some(name.as_str()) {
                problems.push(validate::Violation::error(
                    format!("strategy {name}: strategyName"),
                    "name_matches_node",
                    format!("{:?} must equal the node name", s.strategy_name.unwrap_or_default()),
                ));
            }
        }
        // The node names themselves (the name in a Java line is the node's): one that ZooKeeper
        // would read as a path ('/') would write under another node, e.g. a runtime subtree.
        for (kind, names) in [("taskType", target.task_types.keys()), ("strategy", target.strategies.keys())] {
            for name in names {
                if let Some(p) = tbdesk_model::paths::node_name_problem(name) {
                    problems.push(validate::Violation::error(
                        format!("{kind} {name:?}"),
                        "node_name",
                        format!("the node name {p}"),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    }

    async fn apply_plan(&self, target: &Config, current: &Config, changes: Vec<Change>) -> Result<Vec<Change>, Error> {
        if changes.is_empty() {
            return Ok(changes);
        }
        // What each create or update writes: the file's blob, in ASCII escapes over a node a
        // GBK JVM wrote (or kept to ASCII before), as a form's save writes it there; the
        // node's bytes are read again for that (the multi still expects the plan's version).
        let mut blobs: Vec<Option<String>> = Vec::with_capacity(changes.len());
        for ch in &changes {
            let (kind, name) = (ch.kind(), ch.name());
            let (path, tgt) = if kind == "taskType" {
                (self.root.base_task_type(name), target.task_types.get(name))
            } else {
                (self.root.strategy(name), target.strategies.get(name))
            };
            let blob = tgt.map(|e| e.blob.clone()).unwrap_or_default();
            blobs.push(match ch {
                Change::Create { .. } => Some(blob),
                Change::Update { .. } => match self.client.get_data(&path).await {
                    // Escaped from the record's own encoding (non-ASCII only inside strings):
                    // a promoted blob is the source node's text as stored, which may be
                    // hand-edited (unquoted words, `\中`) and would escape into something else.
                    Ok((now, _)) if gson::keeps_to_ascii(&now) => {
                        let canonical = if kind == "taskType" {
                            TaskType::decode(blob.as_bytes()).map(|t| t.encode())
                        } else {
                            Strategy::decode(blob.as_bytes()).map(|s| s.encode())
                        };
                        Some(gson::ascii_escaped(
                            &canonical.map_err(|source| Error::Decode { path: path.clone(), source })?,
                        ))
                    }
                    Ok(_) | Err(zk::Error::NoNode) => Some(blob),
                    Err(e) => return Err(Error::at(&path, e)),
                },
                Change::Delete { .. } => None,
            });
        }
        // ZooKeeper refuses a request over jute.maxbuffer (1 MiB by default) by dropping the
        // connection: say so before writing anything.
        let size: usize = changes
            .iter()
            .zip(&blobs)
            .map(|(c, blob)| {
                // Per op: the multi header (9), the path's length and directory (`/baseTaskType/`,
                // 4 + 14), the data's length (4), the digest and world ACLs (~90), the flags (4):
                // counted high, so a request the server would drop is never sent.
                self.root.as_str().len() + c.name().len() + 160 + blob.as_ref().map_or(0, String::len)
            })
            .sum();
        if size > MAX_MULTI_BYTES {
            return Err(Error::TooLarge { bytes: size, limit: MAX_MULTI_BYTES, objects: changes.len() });
        }
        let opts = zk::CreateMode::Persistent.with_acls(acls(self.opts.digest.is_some()));
        let mut w = self.client.new_multi_writer();
        // A 3.4 server knows no create2, which the client's multi always sends: there the same
        // ops go through the jute writer, whose multi creates with op 1 (and Java's ACL).
        let mut old_ops: Vec<(String, Option<String>, Option<i32>, u8)> = Vec::new();
        let mut paths = Vec::new();
        for (ch, blob) in changes.iter().zip(&blobs) {
            let (kind, name) = (ch.kind(), ch.name());
            let (path, cur) = if kind == "taskType" {
                (self.root.base_task_type(name), current.task_types.get(name))
            } else {
                (self.root.strategy(name), current.strategies.get(name))
            };
            let blob = blob.as_deref().unwrap_or_default();
            match ch {
                Change::Create { .. } => {
                    w.add_create(&path, blob.as_bytes(), &opts).map_err(|e| Error::at(&path, e))?;
                    old_ops.push((path.clone(), Some(blob.to_owned()), None, b'c'));
                }
                Change::Update { .. } => {
                    w.add_set_data(&path, blob.as_bytes(), cur.and_then(|c| c.version))
                        .map_err(|e| Error::at(&path, e))?;
                    old_ops.push((path.clone(), Some(blob.to_owned()), cur.and_then(|c| c.version), b's'));
                }
                Change::Delete { .. } => {
                    let kids = self.client.list_children(&path).await.map_err(|e| Error::at(&path, e))?;
                    if !kids.is_empty() && kind == "taskType" {
                        // A task type's children are its domains (runtime state, not
                        // configuration): an import never deletes under a runtime subtree.
                        let why = format!(
                            "has the domain(s) {} (runtime state); an import does not delete them: delete the task type from the console, which checks its runtimes",
                            kids.join(", ")
                        );
                        let field = format!("taskType {name}");
                        return Err(Error::Invalid(vec![validate::Violation::error(field, "prune_domains", why)]));
                    }
                    if !kids.is_empty() {
                        return Err(Error::Running { what: format!("{kind} {name}"), running: kids });
                    }
                    w.add_delete(&path, cur.and_then(|c| c.version)).map_err(|e| Error::at(&path, e))?;
                    old_ops.push((path.clone(), None, cur.and_then(|c| c.version), b'd'));
                }
            }
            paths.push(path);
        }
        let committed = if self.features.create2 {
            w.commit().await.map(|_| ())
        } else {
            drop(w);
            let ops: Vec<crate::jute::Op<'_>> = old_ops
                .iter()
                .map(|(path, blob, version, kind)| match kind {
                    b'c' => crate::jute::Op::Create {
                        path,
                        data: Some(blob.as_deref().unwrap_or_default().as_bytes()),
                        mode: crate::jute::Mode::Persistent,
                    },
                    b's' => crate::jute::Op::Set {
                        path,
                        data: blob.as_deref().unwrap_or_default().as_bytes(),
                        version: *version,
                    },
                    _ => crate::jute::Op::Delete { path, version: *version },
                })
                .collect();
            match self.nulls.multi(&ops).await {
                Ok(_) => Ok(()),
                // The jute writer names the failing node; the plan's index of that node is the
                // failing operation, as the client's multi reports it.
                Err(e) => {
                    let (at, source) = match e {
                        Error::NoNode { path } => (path, zk::Error::NoNode),
                        Error::Zk { path, source } => (path, source),
                        other => return Err(other),
                    };
                    match paths.iter().position(|p| *p == at) {
                        Some(index) => Err(zk::MultiWriteError::OperationFailed { index, source }),
                        None => Err(zk::MultiWriteError::RequestFailed { source }),
                    }
                }
            }
        };
        match committed {
            Ok(()) => Ok(changes),
            Err(zk::MultiWriteError::OperationFailed { index, source }) => {
                let p = paths.get(index).cloned().unwrap_or_default();
                match source {
                    zk::Error::BadVersion | zk::Error::NodeExists | zk::Error::NoNode => {
                        let actual = self.version_of(&p).await.ok().flatten();
                        let expected = match changes.get(index) {
                            Some(Change::Create { .. }) => Expect::Absent,
                            Some(Change::Update { kind, name, .. }) | Some(Change::Delete { kind, name }) => {
                                let cur = if kind == "taskType" {
                                    current.task_types.get(name)
                                } else {
                                    current.strategies.get(name)
                                };
                                Expect::Version(cur.and_then(|c| c.version).unwrap_or(-1))
                            }
                            None => Expect::Version(-1),
                        };
                        Err(Error::Conflict { path: p, expected, actual })
                    }
                    e => Err(Error::at(&p, e)),
                }
            }
            Err(zk::MultiWriteError::RequestFailed { source }) => Err(Error::at(self.root.as_str(), source)),
        }
    }
}

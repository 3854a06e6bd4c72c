//! Validated writes. Every write is checked again here with the model's rules (the caller may
//! be a crafted IPC call), refused on a read-only profile, carries the version it was read at
//! (a changed node is a [`Error::Conflict`] naming it, with both versions), and a write that
//! touches several nodes is one ZooKeeper `multi`: whole or nothing.
//!
//! Destructive actions that break live Java runtimes (P8) are refused while servers or
//! factories are registered, unless forced; the refusal lists what is running.

use tbdesk_model::records::{Strategy, TaskType};
use tbdesk_model::validate::{self, Violation};
use zookeeper_client as zk;

use crate::session::acls;
use crate::{Error, Store};

use crate::Expect;

/// Whether a node of a tree to delete is a runtime's (a registered server or factory).
type IsRuntime<'a> = dyn Fn(&str) -> bool + Sync + 'a;

impl Store {
    fn writable(&self) -> Result<(), Error> {
        if self.opts.read_only {
            return Err(Error::ReadOnly);
        }
        Ok(())
    }

    fn validation_context(&self) -> validate::Context {
        validate::Context { now_ms: self.zk_now_ms(), tz: self.opts.tz }
    }

    /// Current data version of `path`, `None` when it does not exist.
    pub async fn version_of(&self, path: &str) -> Result<Option<i32>, Error> {
        match self.client.check_stat(path).await {
            Ok(s) => Ok(s.map(|s| s.version)),
            Err(e) => Err(Error::at(path, e)),
        }
    }

    async fn conflict(&self, path: &str, expected: Expect) -> Error {
        let actual = self.version_of(path).await.ok().flatten();
        Error::Conflict { path: path.to_owned(), expected, actual }
    }

    async fn put_blob(&self, path: &str, blob: &str, expected: Expect) -> Result<i32, Error> {
        match expected {
            Expect::Absent => {
                let opts = zk::CreateMode::Persistent.with_acls(acls(self.opts.digest.is_some()));
                match self.client.create(path, blob.as_bytes(), &opts).await {
                    Ok((stat, _)) => Ok(stat.version.max(0)),
                    Err(zk::Error::NodeExists) => Err(self.conflict(path, expected).await),
                    Err(e) => Err(Error::at(path, e)),
                }
            }
            Expect::Version(v) => {
                let v = known_version(v)?;
                // A node a GBK JVM wrote keeps to ASCII (its reader decodes with its platform
                // charset): asked now, since a form's save does not carry the bytes it edited.
                let blob = match self.client.get_data(path).await {
                    Ok((current, _)) => charset_kept(&current, blob.to_owned()),
                    Err(_) => blob.to_owned(),
                };
                self.set_blob(path, &blob, v).await
            }
        }
    }

    /// Sets `blob` at `path` if its data version is still `version` (one read from ZooKeeper).
    async fn set_blob(&self, path: &str, blob: &str, version: i32) -> Result<i32, Error> {
        match self.client.set_data(path, blob.as_bytes(), Some(version)).await {
            Ok(stat) => Ok(stat.version),
            Err(zk::Error::BadVersion) | Err(zk::Error::NoNode) => {
                Err(self.conflict(path, Expect::Version(version)).await)
            }
            Err(e) => Err(Error::at(path, e)),
        }
    }

    /// Creates or updates a task type definition; returns the new data version.
    pub async fn put_task_type(&self, t: &TaskType, expected: Expect) -> Result<i32, Error> {
        self.writable()?;
        let v = validate::task_type(t, &self.validation_context());
        refuse_errors(v)?;
        let name = t.base_task_type.as_deref().unwrap_or_default();
        self.put_blob(&self.root.base_task_type(name), &t.encode(), expected).await
    }

    /// Creates or updates a strategy; returns the new data version. Unlike the Java console,
    /// an edit keeps the stored `sts` unless the caller changed it (P7).
    pub async fn put_strategy(&self, s: &Strategy, expected: Expect) -> Result<i32, Error> {
        self.writable()?;
        refuse_errors(validate::strategy(s))?;
        let name = s.strategy_name.as_deref().unwrap_or_default();
        self.put_blob(&self.root.strategy(name), &s.encode(), expected).await
    }

    /// Pauses (`true`) or resumes a strategy, changing only `sts`.
    pub async fn pause_strategy(&self, name: &str, pause: bool) -> Result<i32, Error> {
        self.writable()?;
        one_node("strategyName", name)?;
        let path = self.root.strategy(name);
        let (data, stat) = self.client.get_data(&path).await.map_err(|e| Error::at(&path, e))?;
        let mut s = Strategy::decode(&data).map_err(|e| Error::Decode { path: path.clone(), source: e })?;
        s.sts = Some(if pause { "pause" } else { "resume" }.into());
        // The bytes just read decide the charset: no second read as a form's save makes.
        self.set_blob(&path, &charset_kept(&data, s.encode()), stat.version).await
    }

    /// Pauses (`true`) or resumes the strategies `names` in one multi, each at the version just
    /// read (a strategy changed meanwhile fails the whole batch as a conflict); those already in
    /// that state are left alone. Answers the strategies changed.
    pub async fn pause_strategies(&self, names: &[String], pause: bool) -> Result<Vec<String>, Error> {
        self.writable()?;
        let want = if pause { "pause" } else { "resume" };
        let mut writes: Vec<(String, String, i32, String)> = Vec::new();
        for name in names {
            let path = self.root.strategy(name);
            let (data, stat) = self.client.get_data(&path).await.map_err(|e| Error::at(&path, e))?;
            let mut s = Strategy::decode(&data).map_err(|e| Error::Decode { path: path.clone(), source: e })?;
            if s.sts.as_deref() == Some(want) || (!pause && s.sts.is_none()) {
                continue;
            }
            s.sts = Some(want.into());
            writes.push((name.clone(), path, stat.version, charset_kept(&data, s.encode())));
        }
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let ops: Vec<crate::jute::Op<'_>> = writes
            .iter()
            .map(|(_, path, version, blob)| crate::jute::Op::Set {
                path,
                data: blob.as_bytes(),
                version: Some(*version),
            })
            .collect();
        match self.nulls.multi(&ops).await {
            Ok(_) => Ok(writes.into_iter().map(|(n, ..)| n).collect()),
            Err(Error::Zk { path, source: zk::Error::BadVersion }) | Err(Error::NoNode { path }) => {
                let expected = writes.iter().find(|w| w.1 == path).map_or(Expect::Absent, |w| Expect::Version(w.2));
                Err(self.conflict(&path, expected).await)
            }
            Err(e) => Err(e),
        }
    }

    /// Marks a factory started or stopped, as the Java console does (`true` / `false`).
    pub async fn set_factory_started(&self, uuid: &str, started: bool) -> Result<(), Error> {
        self.writable()?;
        one_node("factory", uuid)?;
        let path = self.root.factory(uuid);
        let data: &[u8] = if started { b"true" } else { b"false" };
        // At the version read: a factory node that changed meanwhile (a restart under the same
        // name, another console) is not overwritten.
        let (_, stat) = self.client.get_data(&path).await.map_err(|e| Error::at(&path, e))?;
        self.client.set_data(&path, data, Some(stat.version)).await.map_err(|e| Error::at(&path, e))?;
        Ok(())
    }

    /// Everything under `path` (children first), for a delete in one multi.
    async fn subtree_bottom_up(&self, path: &str) -> Result<Vec<String>, Error> {
        let tree = crate::reader::read_tree(&self.client, path, self.mode, |_| {}).await?;
        let mut paths: Vec<String> = tree.keys().cloned().collect();
        paths.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
        Ok(paths)
    }

    /// The server nodes of one domain, as paths (none when the domain has no `server` node).
    pub async fn server_paths(&self, base: &str, task_type: &str) -> Result<Vec<String>, Error> {
        one_node("baseTaskType", base)?;
        one_node("taskType", task_type)?;
        let dir = self.root.servers(base, task_type);
        match self.client.list_children(&dir).await {
            Ok(s) => Ok(s.iter().map(|s| format!("{dir}/{s}")).collect()),
            Err(zk::Error::NoNode) => Ok(Vec::new()),
            Err(e) => Err(Error::at(&dir, e)),
        }
    }

    /// Deletes a task type with all its domains, in one multi, if its definition is still at
    /// `version`. Refused while thread groups are registered (P8), unless `force`.
    pub async fn delete_task_type(&self, base: &str, version: i32, force: bool) -> Result<(), Error> {
        self.writable()?;
        one_node("baseTaskType", base)?;
        let path = self.root.base_task_type(base);
        // Judged on the tree the delete removes, not on an earlier look: a group that
        // registered in between would be in the tree and deleted with it (one that registers
        // after the read fails the multi: its `server` parent is then not empty).
        let server_at = |p: &str| {
            let rest: Vec<&str> = p.strip_prefix(&path).unwrap_or_default().split('/').collect();
            rest.len() == 4 && rest[2] == "server"
        };
        let running = (!force).then(|| (format!("task type {base}"), &server_at as &IsRuntime<'_>));
        self.delete_tree(&path, version, running).await
    }

    /// Deletes a domain's runtime subtree (`base/<taskType>`). Refused while servers are
    /// registered in it (P8), unless `force`.
    pub async fn clear_domain(&self, base: &str, task_type: &str, force: bool) -> Result<(), Error> {
        self.writable()?;
        one_node("baseTaskType", base)?;
        one_node("taskType", task_type)?;
        let path = self.root.domain(base, task_type);
        let v = self.version_of(&path).await?.ok_or_else(|| Error::NoNode { path: path.clone() })?;
        // Judged on the tree the delete removes (see `delete_task_type`).
        let server_at = |p: &str| {
            let rest: Vec<&str> = p.strip_prefix(&path).unwrap_or_default().split('/').collect();
            rest.len() == 3 && rest[1] == "server"
        };
        let running = (!force).then(|| (format!("domain {task_type}"), &server_at as &IsRuntime<'_>));
        self.delete_tree(&path, v, running).await
    }

    /// Deletes a strategy if still at `version`. Refused while factories are registered under
    /// it (the Java non-force rule), unless `force`.
    pub async fn delete_strategy(&self, name: &str, version: i32, force: bool) -> Result<(), Error> {
        self.writable()?;
        one_node("strategyName", name)?;
        let path = self.root.strategy(name);
        // Judged on the tree the delete removes (see `delete_task_type`).
        let runtime_at = |p: &str| p.len() > path.len();
        let running = (!force).then(|| (format!("strategy {name}"), &runtime_at as &IsRuntime<'_>));
        self.delete_tree(&path, version, running).await
    }

    /// Deletes `path` and everything below it if `path` is still at `version`: one multi, or,
    /// for a subtree whose deletes exceed ZooKeeper's request limit (a domain of thousands of
    /// items; the server drops a connection sending more), several, deepest nodes first, each
    /// re-checking `path`'s version. Java's console deletes node by node; a split delete that
    /// fails part-way leaves a smaller tree, never a node without its parent, and says so.
    /// Refused (`Error::Running`, nothing deleted) when a node of the tree as read is one
    /// `running` names a runtime's: judged on the very nodes the multi deletes, so a runtime
    /// that registered after an earlier look is never deleted with them.
    async fn delete_tree(
        &self,
        path: &str,
        version: i32,
        running: Option<(String, &IsRuntime<'_>)>,
    ) -> Result<(), Error> {
        known_version(version)?;
        let nodes = self.subtree_bottom_up(path).await?;
        if nodes.is_empty() {
            // Gone already (another console deleted it): the version named is not there.
            return Err(self.conflict(path, Expect::Version(version)).await);
        }
        if let Some((what, is_runtime)) = running {
            let held: Vec<String> = nodes
                .iter()
                .filter(|p| is_runtime(p))
                .filter_map(|p| p.rsplit('/').next().map(str::to_owned))
                .collect();
            if !held.is_empty() {
                return Err(Error::Running { what, running: held });
            }
        }
        let batches = crate::batch::path_batches(&nodes, String::as_str);
        let total = batches.len();
        let mut done = 0usize;
        for batch in batches {
            let mut w = self.client.new_multi_writer();
            w.add_check_version(path, version).map_err(|e| Error::at(path, e))?;
            // Below the top, at any version: the top's version names what is deleted, and a
            // forced delete of a live domain would otherwise fail on every heartbeat, or, split,
            // stop half-way and leave items without owner fields, which Java never repairs.
            for p in batch {
                w.add_delete(p, None).map_err(|e| Error::at(p, e))?;
            }
            match self.commit(w, path, Expect::Version(version), batch).await {
                Ok(()) => done += batch.len(),
                Err(e) if done > 0 => {
                    return Err(Error::Partial {
                        what: format!("deleting {path}"),
                        done: format!("{done} of {} nodes deleted (in {total} requests, deepest first)", nodes.len()),
                        source: Box::new(e),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Removes server nodes left behind by dead JVMs (P1): those whose mtime is older than the
    /// task type's judge-dead interval by the ZooKeeper clock, and never younger than five
    /// heartbeats (a definition holding judge-dead 0, as the Java console stores "0.5", would
    /// otherwise call every live server dead), five of the definition's and five of the
    /// server's own ([`dead_after`]: a group keeps the periods it started with, so one started
    /// before the definition's heartbeat was shortened still beats at the old pace). Each delete carries the version read, so a server
    /// that heartbeats meanwhile is not removed. Returns the removed uuids.
    pub async fn remove_dead_servers(&self, base: &str, task_type: &str) -> Result<Vec<String>, Error> {
        self.writable()?;
        one_node("baseTaskType", base)?;
        one_node("taskType", task_type)?;
        let def_path = self.root.base_task_type(base);
        let (data, _) = self.client.get_data(&def_path).await.map_err(|e| Error::at(&def_path, e))?;
        let judge = match TaskType::decode(&data) {
            Ok(t) => t.judge_dead_interval.max(t.heart_beat_rate.saturating_mul(5)),
            Err(_) => 60_000,
        };
        if judge <= 0 {
            let why = format!(
                "{def_path}: judgeDeadInterval and heartBeatRate are 0, so no server can be told dead; nothing was removed"
            );
            return Err(Error::Invalid(vec![Violation::error("judgeDeadInterval", "judge_dead_positive", why)]));
        }
        let dir = self.root.servers(base, task_type);
        let names = self.client.list_children(&dir).await.map_err(|e| Error::at(&dir, e))?;
        // Deaths are judged by ZooKeeper's clock, never this machine's (a laptop minutes fast
        // would call every live server dead): measured now, or nothing is removed.
        let offset = match self.clock_offset_ms() {
            Some(o) => o,
            None => self.probe_clock().await.ok_or_else(|| Error::Unreachable {
                connect: self.opts.connect.clone(),
                reason: "cannot read ZooKeeper's clock to judge which servers are dead; nothing was removed".into(),
            })?,
        };
        let now = crate::session::now_ms().saturating_add(offset);
        // (path, name, version) of each dead server.
        let mut dead: Vec<(String, String, i32)> = Vec::new();
        for n in names {
            let p = self.root.server(base, task_type, &n);
            if let Ok(Some(stat)) = self.client.check_stat(&p).await {
                if now.saturating_sub(stat.mtime) > dead_after(judge, &stat) {
                    dead.push((p, n, stat.version));
                }
            }
        }
        // Thousands of dead nodes (P1 piles them up for years) are more than one request
        // holds: several multis, each all or nothing; each node stands alone, so a batch that
        // fails after others landed says how far it got.
        let mut removed = Vec::new();
        let batches = crate::batch::path_batches(&dead, |(p, _, _)| p.as_str());
        let total = batches.len();
        for batch in batches {
            let mut w = self.client.new_multi_writer();
            for (p, _, version) in batch {
                w.add_delete(p, Some(*version)).map_err(|e| Error::at(p, e))?;
            }
            let failed = match w.commit().await {
                Ok(_) => None,
                Err(zk::MultiWriteError::OperationFailed { index, source: zk::Error::BadVersion }) => {
                    let p = batch.get(index).map_or_else(|| dir.clone(), |(p, _, _)| p.clone());
                    Some(Error::Conflict { path: p, expected: Expect::Version(-1), actual: None })
                }
                Err(e) => Some(Error::at(&dir, e.into())),
            };
            if let Some(e) = failed {
                if removed.is_empty() {
                    return Err(e);
                }
                return Err(Error::Partial {
                    what: format!("removing the dead servers of {task_type}"),
                    done: format!("{} of {} removed (in {total} requests)", removed.len(), dead.len()),
                    source: Box::new(e),
                });
            }
            removed.extend(batch.iter().map(|(_, n, _)| n.clone()));
        }
        Ok(removed)
    }

    async fn commit(
        &self,
        mut w: zk::MultiWriter<'_>,
        path: &str,
        expected: Expect,
        ops: &[String],
    ) -> Result<(), Error> {
        match w.commit().await {
            Ok(_) => Ok(()),
            Err(zk::MultiWriteError::OperationFailed {
                index: 0,
                source: zk::Error::BadVersion | zk::Error::NoNode,
            }) => Err(self.conflict(path, expected).await),
            Err(zk::MultiWriteError::OperationFailed { index, source }) => {
                let at = ops.get(index.saturating_sub(1)).map_or(path, String::as_str);
                Err(Error::at(at, source))
            }
            Err(zk::MultiWriteError::RequestFailed { source }) => Err(Error::at(path, source)),
        }
    }
}

fn refuse_errors(v: Vec<Violation>) -> Result<(), Error> {
    if validate::has_errors(&v) {
        return Err(Error::Invalid(v.into_iter().filter(|x| x.severity == validate::Severity::Error).collect()));
    }
    Ok(())
}

/// A version a guarded write names must be one ZooKeeper gave (0 or more): ZooKeeper reads -1
/// (and the client any negative) as "whatever version", which would turn the write's conflict
/// check off without a word.
pub(crate) fn known_version(v: i32) -> Result<i32, Error> {
    if v < 0 {
        let why = format!(
            "{v} is not a version read from ZooKeeper (0 or more); a guarded write never overwrites whatever is there"
        );
        return Err(Error::Invalid(vec![Violation::error("version", "known_version", why)]));
    }
    Ok(v)
}

/// Refuses a name that is not one node name (`S/<factory>` would reach a runtime node below the
/// strategy, a node the user never chose), naming `field`.
fn one_node(field: &'static str, name: &str) -> Result<(), Error> {
    match tbdesk_model::paths::node_name_problem(name) {
        None => Ok(()),
        Some(p) => Err(Error::Invalid(vec![Violation::error(field, "node_name", format!("{name:?} {p}"))])),
    }
}

/// How long a server node may go unwritten before it is dead: the definition's judge-dead
/// (`judge`), and at least five of the server's own heartbeat periods as its stat shows them
/// (each heartbeat is one write: the time since its creation over its writes). Java's groups
/// load the definition once, when they start; a definition edited since (a shorter heartbeat
/// and judge-dead) does not change how often a running group beats.
pub fn dead_after(judge: i64, stat: &zk::Stat) -> i64 {
    let period = match i64::from(stat.version) {
        v if v > 0 => stat.mtime.saturating_sub(stat.ctime).max(0) / v,
        _ => 0,
    };
    judge.max(period.saturating_mul(5))
}

/// `blob` as it is written over `current`: pure ASCII (non-ASCII as gson's `\u` escapes) when
/// `current` holds GBK bytes, so the GBK JVM that wrote them reads tbdesk's text as its own;
/// unchanged otherwise (byte for byte what Java writes).
fn charset_kept(current: &[u8], blob: String) -> String {
    if tbdesk_model::gson::keeps_to_ascii(current) {
        tbdesk_model::gson::ascii_escaped(&blob)
    } else {
        blob
    }
}

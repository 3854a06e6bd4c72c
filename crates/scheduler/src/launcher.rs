//! "Run this task type in my own domain": the strategy copy the local runtime follows, the
//! check for shared strategies that would capture this machine, and the clean-up after.

use tbdesk_model::names::TaskTypeName;
use tbdesk_model::records::{Kind, Strategy};
use tbdesk_model::validate;
use tbdesk_store::{Expect, Store};

use zookeeper_client as zk_client;

use crate::{ip_matches, Error};

/// The name of the strategy the launcher creates for `base` in `own_sign`.
pub fn strategy_name(base: &str, own_sign: &str) -> String {
    format!("{base}-{own_sign}-tbdesk")
}

/// Shared strategies (another own sign, not paused) whose IP list captures this machine: a
/// Java factory started on this machine would join them. The tbdesk runtime never does.
pub async fn capturing_strategies(store: &Store, own_sign: &str, ip: &str, host: &str) -> Result<Vec<String>, Error> {
    let snap = store.snapshot(|_| {}).await?;
    Ok(snap
        .strategies
        .iter()
        .filter_map(|s| {
            let st = s.strategy.ok()?;
            let tt = TaskTypeName::parse(st.task_name.as_deref().unwrap_or_default());
            let captured = ip_matches(st.ip_list.as_deref().unwrap_or_default(), ip, host);
            (captured && tt.own_sign != own_sign && !st.is_paused()).then(|| s.name.clone())
        })
        .collect())
}

/// The strategy copy a run follows: its name, and whether this run created it (only then may
/// the run's clean-up remove it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevStrategy {
    /// The strategy's name.
    pub name: String,
    /// Created by this run (its czxid), or `None`: it existed and this run joined it.
    pub created: Option<i64>,
    /// What differs from the copy this run would have made, when it joined an existing one
    /// (e.g. another group count); shown to the user, never silently ignored.
    pub notes: Vec<String>,
    /// An earlier run's leftover copy of this name may be taken over (and removed at this
    /// run's stop): never a strategy someone paused or pointed elsewhere since, nor another.
    pub adoptable: bool,
}

/// Creates (validated, create-only) the strategy `base-own_sign-tbdesk` naming only this
/// machine, or joins an existing strategy of that name after verifying that this runtime can
/// run it as one more runtime: kind Schedule, task type `base$own_sign`, not paused, IP list
/// naming this machine. Anything else is refused with the difference named; a different group
/// count is reported in [`DevStrategy::notes`] (the stored strategy's count applies).
pub async fn create_dev_strategy(
    store: &Store,
    base: &str,
    own_sign: &str,
    host: &str,
    groups: i64,
) -> Result<DevStrategy, Error> {
    if own_sign == tbdesk_model::names::BASE_OWN_SIGN {
        return Err(Error::OwnSign(own_sign.into()));
    }
    if store.options().read_only {
        return Err(Error::Store(tbdesk_store::Error::ReadOnly));
    }
    if host.is_empty() {
        return Err(Error::Invalid(
            "IPList: an empty entry names no machine; this machine needs a host name or a non-loopback address".into(),
        ));
    }
    if names_every_machine(host) {
        return Err(Error::Invalid(format!(
            "IPList: {host:?} names every machine (each Java factory matches 127.0.0.1 and localhost as \
             itself), so every factory of this root would run the {own_sign} domain; this machine needs \
             a host name or a non-loopback address"
        )));
    }
    let name = strategy_name(base, own_sign);
    let want_task = TaskTypeName::new(base, own_sign).task_type();
    let s = Strategy {
        strategy_name: Some(name.clone()),
        ip_list: Some(vec![host.to_owned()]),
        assign_num: groups,
        kind: Some(Kind::Schedule),
        task_name: Some(want_task.clone()),
        task_parameter: Some(String::new()),
        ..Strategy::default()
    };
    let v = validate::strategy(&s);
    if validate::has_errors(&v) {
        return Err(Error::Invalid(
            v.iter().map(|x| format!("{}: {}", x.field, x.message)).collect::<Vec<_>>().join("; "),
        ));
    }
    // A strategy of the domain already naming this machine: a Java factory here joins it and
    // makes nothing; a copy would hand every factory of this machine a second strategy of the
    // domain (Java peers would run more groups, and a copy with fewer would starve them).
    let (ip, me) = crate::local_identity().await;
    let path = store.root().strategy(&name);
    // Only while no copy exists: an earlier run's copy (a leftover to take over) comes first.
    let copy_exists = store.client().check_stat(&path).await.map_err(|e| Error::zk(&path, e))?.is_some();
    let other = if copy_exists { None } else { domain_strategy_here(store, &name, &want_task, &ip, &me).await? };
    if let Some(other) = other {
        let notes = vec![format!(
            "strategy {other} already runs {want_task} on this machine: joined it as a Java factory does; no copy {name} made (its group count applies)"
        )];
        return Ok(DevStrategy { name: other, created: None, notes, adoptable: false });
    }
    match store.put_strategy(&s, Expect::Absent).await {
        Ok(_) => {
            // After the put, every call is bounded like a stop's: with ZooKeeper gone now, a
            // call would wait for the session (minutes), and the start with it, deaf to Ctrl-C.
            let czxid = created_czxid(store, &path).await;
            let notes = namesakes(store, host, &ip).await;
            Ok(DevStrategy { name, created: Some(czxid), notes, adoptable: true })
        }
        Err(tbdesk_store::Error::Conflict { .. }) => {
            let (data, _) = match tokio::time::timeout(crate::STOP_CALL, store.client().get_data(&path)).await {
                Ok(r) => r.map_err(|e| Error::zk(&path, e))?,
                Err(_) => {
                    return Err(Error::Invalid(format!("strategy {name} exists; ZooKeeper did not answer its read")))
                }
            };
            let have = Strategy::decode(&data)
                .map_err(|e| Error::Invalid(format!("strategy {name} exists but does not decode ({e}); not joined")))?;
            let mut diff = Vec::new();
            if have.kind != Some(Kind::Schedule) {
                diff.push(format!("kind is {:?}, not Schedule", have.kind));
            }
            if have.domain().as_deref() != Some(want_task.as_str()) {
                diff.push(format!("task type is {:?}, not {want_task:?}", have.task_name.clone().unwrap_or_default()));
            }
            if !diff.is_empty() {
                return Err(Error::Invalid(format!(
                    "strategy {name} already exists and differs from the copy this run needs: {}; not joined (remove or fix it, or use another own sign)",
                    diff.join("; ")
                )));
            }
            let mut notes = Vec::new();
            // Paused, or not naming this machine: a Java factory registers anyway and joins
            // when the strategy is resumed or its IP list fixed; so does this run, and says so.
            let paused = have.is_paused();
            let here = ip_matches(have.ip_list.as_deref().unwrap_or_default(), &ip, &me)
                || ip_matches(have.ip_list.as_deref().unwrap_or_default(), &ip, host);
            if paused || !here {
                let why = match (paused, here) {
                    (true, true) => "it is paused".to_owned(),
                    (false, _) => format!(
                        "its IP list {:?} does not name this machine ({host})",
                        have.ip_list.clone().unwrap_or_default()
                    ),
                    (true, false) => format!(
                        "it is paused and its IP list {:?} does not name this machine ({host})",
                        have.ip_list.clone().unwrap_or_default()
                    ),
                };
                notes.push(format!(
                    "strategy {name} exists but {why}: this run registers and runs nothing until it is resumed or names this machine (as a Java factory waits)"
                ));
                return Ok(DevStrategy { name, created: None, notes, adoptable: false });
            }
            // Someone made it so (Java peers on purpose, as a shared test strategy): joined,
            // and said, since every factory of the root runs this domain too.
            let everyone: Vec<&String> = have.ip_list.iter().flatten().filter(|e| names_every_machine(e)).collect();
            if !everyone.is_empty() {
                notes.push(format!(
                    "strategy {name}'s IP list names every machine ({everyone:?}): every factory of this root runs its domain too"
                ));
            }
            let unused = tokio::time::timeout(crate::STOP_CALL, store.client().list_children(&path))
                .await
                .is_ok_and(|r| r.is_ok_and(|c| c.is_empty()));
            if unused && have.encode() == s.encode() {
                // Exactly the copy this launcher makes, and no runtime in it: a leftover of an
                // earlier run (kept, or stopped while ZooKeeper was away). Adopt it, so this
                // run's stop removes it.
                let czxid = created_czxid(store, &path).await;
                notes.push(format!("adopted the strategy copy {name} left by an earlier run; it is removed when this run stops (unless --keep)"));
                notes.extend(namesakes(store, host, &ip).await);
                return Ok(DevStrategy { name, created: Some(czxid), notes, adoptable: true });
            }
            if have.assign_num != groups {
                notes.push(format!(
                    "joined the existing strategy {name}: it asks for {} thread group(s) in all (you asked for {groups}); its setting applies",
                    have.assign_num
                ));
            } else {
                notes.push(format!("joined the existing strategy {name} as one more runtime"));
            }
            notes.extend(namesakes(store, host, &ip).await);
            Ok(DevStrategy { name, created: None, notes, adoptable: true })
        }
        Err(e) => Err(e.into()),
    }
}

/// The creation zxid of the copy just made (what its clean-up checks before removing it);
/// [`crate::Ledger::UNKNOWN`] when ZooKeeper does not say within a stop's call limit (the
/// clean-up then goes by its creation time, after the run's start: `Prepared::create`).
async fn created_czxid(store: &Store, path: &str) -> i64 {
    match tokio::time::timeout(crate::STOP_CALL, store.client().check_stat(path)).await {
        Ok(Ok(Some(st))) => st.czxid,
        _ => crate::Ledger::UNKNOWN,
    }
}

/// Factories registered from another address under this machine's host name (a VM's default
/// name, `ubuntu`, shared by many): Java's factories match an IP list's entry against their
/// host name, so each of them runs the copy's domain too, with its own program. Said, not
/// refused (a second address of this machine looks the same); nothing is known when the
/// factories cannot be listed. A factory's name is Java's `ip$host$UUID$sequence`.
async fn namesakes(store: &Store, host: &str, ip: &str) -> Vec<String> {
    let dir = store.root().factories();
    let Ok(Ok(names)) = tokio::time::timeout(crate::STOP_CALL, store.client().list_children(&dir)).await else {
        return Vec::new();
    };
    let others: Vec<String> = names
        .into_iter()
        .filter(|f| {
            let mut parts = f.split('$');
            let (their_ip, their_host) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            their_host.eq_ignore_ascii_case(host) && their_ip != ip
        })
        .take(5)
        .collect();
    if others.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "factory {} runs from another address under this machine's host name {host:?}: the copy's IP list [{host:?}] names it too, so it may run this domain's items with its own program (give this machine a name of its own)",
        others.join(", ")
    )]
}

/// The first strategy other than `copy` (by name) that runs domain `task_type` on this machine
/// as Java's factory judges it (`Schedule`, not paused, its IP list naming this machine).
async fn domain_strategy_here(
    store: &Store,
    copy: &str,
    task_type: &str,
    ip: &str,
    host: &str,
) -> Result<Option<String>, Error> {
    use futures::{StreamExt, TryStreamExt};
    let dir = store.root().strategies();
    let c = store.client();
    let mut names = match c.list_children(&dir).await {
        Ok(n) => n,
        Err(zk_client::Error::NoNode) => return Ok(None),
        Err(e) => return Err(Error::zk(&dir, e)),
    };
    names.sort();
    names.retain(|n| n != copy);
    let reads = futures::stream::iter(names.into_iter().map(|n| {
        let path = store.root().strategy(&n);
        async move {
            match c.get_data(&path).await {
                Ok((d, _)) => Ok(Some((n, d))),
                Err(zk_client::Error::NoNode) => Ok(None),
                Err(e) => Err(Error::zk(&path, e)),
            }
        }
    }))
    .buffered(64);
    // At most 64 strategies' data held at once, and the first match ends the walk.
    let mut reads = std::pin::pin!(reads);
    while let Some(read) = reads.try_next().await? {
        // Deleted between the list and its read.
        let Some((n, d)) = read else { continue };
        let Ok(s) = Strategy::decode(&d) else { continue };
        let runs_here = s.kind == Some(Kind::Schedule)
            && !s.is_paused()
            && s.domain().as_deref() == Some(task_type)
            && ip_matches(s.ip_list.as_deref().unwrap_or_default(), ip, host);
        if runs_here {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// The largest leftovers file read or written. A run's own nodes are a few hundred bytes, but
/// a domain it made holds six nodes per task item, and a definition may name a hundred
/// thousand items (about 90 bytes each, compact): every list a run can save must load again,
/// or the next run would save its own over it and the nodes would be forgotten.
pub const MAX_LEFTOVERS_BYTES: u64 = 128 << 20;

/// Nodes a run could not remove (ZooKeeper away at stop), saved so the next run with the same
/// task type and own sign removes them: exactly those, each only if it is still the node that
/// run created (same czxid).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Leftovers {
    /// The strategy copy and its czxid, when the run created it.
    pub strategy: Option<(String, i64)>,
    /// Domain nodes the run created, with their czxids ([`crate::Ledger::UNKNOWN`] when it
    /// could not be read back).
    pub nodes: Vec<(String, i64)>,
    /// Nodes of unknown czxid created before this (ZooKeeper clock, ms) are not the run's.
    #[serde(default)]
    pub since_ms: i64,
    /// The connect string and root the nodes are in: a list is only ever applied there.
    #[serde(default)]
    pub connect: String,
    /// See `connect`.
    #[serde(default)]
    pub root: String,
}

impl Leftovers {
    /// Where the list of a profile's run of `base$own_sign` lives under a data dir: keyed by the
    /// profile's row id (unique in the dir, never reused) and the task type with every byte
    /// outside `[A-Za-z0-9._-]` escaped, so no two profiles or domains share a file.
    pub fn file(data_dir: &std::path::Path, profile_id: i64, base: &str, own_sign: &str) -> std::path::PathBuf {
        let enc: String = format!("{base}${own_sign}")
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        data_dir.join("leftovers").join(format!("profile-{profile_id}")).join(format!("{enc}.json"))
    }

    /// After a clean-up: what is this run's and still in use by another runtime (kept "still
    /// registered"), for the last run out; what someone else re-created or changed is not ours.
    pub fn kept_in_use(report: &Cleanup, dev: &DevStrategy, ledger: &crate::Ledger, connect: &str, root: &str) -> Self {
        let kept: Vec<&String> = report.in_use.iter().collect();
        Leftovers {
            strategy: dev
                .created
                .filter(|_| kept.iter().any(|p| p.ends_with(&format!("/strategy/{}", dev.name))))
                .map(|c| (dev.name.clone(), c)),
            nodes: ledger.entries().into_iter().filter(|(p, _)| kept.contains(&p)).collect(),
            since_ms: ledger.since_ms(),
            connect: connect.to_owned(),
            root: root.to_owned(),
        }
    }

    /// What a run created that may still exist.
    pub fn of(dev: &DevStrategy, ledger: &crate::Ledger, connect: &str, root: &str) -> Self {
        Leftovers {
            strategy: dev.created.map(|c| (dev.name.clone(), c)),
            nodes: ledger.entries(),
            since_ms: ledger.since_ms(),
            connect: connect.to_owned(),
            root: root.to_owned(),
        }
    }

    /// Whether this list was saved for the ZooKeeper and root given.
    pub fn is_for(&self, connect: &str, root: &str) -> bool {
        self.connect == connect && self.root == root
    }

    /// Reads a saved list (`None` when there is none, it is not a regular file of at most
    /// [`MAX_LEFTOVERS_BYTES`], or it does not parse): a FIFO or a huge file put in its place
    /// neither blocks a start nor fills memory.
    pub fn load(path: &std::path::Path) -> Option<Self> {
        use std::io::Read;
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_LEFTOVERS_BYTES {
            tracing::warn!(path = %path.display(), "the leftovers file is not a small regular file; ignored");
            return None;
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path).ok()?.take(MAX_LEFTOVERS_BYTES).read_to_end(&mut bytes).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Saves the list (an empty list removes the file).
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        if self.strategy.is_none() && self.nodes.is_empty() {
            return match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        // Written whole or not at all: a temporary file renamed over the old one. A list the
        // next run could not read is refused here, so the old file stays and the error is told.
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        if bytes.len() as u64 > MAX_LEFTOVERS_BYTES {
            return Err(std::io::Error::other(format!(
                "{} nodes make a list of {} bytes, over the {MAX_LEFTOVERS_BYTES} a run reads back",
                self.nodes.len(),
                bytes.len()
            )));
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    }

    /// Takes the saved nodes over as this run's: into `ledger`, and the strategy into `dev`
    /// when it is the same node. Returns what was adopted, for the user.
    pub fn adopt(&self, dev: &mut DevStrategy, ledger: &crate::Ledger) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((name, czxid)) = &self.strategy {
            if *name == dev.name && dev.created.is_none() && dev.adoptable {
                dev.created = Some(*czxid);
                out.push(format!("strategy {name}"));
            }
        }
        if self.since_ms > 0 {
            ledger.set_since_ms(self.since_ms);
        }
        for (p, c) in &self.nodes {
            ledger.record_czxid(p, *c);
            out.push(p.clone());
        }
        out
    }
}

/// What a clean-up removed and what it left, each with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Nodes deleted.
    pub removed: Vec<String>,
    /// Nodes left in place, with why.
    pub kept: Vec<(String, String)>,
    /// Of `kept`, this run's nodes left because another runtime uses (or may use) them: saved
    /// for the last run out, which removes them.
    pub in_use: Vec<String>,
}

impl Cleanup {
    /// What was removed and, per reason, what was kept (the top-most node and how many), for
    /// the user.
    pub fn describe(&self) -> String {
        let strategies: Vec<&str> =
            self.removed.iter().filter_map(|p| p.rsplit_once("/strategy/").map(|(_, n)| n)).collect();
        let others = self.removed.len() - strategies.len();
        let mut parts: Vec<String> = strategies.iter().map(|n| format!("removed strategy {n}")).collect();
        if others > 0 || parts.is_empty() {
            parts.push(format!("removed {others} node(s) of the domain this run created"));
        }
        let mut out = parts.join("; ");
        let mut reasons: Vec<&String> = Vec::new();
        for (_, why) in &self.kept {
            if !reasons.contains(&why) {
                reasons.push(why);
            }
        }
        for why in reasons {
            let paths: Vec<&String> = self.kept.iter().filter(|(_, w)| w == why).map(|(p, _)| p).collect();
            let top = paths.iter().min_by_key(|p| p.matches('/').count()).map_or("", |p| p.as_str());
            match paths.len() {
                1 => out.push_str(&format!("\nkept {top}: {why}")),
                n => out.push_str(&format!("\nkept {top} and {} node(s) below it: {why}", n - 1)),
            }
        }
        out
    }
}

/// Removes what this run created, and only while nobody else uses it: the strategy copy only
/// when this run created it and no other factory is registered in it; the domain's nodes only
/// when this run created them (same czxid) and no other server is registered in the domain.
/// Never forces a delete. Call it after the runtime stopped (its own nodes are gone then).
pub async fn remove_created(
    store: &Store,
    dev: &DevStrategy,
    base: &str,
    own_sign: &str,
    ledger: &crate::Ledger,
) -> Result<Cleanup, Error> {
    if store.options().read_only {
        return Err(Error::Store(tbdesk_store::Error::ReadOnly));
    }
    let c = store.client();
    let root = store.root();
    let mut out = Cleanup::default();
    let spath = root.strategy(&dev.name);
    let others = match c.list_children(&spath).await {
        Ok(v) => v,
        Err(zk_client::Error::NoNode) => Vec::new(),
        Err(e) => return Err(Error::zk(&spath, e)),
    };
    let tt = TaskTypeName::new(base, own_sign).task_type();
    let servers_dir = root.servers(base, &tt);
    let servers = others_servers(c, &servers_dir, ledger).await?;
    let strategy_in_use = (!others.is_empty())
        .then(|| format!("factories still registered in strategy {}: {}", dev.name, others.join(", ")));
    // The domain is in use while servers are registered, or while factories of the strategy
    // could still start groups in it.
    let in_use = strategy_in_use.clone().or_else(|| {
        (!servers.is_empty()).then(|| format!("servers still registered in domain {tt}: {}", servers.join(", ")))
    });
    // The strategy copy first: with it gone no factory joins the domain any more.
    match (dev.created, &strategy_in_use) {
        (Some(_), Some(why)) => {
            out.kept.push((spath.clone(), why.clone()));
            out.in_use.push(spath.clone());
        }
        (Some(czxid), None) => match delete_if_ours(c, &spath, czxid, ledger.since_ms()).await? {
            Ok(()) => out.removed.push(spath.clone()),
            Err(why) => out.kept.push((spath.clone(), why)),
        },
        (None, _) => out.kept.push((spath.clone(), "it existed before this run (joined, not created)".into())),
    }
    let domain = root.domain(base, &tt);
    let mut ours: Vec<(String, i64)> =
        ledger.entries().into_iter().filter(|(p, _)| p == &domain || p.starts_with(&format!("{domain}/"))).collect();
    if let Some(why) = in_use {
        if ours.is_empty() && c.check_stat(&domain).await.ok().flatten().is_some() {
            out.kept.push((domain, why));
        } else {
            out.in_use.extend(ours.iter().map(|(p, _)| p.clone()));
            out.kept.extend(ours.into_iter().map(|(p, _)| (p, why.clone())));
        }
        return Ok(out);
    }
    // Deepest first, so every parent is empty when its turn comes. Each node is checked to be
    // ours, then all are deleted in one multi with the versions read: a server that registers
    // meanwhile makes `server` non-empty and the whole multi fails, so nobody's items vanish
    // from under them (large domains go in chunks of 2,000).
    ours.sort_by_key(|(p, _)| std::cmp::Reverse(p.matches('/').count()));
    let mut doomed: Vec<(String, i32)> = Vec::new();
    for (p, czxid) in ours {
        match owned_version(c, &p, czxid, ledger.since_ms()).await? {
            Owned::Gone => out.removed.push(p),
            Owned::Ours(v) => doomed.push((p, v)),
            Owned::NotOurs(why) => out.kept.push((p, why)),
        }
    }
    let chunks = tbdesk_store::batch::path_batches(&doomed, |(p, _)| p.as_str());
    for (i, chunk) in chunks.iter().enumerate() {
        // Only the last chunk holds `server` itself (deepest first), so the multi's own guard
        // covers only it: before each earlier chunk, the domain and the strategy are listed
        // again, and a runtime that registered meanwhile keeps the rest.
        if i + 1 < chunks.len() {
            let servers = others_servers(c, &servers_dir, ledger).await?;
            let factories = match c.list_children(&spath).await {
                Ok(v) => v,
                Err(zk_client::Error::NoNode) => Vec::new(),
                Err(e) => return Err(Error::zk(&spath, e)),
            };
            if !servers.is_empty() || !factories.is_empty() {
                let why = format!(
                    "not removed: a runtime registered during the clean-up ({})",
                    servers.iter().chain(&factories).cloned().collect::<Vec<_>>().join(", ")
                );
                for rest in &chunks[i..] {
                    out.in_use.extend(rest.iter().map(|(p, _)| p.clone()));
                    out.kept.extend(rest.iter().map(|(p, _)| (p.clone(), why.clone())));
                }
                break;
            }
        }
        let ops: Vec<tbdesk_store::jute::Op<'_>> =
            chunk.iter().map(|(p, v)| tbdesk_store::jute::Op::Delete { path: p, version: Some(*v) }).collect();
        match store.nulls().multi(&ops).await {
            Ok(_) => out.removed.extend(chunk.iter().map(|(p, _)| p.clone())),
            // ZooKeeper away or too slow: the caller lists every node as left, for the next run.
            Err(e @ (tbdesk_store::Error::Unreachable { .. } | tbdesk_store::Error::SessionExpired)) => {
                return Err(e.into())
            }
            Err(tbdesk_store::Error::Zk { source: zk_client::Error::ConnectionLoss, path }) => {
                return Err(Error::zk(&path, zk_client::Error::ConnectionLoss))
            }
            // Someone registered or changed a node meanwhile: the nodes stay ours, for the last
            // run out (`in_use` keeps them on the leftovers list).
            Err(e) => {
                let why = format!("not removed: {e}; a runtime may still be registered or have changed them");
                for rest in &chunks[i..] {
                    out.in_use.extend(rest.iter().map(|(p, _)| p.clone()));
                    out.kept.extend(rest.iter().map(|(p, _)| (p.clone(), why.clone())));
                }
                break;
            }
        }
    }
    if !ledger.contains(&domain) && c.check_stat(&domain).await.ok().flatten().is_some() {
        out.kept.push((domain, "it existed before this run".into()));
    }
    Ok(out)
}

/// The servers registered in a domain, but for this run's own (recorded in the ledger: a stop
/// with ZooKeeper away leaves them, and they are this run's to remove, not a sign of a peer).
async fn others_servers(
    c: &zk_client::Client,
    servers_dir: &str,
    ledger: &crate::Ledger,
) -> Result<Vec<String>, Error> {
    match c.list_children(servers_dir).await {
        Ok(v) => Ok(v.into_iter().filter(|s| !ledger.contains(&format!("{servers_dir}/{s}"))).collect()),
        Err(zk_client::Error::NoNode) => Ok(Vec::new()),
        Err(e) => Err(Error::zk(servers_dir, e)),
    }
}

/// Whether a recorded node is still this run's, and at which version.
enum Owned {
    Gone,
    Ours(i32),
    NotOurs(String),
}

async fn owned_version(c: &zk_client::Client, path: &str, czxid: i64, since_ms: i64) -> Result<Owned, Error> {
    match c.check_stat(path).await {
        Ok(None) => Ok(Owned::Gone),
        Ok(Some(st)) if czxid == crate::Ledger::UNKNOWN && (since_ms <= 0 || st.ctime < since_ms) => {
            Ok(Owned::NotOurs("its creation could not be confirmed as this run's".into()))
        }
        Ok(Some(st)) if czxid != crate::Ledger::UNKNOWN && st.czxid != czxid => {
            Ok(Owned::NotOurs("re-created by someone else since this run made it".into()))
        }
        Ok(Some(st)) => Ok(Owned::Ours(st.version)),
        Err(e) => Err(Error::zk(path, e)),
    }
}

/// Deletes `path` at its current version if it is still the node this run created (same
/// czxid; for a node whose czxid was never read back, created after `since_ms`).
/// `Ok(Err(why))`: left in place, and why.
pub(crate) async fn delete_if_ours(
    c: &zk_client::Client,
    path: &str,
    czxid: i64,
    since_ms: i64,
) -> Result<Result<(), String>, Error> {
    match owned_version(c, path, czxid, since_ms).await? {
        Owned::Gone => Ok(Ok(())),
        Owned::NotOurs(why) => Ok(Err(why)),
        Owned::Ours(version) => match c.delete(path, Some(version)).await {
            Ok(()) | Err(zk_client::Error::NoNode) => Ok(Ok(())),
            Err(zk_client::Error::NotEmpty) => Ok(Err("it holds nodes this run did not create".into())),
            Err(zk_client::Error::BadVersion) => Ok(Err("changed by someone else meanwhile".into())),
            Err(e) => Err(Error::zk(path, e)),
        },
    }
}

/// What a local run asks for. The app and the CLI each fill one in from their own inputs; from
/// here on they share every step: [`LaunchSpec::check`] (no I/O), [`LaunchSpec::prepare`]
/// (reads only), [`Prepared::create`] (the one write of start-up), [`Launch::config`] for
/// [`crate::run`], and [`Launch::clean_up`] after it.
pub struct LaunchSpec {
    /// The profile's connection, as the run will use it (its clean-up too, whatever the
    /// profile says by then).
    pub connect: tbdesk_store::ConnectOptions,
    /// The base task type.
    pub base: String,
    /// The run's own sign (never `BASE`).
    pub own_sign: String,
    /// Thread groups this machine asks for.
    pub groups: i64,
    /// What every thread group runs.
    pub deal: crate::deal::Deal,
    /// Zone of crons and timestamps.
    pub tz: chrono_tz::Tz,
    /// Where the nodes a stop could not remove are listed ([`Leftovers::file`]).
    pub leftovers: std::path::PathBuf,
}

impl LaunchSpec {
    /// The rules on what the user typed (task type, own sign, thread groups), before any
    /// profile, keyring or server is touched; each error names the input.
    pub fn check_inputs(base: &str, own_sign: &str, groups: i64) -> Result<(), Error> {
        if let Some(p) = validate::own_sign_problem(own_sign) {
            return Err(Error::Invalid(format!("own sign: {p}")));
        }
        if own_sign == tbdesk_model::names::BASE_OWN_SIGN {
            return Err(Error::OwnSign(own_sign.to_owned()));
        }
        if base.trim().is_empty() {
            return Err(Error::Invalid("task type: required".into()));
        }
        if !(1..=crate::MAX_GROUPS).contains(&groups) {
            return Err(Error::Invalid(format!("thread groups: must be between 1 and {}", crate::MAX_GROUPS)));
        }
        Ok(())
    }

    /// Every rule on the inputs and the profile, before anything is read or written.
    pub fn check(&self) -> Result<(), Error> {
        Self::check_inputs(&self.base, &self.own_sign, self.groups)?;
        if self.connect.read_only {
            return Err(Error::Store(tbdesk_store::Error::ReadOnly));
        }
        Ok(())
    }

    /// The read-only half of a start: the checks, this machine's identity, and the shared
    /// strategies that would capture it (warned, never joined). Nothing is written, so a caller
    /// may abandon it at any instant.
    pub async fn prepare(self, store: &Store) -> Result<Prepared, Error> {
        self.check()?;
        let (ip, host) = crate::local_identity().await;
        let capturing = capturing_strategies(store, &self.own_sign, &ip, &host).await?;
        Ok(Prepared { spec: self, ip, host, capturing })
    }
}

/// An IP-list entry every Java factory matches as itself (`registerManagerFactory` compares
/// each entry with `127.0.0.1`, `localhost` and its own address and name).
fn names_every_machine(entry: &str) -> bool {
    entry == "127.0.0.1" || entry.eq_ignore_ascii_case("localhost")
}

/// An entry that cannot name this machine alone: one every factory matches, or nothing.
fn captures_every_factory(entry: &str) -> bool {
    entry.is_empty() || names_every_machine(entry)
}

/// The IP-list entry naming this machine alone: its host name, or its address where the host
/// name is unknown (`localhost`, which every factory would match).
fn own_entry<'a>(ip: &'a str, host: &'a str) -> &'a str {
    if captures_every_factory(host) && !ip.starts_with("127.") {
        ip
    } else {
        host
    }
}

/// A checked launch that has written nothing yet.
pub struct Prepared {
    spec: LaunchSpec,
    ip: String,
    host: String,
    /// Shared strategies that would capture this machine.
    pub capturing: Vec<String>,
}

impl Prepared {
    /// The one write of start-up: creates (or joins) the strategy copy, then takes over the
    /// nodes an earlier run of this task type and own sign could not remove (they are removed
    /// at this run's stop). Run it to its end: what it created is then always known.
    pub async fn create(self, store: &Store) -> Result<Launch, Error> {
        let Prepared { spec, ip, host, capturing } = self;
        let mut dev =
            create_dev_strategy(store, &spec.base, &spec.own_sign, own_entry(&ip, &host), spec.groups).await?;
        let ledger: std::sync::Arc<crate::Ledger> = Default::default();
        // A copy whose czxid ZooKeeper did not say is judged by its creation time: this run's
        // start (just after the put) bounds it.
        if dev.created == Some(crate::Ledger::UNKNOWN) {
            ledger.start(store);
        }
        let mut adopted = Vec::new();
        if let Some(l) =
            Leftovers::load(&spec.leftovers).filter(|l| l.is_for(&spec.connect.connect, &spec.connect.root))
        {
            adopted = l.adopt(&mut dev, &ledger);
        }
        if !adopted.is_empty() {
            dev.notes.push(format!(
                "an earlier run left {} node(s) ({}); they are removed when this run stops",
                adopted.len(),
                spec.leftovers.display()
            ));
        }
        Ok(Launch { spec, ip, host, capturing, dev, ledger, adopted })
    }
}

/// A started launch: its strategy copy and the ledger of every node the run creates.
pub struct Launch {
    spec: LaunchSpec,
    ip: String,
    host: String,
    /// Shared strategies that would capture this machine.
    pub capturing: Vec<String>,
    /// The strategy copy the run follows.
    pub dev: DevStrategy,
    /// Every persistent node the run creates, for the clean-up.
    pub ledger: std::sync::Arc<crate::Ledger>,
    /// Nodes taken over from an earlier run.
    pub adopted: Vec<String>,
}

/// How long a clean-up waits for its session: a server that answers opens one in well under
/// a second; ZooKeeper away fails sooner (refused) or at the connect timeouts (frozen).
const CONNECT_LIMIT: std::time::Duration = std::time::Duration::from_secs(8);

/// What a clean-up did: the nodes left (saved for the next run) and how it ended.
pub struct CleanedUp {
    /// Nodes of this run still in ZooKeeper, saved to the leftovers file.
    pub left: Leftovers,
    /// The clean-up's report, or why it could not run.
    pub outcome: Result<Cleanup, Error>,
}

impl Launch {
    /// The runtime's configuration for this launch.
    pub fn config(&self) -> crate::Config {
        crate::Config {
            connect: self.spec.connect.clone(),
            base: self.spec.base.clone(),
            own_sign: self.spec.own_sign.clone(),
            allow_base: false,
            ip: self.ip.clone(),
            host: self.host.clone(),
            deal: self.spec.deal.clone(),
            tz: self.spec.tz,
            tick: std::time::Duration::from_secs(2),
            ledger: self.ledger.clone(),
        }
    }

    /// The launch's inputs.
    pub fn spec(&self) -> &LaunchSpec {
        &self.spec
    }

    /// This machine's host name, as the strategy copy names it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// This machine's address.
    pub fn ip(&self) -> &str {
        &self.ip
    }

    /// Every node this run created that may still exist.
    pub fn leftovers(&self) -> Leftovers {
        Leftovers::of(&self.dev, &self.ledger, &self.spec.connect.connect, &self.spec.connect.root)
    }

    /// Lists every node of the run in the leftovers file now (before a stop that may be cut
    /// off): whatever happens next, none is forgotten. What the file already lists for this
    /// ZooKeeper and root (another run of the domain left it to the last one out) is taken
    /// over first, never overwritten.
    pub fn save_leftovers(&self) -> std::io::Result<()> {
        self.leftovers_saver()()
    }

    /// [`Launch::save_leftovers`] as a function that owns what it needs: for a signal handler
    /// that exits the process at once, without the launch at hand.
    pub fn leftovers_saver(&self) -> impl Fn() -> std::io::Result<()> + Send + Sync + 'static {
        let (dev, ledger, path) = (self.dev.clone(), self.ledger.clone(), self.spec.leftovers.clone());
        let (connect, root) = (self.spec.connect.connect.clone(), self.spec.connect.root.clone());
        move || {
            let mut dev = dev.clone();
            if let Some(l) = Leftovers::load(&path).filter(|l| l.is_for(&connect, &root)) {
                l.adopt(&mut dev, &ledger);
            }
            Leftovers::of(&dev, &ledger, &connect, &root).save(&path)
        }
    }

    /// After the runtime stopped, when nothing may be removed now (the profile turned
    /// read-only): takes over what the leftovers file lists (another run of the domain's, left
    /// to the last one out) and saves it with this run's nodes, so none is forgotten.
    pub fn park(&mut self) -> std::io::Result<()> {
        self.adopt_saved();
        self.save_leftovers()
    }

    /// Takes over what the leftovers file lists for this run's ZooKeeper and root.
    fn adopt_saved(&mut self) {
        let (connect, root) = (&self.spec.connect.connect, &self.spec.connect.root);
        if let Some(l) = Leftovers::load(&self.spec.leftovers).filter(|l| l.is_for(connect, root)) {
            l.adopt(&mut self.dev, &self.ledger);
        }
    }

    /// After the runtime stopped: removes what this run created (and, the last one out, what
    /// another run of the same domain left to it), only while no other runtime uses it, over a
    /// fresh session (the run's may have expired), within `within`. Whatever could not be
    /// removed is saved to the leftovers file for the next run.
    pub async fn clean_up(&mut self, within: std::time::Duration) -> CleanedUp {
        self.adopt_saved();
        let (connect, root) = (self.spec.connect.connect.clone(), self.spec.connect.root.clone());
        // ZooKeeper away (refused, or frozen): the fresh session fails within CONNECT_LIMIT,
        // not the session timeout `within` allows a clean-up that runs.
        let cleaned = async {
            let fresh = tokio::time::timeout(CONNECT_LIMIT, Store::connect(&self.spec.connect))
                .await
                .map_err(|_| Error::Unanswered(CONNECT_LIMIT))??;
            remove_created(&fresh, &self.dev, &self.spec.base, &self.spec.own_sign, &self.ledger).await
        };
        let (left, outcome) = match tokio::time::timeout(within.max(CONNECT_LIMIT), cleaned).await {
            Ok(Ok(report)) => (Leftovers::kept_in_use(&report, &self.dev, &self.ledger, &connect, &root), Ok(report)),
            Ok(Err(e)) => (self.leftovers(), Err(e)),
            Err(_) => (self.leftovers(), Err(Error::Unanswered(within))),
        };
        if let Err(e) = left.save(&self.spec.leftovers) {
            tracing::warn!(file = %self.spec.leftovers.display(), error = %e, "cannot save the list of nodes left");
        }
        CleanedUp { left, outcome }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leftover_copy_is_taken_over_only_when_adoptable() {
        let left = Leftovers { strategy: Some(("Job-dev1-tbdesk".into(), 77)), ..Leftovers::default() };
        let ledger = crate::Ledger::default();
        let mut waiting =
            DevStrategy { name: "Job-dev1-tbdesk".into(), created: None, notes: vec![], adoptable: false };
        assert!(left.adopt(&mut waiting, &ledger).is_empty());
        assert_eq!(waiting.created, None, "a copy someone paused or re-pointed is theirs now");
        let mut joined = DevStrategy { adoptable: true, ..waiting };
        left.adopt(&mut joined, &ledger);
        assert_eq!(joined.created, Some(77));
    }

    #[test]
    fn a_leftovers_file_that_is_a_fifo_or_huge_is_ignored_at_once() {
        let dir = std::env::temp_dir().join(format!("tbdesk-leftovers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let fifo = dir.join("fifo.json");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        // Reading a FIFO with no writer would block this test forever.
        assert!(Leftovers::load(&fifo).is_none());
        let huge = dir.join("huge.json");
        let f = std::fs::File::create(&huge).expect("create");
        f.set_len(MAX_LEFTOVERS_BYTES + 1).expect("sparse file");
        assert!(Leftovers::load(&huge).is_none());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    /// The list of a run that made a domain of 100,000 items (600,000 nodes) loads again.
    #[test]
    fn every_list_a_run_can_save_loads_again() {
        let dir = std::env::temp_dir().join(format!("tbdesk-leftovers-big-{}", std::process::id()));
        let path = dir.join("l.json");
        let domain = format!("/{}/scheduleTask/Job$dev1/Job$dev1/taskItem", "r".repeat(40));
        let mut nodes = Vec::new();
        for i in 0..100_000i64 {
            nodes.push((format!("{domain}/{i}"), 1_000_000_000 + i));
            for f in ["cur_server", "req_server", "sts", "parameter", "deal_desc"] {
                nodes.push((format!("{domain}/{i}/{f}"), 2_000_000_000 + i));
            }
        }
        let l = Leftovers { nodes, connect: "zk:2181".into(), root: "/r".into(), ..Leftovers::default() };
        l.save(&path).expect("save");
        assert_eq!(Leftovers::load(&path).as_ref(), Some(&l));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_node_created_again_is_recorded_with_its_latest_create() {
        let l = crate::Ledger::default();
        l.record_czxid("/a", 5);
        l.record_czxid("/a", 9);
        assert_eq!(l.entries(), vec![("/a".to_owned(), 9)]);
        l.record_czxid("/a", crate::Ledger::UNKNOWN);
        assert_eq!(l.entries(), vec![("/a".to_owned(), 9)], "a lost answer keeps what is known");
        l.record_czxid("/b", crate::Ledger::UNKNOWN);
        l.record_czxid("/b", 3);
        assert_eq!(l.entries()[1], ("/b".to_owned(), 3));
        // A create whose answer said "made" and whose czxid was not read back: the earlier
        // node's czxid is not this one's.
        l.made("/b", crate::Ledger::UNKNOWN);
        assert_eq!(l.entries()[1], ("/b".to_owned(), crate::Ledger::UNKNOWN));
        l.made("/c", 7);
        assert_eq!(l.entries()[2], ("/c".to_owned(), 7));
        l.forget("/c");
        // A node deleted (or found gone) is forgotten: a long run's list does not only grow.
        for i in 0..1000 {
            let p = format!("/server/s{i:010}");
            l.record_czxid(&p, 100 + i);
            l.forget(&p);
        }
        assert_eq!(l.entries().len(), 2);
    }

    #[test]
    fn the_ip_list_entry_names_this_machine_alone() {
        assert_eq!(own_entry("10.0.0.7", "devbox"), "devbox");
        // No host name (no /etc/hostname): the address, which only this machine has.
        assert_eq!(own_entry("10.0.0.7", "localhost"), "10.0.0.7");
        // Nothing but loopback: kept, and refused by `create_dev_strategy`.
        assert!(captures_every_factory(own_entry("127.0.0.1", "localhost")));
        assert!(captures_every_factory(own_entry("127.0.1.1", "")));
        // An empty entry names no machine (Java compares it with its address and name).
        assert!(!names_every_machine(""));
    }
}

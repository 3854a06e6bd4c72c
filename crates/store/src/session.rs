//! Opening a ZooKeeper session bound to one TBSchedule root: connect options, digest auth,
//! the ACLs Java writes, root initialisation and ZooKeeper's clock.

use std::time::Duration;

use tbdesk_model::paths::Root;
use zookeeper_client as zk;

use crate::{ConnectOptions, Error, Store};

impl Store {
    /// Connects and authenticates; fails fast (within the session timeout) when no server
    /// answers, rather than retrying forever like the Java console.
    pub async fn connect(opts: &ConnectOptions) -> Result<Self, Error> {
        let root = Root::new(&opts.root)?;
        // What the server speaks decides the create opcode, the reader and the watches.
        let features = crate::server::features(opts).await;
        let mut connector = zk::Client::connector()
            .with_session_timeout(opts.session_timeout)
            .with_connection_timeout(Duration::from_secs(3))
            .with_fail_eagerly();
        if !features.create2 {
            connector = connector.with_server_version(3, 4, 0);
        }
        if let Some((user, password)) = &opts.digest {
            connector = connector.with_auth("digest", format!("{user}:{password}").as_bytes());
        }
        let client = connector.connect(&opts.connect).await.map_err(|e| match e {
            zk::Error::AuthFailed => Error::NoAuth { path: "/".into() },
            other => Error::Unreachable { connect: opts.connect.clone(), reason: other.to_string() },
        })?;
        tracing::debug!(connect = %opts.connect, root = %root, "connected");
        // `features` already knows multi-read: from the version, or from the throwaway probe.
        let mode = features.read;
        tracing::debug!(features = %features.describe(), "server features");
        let nulls = crate::jute::NullWriter::new(opts);
        // No clock probe here: reads never write. A writer that needs ZooKeeper's clock (the
        // local scheduler) calls measure_clock; health estimates it without writing.
        Ok(Store { client, root, opts: opts.clone(), mode, features, clock_anchor: None, nulls })
    }

    /// Whether the session can still serve requests (not expired, closed or refused).
    pub fn usable(&self) -> bool {
        !matches!(
            self.client.state(),
            zk::SessionState::Expired | zk::SessionState::Closed | zk::SessionState::AuthFailed
        )
    }

    /// The root this store is bound to.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The underlying client, for crates of tbdesk that speak the protocol themselves
    /// (the scheduler) and for tests.
    pub fn client(&self) -> &zk::Client {
        &self.client
    }

    /// The negotiated session timeout (the server may have capped the requested one).
    pub fn session_timeout(&self) -> Duration {
        self.client.session_timeout()
    }

    /// Writes null data where Java writes null (item owners, directories, server nodes).
    pub fn nulls(&self) -> &crate::jute::NullWriter {
        &self.nulls
    }

    /// The ACL Java gives every node it creates under this profile (digest ALL + world READ
    /// when the profile has a digest user, world ALL otherwise).
    pub fn acls(&self) -> zk::Acls<'static> {
        acls(self.opts.digest.is_some())
    }

    /// Creates `path` as Java does for a directory: persistent, null data, Java's ACL. Returns
    /// whether this call created it (`false`: it already existed).
    pub async fn create_null(&self, path: &str) -> Result<bool, Error> {
        use crate::jute::{Mode, Op};
        match self.nulls.multi(&[Op::Create { path, data: None, mode: Mode::Persistent }]).await {
            Ok(_) => Ok(true),
            Err(Error::Zk { source: zk::Error::NodeExists, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The options this store was opened with.
    pub fn options(&self) -> &ConnectOptions {
        &self.opts
    }

    /// Measures the ZooKeeper clock as Java does (§1): create an ephemeral-sequential
    /// `<root>/systime` node, read its ctime, delete it. Needs write access; read-only
    /// profiles (and failures) fall back to the local clock, which [`Store::clock_measured`]
    /// reports.
    pub async fn measure_clock(&mut self) {
        match self.probe_clock().await {
            Some(offset) => {
                self.anchor(offset);
                if offset.unsigned_abs() > 5000 {
                    tracing::warn!(offset_ms = offset, "this machine's clock differs from ZooKeeper's by over 5 s");
                }
            }
            None => tracing::info!("cannot measure the ZooKeeper clock; using the local clock"),
        }
    }

    /// ZooKeeper's clock minus this machine's (ms), from the ctime of an ephemeral probe node
    /// created and deleted at once (a write: only for writers). `None` when it cannot be made.
    pub async fn probe_clock(&self) -> Option<i64> {
        if self.opts.read_only {
            return None;
        }
        let before = now_ms();
        let opts = zk::CreateMode::EphemeralSequential.with_acls(acls(self.opts.digest.is_some()));
        match self.client.create(&self.root.systime(), b"", &opts).await {
            Ok((stat, seq)) => {
                let after = now_ms();
                let path = format!("{}{}", self.root.systime(), seq);
                // A 3.4 server answers a create without its stat (no create2): read it, as
                // Java does after its create.
                let ctime = if stat.ctime > 0 {
                    Some(stat.ctime)
                } else {
                    self.client.check_stat(&path).await.ok().flatten().map(|s| s.ctime).filter(|c| *c > 0)
                };
                if let Err(e) = self.client.delete(&path, None).await {
                    tracing::warn!(%path, error = %e, "could not delete the clock probe node");
                }
                ctime.map(|c| c.saturating_sub(before / 2 + after / 2)).filter(|o| plausible_offset(*o, &path))
            }
            Err(e) => {
                tracing::info!(error = %e, "cannot create the clock probe node");
                None
            }
        }
    }

    /// Takes a ZooKeeper clock offset measured elsewhere (health reads it without writing, from
    /// the date the server gives its session's connection).
    /// An offset beyond a year (a server's hostile or broken date) is ignored: the local
    /// clock stays in use.
    pub fn set_clock_offset(&mut self, offset_ms: i64) {
        if plausible_offset(offset_ms, "the server's connection date") {
            self.anchor(offset_ms);
        }
    }

    /// Anchors ZooKeeper's clock, `offset_ms` ahead of this machine's wall clock now, to the
    /// boot clock.
    fn anchor(&mut self, offset_ms: i64) {
        self.clock_anchor = Some((now_ms().saturating_add(offset_ms), boot_ms()));
    }

    /// ZooKeeper's clock minus this machine's (ms), when measured: as of now, so a wall clock
    /// stepped since the measurement shows as the difference it now is.
    pub fn clock_offset_ms(&self) -> Option<i64> {
        self.clock_anchor.map(|_| self.zk_now_ms().saturating_sub(now_ms()))
    }

    /// Whether [`Store::zk_now_ms`] comes from ZooKeeper's clock (else the local one).
    pub fn clock_measured(&self) -> bool {
        self.clock_anchor.is_some()
    }

    /// Now, on ZooKeeper's clock (heartbeat ages are computed against this, P9): the measured
    /// time plus the boot clock's advance since, never the wall clock's. A wall clock stepped
    /// forward past judgeDeadInterval would otherwise call every live Java server dead, and
    /// one stepped back would stop this runtime refreshing its domain.
    pub fn zk_now_ms(&self) -> i64 {
        match self.clock_anchor {
            Some((zk_at, boot_at)) => zk_at.saturating_add(boot_ms().saturating_sub(boot_at)),
            None => now_ms(),
        }
    }

    /// The children of the root, sorted by name.
    pub async fn root_children(&self) -> Result<Vec<String>, Error> {
        let path = self.root.as_str();
        let mut names = self.client.list_children(path).await.map_err(|e| Error::at(path, e))?;
        names.sort();
        Ok(names)
    }
}

/// This machine's boot clock (ms): it advances while the machine sleeps, and no one sets it
/// (the wall clock is stepped by a resume's or NTP's correction).
pub fn boot_ms() -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime(2) writes the timespec this function owns; no other memory.
    if unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) } == 0 {
        ts.tv_sec.saturating_mul(1000).saturating_add(ts.tv_nsec / 1_000_000)
    } else {
        // Never fails on Linux; should it, the process's monotonic clock.
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        i64::try_from(START.get_or_init(std::time::Instant::now).elapsed().as_millis()).unwrap_or(i64::MAX)
    }
}

/// This machine's clock, ms since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Runs blocking `work` (a name lookup, a four-letter word) on a detached thread of its own and
/// waits for it at most `limit`: `None` when it did not finish in time or the thread could not
/// start. The caller stays cancellable (a Ctrl-C does not wait for the resolver), and a thread
/// still stuck in the call holds neither the runtime's shutdown (as `spawn_blocking` would) nor
/// anything else; it ends with its call.
pub async fn off_thread<T: Send + 'static>(
    name: &str,
    limit: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .ok()?;
    tokio::time::timeout(limit, rx).await.ok()?.ok()
}

/// The ACL Java puts on every node it creates (§1): the digest user may do everything, the
/// world may read. Without digest credentials the world may do everything.
pub(crate) fn acls(with_digest: bool) -> zk::Acls<'static> {
    static DIGEST: [zk::Acl; 2] = [
        zk::Acl::new_const(zk::Permission::ALL, "auth", ""),
        zk::Acl::new_const(zk::Permission::READ, "world", "anyone"),
    ];
    if with_digest {
        zk::Acls::new(&DIGEST)
    } else {
        zk::Acls::anyone_all()
    }
}

impl Store {
    /// A TBSchedule root (a node holding a marker) strictly below this store's root, looked for
    /// breadth-first in the first 5,000 nodes when the root exists without a marker of its own.
    async fn root_below(&self) -> Result<Option<(String, String)>, Error> {
        use tbdesk_model::version::{judge_marker, MarkerVerdict};
        let root = self.root.as_str();
        match self.client.get_data(root).await {
            Ok((d, _)) if !matches!(judge_marker(Some(&d)), MarkerVerdict::Unmarked) => return Ok(None),
            Ok(_) => {}
            Err(zk::Error::NoNode) => return Ok(None),
            Err(e) => return Err(Error::at(root, e)),
        }
        let mut queue = std::collections::VecDeque::from([root.to_owned()]);
        let mut seen = 0usize;
        // Bounded in time as in nodes: a slow server never holds an init for long, and a search
        // cut short refuses rather than guesses.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while let Some(p) = queue.pop_front() {
            seen += 1;
            if seen > 5000 || std::time::Instant::now() > deadline {
                // Not checked is not safe: a root further down would end up nested.
                return Err(Error::Invalid(vec![tbdesk_model::validate::Violation::error(
                    "root",
                    "root_below_unchecked",
                    format!(
                        "{root} already holds more nodes than tbdesk reads (5,000, or 20 s) to make sure no \
                         TBSchedule root lies below it; nothing was written: initialise a new or empty path"
                    ),
                )]));
            }
            if p != root {
                if let Ok((d, _)) = self.client.get_data(&p).await {
                    // Only a TBSchedule marker makes a root: other applications' data below
                    // (a config text, JSON) does not.
                    if let MarkerVerdict::Compatible(found) | MarkerVerdict::Incompatible(found) =
                        judge_marker(Some(&d))
                    {
                        if is_marker(&found) {
                            return Ok(Some((p, found)));
                        }
                    }
                }
            }
            // A TBSchedule root's own directories hold no roots: do not descend into them.
            if ["/baseTaskType", "/strategy", "/factory"].iter().any(|d| p.ends_with(d)) && p != root {
                continue;
            }
            match self.client.list_children(&p).await {
                Ok(kids) => queue.extend(kids.into_iter().map(|k| tbdesk_model::paths::Root::child(&p, &k))),
                Err(zk::Error::NoNode) | Err(zk::Error::NoAuth) => {}
                Err(e) => return Err(Error::at(&p, e)),
            }
        }
        Ok(None)
    }

    /// Initialises the root the way Java's `initial()` does (§1): missing ancestors and the
    /// root are created, the marker is written into an unmarked root, and a root whose marker
    /// the 3.2.12–3.3.x runtimes reject is refused, naming the version found. The three
    /// top-level directories are created too, as the Java data managers do.
    pub async fn init_root(&self, with_digest: bool) -> Result<(), Error> {
        use tbdesk_model::version::{judge_marker, MarkerVerdict, ROOT_MARKER};
        if self.opts.read_only {
            return Err(Error::ReadOnly);
        }
        let _ = with_digest; // the ACL follows the profile's digest user (Store::acls)
        let root = self.root.as_str();
        if root == "/zookeeper" || root.starts_with("/zookeeper/") {
            return Err(Error::Reserved { path: root.to_owned() });
        }
        // Nesting the other way: an existing, unmarked node with a TBSchedule root below it.
        if let Some((inner, found)) = self.root_below().await? {
            return Err(Error::ContainsRoot { path: root.to_owned(), inner, found });
        }
        // Java's checkParent only knows pre-3.2.12 markers (P12); any marker on an ancestor
        // means this root would nest inside another TBSchedule root.
        for p in self.root.ancestors() {
            match self.client.get_data(&p).await {
                Ok((data, _)) => {
                    if let MarkerVerdict::Compatible(found) | MarkerVerdict::Incompatible(found) =
                        judge_marker(Some(&data))
                    {
                        if is_marker(&found) {
                            return Err(Error::NestedRoot { path: self.root.as_str().to_owned(), ancestor: p, found });
                        }
                    }
                }
                Err(zk::Error::NoNode) => break,
                Err(e) => return Err(Error::at(&p, e)),
            }
        }
        // Java's ZKTools.createPath creates every missing level with null data.
        for p in self.root.ancestors() {
            self.create_null(&p).await?;
        }
        self.create_null(root).await?;
        let (data, stat) = self.client.get_data(root).await.map_err(|e| Error::at(root, e))?;
        match judge_marker(Some(&data)) {
            MarkerVerdict::Unmarked => {
                self.client
                    .set_data(root, ROOT_MARKER.as_bytes(), Some(stat.version))
                    .await
                    .map_err(|e| Error::at(root, e))?;
            }
            MarkerVerdict::Compatible(_) => {}
            MarkerVerdict::Incompatible(found) => return Err(Error::IncompatibleRoot { path: root.to_owned(), found }),
        }
        for p in [self.root.base_task_types(), self.root.strategies(), self.root.factories()] {
            self.create_null(&p).await?;
        }
        Ok(())
    }
}

/// Whether a node's text is a TBSchedule root marker (`tbschedule-…`, or the pre-3.2.12
/// `taobao-pamirs-schedule-…`), not just any data.
fn is_marker(text: &str) -> bool {
    text.starts_with("tbschedule-") || text.starts_with(tbdesk_model::version::LEGACY_MARKER_PREFIX)
}

/// The largest clock offset believed (a year): beyond it a server's date is broken or hostile,
/// and ages computed from it would mean nothing.
const MAX_CLOCK_OFFSET_MS: i64 = 366 * 24 * 3600 * 1000;

/// Whether `offset_ms` (measured from `what`) is a clock offset to use.
fn plausible_offset(offset_ms: i64, what: &str) -> bool {
    let ok = offset_ms.unsigned_abs() <= MAX_CLOCK_OFFSET_MS.unsigned_abs();
    if !ok {
        tracing::warn!(
            offset_ms,
            source = what,
            "ZooKeeper's clock is over a year off this machine's; using the local clock"
        );
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::off_thread;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn work_off_the_thread_is_waited_for_at_most_its_limit() {
        assert_eq!(off_thread("t", Duration::from_secs(5), || 7).await, Some(7));
        let t0 = Instant::now();
        let stuck = off_thread("t", Duration::from_millis(100), || std::thread::sleep(Duration::from_secs(3))).await;
        assert_eq!(stuck, None);
        assert!(t0.elapsed() < Duration::from_secs(1), "waited {:?}", t0.elapsed());
    }
}

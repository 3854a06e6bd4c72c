//! The one surface the desktop app (`src-tauri`) and the `tbdesk` CLI call: it ties profiles,
//! the store and the model together and returns serialisable, UI-ready values.
//!
//! **Architecture invariant:** lower crates never depend on this one, and it knows nothing of
//! tauri; a tauri command is one call into [`Console`] plus error mapping.
//!
//! # Layout
//! - [`Console`]: the app state (data dir, profile registry) and its actions.
//! - The values it answers are `tbdesk_model::wire`'s, the types the UI compiles too; each
//!   lower crate says how its errors become an [`ApiError`] (beside its error type).

pub mod bundle;
pub mod events;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tbdesk_model::records::{Strategy, TaskType};
pub use tbdesk_model::wire::{
    ApiError, Colour, ConnectionReport, ErrorCode, ExportFormat, HealthReport, SchedulerView, SnapshotEvent,
};
use tbdesk_profiles::{Profile, ProfileFields, Profiles};
use tbdesk_store::live::Live;
use tbdesk_store::transfer::{plan, Change, Config};
use tbdesk_store::{ConnectOptions, Expect, Store};

/// The name of the profile created on first start.
pub const LOCAL_PROFILE: &str = "local";
/// The root path of the first-start profile.
pub const LOCAL_ROOT: &str = "/tbschedule/local";

/// A followed profile: its live snapshot and facts fetched once.
pub struct Followed {
    /// Unique for the app's run: a profile edited gets a new follower with a new id.
    pub id: u64,
    /// The profile's settings it follows ([`fingerprint`]).
    fingerprint: String,
    /// The live follower (dropping it stops following).
    pub live: Live,
    /// ZooKeeper server version, when `srvr` answers.
    pub server_version: Option<String>,
    /// The profile's read-only flag.
    pub read_only: bool,
    /// The state last sent to the page (generation, snapshot): the base of the next delta.
    /// It shares every unchanged part with the current state, so it costs what changed since.
    sent: std::sync::Mutex<Option<(u64, std::sync::Arc<tbdesk_model::snapshot::Snapshot>)>>,
    /// The root followed (journal marks name it).
    root: String,
    /// The journal's `watch_ended` mark is written (once: by the follower's end or the app's).
    ended: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The bounded history of ownership changes while followed (replay).
    replay: std::sync::Arc<std::sync::Mutex<tbdesk_model::replay::History>>,
}

impl Followed {
    /// The UI payload for one published state (borrowed: serialised straight into the event,
    /// never through an intermediate JSON tree, which for a 30,000-node root costs tens of MB).
    pub fn event<'a>(&'a self, profile: &'a str, state: &'a tbdesk_store::live::LiveState) -> SnapshotEvent<'a> {
        use std::borrow::Cow::Borrowed;
        SnapshotEvent {
            profile: Borrowed(profile),
            status: Borrowed(&state.status),
            follower: self.id,
            generation: state.generation,
            snapshot: Borrowed(&*state.snapshot),
            server_version: self.server_version.as_deref().map(Borrowed),
            read_only: self.read_only,
        }
    }

    /// The current state as the JSON bytes the UI parses in wasm (sent as a raw IPC body, so the
    /// webview never builds a JavaScript object tree of the whole root).
    pub fn current_json(&self, profile: &str) -> Result<Vec<u8>, ApiError> {
        let state = self.live.current();
        self.remember(&state);
        serde_json::to_vec(&self.event(profile, &state))
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot encode the snapshot: {e}")))
    }

    /// What changed since the state the page shows (`(follower, generation)`), as JSON bytes:
    /// only the changed parts when that state is the one last sent, else the whole state.
    pub fn delta_json(&self, profile: &str, shown: Option<(u64, u64)>) -> Result<Vec<u8>, ApiError> {
        let state = self.live.current();
        let base = {
            let sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
            sent.as_ref().filter(|(g, _)| shown == Some((self.id, *g))).map(|(g, s)| (*g, s.clone()))
        };
        self.remember(&state);
        let now = SnapshotEvent {
            profile: std::borrow::Cow::Owned(profile.to_owned()),
            status: std::borrow::Cow::Owned(state.status.clone()),
            follower: self.id,
            generation: state.generation,
            // Cheap: the parts are shared, only the header is copied.
            snapshot: std::borrow::Cow::Owned((*state.snapshot).clone()),
            server_version: self.server_version.clone().map(std::borrow::Cow::Owned),
            read_only: self.read_only,
        };
        let delta = match base {
            Some((g, snap)) => tbdesk_model::wire::SnapshotDelta::between(now, &snap, g),
            None => tbdesk_model::wire::SnapshotDelta::whole(now),
        };
        serde_json::to_vec(&delta)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot encode the snapshot: {e}")))
    }

    fn remember(&self, state: &tbdesk_store::live::LiveState) {
        *self.sent.lock().unwrap_or_else(|p| p.into_inner()) = Some((state.generation, state.snapshot.clone()));
    }
}

/// How long after a change the follower saw tbdesk waits for its own journal to claim it.
const CLAIM_WAIT: Duration = Duration::from_secs(2);

/// Records in the journal the configuration changes a followed root shows that tbdesk did not
/// make ("seen, not made by tbdesk", with their bytes), and when following began and ended. Runs
/// until the follower is dropped (its change channel closes).
fn record_changes(
    profiles: Profiles,
    profile: String,
    connect: String,
    root: String,
    live: &Live,
    ended: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let mut rx = live.config_changes();
    tokio::spawn(async move {
        if let Err(e) = profiles.journal_mark(&profile, &root, "watch_started").await {
            tracing::warn!(error = %e, "cannot write the journal");
        }
        loop {
            let change = match rx.recv().await {
                Ok(c) => c,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "configuration changes came faster than the journal");
                    let _ = profiles.journal_mark(&profile, &root, &format!("missed {n} changes")).await;
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            // tbdesk's own write finishes its entry after the follower may have seen it. The
            // wait counts from when the follower saw the change, not one wait per change in a row: a
            // batch of a hundred (a pause of every strategy, an import) would otherwise be
            // judged minutes late, past the journal's look-back, and called someone else's.
            tokio::time::sleep_until(change.seen + CLAIM_WAIT).await;
            let ours = profiles
                .journal_has_write(&profile, &change.path, change.after.version, 120_000)
                .await
                .unwrap_or(false);
            if ours {
                continue;
            }
            let command = if change.resync { "external (seen after a reconnect)" } else { "external" };
            let entry = tbdesk_profiles::journal::NewEntry {
                profile: &profile,
                root: &root,
                command,
                reverts: None,
                before: vec![(change.path.clone(), change.before.clone())],
                external: true,
                seen_on: Some(&connect),
            };
            let recorded = match profiles.journal_begin(&entry).await {
                Ok(id) => {
                    profiles
                        .journal_finish(id, tbdesk_model::journal::Outcome::Applied, None, &[Some(change.after)])
                        .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "cannot record a change made by someone else");
            }
        }
        if !ended.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let _ = profiles.journal_mark(&profile, &root, "watch_ended").await;
        }
    });
}

/// Keeps the bounded history of ownership changes of a followed root (replay): every
/// published state is compared with the last one while connected (a disconnected follower's
/// clock would judge live servers dead). Runs until the follower is dropped.
fn record_ownership(live: &Live) -> std::sync::Arc<std::sync::Mutex<tbdesk_model::replay::History>> {
    let history = std::sync::Arc::new(std::sync::Mutex::new(tbdesk_model::replay::History::default()));
    let mut rx = live.subscribe();
    let h = history.clone();
    tokio::spawn(async move {
        loop {
            let state = rx.borrow_and_update().clone();
            if matches!(state.status, tbdesk_model::wire::LiveStatus::Live | tbdesk_model::wire::LiveStatus::Resynced) {
                h.lock().unwrap_or_else(|e| e.into_inner()).observe(state.snapshot);
            }
            if rx.changed().await.is_err() {
                break;
            }
        }
    });
    history
}

/// The local scheduler the app started.
struct LocalScheduler {
    /// The profile it runs on, by id: a rename keeps it.
    profile_id: i64,
    launch: tbdesk_scheduler::launcher::Launch,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), String>>,
    status: tokio::sync::watch::Receiver<tbdesk_scheduler::Status>,
    view: SchedulerView,
    /// Why the run ended by itself (an error, the profile made read-only), for its view.
    ended: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

/// The longest a root's first read may take (the 10x benchmark root reads in ~3 s): past it
/// the follow fails as unreachable and the next call starts again.
pub const FIRST_READ_LIMIT: Duration = Duration::from_secs(120);

/// A stored session timeout in milliseconds, within the range the profile form allows.
fn session_timeout_ms(ms: i64) -> u64 {
    let r = tbdesk_model::profile::SESSION_TIMEOUT_MS;
    u64::try_from(ms.clamp(*r.start(), *r.end())).unwrap_or(60_000)
}

/// The total deadline of one write to a root (a save, a pause, an import, a revert), after its
/// journal entry is begun.
const WRITE_LIMIT: Duration = Duration::from_secs(60);

/// A whole read of a root (snapshot, export, health, a scheduler's preparation) within the
/// same total deadline as a follower's first read: a server that keeps the session alive while
/// it trickles its answers holds no command for ever.
async fn read_within<T, E: Into<ApiError>>(
    what: impl std::fmt::Display,
    read: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(FIRST_READ_LIMIT, read).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(ApiError::new(
            ErrorCode::Unreachable,
            format!("{what} did not finish within {} s", FIRST_READ_LIMIT.as_secs()),
        )),
    }
}

/// [`Console::made_read_only`] on a profiles handle (the app's run task holds its own):
/// read-only or deleted; a database that does not answer now says no.
async fn made_read_only(profiles: &tbdesk_profiles::Profiles, id: i64) -> bool {
    match profiles.by_id(id).await {
        Ok(Some(p)) => p.writes_refused(),
        Ok(None) => true,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the profile's read-only flag");
            false
        }
    }
}

/// Lists what a run on a profile now read-only made (`Launch::park`, with what the leftovers
/// file held) and says so: the answer of a stop that writes nothing.
fn parked_read_only(s: &mut LocalScheduler, why: &str) -> ApiError {
    if let Err(e) = s.launch.park() {
        tracing::warn!(error = %e, "cannot save the list of nodes left");
    }
    ApiError::new(
        ErrorCode::ReadOnly,
        format!(
            "read_only: the profile of {} {why}; what the run made is left, listed for the next run's clean-up",
            s.view.strategy
        ),
    )
}

/// The longest a connect (the server's version asked, a session opened over every host of the
/// connect string) is waited for.
const CONNECT_LIMIT: Duration = Duration::from_secs(30);

/// [`Store::connect`] within [`CONNECT_LIMIT`]: a long connect string of frozen servers holds
/// no command for minutes.
async fn connect_within(opts: &tbdesk_store::ConnectOptions) -> Result<Store, ApiError> {
    match tokio::time::timeout(CONNECT_LIMIT, Store::connect(opts)).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(ApiError::new(
            ErrorCode::Unreachable,
            format!("connecting to {} did not finish within {} s", opts.connect, CONNECT_LIMIT.as_secs()),
        )),
    }
}

/// How often a running local scheduler checks that its profile is still writable.
const READ_ONLY_POLL: Duration = Duration::from_secs(2);

/// The app state shared by every command.
pub struct Console {
    data_dir: PathBuf,
    profiles: Profiles,
    /// One cell per profile: the map's lock is held only to find the cell, never across the
    /// first read of a root, so opening one profile never waits for another's.
    followed: tokio::sync::Mutex<
        std::collections::HashMap<String, std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<Followed>>>>,
    >,
    /// One console session per profile, with the profile it was opened for (see `Console::store`).
    stores: tokio::sync::Mutex<std::collections::HashMap<String, (String, std::sync::Arc<Store>)>>,
    scheduler: tokio::sync::Mutex<Option<LocalScheduler>>,
    /// Production profiles whose writes are unlocked, until when.
    unlocked: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// Production profiles' confirmed writes (the name typed for each).
    confirmed: std::sync::Mutex<std::collections::HashMap<String, Confirmed>>,
    /// The background watch: alert state, the last look at every profile, and when each
    /// watched root's follower last published a change.
    watch: tokio::sync::Mutex<WatchState>,
}

/// What the background watch remembers between looks.
#[derive(Default)]
struct WatchState {
    alerts: tbdesk_model::alerts::Alerts,
    /// Profiles not watched: when they were last read once, and what was found.
    read_once: std::collections::HashMap<String, (std::time::Instant, tbdesk_model::wire::ProfileStatus)>,
    /// Watched profiles: (follower id, generation) last seen and when it changed.
    changed: std::collections::HashMap<String, ((u64, u64), i64)>,
    /// Each watched profile's ensemble, asked at most every [`ENSEMBLE_EVERY`] (four-letter
    /// words open a connection per server: not every look, beside a whitelist that logs them).
    ensembles: std::collections::HashMap<String, (std::time::Instant, Vec<tbdesk_model::wire::ServerHealth>)>,
}

/// What one look found of a watched root, for the alerts.
struct Watched {
    /// Its alerts are on.
    alerts: bool,
    /// Its snapshot (`None`: it could not be read).
    snapshot: Option<std::sync::Arc<tbdesk_model::snapshot::Snapshot>>,
    /// The look may be judged (connected, or no follower at all).
    judged: bool,
}

/// How often the background watch asks a watched root's ensemble servers how they are.
const ENSEMBLE_EVERY: Duration = Duration::from_secs(30);

/// How long a profile that is not watched keeps the figures of its last one-shot read.
const READ_ONCE_FOR: Duration = Duration::from_secs(30);

fn watch_key(id: i64) -> String {
    format!("watch:{id}")
}

fn alerts_key(id: i64) -> String {
    format!("alerts:{id}")
}

/// The furthest a reminder may be asked for: a week.
pub const MAX_REMIND_MINUTES: u32 = 7 * 24 * 60;

/// A reminder's delay is 1 minute to a week: checked before the pause it follows is written.
pub fn check_remind(minutes: u32) -> Result<(), ApiError> {
    if minutes == 0 || minutes > MAX_REMIND_MINUTES {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            format!("remind in: between 1 and {MAX_REMIND_MINUTES} minutes (one week), not {minutes}"),
        ));
    }
    Ok(())
}

/// A production profile's writes confirmed with its name.
#[derive(Debug, Clone)]
enum Confirmed {
    /// `--unlock NAME` on the command line: every write of that run, until then.
    Run(std::time::Instant),
    /// Writes confirmed one by one in the window: each by its arguments' key
    /// ([`tbdesk_model::wire::cmd::confirmation`]), until when.
    Writes(Vec<(String, std::time::Instant)>),
}

tokio::task_local! {
    /// The confirmation key of the write command running ([`Console::confirmed_as`]).
    static WRITE_KEY: String;
}

/// How long a write confirmed with a production profile's name may wait to be sent.
pub const CONFIRM_FOR: Duration = Duration::from_secs(60);

/// Confirmed writes that may wait at once for one profile.
const MAX_CONFIRMED: usize = 3;

/// The longest confirmation key accepted (the window sends 16 hex digits).
const MAX_KEY: usize = 64;

/// The longest a production profile's writes stay unlocked.
pub const MAX_UNLOCK: Duration = Duration::from_secs(120 * 60);

impl Console {
    /// Opens the profile database in `data_dir` (created if missing).
    pub async fn open(data_dir: &Path) -> Result<Self, ApiError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| ApiError::new(ErrorCode::Database, format!("cannot create {}: {e}", data_dir.display())))?;
        let profiles = Profiles::open(&data_dir.join("profiles.sqlite")).await?;
        Ok(Console {
            data_dir: data_dir.to_owned(),
            profiles,
            followed: Default::default(),
            stores: Default::default(),
            scheduler: Default::default(),
            unlocked: Default::default(),
            confirmed: Default::default(),
            watch: Default::default(),
        })
    }

    /// The profile registry.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// On first start (no profile at all) starts a local ZooKeeper and creates the `local`
    /// profile pointing at it, with an initialised root, so the app shows something real. Only
    /// once per data directory: a user who deleted every profile, `local` among them, finds
    /// none made again behind their back (nor a server started, nor a root written).
    pub async fn ensure_default_profile(&self) -> Result<(), ApiError> {
        const OFFERED: &str = "local_profile_offered";
        if self.profiles.setting(OFFERED).await?.is_some() {
            return Ok(());
        }
        if !self.profiles.list().await?.is_empty() {
            self.profiles.set_setting(OFFERED, "had profiles").await?;
            return Ok(());
        }
        let connect = self.local_server().await?;
        let fields = ProfileFields {
            name: LOCAL_PROFILE.into(),
            connect,
            root_path: LOCAL_ROOT.into(),
            session_timeout_ms: 60_000,
            digest_user: None,
            color: "green".into(),
            read_only: false,
            local_server: true,
            zone: machine_zone_name(),
        };
        let p = self.profiles.create(&fields, None).await?;
        self.profiles.set_setting(OFFERED, "created").await?;
        let store = self.connect(&p).await?;
        // Bounded like any write: a local server frozen now delays the profile list, never
        // holds it for the session's lifetime (the profile stays; `init` makes its root).
        match tokio::time::timeout(WRITE_LIMIT, store.init_root(false)).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(ApiError::new(
                    ErrorCode::Unreachable,
                    format!("initialising the local root did not finish within {} s", WRITE_LIMIT.as_secs()),
                ))
            }
        }
        // Something to look at and to run with the local scheduler: one task type (no strategy,
        // so no scheduler joins it unless asked).
        let demo = TaskType {
            base_task_type: Some("Demo".into()),
            heart_beat_rate: 2000,
            judge_dead_interval: 10000,
            deal_bean_name: Some("demoTask".into()),
            task_items: Some((0..4).map(|i| i.to_string()).collect()),
            fetch_data_number: 50,
            ..TaskType::default()
        };
        match tokio::time::timeout(WRITE_LIMIT, store.put_task_type(&demo, Expect::Absent)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not create the demo task type"),
            Err(_) => tracing::warn!("the demo task type was not created within {} s", WRITE_LIMIT.as_secs()),
        }
        tracing::info!(connect = %p.fields.connect, "created the local profile");
        Ok(())
    }

    /// The managed local server's connect string, starting it if needed. Starting it can take
    /// up to a minute of blocking waits: on the blocking pool, never on an async worker.
    async fn local_server(&self) -> Result<String, ApiError> {
        let dir = tbdesk_zkserver::local_dir(&self.data_dir);
        tokio::task::spawn_blocking(move || tbdesk_zkserver::ensure_local(&dir, 2181))
            .await
            .map_err(|e| ApiError::new(ErrorCode::LocalServer, e.to_string()))?
            .map_err(ApiError::from)
    }

    /// What the profile switcher shows: every profile, after creating the first-start `local`
    /// profile when there is none.
    pub async fn profiles_for_ui(&self) -> Result<Vec<Profile>, ApiError> {
        self.ensure_default_profile().await?;
        self.list_profiles().await
    }

    /// All profiles.
    pub async fn list_profiles(&self) -> Result<Vec<Profile>, ApiError> {
        Ok(self.profiles.list().await?)
    }

    async fn options(&self, p: &Profile) -> Result<ConnectOptions, ApiError> {
        let connect = self.connect_string(p).await?;
        let password = self.profiles.password(p).await?;
        Ok(ConnectOptions {
            connect,
            root: p.fields.root_path.clone(),
            // A row written by hand or an older version is clamped, never wrapped.
            session_timeout: Duration::from_millis(session_timeout_ms(p.fields.session_timeout_ms)),
            digest: p.fields.digest_user.clone().zip(password),
            // `password` is `None` exactly when the row has none.
            read_only: p.writes_refused(),
            tz: p.fields.zone_or(machine_zone()),
        })
    }

    /// The servers a profile connects to (for a managed local profile, its server's port,
    /// which may have moved), without its password: what asks the ensemble needs no keyring.
    async fn connect_string(&self, p: &Profile) -> Result<String, ApiError> {
        if p.fields.local_server {
            self.local_server().await
        } else {
            Ok(p.fields.connect.clone())
        }
    }

    /// Follows a profile's root live (one follower per profile, kept while the app runs, so
    /// switching back is instant) and remembers it as the last profile.
    pub async fn follow(&self, profile: &str) -> Result<std::sync::Arc<Followed>, ApiError> {
        self.follow_with_progress(profile, |_| {}).await
    }

    /// The follower of a profile already followed; never starts one (a late notice for a
    /// profile just edited or deleted must not read its root again).
    pub async fn followed(&self, profile: &str) -> Result<std::sync::Arc<Followed>, ApiError> {
        let not_open =
            || ApiError::new(ErrorCode::NotFollowed, format!("profile {profile} is not open; select it to connect"));
        let f = self.followed.lock().await.get(profile).and_then(|c| c.get().cloned()).ok_or_else(not_open)?;
        // Edited, or deleted and made again, by another process: this follower shows another
        // cluster's root than the one the profile's writes now go to.
        match self.profiles.get(profile).await {
            Ok(p) if fingerprint(&p) == f.fingerprint => Ok(f),
            _ => Err(not_open()),
        }
    }

    /// [`Console::follow`], reporting the first read's progress (nodes read / known).
    pub async fn follow_with_progress(
        &self,
        profile: &str,
        progress: impl FnMut(tbdesk_store::reader::Progress),
    ) -> Result<std::sync::Arc<Followed>, ApiError> {
        let f = self.follow_quietly(profile, progress).await?;
        self.profiles.set_setting("last_profile", profile).await?;
        // Opened once, watched from then on, unless the user switched it off.
        if let Ok(p) = self.profiles.get(profile).await {
            if self.profiles.setting(&watch_key(p.id)).await?.is_none() {
                self.profiles.set_setting(&watch_key(p.id), "1").await?;
            }
        }
        Ok(f)
    }

    /// The replay of a followed profile's task type: its domains' ownership events kept while
    /// followed (bounded), oldest first.
    pub async fn replay(&self, profile: &str, task_type: &str) -> Result<tbdesk_model::replay::ReplayView, ApiError> {
        let f = self.followed(profile).await?;
        let view = f.replay.lock().unwrap_or_else(|e| e.into_inner()).view(task_type);
        Ok(view)
    }

    /// Marks the end of following in the journal of every followed root (the app or `tbdesk
    /// watch` closing: their followers are never dropped before the process ends), within 3 s.
    pub async fn end_watches(&self) {
        let cells: Vec<(String, std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<Followed>>>)> =
            self.followed.lock().await.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let marks = async {
            for (profile, cell) in cells {
                let Some(f) = cell.get() else { continue };
                if !f.ended.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    if let Err(e) = self.profiles.journal_mark(&profile, &f.root, "watch_ended").await {
                        tracing::warn!(error = %e, "cannot write the journal");
                    }
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(3), marks).await.is_err() {
            tracing::warn!("the journal's end-of-watch marks took over 3 s; the rest are not written");
        }
    }

    /// Follows a profile without making it the last one opened (the background watch).
    async fn follow_quietly(
        &self,
        profile: &str,
        progress: impl FnMut(tbdesk_store::reader::Progress),
    ) -> Result<std::sync::Arc<Followed>, ApiError> {
        let p = self.profiles.get(profile).await?;
        let fp = fingerprint(&p);
        let cell = {
            let mut map = self.followed.lock().await;
            let cell = map.entry(profile.to_owned()).or_default().clone();
            // A follower of the profile's old settings (changed by another process) is
            // replaced, never shown for the new ones.
            if cell.get().is_some_and(|f| f.fingerprint != fp) {
                let fresh = std::sync::Arc::new(tokio::sync::OnceCell::new());
                map.insert(profile.to_owned(), fresh.clone());
                fresh
            } else {
                cell
            }
        };
        let f = cell
            .get_or_try_init(|| async {
                let opts = self.options(&p).await?;
                // A total deadline: a server that accepts the session and then trickles (each
                // byte keeps the session alive) would hold the window and the background watch
                // of every profile for ever. A later call tries again.
                let live = tokio::time::timeout(FIRST_READ_LIMIT, Live::follow_with_progress(opts.clone(), progress))
                    .await
                    .map_err(|_| {
                        ApiError::new(
                            ErrorCode::Unreachable,
                            format!(
                                "{profile}: the first read of {} did not finish within {} s",
                                opts.root,
                                FIRST_READ_LIMIT.as_secs()
                            ),
                        )
                    })??;
                let ended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                record_changes(
                    self.profiles.clone(),
                    profile.to_owned(),
                    p.fields.connect.clone(),
                    p.fields.root_path.clone(),
                    &live,
                    ended.clone(),
                );
                let replay = record_ownership(&live);
                // The server's version and the protocol used with it, found when connecting.
                let server_version = Some(live.features().describe());
                static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok::<_, ApiError>(std::sync::Arc::new(Followed {
                    id,
                    fingerprint: fp.clone(),
                    live,
                    server_version,
                    read_only: p.fields.read_only,
                    sent: std::sync::Mutex::new(None),
                    root: opts.root.clone(),
                    ended,
                    replay,
                }))
            })
            .await?
            .clone();
        Ok(f)
    }

    /// The profile's console session: one per profile, kept and shared by every save, pause,
    /// export and fix (no keyring read and probe per call), re-established when it expired or
    /// closed. Checked against the stored profile at every call (one SQLite read): a profile
    /// edited, deleted and re-created — by this app or another process — gets a new session, so
    /// nothing is written with old settings (another cluster, a lifted read-only flag).
    /// Separate from the follower's, so a re-sync never interleaves with a write.
    async fn store(&self, profile: &str) -> Result<std::sync::Arc<Store>, ApiError> {
        let p = self.profiles.get(profile).await?;
        let fingerprint = fingerprint(&p);
        if let Some((fp, s)) = self.stores.lock().await.get(profile) {
            if *fp == fingerprint && s.usable() {
                return Ok(s.clone());
            }
        }
        let s = std::sync::Arc::new(connect_within(&self.options(&p).await?).await?);
        self.stores.lock().await.insert(profile.to_owned(), (fingerprint, s.clone()));
        Ok(s)
    }

    /// Forgets a profile's follower and console session (its settings changed or it is gone).
    async fn forget(&self, name: &str) {
        self.followed.lock().await.remove(name);
        self.stores.lock().await.remove(name);
        let mut w = self.watch.lock().await;
        w.alerts.forget(name);
        w.read_once.remove(name);
        w.changed.remove(name);
        w.ensembles.remove(name);
        drop(w);
        // An unlock or a confirmation never outlives the profile it was typed for (a profile
        // renamed or created under its name starts locked).
        self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).remove(name);
        self.confirmed.lock().unwrap_or_else(|e| e.into_inner()).remove(name);
    }

    /// Unlocks a production profile's writes for `d` (at most [`MAX_UNLOCK`]; zero locks them
    /// again) once `typed` equals its name; answers how long they stay unlocked.
    pub async fn unlock_writes(&self, profile: &str, typed: &str, d: Duration) -> Result<Option<Duration>, ApiError> {
        let p = self.profiles.get(profile).await?;
        let mut map = self.unlocked.lock().unwrap_or_else(|e| e.into_inner());
        if d.is_zero() {
            map.remove(profile);
            self.confirmed.lock().unwrap_or_else(|e| e.into_inner()).remove(profile);
            return Ok(None);
        }
        if typed != p.fields.name {
            return Err(ApiError::new(
                ErrorCode::Locked,
                format!("type the profile's name \"{}\" to unlock its writes", p.fields.name),
            ));
        }
        map.insert(profile.to_owned(), std::time::Instant::now() + d.min(MAX_UNLOCK));
        Ok(Some(d.min(MAX_UNLOCK)))
    }

    /// How long a profile's writes stay unlocked (`None`: locked, or never locked).
    pub fn unlocked_for(&self, profile: &str) -> Option<Duration> {
        let map = self.unlocked.lock().unwrap_or_else(|e| e.into_inner());
        map.get(profile).and_then(|until| until.checked_duration_since(std::time::Instant::now()))
    }

    /// Whether a profile's writes go through the production guard: a production profile that
    /// is not read-only (a read-only one is refused by the store itself, as read-only).
    /// A profile that can write into a production profile's root is guarded like it: the lock
    /// is the root's, not the label's. That is the same root (a duplicate, a copy with another
    /// colour), a root above it (`/tbschedule` over `/tbschedule/prod`: the inspector writes
    /// any node under its root) or inside it, on a server both name, spelled alike or resolved
    /// alike; where a server's name does not resolve in time the answer is not known, and the
    /// guard holds (fails closed).
    async fn guarded(&self, p: tbdesk_model::wire::Profile) -> Result<Option<tbdesk_model::wire::Profile>, ApiError> {
        if p.fields.read_only {
            return Ok(None);
        }
        if p.fields.color == "production" {
            return Ok(Some(p));
        }
        let production: Vec<_> =
            self.profiles.list().await?.into_iter().filter(|o| o.fields.color == "production").collect();
        // This profile's servers looked up once, for all production profiles.
        let mut mine = None;
        for o in &production {
            if reaches_root_of(&p.fields, &o.fields, &mut mine).await {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// A writable profile with a digest user writes only with its password: without one its
    /// session is not authenticated and every node it created would be writable by anyone.
    fn password_rule(p: &tbdesk_model::wire::Profile) -> Result<(), ApiError> {
        match &p.fields.digest_user {
            Some(user) if !p.fields.read_only && !p.has_password => Err(ApiError::new(
                ErrorCode::ReadOnly,
                format!(
                    "{}: digest user {user} has no password stored (the keyring lost it, or it was removed): edit the profile and enter it; until then the profile only reads, so that nothing is created writable by anyone",
                    p.fields.name
                ),
            )),
            _ => Ok(()),
        }
    }

    fn locked_error(profile: &str) -> ApiError {
        ApiError::new(
            ErrorCode::Locked,
            format!("{profile} is a production profile: its writes are locked; unlock them for a while (typing its name) first"),
        )
    }

    /// Confirms one write of a production profile, named by its arguments' `key`
    /// ([`tbdesk_model::wire::cmd::confirmation`]), with the profile's name typed (`None`:
    /// answers whether the profile asks for that, refused while its writes are locked). The
    /// confirmation is spent by that write only, within [`CONFIRM_FOR`]; a profile that is not
    /// production answers `false`.
    pub async fn confirm_write(&self, profile: &str, typed: Option<&str>, key: &str) -> Result<bool, ApiError> {
        let Some(p) = self.guarded(self.profiles.get(profile).await?).await? else { return Ok(false) };
        if self.unlocked_for(profile).is_none() {
            return Err(Self::locked_error(profile));
        }
        let Some(typed) = typed else { return Ok(true) };
        if typed != p.fields.name {
            return Err(ApiError::new(
                ErrorCode::Locked,
                format!("not applied: type the profile's name \"{}\" to confirm this write", p.fields.name),
            ));
        }
        if key.is_empty() || key.len() > MAX_KEY {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                "confirmation key: names the write confirmed (1 to 64 bytes)",
            ));
        }
        // Each name typed confirms one more write (two writes in flight need two), for a
        // short while; at most a few wait at once (the oldest give way).
        let mut map = self.confirmed.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if matches!(map.get(profile), Some(Confirmed::Run(until)) if *until > now) {
            // `--unlock NAME` already confirms every write of its run: it stays.
            return Ok(false);
        }
        let mut writes = match map.remove(profile) {
            Some(Confirmed::Writes(w)) => w,
            _ => Vec::new(),
        };
        writes.retain(|(_, until)| *until > now);
        writes.push((key.to_owned(), now + CONFIRM_FOR));
        let over = writes.len().saturating_sub(MAX_CONFIRMED);
        writes.drain(..over);
        map.insert(profile.to_owned(), Confirmed::Writes(writes));
        Ok(false)
    }

    /// Runs a write command with its arguments' confirmation key in scope, so the production
    /// guard spends the confirmation given for exactly these arguments (the window's commands
    /// all go through this; a write outside it finds no key and needs `--unlock`).
    pub async fn confirmed_as<C, F>(args: &C::Args, write: F) -> F::Output
    where
        C: tbdesk_model::wire::cmd::Command,
        F: std::future::Future,
    {
        let key = tbdesk_model::wire::cmd::confirmation::<C>(args).map(|(_, k)| k).unwrap_or_default();
        WRITE_KEY.scope(key, write).await
    }

    /// Unlocks a production profile for one command-line run: its name given on the command line
    /// (`--unlock NAME`) unlocks and confirms every write of that run, for at most 10 minutes.
    pub async fn unlock_for_run(&self, profile: &str) -> Result<(), ApiError> {
        let d = Duration::from_secs(600);
        self.unlock_writes(profile, profile, d).await?;
        self.confirmed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(profile.to_owned(), Confirmed::Run(std::time::Instant::now() + d));
        Ok(())
    }

    /// A production profile's writes are refused unless unlocked and, write by write,
    /// confirmed with its name (the backend's rule, whatever the window shows). `take` uses one
    /// confirmation up (the write itself); a check before a write only looks.
    async fn production_rule(&self, profile: &str, take: bool) -> Result<(), ApiError> {
        let p = self.profiles.get(profile).await?;
        Self::password_rule(&p)?;
        let Some(p) = self.guarded(p).await? else { return Ok(()) };
        if self.unlocked_for(profile).is_none() {
            return Err(Self::locked_error(profile));
        }
        let key = WRITE_KEY.try_with(|k| k.clone()).unwrap_or_default();
        let mut map = self.confirmed.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        let waiting = match map.get_mut(profile) {
            Some(Confirmed::Run(until)) if *until > now => return Ok(()),
            Some(Confirmed::Writes(writes)) => {
                writes.retain(|(_, until)| *until > now);
                if let Some(at) = writes.iter().position(|(k, _)| !key.is_empty() && *k == key) {
                    if take {
                        writes.remove(at);
                    }
                    return Ok(());
                }
                !writes.is_empty()
            }
            _ => false,
        };
        if !waiting {
            map.remove(profile);
        }
        // Other writes' confirmations stay for them; this one was not confirmed.
        let why = if waiting && !key.is_empty() {
            "the name typed confirmed another write, not this one"
        } else {
            "each write asks for its name first"
        };
        Err(ApiError::new(
            ErrorCode::Locked,
            format!(
                "{profile} is a production profile: {why} (type \"{}\" when the window asks; on the command line, --unlock {})",
                p.fields.name, p.fields.name
            ),
        ))
    }

    /// [`Console::production_rule`] as a check only: refused writes fail before anything is read.
    pub async fn guard_production(&self, profile: &str) -> Result<(), ApiError> {
        self.production_rule(profile, false).await
    }

    /// Runs `write` on a profile's root as one journal entry: the states of the nodes `paths`
    /// names before it, the write, their states after it (a failed write keeps its
    /// before-states). The entry is recorded before the write is attempted, so even a crash in
    /// between leaves a trace (`pending`). A journal that cannot be written refuses the write.
    /// `used` is the session `write` writes through: it must still be the profile's once the
    /// production rule has judged the profile, or nothing is written.
    async fn journaled<T>(
        &self,
        profile: &str,
        used: &std::sync::Arc<Store>,
        command: &str,
        reverts: Option<i64>,
        paths: impl FnOnce(&tbdesk_model::paths::Root) -> Vec<String>,
        write: impl std::future::Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        Ok(self.journaled_id(profile, used, command, reverts, paths, write).await?.0)
    }

    /// [`Console::journaled`], answering also the journal entry's id (never found afterwards by
    /// listing: another write may have been journaled in between).
    async fn journaled_id<T>(
        &self,
        profile: &str,
        used: &std::sync::Arc<Store>,
        command: &str,
        reverts: Option<i64>,
        paths: impl FnOnce(&tbdesk_model::paths::Root) -> Vec<String>,
        write: impl std::future::Future<Output = Result<T, ApiError>>,
    ) -> Result<(T, i64), ApiError> {
        use tbdesk_model::journal::Outcome;
        self.production_rule(profile, true).await?;
        let store = self.store(profile).await?;
        // The rule judged the profile's settings as they are now; the write must go through
        // the session of those settings, not one taken before an edit (or a new session).
        if !std::sync::Arc::ptr_eq(&store, used) {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("{profile}'s settings or session changed while this write was prepared; nothing was written, try again"),
            ));
        }
        let paths = paths(store.root());
        let before = read_within(format!("{profile}: reading the nodes to change"), store.node_states(&paths)).await?;
        let entry = tbdesk_profiles::journal::NewEntry {
            profile,
            root: store.root().as_str(),
            command,
            reverts,
            before: paths.iter().cloned().zip(before).collect(),
            external: false,
            seen_on: None,
        };
        let id = self.profiles.journal_begin(&entry).await?;
        // A total deadline: a server that keeps the session alive while it trickles its answer
        // would hold the command for ever. Whether a write cut off here was applied is not
        // known (it may still land when the server answers): its entry stays `pending`.
        let Ok(result) = tokio::time::timeout(WRITE_LIMIT, write).await else {
            return Err(ApiError::new(
                ErrorCode::Unreachable,
                format!(
                    "{profile}: ZooKeeper did not answer the write within {} s; it may still be applied when the server answers (the history keeps it as pending): reload to see",
                    WRITE_LIMIT.as_secs()
                ),
            ));
        };
        let (outcome, error, after) = match &result {
            Ok(_) => {
                // Writes of null data go through a short session of their own, which may have
                // reached another server of the ensemble: this session catches up first, or
                // it could read the nodes as they were before the write.
                let read_after = tokio::time::timeout(WRITE_LIMIT, async {
                    let _ = store.client().sync(store.root().as_str()).await;
                    store.node_states(&paths).await
                });
                let after = match read_after
                    .await
                    .map_err(|_| "no answer in time".to_owned())
                    .and_then(|r| r.map_err(|e| e.to_string()))
                {
                    Ok(v) => v.into_iter().map(Some).collect(),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the nodes after a write; its journal entry keeps their before-states");
                        Vec::new()
                    }
                };
                (Outcome::Applied, None, after)
            }
            Err(e) => (Outcome::Failed, Some(e.message.clone()), Vec::new()),
        };
        if let Err(e) = self.profiles.journal_finish(id, outcome, error.as_deref(), &after).await {
            tracing::warn!(error = %e, entry = id, "cannot finish a journal entry");
        }
        result.map(|r| (r, id))
    }

    /// Validates (again) and writes a task type; returns its new version.
    pub async fn save_task_type(&self, profile: &str, t: &TaskType, expected: Expect) -> Result<i32, ApiError> {
        let name = t.base_task_type.clone().unwrap_or_default();
        let store = self.store(profile).await?;
        self.journaled(profile, &store, "save_task_type", None, |r| vec![r.base_task_type(&name)], async {
            Ok(store.put_task_type(t, expected).await?)
        })
        .await
    }

    /// Validates (again) and writes a strategy; returns its new version.
    pub async fn save_strategy(&self, profile: &str, s: &Strategy, expected: Expect) -> Result<i32, ApiError> {
        let name = s.strategy_name.clone().unwrap_or_default();
        let store = self.store(profile).await?;
        self.journaled(profile, &store, "save_strategy", None, |r| vec![r.strategy(&name)], async {
            Ok(store.put_strategy(s, expected).await?)
        })
        .await
    }

    /// Pauses or resumes a strategy (only `sts` changes).
    pub async fn pause_strategy(&self, profile: &str, name: &str, pause: bool) -> Result<i32, ApiError> {
        let store = self.store(profile).await?;
        let command = if pause { "pause_strategy" } else { "resume_strategy" };
        self.journaled(profile, &store, command, None, |r| vec![r.strategy(name)], async {
            Ok(store.pause_strategy(name, pause).await?)
        })
        .await
    }

    /// Deletes a task type with every domain of it (the Java console's "delete task type"), if
    /// its definition is still at `version`, in one multi (several for a huge domain, each
    /// re-checking the version). Refused, nothing written, while a thread group is registered
    /// in any of its domains (a dead one's node is removed by Health's fix first), and while a
    /// Schedule strategy points at it: Java factories would loop on the missing definition.
    pub async fn delete_task_type(&self, profile: &str, name: &str, version: i32) -> Result<(), ApiError> {
        // A locked production profile is refused before anything is read.
        self.guard_production(profile).await?;
        let store = self.store(profile).await?;
        let config = read_within(format!("{profile}: reading the strategies"), store.export_config()).await?;
        // A strategy tbdesk cannot read (a blob only gson's lenient reading takes, another
        // digest's ACL) may point at it: refused rather than guessed.
        let unread: Vec<&str> =
            config.unread_strategies(&store.root().strategies()).into_iter().map(|(p, _)| p).collect();
        if !unread.is_empty() {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                format!(
                    "{} cannot be read by this session, so whether it points at task type {name} is not known; nothing was deleted",
                    unread.join(", ")
                ),
            ));
        }
        let users: Vec<String> = config
            .strategies
            .iter()
            .filter(|(_, e)| e.schedule_task_type().is_some_and(|t| t.base == name))
            .map(|(n, _)| n.clone())
            .collect();
        if !users.is_empty() {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                format!(
                    "task type {name} is used by strategy {}: delete the strategy or point it at another task type first; nothing was deleted",
                    users.join(", ")
                ),
            ));
        }
        self.journaled(profile, &store, "delete_task_type", None, |r| vec![r.base_task_type(name)], async {
            store.delete_task_type(name, version, false).await.map_err(|e| in_use(e, "thread groups"))
        })
        .await
    }

    /// Deletes a strategy (the Java console's "delete strategy") if still at `version`.
    /// Refused, nothing written, while a factory is registered under it: its groups would lose
    /// their strategy under them. Pause it, and its factories leave it.
    pub async fn delete_strategy(&self, profile: &str, name: &str, version: i32) -> Result<(), ApiError> {
        let store = self.store(profile).await?;
        self.journaled(profile, &store, "delete_strategy", None, |r| vec![r.strategy(name)], async {
            store.delete_strategy(name, version, false).await.map_err(|e| in_use(e, "factories"))
        })
        .await
    }

    /// Starts or stops a factory as the Java console does (its node `true` / `false`, at the
    /// version read): a stopped factory's groups stop and its strategy runtimes ask for none.
    pub async fn set_factory(&self, profile: &str, uuid: &str, start: bool) -> Result<(), ApiError> {
        let store = self.store(profile).await?;
        let command = if start { "start_factory" } else { "stop_factory" };
        self.journaled(profile, &store, command, None, |r| vec![r.factory(uuid)], async {
            Ok(store.set_factory_started(uuid, start).await?)
        })
        .await
    }

    /// Writes a support bundle for a profile (a zip: the profile without its credentials, the
    /// root's snapshot, the health report, the recent journal, the app's log `log`) at `out`, or
    /// in the data dir's `bundles/`; answers its path. Parts that cannot be read say why inside.
    pub async fn support_bundle(
        &self,
        profile: &str,
        log: Option<&str>,
        out: Option<PathBuf>,
    ) -> Result<PathBuf, ApiError> {
        use bundle::Part;
        let p = self.profiles.get(profile).await?;
        let f = &p.fields;
        let json = |v: Result<serde_json::Value, ApiError>| -> Vec<u8> {
            let v =
                v.unwrap_or_else(|e| serde_json::json!({ "error": { "code": e.code.as_str(), "message": e.message } }));
            serde_json::to_vec_pretty(&v).unwrap_or_default()
        };
        let value = |r: Result<serde_json::Value, serde_json::Error>| {
            r.map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
        };
        let about = serde_json::json!({
            "name": f.name, "connect": f.connect, "root": f.root_path, "zone": f.zone,
            "session_timeout_ms": f.session_timeout_ms, "read_only": f.read_only,
            "digest": f.digest_user.is_some(), "password_in_keyring": p.has_password,
        });
        let snapshot = match self.snapshot(profile).await {
            Ok(s) => value(serde_json::to_value(&s)),
            Err(e) => Err(e),
        };
        let health = match self.health(profile).await {
            Ok(h) => value(serde_json::to_value(&h)),
            Err(e) => Err(e),
        };
        let journal = self.history(profile, None, bundle::JOURNAL_ENTRIES).await?;
        let mut lines = Vec::new();
        for e in &journal {
            lines.extend(serde_json::to_vec(e).unwrap_or_default());
            lines.push(b'\n');
        }
        // The app's log is every profile's: lines naming another profile (its name, a server
        // or the root only it has) stay out of this one's bundle.
        let (mine, my_root) = f.root_address();
        let mut others: Vec<String> = Vec::new();
        for o in self.profiles.list().await.unwrap_or_default().into_iter().filter(|o| o.fields.name != f.name) {
            let (servers, root) = o.fields.root_address();
            others.push(o.fields.name.clone());
            others.extend(servers.into_iter().filter(|s| !mine.contains(s)));
            if root != my_root {
                others.push(root);
            }
        }
        others.retain(|t| t.len() >= 3 && !f.name.contains(t.as_str()) && !my_root.starts_with(t.as_str()));
        let made = chrono_now_text();
        let readme = format!(
            "tbdesk {} support bundle for profile {:?}, made {made}.\n\
             profile.json: the profile without its credentials; snapshot.json: the root as read; \
             health.json: ensemble and root findings; journal.jsonl: the last {} writes; log.txt: the app's log (its end).\n",
            env!("CARGO_PKG_VERSION"),
            profile,
            journal.len()
        );
        let parts = vec![
            Part { name: "README.txt", bytes: readme.into_bytes() },
            Part { name: "profile.json", bytes: json(Ok(about)) },
            Part { name: "snapshot.json", bytes: json(snapshot) },
            Part { name: "health.json", bytes: json(health) },
            Part { name: "journal.jsonl", bytes: lines },
            Part {
                name: "log.txt",
                bytes: bundle::without_lines_naming(
                    bundle::log_tail(log.unwrap_or("(no app log: made from the command line)\n")),
                    &others,
                )
                .into_bytes(),
            },
        ];
        // The password is read only to make sure no part holds it.
        let password = self.profiles.password(&p).await.ok().flatten().unwrap_or_default();
        let credential = f.digest_user.as_ref().map(|u| format!("{u}:{password}")).unwrap_or_default();
        let secrets: Vec<String> = [password, credential].into_iter().filter(|s| s.len() >= 4).collect();
        let stamp: String = made.chars().filter(|c| c.is_ascii_digit()).take(14).collect();
        let safe: String =
            profile.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let path =
            out.unwrap_or_else(|| self.data_dir.join("bundles").join(format!("tbdesk-support-{safe}-{stamp}.zip")));
        let path = tokio::task::spawn_blocking(move || {
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            bundle::write_zip(&path, parts, &secrets)
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        Ok(path)
    }

    /// The inspector's guarded edit: sets a node's bytes if it is still at `version`
    /// (journaled); task type and strategy definitions are refused (their forms validate).
    pub async fn set_node(&self, profile: &str, path: &str, data: &[u8], version: i32) -> Result<i32, ApiError> {
        let store = self.store(profile).await?;
        let target = path.to_owned();
        self.journaled(profile, &store, "edit_node", None, |_| vec![target], async {
            Ok(store.set_node(path, data, version).await?)
        })
        .await
    }

    /// One node of a profile's root, for the inspector (reads only).
    pub async fn node(&self, profile: &str, path: &str) -> Result<tbdesk_model::inspect::NodeView, ApiError> {
        let store = self.store(profile).await?;
        read_within(format!("{profile}: reading {path}"), store.inspect(path)).await
    }

    /// Pauses (`true`) or resumes every strategy `filter` and `own_sign` choose
    /// ([`tbdesk_model::search::strategies_matching`]) in one multi, journaled; with `dry_run`
    /// only names them. Answers the strategies chosen (all) and changed.
    pub async fn pause_matching(
        &self,
        profile: &str,
        filter: &str,
        own_sign: Option<&str>,
        pause: bool,
        dry_run: bool,
    ) -> Result<(Vec<String>, Vec<String>), ApiError> {
        if !dry_run {
            self.guard_production(profile).await?;
        }
        let store = self.store(profile).await?;
        let snap = read_within(format!("{profile}: reading the root"), store.snapshot(|_| {})).await?;
        let chosen = tbdesk_model::search::strategies_matching(&snap, filter, own_sign);
        if dry_run || chosen.is_empty() {
            return Ok((chosen, Vec::new()));
        }
        let command = if pause { "pause_strategies" } else { "resume_strategies" };
        let names = chosen.clone();
        let changed = self
            .journaled(profile, &store, command, None, |r| names.iter().map(|n| r.strategy(n)).collect(), async {
                Ok(store.pause_strategies(&chosen, pause).await?)
            })
            .await?;
        Ok((names, changed))
    }

    /// A profile's journal, newest first (at most `limit`); `object` narrows it to one node: a
    /// path under the root, `taskType NAME`, `strategy NAME`, or a bare name (either).
    pub async fn history(
        &self,
        profile: &str,
        object: Option<&str>,
        limit: i64,
    ) -> Result<Vec<tbdesk_model::journal::JournalEntry>, ApiError> {
        let Some(object) = object.map(str::trim).filter(|o| !o.is_empty()) else {
            return Ok(self.profiles.journal_list(profile, None, limit).await?);
        };
        let root = tbdesk_model::paths::Root::new(&self.profiles.get(profile).await?.fields.root_path)
            .map_err(|e| ApiError::new(ErrorCode::Invalid, format!("root: {e}")))?;
        let paths = if object.starts_with('/') {
            vec![object.to_owned()]
        } else if let Some(n) = object.strip_prefix("taskType ") {
            vec![root.base_task_type(n.trim())]
        } else if let Some(n) = object.strip_prefix("strategy ") {
            vec![root.strategy(n.trim())]
        } else {
            vec![root.base_task_type(object), root.strategy(object)]
        };
        let mut out = Vec::new();
        for p in &paths {
            out.extend(self.profiles.journal_list(profile, Some(p), limit).await?);
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.id));
        out.dedup_by_key(|e| e.id);
        out.truncate(usize::try_from(limit.max(1)).unwrap_or(usize::MAX));
        Ok(out)
    }

    /// Reverts a journal entry: writes each node's before-state back in one multi, each only if
    /// it is still as the entry left it. A node changed since is a conflict (its three states
    /// are reported) and nothing is written, unless `overwrite`. A revert is itself journaled.
    pub async fn revert(
        &self,
        profile: &str,
        id: i64,
        overwrite: bool,
        dry_run: bool,
    ) -> Result<tbdesk_model::journal::RevertReport, ApiError> {
        use tbdesk_model::journal::{revert_conflicts, JournalNode, Outcome, RevertReport};
        let entry = self.profiles.journal_get(profile, id).await?;
        if entry.outcome != Outcome::Applied {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                format!("entry {id} was not applied ({}): there is nothing to revert", entry.outcome.as_str()),
            ));
        }
        let store = self.store(profile).await?;
        if store.root().as_str() != entry.root {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                format!("entry {id} wrote root {}; the profile now points at {}", entry.root, store.root().as_str()),
            ));
        }
        let paths: Vec<String> = entry.nodes.iter().map(|n| n.path.clone()).collect();
        let now = read_within(format!("{profile}: reading the nodes to revert"), store.node_states(&paths)).await?;
        let conflicts = revert_conflicts(&entry, &now);
        let nodes: Vec<JournalNode> = entry
            .nodes
            .iter()
            .zip(&now)
            .filter(|(n, now)| !(n.before.same_bytes(now) && n.before.version.is_some() == now.version.is_some()))
            .map(|(n, now)| JournalNode { path: n.path.clone(), before: now.clone(), after: n.before.clone() })
            .collect();
        // Never a runtime's node made again (a phantom Java takes for alive), overwrite or not.
        let back = nodes.iter().map(|n| (n.path.as_str(), n.before.data.is_some(), n.after.data.is_some()));
        if let Some(why) = tbdesk_model::journal::revert_refusal(&entry.root, back) {
            return Err(ApiError::new(ErrorCode::Invalid, format!("entry {id}: {why}")));
        }
        let refused = !conflicts.is_empty() && !overwrite;
        if dry_run || refused || nodes.is_empty() {
            return Ok(RevertReport { entry: id, journal: None, nodes, conflicts, dry_run: true });
        }
        let restores: Vec<tbdesk_store::restore::Restore> = nodes
            .iter()
            .map(|n| tbdesk_store::restore::Restore {
                path: n.path.clone(),
                target: n.after.clone(),
                // Overwriting: whatever is there now (still checked: a write meanwhile refuses).
                expect: n.before.clone(),
            })
            .collect();
        let written: Vec<String> = nodes.iter().map(|n| n.path.clone()).collect();
        let ((), journal) = self
            .journaled_id(profile, &store, "revert", Some(id), |_| written, async {
                Ok(store.restore(&restores).await?)
            })
            .await?;
        Ok(RevertReport { entry: id, journal: Some(journal), nodes, conflicts, dry_run: false })
    }

    /// Creates a profile; the password goes to the keyring only.
    pub async fn create_profile(&self, fields: &ProfileFields, password: Option<&str>) -> Result<Profile, ApiError> {
        Ok(self.profiles.create(fields, password.filter(|p| !p.is_empty())).await?)
    }

    /// Changes a profile (see `Profiles::update` for the password rule); stops following its
    /// old settings.
    pub async fn update_profile(
        &self,
        name: &str,
        fields: &ProfileFields,
        password: Option<&str>,
    ) -> Result<Profile, ApiError> {
        // A production profile stops being one (or its read-only flag goes) only while its
        // writes are unlocked, its name typed: otherwise an edit would be a way around the lock.
        let old = self.profiles.get(name).await?;
        let demoted = old.fields.color == "production"
            && (fields.color != "production"
                || (old.fields.read_only && !fields.read_only)
                || !old.fields.stays_within(fields));
        if demoted && self.unlocked_for(name).is_none() {
            return Err(ApiError::new(
                ErrorCode::Locked,
                format!("{name} is a production profile: unlock its writes (typing its name) before changing its kind, its read-only flag, its servers or its root"),
            ));
        }
        // The local scheduler writes (heartbeats, items) with the settings it started with: a
        // profile turned read-only under it would go on being written. Held across the update,
        // so no scheduler starts on the profile in between. A run that ended by itself writes
        // no more; its stop obeys the flag (nothing removed, its nodes listed).
        let slot = self.scheduler.lock().await;
        if fields.read_only
            && !old.fields.read_only
            && slot.as_ref().is_some_and(|s| s.profile_id == old.id && !s.task.is_finished())
        {
            return Err(ApiError::new(
                ErrorCode::Busy,
                format!("read_only: the local scheduler runs on {name} and writes there; stop it before making the profile read-only"),
            ));
        }
        let p = self.profiles.update(name, fields, password).await?;
        drop(slot);
        self.forget(name).await;
        self.forget(&fields.name).await;
        Ok(p)
    }

    /// A profile's editable fields, for the edit and duplicate forms.
    pub async fn profile(&self, name: &str) -> Result<Profile, ApiError> {
        Ok(self.profiles.get(name).await?)
    }

    /// Deletes a profile (and its keyring entry); stops following it.
    pub async fn delete_profile(&self, name: &str) -> Result<(), ApiError> {
        // Deleting a production profile lifts its root's lock (a copy made afterwards would
        // write unasked): only while its writes are unlocked, its name typed.
        let p = self.profiles.get(name).await?;
        if p.fields.color == "production" && self.unlocked_for(name).is_none() {
            return Err(ApiError::new(
                ErrorCode::Locked,
                format!("{name} is a production profile: unlock its writes (typing its name; on the command line, --unlock {name}) before deleting it"),
            ));
        }
        let r = self.profiles.delete(name).await;
        self.forget(name).await;
        Ok(r?)
    }

    /// Connects with unsaved profile fields and reports what it finds; writes nothing.
    pub async fn test_connection(
        &self,
        f: &ProfileFields,
        password: Option<&str>,
    ) -> Result<ConnectionReport, ApiError> {
        // A test needs no name yet; every other rule applies.
        if let Some(v) = f.violations().into_iter().find(|v| v.field != "name") {
            return Err(tbdesk_profiles::Error::from(v).into());
        }
        let opts = ConnectOptions {
            connect: f.connect.clone(),
            root: f.root_path.clone(),
            session_timeout: Duration::from_millis(f.session_timeout_ms as u64),
            digest: f.digest_user.clone().zip(password.map(str::to_owned)),
            read_only: true,
            tz: f.zone_or(machine_zone()),
        };
        // The connect and the marker's read within one total deadline: a server that accepts
        // the session and never answers holds no dialog for ever.
        let (store, marker) = read_within(format!("testing {}", f.connect), async {
            let store = Store::connect(&opts).await?;
            let marker = match store.client().get_data(store.root().as_str()).await {
                Ok((d, _)) => Some(tbdesk_model::version::judge_marker(Some(&d))),
                Err(_) => None,
            };
            Ok::<_, tbdesk_store::Error>((store, marker))
        })
        .await?;
        Ok(ConnectionReport {
            // Asked once, by the connect (srvr), never again on an async worker.
            server_version: store.features().version.map(|(a, b, c)| format!("{a}.{b}.{c}")),
            session_timeout_ms: store.session_timeout().as_millis() as u64,
            marker,
        })
    }

    /// Starts the local scheduler on `base$own_sign` (one at a time): creates the strategy
    /// copy naming only this machine and reports shared strategies that would capture it. The
    /// steps are the launcher's, the same as `tbdesk scheduler run`.
    pub async fn start_scheduler(
        &self,
        profile: &str,
        base: &str,
        own_sign: &str,
        exec: Option<String>,
        groups: i64,
        machine_zone: bool,
    ) -> Result<SchedulerView, ApiError> {
        use tbdesk_scheduler::launcher::{LaunchSpec, Leftovers};
        let mut slot = self.scheduler.lock().await;
        if slot.as_ref().is_some_and(|s| !s.task.is_finished()) {
            return Err(ApiError::new(ErrorCode::Busy, "the local scheduler is already running; stop it first"));
        }
        // A run that ended by itself and was never stopped still owns what it made: listed
        // (with what the leftovers file held) before its slot is taken, so the next run of
        // that domain removes it rather than forgetting it.
        if let Some(mut ended) = slot.take() {
            if let Err(e) = ended.launch.park() {
                tracing::warn!(error = %e, "cannot save the list of nodes an ended run left");
            }
        }
        let store = self.store(profile).await?;
        let p = self.profiles.get(profile).await?;
        // The run keeps the settings it started with: its clean-up goes there, whatever the
        // profile says by then (it may have been edited meanwhile).
        let connect = self.options(&p).await?;
        // Like production by default: the zone of the root's Java schedulers.
        let tz = if machine_zone { crate::machine_zone() } else { connect.tz };
        let spec = LaunchSpec {
            leftovers: Leftovers::file(&self.data_dir, p.id, base, own_sign),
            connect,
            base: base.to_owned(),
            own_sign: own_sign.to_owned(),
            groups,
            deal: tbdesk_scheduler::deal::Deal::from_exec(exec, Duration::from_secs(60)),
            tz,
        };
        // The strategy copy is the run's one configuration write: journaled like any other.
        let copy = tbdesk_scheduler::launcher::strategy_name(base, own_sign);
        let prepared = read_within(format!("{profile}: reading the root"), spec.prepare(&store)).await?;
        let launch = self
            .journaled(profile, &store, "scheduler_start", None, |r| vec![r.strategy(&copy)], async {
                Ok(prepared.create(&store).await?)
            })
            .await?;
        self.profiles.set_setting(&format!("own_sign:{profile}"), own_sign).await?;
        let cfg = launch.config();
        let deal = cfg.deal.clone();
        let (tx, rx) = tokio::sync::watch::channel(tbdesk_scheduler::Status::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // The profile made read-only meanwhile (another app window, `tbdesk profile edit`; this
        // one refuses while the scheduler runs): the run is dropped at once, which aborts its
        // groups, rather than stopped (a stop writes: unregisters, releases); what it made is
        // listed for a later run.
        let (profiles, profile_id, save) = (self.profiles.clone(), p.id, launch.leftovers_saver());
        let made_read_only = async move {
            loop {
                tokio::time::sleep(READ_ONLY_POLL).await;
                if made_read_only(&profiles, profile_id).await {
                    return;
                }
            }
        };
        let ended = std::sync::Arc::new(std::sync::Mutex::new(None));
        let ended_in = ended.clone();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            let r = tokio::select! {
                r = tbdesk_scheduler::run(cfg, shutdown, tx) => r.map_err(|e| e.to_string()),
                _ = made_read_only => {
                    // The run is dropped (its groups abort), its job programs ended: the launch
                    // keeps a handle on the deal, so they would otherwise live on.
                    deal.shutdown().await;
                    if let Err(e) = save() {
                        tracing::warn!(error = %e, "cannot save the list of nodes left");
                    }
                    Err("read_only: the profile was made read-only; the local scheduler stopped at once, writing nothing more (what it made is listed for the next run's clean-up)".to_owned())
                }
            };
            if let (Err(e), Ok(mut slot)) = (&r, ended_in.lock()) {
                *slot = Some(e.clone());
            }
            r
        });
        let view = SchedulerView {
            profile: profile.to_owned(),
            task_type: base.to_owned(),
            own_sign: own_sign.to_owned(),
            strategy: launch.dev.name.clone(),
            capturing: launch.capturing.clone(),
            running: true,
            error: None,
            zone: tz.name().to_owned(),
            notes: launch.dev.notes.clone(),
            status: Default::default(),
        };
        *slot = Some(LocalScheduler {
            profile_id: p.id,
            launch,
            stop: Some(stop),
            task,
            status: rx,
            view: view.clone(),
            ended,
        });
        Ok(view)
    }

    /// Whether a running scheduler's profile (row id `id`) was made read-only or deleted since
    /// its start; a database that does not answer now says no (a run is not ended on a guess;
    /// its stop judges by [`Console::read_only_now`]).
    pub async fn made_read_only(&self, id: i64) -> bool {
        made_read_only(&self.profiles, id).await
    }

    /// Whether the profile with row id `id` is read-only now (its flag, or a digest user
    /// without a stored password), as the stored row says; a profile that cannot be read, or
    /// was deleted, counts as read-only: nothing is written on a guess.
    pub async fn read_only_now(&self, id: i64) -> bool {
        match self.profiles.by_id(id).await {
            Ok(Some(p)) => p.writes_refused(),
            _ => true,
        }
    }

    /// Begins the journal entry of a local scheduler's clean-up (its strategy copy), within 5 s;
    /// `None` when that cannot be done (the clean-up goes on without it).
    async fn journal_cleanup_begin(&self, view: &SchedulerView) -> Option<(i64, std::sync::Arc<Store>, String)> {
        let begin = async {
            let store = self.store(&view.profile).await.ok()?;
            let path = store.root().strategy(&view.strategy);
            let before = store.node_states(std::slice::from_ref(&path)).await.ok()?;
            let entry = tbdesk_profiles::journal::NewEntry {
                profile: &view.profile,
                root: store.root().as_str(),
                command: "scheduler_stop",
                reverts: None,
                before: vec![(path.clone(), before.into_iter().next()?)],
                external: false,
                seen_on: None,
            };
            let id = self.profiles.journal_begin(&entry).await.ok()?;
            Some((id, store, path))
        };
        tokio::time::timeout(Duration::from_secs(5), begin).await.ok().flatten()
    }

    /// The local scheduler's state, if one was started.
    pub async fn scheduler_status(&self) -> Option<SchedulerView> {
        let slot = self.scheduler.lock().await;
        let s = slot.as_ref()?;
        let mut v = s.view.clone();
        v.running = !s.task.is_finished();
        v.status = s.status.borrow().clone();
        if !v.running {
            v.error = s.ended.lock().ok().and_then(|e| e.clone()).or(v.error);
        }
        Some(v)
    }

    /// Stops the local scheduler (every node it created is deleted) and, with `remove`,
    /// deletes the strategy copy and its domain.
    pub async fn stop_scheduler(&self, remove: bool) -> Result<(), ApiError> {
        let Some(mut s) = self.scheduler.lock().await.take() else { return Ok(()) };
        if remove {
            // Listed before anything can take time (a window closing gives this call 45 s):
            // whatever happens next, no node of this run is forgotten.
            if let Err(e) = s.launch.save_leftovers() {
                tracing::warn!(error = %e, "cannot save the list of nodes left");
            }
        }
        // Made read-only since its start (another app window, `tbdesk profile edit`): the run
        // is dropped, not stopped (a stop unregisters and releases: writes), its job programs
        // ended, and what it made listed.
        if !s.task.is_finished() && self.made_read_only(s.profile_id).await {
            s.task.abort();
            let _ = (&mut s.task).await;
            s.launch.spec().deal.shutdown().await;
            return Err(parked_read_only(&mut s, "was made read-only; the local scheduler stopped, writing nothing"));
        }
        if let Some(stop) = s.stop.take() {
            let _ = stop.send(());
        }
        // The runtime's own stop is bounded (groups ~10 s); past 20 s it is cut off.
        let result = match tokio::time::timeout(Duration::from_secs(20), &mut s.task).await {
            Ok(r) => r,
            Err(_) => {
                s.task.abort();
                Ok(Err("the local scheduler did not stop within 20 s; stopped by force".to_owned()))
            }
        };
        if remove {
            // A profile made read-only since the start (by the profile form, or another app
            // instance) is not written, not even to remove what this run made: it is listed,
            // with what the leftovers file held, for a later run.
            if self.read_only_now(s.profile_id).await {
                return Err(parked_read_only(&mut s, "is read-only now (or could not be read)"));
            }
            // Journaled at best: the clean-up runs whatever the journal or ZooKeeper say.
            let entry = self.journal_cleanup_begin(&s.view).await;
            // Only what this run created, and only while no other runtime uses it; what cannot
            // be removed now (ZooKeeper away) is listed for the next run, never forgotten.
            let cleaned = s.launch.clean_up(Duration::from_secs(20)).await;
            if let Some((id, store, path)) = entry {
                let after =
                    tokio::time::timeout(Duration::from_secs(5), store.node_states(std::slice::from_ref(&path))).await;
                let after: Vec<Option<tbdesk_model::journal::NodeState>> = match after {
                    Ok(Ok(v)) => v.into_iter().map(Some).collect(),
                    _ => Vec::new(),
                };
                let (outcome, error) = match &cleaned.outcome {
                    Ok(_) => (tbdesk_model::journal::Outcome::Applied, None),
                    Err(e) => (tbdesk_model::journal::Outcome::Failed, Some(e.to_string())),
                };
                let _ = self.profiles.journal_finish(id, outcome, error.as_deref(), &after).await;
            }
            match cleaned.outcome {
                Ok(report) => tracing::info!(report = %report.describe(), "local scheduler cleaned up"),
                Err(e) => return Err(e.into()),
            }
        }
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if e.starts_with("read_only:") => Err(ApiError::new(ErrorCode::ReadOnly, e)),
            Ok(Err(e)) => Err(ApiError::new(ErrorCode::Scheduler, e)),
            Err(e) => Err(ApiError::new(ErrorCode::Scheduler, e.to_string())),
        }
    }

    /// A profile's configuration as a file text: tbdesk JSON (`json`) or Java lines (`java`).
    pub async fn export_text(&self, profile: &str, format: ExportFormat) -> Result<String, ApiError> {
        let (root, cfg) = self.export(profile).await?;
        match format {
            ExportFormat::Java => Ok(cfg.to_java_lines(&root)),
            ExportFormat::Json => cfg.to_file(&root).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string())),
        }
    }

    /// The profile the app showed last.
    pub async fn last_profile(&self) -> Result<Option<String>, ApiError> {
        Ok(self.profiles.setting("last_profile").await?)
    }

    /// The own sign last used with a profile's scheduler.
    pub async fn last_own_sign(&self, profile: &str) -> Result<Option<String>, ApiError> {
        Ok(self.profiles.setting(&format!("own_sign:{profile}")).await?)
    }

    /// The connection settings of a profile (password from the keyring), for the scheduler.
    pub async fn connect_options(&self, profile: &str) -> Result<ConnectOptions, ApiError> {
        let p = self.profiles.get(profile).await?;
        self.options(&p).await
    }

    /// A session on a profile's root.
    pub async fn open_store(&self, profile: &str) -> Result<std::sync::Arc<Store>, ApiError> {
        self.store(profile).await
    }

    /// Initialises a profile's root as Java does (marker, directories, ACLs); refuses a root
    /// whose marker the Java runtimes reject.
    pub async fn init_root(&self, profile: &str) -> Result<(), ApiError> {
        let store = self.store(profile).await?;
        let digest = store.options().digest.is_some();
        let paths = |r: &tbdesk_model::paths::Root| {
            let mut p = r.ancestors();
            p.extend([r.as_str().to_owned(), r.base_task_types(), r.strategies(), r.factories()]);
            p
        };
        self.journaled(profile, &store, "init", None, paths, async { Ok(store.init_root(digest).await?) }).await
    }

    /// Ensemble and root health of a profile.
    pub async fn health(&self, profile: &str) -> Result<HealthReport, ApiError> {
        Ok(self.health_and_root(profile).await?.0)
    }

    /// Whether a profile is watched in the background and whether its alerts notify
    /// (watched: opened once and not switched off; alerts: on unless switched off).
    pub async fn watch_flags(&self, profile: &str) -> Result<(bool, bool), ApiError> {
        let p = self.profiles.get(profile).await?;
        let watch = self.profiles.setting(&watch_key(p.id)).await?.as_deref() == Some("1");
        let alerts = self.profiles.setting(&alerts_key(p.id)).await?.as_deref() != Some("0");
        Ok((watch, alerts))
    }

    /// Switches a profile's background watch and its alerts (`None`: unchanged). A profile
    /// no longer watched is no longer followed unless it is the one open (`keep`).
    pub async fn set_watch(
        &self,
        profile: &str,
        watch: Option<bool>,
        alerts: Option<bool>,
        keep: Option<&str>,
    ) -> Result<(bool, bool), ApiError> {
        let p = self.profiles.get(profile).await?;
        let flag = |b: bool| if b { "1" } else { "0" };
        if let Some(w) = watch {
            self.profiles.set_setting(&watch_key(p.id), flag(w)).await?;
        }
        if let Some(a) = alerts {
            self.profiles.set_setting(&alerts_key(p.id), flag(a)).await?;
        }
        let (w, a) = self.watch_flags(profile).await?;
        if !w || !a {
            self.watch.lock().await.alerts.forget(profile);
        }
        if !w && keep != Some(profile) {
            self.followed.lock().await.remove(profile);
        }
        Ok((w, a))
    }

    /// The background watch's look: every watched profile from its follower (started here if
    /// needed: one session and one watch per root, no re-read); `only`, when not empty, watches
    /// exactly those profiles (the CLI's `tbdesk watch NAME...`). Profiles not watched cost
    /// nothing here. Answers their figures and the alerts new since the last look.
    pub async fn watch_tick(
        &self,
        only: &[String],
    ) -> Result<(Vec<tbdesk_model::wire::ProfileStatus>, Vec<tbdesk_model::alerts::Alert>), ApiError> {
        // A watched root's first read runs to its end or to FIRST_READ_LIMIT (cut short, it
        // starts over at the next look).
        self.look(only, None).await
    }

    /// The home's figures of every profile: watched ones from their followers, the others read
    /// once (at most every 30 s). Raises no alert (the background watch does).
    pub async fn home(&self, limit: Duration) -> Result<Vec<tbdesk_model::wire::ProfileStatus>, ApiError> {
        Ok(self.look(&[], Some(limit)).await?.0)
    }

    /// The home's look when `read_once` (the limit of each one-shot read of a profile not
    /// followed), the background watch's otherwise (followers only, alerts judged).
    async fn look(
        &self,
        only: &[String],
        read_once: Option<Duration>,
    ) -> Result<(Vec<tbdesk_model::wire::ProfileStatus>, Vec<tbdesk_model::alerts::Alert>), ApiError> {
        let background = read_once.is_none();
        use futures::stream::{self, StreamExt};
        let profiles = self.list_profiles().await?;
        let one = |p: Profile| async move {
            let name = p.fields.name.clone();
            let (watched, alerts) = match only.is_empty() {
                true => self.watch_flags(&name).await.unwrap_or((false, false)),
                false => (only.contains(&name), true),
            };
            // The home never starts a follower (the background watch does, and waits for its
            // first read up to FIRST_READ_LIMIT: a shorter timeout here would drop it and start
            // over on every look); a watched root not followed yet is read once like the others.
            let followed = if background {
                if !watched {
                    return None;
                }
                match self.follow_quietly(&name, |_| {}).await {
                    Ok(f) => Some(f),
                    Err(e) => {
                        let mut st = unreachable_status(&name, &p.fields.color, e.message);
                        (st.watched, st.alerts) = (true, alerts);
                        return Some((st, Some(Watched { alerts, snapshot: None, judged: true })));
                    }
                }
            } else if watched {
                self.followed(&name).await.ok()
            } else {
                None
            };
            let Some(followed) = followed else {
                // Only the home gets here (in the background every path above has answered).
                let limit = read_once?;
                let cached = self.watch.lock().await.read_once.get(&name).cloned();
                if let Some((_, mut st)) = cached.filter(|(at, _)| at.elapsed() < READ_ONCE_FOR) {
                    (st.watched, st.alerts) = (watched, alerts);
                    return Some((st, None));
                }
                let mut st = self.read_status(&p, limit).await;
                self.watch.lock().await.read_once.insert(name, (std::time::Instant::now(), st.clone()));
                (st.watched, st.alerts) = (watched, alerts);
                return Some((st, None));
            };
            let state = followed.live.current();
            let cached = self
                .watch
                .lock()
                .await
                .ensembles
                .get(&name)
                .filter(|(at, _)| at.elapsed() < ENSEMBLE_EVERY)
                .map(|(_, e)| e.clone());
            // The connect string (for a managed local profile, its server's port) is looked up
            // only when the ensemble is asked: not a keyring read every look.
            let ensemble = match cached {
                Some(e) => e,
                None => {
                    // Bounded: a managed server that does not come up holds no look (the home
                    // asks for its answer within seconds); no keyring read.
                    let connect = tokio::time::timeout(Duration::from_secs(5), self.connect_string(&p)).await;
                    let e = match connect {
                        Ok(Ok(connect)) => tbdesk_health::check_ensemble(&connect, Duration::from_secs(2)).await,
                        Ok(Err(e)) => {
                            tracing::warn!(profile = %name, error = %e.message, "cannot ask the ensemble");
                            Vec::new()
                        }
                        Err(_) => {
                            tracing::warn!(profile = %name, "the profile's connect settings took over 5 s; the ensemble is not asked");
                            Vec::new()
                        }
                    };
                    self.watch.lock().await.ensembles.insert(name.clone(), (std::time::Instant::now(), e.clone()));
                    e
                }
            };
            let ensemble_findings = tbdesk_health::ensemble_findings(&ensemble);
            let mut findings = tbdesk_model::diagnose::root_findings(&state.snapshot, None);
            if state.status != tbdesk_model::wire::LiveStatus::Live {
                findings.push(tbdesk_model::diagnose::Finding {
                    level: tbdesk_model::diagnose::Level::Warning,
                    code: "not_live".into(),
                    message: format!("the watch is {}: these figures may be old", state.status.key()),
                    why: "the follower reconnects by itself and re-reads the root".into(),
                    nodes: Vec::new(),
                    fix: None,
                });
            }
            let report = HealthReport {
                summary: Colour::summary(
                    &ensemble,
                    ensemble_findings.iter().chain(&findings).cloned().collect::<Vec<_>>().as_slice(),
                ),
                ensemble_findings,
                ensemble,
                requested_session_timeout_ms: u64::try_from(p.fields.session_timeout_ms).unwrap_or(0),
                negotiated_session_timeout_ms: 0,
                clock_offset_ms: None,
                protocol: followed.server_version.clone().unwrap_or_default(),
                findings,
            };
            let mut st = tbdesk_model::wire::ProfileStatus::of(&name, &p.fields.color, &report, Some(&state.snapshot));
            st.watched = true;
            st.alerts = alerts;
            st.connection = state.status.key().to_owned();
            {
                let mut w = self.watch.lock().await;
                let key = (followed.id, state.generation);
                let now = tbdesk_store::now_ms();
                let entry = w.changed.entry(name.clone()).or_insert((key, now));
                if entry.0 != key {
                    *entry = (key, now);
                }
                st.changed_ms = Some(entry.1);
            }
            // Disconnected, the follower's clock still turns servers dead that are not: such
            // a look is shown but not judged (no alert, nothing learned).
            let judged =
                matches!(state.status, tbdesk_model::wire::LiveStatus::Live | tbdesk_model::wire::LiveStatus::Resynced);
            Some((st, Some(Watched { alerts, snapshot: Some(state.snapshot.clone()), judged })))
        };
        let looks: Vec<_> = stream::iter(profiles.into_iter().map(one)).buffered(4).collect().await;
        let mut w = self.watch.lock().await;
        let mut home = Vec::new();
        let mut said = Vec::new();
        let mut kept = std::collections::BTreeSet::new();
        for (st, watched) in looks.into_iter().flatten() {
            if background {
                match watched {
                    Some(Watched { alerts: true, snapshot, judged: true }) => {
                        let first = st.top.first().map(|f| f.message.clone()).or_else(|| st.error.clone());
                        said.extend(w.alerts.observe(&st.profile, st.summary, first.as_deref(), snapshot.as_deref()));
                        kept.insert(st.profile.clone());
                    }
                    Some(Watched { alerts: true, judged: false, .. }) => {
                        kept.insert(st.profile.clone());
                    }
                    _ => {}
                }
            }
            home.push(st);
        }
        if background {
            // A root no longer watched (or deleted, or its alerts off) is learned again if
            // it comes back.
            w.alerts.retain(|p| kept.contains(p));
            drop(w);
            said.extend(self.due_reminders(only).await);
        }
        Ok((home, said))
    }

    /// Asks for a reminder to resume what a batch pause paused, `minutes` from now (raised by
    /// the background watch of the app or of `tbdesk watch`, once, like an alert).
    pub async fn remind_resume(
        &self,
        profile: &str,
        filter: &str,
        own_sign: Option<&str>,
        minutes: u32,
    ) -> Result<i64, ApiError> {
        check_remind(minutes)?;
        // TBDESK_MINUTE_MS shortens a minute for tests (never below 100 ms).
        let minute =
            std::env::var("TBDESK_MINUTE_MS").ok().and_then(|v| v.parse::<i64>().ok()).map_or(60_000, |m| m.max(100));
        let at = tbdesk_store::now_ms().saturating_add(i64::from(minutes).saturating_mul(minute));
        let sign = own_sign.map(|s| format!(" (own sign {s})")).unwrap_or_default();
        let shown = if filter.is_empty() {
            "every strategy".to_owned()
        } else {
            format!("the strategies matching \"{filter}\"")
        };
        let body = format!("You paused {shown}{sign} {minutes} min ago: resume them when the work is done.");
        self.profiles.add_reminder(profile, at, &format!("{profile}: resume the paused strategies?"), &body).await?;
        Ok(at)
    }

    /// Checks a reminder can be kept, before the pause it follows is written.
    pub async fn check_reminder(&self, minutes: u32) -> Result<(), ApiError> {
        check_remind(minutes)?;
        Ok(self.profiles.reminder_room().await?)
    }

    /// The reminders now due, as alerts (key `reminder`), taken out so no process says them twice.
    async fn due_reminders(&self, only: &[String]) -> Vec<tbdesk_model::alerts::Alert> {
        match self.profiles.take_due_reminders(tbdesk_store::now_ms(), only).await {
            Ok(due) => due
                .into_iter()
                .map(|(profile, title, body)| tbdesk_model::alerts::Alert {
                    profile,
                    key: "reminder".into(),
                    title,
                    body,
                    task_type: None,
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the reminders");
                Vec::new()
            }
        }
    }

    /// Every profile at a glance, each within `limit` (a profile that does not answer in time
    /// is red with the reason), read `PARALLEL` at a time; in the profiles' order.
    pub async fn status_all(&self, limit: Duration) -> Result<Vec<tbdesk_model::wire::ProfileStatus>, ApiError> {
        use futures::stream::{self, StreamExt};
        const PARALLEL: usize = 4;
        let profiles = self.list_profiles().await?;
        let one = |p: Profile| async move { self.read_status(&p, limit).await };
        Ok(stream::iter(profiles.into_iter().map(one)).buffered(PARALLEL).collect().await)
    }

    /// One profile's figures from a one-shot read of its ensemble and root, within `limit`
    /// (red with the reason when it does not answer in time).
    async fn read_status(&self, p: &Profile, limit: Duration) -> tbdesk_model::wire::ProfileStatus {
        let (name, color) = (&p.fields.name, &p.fields.color);
        match tokio::time::timeout(limit, self.health_and_root(name)).await {
            Ok(Ok((report, snap))) => tbdesk_model::wire::ProfileStatus::of(name, color, &report, snap.as_ref()),
            Ok(Err(e)) => unreachable_status(name, color, e.message),
            Err(_) => unreachable_status(name, color, format!("no answer within {limit:?}")),
        }
    }

    /// Searches every profile's root for `query` (`model::search`), each within `limit`, four at
    /// a time; a profile that cannot be read is one entry with its error.
    pub async fn find_all(
        &self,
        query: &str,
        limit: Duration,
    ) -> Result<Vec<tbdesk_model::wire::ProfileHit>, ApiError> {
        self.find_all_with(query, limit, false).await
    }

    /// [`Console::find_all`]; with `fuzzy`, also task types and strategies whose names hold the
    /// query's letters in order (the command palette).
    pub async fn find_all_with(
        &self,
        query: &str,
        limit: Duration,
        fuzzy: bool,
    ) -> Result<Vec<tbdesk_model::wire::ProfileHit>, ApiError> {
        use futures::stream::{self, StreamExt};
        use tbdesk_model::wire::ProfileHit;
        let profiles = self.list_profiles().await?;
        let one = |p: Profile| async move {
            let name = p.fields.name;
            // A followed root answers from its live state; others are read once.
            let live =
                self.followed.lock().await.get(&name).and_then(|c| c.get().cloned()).map(|f| f.live.current().snapshot);
            let snap = async {
                match live {
                    Some(s) => Ok(s),
                    None => self.snapshot(&name).await.map(std::sync::Arc::new),
                }
            };
            match tokio::time::timeout(limit, snap).await {
                Ok(Ok(snap)) => {
                    let mut hits = tbdesk_model::search::find(&snap, query);
                    if fuzzy {
                        for h in tbdesk_model::search::find_fuzzy(&snap, query, 20) {
                            if !hits.iter().any(|x| x.kind == h.kind && x.name == h.name) {
                                hits.push(h);
                            }
                        }
                    }
                    hits.into_iter()
                        .map(|h| ProfileHit { profile: name.clone(), hit: Some(h), error: None })
                        .collect::<Vec<_>>()
                }
                Ok(Err(e)) => vec![ProfileHit { profile: name, hit: None, error: Some(e.message) }],
                Err(_) => {
                    vec![ProfileHit { profile: name, hit: None, error: Some(format!("no answer within {limit:?}")) }]
                }
            }
        };
        let all: Vec<Vec<ProfileHit>> = stream::iter(profiles.into_iter().map(one)).buffered(4).collect().await;
        Ok(all.into_iter().flatten().collect())
    }

    /// The health report, and the root's snapshot when it could be read.
    async fn health_and_root(
        &self,
        profile: &str,
    ) -> Result<(HealthReport, Option<tbdesk_model::snapshot::Snapshot>), ApiError> {
        let p = self.profiles.get(profile).await?;
        let opts = self.options(&p).await?;
        let ensemble = tbdesk_health::check_ensemble(&opts.connect, Duration::from_secs(2)).await;
        let ensemble_findings = tbdesk_health::ensemble_findings(&ensemble);
        let mut report = HealthReport {
            summary: Colour::Green,
            ensemble_findings,
            ensemble,
            requested_session_timeout_ms: opts.session_timeout.as_millis() as u64,
            negotiated_session_timeout_ms: 0,
            clock_offset_ms: None,
            protocol: String::new(),
            findings: Vec::new(),
        };
        // The ensemble is reported even when the root cannot be read (no quorum, no server):
        // that is when it matters most.
        let mut snapshot = None;
        match self.root_health(&opts).await {
            Ok((store, findings, snap)) => {
                report.negotiated_session_timeout_ms = store.session_timeout().as_millis() as u64;
                report.clock_offset_ms = store.clock_offset_ms();
                report.protocol = store.features().describe();
                report.findings = findings;
                snapshot = Some(snap);
            }
            Err(e) => report.findings.push(tbdesk_model::diagnose::Finding {
                level: tbdesk_model::diagnose::Level::Error,
                code: "root_unreadable".into(),
                message: format!("the root cannot be read: {}", e.message),
                why: "neither this console nor any Java runtime can work with it until ZooKeeper serves again".into(),
                nodes: vec![opts.root.clone()],
                fix: None,
            }),
        }
        let all: Vec<_> = report.ensemble_findings.iter().chain(&report.findings).cloned().collect();
        report.summary = Colour::summary(&report.ensemble, &all);
        Ok((report, snapshot))
    }

    /// A fresh session on the root, ZooKeeper's clock, and the root's findings.
    async fn root_health(
        &self,
        opts: &ConnectOptions,
    ) -> Result<(Store, Vec<tbdesk_model::diagnose::Finding>, tbdesk_model::snapshot::Snapshot), ApiError> {
        // ZooKeeper's clock without writing anything (reads never write): the server dates the
        // connection of this fresh session (`cons`' est=), which happened between `before` and
        // `after` here. Judged only when that window is short enough to mean something.
        let before = tbdesk_store::now_ms();
        let mut store = Store::connect(opts).await?;
        let after = tbdesk_store::now_ms();
        let session = store.client().session_id().0;
        let hosts = tbdesk_store::jute::split_connect(&opts.connect).0;
        // Asked of each server in turn (which one the session reached is not known), 2 s each,
        // 5 s in all: on a thread of its own, so a server that does not answer, or a name DNS
        // does not resolve, neither holds the health view nor the runtime's shutdown.
        let established = tbdesk_store::session::off_thread("tbdesk-clock-probe", Duration::from_secs(5), move || {
            hosts
                .iter()
                .take(16)
                .find_map(|h| tbdesk_health::session_established_ms(h, session, Duration::from_secs(2)))
        })
        .await
        .flatten();
        if let Some(server) = established.filter(|_| after.saturating_sub(before) < CLOCK_WINDOW_MS) {
            store.set_clock_offset(server.saturating_sub(before / 2 + after / 2));
        }
        let snap = read_within(format!("reading {}", opts.root), store.snapshot(|_| {})).await?;
        let findings = tbdesk_model::diagnose::root_findings(&snap, store.clock_offset_ms());
        Ok((store, findings, snap))
    }

    /// Applies a safe fix offered by a finding, through the store's guarded writes; returns
    /// what was removed.
    pub async fn apply_fix(&self, profile: &str, fix: &tbdesk_model::diagnose::Fix) -> Result<Vec<String>, ApiError> {
        use tbdesk_model::diagnose::Fix;
        let store = self.store(profile).await?;
        match fix {
            Fix::RemoveDeadServers { base, task_type } => {
                // The journal keeps every server node of the domain as it was.
                let paths =
                    read_within(format!("{profile}: listing the servers"), store.server_paths(base, task_type)).await?;
                self.journaled(profile, &store, "remove_dead_servers", None, |_| paths, async {
                    Ok(store.remove_dead_servers(base, task_type).await?)
                })
                .await
            }
        }
    }

    /// Why `base` in `own_sign` is (not) running in a profile's root.
    pub async fn why(
        &self,
        profile: &str,
        base: &str,
        own_sign: &str,
        tz: Option<chrono_tz::Tz>,
    ) -> Result<tbdesk_model::diagnose::Diagnosis, ApiError> {
        // The run window is judged in the zone of the root's Java schedulers (the profile's).
        let tz = match tz {
            Some(t) => t,
            None => self.connect_options(profile).await?.tz,
        };
        let snap = self.snapshot(profile).await?;
        Ok(tbdesk_model::diagnose::why_not_running(&snap, base, own_sign, tz))
    }

    /// A one-shot snapshot of a profile's root.
    pub async fn snapshot(&self, profile: &str) -> Result<tbdesk_model::snapshot::Snapshot, ApiError> {
        let store = self.store(profile).await?;
        read_within(format!("{profile}: reading the root"), store.snapshot(|_| {})).await
    }

    /// A profile's configuration (task types and strategies).
    pub async fn export(&self, profile: &str) -> Result<(String, Config), ApiError> {
        let store = self.store(profile).await?;
        let config = read_within(format!("{profile}: reading the configuration"), store.export_config()).await?;
        Ok((store.root().as_str().to_owned(), config))
    }

    /// The plan of importing `text` (tbdesk JSON or Java lines) into a profile; applied only
    /// when `apply` (as one multi, after validating every object).
    pub async fn import(&self, profile: &str, text: &str, apply: bool, prune: bool) -> Result<Vec<Change>, ApiError> {
        self.import_opts(profile, text, apply, prune, false).await
    }

    /// [`Console::import`]; `prune_all` allows a prune that deletes every object of the root.
    /// The plan runs every check the import runs, so a dry run refuses what the import would.
    pub async fn import_opts(
        &self,
        profile: &str,
        text: &str,
        apply: bool,
        prune: bool,
        prune_all: bool,
    ) -> Result<Vec<Change>, ApiError> {
        let target = Config::parse(text).map_err(|e| ApiError::new(ErrorCode::Invalid, e.to_string()))?;
        self.import_config(profile, &target, apply, prune, prune_all, "import").await
    }

    /// Promotes objects from one profile to another: the task types `filter` chooses with
    /// their strategies, or the strategies it chooses with their task types
    /// ([`tbdesk_model::transfer::promotion`]), optionally pointed at `own_sign`. The plan is the
    /// import's, field by field, against the target's root; applied (all or nothing, never a
    /// delete) only when `apply`, and journaled in the target's history as a promotion.
    pub async fn promote(
        &self,
        from: &str,
        to: &str,
        filter: &str,
        own_sign: Option<&str>,
        apply: bool,
    ) -> Result<Vec<Change>, ApiError> {
        let (a, b) = (self.profiles.get(from).await?, self.profiles.get(to).await?);
        // Promotion keeps the strategies' names: into the source's own root it would repoint
        // them in place. Another profile of that root is the same root, however spelled.
        if from == to || one_root(&a.fields, &b.fields).await {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                "to: the target must be another root than the source (another profile of the same root is the same root, however its servers are spelled)",
            ));
        }
        let (_, source) = self.export(from).await?;
        let target = tbdesk_model::transfer::promotion(&source, filter, own_sign)
            .map_err(|e| ApiError::new(ErrorCode::Invalid, e.to_string()))?;
        self.import_config(to, &target, apply, false, false, &format!("promote from {from}")).await
    }

    /// The plan of writing `target` into a profile's root, applied when `apply`, journaled as
    /// `command`.
    async fn import_config(
        &self,
        profile: &str,
        target: &Config,
        apply: bool,
        prune: bool,
        prune_all: bool,
        command: &str,
    ) -> Result<Vec<Change>, ApiError> {
        let store = self.store(profile).await?;
        if apply {
            // The journal keeps every object the plan names; the import checks again as it writes.
            let (_, plan) =
                read_within(format!("{profile}: planning the import"), store.import_plan(target, prune, prune_all))
                    .await?;
            let paths = |r: &tbdesk_model::paths::Root| {
                plan.iter()
                    .map(|c| if c.kind() == "taskType" { r.base_task_type(c.name()) } else { r.strategy(c.name()) })
                    .collect()
            };
            self.journaled(profile, &store, command, None, paths, async {
                Ok(store.import_config_opts(target, prune, prune_all).await?)
            })
            .await
        } else {
            Ok(read_within(format!("{profile}: planning the import"), store.import_plan(target, prune, prune_all))
                .await?
                .1)
        }
    }

    /// What would change if `to`'s configuration were imported into `from` (with deletes).
    pub async fn diff(&self, from: &str, to: &str) -> Result<Vec<Change>, ApiError> {
        let (_, a) = self.export(from).await?;
        let (_, b) = self.export(to).await?;
        Ok(plan(&a, &b, true))
    }

    /// Opens a session for a profile, starting its managed local server when needed.
    pub async fn connect(&self, p: &Profile) -> Result<Store, ApiError> {
        connect_within(&self.options(p).await?).await
    }
}

/// A profile that could not be read: red, with why.
fn unreachable_status(profile: &str, color: &str, why: String) -> tbdesk_model::wire::ProfileStatus {
    tbdesk_model::wire::ProfileStatus {
        profile: profile.to_owned(),
        color: color.to_owned(),
        summary: Colour::Red,
        protocol: String::new(),
        strategies: 0,
        task_types: 0,
        factories: 0,
        live_servers: 0,
        items_without_owner: 0,
        top: Vec::new(),
        error: Some(why),
        watched: false,
        alerts: false,
        connection: "unreachable".into(),
        changed_ms: None,
    }
}

/// The longest connect (ms) whose server date still measures the clock: the offset is known
/// to within half of it, far below the 5 s the diagnosis flags.
const CLOCK_WINDOW_MS: i64 = 2000;

/// This machine's IANA zone name (`TZ`, else the system's `/etc/localtime`); `UTC` only when
/// the machine itself says nothing else.
/// This machine's time now, `YYYY-MM-DD HH:MM:SS` UTC.
fn chrono_now_text() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    tbdesk_model::inspect::time_text(i64::try_from(ms).unwrap_or(0), chrono_tz::Tz::UTC)
}

pub fn machine_zone_name() -> String {
    std::env::var("TZ")
        .ok()
        .map(|z| z.trim_start_matches(':').to_owned())
        .filter(|z| tbdesk_model::cron::parse_zone(z).is_some())
        .or_else(|| iana_time_zone::get_timezone().ok().filter(|z| tbdesk_model::cron::parse_zone(z).is_some()))
        .unwrap_or_else(|| "UTC".to_owned())
}

/// This machine's zone: where no profile is involved, crons are judged in it (never silently
/// in UTC).
pub fn machine_zone() -> chrono_tz::Tz {
    tbdesk_model::cron::parse_zone(&machine_zone_name()).unwrap_or(chrono_tz::Tz::UTC)
}

/// A profile's settings as a session depends on them (its id, every field, its keyring entry):
/// a session or follower made with other settings is not used for it.
fn fingerprint(p: &tbdesk_model::wire::Profile) -> String {
    format!("{}|{:?}|{}|{}", p.id, p.fields, p.secret_id, p.has_password)
}

/// The largest file an import reads (a root's whole configuration is far smaller).
pub const MAX_IMPORT_BYTES: u64 = 16 << 20;

/// Reads an import file for the app and the command line alike: at most [`MAX_IMPORT_BYTES`],
/// counted while reading (a device or a pipe says 0 bytes in its metadata), UTF-8 or GBK text.
pub fn read_import_file(path: &std::path::Path) -> Result<String, ApiError> {
    use std::io::Read;
    let bad = |m: String| ApiError::new(ErrorCode::Invalid, format!("{}: {m}", path.display()));
    // A FIFO or a device would block the read (and the open) with no deadline: files only.
    if !std::fs::metadata(path).map_err(|e| bad(e.to_string()))?.is_file() {
        return Err(bad("not a regular file (a pipe, device or directory is not read)".into()));
    }
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_IMPORT_BYTES.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| bad(e.to_string()))?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(bad(format!("longer than {MAX_IMPORT_BYTES} bytes, the most an import file may hold")));
    }
    // UTF-8 (tbdesk's exports), else GBK: the Java console's export is GBK, and its demo
    // data alone holds Chinese parameters.
    String::from_utf8(bytes)
        .or_else(|e| tbdesk_model::gson::gbk_text(e.as_bytes()).ok_or(()))
        .map_err(|()| bad("neither UTF-8 nor GBK text".into()))
}

/// Whether two profiles reach one root: the same chroot + root path on a server both name,
/// spelled alike ([`ProfileFields::same_root`]) or another spelling of it (its name and its
/// address, two names of one host), compared resolved.
async fn one_root(a: &ProfileFields, b: &ProfileFields) -> bool {
    if a.same_root(b) {
        return true;
    }
    let ((mine, path), (theirs, their_path)) = (a.root_address(), b.root_address());
    path == their_path && !resolve_servers(&mine).await.0.is_disjoint(&resolve_servers(&theirs).await.0)
}

/// Whether `p` can write into `production`'s root: its root (chroot + root path) is that root,
/// above it or inside it, and the two name a server in common, spelled alike or resolved
/// alike. A name whose lookup gets no answer in time leaves it unknown: answered yes (a name
/// the resolver says does not exist names no address, and so no common server). `mine` keeps
/// `p`'s lookup for the next production profile.
async fn reaches_root_of(
    p: &ProfileFields,
    production: &ProfileFields,
    mine: &mut Option<(std::collections::HashSet<std::net::SocketAddr>, bool)>,
) -> bool {
    let ((my_servers, path), (theirs, their_path)) = (p.root_address(), production.root_address());
    if !paths_overlap(&path, &their_path) {
        return false;
    }
    if !my_servers.is_disjoint(&theirs) {
        return true;
    }
    let (their_addrs, all_theirs) = resolve_servers(&theirs).await;
    if mine.is_none() {
        *mine = Some(resolve_servers(&my_servers).await);
    }
    let (my_addrs, all_mine) = mine.as_ref().map_or((Default::default(), false), |(a, b)| (a.clone(), *b));
    !all_mine || !all_theirs || !my_addrs.is_disjoint(&their_addrs)
}

/// Whether one of two ZooKeeper paths is the other or an ancestor of it ("" is the server's
/// root, above every path).
fn paths_overlap(a: &str, b: &str) -> bool {
    let under = |x: &str, top: &str| {
        x == top || top.is_empty() || top == "/" || x.strip_prefix(top).is_some_and(|r| r.starts_with('/'))
    };
    under(a, b) || under(b, a)
}

/// The socket addresses of `servers` (`host:port`, as [`ProfileFields::root_address`] spells
/// them), looked up together within 2 s, and whether every lookup answered (one the resolver
/// refused, a name that does not exist, answered with no address; one with no answer in time
/// did not).
async fn resolve_servers(
    servers: &std::collections::BTreeSet<String>,
) -> (std::collections::HashSet<std::net::SocketAddr>, bool) {
    // A connect string names a handful of servers; a hostile one is bounded here all the same.
    let names: Vec<String> = servers.iter().take(16).cloned().collect();
    let mut looks = Vec::with_capacity(names.len());
    for name in names {
        looks.push(async move {
            match tokio::time::timeout(Duration::from_secs(2), tokio::net::lookup_host(name)).await {
                Ok(Ok(addrs)) => Some(addrs.take(16).collect::<Vec<_>>()),
                Ok(Err(_)) => Some(Vec::new()),
                Err(_) => None,
            }
        });
    }
    let mut all = servers.len() <= 16;
    let mut out = std::collections::HashSet::new();
    for found in futures::future::join_all(looks).await {
        match found {
            Some(addrs) => out.extend(addrs),
            None => all = false,
        }
    }
    (out, all)
}

/// A delete refused because runtimes are registered, said for the console (it offers no force):
/// who holds it and what to do.
fn in_use(e: tbdesk_store::Error, who: &str) -> ApiError {
    match e {
        tbdesk_store::Error::Running { what, running } => {
            let mut err = ApiError::new(
                ErrorCode::Running,
                format!(
                    "refused: {what} is in use by {} registered {who}: {}. Stop or pause them first (a dead server's node is removed by Health's fix); nothing was deleted",
                    running.len(),
                    running.join(", ")
                ),
            );
            err.detail = Some(serde_json::json!({ "what": what, "running": running }));
            err
        }
        e => e.into(),
    }
}

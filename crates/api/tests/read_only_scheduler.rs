//! The read-only flag and the app's local scheduler: a flag set after the run began (here once
//! the run ended by itself) is obeyed at the stop: nothing is removed, no journal entry is left
//! pending, and the run's nodes are listed for the next run.

use std::time::{Duration, Instant};

use tbdesk_api::{Console, ErrorCode};
use tbdesk_zkserver::ZkServer;

const ROOT: &str = "/ro/root";

/// A ZooKeeper, a console on profile `p` with task type `Job` (4 items), and no `/factory`:
/// a run's registration fails there, so it ends by itself after making its strategy copy, with
/// its clean-up still to come. Keep the server and the dir alive with the console.
async fn ending_runs() -> (ZkServer, tempfile::TempDir, Console, zookeeper_client::Client) {
    let (server, dir, console, c) = root_with_job().await;
    c.delete(&format!("{ROOT}/factory"), None).await.expect("no factory dir");
    (server, dir, console, c)
}

/// A ZooKeeper, a console on profile `p` with task type `Job` (4 items) in an initialised root.
async fn root_with_job() -> (ZkServer, tempfile::TempDir, Console, zookeeper_client::Client) {
    let server = ZkServer::start().expect("zk");
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let fields = tbdesk_tests::profile_fields("p", &server.connect_string(), ROOT);
    console.profiles().create(&fields, None).await.expect("profile");
    console.init_root("p").await.expect("init");
    let c = tbdesk_tests::zk::client(&server).await;
    let open = zookeeper_client::CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all());
    let t = tbdesk_tests::quick_task_type("Job", 4);
    c.create(&format!("{ROOT}/baseTaskType/Job"), t.encode().as_bytes(), &open).await.expect("task type");
    (server, dir, console, c)
}

/// Waits (at most 20 s) until the console's local scheduler is no longer running.
async fn ended(console: &Console) {
    let t0 = Instant::now();
    while console.scheduler_status().await.is_some_and(|v| v.running) {
        assert!(t0.elapsed() < Duration::from_secs(20), "the run never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_only_flag_guards_the_schedulers_clean_up() {
    let (_server, dir, console, c) = ending_runs().await;
    console.start_scheduler("p", "Job", "dev1", None, 1, false).await.expect("start");
    ended(&console).await;
    let copy = format!("{ROOT}/strategy/Job-dev1-tbdesk");
    assert!(c.check_stat(&copy).await.expect("stat").is_some(), "the run made its copy");
    // The run ended by itself: the flag may be set (its stop obeys it).
    let mut ro = console.profile("p").await.expect("p").fields;
    ro.read_only = true;
    console.update_profile("p", &ro, None).await.expect("the flag under a run that ended");
    let err = console.stop_scheduler(true).await.expect_err("a clean-up into a read-only profile");
    assert_eq!(err.code, ErrorCode::ReadOnly, "{err:?}");
    assert!(c.check_stat(&copy).await.expect("stat").is_some(), "the clean-up wrote into a read-only profile");
    assert!(console.scheduler_status().await.is_none(), "the stop ended the run all the same");
    let history = console.history("p", None, 20).await.expect("history");
    assert!(!history.iter().any(|e| e.command == "scheduler_stop"), "a clean-up entry begun: {history:#?}");
    let listed = walk(dir.path())
        .into_iter()
        .any(|f| std::fs::read_to_string(&f).is_ok_and(|t| t.contains("Job-dev1-tbdesk") && t.contains("\"nodes\"")));
    assert!(listed, "the run's nodes are listed in a leftovers file under {}", dir.path().display());
    tbdesk_tests::report::record(
        "console writes",
        "a read-only flag set after the app's local scheduler ended by itself, then the stop",
        1,
        "the stop into the read-only profile removes nothing, begins no journal entry, lists the run's nodes",
    );
}

/// A run that ended by itself (no `/factory`), never stopped, then another start of the same
/// task type: the first run's nodes are listed before its slot is taken, and the stop of the
/// second removes both runs' nodes (before, the second joined the first's copy as someone
/// else's and left it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_run_replaced_by_a_new_start_is_not_forgotten() {
    let (_server, _dir, console, c) = ending_runs().await;
    console.start_scheduler("p", "Job", "dev1", None, 1, false).await.expect("first start");
    ended(&console).await;
    // Two groups this time: the copy is not byte for byte the one this start would make, so it
    // is taken for someone else's unless the first run's list names it.
    console.start_scheduler("p", "Job", "dev1", None, 2, false).await.expect("second start");
    ended(&console).await;
    let _ = console.stop_scheduler(true).await;
    let copy = format!("{ROOT}/strategy/Job-dev1-tbdesk");
    assert!(c.check_stat(&copy).await.expect("stat").is_none(), "the first run's strategy copy was forgotten");
    tbdesk_tests::report::record(
        "scheduler safety",
        "the app's local scheduler ended by itself, never stopped, then started again and stopped",
        1,
        "the first run's strategy copy listed before its slot was taken, and removed at the stop",
    );
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Starts the app's scheduler on `Job$dev1`, waits for its group to register, then makes the
/// profile read-only through another process's handle on the database: the servers' path.
async fn running_then_made_read_only(console: &Console, c: &zookeeper_client::Client, dir: &std::path::Path) -> String {
    console.start_scheduler("p", "Job", "dev1", None, 1, false).await.expect("start");
    let servers = format!("{ROOT}/baseTaskType/Job/Job$dev1/server");
    let t0 = Instant::now();
    while c.list_children(&servers).await.map_or(true, |l| l.is_empty()) {
        assert!(t0.elapsed() < Duration::from_secs(20), "the run's group never registered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let other = tbdesk_profiles::Profiles::open(&dir.join("profiles.sqlite")).await.expect("profiles");
    let mut ro = other.get("p").await.expect("p").fields;
    ro.read_only = true;
    other.update("p", &ro, None).await.expect("made read-only elsewhere");
    servers
}

/// The profile made read-only by another process (a second app window, `tbdesk profile edit`)
/// while the app's local scheduler runs: the run ends at once, writing nothing more (its
/// server stays registered: no unregister, no release), its nodes listed, and its view says
/// why; the stop then removes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_made_read_only_elsewhere_ends_the_running_scheduler_at_once() {
    let (_server, dir, console, c) = root_with_job().await;
    let servers = running_then_made_read_only(&console, &c, dir.path()).await;
    let t1 = Instant::now();
    ended(&console).await;
    let took = t1.elapsed();
    let view = console.scheduler_status().await.expect("the ended run's view");
    assert!(view.error.as_deref().is_some_and(|e| e.contains("read-only")), "{view:?}");
    let registered = c.list_children(&servers).await.expect("servers");
    assert!(!registered.is_empty(), "the run unregistered its server under the read-only flag");
    let err = console.stop_scheduler(true).await.expect_err("a clean-up into a read-only profile");
    assert_eq!(err.code, ErrorCode::ReadOnly, "{err:?}");
    assert!(
        c.check_stat(&format!("{ROOT}/strategy/Job-dev1-tbdesk")).await.expect("stat").is_some(),
        "the clean-up wrote into a read-only profile"
    );
    tbdesk_tests::report::record(
        "scheduler safety",
        "the profile made read-only by another process while the app's local scheduler runs",
        1,
        &format!(
            "the run ended {:.1} s later, its server untouched, its view saying why; the stop removed nothing",
            took.as_secs_f64()
        ),
    );
}

/// The profile made read-only elsewhere, then the app's Stop before the run noticed: the stop
/// writes nothing either (no unregistering, no release, no clean-up) and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_right_after_the_profile_was_made_read_only_elsewhere_writes_nothing() {
    let (_server, dir, console, c) = root_with_job().await;
    let servers = running_then_made_read_only(&console, &c, dir.path()).await;
    let err = console.stop_scheduler(true).await.expect_err("a stop into a read-only profile");
    assert_eq!(err.code, ErrorCode::ReadOnly, "{err:?}");
    let registered = c.list_children(&servers).await.expect("servers");
    assert!(!registered.is_empty(), "the stop unregistered its server under the read-only flag");
    assert!(console.scheduler_status().await.is_none(), "the stop ended the run all the same");
}

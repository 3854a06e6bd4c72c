//! Every ZooKeeper TBSchedule users run: 3.4.13 (TBSchedule 3.3.3.2 is built against 3.4.6), the
//! installed 3.8.0 and 3.9.3. The same console flows on each: init, saves with their versions and
//! conflicts, an import (one multi of creates), a live view that sees creates, changes and
//! deletes, the local scheduler processing and cleaning up, health. Versions other than the
//! installed one come from `scripts/setup` (another Debian suite's package, in a cache); a missing
//! one is reported as SKIPPED.

use std::time::{Duration, Instant};

use tbdesk_api::{Console, ErrorCode};
use tbdesk_model::records::{Kind, Strategy, TaskType};
use tbdesk_profiles::ProfileFields;
use tbdesk_store::reader::ReadMode;
use tbdesk_store::server::WatchMode;
use tbdesk_store::Expect;
use tbdesk_zkserver::{Options, Version, ZkServer};

const ROOT: &str = "/versions/root";

fn fields(connect: &str) -> ProfileFields {
    tbdesk_tests::profile_fields("p", connect, ROOT)
}

fn task_type(name: &str, heartbeat: i64) -> TaskType {
    TaskType {
        base_task_type: Some(name.into()),
        heart_beat_rate: heartbeat,
        judge_dead_interval: heartbeat * 6,
        sleep_time_no_data: 100,
        fetch_data_number: 50,
        deal_bean_name: Some("bean".into()),
        task_items: Some((0..4).map(|i| i.to_string()).collect()),
        ..TaskType::default()
    }
}

/// Waits until the followed root satisfies `ok` (at most 15 s), naming `what` otherwise.
async fn until(f: &tbdesk_api::Followed, what: &str, ok: impl Fn(&tbdesk_model::snapshot::Snapshot) -> bool) {
    let t0 = Instant::now();
    while !ok(&f.live.current().snapshot) {
        assert!(t0.elapsed() < Duration::from_secs(15), "the live view never showed {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn one_version(version: Option<Version>) -> String {
    let name = version.as_ref().map_or("installed (3.8)".to_owned(), |v| v.name.clone());
    let server = ZkServer::start_with(Options { version: version.clone(), ..Options::default() }).expect("zk");
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    console.profiles().create(&fields(&server.connect_string()), None).await.expect("profile");
    console.init_root("p").await.unwrap_or_else(|e| panic!("{name}: init: {e}"));

    // The protocol each server speaks.
    let store = console.open_store("p").await.expect("store");
    let f = store.features();
    let old = version.as_ref().is_some_and(|v| v.name.starts_with("3.4.") || v.name.starts_with("3.5."));
    if let Some(v) = &version {
        let (a, b, c) = f.version.unwrap_or_else(|| panic!("{name}: no version from srvr"));
        assert_eq!(format!("{a}.{b}.{c}"), v.name);
    }
    if old {
        assert_eq!((f.read, f.watch), (ReadMode::Pipelined, WatchMode::OneShot), "{name}");
    } else {
        assert_eq!((f.read, f.watch), (ReadMode::Multi, WatchMode::Persistent), "{name}");
    }

    // ZooKeeper's clock as a writer measures it (a 3.4 create answers no stat: read back).
    let offset = store.probe_clock().await.unwrap_or_else(|| panic!("{name}: no clock"));
    assert!(offset.abs() < 1000, "{name}: ZooKeeper on this machine measured {offset} ms off");

    // The live view follows everything below.
    let followed = console.follow("p").await.unwrap_or_else(|e| panic!("{name}: follow: {e}"));

    // Saves: a create, an update at its version, a stale update refused as a conflict.
    let v0 = console.save_task_type("p", &task_type("Job", 1000), Expect::Absent).await.expect("create");
    assert_eq!(v0, 0, "{name}: a created node is at version 0");
    let v1 = console.save_task_type("p", &task_type("Job", 2000), Expect::Version(v0)).await.expect("update");
    assert_eq!(v1, 1);
    let stale = console.save_task_type("p", &task_type("Job", 3000), Expect::Version(v0)).await;
    assert_eq!(stale.map_err(|e| e.code), Err(ErrorCode::Conflict), "{name}");
    until(&followed, "the updated heartbeat", |s| {
        s.task_types.iter().any(|t| t.name == "Job" && t.def.ok().is_some_and(|d| d.heart_beat_rate == 2000))
    })
    .await;

    // An import: creates in one multi.
    let strategy = Strategy {
        strategy_name: Some("Imported-Strategy".into()),
        ip_list: Some(vec!["10.9.9.9".into()]),
        assign_num: 1,
        kind: Some(Kind::Schedule),
        task_name: Some("Imported".into()),
        task_parameter: Some(String::new()),
        ..Default::default()
    };
    let file = serde_json::json!({
        "format": tbdesk_model::transfer::FORMAT,
        "root": "/elsewhere",
        "taskTypes": { "Imported": serde_json::from_str::<serde_json::Value>(&task_type("Imported", 1000).encode()).expect("json") },
        "strategies": { "Imported-Strategy": serde_json::from_str::<serde_json::Value>(&strategy.encode()).expect("json") },
    })
    .to_string();
    let changes = console.import("p", &file, true, false).await.unwrap_or_else(|e| panic!("{name}: import: {e}"));
    assert_eq!(changes.len(), 2, "{name}");
    until(&followed, "the imported objects", |s| {
        s.task_types.iter().any(|t| t.name == "Imported") && s.strategies.iter().any(|x| x.name == "Imported-Strategy")
    })
    .await;

    // A node deleted by another client disappears from the live view.
    store.client().delete(&format!("{ROOT}/strategy/Imported-Strategy"), None).await.expect("delete");
    until(&followed, "the deleted strategy gone", |s| !s.strategies.iter().any(|x| x.name == "Imported-Strategy"))
        .await;

    // The local scheduler: registers, takes the items, processes, and removes what it made.
    console.start_scheduler("p", "Job", "dev1", None, 2, false).await.unwrap_or_else(|e| panic!("{name}: start: {e}"));
    let t0 = Instant::now();
    loop {
        let st = console.scheduler_status().await.expect("status").status;
        let items: usize = st.groups.iter().map(|g| g.items.len()).sum();
        let done: u64 = st.groups.iter().map(|g| g.done).sum();
        if items == 4 && done > 0 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(40), "{name}: the local scheduler never processed: {st:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    until(&followed, "the scheduler's domain", |s| {
        s.task_types.iter().any(|t| t.name == "Job" && t.domains.iter().any(|d| d.own_sign == "dev1"))
    })
    .await;
    console.stop_scheduler(true).await.unwrap_or_else(|e| panic!("{name}: stop: {e}"));
    until(&followed, "the scheduler's nodes removed", |s| {
        s.task_types.iter().all(|t| t.domains.is_empty()) && !s.strategies.iter().any(|x| x.name.ends_with("-tbdesk"))
    })
    .await;
    let kids = store.client().list_children(&format!("{ROOT}/factory")).await.expect("factories");
    assert!(kids.is_empty(), "{name}: factory nodes left: {kids:?}");

    // A root that does not exist yet when the view opens is seen when it is created (3.4/3.5:
    // an exists watch on it).
    let mut other = fields(&server.connect_string());
    other.name = "q".into();
    other.root_path = "/versions/later".into();
    console.profiles().create(&other, None).await.expect("profile q");
    let later = console.follow("q").await.unwrap_or_else(|e| panic!("{name}: follow a missing root: {e}"));
    console.init_root("q").await.expect("init q");
    console.save_task_type("q", &task_type("Late", 1000), Expect::Absent).await.expect("late task type");
    until(&later, "a root created after the view opened", |s| s.task_types.iter().any(|t| t.name == "Late")).await;

    // Health reads the ensemble and the root.
    let h = console.health("p").await.unwrap_or_else(|e| panic!("{name}: health: {e}"));
    assert!(h.ensemble.iter().all(|s| s.up), "{name}: {h:?}");
    assert_eq!(h.protocol, f.describe(), "{name}: health names the protocol in use");
    if let Some(v) = &version {
        assert!(h.ensemble[0].version.as_deref().is_some_and(|x| x.starts_with(&v.name)), "{name}: {h:?}");
    }
    format!("{name}: {}", f.describe())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_zookeeper_people_run() {
    let others = tbdesk_zkserver::versions();
    for wanted in ["3.4.13", "3.9.3"] {
        if !others.iter().any(|v| v.name == wanted) {
            println!("SKIPPED ZooKeeper {wanted}: not set up here (scripts/setup downloads it)");
        }
    }
    let mut seen = Vec::new();
    for v in std::iter::once(None).chain(others.into_iter().map(Some)) {
        seen.push(one_version(v).await);
    }
    for s in &seen {
        println!("{s}");
    }
    tbdesk_tests::report::record(
        "versions",
        "init, saves with conflicts, an import, live creates/changes/deletes, the local scheduler, health on each ZooKeeper release",
        seen.len(),
        &seen.join("; "),
    );
}

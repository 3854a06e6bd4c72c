//! Two tbdesk sessions and a scripted third writer edit the same task type at once: every
//! conflict is detected and no update is silently overwritten. Runs 10 s (60 s with
//! TBDESK_SLOW_TESTS=1).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tbdesk_model::records::TaskType;
use tbdesk_store::{ConnectOptions, Error, Expect, Store};
use tbdesk_tests::zk::{self, example};

const PATH: &str = "/conc/root/baseTaskType/OrderSync";

fn opts(server: &zk::ZkServer, root: &str) -> ConnectOptions {
    ConnectOptions {
        connect: server.connect_string(),
        root: root.into(),
        session_timeout: Duration::from_secs(10),
        digest: None,
        read_only: false,
        tz: chrono_tz::Tz::UTC,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_no_update() {
    let secs = if std::env::var_os("TBDESK_SLOW_TESTS").is_some() { 60 } else { 10 };
    let server = zk::ZkServer::start().expect("zk");
    let opts = opts(&server, "/conc/root");
    let admin = Store::connect(&opts).await.expect("admin");
    admin.init_root(false).await.expect("init");
    let mut t = TaskType::decode(&example("taskType.json")).expect("decode");
    t.version = 0;
    admin.put_task_type(&t, Expect::Absent).await.expect("create");
    let successes = Arc::new(AtomicU64::new(0));
    let conflicts = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    // Two tbdesk writers: read, bump the (runtime-ignored) `version` counter, write at the
    // version read.
    for _ in 0..2 {
        let (opts, ok, conf) = (opts.clone(), successes.clone(), conflicts.clone());
        tasks.push(tokio::spawn(async move {
            let store = Store::connect(&opts).await.expect("writer");
            while Instant::now() < deadline {
                let (data, stat) = store.client().get_data(PATH).await.expect("read");
                let mut t = TaskType::decode(&data).expect("decode");
                t.version += 1;
                match store.put_task_type(&t, Expect::Version(stat.version)).await {
                    Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                    Err(Error::Conflict { .. }) => conf.fetch_add(1, Ordering::Relaxed),
                    Err(e) => panic!("unexpected: {e}"),
                };
            }
        }));
    }
    // The scripted third writer: a plain client doing the same with setData(version).
    {
        let (connect, ok, conf) = (server.connect_string(), successes.clone(), conflicts.clone());
        tasks.push(tokio::spawn(async move {
            let c = zookeeper_client::Client::connect(&connect).await.expect("client");
            while Instant::now() < deadline {
                let (data, stat) = c.get_data(PATH).await.expect("read");
                let mut t = TaskType::decode(&data).expect("decode");
                t.version += 1;
                match c.set_data(PATH, t.encode().as_bytes(), Some(stat.version)).await {
                    Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                    Err(zookeeper_client::Error::BadVersion) => conf.fetch_add(1, Ordering::Relaxed),
                    Err(e) => panic!("unexpected: {e}"),
                };
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer task");
    }
    let (data, stat) = admin.client().get_data(PATH).await.expect("read");
    let final_t = TaskType::decode(&data).expect("decode");
    let ok = successes.load(Ordering::Relaxed);
    let conf = conflicts.load(Ordering::Relaxed);
    eprintln!("{secs} s: {ok} writes landed, {conf} conflicts detected");
    assert_eq!(final_t.version as u64, ok, "every landed write is in the final value: none was overwritten");
    assert_eq!(stat.version as u64, ok, "one node version per landed write");
    assert!(conf > 0, "three writers on one node must have collided");
    tbdesk_tests::report::record(
        "concurrency",
        &format!("2 tbdesk sessions + 1 scripted writer on one task type for {secs} s"),
        (ok + conf) as usize,
        &format!("{ok} writes landed, {conf} conflicts detected, 0 updates lost"),
    );
}

/// A guarded write naming version -1 (which ZooKeeper reads as "any version") is refused naming
/// `version`, and nothing is written: the write's conflict check is never silently off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negative_version_is_refused_not_read_as_any() {
    let server = zk::ZkServer::start().expect("zk");
    let opts = opts(&server, "/conc/neg");
    let admin = Store::connect(&opts).await.expect("admin");
    admin.init_root(false).await.expect("init");
    let t = TaskType::decode(&example("taskType.json")).expect("decode");
    admin.put_task_type(&t, Expect::Absent).await.expect("create");
    let path = admin.root().base_task_type("OrderSync");
    let (before, st) = admin.client().get_data(&path).await.expect("read");
    let refused = |e: Error| match e {
        Error::Invalid(v) => assert!(v.iter().any(|x| x.field == "version"), "{v:?}"),
        other => panic!("not refused naming version: {other}"),
    };
    let mut changed = t.clone();
    changed.thread_number = 7;
    refused(admin.put_task_type(&changed, Expect::Version(-1)).await.expect_err("put -1"));
    refused(admin.delete_task_type("OrderSync", -1, true).await.expect_err("delete -1"));
    let item = format!("{}/probe", opts.root);
    zk::put(admin.client(), &item, b"x").await;
    refused(admin.set_node(&item, b"y", -1).await.expect_err("set -1"));
    let (after, st2) = admin.client().get_data(&path).await.expect("still there");
    assert_eq!((before, st.version), (after, st2.version));
    assert_eq!(admin.client().get_data(&item).await.expect("probe").0, b"x");
}

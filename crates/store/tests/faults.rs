//! Faults against a real ZooKeeper: the server killed in the middle of a large import (the
//! multi lands whole or not at all), and the server frozen longer than the session timeout
//! under a live snapshot (the session expires; the follower reconnects, re-reads and converges).

use std::time::Duration;

use tbdesk_model::records::TaskType;
use tbdesk_store::live::Live;
use tbdesk_store::transfer::{Config, Entry};
use tbdesk_store::{ConnectOptions, Expect, Store};
use tbdesk_tests::zk::{self, example};

fn opts(server: &zk::ZkServer, root: &str, timeout: u64) -> ConnectOptions {
    ConnectOptions {
        connect: server.connect_string(),
        root: root.into(),
        session_timeout: Duration::from_secs(timeout),
        digest: None,
        read_only: false,
        tz: chrono_tz::Tz::UTC,
    }
}

fn big_config(n: usize) -> Config {
    let mut c = Config::default();
    for i in 0..n {
        let mut t = TaskType::decode(&example("taskType.json")).expect("decode");
        t.base_task_type = Some(format!("Job{i:04}"));
        c.task_types.insert(format!("Job{i:04}"), Entry { blob: t.encode(), version: None });
    }
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_import_leaves_old_or_new_never_a_mix() {
    let mut server = zk::ZkServer::start().expect("zk");
    let target = big_config(300);
    // An uninterrupted import first, to place the kills before, during and after its multi.
    let store = Store::connect(&opts(&server, "/faults/full", 4)).await.expect("store");
    store.init_root(false).await.expect("init");
    let t0 = std::time::Instant::now();
    store.import_config(&target, false).await.expect("full import");
    let full = t0.elapsed();
    drop(store);
    let mut outcomes = Vec::new();
    for round in 0..6u32 {
        let root = format!("/faults/r{round}");
        let store = Store::connect(&opts(&server, &root, 4)).await.expect("store");
        store.init_root(false).await.expect("init");
        let t = target.clone();
        let import = tokio::spawn(async move { store.import_config(&t, false).await.map(|c| c.len()) });
        tokio::time::sleep(full.mul_f64(0.3 + 0.25 * round as f64)).await;
        server.stop();
        let result = import.await.expect("task");
        server.restart().expect("restart");
        let check = Store::connect(&opts(&server, &root, 4)).await.expect("check");
        let n = check.client().list_children(&format!("{root}/baseTaskType")).await.expect("list").len();
        assert!(n == 0 || n == 300, "round {round}: {n} of 300 task types: a partial import");
        if result.is_ok() {
            assert_eq!(n, 300, "a reported success must have landed");
        }
        outcomes.push(n);
    }
    eprintln!("an import takes {full:?}; killed at 0.3..1.55 of that: {outcomes:?} task types after each (0 = not landed, 300 = landed)");
    let landed = outcomes.iter().filter(|n| **n == 300).count();
    tbdesk_tests::report::record(
        "faults",
        "ZooKeeper killed during a 300-object import (one multi)",
        outcomes.len(),
        &format!("{landed} landed whole, {} not at all, 0 partial", outcomes.len() - landed),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_snapshot_survives_a_server_frozen_past_the_session_timeout() {
    let server = zk::ZkServer::start().expect("zk");
    let root = "/faults/frozen";
    let admin = Store::connect(&opts(&server, root, 10)).await.expect("admin");
    admin.init_root(false).await.expect("init");
    let live = Live::follow(opts(&server, root, 4)).await.expect("follow");
    let first_session = live.current().generation;
    server.pause(true);
    tokio::time::sleep(Duration::from_secs(9)).await;
    server.pause(false);
    let writer = Store::connect(&opts(&server, root, 10)).await.expect("writer after the freeze");
    let t = TaskType::decode(&example("taskType.json")).expect("decode");
    writer.put_task_type(&t, Expect::Absent).await.expect("write after the freeze");
    let mut rx = live.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        if rx.borrow().snapshot.task_types.iter().any(|t| t.name == "OrderSync") {
            break;
        }
        tokio::time::timeout_at(deadline, rx.changed()).await.expect("the live snapshot converges").expect("live");
    }
    assert!(live.current().generation > first_session);
    tbdesk_tests::report::record(
        "faults",
        "ZooKeeper frozen (SIGSTOP) 9 s, past a 4 s session timeout, under a live snapshot",
        1,
        "session expired; the follower reconnected, re-read and showed a change made after",
    );
    drop(admin);
}

/// Sessions the server holds now (`cons` lists one line per connection with a session id).
fn sessions(server: &zk::ZkServer) -> usize {
    let out = tbdesk_zkserver::four_letter(server.addr(), "cons", Duration::from_secs(2)).unwrap_or_default();
    out.lines().filter(|l| l.contains("sid=0x") && !l.contains("sid=0x0,")).count()
}

/// Dropping a follower ends its session (the run task goes with its supervisor): nothing keeps
/// polling a watcher whose session is gone, the sequence that made zookeeper-client panic
/// (`PersistentReceiver::recv` on a closed channel) when the server stopped later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_follower_ends_its_session() {
    let mut server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    zk::put_empty_root(&c, "/faults/drop").await;
    let base = sessions(&server);
    let live = tbdesk_store::live::Live::follow(opts(&server, "/faults/drop", 6)).await.expect("follow");
    assert_eq!(sessions(&server), base + 1, "the follower's session");
    drop(live);
    let t0 = std::time::Instant::now();
    while sessions(&server) > base {
        assert!(t0.elapsed() < Duration::from_secs(5), "the dropped follower's session lives on");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The server going away afterwards panics nothing.
    drop(c);
    server.stop();
    tokio::time::sleep(Duration::from_secs(1)).await;
}

//! "Why is this task type not running?" against a real ZooKeeper: a healthy root is running,
//! and each link broken on purpose is named exactly.

use std::time::Duration;

use tbdesk_model::diagnose::{root_findings, why_not_running, Fix};
use tbdesk_model::records::{Strategy, StrategyRuntime, TaskType};
use tbdesk_store::{ConnectOptions, Expect, Store};
use tbdesk_tests::zk::{self, example, load_spec_tree, SPEC_ROOT as ROOT};
use zookeeper_client as zkc;

const UUID: &str = "OrderSync$TEST$10.0.0.11$8C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F$0000000003";
const FACTORY: &str = "10.0.0.11$app-01$5F0E3C9A8B7D4E21A3C6B9D8E7F60123$0000000001";

/// The spec tree made healthy: no run window, every item owned by the live server.
async fn healthy() -> (zk::ZkServer, zkc::Client, Store) {
    let server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    load_spec_tree(&c).await;
    for i in 1..4 {
        c.set_data(
            &format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/{i}/cur_server"),
            UUID.as_bytes(),
            None,
        )
        .await
        .expect("own");
    }
    let opts = ConnectOptions {
        connect: server.connect_string(),
        root: ROOT.into(),
        session_timeout: Duration::from_secs(10),
        digest: None,
        read_only: false,
        tz: chrono_tz::Tz::UTC,
    };
    let store = Store::connect(&opts).await.expect("store");
    // The example factory was asked for 2 thread groups and runs 1: ask it for the 1 it runs.
    let mut rt = StrategyRuntime::decode(&example("strategyRuntime.json")).expect("decode");
    rt.request_num = 1;
    c.set_data(&format!("{ROOT}/strategy/OrderSync-Strategy/{FACTORY}"), rt.encode().as_bytes(), None)
        .await
        .expect("requestNum 1");
    let mut t = TaskType::decode(&example("taskType.json")).expect("decode");
    t.permit_run_start_time = None;
    t.permit_run_end_time = None;
    store.put_task_type(&t, Expect::Version(0)).await.expect("no window");
    (server, c, store)
}

async fn broken(store: &Store) -> Option<String> {
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC).broken
}

async fn task_type(store: &Store) -> (TaskType, i32) {
    let (d, st) = store.client().get_data(&format!("{ROOT}/baseTaskType/OrderSync")).await.expect("read");
    (TaskType::decode(&d).expect("decode"), st.version)
}

#[tokio::test]
async fn a_healthy_root_is_running() {
    let (_s, _c, store) = healthy().await;
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let d = why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC);
    assert_eq!(d.broken, None, "{:#?}", d.links);
    assert_eq!(d.links.len(), 16, "every link checked");
    assert!(root_findings(&snap, None).iter().all(|f| f.code != "fewer_groups" && f.code != "owner_flapping"));
    // The base domain has no strategy: broken at "strategy".
    assert_eq!(why_not_running(&snap, "OrderSync", "BASE", chrono_tz::Tz::UTC).broken.as_deref(), Some("strategy"));
}

/// A root whose data is empty (made by another tool's `ensure_path`): Java's `initial`
/// accepts it (`"tbschedule-3.2.12".compareTo("") >= 0`) and runs; so does the chain.
#[tokio::test]
async fn an_unmarked_root_runs_as_java_runs_on_it() {
    let (_s, c, store) = healthy().await;
    c.set_data(ROOT, b"", None).await.expect("unmark");
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    assert_eq!(snap.marker, tbdesk_model::version::MarkerVerdict::Unmarked);
    let d = why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC);
    assert_eq!(d.broken, None, "{:#?}", d.links);
}

#[tokio::test]
async fn paused_strategy() {
    let (_s, _c, store) = healthy().await;
    store.pause_strategy("OrderSync-Strategy", true).await.expect("pause");
    assert_eq!(broken(&store).await.as_deref(), Some("not_paused"));
}

#[tokio::test]
async fn no_strategy() {
    let (_s, _c, store) = healthy().await;
    store.delete_strategy("OrderSync-Strategy", 0, true).await.expect("delete");
    assert_eq!(broken(&store).await.as_deref(), Some("strategy"));
}

#[tokio::test]
async fn ip_list_matching_nothing() {
    let (_s, _c, store) = healthy().await;
    let mut st = Strategy::decode(&example("strategy.json")).expect("decode");
    st.ip_list = Some(vec!["10.9.9.9".into()]);
    store.put_strategy(&st, Expect::Version(0)).await.expect("ip list");
    assert_eq!(broken(&store).await.as_deref(), Some("factory"));
}

#[tokio::test]
async fn stopped_factory() {
    let (_s, _c, store) = healthy().await;
    store.set_factory_started(FACTORY, false).await.expect("stop");
    assert_eq!(broken(&store).await.as_deref(), Some("factory"));
}

#[tokio::test]
async fn no_thread_groups_requested() {
    let (_s, c, store) = healthy().await;
    let p = format!("{ROOT}/strategy/OrderSync-Strategy/{FACTORY}");
    let mut rt = StrategyRuntime::decode(&example("strategyRuntime.json")).expect("decode");
    rt.request_num = 0;
    c.set_data(&p, rt.encode().as_bytes(), None).await.expect("requestNum 0");
    assert_eq!(broken(&store).await.as_deref(), Some("thread_groups"));
}

/// P4: the factory was asked for 2 thread groups and only 1 runs (Java never retries a group
/// that failed to start): a health finding and a broken link.
#[tokio::test]
async fn fewer_groups_than_requested() {
    let (_s, c, store) = healthy().await;
    let p = format!("{ROOT}/strategy/OrderSync-Strategy/{FACTORY}");
    let mut rt = StrategyRuntime::decode(&example("strategyRuntime.json")).expect("decode");
    rt.request_num = 3;
    c.set_data(&p, rt.encode().as_bytes(), None).await.expect("requestNum 3");
    assert_eq!(broken(&store).await.as_deref(), Some("groups_started"));
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let f = root_findings(&snap, None);
    let g = f.iter().find(|x| x.code == "fewer_groups").expect("fewer groups found");
    assert!(g.message.contains("runs 1 of the 3"), "{}", g.message);
}

/// A hand-over that never completes (the owner rewritten every few seconds, as a Java holder
/// under a leader that wrote empty instead of null did): a finding and a broken link.
#[tokio::test]
async fn owner_keeps_changing() {
    let (_s, c, store) = healthy().await;
    let p = format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/2/cur_server");
    for i in 0..12 {
        let v: &[u8] = if i % 2 == 0 { b"" } else { UUID.as_bytes() };
        c.set_data(&p, v, None).await.expect("flap");
    }
    c.set_data(&p, UUID.as_bytes(), None).await.expect("owner");
    assert_eq!(broken(&store).await.as_deref(), Some("handover"));
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let f = root_findings(&snap, None);
    let g = f.iter().find(|x| x.code == "owner_flapping").expect("flapping found");
    assert_eq!(g.nodes, vec!["OrderSync$TEST/taskItem/2".to_string()]);
}

#[tokio::test]
async fn judge_dead_below_five_heartbeats() {
    let (_s, c, store) = healthy().await;
    // Written raw: tbdesk's own writes refuse this (it is exactly what the rule prevents).
    let (mut t, _) = task_type(&store).await;
    t.judge_dead_interval = 20000;
    c.set_data(&format!("{ROOT}/baseTaskType/OrderSync"), t.encode().as_bytes(), None).await.expect("write");
    assert_eq!(broken(&store).await.as_deref(), Some("judge_dead"));
}

/// A hand-edited threadNumber of 0: Java's group starts no thread and processes nothing.
#[tokio::test]
async fn no_threads() {
    let (_s, c, store) = healthy().await;
    let (mut t, _) = task_type(&store).await;
    t.thread_number = 0;
    c.set_data(&format!("{ROOT}/baseTaskType/OrderSync"), t.encode().as_bytes(), None).await.expect("write");
    assert_eq!(broken(&store).await.as_deref(), Some("threads"));
}

#[tokio::test]
async fn only_dead_servers() {
    let (_s, _c, store) = healthy().await;
    let (mut t, v) = task_type(&store).await;
    t.heart_beat_rate = 1000;
    t.judge_dead_interval = 5000;
    store.put_task_type(&t, Expect::Version(v)).await.expect("short judge-dead");
    tokio::time::sleep(Duration::from_millis(5500)).await;
    assert_eq!(broken(&store).await.as_deref(), Some("servers"));
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let f = root_findings(&snap, None);
    let dead = f.iter().find(|x| x.code == "dead_servers").expect("dead servers found");
    assert_eq!(dead.nodes, vec![UUID.to_string()]);
    assert_eq!(dead.fix, Some(Fix::RemoveDeadServers { base: "OrderSync".into(), task_type: "OrderSync$TEST".into() }));
}

#[tokio::test]
async fn no_items() {
    let (_s, c, store) = healthy().await;
    for i in 0..4 {
        let item = format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/{i}");
        for f in ["cur_server", "req_server", "sts", "parameter", "deal_desc"] {
            c.delete(&format!("{item}/{f}"), None).await.expect("delete field");
        }
        c.delete(&item, None).await.expect("delete item");
    }
    assert_eq!(broken(&store).await.as_deref(), Some("items"));
}

#[tokio::test]
async fn window_closed() {
    let (_s, _c, store) = healthy().await;
    let (mut t, v) = task_type(&store).await;
    t.permit_run_start_time = Some("0 0 0 1 1 ? 2098".into());
    t.permit_run_end_time = Some("0 0 1 1 1 ? 2098".into());
    store.put_task_type(&t, Expect::Version(v)).await.expect("future window");
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let d = why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC);
    assert_eq!(d.broken.as_deref(), Some("window"));
    let link = d.links.last().expect("link");
    assert!(link.detail.contains("2098-01-01 00:00:00 UTC"), "the time names its zone: {}", link.detail);
}

/// A start cron without an end: a group that booted before the start fired runs now (until a
/// fetch finds no data), though a group booting now would wait for the next fire. The window is
/// judged from each live group's own boot (its server node's creation), as its timers ran.
#[tokio::test]
async fn a_start_only_window_opened_since_the_group_booted_is_open() {
    let (_s, c, store) = healthy().await;
    let server = format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/server/{UUID}");
    let (_, st) = c.get_data(&server).await.expect("server");
    c.set_data(&server, &c.get_data(&server).await.expect("server").0, None).await.expect("heartbeat");
    // The start fires 2 s after the group booted, once (a year-bound cron), then we look.
    let fire = chrono::DateTime::from_timestamp_millis(st.ctime.div_euclid(1000) * 1000 + 2000).expect("time");
    let cron = fire.format("%S %M %H %d %m ? %Y").to_string();
    let (mut t, v) = task_type(&store).await;
    t.permit_run_start_time = Some(cron.clone());
    t.permit_run_end_time = None;
    store.put_task_type(&t, Expect::Version(v)).await.expect("start only");
    let wait = fire.timestamp_millis() + 1000 - tbdesk_store::now_ms();
    tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
    c.set_data(&server, &c.get_data(&server).await.expect("server").0, None).await.expect("heartbeat");
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    assert!(
        !tbdesk_model::window::Window::new(Some(&cron), None, chrono_tz::Tz::UTC, snap.now_ms).is_open(snap.now_ms),
        "a group booting now waits for a fire that never comes again"
    );
    let d = why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC);
    let window = d.links.iter().find(|l| l.id == "window").expect("window link");
    assert!(window.ok, "{:#?}", d.links);
    assert!(window.detail.contains("until a fetch finds no data"), "{}", window.detail);
}

#[tokio::test]
async fn servers_not_fetching() {
    let (_s, c, store) = healthy().await;
    c.set_data(
        &format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/server/{UUID}"),
        &example("server-registered.json"),
        None,
    )
    .await
    .expect("no fetch yet");
    assert_eq!(broken(&store).await.as_deref(), Some("fetching"));
    let not_fetching = |snap: &tbdesk_model::snapshot::Snapshot| {
        root_findings(snap, None).into_iter().any(|f| f.code == "not_fetching" && f.nodes.iter().any(|t| t == UUID))
    };
    assert!(not_fetching(&store.snapshot(|_| {}).await.expect("snapshot")), "it holds items and never fetched");
    // Holding nothing (more servers than items), a Java group never starts processing
    // (`computerStart` waits for a first item): not fetching is then no finding.
    for i in 0..4 {
        c.set_data(&format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/{i}/cur_server"), b"other", None)
            .await
            .expect("move");
    }
    assert!(!not_fetching(&store.snapshot(|_| {}).await.expect("snapshot")), "a server holding nothing is warned of");
}

/// Java's item reads throw on an item missing a field node (`getData` on no node) or with an
/// `sts` its enum does not know (`valueOf`): its groups never start processing. The chain
/// breaks there, naming the item and the field, before judging owners.
#[tokio::test]
async fn items_java_cannot_read() {
    let (_s, c, store) = healthy().await;
    let item = |i: u32, f: &str| format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/{i}/{f}");
    c.delete(&item(2, "deal_desc"), None).await.expect("drop a field");
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let d = why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC);
    assert_eq!(d.broken.as_deref(), Some("items_readable"), "{:#?}", d.links);
    let link = d.links.iter().find(|l| l.id == "items_readable").expect("link");
    assert!(link.detail.contains("item 2: no deal_desc node"), "{}", link.detail);
    let f = root_findings(&snap, None);
    assert!(
        f.iter().any(|f| f.code == "items_unreadable"
            && f.nodes == ["OrderSync$TEST/taskItem/2"]
            && f.message.contains("no deal_desc node")),
        "{f:#?}"
    );
    // Back, and "fixed" to the enum's usual spelling, which Java's `TaskItemSts` lacks.
    c.create(&item(2, "deal_desc"), b"", &zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all()))
        .await
        .expect("field back");
    c.set_data(&item(3, "sts"), b"ACTIVE", None).await.expect("sts");
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let d = why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC);
    let link = d.links.iter().find(|l| l.id == "items_readable").expect("link");
    assert!(!link.ok && link.detail.contains("item 3: sts \"ACTIVE\""), "{}", link.detail);
    c.set_data(&item(3, "sts"), b"HALT", None).await.expect("sts");
    assert_eq!(broken(&store).await, None);
    // An all-digit id over a Java int beside other numeric ids: the item sort's parseInt
    // throws on the pair, in the groups' read and in the leader's assignment alike.
    let big = format!("{ROOT}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/9999999999");
    let open = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    c.create(&big, b"", &open).await.expect("item");
    for (f, v) in [("cur_server", UUID), ("req_server", ""), ("sts", "ACTIVTE"), ("parameter", ""), ("deal_desc", "")] {
        c.create(&format!("{big}/{f}"), v.as_bytes(), &open).await.expect("field");
    }
    let snap = store.snapshot(|_| {}).await.expect("snapshot");
    let d = why_not_running(&snap, "OrderSync", "TEST", chrono_tz::Tz::UTC);
    let link = d.links.iter().find(|l| l.id == "items_readable").expect("link");
    assert!(!link.ok && link.detail.contains("item 9999999999: a numeric id over Java's int"), "{}", link.detail);
}

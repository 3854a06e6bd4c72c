//! A followed root's states as the page gets them: after the first, only what changed travels
//! (a change in one task type of a large root sends that task type), applied to what the page
//! shows it gives exactly the current state; a server that stops heartbeating turns dead in the
//! live view with no event at all (the fold is due when judge-dead passes). On the installed
//! ZooKeeper (persistent watches) and on 3.4.13 (one-shot watches) when the cache has it.

use std::time::{Duration, Instant};

use tbdesk_api::{Console, Followed};
use tbdesk_model::records::{Server, TaskType};
use tbdesk_model::wire::{SnapshotDelta, SnapshotEvent};
use tbdesk_zkserver::{Options, Version, ZkServer};
use zookeeper_client as zk;

const ROOT: &str = "/delta/root";

#[test]
fn report() {
    tbdesk_tests::report::record(
        "live view",
        "a 16,000-node root followed by the page: one heartbeat, one new task type, one deleted strategy; a server silent past judge-dead with nothing else changing",
        2,
        "each delta carries only the changed parts and applied gives the current state; the silent server turns dead with no event (3.8 persistent and 3.4.13 one-shot watches)",
    );
}

fn decode(bytes: &[u8]) -> SnapshotDelta<'static> {
    serde_json::from_slice(bytes).expect("a delta")
}

/// Waits until the follower published a state newer than `after` that satisfies `ok`.
async fn until(f: &Followed, what: &str, ok: impl Fn(&tbdesk_model::snapshot::Snapshot) -> bool) {
    let t0 = Instant::now();
    while !ok(&f.live.current().snapshot) {
        assert!(t0.elapsed() < Duration::from_secs(30), "the live view never showed {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page's round: ask since what it shows, apply, check against the follower's own state.
fn round(f: &Followed, shown: &mut Option<SnapshotEvent<'static>>) -> SnapshotDelta<'static> {
    let since = shown.as_ref().map(|s| (s.follower, s.generation));
    let delta = decode(&f.delta_json("p", since).expect("delta"));
    let applied = delta.clone().apply(shown.as_ref()).expect("the delta applies to what the page shows");
    let whole: SnapshotEvent<'static> = serde_json::from_slice(&f.current_json("p").expect("whole")).expect("event");
    if whole.generation == applied.generation {
        assert_eq!(applied.snapshot, whole.snapshot, "delta applied = the whole state");
    }
    *shown = Some(applied);
    delta
}

async fn one(version: Option<Version>) {
    let name = version.as_ref().map_or("installed".to_owned(), |v| v.name.clone());
    let server = ZkServer::start_with(Options { version, ..Options::default() }).expect("zk");
    let c = tbdesk_tests::zk::client(&server).await;
    let nodes = tbdesk_tests::zk::build_synthetic_root(&c, ROOT, 100).await;
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let fields = tbdesk_tests::profile_fields("p", &server.connect_string(), ROOT);
    console.profiles().create(&fields, None).await.expect("profile");
    let f = console.follow("p").await.expect("follow");

    let mut shown = None;
    let first = round(&f, &mut shown);
    assert!(first.base.is_none(), "{name}: the first state is whole");
    assert_eq!(first.event.snapshot.task_types.len(), 100, "{name}: {nodes} nodes");

    // One server's heartbeat: only its task type travels.
    let path = format!("{ROOT}/baseTaskType/Task0042/Task0042$dev/server/Task0042$dev$10.0.0.1$S{:031}$0000000001", 1);
    let blob = Server { uuid: Some("beat".into()), version: 7, ..Server::default() }.encode();
    c.set_data(&path, blob.as_bytes(), None).await.expect("heartbeat");
    until(&f, "the heartbeat", |s| {
        s.task_types[42].domains[1].servers[1].server.as_ref().and_then(|d| d.ok()).is_some_and(|x| x.version == 7)
    })
    .await;
    let d = round(&f, &mut shown);
    assert!(d.base.is_some(), "{name}: a delta");
    let sent: Vec<&str> = d.event.snapshot.task_types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(sent, ["Task0042"], "{name}: only the changed task type travels");
    assert!(d.event.snapshot.strategies.is_empty(), "{name}");
    let bytes = f.delta_json("p", None).expect("whole").len();
    let small = serde_json::to_vec(&d).expect("json").len();
    assert!(small * 20 < bytes, "{name}: the delta ({small} B) is a small part of the whole ({bytes} B)");

    // A new task type and a deleted strategy.
    let tt = TaskType { base_task_type: Some("Zeta".into()), ..TaskType::default() };
    c.create(
        &format!("{ROOT}/baseTaskType/Zeta"),
        tt.encode().as_bytes(),
        &zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all()),
    )
    .await
    .expect("create");
    for child in c.list_children(&format!("{ROOT}/strategy/Strategy0007")).await.expect("runtimes") {
        c.delete(&format!("{ROOT}/strategy/Strategy0007/{child}"), None).await.expect("runtime");
    }
    c.delete(&format!("{ROOT}/strategy/Strategy0007"), None).await.expect("strategy");
    until(&f, "the new task type and the deleted strategy", |s| {
        s.task_types.iter().any(|t| t.name == "Zeta") && !s.strategies.iter().any(|x| x.name == "Strategy0007")
    })
    .await;
    let d = round(&f, &mut shown);
    let snap = &shown.as_ref().expect("shown").snapshot;
    assert_eq!((snap.task_types.len(), snap.strategies.len()), (101, 99), "{name}");
    assert!(d.event.snapshot.task_types.iter().all(|t| t.name == "Zeta"), "{name}: only the new task type travels");

    // A page that shows another generation gets the whole state.
    let stale = shown.as_ref().map(|s| (s.follower, s.generation.saturating_sub(1)));
    assert!(decode(&f.delta_json("p", stale).expect("delta")).base.is_none(), "{name}");

    // Time alone: a task type whose one server stops heartbeating. Nothing else changes in the
    // root, yet the live view marks it dead once judge-dead (6 s here) has passed.
    let lone = TaskType {
        base_task_type: Some("Lone".into()),
        heart_beat_rate: 1000,
        judge_dead_interval: 6000,
        ..TaskType::default()
    };
    let open = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    let d = format!("{ROOT}/baseTaskType/Lone");
    c.create(&d, lone.encode().as_bytes(), &open).await.expect("lone");
    c.create(&format!("{d}/Lone"), b"", &open).await.expect("domain");
    c.create(&format!("{d}/Lone/server"), b"", &open).await.expect("servers");
    c.create(&format!("{d}/Lone/server/Lone$10.0.0.9$U$0000000001"), b"{}", &open).await.expect("server");
    until(&f, "the lone server, alive", |s| {
        s.task_types
            .iter()
            .any(|t| t.name == "Lone" && t.domains.first().is_some_and(|d| d.servers.len() == 1 && !d.servers[0].dead))
    })
    .await;
    let t0 = Instant::now();
    until(&f, "the lone server dead", |s| {
        s.task_types
            .iter()
            .any(|t| t.name == "Lone" && t.domains.first().is_some_and(|d| d.servers.first().is_some_and(|x| x.dead)))
    })
    .await;
    assert!(t0.elapsed() < Duration::from_secs(9), "{name}: dead within judge-dead and a bit: {:?}", t0.elapsed());
    let _ = round(&f, &mut shown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_gets_what_changed_and_time_alone_kills_a_server() {
    one(None).await;
    match tbdesk_zkserver::versions().into_iter().find(|v| v.name.starts_with("3.4.")) {
        Some(v) => one(Some(v)).await,
        None => eprintln!("SKIPPED 3.4.13: not in the cache (scripts/setup fetches it)"),
    }
}

//! Opening one profile never waits for another: the followers' map is locked only to find a
//! profile's cell, not across a first read.

use std::time::{Duration, Instant};

use tbdesk_api::Console;
use tbdesk_profiles::ProfileFields;
use tbdesk_zkserver::ZkServer;

fn fields(name: &str, connect: &str) -> ProfileFields {
    tbdesk_tests::profile_fields(name, connect, "/follow/root")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_profile_does_not_hold_up_another() {
    let server = ZkServer::start().expect("zk");
    // A "server" that accepts connections and never answers: following it takes until the
    // client gives up.
    let silent_addr = tbdesk_tests::zk::silent_server().await;
    let dir = tempfile::tempdir().expect("dir");
    let console = std::sync::Arc::new(Console::open(dir.path()).await.expect("console"));
    console.profiles().create(&fields("slow", &silent_addr.to_string()), None).await.expect("slow");
    console.profiles().create(&fields("good", &server.connect_string()), None).await.expect("good");
    console.init_root("good").await.expect("init");
    let slow = {
        let c = console.clone();
        tokio::spawn(async move { c.follow("slow").await.map(|_| ()) })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t0 = Instant::now();
    console.follow("good").await.expect("the good profile follows");
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(2), "the good profile waited {took:?} for the slow one");
    assert!(slow.await.expect("join").is_err(), "the silent server is not followed");
}

/// ZooKeeper's last zxid (every transaction, a session's creation and close included, bumps it).
fn zxid(server: &ZkServer) -> i64 {
    let out = tbdesk_zkserver::four_letter(server.addr(), "srvr", Duration::from_secs(2)).unwrap_or_default();
    out.lines()
        .find_map(|l| l.strip_prefix("Zxid: 0x"))
        .and_then(|h| i64::from_str_radix(h.trim(), 16).ok())
        .unwrap_or(-1)
}

/// Saves, pauses and exports share the profile's one console session: five pauses are five
/// transactions, not five sessions opened and closed around them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_share_one_session_per_profile() {
    let server = ZkServer::start().expect("zk");
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    console.profiles().create(&fields("p", &server.connect_string()), None).await.expect("profile");
    console.init_root("p").await.expect("init");
    let s = tbdesk_model::records::Strategy {
        strategy_name: Some("S".into()),
        ip_list: Some(vec!["10.1.1.1".into()]),
        assign_num: 1,
        kind: Some(tbdesk_model::records::Kind::Schedule),
        task_name: Some("Job$dev1".into()),
        task_parameter: Some(String::new()),
        ..Default::default()
    };
    console.save_strategy("p", &s, tbdesk_store::Expect::Absent).await.expect("strategy");
    let before = zxid(&server);
    for i in 0..5 {
        console.pause_strategy("p", "S", i % 2 == 0).await.expect("pause");
        let _ = console.export("p").await.expect("export");
    }
    assert_eq!(zxid(&server) - before, 5, "one transaction per pause, no session per call");
}

/// A profile deleted and made again under its name on another server by another process (the
/// CLI beside the app): the app's follower of the old settings is not shown for it; following
/// it again reads the new server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_remade_elsewhere_by_another_process_is_not_shown_stale() {
    let (a, b) = (ZkServer::start().expect("zk a"), ZkServer::start().expect("zk b"));
    let dir = tempfile::tempdir().expect("dir");
    let app = Console::open(dir.path()).await.expect("the app's console");
    app.profiles().create(&fields("p", &a.connect_string()), None).await.expect("p on a");
    app.init_root("p").await.expect("init a");
    app.follow("p").await.expect("follow a");
    assert!(app.followed("p").await.is_ok());
    // Another process on the same data directory.
    let cli = Console::open(dir.path()).await.expect("the CLI's console");
    cli.delete_profile("p").await.expect("delete");
    cli.profiles().create(&fields("p", &b.connect_string()), None).await.expect("p on b");
    let stale = app.followed("p").await;
    assert_eq!(stale.err().map(|e| e.code), Some(tbdesk_api::ErrorCode::NotFollowed));
    // b has no root yet: following the new settings shows b's (empty), not a's root.
    let f = app.follow("p").await.expect("follow b");
    assert_eq!(f.live.current().snapshot.nodes, 0, "b holds no root, a did");
    cli.init_root("p").await.expect("init b");
    let t0 = Instant::now();
    while f.live.current().snapshot.nodes == 0 {
        assert!(t0.elapsed() < Duration::from_secs(20), "b's root appears in the follower");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

//! The node limit holds for a followed root growing by its events, not only for a whole read
//! (its own test binary: the limit is the process's `TBDESK_MAX_NODES`).

use std::time::Duration;

use tbdesk_model::wire::LiveStatus;
use tbdesk_store::live::Live;
use tbdesk_store::ConnectOptions;
use tbdesk_zkserver::ZkServer;
use zookeeper_client as zk;

const ROOT: &str = "/limit/root";
const LIMIT: usize = 40;

/// A root of a few nodes, followed, then 200 nodes created one by one: the followed tree stops
/// at the limit and the status says why, rather than growing with every create.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_root_growing_past_the_node_limit_is_refused() {
    // This binary's only test sets it before anything reads the environment.
    std::env::set_var("TBDESK_MAX_NODES", LIMIT.to_string());
    let server = ZkServer::start().expect("zk");
    let c = tbdesk_tests::zk::connector(&server).connect(&server.connect_string()).await.expect("client");
    let open = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    for p in ["/limit", ROOT, &format!("{ROOT}/strategy")] {
        c.create(p, b"", &open).await.expect("create");
    }
    let live = Live::follow(ConnectOptions {
        connect: server.connect_string(),
        root: ROOT.into(),
        session_timeout: Duration::from_secs(10),
        digest: None,
        read_only: true,
        tz: chrono_tz::Tz::UTC,
    })
    .await
    .expect("follow");
    for i in 0..200 {
        c.create(&format!("{ROOT}/strategy/S{i}"), b"{}", &open).await.expect("create");
    }
    let rx = live.subscribe();
    let t0 = std::time::Instant::now();
    loop {
        let (nodes, status) = {
            let s = rx.borrow();
            (s.snapshot.nodes, s.status.clone())
        };
        assert!(nodes <= LIMIT, "the followed tree holds {nodes} nodes, over the limit of {LIMIT}");
        if let LiveStatus::Reconnecting(why) = &status {
            assert!(why.contains(&format!("more than {LIMIT} nodes")), "{why}");
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "never refused: {nodes} nodes, {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(rx.borrow().snapshot.nodes <= LIMIT, "still within the limit");
}

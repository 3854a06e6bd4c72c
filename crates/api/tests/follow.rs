//! Opening one profile never waits for another: the followers' map is locked only to find a
//! profile's cell, not across a first read.

use std::time::{Duration, Instant};

use tbdesk_api::Console;
use tbdesk_profiles::ProfileFields;
use tbdesk_zkserver::ZkServer;

fn fields(name: &str, connect: &str) -> ProfileFields {
    ProfileFields {
        name: name.into(),
        connect: connect.into(),
        root_path: "/follow/root".into(),
        session_timeout_ms: 6000,
        digest_user: None,
        color: "none".into(),
        read_only: false,
        local_server: false,
        zone: "UTC".into(),
    }
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

//! The real app window against a real ZooKeeper.

use tbdesk_tests::{app::AppSession, bins, zk};

/// Walking skeleton: the window lists the root's children and reacts to a click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_lists_root_children_and_selects_one() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    let root = "/e2e/skeleton";
    zk::put(&c, root, b"tbschedule-3.2.12").await;
    for child in ["baseTaskType", "strategy", "factory", "hello-e2e"] {
        zk::put(&c, &format!("{root}/{child}"), b"").await;
    }

    let data = tempfile::tempdir().expect("data dir");
    let profiles = tbdesk_profiles::Profiles::open(&data.path().join("profiles.sqlite")).await.expect("profiles db");
    let fields = tbdesk_profiles::ProfileFields {
        name: "e2e".into(),
        connect: server.connect_string(),
        root_path: root.into(),
        session_timeout_ms: 30_000,
        digest_user: None,
        color: "blue".into(),
        read_only: false,
        local_server: false,
    };
    profiles.create(&fields, None).await.expect("create profile");
    drop(profiles);

    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    assert_eq!(app.wait_text("#title", |t| !t.is_empty()).await, "tbdesk");
    assert_eq!(app.wait_text("#root-path", |t| !t.is_empty()).await, root);
    for child in ["baseTaskType", "strategy", "factory", "hello-e2e"] {
        assert_eq!(app.wait_text(&format!("#node-{child}"), |t| !t.is_empty()).await, child);
    }
    // Nothing selected yet; a click shows the node in the detail pane.
    assert!(app.client.find(fantoccini::Locator::Css("#selected-name")).await.is_err());
    app.click("#node-hello-e2e").await;
    assert_eq!(app.wait_text("#selected-name", |t| t == "hello-e2e").await, "hello-e2e");
    let shot = app.screenshot("skeleton-root").await;
    eprintln!("screenshot: {}", shot.display());
    app.close().await;
}

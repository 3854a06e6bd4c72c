//! The real app window against a real ZooKeeper: overview, live updates, distribution, forms.

use std::time::Duration;

use tbdesk_tests::{app::AppSession, bins, zk};

async fn profile_for(server: &zk::ZkServer, root: &str) -> tempfile::TempDir {
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
    data
}

/// The overview shows the spec tree, follows a change made by another process without a
/// reload, and the distribution picture draws the domain's server and items.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_is_live_and_distribution_is_drawn() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let data = profile_for(&server, zk::SPEC_ROOT).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    assert_eq!(app.wait_text("#title", |t| !t.is_empty()).await, "tbdesk");
    let row = app.wait_text("#strategy-OrderSync-Strategy", |t| !t.is_empty()).await;
    assert!(row.contains("OrderSync (TEST)") && row.contains("127.0.0.1"), "{row}");
    let row = app.wait_text("#task-type-OrderSync", |t| !t.is_empty()).await;
    assert!(row.contains("orderSyncTask") && row.contains("TEST (1, 0)"), "{row}");
    let status = app.wait_text("#status", |t| t.contains("live")).await;
    assert!(status.contains("ZooKeeper 3.8"), "{status}");
    app.screenshot("overview").await;

    // Another process writes: the window follows without a reload.
    let mut extra = String::from_utf8(zk::example("taskType.json")).expect("utf8");
    extra = extra.replace("\"OrderSync\"", "\"Invoices\"");
    zk::put(&c, &format!("{}/baseTaskType/Invoices", zk::SPEC_ROOT), extra.as_bytes()).await;
    let row = app.wait_text("#task-type-Invoices", |t| !t.is_empty()).await;
    assert!(row.contains("orderSyncTask"), "{row}");

    app.click("#task-type-OrderSync button").await;
    app.wait_for("svg.dist g.srv").await;
    app.wait_for("svg.dist g.item[data-item='0']").await;
    // Items 1-3 have no owner in the spec tree: highlighted.
    app.wait_for("svg.dist g.item.orphan[data-item='3']").await;
    let whatif = app.wait_text("#whatif-result", |t| !t.is_empty()).await;
    assert!(whatif.contains("group 1 (leader): 4 item(s) [0,1,2,3]"), "{whatif}");
    app.screenshot("distribution").await;
    app.close().await;
}

/// Invalid input shows its errors at the fields and writes nothing; fixed input saves the
/// spec's exact JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_type_form_validates_then_saves_the_spec_json() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    let root = "/e2e/forms";
    zk::put(&c, root, b"tbschedule-3.2.12").await;
    for d in ["baseTaskType", "strategy", "factory"] {
        zk::put(&c, &format!("{root}/{d}"), b"").await;
    }
    let data = profile_for(&server, root).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.wait_text("#status", |t| t.contains("live")).await;
    app.click("#tab-task-type").await;
    app.wait_for("#task-type-form").await;
    for (id, v) in [
        ("#f-baseTaskType", "OrderSync"),
        ("#f-dealBeanName", "orderSyncTask"),
        ("#f-heartBeatRate", "5000"),
        ("#f-judgeDeadInterval", "20000"),
        ("#f-taskItems", "0:{type=A},1,2,3"),
        ("#f-permitRunStartTime", "0 0 25 * * ?"),
        ("#f-permitRunEndTime", "0 0 5 * * ?"),
    ] {
        app.fill(id, v).await;
    }
    app.fill("#f-taskParameter", &"x".repeat(4097)).await;
    let e = app.wait_text(".field-error[data-field='judgeDeadInterval']", |t| !t.is_empty()).await;
    assert!(e.contains("judge_dead_5x"), "{e}");
    let e = app.wait_text(".field-error[data-field='taskParameter']", |t| !t.is_empty()).await;
    assert!(e.contains("param_4k") && e.contains("4097"), "{e}");
    let e = app.wait_text(".field-error[data-field='permitRunStartTime']", |t| !t.is_empty()).await;
    assert!(e.contains("cron_parse"), "{e}");
    assert_eq!(app.prop("#save", "disabled").await, serde_json::Value::Bool(true));
    // The valid end cron shows its next fire times.
    app.wait_for("#fire-end li").await;
    app.screenshot("task-type-form-errors").await;
    // The disabled button cannot be clicked, and nothing was written.
    let save = app.client.find(fantoccini::Locator::Css("#save")).await.expect("save button");
    assert!(save.click().await.is_err(), "a disabled Save must not be clickable");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(
        c.get_data(&format!("{root}/baseTaskType/OrderSync")).await,
        Err(zookeeper_client::Error::NoNode)
    ));

    app.fill("#f-judgeDeadInterval", "60000").await;
    app.fill("#f-taskParameter", "region=cn-east&batch=1").await;
    app.fill("#f-permitRunStartTime", "0 0 1 * * ?").await;
    for _ in 0..50 {
        if app.prop("#save", "disabled").await == serde_json::Value::Bool(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!app.exists(".field-error").await, "{}", app.body_text().await);
    app.wait_for("#fire-start li").await;
    app.click("#save").await;
    app.wait_text("#saved", |t| t.contains("Saved OrderSync")).await;
    let (bytes, _) = c.get_data(&format!("{root}/baseTaskType/OrderSync")).await.expect("written");
    assert_eq!(bytes, zk::example("taskType.json"), "the node holds the spec's exact JSON");
    app.screenshot("task-type-form-saved").await;
    app.close().await;
}

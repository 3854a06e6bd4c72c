//! The read-only flag and the app's local scheduler: the flag cannot be set under a run whose
//! stop still has to write (its clean-up), and a flag set by another process meanwhile is
//! obeyed at the stop: nothing is removed, and the run's nodes are listed for the next run.

use std::time::{Duration, Instant};

use tbdesk_api::{Console, ErrorCode};
use tbdesk_model::records::TaskType;
use tbdesk_zkserver::ZkServer;

const ROOT: &str = "/ro/root";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_only_flag_guards_the_schedulers_clean_up() {
    let server = ZkServer::start().expect("zk");
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let fields = tbdesk_tests::profile_fields("p", &server.connect_string(), ROOT);
    console.profiles().create(&fields, None).await.expect("profile");
    console.init_root("p").await.expect("init");
    let store = console.open_store("p").await.expect("store");
    let t = TaskType {
        base_task_type: Some("Job".into()),
        heart_beat_rate: 1000,
        judge_dead_interval: 6000,
        sleep_time_no_data: 100,
        fetch_data_number: 50,
        deal_bean_name: Some("bean".into()),
        task_items: Some((0..4).map(|i| i.to_string()).collect()),
        ..TaskType::default()
    };
    let c = store.client();
    c.create(
        &format!("{ROOT}/baseTaskType/Job"),
        t.encode().as_bytes(),
        &zookeeper_client::CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all()),
    )
    .await
    .expect("task type");
    // Without /factory the run's registration fails: the run ends by itself after making its
    // strategy copy, and its clean-up is still to come.
    c.delete(&format!("{ROOT}/factory"), None).await.expect("no factory dir");
    console.start_scheduler("p", "Job", "dev1", None, 1, false).await.expect("start");
    let t0 = Instant::now();
    while console.scheduler_status().await.is_some_and(|v| v.running) {
        assert!(t0.elapsed() < Duration::from_secs(20), "the run never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let copy = format!("{ROOT}/strategy/Job-dev1-tbdesk");
    assert!(c.check_stat(&copy).await.expect("stat").is_some(), "the run made its copy");
    // The app refuses the flag while the stop has writing to do.
    let mut ro = console.profile("p").await.expect("p").fields;
    ro.read_only = true;
    let err = console.update_profile("p", &ro, None).await.expect_err("refused under a run to clean up");
    assert_eq!(err.code, ErrorCode::Busy, "{err:?}");
    // Another process sets it all the same: the stop writes nothing.
    console.profiles().update("p", &ro, None).await.expect("set by another process");
    let err = console.stop_scheduler(true).await.expect_err("a clean-up into a read-only profile");
    assert_eq!(err.code, ErrorCode::ReadOnly, "{err:?}");
    assert!(c.check_stat(&copy).await.expect("stat").is_some(), "the clean-up wrote into a read-only profile");
    assert!(console.scheduler_status().await.is_none(), "the stop ended the run all the same");
    tbdesk_tests::report::record(
        "console writes",
        "a read-only flag set under the app's local scheduler: by the app, then by another process, then the stop",
        2,
        "the app refuses while the stop has a clean-up to do; the stop into a read-only profile removes nothing",
    );
}

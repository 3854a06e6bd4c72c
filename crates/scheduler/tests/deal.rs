//! The external-process deal: protocol, a hung program (timeout) and a crashing one (restart).

use std::time::Duration;

use tbdesk_scheduler::deal::{HeldItem, ProcessDeal, SelectRequest, TaskDeal};

fn req() -> SelectRequest {
    SelectRequest {
        task_parameter: "p".into(),
        own_sign: "dev1".into(),
        task_item_num: 2,
        items: vec![HeldItem { id: "0".into(), parameter: "region=a".into() }],
        fetch_num: 10,
        server: "S".into(),
    }
}

#[tokio::test]
async fn speaks_json_lines_with_the_example_job() {
    let script = tbdesk_tests::paths::repo_root().join("examples/job.py");
    let d = ProcessDeal::new(format!("python3 {}", script.display()), Duration::from_secs(10));
    let tasks = d.select(&req()).await.expect("select");
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0]["id"], "0:1");
    assert_eq!(tasks[0]["parameter"], "region=a");
    assert!(d.execute(&tasks, "dev1", "S").await.expect("execute"));
    assert_eq!(d.restarts(), 1, "one start, no restart");
}

#[tokio::test]
async fn a_hung_program_times_out_and_is_restarted() {
    let d = ProcessDeal::new("sleep 30", Duration::from_millis(300));
    let t0 = std::time::Instant::now();
    let e = d.select(&req()).await.expect_err("must time out");
    assert!(e.0.contains("no answer within"), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(5));
    let _ = d.select(&req()).await;
    assert_eq!(d.restarts(), 2, "the hung program was replaced");
    tbdesk_tests::report::record("faults", "a job program that hangs", 1, "timed out and restarted");
}

#[tokio::test]
async fn a_crashing_program_is_an_error_then_restarted_with_backoff() {
    let d = ProcessDeal::new("read line; exit 3", Duration::from_secs(5));
    let e = d.select(&req()).await.expect_err("crash");
    assert!(e.0.contains("exited"), "{e}");
    let t0 = std::time::Instant::now();
    let _ = d.select(&req()).await;
    assert!(t0.elapsed() >= Duration::from_millis(100), "backoff before the restart");
    assert_eq!(d.restarts(), 2);
    tbdesk_tests::report::record("faults", "a job program that crashes", 1, "an error, then restarted with backoff");
}

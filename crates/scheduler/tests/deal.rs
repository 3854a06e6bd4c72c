//! The external-process deal: protocol, a hung program (timeout) and a crashing one (restart).

use std::time::Duration;

use tbdesk_scheduler::deal::{HeldItem, ProcessDeal, SelectRequest, TaskDeal};

fn req() -> SelectRequest {
    SelectRequest {
        task_parameter: Some("p".into()),
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

/// Processes whose command line holds `marker` (from /proc), so a test can see orphans.
fn processes_with(marker: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else { continue };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        // zombies have an empty cmdline and are not running
        if cmd.contains(marker) {
            out.push(pid);
        }
    }
    out
}

async fn gone(marker: &str) -> Vec<u32> {
    for _ in 0..50 {
        let left = processes_with(marker);
        if left.is_empty() {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    processes_with(marker)
}

/// A job that forks children and hangs: every timeout kills its whole process group, so
/// restarts leave no orphan, and a clean stop leaves no process of the job at all.
#[tokio::test]
async fn a_hung_job_that_forks_leaves_no_process_behind() {
    let marker = format!("{}", 3_000_000 + std::process::id());
    // the children: two sleeps in the background, one in the foreground; none answers
    let cmd = format!("sleep {marker} & sleep {marker} & sleep {marker}");
    let d = ProcessDeal::new(cmd, Duration::from_millis(400));
    for _ in 0..3 {
        let e = d.select(&req()).await.expect_err("hangs");
        assert!(e.0.contains("no answer within"), "{e}");
    }
    assert_eq!(d.restarts(), 3);
    assert_eq!(gone(&marker).await, Vec::<u32>::new(), "every restart killed the job's whole group");
    // a job that answers while its child lives on: a clean stop ends the child too
    let marker2 = format!("{}", 4_000_000 + std::process::id());
    let d = ProcessDeal::new(
        format!("sleep {marker2} & while read l; do echo '{{\"tasks\":[]}}'; done"),
        Duration::from_secs(5),
    );
    assert!(d.select(&req()).await.expect("select").is_empty());
    assert!(processes_with(&marker2).len() >= 2, "the job (sh) and its child run");
    d.shutdown().await;
    assert_eq!(gone(&marker2).await, Vec::<u32>::new(), "a stop leaves no process of the job");
    tbdesk_tests::report::record(
        "job programs",
        "a job that forks and hangs (3 timeouts), and one whose child outlives a select",
        2,
        "process group killed at every restart and at stop: no orphan",
    );
}

/// A job answering with an endless line (no newline): the read stops at the line limit, the
/// call fails and the job is restarted; tbdesk's memory does not follow the job's output.
#[tokio::test]
async fn an_endless_line_is_a_failed_call_not_a_memory_leak() {
    let d = ProcessDeal::new("read l; yes x | tr -d '\\n'", Duration::from_secs(20)).with_line_limit(1 << 20);
    let t0 = std::time::Instant::now();
    let e = d.select(&req()).await.expect_err("too long");
    assert!(e.0.contains("longer than 1048576 bytes"), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(10));
    // the job was replaced: the next call starts a new one
    let _ = d.select(&req()).await;
    assert_eq!(d.restarts(), 2);
    tbdesk_tests::report::record(
        "job programs",
        "a job that prints an endless line without a newline (limit 1 MiB)",
        1,
        "read stopped at the limit, call failed, job restarted",
    );
}

/// A job's stderr reaches the event log line by line, each line cut to a bounded length.
#[tokio::test]
async fn job_stderr_goes_to_the_event_log_bounded() {
    let d = ProcessDeal::new(
        "echo 'starting up' >&2; head -c 100000 /dev/zero | tr '\\0' e >&2; echo >&2; while read l; do echo '{\"tasks\":[]}'; done",
        Duration::from_secs(5),
    );
    assert!(d.select(&req()).await.expect("select").is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines = d.event_log().lines();
    assert!(lines.iter().any(|l| l.ends_with("job: starting up")), "{lines:?}");
    let long = lines.iter().find(|l| l.contains("job: eeee")).expect("the long line");
    assert!(long.len() < 2100, "cut to a bounded length: {}", long.len());
    d.shutdown().await;
}

/// A job answering a select with more rows than one answer may carry (100,000): an error
/// naming the count, not a group holding millions of rows; an answer at the cap is taken.
#[tokio::test]
async fn a_select_answer_past_the_cap_is_an_error() {
    let over = tbdesk_scheduler::deal::MAX_SELECTED + 1;
    let job = |n: usize| {
        format!(
            "while read l; do python3 -c 'import sys; sys.stdout.write(\"{{\\\"tasks\\\":[\" + \",\".join([\"1\"]*{n}) + \"]}}\\n\")'; done"
        )
    };
    let d = ProcessDeal::new(job(over), Duration::from_secs(20));
    let e = d.select(&req()).await.expect_err("too many");
    assert!(e.0.contains(&format!("select answered {over} tasks")), "{e}");
    let d = ProcessDeal::new(job(over - 1), Duration::from_secs(20));
    assert_eq!(d.select(&req()).await.expect("at the cap").len(), over - 1);
    tbdesk_tests::report::record(
        "job programs",
        "a select answered with 100,001 rows, and with 100,000",
        2,
        "refused naming the count; the cap taken",
    );
}

/// One row holding 2.2 million JSON values (a 4.4 MB line, some 180 MB parsed) is refused
/// before it is parsed, and the program restarted; a row of 900,000 values, under the cap, is
/// taken. The process's peak memory stays far below what parsing the refused line would cost.
#[tokio::test]
async fn an_answer_of_too_many_values_is_refused_unparsed() {
    use tbdesk_scheduler::deal::MAX_ANSWER_VALUES;
    let job = |n: usize| {
        format!(
            "while read l; do python3 -c 'import sys; sys.stdout.write(\"{{\\\"tasks\\\":[[\" + \",\".join([\"0\"]*{n}) + \"]]}}\\n\")'; done"
        )
    };
    let peak_kib = || {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
            .unwrap_or(0)
    };
    let before = peak_kib();
    let d = ProcessDeal::new(job(MAX_ANSWER_VALUES + 200_000), Duration::from_secs(30));
    let e = d.select(&req()).await.expect_err("too many values");
    assert!(e.0.contains("refused unparsed"), "{e}");
    let grew = peak_kib().saturating_sub(before);
    assert!(grew < 60 * 1024, "the refused answer took {grew} KiB at its peak");
    let d = ProcessDeal::new(job(900_000), Duration::from_secs(30));
    let tasks = d.select(&req()).await.expect("under the cap");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tbdesk_scheduler::deal::value_count(&tasks[0]), 900_001);
    tbdesk_tests::report::record(
        "job programs",
        "a select answered with one row of 2.2 million values, and one of 900,000",
        2,
        "the first refused before parsing (peak memory under 60 MiB more); the second taken",
    );
}

/// A job that leaves a process of its own session holding its stderr, and exits: each restart
/// used to leave a reader of that pipe behind for ever (a task and a descriptor each).
#[tokio::test]
async fn a_job_whose_stderr_outlives_it_leaves_no_reader_behind() {
    let marker = format!("sleep 86{}", std::process::id() % 1000);
    /// The escaped processes go whatever the outcome.
    struct Pkill(String);
    impl Drop for Pkill {
        fn drop(&mut self) {
            let _ = std::process::Command::new("pkill").args(["-f", &self.0]).status();
        }
    }
    let _pkill = Pkill(marker.clone());
    let d = ProcessDeal::new(format!("read l; setsid {marker} >/dev/null & sleep 0.3; exit 1"), Duration::from_secs(5));
    for _ in 0..4 {
        assert!(d.select(&req()).await.is_err());
    }
    drop(d);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The stderr pipes the escaped processes hold, and which of them this process still reads.
    let link = |p: std::path::PathBuf| std::fs::read_link(p).ok().map(|l| l.to_string_lossy().into_owned());
    let held: Vec<String> = processes_with(&marker)
        .into_iter()
        .filter_map(|pid| link(format!("/proc/{pid}/fd/2").into()))
        .filter(|l| l.starts_with("pipe:"))
        .collect();
    let ours: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .map(|d| d.filter_map(|e| e.ok()).filter_map(|e| link(e.path())).collect())
        .unwrap_or_default();
    assert_eq!(held.len(), 4, "four escaped processes hold a stderr pipe each: {held:?}");
    let still: Vec<&String> = held.iter().filter(|p| ours.contains(p)).collect();
    assert!(still.is_empty(), "still reading the stderr of jobs long gone: {still:?}");
    tbdesk_tests::report::record(
        "job programs",
        "a job that exits leaving a process holding its stderr, restarted four times",
        1,
        "no stderr pipe of a gone job still read (each reader ended a second after its job)",
    );
}

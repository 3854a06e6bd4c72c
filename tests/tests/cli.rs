//! The `tbdesk` binary, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use tbdesk_tests::bins;

fn tbdesk(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    tbdesk_in(None, args, stdin)
}

fn tbdesk_in(data_dir: Option<&std::path::Path>, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut cmd = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"));
    if let Some(d) = data_dir {
        cmd.env("TBDESK_DATA_DIR", d);
    }
    let mut child =
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run tbdesk");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A ZooKeeper holding the spec tree, the session that seeded it (its ephemeral factory lives
/// as long as this session), and a data dir with the profile `name` on it.
async fn spec_profile(name: &str) -> (tbdesk_tests::zk::ZkServer, zookeeper_client::Client, tempfile::TempDir) {
    use tbdesk_tests::zk;
    let server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let dir = tempfile::tempdir().expect("dir");
    let (code, _, err) = tbdesk_in(
        Some(dir.path()),
        &["profile", "add", name, "--connect", &server.connect_string(), "--root", zk::SPEC_ROOT],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    (server, c, dir)
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(tbdesk_tests::paths::spec_dir().join("examples").join(name)).expect("example file")
}

#[test]
fn cron_prints_the_table_line() {
    let (code, out, _) =
        tbdesk(&["cron", "0 0 12 ? * 6#3", "--tz", "UTC", "--from", "2024-01-01T00:00:00Z", "--count", "2"], b"");
    assert_eq!(code, 0);
    assert_eq!(out, "OK\t2024-01-19T12:00:00+00:00\t2024-02-16T12:00:00+00:00\n");
    let (code, out, err) = tbdesk(&["cron", "0 0 12 * *", "--count", "2"], b"");
    assert_eq!((code, out.as_str()), (0, "INVALID\t-\t-\n"));
    assert!(err.contains("Unexpected end of expression"), "{err}");
}

#[test]
fn encode_writes_java_bytes() {
    for (kind, file) in [
        ("task-type", "taskType.json"),
        ("strategy", "strategy.json"),
        ("server", "server.json"),
        ("strategy-runtime", "strategyRuntime.json"),
    ] {
        let blob = example(file);
        let (code, out, err) = tbdesk(&["encode", "--kind", kind], &blob);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.as_bytes(), &blob[..], "{file}");
    }
    let (code, _, err) = tbdesk(&["encode", "--kind", "task-type"], b"reload=true");
    assert_eq!(code, 2);
    assert!(err.contains("not a JSON object"), "{err}");
}

#[test]
fn validate_exits_1_on_errors() {
    let (code, out, _) = tbdesk(&["validate", "--kind", "task-type", "-"], &example("taskType.json"));
    assert_eq!((code, out.as_str()), (0, ""));
    let bad =
        br#"{"baseTaskType":"A","heartBeatRate":5000,"judgeDeadInterval":20000,"dealBeanName":"b","taskItems":["0"]}"#;
    let (code, out, _) = tbdesk(&["validate", "--kind", "task-type", "-"], bad);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().expect("a line")).expect("json line");
    assert_eq!(v["field"], "judgeDeadInterval");
    assert_eq!(v["rule"], "judge_dead_5x");
    assert_eq!(v["severity"], "error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_export_import_diff_headless() {
    use tbdesk_tests::zk;
    let server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let dir = tempfile::tempdir().expect("data dir");
    let d = Some(dir.path());
    let connect = server.connect_string();
    for (name, root) in [("demo", zk::SPEC_ROOT), ("copy", "/copy/root")] {
        let (code, _, err) = tbdesk_in(d, &["profile", "add", name, "--connect", &connect, "--root", root], b"");
        assert_eq!(code, 0, "{err}");
    }
    zk::put_empty_root(&c, "/copy/root").await;
    let (code, out, err) = tbdesk_in(d, &["snapshot", "demo", "--json"], b"");
    assert_eq!(code, 0, "{err}");
    let snap: serde_json::Value = serde_json::from_str(&out).expect("snapshot json");
    assert_eq!(snap["task_types"][0]["name"], "OrderSync");
    assert_eq!(snap["task_types"][0]["domains"][0]["items"].as_array().map(Vec::len), Some(4));
    let (code, out, _) = tbdesk_in(d, &["export", "demo", "--format", "java"], b"");
    assert_eq!(code, 0);
    assert_eq!(out.as_bytes(), &example("config-export.txt")[..], "Java line export is byte-exact");
    let file = dir.path().join("demo.json");
    let (code, _, err) = tbdesk_in(d, &["export", "demo", "-o", file.to_str().expect("path")], b"");
    assert_eq!(code, 0, "{err}");
    // Dry run: a plan, nothing written.
    let (code, out, err) = tbdesk_in(d, &["import", "copy", file.to_str().expect("path"), "--dry-run"], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "create taskType OrderSync\ncreate strategy OrderSync-Strategy\n");
    assert!(matches!(c.get_data("/copy/root/baseTaskType/OrderSync").await, Err(zookeeper_client::Error::NoNode)));
    let (code, _, _) = tbdesk_in(d, &["diff", "copy", "demo"], b"");
    assert_eq!(code, 1, "profiles differ");
    let (code, _, err) = tbdesk_in(d, &["import", "copy", file.to_str().expect("path")], b"");
    assert_eq!(code, 0, "{err}");
    let (bytes, _) = c.get_data("/copy/root/baseTaskType/OrderSync").await.expect("imported");
    assert_eq!(bytes, example("taskType.json"));
    let (code, out, _) = tbdesk_in(d, &["diff", "copy", "demo", "--json"], b"");
    assert_eq!((code, out.as_str()), (0, ""), "no difference after the import");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_runs_an_external_job_in_its_own_domain_and_cleans_up() {
    use tbdesk_tests::zk;
    let server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    let root = "/cli/sched";
    zk::put_empty_root(&c, root).await;
    let job = r#"{"baseTaskType":"Job","heartBeatRate":1000,"judgeDeadInterval":5000,"sleepTimeNoData":200,"sleepTimeInterval":0,"fetchDataNumber":20,"executeNumber":1,"threadNumber":2,"processorType":"SLEEP","expireOwnSignInterval":1.0,"dealBeanName":"job","taskParameter":"","taskKind":"static","taskItems":["0:{region=a}","1"],"maxTaskItemsOfOneThreadGroup":0,"version":0,"sts":"resume"}"#;
    zk::put(&c, &format!("{root}/baseTaskType/Job"), job.as_bytes()).await;
    let dir = tempfile::tempdir().expect("dir");
    let (code, _, err) = tbdesk_in(
        Some(dir.path()),
        &["profile", "add", "p", "--connect", &server.connect_string(), "--root", root],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let log = dir.path().join("job.log");
    let script = tbdesk_tests::paths::repo_root().join("examples/job.py");
    let exec = format!("python3 {}", script.display());
    let out = std::process::Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .env("TBDESK_DATA_DIR", dir.path())
        .env("JOB_LOG", &log)
        .args([
            "scheduler",
            "run",
            "--profile",
            "p",
            "--own-sign",
            "dev1",
            "--task-type",
            "Job",
            "--exec",
            &exec,
            "--seconds",
            "8",
        ])
        .output()
        .expect("run scheduler");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("removed strategy Job-dev1-tbdesk"), "{err}");
    let lines = std::fs::read_to_string(&log).expect("the job wrote its log");
    assert!(lines.lines().count() >= 4, "{lines}");
    assert!(lines.lines().all(|l| l.starts_with("Job$dev1$")), "{lines}");
    let tasks: Vec<&str> = lines.lines().filter_map(|l| l.split('\t').nth(1)).collect();
    assert!(
        tasks.iter().any(|t| t.starts_with("0:")) && tasks.iter().any(|t| t.starts_with("1:")),
        "both items processed"
    );
    // Nothing left behind: no strategy copy, no domain, no factory.
    assert!(c.list_children(&format!("{root}/strategy")).await.expect("list").is_empty());
    assert!(c.list_children(&format!("{root}/factory")).await.expect("list").is_empty());
    assert_eq!(c.list_children(&format!("{root}/baseTaskType/Job")).await.expect("list"), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_why_headless() {
    let (_server, _seeder, dir) = spec_profile("demo").await;
    let d = Some(dir.path());
    let (code, out, err) = tbdesk_in(d, &["health", "demo", "--json"], b"");
    assert_eq!(code, 0, "{err}");
    let h: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(h["summary"], "amber");
    assert_eq!(h["ensemble"][0]["mode"], "standalone");
    assert_eq!(h["negotiated_session_timeout_ms"], 40000, "the default server caps Java's 60 s at 40 s");
    assert!(h["findings"].as_array().expect("findings").iter().any(|f| f["code"] == "items_without_owner"));
    // The server runs on this machine: its clock is this machine's. A clock read from anything
    // but a date (e.g. cons' lresp, elapsed time) shows up here as decades.
    let offset = h["clock_offset_ms"].as_i64().expect("the clock is measured");
    assert!(offset.abs() < 1000, "ZooKeeper on this machine is {offset} ms off");
    assert!(!h["findings"].as_array().expect("findings").iter().any(|f| f["code"] == "clock_skew"), "{h}");
    let (code, out, _) = tbdesk_in(d, &["why", "OrderSync", "--profile", "demo", "--own-sign", "TEST"], b"");
    assert_eq!(code, 1, "not running");
    // The example factory was asked for 2 thread groups and runs 1 (P4): the first broken link.
    assert!(out.contains("FAIL every factory runs the thread groups the strategy leader asked of it"), "{out}");
    assert!(out.contains("runs 1 of 2 in OrderSync-Strategy"), "{out}");
    assert!(out.trim_end().ends_with("OrderSync$TEST is not running: broken at 'groups_started'."), "{out}");
}

/// `tbdesk status`: every profile on one line, a dead one red within its time limit, the exit code
/// by the worst colour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_every_profile_and_exits_by_the_worst() {
    use tbdesk_tests::zk;
    let (_server, _seeder, dir) = spec_profile("demo").await;
    let d = Some(dir.path());
    let add = |name: &str, connect: &str| {
        let (code, _, err) =
            tbdesk_in(d, &["profile", "add", name, "--connect", connect, "--root", zk::SPEC_ROOT], b"");
        assert_eq!(code, 0, "{err}");
    };
    let (code, out, err) = tbdesk_in(d, &["status"], b"");
    // The spec tree has items without a live owner: amber.
    assert_eq!(code, 1, "{out}{err}");
    let line = out.lines().find(|l| l.starts_with("demo")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("amber") && line.contains("strategies   1") && line.contains("task types    1"), "{line}");
    // A profile whose server is gone: red, named, within the limit.
    let gone = zk::silent_server().await;
    add("gone", &gone.to_string());
    let t0 = std::time::Instant::now();
    let (code, out, _) = tbdesk_in(d, &["status", "--timeout", "3", "--json"], b"");
    assert!(t0.elapsed() < std::time::Duration::from_secs(20), "status took {:?}", t0.elapsed());
    assert_eq!(code, 2, "{out}");
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    let gone_row = rows.iter().find(|r| r["profile"] == "gone").expect("gone");
    assert_eq!(gone_row["summary"], "red");
    assert!(gone_row["error"].as_str().is_some_and(|e| !e.is_empty()), "{gone_row}");
    let demo_row = rows.iter().find(|r| r["profile"] == "demo").expect("demo");
    assert_eq!(demo_row["items_without_owner"], 3, "{demo_row}");
    tbdesk_tests::report::record(
        "cli",
        "tbdesk status over a live profile and one whose server never answers",
        2,
        "one line each; the silent one red within its limit; exit code 2 (worst colour)",
    );
}

/// `tbdesk find` over every profile: a bean, an IP, a machine, nothing; a dead profile named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_searches_every_profile() {
    use tbdesk_tests::zk;
    let (_server, _seeder, dir) = spec_profile("demo").await;
    let d = Some(dir.path());
    let (code, out, _) = tbdesk_in(d, &["find", "ORDERSYNCTASK"], b"");
    assert_eq!((code, out.as_str()), (0, "demo\ttask_type\tOrderSync\tdealBeanName=orderSyncTask\n"));
    let (code, out, _) = tbdesk_in(d, &["find", "127.0.0.1"], b"");
    assert_eq!(code, 0);
    assert!(out.contains("demo\tstrategy\tOrderSync-Strategy\tIPList=127.0.0.1"), "{out}");
    let (code, out, _) = tbdesk_in(d, &["find", "10.0.0.11"], b"");
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l.contains("\tfactory\t")) && out.lines().any(|l| l.contains("\tserver\t")), "{out}");
    let (code, out, _) = tbdesk_in(d, &["find", "no-such-thing"], b"");
    assert_eq!((code, out.as_str()), (1, ""));
    let gone = zk::silent_server().await;
    let (code, _, err) =
        tbdesk_in(d, &["profile", "add", "gone", "--connect", &gone.to_string(), "--root", "/x/y"], b"");
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = tbdesk_in(d, &["find", "OrderSync", "--timeout", "3"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("demo\ttask_type\tOrderSync"), "{out}");
    assert!(err.contains("gone: not searched"), "{err}");
    tbdesk_tests::report::record(
        "cli",
        "tbdesk find over every profile (a bean, an IP, a machine, nothing, a silent server)",
        5,
        "hits named by profile, kind and field; nothing → exit 1; the silent profile named, not fatal",
    );
}

/// `tbdesk import` killed at different moments: the root is the old one or the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_killed_midway_leaves_old_or_new() {
    use tbdesk_tests::zk;
    let server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    let dir = tempfile::tempdir().expect("dir");
    // A 300-task-type export file.
    let blob = String::from_utf8(example("taskType.json")).expect("utf8");
    let mut lines = Vec::new();
    for i in 0..300 {
        let name = format!("Job{i:04}");
        let value = blob.replace("\"OrderSync\"", &format!("\"{name}\""));
        lines.push(
            serde_json::json!({"rootPath": "/elsewhere", "configType": "baseTaskType", "name": name, "value": value})
                .to_string(),
        );
    }
    let file = dir.path().join("big.txt");
    std::fs::write(&file, lines.join("\n")).expect("write");
    let mut outcomes = Vec::new();
    for round in 0..6u64 {
        let root = format!("/kill/r{round}");
        zk::put_empty_root(&c, &root).await;
        let name = format!("p{round}");
        let (code, _, err) = tbdesk_in(
            Some(dir.path()),
            &["profile", "add", &name, "--connect", &server.connect_string(), "--root", &root],
            b"",
        );
        assert_eq!(code, 0, "{err}");
        let mut child = std::process::Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
            .env("TBDESK_DATA_DIR", dir.path())
            .args(["import", &name, file.to_str().expect("path")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        tokio::time::sleep(std::time::Duration::from_millis(20 + round * 40)).await;
        let _ = child.kill();
        let _ = child.wait();
        let n = c.list_children(&format!("{root}/baseTaskType")).await.expect("list").len();
        assert!(n == 0 || n == 300, "round {round}: {n} of 300 task types");
        outcomes.push(n);
    }
    eprintln!("imports killed after 20..220 ms: {outcomes:?}");
    let landed = outcomes.iter().filter(|n| **n == 300).count();
    tbdesk_tests::report::record(
        "faults",
        "tbdesk killed during a 300-object import",
        outcomes.len(),
        &format!("{landed} landed whole, {} not at all, 0 partial", outcomes.len() - landed),
    );
}

/// Odd command-line input: an expression that starts with '-' is an expression, not a flag; a
/// huge --count is refused at the flag instead of allocating without bound; a bogus zone is
/// named.
#[test]
fn cron_flags_take_hostile_values() {
    let (code, out, err) =
        tbdesk(&["cron", "-1 0 12 * * ?", "--tz", "UTC", "--from", "2024-01-01T00:00:00Z", "--count", "1"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(!out.is_empty() && !err.contains("unexpected argument"), "{out} {err}");
    let (code, _, err) = tbdesk(&["cron", "0 0 12 * * ?", "--count", "100000000000"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("--count"), "{err}");
    let (code, _, err) = tbdesk(&["cron", "0 0 12 * * ?", "--tz", "Bogus/Zone"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("Bogus/Zone"), "{err}");
    let (code, out, _) = tbdesk(&["cron", "0/2147483647 * * * * ?", "--tz", "UTC", "--count", "2"], b"");
    assert!(code == 0 || code == 1, "a step of Integer.MAX_VALUE never panics: {out}");
    tbdesk_tests::report::record(
        "bad input",
        "tbdesk cron '-1 0 12 * * ?', --count 100000000000, --tz Bogus/Zone, a step of 2147483647",
        4,
        "read as an expression; refused at the flag; zone named; no panic",
    );
}

/// A server that completes the session handshake and then answers a byte at a time (each
/// byte keeps the session alive, no reply ever completes) holds no command for ever: the
/// total deadline ends it, naming the flag.
#[test]
fn a_server_that_trickles_holds_no_command_for_ever() {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().take(8) {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || -> std::io::Result<()> {
                let mut len = [0u8; 4];
                s.read_exact(&mut len)?;
                let mut req = vec![0u8; u32::from_be_bytes(len).min(4096) as usize];
                s.read_exact(&mut req)?;
                // ConnectResponse: protocol 0, timeout 10 s, a session id, a 16-byte password,
                // not read-only; then a frame of 100,000 bytes that never ends.
                let mut body = Vec::new();
                body.extend_from_slice(&0i32.to_be_bytes());
                body.extend_from_slice(&10_000i32.to_be_bytes());
                body.extend_from_slice(&0x1234_5678i64.to_be_bytes());
                body.extend_from_slice(&16i32.to_be_bytes());
                body.extend_from_slice(&[0u8; 17]);
                s.write_all(&(body.len() as i32).to_be_bytes())?;
                s.write_all(&body)?;
                s.write_all(&100_000i32.to_be_bytes())?;
                loop {
                    s.write_all(&[0])?;
                    std::thread::sleep(Duration::from_millis(500));
                }
            });
        }
    });
    let dir = tempfile::tempdir().expect("dir");
    let d = Some(dir.path());
    let connect = format!("127.0.0.1:{port}");
    let (code, _, err) = tbdesk_in(d, &["profile", "add", "t", "--connect", &connect, "--root", "/x"], b"");
    assert_eq!(code, 0, "{err}");
    for args in [
        &["ls", "t", "--deadline", "3"][..],
        &["snapshot", "t", "--deadline", "3"],
        &["health", "t", "--deadline", "3"],
    ] {
        let t0 = std::time::Instant::now();
        let (code, _, err) = tbdesk_in(d, args, b"");
        assert!(t0.elapsed() < Duration::from_secs(20), "{args:?} took {:?}", t0.elapsed());
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains("--deadline"), "{args:?}: {err}");
    }
    tbdesk_tests::report::record(
        "faults",
        "a server that completes the handshake, then sends one byte every 0.5 s (ls, snapshot, health)",
        3,
        "each ends at its --deadline (3 s), naming the flag; before, ls waited for ever",
    );
}

/// A deal timeout of 0 would time every deal call out and restart the job program forever:
/// refused at the flag, before any profile or server is touched (there is none here).
#[test]
fn scheduler_flags_are_checked_before_anything_is_touched() {
    let dir = tempfile::tempdir().expect("dir");
    for t in ["0", "86401", "18446744073709551615"] {
        let args = [
            "scheduler",
            "run",
            "--profile",
            "nowhere",
            "--own-sign",
            "dev1",
            "--task-type",
            "Job",
            "--deal-timeout",
            t,
        ];
        let (code, _, err) = tbdesk_in(Some(dir.path()), &args, b"");
        assert_ne!(code, 0, "--deal-timeout {t} accepted");
        assert!(err.contains("--deal-timeout"), "{t}: {err}");
    }
    tbdesk_tests::report::record(
        "bad input",
        "tbdesk scheduler run --deal-timeout 0, 86401, 2^64-1",
        3,
        "refused at the flag before any profile or server is touched",
    );
}

/// "Why not running?" from the command line judges the run window in the profile's zone (the
/// process in New York, the profile's Java schedulers in Shanghai), and `--tz` overrides it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why_judges_the_window_in_the_profiles_zone() {
    use chrono::Timelike;
    use tbdesk_tests::zk;
    let server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let root = zk::SPEC_ROOT;
    // The example made healthy: its factory runs the one group asked of it, items owned.
    let uuid = "OrderSync$TEST$10.0.0.11$8C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F$0000000003";
    let factory = "10.0.0.11$app-01$5F0E3C9A8B7D4E21A3C6B9D8E7F60123$0000000001";
    let mut rt = tbdesk_model::records::StrategyRuntime::decode(&zk::example("strategyRuntime.json")).expect("rt");
    rt.request_num = 1;
    c.set_data(&format!("{root}/strategy/OrderSync-Strategy/{factory}"), rt.encode().as_bytes(), None)
        .await
        .expect("requestNum");
    for i in 1..4 {
        c.set_data(
            &format!("{root}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/{i}/cur_server"),
            uuid.as_bytes(),
            None,
        )
        .await
        .expect("owner");
    }
    // A window open now in Shanghai (from an hour ago for three hours), closed in New York.
    let sh = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).hour();
    let mut t = tbdesk_model::records::TaskType::decode(&zk::example("taskType.json")).expect("tt");
    t.permit_run_start_time = Some(format!("0 0 {} * * ?", (sh + 23) % 24));
    t.permit_run_end_time = Some(format!("0 0 {} * * ?", (sh + 2) % 24));
    c.set_data(&format!("{root}/baseTaskType/OrderSync"), t.encode().as_bytes(), None).await.expect("window");
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        let out = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
            .env("TBDESK_DATA_DIR", dir.path())
            .env("TZ", "America/New_York")
            .args(args)
            .output()
            .expect("tbdesk");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, _) = run(&[
        "profile",
        "add",
        "sh",
        "--connect",
        &server.connect_string(),
        "--root",
        root,
        "--zone",
        "Asia/Shanghai",
    ]);
    assert_eq!(code, 0);
    let (_, out) = run(&["why", "OrderSync", "--profile", "sh", "--own-sign", "TEST"]);
    let window = out.lines().find(|l| l.contains("the cron run window is open now")).unwrap_or_default().to_owned();
    assert!(window.starts_with("ok") && window.contains("Asia/Shanghai"), "in the profile's zone: {out}");
    let (code, out) = run(&["why", "OrderSync", "--profile", "sh", "--own-sign", "TEST", "--tz", "America/New_York"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.trim_end().ends_with("broken at 'window'."), "in New York the window is closed: {out}");
    tbdesk_tests::report::record(
        "time zones",
        "tbdesk why under TZ=America/New_York, profile in Asia/Shanghai, a window open only in Shanghai",
        2,
        "open by the profile's zone (named in the detail); closed with --tz America/New_York",
    );
}

/// `tbdesk history`, `revert` and `node`: an import through the CLI is journaled with its
/// fields, a revert after another client's change is refused (exit 1) naming before, after and
/// now, and writes nothing; `--overwrite` writes back; `node` shows a node's JSON and ACL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_revert_and_node_from_the_command_line() {
    let (_server, c, dir) = spec_profile("spec").await;
    let d = Some(dir.path());
    let path = format!("{}/strategy/OrderSync-Strategy", tbdesk_tests::zk::SPEC_ROOT);
    let (code, out, err) = tbdesk_in(d, &["export", "spec", "--format", "json"], b"");
    assert_eq!(code, 0, "{err}");
    let edited = out.replace("\"assignNum\": 2", "\"assignNum\": 5");
    assert_ne!(edited, out, "the export names assignNum 2: {out}");
    let file = dir.path().join("edited.json");
    std::fs::write(&file, &edited).expect("write");
    let (code, _, err) = tbdesk_in(d, &["import", "spec", file.to_str().expect("path")], b"");
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = tbdesk_in(d, &["history", "spec", "strategy OrderSync-Strategy"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("#1 ") && out.contains(" import applied"), "{out}");
    assert!(out.contains("strategy OrderSync-Strategy: v0 -> v1") && out.contains("assignNum: 2 -> 5"), "{out}");

    // Someone else changes it: the revert is refused with the three versions.
    let (blob, stat) = c.get_data(&path).await.expect("strategy");
    let theirs = String::from_utf8(blob).expect("utf8").replace("\"assignNum\":5", "\"assignNum\":7");
    c.set_data(&path, theirs.as_bytes(), Some(stat.version)).await.expect("their write");
    let (code, out, err) = tbdesk_in(d, &["revert", "spec", "1"], b"");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("changed since #1")
            && out.contains("before v0")
            && out.contains("after  v1")
            && out.contains("now    v2"),
        "{out}"
    );
    assert!(err.contains("refused"), "{err}");
    assert_eq!(c.get_data(&path).await.expect("node").0, theirs.as_bytes(), "nothing written");
    let (code, out, err) = tbdesk_in(d, &["revert", "spec", "1", "--overwrite", "--dry-run"], b"");
    assert_eq!((code, out.contains("would write back")), (0, true), "{out}{err}");
    assert_eq!(c.get_data(&path).await.expect("node").0, theirs.as_bytes(), "a dry run writes nothing");
    let (code, out, err) = tbdesk_in(d, &["revert", "spec", "1", "--overwrite"], b"");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote back") && out.contains("recorded as #2"), "{out}");
    assert_eq!(c.get_data(&path).await.expect("node").0, example("strategy.json"), "the spec's bytes again");
    let (_, out, _) = tbdesk_in(d, &["history", "spec"], b"");
    assert!(out.starts_with("#2 ") && out.contains("revert (reverts #1) applied"), "{out}");

    let (code, out, err) = tbdesk_in(d, &["node", "spec", "strategy/OrderSync-Strategy"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("data (JSON):") && out.contains("\"assignNum\": 2"), "{out}");
    assert!(out.contains("ACL: anyone may read, write, create, delete, admin"), "{out}");
    let (code, _, err) = tbdesk_in(d, &["node", "spec", "/elsewhere"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("not under this profile's root"), "{err}");

    // Times are shown in the profile's zone, named (as the window shows them), not this machine's.
    let conn = _server.connect_string();
    let args =
        ["profile", "add", "kol", "--connect", &conn, "--root", tbdesk_tests::zk::SPEC_ROOT, "--zone", "Asia/Kolkata"];
    let (code, _, err) = tbdesk_in(d, &args, b"");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = tbdesk_in(d, &["import", "kol", file.to_str().expect("path")], b"");
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = tbdesk_in(d, &["history", "kol"], b"");
    let first = out.lines().next().unwrap_or_default();
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Kolkata);
    let shown =
        first.split(' ').nth(1).unwrap_or_default().to_owned() + " " + first.split(' ').nth(2).unwrap_or_default();
    let t = chrono::NaiveDateTime::parse_from_str(&shown, "%Y-%m-%d %H:%M:%S").expect(&out);
    assert!((now.naive_local() - t).num_seconds().abs() < 120, "{first} vs {now}");
    assert!(first.contains(" Asia/Kolkata "), "{first}");
}

/// `tbdesk delete` and `tbdesk factory`, the Java console's deletes and switch, as a user
/// meets them: a task type a strategy points at, a strategy a factory is registered under and a
/// task type a thread group is registered in are refused, naming who holds them, with nothing
/// deleted; a stale `--version` deletes nothing; a read-only profile writes nothing; once
/// nothing runs, the deletes take the definition with its whole subtree, are recorded, and a
/// revert writes the definition back. The factory switch writes Java's `false` / `true`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_and_the_factory_switch_touch_nothing_a_runtime_holds() {
    use tbdesk_tests::zk::SPEC_ROOT;
    let (server, c, dir) = spec_profile("spec").await;
    let d = Some(dir.path());
    let tt = format!("{SPEC_ROOT}/baseTaskType/OrderSync");
    let st = format!("{SPEC_ROOT}/strategy/OrderSync-Strategy");
    let factory = "10.0.0.11$app-01$5F0E3C9A8B7D4E21A3C6B9D8E7F60123$0000000001";
    let exists = |p: String| {
        let c = &c;
        async move { c.check_stat(&p).await.expect("stat").is_some() }
    };

    let (code, _, err) = tbdesk_in(d, &["delete", "task-type", "spec", "OrderSync"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("used by strategy OrderSync-Strategy") && err.contains("nothing was deleted"), "{err}");
    // A strategy tbdesk cannot read may point at it too: refused, naming it.
    let broken = format!("{SPEC_ROOT}/strategy/Broken");
    let open = zookeeper_client::CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all());
    c.create(&broken, b"{'taskName':'OrderSync$X'", &open).await.expect("an unreadable strategy");
    let (code, _, err) = tbdesk_in(d, &["delete", "task-type", "spec", "OrderSync"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("strategy/Broken cannot be read") && err.contains("nothing was deleted"), "{err}");
    c.delete(&broken, None).await.expect("gone again");
    let (code, _, err) = tbdesk_in(d, &["delete", "strategy", "spec", "OrderSync-Strategy"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("registered factories") && err.contains(factory), "{err}");
    assert!(exists(tt.clone()).await && exists(st.clone()).await, "nothing deleted");

    // The factory switch, as the Java console writes it.
    let fpath = format!("{SPEC_ROOT}/factory/{factory}");
    let (code, out, err) = tbdesk_in(d, &["factory", "spec", factory, "stop"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("stopped"), "{out}");
    assert_eq!(c.get_data(&fpath).await.expect("factory").0, b"false");
    let (code, _, err) = tbdesk_in(d, &["factory", "spec", factory, "start"], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(c.get_data(&fpath).await.expect("factory").0, b"true");
    let (code, _, _) = tbdesk_in(d, &["factory", "spec", factory, "pause"], b"");
    assert_ne!(code, 0, "only start or stop");
    let (code, _, err) = tbdesk_in(d, &["factory", "spec", "no-such-factory", "stop"], b"");
    assert_ne!(code, 0);
    assert!(c.check_stat(&format!("{SPEC_ROOT}/factory/no-such-factory")).await.expect("stat").is_none(), "{err}");

    // The Java factory ends (its session closes): its ephemeral nodes go, its server stays.
    drop(c);
    let c = tbdesk_tests::zk::client(&server).await;
    let t0 = std::time::Instant::now();
    while c.check_stat(&format!("{st}/{factory}")).await.expect("stat").is_some() {
        assert!(t0.elapsed() < Duration::from_secs(30), "the factory's session did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let v = c.check_stat(&st).await.expect("stat").expect("strategy").version;
    let stale = (v + 1).to_string();
    let (code, _, err) = tbdesk_in(d, &["delete", "strategy", "spec", "OrderSync-Strategy", "--version", &stale], b"");
    assert_ne!(code, 0, "a stale version deletes nothing");
    assert!(c.check_stat(&st).await.expect("stat").is_some(), "{err}");
    let ro = ["profile", "add", "ro", "--connect", &server.connect_string(), "--root", SPEC_ROOT, "--read-only"];
    assert_eq!(tbdesk_in(d, &ro, b"").0, 0);
    let (code, _, err) = tbdesk_in(d, &["delete", "strategy", "ro", "OrderSync-Strategy"], b"");
    assert_ne!(code, 0);
    assert!(err.to_lowercase().contains("read-only"), "{err}");
    assert!(c.check_stat(&st).await.expect("stat").is_some());
    let (code, out, err) = tbdesk_in(d, &["delete", "strategy", "spec", "OrderSync-Strategy"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("deleted strategy OrderSync-Strategy"), "{out}");
    assert!(c.check_stat(&st).await.expect("stat").is_none());

    // The dead JVM's server node still holds the task type.
    let servers = format!("{tt}/OrderSync$TEST/server");
    let (code, _, err) = tbdesk_in(d, &["delete", "task-type", "spec", "OrderSync"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("registered thread groups") && err.contains("Health's fix"), "{err}");
    for s in c.list_children(&servers).await.expect("servers") {
        c.delete(&format!("{servers}/{s}"), None).await.expect("the dead server removed");
    }
    let (code, out, err) = tbdesk_in(d, &["delete", "task-type", "spec", "OrderSync"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("deleted task type OrderSync"), "{out}");
    assert!(c.check_stat(&tt).await.expect("stat").is_none(), "the definition and its domains are gone");

    // Recorded, and a revert writes the definition back (its domains are the runtime's to make).
    let (_, out, _) = tbdesk_in(d, &["history", "spec"], b"");
    assert!(out.contains("delete_task_type applied") && out.contains("delete_strategy applied"), "{out}");
    let entry = out.lines().next().and_then(|l| l.strip_prefix('#')?.split(' ').next()).expect("entry").to_owned();
    let (code, out, err) = tbdesk_in(d, &["revert", "spec", &entry], b"");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(c.get_data(&tt).await.expect("task type back").0, example("taskType.json"));
    assert!(c.list_children(&tt).await.expect("children").is_empty());
}

/// `tbdesk pause` / `resume` with a filter: the chosen strategies change in one multi (one
/// journal entry naming them all), the others stay; a dry run writes nothing; resume undoes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_pause_and_resume_by_filter() {
    let (_server, c, dir) = spec_profile("spec").await;
    let d = Some(dir.path());
    let root = tbdesk_tests::zk::SPEC_ROOT;
    let (blob, _) = c.get_data(&format!("{root}/strategy/OrderSync-Strategy")).await.expect("strategy");
    for name in ["Billing-A", "Billing-B"] {
        let copy = String::from_utf8(blob.clone()).expect("utf8").replace("OrderSync-Strategy", name);
        tbdesk_tests::zk::put(&c, &format!("{root}/strategy/{name}"), copy.as_bytes()).await;
    }
    let sts = |c: zookeeper_client::Client, name: &'static str| async move {
        let (b, s) = c.get_data(&format!("{root}/strategy/{name}")).await.expect("strategy");
        let v = tbdesk_model::records::Strategy::decode(&b).expect("decode");
        (v.sts.unwrap_or_default(), s.version)
    };
    let (code, out, err) = tbdesk_in(d, &["pause", "spec", "billing", "--dry-run"], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Billing-A\twould be paused\nBilling-B\twould be paused\n");
    assert_eq!(sts(c.clone(), "Billing-A").await, ("resume".to_owned(), 0), "a dry run writes nothing");
    let (code, out, err) = tbdesk_in(d, &["pause", "spec", "billing"], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Billing-A\tpaused\nBilling-B\tpaused\n");
    assert_eq!(sts(c.clone(), "Billing-A").await, ("pause".to_owned(), 1));
    assert_eq!(sts(c.clone(), "Billing-B").await, ("pause".to_owned(), 1));
    assert_eq!(sts(c.clone(), "OrderSync-Strategy").await.0, "resume", "not chosen, not touched");
    let (_, out, _) = tbdesk_in(d, &["history", "spec"], b"");
    assert!(out.starts_with("#1 ") && out.contains("pause_strategies applied"), "{out}");
    assert!(
        out.contains("strategy Billing-A: v0 -> v1") && out.contains("strategy Billing-B: v0 -> v1"),
        "one entry, both: {out}"
    );
    // Own sign: every strategy here runs OrderSync$TEST; none runs in BASE.
    let (code, _, err) = tbdesk_in(d, &["pause", "spec", "--own-sign", "BASE"], b"");
    assert_eq!(code, 1, "{err}");
    let (code, out, _) = tbdesk_in(d, &["pause", "spec", "--own-sign", "TEST"], b"");
    assert_eq!(
        (code, out.as_str()),
        (0, "Billing-A\talready paused\nBilling-B\talready paused\nOrderSync-Strategy\tpaused\n")
    );
    let (code, out, _) = tbdesk_in(d, &["resume", "spec"], b"");
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(sts(c.clone(), "Billing-B").await, ("resume".to_owned(), 2));
    let (code, _, err) = tbdesk_in(d, &["pause", "spec", "nothing-like-this"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("no strategy matches"), "{err}");
}

/// Promotion between two profiles: the plan first (nothing written), a production target's
/// lock, the copy with the own sign chosen, the target's history, and nothing more to do after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_a_task_type_with_its_strategy_into_production() {
    use tbdesk_tests::zk;
    let (server, c, dir) = spec_profile("dev").await;
    let d = Some(dir.path());
    let (code, _, err) = tbdesk_in(
        d,
        &[
            "profile",
            "add",
            "prod",
            "--connect",
            &server.connect_string(),
            "--root",
            "/prod/root",
            "--color",
            "production",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    zk::put_empty_root(&c, "/prod/root").await;
    let absent = |c: zookeeper_client::Client, p: &'static str| async move {
        matches!(c.get_data(p).await, Err(zookeeper_client::Error::NoNode))
    };
    let (code, out, err) =
        tbdesk_in(d, &["promote", "--from", "dev", "--to", "prod", "order", "--own-sign", "BASE", "--dry-run"], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "create taskType OrderSync\ncreate strategy OrderSync-Strategy\n");
    assert!(absent(c.clone(), "/prod/root/baseTaskType/OrderSync").await, "a dry run writes nothing");
    // Production: locked until unlocked with its name.
    let (code, _, err) =
        tbdesk_in(d, &["promote", "--from", "dev", "--to", "prod", "order", "--own-sign", "BASE"], b"");
    assert_eq!(code, 2, "an error");
    assert!(err.contains("production profile") && err.contains("locked"), "{err}");
    assert!(absent(c.clone(), "/prod/root/strategy/OrderSync-Strategy").await);
    // The scheduler writes too: refused there as well, before connecting.
    let (code, _, err) =
        tbdesk_in(d, &["scheduler", "run", "--profile", "prod", "--own-sign", "ME", "--task-type", "OrderSync"], b"");
    assert_eq!(code, 2, "an error");
    assert!(err.contains("locked"), "{err}");
    let (code, _, err) = tbdesk_in(
        d,
        &["--unlock", "prod", "promote", "--from", "dev", "--to", "prod", "order", "--own-sign", "BASE"],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let (t, _) = c.get_data("/prod/root/baseTaskType/OrderSync").await.expect("promoted task type");
    assert_eq!(t, example("taskType.json"), "the task type travels byte for byte");
    let (s, _) = c.get_data("/prod/root/strategy/OrderSync-Strategy").await.expect("promoted strategy");
    let s = tbdesk_model::records::Strategy::decode(&s).expect("decode");
    assert_eq!(s.task_name.as_deref(), Some("OrderSync"), "pointed at the shared domain, was OrderSync$TEST");
    let (_, out, _) = tbdesk_in(d, &["history", "prod"], b"");
    assert!(out.lines().next().is_some_and(|l| l.contains("promote from dev applied")), "{out}");
    // Done: the same promotion plans nothing; a filter that chooses nothing is an error.
    let (code, out, _) =
        tbdesk_in(d, &["promote", "--from", "dev", "--to", "prod", "order", "--own-sign", "BASE", "--dry-run"], b"");
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, _, err) =
        tbdesk_in(d, &["promote", "--from", "dev", "--to", "prod", "nothing-like-it", "--dry-run"], b"");
    assert_eq!(code, 2, "an error");
    assert!(err.contains("filter: no task type or strategy"), "{err}");
    let (code, _, err) = tbdesk_in(d, &["promote", "--from", "dev", "--to", "dev", "--dry-run"], b"");
    assert_eq!(code, 2, "an error");
    assert!(err.contains("to:"), "{err}");
    // The lock is the root's, however the copy spells it: servers in another order, the path
    // split between chroot and root.
    let (host, port) =
        server.connect_string().rsplit_once(':').map(|(h, p)| (h.to_owned(), p.to_owned())).expect("addr");
    let spelled = format!("{},{host}:{port}/prod", "192.0.2.1:2181");
    let (code, _, err) = tbdesk_in(d, &["profile", "add", "copy", "--connect", &spelled, "--root", "/root"], b"");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = tbdesk_in(d, &["pause", "copy", "OrderSync-Strategy"], b"");
    assert_eq!(code, 2, "the copy is locked too: {err}");
    assert!(err.contains("production profile"), "{err}");
    // Deleting the production profile (which would lift the lock) needs the unlock too.
    let (code, _, err) = tbdesk_in(d, &["profile", "delete", "prod"], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("before deleting it"), "{err}");
    let (code, _, err) = tbdesk_in(d, &["--unlock", "prod", "profile", "delete", "prod"], b"");
    assert_eq!(code, 0, "{err}");
}

/// `tbdesk watch`: the first look learns, then a root turning red, a task type that stops
/// running and a dead server are each said once; Ctrl-C stops it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_says_each_alert_once() {
    use std::io::{BufRead, BufReader};
    use tbdesk_tests::zk;
    let server = zk::ZkServer::start().expect("zk");
    let c = zk::client(&server).await;
    let root = "/w/root";
    zk::put_empty_root(&c, root).await;
    let def = String::from_utf8(zk::example("taskType.json"))
        .expect("utf8")
        .replace("\"OrderSync\"", "\"Job\"")
        .replace("\"heartBeatRate\":5000", "\"heartBeatRate\":500")
        .replace("\"judgeDeadInterval\":60000", "\"judgeDeadInterval\":5000");
    zk::put(&c, &format!("{root}/baseTaskType/Job"), def.as_bytes()).await;
    let server_node = format!("{root}/baseTaskType/Job/Job$DEV/server/Job$DEV$127.0.0.1$S1$0000000001");
    zk::put(&c, &server_node, &zk::example("server.json")).await;
    let dir = tempfile::tempdir().expect("dir");
    let d = Some(dir.path());
    for (name, r) in [("w", root), ("other", "/elsewhere")] {
        let (code, _, err) =
            tbdesk_in(d, &["profile", "add", name, "--connect", &server.connect_string(), "--root", r], b"");
        assert_eq!(code, 0, "{err}");
    }
    let mut child = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .env("TBDESK_DATA_DIR", dir.path())
        .args(["watch", "w", "--interval", "1", "--seconds", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tbdesk watch");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let out = child.stdout.take().expect("stdout");
    let err = child.stderr.take().expect("stderr");
    let tx2 = tx.clone();
    std::thread::spawn(move || BufReader::new(out).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    std::thread::spawn(move || BufReader::new(err).lines().map_while(Result::ok).for_each(|l| drop(tx2.send(l))));
    // Heartbeats until the first look is taken.
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !lines.iter().any(|l: &String| l.starts_with("watching w: ")) {
        assert!(std::time::Instant::now() < deadline, "no first look: {lines:?}");
        c.set_data(&server_node, &zk::example("server.json"), None).await.expect("heartbeat");
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(300)) {
            lines.push(l);
        }
    }
    assert!(!lines.iter().any(|l| l.starts_with("ALERT")), "the first look only learns: {lines:?}");
    assert!(!lines.iter().any(|l| l.contains("other")), "only the named profile is watched: {lines:?}");
    // A batch pause asks for a reminder to resume (a "minute" of 1 s here): the watch says it
    // once, when due. A reminder that no week holds is refused before anything is paused.
    zk::put(&c, &format!("{root}/strategy/Job-Strategy"), &zk::example("strategy.json")).await;
    let (code, _, err) = tbdesk_in(d, &["pause", "w", "Job-Strategy", "--remind-in", "10081"], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("remind in: between 1 and 10080 minutes"), "{err}");
    let strategy_bytes = c.get_data(&format!("{root}/strategy/Job-Strategy")).await.expect("strategy").0;
    assert_eq!(strategy_bytes, zk::example("strategy.json"), "refused: nothing paused");
    let out = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .env("TBDESK_DATA_DIR", dir.path())
        .env("TBDESK_MINUTE_MS", "1000")
        .args(["pause", "w", "Job-Strategy", "--remind-in", "2"])
        .output()
        .expect("pause");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reminder to resume them is due in 2 min"));
    // The marker a 3.3 runtime refuses: red. The server's heartbeat stops: it dies.
    c.set_data(root, b"tbschedule-3.4.0", None).await.expect("marker");
    let want = [
        "ALERT\tw\tred\tw turned red",
        "ALERT\tw\tstopped:Job\t",
        "ALERT\tw\tdead:Job$DEV/Job$DEV$127.0.0.1$S1$0000000001\t",
        "ALERT\tw\treminder\tw: resume the paused strategies?\tYou paused the strategies matching \"Job-Strategy\"",
    ];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !want.iter().all(|w| lines.iter().any(|l| l.starts_with(w))) {
        assert!(std::time::Instant::now() < deadline, "alerts missing: {lines:?}");
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(300)) {
            lines.push(l);
        }
    }
    // Three more looks: nothing is said again.
    let quiet_until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while std::time::Instant::now() < quiet_until {
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            lines.push(l);
        }
    }
    for w in want {
        assert_eq!(lines.iter().filter(|l| l.starts_with(w)).count(), 1, "{w} said once: {lines:?}");
    }
    let red = lines.iter().find(|l| l.starts_with(want[0])).cloned().unwrap_or_default();
    assert!(red.contains("tbschedule-3.4.0"), "the red alert names the finding: {red}");
    // Ctrl-C: a clean, quick stop.
    let pid = child.id().to_string();
    let sent = std::time::Instant::now();
    assert!(Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(sent.elapsed() < std::time::Duration::from_secs(5), "stopped in {:?}", sent.elapsed());
    // The journal says when following began and ended.
    let (code, out, err) = tbdesk_in(d, &["history", "w"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("watch_started") && out.contains("watch_ended"), "{out}");
    // Hostile flags: no profile watched and a --seconds no clock holds: a clear error, no panic.
    let (code, _, err) = tbdesk_in(d, &["watch", "--seconds", "18446744073709551615", "--interval", "0"], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing to watch") && !err.contains("panicked"), "{err}");
    let (code, _, err) = tbdesk_in(d, &["watch", "w", "wrong-name", "--seconds", "1"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("profile wrong-name: there is no such profile"), "{err}");
    let t0 = std::time::Instant::now();
    let (code, _, err) = tbdesk_in(d, &["watch", "w", "--seconds", "2", "--interval", "3600"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(t0.elapsed() < std::time::Duration::from_secs(20), "--seconds cuts the wait: {:?}", t0.elapsed());
    let (code, out, err) = tbdesk_in(d, &["profile", "watch", "other", "--alerts", "off"], b"");
    assert_eq!((code, out.as_str()), (0, "other\twatch off\talerts off\n"), "{err}");
}

/// A digest user's password comes from stdin with `--password-stdin` (first line, without its
/// line end, at most 4 KiB), else from `$TBDESK_PASSWORD` (as scripts and the Java peer kit pass
/// it), whose use is named on stderr; a profile without a digest user never takes it.
#[tokio::test]
async fn a_password_comes_from_stdin_or_the_named_variable() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let add = |name: &str, extra: &[&str], env: Option<&str>, stdin: &[u8]| {
        let mut args = vec!["profile", "add", name, "--connect", "127.0.0.1:1", "--root", "/r"];
        args.extend_from_slice(extra);
        let mut cmd = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"));
        cmd.env("TBDESK_DATA_DIR", d).env_remove("TBDESK_PASSWORD");
        if let Some(v) = env {
            cmd.env("TBDESK_PASSWORD", v);
        }
        let mut child =
            cmd.args(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run");
        child.stdin.take().expect("stdin").write_all(stdin).expect("stdin");
        let out = child.wait_with_output().expect("wait");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let user = ["--digest-user", "u"];
    let (code, err) = add("env", &user, Some("from-env"), b"");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("taken from $TBDESK_PASSWORD"), "the source is named: {err}");
    let (code, err) = add("no-user", &[], Some("from-env"), b"");
    assert_eq!(code, 0, "{err}");
    let (code, err) = add("piped", &["--digest-user", "u", "--password-stdin"], Some("from-env"), b"typed\r\nnext\n");
    assert_eq!(code, 0, "{err}");
    let (code, err) = add("none", &user, None, b"");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("without a password"), "{err}");
    let (code, err) = add("required", &["--digest-user", "u", "--password-env"], None, b"");
    assert_ne!(code, 0);
    assert!(err.contains("$TBDESK_PASSWORD is not set"), "{err}");
    let (code, err) = add("long", &["--digest-user", "u", "--password-stdin"], None, &[b'x'; 5000]);
    assert_ne!(code, 0);
    assert!(err.contains("longer than 4096"), "{err}");
    let p = tbdesk_profiles::Profiles::open(&d.join("profiles.sqlite")).await.expect("profiles");
    let read = |name: &'static str| {
        let p = p.clone();
        async move {
            let prof = p.get(name).await.expect(name);
            p.password(&prof).await.expect("read")
        }
    };
    assert_eq!(read("env").await.as_deref(), Some("from-env"));
    assert_eq!(read("no-user").await, None, "a profile without a digest user took the variable");
    assert_eq!(read("piped").await.as_deref(), Some("typed"), "stdin wins over the variable");
    assert_eq!(read("none").await, None);
    assert!(p.get("required").await.is_err() && p.get("long").await.is_err(), "a refused add stores nothing");
    for name in ["env", "no-user", "piped", "none"] {
        p.delete(name).await.expect("clean up");
    }
    tbdesk_tests::report::record(
        "secrets",
        "`tbdesk profile add` with the password on stdin, in $TBDESK_PASSWORD, required and missing, 5,000 bytes",
        6,
        "stdin first, else the variable (its use named); never for a profile without a digest user",
    );
}

/// Hostile files, names and roots the CLI meets: a FIFO given as a file is refused at once
/// (no read without a deadline), a tree over the node limit is refused before it fills memory,
/// a promotion into another spelling of its own root is refused, a profile name with a
/// control character is refused, `export -o` leaves no partial file, `node ""` is the root.
#[tokio::test]
async fn hostile_files_names_and_roots_are_refused_in_words() {
    use tbdesk_tests::zk::SPEC_ROOT;
    let (server, c, dir) = spec_profile("spec").await;
    let d = Some(dir.path());
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let fifo = fifo.to_str().expect("path");
    let t0 = std::time::Instant::now();
    let (code, _, err) = tbdesk_in(d, &["import", "spec", fifo, "--dry-run"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("not a regular file"), "{err}");
    let (code, _, err) = tbdesk_in(d, &["validate", "--kind", "task-type", fifo], b"");
    assert_ne!(code, 0);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(20), "a FIFO blocked: {:?}", t0.elapsed());

    // More nodes than one read holds (the limit lowered to 5 for the test).
    let out = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .env("TBDESK_DATA_DIR", dir.path())
        .env("TBDESK_MAX_NODES", "5")
        .args(["snapshot", "spec"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("more than 5 nodes"), "{err}");

    // The same root under another spelling of its server: a promotion would repoint the
    // source's own strategies.
    let port = server.connect_string().rsplit(':').next().expect("port").to_owned();
    let other = format!("localhost:{port}");
    assert_eq!(tbdesk_in(d, &["profile", "add", "alias", "--connect", &other, "--root", SPEC_ROOT], b"").0, 0);
    let before = c.get_data(&format!("{SPEC_ROOT}/strategy/OrderSync-Strategy")).await.expect("strategy");
    let (code, _, err) = tbdesk_in(d, &["promote", "--from", "spec", "--to", "alias", "--own-sign", "QA"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("another root than the source"), "{err}");
    let after = c.get_data(&format!("{SPEC_ROOT}/strategy/OrderSync-Strategy")).await.expect("strategy");
    assert_eq!(before, after, "the source's strategy is untouched");

    // A profile name is one line.
    let (code, _, err) = tbdesk_in(d, &["profile", "add", "dev\tprod", "--connect", &other, "--root", "/x"], b"");
    assert_ne!(code, 0);
    assert!(err.contains("name") && err.contains("control characters"), "{err}");

    // export -o: whole, and nothing left beside it.
    let out_file = dir.path().join("backup.json");
    let (code, _, err) = tbdesk_in(d, &["export", "spec", "-o", out_file.to_str().expect("path")], b"");
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&out_file).expect("backup").contains("OrderSync"));
    let partial: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
        .collect();
    assert!(partial.is_empty(), "{partial:?}");

    // `node ""` is the root itself.
    let (code, out, err) = tbdesk_in(d, &["node", "spec", ""], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(SPEC_ROOT), "{out}");
    tbdesk_tests::report::record(
        "console writes",
        "hostile CLI input: a FIFO as import and validate file, a tree over the node limit, a promotion into its own root spelled otherwise, a tab in a profile name, export -o, node \"\"",
        6,
        "refused in words at once, nothing written; the backup written whole",
    );
}

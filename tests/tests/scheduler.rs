//! `tbdesk scheduler run` beside other runtimes, as a developer runs it: real ZooKeeper, the
//! real binary, real signals. It touches only what it made, stops at any instant, and leaves
//! nothing of its own behind.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tbdesk_model::records::TaskType;
use tbdesk_tests::{bins, zk};
use zookeeper_client as zkc;

const ROOT: &str = "/sched/root";

struct Env {
    server: zk::ZkServer,
    data: tempfile::TempDir,
}

fn tbdesk(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .env("TBDESK_DATA_DIR", data)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tbdesk")
}

fn spawn_run(data: &Path, extra: &[&str]) -> Child {
    let mut args = vec!["--tz", "UTC"];
    args.extend_from_slice(extra);
    spawn_in_zone(data, "UTC", &args)
}

/// The run every test here starts: profile `p`, task type `Job` in the domain `Job$dev1`.
const RUN: [&str; 8] = ["scheduler", "run", "--profile", "p", "--own-sign", "dev1", "--task-type", "Job"];

/// `scheduler run` with the process in zone `tz` (the TZ variable) and `extra` arguments.
fn spawn_in_zone(data: &Path, tz: &str, extra: &[&str]) -> Child {
    spawn_with(data, &[("TZ", tz)], extra)
}

/// `scheduler run` with `env` set and `extra` arguments.
fn spawn_with(data: &Path, env: &[(&str, &str)], extra: &[&str]) -> Child {
    let mut args = RUN.to_vec();
    args.extend_from_slice(extra);
    Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .env("TBDESK_DATA_DIR", data)
        .envs(env.iter().copied())
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tbdesk scheduler run")
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

/// Waits for the child to exit (at most `limit`); returns its stderr and exit code.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let t0 = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("tbdesk did not stop within {limit:?}; stderr:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

async fn setup() -> (Env, zkc::Client) {
    let server = zk::ZkServer::start().expect("zk");
    let data = tempfile::tempdir().expect("data dir");
    let out = tbdesk(
        data.path(),
        &["profile", "add", "p", "--connect", &server.connect_string(), "--root", ROOT, "--session-timeout-ms", "6000"],
    );
    assert!(out.status.success(), "profile add: {}", String::from_utf8_lossy(&out.stderr));
    let out = tbdesk(data.path(), &["init", "p"]);
    assert!(out.status.success(), "init: {}", String::from_utf8_lossy(&out.stderr));
    let c = zk::client(&server).await;
    let t = TaskType { deal_bean_name: Some("jobBean".into()), ..tbdesk_tests::quick_task_type("Job", 4) };
    c.create(
        &format!("{ROOT}/baseTaskType/Job"),
        t.encode().as_bytes(),
        &zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all()),
    )
    .await
    .expect("task type");
    (Env { server, data }, c)
}

/// Every node under the root, sorted.
async fn listing(c: &zkc::Client, path: &str) -> Vec<String> {
    let mut out = vec![path.to_owned()];
    let mut i = 0;
    while i < out.len() {
        let p = out[i].clone();
        if let Ok(mut kids) = c.list_children(&p).await {
            kids.sort();
            out.extend(kids.into_iter().map(|k| format!("{p}/{k}")));
        }
        i += 1;
    }
    out.sort();
    out
}

/// The root as `init` + the task type leave it: what must remain after any run.
fn baseline() -> Vec<String> {
    let mut v: Vec<String> = ["", "/baseTaskType", "/baseTaskType/Job", "/factory", "/strategy"]
        .iter()
        .map(|s| format!("{ROOT}{s}"))
        .collect();
    v.sort();
    v
}

async fn wait_for(c: &zkc::Client, what: &str, limit: Duration, mut ok: impl FnMut(&[String]) -> bool) {
    let t0 = Instant::now();
    loop {
        let l = listing(c, ROOT).await;
        if ok(&l) {
            return;
        }
        assert!(t0.elapsed() < limit, "{what} not seen within {limit:?}: {l:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A Java-like runtime's server node in `Job$dev1`, beating every 500 ms until the handle is
/// aborted: the domain's path, the server's name, the beat.
async fn java_server_beating(c: &zkc::Client) -> (String, &'static str, tokio::task::JoinHandle<()>) {
    let domain = format!("{ROOT}/baseTaskType/Job/Job$dev1");
    let java = "Job$dev1$10.9.9.9$0123456789ABCDEF0123456789ABCDEF$0000000000";
    let server = format!("{domain}/server/{java}");
    zk::put(c, &server, b"{}").await;
    let c = c.clone();
    let beat = tokio::spawn(async move {
        loop {
            let _ = c.set_data(&server, b"{}", None).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    (domain, java, beat)
}

/// A Java-like runtime already in `Job$dev1` (server node heartbeating, items assigned, the
/// domain initialised): a run on the same task type and own sign stops without deleting any of
/// it, and still removes its own strategy copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_never_deletes_what_another_runtime_uses() {
    let (env, c) = setup().await;
    let (domain, java, beat) = java_server_beating(&c).await;
    zk::put(&c, &format!("{domain}/taskItem"), java.as_bytes()).await;
    for i in 0..4 {
        zk::put(&c, &format!("{domain}/taskItem/{i}/cur_server"), java.as_bytes()).await;
        zk::put(&c, &format!("{domain}/taskItem/{i}/req_server"), b"").await;
    }
    let before = listing(&c, &domain).await;
    let run = spawn_run(env.data.path(), &["--seconds", "6"]);
    let (code, err) = finish(run, Duration::from_secs(30));
    beat.abort();
    assert_eq!(code, Some(0), "{err}");
    let after = listing(&c, &domain).await;
    assert_eq!(after, before, "the domain is exactly as the other runtime had it\n{err}");
    assert!(err.contains("servers still registered"), "the stop says why the domain stays: {err}");
    let strategies = c.list_children(&format!("{ROOT}/strategy")).await.expect("strategies");
    assert!(strategies.is_empty(), "its own strategy copy is removed: {strategies:?}\n{err}");
    let factories = c.list_children(&format!("{ROOT}/factory")).await.expect("factories");
    assert!(factories.is_empty(), "{factories:?}");
    tbdesk_tests::report::record(
        "scheduler safety",
        "scheduler run stopped beside a Java-like runtime registered in the same domain",
        1,
        "the other runtime's server node, items and domain untouched; own strategy copy removed",
    );
}

/// Two runs with one own sign on one machine: the second joins, stopping the first starves
/// nobody, and the last one out leaves the root as it found it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_with_one_own_sign_share_and_the_last_cleans_up() {
    let (env, c) = setup().await;
    let a = spawn_run(env.data.path(), &[]);
    wait_for(&c, "the first run's groups", Duration::from_secs(20), |l| {
        l.iter().any(|p| p.contains("/Job$dev1/server/"))
    })
    .await;
    let b = spawn_run(env.data.path(), &[]);
    wait_for(&c, "two factories", Duration::from_secs(20), |l| {
        l.iter().filter(|p| p.starts_with(&format!("{ROOT}/factory/"))).count() == 2
    })
    .await;
    signal(&a, libc::SIGINT);
    let (code, err_a) = finish(a, Duration::from_secs(20));
    assert_eq!(code, Some(0), "{err_a}");
    assert!(err_a.contains("kept"), "the first run keeps what the second uses: {err_a}");
    // the second goes on: its groups hold every item
    let items_ok = |l: &[String]| {
        l.iter().any(|p| p.contains("/Job$dev1/server/")) && l.iter().any(|p| p.ends_with("/strategy/Job-dev1-tbdesk"))
    };
    wait_for(&c, "the second run still running", Duration::from_secs(10), items_ok).await;
    let t0 = Instant::now();
    let mut owned = 0;
    while t0.elapsed() < Duration::from_secs(20) {
        owned = 0;
        let servers = c.list_children(&format!("{ROOT}/baseTaskType/Job/Job$dev1/server")).await.unwrap_or_default();
        for i in 0..4 {
            if let Ok((d, _)) = c.get_data(&format!("{ROOT}/baseTaskType/Job/Job$dev1/taskItem/{i}/cur_server")).await {
                if servers.iter().any(|s| s.as_bytes() == d.as_slice()) {
                    owned += 1;
                }
            }
        }
        if owned == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(owned, 4, "the second run holds every item after the first stopped");
    signal(&b, libc::SIGTERM);
    let (code, err_b) = finish(b, Duration::from_secs(20));
    assert_eq!(code, Some(0), "{err_b}");
    assert_eq!(listing(&c, ROOT).await, baseline(), "nothing of either run is left\nA: {err_a}\nB: {err_b}");
    tbdesk_tests::report::record(
        "scheduler safety",
        "two scheduler runs with one own sign; the first stopped, then the second (SIGTERM)",
        1,
        "the second joined and kept every item; the last one out removed both runs' nodes",
    );
}

/// SIGINT, SIGTERM and SIGHUP at many instants of start-up and running: the run stops within
/// a bounded time and nothing of it is left in the root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_signal_at_any_instant_leaves_nothing() {
    let (env, c) = setup().await;
    let cases: [(i32, u64); 9] = [
        (libc::SIGINT, 0),
        (libc::SIGTERM, 30),
        (libc::SIGHUP, 80),
        (libc::SIGINT, 150),
        (libc::SIGTERM, 300),
        (libc::SIGHUP, 600),
        (libc::SIGINT, 1200),
        (libc::SIGTERM, 2500),
        (libc::SIGHUP, 4000),
    ];
    for (sig, ms) in cases {
        let run = spawn_run(env.data.path(), &[]);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        signal(&run, sig);
        let (code, err) = finish(run, Duration::from_secs(6 + 2 + 5));
        // A clean stop (exit 0); only a signal before the handlers exist may kill it outright.
        assert!(code == Some(0) || (ms < 100 && code.is_none()), "signal {sig} after {ms} ms: exit {code:?}\n{err}");
        let l = listing(&c, ROOT).await;
        assert_eq!(l, baseline(), "signal {sig} after {ms} ms left nodes behind; stderr:\n{err}");
    }
    tbdesk_tests::report::record(
        "scheduler safety",
        "SIGINT/SIGTERM/SIGHUP at 0 ms to 4 s after start",
        cases.len(),
        "stopped every time; the root listed exactly as before the run",
    );
}

/// ZooKeeper gone at the stop: the run stops within the session timeout + 2 s, names what it
/// left, and the next run of the same task type and own sign removes exactly that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_zookeeper_is_away_names_what_is_left_and_the_next_run_removes_it() {
    let (mut env, c) = setup().await;
    let run = spawn_run(env.data.path(), &[]);
    wait_for(&c, "groups holding items", Duration::from_secs(20), |l| {
        l.iter().any(|p| p.contains("/Job$dev1/server/"))
    })
    .await;
    drop(c);
    env.server.stop();
    let t0 = Instant::now();
    signal(&run, libc::SIGINT);
    let (_code, err) = finish(run, Duration::from_secs(6 + 2 + 10));
    assert!(t0.elapsed() < Duration::from_secs(6 + 2 + 8), "bounded stop: {:?}", t0.elapsed());
    assert!(err.contains("left: strategy Job-dev1-tbdesk"), "{err}");
    assert!(err.contains("the next run of Job$dev1"), "{err}");
    env.server.restart().expect("restart zk");
    let c = zk::client(&env.server).await;
    // ZooKeeper keeps sessions across its own restart: the first run's factory node goes when
    // its session expires (6 s), as it would for any dead Java factory.
    wait_for(&c, "the first run's session to expire", Duration::from_secs(30), |l| {
        !l.iter().any(|p| p.starts_with(&format!("{ROOT}/factory/")))
    })
    .await;
    let run = spawn_run(env.data.path(), &["--seconds", "3"]);
    let (code, err2) = finish(run, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{err2}");
    assert!(err2.contains("an earlier run left"), "{err2}");
    // the persistent server node of the first run was expired by the second's groups or
    // removed from the list; either way nothing of either run remains
    assert_eq!(listing(&c, ROOT).await, baseline(), "first run:\n{err}\nsecond run:\n{err2}");
    tbdesk_tests::report::record(
        "scheduler safety",
        "Ctrl-C while ZooKeeper is down, then a second run after it is back",
        1,
        "stopped within the session timeout + 2 s naming what it left; the next run removed exactly that",
    );
}

/// The terminal closed, or `| tee log` ended by the same Ctrl-C: writing the stop's lines
/// fails. The run still stops and cleans up (a print used to panic, exit 101 and leave the
/// strategy copy and the domain behind with nothing listing them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stderr_does_not_cut_the_clean_up_short() {
    let (env, c) = setup().await;
    let mut run = spawn_run(env.data.path(), &[]);
    wait_for(&c, "groups holding items", Duration::from_secs(20), |l| {
        l.iter().any(|p| p.contains("/Job$dev1/taskItem/0/cur_server"))
    })
    .await;
    drop(run.stderr.take());
    drop(run.stdout.take());
    signal(&run, libc::SIGINT);
    let (code, _) = finish(run, Duration::from_secs(30));
    assert_eq!(code, Some(0), "a clean stop");
    assert_eq!(listing(&c, ROOT).await, baseline(), "everything the run made is removed");
    tbdesk_tests::report::record(
        "scheduler safety",
        "Ctrl-C with the run's stderr closed (a closed terminal, a killed `| tee`)",
        1,
        "exit 0, everything the run made removed (no panic on the stop's lines)",
    );
}

/// A second Ctrl-C while the stop waits for a frozen ZooKeeper exits at once; the nodes of the
/// run are listed first, so the next run removes them (they were left with no list).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_lists_what_it_leaves_for_the_next_run() {
    let (env, c) = setup().await;
    let run = spawn_run(env.data.path(), &[]);
    wait_for(&c, "groups holding items", Duration::from_secs(20), |l| {
        l.iter().any(|p| p.contains("/Job$dev1/taskItem/0/cur_server"))
    })
    .await;
    drop(c);
    env.server.pause(true);
    signal(&run, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(1500));
    signal(&run, libc::SIGINT);
    let (code, err) = finish(run, Duration::from_secs(10));
    env.server.pause(false);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("second signal"), "{err}");
    let c = zk::client(&env.server).await;
    wait_for(&c, "the first run's session to expire", Duration::from_secs(30), |l| {
        !l.iter().any(|p| p.starts_with(&format!("{ROOT}/factory/")))
    })
    .await;
    let run = spawn_run(env.data.path(), &["--seconds", "3"]);
    let (code, err2) = finish(run, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{err2}");
    assert!(err2.contains("an earlier run left"), "{err2}");
    assert_eq!(listing(&c, ROOT).await, baseline(), "first run:\n{err}\nsecond run:\n{err2}");
    tbdesk_tests::report::record(
        "scheduler safety",
        "ZooKeeper frozen, Ctrl-C, a second Ctrl-C 1.5 s later, then another run",
        1,
        "exit 130 at once with the run's nodes listed; the next run removed exactly them",
    );
}

/// Makes the profile `p` again with the longest session a default server grants (40 s): with
/// ZooKeeper away, calls wait for it.
fn longest_session(env: &Env) {
    assert!(tbdesk(env.data.path(), &["profile", "delete", "p"]).status.success());
    let connect = env.server.connect_string();
    let add = ["profile", "add", "p", "--connect", &connect, "--root", ROOT, "--session-timeout-ms", "40000"];
    let out = tbdesk(env.data.path(), &add);
    assert!(out.status.success(), "profile add: {}", String::from_utf8_lossy(&out.stderr));
}

/// A profile with the longest session a default server grants (40 s), and ZooKeeper away at
/// the stop, killed or frozen (SIGSTOP: connections hang instead of being refused), the signal
/// coming while the factory's pass may be waiting on it: the run still stops within seconds,
/// not the ~56 s a call waits for such a session, and names what it left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_with_zookeeper_away_is_quick_whatever_the_session_timeout() {
    for frozen in [true, false] {
        let (mut env, c) = setup().await;
        longest_session(&env);
        let run = spawn_run(env.data.path(), &[]);
        wait_for(&c, "groups holding items", Duration::from_secs(20), |l| {
            l.iter().any(|p| p.contains("/Job$dev1/server/"))
        })
        .await;
        drop(c);
        if frozen {
            env.server.pause(true);
        } else {
            env.server.stop();
        }
        // Past the client's 3 s connection timeout: the session is disconnected and the
        // factory's next pass is queued behind the reconnect.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let t0 = Instant::now();
        signal(&run, libc::SIGINT);
        let (code, err) = finish(run, Duration::from_secs(60));
        let took = t0.elapsed();
        assert_eq!(code, Some(0), "{err}");
        assert!(took < Duration::from_secs(15), "frozen {frozen}: the stop took {took:?}\n{err}");
        assert!(err.contains("left: strategy Job-dev1-tbdesk"), "frozen {frozen}: {err}");
        assert!(err.contains("the next run of Job$dev1"), "frozen {frozen}: {err}");
        if frozen {
            env.server.pause(false);
        }
        tbdesk_tests::report::record(
            "scheduler safety",
            if frozen {
                "Ctrl-C with ZooKeeper frozen (SIGSTOP), 40 s session"
            } else {
                "Ctrl-C with ZooKeeper stopped, 40 s session"
            },
            1,
            &format!("stopped in {:.1} s (bound 15 s), naming what it left", took.as_secs_f64()),
        );
    }
}

/// ZooKeeper frozen (SIGSTOP) for longer than a factory pass may wait on it, under a profile with
/// the longest session a default server grants (40 s: calls wait for it): the pass in hand is
/// cut off at its deadline (10 s here, `TBDESK_TICK_DEADLINE_MS`; 30 s by default) and that is
/// said, the status line goes on meanwhile (before, it stood still for as long as the calls
/// waited), and once thawed the run says ZooKeeper answers again and processes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factory_pass_with_zookeeper_frozen_is_cut_off_and_the_status_goes_on() {
    let (env, c) = setup().await;
    longest_session(&env);
    let t0 = Instant::now();
    let run = spawn_with(env.data.path(), &[("TZ", "UTC"), ("TBDESK_TICK_DEADLINE_MS", "10000")], &["--tz", "UTC"]);
    wait_for(&c, "groups holding items", Duration::from_secs(20), |l| {
        l.iter().any(|p| p.contains("/Job$dev1/taskItem/0/cur_server"))
    })
    .await;
    drop(c);
    tokio::time::sleep(Duration::from_secs(3)).await;
    env.server.pause(true);
    // The client finds the server silent within ~3 s, the next pass starts ~2 s later and is
    // cut 10 s after that: 22 s leaves 7 s to spare, short of the session.
    tokio::time::sleep(Duration::from_secs(22)).await;
    env.server.pause(false);
    let thawed = t0.elapsed().as_secs();
    tokio::time::sleep(Duration::from_secs(20)).await;
    signal(&run, libc::SIGINT);
    let (code, err) = finish(run, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("did not answer the factory pass within 10 s"), "{err}");
    assert!(err.contains("answers the factory pass again"), "{err}");
    // (seconds since the start, done) of every status line.
    let lines: Vec<(u64, u64)> = err
        .split('\r')
        .filter_map(|l| {
            let secs = l.strip_prefix('[')?.split('s').next()?.trim().parse().ok()?;
            let done = l.split("· done ").nth(1)?.split_whitespace().next()?.parse().ok()?;
            Some((secs, done))
        })
        .collect();
    let gap = lines.windows(2).map(|w| w[1].0.saturating_sub(w[0].0)).max().unwrap_or(u64::MAX);
    assert!(gap <= 5, "the status stood still for {gap} s:\n{err}");
    // The run's clock starts after the test's: a line 5 s before the thaw by its clock is
    // within the freeze.
    let frozen_done = lines.iter().filter(|(s, _)| *s + 5 <= thawed).map(|(_, d)| *d).max().unwrap_or(0);
    let last_done = lines.last().map_or(0, |(_, d)| *d);
    assert!(last_done > frozen_done, "nothing processed after the thaw ({frozen_done} -> {last_done}):\n{err}");
    tbdesk_tests::report::record(
        "scheduler safety",
        "ZooKeeper frozen (SIGSTOP) 22 s under a running local scheduler, 40 s session",
        1,
        &format!("the factory pass cut off at its deadline (10 s) and said; status every ≤ {gap} s; processing again after the thaw"),
    );
}

/// The rows done, from the last status line of a run's stderr.
fn done(err: &str) -> u64 {
    err.rsplit("· done ").next().and_then(|t| t.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The process in New York, the profile's schedulers in Shanghai, a run window open now in
/// Shanghai and closed in New York: the local scheduler runs like production (the profile's
/// zone) unless asked for this machine's zone, and says which.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_scheduler_runs_in_the_profiles_zone() {
    use chrono::Timelike;
    let (env, c) = setup().await;
    let out = tbdesk(env.data.path(), &["profile", "delete", "p"]);
    assert!(out.status.success());
    let out = tbdesk(
        env.data.path(),
        &[
            "profile",
            "add",
            "p",
            "--connect",
            &env.server.connect_string(),
            "--root",
            ROOT,
            "--session-timeout-ms",
            "6000",
            "--zone",
            "Asia/Shanghai",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sh = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).hour();
    let (h1, h2) = ((sh + 23) % 24, (sh + 2) % 24);
    let p = format!("{ROOT}/baseTaskType/Job");
    let (d, st) = c.get_data(&p).await.expect("task type");
    let mut t = TaskType::decode(&d).expect("decode");
    t.permit_run_start_time = Some(format!("0 0 {h1} * * ?"));
    t.permit_run_end_time = Some(format!("0 0 {h2} * * ?"));
    c.set_data(&p, t.encode().as_bytes(), Some(st.version)).await.expect("window");
    // the CLI's own cron agrees: in Shanghai the start fired within the last hour
    let cron = tbdesk(env.data.path(), &["cron", &format!("0 0 {h1} * * ?"), "--tz", "Asia/Shanghai", "--count", "1"]);
    assert!(String::from_utf8_lossy(&cron.stdout).starts_with("OK\t"), "{:?}", cron);
    for (args, runs) in [(vec!["--seconds", "6"], true), (vec!["--seconds", "6", "--tz", "local"], false)] {
        let run = spawn_in_zone(env.data.path(), "America/New_York", &args);
        let (code, err) = finish(run, Duration::from_secs(30));
        assert_eq!(code, Some(0), "{err}");
        let zone = if runs { "Asia/Shanghai" } else { "America/New_York" };
        assert!(err.contains(&format!("crons in {zone}")), "{err}");
        if runs {
            assert!(done(&err) > 0, "the window is open in Shanghai: tasks run\n{err}");
        } else {
            assert_eq!(done(&err), 0, "the window is closed in New York: nothing runs\n{err}");
        }
    }
    tbdesk_tests::report::record(
        "time zones",
        "process in America/New_York, profile in Asia/Shanghai, a window open only in Shanghai",
        2,
        "the local scheduler runs in the profile's zone by default; with --tz local it waits",
    );
}

/// Every node with its data version, child version and last-change zxid.
async fn stats(c: &zkc::Client, path: &str) -> Vec<(String, i32, i32, i64)> {
    let mut out = Vec::new();
    for p in listing(c, path).await {
        if let Ok(Some(st)) = c.check_stat(&p).await {
            out.push((p, st.version, st.cversion, st.mzxid));
        }
    }
    out
}

/// `ls`, `snapshot`, `why`, `health` and `export` on a writable profile read and never write:
/// no clock probe node, no change anywhere under the root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_never_write() {
    let (env, c) = setup().await;
    let before = stats(&c, ROOT).await;
    let d = env.data.path();
    for args in [
        vec!["ls", "p"],
        vec!["snapshot", "p"],
        vec!["why", "Job", "--profile", "p", "--own-sign", "dev1"],
        vec!["health", "p"],
        vec!["export", "p"],
    ] {
        let out = tbdesk(d, &args);
        assert!(matches!(out.status.code(), Some(0) | Some(1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(stats(&c, ROOT).await, before, "{args:?} changed the root");
    }
    tbdesk_tests::report::record(
        "console reads",
        "ls, snapshot, why, health, export on a writable profile",
        5,
        "the root unchanged (every node's version, child version and mzxid)",
    );
}

/// A read-only profile writes through no entry point of the command line: init, import (plan
/// allowed, apply refused), the local scheduler. The root is unchanged after each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_profile_writes_through_no_entry_point() {
    let (env, c) = setup().await;
    let d = env.data.path();
    let out =
        tbdesk(d, &["profile", "add", "ro", "--connect", &env.server.connect_string(), "--root", ROOT, "--read-only"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = d.join("export.json");
    let out = tbdesk(d, &["export", "p", "-o", file.to_str().expect("utf8 path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let edited =
        std::fs::read_to_string(&file).expect("export").replace("\"sleepTimeNoData\": 100", "\"sleepTimeNoData\": 200");
    std::fs::write(&file, edited).expect("edit");
    let before = stats(&c, ROOT).await;
    let f = file.to_str().expect("utf8 path");
    let cases: [Vec<&str>; 5] = [
        vec!["init", "ro"],
        vec!["import", "ro", f],
        vec!["import", "ro", f, "--prune-all"],
        vec!["scheduler", "run", "--profile", "ro", "--own-sign", "dev1", "--task-type", "Job", "--seconds", "2"],
        vec![
            "scheduler",
            "run",
            "--profile",
            "ro",
            "--own-sign",
            "dev1",
            "--task-type",
            "Job",
            "--seconds",
            "2",
            "--keep",
        ],
    ];
    for args in &cases {
        let out = tbdesk(d, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded on a read-only profile");
        assert!(err.contains("read-only"), "{args:?}: {err}");
        assert_eq!(stats(&c, ROOT).await, before, "{args:?} wrote");
    }
    // the dry run is a read: allowed, and it writes nothing either
    let out = tbdesk(d, &["import", "ro", f, "--dry-run"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stats(&c, ROOT).await, before);
    tbdesk_tests::report::record(
        "console writes",
        "a read-only profile through init, import, import --prune-all, scheduler run (with and without --keep)",
        cases.len(),
        "every one refused naming the read-only flag; the root unchanged; the dry run allowed",
    );
}

/// A run of `Job$dev1` once its groups registered, then its profile `p` made read-only by
/// another process: the run, the profiles and the fields to make it writable again with.
async fn run_then_made_read_only(
    d: &Path,
    c: &zkc::Client,
) -> (Child, tbdesk_profiles::Profiles, tbdesk_profiles::ProfileFields) {
    let run = spawn_run(d, &[]);
    wait_for(c, "the run's groups", Duration::from_secs(20), |l| l.iter().any(|p| p.contains("/Job$dev1/server/")))
        .await;
    let profiles = tbdesk_profiles::Profiles::open(&d.join("profiles.sqlite")).await.expect("profiles");
    let mut f = profiles.get("p").await.expect("p").fields;
    f.read_only = true;
    profiles.update("p", &f, None).await.expect("made read-only");
    (run, profiles, f)
}

/// After a run that exited on its profile made read-only: once its session expired (closing
/// it early would be a change made under the flag; until then its factory is live and nothing
/// of it may be removed), the profile made writable again, a next run of `limit` at most
/// removes everything the first made.
async fn next_run_removes_what_the_read_only_run_left(
    d: &Path,
    c: &zkc::Client,
    profiles: &tbdesk_profiles::Profiles,
    mut f: tbdesk_profiles::ProfileFields,
    err: &str,
    limit: Duration,
) {
    wait_for(c, "the exited run's session to expire", Duration::from_secs(30), |l| {
        !l.iter().any(|p| p.contains("/factory/"))
    })
    .await;
    f.read_only = false;
    profiles.update("p", &f, None).await.expect("writable again");
    let again = spawn_run(d, &["--seconds", "2"]);
    let (code, err2) = finish(again, limit);
    assert_eq!(code, Some(0), "{err2}");
    assert_eq!(listing(c, ROOT).await, baseline(), "the next run removed what the first made\n{err}\n{err2}");
}

/// The profile is made read-only (by the app, another process) while `scheduler run` runs on
/// it, then Ctrl-C: the stop writes nothing (neither its unregistering nor its clean-up), says
/// so and lists what it made; the next run, on the profile writable again, removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_made_read_only_during_a_run_is_not_cleaned_up_into() {
    let (env, c) = setup().await;
    let d = env.data.path();
    let (run, profiles, f) = run_then_made_read_only(d, &c).await;
    signal(&run, libc::SIGINT);
    let (code, err) = finish(run, Duration::from_secs(20));
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("made read-only: this run writes nothing more"), "{err}");
    let left = listing(&c, ROOT).await;
    assert!(left.iter().any(|p| p.ends_with("/strategy/Job-dev1-tbdesk")), "the copy was removed: {left:#?}");
    assert!(left.iter().any(|p| p.ends_with("/Job/Job$dev1")), "the domain was removed: {left:#?}");
    assert!(left.iter().any(|p| p.contains("/Job$dev1/server/")), "the stop unregistered: {left:#?}");
    next_run_removes_what_the_read_only_run_left(d, &c, &profiles, f, &err, Duration::from_secs(30)).await;
    tbdesk_tests::report::record(
        "scheduler safety",
        "the profile made read-only by another process during `scheduler run`, then SIGINT",
        1,
        "the stop wrote nothing (status 3, its servers untouched) and said so; the next run on the writable profile removed it all",
    );
}

/// The profile made read-only by another process while `scheduler run` goes on, with no signal:
/// the run stops writing at once (no graceful stop, which would unregister and release) and
/// exits, listing what it made; the next run on the writable profile removes it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_made_read_only_during_a_run_ends_its_writes() {
    let (env, c) = setup().await;
    let d = env.data.path();
    let (run, profiles, f) = run_then_made_read_only(d, &c).await;
    let t0 = Instant::now();
    let (code, err) = finish(run, Duration::from_secs(15));
    let took = t0.elapsed();
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("made read-only: this run writes nothing more"), "{err}");
    // Its servers are still registered: nothing unregistered them (that is a write).
    let left = listing(&c, ROOT).await;
    assert!(left.iter().any(|p| p.contains("/Job$dev1/server/")), "a graceful stop wrote: {left:#?}");
    next_run_removes_what_the_read_only_run_left(d, &c, &profiles, f, &err, Duration::from_secs(40)).await;
    tbdesk_tests::report::record(
        "scheduler safety",
        "the profile made read-only by another process while `scheduler run` goes on (no signal)",
        1,
        &format!(
            "the run exited with status 3 after {:.1} s, its servers untouched; the next run removed it all",
            took.as_secs_f64()
        ),
    );
}

/// libfaketime (Debian package faketime, installed by scripts/setup). Preloaded directly, not
/// through the `faketime` wrapper, which does not pass a signal on to the program.
fn libfaketime() -> std::path::PathBuf {
    std::fs::read_dir("/usr/lib")
        .expect("/usr/lib")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("faketime/libfaketime.so.1"))
        .find(|p| p.exists())
        .expect("libfaketime.so.1 under /usr/lib/*/faketime (apt-get install faketime; scripts/setup does)")
}

/// `tbdesk` on a machine whose clock is `offset` off (libfaketime), in zone UTC.
fn skewed(data: &Path, offset: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"));
    cmd.args(args)
        .env("TBDESK_DATA_DIR", data)
        .env("TZ", "UTC")
        .env("LD_PRELOAD", libfaketime())
        .env("FAKETIME", offset)
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .stdin(Stdio::null());
    cmd
}

fn spawn_skewed(data: &Path, offset: &str) -> Child {
    // Two thread groups in the strategy: one for each of two runs.
    let args = [&RUN[..], &["--tz", "UTC", "--groups", "2"]].concat();
    skewed(data, offset, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn a skewed run")
}

/// The machine's wall clock steps 30 s forward under a running scheduler (a laptop's resume,
/// an NTP correction), past the task type's judgeDeadInterval (6 s): ZooKeeper's time is kept
/// by the boot clock since it was measured, so another runtime's live server is not judged
/// dead and deleted (it was, with every other live server of the domain).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wall_clock_step_judges_no_live_server_dead() {
    let (env, c) = setup().await;
    let (domain, java, beat) = java_server_beating(&c).await;
    let server = format!("{domain}/server/{java}");
    let clock = env.data.path().join("faketime");
    std::fs::write(&clock, "+0\n").expect("clock file");
    let args = [&RUN[..], &["--tz", "UTC"]].concat();
    let run = skewed(env.data.path(), "", &args)
        .env_remove("FAKETIME")
        .env("FAKETIME_TIMESTAMP_FILE", &clock)
        .env("FAKETIME_NO_CACHE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let _guard = KillOnPanic(vec![run.id()]);
    wait_for(&c, "tbdesk's server beside the other runtime's", Duration::from_secs(20), |l| {
        l.iter().filter(|p| p.starts_with(&format!("{domain}/server/"))).count() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    std::fs::write(&clock, "+30\n").expect("step the clock");
    tokio::time::sleep(Duration::from_secs(10)).await;
    let alive = c.check_stat(&server).await.expect("stat").is_some();
    signal(&run, libc::SIGINT);
    let (code, err) = finish(run, Duration::from_secs(30));
    beat.abort();
    assert!(alive, "the live server was judged dead after the wall clock stepped:\n{err}");
    assert_eq!(code, Some(0), "{err}");
    tbdesk_tests::report::record(
        "scheduler safety",
        "the machine's wall clock stepped 30 s forward under a running scheduler (judgeDead 6 s)",
        1,
        "another runtime's live server kept: deaths judged on ZooKeeper's time carried by the boot clock",
    );
}

/// Kills the runs it names if the test fails before stopping them (a run without `--seconds`
/// would otherwise outlive the test).
struct KillOnPanic(Vec<u32>);

impl Drop for KillOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for pid in &self.0 {
                // SAFETY: kill(2) on a child this test spawned; no memory is touched.
                unsafe {
                    libc::kill(*pid as i32, libc::SIGKILL);
                }
            }
        }
    }
}

/// The items' owners in the dev domain, by item.
async fn owners(c: &zkc::Client) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..4 {
        let p = format!("{ROOT}/baseTaskType/Job/Job$dev1/taskItem/{i}/cur_server");
        out.push(c.get_data(&p).await.map(|(d, _)| String::from_utf8_lossy(&d).into_owned()).unwrap_or_default());
    }
    out
}

/// Two runs of one domain, one on a machine whose clock is 3 hours ahead and one on a
/// machine 3 hours behind (libfaketime), and a console 3 hours ahead: every heartbeat and
/// death is judged by ZooKeeper's clock, as Java's `getSystemTime` does. Neither run expires
/// the other, the items stay split between them past the judge-dead interval, each run's
/// heartBeatTime is ZooKeeper's time, and the skewed console's health names no dead server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clocks_hours_apart_judge_by_zookeepers_clock() {
    let (env, c) = setup().await;
    let d = env.data.path();
    let ahead = spawn_skewed(d, "+3h");
    let _ahead_guard = KillOnPanic(vec![ahead.id()]);
    wait_for(&c, "the first run's groups", Duration::from_secs(20), |l| {
        l.iter().any(|p| p.contains("/Job$dev1/server/"))
    })
    .await;
    let mut behind = spawn_skewed(d, "-3h");
    let _behind_guard = KillOnPanic(vec![behind.id()]);
    let dir = format!("{ROOT}/baseTaskType/Job/Job$dev1/server");
    // Steady: two servers, one of each run (factory), two items each.
    let steady = |c: zkc::Client, dir: String| async move {
        let servers = c.list_children(&dir).await.unwrap_or_default();
        let mut factories = Vec::new();
        for s in &servers {
            let data = c.get_data(&format!("{dir}/{s}")).await.map(|(d, _)| d).unwrap_or_default();
            let f = tbdesk_model::records::Server::decode(&data).ok().and_then(|x| x.manager_factory_uuid);
            factories.push(f.unwrap_or_default());
        }
        let owners = owners(&c).await;
        servers.len() == 2
            && factories[0] != factories[1]
            && owners.iter().all(|o| servers.contains(o))
            && servers.iter().all(|s| owners.iter().filter(|o| *o == s).count() == 2)
    };
    let t0 = Instant::now();
    loop {
        if steady(c.clone(), dir.clone()).await {
            break;
        }
        if let Ok(Some(_)) = behind.try_wait() {
            let out = behind.wait_with_output().expect("output");
            panic!("the run 3 h behind ended: {}", String::from_utf8_lossy(&out.stderr));
        }
        if t0.elapsed() > Duration::from_secs(40) {
            let l = listing(&c, ROOT).await;
            signal(&behind, libc::SIGTERM);
            let (_, err) = finish(behind, Duration::from_secs(20));
            panic!("never one server of each run: {:?}\n{l:#?}\nthe run behind:\n{err}", owners(&c).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let servers = c.list_children(&dir).await.expect("servers");
    // Past the judge-dead interval (6 s) twice over: still both, still split.
    tokio::time::sleep(Duration::from_secs(13)).await;
    let later = c.list_children(&dir).await.expect("servers");
    assert_eq!(later, servers, "a run expired the other");
    assert!(steady(c.clone(), dir.clone()).await, "the items moved: {:?}", owners(&c).await);
    for s in &later {
        let (data, stat) = c.get_data(&format!("{dir}/{s}")).await.expect("server node");
        let server = tbdesk_model::records::Server::decode(&data).expect("server json");
        let beat = server.heart_beat_time.expect("heartBeatTime");
        let at = chrono::NaiveDateTime::parse_from_str(&beat, "%Y-%m-%d %H:%M:%S").expect("time").and_utc();
        let off = (at.timestamp_millis() - stat.mtime).abs();
        assert!(off < 5_000, "{s}: heartBeatTime {beat} is {off} ms from ZooKeeper's mtime");
    }
    let out = skewed(d, "+3h", &["health", "p"]).output().expect("health");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("dead"), "the console 3 h ahead judged a live server dead:\n{text}");
    // It measured ZooKeeper's clock 3 h behind its own (without writing: the session's date).
    let offset: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("clock: ZooKeeper - this machine = "))
        .and_then(|v| v.trim_end_matches(" ms").parse().ok())
        .unwrap_or_else(|| panic!("no clock line:\n{text}"));
    assert!((offset + 10_800_000).abs() < 10_000, "measured {offset} ms");
    assert!(text.contains("health:"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for run in [ahead, behind] {
        signal(&run, libc::SIGTERM);
        let (code, err) = finish(run, Duration::from_secs(20));
        assert_eq!(code, Some(0), "{err}");
    }
    assert_eq!(listing(&c, ROOT).await, baseline(), "both runs cleaned up");
    tbdesk_tests::report::record(
        "scheduler safety",
        "two runs of one domain on clocks 3 h ahead and 3 h behind, and a console 3 h ahead",
        1,
        "no run expired the other; items split 2/2 past judge-dead; heartBeatTime on ZooKeeper's clock; no server judged dead",
    );
}

/// The Java console's "clear" of a task type (`clearTaskType`: every runtime domain deleted
/// node by node while runtimes run) under a run, after the definition's items were edited
/// ("edit the items, then clear", the console's way): its server registers again; leading, it
/// waits a judge-dead interval (the clear over, every old holder's items dropped), then makes
/// the items again from the definition as it reads now (a Java leader makes items only in its
/// start-up, so the domain would stay idle until a restart); its stop removes what it made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleared_domain_gets_its_items_again_from_its_leader() {
    let (env, c) = setup().await;
    let run = spawn_run(env.data.path(), &[]);
    let _guard = KillOnPanic(vec![run.id()]);
    let domain = format!("{ROOT}/baseTaskType/Job/Job$dev1");
    let dir = format!("{domain}/server");
    // Every item of `0..n` owned by a server of the domain.
    let assigned = |c: zkc::Client, n: usize| {
        let (domain, dir) = (domain.clone(), dir.clone());
        async move {
            let servers = c.list_children(&dir).await.unwrap_or_default();
            let mut ok = !servers.is_empty();
            for i in 0..n {
                let p = format!("{domain}/taskItem/{i}/cur_server");
                let o = c.get_data(&p).await.map(|(d, _)| String::from_utf8_lossy(&d).into_owned()).unwrap_or_default();
                ok &= servers.contains(&o);
            }
            ok
        }
    };
    let t0 = Instant::now();
    while !assigned(c.clone(), 4).await {
        assert!(t0.elapsed() < Duration::from_secs(30), "items never assigned: {:#?}", listing(&c, ROOT).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The console edits the items (4 -> 5), then clears.
    let t = TaskType { deal_bean_name: Some("jobBean".into()), ..tbdesk_tests::quick_task_type("Job", 5) };
    c.set_data(&format!("{ROOT}/baseTaskType/Job"), t.encode().as_bytes(), None).await.expect("edit");
    // As ZKTools.deleteTree: the subtree listed once, then deleted deepest first, one node at
    // a time (a node the run makes again meanwhile only makes a delete fail, as in Java).
    let nodes = listing(&c, &domain).await;
    let cleared = Instant::now();
    for p in nodes.iter().rev() {
        let _ = c.delete(p, None).await;
    }
    // Not made again at once: a whole judge-dead interval (6 s) first.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let early = c.check_stat(&format!("{domain}/taskItem")).await.expect("stat");
    assert!(early.is_none(), "taskItem made again {:?} after the clear, within judge-dead", cleared.elapsed());
    while !assigned(c.clone(), 5).await {
        assert!(
            cleared.elapsed() < Duration::from_secs(30),
            "the edited items not made again after the clear:\n{:#?}",
            listing(&c, ROOT).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = cleared.elapsed();
    assert!(took >= Duration::from_secs(6), "made again after {took:?}, within judge-dead");
    signal(&run, libc::SIGTERM);
    let (code, err) = finish(run, Duration::from_secs(20));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(listing(&c, ROOT).await, baseline(), "the stop removed what the run made again");
    tbdesk_tests::report::record(
        "scheduler safety",
        "the task type's items edited, then cleared under a run (the Java console's clearTaskType, node by node)",
        1,
        &format!("the run registered again and, leading, made the 5 edited items again {:.1} s after the clear (judge-dead 6 s); its stop removed them", took.as_secs_f64()),
    );
}

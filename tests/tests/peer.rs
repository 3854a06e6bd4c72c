//! The real TBSchedule 3.3.3.2 runtime beside tbdesk, in one ZooKeeper root and one domain
//! (`../shared/java-peer`: the real `TBScheduleManagerFactory` and console data managers, built
//! from the public source outside the repository).
//!
//! An opt-in group: it runs when the kit's build is present (`$PEER_HOME/classpath`, default
//! `~/.cache/tbs-peer`; build it with `TBS_MIRROR=<bare mirror of aihua/tbschedule>
//! ../shared/java-peer/build.sh`) and says clearly that it was skipped otherwise.
//! `TBDESK_PEER=off` skips it; `TBDESK_PEER=all` adds the Java-leads kill -9 scenarios;
//! `TBDESK_PEER=ensemble` runs only the two ensemble topologies.
//!
//! Every scenario ends with `PEER <check> PASS|FAIL|<seconds>s` lines; any FAIL fails the test.
//! Then the dumps of both sides are compared node by node: for every kind of node (factory,
//! strategy runtime, server, domain, task item and its fields), tbdesk's and Java's have the
//! same create mode, the same ACL and the same kind of data (null, empty, the same JSON keys).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tbdesk_tests::{bins, paths, report};

fn peer_home() -> PathBuf {
    std::env::var_os("PEER_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/tbs-peer"))
}

struct Outcome {
    verdicts: Vec<String>,
    work: PathBuf,
    code: i32,
}

fn scenario(kit: &Path, script: &str, env: &[(&str, &str)]) -> Outcome {
    let work = tempfile::Builder::new().prefix("tbdesk-peer-").tempdir().expect("work dir").keep();
    let tbdesk = bins::binary("tbdesk", "TBDESK_CLI_BIN");
    let mut cmd = Command::new("timeout");
    // The kit's scenarios by name; ours (topologies beyond the kit's, on its parts) by path.
    let path = if script.contains('/') { paths::repo_root().join(script) } else { kit.join("scenarios").join(script) };
    cmd.args(["600", "bash"]).arg(path).arg(&tbdesk);
    cmd.env("WORK", &work).env("PEER_HOME", peer_home()).env("KIT", kit);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run scenario");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<String> = stdout.lines().filter(|l| l.starts_with("PEER ")).map(str::to_owned).collect();
    eprintln!("== {script} {env:?} (logs in {})\n{}", work.display(), verdicts.join("\n"));
    if verdicts.is_empty() {
        eprintln!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    Outcome { verdicts, work, code: out.status.code().unwrap_or(-1) }
}

/// One dump line: path, mode (ephemeral owner dropped), ACL, data.
fn parse_dump(file: &Path) -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with('/'))
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(6, " | ").collect();
            let [path, mode, _, _, acl, data] = f.as_slice() else { return None };
            let mode = mode.split('(').next().unwrap_or(mode).to_owned();
            Some((path.to_string(), mode, acl.to_string(), data.to_string()))
        })
        .collect()
}

/// The kind of node a path is, with names that vary (servers, factories, items) replaced.
fn role(root: &str, path: &str) -> Option<String> {
    let rel = path.strip_prefix(root)?;
    let seg: Vec<&str> = rel.split('/').skip(1).collect();
    let r = match seg.as_slice() {
        ["factory", _] => "factory/F".into(),
        ["strategy", _, _] => "strategy/S/F".into(),
        ["baseTaskType", _, _] => "domain".into(),
        ["baseTaskType", _, _, "server"] => "domain/server".into(),
        ["baseTaskType", _, _, "server", _] => "domain/server/SERVER".into(),
        ["baseTaskType", _, _, "taskItem"] => "domain/taskItem".into(),
        ["baseTaskType", _, _, "taskItem", _] => "domain/taskItem/ITEM".into(),
        ["baseTaskType", _, _, "taskItem", _, f] => format!("domain/taskItem/ITEM/{f}"),
        _ => return None,
    };
    Some(r)
}

/// Null, empty, the JSON's keys in order, or "text".
fn data_class(data: &str) -> String {
    if data == "<null>" || data == "<empty> (0B)" {
        return data.trim_end_matches(" (0B)").to_owned();
    }
    let body = data.rsplit_once(" (").map_or(data, |(b, _)| b);
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(body) {
        Ok(m) => format!("json{:?}", m.keys().collect::<Vec<_>>()),
        Err(_) => "text".into(),
    }
}

#[test]
fn java_runtime_beside_tbdesk() {
    let mode = std::env::var("TBDESK_PEER").unwrap_or_default();
    let kit = paths::repo_root().join("../shared/java-peer");
    if mode == "off" {
        eprintln!("SKIPPED java peer: TBDESK_PEER=off");
        report::record("java peer", "real TBSchedule 3.3.3.2 beside tbdesk", 0, "SKIPPED (TBDESK_PEER=off)");
        return;
    }
    if !peer_home().join("classpath").is_file() || !kit.join("scenarios").is_dir() {
        eprintln!(
            "SKIPPED java peer: the kit is not built ({} missing); build it with TBS_MIRROR=... {}/build.sh",
            peer_home().join("classpath").display(),
            kit.display()
        );
        report::record("java peer", "real TBSchedule 3.3.3.2 beside tbdesk", 0, "SKIPPED (kit not built here)");
        return;
    }
    // TBDESK_PEER=ensemble: only the two ensemble topologies (seven minutes of the group's 30).
    if mode == "ensemble" {
        let mut failed = ensemble_faults(&kit);
        failed.extend(tbdesk_partitioned(&kit));
        assert!(failed.is_empty(), "java peer:\n{}", failed.join("\n"));
        return;
    }
    let mut runs: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("tbdesk-leads.sh", vec![]),
        ("java-leads.sh", vec![]),
        ("kill9.sh", vec![("ORDER", "tbdesk-first"), ("VICTIM", "tbdesk")]),
        // Java's own strategy name (not tbdesk's), two Java factories first: tbdesk joins it.
        ("tests/peer/java-strategy-named.sh", vec![]),
        // A factory node deleted under a live session, tbdesk's then a Java one's: both
        // restart their thread groups under the same factory name, as Java's refresh does.
        ("tests/peer/factory-deleted.sh", vec![]),
        // tbdesk on a clock 3 h behind, then 3 h ahead (libfaketime), leading two Java
        // factories on the true clock; J1 killed -9: heartbeats judged by ZooKeeper's clock.
        ("tests/peer/clock-skew.sh", vec![("SKEW", "-3h")]),
        ("tests/peer/clock-skew.sh", vec![("SKEW", "+3h")]),
        // The Java console pauses and resumes the strategy tbdesk and a Java factory share
        // (items with parameters): paused, nobody processes and nothing stays registered.
        ("tests/peer/console-pause.sh", vec![]),
        // The Java console clears the task type under everyone, three times: a Java server leads
        // after the first (no items: Java's own behaviour; tbdesk makes none), whoever registers
        // first after the second, tbdesk after the third (it makes the items again a judge-dead
        // interval later and everyone processes).
        ("tests/peer/domain-cleared.sh", vec![]),
        // The Java console edits the strategy's assignNum (6, then 2) with tbdesk leading the
        // strategy, then (tbdesk restarted) 5 with J1 leading: every factory runs what the
        // leader asks, the leader asks Java's split, one asked for none processes nothing.
        ("tests/peer/strategy-edited.sh", vec![]),
        // Two task types in one own sign, each with a Java strategy naming every machine here:
        // tbdesk, running DemoTask's job, joins DemoTask's strategy only; Java runs the other
        // alone (no tbdesk runtime in its strategy, no tbdesk server in its domain).
        ("tests/peer/other-task-type.sh", vec![]),
    ];
    if mode == "all" {
        runs.push(("kill9.sh", vec![("ORDER", "tbdesk-first"), ("VICTIM", "java")]));
        runs.push(("kill9.sh", vec![("ORDER", "java-first"), ("VICTIM", "tbdesk")]));
        runs.push(("kill9.sh", vec![("ORDER", "java-first"), ("VICTIM", "java")]));
    }
    let mut failed = Vec::new();
    // role -> (class -> example path)
    let mut classes: BTreeMap<String, BTreeMap<(String, String, String), String>> = BTreeMap::new();
    for (script, env) in &runs {
        let mut o = scenario(&kit, script, env);
        // TBSchedule 3.3.3.2's own start-up race: a factory making several thread groups at once
        // for a domain's first start, one group's constructor (`clearExpireTaskTypeRunningInfo`:
        // "no taskItem yet" reads as expired) deletes the domain its leader is still creating;
        // the items are left without fields, and the Java groups fail their start for good.
        // When that happened before tbdesk even started, the run says nothing of tbdesk: it is
        // said, and run once more.
        if o.verdicts.iter().any(|v| v.contains(" FAIL")) && java_raced_before_tbdesk(&o.work) {
            let note = format!(
                "{script}: Java's own start-up race (clearExpireTaskTypeRunningInfo of a sibling group) damaged the domain before tbdesk started (logs in {}); run again",
                o.work.display()
            );
            eprintln!("{note}");
            report::record("java peer", "Java's own start-up race: scenario run again", 1, &note);
            o = scenario(&kit, script, env);
        }
        let name = format!(
            "{} {}",
            script.rsplit('/').next().unwrap_or(script).trim_end_matches(".sh"),
            env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        )
        .trim_end()
        .to_owned();
        let mut unexcused = 0;
        for v in &o.verdicts {
            if v.contains(" FAIL") {
                // The kit's monitor stops a block at a read error (a runtime node deleted between
                // its list and its read, a race of every factory stop, Java's too) and check.py
                // reads that block's missing items as "domain gone". Only then, and only when
                // every complete block after the stop and the final dump show the same domain
                // with its items, is the verdict a false alarm: said, not hidden.
                if v.contains("domain-survives-tbdesk-stop FAIL") && domain_really_survived(&o.work) {
                    let note = format!("{name}: {v} -> re-checked: every complete monitor block after Ctrl-C and the final dump show the domain's items (the kit's monitor truncated a block at a read race)");
                    eprintln!("{note}");
                    report::record("java peer", "domain-survives re-check", 1, &note);
                    continue;
                }
                unexcused += 1;
                failed.push(format!("{name}: {v}"));
            }
            report::record("java peer", &format!("{name}: {}", v.split_whitespace().nth(1).unwrap_or("?")), 1, v);
        }
        // check.py exits 1 when a check failed: fine only if every FAIL was re-checked above.
        let exit_ok = o.code == 0 || (o.code == 1 && unexcused == 0);
        if o.verdicts.is_empty() || !exit_ok {
            failed.push(format!(
                "{name}: exit {} ({} verdicts; logs in {})",
                o.code,
                o.verdicts.len(),
                o.work.display()
            ));
        }
        let root = std::fs::read_to_string(o.work.join("meta"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("ROOT=").map(str::to_owned))
            .unwrap_or_default();
        if root.is_empty() {
            continue;
        }
        for (path, mode, acl, data) in parse_dump(&o.work.join("dump-3way.txt")) {
            let Some(r) = role(&root, &path) else { continue };
            let class = data_class(&data);
            if (r.ends_with("/cur_server") || r.ends_with("/req_server")) && class == "<empty>" {
                failed.push(format!("{name}: {path} holds empty data (Java writes null or a server name)"));
            }
            let class = if r.ends_with("/cur_server") || r.ends_with("/req_server") { "owner".into() } else { class };
            classes.entry(r).or_default().entry((mode, acl, class)).or_insert(path);
        }
    }
    for (r, seen) in &classes {
        if seen.len() > 1 {
            let all: Vec<String> = seen.iter().map(|((m, a, c), p)| format!("{m} {a} {c} (e.g. {p})")).collect();
            failed.push(format!("{r}: tbdesk's and Java's nodes differ: {}", all.join(" vs ")));
        }
    }
    report::record(
        "java peer",
        "dump comparison: every kind of node, tbdesk's vs Java's (mode, ACL, null/empty/JSON keys)",
        classes.len(),
        if failed.iter().any(|f| f.contains("differ") || f.contains("empty data")) { "DIFFERENT" } else { "identical" },
    );
    let checked: BTreeSet<&String> = classes.keys().collect();
    eprintln!("dump comparison over {} kinds of node: {checked:?}", checked.len());
    assert!(classes.len() >= 9, "the dumps covered too few kinds of node: {checked:?}");
    failed.extend(ensemble_faults(&kit));
    failed.extend(tbdesk_partitioned(&kit));
    assert!(failed.is_empty(), "java peer:\n{}", failed.join("\n"));
}

/// Whether a Java factory's log shows 3.3.3.2's own start-up race (a group's
/// `clearExpireTaskTypeRunningInfo` deleting the domain being created) before tbdesk started,
/// by the times the kit logs (`HH:MM:SS.mmm` lines; the `events` file's `start tbdesk`).
fn java_raced_before_tbdesk(work: &std::path::Path) -> bool {
    let events = std::fs::read_to_string(work.join("events")).unwrap_or_default();
    let Some(start) = events.lines().find(|l| l.ends_with(" start tbdesk")).and_then(|l| l.split(' ').nth(1)) else {
        return false;
    };
    let Ok(dir) = std::fs::read_dir(work) else { return false };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with('J') && e.file_name().to_string_lossy().ends_with(".log")
        })
        .any(|e| {
            let log = std::fs::read_to_string(e.path()).unwrap_or_default();
            let mut at = "";
            log.lines().any(|l| {
                if let Some(t) = l.split(' ').next().filter(|t| t.len() == 12 && t.as_bytes()[2] == b':') {
                    at = t;
                }
                l.contains("clearExpireTaskTypeRunningInfo") && !at.is_empty() && at < start
            })
        })
}

#[test]
fn a_java_start_up_race_before_tbdesk_is_told_apart() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("events"), "1 13:24:02.339 start J1\n2 13:24:08.350 start tbdesk\n")
        .expect("events");
    let race = "13:24:05.002 ERROR [Timer] TBScheduleManagerFactory - strategy\n\tat com.taobao.pamirs.schedule.zk.ScheduleDataManager4ZK.clearExpireTaskTypeRunningInfo(ScheduleDataManager4ZK.java:505)\n";
    std::fs::write(dir.path().join("J1.log"), race).expect("log");
    assert!(java_raced_before_tbdesk(dir.path()));
    std::fs::write(dir.path().join("J1.log"), race.replace("13:24:05.002", "13:24:09.002")).expect("log");
    assert!(!java_raced_before_tbdesk(dir.path()), "after tbdesk started: tbdesk's run, not excused");
    std::fs::write(dir.path().join("J1.log"), "13:24:05.002 INFO fine\n").expect("log");
    assert!(!java_raced_before_tbdesk(dir.path()));
}

/// The Java console (its real data manager) stops a tbdesk factory and starts it again: tbdesk
/// stops its thread groups and deletes its strategy-runtime node, as a Java factory does
/// (`unRregisterManagerFactory`), and comes back when started. Returns the verdict lines.
async fn console_stops_a_tbdesk_factory(kit: &Path) -> Vec<String> {
    use tbdesk_tests::zk;
    let server = zk::ZkServer::start().expect("zk");
    let zkc = server.connect_string();
    let root = "/tbdesk-peer/console-stop";
    let work = tempfile::tempdir().expect("work");
    let peer = |args: &[&str]| {
        let mut cmd = Command::new("bash");
        cmd.arg(kit.join("peer.sh"))
            .arg(format!("-Dzk={zkc}"))
            .arg(format!("-Droot={root}"))
            .args(["-Dbase=DemoTask", "-Downsign=dev1", "-Dstrategy=DemoTask-dev1-tbdesk"])
            .args(args)
            .env("PEER_HOME", peer_home());
        cmd.output().expect("peer.sh")
    };
    let out = peer(&["-Dwhat=tasktype", "setup"]);
    assert!(out.status.success(), "java setup: {}", String::from_utf8_lossy(&out.stderr));
    let tbdesk = bins::binary("tbdesk", "TBDESK_CLI_BIN");
    let data = work.path().join("data");
    let add = Command::new(&tbdesk)
        .env("TBDESK_DATA_DIR", &data)
        .env("TBDESK_PASSWORD", "password")
        .args(["profile", "add", "peer", "--connect", &zkc, "--root", root, "--digest-user", "ScheduleAdmin"])
        .output()
        .expect("profile add");
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let mut run = Command::new(&tbdesk)
        .env("TBDESK_DATA_DIR", &data)
        .args([
            "scheduler",
            "run",
            "--profile",
            "peer",
            "--own-sign",
            "dev1",
            "--task-type",
            "DemoTask",
            "--groups",
            "2",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tbdesk scheduler run");
    let c = zk::client(&server).await;
    let strategy = format!("{root}/strategy/DemoTask-dev1-tbdesk");
    let servers = format!("{root}/baseTaskType/DemoTask/DemoTask$dev1/server");
    let wait = |what: &'static str, pred: Box<dyn Fn(usize, usize) -> bool + Send>| {
        let (c, strategy, servers) = (c.clone(), strategy.clone(), servers.clone());
        async move {
            for _ in 0..150 {
                let rt = c.list_children(&strategy).await.map(|v| v.len()).unwrap_or(0);
                let sv = c.list_children(&servers).await.map(|v| v.len()).unwrap_or(0);
                if pred(rt, sv) {
                    return format!("PEER {what} PASS (runtimes {rt}, servers {sv})");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            format!("PEER {what} FAIL (not within 15 s)")
        }
    };
    let mut verdicts = vec![wait("tbdesk-registered", Box::new(|rt, sv| rt == 1 && sv == 2)).await];
    let factory = c.list_children(&strategy).await.ok().and_then(|v| v.into_iter().next()).unwrap_or_default();
    let out = peer(&["console", "factory", &factory, "false"]);
    assert!(out.status.success(), "console stop: {}", String::from_utf8_lossy(&out.stderr));
    verdicts.push(wait("console-stop-unregisters-tbdesk", Box::new(|rt, sv| rt == 0 && sv == 0)).await);
    let out = peer(&["console", "factory", &factory, "true"]);
    assert!(out.status.success(), "console start: {}", String::from_utf8_lossy(&out.stderr));
    verdicts.push(wait("console-start-brings-tbdesk-back", Box::new(|rt, sv| rt == 1 && sv == 2)).await);
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(run.id() as i32, libc::SIGINT);
    }
    let _ = run.wait();
    verdicts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_java_console_stops_and_starts_a_tbdesk_factory() {
    let kit = paths::repo_root().join("../shared/java-peer");
    if std::env::var("TBDESK_PEER").as_deref() == Ok("off") || !peer_home().join("classpath").is_file() {
        eprintln!("SKIPPED java peer (console stop): the kit is not built here or TBDESK_PEER=off");
        report::record("java peer", "the Java console stops and starts a tbdesk factory", 0, "SKIPPED");
        return;
    }
    let verdicts = console_stops_a_tbdesk_factory(&kit).await;
    eprintln!("{}", verdicts.join("\n"));
    for v in &verdicts {
        report::record("java peer", "console factory false/true on a tbdesk factory", 1, v);
    }
    assert!(verdicts.iter().all(|v| v.contains(" PASS")), "{verdicts:#?}");
}

/// The oracle file the model's decoders are held to (`crates/model/tests/gson-2.1.tsv`) is
/// what TBSchedule's own gson 2.1 reads today: every case run again through the real classes.
#[test]
fn the_gson_oracle_file_is_what_tbschedules_gson_reads() {
    if std::env::var("TBDESK_PEER").as_deref() == Ok("off") || !peer_home().join("classpath").is_file() {
        eprintln!("SKIPPED java peer (gson oracle): the kit is not built here or TBDESK_PEER=off");
        report::record("java peer", "the gson oracle file against gson 2.1", 0, "SKIPPED");
        return;
    }
    let file = paths::repo_root().join("crates/model/tests/gson-2.1.tsv");
    let text = std::fs::read_to_string(&file).expect("the oracle file");
    let cases: Vec<(&str, &str)> =
        text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.rsplit_once('\t')).collect();
    let classpath = std::fs::read_to_string(peer_home().join("classpath")).expect("classpath");
    let mut child = Command::new("timeout")
        .args(["300", "java", "-cp", classpath.trim()])
        .arg(paths::repo_root().join("tests/peer/GsonOracle.java"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("java");
    let input: String = cases.iter().map(|(i, _)| format!("{i}\n")).collect();
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()));
    let out = child.wait_with_output().expect("oracle output");
    feeder.join().expect("feeder").expect("oracle input");
    let verdicts: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(verdicts.len(), cases.len(), "one verdict per case (java exited {:?})", out.status);
    let drift: Vec<String> = cases
        .iter()
        .zip(&verdicts)
        .filter(|((_, want), got)| want != got)
        .map(|((input, want), got)| format!("{input}\n  file: {want}\n  java: {got}"))
        .collect();
    report::record(
        "java peer",
        "the gson oracle file against gson 2.1",
        1,
        &format!("{} cases, {} differ", cases.len(), drift.len()),
    );
    assert!(drift.is_empty(), "the oracle file drifted from gson 2.1:\n{}", drift.join("\n"));
}

/// The domain of a scenario outlived tbdesk's Ctrl-C although check.py said "gone": only when
/// (1) the blocks check.py read as "gone" were cut short by a read error on a node *below* the
/// domain's directories (a strategy runtime, a server or an item field vanishing between a list
/// and a read), never on the domain, `server` or `taskItem` themselves; (2) every complete block
/// after the stop lists items, and there is at least one; (3) the domain node in the final dump
/// is the one of the dump before the stop (same creation time: not deleted and re-made).
fn domain_really_survived(work: &Path) -> bool {
    let events = std::fs::read_to_string(work.join("events")).unwrap_or_default();
    let Some(t_stop) = events
        .lines()
        .find(|l| l.contains("sigint tbdesk"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return false;
    };
    let meta = std::fs::read_to_string(work.join("meta")).unwrap_or_default();
    let get = |k: &str| meta.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap_or_default().to_owned();
    let (root, base, sign) = (get("ROOT"), get("BASE"), get("OWNSIGN"));
    if root.is_empty() || base.is_empty() {
        return false;
    }
    let domain = format!("{root}/baseTaskType/{base}/{base}${sign}");
    let vital = [domain.clone(), format!("{domain}/server"), format!("{domain}/taskItem")];
    let monitor = std::fs::read_to_string(work.join("monitor.log")).unwrap_or_default();
    let mut blocks: Vec<(i64, Vec<&str>)> = Vec::new();
    for l in monitor.lines() {
        if let Some(rest) = l.strip_prefix("==== ") {
            let t = rest.split_whitespace().nth(1).and_then(|t| t.parse().ok()).unwrap_or(0);
            blocks.push((t, Vec::new()));
        } else if let Some(b) = blocks.last_mut() {
            b.1.push(l);
        }
    }
    let after: Vec<&(i64, Vec<&str>)> = blocks.iter().filter(|(t, _)| *t >= t_stop).collect();
    let errs = |ls: &Vec<&str>| -> Vec<String> {
        ls.iter()
            .filter(|l| l.contains("ERR "))
            .map(|l| l.rsplit(" for ").next().unwrap_or("").trim().to_owned())
            .collect()
    };
    let mut excused = 0;
    let mut complete = 0;
    for (_, ls) in &after {
        let e = errs(ls);
        if e.is_empty() {
            complete += 1;
            if !ls.iter().any(|l| l.starts_with("  item ")) {
                return false; // a complete block without items: really gone
            }
        } else if e.iter().any(|p| p.is_empty() || vital.iter().any(|v| p == v)) {
            return false; // the domain or one of its directories was missing
        } else {
            excused += 1;
        }
    }
    let ctime = |file: &Path| -> Option<String> {
        let text = std::fs::read_to_string(file).ok()?;
        let line = text.lines().find(|l| l.starts_with(&format!("{domain} |")))?;
        line.split(" | ").nth(3).map(|t| t.split_whitespace().next().unwrap_or("").to_owned())
    };
    let before = last_dump_before(work, t_stop).and_then(|f| ctime(&f));
    let same_domain = before.is_some() && before == ctime(&work.join("dump-end.txt"));
    complete > 0 && excused > 0 && same_domain
}

/// The scenario's last dump (`dump-*.txt`, but the end's) written before `t_ms` (epoch ms):
/// the domain as it was just before tbdesk's stop, whatever the topology named its dumps.
fn last_dump_before(work: &Path, t_ms: i64) -> Option<PathBuf> {
    let written = |p: &Path| -> Option<i64> {
        let t = std::fs::metadata(p).ok()?.modified().ok()?;
        i64::try_from(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis()).ok()
    };
    std::fs::read_dir(work)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("dump-") && name.ends_with(".txt") && name != "dump-end.txt"
        })
        .filter_map(|p| written(&p).filter(|t| *t <= t_ms).map(|t| (t, p)))
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
}

/// Appends `text` to a scenario's events file as the scenario's own `event` does
/// (`epoch_ms HH:MM:SS.mmm text`), so its checks see what the caller did and when.
fn caller_event(work: &Path, text: &str) {
    use std::io::Write;
    let now = chrono::Utc::now();
    let line = format!("{} {} caller: {text}\n", now.timestamp_millis(), now.format("%H:%M:%S%.3f"));
    if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(work.join("events")) {
        let _ = f.write_all(line.as_bytes());
    }
    eprintln!("caller: {text}");
}

/// Waits (at most `limit`, and only while the scenario runs) for its events file to hold a line
/// containing `marker`.
fn wait_for_event(work: &Path, child: &mut std::process::Child, marker: &str, limit: Duration) -> bool {
    let t0 = std::time::Instant::now();
    while t0.elapsed() < limit && matches!(child.try_wait(), Ok(None)) {
        if std::fs::read_to_string(work.join("events")).unwrap_or_default().contains(marker) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A started 3-server ensemble with a quorum and one of its followers, or why not.
fn ensemble(name: &str) -> Result<(tbdesk_zkserver::Ensemble, usize), String> {
    let e = tbdesk_zkserver::Ensemble::start(3, &tbdesk_zkserver::Options::default())
        .map_err(|err| format!("{name}: no ensemble: {err}"))?;
    e.wait_for_quorum(Duration::from_secs(60)).map_err(|_| format!("{name}: the ensemble never served"))?;
    let follower = (0..e.len())
        .find(|i| e.mode(*i).as_deref() == Some("follower"))
        .ok_or_else(|| format!("{name}: no follower"))?;
    Ok((e, follower))
}

/// Runs our topology `tests/peer/NAME.sh` against the ensemble `e` (its connect string in ZK,
/// `env` beside it) while `act` does the faults the script marks in its events file; then
/// reads its verdicts, records them and returns the failures (`act` pushes its own problems).
fn on_ensemble(
    kit: &Path,
    name: &str,
    e: &mut tbdesk_zkserver::Ensemble,
    env: &[(&str, String)],
    act: impl FnOnce(&mut tbdesk_zkserver::Ensemble, &Path, &mut std::process::Child, &mut Vec<String>),
) -> Vec<String> {
    let mut problems = Vec::new();
    let work = tempfile::Builder::new().prefix("tbdesk-peer-").tempdir().expect("work dir").keep();
    let script = paths::repo_root().join(format!("tests/peer/{name}.sh"));
    let mut child = Command::new("timeout")
        .args(["600", "bash"])
        .arg(&script)
        .arg(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .env("WORK", &work)
        .env("PEER_HOME", peer_home())
        .env("KIT", kit)
        .env("ZK", e.connect_string())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run scenario");
    // A panic here must not leave the script and its JVMs running against a gone ensemble:
    // SIGTERM to `timeout` reaches the script, whose trap stops everything it started.
    struct StopOnDrop(u32, bool);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            if self.1 {
                // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
                unsafe {
                    libc::kill(self.0 as i32, libc::SIGTERM);
                }
            }
        }
    }
    let mut guard = StopOnDrop(child.id(), true);
    act(e, &work, &mut child, &mut problems);
    guard.1 = false;
    let out = child.wait_with_output().expect("scenario");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<&str> = stdout.lines().filter(|l| l.starts_with("PEER ")).collect();
    eprintln!("== {name} (logs in {})\n{}", work.display(), verdicts.join("\n"));
    for v in &verdicts {
        report::record("java peer", &format!("{name}: {}", v.split_whitespace().nth(1).unwrap_or("?")), 1, v);
    }
    // The kit's one known false alarm (see `domain_really_survived`), re-checked and said.
    let failed: Vec<&&str> = verdicts
        .iter()
        .filter(|v| v.contains(" FAIL"))
        .filter(|v| !(v.contains("domain-survives-tbdesk-stop FAIL") && domain_really_survived(&work)))
        .collect();
    let excused = verdicts.iter().filter(|v| v.contains(" FAIL")).count() - failed.len();
    if excused > 0 {
        report::record("java peer", "domain-survives re-check", 1, &format!("{name}: re-checked, the domain survived"));
    }
    let exit_ok = out.status.success() || (out.status.code() == Some(1) && failed.is_empty());
    let mut out: Vec<String> = failed.iter().map(|v| format!("{name}: {v}")).collect();
    out.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
    if verdicts.is_empty() || !exit_ok {
        out.push(format!("{name}: {} verdicts, exit {:?} (logs in {})", verdicts.len(), exit_ok, work.display()));
    }
    out
}

/// Whether every server of `e` serves again within a minute (said in `problems` if not).
fn serving(e: &tbdesk_zkserver::Ensemble, what: &str, problems: &mut Vec<String>) -> bool {
    let back = e.wait_for_quorum(Duration::from_secs(60)).is_ok();
    if !back {
        problems.push(format!("not every server served again 60 s after {what}"));
    }
    back
}

/// How long a topology may take to reach each of its marks.
const MARK_LIMIT: Duration = Duration::from_secs(180);

/// tbdesk leading two Java factories on a 3-server ensemble (`tests/peer/ensemble-faults.sh`)
/// through the faults production ensembles meet: the serving leader killed (back 15 s later),
/// a follower frozen for 20 s, the quorum lost for 20 s (two servers killed). After each, every
/// member processes again, no item is on two servers at once, and tbdesk's Ctrl-C leaves the
/// domain the Java factories run. Run by `java_runtime_beside_tbdesk` after its scenarios (one
/// set of JVMs at a time on two cores); returns the failures.
fn ensemble_faults(kit: &Path) -> Vec<String> {
    let name = "ensemble-faults";
    // The kit's monitor is the check's eye on the servers and the items during every fault, so
    // it sits on one server, `watched`, a follower now, that is never frozen nor among the two
    // killed for the quorum's loss (a monitor on the frozen follower saw nothing for the whole
    // freeze, and the check then could not tell a Java zombie from a double). It is the leader
    // killed first only if it has become the leader by then.
    let (mut e, watched) = match ensemble(name) {
        Ok(x) => x,
        Err(problem) => return vec![problem],
    };
    // The two servers killed for the quorum's loss: those the monitor is not on.
    let others: Vec<usize> = (0..e.len()).filter(|i| *i != watched).collect();
    let [one, other] = others[..] else {
        return vec![format!("{name}: {} servers, not 3", e.len())];
    };
    let env = [("MONITOR_ZK", e.addr(watched).to_string())];
    on_ensemble(kit, name, &mut e, &env, |e, work, child, problems| {
        if wait_for_event(work, child, "ensemble: kill the leader", MARK_LIMIT) {
            match e.leader() {
                Some(leader) => {
                    e.stop(leader);
                    caller_event(work, &format!("killed the leader, server {leader}"));
                    std::thread::sleep(Duration::from_secs(15));
                    if let Err(err) = e.restart(leader) {
                        problems.push(format!("restart of server {leader}: {err}"));
                    }
                    let back = serving(e, "the leader's kill", problems);
                    caller_event(work, &format!("leader back: server {leader} started again; all serving: {back}"));
                }
                None => problems.push("no serving leader to kill".into()),
            }
        }
        if wait_for_event(work, child, "ensemble: freeze a follower", MARK_LIMIT) {
            match (0..e.len()).find(|i| *i != watched && e.mode(*i).as_deref() == Some("follower")) {
                Some(follower) => {
                    e.pause(follower, true);
                    caller_event(work, &format!("froze follower {follower}"));
                    std::thread::sleep(Duration::from_secs(20));
                    e.pause(follower, false);
                    caller_event(work, &format!("thawed follower {follower}"));
                    let back = serving(e, "the thaw", problems);
                    caller_event(work, &format!("follower back: all serving: {back}"));
                }
                None => problems.push("no follower to freeze".into()),
            }
        }
        if wait_for_event(work, child, "ensemble: lose the quorum", MARK_LIMIT) {
            e.stop(one);
            e.stop(other);
            caller_event(work, &format!("quorum lost: servers {one} and {other} killed"));
            std::thread::sleep(Duration::from_secs(20));
            for i in [one, other] {
                if let Err(err) = e.restart(i) {
                    problems.push(format!("restart of server {i}: {err}"));
                }
            }
            let back = serving(e, "the quorum's loss", problems);
            caller_event(work, &format!("quorum back: servers {one} and {other} started again; all serving: {back}"));
        }
    })
}

/// Two Java factories leading the domain on a 3-server ensemble, tbdesk beside them on one
/// follower only (its profile names that server; the Java side names the other two), and that
/// follower frozen for 25 s (`tests/peer/tbdesk-partitioned.sh`): tbdesk alone is cut off. The
/// Java leader hands its items on after judge-dead; tbdesk must have stopped before (no item on
/// two servers, nothing excused), and once back it registers again and processes.
fn tbdesk_partitioned(kit: &Path) -> Vec<String> {
    let name = "tbdesk-partitioned";
    let (mut e, cut) = match ensemble(name) {
        Ok(x) => x,
        Err(problem) => return vec![problem],
    };
    let java: Vec<usize> = (0..e.len()).filter(|i| *i != cut).collect();
    let java_zk = java.iter().map(|i| e.addr(*i).to_string()).collect::<Vec<_>>().join(",");
    let env =
        [("TBDESK_ZK", e.addr(cut).to_string()), ("JAVA_ZK", java_zk), ("MONITOR_ZK", e.addr(java[0]).to_string())];
    on_ensemble(kit, name, &mut e, &env, |e, work, child, problems| {
        if wait_for_event(work, child, "ensemble: freeze tbdesk's server", MARK_LIMIT) {
            e.pause(cut, true);
            caller_event(work, &format!("froze tbdesk's server {cut}"));
            std::thread::sleep(Duration::from_secs(25));
            e.pause(cut, false);
            caller_event(work, &format!("thawed tbdesk's server {cut}"));
            let back = serving(e, "the thaw", problems);
            caller_event(work, &format!("tbdesk's server back: all serving: {back}"));
        }
    })
}

/// The re-check of the kit's "domain gone" excuses a monitor block cut short by a read race and
/// nothing else: a block cut at the domain's own directory, a complete block without items, or
/// a domain re-made (another creation time than just before the stop) keep the FAIL. Built on
/// a scenario directory written here, in the kit's formats (events, meta, monitor, dumps).
#[test]
fn the_domain_recheck_excuses_only_a_block_cut_by_a_read_race() {
    let (root, base, sign) = ("/r", "DemoTask", "dev1");
    let domain = format!("{root}/baseTaskType/{base}/{base}${sign}");
    let dump = |ctime: &str| {
        format!("# dump\n{domain} | PERSISTENT | v=0 cv=6 | c={ctime} m={ctime} | [world:anyone:perms=1] | <null>\n")
    };
    let race = format!("  strategyRt S/f1 = ERR KeeperErrorCode = NoNode for {root}/strategy/S/f1");
    let items = "servers(reload v=1, data=reload=true)=[a]\ntaskItem leader=a\n  item 0 cur=A$1 req=<null>";
    let case = |cut: &str, complete: &str, end_ctime: &str| -> bool {
        let dir = tempfile::tempdir().expect("dir");
        let w = dir.path();
        std::fs::write(w.join("meta"), format!("ROOT={root}\nBASE={base}\nOWNSIGN={sign}\n")).expect("meta");
        std::fs::write(w.join("dump-3way.txt"), dump("02:12:32.280")).expect("dump");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock");
        let t_stop = i64::try_from(now.as_millis()).expect("ms") + 5_000;
        std::fs::write(w.join("events"), format!("{t_stop} 00:00:00.000 sigint tbdesk\n")).expect("events");
        std::fs::write(w.join("dump-end.txt"), dump(end_ctime)).expect("dump");
        let monitor = format!(
            "==== 00:00:00.000 {}\nfactories=[f1]\n{items}\n==== 00:00:00.010 {}\nfactories=[f1]\n{cut}\n==== 00:00:00.100 {}\nfactories=[f2]\n{complete}\n",
            t_stop - 100,
            t_stop + 10,
            t_stop + 100
        );
        std::fs::write(w.join("monitor.log"), monitor).expect("monitor");
        domain_really_survived(w)
    };
    let same = "02:12:32.280";
    assert!(case(&race, items, same), "a block cut by a strategy runtime's read race is excused");
    assert!(!case(&race, items, "02:13:00.000"), "a domain re-made after the stop is not excused");
    assert!(!case(&race, "servers(reload v=1, data=)=[]", same), "a complete block without items is gone");
    let vital = format!("ERR KeeperErrorCode = NoNode for {domain}/taskItem");
    assert!(!case(&vital, items, same), "a block cut at the domain's taskItem is gone");
    assert!(!case(&race, &race, same), "with no complete block after the stop nothing is shown");
}

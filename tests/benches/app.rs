//! App benchmark, driving the real release window under Xvfb (run with
//! `xvfb-run -a cargo bench -p tbdesk-tests --bench app` after building the release app):
//! - cold start: from asking WebDriver for a session (the app process starts) to the profile
//!   list painted;
//! - memory: RSS of the app and all its processes (WebKit web and network processes) after
//!   loading the ~32,000-node synthetic root, beside two baselines from the same run: the
//!   stack's floor (`tbdesk-floor`, a bare tauri window with one static page) and the app on an
//!   empty root;
//! - change in ZooKeeper → DOM updated (a MutationObserver timestamps the change in the page),
//!   median and p99 over 100 changes.
//!
//! Each figure is printed beside its target and the ratio figure / target.

use std::time::{Duration, Instant};

use tbdesk_tests::{app::AppSession, bins, zk};

/// A `kB` field of a /proc file (`VmRSS:` in status, `Pss:` in smaps_rollup).
fn proc_kib(pid: u32, file: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn rss_kib(pid: u32) -> u64 {
    proc_kib(pid, "status", "VmRSS:")
}

fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
            let ppid = std::fs::read_to_string(format!("/proc/{p}/stat")).ok().and_then(|s| {
                s.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
            });
            if ppid == Some(pid) {
                out.push(p);
                out.extend(children(p));
            }
        }
    }
    out
}

/// The processes named `comm` and all their descendants (WebKit's web and network processes).
fn pids_of(comm: &str) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
            if std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == comm) {
                out.push(p);
                out.extend(children(p));
            }
        }
    }
    out
}

/// RSS of `pids` in MiB, printed per process under `label`.
fn rss_report(label: &str, pids: &[u32]) -> f64 {
    let (mut total, mut pss) = (0, 0);
    let mut parts = Vec::new();
    for p in pids {
        let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        let kib = rss_kib(*p);
        total += kib;
        pss += proc_kib(*p, "smaps_rollup", "Pss:");
        parts.push(format!("{} {} MiB", comm.trim(), kib / 1024));
    }
    let mib = total as f64 / 1024.0;
    // RSS counts the shared libraries once per process; PSS splits them (for reference only:
    // the target is on RSS).
    println!("{label}: {mib:.0} MiB ({}; PSS {:.0} MiB)", parts.join(", "), pss as f64 / 1024.0);
    mib
}

/// The UI's wasm linear memory (`window.tbdeskWasmBytes()`), MiB.
async fn wasm_mib(app: &AppSession) -> f64 {
    let v = app.client.execute("return window.tbdeskWasmBytes();", vec![]).await.expect("window.tbdeskWasmBytes");
    v.as_f64().expect("a number of bytes") / 1048576.0
}

fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

#[tokio::main]
async fn main() {
    let server = zk::ZkServer::start().expect("ZooKeeper");
    let c = zk::client(&server).await;
    let root = "/bench/app";
    let nodes = zk::build_synthetic_root(&c, root, 200).await;
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "bench", &server.connect_string(), root, "none", false).await;
    let bin = bins::binary("tbdesk-app", "TBDESK_APP_BIN");
    println!("app binary: {}", bin.display());

    // Floor: the bare stack (tauri 2 + WebKitGTK, one static page, the app's WebKit settings).
    let floor_bin = bins::binary("tbdesk-floor", "TBDESK_FLOOR_BIN");
    let mut floor = std::process::Command::new(&floor_bin).spawn().expect("start tbdesk-floor");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let floor_pids: Vec<u32> = std::iter::once(floor.id()).chain(children(floor.id())).collect();
    assert!(floor_pids.len() >= 3, "tbdesk-floor did not start its web and network processes: {floor_pids:?}");
    let floor_mib = rss_report("RSS of the stack's floor (bare tauri window, static page)", &floor_pids);
    for p in floor_pids.iter().skip(1) {
        let _ = std::process::Command::new("kill").arg(p.to_string()).status();
    }
    let _ = floor.kill();
    let _ = floor.wait();

    // Baseline: the same app on an empty root.
    let small = tempfile::tempdir().expect("data dir");
    zk::put(&c, "/bench/small", b"tbschedule-3.2.12").await;
    tbdesk_tests::app::add_profile(small.path(), "small", &server.connect_string(), "/bench/small", "none", false)
        .await;
    let app = AppSession::start(&bin, small.path()).await;
    app.wait_text("#status", |t| t.contains("/bench/small")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let base = rss_report("RSS of the app with an empty root", &pids_of("tbdesk-app"));
    println!("  the UI's wasm linear memory: {:.1} MiB", wasm_mib(&app).await);
    println!("  app on an empty root / floor: {:.2} ({:.0} MiB above the floor)", base / floor_mib, base - floor_mib);
    app.close().await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let t0 = Instant::now();
    let app = AppSession::start(&bin, data.path()).await;
    app.wait_for("#profile-bench").await;
    let start = t0.elapsed().as_secs_f64();
    println!("cold start to painted profile list: {start:.2} s (target < 1.5 s, ratio {:.2})", start / 1.5);

    let t1 = Instant::now();
    app.wait_text("#status", |t| t.contains(&format!("{} nodes", nodes - 1)) || t.contains(&format!("{nodes} nodes")))
        .await;
    app.wait_for("#strategy-Strategy0199").await;
    println!("first load of the {nodes}-node root to a painted overview: {:.2} s", t1.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mib = rss_report("RSS of the app after loading the root", &pids_of("tbdesk-app"));
    println!("  the UI's wasm linear memory: {:.1} MiB", wasm_mib(&app).await);
    let elements = app.client.execute("return document.getElementsByTagName('*').length;", vec![]).await;
    println!("  DOM elements: {}", elements.ok().and_then(|v| v.as_u64()).unwrap_or(0));
    println!(
        "  loaded / floor: {:.2}; {:.0} MiB above the floor, {:.0} MiB of it for the root",
        mib / floor_mib,
        mib - floor_mib,
        mib - base
    );
    println!(
        "  loaded vs target: {mib:.0} MiB, target < 250 MB = 238 MiB, ratio {:.2} (the floor alone: ratio {:.2})",
        mib / 238.4,
        floor_mib / 238.4
    );

    // After the RSS figure: this fetch would add its own copy.
    let bytes = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('snapshot', { args: { profile: 'bench' } }).then(b => done(b.byteLength), e => done(-1));",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_i64())
        .unwrap_or(-1);
    println!("one state of the root as the UI fetches it: {:.1} MiB of JSON", bytes as f64 / 1048576.0);

    // Change -> DOM: the page records when the assignNum cell of one strategy shows each value.
    app.client
        .execute(
            "window.__seen = {};
             new MutationObserver(() => {
               const row = document.querySelector('#strategy-Strategy0000');
               if (!row) return;
               const m = row.textContent.match(/(\\d+) \\/ \\d+/);
               if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = Date.now();
             }).observe(document.body, { subtree: true, childList: true, characterData: true });",
            vec![],
        )
        .await
        .expect("observer");
    let path = format!("{root}/strategy/Strategy0000");
    let (blob, _) = c.get_data(&path).await.expect("strategy");
    let mut s = tbdesk_model::records::Strategy::decode(&blob).expect("decode");
    let mut sent = Vec::new();
    for i in 0..100i64 {
        s.assign_num = 1000 + i;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as f64;
        c.set_data(&path, s.encode().as_bytes(), None).await.expect("write");
        sent.push((1000 + i, now));
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = app.client.execute("return window.__seen;", vec![]).await.expect("seen");
    let mut delays: Vec<f64> =
        sent.iter().filter_map(|(v, t)| seen.get(v.to_string()).and_then(|x| x.as_f64()).map(|s| s - t)).collect();
    let missed = sent.len() - delays.len();
    let (p50, p99) = (pct(&mut delays, 0.5), pct(&mut delays, 0.99));
    println!(
        "change -> DOM over {} changes ({missed} coalesced away): median {p50:.0} ms, p99 {p99:.0} ms (target p99 < 200 ms, ratio {:.2})",
        sent.len(),
        p99 / 200.0
    );
    app.close().await;
}

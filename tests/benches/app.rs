//! App benchmark, driving the real release window under Xvfb (run with
//! `xvfb-run -a cargo bench -p tbdesk-tests --bench app` after building the release app):
//! - cold start: from asking WebDriver for a session (the app process starts) to the profile
//!   list painted;
//! - WebKitGTK's memory knobs (src-tauri/src/webkit.rs, GALLIUM_DRIVER), each applied to the
//!   floor and the app alike, the app with the 32k root loaded;
//! - memory: PSS (the headline: shared pages split between processes) and RSS of the app and all
//!   its processes (WebKit web and network processes) after loading the ~32,000-node synthetic
//!   root, beside two baselines from the same run: the stack's floor (`tbdesk-floor`, a bare
//!   tauri window with one static page) and the app on an empty root;
//! - the same against a root ten times as large (320,000 nodes): load time, PSS, DOM elements,
//!   change -> DOM;
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

/// Memory of a set of processes, MiB.
#[derive(Clone, Copy)]
struct Mem {
    /// Proportional set size summed: each shared page split between the processes mapping it;
    /// what the system loses (the headline).
    pss: f64,
    /// Resident set size summed: every shared library counted once per process.
    rss: f64,
}

/// PSS and RSS of `pids`, printed per process under `label`.
fn mem_report(label: &str, pids: &[u32]) -> Mem {
    let (mut rss, mut pss) = (0, 0);
    let mut parts = Vec::new();
    for p in pids {
        let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        let (r, s) = (rss_kib(*p), proc_kib(*p, "smaps_rollup", "Pss:"));
        rss += r;
        pss += s;
        parts.push(format!("{} {}/{}", comm.trim(), s / 1024, r / 1024));
    }
    let m = Mem { pss: pss as f64 / 1024.0, rss: rss as f64 / 1024.0 };
    println!("{label}: PSS {:.0} MiB (RSS {:.0} MiB; per process PSS/RSS: {})", m.pss, m.rss, parts.join(", "));
    m
}

/// PSS per mapping (a library's file name, `[heap]`, `[anon]`...) of each process, KiB, keyed
/// by the process's name and the mapping's: where the memory is.
fn pss_by_mapping(pids: &[u32]) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    let split_anon = std::env::var_os("TBDESK_BENCH_ANON").is_some();
    for p in pids {
        let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        let comm = match comm.trim() {
            c if c.starts_with("WebKitWeb") => "web",
            c if c.starts_with("WebKitNet") => "network",
            _ => "ui",
        };
        let Ok(smaps) = std::fs::read_to_string(format!("/proc/{p}/smaps")) else { continue };
        let mut name = String::new();
        for line in smaps.lines() {
            let mut f = line.split_whitespace();
            let first = f.next().unwrap_or_default();
            if first.contains('-') && !first.ends_with(':') {
                let perms = f.next().unwrap_or_default().to_owned();
                let path = f.nth(3).unwrap_or("[anon]");
                name = path.rsplit('/').next().unwrap_or(path).to_owned();
                if split_anon && name == "[anon]" {
                    let size = first.split_once('-').and_then(|(a, b)| {
                        Some(u64::from_str_radix(b, 16).ok()?.saturating_sub(u64::from_str_radix(a, 16).ok()?) >> 20)
                    });
                    name = format!("[anon {perms} {} MiB]", size.unwrap_or(0));
                }
            } else if first == "Pss:" {
                let kib: u64 = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
                *out.entry(format!("{comm} {name}")).or_insert(0) += kib;
            }
        }
    }
    out
}

/// Prints the mappings whose PSS differs most between `app` and `floor` (MiB): what the app adds.
fn print_mapping_diff(floor: &std::collections::BTreeMap<String, u64>, app: &std::collections::BTreeMap<String, u64>) {
    let keys: std::collections::BTreeSet<&String> = floor.keys().chain(app.keys()).collect();
    let mut diff: Vec<(i64, &String)> =
        keys.into_iter().map(|k| (*app.get(k).unwrap_or(&0) as i64 - *floor.get(k).unwrap_or(&0) as i64, k)).collect();
    diff.sort_by_key(|(d, _)| -d.abs());
    println!("  where the app's PSS differs from the floor's (process, mapping: MiB):");
    for (d, k) in diff.iter().take(if std::env::var_os("TBDESK_BENCH_ANON").is_some() { 40 } else { 14 }) {
        println!("    {:+6.1} {k}", *d as f64 / 1024.0);
    }
}

/// The floor (`tbdesk-floor`) with `env`: its memory after 5 s, and its PSS by mapping.
fn floor_mem(label: &str, env: &[(&str, &str)]) -> (Mem, std::collections::BTreeMap<String, u64>) {
    process_mem(&bins::binary("tbdesk-floor", "TBDESK_FLOOR_BIN"), env, Duration::from_secs(5), label)
}

/// `bin` started by itself (no WebDriver) with `env`: its processes' memory after `wait`, and
/// their PSS by mapping; then all of them are killed.
fn process_mem(
    bin: &std::path::Path,
    env: &[(&str, &str)],
    wait: Duration,
    label: &str,
) -> (Mem, std::collections::BTreeMap<String, u64>) {
    let mut main = std::process::Command::new(bin)
        .envs(env.iter().copied())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    std::thread::sleep(wait);
    let pids: Vec<u32> = std::iter::once(main.id()).chain(children(main.id())).collect();
    assert!(pids.len() >= 3, "{} did not start its web and network processes: {pids:?}", bin.display());
    let m = (mem_report(label, &pids), pss_by_mapping(&pids));
    // TBDESK_BENCH_HOLD=<s>: the processes stay that long after the figure, to look into.
    if let Some(hold) = std::env::var("TBDESK_BENCH_HOLD").ok().and_then(|s| s.parse::<u64>().ok()) {
        println!("  holding pids {pids:?} for {hold} s");
        std::thread::sleep(Duration::from_secs(hold));
    }
    for p in pids.iter().skip(1) {
        let _ = std::process::Command::new("kill").arg(p.to_string()).status();
    }
    let _ = main.kill();
    let _ = main.wait();
    m
}

/// The app on `data`'s profile with `env`, waited until the root's `nodes` show and the overview
/// is painted; answers the session, the seconds to the painted overview, and its memory.
async fn loaded_app(
    bin: &std::path::Path,
    data: &std::path::Path,
    env: &[(&str, &str)],
    nodes: usize,
    label: &str,
) -> (AppSession, f64, Mem) {
    // From asking for the session (the app starts and opens the profile by itself) to the
    // painted overview: the start's share is the small root's as much as the large one's.
    let t = Instant::now();
    let app = AppSession::start_with_env(bin, data, env).await;
    app.wait_text("#status", |t| t.contains(&format!("{} nodes", nodes - 1)) || t.contains(&format!("{nodes} nodes")))
        .await;
    app.wait_for("#strategy-Strategy0000").await;
    let load = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let m = mem_report(label, &pids_of("tbdesk-app"));
    (app, load, m)
}

async fn dom_elements(app: &AppSession) -> u64 {
    let elements = app.client.execute("return document.getElementsByTagName('*').length;", vec![]).await;
    elements.ok().and_then(|v| v.as_u64()).unwrap_or(0)
}

/// Change -> DOM over `n` changes of Strategy0000's assignNum, 400 ms apart: (median, p99, missed).
async fn change_to_dom(app: &AppSession, c: &zookeeper_client::Client, root: &str, n: i64) -> (f64, f64, usize) {
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
    for i in 0..n {
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
    (pct(&mut delays, 0.5), pct(&mut delays, 0.99), missed)
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
    let server =
        zk::ZkServer::start_with(tbdesk_zkserver::Options { heap_mib: 1536, ..Default::default() }).expect("ZooKeeper");
    let c = zk::client(&server).await;
    let root = "/bench/app";
    let nodes = zk::build_synthetic_root(&c, root, 200).await;
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "bench", &server.connect_string(), root, "none", false).await;
    let bin = bins::binary("tbdesk-app", "TBDESK_APP_BIN");
    println!("app binary: {}", bin.display());

    // WebKitGTK's knobs, each applied to the floor and to the app on the 32k root alike
    // (src-tauri/src/webkit.rs; GALLIUM_DRIVER picks Mesa's software renderer).
    println!("WebKit knobs, the floor and the app with the {nodes}-node root loaded (PSS, MiB):");
    let variants: &[(&str, &str, &str)] = &[
        ("none (llvmpipe)", "none", "llvmpipe"),
        ("doc-viewer", "doc-viewer", "llvmpipe"),
        ("no-page-cache", "no-page-cache", "llvmpipe"),
        ("features-off", "features-off", "llvmpipe"),
        ("pressure", "pressure", "llvmpipe"),
        ("none, softpipe", "none", "softpipe"),
        ("all four, llvmpipe", "doc-viewer,no-page-cache,features-off,pressure", "llvmpipe"),
        ("all four, softpipe", "doc-viewer,no-page-cache,features-off,pressure", "softpipe"),
    ];
    // TBDESK_BENCH_ONLY=memory: the defaults' floor and loaded app only, with where the memory is.
    let memory_only = std::env::var("TBDESK_BENCH_ONLY").is_ok_and(|v| v == "memory");
    let variants = if memory_only { &variants[..0] } else { variants };
    let mut sweep = Vec::new();
    for (label, knobs, gallium) in variants {
        let env = [("TBDESK_WEBKIT", *knobs), ("GALLIUM_DRIVER", *gallium)];
        let (f, _) = floor_mem(&format!("  floor, {label}"), &env);
        let (app, _, m) = loaded_app(&bin, data.path(), &env, nodes, &format!("  app, {label}")).await;
        app.close().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        sweep.push((label, f, m));
    }
    if let Some((_, _, m0)) = sweep.first().copied() {
        println!("| knobs | floor PSS | app PSS | app above floor | app PSS vs none |");
        for (label, f, m) in &sweep {
            println!("| {label} | {:.0} | {:.0} | {:.0} | {:.2} |", f.pss, m.pss, m.pss - f.pss, m.pss / m0.pss);
        }
    }

    // The rest with the app's defaults (the knobs it adopted; GALLIUM_DRIVER as the system has it).
    let (floor, floor_maps) = floor_mem("PSS of the stack's floor (bare tauri window, static page)", &[]);

    // Baseline: the same app on an empty root.
    let small = tempfile::tempdir().expect("data dir");
    zk::put(&c, "/bench/small", b"tbschedule-3.2.12").await;
    tbdesk_tests::app::add_profile(small.path(), "small", &server.connect_string(), "/bench/small", "none", false)
        .await;
    let app = AppSession::start(&bin, small.path()).await;
    app.wait_text("#status", |t| t.contains("/bench/small")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let base = mem_report("PSS of the app with an empty root", &pids_of("tbdesk-app"));
    println!("  the UI's wasm linear memory: {:.1} MiB", wasm_mib(&app).await);
    println!(
        "  app on an empty root / floor: {:.2} ({:.0} MiB above the floor)",
        base.pss / floor.pss,
        base.pss - floor.pss
    );
    app.close().await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let t0 = Instant::now();
    let app = AppSession::start(&bin, data.path()).await;
    app.wait_for("#profile-bench").await;
    let start = t0.elapsed().as_secs_f64();
    println!("cold start to painted profile list: {start:.2} s (target < 1.5 s, ratio {:.2})", start / 1.5);
    app.wait_text("#status", |t| t.contains(&format!("{} nodes", nodes - 1)) || t.contains(&format!("{nodes} nodes")))
        .await;
    app.wait_for("#strategy-Strategy0000").await;
    // From the app's start: it opens the profile by itself, often before the list is painted.
    let load32 = t0.elapsed().as_secs_f64();
    println!("app start to the {nodes}-node root's painted overview (first load): {load32:.2} s");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pids = pids_of("tbdesk-app");
    let mem = mem_report("PSS of the app after loading the root", &pids);
    print_mapping_diff(&floor_maps, &pss_by_mapping(&pids));
    let wasm32 = wasm_mib(&app).await;
    println!("  the UI's wasm linear memory: {wasm32:.1} MiB");
    let dom32 = dom_elements(&app).await;
    println!("  DOM elements: {dom32}");
    // TBDESK_BENCH_DOM=<file>: the painted overview's markup, to serve as a static page.
    if let Ok(file) = std::env::var("TBDESK_BENCH_DOM") {
        let html = app.client.execute("return document.documentElement.outerHTML;", vec![]).await.expect("markup");
        std::fs::write(&file, html.as_str().unwrap_or_default()).expect("write the markup");
    }
    println!(
        "  PSS loaded {:.0} MiB (target <= 220, ratio {:.2}); above the floor {:.0} MiB (target <= 40, ratio {:.2}); the root adds {:.0} MiB",
        mem.pss,
        mem.pss / 220.0,
        mem.pss - floor.pss,
        (mem.pss - floor.pss) / 40.0,
        mem.pss - base.pss
    );
    println!("  RSS beside it: loaded {:.0} MiB, floor {:.0} MiB", mem.rss, floor.rss);
    if memory_only {
        app.close().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        // The same app and root started as a user starts it, with no WebDriver session
        // (automation has its own state in the web process; the floor runs without one).
        // The WebDriver run paints this root's overview within ~2 s of the start.
        let data_dir = data.path().to_string_lossy().into_owned();
        let (m, _) = process_mem(
            &bin,
            &[("TBDESK_DATA_DIR", data_dir.as_str())],
            Duration::from_secs(8),
            "PSS of the app without WebDriver, 8 s after its start",
        );
        println!("  above the floor {:.0} MiB", m.pss - floor.pss);
        return;
    }

    // After the memory figure: this fetch would add its own copy.
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
    println!(
        "one whole state of the root: {:.1} MiB of JSON (after it, the page fetches what changed)",
        bytes as f64 / 1048576.0
    );
    let (p50, p99, missed) = change_to_dom(&app, &c, root, 100).await;
    println!(
        "change -> DOM over 100 changes ({missed} coalesced away): median {p50:.0} ms, p99 {p99:.0} ms (target p99 < 200 ms, ratio {:.2})",
        p99 / 200.0
    );
    app.close().await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Ten times the root: 1,260 task types, ten of them with 1,000 items.
    let ten = "/bench/ten";
    let t = Instant::now();
    let nodes10 = zk::build_synthetic_root_with(&c, ten, 1260, 10, 1000).await;
    println!("built the 10x root: {nodes10} nodes in {:.1} s", t.elapsed().as_secs_f64());
    let data10 = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data10.path(), "ten", &server.connect_string(), ten, "none", false).await;
    let (app, load10, mem10) =
        loaded_app(&bin, data10.path(), &[], nodes10, "PSS of the app after loading the 10x root").await;
    let wasm10 = wasm_mib(&app).await;
    let dom10 = dom_elements(&app).await;
    let (q50, q99, missed10) = change_to_dom(&app, &c, ten, 100).await;
    app.client
        .execute("const el = document.querySelector('#task-type-Task0000 button'); el && el.click();", vec![])
        .await
        .expect("open the distribution");
    app.wait_for("svg.dist g.srv").await;
    let t = Instant::now();
    app.wait_for("section.domain[data-domain='Task0000$dev'] svg.dist .item").await;
    let dist_ms = t.elapsed().as_secs_f64() * 1000.0;
    let dom_dist = dom_elements(&app).await;
    app.close().await;
    let size = nodes10 as f64 / nodes as f64;
    println!("10x root ({nodes10} nodes, {size:.1}x) against the {nodes}-node root, same run:");
    println!(
        "  app start to a painted overview (first load): {load10:.2} s vs {load32:.2} s ({:.2}x)",
        load10 / load32
    );
    println!(
        "  PSS {:.0} vs {:.0} MiB ({:.2}x; the root's share {:.0} vs {:.0} MiB); wasm memory {wasm10:.1} vs {wasm32:.1} MiB",
        mem10.pss,
        mem.pss,
        mem10.pss / mem.pss,
        mem10.pss - base.pss,
        mem.pss - base.pss
    );
    println!("  DOM elements, overview: {dom10} vs {dom32} ({:.2}x); distribution of a 1,000-item task type: {dom_dist} (drawn {dist_ms:.0} ms after its first domain)", dom10 as f64 / dom32.max(1) as f64);
    println!(
        "  change -> DOM over 100 changes ({missed10} coalesced away): median {q50:.0} vs {p50:.0} ms, p99 {q99:.0} vs {p99:.0} ms ({:.2}x; target p99 < 100 ms at 10x: {})",
        q99 / p99,
        if q99 < 100.0 { "met" } else { "NOT met" }
    );
}

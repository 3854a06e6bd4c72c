//! Watch benchmark (issue 18): the cost of following several roots in the background the way the
//! app's home and alerts do (`Console::watch_tick` once a second: one session and one watch per
//! root, no re-read), for 10 roots of ~3,000 nodes against 1 root measured in the same run, idle
//! and under 10 changes/s (server heartbeats spread over the roots). Prints the heap held (a
//! counting allocator), the process RSS and the CPU used (utime + stime of this process; the
//! ZooKeeper server is another process and not counted).
//!
//! Run: `cargo bench -p tbdesk-api --bench watch` (BENCH_SECONDS=N per phase, default 10).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use tbdesk_tests::zk;

struct Counting;
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE_BYTES.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
}
#[global_allocator]
static A: Counting = Counting;

fn mib(b: isize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// This process's CPU time (user + system), from /proc/self/stat.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the state.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Figures {
    roots: usize,
    nodes: usize,
    first_s: f64,
    heap: isize,
    rss: f64,
    idle_cpu: f64,
    busy_cpu: f64,
    changes: usize,
}

/// The server nodes of a synthetic root (the heartbeats the load phase writes).
async fn server_nodes(c: &zookeeper_client::Client, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let base = format!("{root}/baseTaskType");
    for t in c.list_children(&base).await.unwrap_or_default().into_iter().take(3) {
        for d in c.list_children(&format!("{base}/{t}")).await.unwrap_or_default() {
            let dir = format!("{base}/{t}/{d}/server");
            for s in c.list_children(&dir).await.unwrap_or_default() {
                out.push(format!("{dir}/{s}"));
            }
        }
    }
    out
}

async fn measure(server: &tbdesk_zkserver::ZkServer, c: &zookeeper_client::Client, roots: usize, secs: u64) -> Figures {
    let data = tempfile::tempdir().expect("data dir");
    let mut nodes = 0;
    let mut heartbeats = Vec::new();
    for i in 0..roots {
        let root = format!("/watch{roots}/r{i}");
        // 19 task types of the synthetic shape: ~3,000 nodes.
        nodes += zk::build_synthetic_root_with(c, &root, 19, 0, 12).await;
        tbdesk_tests::app::add_profile(data.path(), &format!("p{i}"), &server.connect_string(), &root, "none", false)
            .await;
        heartbeats.extend(server_nodes(c, &root).await);
    }
    let console = tbdesk_api::Console::open(data.path()).await.expect("console");
    for i in 0..roots {
        console.set_watch(&format!("p{i}"), Some(true), Some(true), None).await.expect("watch");
    }
    let heap0 = LIVE_BYTES.load(Ordering::Relaxed);
    let t0 = Instant::now();
    let (home, _) = console.watch_tick(&[]).await.expect("first look");
    let first_s = t0.elapsed().as_secs_f64();
    assert_eq!(home.iter().filter(|s| s.connection == "live").count(), roots, "every root followed");
    // Idle: a look a second.
    let (c0, w0) = (cpu(), Instant::now());
    while w0.elapsed() < Duration::from_secs(secs) {
        let _ = console.watch_tick(&[]).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let idle_cpu = (cpu() - c0).as_secs_f64() / w0.elapsed().as_secs_f64() * 100.0;
    // Busy: 10 heartbeats a second over every root, a look a second.
    let (c0, w0) = (cpu(), Instant::now());
    let mut changes = 0;
    let mut next_look = Instant::now();
    while w0.elapsed() < Duration::from_secs(secs) {
        let path = &heartbeats[changes % heartbeats.len().max(1)];
        let _ = c.set_data(path, format!("{{\"beat\":{changes}}}").as_bytes(), None).await;
        changes += 1;
        if Instant::now() >= next_look {
            let _ = console.watch_tick(&[]).await;
            next_look += Duration::from_secs(1);
        }
        let due = w0 + Duration::from_millis(100 * changes as u64);
        tokio::time::sleep(due.saturating_duration_since(Instant::now())).await;
    }
    let busy_cpu = (cpu() - c0).as_secs_f64() / w0.elapsed().as_secs_f64() * 100.0;
    let heap = LIVE_BYTES.load(Ordering::Relaxed) - heap0;
    let rss = rss_mib();
    drop(console);
    Figures { roots, nodes, first_s, heap, rss, idle_cpu, busy_cpu, changes }
}

fn main() {
    let secs = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10u64).clamp(2, 600);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let server = tbdesk_zkserver::ZkServer::start().expect("ZooKeeper");
        let c = zookeeper_client::Client::connect(&server.connect_string()).await.expect("client");
        let one = measure(&server, &c, 1, secs).await;
        let ten = measure(&server, &c, 10, secs).await;
        println!("watch benchmark: a look a second over watched roots ({secs} s idle, {secs} s at 10 changes/s)");
        for f in [&one, &ten] {
            println!(
                "  {:>2} root(s), {:>6} nodes: first look {:.2} s; heap held {:.1} MiB; RSS {:.0} MiB; CPU idle {:.1}%, under {} changes {:.1}%",
                f.roots, f.nodes, f.first_s, mib(f.heap), f.rss, f.idle_cpu, f.changes, f.busy_cpu
            );
        }
        let r = |a: f64, b: f64| if a > 0.0 { b / a } else { f64::NAN };
        println!(
            "  10 roots vs 1: nodes {:.1}x, heap {:.1}x, CPU idle {:.1}x, CPU under load {:.1}x",
            r(one.nodes as f64, ten.nodes as f64),
            r(mib(one.heap), mib(ten.heap)),
            r(one.idle_cpu, ten.idle_cpu),
            r(one.busy_cpu, ten.busy_cpu)
        );
    });
}

//! Store benchmark: a synthetic root of ~30,000 nodes on a local ZooKeeper (200 task types × 2
//! domains × 3 servers × 12 items with their 5 children, 200 strategies with 2 runtimes, 4
//! factories). Prints, against a baseline measured in the same run:
//! - full snapshot time with tbdesk's batched/pipelined reads vs one synchronous request at a
//!   time (what the Java console does): nodes/s for both and the ratio (target ≥ 20×, ≥ 50k/s);
//! - memory held by the snapshot (raw tree + typed snapshot), by a counting allocator;
//! - delay from a change in ZooKeeper to its arrival in the live snapshot, median and p99 over
//!   1,000 changes (target p99 < 50 ms).
//!
//! - the same figures for a root ten times as large (320,000 nodes: 1,260 task types, ten of
//!   them with 1,000 items), each against the 32,000-node root measured in the same run.
//!
//! Run: `cargo bench -p tbdesk-store --bench snapshot` (BENCH_TASK_TYPES=N to resize the first
//! root, BENCH_TEN=0 to skip the large one).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use tbdesk_model::records::Server;
use tbdesk_store::live::Live;
use tbdesk_store::{reader, ConnectOptions, Store};
use zookeeper_client as zk;

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

const ROOT: &str = "/bench/root";

fn mib(b: isize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// What one root measured.
struct Figures {
    nodes: usize,
    best_s: f64,
    mem: isize,
    p50_ms: f64,
    p99_ms: f64,
}

fn opts_for(server: &tbdesk_zkserver::ZkServer, root: &str) -> ConnectOptions {
    ConnectOptions {
        connect: server.connect_string(),
        root: root.into(),
        session_timeout: Duration::from_secs(30),
        digest: None,
        read_only: true,
        tz: chrono_tz::Tz::UTC,
    }
}

/// Snapshot time (best of 3), its memory, and change -> live snapshot over `changes` heartbeats
/// of a server of Task0000 (in the 10x root a 1,000-item task type: the largest part to refold).
async fn measure(server: &tbdesk_zkserver::ZkServer, c: &zk::Client, root: &str, changes: i64) -> Figures {
    let opts = opts_for(server, root);
    let store = Store::connect(&opts).await.expect("store");
    let _ = store.raw_tree().await.expect("warm-up");
    let mut best = f64::MAX;
    let mut nodes = 0;
    let mut mem = 0;
    for _ in 0..3 {
        let before = LIVE_BYTES.load(Ordering::Relaxed);
        let t = Instant::now();
        let tree = store.raw_tree().await.expect("tree");
        let snap = tbdesk_model::snapshot::fold(store.root(), &tree, store.zk_now_ms());
        best = best.min(t.elapsed().as_secs_f64());
        nodes = tree.len();
        mem = LIVE_BYTES.load(Ordering::Relaxed) - before;
        drop((tree, snap));
    }
    println!("mode: {:?}", store.read_mode());
    println!(
        "{root}: tbdesk snapshot (read + fold, best of 3): {nodes} nodes in {best:.3} s = {:.0} nodes/s; memory {:.1} MiB ({:.0} B/node)",
        nodes as f64 / best,
        mib(mem),
        mem as f64 / nodes as f64
    );
    let live = Live::follow(opts.clone()).await.expect("follow");
    let mut rx = live.subscribe();
    let server_path = format!("{root}/baseTaskType/Task0000/Task0000/server/Task0000$10.0.0.0$S{:031}$0000000000", 0);
    let mut delays = Vec::with_capacity(changes as usize);
    for i in 1..=changes {
        let blob = Server { uuid: Some("bench".into()), version: i, ..Server::default() }.encode();
        let t = Instant::now();
        c.set_data(&server_path, blob.as_bytes(), None).await.expect("set");
        loop {
            let seen = {
                let s = rx.borrow_and_update();
                s.snapshot.task_types[0].domains[0].servers[0].server.as_ref().and_then(|d| d.ok()).map(|s| s.version)
                    == Some(i)
            };
            if seen {
                break;
            }
            tokio::time::timeout(Duration::from_secs(5), rx.changed())
                .await
                .expect("live update within 5 s")
                .expect("live");
        }
        delays.push(t.elapsed());
    }
    delays.sort();
    let p = |q: f64| delays[((delays.len() as f64 * q) as usize).min(delays.len() - 1)].as_secs_f64() * 1000.0;
    let (p50_ms, p99_ms) = (p(0.5), p(0.99));
    println!("{root}: change -> live snapshot over {changes} changes: median {p50_ms:.1} ms, p99 {p99_ms:.1} ms (target p99 < 50 ms)");
    Figures { nodes, best_s: best, mem, p50_ms, p99_ms }
}

#[tokio::main]
async fn main() {
    let task_types: usize = std::env::var("BENCH_TASK_TYPES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    // BENCH_TEN=0 skips the 10x root (320,000 nodes: 1,250 task types and ten of 1,000 items).
    let ten = std::env::var("BENCH_TEN").map_or(true, |v| v != "0");
    let server = tbdesk_zkserver::ZkServer::start_with(tbdesk_zkserver::Options {
        heap_mib: if ten { 1536 } else { 256 },
        ..tbdesk_zkserver::Options::default()
    })
    .expect("start ZooKeeper");
    let c = zk::Client::connect(&server.connect_string()).await.expect("connect");
    let t0 = Instant::now();
    let n = tbdesk_tests::zk::build_synthetic_root(&c, ROOT, task_types).await;
    println!("built {n} nodes in {:.1} s", t0.elapsed().as_secs_f64());

    // The baseline: one synchronous request after another (the Java console's way).
    let store = Store::connect(&opts_for(&server, ROOT)).await.expect("store");
    let _ = store.raw_tree().await.expect("warm-up");
    let t = Instant::now();
    let serial = reader::read_tree_serial(store.client(), ROOT).await.expect("serial read");
    let serial_s = t.elapsed().as_secs_f64();
    let serial_rate = serial.len() as f64 / serial_s;
    drop((serial, store));
    println!("baseline (serial, as the Java console): {} nodes in {serial_s:.2} s = {serial_rate:.0} nodes/s", n);
    let one = measure(&server, &c, ROOT, 1000).await;
    let rate = one.nodes as f64 / one.best_s;
    println!(
        "ratio: {:.1}x the baseline (target >= 20x); absolute target >= 50000 nodes/s: {}",
        rate / serial_rate,
        if rate >= 50_000.0 { "met" } else { "NOT met" }
    );
    if !ten {
        return;
    }
    const TEN: &str = "/bench/ten";
    let t0 = Instant::now();
    let n10 = tbdesk_tests::zk::build_synthetic_root_with(&c, TEN, 1260, 10, 1000).await;
    println!(
        "built the 10x root: {n10} nodes (1,260 task types, ten of 1,000 items) in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let big = measure(&server, &c, TEN, 300).await;
    let size = big.nodes as f64 / one.nodes as f64;
    println!("10x root against the 32k root, same run ({size:.1}x the nodes):");
    println!(
        "  snapshot time {:.2}x ({:.2}x per node: {}), memory {:.2}x ({:.2}x per node: {})",
        big.best_s / one.best_s,
        big.best_s / one.best_s / size,
        if big.best_s / one.best_s <= size * 1.1 { "linear or better" } else { "worse than linear" },
        big.mem as f64 / one.mem as f64,
        big.mem as f64 / one.mem as f64 / size,
        if big.mem as f64 / one.mem as f64 <= size * 1.1 { "linear or better" } else { "worse than linear" },
    );
    println!(
        "  change -> live snapshot: median {:.1} vs {:.1} ms ({:.2}x), p99 {:.1} vs {:.1} ms ({:.2}x; target p99 < 50 ms: {})",
        big.p50_ms,
        one.p50_ms,
        big.p50_ms / one.p50_ms,
        big.p99_ms,
        one.p99_ms,
        big.p99_ms / one.p99_ms,
        if big.p99_ms < 50.0 { "met" } else { "NOT met" }
    );
}

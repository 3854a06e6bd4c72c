//! Store benchmark: a synthetic root of ~30,000 nodes on a local ZooKeeper (200 task types × 2
//! domains × 3 servers × 12 items with their 5 children, 200 strategies with 2 runtimes, 4
//! factories). Prints, against a baseline measured in the same run:
//! - full snapshot time with tbdesk's batched/pipelined reads vs one synchronous request at a
//!   time (what the Java console does): nodes/s for both and the ratio (target ≥ 20×, ≥ 50k/s);
//! - memory held by the snapshot (raw tree + typed snapshot), by a counting allocator;
//! - delay from a change in ZooKeeper to its arrival in the live snapshot, median and p99 over
//!   1,000 changes (target p99 < 50 ms).
//!
//! Run: `cargo bench -p tbdesk-store --bench snapshot` (BENCH_TASK_TYPES=N to resize).

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

#[tokio::main]
async fn main() {
    let task_types: usize = std::env::var("BENCH_TASK_TYPES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let server = tbdesk_zkserver::ZkServer::start().expect("start ZooKeeper");
    let c = zk::Client::connect(&server.connect_string()).await.expect("connect");
    let t0 = Instant::now();
    let n = tbdesk_tests::zk::build_synthetic_root(&c, ROOT, task_types).await;
    println!("built {n} nodes in {:.1} s", t0.elapsed().as_secs_f64());
    let opts = ConnectOptions {
        connect: server.connect_string(),
        root: ROOT.into(),
        session_timeout: Duration::from_secs(30),
        digest: None,
        read_only: true,
        tz: chrono_tz::Tz::UTC,
    };
    let store = Store::connect(&opts).await.expect("store");

    // Warm-up, then the baseline: one synchronous request after another.
    let _ = store.raw_tree().await.expect("warm-up");
    let t = Instant::now();
    let serial = reader::read_tree_serial(store.client(), ROOT).await.expect("serial read");
    let serial_s = t.elapsed().as_secs_f64();
    let serial_rate = serial.len() as f64 / serial_s;
    drop(serial);

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
    let rate = nodes as f64 / best;
    println!("mode: {:?}", store.read_mode());
    println!("baseline (serial, as the Java console): {nodes} nodes in {serial_s:.2} s = {serial_rate:.0} nodes/s");
    println!("tbdesk snapshot (read + fold, best of 3):  {nodes} nodes in {best:.3} s = {rate:.0} nodes/s");
    println!(
        "ratio: {:.1}x the baseline (target >= 20x); absolute target >= 50000 nodes/s: {}",
        rate / serial_rate,
        if rate >= 50_000.0 { "met" } else { "NOT met" }
    );
    println!(
        "snapshot memory (raw tree + typed snapshot): {:.1} MiB ({:.0} B/node)",
        mib(mem),
        mem as f64 / nodes as f64
    );

    // Change-to-snapshot delay over 1,000 changes of one server's heartbeat blob.
    let live = Live::follow(opts.clone()).await.expect("follow");
    let mut rx = live.subscribe();
    let server_path = format!("{ROOT}/baseTaskType/Task0000/Task0000/server/Task0000$10.0.0.0$S{:031}$0000000000", 0);
    let mut delays = Vec::with_capacity(1000);
    for i in 1..=1000i64 {
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
    println!(
        "change -> live snapshot over 1000 changes: median {:.1} ms, p99 {:.1} ms (target p99 < 50 ms)",
        p(0.5),
        p(0.99)
    );
}

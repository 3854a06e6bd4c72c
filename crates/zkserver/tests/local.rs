//! The local profile's server: found again only when it is the one this directory started.

use tbdesk_zkserver::{ensure_local, ZkServer};

/// After a reboot the remembered port may be another server's (a developer's own, an ssh
/// tunnel to a shared one): the writable local profile must not adopt it; a server of its own
/// is started, and found again on the next call.
#[test]
fn a_foreign_server_on_the_remembered_port_is_not_adopted() {
    let foreign = ZkServer::start().expect("a foreign server");
    let dir = tempfile::tempdir().expect("dir");
    let port = foreign.connect_string().rsplit(':').next().unwrap_or_default().to_owned();
    std::fs::write(dir.path().join("port"), &port).expect("remembered port");
    // A stale pid: a process that is not this directory's server (this test itself).
    std::fs::write(dir.path().join("pid"), std::process::id().to_string()).expect("stale pid");
    let free = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let got = ensure_local(dir.path(), free);
    let own_pid = std::fs::read_to_string(dir.path().join("pid")).ok().and_then(|t| t.trim().parse::<i32>().ok());
    let again = got.as_ref().ok().map(|_| ensure_local(dir.path(), free));
    if let Some(pid) = own_pid.filter(|p| *p != std::process::id() as i32) {
        // SAFETY: kill(2) on the server this test started.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    let got = got.expect("a local server");
    assert_ne!(got, foreign.connect_string(), "the foreign server was adopted");
    assert_eq!(again.map(|r| r.expect("found again")), Some(got), "its own server is found again");
}

/// Two apps opened at once (or one started while a killed one's server is still starting)
/// share one local server: the second waits for it instead of starting another on the same
/// files, which nothing would ever stop.
#[test]
fn two_starts_at_once_share_one_server() {
    let dir = tempfile::tempdir().expect("dir");
    let free = || std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let (p1, p2) = (free(), free());
    let first = {
        let d = dir.path().to_owned();
        std::thread::spawn(move || ensure_local(&d, p1))
    };
    // The second start comes while the first server is starting (its pid file written, not
    // yet serving), preferring another port, as when the first took 2181.
    let t0 = std::time::Instant::now();
    while !dir.path().join("pid").exists() && t0.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let second = ensure_local(dir.path(), p2);
    let got = [first.join().expect("thread"), second];
    let cfg = dir.path().join("zoo.cfg");
    let servers: Vec<i32> = std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == cfg.as_os_str().as_encoded_bytes()))
        })
        .collect();
    for pid in &servers {
        // SAFETY: kill(2) on the servers this test started.
        unsafe {
            libc::kill(*pid, libc::SIGKILL);
        }
    }
    let a = got[0].as_ref().expect("first");
    let b = got[1].as_ref().expect("second");
    assert_eq!(a, b, "both got the one server");
    assert_eq!(servers.len(), 1, "servers running this directory's configuration: {servers:?}");
}

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

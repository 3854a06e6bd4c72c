//! The null-capable writer against a real ZooKeeper: it writes jute null (what Java's
//! `setData(path, null, -1)` writes), with Java's ACL, atomically, and fails with the node named.

use std::time::Duration;

use tbdesk_store::jute::{Mode, NullWriter, Op, OpResult};
use tbdesk_store::{ConnectOptions, Error, Store};
use tbdesk_zkserver::ZkServer;
use zookeeper_client as zk;

fn opts(server: &ZkServer, connect_suffix: &str, digest: bool) -> ConnectOptions {
    ConnectOptions {
        connect: format!("{}{connect_suffix}", server.connect_string()),
        root: "/jute/root".into(),
        session_timeout: Duration::from_secs(10),
        digest: digest.then(|| ("ScheduleAdmin".into(), "password".into())),
        read_only: false,
        tz: chrono_tz::Tz::UTC,
    }
}

#[tokio::test]
async fn null_is_written_as_null_and_empty_as_empty() {
    let server = ZkServer::start().expect("zk");
    let o = opts(&server, "", true);
    let store = Store::connect(&o).await.expect("store");
    store.init_root(true).await.expect("init");
    let w = NullWriter::new(&o);
    // init created every directory with null data, as Java's createPath does
    assert_eq!(w.get_data("/jute").await.expect("get"), None);
    assert_eq!(w.get_data("/jute/root/baseTaskType").await.expect("get"), None);
    assert_eq!(w.get_data("/jute/root").await.expect("get").as_deref(), Some(&b"tbschedule-3.2.12"[..]));
    let r = w
        .multi(&[
            Op::Create { path: "/jute/root/a", data: None, mode: Mode::Persistent },
            Op::Create { path: "/jute/root/a/e", data: Some(b""), mode: Mode::Persistent },
            Op::Create { path: "/jute/root/a/s-", data: Some(b"x"), mode: Mode::PersistentSequential },
        ])
        .await
        .expect("multi");
    assert_eq!(r[0], OpResult::Created("/jute/root/a".into()));
    assert!(matches!(&r[2], OpResult::Created(p) if p.starts_with("/jute/root/a/s-0000000")), "{r:?}");
    assert_eq!(w.get_data("/jute/root/a").await.expect("get"), None);
    assert_eq!(w.get_data("/jute/root/a/e").await.expect("get"), Some(Vec::new()));
    // set a value, then null again, with and without a version
    let r = w.multi(&[Op::Set { path: "/jute/root/a/e", data: b"v", version: Some(0) }]).await.expect("set");
    assert_eq!(r, vec![OpResult::Set(1)]);
    w.multi(&[Op::SetNull { path: "/jute/root/a/e", version: Some(1) }]).await.expect("null");
    assert_eq!(w.get_data("/jute/root/a/e").await.expect("get"), None);
    // With the node's creation zxid and data version, as the main session reads them.
    let (_, st) = store.client().get_data("/jute/root/a/e").await.expect("stat");
    assert_eq!(w.get_data_at("/jute/root/a/e").await.expect("get"), (None, st.czxid, 2));
    assert_eq!(st.version, 2);
    // Java's ACL: digest ALL + world READ
    let (acl, _) = store.client().get_acl("/jute/root/a").await.expect("acl");
    let acl: Vec<String> = acl.iter().map(|a| format!("{}:{}:{}", a.scheme(), a.id(), a.permission())).collect();
    // (the order the server lists them in is its own: 3.4 lists world first)
    assert_eq!(acl.len(), 2, "{acl:?}");
    assert!(acl.iter().any(|a| a.starts_with("digest:ScheduleAdmin:") && a.ends_with(":ALL")), "{acl:?}");
    assert!(acl.iter().any(|a| a == "world:anyone:READ"), "{acl:?}");
}

#[tokio::test]
async fn a_failed_multi_writes_nothing_and_names_the_node() {
    let server = ZkServer::start().expect("zk");
    let o = opts(&server, "", false);
    let store = Store::connect(&o).await.expect("store");
    store.init_root(false).await.expect("init");
    let w = NullWriter::new(&o);
    let e = w
        .multi(&[
            Op::Create { path: "/jute/root/b", data: None, mode: Mode::Persistent },
            Op::SetNull { path: "/jute/root/missing", version: None },
        ])
        .await
        .expect_err("must fail");
    assert!(matches!(&e, Error::NoNode { path } if path == "/jute/root/missing"), "{e}");
    assert_eq!(store.client().check_stat("/jute/root/b").await.expect("stat"), None, "rolled back");
    let e = w.multi(&[Op::Check { path: "/jute/root", version: 99 }]).await.expect_err("bad version");
    assert!(matches!(&e, Error::Zk { source: zk::Error::BadVersion, .. }), "{e}");
    // a read-only profile never writes, here either
    let mut ro = o.clone();
    ro.read_only = true;
    let e = NullWriter::new(&ro)
        .multi(&[Op::Create { path: "/jute/root/c", data: None, mode: Mode::Persistent }])
        .await
        .expect_err("read-only");
    assert!(matches!(e, Error::ReadOnly));
}

#[tokio::test]
async fn chroot_and_wrong_password_and_no_server() {
    let server = ZkServer::start().expect("zk");
    let c = tbdesk_tests::zk::client(&server).await;
    c.create("/app", b"", &zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all())).await.expect("app");
    let o = opts(&server, "/app", false);
    let w = NullWriter::new(&o);
    let r = w.multi(&[Op::Create { path: "/n", data: None, mode: Mode::Persistent }]).await.expect("chroot");
    assert_eq!(r, vec![OpResult::Created("/n".into())]);
    assert!(c.check_stat("/app/n").await.expect("stat").is_some(), "created under the chroot");
    let mut bad = opts(&server, "", true);
    bad.digest = Some(("ScheduleAdmin".into(), "wrong".into()));
    // A wrong digest password is accepted by ZooKeeper's digest provider (it only fails on
    // ACL checks); a node protected by the right user refuses the write.
    let good = opts(&server, "", true);
    NullWriter::new(&good)
        .multi(&[Op::Create { path: "/p", data: None, mode: Mode::Persistent }])
        .await
        .expect("protected node");
    let e = NullWriter::new(&bad).multi(&[Op::SetNull { path: "/p", version: None }]).await.expect_err("no auth");
    assert!(matches!(e, Error::NoAuth { .. }), "{e}");
    // nothing listens: a clear error within the deadline, no hang
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut none = opts(&server, "", false);
    none.connect = format!("127.0.0.1:{port}");
    let t0 = std::time::Instant::now();
    let e = NullWriter::new(&none).get_data("/").await.expect_err("unreachable");
    assert!(matches!(e, Error::Unreachable { .. }), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(11));
}

/// A "server" that answers the handshake with an endless stream: the writer gives up within
/// its deadline and never allocates more than its reply cap.
#[tokio::test]
async fn a_hostile_server_cannot_hang_or_bloat_the_writer() {
    use tokio::io::AsyncWriteExt;
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                // a frame length of 2 GiB, then garbage forever
                let _ = s.write_all(&0x7fff_fff0i32.to_be_bytes()).await;
                let junk = vec![0x41u8; 64 * 1024];
                for _ in 0..10_000 {
                    if s.write_all(&junk).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let o = ConnectOptions {
        connect: addr.to_string(),
        root: "/x".into(),
        session_timeout: Duration::from_secs(5),
        digest: None,
        read_only: false,
        tz: chrono_tz::Tz::UTC,
    };
    let t0 = std::time::Instant::now();
    let e = NullWriter::new(&o).multi(&[Op::SetNull { path: "/x", version: None }]).await.expect_err("hostile");
    assert!(matches!(e, Error::Unreachable { .. }), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(11));
    tbdesk_tests::report::record(
        "null writer",
        "a port that answers with a 2 GiB frame length and endless bytes",
        1,
        "refused within the deadline, reply capped at 4 MiB",
    );
}

/// A server that accepts and never answers: the writer gives up on it within 3 s and uses the
/// next server of the connect string.
#[tokio::test]
async fn a_silent_server_is_skipped_for_the_next() {
    let server = ZkServer::start().expect("zk");
    let silent_addr = tbdesk_tests::zk::silent_server().await;
    let mut o = opts(&server, "", false);
    o.connect = format!("{silent_addr},{}", server.connect_string());
    let store = Store::connect(&opts(&server, "", false)).await.expect("store");
    store.init_root(false).await.expect("init");
    for i in 0..3 {
        let t0 = std::time::Instant::now();
        let path = format!("/jute/root/failover{i}");
        NullWriter::new(&o)
            .multi(&[Op::Create { path: &path, data: None, mode: Mode::Persistent }])
            .await
            .expect("written through the answering server");
        assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    }
    let mut only = o.clone();
    only.connect = silent_addr.to_string();
    let t0 = std::time::Instant::now();
    let e = NullWriter::new(&only).get_data("/").await.expect_err("silent only");
    assert!(matches!(e, Error::Unreachable { .. }), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    tbdesk_tests::report::record(
        "null writer",
        "a server that accepts connections and never answers, first in the connect string",
        4,
        "skipped after 3 s for the next server; alone: unreachable within 3 s",
    );
}

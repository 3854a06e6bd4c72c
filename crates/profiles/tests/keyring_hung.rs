//! A keyring that never answers (an unlock prompt left open, a hung secret service): every
//! keyring call gives up after its limit with an error that says so, and a save waiting on it
//! holds no database lock meanwhile. Its own test binary: it points the process's D-Bus
//! session at a socket that accepts and never answers.

use std::time::{Duration, Instant};

use tbdesk_profiles::{ProfileFields, Profiles};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyring_that_never_answers_is_given_up_on() {
    let dir = tempfile::tempdir().expect("dir");
    let socket = dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
    // Accepts, reads nothing, answers nothing: the D-Bus handshake waits forever.
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for c in listener.incoming().take(16).flatten() {
            kept.push(c);
        }
    });
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", socket.display()));
    std::env::set_var("TBDESK_KEYRING_LIMIT_MS", "2000");
    let profiles = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("open");
    let fields = ProfileFields {
        name: "prod".into(),
        connect: "127.0.0.1:2181".into(),
        root_path: "/tbs/x".into(),
        session_timeout_ms: 60_000,
        digest_user: Some("ScheduleAdmin".into()),
        color: "none".into(),
        read_only: false,
        local_server: false,
        zone: "UTC".into(),
    };
    let t0 = Instant::now();
    let e = profiles.create(&fields, Some("secret")).await.expect_err("a keyring that never answers");
    let took = t0.elapsed();
    assert!(e.to_string().contains("did not answer"), "{e}");
    assert!(took < Duration::from_secs(10), "waited {took:?}");
    // Nothing half-made: no profile without its password.
    assert!(profiles.get("prod").await.is_err(), "a profile row outlived its failed password");
    // A save that waits on the keyring holds no write lock: another writer goes on meanwhile.
    let mut plain = fields.clone();
    plain.name = "plain".into();
    plain.digest_user = None;
    profiles.create(&plain, None).await.expect("a profile without password");
    let mut with_pw = plain.clone();
    with_pw.digest_user = Some("ScheduleAdmin".into());
    let other = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("a second handle");
    let waiting = tokio::spawn({
        let profiles = profiles.clone();
        async move { profiles.update("plain", &with_pw, Some("secret")).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut renamed = fields.clone();
    renamed.name = "other".into();
    renamed.digest_user = None;
    let t1 = Instant::now();
    other.create(&renamed, None).await.expect("a write while a save waits on the keyring");
    assert!(t1.elapsed() < Duration::from_secs(1), "the write waited {:?} for the keyring's save", t1.elapsed());
    let e = waiting.await.expect("join").expect_err("the keyring never answers");
    assert!(e.to_string().contains("did not answer"), "{e}");
    assert!(
        profiles.get("plain").await.expect("plain").fields.digest_user.is_none(),
        "the failed save changed the row"
    );
    drop(held);
    tbdesk_tests::report::record(
        "secrets",
        "a keyring that accepts and never answers (an unlock prompt left open)",
        1,
        &format!(
            "create gave up after {:.1} s saying so, left no row; a save waiting on it held no write lock",
            took.as_secs_f64()
        ),
    );
}

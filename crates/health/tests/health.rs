//! Ensemble health against real servers: all words allowed, none allowed, one server down.

use std::time::Duration;

use tbdesk_health::{check_ensemble, summary};
use tbdesk_zkserver::{Options, ZkServer};

#[tokio::test]
async fn a_whitelisted_server_reports_every_value() {
    let zk = ZkServer::start().expect("zk");
    let h = check_ensemble(&zk.connect_string(), Duration::from_secs(2)).await;
    assert_eq!(h.len(), 1);
    let s = &h[0];
    assert!(s.up, "{s:?}");
    assert_eq!(s.mode.as_deref(), Some("standalone"));
    assert!(s.version.as_deref().is_some_and(|v| v.starts_with("3.")), "{s:?}");
    assert!(s.latency.is_some() && s.znode_count.is_some_and(|n| n >= 1));
    assert_eq!(s.session_timeout_bounds, Some((4000, 40000)), "default tickTime 2000: 2..20 ticks");
    assert!(s.file_descriptors.is_some_and(|(open, max)| open > 0 && max >= open));
    assert!(s.watch_count.is_some());
    assert!(s.refused.is_empty(), "{:?}", s.refused);
    assert!(s.rtt_ms.is_some_and(|r| r >= 0.0));
    assert_eq!(summary(&h).as_str(), if s.slow { "amber" } else { "green" });
}

#[tokio::test]
async fn refused_words_are_reported_with_the_setting_that_enables_them() {
    let zk = ZkServer::start_with(Options { four_letter_words: vec![], ..Options::default() }).expect("zk");
    let h = check_ensemble(&zk.connect_string(), Duration::from_secs(2)).await;
    let s = &h[0];
    assert!(s.up, "the port answers: {s:?}");
    let refused: Vec<&str> = s.refused.iter().map(|r| r.command.as_str()).collect();
    // ZooKeeper >= 3.5 always answers srvr; everything else is refused.
    assert_eq!(s.mode.as_deref(), Some("standalone"));
    for cmd in ["ruok", "mntr", "conf", "wchs"] {
        assert!(refused.contains(&cmd), "{cmd} not reported as refused: {refused:?}");
    }
    assert!(s.refused.iter().all(|r| r.hint.contains("4lw.commands.whitelist")));
    assert_eq!(s.session_timeout_bounds, None, "conf refused: unknown");
    assert_eq!(summary(&h).as_str(), "amber");
}

#[tokio::test]
async fn a_down_server_is_red() {
    let zk = ZkServer::start().expect("zk");
    let free = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port");
    let connect = format!("{},{}", zk.connect_string(), free);
    let h = check_ensemble(&connect, Duration::from_millis(500)).await;
    assert_eq!(h.len(), 2);
    assert!(h[0].up);
    assert!(!h[1].up && h[1].error.is_some(), "{:?}", h[1]);
    assert_eq!(summary(&h).as_str(), "red");
}

/// A port that streams bytes forever (or trickles them) is reported down within the deadline;
/// the health check neither hangs nor grows (it stops reading at the answer cap).
#[tokio::test]
async fn a_port_that_streams_forever_is_down_not_a_hang() {
    use std::io::Write;
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for s in l.incoming().take(20) {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..4096 {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let t0 = std::time::Instant::now();
    let h = check_ensemble(&addr.to_string(), Duration::from_secs(1)).await;
    assert!(t0.elapsed() < Duration::from_secs(15), "bounded: {:?}", t0.elapsed());
    assert_eq!(h.len(), 1);
    assert!(!h[0].up, "{:?}", h[0]);
    assert_eq!(summary(&h).as_str(), "red");
    tbdesk_tests::report::record(
        "health",
        "a port that answers every four-letter word with an endless stream",
        1,
        "reported down within the deadline; answers capped at 4 MiB",
    );
}

/// A server (or anything on its port) whose `srvr` says latency `NaN/0/1` or four numbers:
/// no latency is shown (Rust reads "NaN", which would reach the window as `null` and break the
/// whole report), and the report crosses the IPC and back.
#[tokio::test]
async fn a_latency_that_is_not_three_finite_numbers_is_none() {
    use std::io::{Read, Write};
    for latency in ["NaN/0/1", "inf/1/2", "1e999/1/2", "x/1/2/3", "1/2", "0/1/2"] {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        let reply =
            format!("Zookeeper version: 3.8.0-x, built on 1\nLatency min/avg/max: {latency}\nMode: standalone\n");
        std::thread::spawn(move || {
            for s in l.incoming().take(12) {
                let Ok(mut s) = s else { continue };
                let mut cmd = [0u8; 4];
                if s.read_exact(&mut cmd).is_err() {
                    continue;
                }
                let answer = match &cmd {
                    b"ruok" => "imok".to_owned(),
                    b"srvr" => reply.clone(),
                    _ => String::new(),
                };
                let _ = s.write_all(answer.as_bytes());
            }
        });
        let h = check_ensemble(&addr.to_string(), Duration::from_secs(2)).await;
        assert_eq!(h.len(), 1);
        let want = (latency == "0/1/2").then_some((0.0, 1.0, 2.0));
        assert_eq!(h[0].latency, want, "{latency}: {:?}", h[0]);
        let wire = serde_json::to_string(&h[0]).expect("to the window");
        let back: tbdesk_model::wire::ServerHealth = serde_json::from_str(&wire).expect(&wire);
        assert_eq!(back.latency, want);
    }
}

/// A port that answers `ruok` at once and trickles every other answer (a byte every 900 ms,
/// never an end), named 40 times in the connect string: the first 16 are asked, and each
/// server's check ends within its budget of three deadlines (before, each of the five other
/// words took its own whole deadline, and all 40 were asked).
#[tokio::test]
async fn a_trickling_port_named_many_times_is_a_bounded_look() {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut cmd = [0u8; 4];
                if s.read_exact(&mut cmd).is_err() {
                    return;
                }
                if &cmd == b"ruok" {
                    let _ = s.write_all(b"imok");
                    return;
                }
                for _ in 0..100 {
                    std::thread::sleep(Duration::from_millis(900));
                    if s.write_all(b"x").is_err() {
                        break;
                    }
                }
            });
        }
    });
    let connect = vec![addr.to_string(); 40].join(",");
    let t0 = std::time::Instant::now();
    let h = check_ensemble(&connect, Duration::from_secs(2)).await;
    let took = t0.elapsed();
    assert_eq!(h.len(), tbdesk_health::MAX_SERVERS, "{h:?}");
    assert!(h.iter().all(|s| s.up && s.mode.is_none()), "{h:?}");
    assert!(took < Duration::from_millis(8500), "the look took {took:?} (3 x 2 s allowed per server)");
    // What went unanswered is said, per server and as a finding, not taken for fine.
    for s in &h {
        assert!(s.unanswered.iter().any(|u| u.command == "srvr"), "{:?}", s.unanswered);
        assert!(s.unanswered.iter().any(|u| u.why.contains("not asked")), "{:?}", s.unanswered);
    }
    let findings = tbdesk_health::ensemble_findings(&h);
    assert_eq!(findings.iter().filter(|f| f.code == "server_unanswered").count(), h.len(), "{findings:?}");
    tbdesk_tests::report::record(
        "health",
        "a connect string naming 40 times a port that answers ruok and trickles every other word",
        1,
        "16 servers asked; each check cut at its budget of three deadlines",
    );
}

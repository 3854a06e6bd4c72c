//! The ensemble fixture: three servers elect a leader, survive the leader's death, and stop
//! serving without a quorum.

use std::time::Duration;

use tbdesk_zkserver::{four_letter, Ensemble, Options};

#[test]
fn three_servers_elect_fail_over_and_lose_the_quorum() {
    let mut e = Ensemble::start(3, &Options::default()).expect("ensemble");
    let leader = e.leader().expect("a leader");
    let followers = (0..3).filter(|i| e.mode(*i).as_deref() == Some("follower")).count();
    assert_eq!(followers, 2);
    if std::env::var_os("TBDESK_SHOW_4LW").is_some() {
        for cmd in ["srvr", "conf", "mntr"] {
            println!(
                "--- {cmd} of the leader\n{}",
                four_letter(e.addr(leader), cmd, Duration::from_secs(2)).unwrap_or_default()
            );
        }
    }
    e.stop(leader);
    e.wait_for_quorum(Duration::from_secs(60)).expect("a new leader");
    let second = e.leader().expect("a new leader");
    assert_ne!(second, leader);
    // Two of three gone: the last one does not serve.
    e.stop(second);
    let last = (0..3).find(|i| *i != leader && *i != second).expect("the third");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(e.mode(last), None, "a lone server of three serves nothing");
    let srvr = four_letter(e.addr(last), "srvr", Duration::from_secs(2)).unwrap_or_default();
    assert!(srvr.contains("not currently serving"), "{srvr}");
    e.restart(leader).expect("restart");
    e.wait_for_quorum(Duration::from_secs(60)).expect("the quorum back");
}

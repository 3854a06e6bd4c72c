//! What the ZooKeeper server can do, decided once per session, so that every ZooKeeper people
//! run with TBSchedule works: 3.4 (TBSchedule 3.3.3.2 itself is built against 3.4.6), 3.5 and
//! 3.6+.
//!
//! | server | create            | whole-root read           | live follow                      |
//! |--------|-------------------|---------------------------|----------------------------------|
//! | 3.4    | `create` (op 1)   | pipelined single reads    | one-shot data + child watches    |
//! | 3.5    | `create2`         | pipelined single reads    | one-shot data + child watches    |
//! | ≥ 3.6  | `create2`         | multi-read (op 22)        | one persistent recursive watch   |
//!
//! The version comes from `srvr` (answered by 3.4 and by 3.5+'s default whitelist). When the
//! servers refuse `srvr`, a multi-read is tried on a throwaway session (a 3.4 server drops the
//! connection of a request it does not know, so never on the session that will be used): if it
//! works the server is ≥ 3.6; otherwise tbdesk assumes the oldest protocol, which every later
//! server also speaks.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zookeeper_client as zk;

use crate::reader::ReadMode;
use crate::ConnectOptions;

/// How a followed root learns about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchMode {
    /// One persistent recursive watch on the root (ZooKeeper ≥ 3.6).
    Persistent,
    /// A data watch and a child watch on every node, re-armed after each event (3.4, 3.5).
    OneShot,
}

/// What the session's server can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `major.minor.patch` from `srvr`, when it answered.
    pub version: Option<(u32, u32, u32)>,
    /// How whole subtrees are read.
    pub read: ReadMode,
    /// How a followed root is watched.
    pub watch: WatchMode,
    /// `create2` (3.5+): creates answer a stat, and multi creates use it.
    pub create2: bool,
    /// Some server of the connect string did not say its version: the oldest protocol is used
    /// whatever `version` says.
    pub unheard: bool,
}

impl Features {
    /// For a server of known version.
    fn of_version(v: (u32, u32, u32)) -> Self {
        let modern = v >= (3, 6, 0);
        Features {
            version: Some(v),
            read: if modern { ReadMode::Multi } else { ReadMode::Pipelined },
            watch: if modern { WatchMode::Persistent } else { WatchMode::OneShot },
            create2: v >= (3, 5, 0),
            unheard: false,
        }
    }

    /// For a server that did not say its version: ≥ 3.6 if it knows multi-read, else the
    /// oldest protocol.
    fn of_probe(multi_read: bool) -> Self {
        Features {
            version: None,
            read: if multi_read { ReadMode::Multi } else { ReadMode::Pipelined },
            watch: if multi_read { WatchMode::Persistent } else { WatchMode::OneShot },
            create2: multi_read,
            unheard: false,
        }
    }

    /// In words, for the status bar and health: `3.4.13 · pipelined reads · one-shot watches`.
    pub fn describe(&self) -> String {
        let version = match (self.version, self.unheard) {
            (Some((a, b, c)), false) => format!("{a}.{b}.{c}"),
            (Some((a, b, c)), true) => format!("{a}.{b}.{c} (a server did not say its version)"),
            (None, _) => "version unknown".to_owned(),
        };
        let read = match self.read {
            ReadMode::Multi => "multi-read",
            ReadMode::Pipelined => "pipelined reads",
        };
        let watch = match self.watch {
            WatchMode::Persistent => "persistent watch",
            WatchMode::OneShot => "one-shot watches",
        };
        format!("{version} · {read} · {watch}")
    }
}

/// `major.minor.patch` of a `srvr` answer's first line (`Zookeeper version: 3.4.13-6--1, built
/// on ...`, `3.8.0-...`); `None` for anything else.
pub fn parse_version(srvr: &str) -> Option<(u32, u32, u32)> {
    let line = srvr.lines().find_map(|l| l.trim().strip_prefix("Zookeeper version:"))?;
    let v = line.trim().split([',', '-', ' ']).next()?;
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next().flatten().unwrap_or(0)))
}

/// The largest `srvr` answer read (a real one is under 1 KiB).
const SRVR_CAP: usize = 64 * 1024;

/// What `srvr` told of the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Srvr {
    /// Every server asked said its version: the oldest of them.
    Version((u32, u32, u32)),
    /// Some servers said a version (the oldest given), others did not answer in time or
    /// refused: the session may land on one of those later, and its version is unknown.
    Partial((u32, u32, u32)),
    /// Servers answered, but none with a version (the whitelist refuses `srvr`).
    Refused,
    /// No server answered at all (down, or not ZooKeeper).
    Silent,
}

/// Judges the answers of every server asked (`None`: no answer in time).
fn judge(answers: &[Option<Vec<u8>>]) -> Srvr {
    let versions: Vec<_> =
        answers.iter().map(|a| a.as_ref().and_then(|b| parse_version(&String::from_utf8_lossy(b)))).collect();
    let heard = answers.iter().any(Option::is_some);
    match versions.iter().flatten().min() {
        Some(&v) if versions.iter().all(Option::is_some) => Srvr::Version(v),
        Some(&v) => Srvr::Partial(v),
        None if heard => Srvr::Refused,
        None => Srvr::Silent,
    }
}

/// Asks every server of `hosts` for `srvr` (at once, each within `timeout`). The OLDEST version
/// decides: during a rolling upgrade the session may land on any of them, and an opcode an old
/// server does not know makes it drop the connection. A server that does not say its version
/// may be the oldest of all, so it is not left out of the judgement ([`Srvr::Partial`]).
pub async fn version(hosts: &[String], timeout: Duration) -> Srvr {
    let ask = |h: String| async move {
        let answer = async {
            let mut s = tokio::net::TcpStream::connect(h.as_str()).await.ok()?;
            s.write_all(b"srvr").await.ok()?;
            let mut buf = Vec::new();
            (&mut s).take(SRVR_CAP as u64).read_to_end(&mut buf).await.ok()?;
            Some(buf)
        };
        tokio::time::timeout(timeout, answer).await.ok().flatten()
    };
    // At most 16 hosts asked (a connect string is a handful; a hostile one is not read whole).
    let answers = futures::future::join_all(hosts.iter().take(16).cloned().map(ask)).await;
    judge(&answers)
}

/// Whether the servers know multi-read, tried on a throwaway session (see the module doc).
async fn multi_read_works(opts: &ConnectOptions) -> bool {
    let probe = async {
        let mut connector = zk::Client::connector()
            .with_session_timeout(opts.session_timeout)
            .with_connection_timeout(Duration::from_secs(3))
            .with_fail_eagerly();
        if let Some((user, password)) = &opts.digest {
            connector = connector.with_auth("digest", format!("{user}:{password}").as_bytes());
        }
        let client = connector.connect(&opts.connect).await.ok()?;
        Some(crate::reader::probe_mode(&client, "/").await == ReadMode::Multi)
    };
    tokio::time::timeout(Duration::from_secs(10), probe).await.ok().flatten().unwrap_or(false)
}

/// Decides what the servers of `opts` can do, before the session that will be used opens.
pub async fn features(opts: &ConnectOptions) -> Features {
    let hosts = crate::jute::split_connect(&opts.connect).0;
    match version(&hosts, Duration::from_secs(2)).await {
        Srvr::Version(v) => Features::of_version(v),
        // A server that did not say its version may be a 3.4 one the session reaches later:
        // the oldest protocol, which every server speaks, with the version heard for display.
        Srvr::Partial(v) => Features { version: Some(v), unheard: true, ..Features::of_probe(false) },
        Srvr::Refused => Features::of_probe(multi_read_works(opts).await),
        // Nobody answered: the connect that follows most likely fails too; should it succeed,
        // the oldest protocol works with every server.
        Srvr::Silent => Features::of_probe(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_people_run_are_read_from_srvr() {
        let v34 =
            "Zookeeper version: 3.4.13-6--1, built on Sat, 28 Oct 2023 23:16:44 +0200\nLatency min/avg/max: 0/0/0\n";
        assert_eq!(parse_version(v34), Some((3, 4, 13)));
        assert_eq!(parse_version("Zookeeper version: 3.8.0-11+deb12u2, built on 2024\n"), Some((3, 8, 0)));
        assert_eq!(parse_version("Zookeeper version: 3.9.3-1, built on x"), Some((3, 9, 3)));
        assert_eq!(parse_version("Zookeeper version: 3.5\n"), Some((3, 5, 0)));
        for junk in [
            "",
            "srvr is not executed because it is not in the whitelist.",
            "Zookeeper version: x.y",
            "Zookeeper version: 99999999999.1.1",
        ] {
            assert_eq!(parse_version(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn each_version_gets_the_protocol_it_speaks() {
        let f = Features::of_version((3, 4, 13));
        assert_eq!((f.read, f.watch, f.create2), (ReadMode::Pipelined, WatchMode::OneShot, false));
        let f = Features::of_version((3, 5, 9));
        assert_eq!((f.read, f.watch, f.create2), (ReadMode::Pipelined, WatchMode::OneShot, true));
        let f = Features::of_version((3, 6, 0));
        assert_eq!((f.read, f.watch, f.create2), (ReadMode::Multi, WatchMode::Persistent, true));
        let f = Features::of_probe(false);
        assert_eq!((f.read, f.watch, f.create2), (ReadMode::Pipelined, WatchMode::OneShot, false));
        assert_eq!(Features::of_version((3, 4, 13)).describe(), "3.4.13 · pipelined reads · one-shot watches");
    }

    #[test]
    fn a_server_that_does_not_say_its_version_is_not_left_out() {
        let v38 = Some(b"Zookeeper version: 3.8.0-1, built on x\n".to_vec());
        let v36 = Some(b"Zookeeper version: 3.6.3--1, built on x\n".to_vec());
        let refused = Some(b"srvr is not executed because it is not in the whitelist.".to_vec());
        assert_eq!(judge(&[v38.clone(), v36.clone()]), Srvr::Version((3, 6, 3)));
        // One member silent (down, frozen, or slow): it may be the 3.4 one.
        assert_eq!(judge(&[v38.clone(), None, v36.clone()]), Srvr::Partial((3, 6, 3)));
        assert_eq!(judge(&[v38.clone(), refused.clone()]), Srvr::Partial((3, 8, 0)));
        assert_eq!(judge(&[refused.clone(), None]), Srvr::Refused);
        assert_eq!(judge(&[None, None]), Srvr::Silent);
        assert_eq!(judge(&[]), Srvr::Silent);
    }
}

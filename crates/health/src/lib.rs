//! ZooKeeper ensemble health: for every server of a connect string, the four-letter-word
//! commands (`ruok`, `srvr`, `mntr`, `conf`, `wchs`, `cons`) over its client port, parsed into
//! typed values, with the round-trip time from this machine. A command the server's whitelist
//! refuses is reported as such, with the setting that enables it.
//!
//! The root's own health (dead servers, items, leaders, "why is it not running?") lives in
//! `tbdesk_model::diagnose`, which works on a snapshot.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Above this round trip a server is flagged (the operations guides' figure).
pub const SLOW_RTT_MS: f64 = 10.0;

use tbdesk_model::diagnose::{Finding, Level};
pub use tbdesk_model::wire::{Colour, Refused, ServerHealth, Unanswered};

fn parse_kv(text: &str, sep: char) -> BTreeMap<String, String> {
    text.lines().filter_map(|l| l.split_once(sep).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))).collect()
}

fn refused(answer: &str) -> bool {
    answer.contains("is not executed because it is not in the whitelist")
}

/// When the server accepted the connection of session `session_id`, by ZooKeeper's wall clock
/// (ms): the `est=` of that session in `cons`. Read-only, and the one wall-clock time the
/// four-letter words give: `lresp` is `System.nanoTime()`-based (elapsed, not a date) and must
/// never be compared with a clock. `None` when `cons` is refused or this server does not hold
/// the session.
pub fn session_established_ms(address: &str, session_id: i64, timeout: Duration) -> Option<i64> {
    let addr: SocketAddr = address.to_socket_addrs().ok()?.next()?;
    let text = tbdesk_zkserver::four_letter(addr, "cons", timeout).ok()?;
    established_in(&text, session_id)
}

/// The `est=` of session `session_id` in a `cons` answer (Java writes the id as
/// `Long.toHexString`: lowercase, unpadded, two's complement, which is Rust's `{:x}` of i64).
fn established_in(cons: &str, session_id: i64) -> Option<i64> {
    let sid = format!("sid=0x{session_id:x},");
    let line = cons.lines().find(|l| l.contains(&sid))?;
    line.split("est=").nth(1)?.split([',', ')']).next()?.trim().parse::<i64>().ok().filter(|t| *t > 0)
}

#[cfg(test)]
mod clock_tests {
    use super::established_in;

    /// A `cons` answer of ZooKeeper 3.8 (captured): `lresp` is elapsed time, `est` a date.
    const CONS: &str = " /127.0.0.1:34262[1](queued=0,recved=2,sent=2,sid=0x10000af62730000,lop=PING,est=1796227823666,to=30000,lcxid=0x0,lzxid=0x1,lresp=11501982,llat=1,minlat=0,avglat=6,maxlat=12)\n /127.0.0.1:34264[0](queued=0,recved=1,sent=0)\n";

    #[test]
    fn the_sessions_establishment_is_read_never_lresp() {
        assert_eq!(established_in(CONS, 0x10000af62730000), Some(1796227823666));
        assert_eq!(established_in(CONS, 0x10000af6273), None, "a prefix of the id is another session");
        assert_eq!(established_in(CONS, -1), None);
        assert_eq!(established_in("", 1), None);
        assert_eq!(established_in(" /x[1](sid=0xff,est=junk)", 0xff), None);
        let negative = " /x[1](sid=0xffffffffffffffff,est=5,to=1)";
        assert_eq!(established_in(negative, -1), Some(5));
    }
}

/// Servers of one connect string checked at most (a connect string names a handful; a
/// hostile one is not asked whole).
pub const MAX_SERVERS: usize = 16;
/// Four-letter commands one server's check asks at most; with `timeout` each, the whole check
/// of a server ends within this many times `timeout` (its name's resolution aside).
const SERVER_BUDGET: u32 = 3;

/// Checks one server (blocking; run it on a blocking thread): six four-letter commands, each
/// within `timeout`, all within [`SERVER_BUDGET`] times it; the rest are skipped when it is spent.
pub fn check_server(address: &str, timeout: Duration) -> ServerHealth {
    let mut h = ServerHealth { address: address.to_owned(), ..Default::default() };
    let spent_at = Instant::now() + timeout.saturating_mul(SERVER_BUDGET);
    let addr: Option<SocketAddr> = address.to_socket_addrs().ok().and_then(|mut a| a.next());
    let Some(addr) = addr else {
        h.error = Some(format!("cannot resolve {address}"));
        return h;
    };
    let ask = |cmd: &str| {
        let left = spent_at.saturating_duration_since(Instant::now()).min(timeout);
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "{cmd} not asked: the server's check took its {} ms",
                    timeout.as_millis() * u128::from(SERVER_BUDGET)
                ),
            ));
        }
        tbdesk_zkserver::four_letter(addr, cmd, left)
    };
    let t0 = Instant::now();
    match ask("ruok") {
        Ok(a) if a == "imok" => {
            h.up = true;
            let rtt = t0.elapsed().as_secs_f64() * 1000.0;
            h.rtt_ms = Some(rtt);
            h.slow = rtt > SLOW_RTT_MS;
        }
        Ok(a) if refused(&a) || a.is_empty() => {
            // The port answered; ruok itself is not whitelisted (or answers nothing).
            h.up = true;
            h.rtt_ms = Some(t0.elapsed().as_secs_f64() * 1000.0);
            h.refused
                .push(Refused { command: "ruok".into(), hint: "add ruok to 4lw.commands.whitelist in zoo.cfg".into() });
        }
        Ok(a) => h.error = Some(format!("unexpected answer to ruok: {a:?}")),
        Err(e) => {
            h.error = Some(format!("{addr}: {e}"));
            return h;
        }
    }
    let run = |cmd: &str, h: &mut ServerHealth| -> Option<String> {
        match ask(cmd) {
            Ok(a) if refused(&a) || (a.is_empty() && cmd != "cons") => {
                h.refused.push(Refused {
                    command: cmd.into(),
                    hint: format!("add {cmd} to 4lw.commands.whitelist in zoo.cfg"),
                });
                None
            }
            Ok(a) => Some(a),
            Err(e) => {
                // At most the six commands of one check: bounded.
                h.unanswered.push(Unanswered { command: cmd.into(), why: e.to_string() });
                None
            }
        }
    };
    if let Some(a) = run("srvr", &mut h) {
        if a.contains("not currently serving requests") {
            h.error = Some("running, but not serving requests: no quorum (or still starting)".into());
        }
        let kv = parse_kv(&a, ':');
        h.zxid = kv.get("Zxid").and_then(|v| i64::from_str_radix(v.trim_start_matches("0x"), 16).ok());
        h.version = kv.get("Zookeeper version").map(|v| v.split(['-', ',']).next().unwrap_or(v).to_owned());
        h.mode = kv.get("Mode").cloned();
        h.outstanding = kv.get("Outstanding").and_then(|v| v.parse().ok());
        h.znode_count = kv.get("Node count").and_then(|v| v.parse().ok());
        h.connections = kv.get("Connections").and_then(|v| v.parse().ok());
        h.latency = kv.get("Latency min/avg/max").and_then(|v| {
            // Exactly three finite numbers, or none: `NaN` (Rust reads it) would reach the
            // window as `null` and break the whole report; `x/1/2/3` is not min 1.
            let p: Option<Vec<f64>> =
                v.split('/').map(|x| x.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect();
            match p.as_deref() {
                Some(&[min, avg, max]) => Some((min, avg, max)),
                _ => None,
            }
        });
    }
    if let Some(a) = run("mntr", &mut h) {
        let kv = parse_kv(&a, '\t');
        let n = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
        h.watch_count = n("zk_watch_count");
        h.approximate_data_size = n("zk_approximate_data_size");
        h.file_descriptors = n("zk_open_file_descriptor_count").zip(n("zk_max_file_descriptor_count"));
        h.mode = h.mode.take().or_else(|| kv.get("zk_server_state").cloned());
        h.synced_followers = n("zk_synced_followers");
        h.pending_syncs = n("zk_pending_syncs");
        h.znode_count = h.znode_count.or(n("zk_znode_count"));
    }
    if let Some(a) = run("conf", &mut h) {
        let kv = parse_kv(&a, '=');
        let n = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
        h.session_timeout_bounds = n("minSessionTimeout").zip(n("maxSessionTimeout"));
        h.autopurge_interval_h = n("autopurge.purgeInterval");
        h.autopurge_retain = n("autopurge.snapRetainCount");
        h.server_id = n("serverId");
        h.members = a.lines().map(str::trim).filter(|l| l.starts_with("server.")).map(str::to_owned).collect();
    }
    if let Some(a) = run("wchs", &mut h) {
        if h.watch_count.is_none() {
            h.watch_count =
                a.lines().find_map(|l| l.strip_prefix("Total watches:")).and_then(|v| v.trim().parse().ok());
        }
    }
    let _ = run("cons", &mut h);
    h
}

/// Checks the servers of a connect string (the first [`MAX_SERVERS`]) concurrently, within
/// `timeout` times [`SERVER_BUDGET`] plus one in all.
pub async fn check_ensemble(connect: &str, timeout: Duration) -> Vec<ServerHealth> {
    let mut servers: Vec<String> = connect
        .split(',')
        .map(|s| s.trim().trim_start_matches("tcp://").split('/').next().unwrap_or_default().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let unasked = servers.len().saturating_sub(MAX_SERVERS);
    servers.truncate(MAX_SERVERS);
    // The whole look ends in time even when a name's resolution hangs (a blocking call with no
    // deadline of its own): a server not done by then is reported as such.
    let deadline = tokio::time::Instant::now() + timeout.saturating_mul(SERVER_BUDGET + 1);
    let tasks: Vec<_> = servers
        .into_iter()
        .map(|s| (s.clone(), tokio::task::spawn_blocking(move || check_server(&s, timeout))))
        .collect();
    let mut out = Vec::new();
    for (address, t) in tasks {
        match tokio::time::timeout_at(deadline, t).await {
            Ok(Ok(h)) => out.push(h),
            Ok(Err(_)) => {}
            Err(_) => out.push(ServerHealth {
                address,
                error: Some("no answer in time (its name may not resolve)".into()),
                ..Default::default()
            }),
        }
    }
    if unasked > 0 {
        tracing::warn!(unasked, "only the first {MAX_SERVERS} servers of a connect string are checked");
    }
    out
}

/// A follower this many transactions behind its leader is flagged.
pub const LAG_WARN: i64 = 1000;

/// What is wrong with the ensemble as a whole: the quorum lost, servers that do not answer or
/// do not serve, a follower far behind its leader, and a connect string that misses members of
/// the ensemble (clients cannot fail over to them) or names a server that is not one.
pub fn ensemble_findings(servers: &[ServerHealth]) -> Vec<Finding> {
    let f = |level, code: &str, message: String, why: &str, nodes: Vec<String>| Finding {
        level,
        code: code.into(),
        message,
        why: why.into(),
        nodes,
        fix: None,
    };
    let mut out = Vec::new();
    for s in servers.iter().filter(|s| !s.up) {
        out.push(f(
            Level::Error,
            "server_unreachable",
            format!("{} does not answer", s.address),
            "clients connected to it move to another server; with too few left the quorum is lost",
            vec![s.address.clone()],
        ));
    }
    for s in servers.iter().filter(|s| s.up) {
        // `cons` only lists sessions (a slow one on a busy server is no finding).
        let missed: Vec<&Unanswered> = s.unanswered.iter().filter(|u| u.command != "cons").collect();
        let Some(first) = missed.first() else { continue };
        let cmds: Vec<&str> = missed.iter().map(|u| u.command.as_str()).collect();
        out.push(f(
            Level::Warning,
            "server_unanswered",
            format!("{} did not answer {} ({})", s.address, cmds.join(", "), first.why),
            "a server that does not answer its monitoring commands is overloaded, its network drops, or the answer broke a limit; what they would tell (mode, lag, members) is unknown here, not fine",
            vec![s.address.clone()],
        ));
    }
    let members: Vec<&String> =
        servers.iter().map(|s| &s.members).max_by_key(|m| m.len()).into_iter().flatten().collect();
    // A standalone server lists no members; an ensemble's members list them all. A server that
    // leads or follows serves, which it does only with a quorum: the quorum is lost when no
    // server of an ensemble serves.
    let ensemble = members.len() >= 2;
    let standalone = servers.iter().any(|s| s.mode.as_deref() == Some("standalone"));
    let serving =
        servers.iter().filter(|s| matches!(s.mode.as_deref(), Some("leader" | "follower" | "observer"))).count();
    // Judged only on what the servers said: a mode, or "not serving" (with srvr refused or
    // silent nothing is known, and nothing is claimed).
    let said =
        servers.iter().any(|s| s.mode.is_some() || s.error.as_deref().is_some_and(|e| e.contains("not serving")));
    if said && !standalone && serving == 0 && (ensemble || servers.len() >= 2) {
        out.push(f(
            Level::Error,
            "quorum_lost",
            format!("quorum lost: none of the {} server(s) reached serves", servers.len()),
            "no write succeeds and no session can be renewed: every Java runtime's session expires and its thread groups stop",
            servers.iter().filter(|s| s.up && s.error.is_some()).map(|s| s.address.clone()).collect(),
        ));
    }
    if let Some(leader) = servers.iter().find(|s| s.mode.as_deref() == Some("leader")) {
        let lz = leader.zxid.unwrap_or(0);
        for s in servers.iter().filter(|s| s.mode.as_deref() == Some("follower")) {
            let Some(fz) = s.zxid else { continue };
            // Only within one epoch (the high 32 bits) is the difference a count of transactions.
            if fz >> 32 == lz >> 32 && lz.saturating_sub(fz) > LAG_WARN {
                out.push(f(
                    Level::Warning,
                    "follower_behind",
                    format!("{} is {} transactions behind its leader", s.address, lz.saturating_sub(fz)),
                    "clients reading from it see old state (Java runtimes read item owners and heartbeats there)",
                    vec![s.address.clone()],
                ));
            }
        }
    }
    // Members this connect string reaches, by id; the others are listed by quorum address.
    let reached: Vec<u64> = servers.iter().filter_map(|s| s.server_id).collect();
    if ensemble {
        let missing: Vec<String> = members
            .iter()
            .filter(|m| member_id(m).is_some_and(|id| !reached.contains(&id)))
            .map(|m| m.to_string())
            .collect();
        if !missing.is_empty() && servers.iter().all(|s| s.up) {
            out.push(f(
                Level::Warning,
                "connect_string_incomplete",
                format!("the connect string misses {} member(s) of the ensemble", missing.len()),
                "when the servers it names fail, clients cannot fail over to the others",
                missing,
            ));
        }
        let ids: Vec<u64> = members.iter().filter_map(|m| member_id(m)).collect();
        for s in servers
            .iter()
            .filter(|s| s.server_id.is_some_and(|i| !ids.contains(&i)) || s.mode.as_deref() == Some("standalone"))
        {
            out.push(f(
                Level::Warning,
                "connect_string_foreign",
                format!("the connect string names {}, which is not a member of this ensemble", s.address),
                "a session that moves there sees another tree: another root, other runtimes",
                vec![s.address.clone()],
            ));
        }
    }
    out
}

/// The id `N` of a `conf` membership line `server.N=host:quorum:election…`.
fn member_id(line: &str) -> Option<u64> {
    line.strip_prefix("server.")?.split('=').next()?.parse().ok()
}

/// A one-line verdict over the ensemble: green (all up, fast, all checks allowed), amber
/// (reachable with warnings) or red (a server is down).
pub fn summary(servers: &[ServerHealth]) -> Colour {
    Colour::summary(servers, &[])
}

#[cfg(test)]
mod ensemble_tests {
    use super::*;

    fn member(addr: &str, id: u64, mode: Option<&str>, zxid: i64) -> ServerHealth {
        ServerHealth {
            address: addr.into(),
            up: true,
            mode: mode.map(str::to_owned),
            zxid: Some(zxid),
            server_id: Some(id),
            members: (1..=3).map(|i| format!("server.{i}=10.0.0.{i}:2888:3888:participant")).collect(),
            ..Default::default()
        }
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.code.as_str()).collect()
    }

    #[test]
    fn a_healthy_ensemble_has_nothing_to_say() {
        let s = [
            member("a:1", 1, Some("leader"), 5),
            member("b:1", 2, Some("follower"), 5),
            member("c:1", 3, Some("follower"), 4),
        ];
        assert!(ensemble_findings(&s).is_empty(), "{:?}", ensemble_findings(&s));
    }

    #[test]
    fn unanswered_words_are_a_warning_except_cons_alone() {
        let no = |command: &str, why: &str| Unanswered { command: command.into(), why: why.into() };
        let cons = ServerHealth { unanswered: vec![no("cons", "timed out")], ..member("a:1", 1, Some("leader"), 5) };
        let s = [cons.clone(), member("b:1", 2, Some("follower"), 5), member("c:1", 3, Some("follower"), 5)];
        assert!(ensemble_findings(&s).is_empty(), "{:?}", ensemble_findings(&s));
        let mntr = ServerHealth { unanswered: vec![no("cons", "timed out"), no("mntr", "answer over 4 MiB")], ..cons };
        let s = [mntr, member("b:1", 2, Some("follower"), 5), member("c:1", 3, Some("follower"), 5)];
        let f = ensemble_findings(&s);
        assert_eq!(codes(&f), vec!["server_unanswered"]);
        assert_eq!(f[0].message, "a:1 did not answer mntr (answer over 4 MiB)");
    }

    #[test]
    fn the_quorum_lost_and_a_dead_server_are_red() {
        let mut lone = member("a:1", 1, None, 5);
        lone.error = Some("not serving".into());
        let dead = ServerHealth { address: "b:1".into(), ..Default::default() };
        let f = ensemble_findings(&[
            lone.clone(),
            dead.clone(),
            ServerHealth { address: "c:1".into(), ..Default::default() },
        ]);
        assert_eq!(codes(&f), ["server_unreachable", "server_unreachable", "quorum_lost"]);
        assert!(f.iter().all(|x| x.level == Level::Error));
        assert_eq!(Colour::summary(&[lone, dead], &f), Colour::Red);
    }

    #[test]
    fn nothing_said_is_nothing_claimed() {
        // srvr refused everywhere: no mode, no "not serving": no quorum verdict.
        let quiet = |a: &str| ServerHealth { address: a.into(), up: true, ..Default::default() };
        assert!(ensemble_findings(&[quiet("a:1"), quiet("b:1"), quiet("c:1")]).iter().all(|f| f.code != "quorum_lost"));
        // Observers serve.
        let obs = ServerHealth { address: "o:1".into(), up: true, mode: Some("observer".into()), ..Default::default() };
        assert!(ensemble_findings(&[obs.clone(), obs]).iter().all(|f| f.code != "quorum_lost"));
    }

    #[test]
    fn a_standalone_server_is_no_lost_quorum() {
        let s = ServerHealth { address: "a:1".into(), up: true, mode: Some("standalone".into()), ..Default::default() };
        assert!(ensemble_findings(&[s]).is_empty());
    }

    #[test]
    fn a_follower_far_behind_is_named() {
        let epoch = 7_i64 << 32;
        let s = [
            member("a:1", 1, Some("leader"), epoch + 5000),
            member("b:1", 2, Some("follower"), epoch + 10),
            member("c:1", 3, Some("follower"), epoch + 4999),
        ];
        let f = ensemble_findings(&s);
        assert_eq!(codes(&f), ["follower_behind"]);
        assert_eq!(f[0].nodes, ["b:1"]);
        // Another epoch: the counters do not compare.
        let s = [
            member("a:1", 1, Some("leader"), epoch + 5000),
            member("b:1", 2, Some("follower"), (6 << 32) + 10),
            member("c:1", 3, Some("follower"), epoch),
        ];
        assert!(ensemble_findings(&s).iter().all(|x| x.code != "follower_behind" || x.nodes == ["c:1"]));
    }

    #[test]
    fn a_connect_string_missing_members_or_naming_strangers_is_named() {
        let s = [member("a:1", 1, Some("leader"), 5), member("b:1", 2, Some("follower"), 5)];
        let f = ensemble_findings(&s);
        assert_eq!(codes(&f), ["connect_string_incomplete"]);
        assert_eq!(f[0].nodes, ["server.3=10.0.0.3:2888:3888:participant"]);
        let stranger =
            ServerHealth { address: "x:1".into(), up: true, mode: Some("standalone".into()), ..Default::default() };
        let s = [
            member("a:1", 1, Some("leader"), 5),
            member("b:1", 2, Some("follower"), 5),
            member("c:1", 3, Some("follower"), 5),
            stranger,
        ];
        assert_eq!(codes(&ensemble_findings(&s)), ["connect_string_foreign"]);
    }
}

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

pub use tbdesk_model::wire::{Colour, Refused, ServerHealth};

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

/// Checks one server (blocking; run it on a blocking thread).
pub fn check_server(address: &str, timeout: Duration) -> ServerHealth {
    let mut h = ServerHealth { address: address.to_owned(), ..Default::default() };
    let addr: Option<SocketAddr> = address.to_socket_addrs().ok().and_then(|mut a| a.next());
    let Some(addr) = addr else {
        h.error = Some(format!("cannot resolve {address}"));
        return h;
    };
    let ask = |cmd: &str| tbdesk_zkserver::four_letter(addr, cmd, timeout);
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
            Err(_) => None,
        }
    };
    if let Some(a) = run("srvr", &mut h) {
        let kv = parse_kv(&a, ':');
        h.version = kv.get("Zookeeper version").map(|v| v.split(['-', ',']).next().unwrap_or(v).to_owned());
        h.mode = kv.get("Mode").cloned();
        h.outstanding = kv.get("Outstanding").and_then(|v| v.parse().ok());
        h.znode_count = kv.get("Node count").and_then(|v| v.parse().ok());
        h.connections = kv.get("Connections").and_then(|v| v.parse().ok());
        h.latency = kv.get("Latency min/avg/max").and_then(|v| {
            let p: Vec<f64> = v.split('/').filter_map(|x| x.trim().parse().ok()).collect();
            (p.len() == 3).then(|| (p[0], p[1], p[2]))
        });
    }
    if let Some(a) = run("mntr", &mut h) {
        let kv = parse_kv(&a, '\t');
        let n = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
        h.watch_count = n("zk_watch_count");
        h.approximate_data_size = n("zk_approximate_data_size");
        h.file_descriptors = n("zk_open_file_descriptor_count").zip(n("zk_max_file_descriptor_count"));
        h.mode = h.mode.take().or_else(|| kv.get("zk_server_state").cloned());
        h.znode_count = h.znode_count.or(n("zk_znode_count"));
    }
    if let Some(a) = run("conf", &mut h) {
        let kv = parse_kv(&a, '=');
        let n = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
        h.session_timeout_bounds = n("minSessionTimeout").zip(n("maxSessionTimeout"));
        h.autopurge_interval_h = n("autopurge.purgeInterval");
        h.autopurge_retain = n("autopurge.snapRetainCount");
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

/// Checks every server of a connect string concurrently.
pub async fn check_ensemble(connect: &str, timeout: Duration) -> Vec<ServerHealth> {
    let servers: Vec<String> = connect
        .split(',')
        .map(|s| s.trim().trim_start_matches("tcp://").split('/').next().unwrap_or_default().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let tasks: Vec<_> =
        servers.into_iter().map(|s| tokio::task::spawn_blocking(move || check_server(&s, timeout))).collect();
    let mut out = Vec::new();
    for t in tasks {
        if let Ok(h) = t.await {
            out.push(h);
        }
    }
    out
}

/// A one-line verdict over the ensemble: green (all up, fast, all checks allowed), amber
/// (reachable with warnings) or red (a server is down).
pub fn summary(servers: &[ServerHealth]) -> Colour {
    Colour::summary(servers, &[])
}

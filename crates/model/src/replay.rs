//! Replay of a followed root's distribution: a bounded history of ownership changes (which
//! server held which item, when), leader changes, and servers appearing, dying and going, found
//! by comparing successive snapshots; and a domain as it was at an earlier instant, rebuilt by
//! undoing the events after it. Bounded: the last [`KEEP_MS`] and at most [`MAX_EVENTS`].

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::snapshot::{DomainView, ServerView, Snapshot, TaskTypeView};

/// How far back the history reaches.
pub const KEEP_MS: i64 = 3_600_000;
/// Events kept at most (about 200 bytes each: some 4 MB at worst).
pub const MAX_EVENTS: usize = 20_000;
/// Events one comparison adds at most (a root rebuilt at once is one event per domain beyond).
const MAX_PER_CHANGE: usize = 5_000;

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// An item's owner changed (`None`: no owner).
    Owner { item: String, from: Option<String>, to: Option<String> },
    /// The domain's leader changed.
    Leader { from: Option<String>, to: Option<String> },
    /// A server registered.
    ServerUp { server: String },
    /// A server was judged dead (its heartbeat older than the judge-dead interval).
    ServerDead { server: String, last_heartbeat_ms: i64 },
    /// A server's node went away; `last` is how it was last seen (to replay it).
    ServerGone { server: String, last: Box<ServerView> },
}

impl What {
    /// What the event is about: the item, or the server (the new leader for a leader change).
    pub fn subject(&self) -> &str {
        match self {
            What::Owner { item, .. } => item,
            What::Leader { to, .. } => to.as_deref().unwrap_or_default(),
            What::ServerUp { server } | What::ServerDead { server, .. } | What::ServerGone { server, .. } => server,
        }
    }

    /// The kind's name (`owner`, `leader`, `server_up`, `server_dead`, `server_gone`).
    pub fn kind(&self) -> &'static str {
        match self {
            What::Owner { .. } => "owner",
            What::Leader { .. } => "leader",
            What::ServerUp { .. } => "server_up",
            What::ServerDead { .. } => "server_dead",
            What::ServerGone { .. } => "server_gone",
        }
    }
}

/// One event of a domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the follower saw it (the ZooKeeper clock of the snapshot that showed it).
    pub at_ms: i64,
    /// The domain (task type string `base$ownSign`).
    pub domain: String,
    pub what: What,
    /// For an owner change: why ("after 10.0.0.3#2 died", "rebalance", "was without owner").
    pub cause: Option<String>,
    /// For an owner change after a death: from the dead server's last heartbeat to the new
    /// owner (ms).
    pub failover_ms: Option<i64>,
}

/// The history of one followed root.
#[derive(Debug, Default, Clone)]
pub struct History {
    events: VecDeque<Event>,
    /// Servers seen dying or going, with their last heartbeat: the cause of later owner changes.
    deaths: HashMap<String, i64>,
    /// Items a dead server lost to no owner (domain, item) -> (server, its last heartbeat): the
    /// cause of the item's next owner.
    orphaned: HashMap<(String, String), (String, i64)>,
    /// When the history began (the first snapshot observed).
    since_ms: Option<i64>,
    last: Option<Arc<Snapshot>>,
    /// Some events were dropped for the bounds.
    dropped: bool,
    /// The history is complete from here on (the newest event dropped or change skipped).
    complete_since: Option<i64>,
}

/// Events one view carries at most (the newest; the slider starts where they do).
pub const MAX_VIEW: usize = 2_000;

/// What the replay view is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReplayView {
    /// The history covers from here (ZooKeeper clock).
    pub since_ms: i64,
    /// The latest snapshot's clock.
    pub now_ms: i64,
    /// The domain's events, oldest first (at most [`MAX_EVENTS`]).
    pub events: Vec<Event>,
    /// The bound, for the UI to state.
    pub keep_ms: i64,
    pub max_events: usize,
    /// Events dropped from the domain because of the bounds.
    pub dropped: bool,
}

fn short(uuid: &str) -> String {
    match crate::names::ServerUuid::parse(uuid) {
        Some(s) => format!("{}#{}", s.ip, s.sequence),
        None => uuid.to_owned(),
    }
}

impl History {
    /// Compares `next` with the last snapshot observed and records what changed (only task
    /// types whose view changed are compared: unchanged ones are shared between snapshots).
    pub fn observe(&mut self, next: Arc<Snapshot>) {
        let at = next.now_ms;
        self.since_ms.get_or_insert(at);
        let Some(prev) = self.last.replace(next.clone()) else { return };
        let before: HashMap<&str, &Arc<TaskTypeView>> = prev.task_types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut added = 0;
        for t in &next.task_types {
            let old = before.get(t.name.as_str());
            if old.is_some_and(|o| Arc::ptr_eq(o, t)) {
                continue;
            }
            for d in &t.domains {
                let od = old.and_then(|o| o.domains.iter().find(|x| x.task_type == d.task_type));
                if added >= MAX_PER_CHANGE {
                    // Not recorded: the history before this change is incomplete.
                    self.dropped = true;
                    self.complete_since = Some(at);
                    break;
                }
                added += self.compare(od, d, at);
            }
        }
        let cutoff = at.saturating_sub(KEEP_MS);
        while self.events.front().is_some_and(|e| e.at_ms < cutoff) || self.events.len() > MAX_EVENTS {
            if let Some(e) = self.events.pop_front() {
                self.complete_since = Some(self.complete_since.unwrap_or(e.at_ms).max(e.at_ms));
            }
            self.dropped = true;
        }
        if self.deaths.len() > MAX_EVENTS || self.orphaned.len() > MAX_EVENTS {
            self.deaths.clear();
            self.orphaned.clear();
        }
    }

    fn push(&mut self, e: Event) {
        self.events.push_back(e);
    }

    /// One domain's changes; answers how many events were added.
    fn compare(&mut self, old: Option<&DomainView>, new: &DomainView, at: i64) -> usize {
        let n0 = self.events.len();
        let ev = |what: What| Event { at_ms: at, domain: new.task_type.clone(), what, cause: None, failover_ms: None };
        let old_servers: HashMap<&str, &ServerView> =
            old.map(|o| o.servers.iter().map(|s| (s.uuid.as_str(), s)).collect()).unwrap_or_default();
        let new_servers: HashMap<&str, &ServerView> = new.servers.iter().map(|s| (s.uuid.as_str(), s)).collect();
        for s in &new.servers {
            match old_servers.get(s.uuid.as_str()) {
                None => self.push(ev(What::ServerUp { server: s.uuid.clone() })),
                Some(o) if !o.dead && s.dead => {
                    self.deaths.insert(s.uuid.clone(), s.mtime);
                    self.push(ev(What::ServerDead { server: s.uuid.clone(), last_heartbeat_ms: s.mtime }));
                }
                _ => {}
            }
        }
        if let Some(o) = old {
            for s in &o.servers {
                if !new_servers.contains_key(s.uuid.as_str()) {
                    self.deaths.entry(s.uuid.clone()).or_insert(s.mtime);
                    // Kept small: the blob only for its factory (a node's data may be large).
                    let factory = s.server.as_ref().and_then(|x| x.ok()).and_then(|x| x.manager_factory_uuid.clone());
                    let last = ServerView {
                        server: factory.map(|f| crate::snapshot::Decoded::Ok {
                            value: crate::records::Server { manager_factory_uuid: Some(f), ..Default::default() },
                        }),
                        ..s.clone()
                    };
                    self.push(ev(What::ServerGone { server: s.uuid.clone(), last: Box::new(last) }));
                }
            }
            if o.leader != new.leader {
                self.push(ev(What::Leader { from: o.leader.clone(), to: new.leader.clone() }));
            }
            let owners: HashMap<&str, &Option<String>> =
                o.items.iter().map(|i| (i.id.as_str(), &i.cur_server)).collect();
            for i in &new.items {
                let Some(from) = owners.get(i.id.as_str()) else { continue };
                if **from == i.cur_server {
                    continue;
                }
                let key = (new.task_type.clone(), i.id.clone());
                let (cause, failover_ms) = match from.as_deref() {
                    None => match self.orphaned.remove(&key) {
                        Some((dead, last)) => {
                            (Some(format!("after {} died", short(&dead))), Some(at.saturating_sub(last)))
                        }
                        None => (Some("was without owner".to_owned()), None),
                    },
                    Some(f) if i.cur_server.is_none() && self.deaths.contains_key(f) => {
                        let last = self.deaths.get(f).copied().unwrap_or(at);
                        self.orphaned.insert(key, (f.to_owned(), last));
                        (Some(format!("{} died", short(f))), None)
                    }
                    Some(f) => match self.deaths.get(f) {
                        Some(last) => (Some(format!("after {} died", short(f))), Some(at.saturating_sub(*last))),
                        None if i.cur_server.is_none() => (Some(format!("{} let it go", short(f))), None),
                        None => (Some("rebalance (hand-over)".to_owned()), None),
                    },
                };
                let mut e = ev(What::Owner { item: i.id.clone(), from: (*from).clone(), to: i.cur_server.clone() });
                e.cause = cause;
                e.failover_ms = failover_ms;
                self.push(e);
            }
        }
        self.events.len() - n0
    }

    /// One domain's events, oldest first, with the bounds.
    pub fn view(&self, domain_prefix: &str) -> ReplayView {
        let base_of = |d: &str| d.split('$').next().unwrap_or(d).to_owned();
        let mut events: Vec<Event> = self
            .events
            .iter()
            .rev()
            .filter(|e| base_of(&e.domain) == domain_prefix)
            .take(MAX_VIEW + 1)
            .cloned()
            .collect();
        let mut since = self.since_ms.unwrap_or(0).max(self.complete_since.unwrap_or(0));
        let mut dropped = self.dropped;
        if events.len() > MAX_VIEW {
            // The view starts at its oldest event (what is older is not in it).
            if let Some(e) = events.pop() {
                since = since.max(e.at_ms);
            }
            dropped = true;
        }
        events.reverse();
        ReplayView {
            since_ms: since,
            now_ms: self.last.as_ref().map_or(0, |s| s.now_ms),
            dropped,
            events,
            keep_ms: KEEP_MS,
            max_events: MAX_EVENTS,
        }
    }

    /// Events kept (all domains).
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// No event kept.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// Domain `now` as it was at `t`: the events after `t` (of this domain, oldest first) undone
/// newest first. Servers that registered later are removed, servers gone since come back as
/// last seen, the dead alive again, owners back to who held them; the leader and each item's
/// "owner alive" follow from that.
pub fn domain_at(now: &DomainView, events: &[Event], t: i64) -> DomainView {
    let mut d = now.clone();
    let index: HashMap<String, usize> = d.items.iter().enumerate().map(|(k, i)| (i.id.clone(), k)).collect();
    for e in events.iter().rev().filter(|e| e.at_ms > t && e.domain == now.task_type) {
        match &e.what {
            What::Owner { item, from, .. } => {
                if let Some(i) = index.get(item).and_then(|k| d.items.get_mut(*k)) {
                    i.cur_server = from.clone();
                    i.req_server = None;
                }
            }
            What::ServerUp { server } => d.servers.retain(|s| &s.uuid != server),
            What::ServerDead { server, .. } => {
                if let Some(s) = d.servers.iter_mut().find(|s| &s.uuid == server) {
                    s.dead = false;
                }
            }
            What::ServerGone { server, last } => {
                if !d.servers.iter().any(|s| &s.uuid == server) {
                    d.servers.push((**last).clone());
                }
            }
            What::Leader { .. } => {}
        }
    }
    d.servers.sort_by(|a, b| crate::names::suffix_str(&a.uuid).cmp(crate::names::suffix_str(&b.uuid)));
    d.leader = crate::names::leader(d.servers.iter().map(|s| s.uuid.as_str())).map(str::to_owned);
    for s in &mut d.servers {
        s.leader = d.leader.as_deref() == Some(s.uuid.as_str());
    }
    // Heartbeats later than `t` are not known then: a server alive at `t` beat at `t` at the
    // latest (its age is never negative).
    for s in &mut d.servers {
        s.mtime = s.mtime.min(t);
    }
    let live: std::collections::HashSet<&str> = d.servers.iter().filter(|s| !s.dead).map(|s| s.uuid.as_str()).collect();
    for i in &mut d.items {
        i.owner_alive = i.cur_server.as_deref().is_some_and(|c| live.contains(&c));
    }
    d
}

/// An event in words: "item 7: 10.0.0.3#2 → 10.0.0.5#0, after 10.0.0.3#2 died (failover 12.4 s)".
pub fn describe(e: &Event) -> String {
    let who = |s: &Option<String>| s.as_deref().map(short).unwrap_or_else(|| "no owner".into());
    let mut text = match &e.what {
        What::Owner { item, from, to } => format!("item {item}: {} → {}", who(from), who(to)),
        What::Leader { from, to } => {
            let who = |s: &Option<String>| s.as_deref().map(short).unwrap_or_else(|| "none".into());
            format!("leader: {} → {}", who(from), who(to))
        }
        What::ServerUp { server } => format!("{} registered", short(server)),
        What::ServerDead { server, .. } => format!("{} judged dead", short(server)),
        What::ServerGone { server, .. } => format!("{} removed", short(server)),
    };
    if let Some(c) = &e.cause {
        text.push_str(&format!(", {c}"));
    }
    if let Some(f) = e.failover_ms {
        text.push_str(&format!(" (failover {:.1} s)", f as f64 / 1000.0));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Decoded, Fetching, ItemView};

    fn server(uuid: &str, mtime: i64, dead: bool) -> ServerView {
        ServerView { uuid: uuid.into(), server: None, mtime, ctime: 0, dead, fetching: Fetching::Yes, leader: false }
    }

    fn item(id: &str, owner: Option<&str>) -> ItemView {
        ItemView {
            id: id.into(),
            cur_server: owner.map(str::to_owned),
            req_server: None,
            sts: None,
            parameter: None,
            deal_desc: None,
            owner_alive: owner.is_some(),
            owner_writes: 0,
            owner_span_ms: 0,
            missing: Vec::new(),
        }
    }

    fn snap(now: i64, servers: Vec<ServerView>, items: Vec<ItemView>) -> Arc<Snapshot> {
        let mut d = DomainView {
            task_type: "T$DEV".into(),
            own_sign: "DEV".into(),
            reload_version: None,
            initialised_by: None,
            task_item_mtime: None,
            leader: None,
            servers,
            items,
        };
        d.leader = crate::names::leader(d.servers.iter().map(|s| s.uuid.as_str())).map(str::to_owned);
        for s in &mut d.servers {
            s.leader = d.leader.as_deref() == Some(s.uuid.as_str());
        }
        Arc::new(Snapshot {
            root: "/r".into(),
            marker: crate::version::MarkerVerdict::Unmarked,
            now_ms: now,
            strategies: vec![],
            task_types: vec![Arc::new(TaskTypeView {
                name: "T".into(),
                version: 0,
                def: Decoded::Bad { error: crate::gson::DecodeError::Empty, raw: String::new() },
                domains: vec![d],
            })],
            factories: vec![],
            nodes: 0,
            problems: vec![],
        })
    }

    #[test]
    fn a_kill_is_recorded_with_its_failover_and_replayed_back() {
        let (a, b) = ("T$DEV$10.0.0.1$A$0000000001", "T$DEV$10.0.0.2$B$0000000002");
        let mut h = History::default();
        h.observe(snap(
            1_000,
            vec![server(a, 900, false), server(b, 900, false)],
            vec![item("0", Some(a)), item("1", Some(b))],
        ));
        // B stops beating at 900; judged dead at 7,000; its item goes to A at 8,000; its node goes.
        h.observe(snap(
            7_000,
            vec![server(a, 6_900, false), server(b, 900, true)],
            vec![item("0", Some(a)), item("1", Some(b))],
        ));
        h.observe(snap(8_000, vec![server(a, 7_900, false)], vec![item("0", Some(a)), item("1", Some(a))]));
        let v = h.view("T");
        let words: Vec<String> = v.events.iter().map(describe).collect();
        assert_eq!(
            words,
            [
                "10.0.0.2#2 judged dead",
                "10.0.0.2#2 removed",
                "item 1: 10.0.0.2#2 → 10.0.0.1#1, after 10.0.0.2#2 died (failover 7.1 s)"
            ]
        );
        assert_eq!((v.since_ms, v.now_ms), (1_000, 8_000));
        // A leader that first clears the dead owner, then assigns: the new owner's event still
        // names the death and the failover.
        let mut h2 = History::default();
        h2.observe(snap(1_000, vec![server(a, 900, false), server(b, 900, false)], vec![item("1", Some(b))]));
        h2.observe(snap(7_000, vec![server(a, 6_900, false), server(b, 900, true)], vec![item("1", None)]));
        h2.observe(snap(9_000, vec![server(a, 8_900, false), server(b, 900, true)], vec![item("1", Some(a))]));
        let words: Vec<String> = h2.view("T").events.iter().map(describe).collect();
        assert_eq!(
            words,
            [
                "10.0.0.2#2 judged dead",
                "item 1: 10.0.0.2#2 → no owner, 10.0.0.2#2 died",
                "item 1: no owner → 10.0.0.1#1, after 10.0.0.2#2 died (failover 8.1 s)"
            ]
        );
        // Back to before the kill: B holds item 1 again and is alive.
        let now = &h.last.as_ref().expect("last").task_types[0].domains[0];
        let then = domain_at(now, &v.events, 2_000);
        assert_eq!(then.items[1].cur_server.as_deref(), Some(b));
        assert!(then.items[1].owner_alive);
        assert_eq!(then.servers.iter().map(|s| s.uuid.as_str()).collect::<Vec<_>>(), [a, b]);
        assert!(then.servers.iter().all(|s| !s.dead));
        // Between death and removal: B is there, dead; its item has no live owner.
        let mid = domain_at(now, &v.events, 7_500);
        assert!(mid.servers[1].dead && !mid.items[1].owner_alive);
        // At now: unchanged.
        assert_eq!(&domain_at(now, &v.events, 8_000), now);
        // Before A's last heartbeat: A's age is 0 there, never negative.
        assert!(then.servers.iter().all(|s| s.mtime <= 2_000));
    }

    #[test]
    fn the_history_is_bounded_in_time_and_count() {
        let a = "T$DEV$10.0.0.1$A$0000000001";
        let mut h = History::default();
        let items = |owner: Option<&str>| (0..100).map(|i| item(&i.to_string(), owner)).collect::<Vec<_>>();
        for k in 0..400i64 {
            let owner = if k % 2 == 0 { Some(a) } else { None };
            h.observe(snap(k * 60_000, vec![server(a, k * 60_000, false)], items(owner)));
        }
        assert!(h.len() <= MAX_EVENTS, "{}", h.len());
        let v = h.view("T");
        assert!(v.events.first().is_some_and(|e| e.at_ms >= v.now_ms - KEEP_MS), "older than an hour dropped");
        // A task type that did not change (same Arc) costs nothing.
        let s = h.last.clone().expect("last");
        let n = h.len();
        h.observe(s);
        assert_eq!(h.len(), n);
    }
}

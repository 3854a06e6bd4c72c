//! Diagnosis of a root from its snapshot, with no I/O, so the app can answer at once from its
//! live snapshot and the CLI gives the same answer:
//! - [`root_findings`]: what is wrong anywhere in a root (dead servers left behind, groups alive
//!   but not fetching, zombies, orphaned or stuck items, stale leaders, strategies that capture
//!   every machine, clock skew, marker problems), each naming the nodes, why it matters and the
//!   safe fix when there is one;
//! - [`why_not_running`]: the chain a task type must pass to run, walked in order, stopping at
//!   the first broken link with its evidence and the fix.

use serde::{Deserialize, Serialize};

use crate::names::{FactoryUuid, TaskTypeName};
use crate::snapshot::{DomainView, Fetching, ItemView, Snapshot, StrategyView, TaskTypeView};
use crate::version::MarkerVerdict;
use crate::window::Window;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Worth knowing.
    Info,
    /// Degraded; will bite later.
    Warning,
    /// Broken now.
    Error,
}

/// A safe repair the store can apply through its guarded writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fix {
    /// Delete server nodes older than the judge-dead interval (P1).
    RemoveDeadServers {
        /// Base task type.
        base: String,
        /// Domain.
        task_type: String,
    },
}

/// One problem found in a root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// How bad.
    pub level: Level,
    /// Stable code (`dead_servers`, `not_fetching`, ...).
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
    /// Why it matters.
    pub why: String,
    /// The nodes concerned.
    pub nodes: Vec<String>,
    /// The safe fix, when there is one.
    pub fix: Option<Fix>,
}

fn finding(level: Level, code: &str, message: String, why: &str, nodes: Vec<String>, fix: Option<Fix>) -> Finding {
    Finding { level, code: code.into(), message, why: why.into(), nodes, fix }
}

/// Everything wrong in a root. `clock_offset_ms` is ZooKeeper's clock minus this machine's.
pub fn root_findings(s: &Snapshot, clock_offset_ms: Option<i64>) -> Vec<Finding> {
    let mut out = Vec::new();
    match &s.marker {
        MarkerVerdict::Unmarked => out.push(finding(
            Level::Warning,
            "unmarked_root",
            format!("{} has no version marker", s.root),
            "the Java runtime writes tbschedule-3.2.12 on its first start; until then this is not a TBSchedule root",
            vec![s.root.clone()],
            None,
        )),
        MarkerVerdict::Incompatible(m) => out.push(finding(
            Level::Error,
            "incompatible_marker",
            format!("the root's marker {m:?} is rejected by TBSchedule 3.2.12–3.3.x"),
            "every 3.2.12–3.3.x scheduler and console refuses to start on this root (P13)",
            vec![s.root.clone()],
            None,
        )),
        MarkerVerdict::Compatible(_) => {}
    }
    if let Some(off) = clock_offset_ms.filter(|o| o.unsigned_abs() > 5000) {
        out.push(finding(
            Level::Warning,
            "clock_skew",
            format!("this machine's clock differs from ZooKeeper's by {:.1} s", off as f64 / 1000.0),
            "Java logs this above 5 s; server timestamps and run windows computed on different machines disagree",
            vec![],
            None,
        ));
    }
    for t in &s.task_types {
        let (_, hb) = crate::snapshot::judge_dead_and_heartbeat(&t.def);
        for d in &t.domains {
            let dead: Vec<String> = d.servers.iter().filter(|x| x.dead).map(|x| x.uuid.clone()).collect();
            if !dead.is_empty() {
                out.push(finding(Level::Warning, "dead_servers", format!("{} dead server node(s) left in {}", dead.len(), d.task_type), "server nodes are persistent: nothing removes them once every JVM of the domain is gone, and their items stay assigned (P1)", dead, Some(Fix::RemoveDeadServers { base: t.name.clone(), task_type: d.task_type.clone() })));
            }
            let zombies: Vec<String> = d
                .servers
                .iter()
                .filter(|x| !x.dead && x.age_ms(s.now_ms) > hb.saturating_mul(40))
                .map(|x| x.uuid.clone())
                .collect();
            if !zombies.is_empty() {
                out.push(finding(
                    Level::Warning,
                    "zombie_servers",
                    format!(
                        "{} server(s) of {} silent for over 40 heartbeats but not yet dead",
                        zombies.len(),
                        d.task_type
                    ),
                    "their heartbeat thread may have died while workers go on processing stale items (P3)",
                    zombies,
                    None,
                ));
            }
            // Only servers holding items: Java's group starts processing once it first holds
            // one (`computerStart`), so a server of a domain with more servers than items
            // rightly never fetches.
            let holders: std::collections::HashSet<&str> =
                d.items.iter().filter_map(|i| i.cur_server.as_deref()).collect();
            let idle: Vec<String> = d
                .servers
                .iter()
                .filter(|x| !x.dead && matches!(x.fetching, Fetching::Never | Fetching::Stale))
                .filter(|x| holders.contains(x.uuid.as_str()))
                .map(|x| x.uuid.clone())
                .collect();
            if !idle.is_empty() {
                out.push(finding(Level::Warning, "not_fetching", format!("{} live server(s) of {} are not fetching", idle.len(), d.task_type), "they heartbeat, so their items are never reassigned, but nothing is processed (P2): a bad cron, a start-up exception or a hanging selectTasks", idle, None));
            }
            // Only once a leader has finished making taskItem (its name in the data): Java
            // creates an item's fields one by one, so a domain being made shows them missing.
            let unreadable: Vec<(&ItemView, String)> =
                if d.initialised_by.is_some() { d.java_unreadable_items() } else { Vec::new() };
            if let Some((_, first)) = unreadable.first() {
                out.push(finding(
                    Level::Error,
                    "items_unreadable",
                    format!(
                        "{} item(s) of {} cannot be read by the Java runtime ({first}{})",
                        unreadable.len(),
                        d.task_type,
                        if unreadable.len() > 1 { ", ..." } else { "" }
                    ),
                    "Java's item read throws on a field without its node or an unknown sts: its thread groups never start processing, and a Java leader cannot assign when an owner field is missing",
                    unreadable.iter().map(|(i, _)| format!("{}/taskItem/{}", d.task_type, i.id)).collect(),
                    None,
                ));
            }
            let orphans: Vec<String> = d.items.iter().filter(|i| !i.owner_alive).map(|i| i.id.clone()).collect();
            if !orphans.is_empty() && !d.servers.iter().all(|x| x.dead) {
                out.push(finding(
                    Level::Warning,
                    "items_without_owner",
                    format!("{} item(s) of {} have no live owner", orphans.len(), d.task_type),
                    "no thread group processes them until the domain leader reassigns them",
                    orphans.iter().map(|i| format!("{}/taskItem/{i}", d.task_type)).collect(),
                    None,
                ));
            }
            let live: Vec<&str> = d.servers.iter().filter(|x| !x.dead).map(|x| x.uuid.as_str()).collect();
            let stuck: Vec<String> = d
                .items
                .iter()
                .filter(|i| i.req_server.as_deref().is_some_and(|r| !live.contains(&r)))
                .map(|i| i.id.clone())
                .collect();
            if !stuck.is_empty() {
                out.push(finding(
                    Level::Warning,
                    "stuck_handover",
                    format!("{} item(s) of {} are requested by a server that is not alive", stuck.len(), d.task_type),
                    "the hand-over cannot complete until the leader re-plans",
                    stuck,
                    None,
                ));
            }
            // An owner rewritten again and again: a hand-over that never completes (seen when a
            // leader wrote empty instead of null and every Java holder gave its items to "").
            let flapping: Vec<String> = d
                .items
                .iter()
                .filter(|i| owner_flapping(i.owner_writes, i.owner_span_ms, hb))
                .map(|i| i.id.clone())
                .collect();
            if !flapping.is_empty() {
                out.push(finding(
                    Level::Error,
                    "owner_flapping",
                    format!(
                        "{} item(s) of {} keep changing owner (a hand-over that never completes)",
                        flapping.len(),
                        d.task_type
                    ),
                    "the leader assigns, the holder hands over, the leader assigns again: nobody processes these items for long. Look for a runtime that writes cur_server/req_server differently from Java (empty instead of null)",
                    flapping.iter().map(|i| format!("{}/taskItem/{i}", d.task_type)).collect(),
                    None,
                ));
            }
            if !d.servers.is_empty() && d.initialised_by.is_some() && d.initialised_by != d.leader {
                out.push(finding(
                    Level::Warning,
                    "stale_leader",
                    format!(
                        "taskItem of {} names {} but the leader is {}",
                        d.task_type,
                        d.initialised_by.clone().unwrap_or_default(),
                        d.leader.clone().unwrap_or_default()
                    ),
                    "groups wait for the leader to initialise the domain before processing",
                    vec![d.task_type.clone()],
                    None,
                ));
            }
        }
    }
    for (st, factory, want, have) in missing_groups(s) {
        out.push(finding(
            Level::Warning,
            "fewer_groups",
            format!("factory {factory} runs {have} of the {want} thread group(s) strategy {st} asks of it"),
            "a thread group that failed to start is never retried by Java (P4): the task type was missing or broke a rule when the factory tried, or the factory is stopped",
            vec![format!("{st}/{factory}")],
            None,
        ));
    }
    for st in &s.strategies {
        if let Some(v) = st.strategy.ok() {
            let all = v
                .ip_list
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|ip| ip == "127.0.0.1" || ip.eq_ignore_ascii_case("localhost"));
            if all && !v.is_paused() {
                out.push(finding(
                    Level::Info,
                    "captures_every_machine",
                    format!("strategy {} lists 127.0.0.1/localhost", st.name),
                    "every scheduler of this root runs it, including developers' laptops",
                    vec![st.name.clone()],
                    None,
                ));
            }
        }
    }
    for p in &s.problems {
        out.push(finding(
            Level::Info,
            "foreign_node",
            format!("{}: {}", p.path, p.message),
            "not written by TBSchedule",
            vec![p.path.clone()],
            None,
        ));
    }
    out
}

/// An owner written at least 10 times at an average interval under 3 heartbeats.
pub fn owner_flapping(writes: i32, span_ms: i64, heartbeat_ms: i64) -> bool {
    writes >= 10 && span_ms / i64::from(writes.max(1)) < heartbeat_ms.max(1).saturating_mul(3)
}

/// (strategy, factory, requested, running) for every factory that runs fewer live thread
/// groups in the strategy's domain than the strategy leader asked of it (`requestNum`).
pub fn missing_groups(s: &Snapshot) -> Vec<(String, String, i64, i64)> {
    let mut out = Vec::new();
    for st in &s.strategies {
        let Some(v) = st.strategy.ok() else { continue };
        if v.is_paused() {
            continue;
        }
        let Some(tt) = v.schedule_task_type() else { continue };
        let domain = s
            .task_types
            .iter()
            .find(|t| t.name == tt.base)
            // Java's domain of `X$BASE` is `X` (`getTaskTypeByBaseAndOwnSign`).
            .and_then(|t| t.domains.iter().find(|d| d.task_type == tt.task_type()));
        for rt in &st.runtimes {
            let Some(want) = rt.runtime.as_ref().and_then(|r| r.ok()).map(|r| r.request_num) else { continue };
            if want <= 0 {
                continue;
            }
            let stopped = s.factories.iter().any(|f| f.uuid == rt.factory && !f.started);
            if stopped {
                continue;
            }
            let have = domain.map_or(0, |d| {
                d.servers
                    .iter()
                    .filter(|x| !x.dead)
                    .filter(|x| {
                        x.server.as_ref().and_then(|b| b.ok()).and_then(|b| b.manager_factory_uuid.as_deref())
                            == Some(rt.factory.as_str())
                    })
                    .count() as i64
            });
            if have < want {
                out.push((st.name.clone(), rt.factory.clone(), want, have));
            }
        }
    }
    out
}

/// One link of the "why is it not running?" chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Stable id (`marker`, `strategy`, `ip_list`, ...).
    pub id: String,
    /// The condition, in words.
    pub check: String,
    /// Whether it holds.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// Nodes and values that show it.
    pub evidence: Vec<String>,
    /// What to do when it does not hold.
    pub fix: Option<String>,
}

/// The walked chain: every link up to and including the first broken one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The task type examined (`base$ownSign` or `base`).
    pub task_type: String,
    /// The links checked, in order.
    pub links: Vec<Link>,
    /// The first broken link's id, `None` when the task type is running.
    pub broken: Option<String>,
}

struct Chain {
    links: Vec<Link>,
}

impl Chain {
    fn link(&mut self, id: &str, check: &str, ok: bool, detail: String, evidence: Vec<String>, fix: &str) -> bool {
        self.links.push(Link {
            id: id.into(),
            check: check.into(),
            ok,
            detail,
            evidence,
            fix: (!ok).then(|| fix.to_owned()),
        });
        ok
    }
}

fn strategies_for<'a>(s: &'a Snapshot, tt: &TaskTypeName) -> Vec<&'a StrategyView> {
    s.strategies
        .iter()
        .filter(|st| {
            st.strategy.ok().is_some_and(|v| v.schedule_task_type().is_some_and(|n| n.task_type() == tt.task_type()))
        })
        .map(|s| &**s)
        .collect()
}

fn ip_matches(list: &[String], f: &FactoryUuid) -> bool {
    list.iter().any(|e| {
        e == "127.0.0.1" || e.eq_ignore_ascii_case("localhost") || e.eq_ignore_ascii_case(&f.host) || *e == f.ip
    })
}

/// Walks the chain for `base` in `own_sign` (`BASE` for the shared domain) at the snapshot's
/// time on the ZooKeeper clock, judging crons in `tz` (the Java runtime's zone).
pub fn why_not_running(s: &Snapshot, base: &str, own_sign: &str, tz: chrono_tz::Tz) -> Diagnosis {
    let tt = TaskTypeName::new(base, own_sign);
    let mut c = Chain { links: Vec::new() };
    let done = |c: Chain, tt: &TaskTypeName| {
        let broken = c.links.iter().find(|l| !l.ok).map(|l| l.id.clone());
        Diagnosis { task_type: tt.task_type(), links: c.links, broken }
    };
    // Java's `ZKManager.initial` marks a root without data itself and accepts an empty one
    // (`"tbschedule-3.2.12".compareTo("") >= 0`): only another version's marker stops it.
    let marker_ok = !matches!(s.marker, MarkerVerdict::Incompatible(_));
    let marker_text = match &s.marker {
        MarkerVerdict::Compatible(m) => format!("root marker {m}"),
        MarkerVerdict::Incompatible(m) => format!("root marker {m}, rejected by TBSchedule 3.2.12–3.3.x"),
        MarkerVerdict::Unmarked => {
            "the root has no version marker (the Java runtime accepts it, and marks it when it starts)".into()
        }
    };
    if !c.link(
        "marker",
        "the root is a TBSchedule root the Java runtime accepts",
        marker_ok,
        marker_text,
        vec![s.root.clone()],
        "initialise the root (tbdesk init) or point the profile at the right root; a 3.4 marker is rejected by 3.3 runtimes (P13)",
    ) {
        return done(c, &tt);
    }
    let def: Option<&TaskTypeView> = s.task_types.iter().find(|t| t.name == base).map(|t| &**t);
    let def_text = match def.map(|t| t.def.ok()) {
        Some(Some(t)) => format!(
            "bean {}, {} item(s)",
            t.deal_bean_name.clone().unwrap_or_default(),
            t.task_items.as_ref().map_or(0, Vec::len)
        ),
        Some(None) => format!("baseTaskType/{base} does not decode"),
        None => format!("no baseTaskType/{base}"),
    };
    let def_ok = def.and_then(|t| t.def.ok()).is_some();
    if !c.link(
        "task_type",
        "the task type is defined and readable",
        def_ok,
        def_text,
        vec![format!("{}/baseTaskType/{base}", s.root)],
        "create or repair the task type (Task type form)",
    ) {
        return done(c, &tt);
    }
    let Some(tv) = def else { return done(c, &tt) };
    let Some(t) = tv.def.ok() else { return done(c, &tt) };
    let strategies = strategies_for(s, &tt);
    let names: Vec<String> = strategies.iter().map(|x| x.name.clone()).collect();
    let strategy_text = if names.is_empty() {
        format!("no strategy has taskName {}", tt.task_type())
    } else {
        format!("strategies: {}", names.join(", "))
    };
    if !c.link(
        "strategy",
        "a strategy of kind Schedule runs this task type",
        !strategies.is_empty(),
        strategy_text,
        names.clone(),
        "create a strategy whose taskName is this task type",
    ) {
        return done(c, &tt);
    }
    let active: Vec<&&StrategyView> =
        strategies.iter().filter(|x| x.strategy.ok().is_some_and(|v| !v.is_paused())).collect();
    let active_names: Vec<String> = active.iter().map(|x| x.name.clone()).collect();
    let paused_text = if active.is_empty() {
        format!("paused: {}", names.join(", "))
    } else {
        format!("resumed: {}", active_names.join(", "))
    };
    if !c.link(
        "not_paused",
        "the strategy is not paused",
        !active.is_empty(),
        paused_text,
        names.clone(),
        "resume the strategy",
    ) {
        return done(c, &tt);
    }
    // Live, started factories whose IP list entry matches (Java's exact rule).
    let mut matching = Vec::new();
    for st in &active {
        let ips = st.strategy.ok().and_then(|v| v.ip_list.clone()).unwrap_or_default();
        for f in &s.factories {
            if let Some(fu) = FactoryUuid::parse(&f.uuid) {
                if f.started && ip_matches(&ips, &fu) {
                    matching.push((st.name.clone(), f.uuid.clone()));
                }
            }
        }
    }
    let ip_detail = active
        .iter()
        .map(|st| {
            format!("{}: IP list {:?}", st.name, st.strategy.ok().and_then(|v| v.ip_list.clone()).unwrap_or_default())
        })
        .chain(
            s.factories
                .iter()
                .map(|f| format!("factory {} ({})", f.uuid, if f.started { "started" } else { "stopped" })),
        )
        .collect();
    let factory_text = if !matching.is_empty() {
        format!("matching: {}", matching.iter().map(|(_, f)| f.as_str()).collect::<Vec<_>>().join(", "))
    } else if s.factories.is_empty() {
        "no scheduler factory is registered in this root".into()
    } else {
        "no started factory matches the IP list".into()
    };
    if !c.link(
        "factory",
        "the IP list matches a live, started scheduler factory",
        !matching.is_empty(),
        factory_text,
        ip_detail,
        "start a scheduler on a listed machine, add its IP or host name to the IP list, or start the factory in the console",
    ) {
        return done(c, &tt);
    }
    let requested: i64 = active
        .iter()
        .flat_map(|st| st.runtimes.iter())
        .filter(|r| matching.iter().any(|(_, f)| *f == r.factory))
        .filter_map(|r| r.runtime.as_ref().and_then(|d| d.ok()).map(|x| x.request_num))
        .sum();
    let assign: i64 = active.iter().filter_map(|st| st.strategy.ok().map(|v| v.assign_num)).sum();
    if !c.link(
        "thread_groups",
        "the strategy leader gave thread groups to the factories",
        requested > 0,
        format!("assignNum {assign}, requestNum written for matching factories: {requested}"),
        matching.iter().map(|(st, f)| format!("{}/strategy/{st}/{f}", s.root)).collect(),
        if assign == 0 {
            "set the strategy's thread group count (assignNum) above 0"
        } else {
            "wait a few seconds for the strategy leader (smallest factory suffix) to write requestNum; if it stays 0, check that leader's log"
        },
    ) {
        return done(c, &tt);
    }
    let ratio_ok = t.judge_dead_interval >= t.heart_beat_rate.saturating_mul(5) && t.heart_beat_rate > 0;
    if !c.link(
        "judge_dead",
        "judgeDeadInterval ≥ 5 × heartBeatRate",
        ratio_ok,
        format!("judgeDeadInterval {} ms, heartBeatRate {} ms", t.judge_dead_interval, t.heart_beat_rate),
        vec![format!("{}/baseTaskType/{base}", s.root)],
        "raise judgeDeadInterval to at least 5 × heartBeatRate: the Java runtime silently never starts such a group (P4)",
    ) {
        return done(c, &tt);
    }
    // Java's processor starts `threadNumber` threads, and selects only from them: with none,
    // its groups register and hold their items and never process (nor hand them over).
    if !c.link(
        "threads",
        "threadNumber ≥ 1",
        t.thread_number >= 1,
        format!("threadNumber {}", t.thread_number),
        vec![format!("{}/baseTaskType/{base}", s.root)],
        "set threadNumber to 1 or more: a Java group with no thread holds its items and processes nothing",
    ) {
        return done(c, &tt);
    }
    let domain: Option<&DomainView> = tv.domains.iter().find(|d| d.task_type == tt.task_type());
    let live: Vec<String> =
        domain.map(|d| d.servers.iter().filter(|x| !x.dead).map(|x| x.uuid.clone()).collect()).unwrap_or_default();
    let dead: Vec<String> = domain
        .map(|d| {
            d.servers
                .iter()
                .filter(|x| x.dead)
                .map(|x| format!("{} (silent {:.0} s)", x.uuid, x.age_ms(s.now_ms) as f64 / 1000.0))
                .collect()
        })
        .unwrap_or_default();
    let servers_text = if !live.is_empty() {
        format!("{} live server(s)", live.len())
    } else if dead.is_empty() {
        "no server node in the domain".into()
    } else {
        format!("only dead servers: {}", dead.join(", "))
    };
    if !c.link(
        "servers",
        "thread groups are registered and heartbeating within the judge-dead interval",
        !live.is_empty(),
        servers_text,
        live.iter().chain(dead.iter()).cloned().collect(),
        "check the scheduler process of the matching factory: the task type's bean must exist and start; remove dead server nodes",
    ) {
        return done(c, &tt);
    }
    let missing: Vec<String> = missing_groups(s)
        .into_iter()
        .filter(|(st, ..)| active.iter().any(|a| &a.name == st))
        .map(|(st, f, want, have)| format!("{f} runs {have} of {want} in {st}"))
        .collect();
    if !c.link(
        "groups_started",
        "every factory runs the thread groups the strategy leader asked of it",
        missing.is_empty(),
        if missing.is_empty() { "all requested thread groups run".to_string() } else { missing.join("; ") },
        missing.clone(),
        "a group that failed to start is never retried by the Java runtime (P4): fix the cause (task type missing, judge-dead rule, bean) and restart that factory",
    ) {
        return done(c, &tt);
    }
    let Some(d) = domain else { return done(c, &tt) };
    let init_ok = d.leader.is_some() && d.initialised_by == d.leader;
    let none = || "(none)".to_string();
    let leader_text = format!(
        "leader {}, taskItem names {}",
        d.leader.clone().unwrap_or_else(none),
        d.initialised_by.clone().unwrap_or_else(none)
    );
    if !c.link(
        "leader",
        "a domain leader initialised taskItem",
        init_ok,
        leader_text,
        vec![format!("{}/taskItem", d.task_type)],
        "wait for the leader's next heartbeat; if it persists, the leader's item list may be invalid (P6)",
    ) {
        return done(c, &tt);
    }
    let unreadable: Vec<String> = d.java_unreadable_items().into_iter().map(|(_, why)| why).collect();
    if !c.link(
        "items_readable",
        "Java can read every task item (its five field nodes, a known sts)",
        unreadable.is_empty(),
        if unreadable.is_empty() {
            "every item has its fields".to_string()
        } else {
            let shown: Vec<&str> = unreadable.iter().take(10).map(String::as_str).collect();
            let more = if unreadable.len() > shown.len() { " ..." } else { "" };
            format!("{} item(s) Java cannot read: {}{more}", unreadable.len(), shown.join("; "))
        },
        unreadable.clone(),
        "Java's item read throws on such an item: its groups never start processing (`loadAllTaskItem` before `computerStart`), and a Java leader cannot assign when cur_server or req_server is missing. A tbdesk leader re-creates missing fields; otherwise write the field (null for the owners, ACTIVTE for sts, the parameter) or clear the domain's taskItem so the leader makes it again",
    ) {
        return done(c, &tt);
    }
    let orphans: Vec<String> = d.items.iter().filter(|i| !i.owner_alive).map(|i| i.id.clone()).collect();
    let items_ok = !d.items.is_empty() && orphans.is_empty();
    let items_text = if d.items.is_empty() {
        "the domain has no task items".into()
    } else if orphans.is_empty() {
        format!("{} item(s), all owned by live servers", d.items.len())
    } else {
        format!("items without a live owner: {}", orphans.join(","))
    };
    if !c.link(
        "items",
        "every task item is assigned to a live server",
        items_ok,
        items_text,
        orphans.clone(),
        "define task items; wait one leader heartbeat after servers change",
    ) {
        return done(c, &tt);
    }
    let flapping: Vec<String> = d
        .items
        .iter()
        .filter(|i| owner_flapping(i.owner_writes, i.owner_span_ms, t.heart_beat_rate))
        .map(|i| {
            format!("{} (owner written {} times in {:.0} s)", i.id, i.owner_writes, i.owner_span_ms as f64 / 1000.0)
        })
        .collect();
    if !c.link(
        "handover",
        "item owners are stable (every hand-over completes)",
        flapping.is_empty(),
        if flapping.is_empty() { "no item keeps changing owner".to_string() } else { flapping.join(", ") },
        flapping.clone(),
        "the leader and the holders disagree on the hand-over protocol (e.g. empty instead of null in req_server): find the runtime that writes it and upgrade it",
    ) {
        return done(c, &tt);
    }
    let (start, end) = (t.permit_run_start_time.as_deref(), t.permit_run_end_time.as_deref());
    let mut w = Window::new(start, end, tz, s.now_ms);
    // Each live group's window runs from its own boot (its server node's creation), as its
    // timers did: a start-only cron that fired at 01:00 keeps a group booted before it running
    // now, though a group booted now would wait for tomorrow's. Without a boot to go by (or
    // with too many timers since), a group booted now.
    // Only groups holding items: Java boots a group's window at its first item, never before
    // (so a server's creation is a lower bound of its boot).
    let holders: std::collections::HashSet<&str> = d.items.iter().filter_map(|i| i.cur_server.as_deref()).collect();
    let boots: Vec<i64> = d
        .servers
        .iter()
        .filter(|x| !x.dead && x.ctime > 0 && x.ctime <= s.now_ms && holders.contains(x.uuid.as_str()))
        .map(|x| x.ctime)
        .take(4)
        .collect();
    let open = if boots.is_empty() {
        w.is_open(s.now_ms)
    } else {
        let mut booted_now = None;
        boots.iter().any(|b| {
            crate::window::open_since(start, end, tz, *b, s.now_ms)
                .unwrap_or_else(|| *booted_now.get_or_insert_with(|| w.clone().is_open(s.now_ms)))
        })
    };
    let (ns, ne) = w.describe(s.now_ms);
    let fmt = |ms: i64| format!("{} {}", crate::cron::format_wall(ms, tz), tz.name());
    let window_detail = match (&t.permit_run_start_time, ns) {
        (None, _) => "no run window: always allowed".to_string(),
        (Some(st), next) => format!(
            "{}start {st:?} (next {}), end {:?} (next {})",
            match (open, end.is_none_or(|e| e == "-1")) {
                (true, true) => "open since its last start, until a fetch finds no data; ",
                _ => "",
            },
            next.map_or("never".into(), fmt),
            t.permit_run_end_time,
            match ne {
                Some(Ok(e)) => fmt(e),
                Some(Err(lit)) => lit.to_string(),
                None => "-".into(),
            }
        ),
    };
    if !c.link(
        "window",
        "the cron run window is open now",
        open,
        window_detail,
        vec![],
        "wait for the window, or change permitRunStartTime / permitRunEndTime",
    ) {
        return done(c, &tt);
    }
    let fetching: Vec<String> =
        d.servers.iter().filter(|x| !x.dead && x.fetching == Fetching::Yes).map(|x| x.uuid.clone()).collect();
    let idle: Vec<String> = d
        .servers
        .iter()
        .filter(|x| !x.dead && x.fetching != Fetching::Yes)
        .map(|x| format!("{} ({:?})", x.uuid, x.fetching))
        .collect();
    let fetch_text = if fetching.is_empty() {
        format!("not fetching: {}", idle.join(", "))
    } else {
        format!("fetching: {}", fetching.len())
    };
    c.link(
        "fetching",
        "the servers are fetching",
        !fetching.is_empty(),
        fetch_text,
        idle,
        "the group is alive but its processor is stuck (P2): check the start-up error in dealInfoDesc, the cron, and selectTasks",
    );
    done(c, &tt)
}

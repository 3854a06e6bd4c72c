//! The distribution algorithms (§6.2, §6.4) as pure functions: thread groups of a strategy over
//! the live factories, task items over the servers of a domain, and the hand-over writes the
//! domain leader and the holders make. The UI's what-if preview, the diagnosis and the local
//! scheduler all call these; nothing else computes a distribution.
//!
//! Behaviour that changed between Java releases is a [`JavaVersion`] parameter.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::names::sort_by_suffix;

/// Which Java runtime's rules to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum JavaVersion {
    /// 3.2.x: the per-group caps (`numOfSingleServer`, `maxTaskItemsOfOneThreadGroup`) are
    /// honoured, items sort as plain strings.
    V3_2,
    /// 3.3.x (3.3.3.2, the last release): caps ignored, items sort numerically when both ids
    /// are numbers.
    #[default]
    V3_3,
}

/// The bytes tbdesk writes for an owner field: a server name as its bytes, no server as
/// ZooKeeper **null** (`None`), never as empty data. Java's holder (`releaseDealTaskItem`)
/// treats any non-null `req_server` as a hand-over request, so empty would make every Java
/// holder hand its items to `""` (tested in `tests/java_roles.rs`).
pub fn zk_data(v: &Option<String>) -> Option<Vec<u8>> {
    v.as_ref().map(|s| s.clone().into_bytes())
}

/// What the 3.2.x leader writes into `cur_server` of items beyond the capped groups.
pub const NO_SERVER: &str = "没有分配到服务器";

/// `ScheduleUtil.assignTaskNumber`: how many of `total` go to each of `n` receivers, the first
/// ones getting one more; with a positive `cap` (3.2.x only) no receiver gets more than `cap`,
/// leaving the rest unassigned.
pub fn assign_task_number(n: usize, total: i64, cap: i64, v: JavaVersion) -> Vec<i64> {
    if n == 0 {
        return Vec::new();
    }
    let mut base = total / n as i64;
    let mut rem = total % n as i64;
    if v == JavaVersion::V3_2 && cap > 0 && base >= cap {
        base = cap;
        rem = 0;
    }
    (0..n as i64).map(|i| if i < rem { base + 1 } else { base }).collect()
}

/// The strategy leader's requestNum per factory (§6.2): factories sorted by sequence suffix
/// (the leader first), each with its number of thread groups.
pub fn thread_groups(
    factories: &[String],
    assign_num: i64,
    num_of_single_server: i64,
    v: JavaVersion,
) -> Vec<(String, i64)> {
    let mut f = factories.to_vec();
    sort_by_suffix(&mut f);
    let nums = assign_task_number(f.len(), assign_num, num_of_single_server, v);
    f.into_iter().zip(nums).collect()
}

/// The leader's item order: 3.3.x compares as integers when both ids are all digits (and fit
/// an `int`), otherwise as strings; 3.2.x compares as strings (`0,1,10,2`). A stable sort, so
/// with a consistent mix the result does not depend on the input order.
///
/// Numeric and other ids mixed make 3.3's comparison no order at all (`9 < 10`, `10 < "1x"`,
/// `"1x" < 9`): Rust's sort may panic on it and Java's `TimSort` may throw for 32 ids or more.
/// Fewer than 32 such ids are sorted the way Java sorts them (its binary insertion sort after
/// the first run); from 32 on, where Java's merges give no order to match (or throw), by a
/// total order: numbers by value first, then the rest as strings. Neither can fail, and the
/// quadratic moves of the insertion sort stay below 32 ids; [`crate::validate`] warns about
/// the mix.
pub fn sort_items(ids: &mut [String], v: JavaVersion) {
    sort_java(ids, |a, b| compare_items(a, b, v), |s| s.as_str(), v);
}

/// [`sort_items`] for any list keyed by an item id: a holder's items in the order Java's
/// `reloadDealTaskItem` hands them to `selectTasks` (3.3.x sorts them there with the leader's
/// comparison).
pub fn sort_items_by<T>(xs: &mut [T], id: impl Fn(&T) -> &str, v: JavaVersion) {
    sort_java(xs, |a, b| compare_items(a, b, v), id, v);
}

/// Sorts by `cmp`, with Java's small-array algorithm when the ids are a numeric/other mix.
fn sort_java<T>(xs: &mut [T], cmp: impl Fn(&str, &str) -> Ordering, id: impl Fn(&T) -> &str, v: JavaVersion) {
    if !(v == JavaVersion::V3_3 && mixed_ids(xs.iter().map(&id))) {
        xs.sort_by(|a, b| cmp(id(a), id(b)));
        return;
    }
    if xs.len() >= JAVA_MIN_MERGE {
        xs.sort_by(|a, b| {
            let (a, b) = (id(a), id(b));
            match (numeric(a), numeric(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => java_string_cmp(a, b),
            }
        });
        return;
    }
    // `TimSort.countRunAndMakeAscending`: the leading run, reversed when strictly descending.
    let n = xs.len();
    if n < 2 {
        return;
    }
    let mut run;
    if cmp(id(&xs[1]), id(&xs[0])) == Ordering::Less {
        run = 2;
        while run < n && cmp(id(&xs[run]), id(&xs[run - 1])) == Ordering::Less {
            run += 1;
        }
        xs[..run].reverse();
    } else {
        run = 2;
        while run < n && cmp(id(&xs[run]), id(&xs[run - 1])) != Ordering::Less {
            run += 1;
        }
    }
    // `TimSort.binarySort`: each next element goes after the last one not greater than it.
    for start in run..n {
        let (mut left, mut right) = (0, start);
        while left < right {
            let mid = (left + right) / 2;
            if cmp(id(&xs[start]), id(&xs[mid])) == Ordering::Less {
                right = mid;
            } else {
                left = mid + 1;
            }
        }
        xs[left..=start].rotate_right(1);
    }
}

/// `TimSort.MIN_MERGE`: below it Java sorts by binary insertion alone.
const JAVA_MIN_MERGE: usize = 32;

/// Whether 3.3's item comparison is no order for these ids (numeric and other ids mixed).
pub fn mixed_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut num, mut other) = (false, false);
    for id in ids {
        if numeric(id).is_some() {
            num = true;
        } else {
            other = true;
        }
    }
    num && other
}

/// An id 3.3's item comparison takes by value: `StringUtils.isNumeric` (digits of any script,
/// `"１２"` too) and `Integer.parseInt`. (All digits beyond an int: Java's sort throws; such
/// ids are refused by `items::check_items` and named by the diagnosis.)
fn numeric(s: &str) -> Option<i32> {
    if crate::java::is_numeric(s) {
        crate::java::parse_int(s, 10, i64::from(i32::MIN), i64::from(i32::MAX)).and_then(|n| i32::try_from(n).ok())
    } else {
        None
    }
}

fn java_string_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// One comparison of the leader's item sort.
pub fn compare_items(a: &str, b: &str, v: JavaVersion) -> Ordering {
    if v == JavaVersion::V3_3 {
        if let (Some(x), Some(y)) = (numeric(a), numeric(b)) {
            return x.cmp(&y);
        }
    }
    java_string_cmp(a, b)
}

/// Ownership of one task item, as read from `taskItem/<id>/{cur_server,req_server}`
/// (null and empty both read as `None`, P15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOwner {
    /// The item id.
    pub id: String,
    /// The server holding it.
    pub cur_server: Option<String>,
    /// The server it is being handed to.
    pub req_server: Option<String>,
}

/// A write to one item: `Some(None)` writes null, `None` leaves the node alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemWrite {
    /// The item id.
    pub id: String,
    /// New `cur_server`, if written.
    pub cur_server: Option<Option<String>>,
    /// New `req_server`, if written.
    pub req_server: Option<Option<String>>,
}

/// What one pass of the domain leader (or a holder's release) writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Plan {
    /// The target server of every item, in the leader's item order (only for leader passes).
    pub targets: Vec<(String, String)>,
    /// The item writes, in Java's order.
    pub writes: Vec<ItemWrite>,
    /// Whether the reload flag (`server` node version) is bumped.
    pub bump_reload: bool,
}

impl Plan {
    /// Applies the writes to a copy of `items`, giving the state after the pass.
    pub fn apply(&self, items: &[ItemOwner]) -> Vec<ItemOwner> {
        let mut out = items.to_vec();
        // By id: a pass over thousands of items is a lookup per write, not a scan.
        let at: std::collections::HashMap<String, usize> =
            out.iter().enumerate().map(|(k, i)| (i.id.clone(), k)).collect();
        for w in &self.writes {
            if let Some(it) = at.get(&w.id).and_then(|k| out.get_mut(*k)) {
                if let Some(c) = &w.cur_server {
                    it.cur_server = c.clone();
                }
                if let Some(r) = &w.req_server {
                    it.req_server = r.clone();
                }
            }
        }
        out
    }
}

/// `clearTaskItem`: every `cur_server` that is not a live server becomes null.
pub fn clear_dead_owners(items: &[ItemOwner], live: &[String]) -> Vec<ItemWrite> {
    items
        .iter()
        .filter(|i| i.cur_server.as_ref().is_some_and(|c| !live.contains(c)))
        .map(|i| ItemWrite { id: i.id.clone(), cur_server: Some(None), req_server: None })
        .collect()
}

/// `assignTaskItem`: contiguous blocks of the sorted items to the servers sorted by suffix
/// (leader first); a free item is taken at once, a held one is requested through
/// `req_server`. `max_per_group` is honoured by 3.2.x only.
pub fn assign_items(servers: &[String], items: &[ItemOwner], max_per_group: i64, v: JavaVersion) -> Plan {
    let mut servers = servers.to_vec();
    sort_by_suffix(&mut servers);
    if servers.is_empty() {
        return Plan::default();
    }
    let mut sorted: Vec<&ItemOwner> = items.iter().collect();
    sort_java(&mut sorted, |a, b| compare_items(a, b, v), |o| o.id.as_str(), v);
    let nums = assign_task_number(servers.len(), sorted.len() as i64, max_per_group, v);
    let (mut point, mut count, mut unchanged) = (0usize, 0i64, 0usize);
    let mut plan = Plan::default();
    for (i, item) in sorted.iter().enumerate() {
        if point < servers.len() && i as i64 >= count + nums[point] {
            count += nums[point];
            point += 1;
        }
        let target = servers.get(point).cloned().unwrap_or_else(|| NO_SERVER.to_owned());
        plan.targets.push((item.id.clone(), target.clone()));
        match (&item.cur_server, &item.req_server) {
            (None, _) => plan.writes.push(ItemWrite {
                id: item.id.clone(),
                cur_server: Some(Some(target)),
                req_server: Some(None),
            }),
            (Some(c), _) if c == NO_SERVER => plan.writes.push(ItemWrite {
                id: item.id.clone(),
                cur_server: Some(Some(target)),
                req_server: Some(None),
            }),
            (Some(c), None) if *c == target => unchanged += 1,
            _ => plan.writes.push(ItemWrite { id: item.id.clone(), cur_server: None, req_server: Some(Some(target)) }),
        }
    }
    plan.bump_reload = unchanged < sorted.len();
    plan
}

/// One heartbeat of the domain leader: clear dead owners, then assign.
pub fn leader_pass(live: &[String], items: &[ItemOwner], max_per_group: i64, v: JavaVersion) -> Plan {
    let cleared = clear_dead_owners(items, live);
    let mid = Plan { writes: cleared.clone(), ..Plan::default() }.apply(items);
    let mut plan = assign_items(live, &mid, max_per_group, v);
    let mut writes = cleared;
    writes.append(&mut plan.writes);
    plan.writes = writes;
    plan
}

/// `releaseDealTaskItem`: a holder whose queue drained hands every requested item over.
pub fn release(me: &str, items: &[ItemOwner]) -> Plan {
    let writes: Vec<ItemWrite> = items
        .iter()
        .filter(|i| i.req_server.is_some() && i.cur_server.as_deref() == Some(me))
        .map(|i| ItemWrite { id: i.id.clone(), cur_server: Some(i.req_server.clone()), req_server: Some(None) })
        .collect();
    Plan { bump_reload: !writes.is_empty(), writes, targets: Vec::new() }
}

/// The items a server processes after its reload: those whose `cur_server` is itself.
pub fn held_items<'a>(me: &str, items: &'a [ItemOwner]) -> Vec<&'a ItemOwner> {
    items.iter().filter(|i| i.cur_server.as_deref() == Some(me)).collect()
}

/// The distribution picture of one domain: factories (machines) holding their thread groups,
/// each group's items, items without a live owner, and hand-overs in flight. Pure, so the UI
/// draws it and the render benchmark builds it the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Picture {
    /// Factories in suffix order (the strategy leader first); a factory a strategy asks groups
    /// of but that runs none here is listed too.
    pub factories: Vec<FactoryBox>,
    /// Items whose owner is not a live server of the domain.
    pub orphans: Vec<String>,
    /// Hand-overs in flight: item, holder, requester (at most [`MAX_MOVES`]).
    pub moves: Vec<(String, String, String)>,
}

/// Hand-overs drawn at most (the rest are counted in the header).
pub const MAX_MOVES: usize = 500;

/// One factory (machine) of a picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactoryBox {
    /// The factory uuid (`ip$host$UUID$seq`), or empty for servers whose blob names none.
    pub factory: String,
    /// Thread groups the domain's strategies ask of it (`requestNum` summed); `None` when no
    /// strategy runtime names it.
    pub requested: Option<i64>,
    /// Its thread groups in the domain (servers), in suffix order.
    pub groups: Vec<GroupBox>,
}

impl FactoryBox {
    /// Live groups (what the factory actually runs).
    pub fn running(&self) -> usize {
        self.groups.iter().filter(|g| !g.dead).count()
    }
}

/// One thread group (server) of a picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupBox {
    /// The server uuid.
    pub server: String,
    /// It leads the domain.
    pub leader: bool,
    /// Judged dead.
    pub dead: bool,
    /// Heartbeat age in ms.
    pub age_ms: i64,
    /// Age as a share of the judge-dead interval, 0..=1.
    pub heartbeat: f64,
    /// Items it holds: id and, for one being handed over, the requester.
    pub items: Vec<(String, Option<String>)>,
}

/// Builds the picture of domain `d`; `strategies` give the requested groups per factory.
pub fn picture(
    d: &crate::snapshot::DomainView,
    strategies: &[std::sync::Arc<crate::snapshot::StrategyView>],
    now_ms: i64,
    judge_dead_ms: i64,
) -> Picture {
    use std::collections::BTreeMap;
    let mut requested: BTreeMap<String, i64> = BTreeMap::new();
    for s in strategies {
        let Some(st) = s.strategy.ok() else { continue };
        if st.domain().as_deref() != Some(d.task_type.as_str()) {
            continue;
        }
        for r in &s.runtimes {
            let n = r.runtime.as_ref().and_then(|x| x.ok()).map_or(0, |x| x.request_num);
            let e = requested.entry(r.factory.clone()).or_default();
            *e = e.saturating_add(n);
        }
    }
    let mut held: BTreeMap<&str, Vec<(String, Option<String>)>> = BTreeMap::new();
    let mut orphans = Vec::new();
    let mut moves = Vec::new();
    for i in &d.items {
        match (&i.cur_server, i.owner_alive) {
            (Some(c), true) => held.entry(c.as_str()).or_default().push((i.id.clone(), i.req_server.clone())),
            _ => orphans.push(i.id.clone()),
        }
        if let (Some(c), Some(r)) = (&i.cur_server, &i.req_server) {
            if moves.len() < MAX_MOVES {
                moves.push((i.id.clone(), c.clone(), r.clone()));
            }
        }
    }
    let mut boxes: BTreeMap<String, Vec<GroupBox>> = BTreeMap::new();
    for s in &d.servers {
        let factory =
            s.server.as_ref().and_then(|x| x.ok()).and_then(|x| x.manager_factory_uuid.clone()).unwrap_or_default();
        let heartbeat =
            if judge_dead_ms > 0 { (s.age_ms(now_ms) as f64 / judge_dead_ms as f64).clamp(0.0, 1.0) } else { 1.0 };
        boxes.entry(factory).or_default().push(GroupBox {
            server: s.uuid.clone(),
            leader: s.leader,
            dead: s.dead,
            age_ms: s.age_ms(now_ms),
            heartbeat,
            items: held.remove(s.uuid.as_str()).unwrap_or_default(),
        });
    }
    for f in requested.keys() {
        boxes.entry(f.clone()).or_default();
    }
    let mut names: Vec<String> = boxes.keys().cloned().collect();
    sort_by_suffix(&mut names);
    let factories = names
        .into_iter()
        .map(|f| {
            let mut groups = boxes.remove(&f).unwrap_or_default();
            groups.sort_by(|a, b| crate::names::suffix_str(&a.server).cmp(crate::names::suffix_str(&b.server)));
            FactoryBox { requested: requested.get(&f).copied(), factory: f, groups }
        })
        .collect();
    Picture { factories, orphans, moves }
}

/// The what-if's picture: `factories` machines sharing `groups` thread groups as the strategy
/// leader deals them ([`thread_groups`]), and `items` dealt over the groups as a domain leader
/// does ([`assign_items`]) from no owner. Groups are numbered in leader order (`G1` leads).
pub fn proposal(factories: usize, groups: i64, items: &[String], v: JavaVersion) -> Picture {
    let names: Vec<String> = (1..=factories).map(|k| format!("10.0.0.{k}$host{k}$WHATIF${k:010}")).collect();
    let per = thread_groups(&names, groups, 0, v);
    let mut servers = Vec::new();
    let mut boxes = Vec::new();
    for (f, n) in &per {
        let mut gs = Vec::new();
        for _ in 0..*n {
            let seq = servers.len() + 1;
            let name = format!("WHATIF$G{seq}${seq:010}");
            servers.push(name.clone());
            gs.push(GroupBox {
                server: name,
                leader: seq == 1,
                dead: false,
                age_ms: 0,
                heartbeat: 0.0,
                items: Vec::new(),
            });
        }
        boxes.push(FactoryBox { factory: f.clone(), requested: Some(*n), groups: gs });
    }
    let owners: Vec<ItemOwner> =
        items.iter().map(|i| ItemOwner { id: i.clone(), cur_server: None, req_server: None }).collect();
    let plan = assign_items(&servers, &owners, 0, v);
    let mut orphans = Vec::new();
    // Where each server's group sits: (factory, group).
    let mut at: std::collections::HashMap<String, (usize, usize)> = Default::default();
    for (f, b) in boxes.iter().enumerate() {
        for (g, grp) in b.groups.iter().enumerate() {
            at.insert(grp.server.clone(), (f, g));
        }
    }
    for (id, target) in plan.targets {
        match at.get(&target).and_then(|(f, g)| boxes.get_mut(*f)?.groups.get_mut(*g)) {
            Some(grp) => grp.items.push((id, None)),
            None => orphans.push(id),
        }
    }
    if servers.is_empty() {
        orphans = items.to_vec();
    }
    Picture { factories: boxes, orphans, moves: Vec::new() }
}

/// Each item's group by position (1 = the leader's group) in a picture: the way to compare
/// the current assignment with a proposal whose servers have other names.
pub fn group_of_items(p: &Picture) -> Vec<(String, String)> {
    let mut groups: Vec<&GroupBox> = p.factories.iter().flat_map(|f| f.groups.iter()).filter(|g| !g.dead).collect();
    groups.sort_by(|a, b| crate::names::suffix_str(&a.server).cmp(crate::names::suffix_str(&b.server)));
    groups
        .iter()
        .enumerate()
        .flat_map(|(k, g)| g.items.iter().map(move |(id, _)| (id.clone(), format!("group {}", k + 1))))
        .collect()
}

/// What moved between two pictures of a domain, for a what-if: item, from, to (`None`: no
/// owner).
pub fn moved_items(before: &[(String, String)], after: &[(String, String)]) -> Vec<(String, Option<String>, String)> {
    let was: std::collections::HashMap<&str, &str> = before.iter().map(|(i, s)| (i.as_str(), s.as_str())).collect();
    after
        .iter()
        .filter_map(|(id, to)| {
            let from = was.get(id.as_str()).map(|s| s.to_string());
            (from.as_ref() != Some(to)).then(|| (id.clone(), from, to.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// Digits of any script are numeric to commons-lang's `isNumeric` and read by
    /// `Integer.parseInt` (checked with both on the peer kit's classpath: `１,2,٣,１０`).
    #[test]
    fn digits_of_any_script_sort_by_value_as_java() {
        let mut ids: Vec<String> = ["１０", "2", "１", "٣"].iter().map(|s| s.to_string()).collect();
        sort_items(&mut ids, JavaVersion::V3_3);
        assert_eq!(ids, ["１", "2", "٣", "１０"]);
        // A digit beyond the BMP is two UTF-16 units to Java, neither a digit.
        assert!(mixed_ids(["𝟓", "1"]));
    }

    use super::*;

    fn s(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn spec_6_2_examples() {
        assert_eq!(assign_task_number(2, 5, 0, JavaVersion::V3_3), vec![3, 2]);
        assert_eq!(assign_task_number(2, 5, 2, JavaVersion::V3_2), vec![2, 2]);
        assert_eq!(assign_task_number(2, 5, 3, JavaVersion::V3_2), vec![3, 2]);
        assert_eq!(assign_task_number(2, 5, 2, JavaVersion::V3_3), vec![3, 2]);
        assert_eq!(assign_task_number(4, 3, 0, JavaVersion::V3_3), vec![1, 1, 1, 0]);
        // §13: 3 groups over 2 factories = [2,1], lowest suffix first.
        let g = thread_groups(&s(&["ip$h$B$0000000007", "ip$h$A$0000000002"]), 3, 0, JavaVersion::V3_3);
        assert_eq!(g, vec![("ip$h$A$0000000002".to_string(), 2), ("ip$h$B$0000000007".to_string(), 1)]);
    }

    /// Mixed numeric and other ids: no panic, and below 32 ids the order `Collections.sort`
    /// gives with the 3.3 comparator (each expected list printed by Java 17 with
    /// commons-lang's `StringUtils`).
    #[test]
    fn mixed_ids_sort_like_java_and_never_panic() {
        for (input, java) in [
            (
                "1,3x,17,18x,15x,8,2,4,16,0x,9x,19,7,14,13,5,6x,12x,10,11,20",
                "0x,1,12x,15x,2,4,5,7,8,10,11,13,14,16,17,18x,19,20,3x,6x,9x",
            ),
            ("20,19,3x,1,0x,5", "0x,1,5,19,20,3x"),
            ("a,10,9,b,1x,2", "9,10,1x,2,a,b"),
        ] {
            let mut ids: Vec<String> = input.split(',').map(str::to_owned).collect();
            sort_items(&mut ids, JavaVersion::V3_3);
            assert_eq!(ids.join(","), java, "{input}");
            let plan = assign_items(&s(&["a$1"]), &items(&input.split(',').collect::<Vec<_>>()), 0, JavaVersion::V3_3);
            let order: Vec<&str> = plan.targets.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(order.join(","), java);
        }
        // Long mixed lists in every order a simple generator gives: the sort returns, and from
        // 32 ids on the order is total (numbers by value, then text), whatever the input order.
        let mut seed = 7u64;
        for len in [31usize, 32, 100, 700, 20_000] {
            for _ in 0..(if len > 1000 { 2 } else { 30 }) {
                let mut ids: Vec<String> = (0..len)
                    .map(|i| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        if seed >> 63 == 1 {
                            format!("{i}")
                        } else {
                            format!("{i}x")
                        }
                    })
                    .collect();
                let mut again = ids.clone();
                again.reverse();
                sort_items(&mut ids, JavaVersion::V3_3);
                assert_eq!(ids.len(), len);
                if len >= 32 {
                    sort_items(&mut again, JavaVersion::V3_3);
                    assert_eq!(ids, again, "not a total order at {len}");
                    let first_text = ids.iter().position(|i| i.ends_with('x')).unwrap_or(len);
                    assert!(ids[first_text..].iter().all(|i| i.ends_with('x')), "numbers first");
                }
            }
        }
        assert!(mixed_ids(["1", "a"]));
        assert!(!mixed_ids(["1", "2"]) && !mixed_ids(["a", "b"]));
    }

    fn items(ids: &[&str]) -> Vec<ItemOwner> {
        ids.iter().map(|i| ItemOwner { id: i.to_string(), cur_server: None, req_server: None }).collect()
    }

    #[test]
    fn spec_6_4_examples() {
        let ids: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let servers = s(&["T$ip$S1$0000000001", "T$ip$S2$0000000002", "T$ip$S3$0000000003"]);
        let plan = assign_items(&servers, &items(&ids), 0, JavaVersion::V3_3);
        let owner =
            |p: &Plan, id: &str| p.targets.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone()).expect("target");
        assert_eq!(owner(&plan, "3"), servers[0]);
        assert_eq!(owner(&plan, "4"), servers[1]);
        assert_eq!(owner(&plan, "7"), servers[2]);
        assert!(plan.bump_reload);
        let state = plan.apply(&items(&ids));
        // A second pass changes nothing and does not bump the flag.
        let again = assign_items(&servers, &state, 0, JavaVersion::V3_3);
        assert!(again.writes.is_empty() && !again.bump_reload);
        // 4 groups, 2 items: [1,1,0,0].
        let four = s(&["a$i$1$01", "a$i$2$02", "a$i$3$03", "a$i$4$04"]);
        let p = assign_items(&four, &items(&["0", "1"]), 0, JavaVersion::V3_3);
        assert_eq!(p.targets, vec![("0".into(), four[0].clone()), ("1".into(), four[1].clone())]);
        // 3.2.x with max 3 and 3 groups: item 9 gets the "no server" literal.
        let p = assign_items(&servers, &items(&ids), 3, JavaVersion::V3_2);
        assert_eq!(owner(&p, "9"), NO_SERVER);
        // S4 joins: item 3 -> S2, 6 -> S3, 8 and 9 -> S4 through req_server.
        let mut four = servers.clone();
        four.push("T$ip$S4$0000000004".into());
        let p = assign_items(&four, &state, 0, JavaVersion::V3_3);
        let req: Vec<(String, String)> =
            p.writes.iter().filter_map(|w| w.req_server.clone().flatten().map(|r| (w.id.clone(), r))).collect();
        assert_eq!(
            req,
            vec![
                ("3".to_string(), four[1].clone()),
                ("6".to_string(), four[2].clone()),
                ("8".to_string(), four[3].clone()),
                ("9".to_string(), four[3].clone()),
            ]
        );
        assert!(p.writes.iter().all(|w| w.cur_server.is_none()));
        // S1 releases item 3 at its next drained reload.
        let after = p.apply(&state);
        let r = release(&four[0], &after);
        assert_eq!(r.writes.len(), 1);
        assert!(r.bump_reload);
        assert_eq!(
            r.apply(&after).iter().find(|i| i.id == "3").and_then(|i| i.cur_server.clone()),
            Some(four[1].clone())
        );
    }

    #[test]
    fn dead_owner_items_go_straight_to_survivors() {
        let servers = s(&["T$ip$S1$0000000001", "T$ip$S2$0000000002"]);
        let dead = "T$ip$S0$0000000000".to_string();
        let state = vec![
            ItemOwner { id: "0".into(), cur_server: Some(dead.clone()), req_server: None },
            ItemOwner { id: "1".into(), cur_server: Some(servers[1].clone()), req_server: None },
        ];
        let p = leader_pass(&servers, &state, 0, JavaVersion::V3_3);
        let after = p.apply(&state);
        assert_eq!(after[0].cur_server.as_ref(), Some(&servers[0]));
        assert_eq!(after[1].cur_server.as_ref(), Some(&servers[1]));
    }

    /// What a Java leader does with the empty values tbdesk writes for "null" (P15): an empty
    /// `cur_server` is a dead owner and is reassigned; an empty `req_server` costs one hand-over
    /// round to the current holder, then both fields are clean.
    #[test]
    fn empty_owner_heals_under_a_java_leader() {
        let s1 = "T$ip$S1$0000000001".to_string();
        let java_view = vec![
            ItemOwner { id: "0".into(), cur_server: Some(String::new()), req_server: None },
            ItemOwner { id: "1".into(), cur_server: Some(s1.clone()), req_server: Some(String::new()) },
        ];
        let live = vec![s1.clone()];
        let after = leader_pass(&live, &java_view, 0, JavaVersion::V3_3).apply(&java_view);
        assert_eq!(after[0].cur_server.as_ref(), Some(&s1));
        assert_eq!(after[0].req_server, None);
        assert_eq!(after[1].req_server.as_ref(), Some(&s1), "one extra round: a request to itself");
        let done = release(&s1, &after).apply(&after);
        assert!(done.iter().all(|i| i.cur_server.as_ref() == Some(&s1) && i.req_server.is_none()));
        assert!(assign_items(&live, &done, 0, JavaVersion::V3_3).writes.is_empty());
    }

    #[test]
    fn a_picture_puts_groups_in_their_factories_with_requests_and_hand_overs() {
        use crate::records::{Server, Strategy, StrategyRuntime};
        use crate::snapshot::{Decoded, DomainView, Fetching, ItemView, RuntimeView, ServerView, StrategyView};
        let fa = "10.0.0.1$a$F1$0000000001".to_string();
        let fb = "10.0.0.2$b$F2$0000000002".to_string();
        let fc = "10.0.0.3$c$F3$0000000003".to_string();
        let server = |uuid: &str, f: &str, mtime: i64, dead: bool, leader: bool| ServerView {
            uuid: uuid.into(),
            server: Some(Decoded::Ok { value: Server { manager_factory_uuid: Some(f.into()), ..Server::default() } }),
            mtime,
            ctime: 0,
            dead,
            fetching: Fetching::Yes,
            leader,
        };
        let item = |id: &str, cur: Option<&str>, req: Option<&str>, alive: bool| ItemView {
            id: id.into(),
            cur_server: cur.map(str::to_owned),
            req_server: req.map(str::to_owned),
            sts: None,
            parameter: None,
            deal_desc: None,
            owner_alive: alive,
            owner_writes: 0,
            owner_span_ms: 0,
            missing: Vec::new(),
        };
        let (s1, s2, s3) = ("T$DEV$x$S1$0000000001", "T$DEV$x$S2$0000000002", "T$DEV$x$S3$0000000003");
        let d = DomainView {
            task_type: "T$DEV".into(),
            own_sign: "DEV".into(),
            reload_version: Some(1),
            initialised_by: None,
            task_item_mtime: None,
            leader: Some(s1.into()),
            servers: vec![
                server(s2, &fb, 9_000, false, false),
                server(s1, &fa, 10_000, false, true),
                server(s3, &fb, 0, true, false),
            ],
            items: vec![
                item("0", Some(s1), None, true),
                item("1", Some(s1), Some(s2), true),
                item("2", Some(s3), None, false),
                item("3", None, None, false),
            ],
        };
        let runtime = |f: &str, n: i64| RuntimeView {
            factory: f.into(),
            runtime: Some(Decoded::Ok { value: StrategyRuntime { request_num: n, ..StrategyRuntime::default() } }),
        };
        let st = std::sync::Arc::new(StrategyView {
            name: "T-s".into(),
            version: 0,
            strategy: Decoded::Ok { value: Strategy { task_name: Some("T$DEV".into()), ..Strategy::default() } },
            runtimes: vec![runtime(&fa, 1), runtime(&fb, 1), runtime(&fc, 1)],
            leader: None,
        });
        let p = picture(&d, &[st], 10_000, 4_000);
        let names: Vec<&str> = p.factories.iter().map(|f| f.factory.as_str()).collect();
        assert_eq!(names, [fa.as_str(), fb.as_str(), fc.as_str()], "suffix order; F3 asked but running none");
        assert_eq!((p.factories[0].requested, p.factories[0].running()), (Some(1), 1));
        assert_eq!(p.factories[1].groups.iter().map(|g| g.server.as_str()).collect::<Vec<_>>(), [s2, s3]);
        assert_eq!((p.factories[1].requested, p.factories[1].running()), (Some(1), 1), "the dead group is not running");
        assert_eq!((p.factories[2].requested, p.factories[2].groups.len()), (Some(1), 0));
        assert_eq!(
            p.factories[0].groups[0].items,
            vec![("0".to_string(), None), ("1".to_string(), Some(s2.to_string()))]
        );
        assert!((p.factories[1].groups[0].heartbeat - 0.25).abs() < 1e-9);
        assert_eq!(p.factories[1].groups[1].heartbeat, 1.0, "a clock far past judge-dead is capped");
        assert_eq!(p.orphans, ["2", "3"]);
        assert_eq!(p.moves, vec![("1".to_string(), s1.to_string(), s2.to_string())]);
        // A judge-dead interval of 0 (a broken definition) never divides by zero.
        assert_eq!(picture(&d, &[], 10_000, 0).factories[0].groups[0].heartbeat, 1.0);
        // A proposal: 3 groups over 2 machines ([2,1]), 5 items as the leader deals them.
        let ids: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        let w = proposal(2, 3, &ids, JavaVersion::V3_3);
        assert_eq!(w.factories.iter().map(|f| f.groups.len()).collect::<Vec<_>>(), [2, 1]);
        let g = group_of_items(&w);
        assert_eq!(g.iter().filter(|(_, k)| k == "group 1").count(), 2);
        assert_eq!(g.iter().find(|(i, _)| i == "4").map(|(_, k)| k.as_str()), Some("group 3"));
        assert_eq!(proposal(0, 3, &ids, JavaVersion::V3_3).orphans.len(), 5, "no machine: nothing owned");
        assert_eq!(proposal(2, 0, &ids, JavaVersion::V3_3).orphans.len(), 5, "no group: nothing owned");
        // The current picture by position: S1 holds 0 and 1 (group 1).
        let now = group_of_items(&p);
        assert_eq!(now, vec![("0".to_string(), "group 1".to_string()), ("1".to_string(), "group 1".to_string())]);
        // What moves between two assignments.
        let before = vec![("0".to_string(), s1.to_string()), ("1".to_string(), s1.to_string())];
        let after = vec![
            ("0".to_string(), s1.to_string()),
            ("1".to_string(), s2.to_string()),
            ("2".to_string(), s2.to_string()),
        ];
        assert_eq!(
            moved_items(&before, &after),
            vec![("1".to_string(), Some(s1.to_string()), s2.to_string()), ("2".to_string(), None, s2.to_string())]
        );
    }

    #[test]
    fn item_order_by_version() {
        let mut v = s(&["10", "2", "1", "b", "a"]);
        sort_items(&mut v, JavaVersion::V3_3);
        assert_eq!(v, s(&["1", "2", "10", "a", "b"]));
        sort_items(&mut v, JavaVersion::V3_2);
        assert_eq!(v, s(&["1", "10", "2", "a", "b"]));
    }
}

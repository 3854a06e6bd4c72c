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
pub fn sort_items(ids: &mut [String], v: JavaVersion) {
    ids.sort_by(|a, b| compare_items(a, b, v));
}

fn numeric(s: &str) -> Option<i32> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
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
        for w in &self.writes {
            if let Some(it) = out.iter_mut().find(|i| i.id == w.id) {
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
    sorted.sort_by(|a, b| compare_items(&a.id, &b.id, v));
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

#[cfg(test)]
mod tests {
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
    fn item_order_by_version() {
        let mut v = s(&["10", "2", "1", "b", "a"]);
        sort_items(&mut v, JavaVersion::V3_3);
        assert_eq!(v, s(&["1", "2", "10", "a", "b"]));
        sort_items(&mut v, JavaVersion::V3_2);
        assert_eq!(v, s(&["1", "10", "2", "a", "b"]));
    }
}

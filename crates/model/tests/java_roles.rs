//! tbdesk's item writes read by Java's own rules, in both roles (issue 13).
//!
//! The Java side is written here as the 3.3.3.2 source reads (ScheduleDataManager4ZK:
//! `releaseDealTaskItem`, `reloadDealTaskItem`, `clearTaskItem`, `assignTaskItem`), over
//! values as Java's `getData` returns them: `None` is null, `Some(vec![])` is empty. tbdesk's
//! side is the model (`leader_pass`, `release`) with the bytes `zk_data` gives, which is what
//! the scheduler writes. Each scenario runs rounds of "leader pass, then every holder's
//! release" until nothing changes, and checks who holds what.

use std::collections::BTreeMap;

use tbdesk_model::distribution::{leader_pass, release, zk_data, ItemOwner, JavaVersion, Plan, NO_SERVER};

/// item id → (cur_server, req_server) as stored: null is None.
type Items = BTreeMap<String, (Option<Vec<u8>>, Option<Vec<u8>>)>;

fn items(n: usize) -> Items {
    (0..n).map(|i| (i.to_string(), (None, None))).collect()
}

/// How tbdesk reads an owner field: empty and null alike (zookeeper-client cannot tell them).
fn tbdesk_view(items: &Items) -> Vec<ItemOwner> {
    let text =
        |v: &Option<Vec<u8>>| v.as_ref().filter(|b| !b.is_empty()).map(|b| String::from_utf8_lossy(b).into_owned());
    items.iter().map(|(id, (c, r))| ItemOwner { id: id.clone(), cur_server: text(c), req_server: text(r) }).collect()
}

/// Applies a tbdesk plan with the given encoding of "no server".
fn apply(items: &mut Items, plan: &Plan, encode: fn(&Option<String>) -> Option<Vec<u8>>) -> bool {
    let mut changed = false;
    for w in &plan.writes {
        let e = items.entry(w.id.clone()).or_default();
        if let Some(v) = &w.cur_server {
            changed |= e.0 != encode(v);
            e.0 = encode(v);
        }
        if let Some(v) = &w.req_server {
            changed |= e.1 != encode(v);
            e.1 = encode(v);
        }
    }
    changed
}

/// The old encoding, for the regression check: no server as empty data.
fn empty_for_null(v: &Option<String>) -> Option<Vec<u8>> {
    Some(v.clone().unwrap_or_default().into_bytes())
}

/// Java's `releaseDealTaskItem(uuid)`.
fn java_release(items: &mut Items, uuid: &str) -> bool {
    let mut changed = false;
    for (cur, req) in items.values_mut() {
        if req.is_some() && cur.as_deref() == Some(uuid.as_bytes()) {
            *cur = req.take();
            changed = true;
        }
    }
    changed
}

/// Java's `reloadDealTaskItem(uuid)`: the items this holder processes.
fn java_held(items: &Items, uuid: &str) -> Vec<String> {
    items.iter().filter(|(_, (c, _))| c.as_deref() == Some(uuid.as_bytes())).map(|(id, _)| id.clone()).collect()
}

/// Java's leader: `clearTaskItem` then `assignTaskItem` (3.3: no cap).
fn java_leader(items: &mut Items, servers: &[&str]) -> bool {
    let mut changed = false;
    for (cur, _) in items.values_mut() {
        if let Some(c) = cur {
            if !servers.iter().any(|s| s.as_bytes() == c.as_slice()) {
                *cur = None;
                changed = true;
            }
        }
    }
    let n = servers.len();
    let total = items.len();
    let nums: Vec<usize> = (0..n).map(|i| total / n + usize::from(i < total % n)).collect();
    let (mut point, mut count) = (0usize, 0usize);
    let mut ids: Vec<String> = items.keys().cloned().collect();
    ids.sort_by_key(|x| x.parse::<i64>().unwrap_or(i64::MAX));
    for (i, id) in ids.iter().enumerate() {
        if point < n && i >= count + nums[point] {
            count += nums[point];
            point += 1;
        }
        let server = servers.get(point).copied().unwrap_or(NO_SERVER);
        let Some((cur, req)) = items.get_mut(id) else { continue };
        if cur.is_none() || cur.as_deref() == Some(NO_SERVER.as_bytes()) {
            *cur = Some(server.as_bytes().to_vec());
            *req = None;
            changed = true;
        } else if cur.as_deref() == Some(server.as_bytes()) && req.is_none() {
        } else {
            changed |= req.as_deref() != Some(server.as_bytes());
            *req = Some(server.as_bytes().to_vec());
        }
    }
    changed
}

// Server names sort by suffix; the smallest leads.
const T: &str = "Job$dev1$10.0.0.1$AAAA$0000000000";
const J1: &str = "Job$dev1$10.0.0.2$BBBB$0000000001";
const J2: &str = "Job$dev1$10.0.0.3$CCCC$0000000002";

/// tbdesk leads, J1 and J2 are Java holders, tbdesk holds too. Returns the rounds until
/// nothing changed, or None if it never settled.
fn tbdesk_leads(state: &mut Items, encode: fn(&Option<String>) -> Option<Vec<u8>>) -> Option<usize> {
    let live: Vec<String> = [T, J1, J2].iter().map(|s| s.to_string()).collect();
    for round in 0..50 {
        let plan = leader_pass(&live, &tbdesk_view(state), 0, JavaVersion::V3_3);
        let mut changed = apply(state, &plan, encode);
        changed |= java_release(state, J1);
        changed |= java_release(state, J2);
        let mine = release(T, &tbdesk_view(state));
        changed |= apply(state, &mine, encode);
        if !changed {
            return Some(round);
        }
    }
    None
}

#[test]
fn java_holders_keep_their_items_under_a_tbdesk_leader() {
    let mut state = items(10);
    let rounds = tbdesk_leads(&mut state, zk_data).expect("settles");
    assert!(rounds <= 3, "settled after {rounds} rounds");
    assert_eq!(java_held(&state, T).len(), 4);
    assert_eq!(java_held(&state, J1).len(), 3, "J1 keeps its share");
    assert_eq!(java_held(&state, J2).len(), 3, "J2 keeps its share");
    for (id, (c, r)) in &state {
        assert!(c.as_ref().is_some_and(|c| !c.is_empty()), "item {id} has an owner");
        assert_eq!(r, &None, "item {id}: req_server is null, not empty");
    }
    // and a later pass of tbdesk's leader writes nothing (no reload churn)
    let live: Vec<String> = [T, J1, J2].iter().map(|s| s.to_string()).collect();
    let plan = leader_pass(&live, &tbdesk_view(&state), 0, JavaVersion::V3_3);
    assert!(plan.writes.is_empty() && !plan.bump_reload, "{plan:?}");
}

/// The defect this guards against: with "no server" written as empty data, a Java holder
/// reads `req_server` as a request to hand over to "" and the items never settle.
#[test]
fn empty_instead_of_null_would_livelock_java_holders() {
    let mut state = items(10);
    assert_eq!(tbdesk_leads(&mut state, empty_for_null), None, "the empty encoding flaps forever");
}

#[test]
fn a_java_leader_and_a_tbdesk_holder_settle_and_hand_over() {
    let mut state = items(10);
    // Java leads with J1 alone first; then tbdesk T joins... with a larger suffix than J1.
    const TB: &str = "Job$dev1$10.0.0.1$DDDD$0000000003";
    java_leader(&mut state, &[J1]);
    assert_eq!(java_held(&state, J1).len(), 10);
    let mut settled = None;
    for round in 0..20 {
        let mut changed = java_leader(&mut state, &[J1, TB]);
        changed |= java_release(&mut state, J1);
        let mine = release(TB, &tbdesk_view(&state));
        changed |= apply(&mut state, &mine, zk_data);
        if !changed {
            settled = Some(round);
            break;
        }
    }
    assert!(settled.is_some(), "settles");
    assert_eq!(java_held(&state, J1).len(), 5);
    assert_eq!(java_held(&state, TB).len(), 5);
    // tbdesk stops: the Java leader clears its items and J1 takes them all, with null req_server
    java_leader(&mut state, &[J1]);
    java_release(&mut state, J1);
    java_leader(&mut state, &[J1]);
    assert_eq!(java_held(&state, J1).len(), 10);
    assert!(state.values().all(|(_, r)| r.is_none()));
}

/// A holder's hand-over written by tbdesk reads, for the Java leader, exactly as a Java
/// holder's: cur_server := requested server, req_server := null.
#[test]
fn a_tbdesk_hand_over_leaves_what_a_java_hand_over_leaves() {
    let mut java = items(4);
    let mut tb = items(4);
    for s in [&mut java, &mut tb] {
        for (c, r) in s.values_mut() {
            *c = Some(T.as_bytes().to_vec());
            *r = Some(J1.as_bytes().to_vec());
        }
    }
    java_release(&mut java, T);
    let plan = release(T, &tbdesk_view(&tb));
    apply(&mut tb, &plan, zk_data);
    assert_eq!(java, tb);
}

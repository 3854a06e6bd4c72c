//! The incremental fold against the whole one: random roots, random changes (data, new and
//! deleted nodes, unreadable nodes, foreign nodes, time passing across judge-dead), and after
//! every step `Folder::fold` given the changed paths must equal `fold` of the same tree.

use proptest::prelude::*;
use tbdesk_model::paths::Root;
use tbdesk_model::records::{Server, TaskType};
use tbdesk_model::snapshot::{fold, Changed, Folder, NodeStat, RawNode, RawTree};

#[test]
fn report() {
    tbdesk_test_support::report::record(
        "live view",
        "incremental fold vs whole fold: random roots, 1–60 random changes each (data, create, delete, unreadable, time across judge-dead) (proptest)",
        512,
        "after every change the incremental snapshot equals the whole fold; untouched parts are shared, not copied",
    );
}

const NOW: i64 = 1_700_000_000_000;

fn node(data: &[u8], mtime: i64) -> RawNode {
    RawNode {
        data: data.to_vec(),
        stat: NodeStat { version: 0, mtime, ctime: mtime - 1000, ephemeral: false, num_children: 0 },
        children: Vec::new(),
        unreadable: None,
    }
}

fn parent(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(p, _)| p).filter(|p| !p.is_empty())
}

fn insert(tree: &mut RawTree, path: &str, n: RawNode) {
    if let Some(p) = parent(path) {
        if let Some(pn) = tree.get_mut(p) {
            let name = path.rsplit_once('/').map(|(_, c)| c.to_owned()).unwrap_or_default();
            if !pn.children.contains(&name) {
                pn.children.push(name);
            }
        }
    }
    tree.insert(path.to_owned(), n);
}

fn remove(tree: &mut RawTree, path: &str) {
    let doomed: Vec<String> =
        tree.keys().filter(|k| k.as_str() == path || k.starts_with(&format!("{path}/"))).cloned().collect();
    for d in doomed {
        tree.remove(&d);
    }
    if let Some(p) = parent(path) {
        if let Some(pn) = tree.get_mut(p) {
            let name = path.rsplit_once('/').map(|(_, c)| c).unwrap_or_default();
            pn.children.retain(|c| c != name);
        }
    }
}

/// A root with `n` task types (two domains, two servers, three items each), strategies and
/// factories; server mtimes spread so that time passing kills some.
fn build(n: usize, seeds: &[u32]) -> RawTree {
    let mut t = RawTree::new();
    let seed = |i: usize| seeds.get(i % seeds.len().max(1)).copied().unwrap_or(7) as i64;
    insert(&mut t, "/r", node(b"tbschedule-3.2.12", NOW));
    for d in ["baseTaskType", "strategy", "factory"] {
        insert(&mut t, &format!("/r/{d}"), node(b"", NOW));
    }
    for k in 0..n {
        let name = format!("T{k}");
        let def = TaskType {
            base_task_type: Some(name.clone()),
            heart_beat_rate: 1000,
            judge_dead_interval: 5000 + 1000 * (seed(k) % 5),
            ..TaskType::default()
        };
        insert(&mut t, &format!("/r/baseTaskType/{name}"), node(def.encode().as_bytes(), NOW));
        for own in ["BASE", "dev"] {
            let tt = if own == "BASE" { name.clone() } else { format!("{name}${own}") };
            let d = format!("/r/baseTaskType/{name}/{tt}");
            insert(&mut t, &d, node(b"", NOW));
            insert(&mut t, &format!("{d}/server"), node(b"", NOW));
            insert(&mut t, &format!("{d}/taskItem"), node(b"", NOW));
            for s in 0..2usize {
                let uuid = format!("{tt}$10.0.0.{s}$U{s}$000000000{s}");
                let blob = Server { uuid: Some(uuid.clone()), ..Server::default() }.encode();
                let age = (seed(k * 7 + s) % 12_000) - 2000;
                insert(&mut t, &format!("{d}/server/{uuid}"), node(blob.as_bytes(), NOW - age));
                let _ = s;
            }
            for i in 0..3 {
                let it = format!("{d}/taskItem/{i}");
                insert(&mut t, &it, node(b"", NOW));
                let owner = format!("{tt}$10.0.0.{}$U{}$000000000{}", i % 2, i % 2, i % 2);
                insert(&mut t, &format!("{it}/cur_server"), node(owner.as_bytes(), NOW));
                insert(&mut t, &format!("{it}/req_server"), node(b"", NOW));
            }
        }
        insert(&mut t, &format!("/r/strategy/S{k}"), node(b"{\"strategyName\":\"S\"}", NOW));
        insert(&mut t, &format!("/r/strategy/S{k}/10.0.0.1$h$F$0000000001"), node(b"", NOW));
    }
    insert(&mut t, "/r/factory/10.0.0.1$h$F$0000000001", node(b"", NOW));
    t
}

fn check(folder: &mut Folder, tree: &RawTree, now: i64, changed: &Changed) -> Result<(), TestCaseError> {
    let root = Root::new("/r").expect("root");
    let inc = folder.fold(tree, now, changed);
    let whole = fold(&root, tree, now);
    prop_assert_eq!(inc, whole);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn incremental_fold_equals_the_whole_fold(
        n in 0usize..5,
        seeds in prop::collection::vec(any::<u32>(), 1..8),
        ops in prop::collection::vec((0u8..7, any::<u32>(), any::<u32>()), 1..60),
    ) {
        let root = Root::new("/r").expect("root");
        let mut tree = build(n, &seeds);
        let mut now = NOW;
        let mut folder = Folder::new(root.clone());
        check(&mut folder, &tree, now, &Changed::everything())?;
        for (op, a, b) in ops {
            let keys: Vec<String> = tree.keys().cloned().collect();
            let pick = keys[a as usize % keys.len()].clone();
            let mut changed = Changed::default();
            match op {
                // New data (a heartbeat, an edit, a blob that does not decode).
                0 => {
                    if let Some(x) = tree.get_mut(&pick) {
                        x.data = if b % 3 == 0 { b"{not json".to_vec() } else { x.data.clone() };
                        x.stat.mtime = now;
                        x.stat.version = x.stat.version.saturating_add(1);
                    }
                    changed.note(&root, &pick);
                }
                // A new child anywhere (a server, an item, a foreign node, a new task type).
                1 => {
                    let path = format!("{pick}/n{}", b % 50);
                    insert(&mut tree, &path, node(b"", now - i64::from(b % 9000)));
                    changed.note(&root, &path);
                    changed.note(&root, &pick);
                }
                // A subtree deleted (never the root itself).
                2 if pick != "/r" => {
                    remove(&mut tree, &pick);
                    changed.note(&root, &pick);
                    if let Some(p) = parent(&pick) { changed.note(&root, p); }
                }
                // A node the session can no longer read, or again can.
                3 => {
                    if let Some(x) = tree.get_mut(&pick) {
                        x.unreadable = if x.unreadable.is_some() { None } else { Some("ACL".into()) };
                    }
                    changed.note(&root, &pick);
                }
                // A new task type or strategy with a child.
                4 => {
                    let dir = if b % 2 == 0 { "/r/baseTaskType" } else { "/r/strategy" };
                    let path = format!("{dir}/N{}", b % 7);
                    insert(&mut tree, &path, node(b"{}", now));
                    insert(&mut tree, &format!("{path}/c"), node(b"", now));
                    changed.note(&root, &path);
                    changed.note(&root, dir);
                }
                // Time passes (servers turn dead or silent with no event).
                _ => now += i64::from(b % 4000),
            }
            check(&mut folder, &tree, now, &changed)?;
        }
    }
}

/// What was not touched is shared with the previous snapshot, not folded again.
#[test]
fn untouched_parts_are_shared() {
    let root = Root::new("/r").expect("root");
    let mut tree = build(3, &[1]);
    let mut folder = Folder::new(root.clone());
    let first = folder.fold(&tree, NOW, &Changed::everything());
    let path = "/r/baseTaskType/T1/T1/taskItem/0/req_server";
    if let Some(x) = tree.get_mut(path) {
        x.data = b"someone".to_vec();
    }
    let mut changed = Changed::default();
    changed.note(&root, path);
    let second = folder.fold(&tree, NOW, &changed);
    assert!(std::sync::Arc::ptr_eq(&first.task_types[0], &second.task_types[0]), "T0 was not touched");
    assert!(!std::sync::Arc::ptr_eq(&first.task_types[1], &second.task_types[1]), "T1 changed");
    assert!(std::sync::Arc::ptr_eq(&first.strategies[1], &second.strategies[1]), "strategies were not touched");
    assert_eq!(second.task_types[1].domains[0].items[0].req_server.as_deref(), Some("someone"));
}

/// The page's delta: what the backend sends after a change, applied to what the page shows
/// (through JSON, as it travels), gives the new state; a delta for another generation does not
/// apply.
#[test]
fn a_delta_applied_to_the_shown_state_gives_the_new_state() {
    use std::borrow::Cow;
    use tbdesk_model::wire::{LiveStatus, SnapshotDelta, SnapshotEvent};
    let root = Root::new("/r").expect("root");
    let mut tree = build(4, &[3, 9]);
    let mut folder = Folder::new(root.clone());
    let event = |snap, generation| SnapshotEvent {
        profile: Cow::Owned("p".into()),
        status: Cow::Owned(LiveStatus::Live),
        follower: 1,
        generation,
        snapshot: Cow::Owned(snap),
        server_version: None,
        read_only: false,
    };
    let first = event(folder.fold(&tree, NOW, &Changed::everything()), 1);
    // one item changes owner, one task type is deleted, one strategy is created
    let mut changed = Changed::default();
    let item = "/r/baseTaskType/T2/T2$dev/taskItem/1/cur_server";
    tree.get_mut(item).expect("item").data = b"elsewhere".to_vec();
    changed.note(&root, item);
    remove(&mut tree, "/r/baseTaskType/T0");
    changed.note(&root, "/r/baseTaskType/T0");
    insert(&mut tree, "/r/strategy/Snew", node(b"{}", NOW));
    changed.note(&root, "/r/strategy/Snew");
    let second = event(folder.fold(&tree, NOW + 10, &changed), 2);
    let delta = SnapshotDelta::between(second.clone(), &first.snapshot, 1);
    assert_eq!(delta.event.snapshot.task_types.len(), 1, "only T2 travels");
    assert_eq!(delta.event.snapshot.strategies.len(), 1, "only the new strategy travels");
    let json = serde_json::to_vec(&delta).expect("encode");
    let back: SnapshotDelta<'static> = serde_json::from_slice(&json).expect("decode");
    assert_eq!(back.clone().apply(Some(&first)), Some(second.clone()));
    // applied to another generation: refused, the page asks for the whole
    let stale = event(first.snapshot.clone().into_owned(), 7);
    assert_eq!(back.apply(Some(&stale)), None);
    assert_eq!(SnapshotDelta::whole(second.clone()).apply(None), Some(second));
}

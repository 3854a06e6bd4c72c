//! The journal is bounded in bytes as well as in entries: a writer rewriting a large node again
//! and again cannot fill the disk through it; the newest entries stay.

use tbdesk_model::journal::{NodeState, Outcome};
use tbdesk_profiles::journal::NewEntry;
use tbdesk_profiles::Profiles;

#[tokio::test]
async fn the_oldest_entries_go_once_the_bytes_pass_the_bound() {
    let dir = tempfile::tempdir().expect("dir");
    let p = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("open");
    p.set_setting("journal.max_bytes", "100000").await.expect("setting");
    let mut ids = Vec::new();
    for i in 0..10u8 {
        let before = NodeState { data: Some(vec![i; 20_000]), version: Some(i32::from(i)) };
        let e = NewEntry {
            profile: "p",
            root: "/r",
            command: "save_task_type",
            reverts: None,
            before: vec![("/r/baseTaskType/Job".into(), before)],
            external: false,
            seen_on: None,
        };
        let id = p.journal_begin(&e).await.expect("begin");
        let after = NodeState { data: Some(vec![i; 10_000]), version: Some(i32::from(i) + 1) };
        p.journal_finish(id, Outcome::Applied, None, &[Some(after)]).await.expect("finish");
        ids.push(id);
    }
    // 30,000 bytes an entry: the newest three (90,000) stay, the fourth would pass 100,000.
    let kept: Vec<i64> = p.journal_list("p", None, 100).await.expect("list").iter().map(|e| e.id).collect();
    assert_eq!(kept, ids[7..].iter().rev().copied().collect::<Vec<_>>());
    // A bound smaller than one entry: the newest stays alone (it may be reverted next).
    p.set_setting("journal.max_bytes", "1000").await.expect("setting");
    p.journal_prune().await.expect("prune");
    let kept: Vec<i64> = p.journal_list("p", None, 100).await.expect("list").iter().map(|e| e.id).collect();
    assert_eq!(kept, vec![ids[9]]);
}

/// Each profile's history has its own byte budget: one profile's churn never evicts another's.
#[tokio::test]
async fn one_profiles_churn_never_evicts_anothers_history() {
    let dir = tempfile::tempdir().expect("dir");
    let p = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("open");
    p.set_setting("journal.max_bytes", "50000").await.expect("setting");
    let write = |profile: &'static str, fill: u8| {
        let p = p.clone();
        async move {
            let before = NodeState { data: Some(vec![fill; 20_000]), version: Some(1) };
            let e = NewEntry {
                profile,
                root: "/r",
                command: "save_strategy",
                reverts: None,
                before: vec![("/r/strategy/S".into(), before)],
                external: true,
                seen_on: None,
            };
            let id = p.journal_begin(&e).await.expect("begin");
            p.journal_finish(id, Outcome::Applied, None, &[None]).await.expect("finish");
            id
        }
    };
    let quiet = write("quiet", 1).await;
    for i in 0..20 {
        write("busy", i).await;
    }
    // busy: 40,000 bytes an entry, so its newest alone stays; quiet's one entry stays too.
    assert_eq!(p.journal_list("busy", None, 100).await.expect("list").len(), 1);
    let q: Vec<i64> = p.journal_list("quiet", None, 100).await.expect("list").iter().map(|e| e.id).collect();
    assert_eq!(q, vec![quiet]);
}

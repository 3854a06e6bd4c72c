//! The journal is bounded in bytes as well as in entries: a writer rewriting a large node again
//! and again cannot fill the disk through it; the newest entries stay.

use tbdesk_model::journal::{NodeState, Outcome};
use tbdesk_profiles::journal::NewEntry;
use tbdesk_profiles::Profiles;

/// Journals one write to `profile`'s `/r/strategy/S`: `before` bytes of `fill` before it, and
/// `after` bytes after it (`None`: the after-state left as the before-state).
async fn journal(p: &Profiles, profile: &str, fill: u8, before: usize, after: Option<usize>) -> i64 {
    let e = NewEntry {
        profile,
        root: "/r",
        command: "save_strategy",
        reverts: None,
        before: vec![("/r/strategy/S".into(), NodeState { data: Some(vec![fill; before]), version: Some(1) })],
        external: false,
        seen_on: None,
    };
    let id = p.journal_begin(&e).await.expect("begin");
    let after = after.map(|n| NodeState { data: Some(vec![fill; n]), version: Some(2) });
    p.journal_finish(id, Outcome::Applied, None, &[after]).await.expect("finish");
    id
}

#[tokio::test]
async fn the_oldest_entries_go_once_the_bytes_pass_the_bound() {
    let dir = tempfile::tempdir().expect("dir");
    let p = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("open");
    p.set_setting("journal.max_bytes", "100000").await.expect("setting");
    let mut ids = Vec::new();
    for i in 0..10u8 {
        ids.push(journal(&p, "p", i, 20_000, Some(10_000)).await);
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
    let quiet = journal(&p, "quiet", 1, 20_000, None).await;
    for i in 0..20 {
        journal(&p, "busy", i, 20_000, None).await;
    }
    // busy: 40,000 bytes an entry, so its newest alone stays; quiet's one entry stays too.
    assert_eq!(p.journal_list("busy", None, 100).await.expect("list").len(), 1);
    let q: Vec<i64> = p.journal_list("quiet", None, 100).await.expect("list").iter().map(|e| e.id).collect();
    assert_eq!(q, vec![quiet]);
}

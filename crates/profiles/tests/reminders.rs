//! Reminders (a batch pause's "remind me to resume"): bounded, each taken out once, by profile.

use tbdesk_profiles::{Error, Profiles, MAX_REMINDERS};

#[tokio::test]
async fn reminders_are_bounded_and_taken_once() {
    let dir = tempfile::tempdir().expect("dir");
    let p = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("open");
    for k in 0..MAX_REMINDERS {
        let profile = if k % 2 == 0 { "a" } else { "b" };
        p.add_reminder(profile, 1_000 + k, "t", "b").await.expect("room");
    }
    assert!(matches!(p.reminder_room().await, Err(Error::Invalid { field: "reminder", .. })));
    let full = p.add_reminder("a", 0, "t", "b").await;
    assert!(matches!(full, Err(Error::Invalid { field: "reminder", .. })), "the 101st is refused");
    // Not due yet: nothing. Due, for "a" only: a's, oldest first; never twice.
    assert!(p.take_due_reminders(999, &[]).await.expect("take").is_empty());
    let a = p.take_due_reminders(1_010, &["a".to_string()]).await.expect("take a");
    assert_eq!(a.len(), 6);
    assert!(a.iter().all(|(profile, _, _)| profile == "a"));
    assert!(p.take_due_reminders(1_010, &["a".to_string()]).await.expect("again").is_empty());
    let rest = p.take_due_reminders(i64::MAX, &[]).await.expect("all");
    assert_eq!(rest.len() as i64, MAX_REMINDERS - 6);
    p.reminder_room().await.expect("room again");
    // Text from outside is stored as it is (bound parameters), whatever it holds.
    p.add_reminder("x'); DROP TABLE reminders; --", 5, "\u{0}title", "b\u{202e}").await.expect("hostile text");
    let hostile = p.take_due_reminders(5, &[]).await.expect("take");
    assert_eq!(hostile[0].0, "x'); DROP TABLE reminders; --");
}

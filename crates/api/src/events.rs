//! The window's events, kept here until the window fetches them (`next_events`, a long poll)
//! instead of pushed into it as script.
//!
//! Why not tauri's events: tauri delivers each event, and registers each listener, by
//! evaluating script in the webview, and WebKit turns every evaluation's result into a
//! JavaScript value in the app's own process. The first one starts a JavaScriptCore VM there
//! (its code and heap) that the app never uses otherwise. A command's answer travels over the
//! IPC's custom protocol as bytes, with no VM on this side.
//!
//! Bounded: at most [`KEEP`] events are kept, the oldest dropped first; a notice that only says
//! "look again" (a new state, a read's progress) replaces the same profile's earlier one, so a
//! window that falls behind gets the latest of each, not a backlog.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tbdesk_model::wire::event::{Event, EventBatch, EventEnvelope};
use tokio::sync::watch;

/// Events kept for the window at most.
pub const KEEP: usize = 64;

/// The longest a fetch waits for an event before answering with none (the window asks again).
pub const WAIT: Duration = Duration::from_secs(25);

/// The app's events for its window, in order.
pub struct EventHub {
    kept: Mutex<Kept>,
    /// The last event's number, for waiting fetches.
    last: watch::Sender<u64>,
}

#[derive(Default)]
struct Kept {
    /// Oldest first, each with the key that a newer event of the same key replaces it by.
    events: VecDeque<(EventEnvelope, Option<String>)>,
    last: u64,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub { kept: Mutex::new(Kept::default()), last: watch::Sender::new(0) }
    }
}

impl EventHub {
    /// Keeps event `E` for the window.
    pub fn publish<E: Event>(&self, payload: &E::Payload) {
        self.push::<E>(payload, None);
    }

    /// Keeps event `E` for the window in place of an earlier `E` about the same `profile` that
    /// the window has not fetched yet (a notice whose latest one says all).
    pub fn publish_latest<E: Event>(&self, profile: &str, payload: &E::Payload) {
        self.push::<E>(payload, Some(format!("{}\u{0}{profile}", E::NAME)));
    }

    fn push<E: Event>(&self, payload: &E::Payload, key: Option<String>) {
        let payload = match serde_json::to_value(payload) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(event = E::NAME, error = %e, "cannot encode an event for the window");
                return;
            }
        };
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = &key {
            kept.events.retain(|(_, old)| old.as_ref() != Some(k));
        }
        kept.last = kept.last.saturating_add(1);
        let seq = kept.last;
        kept.events.push_back((EventEnvelope { seq, name: E::NAME.to_owned(), payload }, key));
        while kept.events.len() > KEEP {
            kept.events.pop_front();
        }
        drop(kept);
        self.last.send_replace(seq);
    }

    /// The events after `after`, oldest first; `None` (or a number the app never gave) answers
    /// none, with the number to ask after next.
    fn after(&self, after: Option<u64>) -> EventBatch {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let events = match after {
            Some(a) if a <= kept.last => {
                kept.events.iter().filter(|(e, _)| e.seq > a).map(|(e, _)| e.clone()).collect()
            }
            _ => Vec::new(),
        };
        EventBatch { events, last: kept.last }
    }

    /// The events after `after`; when there are none yet, waits up to `wait` (at most
    /// [`WAIT`]) for one.
    /// `None`, or a number the app never gave (a page of an earlier run), answers at once.
    pub async fn next(&self, after: Option<u64>, wait: Duration) -> EventBatch {
        // Subscribed before looking: an event kept after the look wakes the wait below.
        let mut rx = self.last.subscribe();
        let deadline = tokio::time::Instant::now() + wait.min(WAIT);
        loop {
            let batch = self.after(after);
            let waiting = matches!(after, Some(a) if a == batch.last);
            if !batch.events.is_empty() || !waiting {
                return batch;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                // The wait ended (or, impossibly, the sender went): none.
                _ => return self.after(after),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tbdesk_model::wire::event::{LoadProgress, OpenAlert, Progress, Snapshot, SnapshotNotice};

    fn notice(profile: &str, generation: u64) -> SnapshotNotice {
        SnapshotNotice { profile: profile.to_owned(), generation }
    }

    #[tokio::test]
    async fn from_now_then_in_order() {
        let hub = EventHub::default();
        hub.publish_latest::<Snapshot>("dev", &notice("dev", 1));
        let start = hub.next(None, WAIT).await;
        assert!(start.events.is_empty(), "no backlog for a new window");
        assert_eq!(start.last, 1);
        hub.publish_latest::<Snapshot>("dev", &notice("dev", 2));
        hub.publish::<LoadProgress>(&Progress { profile: "dev".into(), done: 1, total: 2 });
        let b = hub.next(Some(start.last), WAIT).await;
        let names: Vec<_> = b.events.iter().map(|e| (e.seq, e.name.as_str())).collect();
        assert_eq!(names, [(2, "snapshot"), (3, "load_progress")]);
        assert_eq!(b.last, 3);
        let n: SnapshotNotice = serde_json::from_value(b.events[0].payload.clone()).expect("payload");
        assert_eq!(n, notice("dev", 2));
    }

    #[tokio::test]
    async fn a_notice_replaces_the_same_profiles_earlier_one_only() {
        let hub = EventHub::default();
        for g in 1..=5 {
            hub.publish_latest::<Snapshot>("dev", &notice("dev", g));
            hub.publish_latest::<Snapshot>("prod", &notice("prod", g));
        }
        let b = hub.next(Some(0), WAIT).await;
        let got: Vec<SnapshotNotice> =
            b.events.iter().map(|e| serde_json::from_value(e.payload.clone()).expect("payload")).collect();
        assert_eq!(got, [notice("dev", 5), notice("prod", 5)]);
        assert_eq!(b.last, 10);
    }

    #[tokio::test]
    async fn a_window_that_never_fetches_costs_at_most_keep_events() {
        let hub = EventHub::default();
        let alert = |i: usize| tbdesk_model::alerts::Alert {
            profile: "dev".into(),
            key: format!("k{i}"),
            title: "t".into(),
            body: "b".into(),
            task_type: None,
        };
        for i in 0..10_000 {
            hub.publish::<OpenAlert>(&alert(i));
        }
        assert_eq!(hub.kept.lock().expect("lock").events.len(), KEEP);
        let b = hub.next(Some(0), WAIT).await;
        assert_eq!(b.events.len(), KEEP);
        assert_eq!(b.events[0].seq, 10_000 - KEEP as u64 + 1, "the oldest were dropped");
        assert_eq!(b.last, 10_000);
    }

    #[tokio::test]
    async fn a_fetch_waits_for_the_next_event_and_no_longer_than_asked() {
        let hub = std::sync::Arc::new(EventHub::default());
        let t = std::time::Instant::now();
        let b = hub.next(Some(0), Duration::from_millis(200)).await;
        assert!(b.events.is_empty() && b.last == 0);
        assert!(t.elapsed() >= Duration::from_millis(190), "answered before the wait ended");
        let waiting = tokio::spawn({
            let hub = hub.clone();
            async move { hub.next(Some(0), Duration::from_secs(20)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        hub.publish_latest::<Snapshot>("dev", &notice("dev", 7));
        let b = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("woken").expect("task");
        assert_eq!(b.events.len(), 1);
        assert_eq!(b.last, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_is_never_longer_than_wait() {
        let hub = EventHub::default();
        let t = tokio::time::Instant::now();
        let b = hub.next(Some(0), Duration::MAX).await;
        assert!(b.events.is_empty());
        assert_eq!(t.elapsed(), WAIT, "Duration::MAX waited {:?}", t.elapsed());
    }

    #[tokio::test]
    async fn a_number_the_app_never_gave_answers_at_once() {
        let hub = EventHub::default();
        hub.publish_latest::<Snapshot>("dev", &notice("dev", 1));
        let b = tokio::time::timeout(Duration::from_secs(1), hub.next(Some(u64::MAX), Duration::MAX))
            .await
            .expect("at once");
        assert!(b.events.is_empty());
        assert_eq!(b.last, 1, "the window starts over from the app's number");
    }
}

//! The state every view reads (the shown profile, its followed snapshot, the view), and the
//! one rule for which fetched state is shown. Views import this, never the shell (`app`).

use leptos::prelude::*;
use tbdesk_model::wire::{ApiError, SchedulerView};

/// A followed root's state as the UI holds it.
pub type SnapshotEvent = tbdesk_model::wire::SnapshotEvent<'static>;

/// Which view the main pane shows.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    /// Every profile at a glance (no profile needed).
    Home,
    Overview,
    TaskType(Option<String>),
    Strategy(Option<String>),
    Distribution(Option<String>),
    /// Every task type's run windows over the next 24 hours or 7 days.
    Timeline,
    Scheduler,
    NewProfile,
    EditProfile(String),
    DuplicateProfile(String),
    Health,
    Why(String),
    Transfer,
    /// The journal, narrowed to an object.
    History(Option<String>),
    /// The node inspector at a path (empty: the root).
    Node(String),
}

/// State every view reads: the followed snapshot per profile and the navigation.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub profile: RwSignal<Option<String>>,
    pub snap: RwSignal<Option<SnapshotEvent>>,
    pub view: RwSignal<View>,
    pub error: RwSignal<Option<ApiError>>,
    pub zone: RwSignal<String>,
    /// The local scheduler the app runs (polled once a second).
    pub sched: RwSignal<Option<SchedulerView>>,
    /// Nodes read / known while a root loads.
    pub progress: RwSignal<Option<(u64, u64)>>,
    /// Every profile as the background watch last saw it (the home).
    pub home: RwSignal<Option<Vec<tbdesk_model::wire::ProfileStatus>>>,
    /// The latest alerts, newest first (at most [`MAX_ALERTS`]).
    pub alerts: RwSignal<Vec<tbdesk_model::alerts::Alert>>,
}

/// Alerts the window keeps (older ones are only in the log).
pub const MAX_ALERTS: usize = 20;

/// Shows a fetched state if it belongs to the shown profile and is not older than the one shown:
/// answers may arrive out of order, and an edited profile's new follower (a higher `follower`)
/// restarts its generations.
pub fn show(ctx: Ctx, ev: SnapshotEvent) {
    if ctx.profile.get_untracked().as_deref() != Some(&*ev.profile) {
        return;
    }
    let older = ctx.snap.with_untracked(|s| {
        s.as_ref().is_some_and(|s| s.profile == ev.profile && (s.follower, s.generation) > (ev.follower, ev.generation))
    });
    if !older {
        ctx.snap.set(Some(ev));
    }
}

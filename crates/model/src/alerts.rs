//! Alerts of watched roots: what deserves a desktop notification, once.
//!
//! Three kinds, each keyed so it is said once and again only after it cleared: the root turned
//! red (`red`), a task type went from running to not running (`stopped:BASE`), a server died
//! (`dead:TASKTYPE/UUID`). The first look at a root only learns its state: starting the app
//! beside a root that is already red says nothing (the home shows it red), and a root that was
//! unreachable is learned again when it comes back. Pure (no clock, no I/O) so the rules are
//! tested here and the app, the CLI's `watch` and the tests share them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::snapshot::Snapshot;
use crate::wire::Colour;

/// At most this many alerts for one root in one look; the rest are summed up in one more.
pub const MAX_PER_LOOK: usize = 5;

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The watched profile.
    pub profile: String,
    /// Stable key (`red`, `stopped:BASE`, `dead:TASKTYPE/UUID`, `more`, `reminder`).
    pub key: String,
    /// The notification's title: the profile and what happened.
    pub title: String,
    /// Details: the finding, the task type, the server.
    pub body: String,
    /// The task type to open when the alert is clicked.
    pub task_type: Option<String>,
}

/// What one root looked like, for the alert rules.
#[derive(Debug, Clone, Default, PartialEq)]
struct Seen {
    /// Keys whose condition holds now.
    active: BTreeSet<String>,
    /// Task types (base names) with a live server in some domain.
    running: BTreeSet<String>,
    /// The last look could not read the root.
    unreachable: bool,
}

/// The alert state of every watched root.
#[derive(Debug, Default)]
pub struct Alerts {
    roots: BTreeMap<String, Seen>,
}

impl Alerts {
    /// A new tracker that knows no root yet.
    pub fn new() -> Self {
        Alerts::default()
    }

    /// Looks at one root (`snapshot` is `None` when it could not be read) and answers the
    /// alerts that are new since the last look. `first` finding: what a red alert says.
    pub fn observe(
        &mut self,
        profile: &str,
        summary: Colour,
        first: Option<&str>,
        snapshot: Option<&Snapshot>,
    ) -> Vec<Alert> {
        let Some(s) = snapshot else {
            // Unreachable: forget it, so its return is learned rather than alerted piecemeal.
            // Red it is, though (the home says why): said once until it is read again.
            let was = self.roots.remove(profile);
            let mut seen = Seen { unreachable: true, ..Seen::default() };
            seen.active.insert("red".into());
            self.roots.insert(profile.to_owned(), seen);
            return match was {
                Some(w) if !w.active.contains("red") => vec![red(profile, first.unwrap_or("it cannot be read"))],
                _ => Vec::new(),
            };
        };
        let mut now = Seen::default();
        if summary == Colour::Red {
            now.active.insert("red".into());
        }
        let mut dead = Vec::new();
        let mut bases = BTreeSet::new();
        for t in &s.task_types {
            bases.insert(t.name.clone());
            for d in &t.domains {
                if d.servers.iter().any(|x| !x.dead) {
                    now.running.insert(t.name.clone());
                }
                for x in d.servers.iter().filter(|x| x.dead) {
                    let key = format!("dead:{}/{}", d.task_type, x.uuid);
                    if now.active.insert(key.clone()) {
                        dead.push((key, d.task_type.clone(), x.uuid.clone()));
                    }
                }
            }
        }
        let Some(before) = self.roots.insert(profile.to_owned(), now.clone()).filter(|b| !b.unreachable) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if now.active.contains("red") && !before.active.contains("red") {
            out.push(red(profile, first.unwrap_or("a finding is red")));
        }
        for base in before.running.difference(&now.running).filter(|b| bases.contains(*b)) {
            let key = format!("stopped:{base}");
            out.push(Alert {
                profile: profile.to_owned(),
                key: key.clone(),
                title: format!("{profile}: {base} is not running"),
                body: format!("task type {base} had a live thread group and now has none"),
                task_type: Some(base.clone()),
            });
            if let Some(seen) = self.roots.get_mut(profile) {
                seen.active.insert(key);
            }
        }
        // A stopped task type stays said until it runs again.
        let still_stopped: Vec<String> = before
            .active
            .iter()
            .filter(|k| k.strip_prefix("stopped:").is_some_and(|b| !now.running.contains(b) && bases.contains(b)))
            .cloned()
            .collect();
        if let Some(seen) = self.roots.get_mut(profile) {
            seen.active.extend(still_stopped);
        }
        for (key, task_type, uuid) in dead.into_iter().filter(|(k, ..)| !before.active.contains(k)) {
            out.push(Alert {
                profile: profile.to_owned(),
                key,
                title: format!("{profile}: a server of {task_type} died"),
                body: format!("{uuid} stopped its heartbeat past the judge-dead interval"),
                task_type: Some(task_type),
            });
        }
        if out.len() > MAX_PER_LOOK {
            let more = out.len() - (MAX_PER_LOOK - 1);
            out.truncate(MAX_PER_LOOK - 1);
            out.push(Alert {
                profile: profile.to_owned(),
                key: "more".into(),
                title: format!("{profile}: {more} more alerts"),
                body: "open the profile's health for every finding".into(),
                task_type: None,
            });
        }
        out
    }

    /// Forgets a root (no longer watched, or its alerts were switched off).
    pub fn forget(&mut self, profile: &str) {
        self.roots.remove(profile);
    }

    /// Keeps only the roots `keep` names (the others are learned again if watched again).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.roots.retain(|p, _| keep(p));
    }
}

fn red(profile: &str, why: &str) -> Alert {
    Alert {
        profile: profile.to_owned(),
        key: "red".into(),
        title: format!("{profile} turned red"),
        body: why.to_owned(),
        task_type: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Decoded, DomainView, Fetching, ServerView, TaskTypeView};
    use std::sync::Arc;

    fn server(uuid: &str, dead: bool) -> ServerView {
        ServerView {
            uuid: uuid.into(),
            server: None,
            mtime: 0,
            ctime: 0,
            dead,
            fetching: Fetching::Unknown,
            leader: false,
        }
    }

    fn root(servers: &[(&str, bool)]) -> Snapshot {
        let domain = DomainView {
            task_type: "Job$DEV".into(),
            own_sign: "DEV".into(),
            reload_version: None,
            initialised_by: None,
            task_item_mtime: None,
            leader: None,
            servers: servers.iter().map(|(u, d)| server(u, *d)).collect(),
            items: Vec::new(),
        };
        let def = Decoded::Bad { error: crate::gson::DecodeError::Empty, raw: String::new() };
        let t = TaskTypeView { name: "Job".into(), version: 0, def, domains: vec![domain] };
        Snapshot {
            root: "/r".into(),
            marker: crate::version::MarkerVerdict::Unmarked,
            now_ms: 0,
            strategies: Vec::new(),
            task_types: vec![Arc::new(t)],
            factories: Vec::new(),
            nodes: 0,
            problems: Vec::new(),
        }
    }

    fn keys(a: &[Alert]) -> Vec<&str> {
        a.iter().map(|a| a.key.as_str()).collect()
    }

    #[test]
    fn the_first_look_learns_and_later_looks_say_each_thing_once() {
        let mut a = Alerts::new();
        assert!(a.observe("prod", Colour::Red, Some("x"), Some(&root(&[("s1", true)]))).is_empty(), "baseline");
        let mut b = Alerts::new();
        assert!(b.observe("prod", Colour::Green, None, Some(&root(&[("s1", false), ("s2", false)]))).is_empty());
        let got = b.observe("prod", Colour::Red, Some("servers are dead"), Some(&root(&[("s1", true), ("s2", false)])));
        assert_eq!(keys(&got), ["red", "dead:Job$DEV/s1"]);
        assert_eq!(got[0].title, "prod turned red");
        assert_eq!(got[0].body, "servers are dead");
        assert_eq!(got[1].task_type.as_deref(), Some("Job$DEV"));
        // The same state again: nothing repeats.
        assert!(b.observe("prod", Colour::Red, None, Some(&root(&[("s1", true), ("s2", false)]))).is_empty());
        // The last live server dies: the task type stops running.
        let got = b.observe("prod", Colour::Red, None, Some(&root(&[("s1", true), ("s2", true)])));
        assert_eq!(keys(&got), ["stopped:Job", "dead:Job$DEV/s2"]);
        assert!(b.observe("prod", Colour::Red, None, Some(&root(&[("s1", true), ("s2", true)]))).is_empty());
        // Cleared, then again: said again.
        assert!(b.observe("prod", Colour::Green, None, Some(&root(&[("s3", false)]))).is_empty());
        let got = b.observe("prod", Colour::Red, Some("again"), Some(&root(&[("s3", true)])));
        assert_eq!(keys(&got), ["red", "stopped:Job", "dead:Job$DEV/s3"]);
    }

    #[test]
    fn an_unreachable_root_is_red_once_and_learned_again_when_back() {
        let mut a = Alerts::new();
        a.observe("p", Colour::Green, None, Some(&root(&[("s1", false)])));
        let got = a.observe("p", Colour::Red, Some("no answer"), None);
        assert_eq!(keys(&got), ["red"]);
        assert!(a.observe("p", Colour::Red, Some("no answer"), None).is_empty());
        // Back, with a dead server: learned, not alerted.
        assert!(a.observe("p", Colour::Red, None, Some(&root(&[("s1", true)]))).is_empty());
    }

    #[test]
    fn many_at_once_are_capped() {
        let mut a = Alerts::new();
        let alive: Vec<(String, bool)> = (0..50).map(|i| (format!("s{i}"), false)).collect();
        let alive_ref: Vec<(&str, bool)> = alive.iter().map(|(s, d)| (s.as_str(), *d)).collect();
        a.observe("p", Colour::Green, None, Some(&root(&alive_ref)));
        let dead_ref: Vec<(&str, bool)> = alive.iter().map(|(s, _)| (s.as_str(), true)).collect();
        let got = a.observe("p", Colour::Red, None, Some(&root(&dead_ref)));
        assert_eq!(got.len(), MAX_PER_LOOK);
        assert_eq!(got.last().map(|a| a.title.as_str()), Some("p: 48 more alerts"));
    }
}

//! The run-window timeline of a root: for every task type, its windows over a horizon (the
//! model's [`window::lane`], so the bars are the windows the runtimes open), whether its
//! strategies are paused, and where it overlaps task types it shares a bean with (or that the
//! user grouped with it, e.g. by database).

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::snapshot::Snapshot;
use crate::window::{lane, overlaps, Bar};

/// Whether a task type's windows will be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaneState {
    /// A Schedule strategy runs it and is not paused.
    Running,
    /// Every Schedule strategy that runs it is paused.
    Paused,
    /// No Schedule strategy runs it: the windows open nowhere.
    NoStrategy,
}

/// One task type's lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    /// The base task type.
    pub task_type: String,
    /// Its `dealBeanName` (lanes sharing one are compared for overlaps).
    pub bean: Option<String>,
    /// Its windows, clipped to the horizon.
    pub bars: Vec<Bar>,
    /// Windows past [`crate::window::MAX_BARS`] were left out.
    pub more: bool,
    /// Running, paused or run by no strategy.
    pub state: LaneState,
    /// Where it is open together with a task type of its group: `(from, to, other task type)`.
    pub overlaps: Vec<(i64, i64, String)>,
    /// Its definition could not be read (no bars then).
    pub error: Option<String>,
}

/// Lanes compared with each other per group at most (a bean shared by hundreds of task types
/// would otherwise cost a square of them).
pub const MAX_GROUP: usize = 50;

/// Overlaps found at most over all lanes.
pub const MAX_OVERLAPS: usize = 20_000;

/// The timeline of `snap`'s task types between `now` and `horizon`, in `tz`; `groups` are the
/// user's extra groups of task type names (e.g. those sharing a database).
pub fn timeline(snap: &Snapshot, tz: Tz, now: i64, horizon: i64, groups: &[Vec<String>]) -> Vec<Lane> {
    timeline_of(snap, tz, now, horizon, groups, &|_| true, usize::MAX)
}

/// [`timeline`] of at most `max` task types that `shown` keeps (the lanes a view draws): only
/// those, and the task types they share a bean or a group with (for the overlaps, at most
/// [`MAX_GROUP`] each), are computed — a filter over a 1,000-task-type root costs its matches.
pub fn timeline_of(
    snap: &Snapshot,
    tz: Tz,
    now: i64,
    horizon: i64,
    groups: &[Vec<String>],
    shown: &dyn Fn(&str) -> bool,
    max: usize,
) -> Vec<Lane> {
    let bean_of = |t: &crate::snapshot::TaskTypeView| {
        t.def.ok().and_then(|d| d.deal_bean_name.clone()).filter(|b| !b.trim().is_empty())
    };
    let picked: Vec<usize> =
        snap.task_types.iter().enumerate().filter(|(_, t)| shown(&t.name)).map(|(i, _)| i).take(max).collect();
    let mut wanted: std::collections::BTreeSet<usize> = picked.iter().copied().collect();
    let beans: std::collections::BTreeSet<String> =
        picked.iter().filter_map(|i| bean_of(&snap.task_types[*i])).collect();
    let names: std::collections::BTreeSet<&str> = picked.iter().map(|i| snap.task_types[*i].name.as_str()).collect();
    for bean in &beans {
        wanted.extend(
            snap.task_types
                .iter()
                .enumerate()
                .filter(|(_, t)| bean_of(t).as_ref() == Some(bean))
                .map(|(i, _)| i)
                .take(MAX_GROUP),
        );
    }
    for g in groups.iter().filter(|g| g.iter().any(|n| names.contains(n.as_str()))) {
        wanted.extend(
            snap.task_types.iter().enumerate().filter(|(_, t)| g.contains(&t.name)).map(|(i, _)| i).take(MAX_GROUP),
        );
    }
    let shown_names: std::collections::BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    let mut lanes: Vec<Lane> = wanted
        .into_iter()
        .filter_map(|i| snap.task_types.get(i))
        .map(|t| {
            let state = lane_state(snap, &t.name);
            match t.def.ok() {
                Some(def) => {
                    let (bars, more) = lane(
                        def.permit_run_start_time.as_deref(),
                        def.permit_run_end_time.as_deref(),
                        tz,
                        now,
                        horizon,
                    );
                    Lane {
                        task_type: t.name.clone(),
                        bean: def.deal_bean_name.clone().filter(|b| !b.trim().is_empty()),
                        bars,
                        more,
                        state,
                        overlaps: Vec::new(),
                        error: None,
                    }
                }
                None => Lane {
                    task_type: t.name.clone(),
                    bean: None,
                    bars: Vec::new(),
                    more: false,
                    state,
                    overlaps: Vec::new(),
                    error: Some("its definition cannot be read".into()),
                },
            }
        })
        .collect();
    // Groups: each bean, then the user's.
    let mut all_groups: Vec<Vec<usize>> = Vec::new();
    let mut by_bean: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, l) in lanes.iter().enumerate() {
        if let Some(b) = &l.bean {
            by_bean.entry(b.as_str()).or_default().push(i);
        }
    }
    all_groups.extend(by_bean.into_values());
    for g in groups {
        all_groups.push(lanes.iter().enumerate().filter(|(_, l)| g.contains(&l.task_type)).map(|(i, _)| i).collect());
    }
    // Each pair once, whatever groups it is in; bounded per lane and in all.
    let mut pairs: std::collections::BTreeSet<(usize, usize)> = Default::default();
    for g in all_groups {
        let g: Vec<usize> = g.into_iter().filter(|i| lanes[*i].state == LaneState::Running).take(MAX_GROUP).collect();
        for (k, &a) in g.iter().enumerate() {
            for &b in &g[k + 1..] {
                if a != b {
                    pairs.insert((a.min(b), a.max(b)));
                }
            }
        }
    }
    let mut total = 0;
    for (a, b) in pairs {
        if total >= MAX_OVERLAPS {
            break;
        }
        for (from, to) in overlaps(&lanes[a].bars, &lanes[b].bars) {
            if lanes[a].overlaps.len() >= crate::window::MAX_BARS || lanes[b].overlaps.len() >= crate::window::MAX_BARS
            {
                break;
            }
            let (na, nb) = (lanes[a].task_type.clone(), lanes[b].task_type.clone());
            lanes[a].overlaps.push((from, to, nb));
            lanes[b].overlaps.push((from, to, na));
            total += 2;
        }
    }
    for l in &mut lanes {
        l.overlaps.sort();
    }
    // The partners were computed for their overlaps only.
    lanes.retain(|l| shown_names.contains(&l.task_type));
    lanes
}

/// Running when some Schedule strategy naming the task type (any own sign) is not paused.
fn lane_state(snap: &Snapshot, base: &str) -> LaneState {
    let mut any = false;
    for s in &snap.strategies {
        let Some(st) = s.strategy.ok() else { continue };
        if st.schedule_task_type().is_none_or(|t| t.base != base) {
            continue;
        }
        any = true;
        if !st.is_paused() {
            return LaneState::Running;
        }
    }
    if any {
        LaneState::Paused
    } else {
        LaneState::NoStrategy
    }
}

/// "User groups" as typed: one group per line or `;`, names separated by commas, an optional
/// `label:` in front (`orders db: OrderSync, InvoiceSync`). Groups of fewer than two names are
/// dropped; at most 100 groups.
pub fn parse_groups(text: &str) -> Vec<Vec<String>> {
    text.split(['\n', ';'])
        .map(|line| {
            let names = line.split_once(':').map_or(line, |(_, n)| n);
            let mut v: Vec<String> =
                names.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
            v.dedup();
            v
        })
        .filter(|g| g.len() >= 2)
        .take(100)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::records::{Kind, Strategy, TaskType};
    use crate::snapshot::{Decoded, StrategyView, TaskTypeView};
    use crate::window::BarKind;
    use std::sync::Arc;

    fn task_type(name: &str, bean: &str, start: Option<&str>, end: Option<&str>) -> Arc<TaskTypeView> {
        let def = TaskType {
            base_task_type: Some(name.into()),
            deal_bean_name: Some(bean.into()),
            permit_run_start_time: start.map(str::to_owned),
            permit_run_end_time: end.map(str::to_owned),
            ..TaskType::default()
        };
        Arc::new(TaskTypeView { name: name.into(), version: 0, def: Decoded::Ok { value: def }, domains: vec![] })
    }

    fn strategy(name: &str, task: &str, sts: &str) -> Arc<StrategyView> {
        let s = Strategy {
            strategy_name: Some(name.into()),
            kind: Some(Kind::Schedule),
            task_name: Some(task.into()),
            sts: Some(sts.into()),
            ..Strategy::default()
        };
        Arc::new(StrategyView {
            name: name.into(),
            version: 0,
            strategy: Decoded::Ok { value: s },
            runtimes: vec![],
            leader: None,
        })
    }

    #[test]
    fn lanes_say_state_and_overlaps_within_a_group() {
        const H: i64 = 3_600_000;
        let t0 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
        let snap = Snapshot {
            root: "/r".into(),
            marker: crate::version::MarkerVerdict::Unmarked,
            now_ms: t0,
            strategies: vec![
                strategy("a-s", "A$DEV", "resume"),
                strategy("b-s", "B", "resume"),
                // Java compares `sts` ignoring case.
                strategy("c-s", "C", "PAUSE"),
            ],
            task_types: vec![
                task_type("A", "bean1", Some("0 0 1 * * ?"), Some("0 0 5 * * ?")),
                task_type("B", "bean1", Some("0 0 4 * * ?"), Some("0 0 6 * * ?")),
                task_type("C", "bean1", Some("0 0 4 * * ?"), Some("0 0 6 * * ?")),
                task_type("D", "bean2", None, None),
                task_type("E", "bean3", Some("0 0 2 * * ?"), None),
            ],
            factories: vec![],
            nodes: 0,
            problems: vec![],
        };
        let lanes = timeline(&snap, Tz::UTC, t0, t0 + 24 * H, &[vec!["D".into(), "E".into()]]);
        let by = |n: &str| lanes.iter().find(|l| l.task_type == n).cloned().expect("lane");
        assert_eq!(by("A").state, LaneState::Running, "its own-sign copy runs it");
        assert_eq!(by("C").state, LaneState::Paused);
        assert_eq!(by("D").state, LaneState::NoStrategy);
        // A and B share bean1: 04:00-05:00; C is paused: not counted.
        assert_eq!(by("A").overlaps, vec![(t0 + 4 * H, t0 + 5 * H, "B".to_string())]);
        assert_eq!(by("B").overlaps, vec![(t0 + 4 * H, t0 + 5 * H, "A".to_string())]);
        assert!(by("C").overlaps.is_empty());
        // D always runs; E is a user-grouped no-data window: no overlap since D has no strategy.
        assert_eq!(by("D").bars[0].kind, BarKind::Always);
        assert_eq!(by("E").bars[0].kind, BarKind::UntilNoData);
        assert!(by("E").overlaps.is_empty());
    }

    #[test]
    fn a_filtered_timeline_computes_its_lanes_and_their_partners_only() {
        const H: i64 = 3_600_000;
        let t0 = 1_704_067_200_000;
        let mut types = vec![
            task_type("A", "bean1", Some("0 0 1 * * ?"), Some("0 0 5 * * ?")),
            task_type("B", "bean1", Some("0 0 4 * * ?"), Some("0 0 6 * * ?")),
        ];
        // A thousand others, with a start every second: never computed when filtered out.
        types.extend(
            (0..1000).map(|i| task_type(&format!("Z{i:04}"), "other", Some("* * * * * ?"), Some("* * * * * ?"))),
        );
        let strategies = (0..1002)
            .map(|i| {
                let name = types[i].name.clone();
                strategy(&format!("{name}-s"), &name, "resume")
            })
            .collect();
        let snap = Snapshot {
            root: "/r".into(),
            marker: crate::version::MarkerVerdict::Unmarked,
            now_ms: t0,
            strategies,
            task_types: types,
            factories: vec![],
            nodes: 0,
            problems: vec![],
        };
        let started = std::time::Instant::now();
        let lanes = timeline_of(&snap, Tz::UTC, t0, t0 + 24 * H, &[], &|n| n == "A", 150);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(lanes.iter().map(|l| l.task_type.as_str()).collect::<Vec<_>>(), ["A"]);
        assert_eq!(lanes[0].overlaps, vec![(t0 + 4 * H, t0 + 5 * H, "B".to_string())], "its partner is compared");
    }

    #[test]
    fn groups_are_read_forgivingly() {
        assert_eq!(
            parse_groups("orders db: A, B\n;C,D,;E\nx: F"),
            vec![vec!["A".to_string(), "B".to_string()], vec!["C".to_string(), "D".to_string()]]
        );
        assert!(parse_groups("").is_empty());
        assert!(parse_groups(&"A,B;".repeat(1000)).len() == 100);
    }
}

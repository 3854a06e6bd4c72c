//! Searching a root: where does a task type run, which strategies name an IP, which task types
//! use a bean. Pure (the CLI searches every profile with it; the UI can search in wasm).

use serde::{Deserialize, Serialize};

use crate::snapshot::Snapshot;

/// What kind of object matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A task type (by name, bean or item list).
    TaskType,
    /// A domain of a task type (`base$OWN_SIGN`) that has run.
    Domain,
    /// A strategy (by name, task, IP list).
    Strategy,
    /// A factory, i.e. a scheduler process (its uuid names the machine).
    Factory,
    /// A thread group (server) of a domain (its uuid names the machine).
    Server,
}

/// One match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// What matched.
    pub kind: HitKind,
    /// Its name (for a server: `task type / uuid`).
    pub name: String,
    /// The field that matched (`name`, `dealBeanName`, `IPList`, `taskName`, `uuid`, …).
    pub field: String,
    /// That field's value.
    pub value: String,
}

/// The most hits one search returns per root (a one-letter query on a large root is not a
/// reason to build a list of every node).
pub const MAX_HITS: usize = 500;

/// Every object of `s` with a field containing `query` (case-insensitive), in the order task
/// types, their domains and servers, strategies, factories; at most [`MAX_HITS`]. An empty
/// query matches nothing.
pub fn find(s: &Snapshot, query: &str) -> Vec<Hit> {
    let q = query.trim().to_lowercase();
    let mut out = Vec::new();
    if q.is_empty() {
        return out;
    }
    let mut hit = |kind: HitKind, name: &str, field: &str, value: &str| {
        if out.len() < MAX_HITS && value.to_lowercase().contains(&q) {
            out.push(Hit { kind, name: name.to_owned(), field: field.to_owned(), value: value.to_owned() });
            true
        } else {
            false
        }
    };
    for t in &s.task_types {
        let def = t.def.ok();
        let _ = hit(HitKind::TaskType, &t.name, "name", &t.name)
            || hit(
                HitKind::TaskType,
                &t.name,
                "dealBeanName",
                def.and_then(|d| d.deal_bean_name.as_deref()).unwrap_or(""),
            )
            || hit(
                HitKind::TaskType,
                &t.name,
                "taskParameter",
                def.and_then(|d| d.task_parameter.as_deref()).unwrap_or(""),
            );
        for d in &t.domains {
            hit(HitKind::Domain, &d.task_type, "ownSign", &d.own_sign);
            for sv in &d.servers {
                hit(HitKind::Server, &format!("{} / {}", d.task_type, sv.uuid), "uuid", &sv.uuid);
            }
        }
    }
    for st in &s.strategies {
        let def = st.strategy.ok();
        let ips = def.and_then(|d| d.ip_list.as_ref()).map(|l| l.join(",")).unwrap_or_default();
        let _ = hit(HitKind::Strategy, &st.name, "name", &st.name)
            || hit(HitKind::Strategy, &st.name, "taskName", def.and_then(|d| d.task_name.as_deref()).unwrap_or(""))
            || hit(HitKind::Strategy, &st.name, "IPList", &ips);
    }
    for f in &s.factories {
        hit(HitKind::Factory, &f.uuid, "uuid", &f.uuid);
    }
    out
}

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

/// Task types and strategies whose names `query` fuzzy-matches ([`fuzzy`]), best first, at
/// most `max`: what the command palette offers from a root.
pub fn find_fuzzy(s: &Snapshot, query: &str, max: usize) -> Vec<Hit> {
    if query.trim().is_empty() {
        return Vec::new();
    }
    let names = s
        .task_types
        .iter()
        .map(|t| (HitKind::TaskType, t.name.as_str()))
        .chain(s.strategies.iter().map(|st| (HitKind::Strategy, st.name.as_str())));
    let mut scored: Vec<(i64, Hit)> = names
        .filter_map(|(kind, name)| {
            fuzzy(query, name)
                .map(|score| (score, Hit { kind, name: name.to_owned(), field: "name".into(), value: name.to_owned() }))
        })
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().take(max).map(|(_, h)| h).collect()
}

/// How well `query` matches `text` for the command palette: every character of the query in
/// order (case-insensitive), `None` when not all are there. Higher is better: a match at the
/// start, at a word start (after a space, `-`, `_`, `$`, `/`, `.` or a lower-to-upper step) and
/// runs of adjacent characters score more; longer texts a little less. The empty query matches
/// everything with 0.
pub fn fuzzy(query: &str, text: &str) -> Option<i64> {
    let q: Vec<char> = query.trim().chars().flat_map(char::to_lowercase).collect();
    if q.is_empty() {
        return Some(0);
    }
    let t: Vec<char> = text.chars().collect();
    let mut score: i64 = 0;
    let mut qi = 0;
    let mut prev_hit: Option<usize> = None;
    for (i, c) in t.iter().enumerate() {
        if qi == q.len() {
            break;
        }
        if c.to_lowercase().eq(std::iter::once(q[qi])) || c.to_lowercase().next() == Some(q[qi]) {
            let word_start = i == 0
                || matches!(t[i - 1], ' ' | '-' | '_' | '$' | '/' | '.' | ':')
                || (t[i - 1].is_lowercase() && c.is_uppercase());
            score += 1;
            if i == 0 {
                score += 8;
            } else if word_start {
                score += 5;
            }
            if prev_hit.is_some_and(|p| p + 1 == i) {
                score += 4;
            }
            prev_hit = Some(i);
            qi += 1;
        }
    }
    (qi == q.len()).then(|| score * 100 - i64::try_from(t.len()).unwrap_or(i64::MAX).min(99))
}

/// The strategies a batch pause or resume acts on: `filter` (case-insensitive) found in the
/// name, the task name or the IP list, as the overview's filter finds them (empty: every one),
/// and with `own_sign` only those whose task type runs in that own sign (`BASE` for the shared
/// domain). Unreadable strategies are never chosen.
pub fn strategies_matching(s: &Snapshot, filter: &str, own_sign: Option<&str>) -> Vec<String> {
    let f = filter.trim().to_lowercase();
    s.strategies
        .iter()
        .filter_map(|st| {
            let def = st.strategy.ok()?;
            let task = def.task_name.clone().unwrap_or_default();
            let ips = def.ip_list.clone().unwrap_or_default().join(",");
            let text_ok = f.is_empty() || [&st.name, &task, &ips].iter().any(|t| t.to_lowercase().contains(&f));
            let sign_ok = own_sign.is_none_or(|o| crate::names::TaskTypeName::parse(&task).own_sign == o);
            (text_ok && sign_ok).then(|| st.name.clone())
        })
        .collect()
}

#[cfg(test)]
mod fuzzy_tests {
    use super::fuzzy;

    #[test]
    fn ranks_starts_words_and_runs_first() {
        assert!(fuzzy("osy", "OrderSync").is_some());
        assert!(fuzzy("xyz", "OrderSync").is_none());
        assert!(fuzzy("", "anything") == Some(0));
        // a prefix beats a match in the middle; a word start beats a letter inside a word
        assert!(fuzzy("ord", "OrderSync") > fuzzy("ord", "MyOrderSync"));
        assert!(fuzzy("sync", "OrderSync") > fuzzy("sync", "Orderssync"));
        assert!(fuzzy("task type", "Go to Task type") > fuzzy("task type", "Stats about types"));
        // characters out of order do not match
        assert!(fuzzy("cnys", "OrderSync").is_none());
    }
}

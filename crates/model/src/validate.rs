//! Every rule a strategy or task type must pass before tbdesk writes it: the Java runtime's own
//! checks, the console's, and the stricter ones that prevent the pitfalls of §10.
//!
//! Validation never stops at the first problem: it returns every [`Violation`], each naming
//! the JSON field, a stable rule id and a message for a person. Errors block a save; warnings
//! are shown. The UI (wasm) and the backend call these same functions.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::cron::{fire_times, Verdict};
use crate::items::{check_items, MAX_PARAMETER_BYTES};
use crate::names::TaskTypeName;
use crate::records::{Kind, Strategy, TaskType};

/// Blocks a save, or only informs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The object would be refused or would break a Java runtime.
    Error,
    /// Allowed, but probably not what was meant.
    Warning,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The JSON field (Java name), e.g. `judgeDeadInterval`.
    pub field: String,
    /// Stable rule id, e.g. `judge_dead_5x`; the rule table in the tests lists them all.
    pub rule: String,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong and why, for a person.
    pub message: String,
}

impl Violation {
    /// An error: what a refusal outside the rule table (a store check, an import) reports.
    pub fn error(field: impl Into<String>, rule: &str, message: impl Into<String>) -> Violation {
        Violation { field: field.into(), rule: rule.into(), severity: Severity::Error, message: message.into() }
    }
}

/// True when any violation is an error.
pub fn has_errors(v: &[Violation]) -> bool {
    v.iter().any(|x| x.severity == Severity::Error)
}

/// What some rules need from outside: the instant and zone the crons are judged in (the Java
/// runtime uses its JVM zone; tbdesk uses the one the user chose).
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// Now, epoch ms.
    pub now_ms: i64,
    /// The zone of the runtime's JVM.
    pub tz: Tz,
}

struct Out(Vec<Violation>);

impl Out {
    fn push(&mut self, field: &str, rule: &str, severity: Severity, message: impl Into<String>) {
        self.0.push(Violation { field: field.into(), rule: rule.into(), severity, message: message.into() });
    }
    fn error(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.push(field, rule, Severity::Error, message);
    }
    fn warn(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.push(field, rule, Severity::Warning, message);
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF | 0xAC00..=0xD7AF)
}

/// A base task type or strategy name: non-empty; no whitespace, `/`, `$`, CJK or control
/// characters; not `.`/`..` (it becomes a node name, and `$` separates the own sign).
fn check_name(out: &mut Out, field: &str, what: &str, name: Option<&str>) {
    let Some(n) = name.filter(|n| !n.is_empty()) else {
        out.error(field, "name_required", format!("the {what} name is required"));
        return;
    };
    let bad: Vec<String> = n
        .chars()
        .filter(|c| {
            c.is_whitespace() || *c == '/' || *c == '$' || is_cjk(*c) || c.is_control() || crate::paths::zk_refuses(*c)
        })
        .map(|c| format!("{c:?}"))
        .collect();
    if !bad.is_empty() {
        out.error(
            field,
            "name_chars",
            format!(
                "the {what} name may not contain spaces, '/', '$', CJK, control characters or characters ZooKeeper refuses in paths (found {})",
                bad.join(" ")
            ),
        );
    }
    if n == "." || n == ".." {
        out.error(field, "name_chars", format!("the {what} name cannot be '.' or '..'"));
    }
}

/// An own sign (isolation domain): non-empty, no whitespace, `/` or control characters.
/// `$` is allowed: Java splits a task type at its first `$` (`X$a$b` has own sign `a$b`).
pub fn own_sign_problem(own_sign: &str) -> Option<String> {
    if own_sign.is_empty() {
        return Some("the own sign is empty".into());
    }
    if own_sign.chars().any(|c| c.is_whitespace() || c == '/' || c.is_control() || crate::paths::zk_refuses(c)) {
        return Some(format!(
            "own sign {own_sign:?} may not contain spaces, '/', control characters or characters ZooKeeper refuses in paths"
        ));
    }
    None
}

fn check_param(out: &mut Out, field: &str, v: Option<&str>) {
    if let Some(p) = v {
        if p.len() > MAX_PARAMETER_BYTES {
            out.error(
                field,
                "param_4k",
                format!("is {} bytes in UTF-8; the limit is {MAX_PARAMETER_BYTES} bytes (4K)", p.len()),
            );
        }
    }
}

fn check_cron(out: &mut Out, field: &str, expr: &str, ctx: &Context) {
    let body = strip_startrun(expr);
    let ft = fire_times(body, ctx.tz, ctx.now_ms, 1);
    match ft.verdict {
        Verdict::Ok => {
            if let Some(t) = ft.times.first().filter(|t| **t <= ctx.now_ms) {
                out.error(
                    field,
                    "cron_fires",
                    format!(
                        "{body:?}: TBSchedule's cron computes its next time as {}, before now (a step this \
                         large wraps around Java's int); a Java group's timer would fire without pause \
                         and starve its heartbeat",
                        crate::cron::format_instant(*t, ctx.tz)
                    ),
                );
            }
        }
        Verdict::Invalid => out.error(
            field,
            "cron_parse",
            format!(
                "{body:?} is rejected by TBSchedule's cron (the one the Java runtime uses): {}",
                ft.detail.unwrap_or_default()
            ),
        ),
        Verdict::None => {
            out.error(field, "cron_fires", format!("{body:?} never fires again after now in {}", ctx.tz.name()))
        }
        Verdict::Error => out.error(
            field,
            "cron_eval",
            format!(
                "{body:?} parses, but the Java runtime fails computing its next time: {}",
                ft.detail.unwrap_or_default()
            ),
        ),
    }
    for q in ft.quirks {
        out.warn(field, "cron_quirk", q.0);
    }
}

/// `permitRunStartTime` may carry a `startrun:` prefix (any case): run at once, then by cron.
pub fn strip_startrun(expr: &str) -> &str {
    let p = "startrun:";
    if expr.len() >= p.len() && expr.is_char_boundary(p.len()) && expr[..p.len()].eq_ignore_ascii_case(p) {
        &expr[p.len()..]
    } else {
        expr
    }
}

/// Fields Java declares `int`: a value beyond it is written by tbdesk but read by no runtime
/// (gson's `nextInt` throws on it, so the whole record fails to load).
fn java_ints(o: &mut Out, fields: &[(&'static str, i64)]) {
    for &(field, v) in fields {
        if i32::try_from(v).is_err() {
            o.error(
                field,
                "java_int",
                format!(
                    "{v} does not fit in a Java int ({} to {}); no runtime could read the record",
                    i32::MIN,
                    i32::MAX
                ),
            );
        }
    }
}

/// Every rule of a task type.
pub fn task_type(t: &TaskType, ctx: &Context) -> Vec<Violation> {
    let mut o = Out(Vec::new());
    check_name(&mut o, "baseTaskType", "task type", t.base_task_type.as_deref());
    if t.heart_beat_rate < 1000 {
        o.error(
            "heartBeatRate",
            "heartbeat_min",
            format!("{} ms is below the minimum of 1000 ms (1 s)", t.heart_beat_rate),
        );
    }
    if t.judge_dead_interval < t.heart_beat_rate.saturating_mul(5) {
        o.error(
            "judgeDeadInterval",
            "judge_dead_5x",
            format!(
                "{} ms is less than 5 × heartBeatRate ({} ms); the Java runtime refuses to start such a thread group",
                t.judge_dead_interval,
                t.heart_beat_rate.saturating_mul(5)
            ),
        );
    }
    for (field, v) in [
        ("heartBeatRate", t.heart_beat_rate),
        ("judgeDeadInterval", t.judge_dead_interval),
        ("sleepTimeInterval", t.sleep_time_interval),
    ] {
        if v % 1000 != 0 {
            o.warn(
                field,
                "whole_seconds",
                format!(
                    "{v} ms is not whole seconds; the Java console truncates it to {} s on its next save",
                    v / 1000
                ),
            );
        }
    }
    for (field, v) in [
        ("threadNumber", t.thread_number),
        ("fetchDataNumber", t.fetch_data_number),
        ("executeNumber", t.execute_number),
    ] {
        if v < 1 {
            o.error(field, "min_1", format!("must be at least 1 (is {v})"));
        }
    }
    java_ints(
        &mut o,
        &[
            ("threadNumber", t.thread_number),
            ("fetchDataNumber", t.fetch_data_number),
            ("executeNumber", t.execute_number),
            ("sleepTimeNoData", t.sleep_time_no_data),
            ("sleepTimeInterval", t.sleep_time_interval),
            ("maxTaskItemsOfOneThreadGroup", t.max_task_items_of_one_thread_group),
        ],
    );
    for (field, v) in [("sleepTimeNoData", t.sleep_time_no_data), ("sleepTimeInterval", t.sleep_time_interval)] {
        if v < 0 {
            o.error(field, "non_negative", format!("must be 0 or more ms (is {v})"));
        }
    }
    if t.thread_number >= 1 && t.fetch_data_number >= 1 && t.fetch_data_number < t.thread_number.saturating_mul(10) {
        o.warn(
            "fetchDataNumber",
            "fetch_vs_threads",
            format!(
                "{} is less than 10 × threadNumber ({}); workers will often wait for data",
                t.fetch_data_number,
                t.thread_number.saturating_mul(10)
            ),
        );
    }
    match t.processor_type.as_deref() {
        Some("SLEEP") | Some("NOTSLEEP") => {}
        other => o.error("processorType", "enum", format!("must be SLEEP or NOTSLEEP (is {other:?})")),
    }
    match t.sts.as_deref() {
        Some("resume") | Some("pause") => {}
        other => o.error("sts", "enum", format!("must be resume or pause (is {other:?})")),
    }
    match t.task_kind.as_deref() {
        Some("static") | Some("dynamic") => {}
        other => o.error("taskKind", "enum", format!("must be static or dynamic (is {other:?})")),
    }
    match t.deal_bean_name.as_deref() {
        None | Some("") => o.error("dealBeanName", "deal_bean", "the deal bean name is required"),
        Some(b) if b.chars().any(|c| c.is_whitespace() || is_cjk(c)) => {
            o.error("dealBeanName", "deal_bean", "the deal bean name may not contain spaces or CJK characters")
        }
        _ => {}
    }
    if t.expire_own_sign_interval.is_infinite() {
        o.error(
            "expireOwnSignInterval",
            "finite",
            "must be a finite number of days (gson refuses to write Infinity, and JSON cannot hold it)",
        );
    } else if t.expire_own_sign_interval.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        o.error(
            "expireOwnSignInterval",
            "expire_positive",
            "must be more than 0 days (domains would be deleted at once)",
        );
    }
    check_param(&mut o, "taskParameter", t.task_parameter.as_deref());
    match t.task_items.as_deref() {
        None => o.error("taskItems", "items", "at least one task item is required (Java's leader init fails without)"),
        Some(items) => {
            for e in check_items(items) {
                let rule = if e.0.contains("bytes, over") { "param_4k" } else { "items" };
                o.error("taskItems", rule, e.0);
            }
            let ids: Vec<String> =
                items.iter().filter_map(|e| crate::items::parse_item(e).ok()).map(|d| d.id).collect();
            if crate::distribution::mixed_ids(ids.iter().map(String::as_str)) {
                o.warn(
                    "taskItems",
                    "mixed_ids",
                    "numeric and other ids mixed: the Java 3.3 leader's sort has no consistent order for them \
                     (with 32 items or more it can throw), so runtimes may distribute them differently; \
                     use all-numeric or all-text ids",
                );
            }
            if items.len() > 1000 {
                o.warn(
                    "taskItems",
                    "many_items",
                    format!(
                        "{} items: the Java leader rereads every item each heartbeat; keep it under about 1000",
                        items.len()
                    ),
                );
            }
        }
    }
    // As Java reads them, untrimmed: a blank value is a cron to Java's runtime, which fails on
    // it (the Java console stores what was typed; tbdesk's form writes none for a blank field).
    for (field, v) in [("permitRunStartTime", &t.permit_run_start_time), ("permitRunEndTime", &t.permit_run_end_time)] {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            o.error(
                field,
                "blank",
                "blank: Java's runtime reads it as a cron and its thread groups fail to start; leave it empty (absent)",
            );
        }
    }
    let start = t.permit_run_start_time.as_deref().filter(|s| !s.trim().is_empty());
    let end = t.permit_run_end_time.as_deref().filter(|s| !s.trim().is_empty());
    if let Some(s) = start {
        check_cron(&mut o, "permitRunStartTime", s, ctx);
    }
    if let Some(e) = end {
        if start.is_none() {
            o.warn(
                "permitRunEndTime",
                "end_without_start",
                "an end time without a start time is ignored by the Java runtime",
            );
        }
        // Exactly `-1`, as Java compares it: `-1 ` is a cron to Java, and fails.
        if e != "-1" {
            if strip_startrun(e).len() != e.len() {
                // Java strips `startrun:` from the start only: its `new CronExpression` of the
                // end throws, and the group then runs from the next start without ever pausing.
                o.error(
                    "permitRunEndTime",
                    "cron_parse",
                    format!("{e:?}: `startrun:` belongs to permitRunStartTime only; TBSchedule's cron rejects it in the end time"),
                );
            } else {
                check_cron(&mut o, "permitRunEndTime", e, ctx);
            }
        }
    }
    if t.max_task_items_of_one_thread_group != 0 {
        o.warn(
            "maxTaskItemsOfOneThreadGroup",
            "no_effect_3_3",
            "has no effect in TBSchedule 3.3.x; in 3.2.x it can leave items unassigned",
        );
    }
    o.0
}

/// Every rule of a strategy.
pub fn strategy(s: &Strategy) -> Vec<Violation> {
    let mut o = Out(Vec::new());
    check_name(&mut o, "strategyName", "strategy", s.strategy_name.as_deref());
    match s.kind {
        None => o.error("kind", "enum", "must be Schedule, Java or Bean"),
        Some(Kind::Schedule) => match s.task_name.as_deref().filter(|n| !n.is_empty()) {
            None => o.error("taskName", "task_name_required", "the task type to run is required"),
            Some(n) => {
                let tt = TaskTypeName::parse(n);
                check_name(&mut o, "taskName", "task type", Some(&tt.base));
                if n.contains('$') {
                    if let Some(p) = own_sign_problem(&tt.own_sign) {
                        o.error("taskName", "own_sign", p);
                    }
                }
            }
        },
        Some(_) => {
            if s.task_name.as_deref().is_none_or(|n| n.trim().is_empty() || n.contains(char::is_whitespace)) {
                o.error(
                    "taskName",
                    "task_name_required",
                    "the class or bean name is required and may not contain spaces",
                );
            }
        }
    }
    match s.sts.as_deref() {
        Some("resume") | Some("pause") => {}
        other => o.error("sts", "enum", format!("must be resume or pause (is {other:?})")),
    }
    java_ints(&mut o, &[("assignNum", s.assign_num), ("numOfSingleServer", s.num_of_single_server)]);
    if s.assign_num < 0 {
        o.error("assignNum", "non_negative", format!("must be 0 or more (is {})", s.assign_num));
    } else if s.assign_num == 0 {
        o.warn("assignNum", "runs_nothing", "0 thread groups: the strategy runs nothing");
    }
    if s.num_of_single_server < 0 {
        o.error("numOfSingleServer", "non_negative", format!("must be 0 or more (is {})", s.num_of_single_server));
    } else if s.num_of_single_server != 0 {
        o.warn(
            "numOfSingleServer",
            "no_effect_3_3",
            "has no effect in TBSchedule 3.3.x; in 3.2.x it caps groups per machine",
        );
    }
    check_param(&mut o, "taskParameter", s.task_parameter.as_deref());
    match s.ip_list.as_deref() {
        None | Some([]) => o.warn("IPList", "ip_list_empty", "no machine is named: the strategy runs nowhere"),
        Some(ips) => {
            for (i, ip) in ips.iter().enumerate() {
                if ip.trim().is_empty() {
                    o.error("IPList", "ip_entry", format!("entry {} is empty", i + 1));
                } else if ip.trim() != ip {
                    o.error(
                        "IPList",
                        "ip_entry",
                        format!(
                            "entry {} {ip:?} has surrounding spaces; Java compares it untrimmed, so it never matches",
                            i + 1
                        ),
                    );
                }
                let t = ip.trim();
                if t == "127.0.0.1" || t.eq_ignore_ascii_case("localhost") {
                    o.warn(
                        "IPList",
                        "ip_captures_all",
                        format!("{t:?} matches every machine (each factory sees itself as {t}): every scheduler of this root will join"),
                    );
                }
            }
        }
    }
    o.0
}

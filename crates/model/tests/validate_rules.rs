//! Table-driven: every validation rule with a passing and a failing case.

use tbdesk_model::records::{Kind, Strategy, TaskType};
use tbdesk_model::validate::{self, Context, Severity, Violation};

fn ctx() -> Context {
    // 2024-01-01T00:00:00Z
    Context { now_ms: 1_704_067_200_000, tz: chrono_tz::Tz::Asia__Shanghai }
}

fn good_task_type() -> TaskType {
    TaskType {
        base_task_type: Some("OrderSync".into()),
        heart_beat_rate: 5000,
        judge_dead_interval: 60000,
        deal_bean_name: Some("orderSyncTask".into()),
        task_parameter: Some("region=cn-east".into()),
        task_items: Some(vec!["0:{type=A}".into(), "1".into(), "2".into()]),
        permit_run_start_time: Some("0 0 1 * * ?".into()),
        permit_run_end_time: Some("0 0 5 * * ?".into()),
        ..TaskType::default()
    }
}

fn good_strategy() -> Strategy {
    Strategy {
        strategy_name: Some("OrderSync-Strategy".into()),
        ip_list: Some(vec!["10.0.0.11".into()]),
        assign_num: 2,
        kind: Some(Kind::Schedule),
        task_name: Some("OrderSync$TEST".into()),
        task_parameter: Some(String::new()),
        ..Strategy::default()
    }
}

fn has(v: &[Violation], field: &str, rule: &str, sev: Severity) -> bool {
    v.iter().any(|x| x.field == field && x.rule == rule && x.severity == sev)
}

type TtCase = (&'static str, &'static str, Severity, fn(&mut TaskType), fn(&mut TaskType));

/// (field, rule, severity, make it pass at the boundary, make it fail)
const TASK_TYPE_RULES: &[TtCase] = &[
    (
        "baseTaskType",
        "name_required",
        Severity::Error,
        |t| t.base_task_type = Some("A".into()),
        |t| t.base_task_type = None,
    ),
    (
        "baseTaskType",
        "name_chars",
        Severity::Error,
        |t| t.base_task_type = Some("a_b.c-1".into()),
        |t| t.base_task_type = Some("a b".into()),
    ),
    ("baseTaskType", "name_chars", Severity::Error, |_| {}, |t| t.base_task_type = Some("a$b".into())),
    ("baseTaskType", "name_chars", Severity::Error, |_| {}, |t| t.base_task_type = Some("订单".into())),
    ("baseTaskType", "name_chars", Severity::Error, |_| {}, |t| t.base_task_type = Some("a/b".into())),
    (
        "heartBeatRate",
        "heartbeat_min",
        Severity::Error,
        |t| {
            t.heart_beat_rate = 1000;
            t.judge_dead_interval = 5000
        },
        |t| t.heart_beat_rate = 999,
    ),
    (
        "judgeDeadInterval",
        "judge_dead_5x",
        Severity::Error,
        |t| t.judge_dead_interval = 25000,
        |t| t.judge_dead_interval = 24999,
    ),
    ("heartBeatRate", "whole_seconds", Severity::Warning, |t| t.heart_beat_rate = 2000, |t| t.heart_beat_rate = 2500),
    (
        "sleepTimeInterval",
        "whole_seconds",
        Severity::Warning,
        |t| t.sleep_time_interval = 1000,
        |t| t.sleep_time_interval = 500,
    ),
    (
        "threadNumber",
        "min_1",
        Severity::Error,
        |t| {
            t.thread_number = 1;
            t.fetch_data_number = 10
        },
        |t| t.thread_number = 0,
    ),
    ("fetchDataNumber", "min_1", Severity::Error, |t| t.fetch_data_number = 50, |t| t.fetch_data_number = 0),
    ("executeNumber", "min_1", Severity::Error, |t| t.execute_number = 1, |t| t.execute_number = 0),
    ("sleepTimeNoData", "non_negative", Severity::Error, |t| t.sleep_time_no_data = 0, |t| t.sleep_time_no_data = -1),
    (
        "sleepTimeInterval",
        "non_negative",
        Severity::Error,
        |t| t.sleep_time_interval = 0,
        |t| t.sleep_time_interval = -1000,
    ),
    (
        "fetchDataNumber",
        "fetch_vs_threads",
        Severity::Warning,
        |t| t.fetch_data_number = 50,
        |t| t.fetch_data_number = 49,
    ),
    (
        "processorType",
        "enum",
        Severity::Error,
        |t| t.processor_type = Some("NOTSLEEP".into()),
        |t| t.processor_type = Some("sleepy".into()),
    ),
    ("sts", "enum", Severity::Error, |t| t.sts = Some("pause".into()), |t| t.sts = Some("stopped".into())),
    ("taskKind", "enum", Severity::Error, |t| t.task_kind = Some("dynamic".into()), |t| t.task_kind = Some("x".into())),
    (
        "dealBeanName",
        "deal_bean",
        Severity::Error,
        |t| t.deal_bean_name = Some("b".into()),
        |t| t.deal_bean_name = None,
    ),
    ("dealBeanName", "deal_bean", Severity::Error, |_| {}, |t| t.deal_bean_name = Some("my bean".into())),
    (
        "expireOwnSignInterval",
        "expire_positive",
        Severity::Error,
        |t| t.expire_own_sign_interval = 0.5,
        |t| t.expire_own_sign_interval = 0.0,
    ),
    (
        "taskParameter",
        "param_4k",
        Severity::Error,
        |t| t.task_parameter = Some("x".repeat(4096)),
        |t| t.task_parameter = Some("x".repeat(4097)),
    ),
    (
        "taskParameter",
        "param_4k",
        Severity::Error,
        |t| t.task_parameter = Some("é".repeat(2048)),
        |t| t.task_parameter = Some("é".repeat(2049)),
    ),
    (
        "taskItems",
        "param_4k",
        Severity::Error,
        |t| t.task_items = Some(vec![format!("0:{{{}}}", "p".repeat(4096))]),
        |t| t.task_items = Some(vec![format!("0:{{{}}}", "p".repeat(4097))]),
    ),
    ("taskItems", "items", Severity::Error, |t| t.task_items = Some(vec!["0".into()]), |t| t.task_items = None),
    ("taskItems", "items", Severity::Error, |_| {}, |t| t.task_items = Some(vec![])),
    ("taskItems", "items", Severity::Error, |_| {}, |t| t.task_items = Some(vec!["1".into(), "1".into()])),
    ("taskItems", "items", Severity::Error, |_| {}, |t| t.task_items = Some(vec!["a/b".into()])),
    ("taskItems", "items", Severity::Error, |_| {}, |t| t.task_items = Some(vec!["0:{a".into()])),
    ("taskItems", "items", Severity::Error, |_| {}, |t| t.task_items = Some(vec!["".into()])),
    (
        "taskItems",
        "many_items",
        Severity::Warning,
        |t| t.task_items = Some((0..1000).map(|i| i.to_string()).collect()),
        |t| t.task_items = Some((0..1001).map(|i| i.to_string()).collect()),
    ),
    (
        "permitRunStartTime",
        "cron_parse",
        Severity::Error,
        |t| t.permit_run_start_time = Some("startrun:0 0 1 * * ?".into()),
        |t| t.permit_run_start_time = Some("0 0 25 * * ?".into()),
    ),
    (
        "permitRunStartTime",
        "cron_parse",
        Severity::Error,
        |_| {},
        |t| t.permit_run_start_time = Some("0 10-40/10 * * * ?".into()),
    ),
    (
        "permitRunEndTime",
        "cron_parse",
        Severity::Error,
        |t| t.permit_run_end_time = Some("-1".into()),
        |t| t.permit_run_end_time = Some("every day".into()),
    ),
    (
        "permitRunEndTime",
        "cron_parse",
        Severity::Error,
        |t| t.permit_run_start_time = Some("startrun:0 0 1 * * ?".into()),
        |t| t.permit_run_end_time = Some("startrun:0 0 5 * * ?".into()),
    ),
    (
        "permitRunStartTime",
        "cron_fires",
        Severity::Error,
        |t| t.permit_run_start_time = Some("0 0 12 * * ? 2025".into()),
        |t| t.permit_run_start_time = Some("0 0 12 * * ? 2020".into()),
    ),
    (
        "permitRunStartTime",
        "cron_eval",
        Severity::Error,
        |_| {},
        |t| t.permit_run_start_time = Some(", 0 12 * * ?".into()),
    ),
    (
        "permitRunStartTime",
        "cron_quirk",
        Severity::Warning,
        |_| {},
        |t| t.permit_run_start_time = Some("5X 0 1 * * ?".into()),
    ),
    (
        "permitRunEndTime",
        "end_without_start",
        Severity::Warning,
        |t| t.permit_run_end_time = None,
        |t| t.permit_run_start_time = None,
    ),
    (
        "maxTaskItemsOfOneThreadGroup",
        "no_effect_3_3",
        Severity::Warning,
        |t| t.max_task_items_of_one_thread_group = 0,
        |t| t.max_task_items_of_one_thread_group = 3,
    ),
];

#[test]
fn the_valid_task_type_has_no_violation() {
    let v = validate::task_type(&good_task_type(), &ctx());
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn every_task_type_rule_passes_and_fails() {
    for (field, rule, sev, pass, fail) in TASK_TYPE_RULES {
        let mut ok = good_task_type();
        pass(&mut ok);
        let v = validate::task_type(&ok, &ctx());
        assert!(!has(&v, field, rule, *sev), "{field}/{rule}: passing case flagged: {v:#?}");
        let mut bad = good_task_type();
        fail(&mut bad);
        let v = validate::task_type(&bad, &ctx());
        assert!(has(&v, field, rule, *sev), "{field}/{rule}: failing case not flagged: {v:#?}");
    }
}

type StCase = (&'static str, &'static str, Severity, fn(&mut Strategy), fn(&mut Strategy));

const STRATEGY_RULES: &[StCase] = &[
    ("strategyName", "name_required", Severity::Error, |_| {}, |s| s.strategy_name = Some(String::new())),
    (
        "strategyName",
        "name_chars",
        Severity::Error,
        |s| s.strategy_name = Some("a.b_c-d".into()),
        |s| s.strategy_name = Some("a$b".into()),
    ),
    (
        "kind",
        "enum",
        Severity::Error,
        |s| {
            s.kind = Some(Kind::Bean);
            s.task_name = Some("bean".into())
        },
        |s| s.kind = None,
    ),
    ("taskName", "task_name_required", Severity::Error, |s| s.task_name = Some("X".into()), |s| s.task_name = None),
    (
        "taskName",
        "task_name_required",
        Severity::Error,
        |s| {
            s.kind = Some(Kind::Java);
            s.task_name = Some("a.B".into())
        },
        |s| {
            s.kind = Some(Kind::Java);
            s.task_name = Some("a B".into())
        },
    ),
    (
        "taskName",
        "name_chars",
        Severity::Error,
        |s| s.task_name = Some("X$dev1".into()),
        |s| s.task_name = Some("X y$dev1".into()),
    ),
    (
        "taskName",
        "own_sign",
        Severity::Error,
        |s| s.task_name = Some("X$a$b".into()),
        |s| s.task_name = Some("X$".into()),
    ),
    ("taskName", "own_sign", Severity::Error, |_| {}, |s| s.task_name = Some("X$a b".into())),
    ("sts", "enum", Severity::Error, |s| s.sts = Some("pause".into()), |s| s.sts = Some("Pause".into())),
    ("assignNum", "non_negative", Severity::Error, |s| s.assign_num = 1, |s| s.assign_num = -1),
    ("assignNum", "runs_nothing", Severity::Warning, |s| s.assign_num = 1, |s| s.assign_num = 0),
    ("numOfSingleServer", "non_negative", Severity::Error, |_| {}, |s| s.num_of_single_server = -2),
    (
        "numOfSingleServer",
        "no_effect_3_3",
        Severity::Warning,
        |s| s.num_of_single_server = 0,
        |s| s.num_of_single_server = 2,
    ),
    (
        "taskParameter",
        "param_4k",
        Severity::Error,
        |s| s.task_parameter = Some("p".repeat(4096)),
        |s| s.task_parameter = Some("p".repeat(4097)),
    ),
    (
        "IPList",
        "ip_list_empty",
        Severity::Warning,
        |s| s.ip_list = Some(vec!["h1".into()]),
        |s| s.ip_list = Some(vec![]),
    ),
    (
        "IPList",
        "ip_entry",
        Severity::Error,
        |s| s.ip_list = Some(vec!["10.0.0.1".into(), "host-b".into()]),
        |s| s.ip_list = Some(vec![" 10.0.0.1".into()]),
    ),
    ("IPList", "ip_entry", Severity::Error, |_| {}, |s| s.ip_list = Some(vec!["a".into(), "".into()])),
    (
        "IPList",
        "ip_captures_all",
        Severity::Warning,
        |s| s.ip_list = Some(vec!["10.0.0.1".into()]),
        |s| s.ip_list = Some(vec!["127.0.0.1".into()]),
    ),
    ("IPList", "ip_captures_all", Severity::Warning, |_| {}, |s| s.ip_list = Some(vec!["LOCALHOST".into()])),
];

#[test]
fn the_valid_strategy_has_no_violation() {
    let v = validate::strategy(&good_strategy());
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn every_strategy_rule_passes_and_fails() {
    for (field, rule, sev, pass, fail) in STRATEGY_RULES {
        let mut ok = good_strategy();
        pass(&mut ok);
        let v = validate::strategy(&ok);
        assert!(!has(&v, field, rule, *sev), "{field}/{rule}: passing case flagged: {v:#?}");
        let mut bad = good_strategy();
        fail(&mut bad);
        let v = validate::strategy(&bad);
        assert!(has(&v, field, rule, *sev), "{field}/{rule}: failing case not flagged: {v:#?}");
    }
}

#[test]
fn all_violations_are_reported_at_once() {
    let mut t = good_task_type();
    t.judge_dead_interval = 1000;
    t.task_parameter = Some("x".repeat(5000));
    t.permit_run_start_time = Some("nope".into());
    let v = validate::task_type(&t, &ctx());
    assert!(validate::has_errors(&v));
    for rule in ["judge_dead_5x", "param_4k", "cron_parse"] {
        assert!(v.iter().any(|x| x.rule == rule), "{rule} missing from {v:#?}");
    }
}

#[test]
fn the_spec_examples_validate() {
    let dir = tbdesk_test_support::paths::spec_dir().join("examples");
    let tt = TaskType::decode(&std::fs::read(dir.join("taskType.json")).expect("read")).expect("decode");
    assert!(!validate::has_errors(&validate::task_type(&tt, &ctx())));
    let st = Strategy::decode(&std::fs::read(dir.join("strategy.json")).expect("read")).expect("decode");
    let v = validate::strategy(&st);
    assert!(!validate::has_errors(&v), "{v:#?}");
    // The example's IP list is 127.0.0.1: shown as a warning (pitfall).
    assert!(v.iter().any(|x| x.rule == "ip_captures_all"));
}

/// Hostile values a form or the IPC can carry: each is refused naming its field and rule,
/// never written as a record no runtime (or tbdesk itself) could read back.
#[test]
fn hostile_values_are_refused_at_their_field() {
    let beyond = i64::from(i32::MAX) + 1;
    for field in [
        "threadNumber",
        "fetchDataNumber",
        "executeNumber",
        "sleepTimeNoData",
        "sleepTimeInterval",
        "maxTaskItemsOfOneThreadGroup",
    ] {
        let mut t = good_task_type();
        match field {
            "threadNumber" => t.thread_number = beyond,
            "fetchDataNumber" => t.fetch_data_number = beyond,
            "executeNumber" => t.execute_number = beyond,
            "sleepTimeNoData" => t.sleep_time_no_data = beyond,
            "sleepTimeInterval" => t.sleep_time_interval = beyond,
            _ => t.max_task_items_of_one_thread_group = i64::from(i32::MIN) - 1,
        }
        let v = validate::task_type(&t, &ctx());
        assert!(has(&v, field, "java_int", Severity::Error), "{field}: {v:#?}");
        // And what the rule protects: Java's int does not hold it, so tbdesk's decoder refuses it.
        assert!(TaskType::decode(t.encode().as_bytes()).is_err(), "{field}");
    }
    let mut t = good_task_type();
    t.thread_number = i64::from(i32::MAX);
    t.fetch_data_number = i64::from(i32::MAX);
    assert!(!has(&validate::task_type(&t, &ctx()), "threadNumber", "java_int", Severity::Error));

    let mut s = good_strategy();
    s.assign_num = beyond;
    s.num_of_single_server = i64::MAX;
    let v = validate::strategy(&s);
    assert!(has(&v, "assignNum", "java_int", Severity::Error), "{v:#?}");
    assert!(has(&v, "numOfSingleServer", "java_int", Severity::Error), "{v:#?}");

    for inf in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
        let mut t = good_task_type();
        t.expire_own_sign_interval = inf;
        let v = validate::task_type(&t, &ctx());
        assert!(v.iter().any(|x| x.field == "expireOwnSignInterval" && x.severity == Severity::Error), "{inf}");
    }

    // A step near 2^31 wraps in Java's parser: its next time is 1970. Refused, never hangs.
    for cron in ["1/2147483647 * * * * ?", "3/2147483646 * * * * ?"] {
        let mut t = good_task_type();
        t.permit_run_start_time = Some(cron.into());
        t.permit_run_end_time = Some(cron.into());
        // At second 30 the next second-set value is the wrapped one.
        let at30 = Context { now_ms: ctx().now_ms + 30_000, ..ctx() };
        let v = validate::task_type(&t, &at30);
        assert!(has(&v, "permitRunStartTime", "cron_fires", Severity::Error), "{cron}: {v:#?}");
        assert!(has(&v, "permitRunEndTime", "cron_fires", Severity::Error), "{cron}: {v:#?}");
        let now = ctx().now_ms + 30_000;
        let mut w = tbdesk_model::window::Window::new(Some(cron), Some(cron), chrono_tz::Tz::UTC, now);
        assert!(!w.is_open(now + 1000));
        let mut w = tbdesk_model::window::Window::new(Some(cron), None, chrono_tz::Tz::UTC, now);
        assert!(!w.is_open(now + 1000));
        assert!(tbdesk_model::window::upcoming(Some(cron), None, chrono_tz::Tz::UTC, now, 5).is_empty());
        let (_bars, _more) =
            tbdesk_model::window::lane(Some(cron), Some("0 0 5 * * ?"), chrono_tz::Tz::UTC, now, now + 86_400_000);
    }

    // Numeric and text item ids mixed: a warning naming the field.
    let mut t = good_task_type();
    t.task_items = Some(vec!["1".into(), "2x".into(), "3".into()]);
    assert!(has(&validate::task_type(&t, &ctx()), "taskItems", "mixed_ids", Severity::Warning));
    assert!(!has(&validate::task_type(&good_task_type(), &ctx()), "taskItems", "mixed_ids", Severity::Warning));
}

//! Every blob in shared/spec/examples reads and writes back byte for byte.

use tbdesk_model::records::{ConfigNode, Server, Strategy, StrategyRuntime, TaskType};

fn example(name: &str) -> Vec<u8> {
    let p = tbdesk_test_support::paths::spec_dir().join("examples").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn check(name: &str, roundtrip: impl Fn(&[u8]) -> String) {
    let bytes = example(name);
    let out = roundtrip(&bytes);
    assert_eq!(out.as_bytes(), &bytes[..], "{name} did not round-trip");
}

#[test]
fn strategy_roundtrips() {
    check("strategy.json", |b| Strategy::decode(b).expect("decode").encode());
}

#[test]
fn strategy_runtime_roundtrips() {
    check("strategyRuntime.json", |b| StrategyRuntime::decode(b).expect("decode").encode());
}

#[test]
fn task_types_roundtrip() {
    check("taskType.json", |b| TaskType::decode(b).expect("decode").encode());
    check("taskType-defaults.json", |b| TaskType::decode(b).expect("decode").encode());
}

#[test]
fn defaults_match_java_field_initialisers() {
    let t = TaskType { base_task_type: Some("X".into()), ..TaskType::default() };
    assert_eq!(t.encode().as_bytes(), &example("taskType-defaults.json")[..]);
}

#[test]
fn servers_roundtrip() {
    check("server.json", |b| Server::decode(b).expect("decode").encode());
    check("server-registered.json", |b| Server::decode(b).expect("decode").encode());
}

#[test]
fn config_export_roundtrips() {
    check("config-export.txt", |b| {
        let text = std::str::from_utf8(b).expect("utf8");
        let lines = ConfigNode::decode_all(text).expect("decode");
        assert_eq!(lines.len(), 2);
        // The embedded values are themselves exact blobs.
        let tt = TaskType::decode(lines[0].value.as_deref().expect("value").as_bytes()).expect("task type");
        assert_eq!(tt.encode(), String::from_utf8(example("taskType.json")).expect("utf8"));
        lines.iter().map(ConfigNode::encode).collect::<Vec<_>>().join("\n")
    });
}

#[test]
fn unknown_keys_survive_a_read_modify_write() {
    // A 3.4 fork blob: fetchDataCountEachSchedule after sts.
    let blob = br#"{"baseTaskType":"A","heartBeatRate":5000,"judgeDeadInterval":60000,"sleepTimeNoData":500,"sleepTimeInterval":0,"fetchDataNumber":500,"executeNumber":1,"threadNumber":5,"processorType":"SLEEP","expireOwnSignInterval":1.0,"taskKind":"static","maxTaskItemsOfOneThreadGroup":0,"version":0,"sts":"resume","fetchDataCountEachSchedule":-1}"#;
    let mut t = TaskType::decode(blob).expect("decode");
    assert_eq!(t.encode().as_bytes(), &blob[..]);
    t.thread_number = 7;
    let out = t.encode();
    assert!(out.ends_with(r#""sts":"resume","fetchDataCountEachSchedule":-1}"#), "{out}");
    assert!(out.contains(r#""threadNumber":7"#));
}

#[test]
fn bad_blobs_are_clear_errors() {
    use tbdesk_model::gson::DecodeError;
    assert_eq!(TaskType::decode(b""), Err(DecodeError::Empty));
    assert!(matches!(TaskType::decode(b"reload=true"), Err(DecodeError::NotJson(_))));
    assert!(matches!(TaskType::decode(b"[1]"), Err(DecodeError::NotJson(_))));
    match TaskType::decode(br#"{"threadNumber":"many"}"#) {
        Err(DecodeError::Field { field, .. }) => assert_eq!(field, "threadNumber"),
        other => panic!("{other:?}"),
    }
    // gson accepts numeric strings for ints, and keeps defaults for JSON null primitives.
    let t = TaskType::decode(br#"{"threadNumber":"7","heartBeatRate":null}"#).expect("lenient");
    assert_eq!((t.thread_number, t.heart_beat_rate), (7, 5000));
    // An explicit null on a reference field with an initialiser nulls it (omitted on write).
    let t = TaskType::decode(br#"{"sts":null}"#).expect("null sts");
    assert_eq!(t.sts, None);
    // An unknown enum name reads as absent, as gson does.
    let s = Strategy::decode(br#"{"kind":"schedule"}"#).expect("strategy");
    assert_eq!(s.kind, None);
}

/// What a JavaScript page does to JSON it reads and sends back: every number becomes a double,
/// and a whole one is printed without its `.0`.
fn through_javascript(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            let d = n.as_f64().unwrap_or(0.0);
            if d.fract() == 0.0 && d.abs() < 9.0e15 {
                Value::from(d as i64)
            } else {
                Value::from(d)
            }
        }
        Value::Array(a) => Value::Array(a.into_iter().map(through_javascript).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, x)| (k, through_javascript(x))).collect()),
        other => other,
    }
}

#[test]
fn unknown_keys_survive_the_windows_javascript_byte_for_byte() {
    let text = String::from_utf8(example("taskType.json")).expect("utf8");
    let blob = text.replacen('{', r#"{"futureRatio":2.0,"nested":{"w":[1.0,0.5,3]},"#, 1);
    let t = TaskType::decode(blob.as_bytes()).expect("decode");
    let written = t.encode();
    assert!(written.ends_with(r#","futureRatio":2.0,"nested":{"w":[1.0,0.5,3]}}"#), "{written}");
    let sent = through_javascript(serde_json::to_value(&t).expect("to JSON"));
    let back: TaskType = serde_json::from_value(sent).expect("from the page");
    assert_eq!(back.encode(), written, "the page's save writes the unknown keys as they were read");
    // Text that is not JSON in an unknown key is refused, naming the key.
    let mut bad = serde_json::to_value(&t).expect("to JSON");
    bad["extra"][0][1] = serde_json::Value::String("2.0.0".into());
    let err = serde_json::from_value::<TaskType>(bad).expect_err("refused").to_string();
    assert!(err.contains("futureRatio"), "{err}");
}

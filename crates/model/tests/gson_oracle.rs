//! tbdesk's record decoders against what TBSchedule 3.3.3.2's own gson 2.1 read from the same
//! hostile node texts (`gson-2.1.tsv`, written by `tests/peer/gson-cases.py` from the real
//! classes; the java peer group re-runs that oracle over the file).
//!
//! Where Java reads a record, tbdesk must read every field alike; where Java refuses it (its
//! runtime and console then throw on every pass), tbdesk must refuse it too. The one kind of
//! cases where tbdesk refuses what gson reads: a null inside a string array (gson keeps it,
//! and TBSchedule then fails where it walks the list: `IPList`, `taskItems`), and nesting
//! deeper than `gson::read::MAX_DEPTH` (128).

use serde_json::Value;
use tbdesk_model::gson::{java_double, DecodeError};
use tbdesk_model::records::{Server, Strategy, StrategyRuntime, TaskType};

const ORACLE: &str = include_str!("gson-2.1.tsv");

fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        if unit <= 0x20 || unit > 0x7e || unit == u16::from(b'"') || unit == u16::from(b'\\') {
            out.push_str(&format!("\\u{unit:04x}"));
        } else {
            out.push(char::from(unit as u8));
        }
    }
    out.push('"');
    out
}

/// One field of tbdesk's record as the oracle prints the Java one.
fn render(name: &str, v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => java_double(n.as_f64().unwrap_or(f64::NAN)),
        },
        // Java's words for a non-finite double, an enum's constant, a time (zone-dependent).
        Value::String(s) if name == "expireOwnSignInterval" || name == "kind" => s.clone(),
        Value::String(_) if name.ends_with("Time") && name != "permitRunStartTime" && name != "permitRunEndTime" => {
            "ts".into()
        }
        Value::String(s) => q(s),
        Value::Array(a) => {
            format!("[{}]", a.iter().map(|e| e.as_str().map_or_else(|| "null".into(), q)).collect::<Vec<_>>().join(","))
        }
        Value::Object(_) => "{..}".into(),
    }
}

fn decode(record: &str, text: &str) -> Result<Value, DecodeError> {
    let b = text.as_bytes();
    let v = match record {
        "strategy" => serde_json::to_value(Strategy::decode(b)?),
        "runtime" => serde_json::to_value(StrategyRuntime::decode(b)?),
        "tasktype" => serde_json::to_value(TaskType::decode(b)?),
        "server" => serde_json::to_value(Server::decode(b)?),
        other => panic!("unknown record {other}"),
    };
    Ok(v.expect("a record serializes"))
}

#[test]
fn records_are_read_as_tbschedules_own_gson_reads_them() {
    let mut wrong = Vec::new();
    let mut cases = 0;
    let mut deeper = 0;
    for line in ORACLE.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.splitn(3, '\t');
        let (Some(record), Some(literal), Some(java)) = (cols.next(), cols.next(), cols.next()) else {
            panic!("bad oracle line {line:?}");
        };
        let text: String = serde_json::from_str(literal).expect("a JSON string literal");
        cases += 1;
        let ours = decode(record, &text);
        match (java, &ours) {
            ("ERR" | "NULL", Err(_)) => {}
            ("ERR" | "NULL", Ok(v)) => wrong.push(format!("{record} {literal}: Java refuses it, tbdesk read {v}")),
            (_, Err(e)) if java.contains("[null") || java.contains(",null,") || java.contains(",null]") => {
                // A null string array element: see the module's comment.
                assert!(e.to_string().contains("element"), "{literal}: {e}");
            }
            // Nesting deeper than tbdesk reads (gson has no limit): see the module's comment.
            (_, Err(e)) if e.to_string().contains("nested deeper than") => deeper += 1,
            (_, Err(e)) => wrong.push(format!("{record} {literal}: Java read {java}, tbdesk refused: {e}")),
            (_, Ok(v)) => {
                let map = v.as_object().expect("an object");
                let mut seen = 0;
                for pair in java.split(' ').skip(1) {
                    let (name, want) = pair.split_once('=').expect("field=value");
                    let Some(ours) = map.get(name) else { continue };
                    seen += 1;
                    let got = render(name, ours);
                    if got != want {
                        wrong.push(format!("{record} {literal}: {name} is {want} to Java, {got} to tbdesk"));
                    }
                }
                // Every field tbdesk models is one of Java's (its unknown keys aside).
                assert_eq!(seen, map.keys().filter(|k| *k != "extra").count(), "{record}: {java}");
            }
        }
    }
    assert!(cases > 900, "the oracle holds {cases} cases");
    assert!(deeper <= 5, "{deeper} cases refused for their depth");
    assert!(wrong.is_empty(), "{} of {cases} cases read differently:\n{}", wrong.len(), wrong.join("\n"));
}

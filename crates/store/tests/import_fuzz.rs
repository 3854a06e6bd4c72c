//! Fuzzing the import file readers (tbdesk JSON and Java lines): no panic, no hang, a clear
//! error or a config whose every blob re-encodes as Java would.

use proptest::prelude::*;
use tbdesk_store::transfer::Config;

#[test]
fn report() {
    tbdesk_tests::report::record(
        "bad input",
        "import files: any text, Java lines, tbdesk JSON (proptest)",
        3 * 2048,
        "no panic or hang; read or refused with an error naming the line/object",
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_read_or_refused(text in "\\PC{0,300}") {
        let _ = Config::parse(&text);
    }

    #[test]
    fn line_shaped_text_is_read_or_refused(
        lines in prop::collection::vec(
            (prop::sample::select(vec!["baseTaskType", "strategy", "other", ""]), "[A-Za-z0-9${}=\\\\\" ]{0,12}", "[{}:\\\\\"a-z0-9,=]{0,40}"),
            0..6,
        )
    ) {
        let text: Vec<String> = lines
            .iter()
            .map(|(kind, name, value)| serde_json::json!({"rootPath": "/r", "configType": kind, "name": name, "value": value}).to_string())
            .collect();
        if let Ok(cfg) = Config::parse(&text.join("\n")) {
            for e in cfg.task_types.values().chain(cfg.strategies.values()) {
                prop_assert!(serde_json::from_str::<serde_json::Value>(&e.blob).is_ok(), "{}", e.blob);
            }
        }
    }

    #[test]
    fn json_shaped_exports_are_read_or_refused(
        names in prop::collection::vec("[A-Za-z0-9]{0,6}", 0..4),
        vals in prop::collection::vec(prop::sample::select(vec!["{}", "[]", "1", "\"x\"", "{\"baseTaskType\":\"A\",\"threadNumber\":\"z\"}", "{\"kind\":\"Java\"}", "null"]), 0..4),
    ) {
        let body: Vec<String> = names.iter().zip(vals.iter()).map(|(n, v)| format!("\"{n}\":{v}")).collect();
        let text = format!("{{\"format\":\"tbdesk-config/1\",\"root\":\"/r\",\"taskTypes\":{{{}}},\"strategies\":{{}}}}", body.join(","));
        let _ = Config::parse(&text);
    }
}

/// A name given twice in tbdesk's JSON is refused naming it (serde alone keeps the last one
/// silently), as the Java-lines format refuses a duplicate line.
#[test]
fn a_name_defined_twice_in_json_is_refused() {
    let tt = r#"{"baseTaskType":"A","dealBeanName":"d","taskItems":["0"]}"#;
    let text =
        format!(r#"{{"format":"tbdesk-config/1","root":"/r","taskTypes":{{"A":{tt},"A":{tt}}},"strategies":{{}}}}"#);
    let e = Config::parse(&text).expect_err("duplicate");
    assert!(e.to_string().contains("\"A\" is defined twice"), "{e}");
}

/// A Java export is one object per line; one whose parameter mentions tbdesk's format name is
/// still read as Java lines, not refused as a broken tbdesk export.
#[test]
fn java_lines_mentioning_the_format_name_are_java_lines() {
    let blob = r#"{"baseTaskType":"A","dealBeanName":"d","taskItems":["0"],"taskParameter":"tbdesk-config/1"}"#;
    let line = |name: &str| {
        serde_json::json!({"rootPath": "/r", "configType": "baseTaskType", "name": name, "value": blob.replace("\"A\"", &format!("{name:?}"))})
            .to_string()
    };
    let cfg = Config::parse(&format!("{}\n{}\n", line("A"), line("B"))).expect("java lines");
    assert_eq!(cfg.task_types.len(), 2);
    let one = Config::parse(&line("A")).expect("one java line");
    assert_eq!(one.task_types.len(), 1);
    // A truncated tbdesk export still says what is wrong with it.
    let e = Config::parse(r#"{"format":"tbdesk-config/1","root":"/r","taskTypes":{"#).expect_err("truncated");
    assert!(e.to_string().contains("not a tbdesk export"), "{e}");
}

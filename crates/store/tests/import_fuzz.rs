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

//! The `tbdesk` binary, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

use tbdesk_tests::bins;

fn tbdesk(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tbdesk");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/examples").join(name))
        .expect("example file")
}

#[test]
fn cron_prints_the_table_line() {
    let (code, out, _) =
        tbdesk(&["cron", "0 0 12 ? * 6#3", "--tz", "UTC", "--from", "2024-01-01T00:00:00Z", "--count", "2"], b"");
    assert_eq!(code, 0);
    assert_eq!(out, "OK\t2024-01-19T12:00:00+00:00\t2024-02-16T12:00:00+00:00\n");
    let (code, out, err) = tbdesk(&["cron", "0 0 12 * *", "--count", "2"], b"");
    assert_eq!((code, out.as_str()), (0, "INVALID\t-\t-\n"));
    assert!(err.contains("Unexpected end of expression"), "{err}");
}

#[test]
fn encode_writes_java_bytes() {
    for (kind, file) in [
        ("task-type", "taskType.json"),
        ("strategy", "strategy.json"),
        ("server", "server.json"),
        ("strategy-runtime", "strategyRuntime.json"),
    ] {
        let blob = example(file);
        let (code, out, err) = tbdesk(&["encode", "--kind", kind], &blob);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.as_bytes(), &blob[..], "{file}");
    }
    let (code, _, err) = tbdesk(&["encode", "--kind", "task-type"], b"reload=true");
    assert_eq!(code, 2);
    assert!(err.contains("not a JSON object"), "{err}");
}

#[test]
fn validate_exits_1_on_errors() {
    let (code, out, _) = tbdesk(&["validate", "--kind", "task-type", "-"], &example("taskType.json"));
    assert_eq!((code, out.as_str()), (0, ""));
    let bad =
        br#"{"baseTaskType":"A","heartBeatRate":5000,"judgeDeadInterval":20000,"dealBeanName":"b","taskItems":["0"]}"#;
    let (code, out, _) = tbdesk(&["validate", "--kind", "task-type", "-"], bad);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().expect("a line")).expect("json line");
    assert_eq!(v["field"], "judgeDeadInterval");
    assert_eq!(v["rule"], "judge_dead_5x");
    assert_eq!(v["severity"], "error");
}

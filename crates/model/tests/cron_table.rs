//! Every row of shared/spec/cron-tbschedule.tsv (TBSchedule's CronExpression run on the JVM)
//! must come out the same from tbdesk's cron: verdict and all fire times.

use tbdesk_model::cron::{fire_times, format_instant, parse_instant, parse_zone};

fn unescape(s: &str) -> String {
    s.replace("\\t", "\t").replace("\\\\", "\\")
}

/// One row checked; returns a description of the mismatch, if any.
fn check(cols: &[&str]) -> Option<String> {
    let expr = unescape(cols[0]);
    let tz = parse_zone(cols[1]).expect("zone in table");
    let from = parse_instant(cols[2]).expect("instant in table");
    let want_verdict = cols[3];
    let want: Vec<&str> = cols[4..9].to_vec();
    let got = fire_times(&expr, tz, from, 5);
    let mut times: Vec<String> = got.times.iter().map(|t| format_instant(*t, tz)).collect();
    times.resize(5, "-".into());
    if got.verdict.as_str() != want_verdict || times != want {
        return Some(format!(
            "{expr:?} {} from {}: want {want_verdict} {want:?}, got {} {times:?} ({:?})",
            cols[1],
            cols[2],
            got.verdict.as_str(),
            got.detail
        ));
    }
    None
}

#[test]
fn agrees_with_every_row_of_the_tbschedule_table() {
    let p = tbdesk_test_support::paths::spec_dir().join("cron-tbschedule.tsv");
    let text = std::fs::read_to_string(&p).expect("cron-tbschedule.tsv");
    let mut rows = 0;
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 9, "short row: {line:?}");
        rows += 1;
        if let Some(f) = check(&cols) {
            failures.push(f);
        }
    }
    assert!(rows >= 110, "only {rows} rows read");
    assert!(failures.is_empty(), "{} of {rows} rows differ:\n{}", failures.len(), failures.join("\n"));
    eprintln!("cron table: {rows} rows agree");
    tbdesk_test_support::report::record(
        "bad input",
        "cron expressions from TBSchedule's own table (valid, invalid, quirks, DST)",
        rows,
        "all agree with the Java runtime",
    );
}

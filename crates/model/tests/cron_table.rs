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

/// A year range is parsed in bounded time and memory, whatever its end: Java inserts every year
/// (a range to 2147483647 wraps its loop counter and never ends), tbdesk keeps the years that
/// can fire and refuses the range Java cannot finish.
#[test]
fn hostile_year_ranges_are_bounded() {
    let tz = parse_zone("UTC").expect("zone");
    let from = parse_instant("2026-12-03T00:00:00Z").expect("instant");
    let t = std::time::Instant::now();
    let never = fire_times("0 0 0 * * ? 1970-2147483647", tz, from, 5);
    assert_eq!(never.verdict.as_str(), "INVALID", "{:?}", never.detail);
    assert!(never.detail.as_deref().unwrap_or_default().contains("Year"), "{:?}", never.detail);
    let near = fire_times("0 0 0 * * ? 1970-2147483640/10", tz, from, 5);
    assert_eq!(near.verdict.as_str(), "INVALID", "a step past the end wraps in Java too: {:?}", near.detail);
    // A huge but finite range means the same as one ending at the last year the search reaches.
    let huge = fire_times("0 0 0 1 1 ? 1970-99999999", tz, from, 5);
    let plain = fire_times("0 0 0 1 1 ? 1970-2299", tz, from, 5);
    assert_eq!(huge.verdict.as_str(), plain.verdict.as_str());
    assert_eq!(huge.times, plain.times);
    assert_eq!(huge.times.len(), 5);
    // Years the search never reaches never fire.
    assert!(fire_times("0 0 0 * * ? 3000-2000000000", tz, from, 5).times.is_empty());
    assert!(t.elapsed() < std::time::Duration::from_secs(5), "bounded: {:?}", t.elapsed());
}

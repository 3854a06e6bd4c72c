//! The cron builder's model: a few shapes people mean ("every 5 minutes between 9 and 17 on
//! weekdays", "at 02:30 on the last day of the month") that write a TBSchedule cron and read one
//! back where it has such a shape. Only forms TBSchedule 3.3.3.2's own `CronExpression` accepts
//! without a quirk are written (no range with a step: that copy rejects `10-40/10`, see
//! `cron-tbschedule.tsv`; steps only that divide their unit, so "every N" means what it says);
//! every rule is checked by this crate's cron ([`crate::cron`]), never by another grammar.

use serde::{Deserialize, Serialize};

/// A day of the week, numbered as the cron numbers them (SUN = 1 ... SAT = 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Weekday {
    Sun = 1,
    Mon = 2,
    Tue = 3,
    Wed = 4,
    Thu = 5,
    Fri = 6,
    Sat = 7,
}

/// Every weekday, Monday first (the order the builder shows them in).
pub const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

impl Weekday {
    /// The cron's name (`MON`).
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Sun => "SUN",
            Weekday::Mon => "MON",
            Weekday::Tue => "TUE",
            Weekday::Wed => "WED",
            Weekday::Thu => "THU",
            Weekday::Fri => "FRI",
            Weekday::Sat => "SAT",
        }
    }

    /// The cron's number (SUN = 1).
    pub fn number(self) -> u8 {
        self as u8
    }

    fn from_number(n: u8) -> Option<Weekday> {
        WEEK.iter().copied().find(|d| d.number() == n)
    }

    fn parse(s: &str) -> Option<Weekday> {
        WEEK.iter().copied().find(|d| d.name() == s).or_else(|| digits(s).and_then(Weekday::from_number))
    }
}

/// Which days a rule fires on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Days {
    /// Every day.
    Every,
    /// These days of the week (sorted, no repeats, at least one).
    Weekdays(Vec<Weekday>),
}

/// Which day of the month a monthly rule fires on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MonthDay {
    /// That day (1..=31; a month without it is skipped).
    Day(u8),
    /// The last day (`L`).
    Last,
    /// The last weekday, Monday to Friday (`LW`).
    LastWeekday,
    /// The n-th (1..=5) such weekday (`6#3`: the third Friday).
    Nth(u8, Weekday),
    /// The last such weekday (`6L`: the last Friday).
    LastOf(Weekday),
}

/// The unit of an "every N" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    Second,
    Minute,
    Hour,
}

impl Unit {
    /// The steps offered: those that divide the unit above, so the gap is always N.
    pub fn steps(self) -> &'static [u8] {
        match self {
            Unit::Second | Unit::Minute => &[1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30],
            Unit::Hour => &[1, 2, 3, 4, 6, 8, 12],
        }
    }

    fn word(self) -> &'static str {
        match self {
            Unit::Second => "second",
            Unit::Minute => "minute",
            Unit::Hour => "hour",
        }
    }
}

/// A time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct At {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// What the builder can say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    /// Every `n` units; for minutes at second `second`, for hours at `minute:second`; only
    /// within the hours `from..=to` when `hours` is set; on `days`.
    Every { unit: Unit, n: u8, minute: u8, second: u8, hours: Option<(u8, u8)>, days: Days },
    /// At a time of day, on `days` (every day, or chosen weekdays: "every week").
    At { at: At, days: Days },
    /// At a time of day on one day of every month.
    Monthly { at: At, on: MonthDay },
}

impl Default for Rule {
    fn default() -> Rule {
        Rule::At { at: At { hour: 9, minute: 0, second: 0 }, days: Days::Every }
    }
}

/// A rule the builder cannot write, naming its part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BuildError {
    /// The builder's part (`step`, `hours`, `at`, `days`, `day of month`).
    pub field: &'static str,
    /// The rule broken.
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> BuildError {
    BuildError { field, message: message.into() }
}

fn check_at(at: &At) -> Result<(), BuildError> {
    if at.hour > 23 || at.minute > 59 || at.second > 59 {
        return Err(bad("at", "a time of day is 00:00:00 to 23:59:59"));
    }
    Ok(())
}

fn check_days(days: &Days) -> Result<(), BuildError> {
    match days {
        Days::Every => Ok(()),
        Days::Weekdays(d) if d.is_empty() => Err(bad("days", "choose at least one day of the week")),
        Days::Weekdays(d) if d.windows(2).any(|w| w[0] >= w[1]) => {
            Err(bad("days", "each day once, Sunday (1) to Saturday (7)"))
        }
        Days::Weekdays(_) => Ok(()),
    }
}

/// `0/n`, or `*` for 1.
fn step(n: u8) -> String {
    if n == 1 {
        "*".into()
    } else {
        format!("0/{n}")
    }
}

/// The days of the week as the cron writes them: runs of three or more as `MON-FRI`.
fn weekdays_field(days: &[Weekday]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1].number() == days[j].number() + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{}-{}", days[i].name(), days[j].name()));
        } else {
            parts.extend(days[i..=j].iter().map(|d| d.name().to_owned()));
        }
        i = j + 1;
    }
    parts.join(",")
}

/// `(day of month, day of week)` fields.
fn days_fields(days: &Days) -> (String, String) {
    match days {
        Days::Every => ("*".into(), "?".into()),
        Days::Weekdays(d) => ("?".into(), weekdays_field(d)),
    }
}

impl Rule {
    /// Checks the rule's parts (the builder offers nothing else; imported values may break them).
    pub fn check(&self) -> Result<(), BuildError> {
        match self {
            Rule::Every { unit, n, minute, second, hours, days } => {
                if !unit.steps().contains(n) {
                    return Err(bad(
                        "step",
                        format!(
                            "every N {}s: N is one of {:?} (it must divide the {} above, or the gap is not N)",
                            unit.word(),
                            unit.steps(),
                            if *unit == Unit::Hour { "day" } else { "unit" }
                        ),
                    ));
                }
                check_at(&At { hour: 0, minute: *minute, second: *second })?;
                if let Some((from, to)) = hours {
                    if from > to || *to > 23 {
                        return Err(bad("hours", "between: from hour <= to hour, both 0 to 23"));
                    }
                }
                check_days(days)
            }
            Rule::At { at, days } => {
                check_at(at)?;
                check_days(days)
            }
            Rule::Monthly { at, on } => {
                check_at(at)?;
                match on {
                    MonthDay::Day(d) if !(1..=31).contains(d) => Err(bad("day of month", "a day is 1 to 31")),
                    MonthDay::Nth(n, _) if !(1..=5).contains(n) => {
                        Err(bad("day of month", "the n-th weekday of a month: n is 1 to 5"))
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    /// The TBSchedule cron (six fields: second minute hour day-of-month month day-of-week).
    pub fn to_cron(&self) -> Result<String, BuildError> {
        self.check()?;
        let hours_span = |hours: &Option<(u8, u8)>| match hours {
            None => "*".to_owned(),
            Some((a, b)) if a == b => a.to_string(),
            Some((a, b)) => format!("{a}-{b}"),
        };
        let (sec, min, hour, dom, dow) = match self {
            Rule::Every { unit, n, minute, second, hours, days } => {
                let (dom, dow) = days_fields(days);
                match unit {
                    Unit::Second => (step(*n), "*".into(), hours_span(hours), dom, dow),
                    Unit::Minute => (second.to_string(), step(*n), hours_span(hours), dom, dow),
                    Unit::Hour => {
                        let hour = match hours {
                            None => step(*n),
                            Some((a, b)) if *n == 1 => hours_span(&Some((*a, *b))),
                            // No range with a step in this cron: the hours are listed.
                            Some((a, b)) => {
                                (*a..=*b).step_by(usize::from(*n)).map(|h| h.to_string()).collect::<Vec<_>>().join(",")
                            }
                        };
                        (second.to_string(), minute.to_string(), hour, dom, dow)
                    }
                }
            }
            Rule::At { at, days } => {
                let (dom, dow) = days_fields(days);
                (at.second.to_string(), at.minute.to_string(), at.hour.to_string(), dom, dow)
            }
            Rule::Monthly { at, on } => {
                let (dom, dow) = match on {
                    MonthDay::Day(d) => (d.to_string(), "?".to_owned()),
                    MonthDay::Last => ("L".into(), "?".into()),
                    MonthDay::LastWeekday => ("LW".into(), "?".into()),
                    MonthDay::Nth(n, d) => ("?".into(), format!("{}#{n}", d.number())),
                    MonthDay::LastOf(d) => ("?".into(), format!("{}L", d.number())),
                };
                (at.second.to_string(), at.minute.to_string(), at.hour.to_string(), dom, dow)
            }
        };
        Ok(format!("{sec} {min} {hour} {dom} * {dow}"))
    }

    /// Reads a cron back into a rule where it has one of the builder's shapes (`None`
    /// otherwise: the builder then starts from its default and says so). A `startrun:` prefix
    /// is not part of the rule.
    pub fn from_cron(expr: &str) -> Option<Rule> {
        // Only what the runtime's parser takes as it is, without a quirk (it splits on spaces
        // and tabs only).
        let parsed = crate::cron::CronExpr::parse(expr).ok()?;
        if !parsed.quirks().is_empty() {
            return None;
        }
        let f: Vec<&str> = expr.split([' ', '\t']).filter(|x| !x.is_empty()).collect();
        let [sec, min, hour, dom, month, dow] = f.as_slice() else { return None };
        if *month != "*" {
            return None;
        }
        let days = parse_days(dom, dow);
        let num = |s: &str, max: u8| {
            (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u8>().ok())
                .flatten()
                .filter(|v| *v <= max)
        };
        let every = |s: &str| -> Option<u8> {
            if s == "*" {
                return Some(1);
            }
            let n = s.strip_prefix("0/").or_else(|| s.strip_prefix("*/"))?;
            num(n, 59)
        };
        let rule = if let (Some(n), "*") = (every(sec).filter(|n| *n > 1 || *sec == "*"), *min) {
            Rule::Every { unit: Unit::Second, n, minute: 0, second: 0, hours: parse_span(hour)?, days: days? }
        } else if let (Some(second), Some(n)) = (num(sec, 59), every(min)) {
            Rule::Every { unit: Unit::Minute, n, minute: 0, second, hours: parse_span(hour)?, days: days? }
        } else if let (Some(second), Some(minute)) = (num(sec, 59), num(min, 59)) {
            if let Some(h) = num(hour, 23) {
                let at = At { hour: h, minute, second };
                match days {
                    Some(days) => Rule::At { at, days },
                    None => Rule::Monthly { at, on: parse_month_day(dom, dow)? },
                }
            } else if let Some(n) = every(hour) {
                Rule::Every { unit: Unit::Hour, n, minute, second, hours: None, days: days? }
            } else {
                let (n, span) = parse_hour_list(hour)?;
                Rule::Every { unit: Unit::Hour, n, minute, second, hours: Some(span), days: days? }
            }
        } else {
            return None;
        };
        // Only what this builder would write itself (so reading back and writing again gives
        // the same rule).
        rule.check().ok().map(|_| rule)
    }

    /// The rule in words ("every 5 minutes between 09:00 and 17:59, MON-FRI").
    pub fn describe(&self) -> String {
        let days = |d: &Days| match d {
            Days::Every => "every day".to_owned(),
            Days::Weekdays(w) => format!("on {}", weekdays_field(w)),
        };
        let at = |a: &At| format!("{:02}:{:02}:{:02}", a.hour, a.minute, a.second);
        match self {
            Rule::Every { unit, n, minute, second, hours, days: d } => {
                let what =
                    if *n == 1 { format!("every {}", unit.word()) } else { format!("every {n} {}s", unit.word()) };
                let offset = match unit {
                    Unit::Second => String::new(),
                    Unit::Minute if *second == 0 => String::new(),
                    Unit::Minute => format!(" at second {second}"),
                    Unit::Hour => format!(" at minute {minute:02}:{second:02}"),
                };
                let span = hours.map(|(a, b)| format!(" between {a:02}:00 and {b:02}:59")).unwrap_or_default();
                format!("{what}{offset}{span}, {}", days(d))
            }
            Rule::At { at: a, days: d } => format!("at {}, {}", at(a), days(d)),
            Rule::Monthly { at: a, on } => {
                let day = match on {
                    MonthDay::Day(d) => format!("on day {d}"),
                    MonthDay::Last => "on the last day".into(),
                    MonthDay::LastWeekday => "on the last weekday (MON-FRI)".into(),
                    MonthDay::Nth(n, d) => format!("on the {} {}", ordinal(*n), d.name()),
                    MonthDay::LastOf(d) => format!("on the last {}", d.name()),
                };
                format!("at {} {day} of every month", at(a))
            }
        }
    }
}

/// A number of one or two ASCII digits (no sign, no space: what the builder writes).
fn digits(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn ordinal(n: u8) -> String {
    match n {
        1 => "1st".into(),
        2 => "2nd".into(),
        3 => "3rd".into(),
        n => format!("{n}th"),
    }
}

/// `*` or `a` or `a-b` (a <= b).
fn parse_span(s: &str) -> Option<Option<(u8, u8)>> {
    if s == "*" {
        return Some(None);
    }
    let h = |x: &str| digits(x).filter(|v| *v <= 23);
    match s.split_once('-') {
        Some((a, b)) => Some(Some((h(a)?, h(b)?))).filter(|v| v.is_some_and(|(a, b)| a <= b)),
        None => h(s).map(|v| Some((v, v))),
    }
}

/// `a-b` or a list `a,a+n,...` (what [`Rule::to_cron`] writes for every n hours between).
fn parse_hour_list(s: &str) -> Option<(u8, (u8, u8))> {
    if let Some(Some(span)) = parse_span(s) {
        return Some((1, span));
    }
    let hs: Vec<u8> = s.split(',').map(|x| digits(x).filter(|v| *v <= 23)).collect::<Option<_>>()?;
    let n = hs.get(1)?.checked_sub(hs[0])?;
    if n == 0 || hs.windows(2).any(|w| w[1].checked_sub(w[0]) != Some(n)) {
        return None;
    }
    let last = *hs.last()?;
    // The list ends before the next step would pass the end hour; its end is its last hour.
    Some((n, (hs[0], last)))
}

fn parse_days(dom: &str, dow: &str) -> Option<Days> {
    match (dom, dow) {
        ("*", "?") | ("?", "*") => Some(Days::Every),
        ("?", list) => {
            let mut days = Vec::new();
            for part in list.split(',') {
                match part.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (Weekday::parse(a)?, Weekday::parse(b)?);
                        if a > b {
                            return None;
                        }
                        days.extend((a.number()..=b.number()).filter_map(Weekday::from_number));
                    }
                    None => days.push(Weekday::parse(part)?),
                }
            }
            days.sort();
            days.dedup();
            Some(Days::Weekdays(days))
        }
        _ => None,
    }
}

fn parse_month_day(dom: &str, dow: &str) -> Option<MonthDay> {
    match (dom, dow) {
        ("L", "?") => Some(MonthDay::Last),
        ("LW", "?") => Some(MonthDay::LastWeekday),
        (d, "?") => digits(d).filter(|d| (1..=31).contains(d)).map(MonthDay::Day),
        ("?", w) => {
            if let Some((d, n)) = w.split_once('#') {
                Some(MonthDay::Nth(digits(n)?, Weekday::parse(d)?))
            } else {
                Some(MonthDay::LastOf(Weekday::parse(w.strip_suffix('L')?)?))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cron::{fire_times, Verdict};

    /// Every rule the builder can make: a broad grid of each shape.
    pub(crate) fn grid() -> Vec<Rule> {
        let mut out = Vec::new();
        let days = [
            Days::Every,
            Days::Weekdays(vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]),
            Days::Weekdays(vec![Weekday::Sun, Weekday::Sat]),
            Days::Weekdays(vec![Weekday::Sun, Weekday::Mon, Weekday::Wed, Weekday::Thu, Weekday::Fri]),
            Days::Weekdays(vec![Weekday::Tue]),
        ];
        for unit in [Unit::Second, Unit::Minute, Unit::Hour] {
            for &n in unit.steps() {
                for hours in [None, Some((9, 17)), Some((0, 23)), Some((22, 22)), Some((1, 6))] {
                    for d in &days {
                        out.push(Rule::Every { unit, n, minute: 7, second: 30, hours, days: d.clone() });
                    }
                }
            }
        }
        for at in [
            At { hour: 0, minute: 0, second: 0 },
            At { hour: 23, minute: 59, second: 59 },
            At { hour: 2, minute: 30, second: 0 },
        ] {
            for d in &days {
                out.push(Rule::At { at, days: d.clone() });
            }
            let mut ons = vec![MonthDay::Last, MonthDay::LastWeekday];
            ons.extend([1, 15, 28, 29, 31].map(MonthDay::Day));
            for w in WEEK {
                ons.extend((1..=5).map(|n| MonthDay::Nth(n, w)));
                ons.push(MonthDay::LastOf(w));
            }
            out.extend(ons.into_iter().map(|on| Rule::Monthly { at, on }));
        }
        out
    }

    /// The rule's second/minute fields that a unit does not use are normalised away when
    /// read back: compare on what the cron says.
    fn normal(r: &Rule) -> Rule {
        match r.clone() {
            Rule::Every { unit: Unit::Second, n, hours, days, .. } => {
                Rule::Every { unit: Unit::Second, n, minute: 0, second: 0, hours, days }
            }
            Rule::Every { unit: Unit::Minute, n, second, hours, days, .. } => {
                Rule::Every { unit: Unit::Minute, n, minute: 0, second, hours, days }
            }
            Rule::Every { unit: Unit::Hour, n, minute, second, hours: Some((a, b)), days } => {
                // The list's end is its last hour; a list of one hour is a time of day.
                let last = (a..=b).step_by(usize::from(n)).next_back().unwrap_or(a);
                if last == a {
                    Rule::At { at: At { hour: a, minute, second }, days }
                } else {
                    Rule::Every { unit: Unit::Hour, n, minute, second, hours: Some((a, last)), days }
                }
            }
            other => other,
        }
    }

    #[test]
    fn every_rule_is_a_cron_tbschedule_accepts_without_quirks_and_reads_back() {
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap_or(chrono_tz::UTC);
        let from = crate::cron::parse_instant("2026-01-30T10:00:00Z").unwrap_or(0);
        let rules = grid();
        assert!(rules.len() > 500, "{}", rules.len());
        for r in rules {
            let cron = r.to_cron().unwrap_or_else(|e| panic!("{r:?}: {e}"));
            let ft = fire_times(&cron, tz, from, 3);
            assert_eq!(ft.verdict, Verdict::Ok, "{r:?} -> {cron}: {:?}", ft.detail);
            assert!(ft.quirks.is_empty(), "{cron}: {:?}", ft.quirks);
            assert!(cron.split(' ').all(|f| !(f.contains('-') && f.contains('/'))), "no range with a step: {cron}");
            let back = Rule::from_cron(&cron).unwrap_or_else(|| panic!("{cron} does not read back"));
            assert_eq!(back, normal(&r), "{cron}");
            assert_eq!(back.to_cron().ok(), Some(cron.clone()), "written again the same");
            assert!(!r.describe().is_empty());
        }
    }

    #[test]
    fn fire_times_match_what_the_words_say() {
        let tz = chrono_tz::UTC;
        let from = crate::cron::parse_instant("2026-12-03T08:00:00Z").unwrap_or(0);
        let fmt = |ms: i64| crate::cron::format_instant(ms, tz);
        let r = Rule::Every {
            unit: Unit::Minute,
            n: 15,
            minute: 0,
            second: 0,
            hours: Some((9, 17)),
            days: Days::Weekdays(vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]),
        };
        assert_eq!(r.to_cron().ok().as_deref(), Some("0 0/15 9-17 ? * MON-FRI"));
        assert_eq!(r.describe(), "every 15 minutes between 09:00 and 17:59, on MON-FRI");
        let t = fire_times(&r.to_cron().unwrap_or_default(), tz, from, 3).times;
        assert_eq!(
            t.iter().map(|m| fmt(*m)).collect::<Vec<_>>(),
            ["2026-12-03T09:00:00+00:00", "2026-12-03T09:15:00+00:00", "2026-12-03T09:30:00+00:00"]
        );
        // Every 3 hours between 1 and 10 at :20: 01:20, 04:20, 07:20, 10:20.
        let r = Rule::Every { unit: Unit::Hour, n: 3, minute: 20, second: 0, hours: Some((1, 10)), days: Days::Every };
        assert_eq!(r.to_cron().ok().as_deref(), Some("0 20 1,4,7,10 * * ?"));
        let t = fire_times(&r.to_cron().unwrap_or_default(), tz, from, 4).times;
        assert_eq!(
            t.iter().map(|m| fmt(*m)).collect::<Vec<_>>(),
            [
                "2026-12-03T10:20:00+00:00",
                "2026-12-04T01:20:00+00:00",
                "2026-12-04T04:20:00+00:00",
                "2026-12-04T07:20:00+00:00"
            ]
        );
        // The last Friday and the 2nd Monday of the month.
        let r = Rule::Monthly { at: At { hour: 2, minute: 30, second: 0 }, on: MonthDay::LastOf(Weekday::Fri) };
        assert_eq!(r.to_cron().ok().as_deref(), Some("0 30 2 ? * 6L"));
        assert_eq!(fmt(fire_times("0 30 2 ? * 6L", tz, from, 1).times[0]), "2026-12-25T02:30:00+00:00");
        let r = Rule::Monthly { at: At::default(), on: MonthDay::Nth(2, Weekday::Mon) };
        assert_eq!(r.to_cron().ok().as_deref(), Some("0 0 0 ? * 2#2"));
        assert_eq!(fmt(fire_times("0 0 0 ? * 2#2", tz, from, 1).times[0]), "2026-12-14T00:00:00+00:00");
        let r = Rule::Monthly { at: At::default(), on: MonthDay::Last };
        assert_eq!(
            fmt(fire_times(&r.to_cron().unwrap_or_default(), tz, from, 1).times[0]),
            "2026-12-31T00:00:00+00:00"
        );
    }

    #[test]
    fn hostile_rules_and_crons_are_refused_by_name() {
        let bad_step = Rule::Every { unit: Unit::Minute, n: 7, minute: 0, second: 0, hours: None, days: Days::Every };
        assert_eq!(bad_step.to_cron().map_err(|e| e.field), Err("step"));
        let zero = Rule::Every { unit: Unit::Second, n: 0, minute: 0, second: 0, hours: None, days: Days::Every };
        assert!(zero.to_cron().is_err());
        let backwards =
            Rule::Every { unit: Unit::Minute, n: 5, minute: 0, second: 0, hours: Some((17, 9)), days: Days::Every };
        assert_eq!(backwards.to_cron().map_err(|e| e.field), Err("hours"));
        let late = Rule::At { at: At { hour: 24, minute: 0, second: 0 }, days: Days::Every };
        assert_eq!(late.to_cron().map_err(|e| e.field), Err("at"));
        let none = Rule::At { at: At::default(), days: Days::Weekdays(vec![]) };
        assert_eq!(none.to_cron().map_err(|e| e.field), Err("days"));
        let twice = Rule::At { at: At::default(), days: Days::Weekdays(vec![Weekday::Mon, Weekday::Mon]) };
        assert_eq!(twice.to_cron().map_err(|e| e.field), Err("days"));
        let sixth = Rule::Monthly { at: At::default(), on: MonthDay::Nth(6, Weekday::Mon) };
        assert_eq!(sixth.to_cron().map_err(|e| e.field), Err("day of month"));
        for c in [
            "",
            "0 0 12 * * ? 2030",
            "0 10-40/10 * * * ?",
            "0 0/7 * * * ?",
            "0 0 12 ? 1 MON",
            "0 0 12 15 * MON",
            "0 0 25 * * ?",
            "0 0 12 ? * FRI-MON",
            "0 0 12 ? * 2#6",
            "99999999999 0 0 * * ?",
            "0 0 12 ? * MON,,TUE",
            "0 0 1,3,4 * * ?",
            "0 0 5,3 * * ?",
            "💥 0 0 * * ?",
            "+5 0 12 * * ?",
            "0 0\n12 * * ?",
            "0 0\u{3000}12 * * ?",
            "0 0 +9 * * ?",
            "0 0 12 ? * 2#+2",
        ] {
            assert_eq!(Rule::from_cron(c), None, "{c:?} is not a builder shape");
        }
        // Shapes people write by hand read back too.
        assert_eq!(
            Rule::from_cron("0 */5 * * * ?"),
            Some(Rule::Every { unit: Unit::Minute, n: 5, minute: 0, second: 0, hours: None, days: Days::Every })
        );
        assert_eq!(
            Rule::from_cron("0 0 9 ? * 2-6"),
            Some(Rule::At {
                at: At { hour: 9, minute: 0, second: 0 },
                days: Days::Weekdays(vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri])
            })
        );
    }
}

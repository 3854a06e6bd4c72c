//! TBSchedule's cron: exactly what the Java runtime's `CronExpression` (its own copy of Quartz
//! 1.8, §7) accepts and computes, quirks included, so that the next fire times and run windows
//! tbdesk shows are the ones the Java scheduler will use.
//!
//! The parser and the search are a re-implementation of that class's behaviour, checked row by
//! row against `shared/spec/cron-tbschedule.tsv` (produced by running it on the JVM). The
//! `cron` crate is not used: it has other field semantics (day-of-week numbering, no `W`, `#`,
//! `nL`, no Java `Calendar` DST rules), see ARCHITECTURE.md.
//!
//! Two pieces of Java behaviour matter beyond the grammar:
//! - evaluation mutates the expression (`a-L` / `nL` day sets are rebuilt per month), so a
//!   [`CronExpr`] is searched through `&mut self`, like the Java object the runtime keeps;
//! - dates are computed through a lenient `GregorianCalendar` ([`Cal`]): fields overflow into
//!   the next unit, a wall time in a DST gap is read with the offset before the gap, and a
//!   repeated wall time with the offset after the change (the later instant).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

const SECOND: usize = 0;
const MINUTE: usize = 1;
const HOUR: usize = 2;
const DAY_OF_MONTH: usize = 3;
const MONTH: usize = 4;
const DAY_OF_WEEK: usize = 5;
const YEAR: usize = 6;
const ALL_SPEC: i32 = 99;
const NO_SPEC: i32 = 98;
/// Java's search gives up after this year.
const GIVE_UP_YEAR: i64 = 2299;

/// Why an expression was rejected; the message is the Java runtime's, so users recognise it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CronError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, CronError> {
    Err(CronError(msg.into()))
}

/// Something the Java runtime accepts but a person probably did not mean.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quirk(pub String);

/// `a-L`, `nL`, `a-bL` day-of-month settings (TBSchedule's own extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MonLday {
    value: i32,
    ex: i32,
}

/// A parsed TBSchedule cron expression.
#[derive(Debug, Clone)]
pub struct CronExpr {
    sets: [BTreeSet<i32>; 7],
    mon_lday: Option<MonLday>,
    lastday_of_week: bool,
    nthday_of_week: i32,
    lastday_of_month: bool,
    nearest_weekday: bool,
    quirks: Vec<Quirk>,
}

/// Java `String.substring(a, b)` on chars, failing like `StringIndexOutOfBoundsException`.
fn substring(s: &[char], a: usize, b: usize) -> Result<String, CronError> {
    if a > b || b > s.len() {
        return err(format!(
            "Illegal cron expression format (java.lang.StringIndexOutOfBoundsException: begin {a}, end {b}, length {})",
            s.len()
        ));
    }
    Ok(s[a..b].iter().collect())
}

fn char_at(s: &[char], i: usize) -> Result<char, CronError> {
    s.get(i).copied().ok_or_else(|| {
        CronError(format!(
            "Illegal cron expression format (java.lang.StringIndexOutOfBoundsException: index {i}, length {})",
            s.len()
        ))
    })
}

/// Java `Integer.parseInt`.
fn parse_int(s: &str) -> Result<i32, CronError> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return err(format!(
            "Illegal cron expression format (java.lang.NumberFormatException: For input string: \"{s}\")"
        ));
    }
    s.parse().map_err(|_| {
        CronError(format!(
            "Illegal cron expression format (java.lang.NumberFormatException: For input string: \"{s}\")"
        ))
    })
}

fn month_number(s: &str) -> i32 {
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        .iter()
        .position(|m| *m == s)
        .map_or(-1, |p| p as i32)
}

fn day_number(s: &str) -> i32 {
    ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"].iter().position(|d| *d == s).map_or(-1, |p| p as i32 + 1)
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

impl CronExpr {
    /// Parses like `new CronExpression(expr)`: upper-cased, 6 or 7 fields separated by spaces
    /// or tabs, anything after the 7th ignored.
    pub fn parse(expr: &str) -> Result<CronExpr, CronError> {
        let upper = expr.to_uppercase();
        let mut c = CronExpr {
            sets: Default::default(),
            mon_lday: None,
            lastday_of_week: false,
            nthday_of_week: 0,
            lastday_of_month: false,
            nearest_weekday: false,
            quirks: Vec::new(),
        };
        let tokens: Vec<&str> = upper.split([' ', '\t']).filter(|t| !t.is_empty()).collect();
        if tokens.len() > 7 {
            c.quirk(format!("the text after the 7th field ({:?}) is ignored", tokens[7..].join(" ")));
        }
        let mut on = SECOND;
        for tok in tokens.iter().take(7) {
            let e = tok.trim_matches(|ch: char| ch <= ' ');
            let has_l = e.contains('L') && e.chars().count() > 1 && e.contains(',');
            if on == DAY_OF_MONTH && has_l {
                return err("Support for specifying 'L' and 'LW' with other days of the month is not implemented");
            }
            if on == DAY_OF_WEEK && has_l {
                return err("Support for specifying 'L' with other days of the week is not implemented");
            }
            for v in e.split(',').filter(|v| !v.is_empty()) {
                let chars: Vec<char> = v.chars().collect();
                c.store(&chars, on)?;
            }
            on += 1;
        }
        if on <= DAY_OF_WEEK {
            return err("Unexpected end of expression.");
        }
        if on <= YEAR {
            c.store(&['*'], YEAR)?;
        }
        let dom_spec = !c.sets[DAY_OF_MONTH].contains(&NO_SPEC);
        let dow_spec = !c.sets[DAY_OF_WEEK].contains(&NO_SPEC);
        if dom_spec == dow_spec {
            return err("Support for specifying both a day-of-week AND a day-of-month parameter is not implemented.");
        }
        Ok(c)
    }

    /// What the Java runtime accepts here but silently reads differently from how it looks.
    pub fn quirks(&self) -> &[Quirk] {
        &self.quirks
    }

    fn quirk(&mut self, msg: String) {
        self.quirks.push(Quirk(msg));
    }

    fn store(&mut self, s: &[char], ty: usize) -> Result<(), CronError> {
        let mut i = 0;
        while i < s.len() && (s[i] == ' ' || s[i] == '\t') {
            i += 1;
        }
        if i >= s.len() {
            return Ok(());
        }
        let text: String = s.iter().collect();
        let mut c = s[i];
        if c.is_ascii_uppercase() && text != "L" && text != "LW" {
            let mut sub = substring(s, i, i + 3)?;
            let mut eval = -1;
            let sval;
            let mut used = i + 3;
            if ty == MONTH {
                sval = month_number(&sub) + 1;
                if sval <= 0 {
                    return err(format!("Invalid Month value: '{sub}'"));
                }
                if s.len() > i + 3 && s[i + 3] == '-' {
                    i += 4;
                    sub = substring(s, i, i + 3)?;
                    eval = month_number(&sub) + 1;
                    if eval <= 0 {
                        return err(format!("Invalid Month value: '{sub}'"));
                    }
                    used = i + 3;
                }
            } else if ty == DAY_OF_WEEK {
                sval = day_number(&sub);
                if sval < 0 {
                    return err(format!("Invalid Day-of-Week value: '{sub}'"));
                }
                if s.len() > i + 3 {
                    match s[i + 3] {
                        '-' => {
                            i += 4;
                            sub = substring(s, i, i + 3)?;
                            eval = day_number(&sub);
                            if eval < 0 {
                                return err(format!("Invalid Day-of-Week value: '{sub}'"));
                            }
                            used = i + 3;
                        }
                        '#' => {
                            i += 4;
                            let n = substring(s, i, s.len()).and_then(|t| parse_int(&t));
                            match n {
                                Ok(n) if (1..=5).contains(&n) => self.nthday_of_week = n,
                                _ => return err("A numeric value between 1 and 5 must follow the '#' option"),
                            }
                            used = s.len();
                        }
                        'L' => {
                            self.lastday_of_week = true;
                            used = i + 4;
                        }
                        _ => {}
                    }
                }
            } else {
                return err(format!("Illegal characters for this position: '{sub}'"));
            }
            if used < s.len() {
                let rest: String = s[used..].iter().collect();
                self.quirk(format!("in {text:?} the Java runtime reads only the name(s) and ignores {rest:?}"));
            }
            let incr = if eval != -1 { 1 } else { 0 };
            return self.add(sval, eval, incr, ty);
        }
        if c == '?' {
            i += 1;
            if i + 1 < s.len() && s[i] != ' ' && s[i + 1] != '\t' {
                return err(format!("Illegal character after '?': {}", s[i]));
            }
            if ty != DAY_OF_WEEK && ty != DAY_OF_MONTH {
                return err("'?' can only be specfied for Day-of-Month or Day-of-Week.");
            }
            if ty == DAY_OF_WEEK && !self.lastday_of_month {
                match self.sets[DAY_OF_MONTH].last() {
                    None => return self.add(NO_SPEC, -1, 0, ty),
                    Some(&NO_SPEC) => return err("'?' can only be specfied for Day-of-Month -OR- Day-of-Week."),
                    Some(_) => {}
                }
            }
            return self.add(NO_SPEC, -1, 0, ty);
        }
        if c == '*' || c == '/' {
            if c == '*' && i + 1 >= s.len() {
                return self.add(ALL_SPEC, -1, 0, ty);
            } else if c == '/' && (i + 1 >= s.len() || s[i + 1] == ' ' || s[i + 1] == '\t') {
                return err("'/' must be followed by an integer.");
            } else if c == '*' {
                i += 1;
            }
            c = s[i];
            let incr;
            if c == '/' {
                i += 1;
                if i >= s.len() {
                    return err("Unexpected end of string.");
                }
                // Java's whitespace search never stops early: the whole rest is the number.
                incr = parse_int(&substring(s, i, s.len())?)?;
                let limit = match ty {
                    SECOND | MINUTE => Some((59, "Increment > 60 : ")),
                    HOUR => Some((23, "Increment > 24 : ")),
                    DAY_OF_MONTH => Some((31, "Increment > 31 : ")),
                    DAY_OF_WEEK => Some((7, "Increment > 7 : ")),
                    MONTH => Some((12, "Increment > 12 : ")),
                    _ => None,
                };
                if let Some((max, msg)) = limit {
                    if incr > max {
                        return err(format!("{msg}{incr}"));
                    }
                }
                if incr <= 0 {
                    self.quirk(format!("{text:?}: a step of {incr} is read as every value"));
                }
            } else {
                self.quirk(format!("{text:?}: the Java runtime reads this as '*'"));
                incr = 1;
            }
            return self.add(ALL_SPEC, -1, incr, ty);
        }
        if c == 'L' {
            i += 1;
            if ty == DAY_OF_MONTH {
                self.lastday_of_month = true;
            }
            if ty == DAY_OF_WEEK {
                self.add(7, 7, 0, ty)?;
            }
            if ty == DAY_OF_MONTH && s.len() > i && s[i] == 'W' {
                self.nearest_weekday = true;
            }
            if ty != DAY_OF_MONTH && ty != DAY_OF_WEEK {
                self.quirk(format!("'L' in the {} field is accepted but leaves it empty", FIELD_NAMES[ty]));
            }
            return Ok(());
        }
        if is_digit(c) {
            let mut val = c as i32 - '0' as i32;
            i += 1;
            if i >= s.len() {
                return self.add(val, -1, -1, ty);
            }
            c = s[i];
            if is_digit(c) {
                let (v, p) = get_value(val, s, i)?;
                val = v;
                i = p;
            }
            return self.check_next(i, s, val, ty);
        }
        err(format!("Unexpected character: {c}"))
    }

    fn check_next(&mut self, pos: usize, s: &[char], val: i32, ty: usize) -> Result<(), CronError> {
        let text: String = s.iter().collect();
        let mut i = pos;
        if i >= s.len() {
            return self.add(val, -1, -1, ty);
        }
        let mut c = s[pos];
        match c {
            'L' => {
                if ty == DAY_OF_WEEK {
                    if !(1..=7).contains(&val) {
                        return err("Day-of-Week values must be between 1 and 7");
                    }
                    self.lastday_of_week = true;
                } else if ty == DAY_OF_MONTH {
                    self.lastday_of_month = true;
                    self.mon_lday = Some(MonLday { value: 0, ex: val });
                    if i + 1 < s.len() {
                        return err("invalid expression or char");
                    }
                    self.quirk(format!(
                        "{text:?}: TBSchedule's own extension (the {val}th day counted from the month's end); Quartz rejects it and the Java runtime computes it with known bugs"
                    ));
                    return Ok(());
                } else {
                    return err(format!("'L' option is not valid here. (pos={i})"));
                }
                self.sets[ty].insert(val);
                Ok(())
            }
            'W' => {
                if ty != DAY_OF_MONTH {
                    return err(format!("'W' option is not valid here. (pos={i})"));
                }
                self.nearest_weekday = true;
                self.sets[ty].insert(val);
                Ok(())
            }
            '#' => {
                if ty != DAY_OF_WEEK {
                    return err(format!("'#' option is not valid here. (pos={i})"));
                }
                i += 1;
                match substring(s, i, s.len()).and_then(|t| parse_int(&t)) {
                    Ok(n) if (1..=5).contains(&n) => self.nthday_of_week = n,
                    _ => return err("A numeric value between 1 and 5 must follow the '#' option"),
                }
                self.sets[ty].insert(val);
                Ok(())
            }
            '-' => {
                i += 1;
                c = char_at(s, i)?;
                if c == 'L' {
                    self.mon_lday = Some(MonLday { value: val, ex: 1 });
                    if i + 1 < s.len() {
                        return err("invalid expression or char");
                    }
                    return Ok(());
                }
                let v = parse_int(&c.to_string())?;
                let mut end = v;
                i += 1;
                if i >= s.len() {
                    return self.add(val, end, 1, ty);
                }
                c = s[i];
                if is_digit(c) {
                    let (v1, p) = get_value(v, s, i)?;
                    end = v1;
                    i = p;
                    if i < s.len() {
                        if s[i] == 'L' {
                            self.mon_lday = Some(MonLday { value: val, ex: v1 });
                            if i + 1 < s.len() {
                                return err("invalid expression or char");
                            }
                            return Ok(());
                        }
                        return err("invalid expression or char");
                    }
                }
                if c == 'L' {
                    self.mon_lday = Some(MonLday { value: val, ex: v });
                    if i + 1 < s.len() {
                        return err("invalid expression or char");
                    }
                    return Ok(());
                }
                if i < s.len() && s[i] == '/' {
                    i += 1;
                    c = char_at(s, i)?;
                    let v2 = parse_int(&c.to_string())?;
                    i += 1;
                    if i >= s.len() {
                        return self.add(val, end, v2, ty);
                    }
                    c = s[i];
                    if is_digit(c) {
                        let (v3, _) = get_value(v2, s, i)?;
                        return self.add(val, end, v3, ty);
                    }
                    self.quirk(format!("{text:?}: the Java runtime ignores what follows the step"));
                    return self.add(val, end, v2, ty);
                }
                if i < s.len() {
                    self.quirk(format!("{text:?}: the Java runtime ignores what follows the range"));
                }
                self.add(val, end, 1, ty)
            }
            '/' => {
                i += 1;
                c = char_at(s, i)?;
                let v2 = parse_int(&c.to_string())?;
                i += 1;
                if i >= s.len() {
                    return self.add(val, -1, v2, ty);
                }
                c = s[i];
                if is_digit(c) {
                    let (v3, _) = get_value(v2, s, i)?;
                    return self.add(val, -1, v3, ty);
                }
                err(format!("Unexpected character '{c}' after '/'"))
            }
            _ => {
                self.quirk(format!("{text:?}: the Java runtime reads only the number {val} and ignores the rest"));
                self.add(val, -1, 0, ty)
            }
        }
    }

    fn add(&mut self, val: i32, end: i32, incr: i32, ty: usize) -> Result<(), CronError> {
        add_to_set(&mut self.sets[ty], val, end, incr, ty).map_err(CronError)
    }
}

const FIELD_NAMES: [&str; 7] = ["second", "minute", "hour", "day-of-month", "month", "day-of-week", "year"];

fn get_value(v: i32, s: &[char], mut i: usize) -> Result<(i32, usize), CronError> {
    let mut s1 = v.to_string();
    let mut c = s[i];
    while is_digit(c) {
        s1.push(c);
        i += 1;
        if i >= s.len() {
            break;
        }
        c = s[i];
    }
    let pos = if i < s.len() { i } else { i + 1 };
    Ok((parse_int(&s1)?, pos))
}

/// Java's `addToSet`: range checks, then the values of `val[-end][/incr]`, wrapping ranges
/// whose end is below their start.
fn add_to_set(set: &mut BTreeSet<i32>, val: i32, end: i32, mut incr: i32, ty: usize) -> Result<(), String> {
    let bad = match ty {
        SECOND | MINUTE => ((!(0..=59).contains(&val)) || end > 59) && val != ALL_SPEC,
        HOUR => ((!(0..=23).contains(&val)) || end > 23) && val != ALL_SPEC,
        DAY_OF_MONTH => ((!(1..=31).contains(&val)) || end > 31) && val != ALL_SPEC && val != NO_SPEC,
        MONTH => ((!(1..=12).contains(&val)) || end > 12) && val != ALL_SPEC,
        DAY_OF_WEEK => (val == 0 || val > 7 || end > 7) && val != ALL_SPEC && val != NO_SPEC,
        _ => false,
    };
    if bad {
        return Err(match ty {
            SECOND | MINUTE => "Minute and Second values must be between 0 and 59",
            HOUR => "Hour values must be between 0 and 23",
            DAY_OF_MONTH => "Day of month values must be between 1 and 31",
            MONTH => "Month values must be between 1 and 12",
            _ => "Day-of-Week values must be between 1 and 7",
        }
        .into());
    }
    if (incr == 0 || incr == -1) && val != ALL_SPEC {
        set.insert(if val != -1 { val } else { NO_SPEC });
        return Ok(());
    }
    let mut start = val;
    let mut stop = end;
    if val == ALL_SPEC && incr <= 0 {
        incr = 1;
        set.insert(ALL_SPEC);
    }
    let (lo, hi) = match ty {
        SECOND | MINUTE => (0, 59),
        HOUR => (0, 23),
        DAY_OF_MONTH => (1, 31),
        MONTH => (1, 12),
        DAY_OF_WEEK => (1, 7),
        _ => (1970, GIVE_UP_YEAR as i32),
    };
    if stop == -1 {
        stop = hi;
    }
    if start == -1 || start == ALL_SPEC {
        start = lo;
    }
    let mut max = -1;
    if stop < start {
        max = match ty {
            SECOND | MINUTE => 60,
            HOUR => 24,
            MONTH => 12,
            DAY_OF_WEEK => 7,
            DAY_OF_MONTH => 31,
            _ => {
                return Err(
                    "Illegal cron expression format (java.lang.IllegalArgumentException: Start year must be less than stop year)"
                        .into(),
                )
            }
        };
        stop += max;
    }
    let incr = incr.max(1);
    if ty == YEAR {
        // Java inserts every year of the range; one ending within a step of Integer.MAX_VALUE
        // wraps its loop counter and never ends (the Java console hangs on it). Years after
        // the search's last year never fire, so they are not kept: `1970-99999999` is a
        // hundred million values in Java and 330 here, and means the same.
        if stop.checked_add(incr).is_none() {
            return Err(format!(
                "Year range {start}-{stop}: the Java parser never finishes a range ending this close to {}",
                i32::MAX
            ));
        }
        let last = stop.min(GIVE_UP_YEAR as i32);
        if start > last {
            set.insert(start);
            return Ok(());
        }
        let mut i = start;
        while i <= last {
            set.insert(i);
            i = i.saturating_add(incr);
        }
        return Ok(());
    }
    let mut i = start;
    while i <= stop {
        if max == -1 {
            set.insert(i);
        } else {
            let mut i2 = i % max;
            if i2 == 0 && matches!(ty, MONTH | DAY_OF_WEEK | DAY_OF_MONTH) {
                i2 = max;
            }
            set.insert(i2);
        }
        // Java's int arithmetic: a step near Integer.MAX_VALUE wraps (and the loop ends within
        // a few turns), it never throws; a plain `+=` would panic here in debug builds.
        i = i.wrapping_add(incr);
    }
    Ok(())
}

/// Why computing a fire time failed although the expression parsed (the Java search throws).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A field holds no value (e.g. a lone `,`, or `L` in the month field).
    #[error("the {0} field is empty (java.util.NoSuchElementException)")]
    EmptyField(&'static str),
    /// An `a-L` day range whose start lies after this month's end.
    #[error("Start day must be less than end day")]
    StartAfterEnd,
    /// A date outside what the calendar can represent.
    #[error("date out of range")]
    OutOfRange,
}

fn first(set: &BTreeSet<i32>, ty: usize) -> Result<i32, EvalError> {
    set.first().copied().ok_or(EvalError::EmptyField(FIELD_NAMES[ty]))
}

fn tail(set: &BTreeSet<i32>, from: i64) -> Option<i32> {
    set.range(from.clamp(i32::MIN as i64, i32::MAX as i64) as i32..).next().copied()
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn last_day_of_month(m: i64, y: i64) -> i64 {
    match m {
        2 => {
            if is_leap(y) {
                29
            } else {
                28
            }
        }
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A lenient `java.util.GregorianCalendar` in one zone: fields may overflow and are normalised
/// when read, through Java's wall-time to instant rule (see the module doc).
#[derive(Clone)]
struct Cal {
    tz: Tz,
    /// year, month (0-based), day, hour, minute, second, millisecond.
    f: [i64; 7],
    /// The instant the fields were computed from, valid while not `dirty` (a repeated wall
    /// time maps to two instants, so it cannot be recomputed from the fields).
    millis: i64,
    dirty: bool,
}

const Y: usize = 0;
const MO: usize = 1;
const D: usize = 2;
const H: usize = 3;
const MI: usize = 4;
const S: usize = 5;
const MS: usize = 6;

impl Cal {
    fn at(tz: Tz, millis: i64) -> Result<Cal, EvalError> {
        let mut c = Cal { tz, f: [0; 7], millis, dirty: false };
        c.set_time(millis)?;
        Ok(c)
    }

    fn set_time(&mut self, millis: i64) -> Result<(), EvalError> {
        let dt = self.tz.timestamp_millis_opt(millis).single().ok_or(EvalError::OutOfRange)?;
        self.f = [
            dt.year() as i64,
            dt.month0() as i64,
            dt.day() as i64,
            dt.hour() as i64,
            dt.minute() as i64,
            dt.second() as i64,
            millis.rem_euclid(1000),
        ];
        self.millis = millis;
        self.dirty = false;
        Ok(())
    }

    fn set(&mut self, field: usize, v: i64) {
        self.f[field] = v;
        self.dirty = true;
    }

    fn wall(&self) -> Result<NaiveDateTime, EvalError> {
        let y = self.f[Y] + self.f[MO].div_euclid(12);
        let m = self.f[MO].rem_euclid(12) + 1;
        let base = NaiveDate::from_ymd_opt(y as i32, m as u32, 1)
            .ok_or(EvalError::OutOfRange)?
            .and_hms_opt(0, 0, 0)
            .ok_or(EvalError::OutOfRange)?;
        let secs = (self.f[D] - 1) * 86_400 + self.f[H] * 3600 + self.f[MI] * 60 + self.f[S];
        base.checked_add_signed(chrono::Duration::seconds(secs))
            .and_then(|t| t.checked_add_signed(chrono::Duration::milliseconds(self.f[MS])))
            .ok_or(EvalError::OutOfRange)
    }

    /// `getTimeInMillis()`.
    fn time(&mut self) -> Result<i64, EvalError> {
        self.complete()?;
        Ok(self.millis)
    }

    /// Java's `complete()`: after a `set`, the fields go through the zone to an instant and
    /// are recomputed from it.
    fn complete(&mut self) -> Result<(), EvalError> {
        if self.dirty {
            let ms = wall_to_millis(&self.tz, self.wall()?)?;
            self.set_time(ms)?;
        }
        Ok(())
    }

    fn get(&mut self, field: usize) -> Result<i64, EvalError> {
        self.complete()?;
        Ok(self.f[field])
    }

    /// `get(DAY_OF_WEEK)`: 1 = Sunday … 7 = Saturday.
    fn day_of_week(&mut self) -> Result<i64, EvalError> {
        self.get(Y)?;
        let w = self.wall()?;
        Ok(w.weekday().num_days_from_sunday() as i64 + 1)
    }
}

/// Java's `ZoneInfo.getOffsetsByWall`: a transition's wall time is its instant plus the offset
/// it changes *to*; the offset in force is that of the last transition whose wall time is not
/// after `wall`. So a gap's wall time takes the offset before the gap (it lands after it), and
/// a repeated wall time takes the offset after the change (the later instant).
fn wall_to_millis(tz: &Tz, wall: NaiveDateTime) -> Result<i64, EvalError> {
    match tz.from_local_datetime(&wall) {
        chrono::LocalResult::Single(dt) => Ok(dt.timestamp_millis()),
        chrono::LocalResult::Ambiguous(_, later) => Ok(later.timestamp_millis()),
        chrono::LocalResult::None => {
            let before = wall.checked_sub_signed(chrono::Duration::days(1)).ok_or(EvalError::OutOfRange)?;
            let old = tz.offset_from_utc_datetime(&before).fix().local_minus_utc() as i64;
            Ok(wall.and_utc().timestamp_millis() - old * 1000)
        }
    }
}

impl CronExpr {
    /// `getNextValidTimeAfter(after)`: the first fire time strictly after `after_ms` (epoch
    /// ms), in `tz`; `Ok(None)` when there is none up to 2299. Mutates `self` as Java does.
    pub fn next_after(&mut self, after_ms: i64, tz: Tz) -> Result<Option<i64>, EvalError> {
        let after_time = after_ms.checked_add(1000).ok_or(EvalError::OutOfRange)?;
        let mut cl = Cal::at(tz, after_time)?;
        cl.set(MS, 0);
        let mut end_days_flag = false;
        loop {
            if cl.get(Y)? > 2999 {
                return Ok(None);
            }
            let mut sec = cl.get(S)?;
            let mut min = cl.get(MI)?;
            match tail(&self.sets[SECOND], sec) {
                Some(v) => sec = v as i64,
                None => {
                    sec = first(&self.sets[SECOND], SECOND)? as i64;
                    min += 1;
                    cl.set(MI, min);
                }
            }
            cl.set(S, sec);

            min = cl.get(MI)?;
            let mut hr = cl.get(H)?;
            let mut t = -1;
            match tail(&self.sets[MINUTE], min) {
                Some(v) => {
                    t = min;
                    min = v as i64;
                }
                None => {
                    min = first(&self.sets[MINUTE], MINUTE)? as i64;
                    hr += 1;
                }
            }
            if min != t {
                cl.set(S, 0);
                cl.set(MI, min);
                set_calendar_hour(&mut cl, hr)?;
                continue;
            }
            cl.set(MI, min);

            hr = cl.get(H)?;
            let mut day = cl.get(D)?;
            t = -1;
            match tail(&self.sets[HOUR], hr) {
                Some(v) => {
                    t = hr;
                    hr = v as i64;
                }
                None => {
                    hr = first(&self.sets[HOUR], HOUR)? as i64;
                    day += 1;
                }
            }
            if hr != t {
                cl.set(S, 0);
                cl.set(MI, 0);
                cl.set(D, day);
                set_calendar_hour(&mut cl, hr)?;
                continue;
            }
            cl.set(H, hr);

            day = cl.get(D)?;
            let mut mon = cl.get(MO)? + 1;
            t = -1;
            let tmon = mon;
            let dom_spec = !self.sets[DAY_OF_MONTH].contains(&NO_SPEC);
            let dow_spec = !self.sets[DAY_OF_WEEK].contains(&NO_SPEC);
            if dom_spec && !dow_spec {
                let mut end_days = 0;
                if let (Some(ml), false) = (self.mon_lday, end_days_flag) {
                    let end = last_day_of_month(mon, cl.get(Y)?) - ml.ex as i64 + 1;
                    if ml.value == 0 {
                        end_days = end;
                    } else {
                        if ml.value as i64 > end {
                            return Err(EvalError::StartAfterEnd);
                        }
                        if add_to_set(&mut self.sets[DAY_OF_MONTH], ml.value, end as i32, 1, DAY_OF_MONTH).is_err() {
                            // Java prints the stack trace and leaves the loop with what it has.
                            return Ok(Some(cl.time()?));
                        }
                    }
                }
                let st = tail(&self.sets[DAY_OF_MONTH], day);
                if self.lastday_of_month && !end_days_flag {
                    if !self.nearest_weekday {
                        if self.mon_lday.is_some() {
                            self.sets[DAY_OF_MONTH].clear();
                            if add_to_set(&mut self.sets[DAY_OF_MONTH], end_days as i32, -1, -1, DAY_OF_MONTH).is_err()
                            {
                                return Ok(Some(cl.time()?));
                            }
                            end_days_flag = true;
                            continue;
                        }
                        t = day;
                        day = last_day_of_month(mon, cl.get(Y)?);
                    } else {
                        t = day;
                        day = last_day_of_month(mon, cl.get(Y)?);
                        let (d, roll) = nearest_weekday(&tz, cl.get(Y)?, mon, day, sec, min, hr, after_time)?;
                        day = d;
                        if roll {
                            day = 1;
                            mon += 1;
                        }
                    }
                } else if self.nearest_weekday {
                    t = day;
                    day = first(&self.sets[DAY_OF_MONTH], DAY_OF_MONTH)? as i64;
                    let (d, roll) = nearest_weekday(&tz, cl.get(Y)?, mon, day, sec, min, hr, after_time)?;
                    day = d;
                    if roll {
                        day = first(&self.sets[DAY_OF_MONTH], DAY_OF_MONTH)? as i64;
                        mon += 1;
                    }
                } else if let Some(v) = st {
                    t = day;
                    day = v as i64;
                    if day > last_day_of_month(mon, cl.get(Y)?) {
                        day = first(&self.sets[DAY_OF_MONTH], DAY_OF_MONTH)? as i64;
                        mon += 1;
                    }
                } else {
                    day = first(&self.sets[DAY_OF_MONTH], DAY_OF_MONTH)? as i64;
                    mon += 1;
                    end_days_flag = false;
                }
                if day != t || mon != tmon {
                    cl.set(S, 0);
                    cl.set(MI, 0);
                    cl.set(H, 0);
                    cl.set(D, day);
                    cl.set(MO, mon - 1);
                    continue;
                }
            } else if dow_spec && !dom_spec {
                if self.lastday_of_week {
                    let dow = first(&self.sets[DAY_OF_WEEK], DAY_OF_WEEK)? as i64;
                    let cdow = cl.day_of_week()?;
                    let mut add = 0;
                    if cdow < dow {
                        add = dow - cdow;
                    }
                    if cdow > dow {
                        add = dow + (7 - cdow);
                    }
                    let lday = last_day_of_month(mon, cl.get(Y)?);
                    if day + add > lday {
                        start_of_month(&mut cl, 1, mon);
                        continue;
                    }
                    while day + add + 7 <= lday {
                        add += 7;
                    }
                    day += add;
                    if add > 0 {
                        start_of_month(&mut cl, day, mon - 1);
                        continue;
                    }
                } else if self.nthday_of_week != 0 {
                    let dow = first(&self.sets[DAY_OF_WEEK], DAY_OF_WEEK)? as i64;
                    let cdow = cl.day_of_week()?;
                    let mut add = 0;
                    if cdow < dow {
                        add = dow - cdow;
                    } else if cdow > dow {
                        add = dow + (7 - cdow);
                    }
                    let shifted = add > 0;
                    day += add;
                    let mut week = day / 7;
                    if day % 7 > 0 {
                        week += 1;
                    }
                    add = (self.nthday_of_week as i64 - week) * 7;
                    day += add;
                    if add < 0 || day > last_day_of_month(mon, cl.get(Y)?) {
                        start_of_month(&mut cl, 1, mon);
                        continue;
                    } else if add > 0 || shifted {
                        start_of_month(&mut cl, day, mon - 1);
                        continue;
                    }
                } else {
                    let cdow = cl.day_of_week()?;
                    let mut dow = first(&self.sets[DAY_OF_WEEK], DAY_OF_WEEK)? as i64;
                    if let Some(v) = tail(&self.sets[DAY_OF_WEEK], cdow) {
                        dow = v as i64;
                    }
                    let mut add = 0;
                    if cdow < dow {
                        add = dow - cdow;
                    }
                    if cdow > dow {
                        add = dow + (7 - cdow);
                    }
                    let lday = last_day_of_month(mon, cl.get(Y)?);
                    if day + add > lday {
                        start_of_month(&mut cl, 1, mon);
                        continue;
                    } else if add > 0 {
                        start_of_month(&mut cl, day + add, mon - 1);
                        continue;
                    }
                }
            } else {
                return Err(EvalError::OutOfRange);
            }
            cl.set(D, day);
            mon = cl.get(MO)? + 1;
            let mut year = cl.get(Y)?;
            t = -1;
            if year > GIVE_UP_YEAR {
                return Ok(None);
            }
            match tail(&self.sets[MONTH], mon) {
                Some(v) => {
                    t = mon;
                    mon = v as i64;
                }
                None => {
                    mon = first(&self.sets[MONTH], MONTH)? as i64;
                    year += 1;
                }
            }
            if mon != t {
                cl.set(S, 0);
                cl.set(MI, 0);
                cl.set(H, 0);
                cl.set(D, 1);
                cl.set(MO, mon - 1);
                cl.set(Y, year);
                continue;
            }
            cl.set(MO, mon - 1);
            let t = cl.get(Y)?;
            let Some(v) = tail(&self.sets[YEAR], t) else {
                return Ok(None); // ran out of years
            };
            year = v as i64;
            if year != t {
                cl.set(S, 0);
                cl.set(MI, 0);
                cl.set(H, 0);
                cl.set(D, 1);
                cl.set(MO, 0);
                cl.set(Y, year);
                continue;
            }
            cl.set(Y, year);
            return Ok(Some(cl.time()?));
        }
    }
}

fn start_of_month(cl: &mut Cal, day: i64, month0: i64) {
    cl.set(S, 0);
    cl.set(MI, 0);
    cl.set(H, 0);
    cl.set(D, day);
    cl.set(MO, month0);
}

fn set_calendar_hour(cl: &mut Cal, hour: i64) -> Result<(), EvalError> {
    cl.set(H, hour);
    if cl.get(H)? != hour && hour != 24 {
        cl.set(H, hour + 1);
    }
    Ok(())
}

/// The `W` rule: the weekday nearest `day` in the month, never leaving it; and whether that
/// time is already before the search start (Java then moves to the next month).
#[allow(clippy::too_many_arguments)]
fn nearest_weekday(
    tz: &Tz,
    year: i64,
    mon: i64,
    mut day: i64,
    sec: i64,
    min: i64,
    hr: i64,
    after_time: i64,
) -> Result<(i64, bool), EvalError> {
    // Java builds this on Calendar.getInstance() (now) and overwrites every field but the
    // milliseconds; tbdesk takes them as 0.
    let mut tcal = Cal { tz: *tz, f: [year, mon - 1, day, 0, 0, 0, 0], millis: 0, dirty: true };
    let ldom = last_day_of_month(mon, year);
    let dow = tcal.day_of_week()?;
    if dow == 7 && day == 1 {
        day += 2;
    } else if dow == 7 {
        day -= 1;
    } else if dow == 1 && day == ldom {
        day -= 2;
    } else if dow == 1 {
        day += 1;
    }
    tcal.set(S, sec);
    tcal.set(MI, min);
    tcal.set(H, hr);
    tcal.set(D, day);
    tcal.set(MO, mon - 1);
    let n = tcal.time()?;
    Ok((day, n < after_time))
}

/// The outcome of asking for fire times, in the categories of the conformance table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Verdict {
    /// Parsed; at least one fire time.
    Ok,
    /// Parsed, but never fires after the start instant.
    None,
    /// Rejected by the parser.
    Invalid,
    /// Parsed, but the Java search throws.
    Error,
}

impl Verdict {
    /// The table's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::None => "NONE",
            Verdict::Invalid => "INVALID",
            Verdict::Error => "ERROR",
        }
    }
}

/// Fire times of an expression from an instant, as the Java runtime computes them.
#[derive(Debug, Clone)]
pub struct FireTimes {
    /// The verdict.
    pub verdict: Verdict,
    /// Up to `count` fire times (epoch ms), fewer where the chain ended.
    pub times: Vec<i64>,
    /// The parser's or the search's message for INVALID / ERROR.
    pub detail: Option<String>,
    /// What the runtime accepts but reads differently from how it looks.
    pub quirks: Vec<Quirk>,
}

/// Parses `expr` and computes up to `count` fire times after `from_ms` in `tz`, each search
/// starting from the previous result (as the runtime reschedules).
pub fn fire_times(expr: &str, tz: Tz, from_ms: i64, count: usize) -> FireTimes {
    let mut c = match CronExpr::parse(expr) {
        Ok(c) => c,
        Err(e) => return FireTimes { verdict: Verdict::Invalid, times: vec![], detail: Some(e.0), quirks: vec![] },
    };
    let mut times = Vec::new();
    let mut at = from_ms;
    for _ in 0..count {
        match c.next_after(at, tz) {
            Ok(Some(t)) => {
                times.push(t);
                at = t;
            }
            Ok(None) => break,
            Err(e) => {
                return FireTimes {
                    verdict: Verdict::Error,
                    times: vec![],
                    detail: Some(e.to_string()),
                    quirks: c.quirks,
                }
            }
        }
    }
    let verdict = if times.is_empty() && count > 0 { Verdict::None } else { Verdict::Ok };
    FireTimes { verdict, times, detail: None, quirks: c.quirks }
}

/// Formats an instant as the conformance table does: `yyyy-MM-ddTHH:mm:ss+hh:mm` in `tz`.
pub fn format_instant(ms: i64, tz: Tz) -> String {
    match tz.timestamp_millis_opt(ms).single() {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => "-".into(),
    }
}

/// An instant as a wall-clock time in `tz` (`2026-03-01 09:00:00`), for people; the zone is
/// named beside it by the caller.
pub fn format_wall(ms: i64, tz: Tz) -> String {
    match tz.timestamp_millis_opt(ms).single() {
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => "-".into(),
    }
}

/// Parses an ISO-8601 instant (`2024-01-01T00:00:00Z`, offsets and fractions allowed) to ms.
pub fn parse_instant(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| d.timestamp_millis())
}

/// Looks up an IANA zone name.
pub fn parse_zone(s: &str) -> Option<Tz> {
    s.trim().parse().ok()
}

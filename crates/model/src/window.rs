//! The run window of a thread group (§6.6): when `permitRunStartTime` / `permitRunEndTime`
//! allow processing, judged with TBSchedule's own cron so the local runtime opens and closes
//! exactly when a Java peer would, and the diagnosis says what a Java group is doing now.

use chrono_tz::Tz;

use crate::cron::fire_times;
use crate::validate::strip_startrun;

/// A run window, as one Java thread group runs it: the boot rule of `computerStart` decides the
/// state at `new`, then a RESUME timer fires at every start and a PAUSE timer at every end, each
/// rescheduling itself at its cron's next fire after the moment it ran.
#[derive(Debug, Clone)]
pub struct Window {
    start: Option<String>,
    end: Option<String>,
    tz: Tz,
    /// Processing allowed now (for no end cron: from a start until the first empty fetch).
    open: bool,
    /// The RESUME timer.
    next_resume: Option<i64>,
    /// The PAUSE timer (only with an end cron).
    next_pause: Option<i64>,
}

/// The cron's next fire after `after`. A time at or before it (Java's search wraps to 1970 on
/// a step near `Integer.MAX_VALUE`; validation refuses such crons) counts as never, so every
/// walk over the timers moves forward and ends.
fn next(expr: &str, tz: Tz, after: i64) -> Option<i64> {
    fire_times(expr, tz, after, 1).times.first().copied().filter(|t| *t > after)
}

impl Window {
    /// The window of a task type's two crons for a group starting at `now` (Java's boot rule).
    ///
    /// The strings are read exactly as Java reads them, untrimmed (the Java console stores
    /// what was typed): only an absent start means "always"; `startrun:` is a prefix in any
    /// case; only an absent end or exactly `-1` means "until no data". Anything else is a cron,
    /// and one Java cannot parse (`-1 `, ` startrun:…`, an empty string) throws in
    /// `computerStart` before the group's resume: such a window never opens.
    pub fn new(start: Option<&str>, end: Option<&str>, tz: Tz, now: i64) -> Window {
        let startrun = start.is_some_and(|s| strip_startrun(s).len() != s.len());
        let start = start.map(|s| strip_startrun(s).to_owned());
        // An end without a start is ignored, like Java (P21); `-1` means "until no data".
        let end = end.filter(|e| *e != "-1" && start.is_some()).map(str::to_owned);
        let mut w = Window { start, end, tz, open: startrun, next_resume: None, next_pause: None };
        let Some(start) = w.start.clone() else {
            w.open = true;
            return w;
        };
        let parses = |e: &str| {
            !matches!(fire_times(e, tz, now, 1).verdict, crate::cron::Verdict::Invalid | crate::cron::Verdict::Error)
        };
        if !parses(&start) {
            w.open = false;
            return w;
        }
        w.next_resume = next(&start, tz, now);
        // A start with no fire to come (a year-bound cron aged out): Java hands the null to
        // `Timer.schedule`, which throws before anything is scheduled: the group never runs.
        if w.next_resume.is_none() {
            w.open = false;
            return w;
        }
        // An end Java cannot parse, or with no fire after now (it throws at
        // `nowEndTime.equals`): `computerStart` throws AFTER scheduling the RESUME timer and
        // before the PAUSE one and the immediate resume. The group opens at the start's next
        // fire and never pauses again (the end is set, so no empty fetch pauses it either).
        let end_broken = w.end.as_deref().is_some_and(|e| !parses(e) || next(e, tz, now).is_none());
        if end_broken {
            w.open = false;
            return w;
        }
        if let Some(end) = &w.end {
            let first_end = w.next_resume.and_then(|s| next(end, tz, s));
            let now_end = next(end, tz, now);
            if now_end.is_some() && now_end != first_end {
                // Inside a window: run now, pause at its end.
                w.open = true;
                w.next_pause = now_end;
            } else {
                w.next_pause = first_end;
            }
        }
        w
    }

    /// Whether processing is allowed at `now`, after running every timer due by then in time
    /// order.
    pub fn is_open(&mut self, now: i64) -> bool {
        // Disjoint borrows: the crons are read while the timers change (no clone per call on
        // the scheduler's fetch loop).
        let Window { start, end, tz, open, next_resume, next_pause } = self;
        let Some(start) = start.as_deref() else { return true };
        loop {
            let resume_due = next_resume.filter(|t| *t <= now);
            let pause_due = next_pause.filter(|t| *t <= now);
            let resume_first = match (resume_due, pause_due) {
                (None, None) => return *open,
                (Some(r), Some(p)) => r < p,
                (Some(_), None) => true,
                (None, Some(_)) => false,
            };
            // Java reschedules a timer from the moment it ran (after a sleep, missed fires are
            // skipped); a PAUSE and a RESUME due together leave the group paused.
            if resume_first {
                *open = true;
                *next_resume = next(start, *tz, now);
            } else {
                *open = false;
                *next_pause = end.as_deref().and_then(|e| next(e, *tz, now));
                if resume_due.is_some() {
                    *next_resume = next(start, *tz, now);
                }
            }
        }
    }

    /// When the PAUSE timer next fires while the window is open (its end cron's next fire):
    /// the moment a group stops executing what it fetched, as Java's `pause` clears its
    /// processor's task list. `None` when closed, or open until a fetch finds no data.
    pub fn closes_at(&self) -> Option<i64> {
        self.next_pause.filter(|_| self.open && self.start.is_some())
    }

    /// An empty fetch: with no end cron the group pauses until the next start (Java's rule).
    pub fn no_data(&mut self, now: i64) {
        if self.start.is_some() && self.end.is_none() && self.is_open(now) {
            self.open = false;
        }
    }

    /// The next start and end as the server blob shows them (`yyyy-MM-dd HH:mm:ss` or the
    /// Java runtime's "pause when no data" literal), `None` without a start cron.
    pub fn describe(&self, now: i64) -> (Option<i64>, Option<Result<i64, &'static str>>) {
        let Some(start) = &self.start else { return (None, None) };
        let ns = next(start, self.tz, now);
        let ne = match &self.end {
            Some(e) => next(e, self.tz, now).map(Ok),
            None => Some(Err("当不能获取到数据的时候pause")),
        };
        (ns, ne)
    }
}

/// Timers [`open_since`] runs at most (a group's every start and end fire since its boot).
pub const MAX_STEPS: usize = 512;

/// Whether a thread group started at `boot` may process at `now`: booted as Java boots it, then
/// every timer due by `now` run in order, as the group's own timers fired. With no end cron an
/// open window lasts until a fetch finds no data, which the group alone knows. `None` when more
/// than [`MAX_STEPS`] timers lie between (a window that opens and closes every few seconds).
pub fn open_since(start: Option<&str>, end: Option<&str>, tz: Tz, boot: i64, now: i64) -> Option<bool> {
    let mut w = Window::new(start, end, tz, boot);
    for _ in 0..MAX_STEPS {
        match [w.next_resume, w.next_pause].into_iter().flatten().min() {
            // Each run reschedules every due timer after `t`: the walk moves forward.
            Some(t) if t <= now && t >= boot => {
                w.is_open(t);
            }
            _ => return Some(w.is_open(now)),
        }
    }
    None
}

/// When a listed run window closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// At this end fire.
    At(i64),
    /// At the first fetch that finds no data (no end cron, or `-1`).
    NoData,
    /// The end cron never fires again: it stays open.
    Never,
}

/// One run window as the task-type form lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// When it opens; `None`: it is open now.
    pub from: Option<i64>,
    /// When it closes.
    pub until: Until,
}

/// The next `n` run windows of a group started at `now`: [`Window`] itself is run forward from
/// transition to transition, so the list and the runtimes agree. Empty without a start cron
/// (the task type always runs) or when nothing opens.
pub fn upcoming(start: Option<&str>, end: Option<&str>, tz: Tz, now: i64, n: usize) -> Vec<Span> {
    upcoming_until(start, end, tz, now, n, i64::MAX)
}

/// [`upcoming`], stopping at `horizon`: nothing that opens after it is listed, and a window
/// still open then ends at a timer at or after it (the exact end is not searched for).
pub fn upcoming_until(start: Option<&str>, end: Option<&str>, tz: Tz, now: i64, n: usize, horizon: i64) -> Vec<Span> {
    let mut w = Window::new(start, end, tz, now);
    let mut out = Vec::new();
    if w.start.is_none() || n == 0 {
        return out;
    }
    if w.end.is_none() {
        // No end: each start opens a window that lasts until a fetch finds no data.
        if w.is_open(now) {
            out.push(Span { from: None, until: Until::NoData });
        }
        let mut t = w.next_resume;
        while let (Some(from), true) = (t, out.len() < n) {
            if from >= horizon {
                // One past the horizon: the last bar's drawn end.
                out.push(Span { from: Some(from), until: Until::NoData });
                break;
            }
            out.push(Span { from: Some(from), until: Until::NoData });
            t = w.start.as_deref().and_then(|s| next(s, tz, from));
        }
        return out;
    }
    let mut from = if w.is_open(now) { Some(None) } else { None };
    // Each step runs one timer; a start inside an open window changes nothing, so bound the walk.
    for _ in 0..10_000 {
        if out.len() == n {
            break;
        }
        let due = match (w.next_resume, w.next_pause) {
            (Some(r), Some(p)) => r.min(p),
            (Some(r), None) => r,
            (None, Some(p)) => p,
            (None, None) => break,
        };
        if due >= horizon {
            // Past the horizon nothing more opens; a window still open then is cut there (its
            // real end is at or after it).
            if w.open {
                if let Some(f) = from.take() {
                    out.push(Span { from: f, until: Until::At(due.max(horizon)) });
                }
            }
            break;
        }
        let was = w.open;
        let is = w.is_open(due);
        match (was, is) {
            (false, true) => from = Some(Some(due)),
            (true, false) => {
                if let Some(f) = from.take() {
                    out.push(Span { from: f, until: Until::At(due) });
                }
            }
            _ => {}
        }
    }
    if out.len() < n && w.open && w.next_pause.is_none() {
        if let Some(f) = from {
            out.push(Span { from: f, until: Until::Never });
        }
    }
    out
}

/// How a timeline bar ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BarKind {
    /// Opens at a start fire and closes at an end fire.
    Window,
    /// Opens at a start fire and runs until a fetch finds no data: drawn to the next start
    /// (or the horizon), hatched, because its real end is not known.
    UntilNoData,
    /// No start cron: the task type always runs.
    Always,
}

/// One bar of a task type's timeline, clipped to the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bar {
    pub from: i64,
    pub to: i64,
    pub kind: BarKind,
}

/// Bars drawn per task type at most; past that the lane says how many more there are.
pub const MAX_BARS: usize = 400;

/// A task type's run windows between `now` and `horizon` (the timeline's lane): at most
/// [`MAX_BARS`] bars, and whether more were left out. Built from [`upcoming`], so the bars are
/// the windows the runtimes will open.
pub fn lane(start: Option<&str>, end: Option<&str>, tz: Tz, now: i64, horizon: i64) -> (Vec<Bar>, bool) {
    if horizon <= now {
        return (Vec::new(), false);
    }
    if start.map(str::trim).is_none_or(str::is_empty) {
        return (vec![Bar { from: now, to: horizon, kind: BarKind::Always }], false);
    }
    let spans = upcoming_until(start, end, tz, now, MAX_BARS + 1, horizon);
    let mut bars = Vec::new();
    let mut more = false;
    for (k, sp) in spans.iter().enumerate() {
        let from = sp.from.unwrap_or(now).max(now);
        if from >= horizon {
            break;
        }
        if bars.len() == MAX_BARS {
            more = true;
            break;
        }
        let (to, kind) = match sp.until {
            Until::At(t) => (t, BarKind::Window),
            Until::Never => (horizon, BarKind::Window),
            Until::NoData => (spans.get(k + 1).and_then(|n| n.from).unwrap_or(horizon), BarKind::UntilNoData),
        };
        bars.push(Bar { from, to: to.min(horizon).max(from), kind });
    }
    (bars, more)
}

/// Where two lanes are open at once: `(from, to)` of each overlap, in time order (at most
/// [`MAX_BARS`]). A bar that runs until no data counts as open to its drawn end.
pub fn overlaps(a: &[Bar], b: &[Bar]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() && out.len() < MAX_BARS {
        let from = a[i].from.max(b[j].from);
        let to = a[i].to.min(b[j].to);
        if from < to {
            out.push((from, to));
        }
        if a[i].to <= b[j].to {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn daily_window() {
        // 2024-01-01T00:00:00Z; window 01:00-05:00 UTC
        let t0 = 1_704_067_200_000;
        let mut w = Window::new(Some("0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0);
        assert!(!w.is_open(t0));
        assert!(w.is_open(t0 + 2 * H));
        assert!(!w.is_open(t0 + 6 * H));
        assert!(w.is_open(t0 + 26 * H));
    }

    #[test]
    fn no_start_is_always_open_and_end_alone_is_ignored() {
        let mut w = Window::new(None, Some("0 0 5 * * ?"), Tz::UTC, 0);
        assert!(w.is_open(0));
    }

    /// A group's window from its own boot: a start-only cron opened at its fire after the boot
    /// stays open (until no data) though a group booted now would wait for tomorrow's; a
    /// `startrun:` group booted before an end fire is closed after it; hostile spans are bounded.
    #[test]
    fn open_since_runs_the_group_timers_from_its_boot() {
        let t0 = 1_704_067_200_000; // 2024-01-01 00:00 UTC
        let now = t0 + 10 * H; // 10:00
        let daily = Some("0 0 1 * * ?");
        assert_eq!(open_since(daily, None, Tz::UTC, t0 + 30 * 60_000, now), Some(true), "opened at 01:00");
        assert!(!Window::new(daily, None, Tz::UTC, now).is_open(now), "booted now it waits");
        assert_eq!(open_since(daily, None, Tz::UTC, t0 + 2 * H, now), Some(false), "booted after today's fire");
        let sr = Some("startrun:0 0 1 * * ?");
        assert_eq!(open_since(sr, Some("0 0 5 * * ?"), Tz::UTC, t0 + 2 * H, t0 + 4 * H), Some(true));
        assert_eq!(open_since(sr, Some("0 0 5 * * ?"), Tz::UTC, t0 + 2 * H, now), Some(false), "paused at 05:00");
        // Three days on: 01:00-05:00 windows, walked one by one.
        let w = (Some("0 0 1 * * ?"), Some("0 0 5 * * ?"));
        assert_eq!(open_since(w.0, w.1, Tz::UTC, t0 - 3 * 24 * H, t0 + 3 * H), Some(true));
        assert_eq!(open_since(w.0, w.1, Tz::UTC, t0 - 3 * 24 * H, t0 + 6 * H), Some(false));
        // Every second for a year: more timers than the bound, no answer rather than a long walk.
        let busy = (Some("0/2 * * * * ?"), Some("1/2 * * * * ?"));
        assert_eq!(open_since(busy.0, busy.1, Tz::UTC, t0 - 365 * 24 * H, t0), None);
        // A boot after now (clocks apart) or at i64 edges answers without looping.
        assert!(open_since(w.0, w.1, Tz::UTC, i64::MAX, t0).is_some());
        let _ = open_since(w.0, w.1, Tz::UTC, i64::MIN, t0);
    }

    /// The strings as Java reads them, untrimmed: what its `computerStart` cannot parse never
    /// opens (the group's start-up throws before its resume), padded or not.
    #[test]
    fn padded_values_are_read_as_java_reads_them() {
        let t0 = 1_704_067_200_000;
        let always =
            [(Some("startrun:0 0 1 * * ?"), None), (Some("STARTRUN:0 0 1 * * ?"), Some("-1")), (None, Some("-1 "))];
        for (start, end) in always {
            assert!(Window::new(start, end, Tz::UTC, t0).is_open(t0), "{start:?} {end:?} runs at once");
        }
        let never = [(Some(" startrun:0 0 1 * * ?"), None), (Some(""), None), (Some("   "), Some("-1"))];
        for (start, end) in never {
            let mut w = Window::new(start, end, Tz::UTC, t0);
            assert!((0..48).all(|h| !w.is_open(t0 + h * H)), "{start:?} {end:?} never opens");
        }
        // A start with no fire to come (aged out): Java's `computerStart` throws before any
        // timer, never opens.
        let gone =
            [(Some("startrun:0 0 0 1 1 ? 2020"), None), (Some("startrun:0 0 0 1 1 ? 2020"), Some("0 0 5 * * ?"))];
        for (start, end) in gone {
            let mut w = Window::new(start, end, Tz::UTC, t0);
            assert!((0..48).all(|h| !w.is_open(t0 + h * H)), "{start:?} {end:?} never opens");
        }
        // An end Java cannot parse, or aged out: `computerStart` throws after the RESUME timer
        // is scheduled (no immediate start, even with `startrun:`; no PAUSE timer). Closed until
        // the start's next fire (01:00), then open for good, empty fetches or not.
        let endless = [
            (Some("startrun:0 0 1 * * ?"), Some("-1 ")),
            (Some("startrun:0 0 1 * * ?"), Some("")),
            (Some("0 0 1 * * ?"), Some("0 0 0 1 1 ? 2020")),
            (Some("startrun:0 0 1 * * ?"), Some("0 0 0 1 1 ? 2020")),
            (Some("0 0 1 * * ?"), Some("startrun:0 0 5 * * ?")),
        ];
        for (start, end) in endless {
            let mut w = Window::new(start, end, Tz::UTC, t0);
            assert!(!w.is_open(t0), "{start:?} {end:?}: not at once");
            assert!(w.is_open(t0 + H + 1000), "{start:?} {end:?}: open at the start's fire");
            w.no_data(t0 + 2 * H);
            assert!((2..72).all(|h| w.is_open(t0 + h * H)), "{start:?} {end:?}: never paused again");
        }
        // A cron with spaces around it is still a cron to Java's tokenizer.
        assert!(Window::new(Some("startrun: 0 0 1 * * ? "), Some("-1"), Tz::UTC, t0).is_open(t0));
    }

    #[test]
    fn no_end_pauses_at_first_empty_fetch_until_next_start() {
        let t0 = 1_704_067_200_000;
        let mut w = Window::new(Some("startrun:0 0 1 * * ?"), Some("-1"), Tz::UTC, t0);
        assert!(w.is_open(t0), "startrun runs at once");
        w.no_data(t0 + 1000);
        assert!(!w.is_open(t0 + 2000));
        assert!(w.is_open(t0 + H + 1000), "the next start opens it again");
    }

    #[test]
    fn upcoming_windows() {
        let t0 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
        let d = 24 * H;
        let w = upcoming(Some("0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0, 3);
        assert_eq!(
            w,
            vec![
                Span { from: Some(t0 + H), until: Until::At(t0 + 5 * H) },
                Span { from: Some(t0 + d + H), until: Until::At(t0 + d + 5 * H) },
                Span { from: Some(t0 + 2 * d + H), until: Until::At(t0 + 2 * d + 5 * H) },
            ]
        );
        // Inside a window: it is open now, until its end.
        let w = upcoming(Some("0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0 + 2 * H, 2);
        assert_eq!(w[0], Span { from: None, until: Until::At(t0 + 5 * H) });
        assert_eq!(w[1], Span { from: Some(t0 + d + H), until: Until::At(t0 + d + 5 * H) });
        // Hourly starts inside a daily window do not open more windows; at 00:30 Java's rule
        // (the end after the next start is the end after now) waits for the 01:00 start.
        let w = upcoming(Some("0 0 * * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0 + 30 * 60_000, 2);
        assert_eq!(w[0], Span { from: Some(t0 + H), until: Until::At(t0 + 5 * H) });
        assert_eq!(w[1], Span { from: Some(t0 + 6 * H), until: Until::At(t0 + d + 5 * H) });
        // No end (or -1): until no data; startrun: open at once.
        let w = upcoming(Some("0 0 1 * * ?"), Some("-1"), Tz::UTC, t0, 1);
        assert_eq!(w, vec![Span { from: Some(t0 + H), until: Until::NoData }]);
        let w = upcoming(Some("startrun:0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0, 2);
        assert_eq!(w[0], Span { from: None, until: Until::At(t0 + 5 * H) });
        assert_eq!(w[1], Span { from: Some(t0 + d + H), until: Until::At(t0 + d + 5 * H) });
        // No start: always runs.
        assert!(upcoming(None, Some("0 0 5 * * ?"), Tz::UTC, t0, 3).is_empty());
    }

    #[test]
    fn lanes_and_overlaps() {
        let t0 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
        let d = 24 * H;
        let (bars, more) = lane(Some("0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0, t0 + 2 * d);
        assert!(!more);
        assert_eq!(
            bars,
            vec![
                Bar { from: t0 + H, to: t0 + 5 * H, kind: BarKind::Window },
                Bar { from: t0 + d + H, to: t0 + d + 5 * H, kind: BarKind::Window },
            ]
        );
        // Open now: from now; cut at the horizon.
        let (bars, _) = lane(Some("0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0 + 2 * H, t0 + 3 * H);
        assert_eq!(bars, vec![Bar { from: t0 + 2 * H, to: t0 + 3 * H, kind: BarKind::Window }]);
        // No end: to the next start, hatched.
        let (bars, _) = lane(Some("0 0 1,13 * * ?"), None, Tz::UTC, t0, t0 + d);
        assert_eq!(bars[0], Bar { from: t0 + H, to: t0 + 13 * H, kind: BarKind::UntilNoData });
        assert_eq!(bars[1], Bar { from: t0 + 13 * H, to: t0 + d, kind: BarKind::UntilNoData });
        // No start: always. A start every second for a week: capped, and said.
        assert_eq!(lane(None, None, Tz::UTC, t0, t0 + d).0, vec![Bar { from: t0, to: t0 + d, kind: BarKind::Always }]);
        let (bars, more) = lane(Some("* * * * * ?"), Some("-1"), Tz::UTC, t0, t0 + 7 * d);
        assert_eq!((bars.len(), more), (MAX_BARS, true));
        assert!(lane(Some("0 0 1 * * ?"), None, Tz::UTC, t0, t0).0.is_empty(), "an empty horizon");
        // Overlaps: 01-05 against 04-06.
        let (b, _) = lane(Some("0 0 4 * * ?"), Some("0 0 6 * * ?"), Tz::UTC, t0, t0 + d);
        let (a, _) = lane(Some("0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0, t0 + d);
        assert_eq!(overlaps(&a, &b), vec![(t0 + 4 * H, t0 + 5 * H)]);
        assert!(overlaps(&a, &[]).is_empty());
    }

    #[test]
    fn a_running_group_follows_its_timers_not_the_boot_rule() {
        let t0 = 1_704_067_200_000;
        // Hourly starts, daily end at 05:00; the group boots at 01:30: Java waits for 02:00.
        let mut w = Window::new(Some("0 0 * * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0 + 90 * 60_000);
        assert!(!w.is_open(t0 + 90 * 60_000));
        assert!(w.is_open(t0 + 150 * 60_000), "resumed at 02:00");
        assert!(w.is_open(t0 + 270 * 60_000), "still running at 04:30");
        assert!(!w.is_open(t0 + 330 * 60_000), "paused at 05:00 (the 05:00 start does not win)");
        assert!(w.is_open(t0 + 390 * 60_000), "resumed at 06:00");
        // After a long sleep the missed fires are skipped, as Java's timers do.
        assert!(!w.is_open(t0 + 24 * H + 5 * H + 1000));
    }
}

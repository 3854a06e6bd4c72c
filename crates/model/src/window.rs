//! The run window of a thread group (§6.6): when `permitRunStartTime` / `permitRunEndTime`
//! allow processing, judged with TBSchedule's own cron so the local runtime opens and closes
//! exactly when a Java peer would, and the diagnosis says what a Java group is doing now.

use chrono_tz::Tz;

use crate::cron::fire_times;
use crate::validate::strip_startrun;

/// A run window.
#[derive(Debug, Clone)]
pub struct Window {
    start: Option<String>,
    end: Option<String>,
    tz: Tz,
    /// For an end of `-1`/none: open from a start fire until the first empty fetch.
    armed: bool,
    next_start: Option<i64>,
    /// For `startrun:` with an end cron: open from boot until this end.
    boot_until: Option<i64>,
}

fn next(expr: &str, tz: Tz, after: i64) -> Option<i64> {
    fire_times(expr, tz, after, 1).times.first().copied()
}

impl Window {
    /// The window of a task type's two crons, as of `now` (the group's start).
    pub fn new(start: Option<&str>, end: Option<&str>, tz: Tz, now: i64) -> Window {
        let start_raw = start.map(str::trim).filter(|s| !s.is_empty());
        let startrun = start_raw.is_some_and(|s| strip_startrun(s).len() != s.len());
        let start = start_raw.map(|s| strip_startrun(s).trim().to_owned());
        // An end without a start is ignored, like Java (P21); `-1` means "until no data".
        let end = end.map(str::trim).filter(|e| !e.is_empty() && *e != "-1" && start.is_some()).map(str::to_owned);
        let mut w = Window { start, end, tz, armed: startrun, next_start: None, boot_until: None };
        if let Some(s) = &w.start {
            w.next_start = next(s, tz, now);
            if startrun {
                w.boot_until = w.end.as_ref().and_then(|e| next(e, tz, now));
            }
        }
        w
    }

    /// Whether processing is allowed at `now`.
    pub fn is_open(&mut self, now: i64) -> bool {
        let Some(start) = self.start.clone() else { return true };
        if self.boot_until.is_some_and(|u| now < u) {
            return true;
        }
        match &self.end {
            Some(end) => {
                // Inside a window when the next end comes before the end of the next window.
                let now_end = next(end, self.tz, now);
                let first_end = next(&start, self.tz, now).and_then(|s| next(end, self.tz, s));
                now_end.is_some() && now_end != first_end
            }
            None => {
                if !self.armed && self.next_start.is_some_and(|s| now >= s) {
                    self.armed = true;
                }
                self.armed
            }
        }
    }

    /// An empty fetch: with no end cron the group pauses until the next start (Java's rule).
    pub fn no_data(&mut self, now: i64) {
        if self.start.is_some() && self.end.is_none() && self.armed {
            self.armed = false;
            self.next_start = self.start.as_ref().and_then(|s| next(s, self.tz, now));
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

/// One run window as the task-type form lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// When it opens; `None`: it is open now.
    pub from: Option<i64>,
    /// When it closes; `None`: at the first fetch that finds no data (no end cron, or `-1`).
    pub until: Option<i64>,
}

/// The next `n` run windows of a start/end cron pair from `now`, with the same rules as
/// [`Window::is_open`]: a window opens at a start fire and closes at the first end fire after
/// it; starts that fire inside an open window do not open another. Empty without a start cron
/// (the task type always runs) or when a cron never fires again.
pub fn upcoming(start: Option<&str>, end: Option<&str>, tz: Tz, now: i64, n: usize) -> Vec<Span> {
    let w = Window::new(start, end, tz, now);
    let Some(start) = w.start.clone() else { return Vec::new() };
    let mut out = Vec::new();
    let mut t = now;
    if let Some(until) = w.boot_until {
        // `startrun:` opens at once and closes at the first end fire.
        out.push(Span { from: None, until: Some(until) });
        t = until;
    } else if let Some(end) = &w.end {
        let now_end = next(end, tz, now);
        let first_end = next(&start, tz, now).and_then(|s| next(end, tz, s));
        if now_end.is_some() && now_end != first_end {
            out.push(Span { from: None, until: now_end });
            t = now_end.unwrap_or(now);
        }
    } else if w.armed {
        out.push(Span { from: None, until: None });
    }
    while out.len() < n {
        let Some(from) = next(&start, tz, t) else { break };
        let until = match &w.end {
            Some(end) => match next(end, tz, from) {
                Some(u) => Some(u),
                None => {
                    out.push(Span { from: Some(from), until: None });
                    break;
                }
            },
            None => None,
        };
        out.push(Span { from: Some(from), until });
        t = until.unwrap_or(from);
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
                Span { from: Some(t0 + H), until: Some(t0 + 5 * H) },
                Span { from: Some(t0 + d + H), until: Some(t0 + d + 5 * H) },
                Span { from: Some(t0 + 2 * d + H), until: Some(t0 + 2 * d + 5 * H) },
            ]
        );
        // Inside a window: it is open now, until its end.
        let w = upcoming(Some("0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0 + 2 * H, 2);
        assert_eq!(w[0], Span { from: None, until: Some(t0 + 5 * H) });
        assert_eq!(w[1], Span { from: Some(t0 + d + H), until: Some(t0 + d + 5 * H) });
        // Hourly starts inside a daily window do not open more windows; at 00:30 Java's rule
        // (the end after the next start is the end after now) waits for the 01:00 start.
        let w = upcoming(Some("0 0 * * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0 + 30 * 60_000, 2);
        assert_eq!(w[0], Span { from: Some(t0 + H), until: Some(t0 + 5 * H) });
        assert_eq!(w[1], Span { from: Some(t0 + 6 * H), until: Some(t0 + d + 5 * H) });
        // No end (or -1): until no data; startrun: open at once.
        let w = upcoming(Some("0 0 1 * * ?"), Some("-1"), Tz::UTC, t0, 1);
        assert_eq!(w, vec![Span { from: Some(t0 + H), until: None }]);
        let w = upcoming(Some("startrun:0 0 1 * * ?"), Some("0 0 5 * * ?"), Tz::UTC, t0, 2);
        assert_eq!(w[0], Span { from: None, until: Some(t0 + 5 * H) });
        assert_eq!(w[1], Span { from: Some(t0 + d + H), until: Some(t0 + d + 5 * H) });
        // No start: always runs.
        assert!(upcoming(None, Some("0 0 5 * * ?"), Tz::UTC, t0, 3).is_empty());
    }
}

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
}

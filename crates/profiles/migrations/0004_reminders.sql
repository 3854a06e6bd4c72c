-- Reminders the user asked for (a batch pause's "remind me to resume"): raised once, by
-- whichever tbdesk process (the app or `tbdesk watch`) takes them first when due.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX reminders_by_time ON reminders (at_ms);

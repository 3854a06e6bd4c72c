-- Connection profiles. The digest password is never stored here: `has_password` only says that
-- the OS keyring holds one under service "tbdesk", account "profile:<id>".
CREATE TABLE profiles (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL UNIQUE,
    connect            TEXT    NOT NULL,
    root_path          TEXT    NOT NULL,
    session_timeout_ms INTEGER NOT NULL DEFAULT 60000,
    digest_user        TEXT,
    has_password       INTEGER NOT NULL DEFAULT 0,
    color              TEXT    NOT NULL DEFAULT 'none',
    read_only          INTEGER NOT NULL DEFAULT 0,
    local_server       INTEGER NOT NULL DEFAULT 0
);

-- Small app-wide settings (last profile, window size, theme).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

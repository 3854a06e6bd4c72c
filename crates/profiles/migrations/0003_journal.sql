-- The journal of every write tbdesk makes: one row per write, recorded before it is applied
-- (outcome 'pending') and finished after ('applied' / 'failed'), one row per node with its bytes
-- and versions before and after (NULL: the node did not exist).
CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    profile TEXT NOT NULL,
    root TEXT NOT NULL,
    who TEXT NOT NULL,
    command TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT,
    reverts INTEGER
);
CREATE INDEX journal_by_profile ON journal (profile, id);

CREATE TABLE journal_nodes (
    entry INTEGER NOT NULL REFERENCES journal (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    path TEXT NOT NULL,
    before_data BLOB,
    before_version INTEGER,
    after_data BLOB,
    after_version INTEGER,
    PRIMARY KEY (entry, seq)
);
CREATE INDEX journal_nodes_by_path ON journal_nodes (path);

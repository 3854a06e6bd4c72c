-- The zone this root's Java schedulers run in (IANA name; '' = this machine's zone), and a
-- stable, never reused id for the profile's keyring entry (account "profile:<secret_id>").
-- Row ids restart in every data dir, so keying secrets by row id made two data dirs share (and
-- overwrite, and delete, and send) each other's passwords. Existing rows get their id and
-- their entry copied at the first open after this migration (see Profiles::open).
ALTER TABLE profiles ADD COLUMN zone TEXT NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN secret_id TEXT;

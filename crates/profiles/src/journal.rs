//! The journal of tbdesk's writes, in the profile database (migration `0003_journal.sql`).
//!
//! An entry is written before its write is applied (`pending`, with every node's before-state)
//! and finished after it (`applied` or `failed`, with the after-states), so a crash between the
//! two leaves a `pending` entry rather than no trace. Retention: the newest
//! [`DEFAULT_KEEP`] entries and [`DEFAULT_DAYS`] days, or the settings `journal.keep` /
//! `journal.days`, and at most [`MAX_BYTES`] of node bytes per profile (`journal.max_bytes`;
//! a profile's newest entry always stays); older entries are removed when an entry is finished.
//!
//! **Invariant:** only node bytes, paths, versions and command names enter it, never a password
//! or a digest credential (a profile's secret lives in the keyring alone).

use sqlx::Row;
use tbdesk_model::journal::{JournalEntry, JournalNode, NodeState, Outcome};

use crate::{Error, Profiles};

/// Entries kept when `journal.keep` is not set.
pub const DEFAULT_KEEP: i64 = 10_000;
/// Days kept when `journal.days` is not set.
pub const DEFAULT_DAYS: i64 = 180;
/// The most entries one listing answers.
pub const MAX_LIST: i64 = 1_000;
/// The most node bytes (before and after) the journal keeps: a writer rewriting a large node
/// again and again, journaled as someone else's change, would otherwise fill the disk. The
/// oldest entries go first.
pub const MAX_BYTES: i64 = 256 << 20;
/// The most node bytes one listing answers (at least one entry): the history view asks for a
/// hundred entries at once.
pub const MAX_LIST_BYTES: usize = 32 << 20;

/// What an entry records before its write.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The profile.
    pub profile: &'a str,
    /// The root.
    pub root: &'a str,
    /// The command (`save_task_type`, `import`...).
    pub command: &'a str,
    /// The entry this one reverts.
    pub reverts: Option<i64>,
    /// Each node's path and state before the write.
    pub before: Vec<(String, NodeState)>,
    /// Seen by the follower, not made by tbdesk: `who` says so.
    pub external: bool,
    /// The servers the change was seen on (a follower's): the entry is refused when the
    /// profile names other servers or another root by now, so no change of one cluster is
    /// kept, and reverted, as another's.
    pub seen_on: Option<&'a str>,
}

/// The `who` of a change tbdesk saw but did not make.
pub fn not_tbdesk() -> String {
    format!("not tbdesk (seen by {})", who())
}

/// `user@host` of this process.
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(user_of_uid)
        .unwrap_or_else(|| "?".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "?".into());
    format!("{user}@{host}")
}

/// The name of this process's user from its uid (`/proc/self/status`, `/etc/passwd`): a
/// process started without `USER` (a launcher, a service) still names its user.
fn user_of_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_owned())
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Profiles {
    /// Records a write about to be applied; answers its entry id.
    pub async fn journal_begin(&self, e: &NewEntry<'_>) -> Result<i64, Error> {
        let mut tx = self.pool.begin().await?;
        // One statement, so the check and the entry are one write (a read first would hold a
        // lock that SQLite cannot upgrade while another writer waits: SQLITE_BUSY at once).
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO journal (time_ms, profile, root, who, command, outcome, reverts) \
             SELECT ?, ?, ?, ?, ?, 'pending', ? \
             WHERE ? IS NULL OR EXISTS (SELECT 1 FROM profiles WHERE name = ? AND connect = ? AND root_path = ?) \
             RETURNING id",
        )
        .bind(now_ms())
        .bind(e.profile)
        .bind(e.root)
        .bind(if e.external { not_tbdesk() } else { who() })
        .bind(e.command)
        .bind(e.reverts)
        .bind(e.seen_on)
        .bind(e.profile)
        .bind(e.seen_on)
        .bind(e.root)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(Error::Invalid {
                field: "profile",
                message: format!(
                    "{} names other servers or another root now: the change seen is not recorded",
                    e.profile
                ),
            });
        };
        for (seq, (path, before)) in e.before.iter().enumerate() {
            sqlx::query(
                "INSERT INTO journal_nodes (entry, seq, path, before_data, before_version, after_data, after_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(path)
            .bind(before.data.as_deref())
            .bind(before.version)
            // Until the write comes back, "after" is what was there.
            .bind(before.data.as_deref())
            .bind(before.version)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Finishes an entry: its outcome, why it failed, and each node's state after (in the order
    /// of [`NewEntry::before`]; `None` leaves a node's after-state as it was).
    pub async fn journal_finish(
        &self,
        id: i64,
        outcome: Outcome,
        error: Option<&str>,
        after: &[Option<NodeState>],
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE journal SET outcome = ?, error = ? WHERE id = ?")
            .bind(outcome.as_str())
            .bind(error)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (seq, state) in after.iter().enumerate() {
            let Some(state) = state else { continue };
            sqlx::query("UPDATE journal_nodes SET after_data = ?, after_version = ? WHERE entry = ? AND seq = ?")
                .bind(state.data.as_deref())
                .bind(state.version)
                .bind(id)
                .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.journal_prune().await
    }

    /// Whether tbdesk itself wrote `path` lately (within `within_ms`) leaving it at
    /// `version` (`None`: deleted), or has a write of it still pending that found it at another
    /// version: the follower's change is then its own, not someone else's. A failed write
    /// claims nothing (its before and after are the state it found, maybe someone else's).
    pub async fn journal_has_write(
        &self,
        profile: &str,
        path: &str,
        version: Option<i32>,
        within_ms: i64,
    ) -> Result<bool, Error> {
        let since = now_ms().saturating_sub(within_ms);
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT j.id FROM journal j JOIN journal_nodes n ON n.entry = j.id
             WHERE j.profile = ? AND n.path = ? AND j.command != 'external' AND j.time_ms >= ?
               AND ((j.outcome = 'applied' AND n.after_version IS ?)
                    OR (j.outcome = 'pending' AND NOT (n.before_version IS ?)))
             LIMIT 1",
        )
        .bind(profile)
        .bind(path)
        .bind(since)
        .bind(version)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Records an event with no node (following began or ended: the history shows when tbdesk
    /// was not watching).
    pub async fn journal_mark(&self, profile: &str, root: &str, command: &str) -> Result<(), Error> {
        let id = self
            .journal_begin(&NewEntry {
                profile,
                root,
                command,
                reverts: None,
                before: Vec::new(),
                external: false,
                seen_on: None,
            })
            .await?;
        self.journal_finish(id, Outcome::Applied, None, &[]).await
    }

    /// Removes entries past the retention (count and age).
    pub async fn journal_prune(&self) -> Result<(), Error> {
        let setting = |v: Option<String>, default: i64| v.and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(default);
        let keep = setting(self.setting("journal.keep").await?, DEFAULT_KEEP).max(1);
        let days = setting(self.setting("journal.days").await?, DEFAULT_DAYS).max(1);
        let max_bytes = setting(self.setting("journal.max_bytes").await?, MAX_BYTES).max(1);
        let oldest = now_ms().saturating_sub(days.saturating_mul(86_400_000));
        let mut tx = self.pool.begin().await?;
        let doomed = "SELECT id FROM journal WHERE time_ms < ? OR id <= (SELECT id FROM journal ORDER BY id DESC LIMIT 1 OFFSET ?)";
        sqlx::query(&format!("DELETE FROM journal_nodes WHERE entry IN ({doomed})"))
            .bind(oldest)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("DELETE FROM journal WHERE id IN ({doomed})"))
            .bind(oldest)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        // Then by bytes, each profile on its own (one profile's churn never evicts another's
        // history): a profile's newest entries whose node bytes add up to MAX_BYTES (or the
        // setting `journal.max_bytes`) stay, and its newest always (it may be reverted next).
        let over = "SELECT id FROM (SELECT j.id AS id, j.profile AS profile, \
             SUM(SUM(COALESCE(length(n.before_data), 0) + COALESCE(length(n.after_data), 0))) \
             OVER (PARTITION BY j.profile ORDER BY j.id DESC) AS running \
             FROM journal j JOIN journal_nodes n ON n.entry = j.id GROUP BY j.id) AS s \
             WHERE running > ? AND id < (SELECT MAX(k.id) FROM journal k WHERE k.profile = s.profile)";
        let doomed: Vec<i64> = sqlx::query_scalar(over).bind(max_bytes).fetch_all(&mut *tx).await?;
        for ids in doomed.chunks(500) {
            let marks = vec!["?"; ids.len()].join(",");
            for table in ["DELETE FROM journal_nodes WHERE entry IN", "DELETE FROM journal WHERE id IN"] {
                let sql = format!("{table} ({marks})");
                let mut q = sqlx::query(&sql);
                for id in ids {
                    q = q.bind(id);
                }
                q.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A profile's entries, newest first, at most `limit` (≤ [`MAX_LIST`]); with `path`, only
    /// those that touched that node.
    pub async fn journal_list(
        &self,
        profile: &str,
        path: Option<&str>,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, Error> {
        let limit = limit.clamp(1, MAX_LIST);
        let ids: Vec<i64> = match path {
            Some(p) => {
                sqlx::query_scalar(
                    "SELECT DISTINCT j.id FROM journal j JOIN journal_nodes n ON n.entry = j.id WHERE j.profile = ? AND n.path = ? ORDER BY j.id DESC LIMIT ?",
                )
                .bind(profile)
                .bind(p)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_scalar("SELECT id FROM journal WHERE profile = ? ORDER BY id DESC LIMIT ?")
                    .bind(profile)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let mut out = Vec::with_capacity(ids.len());
        let mut bytes = 0usize;
        for id in ids {
            let e = self.journal_get(profile, id).await?;
            bytes = bytes.saturating_add(e.nodes.iter().map(JournalNode::bytes).sum::<usize>());
            if bytes > MAX_LIST_BYTES && !out.is_empty() {
                break;
            }
            out.push(e);
        }
        Ok(out)
    }

    /// One entry of a profile.
    pub async fn journal_get(&self, profile: &str, id: i64) -> Result<JournalEntry, Error> {
        let row = sqlx::query("SELECT * FROM journal WHERE id = ? AND profile = ?")
            .bind(id)
            .bind(profile)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::Invalid {
                field: "entry",
                message: format!("no journal entry {id} for profile {profile:?}"),
            })?;
        let nodes = sqlx::query("SELECT * FROM journal_nodes WHERE entry = ? ORDER BY seq")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|n| {
                Ok(JournalNode {
                    path: n.try_get("path")?,
                    before: NodeState { data: n.try_get("before_data")?, version: n.try_get("before_version")? },
                    after: NodeState { data: n.try_get("after_data")?, version: n.try_get("after_version")? },
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(JournalEntry {
            id,
            time_ms: row.try_get("time_ms")?,
            profile: row.try_get("profile")?,
            root: row.try_get("root")?,
            who: row.try_get("who")?,
            command: row.try_get("command")?,
            outcome: Outcome::parse(&row.try_get::<String, _>("outcome")?),
            error: row.try_get("error")?,
            reverts: row.try_get("reverts")?,
            nodes,
        })
    }
}

//! Connection profiles ("environments") in SQLite, with digest passwords only in the OS keyring.
//!
//! **Invariant:** a password lives only in the keyring (service `tbdesk`, account
//! `profile:<secret id>`, a UUID stored with the profile and never reused, so two data dirs
//! never share an entry): never in SQLite, logs, events or `Debug` output. SQLite records only
//! that one exists.
//!
//! # Layout
//! - [`Profiles`]: the SQLite registry (sqlx, embedded migrations in `migrations/`).
//! - [`secret`]: the keyring side.
//! - [`journal`]: the record of every write tbdesk makes, for history and revert.

pub mod journal;
pub mod secret;

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

/// Reminders kept waiting at once, whatever asks for more.
pub const MAX_REMINDERS: i64 = 100;

/// Errors of the profile registry; each names the field or the store that failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field of a profile breaks a rule.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong, for a person.
        message: String,
    },
    /// No profile of that name or id.
    #[error("no profile named {0:?}")]
    NotFound(String),
    /// A profile of that name exists already.
    #[error("a profile named {0:?} exists already")]
    Duplicate(String),
    /// The SQLite file could not be opened, migrated or queried.
    #[error("profile database: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("profile database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The OS keyring refused or is unavailable.
    #[error("keyring: {0}")]
    Keyring(String),
}

pub use tbdesk_model::profile::{Profile, ProfileFields, ProfileViolation, COLORS};

impl From<Error> for tbdesk_model::wire::ApiError {
    fn from(e: Error) -> Self {
        use tbdesk_model::wire::ErrorCode;
        let code = match &e {
            Error::Invalid { .. } => ErrorCode::Invalid,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Duplicate(_) => ErrorCode::Duplicate,
            Error::Keyring(_) => ErrorCode::Keyring,
            Error::Db(_) | Error::Migrate(_) => ErrorCode::Database,
        };
        tbdesk_model::wire::ApiError::new(code, e.to_string())
    }
}

impl From<ProfileViolation> for Error {
    fn from(v: ProfileViolation) -> Self {
        Error::Invalid { field: v.field, message: v.message }
    }
}

/// The SQLite registry of profiles.
#[derive(Clone)]
pub struct Profiles {
    pool: SqlitePool,
}

impl Profiles {
    /// Opens (creating if missing) and migrates the database file.
    pub async fn open(path: &Path) -> Result<Self, Error> {
        // The path as a file name, never a URL: a `?` or `%` in a data directory stays itself.
        let opts = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let pool = SqlitePoolOptions::new().max_connections(2).connect_with(opts).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let me = Profiles { pool };
        me.migrate_secret_ids().await?;
        Ok(me)
    }

    /// Gives every profile without one its secret id. Its password is **not** copied from the
    /// old entry (`profile:<row id>`): that name was shared by every data directory, so the
    /// entry may hold another directory's profile's password, which must never be sent to this
    /// profile's server. The profile reads without it until its password is entered again (the
    /// console refuses its writes, naming the digest user). The old entry is left in place for
    /// an older tbdesk that may still read it.
    async fn migrate_secret_ids(&self) -> Result<(), Error> {
        let rows: Vec<(i64, bool)> = sqlx::query_as("SELECT id, has_password FROM profiles WHERE secret_id IS NULL")
            .fetch_all(&self.pool)
            .await?;
        for (id, has_password) in rows {
            let sid = new_secret_id();
            if has_password {
                tracing::warn!(
                    profile = id,
                    "a password stored under the old shared keyring name is not adopted; enter it again"
                );
                sqlx::query("UPDATE profiles SET has_password = 0 WHERE id = ?").bind(id).execute(&self.pool).await?;
            }
            sqlx::query("UPDATE profiles SET secret_id = ? WHERE id = ? AND secret_id IS NULL")
                .bind(&sid)
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// All profiles, by name.
    pub async fn list(&self) -> Result<Vec<Profile>, Error> {
        let rows = sqlx::query("SELECT * FROM profiles ORDER BY name").fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// The profile called `name`.
    pub async fn get(&self, name: &str) -> Result<Profile, Error> {
        let row = sqlx::query("SELECT * FROM profiles WHERE name = ?").bind(name).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()?.ok_or_else(|| Error::NotFound(name.into()))
    }

    /// The profile with row id `id` (a rename keeps it), `None` when it was deleted.
    pub async fn by_id(&self, id: i64) -> Result<Option<Profile>, Error> {
        let row = sqlx::query("SELECT * FROM profiles WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Creates a profile; a password goes to the keyring, and the row is removed again if the
    /// keyring refuses, so nothing is half-written.
    pub async fn create(&self, f: &ProfileFields, password: Option<&str>) -> Result<Profile, Error> {
        let f = &f.normalized();
        f.validate()?;
        password_rule(f, password)?;
        let password = password.filter(|p| !p.is_empty());
        let sid = new_secret_id();
        let res = sqlx::query(
            "INSERT INTO profiles (name, connect, root_path, session_timeout_ms, digest_user, \
             has_password, color, read_only, local_server, zone, secret_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&f.name)
        .bind(&f.connect)
        .bind(&f.root_path)
        .bind(f.session_timeout_ms)
        .bind(&f.digest_user)
        .bind(password.is_some())
        .bind(&f.color)
        .bind(f.read_only)
        .bind(f.local_server)
        .bind(&f.zone)
        .bind(&sid)
        .execute(&self.pool)
        .await;
        let id = match res {
            Ok(r) => r.last_insert_rowid(),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(Error::Duplicate(f.name.clone())),
            Err(e) => return Err(e.into()),
        };
        if let Some(pw) = password {
            if let Err(e) = secret::store(&sid, pw).await {
                sqlx::query("DELETE FROM profiles WHERE id = ?").bind(id).execute(&self.pool).await?;
                return Err(e);
            }
        }
        self.get(&f.name).await
    }

    /// Changes a profile's fields (it may be renamed). `password`: `None` keeps the stored one,
    /// `Some("")` removes it, `Some(p)` replaces it.
    ///
    /// A new password goes to a **new** keyring entry, named in the same row as the servers it
    /// was typed for, so the row's commit pairs them: a commit that fails (the database busy,
    /// the process killed) leaves the old row naming the old entry, and the new password never
    /// reaches the old servers. The old entry is removed after the commit; a removal that fails
    /// leaves an entry no row names.
    pub async fn update(&self, name: &str, f: &ProfileFields, password: Option<&str>) -> Result<Profile, Error> {
        let f = &f.normalized();
        f.validate()?;
        password_rule(f, password)?;
        let old = self.get(name).await?;
        if password.is_some() && old.secret_id.is_empty() {
            return Err(Error::Keyring(
                "this profile's keyring entry is not migrated yet (the keyring was unavailable when the profiles were opened); restart with the keyring available".into(),
            ));
        }
        // The password was entered for the old servers and user: it never follows the profile
        // to a server or a user it was not given for.
        if password.is_none() && old.has_password && !old.fields.keeps_password_for(f) {
            return Err(Error::Invalid {
                field: "password",
                message: "the profile now names a server or digest user its stored password was not entered for: \
                          type the password again (or clear it)"
                    .into(),
            });
        }
        let has_password = match password {
            None => old.has_password,
            Some("") => false,
            Some(_) => true,
        };
        // Only a new password names a new entry; any other edit leaves the column as it is now
        // (another process may have changed the password since `old` was read).
        let new_sid = password.filter(|pw| !pw.is_empty()).map(|_| new_secret_id());
        // The new entry is written before the transaction opens: a keyring that waits (an
        // unlock prompt) never holds the database's write lock meanwhile.
        if let (Some(sid), Some(pw)) = (&new_sid, password) {
            secret::store(sid, pw).await?;
        }
        let forget_new = || async {
            if let Some(sid) = &new_sid {
                let _ = secret::remove(sid).await;
            }
        };
        let mut tx = match self.pool.begin().await {
            Ok(tx) => tx,
            Err(e) => {
                forget_new().await;
                return Err(e.into());
            }
        };
        let res = sqlx::query(
            "UPDATE profiles SET name = ?, connect = ?, root_path = ?, session_timeout_ms = ?, digest_user = ?, \
             has_password = ?, color = ?, read_only = ?, local_server = ?, zone = ?, secret_id = COALESCE(?, secret_id) WHERE id = ?",
        )
        .bind(&f.name)
        .bind(&f.connect)
        .bind(&f.root_path)
        .bind(f.session_timeout_ms)
        .bind(&f.digest_user)
        .bind(has_password)
        .bind(&f.color)
        .bind(f.read_only)
        .bind(f.local_server)
        .bind(&f.zone)
        .bind(&new_sid)
        .bind(old.id)
        .execute(&mut *tx)
        .await;
        match res {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                drop(tx);
                forget_new().await;
                return Err(Error::Duplicate(f.name.clone()));
            }
            Err(e) => {
                drop(tx);
                forget_new().await;
                return Err(e.into());
            }
        }
        // The journal and reminders are kept by profile name: they follow a rename, and a
        // profile pointed at another server or root leaves its history behind (a revert must
        // never write one cluster's bytes into another).
        let moved = async {
            if old.fields.connect != f.connect || old.fields.root_path != f.root_path {
                detach_history(&mut tx, &old.fields.name).await?;
            } else if old.fields.name != f.name {
                for table in ["journal", "reminders"] {
                    sqlx::query(&format!("UPDATE {table} SET profile = ? WHERE profile = ?"))
                        .bind(&f.name)
                        .bind(&old.fields.name)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            Ok::<_, Error>(())
        }
        .await;
        let committed = match moved {
            Ok(()) => tx.commit().await.map_err(Error::from),
            Err(e) => {
                // Rolled back before the keyring is asked to forget the new entry.
                drop(tx);
                Err(e)
            }
        };
        if let Err(e) = committed {
            forget_new().await;
            return Err(e);
        }
        if password.is_some() && old.has_password {
            if let Err(e) = secret::remove(&old.secret_id).await {
                tracing::warn!(profile = %f.name, error = %e, "the replaced password's keyring entry is left (no profile names it)");
            }
        }
        self.get(&f.name).await
    }

    /// Deletes a profile and its keyring entry. The entry is removed first, outside the
    /// transaction (a keyring that waits never holds the database's write lock): a keyring
    /// that refuses keeps the profile, and a commit that fails puts the password back, so the
    /// row never outlives its password. A password the keyring cannot give back could not be
    /// put back: then the row goes first, and the entry after (a failure there leaves an entry
    /// no row names).
    pub async fn delete(&self, name: &str) -> Result<(), Error> {
        let p = self.get(name).await?;
        let remove_row = || async {
            let mut tx = self.pool.begin().await?;
            sqlx::query("DELETE FROM profiles WHERE id = ?").bind(p.id).execute(&mut *tx).await?;
            // A profile created later under this name must not inherit this one's history.
            detach_history(&mut tx, &p.fields.name).await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        };
        if p.has_password && p.secret_id.is_empty() {
            // Its entry still has the old, shared name: removing it could remove another data
            // dir's. Leave the keyring alone.
            tracing::warn!(profile = %p.fields.name, "deleting a profile whose keyring entry was never migrated; the entry is left");
            return remove_row().await;
        }
        if !p.has_password {
            return remove_row().await;
        }
        let Ok(kept) = secret::load(&p.secret_id).await else {
            remove_row().await?;
            if let Err(e) = secret::remove(&p.secret_id).await {
                tracing::warn!(profile = %p.fields.name, "profile deleted; its keyring entry could not be removed: {e}");
            }
            return Ok(());
        };
        secret::remove(&p.secret_id).await?;
        if let Err(e) = remove_row().await {
            if let Err(back) = secret::store(&p.secret_id, &kept).await {
                tracing::warn!(profile = %p.fields.name, "the profile stays but its password could not be put back: {back}");
            }
            return Err(e);
        }
        Ok(())
    }

    /// The profile's password from the keyring, `None` when it has none.
    pub async fn password(&self, p: &Profile) -> Result<Option<String>, Error> {
        if !p.has_password {
            return Ok(None);
        }
        if p.secret_id.is_empty() {
            return Err(Error::Keyring(
                "this profile's keyring entry is not migrated yet (the keyring was unavailable); reopen".into(),
            ));
        }
        secret::load(&p.secret_id).await.map(Some)
    }

    /// Reads an app setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?").bind(key).fetch_optional(&self.pool).await?)
    }

    /// Keeps a reminder for `at_ms` (at most [`MAX_REMINDERS`] wait at once).
    pub async fn add_reminder(&self, profile: &str, at_ms: i64, title: &str, body: &str) -> Result<(), Error> {
        // One statement: two processes adding at once never pass the bound together.
        let added = sqlx::query(
            "INSERT INTO reminders (profile, at_ms, title, body) SELECT ?, ?, ?, ? \
             WHERE (SELECT COUNT(*) FROM reminders) < ?",
        )
        .bind(profile)
        .bind(at_ms)
        .bind(title)
        .bind(body)
        .bind(MAX_REMINDERS)
        .execute(&self.pool)
        .await?;
        if added.rows_affected() == 0 {
            return Err(Self::reminders_full());
        }
        Ok(())
    }

    fn reminders_full() -> Error {
        Error::Invalid {
            field: "reminder",
            message: format!("{MAX_REMINDERS} reminders are waiting already; no more is kept"),
        }
    }

    /// Refuses when no more reminder can be kept (asked before the write it would follow).
    pub async fn reminder_room(&self) -> Result<(), Error> {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reminders").fetch_one(&self.pool).await?;
        if waiting >= MAX_REMINDERS {
            return Err(Self::reminders_full());
        }
        Ok(())
    }

    /// Takes the reminders due by `now_ms` out (one statement each: two processes never both
    /// get one), oldest first: `(profile, title, body)`; only those of `only` unless it is empty.
    pub async fn take_due_reminders(
        &self,
        now_ms: i64,
        only: &[String],
    ) -> Result<Vec<(String, String, String)>, Error> {
        let mut rows: Vec<(i64, String, String, String)> = Vec::new();
        if only.is_empty() {
            rows = sqlx::query_as("DELETE FROM reminders WHERE at_ms <= ? RETURNING at_ms, profile, title, body")
                .bind(now_ms)
                .fetch_all(&self.pool)
                .await?;
        }
        for p in only {
            rows.extend(
                sqlx::query_as::<_, (i64, String, String, String)>(
                    "DELETE FROM reminders WHERE at_ms <= ? AND profile = ? RETURNING at_ms, profile, title, body",
                )
                .bind(now_ms)
                .bind(p)
                .fetch_all(&self.pool)
                .await?,
            );
        }
        rows.sort_by_key(|r| r.0);
        Ok(rows.into_iter().map(|(_, p, t, b)| (p, t, b)).collect())
    }

    /// Writes an app setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Profile, Error> {
    Ok(Profile {
        id: r.try_get("id")?,
        secret_id: r.try_get::<Option<String>, _>("secret_id")?.unwrap_or_default(),
        has_password: r.try_get("has_password")?,
        fields: ProfileFields {
            name: r.try_get("name")?,
            connect: r.try_get("connect")?,
            root_path: r.try_get("root_path")?,
            session_timeout_ms: r.try_get("session_timeout_ms")?,
            digest_user: r.try_get("digest_user")?,
            color: r.try_get("color")?,
            read_only: r.try_get("read_only")?,
            local_server: r.try_get("local_server")?,
            zone: r.try_get("zone")?,
        },
    })
}

/// A new secret id: a random (v4) UUID, unique across data dirs.
fn new_secret_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A password only with a digest user ([`tbdesk_model::profile::password_violation`]).
fn password_rule(f: &ProfileFields, password: Option<&str>) -> Result<(), Error> {
    match tbdesk_model::profile::password_violation(f, password) {
        Some(v) => Err(Error::Invalid { field: v.field, message: v.message }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(name: &str) -> ProfileFields {
        ProfileFields {
            name: name.into(),
            connect: "127.0.0.1:2181".into(),
            root_path: "/tbschedule/dev".into(),
            session_timeout_ms: 60000,
            digest_user: None,
            color: "none".into(),
            read_only: false,
            local_server: false,
            zone: String::new(),
        }
    }

    #[tokio::test]
    async fn create_list_delete_survives_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("p.sqlite");
        let p = Profiles::open(&db).await.expect("open");
        p.create(&fields("dev"), None).await.expect("create");
        assert!(matches!(p.create(&fields("dev"), None).await, Err(Error::Duplicate(_))));
        drop(p);
        let p = Profiles::open(&db).await.expect("reopen");
        let all = p.list().await.expect("list");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].fields, fields("dev"));
        let mut renamed = fields("dev2");
        renamed.read_only = true;
        let up = p.update("dev", &renamed, None).await.expect("update");
        assert_eq!(up.fields, renamed);
        assert!(matches!(p.get("dev").await, Err(Error::NotFound(_))));
        p.create(&fields("other"), None).await.expect("create");
        assert!(matches!(p.update("dev2", &fields("other"), None).await, Err(Error::Duplicate(_))));
        p.delete("dev2").await.expect("delete");
        p.delete("other").await.expect("delete");
        assert!(p.list().await.expect("list").is_empty());
    }

    #[test]
    fn validation_names_the_field() {
        let mut f = fields("x");
        f.connect = "nohost".into();
        assert!(matches!(f.validate().map_err(Error::from), Err(Error::Invalid { field: "connect", .. })));
        let mut f = fields("x");
        f.root_path = "rel".into();
        assert!(matches!(f.validate().map_err(Error::from), Err(Error::Invalid { field: "root_path", .. })));
        let mut f = fields("x");
        f.session_timeout_ms = 5;
        assert!(matches!(f.validate().map_err(Error::from), Err(Error::Invalid { field: "session_timeout_ms", .. })));
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// Any profile input is accepted or refused with a named field; never a panic.
        #[test]
        fn profile_fields_never_panic(
            name in "\\PC{0,20}", connect in "[a-z0-9.:,\\[\\] ]{0,30}", root in "[/a-z.\\x00 ]{0,20}",
            timeout in any::<i64>(), user in proptest::option::of("[a-z:]{0,6}"), color in "[a-z]{0,10}", zone in "[A-Za-z/_ ]{0,20}",
        ) {
            let f = ProfileFields { name, connect, root_path: root, session_timeout_ms: timeout, digest_user: user, color, read_only: false, local_server: false, zone };
            if let Err(ProfileViolation { field, .. }) = f.validate() {
                prop_assert!(["name", "connect", "root_path", "session_timeout_ms", "digest_user", "color", "zone"].contains(&field));
            }
        }
    }
}

/// Leaves a profile's journal entries to no profile (the empty name, which no profile can
/// have: `ProfileFields::validate`) and drops its reminders. The entries stay until the
/// journal's own limits prune them, but no history, revert or reminder finds them again.
async fn detach_history(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, name: &str) -> Result<(), Error> {
    sqlx::query("UPDATE journal SET profile = '' WHERE profile = ?").bind(name).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM reminders WHERE profile = ?").bind(name).execute(&mut **tx).await?;
    Ok(())
}

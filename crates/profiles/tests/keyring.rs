//! Secrets in the real OS keyring (secret-service over D-Bus; `scripts/test` runs every test
//! inside a private D-Bus session with an unlocked gnome-keyring): two data dirs side by side
//! never share, overwrite or delete each other's passwords, and old entries are migrated.

use tbdesk_profiles::{ProfileFields, Profiles};

fn fields(name: &str) -> ProfileFields {
    ProfileFields {
        name: name.into(),
        connect: "127.0.0.1:2181".into(),
        root_path: "/tbs/x".into(),
        session_timeout_ms: 60_000,
        digest_user: Some("ScheduleAdmin".into()),
        color: "none".into(),
        read_only: false,
        local_server: false,
        zone: "UTC".into(),
    }
}

#[tokio::test]
async fn two_data_dirs_never_share_a_secret() {
    let (a, b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let pa = Profiles::open(&a.path().join("profiles.sqlite")).await.expect("open a");
    let pb = Profiles::open(&b.path().join("profiles.sqlite")).await.expect("open b");
    let prod = pa.create(&fields("prod"), Some("prod-secret")).await.expect("prod in A");
    let dev = pb.create(&fields("dev"), Some("dev-secret")).await.expect("dev in B");
    assert_eq!(prod.id, dev.id, "the same row id in both dirs: the case that leaked before");
    assert_ne!(prod.secret_id, dev.secret_id);
    assert_eq!(pa.password(&prod).await.expect("read").as_deref(), Some("prod-secret"), "B did not overwrite A");
    assert_eq!(pb.password(&dev).await.expect("read").as_deref(), Some("dev-secret"));
    pb.delete("dev").await.expect("delete in B");
    let prod = pa.get("prod").await.expect("prod");
    assert_eq!(pa.password(&prod).await.expect("read").as_deref(), Some("prod-secret"), "B's delete left A's entry");
    pa.delete("prod").await.expect("clean up");
    tbdesk_tests::report::record(
        "secrets",
        "two data dirs side by side, same row ids: create, read, delete in one",
        1,
        "each keeps its own keyring entry (keyed by a unique secret id); nothing shared",
    );
}

/// A profile stored before secret ids: the entry of the old scheme (`profile:<row id>`, a name
/// every data dir shared, so possibly another dir's password) is not adopted; the profile gets
/// its own id and no password until one is entered; the old entry stays for older versions.
#[tokio::test]
async fn old_entries_are_migrated() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("profiles.sqlite");
    let p = Profiles::open(&db).await.expect("open");
    let created = p.create(&fields("legacy"), None).await.expect("create");
    drop(p);
    // Make it look like a profile of the old scheme (row id 1000 keeps clear of real ones).
    let legacy = keyring::Entry::new("tbdesk", "profile:1000").expect("entry");
    legacy.set_password("legacy-secret").expect("legacy entry");
    {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.expect("sqlite");
        sqlx::query("UPDATE profiles SET id = 1000, secret_id = NULL, has_password = 1 WHERE id = ?")
            .bind(created.id)
            .execute(&mut conn)
            .await
            .expect("old row");
    }
    let p = Profiles::open(&db).await.expect("reopen migrates");
    let migrated = p.get("legacy").await.expect("get");
    assert!(!migrated.secret_id.is_empty());
    assert!(!migrated.has_password, "no password adopted from a shared name");
    assert_eq!(p.password(&migrated).await.expect("read"), None);
    assert_eq!(legacy.get_password().ok().as_deref(), Some("legacy-secret"), "the old entry is left in place");
    p.delete("legacy").await.expect("delete");
    let _ = legacy.delete_credential();
}

/// An update refused by SQLite (a rename onto another profile's name) leaves the keyring as it
/// was: neither a removal nor a new password lands for a profile whose row did not change.
#[tokio::test]
async fn a_refused_update_changes_no_password() {
    let dir = tempfile::tempdir().expect("dir");
    let p = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("open");
    p.create(&fields("dev"), Some("dev-secret")).await.expect("dev");
    p.create(&fields("other"), None).await.expect("other");
    for pw in [Some(""), Some("new-secret")] {
        let err = p.update("dev", &fields("other"), pw).await.expect_err("a duplicate name");
        assert!(err.to_string().contains("other"), "{err}");
        let dev = p.get("dev").await.expect("dev kept");
        assert!(dev.has_password);
        assert_eq!(p.password(&dev).await.expect("read").as_deref(), Some("dev-secret"), "{pw:?} reached the keyring");
    }
    tbdesk_tests::report::record(
        "secrets",
        "a profile update refused (a rename onto another profile's name) that removes or replaces the password",
        2,
        "the keyring untouched: the old password still read",
    );
    p.delete("dev").await.expect("clean up");
    p.delete("other").await.expect("clean up");
}

/// A password goes only to the servers and user it was entered for: an edit that removes a
/// server keeps it; one that adds or swaps a server, or names another digest user, without a
/// new password is refused at the password field and changes nothing.
#[tokio::test]
async fn a_password_never_follows_a_profile_to_other_servers() {
    let dir = tempfile::tempdir().expect("dir");
    let p = Profiles::open(&dir.path().join("profiles.sqlite")).await.expect("open");
    let mut two = fields("prod");
    two.connect = "zk1:2181,ZK2:2181".into();
    p.create(&two, Some("prod-secret")).await.expect("prod");
    let refused = [
        ("zk1:2181,zk2:2181,evil:2181", None),
        ("evil:2181", None),
        ("zk1:2182", None),
        ("zk1:2181", Some("someone-else")),
    ];
    for (connect, user) in refused {
        let mut f = two.clone();
        f.connect = connect.into();
        if let Some(u) = user {
            f.digest_user = Some(u.into());
        }
        let err = p.update("prod", &f, None).await.expect_err(connect);
        assert!(err.to_string().starts_with("password: "), "{err}");
        let kept = p.get("prod").await.expect("prod");
        assert_eq!(kept.fields.connect, "zk1:2181,ZK2:2181", "the refused edit changed nothing");
        assert_eq!(p.password(&kept).await.expect("read").as_deref(), Some("prod-secret"));
    }
    // With the password typed again, the move is the user's choice.
    let mut moved = two.clone();
    moved.connect = "zk1:2181,zk3:2181".into();
    let again = p.update("prod", &moved, Some("prod-secret-2")).await.expect("typed again");
    assert_eq!(p.password(&again).await.expect("read").as_deref(), Some("prod-secret-2"));
    // Removing a server (and spelling the rest differently) keeps it.
    let mut fewer = moved.clone();
    fewer.connect = " ZK3:2181 ".into();
    let kept = p.update("prod", &fewer, None).await.expect("a server removed");
    assert!(kept.has_password);
    assert_eq!(p.password(&kept).await.expect("read").as_deref(), Some("prod-secret-2"));
    p.delete("prod").await.expect("clean up");
    tbdesk_tests::report::record(
        "secrets",
        "a profile edited to add or swap a server, or another digest user, without a new password",
        refused.len(),
        "refused at the password field, nothing changed; removing a server keeps the password",
    );
}

/// A data directory is a path, never a URL: `%41` stays three characters, `?` is no query.
#[tokio::test]
async fn a_data_dir_with_url_characters_is_used_as_named() {
    let dir = tempfile::tempdir().expect("dir");
    for name in ["a%41b", "x?y", "sp ace#1"] {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).expect("mkdir");
        let db = sub.join("profiles.sqlite");
        let p = Profiles::open(&db).await.expect(name);
        p.create(&fields("dev"), None).await.expect("create");
        drop(p);
        assert!(db.is_file(), "{name}: the database is not where asked");
        let p = Profiles::open(&db).await.expect("reopen");
        assert_eq!(p.get("dev").await.expect("the profile is found again").fields.name, "dev");
    }
    assert!(!dir.path().join("aAb").exists(), "a percent-decoded directory was used");
}

/// A new password is typed with new servers, and the commit of that row fails (another process
/// holds the database: SQLITE_BUSY). The profile keeps its old servers, and with them the old
/// password: the one typed for the new servers is never sent to the old ones.
#[tokio::test]
async fn a_failed_commit_never_pairs_a_new_password_with_the_old_servers() {
    use sqlx::{ConnectOptions, Connection};
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("profiles.sqlite");
    let p = Profiles::open(&db).await.expect("open");
    let mut a = fields("prod");
    a.connect = "zk-a:2181".into();
    p.create(&a, Some("a-secret")).await.expect("prod on A");
    // Another process reading the profiles in a transaction: SQLite's shared lock, which a
    // writer's commit waits on (5 s) and then fails.
    let mut other = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.expect("sqlite");
    let mut tx = other.begin().await.expect("begin");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM profiles").fetch_one(&mut *tx).await.expect("read");
    assert_eq!(n, 1);
    let mut b = a.clone();
    b.connect = "zk-b:2181".into();
    let err = p.update("prod", &b, Some("b-secret")).await.expect_err("the commit cannot take the lock");
    tx.rollback().await.expect("release");
    let kept = p.get("prod").await.expect("prod");
    assert_eq!(kept.fields.connect, "zk-a:2181", "{err}");
    assert_eq!(
        p.password(&kept).await.expect("read").as_deref(),
        Some("a-secret"),
        "B's password would go to A's server"
    );
    // Typed again once the database is free, the move lands with its password, and the old
    // entry is gone.
    let moved = p.update("prod", &b, Some("b-secret")).await.expect("update");
    assert_eq!(moved.fields.connect, "zk-b:2181");
    assert_eq!(p.password(&moved).await.expect("read").as_deref(), Some("b-secret"));
    assert_ne!(moved.secret_id, kept.secret_id);
    let old = keyring::Entry::new("tbdesk", &format!("profile:{}", kept.secret_id)).expect("entry");
    assert!(matches!(old.get_password(), Err(keyring::Error::NoEntry)), "the replaced entry is removed");
    // Clearing the password removes its entry.
    let cleared = p.update("prod", &b, Some("")).await.expect("clear");
    assert_eq!(p.password(&cleared).await.expect("read"), None);
    let gone = keyring::Entry::new("tbdesk", &format!("profile:{}", moved.secret_id)).expect("entry");
    assert!(matches!(gone.get_password(), Err(keyring::Error::NoEntry)), "the cleared entry is removed");
    p.delete("prod").await.expect("clean up");
    tbdesk_tests::report::record(
        "secrets",
        "a profile moved to other servers with a new password, the row's commit failing (database busy)",
        1,
        "the old servers keep the old password; the new one lands only with the new servers",
    );
}

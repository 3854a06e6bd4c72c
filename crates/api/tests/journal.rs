//! The journal on a real ZooKeeper: every write recorded with its bytes before and after (a
//! failed one as failed), revert refused with the three versions when the node changed since,
//! revert of the last change restoring the old bytes, an import of 50 objects reverting all or
//! nothing, a read-only profile refusing a revert, retention, no secret in the database, and the
//! node inspector on a binary foreign node and an ACL-protected one.

use tbdesk_api::{Console, ErrorCode};
use tbdesk_model::inspect::Shown;
use tbdesk_model::journal::Outcome;
use tbdesk_model::records::TaskType;
use tbdesk_model::wire::cmd;
use tbdesk_store::Expect;
use tbdesk_zkserver::ZkServer;
use zookeeper_client as zk;

const ROOT: &str = "/journal/root";

fn task_type(name: &str, threads: i64) -> TaskType {
    TaskType {
        base_task_type: Some(name.into()),
        heart_beat_rate: 1000,
        judge_dead_interval: 6000,
        thread_number: threads,
        deal_bean_name: Some("bean".into()),
        task_items: Some(vec!["0".into(), "1".into()]),
        ..TaskType::default()
    }
}

/// A ZooKeeper, a client of it, a console in a fresh data dir and profile `p` (colour `color`)
/// on [`ROOT`]; keep the server and the dir alive with the console.
async fn setup(color: &str) -> (ZkServer, zk::Client, tempfile::TempDir, Console, tbdesk_profiles::ProfileFields) {
    setup_named("p", color).await
}

async fn setup_named(
    name: &str,
    color: &str,
) -> (ZkServer, zk::Client, tempfile::TempDir, Console, tbdesk_profiles::ProfileFields) {
    let server = ZkServer::start().expect("zk");
    let c = tbdesk_tests::zk::client(&server).await;
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let mut fields = tbdesk_tests::profile_fields(name, &server.connect_string(), ROOT);
    fields.color = color.into();
    console.profiles().create(&fields, None).await.expect("profile");
    (server, c, dir, console, fields)
}

async fn bytes(c: &zk::Client, path: &str) -> (Vec<u8>, i32) {
    let (d, s) = c.get_data(path).await.expect("node");
    (d, s.version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_journaled_and_reverted_with_version_checks() {
    let (_server, c, _dir, console, fields) = setup("none").await;
    assert!(!console.confirm_write("p", None, "").await.expect("asks"), "only production asks for the name");
    console.init_root("p").await.expect("init");
    let path = format!("{ROOT}/baseTaskType/Job");

    // Create, edit, someone else's change, edit again.
    let v0 = console.save_task_type("p", &task_type("Job", 1), Expect::Absent).await.expect("create");
    let v1 = console.save_task_type("p", &task_type("Job", 2), Expect::Version(v0)).await.expect("edit 1");
    let mut theirs = task_type("Job", 2);
    theirs.task_parameter = Some("theirs".into());
    c.set_data(&path, theirs.encode().as_bytes(), Some(v1)).await.expect("their change");
    let (their_bytes, v2) = bytes(&c, &path).await;
    let v3 = console.save_task_type("p", &task_type("Job", 3), Expect::Version(v2)).await.expect("edit 2");
    // A stale save fails, and is recorded as failed.
    let stale = console.save_task_type("p", &task_type("Job", 9), Expect::Version(v0)).await;
    assert_eq!(stale.err().map(|e| e.code), Some(ErrorCode::Conflict));

    let history = console.history("p", Some("taskType Job"), 50).await.expect("history");
    let commands: Vec<(&str, Outcome)> = history.iter().map(|e| (e.command.as_str(), e.outcome)).collect();
    assert_eq!(
        commands,
        [
            ("save_task_type", Outcome::Failed),
            ("save_task_type", Outcome::Applied),
            ("save_task_type", Outcome::Applied),
            ("save_task_type", Outcome::Applied)
        ],
        "newest first"
    );
    let (failed, edit2, edit1, create) = (&history[0], &history[1], &history[2], &history[3]);
    assert!(failed.error.as_deref().is_some_and(|e| e.contains("version")), "{:?}", failed.error);
    assert_eq!(failed.nodes[0].before, failed.nodes[0].after, "a failed write changed nothing");
    assert_eq!((create.nodes[0].before.version, create.nodes[0].after.version), (None, Some(v0)));
    assert_eq!((edit1.nodes[0].before.version, edit1.nodes[0].after.version), (Some(v0), Some(v1)));
    let changed: Vec<String> = edit1.nodes[0].fields().iter().map(|f| f.field.clone()).collect();
    assert_eq!(changed, ["threadNumber"], "the field-level diff of edit 1");
    assert_eq!(
        edit2.nodes[0].before.data.as_deref(),
        Some(their_bytes.as_slice()),
        "their bytes, as edit 2 found them"
    );
    assert!(history.iter().all(|e| e.who.contains('@') && e.root == ROOT));
    let all = console.history("p", None, 50).await.expect("all");
    assert_eq!(all.last().map(|e| e.command.as_str()), Some("init"), "the root's init is the first entry");

    // Reverting edit 1: the node changed since (their change, edit 2): refused, three versions.
    let r = console.revert("p", edit1.id, false, false).await.expect("revert edit 1");
    assert!(r.dry_run && r.journal.is_none(), "refused: nothing written");
    assert_eq!(r.conflicts.len(), 1);
    let k = &r.conflicts[0];
    assert_eq!((k.before.version, k.after.version, k.now.version), (Some(v0), Some(v1), Some(v3)));
    assert_eq!(bytes(&c, &path).await.1, v3, "the refused revert wrote nothing");

    // Reverting edit 2 (the last): the node holds the bytes it had before, theirs.
    let r = console.revert("p", edit2.id, false, false).await.expect("revert edit 2");
    assert!(r.conflicts.is_empty() && !r.dry_run && r.journal.is_some(), "{r:?}");
    let (now, v4) = bytes(&c, &path).await;
    assert_eq!(now, their_bytes, "edit 2 undone to the byte");
    assert_eq!(v4, v3 + 1);
    let newest = &console.history("p", None, 1).await.expect("history")[0];
    assert_eq!((newest.command.as_str(), newest.reverts, newest.outcome), ("revert", Some(edit2.id), Outcome::Applied));
    // The revert is itself revertable: edit 2's bytes come back.
    console.revert("p", newest.id, false, false).await.expect("revert the revert");
    assert_eq!(TaskType::decode(&bytes(&c, &path).await.0).expect("decode").thread_number, 3);

    // Overwriting is a choice: edit 1's before-bytes over everything since.
    let dry = console.revert("p", edit1.id, true, true).await.expect("dry run");
    assert!(dry.dry_run && dry.journal.is_none());
    assert_eq!(
        TaskType::decode(&bytes(&c, &path).await.0).expect("decode").thread_number,
        3,
        "a dry run writes nothing"
    );
    console.revert("p", edit1.id, true, false).await.expect("overwrite");
    assert_eq!(TaskType::decode(&bytes(&c, &path).await.0).expect("decode").thread_number, 1);

    // An import of 50 objects: one entry; its revert is all or nothing.
    let mut config = console.export("p").await.expect("export").1;
    for i in 0..50 {
        let t = task_type(&format!("Imp{i:02}"), 1);
        config
            .task_types
            .insert(format!("Imp{i:02}"), tbdesk_model::transfer::Entry { blob: t.encode(), version: None });
    }
    let text = config.to_file(ROOT).expect("file");
    let plan = console.import("p", &text, true, false).await.expect("import");
    assert_eq!(plan.len(), 50);
    let import = console.history("p", None, 1).await.expect("history").remove(0);
    assert_eq!((import.command.as_str(), import.nodes.len()), ("import", 50));
    assert!(import.nodes.iter().all(|n| n.before.version.is_none() && n.after.version == Some(0)));
    // One imported task type gets a domain (a runtime registered): its node cannot be deleted,
    // so the revert fails whole, even overwriting, and all 50 stay.
    let open = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    c.create(&format!("{ROOT}/baseTaskType/Imp17/Imp17"), b"", &open).await.expect("domain");
    let failed = console.revert("p", import.id, true, false).await;
    assert!(failed.is_err(), "a revert that cannot delete one node deletes none");
    let left = c.list_children(&format!("{ROOT}/baseTaskType")).await.expect("list");
    assert_eq!(left.iter().filter(|n| n.starts_with("Imp")).count(), 50, "all or nothing");
    assert_eq!(
        console.history("p", None, 1).await.expect("h")[0].outcome,
        Outcome::Failed,
        "the failed revert is journaled"
    );
    c.delete(&format!("{ROOT}/baseTaskType/Imp17/Imp17"), None).await.expect("undo the domain");
    let r = console.revert("p", import.id, false, false).await.expect("revert the import");
    assert_eq!(r.nodes.len(), 50);
    let left = c.list_children(&format!("{ROOT}/baseTaskType")).await.expect("list");
    assert!(!left.iter().any(|n| n.starts_with("Imp")), "{left:?}");

    // A read-only profile refuses a revert and writes nothing.
    let mut ro = fields.clone();
    ro.read_only = true;
    console.update_profile("p", &ro, None).await.expect("read-only");
    let before = bytes(&c, &path).await;
    let refused = console.revert("p", edit2.id, true, false).await;
    assert_eq!(refused.err().map(|e| e.code), Some(ErrorCode::ReadOnly));
    assert_eq!(bytes(&c, &path).await, before);

    // Retention: keep 3.
    console.profiles().set_setting("journal.keep", "3").await.expect("setting");
    console.update_profile("p", &fields, None).await.expect("writable");
    console.save_task_type("p", &task_type("Other", 1), Expect::Absent).await.expect("save");
    assert_eq!(console.history("p", None, 100).await.expect("history").len(), 3);

    tbdesk_tests::report::record(
        "journal",
        "writes, a stale write, another client's change, reverts (conflict, last, of a revert, overwrite, dry run), a 50-object import reverted with one node undeletable, read-only, retention",
        12,
        "every write recorded before and after with its bytes and versions; a changed node refuses the revert showing before/after/now; reverts are whole or nothing and journaled",
    );
}

/// The inspector reads any node of the root, foreign ones too: binary data as hex, a node its
/// ACL protects as unreadable (with its stat and ACL), and refuses paths outside the root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_shows_foreign_nodes_and_names_what_it_cannot_read() {
    let (server, c, _dir, console, _) = setup("none").await;
    console.init_root("p").await.expect("init");
    let open = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    c.create(&format!("{ROOT}/blob"), &[0xca, 0xfe, 0x00, 0x41], &open).await.expect("binary");
    let other = tbdesk_tests::zk::connector(&server)
        .with_auth("digest", b"stranger:pw")
        .connect(&server.connect_string())
        .await
        .expect("stranger");
    let mine = zk::CreateMode::Persistent.with_acls(zk::Acls::creator_all());
    other.create(&format!("{ROOT}/private"), b"secret bytes", &mine).await.expect("private");

    let n = console.node("p", "blob").await.expect("binary node");
    assert!(matches!(&n.shown, Some(Shown::Hex(h)) if h.starts_with("0000  ca fe 00 41")), "{:?}", n.shown);
    assert_eq!(n.acl.as_deref(), Some(&["anyone may read, write, create, delete, admin".to_owned()][..]));
    assert!(n.mtime_text.ends_with(" UTC"), "{}", n.mtime_text);
    let n = console.node("p", &format!("{ROOT}/private")).await.expect("private node");
    assert!(n.shown.is_none() && n.data.is_none() && n.unreadable.is_some(), "{n:?}");
    assert_eq!(n.stat.data_length, 12, "its stat still reads");
    // ZooKeeper ≥ 3.5 answers getACL only to READ or ADMIN (ZOOKEEPER-1392): unknown here.
    assert_eq!(n.acl, None);
    let n = console.node("p", ROOT).await.expect("root");
    assert!(matches!(&n.shown, Some(Shown::Text(t)) if t.starts_with("tbschedule-")));
    assert!(n.children.as_ref().is_some_and(|c| c.contains(&"private".to_owned())));
    let outside = console.node("p", "/zookeeper").await;
    assert_eq!(outside.err().map(|e| e.code), Some(ErrorCode::Invalid));
    let journal = console.history("p", None, 10).await.expect("history");
    assert_eq!(journal.len(), 1, "reads write nothing, the journal neither: {journal:?}");

    // The guarded edit: at the version shown, journaled; a stale version is a conflict; a task
    // type's definition is refused (its form checks it).
    c.create(&format!("{ROOT}/note"), b"hello", &open).await.expect("text node");
    let v = console.set_node("p", &format!("{ROOT}/note"), b"hello again", 0).await.expect("edit");
    assert_eq!(v, 1);
    assert_eq!(bytes(&c, &format!("{ROOT}/note")).await.0, b"hello again");
    let stale = console.set_node("p", &format!("{ROOT}/note"), b"lost", 0).await;
    assert_eq!(stale.err().map(|e| e.code), Some(ErrorCode::Conflict));
    console.save_task_type("p", &task_type("Job", 1), Expect::Absent).await.expect("task type");
    let refused = console.set_node("p", &format!("{ROOT}/baseTaskType/Job"), b"{}", 0).await;
    assert_eq!(refused.err().map(|e| e.code), Some(ErrorCode::Invalid));
    let outside = console.set_node("p", "/zookeeper/quota", b"x", 0).await;
    assert_eq!(outside.err().map(|e| e.code), Some(ErrorCode::Invalid));
    let edits: Vec<_> = console.history("p", Some(&format!("{ROOT}/note")), 10).await.expect("h");
    assert_eq!(edits.iter().map(|e| e.outcome).collect::<Vec<_>>(), [Outcome::Failed, Outcome::Applied]);
}

/// A profile with a digest password writes through the journal: the password is nowhere in the
/// data directory (the database and its journal files).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_enters_the_journal() {
    let server = ZkServer::start().expect("zk");
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let mut fields = tbdesk_tests::profile_fields("s", &server.connect_string(), "/journal/secret");
    fields.digest_user = Some("ops".into());
    let password = "pw-Journal-7f3a9c";
    console.profiles().create(&fields, Some(password)).await.expect("profile (needs the keyring)");
    console.init_root("s").await.expect("init");
    console.save_task_type("s", &task_type("Job", 1), Expect::Absent).await.expect("save");
    let journal = console.history("s", None, 10).await.expect("history");
    assert_eq!(journal.len(), 2);
    // The support bundle: every part there, the password and the digest credential nowhere;
    // a log that holds the password is left out, not written.
    let log = format!("line one\nsomeone logged {password} by mistake\n");
    let zip_path = console.support_bundle("s", Some(&log), None).await.expect("bundle");
    assert!(zip_path.starts_with(dir.path().join("bundles")), "{}", zip_path.display());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("zip")).expect("a zip");
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).expect("read");
        for secret in [password.to_owned(), format!("ops:{password}")] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{} holds a secret", f.name());
        }
        if f.name() == "log.txt" {
            assert!(String::from_utf8_lossy(&bytes).starts_with("left out"), "the leaking log is left out");
        }
        if f.name() == "journal.jsonl" {
            assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), 2, "the two entries");
        }
        if f.name() == "snapshot.json" {
            assert!(String::from_utf8_lossy(&bytes).contains("\"Job\""), "the root's task type");
        }
        names.push(f.name().to_owned());
    }
    assert_eq!(names, ["README.txt", "profile.json", "snapshot.json", "health.json", "journal.jsonl", "log.txt"]);
    let raw = std::fs::read(&zip_path).expect("zip bytes");
    assert!(!raw.windows(password.len()).any(|w| w == password.as_bytes()));
    // The app's log is every profile's: lines naming another profile stay out of this one's.
    let other = tbdesk_tests::profile_fields("zebra-prod", "10.77.0.1:2181", "/elsewhere/root");
    console.profiles().create(&other, None).await.expect("another profile");
    let log = "s: saved Job
opened zebra-prod
connecting to 10.77.0.1:2181
reading /elsewhere/root
";
    let zip_path = console.support_bundle("s", Some(log), Some(dir.path().join("b2.zip"))).await.expect("bundle");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("zip")).expect("a zip");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("log.txt").expect("log"), &mut text).expect("read");
    assert_eq!(text, "s: saved Job\n(3 line(s) naming other profiles left out)\n");
    tbdesk_tests::report::record(
        "journal",
        "a profile with a digest password: journal, database files and the support bundle grepped for the password and user:password; a log that holds it",
        3,
        "found nowhere; the bundle leaves out a part that holds it",
    );
    drop(console);
    for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes.windows(password.len()).any(|w| w == password.as_bytes()),
            "{} holds the password",
            entry.path().display()
        );
    }
}

/// While a root is followed, a change someone else makes to a task type or strategy is
/// recorded with its bytes, marked as not made by tbdesk; tbdesk's own writes are not recorded
/// twice; the history says when following began.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_by_others_are_recorded_while_followed() {
    let (_server, c, _dir, console, _) = setup("none").await;
    console.init_root("p").await.expect("init");
    let v0 = console.save_task_type("p", &task_type("Job", 1), Expect::Absent).await.expect("create");
    let _f = console.follow("p").await.expect("follow");
    let path = format!("{ROOT}/baseTaskType/Job");
    let (before, _) = bytes(&c, &path).await;
    let mut theirs = task_type("Job", 1);
    theirs.task_parameter = Some("by hand".into());
    c.set_data(&path, theirs.encode().as_bytes(), Some(v0)).await.expect("their write");
    console.save_task_type("p", &task_type("Job", 4), Expect::Version(v0 + 1)).await.expect("ours");
    let t0 = std::time::Instant::now();
    let history = loop {
        let h = console.history("p", None, 20).await.expect("history");
        if h.iter().any(|e| e.command == "external") || t0.elapsed() > std::time::Duration::from_secs(15) {
            break h;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let history = console
        .history("p", None, 20)
        .await
        .map(|h| if h.len() >= history.len() { h } else { history })
        .expect("history");
    let external: Vec<_> = history.iter().filter(|e| e.command == "external").collect();
    assert_eq!(external.len(), 1, "their change once, ours not: {history:#?}");
    let e = external[0];
    assert!(e.who.starts_with("not tbdesk (seen by "), "{}", e.who);
    assert_eq!(e.nodes[0].before.data.as_deref(), Some(before.as_slice()));
    assert_eq!(e.nodes[0].after.data.as_deref(), Some(theirs.encode().as_bytes()));
    assert_eq!((e.nodes[0].before.version, e.nodes[0].after.version), (Some(v0), Some(v0 + 1)));
    assert!(history.iter().any(|e| e.command == "watch_started"), "following began is marked");
    // Their change can be reverted like any other, by version.
    let r = console.revert("p", e.id, false, false).await.expect("revert theirs");
    assert_eq!(r.conflicts.len(), 1, "ours came after theirs: a conflict, not an overwrite");
    tbdesk_tests::report::record(
        "journal",
        "a task type changed by another client while the root is followed, and by tbdesk right after",
        1,
        "the other client's change recorded once with its bytes, marked not tbdesk; tbdesk's own write not recorded twice",
    );
}

/// Many of tbdesk's own writes in a row (an import, a pause of every strategy): the recorder
/// judges each change from when it was seen, so none is called someone else's for being judged
/// late, and someone else's change right after them is recorded in seconds (each change used
/// to wait its own 2 s after the one before: the 81st was judged nearly three minutes late).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_own_writes_is_judged_from_when_each_was_seen() {
    let (_server, c, _dir, console, _) = setup("none").await;
    console.init_root("p").await.expect("init");
    let _f = console.follow("p").await.expect("follow");
    for i in 0..80 {
        console.save_task_type("p", &task_type(&format!("Job{i}"), 1), Expect::Absent).await.expect("ours");
    }
    let path = format!("{ROOT}/baseTaskType/Job79");
    let (_, v) = bytes(&c, &path).await;
    let mut theirs = task_type("Job79", 1);
    theirs.task_parameter = Some("by hand".into());
    c.set_data(&path, theirs.encode().as_bytes(), Some(v)).await.expect("their write");
    let t0 = std::time::Instant::now();
    let history = loop {
        let h = console.history("p", None, 200).await.expect("history");
        if h.iter().any(|e| e.command == "external") || t0.elapsed() > std::time::Duration::from_secs(30) {
            break h;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let external: Vec<_> = history.iter().filter(|e| e.command.starts_with("external")).collect();
    assert_eq!(external.len(), 1, "their change, recorded within 30 s, and none of ours: {external:#?}");
    assert_eq!(external[0].nodes[0].path, path);
}

/// The window's save of a task type: its arguments, the key a confirmation names them by, and
/// the write run as the app runs it (`Console::confirmed_as`).
fn save_args(profile: &str, name: &str, threads: i64, expected: Expect) -> cmd::SaveTaskTypeArgs {
    cmd::SaveTaskTypeArgs { profile: profile.into(), task_type: task_type(name, threads), expected }
}

fn key(args: &cmd::SaveTaskTypeArgs) -> String {
    cmd::confirmation::<cmd::SaveTaskType>(args).expect("a save is a write").1
}

async fn save(console: &Console, args: &cmd::SaveTaskTypeArgs) -> Result<i32, tbdesk_api::ApiError> {
    Console::confirmed_as::<cmd::SaveTaskType, _>(
        args,
        console.save_task_type(&args.profile, &args.task_type, args.expected),
    )
    .await
}

/// A production profile's writes are locked in the backend until unlocked with its name typed,
/// for a while, and even then each write needs its own confirmation with the name; locking
/// again (or the time running out) refuses them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_writes_are_locked_until_unlocked_for_a_while() {
    let (_server, c, _dir, console, prod_fields) = setup_named("prod", "production").await;
    let locked = console.init_root("prod").await;
    assert_eq!(locked.err().map(|e| e.code), Some(ErrorCode::Locked));
    assert!(c.check_stat(ROOT).await.expect("stat").is_none(), "nothing written");
    let wrong = console.unlock_writes("prod", "prd", std::time::Duration::from_secs(60)).await;
    assert_eq!(wrong.err().map(|e| e.code), Some(ErrorCode::Locked), "the name must be typed right");
    let ask = console.confirm_write("prod", None, "").await;
    assert_eq!(ask.err().map(|e| e.code), Some(ErrorCode::Locked), "no confirmation while locked");
    let left = console.unlock_writes("prod", "prod", std::time::Duration::from_secs(60)).await.expect("unlock");
    assert_eq!(left, Some(std::time::Duration::from_secs(60)));
    let unconfirmed = console.init_root("prod").await;
    assert_eq!(unconfirmed.err().map(|e| e.code), Some(ErrorCode::Locked), "unlocked, but not confirmed");
    assert!(c.check_stat(ROOT).await.expect("stat").is_none(), "nothing written");
    assert!(console.confirm_write("prod", None, "").await.expect("asks"), "production asks for the name");
    let job = save_args("prod", "Job", 1, Expect::Absent);
    let wrong = console.confirm_write("prod", Some("Prod"), &key(&job)).await;
    assert_eq!(wrong.err().map(|e| e.code), Some(ErrorCode::Locked), "the name exactly");
    let no_key = console.confirm_write("prod", Some("prod"), "").await;
    assert_eq!(no_key.err().map(|e| e.code), Some(ErrorCode::Invalid), "a confirmation names its write");
    let long_key = console.confirm_write("prod", Some("prod"), &"k".repeat(65)).await;
    assert_eq!(long_key.err().map(|e| e.code), Some(ErrorCode::Invalid), "keys are bounded");
    // A confirmation is spent by the write it names, and by no other: not another task type,
    // not the same task type with other bytes, not a write outside a command (no key).
    assert!(!console.confirm_write("prod", Some("prod"), &key(&job)).await.expect("confirmed"));
    let other = save(&console, &save_args("prod", "Other", 1, Expect::Absent)).await;
    let why = other.expect_err("another task type is refused");
    assert_eq!(why.code, ErrorCode::Locked);
    assert!(why.message.contains("another write"), "says why: {}", why.message);
    let other_bytes = save(&console, &save_args("prod", "Job", 7, Expect::Absent)).await;
    assert_eq!(other_bytes.err().map(|e| e.code), Some(ErrorCode::Locked), "same name, other bytes");
    let outside = console.save_task_type("prod", &task_type("Job", 1), Expect::Absent).await;
    let outside = outside.expect_err("no key in scope");
    assert_eq!(outside.code, ErrorCode::Locked);
    assert!(outside.message.contains("asks for its name first"), "{}", outside.message);
    let still = Console::confirmed_as::<cmd::SaveTaskType, _>(&job, console.guard_production("prod")).await;
    assert!(still.is_ok(), "refused writes leave the confirmation to its own write: {still:?}");
    assert!(c.check_stat(&format!("{ROOT}/baseTaskType/Other")).await.expect("stat").is_none(), "nothing written");
    console.unlock_for_run("prod").await.expect("run unlock");
    console.init_root("prod").await.expect("the command line's run: init");
    console.unlock_writes("prod", "", std::time::Duration::ZERO).await.expect("lock");
    console.unlock_writes("prod", "prod", std::time::Duration::from_secs(60)).await.expect("unlock");
    console.confirm_write("prod", Some("prod"), &key(&job)).await.expect("confirmed");
    save(&console, &job).await.expect("confirmed: save");
    let second = save(&console, &job).await;
    assert_eq!(second.err().map(|e| e.code), Some(ErrorCode::Locked), "one confirmation, one write");
    let job2 = save_args("prod", "Job", 2, Expect::Version(0));
    console.confirm_write("prod", Some("prod"), &key(&job2)).await.expect("confirmed");
    console.unlock_writes("prod", "", std::time::Duration::ZERO).await.expect("lock");
    let again = save(&console, &job2).await;
    assert_eq!(again.err().map(|e| e.code), Some(ErrorCode::Locked), "locking again drops the confirmation");
    console.unlock_writes("prod", "prod", std::time::Duration::from_millis(500)).await.expect("short unlock");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let expired = console.pause_matching("prod", "", None, true, false).await;
    assert_eq!(expired.err().map(|e| e.code), Some(ErrorCode::Locked), "the unlock ran out");
    let dry = console.pause_matching("prod", "", None, true, true).await.expect("a dry run reads only");
    assert!(dry.1.is_empty());
    // The command line's --unlock NAME confirms every write of its run.
    console.unlock_for_run("prod").await.expect("run unlock");
    console.save_task_type("prod", &task_type("Job2", 1), Expect::Absent).await.expect("run: first");
    console.save_task_type("prod", &task_type("Job3", 1), Expect::Absent).await.expect("run: second");
    // The lock is the root's: a copy of the profile under another colour is guarded alike.
    let mut copy = prod_fields.clone();
    copy.name = "prod-copy".into();
    copy.color = "none".into();
    console.profiles().create(&copy, None).await.expect("copy");
    let via_copy = console.save_task_type("prod-copy", &task_type("Job4", 1), Expect::Absent).await;
    assert_eq!(via_copy.err().map(|e| e.code), Some(ErrorCode::Locked), "same root as a production profile");
    // However its server is spelled: another name of the same host (compared resolved).
    let mut alias = prod_fields.clone();
    alias.name = "prod-alias".into();
    alias.color = "none".into();
    alias.connect = alias.connect.replace("127.0.0.1", "localhost");
    assert_ne!(alias.connect, prod_fields.connect, "the fixture's server is 127.0.0.1");
    console.profiles().create(&alias, None).await.expect("alias");
    let via_alias = console.save_task_type("prod-alias", &task_type("Job4", 1), Expect::Absent).await;
    assert_eq!(via_alias.err().map(|e| e.code), Some(ErrorCode::Locked), "the production server by another name");
    // A root above it (the inspector writes any node under its root) or inside it is guarded
    // too; a sibling is not. A server name that does not exist names no address, so no common
    // server (a lookup with no answer in time leaves it unknown, and guarded).
    for (name, root, connect, guarded) in [
        ("prod-above", "/journal", prod_fields.connect.clone(), true),
        ("prod-inside", "/journal/root/baseTaskType", prod_fields.connect.clone(), true),
        ("prod-sibling", "/journal/root-other", prod_fields.connect.clone(), false),
        ("prod-nowhere", ROOT, "no-such-host.invalid:2181".to_owned(), false),
    ] {
        let f = tbdesk_profiles::ProfileFields {
            name: name.into(),
            color: "none".into(),
            root_path: root.into(),
            connect,
            ..prod_fields.clone()
        };
        console.profiles().create(&f, None).await.expect(name);
        let judged = console.guard_production(name).await.err().map(|e| e.code);
        assert_eq!(judged == Some(ErrorCode::Locked), guarded, "{name}: {judged:?}");
    }
    // Demoting the production profile needs its writes unlocked; an edit relocks it.
    console.unlock_writes("prod", "", std::time::Duration::ZERO).await.expect("lock");
    let mut demoted = prod_fields.clone();
    demoted.color = "none".into();
    let refused = console.update_profile("prod", &demoted, None).await;
    assert_eq!(refused.err().map(|e| e.code), Some(ErrorCode::Locked), "no demotion while locked");
    // Re-pointing it step by step is refused at the first step: a server added.
    let mut widened = prod_fields.clone();
    widened.connect = format!("{},zk-other:2181", prod_fields.connect);
    let refused = console.update_profile("prod", &widened, None).await;
    assert_eq!(refused.err().map(|e| e.code), Some(ErrorCode::Locked), "a server added re-points it");
    console.unlock_writes("prod", "prod", std::time::Duration::from_secs(60)).await.expect("unlock");
    let mut renamed = prod_fields.clone();
    renamed.name = "prod2".into();
    console.update_profile("prod", &renamed, None).await.expect("rename while unlocked");
    assert!(console.unlocked_for("prod").is_none() && console.unlocked_for("prod2").is_none(), "a rename relocks");
    // Confirmations add up (two writes in flight, two names typed), each spent by its own
    // write in any order, within a small bound (the oldest give way).
    console.unlock_writes("prod2", "prod2", std::time::Duration::from_secs(60)).await.expect("unlock");
    let (j5, j6) = (save_args("prod2", "Job5", 1, Expect::Absent), save_args("prod2", "Job6", 1, Expect::Absent));
    console.confirm_write("prod2", Some("prod2"), &key(&j5)).await.expect("1");
    console.confirm_write("prod2", Some("prod2"), &key(&j6)).await.expect("2");
    save(&console, &j6).await.expect("second confirmed, sent first");
    save(&console, &j5).await.expect("first confirmed");
    let third = save(&console, &save_args("prod2", "Job7", 1, Expect::Absent)).await;
    assert_eq!(third.err().map(|e| e.code), Some(ErrorCode::Locked));
    let many: Vec<_> = (0..4).map(|i| save_args("prod2", &format!("Many{i}"), 1, Expect::Absent)).collect();
    for a in &many {
        console.confirm_write("prod2", Some("prod2"), &key(a)).await.expect("confirmed");
    }
    let oldest = save(&console, &many[0]).await;
    assert_eq!(oldest.err().map(|e| e.code), Some(ErrorCode::Locked), "at most 3 wait: the oldest gave way");
    for a in &many[1..] {
        save(&console, a).await.expect("the newest 3 stand");
    }
}

/// A digest user whose password is gone (removed, or the keyring lost it) writes nothing: the
/// session could not authenticate and every node it made would be writable by anyone (Java
/// gives digest ALL + world READ). It still reads; with the password back it writes, and the
/// nodes carry the digest ACL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_user_without_its_password_only_reads() {
    let server = ZkServer::start().expect("zk");
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let mut fields = tbdesk_tests::profile_fields("d", &server.connect_string(), "/journal/nopw");
    fields.digest_user = Some("ops".into());
    console.profiles().create(&fields, None).await.expect("profile without its password");
    let init = console.init_root("d").await;
    assert_eq!(init.as_ref().err().map(|e| e.code), Some(ErrorCode::ReadOnly), "{init:?}");
    let save = console.save_task_type("d", &task_type("Job", 1), Expect::Absent).await;
    let err = save.expect_err("refused");
    assert_eq!(err.code, ErrorCode::ReadOnly);
    assert!(err.message.contains("digest user ops has no password"), "{}", err.message);
    let c = tbdesk_tests::zk::client(&server).await;
    assert!(c.check_stat("/journal").await.expect("stat").is_none(), "nothing created");
    console.update_profile("d", &fields, Some("pw-Back-1")).await.expect("password entered");
    console.init_root("d").await.expect("init with the password");
    console.save_task_type("d", &task_type("Job", 1), Expect::Absent).await.expect("save");
    let (acl, _) = c.get_acl("/journal/nopw/baseTaskType/Job").await.expect("acl");
    assert!(acl.iter().any(|a| a.scheme() == "digest"), "{acl:?}");
    assert!(!acl.iter().any(|a| a.scheme() == "world" && a.permission() != zk::Permission::READ), "{acl:?}");
}

/// The journal follows a profile by name: a renamed profile keeps its history; a profile
/// deleted, or pointed at another server, leaves it behind, so a profile made later under the
/// same name on another cluster can never revert the first cluster's bytes into its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_never_crosses_to_another_cluster_under_the_same_name() {
    let (a, b) = (ZkServer::start().expect("zk a"), ZkServer::start().expect("zk b"));
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let root = "/journal/same";
    let fields = |name: &str, s: &ZkServer| tbdesk_tests::profile_fields(name, &s.connect_string(), root);
    console.profiles().create(&fields("s", &a), None).await.expect("profile on a");
    console.init_root("s").await.expect("init a");
    console.save_task_type("s", &task_type("Job", 1), Expect::Absent).await.expect("save on a");
    let saved = console.history("s", None, 10).await.expect("history")[0].id;
    // Renamed: the history follows.
    console.update_profile("s", &fields("s2", &a), None).await.expect("rename");
    assert_eq!(console.history("s2", None, 10).await.expect("history").len(), 2);
    // Deleted and made again on cluster b, same root: nothing of a's history.
    console.delete_profile("s2").await.expect("delete");
    console.profiles().create(&fields("s2", &b), None).await.expect("profile on b");
    assert!(console.history("s2", None, 10).await.expect("history").is_empty());
    let revert = console.revert("s2", saved, true, false).await;
    assert!(revert.is_err(), "a's entry cannot be reverted into b: {revert:?}");
    let cb = tbdesk_tests::zk::client(&b).await;
    assert!(cb.check_stat(root).await.expect("stat").is_none(), "nothing written to b");
    // Pointed at another server by an edit: its history stays behind as well.
    console.init_root("s2").await.expect("init b");
    console.save_task_type("s2", &task_type("Job", 2), Expect::Absent).await.expect("save on b");
    assert_eq!(console.history("s2", None, 10).await.expect("history").len(), 2);
    console.update_profile("s2", &fields("s2", &a), None).await.expect("pointed at a");
    assert!(console.history("s2", None, 10).await.expect("history").is_empty());
}

/// A change by someone else on cluster a, seen by the follower, and the profile pointed at
/// cluster b within the two seconds the follower waits before recording it: the change is not
/// recorded under the profile, which names b now (its revert would write a's bytes into b).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_seen_just_before_the_profile_moves_is_not_kept_as_the_new_clusters() {
    let (a, b) = (ZkServer::start().expect("zk a"), ZkServer::start().expect("zk b"));
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let root = "/journal/moved";
    let fields = |s: &ZkServer| tbdesk_tests::profile_fields("m", &s.connect_string(), root);
    console.profiles().create(&fields(&a), None).await.expect("profile on a");
    console.init_root("m").await.expect("init a");
    let v0 = console.save_task_type("m", &task_type("Job", 1), Expect::Absent).await.expect("save on a");
    let _f = console.follow("m").await.expect("follow a");
    let ca = tbdesk_tests::zk::client(&a).await;
    let path = format!("{root}/baseTaskType/Job");
    let mut theirs = task_type("Job", 1);
    theirs.task_parameter = Some("by hand on a".into());
    ca.set_data(&path, theirs.encode().as_bytes(), Some(v0)).await.expect("their write on a");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    console.update_profile("m", &fields(&b), None).await.expect("pointed at b");
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let history = console.history("m", None, 20).await.expect("history");
    assert!(!history.iter().any(|e| e.command.starts_with("external")), "a's change kept as b's: {history:#?}");
    tbdesk_tests::report::record(
        "journal",
        "a change by another client seen on cluster a, the profile pointed at cluster b before it was recorded",
        1,
        "not recorded under the profile that names b now",
    );
}

/// A runtime's nodes are Java's to make and to read: the inspector writes a factory's node only
/// as `true` or `false`, a strategy runtime only as that strategy's and that factory's JSON,
/// never a server node, and an item's `req_server` written empty as null; a revert never makes
/// a runtime's node again (here the health fix's removal of a dead server: brought back it would
/// stand as a live server until judged dead again), overwrite or not, dry run or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_and_a_revert_never_fake_a_runtime() {
    let (server, c, _dir, console, _fields) = setup("none").await;
    console.init_root("p").await.expect("init");
    let mut tt = task_type("Job", 1);
    tt.judge_dead_interval = 5000;
    console.save_task_type("p", &tt, Expect::Absent).await.expect("task type");
    let open = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    let eph = zk::CreateMode::Ephemeral.with_acls(zk::Acls::anyone_all());
    let factory = format!("{ROOT}/factory/127.0.0.1$vm$AB$0000000000");
    c.create(&factory, b"", &eph).await.expect("factory");
    c.create(&format!("{ROOT}/strategy/S"), b"{}", &open).await.expect("strategy");
    let runtime = format!("{ROOT}/strategy/S/127.0.0.1$vm$AB$0000000000");
    c.create(&runtime, b"", &eph).await.expect("strategy runtime");
    let domain = format!("{ROOT}/baseTaskType/Job/Job$d");
    for p in [domain.clone(), format!("{domain}/server"), format!("{domain}/taskItem"), format!("{domain}/taskItem/0")]
    {
        c.create(&p, b"", &open).await.expect("domain");
    }
    let req = format!("{domain}/taskItem/0/req_server");
    c.create(&req, b"x", &open).await.expect("req_server");
    let srv = format!("{domain}/server/Job$d$127.0.0.1$AB$0000000000");
    c.create(&srv, b"{}", &open).await.expect("server");

    let code = |r: Result<i32, tbdesk_api::ApiError>| r.err().map(|e| (e.code, e.message));
    for bad in [&b""[..], b"stopped", b" true"] {
        let r = code(console.set_node("p", &factory, bad, 0).await).expect("refused");
        assert!(r.0 == ErrorCode::Invalid && r.1.contains("true or false"), "{bad:?}: {r:?}");
    }
    assert_eq!(console.set_node("p", &factory, b"false", 0).await.expect("stop the factory"), 1);
    let wrong =
        br#"{"strategyName":"T","uuid":"127.0.0.1$vm$AB$0000000000","requestNum":1,"currentNum":0,"message":""}"#;
    let r = code(console.set_node("p", &runtime, wrong, 0).await).expect("refused");
    assert!(r.0 == ErrorCode::Invalid && r.1.contains("strategyName must be S"), "{r:?}");
    let right =
        br#"{"strategyName":"S","uuid":"127.0.0.1$vm$AB$0000000000","requestNum":1,"currentNum":0,"message":""}"#;
    assert_eq!(console.set_node("p", &runtime, right, 0).await.expect("requestNum 1"), 1);
    let r = code(console.set_node("p", &srv, b"{}", 0).await).expect("refused");
    assert!(r.0 == ErrorCode::Invalid && r.1.contains("heartbeat"), "{r:?}");
    assert_eq!(console.set_node("p", &req, b"", 0).await.expect("no request"), 1);
    let nulls = tbdesk_store::jute::NullWriter::new(&tbdesk_store::ConnectOptions {
        connect: server.connect_string(),
        root: ROOT.into(),
        session_timeout: std::time::Duration::from_secs(6),
        digest: None,
        read_only: false,
        tz: chrono_tz::Tz::UTC,
    });
    assert_eq!(nulls.get_data(&req).await.expect("read"), None, "req_server written null, never empty");

    // The dead server (no heartbeat for longer than judge-dead) removed by the health fix, then
    // the revert of that fix: refused, naming the node and the rule; the node stays gone.
    tokio::time::sleep(std::time::Duration::from_millis(5500)).await;
    let fix = tbdesk_model::diagnose::Fix::RemoveDeadServers { base: "Job".into(), task_type: "Job$d".into() };
    let removed = console.apply_fix("p", &fix).await.expect("fix");
    assert_eq!(removed, vec!["Job$d$127.0.0.1$AB$0000000000".to_owned()]);
    let entry = console.history("p", Some(&srv), 1).await.expect("history")[0].id;
    for (overwrite, dry_run) in [(false, true), (false, false), (true, false)] {
        let r = console.revert("p", entry, overwrite, dry_run).await.expect_err("refused");
        assert!(
            r.code == ErrorCode::Invalid && r.message.contains("never re-creates") && r.message.contains(&srv),
            "{r:?}"
        );
    }
    assert!(c.check_stat(&srv).await.expect("stat").is_none(), "the dead server stays gone");
}

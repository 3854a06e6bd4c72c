//! The real app window against a real ZooKeeper: overview, live updates, distribution, forms.

use std::time::Duration;

use tbdesk_tests::{app::AppSession, bins, zk};

async fn profile_for(server: &zk::ZkServer, root: &str) -> tempfile::TempDir {
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "e2e", &server.connect_string(), root, "blue", false).await;
    data
}

/// The app on a profile of `root`, connected and live. Keep the directory alive with the app.
async fn live_app(server: &zk::ZkServer, root: &str) -> (tempfile::TempDir, AppSession) {
    let data = profile_for(server, root).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.wait_text("#status", |t| t.contains("live")).await;
    (data, app)
}

/// The overview shows the spec tree, follows a change made by another process without a
/// reload, and the distribution picture draws the domain's server and items.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_is_live_and_distribution_is_drawn() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let data = profile_for(&server, zk::SPEC_ROOT).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    assert_eq!(app.wait_text("#title", |t| !t.is_empty()).await, "tbdesk");
    let row = app.wait_text("#strategy-OrderSync-Strategy", |t| !t.is_empty()).await;
    assert!(row.contains("OrderSync (TEST)") && row.contains("127.0.0.1"), "{row}");
    let row = app.wait_text("#task-type-OrderSync", |t| !t.is_empty()).await;
    assert!(row.contains("orderSyncTask") && row.contains("TEST (1, 0)"), "{row}");
    let status = app.wait_text("#status", |t| t.contains("live")).await;
    let release = server.version().unwrap_or("3.8");
    assert!(status.contains(&format!("ZooKeeper {release}")), "{status}");
    app.screenshot("overview").await;

    // Another process writes: the window follows without a reload. The event that announces it
    // is a notice (profile, generation), never the root itself; events are fetched by the page
    // (`next_events`), and any number of fetchers see them all: this one starts from now.
    let start = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('next_events', {args: {after: null}})
               .then(b => done(b.last), e => done('refused: ' + String(e)));",
            vec![],
        )
        .await
        .expect("next_events");
    let after = start.as_u64().unwrap_or_else(|| panic!("the app's event number: {start}"));
    let mut extra = String::from_utf8(zk::example("taskType.json")).expect("utf8");
    extra = extra.replace("\"OrderSync\"", "\"Invoices\"");
    zk::put(&c, &format!("{}/baseTaskType/Invoices", zk::SPEC_ROOT), extra.as_bytes()).await;
    let row = app.wait_text("#task-type-Invoices", |t| !t.is_empty()).await;
    assert!(row.contains("orderSyncTask"), "{row}");
    let notices = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('next_events', {args: {after: arguments[0]}})
               .then(b => done(b.events.filter(e => e.name === 'snapshot').map(e => JSON.stringify(e.payload))),
                     e => done('refused: ' + String(e)));",
            vec![serde_json::json!(after)],
        )
        .await
        .expect("notices");
    let notices: Vec<String> = serde_json::from_value(notices.clone()).unwrap_or_else(|_| panic!("{notices}"));
    assert!(!notices.is_empty(), "the change was announced");
    for n in &notices {
        let v: serde_json::Value = serde_json::from_str(n).expect("json");
        assert_eq!(v["profile"], "e2e", "{n}");
        assert!(v["generation"].as_u64().is_some() && n.len() < 100, "a notice, not a snapshot: {n}");
    }

    app.click("#task-type-OrderSync button").await;
    app.wait_for("svg.dist g.srv").await;
    app.wait_for("svg.dist .item[data-item='0']").await;
    // Items 1-3 have no owner in the spec tree: highlighted.
    app.wait_for("svg.dist .item.orphan[data-item='3']").await;
    // Machines as containers: the spec tree's server runs in a factory the picture names.
    app.wait_for("section.domain svg.dist g.factory[data-factory]").await;
    // The what-if starts "as now" and draws its proposal beside the current picture.
    app.wait_for("#whatif-picture svg.dist").await;
    app.fill("#whatif-groups", "3").await;
    app.fill("#whatif-items", "10").await;
    app.fill("#whatif-factories", "2").await;
    let whatif = app.wait_text("#whatif-result", |t| t.contains("group 3")).await;
    assert!(whatif.contains("group 1 (leader): 4 item(s) [0,1,2,3]"), "{whatif}");
    let per_factory = app.wait_text("#whatif-factories-result", |t| !t.is_empty()).await;
    assert!(per_factory.ends_with(": 2, 1"), "3 groups over 2 factories: {per_factory}");
    let drawn = app
        .client
        .execute("return document.querySelectorAll('#whatif-picture g.factory').length", vec![])
        .await
        .expect("js");
    assert_eq!(drawn.as_u64(), Some(2), "the proposal draws two machines");
    let moves = app.wait_text("#whatif-moves", |t| t.contains("item 9")).await;
    assert!(moves.contains("item 9: no owner → group 3"), "items not there now come from no owner: {moves}");
    app.screenshot("distribution").await;
    // The theme toggle: system -> dark.
    app.click("#theme").await;
    app.wait_text("#theme", |t| t == "Theme: dark").await;
    let theme =
        app.client.execute("return document.documentElement.getAttribute('data-theme');", vec![]).await.expect("theme");
    assert_eq!(theme, "dark");
    app.click("#tab-overview").await;
    app.screenshot("overview-dark").await;
    app.close().await;
}

/// Invalid input shows its errors at the fields and writes nothing; fixed input saves the
/// spec's exact JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_type_form_validates_then_saves_the_spec_json() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    let root = "/e2e/forms";
    zk::put_empty_root(&c, root).await;
    let (_data, app) = live_app(&server, root).await;
    app.click("#tab-task-type").await;
    app.wait_for("#task-type-form").await;
    for (id, v) in [
        ("#f-baseTaskType", "OrderSync"),
        ("#f-dealBeanName", "orderSyncTask"),
        ("#f-heartBeatRate", "5000"),
        ("#f-judgeDeadInterval", "20000"),
        ("#f-taskItems", "0:{type=A},1,2,3"),
        ("#f-permitRunStartTime", "0 0 25 * * ?"),
        ("#f-permitRunEndTime", "0 0 5 * * ?"),
    ] {
        app.fill(id, v).await;
    }
    app.fill("#f-taskParameter", &"x".repeat(4097)).await;
    let e = app.wait_text(".field-error[data-field='judgeDeadInterval']", |t| !t.is_empty()).await;
    assert!(e.contains("judge_dead_5x"), "{e}");
    let e = app.wait_text(".field-error[data-field='taskParameter']", |t| !t.is_empty()).await;
    assert!(e.contains("param_4k") && e.contains("4097"), "{e}");
    let e = app.wait_text(".field-error[data-field='permitRunStartTime']", |t| !t.is_empty()).await;
    assert!(e.contains("cron_parse"), "{e}");
    assert_eq!(app.prop("#save", "disabled").await, serde_json::Value::Bool(true));
    // The valid end cron shows its next fire times.
    app.wait_for("#fire-end li").await;
    app.screenshot("task-type-form-errors").await;
    // A click on the disabled button (WebDriver may refuse it, or deliver it to a disabled
    // control) writes nothing.
    let save = app.client.find(fantoccini::Locator::Css("#save")).await.expect("save button");
    let _ = save.click().await;
    assert_eq!(app.prop("#save", "disabled").await, serde_json::Value::Bool(true));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!app.exists("#saved").await, "no save happened");
    assert!(matches!(
        c.get_data(&format!("{root}/baseTaskType/OrderSync")).await,
        Err(zookeeper_client::Error::NoNode)
    ));

    app.fill("#f-judgeDeadInterval", "60000").await;
    app.fill("#f-taskParameter", "region=cn-east&batch=1").await;
    app.fill("#f-permitRunStartTime", "0 0 1 * * ?").await;
    app.wait_prop("#save", "disabled", serde_json::Value::Bool(false)).await;
    assert!(!app.exists(".field-error").await, "{}", app.body_text().await);
    app.wait_for("#fire-start li").await;
    // The run windows, 01:00 → 05:00 in the page's zone (the first one may be open now).
    app.wait_text("#run-windows", |t| t.matches(" → ").count() == 5).await;
    let windows = app
        .client
        .execute("return Array.from(document.querySelectorAll('#run-windows li')).map(e => e.textContent);", vec![])
        .await
        .expect("windows");
    let windows: Vec<String> = serde_json::from_value(windows).expect("texts");
    assert_eq!(windows.len(), 5, "{windows:?}");
    for (i, w) in windows.iter().enumerate() {
        let (from, until) = w.split_once(" → ").unwrap_or_else(|| panic!("{windows:?}"));
        assert!(from.contains(" 01:00:00 ") || (i == 0 && from == "open now"), "{windows:?}");
        assert!(until.contains(" 05:00:00 "), "{windows:?}");
    }
    app.click("#save").await;
    app.wait_text("#saved", |t| t.contains("Saved OrderSync")).await;
    let (bytes, _) = c.get_data(&format!("{root}/baseTaskType/OrderSync")).await.expect("written");
    assert_eq!(bytes, zk::example("taskType.json"), "the node holds the spec's exact JSON");
    app.wait_for("#no-change").await;
    app.screenshot("task-type-form-saved").await;

    // Someone else changes the task type while the form is open: the form says so, and Save
    // is a conflict showing both versions; nothing of theirs is overwritten unless chosen.
    let path = format!("{root}/baseTaskType/OrderSync");
    let mut theirs = tbdesk_model::records::TaskType::decode(&bytes).expect("decode");
    theirs.thread_number = 9;
    // Their blob also carries a key this form does not show (TBSchedule 3.4 writes it).
    let mut their_blob = theirs.encode();
    their_blob.insert_str(their_blob.len() - 1, ",\"fetchDataCountEachSchedule\":7");
    c.set_data(&path, their_blob.as_bytes(), None).await.expect("their write");
    app.wait_text("#stale", |t| t.contains("version 0 → 1")).await;
    app.fill("#f-threadNumber", "7").await;
    app.click("#save").await;
    app.wait_for("#use-theirs").await;
    let panel = app.wait_text(".conflict", |t| t.contains("Stored now")).await;
    assert!(panel.contains("\"threadNumber\":9"), "their version is shown: {panel}");
    let why = app.wait_text(".error[data-code='conflict']", |t| !t.is_empty()).await;
    assert!(why.contains("the edit expected version 0, it is now at version 1"), "in words: {why}");
    assert_eq!(
        tbdesk_model::records::TaskType::decode(&c.get_data(&path).await.expect("node").0)
            .expect("decode")
            .thread_number,
        9,
        "the conflict wrote nothing"
    );
    let _ = app.client.execute("document.querySelector('.conflict').scrollIntoView();", vec![]).await;
    app.screenshot("task-type-conflict").await;
    // "Use the stored version" loads theirs into the form ...
    app.click("#use-theirs").await;
    app.wait_prop("#f-threadNumber", "value", serde_json::json!("9")).await;
    assert!(!app.exists("#stale").await, "the form now stands on the stored version");
    // ... and a save from there is an ordinary update.
    app.fill("#f-threadNumber", "8").await;
    app.click("#save").await;
    app.wait_text("#saved", |t| t.contains("version 2")).await;
    let after = String::from_utf8(c.get_data(&path).await.expect("node").0).expect("utf8");
    assert!(
        after.contains("\"threadNumber\":8") && after.ends_with(",\"fetchDataCountEachSchedule\":7}"),
        "their unshown key survives: {after}"
    );
    // A second conflict, resolved the other way: "Overwrite with mine".
    theirs.thread_number = 11;
    c.set_data(&path, theirs.encode().as_bytes(), None).await.expect("their second write");
    app.wait_text("#stale", |t| t.contains("version 2 → 3")).await;
    app.click("#save").await;
    app.click("#overwrite").await;
    app.wait_text("#saved", |t| t.contains("version 4")).await;
    let mine = tbdesk_model::records::TaskType::decode(&c.get_data(&path).await.expect("node").0).expect("decode");
    assert_eq!(mine.thread_number, 8, "mine, chosen over theirs");
    tbdesk_tests::report::record(
        "console",
        "a task type changed by another process while its form is open (use theirs; overwrite with mine)",
        2,
        "warned live; Save is a conflict showing both versions; nothing overwritten unless chosen",
    );
    app.close().await;
}

/// A profile with a password: the password is in the keyring, absent from the data dir's
/// files and the app's log; after a restart the profile is there and its password works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_password_lives_only_in_the_keyring_and_survives_a_restart() {
    use zookeeper_client as zkc;
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let password = "Pw-e2e-7f3c91";
    // A root protected by digest alice:<password>, world READ only (Java's ACL).
    let owner = zk::connector(&server)
        .with_auth("digest", format!("alice:{password}").as_bytes())
        .connect(&server.connect_string())
        .await
        .expect("owner session");
    static ACL: [zkc::Acl; 2] = [
        zkc::Acl::new_const(zkc::Permission::ALL, "auth", ""),
        zkc::Acl::new_const(zkc::Permission::READ, "world", "anyone"),
    ];
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&ACL));
    for (p, d) in [
        ("/secure", &b""[..]),
        ("/secure/root", &b"tbschedule-3.2.12"[..]),
        ("/secure/root/baseTaskType", &b""[..]),
        ("/secure/root/factory", &b""[..]),
        ("/secure/root/strategy", &b""[..]),
    ] {
        owner.create(p, d, &opts).await.expect("create");
    }
    owner
        .create("/secure/root/strategy/OrderSync-Strategy", &zk::example("strategy.json"), &opts)
        .await
        .expect("strategy");
    let data = profile_for(&server, "/e2e/unused").await;
    let app_bin = bins::binary("tbdesk-app", "TBDESK_APP_BIN");
    let app = AppSession::start(&app_bin, data.path()).await;
    app.click("#add-profile").await;
    // The profile rules show at their fields as you type (the backend's own rules, in wasm);
    // while one stands neither Test nor Save can be pressed.
    app.fill("#p-name", "secure").await;
    app.fill("#p-connect", "localhost").await;
    app.fill("#p-root", "secure/root").await;
    app.fill("#p-timeout", "60s").await;
    let e = app.wait_text(".field-error[data-field='connect']", |t| !t.is_empty()).await;
    assert!(e.contains("\"localhost\" is not host:port"), "{e}");
    let e = app.wait_text(".field-error[data-field='root_path']", |t| !t.is_empty()).await;
    assert!(e.contains("must start with '/'"), "{e}");
    let e = app.wait_text(".field-error[data-field='session_timeout_ms']", |t| !t.is_empty()).await;
    assert!(e.contains("whole number"), "{e}");
    assert_eq!(app.prop("#p-save", "disabled").await, true);
    assert_eq!(app.prop("#p-test", "disabled").await, true);
    app.screenshot("profile-form-errors").await;
    app.fill("#p-timeout", "60000").await;
    app.fill("#p-connect", &server.connect_string()).await;
    app.fill("#p-root", "/secure/root").await;
    app.wait_prop("#p-save", "disabled", serde_json::json!(false)).await;
    app.fill("#p-user", "alice").await;
    app.fill("#p-password", password).await;
    app.click("#p-test").await;
    let report = app.wait_text("#p-outcome", |t| t.starts_with("Connected")).await;
    assert!(report.contains("is a TBSchedule root (tbschedule-3.2.12)"), "{report}");
    app.click("#p-save").await;
    app.wait_text("#strategy-OrderSync-Strategy", |t| !t.is_empty()).await;
    app.screenshot("profile-created").await;
    // Not on any process's command line either (the app, WebKit, the driver).
    for e in std::fs::read_dir("/proc").expect("proc").flatten() {
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            assert!(
                !cmd.windows(password.len()).any(|w| w == password.as_bytes()),
                "password on a command line: {:?}",
                e.path()
            );
        }
    }
    app.close().await;

    // The password is in the keyring ...
    let profiles = tbdesk_profiles::Profiles::open(&data.path().join("profiles.sqlite")).await.expect("db");
    let p = profiles.get("secure").await.expect("saved");
    assert!(p.has_password);
    assert_eq!(profiles.password(&p).await.expect("keyring").as_deref(), Some(password));
    drop(profiles);
    // ... and in no file of the app's data dir (SQLite, its WAL, the app's log).
    let mut scanned = 0;
    for entry in walk(data.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        scanned += 1;
        assert!(
            !bytes.windows(password.len()).any(|w| w == password.as_bytes()),
            "password found in {}",
            entry.display()
        );
    }
    assert!(scanned >= 2, "the database and the log were scanned");
    tbdesk_tests::report::record(
        "secrets",
        "a profile password: SQLite, its WAL, the app log, every process command line",
        scanned + 1,
        "absent everywhere; present in the keyring; works after restart",
    );

    // Restart: the profile is there and its password lets it write (pause needs ALL).
    let app = AppSession::start(&app_bin, data.path()).await;
    app.click("#profile-secure").await;
    app.wait_text("#strategy-OrderSync-Strategy", |t| t.contains("resumed")).await;
    app.click("#strategy-OrderSync-Strategy button").await;
    app.wait_text("#strategy-OrderSync-Strategy", |t| t.contains("paused")).await;
    let (d, _) = owner.get_data("/secure/root/strategy/OrderSync-Strategy").await.expect("read");
    assert!(String::from_utf8_lossy(&d).contains("\"sts\":\"pause\""));
    // The password goes only to the servers it was typed for: pointing the profile at one
    // more server without typing it again is refused at the password field, as you type.
    app.click("#edit-profile-secure").await;
    app.wait_prop("#p-connect", "value", serde_json::json!(server.connect_string())).await;
    app.fill("#p-connect", &format!("{},evil.example:2181", server.connect_string())).await;
    let e = app.wait_text(".field-error[data-field='password']", |t| !t.is_empty()).await;
    assert!(e.contains("type the password again"), "{e}");
    assert_eq!(app.prop("#p-save", "disabled").await, true);
    app.screenshot("profile-password-must-be-typed-again").await;
    app.fill("#p-connect", &server.connect_string()).await;
    app.wait_prop("#p-save", "disabled", serde_json::json!(false)).await;
    app.close().await;
    tbdesk_tests::report::record(
        "secrets",
        "the profile form: a server added without the password typed again",
        1,
        "the password field says to type it again and Save is disabled; with the servers as before, Save is enabled",
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Starts the local scheduler on OrderSync in `own_sign` from the window's scheduler tab.
async fn start_scheduler_from_window(app: &AppSession, own_sign: &str) {
    app.click("#tab-scheduler").await;
    app.wait_for("#s-task-type option[value='OrderSync']").await;
    app.fill("#s-own-sign", own_sign).await;
    app.click("#s-start").await;
}

/// `kill` (SIGTERM) of the app while its local scheduler runs ends it as closing the window
/// does: the strategy copy and the dev domain are removed, then the app exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_to_the_app_stops_its_scheduler_cleanly() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let (data, app) = live_app(&server, zk::SPEC_ROOT).await;
    start_scheduler_from_window(&app, "dev8").await;
    app.wait_text(".sched-group", |t| t.contains("0,1,2,3")).await;
    let domain = format!("{}/baseTaskType/OrderSync/OrderSync$dev8", zk::SPEC_ROOT);
    assert!(c.check_stat(&domain).await.expect("stat").is_some());
    // This test's app: the tbdesk-app whose environment names this data dir.
    let marker = format!("TBDESK_DATA_DIR={}", data.path().display());
    let pid = std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .find(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "tbdesk-app")
                && std::fs::read(format!("/proc/{p}/environ"))
                    .is_ok_and(|e| e.split(|b| *b == 0).any(|v| v == marker.as_bytes()))
        })
        .expect("the app's process");
    // SAFETY: kill(2) on the app this test started.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let t0 = std::time::Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
    {
        assert!(t0.elapsed() < Duration::from_secs(60), "the app did not exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c.check_stat(&domain).await.expect("stat").is_none(), "the dev domain was left behind");
    let copies: Vec<String> = c
        .list_children(&format!("{}/strategy", zk::SPEC_ROOT))
        .await
        .expect("strategies")
        .into_iter()
        .filter(|s| s.contains("dev8"))
        .collect();
    assert!(copies.is_empty(), "strategy copy left: {copies:?}");
    assert!(c.check_stat(&format!("{}/strategy/OrderSync-Strategy", zk::SPEC_ROOT)).await.expect("stat").is_some());
    drop(app);
    tbdesk_tests::report::record(
        "faults",
        "SIGTERM to the app while its local scheduler runs",
        1,
        "the strategy copy and the dev domain removed, the shared strategy kept, then the app exited",
    );
}

/// The local scheduler started from the window: its server and items appear in the
/// distribution picture (marked as this machine); a change by another process shows up
/// without reload; Stop removes what it created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_launched_from_the_window_shows_in_the_distribution() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let (_data, app) = live_app(&server, zk::SPEC_ROOT).await;
    start_scheduler_from_window(&app, "dev7").await;
    let warn = app.wait_text("#sched-capturing", |t| !t.is_empty()).await;
    assert!(warn.contains("OrderSync-Strategy"), "{warn}");
    let row = app.wait_text(".sched-group", |t| t.contains("0,1,2,3")).await;
    assert!(row.contains("OrderSync$dev7$"), "{row}");
    app.screenshot("scheduler").await;
    let log = app.wait_text("#sched-log", |t| t.contains("started")).await;
    assert!(log.contains("factory registered") && log.contains("thread group OrderSync$dev7$"), "{log}");
    app.screenshot("scheduler").await;
    app.click("#tab-distribution").await;
    app.wait_for("section.domain[data-domain='OrderSync$dev7'] g.srv.local").await;
    app.wait_for("section.domain[data-domain='OrderSync$dev7'] .item[data-item='3']").await;
    // The local server's heartbeat bar is fresh (green, well under half the judge-dead time).
    let local_bar =
        "section.domain[data-domain='OrderSync$dev7'] g.heartbeats rect.hb-ok[data-server^='OrderSync$dev7$']";
    app.wait_for("section.domain[data-domain='OrderSync$dev7'] g.srv.local").await;
    app.wait_for(local_bar).await;
    let fill = app
        .client
        .execute(&format!("return parseFloat(document.querySelector(\"{local_bar}\").dataset.fill)"), vec![])
        .await
        .expect("fill");
    assert!(fill.as_f64().is_some_and(|f| (0.0..0.5).contains(&f)), "{fill:?}");
    // Another process registers a server in the dev domain: it appears without reload.
    let fake = format!(
        "{}/baseTaskType/OrderSync/OrderSync$dev7/server/OrderSync$dev7$10.7.7.7$FAKE$0000000099",
        zk::SPEC_ROOT
    );
    zk::put(&c, &fake, &zk::example("server.json")).await;
    app.wait_for("g.srv[data-server='OrderSync$dev7$10.7.7.7$FAKE$0000000099']").await;
    app.screenshot("scheduler-distribution").await;
    let _ = c.delete(&fake, None).await;
    app.click("#tab-scheduler").await;
    app.click("#s-stop").await;
    // The strategy copy and the domain are gone, the shared strategy untouched.
    let t0 = std::time::Instant::now();
    while c.check_stat(&format!("{}/strategy/OrderSync-tbdesk", zk::SPEC_ROOT)).await.ok().flatten().is_some()
        || c.check_stat(&format!("{}/strategy/OrderSync-dev7-tbdesk", zk::SPEC_ROOT)).await.ok().flatten().is_some()
        || c.check_stat(&format!("{}/baseTaskType/OrderSync/OrderSync$dev7", zk::SPEC_ROOT))
            .await
            .ok()
            .flatten()
            .is_some()
    {
        assert!(t0.elapsed() < Duration::from_secs(30), "strategy copy or domain not removed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let domains = c.list_children(&format!("{}/baseTaskType/OrderSync", zk::SPEC_ROOT)).await.expect("list");
    assert_eq!(domains, vec!["OrderSync$TEST".to_string()]);
    let (d, _) = c.get_data(&format!("{}/strategy/OrderSync-Strategy", zk::SPEC_ROOT)).await.expect("shared");
    assert_eq!(d, zk::example("strategy.json"));
    app.close().await;
}

/// The health view shows the ensemble and the root's findings; "why not running?" names the
/// broken link and follows a fix made by another process without reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_why_not_running() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let (_data, app) = live_app(&server, zk::SPEC_ROOT).await;
    app.click("#tab-health").await;
    let row = app.wait_text("#ensemble tbody tr", |t| !t.is_empty()).await;
    assert!(row.contains("up") && row.contains("standalone"), "{row}");
    let f = app.wait_text("#findings", |t| !t.is_empty()).await;
    assert!(f.contains("have no live owner"), "{f}");
    assert!(!f.contains("clock differs"), "ZooKeeper runs on this machine: {f}");
    assert!(app.wait_text("#health-summary", |t| !t.is_empty()).await.eq_ignore_ascii_case("amber"));
    let health = app.wait_text("#health", |t| t.contains("Clock:")).await;
    let offset: i64 = health
        .split("this machine = ")
        .nth(1)
        .and_then(|r| r.split(" ms").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no clock line in {health}"));
    assert!(offset.abs() < 1000, "ZooKeeper on this machine shown {offset} ms off");
    app.screenshot("health").await;
    app.click("#tab-overview").await;
    app.click("#task-type-OrderSync button.why").await;
    // The example factory was asked for 2 thread groups and runs 1 (P4): the first broken link.
    let v = app.wait_text("#why-verdict", |t| !t.is_empty()).await;
    assert!(
        v.contains(
            "OrderSync$TEST is not running: every factory runs the thread groups the strategy leader asked of it"
        ),
        "{v}"
    );
    app.wait_for("li.broken[data-link='groups_started']").await;
    // Another process asks it for the one group it runs: followed live, next link broken.
    let factory = "10.0.0.11$app-01$5F0E3C9A8B7D4E21A3C6B9D8E7F60123$0000000001";
    let mut rt = tbdesk_model::records::StrategyRuntime::decode(&zk::example("strategyRuntime.json")).expect("decode");
    rt.request_num = 1;
    c.set_data(&format!("{}/strategy/OrderSync-Strategy/{factory}", zk::SPEC_ROOT), rt.encode().as_bytes(), None)
        .await
        .expect("requestNum 1");
    app.wait_for("li.ok[data-link='groups_started']").await;
    let v = app.wait_text("#why-verdict", |t| t.contains("task item")).await;
    assert!(v.contains("OrderSync$TEST is not running: every task item is assigned to a live server"), "{v}");
    app.wait_for("li.broken[data-link='items']").await;
    app.wait_for("#tab-health.active").await; // the chain is part of Health
    app.screenshot("why-not-running").await;
    let uuid = "OrderSync$TEST$10.0.0.11$8C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F$0000000003";
    for i in 1..4 {
        c.set_data(
            &format!("{}/baseTaskType/OrderSync/OrderSync$TEST/taskItem/{i}/cur_server", zk::SPEC_ROOT),
            uuid.as_bytes(),
            None,
        )
        .await
        .expect("assign");
    }
    app.wait_for("li.ok[data-link='items']").await;
    app.close().await;
}

/// A read-only profile refuses writes in the backend, even through a command crafted in the
/// webview (not only a disabled button).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_profile_refuses_a_crafted_command() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "ro", &server.connect_string(), zk::SPEC_ROOT, "production", true)
        .await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    let status = app.wait_text("#status", |t| t.contains("live")).await;
    assert!(status.contains("read-only"), "{status}");
    let mut blob: serde_json::Value = serde_json::from_slice(&zk::example("taskType.json")).expect("json");
    blob["baseTaskType"] = "Crafted".into();
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('save_task_type', { args: { profile: 'ro', task_type: arguments[0], expected: { kind: 'absent' } } })
               .then(r => done({ ok: r }), e => done({ err: e }));",
            vec![blob],
        )
        .await
        .expect("invoke");
    assert_eq!(answer["err"]["code"], "read_only", "{answer}");
    // A command outside the one list (wire::cmd::NAMES; the old skeleton's root_listing) is
    // refused by the app itself, and so are arguments not of the declared type.
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('root_listing', { args: { profile: 'ro' } }).then(r => done({ ok: r }), e => done({ err: String(e) }));",
            vec![],
        )
        .await
        .expect("invoke");
    let refused = answer["err"].as_str().unwrap_or_default().to_owned();
    assert!(refused.contains("not allowed") || refused.contains("not found"), "{answer}");
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('pause_strategy', { profile: 'ro', name: 'OrderSync-Strategy', pause: true })
               .then(r => done({ ok: r }), e => done({ err: String(e) }));",
            vec![],
        )
        .await
        .expect("invoke");
    assert!(answer["err"].as_str().is_some_and(|e| e.contains("args")), "{answer}");
    tbdesk_tests::report::record(
        "secrets",
        "crafted IPC calls from the webview: a write on a read-only profile, a command not in the list, arguments not of the declared type",
        3,
        "refused (read_only; not allowed; missing args); nothing written",
    );
    assert!(matches!(
        c.get_data(&format!("{}/baseTaskType/Crafted", zk::SPEC_ROOT)).await,
        Err(zookeeper_client::Error::NoNode)
    ));
    // The pause button meets the same refusal, shown as such.
    app.click("#strategy-OrderSync-Strategy button").await;
    let err = app.wait_text(".error[data-code='read_only']", |t| !t.is_empty()).await;
    assert!(err.contains("read-only"), "{err}");
    let (d, _) = c.get_data(&format!("{}/strategy/OrderSync-Strategy", zk::SPEC_ROOT)).await.expect("read");
    assert_eq!(d, zk::example("strategy.json"), "nothing written");
    app.close().await;
}

/// Export from one profile, plan and apply the import into another, diff the two; Ctrl+2
/// switches profile and the last profile is shown again after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_diff_shortcuts_and_last_profile() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    zk::put_empty_root(&c, "/copy/root").await;
    let data = tempfile::tempdir().expect("data dir");
    for (name, root) in [("a-demo", zk::SPEC_ROOT), ("b-copy", "/copy/root")] {
        tbdesk_tests::app::add_profile(data.path(), name, &server.connect_string(), root, "none", false).await;
    }
    let bin = bins::binary("tbdesk-app", "TBDESK_APP_BIN");
    let app = AppSession::start(&bin, data.path()).await;
    app.wait_text("#strategy-OrderSync-Strategy", |t| !t.is_empty()).await;
    app.click("#tab-transfer").await;
    app.fill("#t-format", "java").await;
    app.click("#t-export").await;
    let mut exported = String::new();
    for _ in 0..100 {
        exported = serde_json::from_value(app.prop("#t-exported", "value").await).expect("text");
        if !exported.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(exported.as_bytes(), &zk::example("config-export.txt")[..], "export is the Java console's bytes");
    // The keyboard, through real key events: Alt+2 opens the second view, arrows move between
    // views while a tab has the focus, "/" jumps to the filter, Ctrl+2 the second profile.
    use fantoccini::key::Key;
    app.press(&[Key::Alt.into(), '2']).await;
    app.wait_for("#tab-task-type.active").await;
    app.wait_for("#task-type-form").await;
    app.click("#tab-task-type").await;
    app.press(&[Key::Right.into()]).await;
    app.wait_for("#tab-strategy.active").await;
    assert_eq!(app.focused_id().await, "tab-strategy", "the focus follows the selected tab");
    app.screenshot("keyboard-tabs").await;
    app.press(&[Key::Home.into()]).await;
    app.wait_for("#tab-overview.active").await;
    app.press(&[Key::Left.into()]).await;
    app.wait_for("#tab-nodes.active").await;
    app.press(&['/']).await;
    app.wait_for("#tab-overview.active").await;
    for _ in 0..50 {
        if app.focused_id().await == "filter" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.focused_id().await, "filter");
    assert_eq!(app.prop("#filter", "value").await, "", "the '/' is not typed into the filter");
    for k in ['O', 'r', 'd', '/'] {
        app.press(&[k]).await;
    }
    assert_eq!(app.prop("#filter", "value").await, "Ord/", "typing in the filter is left alone, '/' too");
    app.press(&[Key::Control.into(), '2']).await;
    app.wait_text("#status", |t| t.contains("/copy/root")).await;
    app.click("#tab-transfer").await;
    app.fill("#t-other", "a-demo").await;
    app.click("#t-diff").await;
    let d = app.wait_text("#t-diff-result", |t| !t.is_empty()).await;
    assert!(d.contains("create taskType OrderSync") && d.contains("create strategy OrderSync-Strategy"), "{d}");
    app.fill("#t-import", &exported).await;
    app.click("#t-plan").await;
    let plan = app.wait_text("#t-plan-result", |t| !t.is_empty()).await;
    assert!(plan.contains("create taskType OrderSync"), "{plan}");
    assert!(
        matches!(c.get_data("/copy/root/baseTaskType/OrderSync").await, Err(zookeeper_client::Error::NoNode)),
        "a plan writes nothing"
    );
    app.screenshot("transfer-plan").await;
    app.click("#t-apply").await;
    app.wait_text("#t-applied", |t| t.contains("2 change(s)")).await;
    assert_eq!(
        c.get_data("/copy/root/baseTaskType/OrderSync").await.expect("imported").0,
        zk::example("taskType.json")
    );
    app.close().await;
    // Restart: the last profile (b-copy) is shown again.
    let app = AppSession::start(&bin, data.path()).await;
    app.wait_text("#status", |t| t.contains("/copy/root")).await;
    app.wait_for("#profile-b-copy.active").await;
    app.close().await;
}

/// Editing and duplicating a profile from the sidebar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_are_edited_and_duplicated() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let data = profile_for(&server, "/e2e/wrong").await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.click("#edit-profile-e2e").await;
    app.wait_text("#profile-form h3", |t| t == "Profile e2e").await;
    // The form is filled from the stored profile.
    for _ in 0..50 {
        if app.prop("#p-root", "value").await == "/e2e/wrong" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.fill("#p-root", zk::SPEC_ROOT).await;
    app.click("#p-save").await;
    app.wait_text("#strategy-OrderSync-Strategy", |t| !t.is_empty()).await;
    // The edited profile has a new follower; it is live too.
    let extra = String::from_utf8(zk::example("taskType.json")).expect("utf8").replace("\"OrderSync\"", "\"Edited\"");
    zk::put(&c, &format!("{}/baseTaskType/Edited", zk::SPEC_ROOT), extra.as_bytes()).await;
    app.wait_text("#task-type-Edited", |t| !t.is_empty()).await;
    app.click("#duplicate-profile-e2e").await;
    app.wait_text("#profile-form h3", |t| t == "Copy of profile e2e").await;
    for _ in 0..50 {
        if app.prop("#p-name", "value").await == "e2e copy" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.click("#p-save").await;
    let copy = app.wait_text("#profile-e2e\\ copy", |t| !t.is_empty()).await;
    assert!(copy.contains(zk::SPEC_ROOT), "{copy}");
    app.close().await;
    let profiles = tbdesk_profiles::Profiles::open(&data.path().join("profiles.sqlite")).await.expect("db");
    let names: Vec<String> = profiles.list().await.expect("list").into_iter().map(|p| p.fields.name).collect();
    assert_eq!(names, vec!["e2e".to_string(), "e2e copy".to_string()]);
}

/// The strategy form: errors at their fields, nothing written; fixed, it saves the spec's exact
/// JSON; "copy to own sign" creates the copy for a developer's domain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strategy_form_validates_saves_and_copies_to_an_own_sign() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    let root = "/e2e/strategies";
    zk::put_empty_root(&c, root).await;
    let (_data, app) = live_app(&server, root).await;
    app.click("#tab-strategy").await;
    app.wait_for("#strategy-form").await;
    for (id, v) in [
        ("#f-strategyName", "Order Sync"),
        ("#f-taskName", "OrderSync$"),
        ("#f-IPList", "127.0.0.1,,"),
        ("#f-assignNum", "two"),
    ] {
        app.fill(id, v).await;
    }
    for (field, rule) in
        [("strategyName", "name_chars"), ("taskName", "own_sign"), ("IPList", "ip_entry"), ("assignNum", "number")]
    {
        let e = app.wait_text(&format!(".field-error[data-field='{field}']"), |t| !t.is_empty()).await;
        assert!(e.contains(rule), "{field}: {e}");
    }
    assert_eq!(app.prop("#save", "disabled").await, serde_json::Value::Bool(true));
    app.screenshot("strategy-form-errors").await;
    assert!(c.list_children(&format!("{root}/strategy")).await.expect("list").is_empty(), "nothing written");
    for (id, v) in [
        ("#f-strategyName", "OrderSync-Strategy"),
        ("#f-taskName", "OrderSync$TEST"),
        ("#f-IPList", "127.0.0.1"),
        ("#f-assignNum", "2"),
    ] {
        app.fill(id, v).await;
    }
    app.wait_prop("#save", "disabled", serde_json::Value::Bool(false)).await;
    // 127.0.0.1 stays a warning (it captures every machine), not an error.
    app.wait_for(".field-warning[data-rule='ip_captures_all']").await;
    app.click("#save").await;
    app.wait_text("#saved", |t| t.contains("Saved OrderSync-Strategy")).await;
    let (bytes, _) = c.get_data(&format!("{root}/strategy/OrderSync-Strategy")).await.expect("written");
    assert_eq!(bytes, zk::example("strategy.json"), "the node holds the spec's exact JSON");
    app.fill("#copy-own-sign", "dev1").await;
    app.click("#copy-own-sign-save").await;
    app.wait_text("#saved", |t| t.contains("Created OrderSync-Strategy-dev1")).await;
    let (bytes, _) = c.get_data(&format!("{root}/strategy/OrderSync-Strategy-dev1")).await.expect("copy");
    let copy = String::from_utf8(bytes).expect("utf8");
    assert!(copy.contains("\"taskName\":\"OrderSync$dev1\""), "{copy}");
    app.close().await;
}

/// The Java console's deletes and factory switch in the window, on the spec's tree (a Java
/// factory registered under the strategy, its server in the domain): Stop / Start write Java's
/// `false` / `true`; deleting the task type a strategy points at is refused, naming it, and so
/// is deleting the strategy a factory is registered under; once the factory has ended, the
/// strategy is deleted, and the task type after its dead server's node is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_and_the_factory_switch_from_the_window() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let root = zk::SPEC_ROOT;
    let (_data, app) = live_app(&server, root).await;
    let factory = "10.0.0.11$app-01$5F0E3C9A8B7D4E21A3C6B9D8E7F60123$0000000001";
    app.client.execute("window.confirm = () => true;", vec![]).await.expect("confirm");
    let switch = format!("#factories .factory-switch[data-uuid='{factory}']");
    app.wait_text(&switch, |t| t == "Stop").await;
    app.click(&switch).await;
    app.wait_text(&switch, |t| t == "Start").await;
    assert_eq!(c.get_data(&format!("{root}/factory/{factory}")).await.expect("factory").0, b"false");
    app.screenshot("factory-stopped").await;
    app.click(&switch).await;
    app.wait_text(&switch, |t| t == "Stop").await;
    assert_eq!(c.get_data(&format!("{root}/factory/{factory}")).await.expect("factory").0, b"true");

    // The task type a strategy points at: a cancelled confirmation sends nothing; confirmed,
    // refused, naming the strategy.
    app.click("#task-type-OrderSync a").await;
    app.wait_for("#delete-task-type").await;
    app.client.execute("window.confirm = () => false;", vec![]).await.expect("cancel");
    app.click("#delete-task-type").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!app.exists(".delete-bar .error").await && !app.exists("#deleted").await, "cancelled: nothing sent");
    app.client.execute("window.confirm = () => true;", vec![]).await.expect("confirm");
    app.click("#delete-task-type").await;
    let why = app.wait_text(".delete-bar .error", |t| !t.is_empty()).await;
    assert!(why.contains("Not deleted") && why.contains("used by strategy OrderSync-Strategy"), "{why}");
    let _ = app.client.execute("document.querySelector('.delete-bar').scrollIntoView();", vec![]).await;
    app.screenshot("delete-refused").await;
    // The strategy a factory is registered under: refused, naming the factory.
    app.click("#tab-overview").await;
    app.click("#strategy-OrderSync-Strategy a").await;
    app.wait_for("#delete-strategy").await;
    app.click("#delete-strategy").await;
    let why = app.wait_text(".delete-bar .error[data-code='running']", |t| !t.is_empty()).await;
    assert!(why.contains(factory), "{why}");
    assert!(c.check_stat(&format!("{root}/strategy/OrderSync-Strategy")).await.expect("stat").is_some());

    // The Java factory ends: the strategy goes, then the task type (its dead server removed).
    drop(c);
    let c = zk::client(&server).await;
    let rt = format!("{root}/strategy/OrderSync-Strategy/{factory}");
    let t0 = std::time::Instant::now();
    while c.check_stat(&rt).await.expect("stat").is_some() {
        assert!(t0.elapsed() < Duration::from_secs(30), "the factory's session did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.click("#delete-strategy").await;
    app.wait_text("#deleted", |t| t.contains("Deleted strategy OrderSync-Strategy")).await;
    assert!(c.check_stat(&format!("{root}/strategy/OrderSync-Strategy")).await.expect("stat").is_none());
    let servers = format!("{root}/baseTaskType/OrderSync/OrderSync$TEST/server");
    for s in c.list_children(&servers).await.expect("servers") {
        c.delete(&format!("{servers}/{s}"), None).await.expect("dead server removed");
    }
    app.click("#tab-overview").await;
    app.click("#task-type-OrderSync a").await;
    app.wait_for("#delete-task-type").await;
    app.click("#delete-task-type").await;
    app.wait_text("#deleted", |t| t.contains("Deleted task type OrderSync")).await;
    assert!(c.check_stat(&format!("{root}/baseTaskType/OrderSync")).await.expect("stat").is_none());
    app.screenshot("task-type-deleted").await;
    app.close().await;
}

/// The app's process in New York, the profile's Java schedulers in Shanghai: the status bar,
/// the form's fire times and run windows and "why not running?" use Shanghai and say so, with
/// New York on hover; changing the profile's zone re-evaluates them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profiles_zone_is_used_and_named_everywhere() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    let root = "/e2e/zone";
    zk::put_empty_root(&c, root).await;
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile_in_zone(
        data.path(),
        "e2e",
        &server.connect_string(),
        root,
        "blue",
        false,
        "Asia/Shanghai",
    )
    .await;
    let app = AppSession::start_with_env(
        &bins::binary("tbdesk-app", "TBDESK_APP_BIN"),
        data.path(),
        &[("TZ", "America/New_York")],
    )
    .await;
    app.wait_text("#status", |t| t.contains("live")).await;
    let z = app.wait_text("#status-zone", |t| !t.is_empty()).await;
    assert!(z.contains("Asia/Shanghai"), "{z}");
    app.click("#tab-task-type").await;
    app.wait_for("#task-type-form").await;
    app.fill("#f-permitRunStartTime", "0 0 9 * * ?").await;
    let first = app.wait_text("#fire-start li", |t| !t.is_empty()).await;
    assert!(first.contains(" 09:00:00 Asia/Shanghai"), "{first}");
    let hover = app
        .client
        .execute("return document.querySelector('#fire-start li .zoned').title;", vec![])
        .await
        .expect("title");
    let hover = hover.as_str().unwrap_or_default().to_owned();
    assert!(
        hover.contains("America/New_York") && (hover.contains(" 20:00:00 ") || hover.contains(" 21:00:00 ")),
        "{hover}"
    );
    // the CLI's cron in the same zone agrees
    let out = std::process::Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .args(["cron", "0 0 9 * * ?", "--tz", "Asia/Shanghai", "--count", "1"])
        .output()
        .expect("tbdesk cron");
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    let cli_first = line.split('\t').nth(1).unwrap_or_default().replace('T', " ");
    assert!(first.starts_with(&cli_first[..19]), "UI {first} vs CLI {line}");
    app.screenshot("zone-form").await;
    // The profile's zone changes: the form and the status bar follow.
    app.click("#edit-profile-e2e").await;
    app.fill("#p-zone", "Mars/Olympus").await;
    let e = app.wait_text(".field-error[data-field='zone']", |t| !t.is_empty()).await;
    assert!(e.contains("IANA"), "the rule shows as you type: {e}");
    app.fill("#p-zone", "Europe/Berlin").await;
    app.click("#p-save").await;
    app.wait_text("#status-zone", |t| t.contains("Europe/Berlin")).await;
    app.click("#tab-task-type").await;
    app.wait_for("#task-type-form").await;
    app.fill("#f-permitRunStartTime", "0 0 9 * * ?").await;
    let first = app.wait_text("#fire-start li", |t| t.contains("Europe/Berlin")).await;
    assert!(first.contains(" 09:00:00 Europe/Berlin"), "{first}");
    // A wall time in Berlin's spring-forward gap (2027-03-28 02:30 does not exist there). Java's
    // cron skips such a day, so in Berlin this one-shot cron never fires, while in Shanghai it
    // does. The UI (the model in wasm) and the backend (the CLI, native) judge it alike.
    let gap = "0 30 2 28 3 ? 2027";
    app.fill("#f-permitRunStartTime", gap).await;
    let e = app.wait_text(".field-error[data-field='permitRunStartTime']", |t| !t.is_empty()).await;
    assert!(e.contains("never fires again") && e.contains("cron_fires"), "the UI in Berlin: {e}");
    assert!(!app.exists("#fire-start li").await, "no fire time listed");
    let cron = |tz: &str| {
        let out = std::process::Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
            .args(["cron", gap, "--tz", tz, "--from", "2026-01-01T00:00:00Z", "--count", "1"])
            .output()
            .expect("tbdesk cron");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(cron("Europe/Berlin").starts_with("NONE\t"), "the backend in Berlin: {}", cron("Europe/Berlin"));
    assert!(cron("Asia/Shanghai").starts_with("OK\t2027-03-28T02:30:00+08:00"), "{}", cron("Asia/Shanghai"));
    app.screenshot("zone-dst-gap").await;
    tbdesk_tests::report::record(
        "time zones",
        "a one-shot cron in Berlin's 2027 spring-forward gap, app in New York, profile in Berlin",
        1,
        "UI (wasm) and backend alike: never fires in Berlin (Java skips the day); fires in Shanghai",
    );
    app.close().await;
}

/// The home: every profile at a glance, a dead one red and named, a click opens a profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_shows_every_profile_and_opens_one() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let data = profile_for(&server, zk::SPEC_ROOT).await;
    let gone = zk::silent_server().await;
    tbdesk_tests::app::add_profile(data.path(), "gone", &gone.to_string(), "/x/root", "production", false).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.click("#home").await;
    let live =
        app.wait_text("#home-table .home-row[data-profile='e2e'][data-summary='amber']", |t| !t.is_empty()).await;
    let release = server.version().unwrap_or("3.8");
    assert!(live.contains(release) && live.contains("have no live owner"), "{live}");
    let dead = app.wait_text("#home-table .home-row[data-profile='gone'][data-summary='red']", |t| !t.is_empty()).await;
    assert!(dead.contains("cannot be read"), "{dead}");
    app.screenshot("home").await;
    // The view is rebuilt when the live state arrives and when a tab changes: a poll of a view
    // that is gone must never touch its signals (that panicked and took the whole page down).
    app.click("#tab-health").await;
    app.wait_for("#ensemble").await;
    app.click("#home").await;
    app.wait_for("#home-table .home-row[data-profile='e2e']").await;
    app.click("#home-table .home-row[data-profile='e2e'] a").await;
    let row = app.wait_text("#strategy-OrderSync-Strategy", |t| !t.is_empty()).await;
    assert!(row.contains("OrderSync"), "{row}");
    // Past the health and home polls' periods (10 s, 30 s would be too long here: the health one).
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert!(!app.exists("#fatal").await, "the page died: {}", app.body_text().await);
    app.wait_text("#strategy-OrderSync-Strategy", |t| !t.is_empty()).await;
    app.close().await;
}

/// A root of 300 task types, the first with 200 items: the overview draws only the rows in
/// view (the others are spacers), scrolling draws them, a change to a drawn row shows with no
/// reload (the page fetched only what changed), and the distribution collapses a long item
/// list behind "Show all items".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_root_draws_only_what_is_in_view() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    let root = "/big/root";
    let nodes = zk::build_synthetic_root_with(&c, root, 300, 1, 200).await;
    let (_data, app) = live_app(&server, root).await;
    app.wait_text("#status", |t| t.contains(&format!("{nodes} nodes"))).await;
    app.wait_for("#strategy-Strategy0000").await;
    let count = |css: &'static str| {
        let app = &app;
        async move {
            let js = format!("return document.querySelectorAll({css:?}).length;");
            app.client.execute(&js, vec![]).await.expect("count").as_u64().expect("a number")
        }
    };
    let drawn = count("#strategies tbody tr[id]").await;
    assert!((10..=40).contains(&drawn), "strategy rows drawn: {drawn} of 300");
    assert!(count("#task-types tbody tr[id]").await <= 40);
    assert!(!app.exists("#strategy-Strategy0299").await, "the last row is not drawn before a scroll");
    let elements = count("*").await;
    assert!(elements < 2500, "the page holds {elements} elements for 300 task types");
    app.client
        .execute("const el = document.getElementById('strategies-scroll'); el.scrollTop = el.scrollHeight;", vec![])
        .await
        .expect("scroll");
    app.wait_for("#strategy-Strategy0299").await;
    assert!(!app.exists("#strategy-Strategy0000").await, "the first row left the view");
    app.screenshot("overview-large-scrolled").await;

    // Another process changes the drawn row: the window follows.
    let path = format!("{root}/strategy/Strategy0299");
    let (blob, _) = c.get_data(&path).await.expect("strategy");
    let mut s = tbdesk_model::records::Strategy::decode(&blob).expect("decode");
    s.assign_num = 77;
    c.set_data(&path, s.encode().as_bytes(), None).await.expect("write");
    let row = app.wait_text("#strategy-Strategy0299", |t| t.contains("77 /")).await;
    assert!(row.contains("Task0299"), "{row}");
    // The filter narrows the table to what matches, drawn whole.
    app.fill("#filter", "Task0150").await;
    app.wait_for("#strategy-Strategy0150").await;
    assert_eq!(count("#strategies tbody tr[id]").await, 1);
    // "Pause shown" pauses what the filter shows, in one write.
    app.client.execute("window.confirm = () => true;", vec![]).await.expect("confirm");
    app.click("#pause-shown").await;
    app.wait_text("#strategy-Strategy0150", |t| t.contains("paused")).await;
    let (b, _) = c.get_data(&format!("{root}/strategy/Strategy0150")).await.expect("strategy");
    assert_eq!(tbdesk_model::records::Strategy::decode(&b).expect("decode").sts.as_deref(), Some("pause"));
    let (b, _) = c.get_data(&format!("{root}/strategy/Strategy0151")).await.expect("strategy");
    assert_ne!(
        tbdesk_model::records::Strategy::decode(&b).expect("decode").sts.as_deref(),
        Some("pause"),
        "not shown, not paused"
    );

    // 200 items on three servers: collapsed to 48 tiles a server, all on demand.
    app.fill("#filter", "Task0000").await;
    app.click("#task-type-Task0000 button").await;
    app.wait_for("svg.dist g.srv").await;
    let tiles = count("section.domain[data-domain='Task0000'] svg.dist .item").await;
    assert_eq!(tiles, 3 * 48, "three servers, 48 tiles each while collapsed");
    app.wait_text("section.domain[data-domain='Task0000'] svg.dist text.more", |t| t.contains("more item")).await;
    app.click("#dist-all-items").await;
    app.wait_for("section.domain[data-domain='Task0000'] svg.dist .item[data-item='199']").await;
    assert_eq!(count("section.domain[data-domain='Task0000'] svg.dist .item").await, 200);
    // Compact: one element per item, and the picture's hover line says which item and whose.
    let before = count("section.domain[data-domain='Task0000'] svg.dist *").await;
    app.click("#dist-compact").await;
    app.wait_for("section.domain[data-domain='Task0000'] svg.dist rect.item[data-item='199']").await;
    let after = count("section.domain[data-domain='Task0000'] svg.dist *").await;
    assert!(after + 2 * 200 <= before, "compact tiles are single elements: {before} -> {after}");
    let said = app
        .client
        .execute(
            "const t = document.querySelector(\"section.domain[data-domain='Task0000'] rect.item[data-item='7']\");
             t.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
             return [t.dataset.owner, document.querySelector(\"section.domain[data-domain='Task0000'] .dist-hover\").textContent];",
            vec![],
        )
        .await
        .expect("hover");
    let (owner, line) = (said[0].as_str().unwrap_or_default(), said[1].as_str().unwrap_or_default());
    let ip = owner.split('$').nth(1).unwrap_or_default();
    assert!(line.starts_with("item 7 · ") && !ip.is_empty() && line.contains(ip), "{said}");
    let options = count("#dist-task-type option").await;
    assert!(options <= 201, "the picker offers {options} options");
    app.screenshot("distribution-large").await;
    app.close().await;
}

/// A 3-server ensemble: the window follows the root, a task type form is open with an edit and
/// the local scheduler runs when the ensemble's leader is killed. The form's save lands (a
/// failed attempt says why and a retry lands; a conflict would show both versions), the live
/// view resumes, the scheduler keeps processing its items, and health shows the dead server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_rides_out_the_ensemble_leaders_death() {
    let mut e = tbdesk_zkserver::Ensemble::start(3, &tbdesk_zkserver::Options::default()).expect("ensemble");
    let c = zookeeper_client::Client::connect(&e.connect_string()).await.expect("client");
    zk::load_spec_tree(&c).await;
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "e2e", &e.connect_string(), zk::SPEC_ROOT, "blue", false).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.wait_text("#status", |t| t.contains("live")).await;
    start_scheduler_from_window(&app, "ens").await;
    app.wait_text(".sched-group", |t| t.contains("0,1,2,3")).await;
    app.click("#tab-overview").await;
    app.click("#task-type-OrderSync a").await;
    app.wait_for("#task-type-form").await;
    app.fill("#f-taskParameter", "after-leader").await;
    app.wait_prop("#save", "disabled", serde_json::Value::Bool(false)).await;

    let leader = e.leader().expect("leader");
    e.stop(leader);
    let t0 = std::time::Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        app.click("#save").await;
        let outcome = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                if app.exists("#saved").await {
                    return "saved";
                }
                if app.exists("#use-theirs").await {
                    return "conflict";
                }
                if app.exists(".error[role='alert']").await {
                    return "error";
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .unwrap_or("no answer");
        match outcome {
            "saved" => break,
            "conflict" => panic!("nobody else wrote: a conflict is wrong here: {}", app.body_text().await),
            other => {
                assert!(t0.elapsed() < Duration::from_secs(60), "no save landed after the leader died ({other})");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    let path = format!("{}/baseTaskType/OrderSync", zk::SPEC_ROOT);
    let stored = tbdesk_model::records::TaskType::decode(&c.get_data(&path).await.expect("node").0).expect("decode");
    assert_eq!(stored.task_parameter.as_deref(), Some("after-leader"), "the form's save landed once");
    // The live view follows a change made by another client after the fault.
    let mut extra = String::from_utf8(zk::example("taskType.json")).expect("utf8");
    extra = extra.replace("\"OrderSync\"", "\"Invoices\"");
    zk::put(&c, &format!("{}/baseTaskType/Invoices", zk::SPEC_ROOT), extra.as_bytes()).await;
    app.click("#tab-overview").await;
    app.wait_for("#task-type-Invoices").await;
    // The scheduler still holds its items, and health names the server that is gone.
    app.click("#tab-scheduler").await;
    app.wait_text(".sched-group", |t| t.contains("0,1,2,3")).await;
    app.click("#tab-health").await;
    app.wait_text("#ensemble", |t| t.contains("DOWN")).await;
    app.wait_for("#findings li[data-code='server_unreachable']").await;
    app.screenshot("ensemble-leader-killed").await;
    e.restart(leader).expect("restart");
    tbdesk_tests::report::record(
        "ensemble",
        "3-server ensemble, the window: leader killed while a task type form holds an edit, the live view follows and the local scheduler runs",
        1,
        &format!("the form's save landed (attempt {attempts}), the live view resumed, the scheduler kept its items, health showed the server down"),
    );
    app.click("#tab-scheduler").await;
    app.click("#s-stop").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.close().await;
}

/// The journal in the window: two edits of a task type in the form with another client's change
/// between them; reverting the first is refused with the three versions shown, reverting the
/// last puts the other client's bytes back; the inspector shows a binary foreign node as hex.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_reverts_and_the_inspector() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let (_data, app) = live_app(&server, zk::SPEC_ROOT).await;
    let path = format!("{}/baseTaskType/OrderSync", zk::SPEC_ROOT);
    app.click("#task-type-OrderSync a").await;
    app.wait_for("#task-type-form").await;
    app.fill("#f-threadNumber", "7").await;
    app.click("#save").await;
    app.wait_text("#saved", |t| t.contains("version 1")).await;
    // Another client changes it; the form's next save goes through "use theirs".
    let (blob, stat) = c.get_data(&path).await.expect("node");
    let theirs = String::from_utf8(blob).expect("utf8").replace("\"threadNumber\":7", "\"threadNumber\":9");
    c.set_data(&path, theirs.as_bytes(), Some(stat.version)).await.expect("their write");
    app.wait_for("#stale").await;
    app.click("#save").await;
    app.click("#use-theirs").await;
    app.wait_prop("#f-threadNumber", "value", serde_json::json!("9")).await;
    app.fill("#f-threadNumber", "8").await;
    app.click("#save").await;
    app.wait_text("#saved", |t| t.contains("version 3")).await;

    app.click("#tab-history").await;
    // The journal, newest first: [entry, command, text] of each; another client's change is
    // there too, marked as not made by tbdesk.
    let entries = || async {
        let v = app
            .client
            .execute(
                "return Array.from(document.querySelectorAll('#journal li')).map(li => [li.dataset.entry, li.dataset.command, li.textContent]);",
                vec![],
            )
            .await
            .expect("entries");
        serde_json::from_value::<Vec<(String, String, String)>>(v).expect("triples")
    };
    app.wait_for("#journal li[data-command='external']").await;
    let list = entries().await;
    let saves: Vec<&(String, String, String)> = list.iter().filter(|e| e.1 == "save_task_type").collect();
    assert_eq!(saves.len(), 3, "two saves and the refused one: {list:?}");
    let (last, refused, first) = (saves[0], saves[1], saves[2]);
    assert!(first.2.contains("threadNumber") && first.2.contains("applied"), "{first:?}");
    assert!(refused.2.contains("failed"), "{refused:?}");
    let external = list.iter().find(|e| e.1 == "external").expect("the other client's change");
    assert!(external.2.contains("not tbdesk") && external.2.contains("threadNumber"), "{external:?}");
    app.screenshot("history").await;
    app.click(&format!("#journal li[data-entry='{}'] button.revert", first.0)).await;
    let conflict = app.wait_text("#revert-conflict", |t| t.contains("Now")).await;
    assert!(conflict.contains("v0") && conflict.contains("v1") && conflict.contains("v3"), "{conflict}");
    app.screenshot("history-revert-conflict").await;
    assert!(
        String::from_utf8(c.get_data(&path).await.expect("node").0).expect("utf8").contains("\"threadNumber\":8"),
        "refused: nothing written"
    );
    app.click(&format!("#journal li[data-entry='{}'] button.revert", last.0)).await;
    app.wait_text("#reverted", |t| t.contains(&format!("Reverted #{}", last.0))).await;
    assert_eq!(c.get_data(&path).await.expect("node").0, theirs.as_bytes(), "the last edit undone to the byte");
    app.wait_text("#journal li[data-command='revert']", |t| t.contains(&format!("reverts #{}", last.0))).await;

    // The inspector: a binary node nobody of TBSchedule wrote.
    zk::put(&c, &format!("{}/blob", zk::SPEC_ROOT), &[0xca, 0xfe, 0x00, 0x41]).await;
    app.click("#tab-nodes").await;
    app.wait_for("#node-children").await;
    app.fill("#node-path", &format!("{}/blob", zk::SPEC_ROOT)).await;
    let hex = app.wait_text("#node-data[data-kind='hex']", |t| !t.is_empty()).await;
    assert!(hex.starts_with("0000  ca fe 00 41"), "{hex}");
    app.wait_text("#node-acl", |t| t.contains("anyone may read")).await;
    app.screenshot("inspector").await;
    // An ephemeral node's session, to the digit: session ids are above 2^53, which the page's
    // JavaScript numbers would round (the node view travels as bytes parsed in wasm).
    // (A session whose id a double cannot hold: above 2^53 with a low bit set.)
    let mut owner = zk::client(&server).await;
    for _ in 0..16 {
        if owner.session_id().0 & 0b111 != 0 {
            break;
        }
        owner = zk::client(&server).await;
    }
    let sid = owner.session_id().0;
    assert!(sid.unsigned_abs() > 1 << 53 && sid & 0b111 != 0, "the case that rounds: {sid:#x}");
    let eph = format!("{}/eph", zk::SPEC_ROOT);
    let acl = zookeeper_client::Acls::anyone_all();
    owner.create(&eph, b"x", &zookeeper_client::CreateMode::Ephemeral.with_acls(acl)).await.expect("ephemeral");
    app.fill("#node-path", &eph).await;
    let stat = app.wait_text("#node-stat", |t| t.contains("ephemeral")).await;
    assert!(stat.contains(&format!("session {sid:#x}")), "{sid:#x} not shown exactly: {stat}");
    // A text node edited in place, at the version shown (the confirmation answered yes).
    zk::put(&c, &format!("{}/note", zk::SPEC_ROOT), b"hello").await;
    app.fill("#node-path", &format!("{}/note", zk::SPEC_ROOT)).await;
    app.wait_text("#node-data[data-kind='text']", |t| t == "hello").await;
    app.client.execute("window.confirm = () => true;", vec![]).await.expect("confirm");
    app.click("#node-edit").await;
    app.fill("#node-text", "hello again").await;
    app.click("#node-save").await;
    app.wait_text("#node-data", |t| t == "hello again").await;
    assert_eq!(c.get_data(&format!("{}/note", zk::SPEC_ROOT)).await.expect("note").0, b"hello again");
    // The support bundle, one click on the Health tab.
    app.click("#tab-health").await;
    app.click("#support-bundle").await;
    let written = app.wait_text("#bundle-path", |t| t.contains(".zip")).await;
    let path = written.rsplit_once(": ").map(|(_, p)| p.trim().to_owned()).unwrap_or_default();
    let zip = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(zip.starts_with(b"PK"), "a zip at {path}");
    app.close().await;
}

/// Export to a file and import it back through the file buttons (the dialogs answered by
/// TBDESK_FILE_DIALOG_ANSWER, the one path the backend then reads or writes), and a file dropped
/// on the import box.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_through_files_and_a_drop() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let data = profile_for(&server, zk::SPEC_ROOT).await;
    let file = data.path().join("exported.json");
    let answer = file.to_str().expect("path").to_owned();
    let app = AppSession::start_with_env(
        &bins::binary("tbdesk-app", "TBDESK_APP_BIN"),
        data.path(),
        &[("TBDESK_FILE_DIALOG_ANSWER", answer.as_str())],
    )
    .await;
    app.wait_text("#status", |t| t.contains("live")).await;
    app.click("#tab-transfer").await;
    app.click("#t-export-file").await;
    app.wait_text("#t-file-note", |t| t.contains("exported.json")).await;
    let text = std::fs::read_to_string(&file).expect("the export file");
    assert!(text.contains("OrderSync-Strategy") && text.contains("\"assignNum\": 2"), "{text}");
    // Edited outside, opened back through the button: the plan names the change.
    std::fs::write(&file, text.replace("\"assignNum\": 2", "\"assignNum\": 6")).expect("edit the file");
    app.click("#t-open-file").await;
    app.wait_text("#t-file-note", |t| t.starts_with("Read ")).await;
    app.click("#t-plan").await;
    let plan = app.wait_text("#t-plan-result", |t| !t.is_empty()).await;
    assert!(plan.contains("assignNum: 2 → 6"), "{plan}");
    app.click("#t-apply").await;
    app.wait_for("#t-applied").await;
    let (blob, _) = c.get_data(&format!("{}/strategy/OrderSync-Strategy", zk::SPEC_ROOT)).await.expect("strategy");
    assert!(String::from_utf8(blob).expect("utf8").contains("\"assignNum\":6"));
    // A file dropped on the import box fills it.
    let dropped = text.replace("\"assignNum\": 2", "\"assignNum\": 3");
    app.client
        .execute(
            "const dt = new DataTransfer();
             dt.items.add(new File([arguments[0]], 'dropped.json', { type: 'application/json' }));
             document.getElementById('t-import').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));",
            vec![serde_json::Value::String(dropped)],
        )
        .await
        .expect("drop");
    app.wait_text("#t-file-note", |t| t == "Read dropped.json").await;
    app.click("#t-plan").await;
    app.wait_text("#t-plan-result", |t| t.contains("assignNum: 6 → 3")).await;
    app.screenshot("import-from-file").await;
    app.close().await;
}

/// The command palette by keyboard only: Ctrl+K, a few letters of a task type that only another
/// profile's root holds, ↓ / Enter: that profile opens on the task type's form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_palette_reaches_a_task_type_in_another_root_by_keyboard() {
    use fantoccini::key::Key;
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    let other = "/palette/other";
    zk::put_empty_root(&c, other).await;
    let mut t = tbdesk_model::records::TaskType::decode(&zk::example("taskType.json")).expect("decode");
    t.base_task_type = Some("InvoiceArchive".into());
    zk::put(&c, &format!("{other}/baseTaskType/InvoiceArchive"), t.encode().as_bytes()).await;
    let data = profile_for(&server, zk::SPEC_ROOT).await;
    tbdesk_tests::app::add_profile(data.path(), "billing", &server.connect_string(), other, "green", false).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.click("#profile-e2e").await;
    app.wait_text("#status", |t| t.contains(zk::SPEC_ROOT) && t.contains("live")).await;
    app.press(&[Key::Control.into(), 'k']).await;
    app.wait_for("#palette-input").await;
    assert_eq!(app.focused_id().await, "palette-input", "the palette takes the focus");
    for ch in "invarch".chars() {
        app.press(&[ch]).await;
    }
    let first = app.wait_text("#palette-results li.chosen", |t| t.contains("InvoiceArchive")).await;
    assert!(first.contains("billing"), "the hit names its profile: {first}");
    app.screenshot("palette").await;
    app.press(&[Key::Enter.into()]).await;
    app.wait_text("#status", |t| t.contains(other)).await;
    app.wait_prop("#f-baseTaskType", "value", serde_json::json!("InvoiceArchive")).await;
    assert!(!app.exists("#palette").await, "the palette closed");
    // Escape closes it; ↓ moves the choice.
    app.press(&[Key::Control.into(), 'k']).await;
    app.wait_for("#palette-results li.chosen").await;
    app.press(&[Key::Down.into()]).await;
    app.wait_for("#palette-results li:nth-child(2).chosen").await;
    app.press(&[Key::Escape.into()]).await;
    let t0 = std::time::Instant::now();
    while app.exists("#palette").await {
        assert!(t0.elapsed() < Duration::from_secs(5), "Escape did not close the palette");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.close().await;
}

/// A production profile: the status bar says its writes are locked and a save is refused by the
/// backend; typing its name unlocks them for 15 minutes; each save then shows what it changes
/// and lands only with the name typed again; "Lock now" locks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_writes_need_an_unlock_with_the_name_typed() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let c = zk::client(&server).await;
    zk::load_spec_tree(&c).await;
    // A key this version does not know, holding a whole-number double as gson writes it: the
    // page's JavaScript numbers turn 2.0 into 2 on the way to the backend, and the confirmation
    // must still name the write the backend receives.
    let path = format!("{}/baseTaskType/OrderSync", zk::SPEC_ROOT);
    let original = {
        let text = String::from_utf8(zk::example("taskType.json")).expect("utf8");
        text.replacen('{', "{\"futureRatio\":2.0,", 1).into_bytes()
    };
    c.set_data(&path, &original, None).await.expect("task type with an unknown double");
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "prod", &server.connect_string(), zk::SPEC_ROOT, "production", false)
        .await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.wait_text("#prod-lock", |t| t.contains("writes locked")).await;
    app.click("#task-type-OrderSync a").await;
    app.wait_for("#task-type-form").await;
    app.fill("#f-threadNumber", "6").await;
    app.click("#save").await;
    app.wait_for(".error[data-code='locked']").await;
    assert_eq!(c.get_data(&path).await.expect("node").0, original, "refused: nothing written");
    app.screenshot("production-locked").await;
    // A wrong name unlocks nothing; the right one unlocks.
    app.client.execute("window.prompt = () => 'pro';", vec![]).await.expect("prompt");
    app.click("#unlock-writes").await;
    app.wait_for(".error[data-code='locked']").await;
    app.client.execute("window.prompt = () => 'prod';", vec![]).await.expect("prompt");
    app.click("#unlock-writes").await;
    app.wait_text("#prod-lock", |t| t.contains("unlocked (15 min left)")).await;
    // Unlocked, each write still shows what it changes and asks for the name: a wrong name or
    // a cancelled prompt sends nothing.
    app.client.execute("window.prompt = (m) => { window.__asked = m; return 'prd'; };", vec![]).await.expect("prompt");
    app.click("#save").await;
    app.wait_text(".save .error[data-code='locked']", |t| t.contains("confirm this write")).await;
    let asked = app.client.execute("return window.__asked", vec![]).await.expect("asked");
    let asked = asked.as_str().unwrap_or_default().to_owned();
    assert!(
        asked.contains("PRODUCTION · prod") && asked.contains("task type OrderSync"),
        "the prompt says what: {asked}"
    );
    app.client.execute("window.prompt = () => null;", vec![]).await.expect("prompt");
    app.click("#save").await;
    app.wait_text(".save .error[data-code='locked']", |t| t.contains("not typed")).await;
    assert_eq!(c.get_data(&path).await.expect("node").0, original, "unconfirmed: nothing written");
    app.client.execute("window.prompt = () => 'prod';", vec![]).await.expect("prompt");
    app.click("#save").await;
    app.wait_text("#saved", |t| t.contains("Saved OrderSync")).await;
    let saved = String::from_utf8(c.get_data(&path).await.expect("node").0).expect("utf8");
    assert!(saved.contains("\"threadNumber\":6"), "{saved}");
    // The unknown key comes back byte for byte: gson's 2.0 stays 2.0 through the page.
    assert!(saved.contains("\"futureRatio\":2.0"), "unknown key kept as written: {saved}");
    // A confirmation given for one write is not spent by another: the name typed names the
    // write's command and arguments (their key), and the backend computes the key of what it
    // received. (A guard against mistakes: the page's own script could compute any key.)
    let strategy = format!("{}/strategy/OrderSync-Strategy", zk::SPEC_ROOT);
    let before = c.get_data(&strategy).await.ok();
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const invoke = window.__TAURI__.core.invoke;
             invoke('confirm_write', { args: { profile: 'prod', typed: 'prod', key: '0123456789abcdef' } })
               .then(() => invoke('pause_strategy', { args: { profile: 'prod', name: 'OrderSync-Strategy', pause: true } }))
               .then(r => done({ ok: r }), e => done({ err: e }));",
            vec![],
        )
        .await
        .expect("invoke");
    assert_eq!(answer["err"]["code"], "locked", "{answer}");
    assert!(answer["err"]["message"].as_str().unwrap_or_default().contains("another write"), "{answer}");
    assert_eq!(c.get_data(&strategy).await.ok(), before, "refused: nothing written");
    app.click("#lock-writes").await;
    app.wait_text("#prod-lock", |t| t.contains("writes locked")).await;
    app.close().await;
}

/// Several environments at once (issue 18), three ZooKeeper servers and four profiles: the home
/// shows all four; the open one is watched and another is switched on from the home; a watched
/// root turning red turns its row red and raises an alert (in the window, in the app's alert
/// log, and as a desktop notification through the session's D-Bus notification service, whose
/// click opens the profile); a promotion shows its plan and applies, and the target's snapshot
/// has it; the window's title names the environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_environments_watched_with_alerts_and_promotion() {
    let (a, b, c3) = (
        zk::ZkServer::start().expect("ZooKeeper a"),
        zk::ZkServer::start().expect("ZooKeeper b"),
        zk::ZkServer::start().expect("ZooKeeper c"),
    );
    let (ca, cb, cc) = (zk::client(&a).await, zk::client(&b).await, zk::client(&c3).await);
    zk::load_spec_tree(&ca).await;
    zk::put_empty_root(&cb, "/qa/root").await;
    zk::put_empty_root(&cc, "/prod/root").await;
    let data = tempfile::tempdir().expect("data dir");
    let add = |name: &'static str, connect: String, root: &'static str, color: &'static str| {
        let dir = data.path().to_owned();
        async move { tbdesk_tests::app::add_profile(&dir, name, &connect, root, color, false).await }
    };
    add("dev", a.connect_string(), zk::SPEC_ROOT, "green").await;
    add("qa", b.connect_string(), "/qa/root", "amber").await;
    add("prod", c3.connect_string(), "/prod/root", "production").await;
    add("gone", zk::silent_server().await.to_string(), "/x/root", "none").await;
    let alert_log = data.path().join("alerts.jsonl");
    // The desktop's notification service, on this test run's session bus: it records each
    // notification and clicks the one for prod's red alert.
    let notified = data.path().join("notifications.jsonl");
    let mut notifyd = std::process::Command::new("/usr/bin/python3")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("support/fake-notifyd.py"))
        .arg(&notified)
        .arg("prod turned red")
        .spawn()
        .expect("fake notification service");
    let t0 = std::time::Instant::now();
    while !std::fs::read_to_string(&notified).unwrap_or_default().contains("\"ready\"") {
        assert!(t0.elapsed() < Duration::from_secs(10), "the fake notification service did not own its name");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let app = AppSession::start_with_env(
        &bins::binary("tbdesk-app", "TBDESK_APP_BIN"),
        data.path(),
        &[("TBDESK_WATCH_EVERY_MS", "1000"), ("TBDESK_ALERT_LOG", alert_log.to_str().expect("path"))],
    )
    .await;
    app.wait_text("#status", |t| t.contains("live")).await;
    let title = app.client.execute("return document.title", vec![]).await.expect("title");
    assert_eq!(title.as_str(), Some("dev — tbdesk"), "the title names the environment");
    // Promotion: dev's OrderSync with its strategy into qa's shared domain.
    app.click("#tab-transfer").await;
    app.fill("#p-target", "qa").await;
    app.fill("#p-filter", "order").await;
    app.fill("#p-own-sign", "BASE").await;
    app.click("#p-plan").await;
    let plan = app.wait_text("#p-plan-result", |t| !t.is_empty()).await;
    assert!(
        plan.contains("create taskType OrderSync") && plan.contains("create strategy OrderSync-Strategy"),
        "{plan}"
    );
    assert!(matches!(cb.get_data("/qa/root/baseTaskType/OrderSync").await, Err(zookeeper_client::Error::NoNode)));
    // Field by field: a new object's fields are one click away.
    app.client.execute("document.getElementById('p-plan-result').scrollIntoView()", vec![]).await.expect("scroll");
    // (WebKit's driver does not click a <summary>; opening it is what the click does.)
    app.client
        .execute(
            "document.querySelector(\"#p-plan-result li[data-op='create']:nth-child(2) details\").open = true",
            vec![],
        )
        .await
        .expect("open");
    app.wait_text("#p-plan-result li[data-op='create']:nth-child(2) details", |t| {
        t.contains("taskName: (absent) → \"OrderSync\"")
    })
    .await;
    app.client.execute("document.getElementById('p-plan-result').scrollIntoView()", vec![]).await.expect("scroll");
    app.screenshot("promotion-plan").await;
    app.click("#p-apply").await;
    app.wait_text("#p-applied", |t| t.contains("Promoted to qa: 2 change(s) written")).await;
    let (blob, _) = cb.get_data("/qa/root/strategy/OrderSync-Strategy").await.expect("promoted");
    let s = tbdesk_model::records::Strategy::decode(&blob).expect("strategy");
    assert_eq!(s.task_name.as_deref(), Some("OrderSync"));
    // The home: four rows; dev watched (it was opened), prod switched on here.
    app.click("#home").await;
    for p in ["dev", "qa", "prod", "gone"] {
        app.wait_for(&format!("#home-table .home-row[data-profile='{p}']")).await;
    }
    app.wait_for("#home-table .home-row[data-profile='dev'][data-watched='true']").await;
    app.wait_for("#home-table .home-row[data-profile='gone'][data-summary='red']").await;
    app.click("#home-table .home-row[data-profile='prod'] .home-watch").await;
    // Followed by the background watch (its connection, not "read once"), which learns the
    // root in the same look.
    let prod = app
        .wait_text("#home-table .home-row[data-profile='prod'][data-watched='true']", |t| t.contains("live · "))
        .await;
    assert!(prod.contains("PRODUCTION") || prod.contains("prod"), "{prod}");
    // qa shows the promotion: open it and see the task type.
    app.click("#home-table .home-row[data-profile='qa'] a").await;
    app.wait_for("#task-type-OrderSync").await;
    let title = app.client.execute("return document.title", vec![]).await.expect("title");
    assert_eq!(title.as_str(), Some("qa — tbdesk"));
    // prod turns red (a marker its runtimes refuse): the row, the alert, the notification.
    app.click("#home").await;
    app.wait_for("#home-table .home-row[data-profile='prod'][data-watched='true']").await;
    app.wait_text("#home-table .home-row[data-profile='prod'][data-watched='true']", |t| t.contains("live · ")).await;
    // One more look (1 s) so the learning look has surely ended.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cc.set_data("/prod/root", b"tbschedule-3.4.0", None).await.expect("marker");
    app.wait_for("#home-table .home-row[data-profile='prod'][data-summary='red']").await;
    let t0 = std::time::Instant::now();
    while !app.exists("#home-alerts li[data-profile='prod'][data-key='red']").await {
        if t0.elapsed() > Duration::from_secs(20) {
            let log = std::fs::read_to_string(data.path().join("app.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!(
                "no alert for prod; alert log {:?}; app log (last lines, newest first):\n{}",
                std::fs::read_to_string(&alert_log).ok(),
                tail.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let alert = app.wait_text("#home-alerts li[data-profile='prod'][data-key='red']", |t| !t.is_empty()).await;
    assert!(alert.contains("prod turned red") && alert.contains("tbschedule-3.4.0"), "{alert}");
    let log = std::fs::read_to_string(&alert_log).expect("alert log");
    let raised: Vec<tbdesk_model::alerts::Alert> =
        log.lines().map(|l| serde_json::from_str(l).expect("alert line")).collect();
    assert_eq!(raised.iter().filter(|a| a.profile == "prod" && a.key == "red").count(), 1, "{log}");
    assert!(!raised.iter().any(|a| a.profile == "gone"), "a profile not watched raises nothing: {log}");
    app.screenshot("home-watched-alert").await;
    // The desktop notification: raised through the session's notification service with an
    // "Open" action; its click (made by the service here) brings up prod's health.
    let shown = std::fs::read_to_string(&notified).unwrap_or_default();
    let note: serde_json::Value = shown
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["summary"].as_str().is_some_and(|s| s.contains("prod turned red")))
        .unwrap_or_else(|| panic!("no desktop notification for prod: {shown}"));
    assert!(note["body"].as_str().is_some_and(|b| b.contains("tbschedule-3.4.0")), "{note}");
    assert_eq!(note["actions"], serde_json::json!(["default", "Open"]), "{note}");
    app.wait_for("#tab-health.active").await;
    app.wait_text("#prod-lock", |t| t.contains("writes locked")).await;
    app.click("#home").await;
    app.wait_for("#home-alerts li[data-profile='prod']").await;
    // Said once: two more looks add nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let again = std::fs::read_to_string(&alert_log).expect("alert log");
    assert_eq!(again, log, "no repeat until it clears");
    // The alert opens its profile.
    app.click("#home-alerts li[data-profile='prod']").await;
    app.wait_text("#prod-lock", |t| t.contains("writes locked")).await;
    let title = app.client.execute("return document.title", vec![]).await.expect("title");
    assert_eq!(title.as_str(), Some("PRODUCTION · prod — tbdesk"));
    app.close().await;
    let _ = notifyd.kill();
    let _ = notifyd.wait();
}

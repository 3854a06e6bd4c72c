//! The pictures (issue 20) in the real window on a real root: three tbdesk runtimes on three
//! "machines" and one killed; the distribution as machines with their groups and items, the
//! replay back to before the kill, the run-window timeline against `tbdesk cron`, and the cron
//! builder's crons checked by `tbdesk cron`. Screenshots in light and dark.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tbdesk_model::records::{Kind, Strategy, TaskType};
use tbdesk_scheduler::deal::{Deal, DemoDeal};
use tbdesk_scheduler::{Config, Status};
use tbdesk_store::{ConnectOptions, Expect, Store};
use tbdesk_tests::{app::AppSession, bins, zk};

fn opts(server: &zk::ZkServer, root: &str) -> ConnectOptions {
    ConnectOptions {
        connect: server.connect_string(),
        root: root.into(),
        session_timeout: Duration::from_secs(6),
        digest: None,
        read_only: false,
        tz: chrono_tz::Tz::UTC,
    }
}

/// One tbdesk runtime as a separate machine would run it (its own session, factory and IP).
fn runtime(
    server: &zk::ZkServer,
    root: &str,
    host: &str,
    ip: &str,
    deal: &Arc<DemoDeal>,
) -> tokio::task::JoinHandle<()> {
    let cfg = Config {
        connect: opts(server, root),
        base: "Job".into(),
        own_sign: "dev1".into(),
        allow_base: false,
        ip: ip.into(),
        host: host.into(),
        deal: Deal::Demo(deal.clone()),
        tz: chrono_tz::Tz::UTC,
        tick: Duration::from_millis(300),
        ledger: Default::default(),
    };
    let (st, _) = tokio::sync::watch::channel(Status::default());
    tokio::spawn(async move {
        // Never stopped gently here: the test ends them by aborting (like kill -9).
        let _ = tbdesk_scheduler::run(cfg, std::future::pending::<()>(), st).await;
    })
}

fn task_type(name: &str, bean: &str, items: usize, start: Option<&str>, end: Option<&str>) -> TaskType {
    TaskType {
        base_task_type: Some(name.into()),
        heart_beat_rate: 1000,
        judge_dead_interval: 5000,
        sleep_time_no_data: 100,
        fetch_data_number: 50,
        thread_number: 2,
        deal_bean_name: Some(bean.into()),
        task_items: Some((0..items).map(|i| i.to_string()).collect()),
        permit_run_start_time: start.map(str::to_owned),
        permit_run_end_time: end.map(str::to_owned),
        ..TaskType::default()
    }
}

async fn js(app: &AppSession, script: &str) -> serde_json::Value {
    app.client.execute(script, vec![]).await.expect("script")
}

/// `tbdesk cron EXPR --tz UTC --from FROM --count N`: the fire times it prints.
fn tbdesk_cron(expr: &str, from_ms: i64, count: usize) -> Vec<String> {
    let from = chrono::DateTime::from_timestamp_millis(from_ms).expect("instant").to_rfc3339();
    let out = Command::new(bins::binary("tbdesk", "TBDESK_CLI_BIN"))
        .args(["cron", expr, "--tz", "UTC", "--from", &from, "--count", &count.to_string()])
        .output()
        .expect("tbdesk cron");
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let cols: Vec<String> = line.split('\t').map(str::to_owned).collect();
    assert_eq!(
        cols.first().map(String::as_str),
        Some("OK"),
        "tbdesk cron {expr}: {line} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "no quirk warning for {expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    cols[1..].to_vec()
}

fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).expect("instant").format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

async fn theme(app: &AppSession, want: &str) {
    for _ in 0..3 {
        if app.wait_text("#theme", |_| true).await == format!("Theme: {want}") {
            return;
        }
        app.click("#theme").await;
    }
    app.wait_text("#theme", |t| t == format!("Theme: {want}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machines_replay_timeline_and_cron_builder() {
    let server = zk::ZkServer::start().expect("ZooKeeper fixture");
    let root = "/pictures/root";
    let admin = Store::connect(&opts(&server, root)).await.expect("admin");
    admin.init_root(false).await.expect("init");
    admin.put_task_type(&task_type("Job", "demo", 10, None, None), Expect::Absent).await.expect("Job");
    // Two task types sharing a bean, with overlapping windows (04:00-05:00 UTC together).
    admin
        .put_task_type(&task_type("Report", "reportBean", 1, Some("0 0 1 * * ?"), Some("0 0 5 * * ?")), Expect::Absent)
        .await
        .expect("Report");
    admin
        .put_task_type(&task_type("Archive", "reportBean", 1, Some("0 0 4 * * ?"), Some("0 0 6 * * ?")), Expect::Absent)
        .await
        .expect("Archive");
    let strategy = |name: &str, task: &str, ips: &[&str], n: i64| Strategy {
        strategy_name: Some(name.into()),
        ip_list: Some(ips.iter().map(|s| s.to_string()).collect()),
        assign_num: n,
        kind: Some(Kind::Schedule),
        task_name: Some(task.into()),
        task_parameter: Some(String::new()),
        ..Strategy::default()
    };
    admin.put_strategy(&strategy("Job-dev1", "Job$dev1", &["h1", "h2", "h3"], 3), Expect::Absent).await.expect("s");
    for (n, t) in [("Report-s", "Report"), ("Archive-s", "Archive")] {
        admin.put_strategy(&strategy(n, t, &["nowhere"], 1), Expect::Absent).await.expect("s");
    }
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "pics", &server.connect_string(), root, "blue", false).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.wait_text("#status", |t| t.contains("live")).await;
    // Replay is recorded from the moment the root is followed: before the runtimes start.
    let deal = Arc::new(DemoDeal::with_work(1, Duration::from_millis(5)));
    let r1 = runtime(&server, root, "h1", "10.0.0.1", &deal);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r2 = runtime(&server, root, "h2", "10.0.0.2", &deal);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r3 = runtime(&server, root, "h3", "10.0.0.3", &deal);
    app.click("#tab-distribution").await;
    app.fill("#dist-task-type", "Job").await;
    let domain = "section.domain[data-domain='Job$dev1']";
    // Three machines, one group each, the items dealt 4/3/3.
    let t0 = Instant::now();
    loop {
        let counts = js(
            &app,
            &format!(
                "return Array.from(document.querySelectorAll(\"{domain} g.factory\")).map(f => f.dataset.running).join(',') + '|' +
                 Array.from(document.querySelectorAll(\"{domain} g.srv\")).map(s => s.dataset.items).join(',')"
            ),
        )
        .await;
        if counts.as_str() == Some("1,1,1|4,3,3") {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(40), "machines never drawn 1,1,1|4,3,3: {counts}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let factories = js(&app, &format!("return Array.from(document.querySelectorAll(\"{domain} g.factory\")).map(f => f.dataset.requested).join(',')")).await;
    assert_eq!(factories.as_str(), Some("1,1,1"), "each machine is asked for one group");
    app.click("#replay-on").await;
    app.wait_for("#replay-bound").await;
    let bound = app.wait_text("#replay-bound", |t| t.contains("last 60 min")).await;
    assert!(bound.contains("at most 20000 events"), "the bound is stated: {bound}");
    theme(&app, "light").await;
    app.screenshot("pictures-machines-light").await;
    theme(&app, "dark").await;
    app.screenshot("pictures-machines-dark").await;
    // The victim: the second machine's group and the items it holds.
    let victim = js(&app, &format!("return document.querySelectorAll(\"{domain} g.srv\")[1].dataset.server")).await;
    let victim = victim.as_str().expect("victim").to_owned();
    let held = js(&app, &format!("return Array.from(document.querySelectorAll(\"{domain} .item[data-owner='{victim}']\")).map(i => i.dataset.item).join(',')")).await;
    let held: Vec<String> =
        held.as_str().unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    assert_eq!(held.len(), 3, "{held:?}");
    let killed_at = Instant::now();
    r2.abort();
    let _ = r2.await;
    // The survivors take its items; the picture shows them moved, the replay says why.
    let first = &held[0];
    let t0 = Instant::now();
    loop {
        let owner = js(&app, &format!("const i = document.querySelector(\"{domain} .item[data-item='{first}']\"); return i ? i.dataset.owner : ''")).await;
        if owner.as_str().is_some_and(|o| !o.is_empty() && o != victim) {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(40), "item {first} never moved off {victim}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let failover = killed_at.elapsed();
    let events = app.wait_text("#replay-events", |t| t.contains("died (failover")).await;
    let moved_line = events
        .lines()
        .find(|l| {
            l.contains(&format!("item {first}:")) && l.contains("after 10.0.0.2#") && l.contains("died (failover")
        })
        .unwrap_or_else(|| panic!("item {first}'s move names the death and its failover: {events}"))
        .to_owned();
    eprintln!("failover seen in the window after {failover:?}: {moved_line}");
    theme(&app, "light").await;
    app.screenshot("pictures-replay-live").await;
    // Back to before the kill: the first owner event's time link shows the instant just before.
    // The first sign of the death (judged dead, or its node removed by a survivor).
    let before = js(&app, &format!("return Math.min(...Array.from(document.querySelectorAll('#replay-events li')).filter(l => (l.dataset.kind === 'server_dead' || l.dataset.kind === 'server_gone') && l.dataset.subject === '{victim}').map(l => Number(l.dataset.at)))")).await;
    let before = before.as_f64().filter(|v| v.is_finite()).expect("the death is an event") as i64;
    app.fill("#replay-slider", &(before - 2000).to_string()).await;
    app.wait_text("#replay-at", |t| t.starts_with("showing")).await;
    let t0 = Instant::now();
    loop {
        let owner = js(&app, &format!("const i = document.querySelector(\"{domain} .item[data-item='{first}']\"); return i ? i.dataset.owner : ''")).await;
        if owner.as_str() == Some(victim.as_str()) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "replay before the kill does not show {victim} holding {first}: {owner}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!app.exists(&format!("{domain} g.srv.dead[data-server='{victim}']")).await, "alive before the kill");
    app.screenshot("pictures-replay-before-kill").await;
    app.click("#replay-live").await;
    app.wait_text("#replay-at", |t| t == "live").await;
    r1.abort();
    r3.abort();

    // The timeline: Report's first window matches `tbdesk cron`, and it overlaps Archive.
    app.click("#tab-timeline").await;
    let lane = "g.lane[data-task-type='Report']";
    app.wait_for(&format!("{lane} rect.bar")).await;
    let from = js(&app, &format!("return Number(document.querySelector(\"{lane} rect.bar\").dataset.from)")).await;
    let to = js(&app, &format!("return Number(document.querySelector(\"{lane} rect.bar\").dataset.to)")).await;
    let (from, to) = (from.as_i64().expect("from"), to.as_i64().expect("to"));
    let now = chrono::Utc::now().timestamp_millis();
    let start = tbdesk_cron("0 0 1 * * ?", now - 60_000, 1);
    let end = tbdesk_cron("0 0 5 * * ?", from, 1);
    if utc(from) == start[0] {
        assert_eq!(utc(to), end[0], "the bar closes at the end cron's next fire after it opens");
    } else {
        // Run between 01:00 and 05:00 UTC: the window is open now, until 05:00.
        assert!((from - now).abs() < 120_000, "open now: {} vs {}", utc(from), start[0]);
        assert_eq!(utc(to), tbdesk_cron("0 0 5 * * ?", now, 1)[0]);
    }
    let overlap =
        js(&app, &format!("const o = document.querySelector(\"{lane} rect.overlap\"); return o ? o.dataset.with : ''"))
            .await;
    assert_eq!(overlap.as_str(), Some("Archive"), "the same bean, open together 04:00-05:00");
    app.wait_for("g.lane.no-strategy[data-task-type='Job'], g.lane.running[data-task-type='Job']").await;
    app.wait_for("#tl-now").await;
    app.screenshot("pictures-timeline-light").await;
    app.click("#tl-7d").await;
    app.wait_text("#tl-summary", |t| t.contains("next 7 days")).await;
    theme(&app, "dark").await;
    app.screenshot("pictures-timeline-dark").await;
    theme(&app, "light").await;
    // A click on a bar opens the task type.
    js(&app, &format!("document.querySelector(\"{lane} rect.bar\").dispatchEvent(new MouseEvent('click', {{bubbles: true}})); return 0")).await;
    app.wait_prop("#f-baseTaskType", "value", serde_json::json!("Report")).await;

    // The cron builder reads the start cron back, builds another, and `tbdesk cron` agrees.
    app.click("#cb-open-start").await;
    app.wait_text("#cb-note", |t| t.contains("Read from the field")).await;
    assert_eq!(app.wait_text("#cb-cron", |_| true).await, "0 0 1 * * ?");
    app.fill("#cb-kind", "minute").await;
    app.wait_for("#cb-step").await;
    app.fill("#cb-step", "15").await;
    app.click("#cb-between").await;
    app.fill("#cb-from", "9").await;
    app.fill("#cb-to", "17").await;
    app.click("#cb-on-days").await;
    for d in ["SAT", "SUN"] {
        // Off by default: only MON-FRI.
        assert_eq!(app.prop(&format!("#cb-day-{d}"), "checked").await, serde_json::json!(false));
    }
    let cron = app.wait_text("#cb-cron", |t| t == "0 0/15 9-17 ? * MON-FRI").await;
    assert_eq!(app.wait_text("#cb-words", |_| true).await, "every 15 minutes between 09:00 and 17:59, on MON-FRI");
    let shown =
        js(&app, "return Array.from(document.querySelectorAll('#cb-next li')).map(l => Number(l.dataset.ms))").await;
    let shown: Vec<i64> = serde_json::from_value(shown).expect("times");
    assert_eq!(shown.len(), 5);
    let cli = tbdesk_cron(&cron, chrono::Utc::now().timestamp_millis() - 60_000, 10);
    for t in &shown {
        assert!(cli.contains(&utc(*t)), "{} is a fire time of {cron} by tbdesk cron: {cli:?}", utc(*t));
    }
    // Monthly: the last Friday at 02:30.
    app.fill("#cb-kind", "month").await;
    app.fill("#cb-hour", "2").await;
    app.fill("#cb-minute", "30").await;
    app.fill("#cb-on", "last-of").await;
    app.fill("#cb-weekday", "FRI").await;
    let cron = app.wait_text("#cb-cron", |t| t == "0 30 2 ? * 6L").await;
    let first = js(&app, "return Number(document.querySelector('#cb-next li').dataset.ms)").await.as_i64().expect("ms");
    assert_eq!(utc(first), tbdesk_cron(&cron, chrono::Utc::now().timestamp_millis(), 1)[0]);
    js(&app, "document.getElementById('cb-permitRunStartTime').scrollIntoView({block: 'center'}); return 0").await;
    app.screenshot("pictures-cron-builder").await;
    app.click("#cb-use").await;
    app.wait_prop("#f-permitRunStartTime", "value", serde_json::json!("0 30 2 ? * 6L")).await;
    // The field's own validation accepts it (no error at the field).
    assert!(!app.exists(".field-error[data-field='permitRunStartTime']").await);
    // A cron the builder cannot show is said so, not silently replaced.
    app.fill("#f-permitRunStartTime", "0 0 12 15W * ?").await;
    app.click("#cb-open-start").await;
    app.click("#cb-open-start").await;
    app.wait_text("#cb-note", |t| t.contains("has no shape this builder knows")).await;
    app.close().await;
}

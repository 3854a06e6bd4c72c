//! Render benchmark of the distribution picture (issue 20), driving the real release window
//! under Xvfb (`xvfb-run -a cargo bench -p tbdesk-tests --bench pictures` after building the
//! release app):
//! - a domain of 50 machines x 20 thread groups x 1,000 items: time from choosing the task type
//!   to the whole picture drawn, and from a change of one item's owner in ZooKeeper to its tile
//!   redrawn (median and p99 over 30 changes);
//! - the same for a domain of 1 machine x 2 groups x 10 items, measured in the same run: the
//!   baseline every figure is printed against;
//! - the DOM elements of each picture.

use std::time::{Duration, Instant};

use tbdesk_model::records::{Server, Strategy, StrategyRuntime, TaskType};
use tbdesk_tests::{app::AppSession, bins, zk};
use zookeeper_client as zkc;

fn factory(f: usize) -> String {
    format!("10.0.{}.{}$host{f}$F{f:031}${f:010}", f / 250, f % 250)
}

fn server_name(tt: &str, f: usize, seq: usize) -> String {
    format!("{tt}$10.0.{}.{}$S{seq:031}${seq:010}", f / 250, f % 250)
}

/// A task type `name` whose domain `name$dev` has `machines` x `groups` servers and `items`
/// items dealt over them in blocks, with a strategy asking `groups` of each machine.
fn domain_nodes(root: &str, name: &str, machines: usize, groups: usize, items: usize) -> Vec<(String, Vec<u8>)> {
    let tt = format!("{name}$dev");
    let def = TaskType {
        base_task_type: Some(name.into()),
        deal_bean_name: Some("bean".into()),
        heart_beat_rate: 5000,
        // Long enough that no server turns dead during the run.
        judge_dead_interval: 3_600_000,
        task_items: Some((0..items).map(|i| i.to_string()).collect()),
        ..TaskType::default()
    };
    let d = format!("{root}/baseTaskType/{name}/{tt}");
    let mut out = vec![
        (format!("{root}/baseTaskType/{name}"), def.encode().into_bytes()),
        (d.clone(), vec![]),
        (format!("{d}/server"), b"reload=true".to_vec()),
    ];
    let mut servers = Vec::new();
    for f in 0..machines {
        for g in 0..groups {
            let s = server_name(&tt, f, f * groups + g + 1);
            let blob = Server {
                uuid: Some(s.clone()),
                task_type: Some(tt.clone()),
                base_task_type: Some(name.into()),
                own_sign: Some("dev".into()),
                manager_factory_uuid: Some(factory(f)),
                thread_num: 5,
                ..Server::default()
            };
            out.push((format!("{d}/server/{s}"), blob.encode().into_bytes()));
            servers.push(s);
        }
    }
    out.push((format!("{d}/taskItem"), servers[0].clone().into_bytes()));
    for i in 0..items {
        let it = format!("{d}/taskItem/{i}");
        out.push((it.clone(), vec![]));
        out.push((format!("{it}/cur_server"), servers[i * servers.len() / items].clone().into_bytes()));
        out.push((format!("{it}/req_server"), vec![]));
        out.push((format!("{it}/sts"), b"ACTIVTE".to_vec()));
    }
    let sname = format!("{name}-dev");
    let s = Strategy {
        strategy_name: Some(sname.clone()),
        ip_list: Some(vec!["127.0.0.1".into()]),
        assign_num: (machines * groups) as i64,
        kind: Some(tbdesk_model::records::Kind::Schedule),
        task_name: Some(tt.clone()),
        ..Strategy::default()
    };
    out.push((format!("{root}/strategy/{sname}"), s.encode().into_bytes()));
    for f in 0..machines {
        let rt = StrategyRuntime {
            strategy_name: Some(sname.clone()),
            uuid: Some(factory(f)),
            request_num: groups as i64,
            message: Some(String::new()),
            ..StrategyRuntime::default()
        };
        out.push((format!("{root}/strategy/{sname}/{}", factory(f)), rt.encode().into_bytes()));
    }
    out
}

async fn write_all(c: &zkc::Client, nodes: &[(String, Vec<u8>)]) {
    let open = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    for chunk in nodes.chunks(1000) {
        let mut w = c.new_multi_writer();
        for (p, d) in chunk {
            w.add_create(p, d, &open).expect("op");
        }
        w.commit().await.expect("batch");
    }
}

async fn js(app: &AppSession, script: &str) -> serde_json::Value {
    app.client.execute(script, vec![]).await.expect("script")
}

fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

/// Milliseconds from choosing `name` in the picker to `groups` server boxes drawn (median of 3),
/// and the DOM elements then; with `unfold`, from "Unfold all" instead (the domain shown).
async fn draw(app: &AppSession, name: &str, other: &str, groups: usize, unfold: bool) -> (f64, u64) {
    let mut times = Vec::new();
    for _ in 0..3 {
        app.fill("#dist-task-type", other).await;
        app.wait_for(&format!("section.domain[data-domain='{other}$dev']")).await;
        if unfold {
            app.fill("#dist-task-type", name).await;
            app.click("#dist-fold-all").await;
            app.wait_for(&format!("section.domain[data-domain='{name}$dev'] g.factory")).await;
        }
        let act = if unfold {
            "document.getElementById('dist-unfold-all').click();".to_string()
        } else {
            format!("const sel = document.getElementById('dist-task-type'); sel.value = '{name}'; sel.dispatchEvent(new Event('change', {{bubbles: true}}));")
        };
        let ms = js(
            app,
            &format!(
                "const t0 = performance.now();
                 {act}
                 return new Promise(done => {{
                   const check = () => document.querySelectorAll(\"section.domain[data-domain='{name}$dev'] g.srv\").length >= {groups}
                     ? requestAnimationFrame(() => done(performance.now() - t0)) : setTimeout(check, 5);
                   check();
                 }});"
            ),
        )
        .await;
        times.push(ms.as_f64().expect("ms"));
    }
    let elements = js(app, "return document.getElementsByTagName('*').length").await.as_u64().unwrap_or(0);
    (pct(&mut times, 0.5), elements)
}

/// Change -> tile redrawn: `n` owner changes of item 7 of `name$dev`, 300 ms apart.
async fn change(
    app: &AppSession,
    c: &zkc::Client,
    root: &str,
    name: &str,
    targets: &[String],
    n: usize,
) -> (f64, f64, usize) {
    js(
        app,
        "window.__owner = {};
         new MutationObserver(() => {
           const t = document.querySelector(\".item[data-item='7']\");
           if (t && !(t.dataset.owner in window.__owner)) window.__owner[t.dataset.owner] = Date.now();
         }).observe(document.body, { subtree: true, childList: true, attributes: true });
         return 0",
    )
    .await;
    let path = format!("{root}/baseTaskType/{name}/{name}$dev/taskItem/7/cur_server");
    let mut sent = Vec::new();
    for k in 0..n {
        let to = &targets[k % targets.len()];
        js(app, &format!("delete window.__owner['{to}']; return 0")).await;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as f64;
        c.set_data(&path, to.as_bytes(), None).await.expect("write");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let seen = js(app, &format!("return window.__owner['{to}'] || 0")).await.as_f64().unwrap_or(0.0);
        sent.push(if seen > 0.0 { Some(seen - now) } else { None });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let missed = sent.iter().filter(|s| s.is_none()).count();
    let mut d: Vec<f64> = sent.into_iter().flatten().collect();
    if d.is_empty() {
        return (f64::NAN, f64::NAN, missed);
    }
    (pct(&mut d, 0.5), pct(&mut d, 0.99), missed)
}

#[tokio::main]
async fn main() {
    let server = zk::ZkServer::start().expect("ZooKeeper");
    let c = zk::client(&server).await;
    let root = "/bench/pictures";
    zk::put_empty_root(&c, root).await;
    let t = Instant::now();
    write_all(&c, &domain_nodes(root, "Small", 1, 2, 10)).await;
    write_all(&c, &domain_nodes(root, "Big", 50, 20, 1000)).await;
    println!("root written in {:.1} s", t.elapsed().as_secs_f64());
    let data = tempfile::tempdir().expect("data dir");
    tbdesk_tests::app::add_profile(data.path(), "bench", &server.connect_string(), root, "none", false).await;
    let app = AppSession::start(&bins::binary("tbdesk-app", "TBDESK_APP_BIN"), data.path()).await;
    app.wait_text("#status", |t| t.contains("live")).await;
    app.click("#tab-distribution").await;
    app.wait_for("#dist-task-type").await;
    let (small_ms, small_dom) = draw(&app, "Small", "Big", 2, false).await;
    // As it opens: all but the first 10 machines folded (200 groups drawn).
    let (big_ms, big_dom) = draw(&app, "Big", "Small", 200, false).await;
    println!("picture drawn (median of 3), 1 x 2 x 10: {small_ms:.0} ms, {small_dom} DOM elements");
    println!(
        "picture drawn as it opens (median of 3), 50 x 20 x 1,000, 40 machines folded: {big_ms:.0} ms, {big_dom} DOM elements ({:.1}x the small picture's time)",
        big_ms / small_ms.max(1.0)
    );
    let (all_ms, all_dom) = draw(&app, "Big", "Small", 1000, true).await;
    println!(
        "picture unfolded whole (median of 3), 50 x 20 x 1,000: {all_ms:.0} ms, {all_dom} DOM elements ({:.1}x the small picture's time)",
        all_ms / small_ms.max(1.0)
    );
    // Live changes: item 7's owner moves between two servers of the domain.
    app.fill("#dist-task-type", "Small").await;
    app.wait_for("section.domain[data-domain='Small$dev'] .item[data-item='7']").await;
    let small_targets = vec![server_name("Small$dev", 0, 1), server_name("Small$dev", 0, 2)];
    let (s50, s99, smiss) = change(&app, &c, root, "Small", &small_targets, 30).await;
    app.fill("#dist-task-type", "Big").await;
    app.wait_for("section.domain[data-domain='Big$dev'] .item[data-item='7']").await;
    let big_targets = vec![server_name("Big$dev", 9, 181), server_name("Big$dev", 0, 1)];
    let (b50, b99, bmiss) = change(&app, &c, root, "Big", &big_targets, 30).await;
    println!("change -> tile redrawn, 1 x 2 x 10: median {s50:.0} ms, p99 {s99:.0} ms ({smiss} not seen)");
    println!(
        "change -> tile redrawn, 50 x 20 x 1,000: median {b50:.0} ms, p99 {b99:.0} ms ({bmiss} not seen); {:.1}x the small picture's p99",
        b99 / s99.max(1.0)
    );
    app.close().await;
}

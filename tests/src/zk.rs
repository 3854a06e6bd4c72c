//! A real ZooKeeper for one test, and a client to put nodes into it.

pub use tbdesk_zkserver::ZkServer;
use zookeeper_client as zk;

/// Connects a plain client (no auth) to the fixture server.
pub async fn client(server: &ZkServer) -> zk::Client {
    connector(server).connect(&server.connect_string()).await.expect("connect to fixture ZooKeeper")
}

/// A client connector that speaks the fixture's release (a 3.4 server knows no create2, the
/// client's default).
pub fn connector(server: &ZkServer) -> zk::Connector {
    let connector = zk::Client::connector();
    match server.version() {
        Some(v) if v.starts_with("3.4.") => connector.with_server_version(3, 4, 0),
        _ => connector,
    }
}

/// Creates `path` and its missing ancestors with `data` on the last one (world-ALL ACL).
pub async fn put(c: &zk::Client, path: &str, data: &[u8]) {
    let opts = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    let mut at = 0;
    while let Some(pos) = path[at + 1..].find('/') {
        at += pos + 1;
        match c.create(&path[..at], &[], &opts).await {
            Ok(_) | Err(zk::Error::NodeExists) => {}
            Err(e) => panic!("create {}: {e}", &path[..at]),
        }
    }
    match c.create(path, data, &opts).await {
        Ok(_) => {}
        Err(zk::Error::NodeExists) => {
            c.set_data(path, data, None).await.expect("set data");
        }
        Err(e) => panic!("create {path}: {e}"),
    }
}

/// The directory of the spec's example blobs (`shared/spec/examples`).
pub fn examples_dir() -> std::path::PathBuf {
    crate::paths::spec_dir().join("examples")
}

/// One example file's bytes.
pub fn example(name: &str) -> Vec<u8> {
    let p = examples_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The root of `examples/tree.txt`.
pub const SPEC_ROOT: &str = "/taobao-pamirs-schedule/demo";

/// Loads `shared/spec/examples/tree.txt` into ZooKeeper (world-ALL ACL): every node with its
/// mode and bytes, items 1–3 expanded as its comment says (`parameter` and `cur_server` empty).
pub async fn load_spec_tree(c: &zk::Client) {
    let text = String::from_utf8(example("tree.txt")).expect("utf8");
    let mut lines: Vec<(String, String, Vec<u8>)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let parts: Vec<&str> = line.splitn(3, " | ").collect();
        let (path, mode, data) = (parts[0].trim(), parts[1].trim(), parts[2]);
        if path.contains("systime") {
            continue;
        }
        let data = data.split("   (").next().unwrap_or("").trim();
        let bytes = if data.starts_with("<null>") || data.starts_with("<empty>") {
            Vec::new()
        } else if let Some(f) = data.strip_prefix('@') {
            example(f.split_whitespace().next().expect("file"))
        } else {
            data.as_bytes().to_vec()
        };
        lines.push((path.to_owned(), mode.to_owned(), bytes.clone()));
        if path.ends_with("/taskItem/0") || path.contains("/taskItem/0/") {
            for i in 1..4 {
                let p = path.replace("/taskItem/0", &format!("/taskItem/{i}"));
                let b =
                    if p.ends_with("/parameter") || p.ends_with("/cur_server") { Vec::new() } else { bytes.clone() };
                lines.push((p, mode.to_owned(), b));
            }
        }
    }
    lines.sort_by_key(|(p, _, _)| p.matches('/').count());
    for (path, mode, data) in lines {
        let m = if mode.starts_with("EPHEMERAL") { zk::CreateMode::Ephemeral } else { zk::CreateMode::Persistent };
        let opts = m.with_acls(zk::Acls::anyone_all());
        match c.create(&path, &data, &opts).await {
            Ok(_) | Err(zk::Error::NodeExists) => {}
            Err(e) => panic!("create {path}: {e}"),
        }
    }
}

/// Builds a synthetic root shaped like spec §2 (`task_types` × 2 domains × 3 servers × 12 items
/// with their 5 children, a strategy with 2 runtimes per task type, 4 factories): 32,009 nodes
/// for 200 task types. Used by the benchmarks. Returns the number of nodes created.
pub async fn build_synthetic_root(c: &zk::Client, root: &str, task_types: usize) -> usize {
    build_synthetic_root_with(c, root, task_types, 0, 12).await
}

/// [`build_synthetic_root`] where the first `big` task types have `big_items` task items each
/// (a 1,000-item task type is 12,000 nodes over its two domains).
pub async fn build_synthetic_root_with(
    c: &zk::Client,
    root: &str,
    task_types: usize,
    big: usize,
    big_items: usize,
) -> usize {
    use tbdesk_model::records::{Kind, Server, Strategy, StrategyRuntime, TaskType};
    let parent = root.rsplit_once('/').map(|(p, _)| p).filter(|p| !p.is_empty()).unwrap_or("/").to_owned();
    let open = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    let mut paths: Vec<(String, Vec<u8>)> = vec![
        (parent, vec![]),
        (root.into(), b"tbschedule-3.2.12".to_vec()),
        (format!("{root}/baseTaskType"), vec![]),
        (format!("{root}/strategy"), vec![]),
        (format!("{root}/factory"), vec![]),
    ];
    let factories: Vec<String> = (0..4).map(|i| format!("10.0.0.{i}$host{i}$F{i:031}$00000000{i:02}")).collect();
    for f in &factories {
        paths.push((format!("{root}/factory/{f}"), vec![]));
    }
    for t in 0..task_types {
        let name = format!("Task{t:04}");
        let def = TaskType {
            base_task_type: Some(name.clone()),
            deal_bean_name: Some("bean".into()),
            task_items: Some((0..if t < big { big_items } else { 12 }).map(|i| i.to_string()).collect()),
            ..TaskType::default()
        };
        paths.push((format!("{root}/baseTaskType/{name}"), def.encode().into_bytes()));
        for own in ["BASE", "dev"] {
            let tt = if own == "BASE" { name.clone() } else { format!("{name}${own}") };
            let d = format!("{root}/baseTaskType/{name}/{tt}");
            paths.push((d.clone(), vec![]));
            paths.push((format!("{d}/server"), b"reload=true".to_vec()));
            let servers: Vec<String> = (0..3).map(|s| format!("{tt}$10.0.0.{s}$S{s:031}$00000000{s:02}")).collect();
            for s in &servers {
                let blob = Server {
                    uuid: Some(s.clone()),
                    task_type: Some(tt.clone()),
                    base_task_type: Some(name.clone()),
                    own_sign: Some(own.into()),
                    ip: Some("10.0.0.1".into()),
                    thread_num: 5,
                    register_time: Some("2026-11-21 10:00:00".into()),
                    heart_beat_time: Some("2026-11-21 10:00:00".into()),
                    ..Server::default()
                };
                paths.push((format!("{d}/server/{s}"), blob.encode().into_bytes()));
            }
            paths.push((format!("{d}/taskItem"), servers[0].clone().into_bytes()));
            let items = if t < big { big_items } else { 12 };
            for i in 0..items {
                let it = format!("{d}/taskItem/{i}");
                paths.push((it.clone(), vec![]));
                paths.push((format!("{it}/cur_server"), servers[i * 3 / items].clone().into_bytes()));
                paths.push((format!("{it}/req_server"), vec![]));
                paths.push((format!("{it}/sts"), b"ACTIVTE".to_vec()));
                paths.push((format!("{it}/parameter"), vec![]));
                paths.push((format!("{it}/deal_desc"), vec![]));
            }
        }
        let sname = format!("Strategy{t:04}");
        let s = Strategy {
            strategy_name: Some(sname.clone()),
            ip_list: Some(vec!["127.0.0.1".into()]),
            assign_num: 2,
            kind: Some(Kind::Schedule),
            task_name: Some(name.clone()),
            ..Strategy::default()
        };
        paths.push((format!("{root}/strategy/{sname}"), s.encode().into_bytes()));
        for f in &factories[..2] {
            let rt = StrategyRuntime {
                strategy_name: Some(sname.clone()),
                uuid: Some(f.clone()),
                request_num: 1,
                message: Some(String::new()),
                ..StrategyRuntime::default()
            };
            paths.push((format!("{root}/strategy/{sname}/{f}"), rt.encode().into_bytes()));
        }
    }
    // Parents come before children in this list; write in ordered batches of 1000. The root's
    // parent may exist already (several roots under one parent).
    let parent = paths.remove(0).0;
    if parent != "/" {
        match c.create(&parent, b"", &open).await {
            Ok(_) | Err(zk::Error::NodeExists) => {}
            Err(e) => panic!("create {parent}: {e}"),
        }
    }
    let mut multi = true;
    for chunk in paths.chunks(1000) {
        if multi {
            let mut w = c.new_multi_writer();
            for (p, d) in chunk {
                w.add_create(p, d, &open).expect("op");
            }
            match w.commit().await {
                Ok(_) => continue,
                // A 3.4 server cannot read the client's multi of creates (it names 3.5's ops):
                // the rest goes as single creates, pipelined in order.
                Err(zk::MultiWriteError::RequestFailed { source: zk::Error::MarshallingError }) => multi = false,
                Err(e) => panic!("create batch: {e:?}"),
            }
        }
        let creates: Vec<_> = chunk.iter().map(|(p, d)| c.create(p, d, &open)).collect();
        for (r, (p, _)) in futures::future::join_all(creates).await.into_iter().zip(chunk) {
            match r {
                Ok(_) | Err(zk::Error::NodeExists) => {}
                Err(e) => panic!("create {p}: {e}"),
            }
        }
    }
    paths.len()
}

/// An initialised, empty TBSchedule root (marker and the three directories), as Java leaves it.
pub async fn put_empty_root(c: &zk::Client, root: &str) {
    put(c, root, b"tbschedule-3.2.12").await;
    for d in ["baseTaskType", "strategy", "factory"] {
        put(c, &format!("{root}/{d}"), b"").await;
    }
}

/// A "server" on a free loopback port that accepts connections and never answers (a wedged
/// ZooKeeper): clients must give up on it within their own deadlines.
pub async fn silent_server() -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s); // accepted, never answered
        }
    });
    addr
}

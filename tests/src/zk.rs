//! A real ZooKeeper for one test, and a client to put nodes into it.

pub use tbdesk_zkserver::ZkServer;
use zookeeper_client as zk;

/// Connects a plain client (no auth) to the fixture server.
pub async fn client(server: &ZkServer) -> zk::Client {
    zk::Client::connect(&server.connect_string()).await.expect("connect to fixture ZooKeeper")
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
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/examples")
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

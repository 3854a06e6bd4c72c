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

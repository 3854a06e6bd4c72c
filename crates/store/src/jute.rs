//! Writes ZooKeeper **null** data (jute buffer length −1), the one thing `zookeeper-client`
//! cannot send: its public API takes `&[u8]` and always writes a zero-length buffer.
//!
//! Java reads the two differently (`getData` returns `null` or `byte[0]`), and TBSchedule's
//! runtime branches on that difference: a holder hands an item over whenever `req_server` is
//! non-null, so an empty `req_server` written by a tbdesk leader made every Java holder give its
//! items to `""` forever (issue 13). Wherever Java writes null, tbdesk now writes null through
//! this module.
//!
//! It is a deliberately small client: one short session per call (connect, digest auth, one
//! `multi`, close), no watches, no reconnects, a total deadline on the whole exchange and a cap
//! on every reply. Calls are rare (item assignments and hand-overs, node creation), so a session
//! each costs little and keeps this code free of session state. Because the session is short,
//! it can create only persistent nodes; an ephemeral node is created by the caller's own session
//! and then nulled here with [`Op::SetNull`].
//!
//! The wire format is ZooKeeper's jute, as in `zookeeper.jute` (ConnectRequest, AuthPacket,
//! MultiHeader, CreateRequest, SetDataRequest, CheckVersionRequest, GetDataRequest, Stat).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zookeeper_client as zk;

use crate::{ConnectOptions, Error};

/// Largest reply accepted (ZooKeeper's own `jute.maxbuffer` default is ~1 MiB; a multi's reply
/// of our few ops is far smaller). A peer that is not ZooKeeper cannot make us allocate more.
const MAX_REPLY: usize = 4 << 20;
/// The largest request sent: under ZooKeeper's default `jute.maxbuffer` (0xfffff bytes) with
/// room for the packet's header; a server drops the connection of a larger one.
pub const MAX_REQUEST: usize = 1_000_000;
/// The whole exchange (connect, auth, request, close) must finish within this.
const DEADLINE: Duration = Duration::from_secs(10);
/// Session timeout asked for the short session (the server raises it to its minimum).
const SESSION_MS: i32 = 4000;
/// Short sessions open at once per process: hundreds of groups handing over together must not
/// exhaust the server's per-address connection limit (`maxClientCnxns`, 60 by default).
static SESSIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

const OP_CREATE: i32 = 1;
const OP_DELETE: i32 = 2;
const OP_GET_DATA: i32 = 4;
const OP_SET_DATA: i32 = 5;
const OP_CHECK: i32 = 13;
const OP_MULTI: i32 = 14;
const OP_CLOSE: i32 = -11;
const OP_AUTH: i32 = 100;
const OP_ERROR: i32 = -1;

/// How a node is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `PERSISTENT`.
    Persistent,
    /// `PERSISTENT_SEQUENTIAL`: the server appends a 10-digit counter.
    PersistentSequential,
}

/// One operation of a [`NullWriter::multi`].
#[derive(Debug, Clone)]
pub enum Op<'a> {
    /// Create `path` with `data` (`None`: null) and Java's ACL for the profile.
    Create {
        /// The node (without the chroot).
        path: &'a str,
        /// The bytes; `None` is null.
        data: Option<&'a [u8]>,
        /// Persistent or persistent-sequential.
        mode: Mode,
    },
    /// Set `path`'s data to null; `version` is the version expected (`None`: any).
    SetNull {
        /// The node.
        path: &'a str,
        /// Expected version.
        version: Option<i32>,
    },
    /// Set `path`'s data to `data`, in the same atomic multi as the nulls around it.
    Set {
        /// The node.
        path: &'a str,
        /// The bytes.
        data: &'a [u8],
        /// Expected version.
        version: Option<i32>,
    },
    /// Delete `path` at `version` (`None`: any).
    Delete {
        /// The node.
        path: &'a str,
        /// Expected version.
        version: Option<i32>,
    },
    /// Fail the whole multi unless `path` is at `version`.
    Check {
        /// The node.
        path: &'a str,
        /// Expected version.
        version: i32,
    },
}

impl Op<'_> {
    fn path(&self) -> &str {
        match self {
            Op::Create { path, .. }
            | Op::SetNull { path, .. }
            | Op::Set { path, .. }
            | Op::Delete { path, .. }
            | Op::Check { path, .. } => path,
        }
    }
}

/// What one operation of a successful multi returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// The created node's path (without the chroot; with the counter for sequential nodes).
    Created(String),
    /// The node's new data version after a set.
    Set(i32),
    /// A delete or a check.
    Done,
}

/// A short-lived second session that can write null data. Cheap to build; connects per call.
#[derive(Clone)]
pub struct NullWriter {
    hosts: Vec<String>,
    chroot: String,
    digest: Option<(String, String)>,
    read_only: bool,
}

impl std::fmt::Debug for NullWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NullWriter").field("hosts", &self.hosts).field("chroot", &self.chroot).finish_non_exhaustive()
    }
}

/// Splits a connect string `h1:p1,h2:p2[/chroot]` into its hosts and chroot (`""` for none).
pub fn split_connect(connect: &str) -> (Vec<String>, String) {
    let connect = connect.trim();
    let (hosts, chroot) = match connect.find('/') {
        Some(i) => (&connect[..i], connect[i..].trim_end_matches('/').to_owned()),
        None => (connect, String::new()),
    };
    (hosts.split(',').map(str::trim).filter(|h| !h.is_empty()).map(str::to_owned).collect(), chroot)
}

impl NullWriter {
    /// A writer for the profile behind `opts` (same servers, chroot and digest user).
    pub fn new(opts: &ConnectOptions) -> Self {
        let (hosts, chroot) = split_connect(&opts.connect);
        NullWriter { hosts, chroot, digest: opts.digest.clone(), read_only: opts.read_only }
    }

    /// Runs `ops` as one atomic `multi` in a fresh session. The first failing operation's
    /// error is returned, mapped like the main client's errors, naming its node.
    pub async fn multi(&self, ops: &[Op<'_>]) -> Result<Vec<OpResult>, Error> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let first = ops[0].path().to_owned();
        let mut body = Vec::new();
        for op in ops {
            self.encode_op(&mut body, op);
        }
        put_i32(&mut body, -1); // end marker: type -1, done, err -1
        body.push(1);
        put_i32(&mut body, -1);
        if body.len() > MAX_REQUEST {
            return Err(Error::RequestTooLarge { path: first, ops: ops.len(), bytes: body.len(), limit: MAX_REQUEST });
        }
        self.bounded(async {
            let mut conn = self.open_conn().await?;
            let (err, reply) = conn.call(OP_MULTI, &body).await.map_err(|e| Error::at(&first, e))?;
            let results = parse_multi(&mut Reader(&reply), ops, &self.chroot);
            conn.close().await;
            match results {
                Ok(r) if err == 0 => Ok(r),
                Ok(_) => Err(Error::at(&first, code_error(err))),
                Err((i, code)) => {
                    // A server that sent no multi body says why in the reply header.
                    let code = if code == -2 && err != 0 { err } else { code };
                    let path = ops.get(i).map(Op::path).unwrap_or(&first);
                    Err(Error::at(path, code_error(code)))
                }
            }
        })
        .await
    }

    /// [`NullWriter::get_data`] with the node's creation zxid and data version as read: this
    /// session may have reached another server than the caller's, so an answer is only the
    /// caller's node at the caller's version when both match.
    pub async fn get_data_at(&self, path: &str) -> Result<(Option<Vec<u8>>, i64, i32), Error> {
        let reply = self.get_data_reply(path).await?;
        let at = |e| Error::at(path, e);
        let mut rd = Reader(&reply);
        let data = rd.buffer().map_err(at)?.map(<[u8]>::to_vec);
        // The stat: czxid, mzxid, ctime, mtime, version, ...
        let czxid = rd.i64().map_err(at)?;
        for _ in 0..3 {
            rd.i64().map_err(at)?;
        }
        let version = rd.i32().map_err(at)?;
        Ok((data, czxid, version))
    }

    /// `getData` that tells null (`None`) from empty (`Some(vec![])`), as Java sees it.
    pub async fn get_data(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let reply = self.get_data_reply(path).await?;
        Reader(&reply).buffer().map(|b| b.map(<[u8]>::to_vec)).map_err(|e| Error::at(path, e))
    }

    /// One `getData` exchange on a session of its own: the reply's bytes (data, then stat).
    async fn get_data_reply(&self, path: &str) -> Result<Vec<u8>, Error> {
        self.bounded(async {
            let mut conn = self.open_conn().await?;
            let mut body = Vec::new();
            put_str(&mut body, &format!("{}{}", self.chroot, path));
            body.push(0);
            let (err, reply) = conn.call(OP_GET_DATA, &body).await.map_err(|e| Error::at(path, e))?;
            conn.close().await;
            if err != 0 {
                return Err(Error::at(path, code_error(err)));
            }
            Ok(reply)
        })
        .await
    }

    /// One exchange within the process's session slots and the total deadline. The slot is
    /// waited for first, with its own limit: waiting for one is not the server's slowness.
    async fn bounded<T>(&self, exchange: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
        let _permit = self.slot().await?;
        match tokio::time::timeout(DEADLINE, exchange).await {
            Ok(r) => r,
            Err(_) => Err(Error::Unreachable {
                connect: self.hosts.join(","),
                reason: format!("no answer within {} s", DEADLINE.as_secs()),
            }),
        }
    }

    fn encode_op(&self, out: &mut Vec<u8>, op: &Op<'_>) {
        let full = format!("{}{}", self.chroot, op.path());
        let header = |out: &mut Vec<u8>, t: i32| {
            put_i32(out, t);
            out.push(0);
            put_i32(out, -1);
        };
        match op {
            Op::Create { mode, data, .. } => {
                header(out, OP_CREATE);
                put_str(out, &full);
                put_data(out, *data);
                if self.digest.is_some() {
                    put_i32(out, 2);
                    put_acl(out, 31, "auth", "");
                    put_acl(out, 1, "world", "anyone");
                } else {
                    put_i32(out, 1);
                    put_acl(out, 31, "world", "anyone");
                }
                put_i32(out, if *mode == Mode::PersistentSequential { 2 } else { 0 });
            }
            Op::SetNull { version, .. } => {
                header(out, OP_SET_DATA);
                put_str(out, &full);
                put_data(out, None);
                put_i32(out, version.unwrap_or(-1));
            }
            Op::Set { data, version, .. } => {
                header(out, OP_SET_DATA);
                put_str(out, &full);
                put_data(out, Some(data));
                put_i32(out, version.unwrap_or(-1));
            }
            Op::Delete { version, .. } => {
                header(out, OP_DELETE);
                put_str(out, &full);
                put_i32(out, version.unwrap_or(-1));
            }
            Op::Check { version, .. } => {
                header(out, OP_CHECK);
                put_str(out, &full);
                put_i32(out, *version);
            }
        }
    }

    /// Connects to the first server that answers and authenticates.
    /// One of the process's short-session slots (see `SESSIONS`), waited for at most 30 s.
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'static>, Error> {
        match tokio::time::timeout(Duration::from_secs(30), SESSIONS.acquire()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(Error::Unreachable {
                connect: self.hosts.join(","),
                reason: "too many null writes in flight: no free session slot within 30 s".into(),
            }),
        }
    }

    async fn open_conn(&self) -> Result<Conn, Error> {
        let unreachable = |reason: String| Error::Unreachable { connect: self.hosts.join(","), reason };
        let mut last = "no server in the connect string".to_owned();
        // Start at a different server each time (spread the load, and a wedged first server
        // is not in front of every call); each server gets 3 s for connect, handshake and auth.
        let start = (now_nanos() as usize) % self.hosts.len().max(1);
        for i in 0..self.hosts.len() {
            let host = &self.hosts[(start + i) % self.hosts.len()];
            match tokio::time::timeout(Duration::from_secs(3), self.open_one(host)).await {
                Ok(Ok(conn)) => return Ok(conn),
                Ok(Err(zk::Error::AuthFailed)) => return Err(Error::NoAuth { path: "/".into() }),
                Ok(Err(e)) => last = format!("{host}: {e}"),
                Err(_) => last = format!("{host}: no answer within 3 s"),
            }
        }
        Err(unreachable(last))
    }

    async fn open_one(&self, host: &str) -> Result<Conn, zk::Error> {
        let addr =
            if host.starts_with('[') { host.to_owned() } else { host.trim_start_matches('[').replace("]:", ":") };
        let stream =
            TcpStream::connect(addr.as_str()).await.map_err(|e| zk::Error::UnexpectedError(format!("connect: {e}")))?;
        let _ = stream.set_nodelay(true);
        let mut conn = Conn { stream, xid: 0 };
        conn.handshake().await?;
        if let Some((user, password)) = &self.digest {
            conn.auth(user, password).await?;
        }
        Ok(conn)
    }
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

struct Conn {
    stream: TcpStream,
    xid: i32,
}

impl Conn {
    async fn send(&mut self, frame: &[u8]) -> Result<(), zk::Error> {
        let len = i32::try_from(frame.len()).map_err(|_| zk::Error::MarshallingError)?;
        let mut out = Vec::with_capacity(frame.len() + 4);
        put_i32(&mut out, len);
        out.extend_from_slice(frame);
        self.stream.write_all(&out).await.map_err(|_| zk::Error::ConnectionLoss)
    }

    async fn recv(&mut self) -> Result<Vec<u8>, zk::Error> {
        let mut len = [0u8; 4];
        self.stream.read_exact(&mut len).await.map_err(|_| zk::Error::ConnectionLoss)?;
        let len = i32::from_be_bytes(len);
        let len = usize::try_from(len).ok().filter(|l| *l <= MAX_REPLY).ok_or(zk::Error::MarshallingError)?;
        let mut buf = vec![0u8; len];
        self.stream.read_exact(&mut buf).await.map_err(|_| zk::Error::ConnectionLoss)?;
        Ok(buf)
    }

    async fn handshake(&mut self) -> Result<(), zk::Error> {
        let mut req = Vec::new();
        put_i32(&mut req, 0); // protocol version
        put_i64(&mut req, 0); // last zxid seen
        put_i32(&mut req, SESSION_MS);
        put_i64(&mut req, 0); // session id
        put_i32(&mut req, 16);
        req.extend_from_slice(&[0u8; 16]);
        req.push(0); // read-only: no
        self.send(&req).await?;
        let resp = self.recv().await?;
        let mut rd = Reader(&resp);
        let _proto = rd.i32()?;
        let timeout = rd.i32()?;
        if timeout <= 0 {
            return Err(zk::Error::SessionExpired);
        }
        Ok(())
    }

    async fn auth(&mut self, user: &str, password: &str) -> Result<(), zk::Error> {
        let mut body = Vec::new();
        put_i32(&mut body, 0);
        put_str(&mut body, "digest");
        put_data(&mut body, Some(format!("{user}:{password}").as_bytes()));
        // Auth packets travel with the reserved xid -4.
        let (err, _) = self.request(-4, OP_AUTH, &body).await?;
        if err == 0 {
            Ok(())
        } else {
            Err(zk::Error::AuthFailed)
        }
    }

    /// Sends one request; returns the reply's error code and its body.
    async fn call(&mut self, op: i32, body: &[u8]) -> Result<(i32, Vec<u8>), zk::Error> {
        self.xid += 1;
        self.request(self.xid, op, body).await
    }

    /// Sends a request under `xid` and waits for the reply with that xid (pings and
    /// notifications in between are not ours).
    async fn request(&mut self, xid: i32, op: i32, body: &[u8]) -> Result<(i32, Vec<u8>), zk::Error> {
        let mut req = Vec::with_capacity(body.len() + 8);
        put_i32(&mut req, xid);
        put_i32(&mut req, op);
        req.extend_from_slice(body);
        self.send(&req).await?;
        loop {
            let resp = self.recv().await?;
            let mut rd = Reader(&resp);
            let got = rd.i32()?;
            let _zxid = rd.i64()?;
            let err = rd.i32()?;
            if got != xid {
                continue;
            }
            return Ok((err, rd.0.to_vec()));
        }
    }

    async fn close(&mut self) {
        self.xid += 1;
        let mut req = Vec::new();
        put_i32(&mut req, self.xid);
        put_i32(&mut req, OP_CLOSE);
        if self.send(&req).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), self.recv()).await;
        }
        let _ = self.stream.shutdown().await;
    }
}

/// Reads a multi reply. `Err((index, code))` names the first operation that failed.
fn parse_multi(rd: &mut Reader<'_>, ops: &[Op<'_>], chroot: &str) -> Result<Vec<OpResult>, (usize, i32)> {
    let mut out = Vec::new();
    let mut failed: Option<(usize, i32)> = None;
    let bad = |i: usize| (i, -2); // marshalling: the reply is not what a multi returns
    for i in 0..=ops.len() {
        let t = rd.i32().map_err(|_| bad(i))?;
        let done = rd.u8().map_err(|_| bad(i))? != 0;
        let _err = rd.i32().map_err(|_| bad(i))?;
        if done {
            break;
        }
        match t {
            OP_CREATE => {
                let p = rd.string().map_err(|_| bad(i))?;
                let p = p.strip_prefix(chroot).filter(|s| s.starts_with('/')).map(str::to_owned).unwrap_or(p);
                out.push(OpResult::Created(p));
            }
            OP_SET_DATA => {
                let stat = rd.take(68).map_err(|_| bad(i))?;
                let version = i32::from_be_bytes([stat[32], stat[33], stat[34], stat[35]]);
                out.push(OpResult::Set(version));
            }
            OP_DELETE | OP_CHECK => out.push(OpResult::Done),
            OP_ERROR => {
                let code = rd.i32().map_err(|_| bad(i))?;
                // Every op of a failed multi reports an error; the first non-zero, non
                // "rolled back" (-2 RUNTIMEINCONSISTENCY) code names the culprit.
                if failed.is_none() && code != 0 && code != -2 {
                    failed = Some((i, code));
                }
            }
            _ => return Err(bad(i)),
        }
    }
    match failed {
        Some(f) => Err(f),
        None if out.len() == ops.len() => Ok(out),
        None => Err(bad(out.len())),
    }
}

/// ZooKeeper's error codes as the main client's errors, so callers branch on one type.
fn code_error(code: i32) -> zk::Error {
    match code {
        -101 => zk::Error::NoNode,
        -102 => zk::Error::NoAuth,
        -103 => zk::Error::BadVersion,
        -108 => zk::Error::NoChildrenForEphemerals,
        -110 => zk::Error::NodeExists,
        -111 => zk::Error::NotEmpty,
        -112 => zk::Error::SessionExpired,
        -114 => zk::Error::InvalidAcl,
        -115 => zk::Error::AuthFailed,
        -4 => zk::Error::ConnectionLoss,
        -6 => zk::Error::Unimplemented,
        -2 => zk::Error::MarshallingError,
        c => zk::Error::UnexpectedErrorCode(c),
    }
}

fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}
fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_be_bytes());
}
fn put_str(out: &mut Vec<u8>, s: &str) {
    put_i32(out, s.len() as i32);
    out.extend_from_slice(s.as_bytes());
}
/// A jute buffer: length −1 for null, else the length and the bytes.
fn put_data(out: &mut Vec<u8>, data: Option<&[u8]>) {
    match data {
        None => put_i32(out, -1),
        Some(d) => {
            put_i32(out, i32::try_from(d.len()).unwrap_or(i32::MAX));
            out.extend_from_slice(d);
        }
    }
}
fn put_acl(out: &mut Vec<u8>, perms: i32, scheme: &str, id: &str) {
    put_i32(out, perms);
    put_str(out, scheme);
    put_str(out, id);
}

/// Reads jute values from a reply; any read past its end is a marshalling error.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], zk::Error> {
        if self.0.len() < n {
            return Err(zk::Error::MarshallingError);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, zk::Error> {
        Ok(self.take(1)?[0])
    }
    fn i32(&mut self) -> Result<i32, zk::Error> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i64(&mut self) -> Result<i64, zk::Error> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }
    fn buffer(&mut self) -> Result<Option<&'a [u8]>, zk::Error> {
        let len = self.i32()?;
        if len < 0 {
            return Ok(None);
        }
        Ok(Some(self.take(len as usize)?))
    }
    fn string(&mut self) -> Result<String, zk::Error> {
        let b = self.buffer()?.unwrap_or_default();
        String::from_utf8(b.to_vec()).map_err(|_| zk::Error::MarshallingError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_strings_split_into_hosts_and_chroot() {
        assert_eq!(split_connect("a:1,b:2"), (vec!["a:1".to_owned(), "b:2".to_owned()], String::new()));
        assert_eq!(split_connect(" a:1/app/x/ "), (vec!["a:1".to_owned()], "/app/x".to_owned()));
        assert_eq!(split_connect("a:1/"), (vec!["a:1".to_owned()], String::new()));
    }

    #[test]
    fn a_truncated_or_hostile_reply_is_an_error_not_a_panic() {
        let ops = [Op::SetNull { path: "/a", version: None }];
        for bytes in [vec![], vec![0, 0, 0, 5], vec![0, 0, 0, 5, 0, 0, 0, 0, 0], vec![255; 80]] {
            let mut rd = Reader(&bytes);
            assert!(parse_multi(&mut rd, &ops, "").is_err());
        }
        let mut rd = Reader(&[0x7f, 0xff, 0xff, 0xff]);
        assert!(rd.buffer().is_err());
    }
}

//! The business side of a thread group, mirroring TBSchedule's `IScheduleTaskDeal` contract:
//! select tasks for the items a group holds, then execute them one by one or in batches.
//!
//! Two deals ship: [`DemoDeal`] (records what it processed, for tests and first runs) and
//! [`ProcessDeal`], which speaks one JSON object per line with any program over stdin/stdout
//! (protocol in README.md), with a timeout per call and a restart with backoff when the
//! program dies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One task item a group holds (`TaskItemDefine`: id and parameter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldItem {
    /// The item id.
    pub id: String,
    /// Its parameter text.
    pub parameter: String,
}

/// What `selectTasks` receives.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectRequest {
    /// The task type's `taskParameter`: null when the task type has none, as Java passes it.
    pub task_parameter: Option<String>,
    /// The own sign of the domain.
    pub own_sign: String,
    /// Total items of the domain.
    pub task_item_num: usize,
    /// The items this group holds now.
    pub items: Vec<HeldItem>,
    /// `fetchDataNumber`.
    pub fetch_num: usize,
    /// The thread group (server uuid), for logs and tests.
    pub server: String,
}

/// A deal failure; counted as `DealDataFail`, never fatal to the group.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct DealError(pub String);

/// TBSchedule's task deal contract. Tasks are opaque JSON values.
pub trait TaskDeal: Send + Sync + 'static {
    /// `selectTasks`: up to `fetch_num` tasks of the held items; empty means no data.
    fn select(&self, req: &SelectRequest) -> impl std::future::Future<Output = Result<Vec<Value>, DealError>> + Send;
    /// `execute`: one task, or a batch of up to executeNumber; `Ok(false)` is a failure.
    fn execute(
        &self,
        tasks: &[Value],
        own_sign: &str,
        server: &str,
    ) -> impl std::future::Future<Output = Result<bool, DealError>> + Send;
}

/// Every deal the runtime can run, so groups can hold one without generics.
#[derive(Clone)]
pub enum Deal {
    /// The built-in demo.
    Demo(Arc<DemoDeal>),
    /// An external program.
    Process(Arc<ProcessDeal>),
}

impl Deal {
    /// The job program `exec` (through the shell), each call bounded by `timeout`, or the
    /// built-in demo when there is none (or it is blank).
    pub fn from_exec(exec: Option<String>, timeout: std::time::Duration) -> Deal {
        match exec.filter(|e| !e.trim().is_empty()) {
            Some(cmd) => Deal::Process(Arc::new(ProcessDeal::new(cmd, timeout))),
            None => Deal::Demo(Arc::new(DemoDeal::new(1))),
        }
    }

    /// The event log the runtime should use (a process deal's stderr lines join it).
    pub fn event_log(&self) -> Arc<crate::EventLog> {
        match self {
            Deal::Demo(_) => Arc::default(),
            Deal::Process(p) => p.event_log(),
        }
    }

    /// Ends whatever the deal started (a job program and its process group).
    pub async fn shutdown(&self) {
        if let Deal::Process(p) = self {
            p.shutdown().await;
        }
    }

    /// Dispatches `select`.
    pub async fn select(&self, req: &SelectRequest) -> Result<Vec<Value>, DealError> {
        match self {
            Deal::Demo(d) => d.select(req).await,
            Deal::Process(p) => p.select(req).await,
        }
    }
    /// Dispatches `execute`.
    pub async fn execute(&self, tasks: &[Value], own_sign: &str, server: &str) -> Result<bool, DealError> {
        match self {
            Deal::Demo(d) => d.execute(tasks, own_sign, server).await,
            Deal::Process(p) => p.execute(tasks, own_sign, server).await,
        }
    }
}

/// A processed task, as the demo deal records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// Task id `item:n`.
    pub task: String,
    /// The item.
    pub item: String,
    /// The server that executed it.
    pub server: String,
    /// When the execution started and ended.
    pub during: (std::time::Instant, std::time::Instant),
}

/// Hands out `per_item` fresh tasks per held item on each select (`<item>:<n>`, n counting up
/// per item across the whole runtime) and counts executions. Only a *recording* demo deal
/// (tests) keeps every execution, enough to check that no task runs twice and no item is
/// processed by two servers at once; the one users run keeps counters only, so hours at
/// 100,000 tasks/s use no more memory than the first second.
#[derive(Default)]
pub struct DemoDeal {
    /// Tasks per item per select (0 = 1).
    pub per_item: usize,
    /// Time each execute takes, so tests can see executions overlap (or not).
    pub work: std::time::Duration,
    next: Mutex<HashMap<String, u64>>,
    executed: std::sync::atomic::AtomicU64,
    record: bool,
    /// Fault injection for tests: `select` panics this many times (a deal bug).
    panics: std::sync::atomic::AtomicU32,
    /// Everything executed, in order (recording deals only).
    pub log: Mutex<Vec<Processed>>,
    /// The `task_item_num` and held item count of the last select (recording deals only).
    last_select: Mutex<Option<(usize, usize)>>,
}

impl DemoDeal {
    /// A demo deal handing out `per_item` tasks per item per fetch, from a shared counter so
    /// several runtimes in one process (tests) never hand out the same task twice. Counts
    /// executions; keeps no record of them.
    pub fn new(per_item: usize) -> Self {
        DemoDeal { per_item, ..Default::default() }
    }

    /// Like [`DemoDeal::new`], recording every execution (memory grows with every task: for
    /// tests that check what ran where).
    pub fn recording(per_item: usize) -> Self {
        DemoDeal { per_item, record: true, ..Default::default() }
    }

    /// A recording deal whose every execution takes `work`.
    pub fn with_work(per_item: usize, work: std::time::Duration) -> Self {
        DemoDeal { per_item, work, record: true, ..Default::default() }
    }

    /// A recording deal whose first `n` selects panic, as a buggy deal would (tests of the
    /// runtime's failure handling).
    pub fn panicking(per_item: usize, n: u32) -> Self {
        DemoDeal { per_item, record: true, panics: std::sync::atomic::AtomicU32::new(n), ..Default::default() }
    }

    /// Tasks executed so far.
    pub fn executed(&self) -> u64 {
        self.executed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The last select's `task_item_num` and number of held items (recording deals only).
    pub fn last_select(&self) -> Option<(usize, usize)> {
        self.last_select.lock().ok().and_then(|l| *l)
    }

    /// A copy of the log.
    pub fn processed(&self) -> Vec<Processed> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Pairs of executions of the same item by two different servers that overlapped in time:
    /// empty when no item was ever processed by two servers at once.
    pub fn overlaps(&self) -> Vec<(Processed, Processed)> {
        let mut log = self.processed();
        log.sort_by(|a, b| (a.item.as_str(), a.during.0).cmp(&(b.item.as_str(), b.during.0)));
        let mut out = Vec::new();
        for (i, a) in log.iter().enumerate() {
            for b in log[i + 1..].iter().take_while(|b| b.item == a.item && b.during.0 < a.during.1) {
                if b.server != a.server {
                    out.push((a.clone(), b.clone()));
                }
            }
        }
        out
    }
}

impl TaskDeal for DemoDeal {
    async fn select(&self, req: &SelectRequest) -> Result<Vec<Value>, DealError> {
        let left = self.panics.load(std::sync::atomic::Ordering::Relaxed);
        if left > 0
            && self
                .panics
                .compare_exchange(
                    left,
                    left - 1,
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
                )
                .is_ok()
        {
            panic!("demo deal: injected failure ({left} left)");
        }
        if self.record {
            if let Ok(mut l) = self.last_select.lock() {
                *l = Some((req.task_item_num, req.items.len()));
            }
        }
        let mut next = self.next.lock().map_err(|_| DealError("poisoned".into()))?;
        let mut out = Vec::new();
        for it in &req.items {
            for _ in 0..self.per_item.max(1) {
                if out.len() >= req.fetch_num {
                    break;
                }
                let n = next.entry(it.id.clone()).or_insert(0);
                *n += 1;
                out.push(serde_json::json!({ "id": format!("{}:{}", it.id, n), "item": it.id }));
            }
        }
        Ok(out)
    }

    async fn execute(&self, tasks: &[Value], _own_sign: &str, server: &str) -> Result<bool, DealError> {
        let start = std::time::Instant::now();
        if !self.work.is_zero() {
            tokio::time::sleep(self.work).await;
        }
        let end = std::time::Instant::now();
        self.executed.fetch_add(tasks.len() as u64, std::sync::atomic::Ordering::Relaxed);
        if !self.record {
            return Ok(true);
        }
        let mut log = self.log.lock().map_err(|_| DealError("poisoned".into()))?;
        for t in tasks {
            log.push(Processed {
                task: t["id"].as_str().unwrap_or_default().to_owned(),
                item: t["item"].as_str().unwrap_or_default().to_owned(),
                server: server.to_owned(),
                during: (start, end),
            });
        }
        Ok(true)
    }
}

/// The longest line a job program may answer with, by default (16 MiB). A longer line, or
/// one that never ends, is a failed call: the program is killed and restarted.
pub const DEFAULT_LINE_LIMIT: usize = 16 << 20;

/// Cuts `text` to at most `max` bytes (at a character boundary), marking the cut with `…`.
fn cut_marked(text: &mut String, max: usize) {
    if text.len() > max {
        let cut = (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
}

/// Tasks taken from one select answer at most: a job answering more (a bug, or hostile) gets an
/// error rather than a group holding millions of rows (Java processes whatever it is given).
pub const MAX_SELECTED: usize = 100_000;
/// JSON values one answer of a job program may hold at most: twenty for each of the
/// [`MAX_SELECTED`] tasks an answer may carry. Parsed, a value takes some 80 bytes, so a 16 MiB
/// line of `[0,0,0,...]` would take over 600 MB; an answer past this is refused before it is
/// parsed (about 160 MB at most), a failed call.
pub const MAX_ANSWER_VALUES: usize = 20 * MAX_SELECTED;

/// How many JSON values `text` holds at most, counted without parsing it: one, plus one for
/// every `[`, `{` and `,` outside strings (never fewer than the values a parse makes).
pub fn json_values_at_most(text: &[u8]) -> usize {
    let (mut n, mut in_string, mut escaped) = (1usize, false, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' => n = n.saturating_add(1),
                _ => {}
            }
        }
    }
    n
}

/// How many JSON values `v` holds (itself included), walked without recursion.
pub fn value_count(v: &Value) -> usize {
    let (mut n, mut stack) = (0usize, vec![v]);
    while let Some(v) = stack.pop() {
        n = n.saturating_add(1);
        match v {
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    n
}

/// Process groups of the job programs running in this process, for [`kill_all_jobs`].
static JOB_GROUPS: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

/// Kills every job program's process group at once (a second Ctrl-C: the program exits without
/// its clean stop, and must not leave job processes behind).
pub fn kill_all_jobs() {
    if let Ok(groups) = JOB_GROUPS.lock() {
        for pg in groups.iter() {
            // SAFETY: kill(2) on a process group this process started; no memory is touched.
            unsafe {
                libc::kill(-pg, libc::SIGKILL);
            }
        }
    }
}

/// Job stderr lines kept in the event log are cut at this many bytes.
const STDERR_LINE_KEEP: usize = 2000;

/// The developer's program, started with `sh -c <command>` in a process group of its own and
/// spoken to in JSON lines: `{"op":"select", ...SelectRequest}` → `{"tasks":[...]}`, and
/// `{"op":"execute","tasks":[...],"ownSign":"..."}` → `{"ok":true}`. Any other answer, a
/// timeout, a line over the limit or a dead program is a failure; the program's whole process
/// group is killed and the program restarted with backoff. Its stderr goes, line by line and
/// bounded, to the runtime's event log.
pub struct ProcessDeal {
    command: String,
    timeout: Duration,
    line_limit: usize,
    proc: tokio::sync::Mutex<Option<Running>>,
    restarts: std::sync::atomic::AtomicU32,
    log: Arc<crate::EventLog>,
    /// The running program's process group, outside the lock: a stop kills it at once even
    /// while a hung call holds the lock.
    pgid: std::sync::atomic::AtomicI32,
}

struct Running {
    child: tokio::process::Child,
    /// The process group (= the `sh` pid): every process the job started, unless it moved
    /// itself out (setsid), is in it.
    pgid: Option<i32>,
    stdin: tokio::process::ChildStdin,
    stdout: BufReader<tokio::process::ChildStdout>,
    /// The task copying the program's stderr to the log. A process the job moved out of its
    /// group (setsid) keeps the pipe open after the job is gone, so the task would never end:
    /// it gets a second for the last lines, then it is ended with the program.
    stderr: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Ends the stderr task a second from now (at once without a runtime).
    fn end_stderr(&mut self) {
        let Some(mut task) = self.stderr.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if tokio::time::timeout(Duration::from_secs(1), &mut task).await.is_err() {
                        task.abort();
                    }
                });
            }
            Err(_) => task.abort(),
        }
    }

    fn kill_group(&mut self) {
        if let Some(pg) = self.pgid.take() {
            if let Ok(mut g) = JOB_GROUPS.lock() {
                g.retain(|x| *x != pg);
            }
            // SAFETY: kill(2) with a negative pid signals that process group; no memory is
            // touched. The group id is our child's pid, so it cannot name an unrelated group
            // while the child is unreaped (we reap it right after).
            unsafe {
                libc::kill(-pg, libc::SIGKILL);
            }
        }
        let _ = self.child.start_kill();
    }
}

impl Drop for Running {
    /// However the program ends for us (timeout, bad answer, stop, tbdesk exiting), its whole
    /// process group goes with it: no orphan survives a restart or a stop.
    fn drop(&mut self) {
        self.kill_group();
        self.end_stderr();
    }
}

/// Reads one line of at most `max` bytes (without the newline). `Ok(None)` at end of output.
pub async fn next_line_capped<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    max: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(if out.is_empty() { None } else { Some(out) });
        }
        let (take, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (i, true),
            None => (buf.len(), false),
        };
        if out.len().saturating_add(take) > max {
            let n = buf.len();
            r.consume(n);
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a line longer than {max} bytes"),
            ));
        }
        out.extend_from_slice(&buf[..take]);
        r.consume(if done { take + 1 } else { take });
        if done {
            return Ok(Some(out));
        }
    }
}

impl ProcessDeal {
    /// A deal over `command` with a per-call `timeout` and the default line limit.
    pub fn new(command: impl Into<String>, timeout: Duration) -> Self {
        ProcessDeal {
            command: command.into(),
            timeout,
            line_limit: DEFAULT_LINE_LIMIT,
            proc: tokio::sync::Mutex::new(None),
            restarts: std::sync::atomic::AtomicU32::new(0),
            log: Arc::default(),
            pgid: std::sync::atomic::AtomicI32::new(0),
        }
    }

    /// The longest answer line accepted (bytes).
    pub fn with_line_limit(mut self, bytes: usize) -> Self {
        self.line_limit = bytes.max(1);
        self
    }

    /// The log the program's stderr lines go to (the runtime's event log).
    pub fn event_log(&self) -> Arc<crate::EventLog> {
        self.log.clone()
    }

    /// How often the program had to be (re)started.
    pub fn restarts(&self) -> u32 {
        self.restarts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops the program and every process of its group (a clean stop of the runtime).
    pub async fn shutdown(&self) {
        let pg = self.pgid.swap(0, std::sync::atomic::Ordering::Relaxed);
        if pg > 0 {
            // SAFETY: kill(2) on the process group of the program we started; no memory.
            unsafe {
                libc::kill(-pg, libc::SIGKILL);
            }
        }
        if let Some(mut r) = self.proc.lock().await.take() {
            self.forget_pgid(&r);
            r.kill_group();
            let _ = tokio::time::timeout(Duration::from_secs(5), r.child.wait()).await;
        }
    }

    async fn call(&self, msg: Value) -> Result<Value, DealError> {
        let mut guard = self.proc.lock().await;
        if guard.is_none() {
            let n = self.restarts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n > 0 {
                // Backoff after a crash: 100 ms doubling up to 5 s.
                let delay = Duration::from_millis(100u64.saturating_mul(1 << n.min(6))).min(Duration::from_secs(5));
                tokio::time::sleep(delay).await;
            }
            let mut child = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(&self.command)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| DealError(format!("cannot start {:?}: {e}", self.command)))?;
            let pgid = child.id().and_then(|p| i32::try_from(p).ok());
            self.pgid.store(pgid.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
            if let (Some(pg), Ok(mut g)) = (pgid, JOB_GROUPS.lock()) {
                g.push(pg);
            }
            let stdin = child.stdin.take().ok_or_else(|| DealError("no stdin".into()))?;
            let stdout = child.stdout.take().ok_or_else(|| DealError("no stdout".into()))?;
            let stderr = child.stderr.take().map(|err| {
                let log = self.log.clone();
                let limit = self.line_limit;
                tokio::spawn(async move {
                    let mut r = BufReader::new(err);
                    loop {
                        match next_line_capped(&mut r, limit).await {
                            Ok(Some(l)) => {
                                let mut text = String::from_utf8_lossy(&l).into_owned();
                                cut_marked(&mut text, STDERR_LINE_KEEP);
                                tracing::info!(target: "tbdesk::job", "{text}");
                                log.push(format!("job: {text}"));
                            }
                            Ok(None) => break,
                            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                                log.push(format!("job stderr: {e}; rest of the line dropped"))
                            }
                            Err(e) => {
                                log.push(format!("job stderr unreadable: {e}"));
                                break;
                            }
                        }
                    }
                })
            });
            *guard = Some(Running { child, pgid, stdin, stdout: BufReader::new(stdout), stderr });
        }
        // From here the program has (or may have) our request: if this call is dropped before
        // the answer is read (a stopping group aborts its task), the program is killed, never
        // left to hand this answer to the next call.
        let mut ex = Exchange { slot: Some(guard), pgid: &self.pgid };
        let Some(run) = ex.slot.as_mut().and_then(|g| g.as_mut()) else {
            return Err(DealError("not running".into()));
        };
        let mut line = serde_json::to_string(&msg).map_err(|e| DealError(e.to_string()))?;
        line.push('\n');
        let limit = self.line_limit;
        let exchange = async {
            run.stdin.write_all(line.as_bytes()).await.map_err(|e| DealError(format!("write: {e}")))?;
            run.stdin.flush().await.map_err(|e| DealError(format!("write: {e}")))?;
            match next_line_capped(&mut run.stdout, limit).await {
                Ok(Some(l)) if json_values_at_most(&l) > MAX_ANSWER_VALUES => Err(DealError(format!(
                    "an answer of {} bytes holding more than {MAX_ANSWER_VALUES} JSON values; refused unparsed",
                    l.len()
                ))),
                Ok(Some(l)) => serde_json::from_slice::<Value>(&l).map_err(|e| {
                    let shown = String::from_utf8_lossy(&l[..l.len().min(200)]).into_owned();
                    DealError(format!("bad answer {shown:?}: {e}"))
                }),
                Ok(None) => Err(DealError("the program exited".into())),
                Err(e) => Err(DealError(format!("read: {e}"))),
            }
        };
        let outcome = tokio::time::timeout(self.timeout, exchange).await;
        // The exchange ended: disarm the guard and decide here.
        let Some(mut guard) = ex.slot.take() else { return Err(DealError("not running".into())) };
        let failed = match outcome {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => {
                self.log.push(format!("job failed ({e}); restarting it"));
                e
            }
            Err(_) => {
                let e = DealError(format!("no answer within {:?}; the program was restarted", self.timeout));
                self.log.push(e.0.clone());
                e
            }
        };
        if let Some(mut r) = guard.take() {
            self.forget_pgid(&r);
            r.kill_group();
            let _ = r.child.wait().await;
        }
        Err(failed)
    }

    /// The program `r` is being ended: `shutdown` must not signal its group id any more.
    fn forget_pgid(&self, r: &Running) {
        if let Some(pg) = r.pgid {
            let _ = self.pgid.compare_exchange(
                pg,
                0,
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
    }
}

/// An exchange with the program in progress; dropped before it is disarmed (the caller's task
/// was aborted mid-call), it kills the program.
struct Exchange<'a> {
    slot: Option<tokio::sync::MutexGuard<'a, Option<Running>>>,
    pgid: &'a std::sync::atomic::AtomicI32,
}

impl Drop for Exchange<'_> {
    fn drop(&mut self) {
        if let Some(mut g) = self.slot.take() {
            if let Some(mut r) = g.take() {
                if let Some(pg) = r.pgid {
                    let _ = self.pgid.compare_exchange(
                        pg,
                        0,
                        std::sync::atomic::Ordering::Relaxed,
                        std::sync::atomic::Ordering::Relaxed,
                    );
                }
                r.kill_group();
            }
        }
    }
}

impl TaskDeal for ProcessDeal {
    async fn select(&self, req: &SelectRequest) -> Result<Vec<Value>, DealError> {
        let mut msg = serde_json::to_value(req).map_err(|e| DealError(e.to_string()))?;
        msg["op"] = Value::String("select".into());
        let mut v = self.call(msg).await?;
        let tasks = match v.get_mut("tasks") {
            // Taken, not copied: an answer can be large.
            Some(Value::Array(a)) => std::mem::take(a),
            _ => {
                let mut shown = v.to_string();
                cut_marked(&mut shown, 200);
                return Err(DealError(format!("select answer has no \"tasks\" array: {shown}")));
            }
        };
        if tasks.len() > MAX_SELECTED {
            return Err(DealError(format!(
                "select answered {} tasks; at most {MAX_SELECTED} are taken from one answer (fetchDataNumber asked {})",
                tasks.len(),
                req.fetch_num
            )));
        }
        Ok(tasks)
    }

    async fn execute(&self, tasks: &[Value], own_sign: &str, server: &str) -> Result<bool, DealError> {
        let v = self
            .call(serde_json::json!({ "op": "execute", "tasks": tasks, "ownSign": own_sign, "server": server }))
            .await?;
        Ok(v.get("ok").and_then(Value::as_bool).unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn the_value_bound_is_never_below_a_parse() {
        for text in [
            "0",
            "[]",
            "{}",
            "[1,2,3]",
            r#"{"a":1,"b":[2,{"c":null}]}"#,
            r#"["a,b[c{d", "e\\\"f,", {"k,":"[v]"}]"#,
            r#"{"tasks":[[0,0,0],[1],"x\u0022,"]}"#,
        ] {
            let v: Value = serde_json::from_str(text).expect(text);
            let bound = json_values_at_most(text.as_bytes());
            assert!(bound >= value_count(&v), "{text}: {bound} < {}", value_count(&v));
            assert!(bound <= value_count(&v) + 2, "{text}: {bound} far above {}", value_count(&v));
        }
        // Commas and brackets inside strings are not values.
        assert_eq!(json_values_at_most(br#"{"tasks":["[,{,[,{"]}"#), 3);
    }

    #[test]
    fn overlaps_are_found_only_across_servers() {
        let d = DemoDeal::new(1);
        let t = Instant::now();
        let p = |item: &str, server: &str, a: u64, b: u64| Processed {
            task: format!("{item}:{a}"),
            item: item.into(),
            server: server.into(),
            during: (t + Duration::from_millis(a), t + Duration::from_millis(b)),
        };
        if let Ok(mut log) = d.log.lock() {
            log.extend([
                p("0", "S1", 0, 10),
                p("0", "S1", 5, 15),
                p("0", "S2", 20, 30),
                p("1", "S1", 0, 10),
                p("1", "S2", 9, 12),
            ]);
        }
        let o = d.overlaps();
        assert_eq!(o.len(), 1, "{o:?}");
        assert_eq!((o[0].0.item.as_str(), o[0].1.server.as_str()), ("1", "S2"));
    }
}

//! The store's one error type, and how it travels to the window ([`ApiError`]): the code a
//! caller switches on is decided here, beside the variants.

use tbdesk_model::wire::{ApiError, ErrorCode, Expect};
use zookeeper_client as zk;

/// Errors a console action can meet; a variant exists where a caller (or the UI) reacts
/// differently.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root path is not a valid ZooKeeper path for a TBSchedule root.
    #[error("invalid root path: {0}")]
    Root(#[from] tbdesk_model::paths::RootError),
    /// No server of the connect string answered.
    #[error("cannot reach ZooKeeper at {connect}: {reason}")]
    Unreachable {
        /// The connect string tried.
        connect: String,
        /// What the client said.
        reason: String,
    },
    /// The digest credentials were refused, or the session lacks permission on a node.
    #[error("not authorised for {path}: its ACL refuses this session (if the root is protected, check the profile's digest user and password)")]
    NoAuth {
        /// The node the operation was refused on.
        path: String,
    },
    /// The node does not exist (for the root itself: the root is missing).
    #[error("node {path} does not exist")]
    NoNode {
        /// The missing node.
        path: String,
    },
    /// The root's version marker is one the Java 3.2.12–3.3.x runtimes refuse (P13).
    #[error("root {path} holds version marker {found:?}, which TBSchedule 3.2.12-3.3.x rejects (it expects tbschedule-3.2.12 or older)")]
    IncompatibleRoot {
        /// The root.
        path: String,
        /// The marker found.
        found: String,
    },
    /// The profile is read-only: nothing is written.
    #[error("this profile is read-only: nothing was written")]
    ReadOnly,
    /// The object breaks validation rules; nothing was written.
    #[error("not written: {}", .0.iter().map(|v| format!("{}: {}", v.field, v.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<tbdesk_model::validate::Violation>),
    /// The node changed since it was read (or exists although a create expected it not to);
    /// nothing was written.
    #[error("{}", conflict_words(path, expected, actual))]
    Conflict {
        /// The node.
        path: String,
        /// What the write expected.
        expected: Expect,
        /// The node's version now (`None`: it does not exist).
        actual: Option<i32>,
    },
    /// A destructive action refused because Java runtimes are registered (P8).
    #[error("refused: {what} is in use by {} registered runtime(s) (factories or thread groups): {}; stop them first or force", running.len(), running.join(", "))]
    Running {
        /// What was to be deleted.
        what: String,
        /// The registered servers or factories.
        running: Vec<String>,
    },
    /// A blob that must be read to be changed does not decode.
    #[error("{path} does not hold a readable record: {source}")]
    Decode {
        /// The node.
        path: String,
        /// Why.
        source: tbdesk_model::gson::DecodeError,
    },
    /// The chosen root lies inside another TBSchedule root (P12).
    #[error("{path} would nest inside the TBSchedule root {ancestor} (marker {found:?}); choose a path outside it")]
    NestedRoot {
        /// The chosen root.
        path: String,
        /// The ancestor that is a root.
        ancestor: String,
        /// Its marker.
        found: String,
    },
    /// The chosen root is ZooKeeper's own subtree.
    #[error("{path} is inside /zookeeper, ZooKeeper's own subtree (quotas, config): choose a path outside it")]
    Reserved {
        /// The chosen root.
        path: String,
    },
    /// A TBSchedule root lies below the chosen root: initialising would nest it.
    #[error("{path} holds the TBSchedule root {inner} below it (marker {found:?}); initialising {path} would nest that root inside a new one: choose a path outside it")]
    ContainsRoot {
        /// The chosen root.
        path: String,
        /// The root found below it.
        inner: String,
        /// Its marker.
        found: String,
    },
    /// The profile's root is missing or not initialised: nothing to export, nowhere to import.
    #[error("{path} is not a TBSchedule root: {why}")]
    NotARoot {
        /// The root.
        path: String,
        /// What is wrong, for a person.
        why: String,
    },
    /// One atomic write too large for one ZooKeeper request, refused before it is sent (a
    /// server drops the connection of a request over `jute.maxbuffer`).
    #[error("{path}: one atomic write of {ops} changes is about {bytes} bytes, over ZooKeeper's request limit ({limit} bytes by default): nothing was written; choose fewer at once")]
    RequestTooLarge {
        /// The first node of the write.
        path: String,
        /// Changes in it.
        ops: usize,
        /// Its size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// An import too large for one atomic multi.
    #[error("this import writes about {bytes} bytes in {objects} objects, over ZooKeeper's request limit for one atomic multi ({limit} bytes by default): nothing was written; split the file and import the parts one by one")]
    TooLarge {
        /// The estimated request size.
        bytes: usize,
        /// The limit.
        limit: usize,
        /// Objects changed.
        objects: usize,
    },
    /// A delete too large for one request, split in several, failed after some landed: the
    /// tree is smaller, every node left still has its parent.
    #[error("{what} stopped part-way ({done}): {source}; run it again to delete the rest")]
    Partial {
        /// The action.
        what: String,
        /// What landed.
        done: String,
        /// Why the rest did not.
        source: Box<Error>,
    },
    /// A tree with more nodes than one read holds (memory is bounded), refused before its
    /// next level is read.
    #[error("{top} holds more than {limit} nodes, more than one read holds in memory: nothing more was read; choose a profile root further down")]
    TooManyNodes {
        /// Where the read began.
        top: String,
        /// The most nodes one read holds.
        limit: usize,
    },
    /// The session expired; the caller reconnects.
    #[error("ZooKeeper session expired")]
    SessionExpired,
    /// Any other ZooKeeper error, with the node it happened on.
    #[error("ZooKeeper error on {path}: {source}")]
    Zk {
        /// The node.
        path: String,
        /// The client's error.
        source: zk::Error,
    },
}

fn conflict_words(path: &str, expected: &Expect, actual: &Option<i32>) -> String {
    match (expected, actual) {
        (Expect::Absent, Some(_)) => {
            format!("{path} already exists (someone created it meanwhile); nothing was written")
        }
        (Expect::Absent, None) => {
            format!("{path} could not be created (its parent is gone?); nothing was written")
        }
        (Expect::Version(v), Some(now)) => format!(
            "{path} was changed by someone else (the edit expected version {v}, it is now at version {now}); nothing was written"
        ),
        (Expect::Version(v), None) => format!(
            "{path} was deleted by someone else (the edit expected version {v}); nothing was written"
        ),
    }
}

impl Error {
    /// Maps a client error on `path` to the variant callers branch on.
    pub fn at(path: &str, e: zk::Error) -> Self {
        match e {
            zk::Error::NoAuth | zk::Error::AuthFailed => Error::NoAuth { path: path.to_owned() },
            zk::Error::NoNode => Error::NoNode { path: path.to_owned() },
            zk::Error::SessionExpired => Error::SessionExpired,
            source => Error::Zk { path: path.to_owned(), source },
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let detail = match &e {
            Error::Invalid(v) => serde_json::to_value(v).ok(),
            Error::Conflict { path, expected, actual } => {
                Some(serde_json::json!({ "path": path, "expected": expected, "actual": actual }))
            }
            Error::Running { what, running } => Some(serde_json::json!({ "what": what, "running": running })),
            _ => None,
        };
        let code = match &e {
            Error::Root(_)
            | Error::Invalid(_)
            | Error::TooLarge { .. }
            | Error::RequestTooLarge { .. }
            | Error::TooManyNodes { .. } => ErrorCode::Invalid,
            Error::Unreachable { .. } => ErrorCode::Unreachable,
            Error::NoAuth { .. } => ErrorCode::NoAuth,
            Error::NoNode { .. } | Error::NotARoot { .. } => ErrorCode::NoNode,
            Error::IncompatibleRoot { .. }
            | Error::NestedRoot { .. }
            | Error::ContainsRoot { .. }
            | Error::Reserved { .. } => ErrorCode::IncompatibleRoot,
            Error::SessionExpired => ErrorCode::SessionExpired,
            Error::ReadOnly => ErrorCode::ReadOnly,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Running { .. } => ErrorCode::Running,
            Error::Decode { .. } => ErrorCode::ForeignData,
            Error::Zk { .. } | Error::Partial { .. } => ErrorCode::Zookeeper,
        };
        ApiError::new(code, e.to_string()).with_detail(detail)
    }
}

//! Every ZooKeeper path of a TBSchedule root (§2). No other module or crate formats a path.
//!
//! A `Root` is a validated absolute path without a trailing slash; child names are joined
//! verbatim (TBSchedule node names contain `$`, which ZooKeeper allows).

/// A character ZooKeeper refuses in a path (`PathUtils.validatePath`, which checks Java's
/// UTF-16 units): U+0000–U+001F, U+007F–U+009F, U+D800–U+F8FF (the private-use area, and the
/// surrogates: so every character beyond U+FFFF, which Java holds as a surrogate pair, such
/// as an emoji) and U+FFF0–U+FFFF.
pub fn zk_refuses(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{e000}'..='\u{f8ff}' | '\u{fff0}'..)
}

/// Why ZooKeeper would refuse `name` as one node name (a path component), if it would.
pub fn node_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    if name == "." || name == ".." {
        return Some("must not be '.' or '..'".into());
    }
    if name.contains('/') {
        return Some("must not contain '/' (it would name a node further down)".into());
    }
    if let Some(c) = name.chars().find(|c| zk_refuses(*c)) {
        return Some(format!("contains U+{:04X}, a character ZooKeeper refuses in paths", c as u32));
    }
    None
}

/// Checks an absolute ZooKeeper path as `PathUtils.validatePath` does (a chroot, a root).
pub fn check_zk_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("must start with '/'".into());
    }
    if path == "/" {
        return Ok(());
    }
    if path.ends_with('/') {
        return Err("must not end with '/'".into());
    }
    for c in path[1..].split('/') {
        if let Some(p) = node_name_problem(c) {
            return Err(format!("has a component that {p}"));
        }
    }
    Ok(())
}

/// A TBSchedule root path (`rootPath` of the Java properties).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Root(String);

/// Why a root path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    /// The path does not start with `/`.
    #[error("root path must start with '/': {0:?}")]
    NotAbsolute(String),
    /// The path is `/` itself: TBSchedule needs its own node.
    #[error("root path must name a node below '/'")]
    IsSlash,
    /// An empty, `.` or `..` component, a trailing slash, or a control character.
    #[error("root path {0:?} has an empty, '.' or '..' component, a '//' or a character ZooKeeper refuses")]
    BadComponent(String),
}

impl Root {
    /// Checks ZooKeeper's path rules and TBSchedule's need for a node of its own.
    pub fn new(path: &str) -> Result<Self, RootError> {
        if !path.starts_with('/') {
            return Err(RootError::NotAbsolute(path.to_owned()));
        }
        if path == "/" {
            return Err(RootError::IsSlash);
        }
        let bad = path[1..].split('/').any(|c| node_name_problem(c).is_some());
        if bad {
            return Err(RootError::BadComponent(path.to_owned()));
        }
        Ok(Root(path.to_owned()))
    }

    /// The root path itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The proper ancestors of the root, outermost first (`/a`, `/a/b` for `/a/b/c`); Java
    /// creates missing ones with null data and checks them for nested roots (§1, P12).
    pub fn ancestors(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut idx = 0;
        while let Some(pos) = self.0[idx + 1..].find('/') {
            idx += pos + 1;
            out.push(self.0[..idx].to_owned());
        }
        out
    }

    /// `<root>/baseTaskType`.
    pub fn base_task_types(&self) -> String {
        format!("{}/baseTaskType", self.0)
    }
    /// `<root>/baseTaskType/<base>`: the task type definition.
    pub fn base_task_type(&self, base: &str) -> String {
        format!("{}/baseTaskType/{base}", self.0)
    }
    /// `<root>/baseTaskType/<base>/<taskType>`: one domain's runtime subtree.
    pub fn domain(&self, base: &str, task_type: &str) -> String {
        format!("{}/baseTaskType/{base}/{task_type}", self.0)
    }
    /// `.../<taskType>/server`: parent of the server nodes; its stat.version is the reload flag.
    pub fn servers(&self, base: &str, task_type: &str) -> String {
        format!("{}/server", self.domain(base, task_type))
    }
    /// `.../<taskType>/server/<uuid>`.
    pub fn server(&self, base: &str, task_type: &str, uuid: &str) -> String {
        format!("{}/server/{uuid}", self.domain(base, task_type))
    }
    /// `.../<taskType>/taskItem`: holds the leader uuid; parent of the items.
    pub fn task_items(&self, base: &str, task_type: &str) -> String {
        format!("{}/taskItem", self.domain(base, task_type))
    }
    /// `.../<taskType>/taskItem/<item>`.
    pub fn task_item(&self, base: &str, task_type: &str, item: &str) -> String {
        format!("{}/taskItem/{item}", self.domain(base, task_type))
    }
    /// `.../taskItem/<item>/<field>`, field one of [`ITEM_FIELDS`].
    pub fn task_item_field(&self, base: &str, task_type: &str, item: &str, field: &str) -> String {
        format!("{}/taskItem/{item}/{field}", self.domain(base, task_type))
    }
    /// `<root>/strategy`.
    pub fn strategies(&self) -> String {
        format!("{}/strategy", self.0)
    }
    /// `<root>/strategy/<name>`.
    pub fn strategy(&self, name: &str) -> String {
        format!("{}/strategy/{name}", self.0)
    }
    /// `<root>/strategy/<name>/<factoryUuid>`: the strategy runtime of one factory.
    pub fn strategy_runtime(&self, name: &str, factory: &str) -> String {
        format!("{}/strategy/{name}/{factory}", self.0)
    }
    /// `<root>/factory`.
    pub fn factories(&self) -> String {
        format!("{}/factory", self.0)
    }
    /// `<root>/factory/<uuid>`.
    pub fn factory(&self, uuid: &str) -> String {
        format!("{}/factory/{uuid}", self.0)
    }
    /// `<root>/systime`: prefix of the transient clock-probe node (§1).
    pub fn systime(&self) -> String {
        format!("{}/systime", self.0)
    }
    /// A child of any path this module built.
    pub fn child(parent: &str, name: &str) -> String {
        format!("{parent}/{name}")
    }
}

/// The five children of a task item node, in the order Java creates them.
pub const ITEM_FIELDS: [&str; 5] = ["cur_server", "req_server", "sts", "parameter", "deal_desc"];

impl std::fmt::Display for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_beyond_the_bmp_are_refused_as_zookeeper_does() {
        // Java holds U+1F600 as the surrogates D83D DE00, inside the refused D800–F8FF.
        assert!(node_name_problem("job\u{1F600}").is_some());
        assert!(node_name_problem("\u{10000}").is_some());
        assert!(Root::new("/tb\u{1F600}").is_err());
        assert!(node_name_problem("任务\u{FFEF}").is_none());
    }

    #[test]
    fn builds_the_spec_paths() {
        let r = Root::new("/taobao-pamirs-schedule/demo").expect("root");
        assert_eq!(
            r.server("OrderSync", "OrderSync$TEST", "u$1"),
            "/taobao-pamirs-schedule/demo/baseTaskType/OrderSync/OrderSync$TEST/server/u$1"
        );
        assert_eq!(
            r.task_item_field("OrderSync", "OrderSync$TEST", "0", "cur_server"),
            "/taobao-pamirs-schedule/demo/baseTaskType/OrderSync/OrderSync$TEST/taskItem/0/cur_server"
        );
        assert_eq!(r.ancestors(), vec!["/taobao-pamirs-schedule".to_string()]);
        assert_eq!(Root::new("/a").expect("root").ancestors(), Vec::<String>::new());
    }

    #[test]
    fn refuses_bad_roots() {
        assert_eq!(Root::new("a"), Err(RootError::NotAbsolute("a".into())));
        assert_eq!(Root::new("/"), Err(RootError::IsSlash));
        assert!(Root::new("/a/").is_err());
        assert!(Root::new("/a//b").is_err());
        assert!(Root::new("/a/../b").is_err());
    }
}

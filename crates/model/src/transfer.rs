//! The pure half of export, import and diff of a root's configuration (task types and
//! strategies — the runtime subtrees are state, not configuration): the configuration, both file
//! formats and the plan, with no I/O, so the UI can show a plan it computed itself.
//!
//! Two file formats: tbdesk's JSON ([`ConfigFile`], pretty-printed, one object per task type
//! and strategy, the values exactly the Java blobs) and the Java console's `ConfigNode` lines
//! (§4.5). An import is always planned first ([`plan`]: create / update / delete per object,
//! field by field) and applied as one multi, so a root is either the old or the new one. The
//! root embedded in Java lines is ignored: the user's chosen root is written (P14).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::gson::{self, DecodeError};
use crate::records::{ConfigNode, ConfigType, Strategy, TaskType};

/// Identifies tbdesk's export format.
pub const FORMAT: &str = "tbdesk-config/1";

/// A root's configuration: blob text by name, plus the data version each was read at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Task type blobs by base name.
    pub task_types: BTreeMap<String, Entry>,
    /// Strategy blobs by name.
    pub strategies: BTreeMap<String, Entry>,
    /// Nodes left out of an export because they hold no readable record (a foreign or binary
    /// blob an import would refuse), with why: said to the user, never silently dropped.
    pub skipped: Vec<(String, String)>,
    /// The objects in ZooKeeper's child order as read (task types, then strategies), which is
    /// the order of the Java console's export; empty for a configuration from a file.
    pub order: Vec<(ConfigType, String)>,
}

/// One stored object.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The Java blob text.
    pub blob: String,
    /// The version it was read at (`None` when it came from a file).
    pub version: Option<i32>,
}

/// tbdesk's export file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigFile {
    /// [`FORMAT`].
    pub format: String,
    /// The root it came from (informative; import writes to the chosen root).
    pub root: String,
    /// Task types: name → the blob as a JSON object.
    #[serde(rename = "taskTypes", deserialize_with = "unique_keys")]
    pub task_types: BTreeMap<String, Value>,
    /// Strategies: name → the blob as a JSON object.
    #[serde(deserialize_with = "unique_keys")]
    pub strategies: BTreeMap<String, Value>,
}

/// A name → blob object read refusing a name given twice (serde would keep the last silently,
/// where the Java-lines format reports a duplicate).
fn unique_keys<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Value>, D::Error> {
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = BTreeMap<String, Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of name to definition")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut m = BTreeMap::new();
            while let Some((k, v)) = a.next_entry::<String, Value>()? {
                if m.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("{k:?} is defined twice; keep one")));
                }
                m.insert(k, v);
            }
            Ok(m)
        }
    }
    d.deserialize_map(Unique)
}

/// Whether `text` is tbdesk's JSON export: one JSON object with a `format` key. A Java export
/// is one object per line (so more than one value), whatever its parameters contain.
fn is_tbdesk_json(text: &str) -> Result<bool, FileError> {
    if !text.trim_start().starts_with('{') {
        return Ok(false);
    }
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let first_ok = matches!(values.next(), Some(Ok(_)));
    let single = first_ok && values.next().is_none();
    if single {
        let v: Value = serde_json::from_str(text).map_err(|e| FileError::Format(e.to_string()))?;
        return Ok(v.get("format").is_some());
    }
    // Not one JSON document: Java's lines, unless it starts like a broken tbdesk export.
    if !first_ok && text.contains(FORMAT) && ConfigNode::decode_all(text).is_err() {
        let e = serde_json::from_str::<Value>(text).err().map(|e| e.to_string()).unwrap_or_default();
        return Err(FileError::Format(e));
    }
    Ok(false)
}

/// Why an export file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not JSON of the expected shape.
    #[error("not a tbdesk export: {0}")]
    Format(String),
    /// A Java export line that does not decode.
    #[error("line {line}: {error}")]
    Line {
        /// 1-based.
        line: usize,
        /// Why.
        error: DecodeError,
    },
    /// Two lines define the same object.
    #[error("lines {first} and {second} both define {kind} {name:?}; keep one")]
    Duplicate {
        /// `taskType` or `strategy`.
        kind: &'static str,
        /// Object name.
        name: String,
        /// 1-based line numbers.
        first: usize,
        /// 1-based line numbers.
        second: usize,
    },
    /// A blob that does not decode as its kind.
    #[error("{kind} {name}: {error}")]
    Blob {
        /// `taskType` or `strategy`.
        kind: &'static str,
        /// Object name.
        name: String,
        /// Why.
        error: DecodeError,
    },
}

impl Entry {
    /// The task type this entry runs when it is a Schedule strategy's blob
    /// ([`Strategy::schedule_task_type`]); `None` for anything else, or a blob that does not decode.
    pub fn schedule_task_type(&self) -> Option<crate::names::TaskTypeName> {
        Strategy::decode(self.blob.as_bytes()).ok()?.schedule_task_type()
    }
}

impl Config {
    /// The strategies left out of this configuration as unreadable (a path under
    /// `strategies_dir`, and why): which task type they run is not known, so a delete of a task
    /// type cannot be judged safe while there is one.
    pub fn unread_strategies<'a>(&'a self, strategies_dir: &str) -> Vec<(&'a str, &'a str)> {
        let prefix = format!("{strategies_dir}/");
        self.skipped.iter().filter(|(p, _)| p.starts_with(&prefix)).map(|(p, why)| (p.as_str(), why.as_str())).collect()
    }

    /// The tbdesk JSON file text.
    pub fn to_file(&self, root: &str) -> Result<String, serde_json::Error> {
        let obj = |m: &BTreeMap<String, Entry>| -> BTreeMap<String, Value> {
            m.iter()
                .map(|(k, e)| (k.clone(), serde_json::from_str(&e.blob).unwrap_or(Value::String(e.blob.clone()))))
                .collect()
        };
        let f = ConfigFile {
            format: FORMAT.into(),
            root: root.into(),
            task_types: obj(&self.task_types),
            strategies: obj(&self.strategies),
        };
        serde_json::to_string_pretty(&f)
    }

    /// Reads either format: tbdesk JSON, or the Java console's ConfigNode lines. Every blob
    /// is re-encoded as Java would write it (so a round trip is byte-exact).
    pub fn parse(text: &str) -> Result<Config, FileError> {
        // A byte-order mark (an editor's UTF-8 save) is not text: `trim_start` keeps it, and a
        // tbdesk JSON file was then read as Java lines.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut c = Config::default();
        if is_tbdesk_json(text)? {
            let f: ConfigFile = serde_json::from_str(text).map_err(|e| FileError::Format(e.to_string()))?;
            if f.format != FORMAT {
                return Err(FileError::Format(format!("unknown format {:?}", f.format)));
            }
            for (name, v) in f.task_types {
                let blob = canonical(&v);
                let t = TaskType::decode(blob.as_bytes()).map_err(|error| FileError::Blob {
                    kind: "taskType",
                    name: name.clone(),
                    error,
                })?;
                c.task_types.insert(name, Entry { blob: t.encode(), version: None });
            }
            for (name, v) in f.strategies {
                let blob = canonical(&v);
                let s = Strategy::decode(blob.as_bytes()).map_err(|error| FileError::Blob {
                    kind: "strategy",
                    name: name.clone(),
                    error,
                })?;
                c.strategies.insert(name, Entry { blob: s.encode(), version: None });
            }
            return Ok(c);
        }
        let lines = ConfigNode::decode_all(text).map_err(|(line, error)| FileError::Line { line, error })?;
        // Line numbers of the objects, to name both lines of a duplicate (ConfigNode::decode_all
        // skips blank lines, so count them the same way).
        let numbers: Vec<usize> =
            text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, _)| i + 1).collect();
        let mut seen: BTreeMap<(bool, String), usize> = BTreeMap::new();
        for (i, l) in lines.iter().enumerate() {
            let line = numbers.get(i).copied().unwrap_or(i + 1);
            let key = (matches!(l.config_type, ConfigType::Strategy), l.name.clone());
            if let Some(first) = seen.insert(key, line) {
                return Err(FileError::Duplicate {
                    kind: if matches!(l.config_type, ConfigType::Strategy) { "strategy" } else { "taskType" },
                    name: l.name.clone(),
                    first,
                    second: line,
                });
            }
        }
        for l in lines {
            let blob = l.value.unwrap_or_default();
            match l.config_type {
                ConfigType::BaseTaskType => {
                    let t = TaskType::decode(blob.as_bytes()).map_err(|error| FileError::Blob {
                        kind: "taskType",
                        name: l.name.clone(),
                        error,
                    })?;
                    c.task_types.insert(l.name, Entry { blob: t.encode(), version: None });
                }
                ConfigType::Strategy => {
                    let s = Strategy::decode(blob.as_bytes()).map_err(|error| FileError::Blob {
                        kind: "strategy",
                        name: l.name.clone(),
                        error,
                    })?;
                    c.strategies.insert(l.name, Entry { blob: s.encode(), version: None });
                }
            }
        }
        Ok(c)
    }

    /// The Java console's export: one ConfigNode line per object, task types first, each kind in
    /// ZooKeeper's child order when the configuration was read from a root (as Java lists them),
    /// else by name; lines joined by `\n` without a final one, like Java's.
    pub fn to_java_lines(&self, root: &str) -> String {
        let mut order: Vec<(ConfigType, String)> = self.order.clone();
        if order.is_empty() {
            order.extend(self.task_types.keys().map(|n| (ConfigType::BaseTaskType, n.clone())));
            order.extend(self.strategies.keys().map(|n| (ConfigType::Strategy, n.clone())));
        }
        order.sort_by_key(|(k, _)| matches!(k, ConfigType::Strategy));
        let mut lines = Vec::new();
        for (kind, name) in order {
            let m = if matches!(kind, ConfigType::Strategy) { &self.strategies } else { &self.task_types };
            if let Some(e) = m.get(&name) {
                lines.push(
                    ConfigNode { root_path: Some(root.into()), config_type: kind, name, value: Some(e.blob.clone()) }
                        .encode(),
                );
            }
        }
        lines.join("\n")
    }
}

fn canonical(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            gson::write_value(&mut out, other);
            out
        }
    }
}

pub use crate::diff::FieldDiff;

/// What an import or diff would do to one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// A new object.
    Create {
        /// `taskType` or `strategy`.
        kind: String,
        /// Name.
        name: String,
        /// Its fields (each from absent), so a plan shows what a new object will hold.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fields: Vec<FieldDiff>,
    },
    /// A changed object.
    Update {
        /// `taskType` or `strategy`.
        kind: String,
        /// Name.
        name: String,
        /// The changed fields.
        fields: Vec<FieldDiff>,
    },
    /// An object only in the current root (deleted only with `prune`).
    Delete {
        /// `taskType` or `strategy`.
        kind: String,
        /// Name.
        name: String,
    },
}

impl Change {
    /// `create`, `update` or `delete` (as it travels).
    pub fn op(&self) -> &'static str {
        match self {
            Change::Create { .. } => "create",
            Change::Update { .. } => "update",
            Change::Delete { .. } => "delete",
        }
    }

    /// `taskType` or `strategy`.
    pub fn kind(&self) -> &str {
        match self {
            Change::Create { kind, .. } | Change::Update { kind, .. } | Change::Delete { kind, .. } => kind,
        }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        match self {
            Change::Create { name, .. } | Change::Update { name, .. } | Change::Delete { name, .. } => name,
        }
    }

    /// The fields: an update's changed ones, a create's all (from absent); none for a delete.
    pub fn fields(&self) -> &[FieldDiff] {
        match self {
            Change::Update { fields, .. } | Change::Create { fields, .. } => fields,
            Change::Delete { .. } => &[],
        }
    }
}

/// The changes that turn `current` into `target`; deletes are listed only with `prune`.
pub fn plan(current: &Config, target: &Config, prune: bool) -> Vec<Change> {
    let mut out = Vec::new();
    for (kind, cur, tgt) in
        [("taskType", &current.task_types, &target.task_types), ("strategy", &current.strategies, &target.strategies)]
    {
        for (name, e) in tgt {
            match cur.get(name) {
                None => out.push(Change::Create {
                    kind: kind.into(),
                    name: name.clone(),
                    fields: crate::diff::field_diff(None, &e.blob),
                }),
                Some(c) if c.blob != e.blob => out.push(Change::Update {
                    kind: kind.into(),
                    name: name.clone(),
                    fields: crate::diff::field_diff(Some(&c.blob), &e.blob),
                }),
                Some(_) => {}
            }
        }
        if prune {
            for name in cur.keys().filter(|n| !tgt.contains_key(*n)) {
                out.push(Change::Delete { kind: kind.into(), name: name.clone() });
            }
        }
    }
    out
}

/// Why nothing can be promoted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromoteError {
    /// The filter chose no task type and no strategy.
    #[error("filter: no task type or strategy of the source matches {0:?}")]
    NothingMatches(String),
    /// The own sign is not a name TBSchedule can use.
    #[error("own sign: {0}")]
    OwnSign(String),
}

/// What a promotion copies from one root's configuration: the task types whose name holds
/// `filter` (case-insensitive; empty: every one) with every Schedule strategy that runs them,
/// and the strategies whose name holds it with the task type they run (when the source has it).
/// With `own_sign`, each chosen Schedule strategy is pointed at that own sign of its task type
/// (`BASE`: the shared domain), its blob re-encoded as the Java console writes it; every other
/// blob travels byte for byte. The result is planned and applied by the import's code.
pub fn promotion(source: &Config, filter: &str, own_sign: Option<&str>) -> Result<Config, PromoteError> {
    use crate::names::TaskTypeName;
    if let Some(o) = own_sign {
        if let Some(problem) = crate::validate::own_sign_problem(o) {
            return Err(PromoteError::OwnSign(problem));
        }
    }
    let f = filter.trim().to_lowercase();
    let holds = |name: &str| f.is_empty() || name.to_lowercase().contains(&f);
    // A strategy's task type base, when it is a readable Schedule strategy.
    let runs = |blob: &str| -> Option<(Strategy, String)> {
        let s = Strategy::decode(blob.as_bytes()).ok()?;
        let base = s.schedule_task_type()?.base;
        Some((s, base))
    };
    let mut out = Config::default();
    for (name, e) in &source.task_types {
        if holds(name) {
            out.task_types.insert(name.clone(), Entry { blob: e.blob.clone(), version: None });
        }
    }
    // The task types the filter chose, fixed before any strategy is looked at: a strategy
    // chosen by its name brings its task type, but not that task type's other strategies
    // (the choice never depends on the order of names).
    let chosen_types: std::collections::BTreeSet<String> = out.task_types.keys().cloned().collect();
    for (name, e) in &source.strategies {
        let ran = runs(&e.blob);
        let chosen = holds(name) || ran.as_ref().is_some_and(|(_, base)| chosen_types.contains(base));
        if !chosen {
            continue;
        }
        // A Schedule strategy brings the task type it runs (when the source has it).
        if let Some(t) = ran.as_ref().and_then(|(_, base)| source.task_types.get_key_value(base)) {
            out.task_types.entry(t.0.clone()).or_insert_with(|| Entry { blob: t.1.blob.clone(), version: None });
        }
        let blob = match (ran, own_sign) {
            (Some((mut s, base)), Some(o)) => {
                let name = TaskTypeName::new(base, o).task_type();
                if s.task_name.as_deref() == Some(name.as_str()) {
                    e.blob.clone()
                } else {
                    s.task_name = Some(name);
                    s.encode()
                }
            }
            _ => e.blob.clone(),
        };
        out.strategies.insert(name.clone(), Entry { blob, version: None });
    }
    if out.task_types.is_empty() && out.strategies.is_empty() {
        return Err(PromoteError::NothingMatches(filter.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod promotion_tests {
    use super::*;

    fn config(task_types: &[&str], strategies: &[(&str, &str, &str)]) -> Config {
        let mut c = Config::default();
        for t in task_types {
            let blob = format!("{{\"baseTaskType\":\"{t}\",\"dealBeanName\":\"bean{t}\"}}");
            c.task_types.insert((*t).into(), Entry { blob, version: Some(3) });
        }
        for (name, kind, task) in strategies {
            let s = Strategy {
                strategy_name: Some((*name).into()),
                ip_list: Some(vec!["127.0.0.1".into()]),
                assign_num: 1,
                num_of_single_server: 0,
                kind: Some(match *kind {
                    "Schedule" => crate::records::Kind::Schedule,
                    _ => crate::records::Kind::Java,
                }),
                task_name: Some((*task).into()),
                ..Strategy::default()
            };
            c.strategies.insert((*name).into(), Entry { blob: s.encode(), version: Some(1) });
        }
        c
    }

    /// A byte-order mark before either format (an editor's UTF-8 save) reads as the file
    /// without it: a tbdesk JSON file was read as Java lines and refused.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_file() {
        let c = config(&["Job"], &[("Job-S", "Schedule", "Job")]);
        for text in [c.to_file("/r").expect("json"), c.to_java_lines("/r")] {
            let plain = Config::parse(&text).expect("parse");
            let marked = Config::parse(&format!("\u{feff}{text}")).expect("parse with a BOM");
            assert_eq!(marked.task_types.len(), plain.task_types.len());
            assert_eq!(marked.strategies.len(), plain.strategies.len());
            assert_eq!(marked.task_types["Job"].blob, plain.task_types["Job"].blob);
        }
    }

    #[test]
    fn a_task_type_travels_with_the_strategies_that_run_it() {
        let c = config(
            &["OrderSync", "Billing"],
            &[("Order-S", "Schedule", "OrderSync$DEV"), ("Bill-S", "Schedule", "Billing"), ("J", "Java", "OrderSync")],
        );
        let p = promotion(&c, "order", None).expect("chosen");
        assert_eq!(p.task_types.keys().collect::<Vec<_>>(), ["OrderSync"]);
        assert_eq!(p.strategies.keys().collect::<Vec<_>>(), ["Order-S"], "a Java strategy's task name is a class");
        assert_eq!(p.strategies["Order-S"].blob, c.strategies["Order-S"].blob, "byte for byte without an own sign");
        assert!(p.task_types.values().all(|e| e.version.is_none()), "versions are the source's, never expected");
    }

    #[test]
    fn a_strategy_chosen_by_name_brings_its_task_type_and_takes_the_own_sign() {
        let c = config(&["OrderSync", "Billing"], &[("Bill-S", "Schedule", "Billing$DEV")]);
        let p = promotion(&c, "bill-s", Some("BASE")).expect("chosen");
        assert_eq!(p.task_types.keys().collect::<Vec<_>>(), ["Billing"]);
        let s = Strategy::decode(p.strategies["Bill-S"].blob.as_bytes()).expect("decode");
        assert_eq!(s.task_name.as_deref(), Some("Billing"), "BASE is the shared domain: no suffix");
        let p = promotion(&c, "bill-s", Some("QA")).expect("chosen");
        let s = Strategy::decode(p.strategies["Bill-S"].blob.as_bytes()).expect("decode");
        assert_eq!(s.task_name.as_deref(), Some("Billing$QA"));
    }

    #[test]
    fn the_choice_does_not_depend_on_the_order_of_names() {
        // "A-pick" is chosen by name and runs Job; "B-other" and "0-other" run Job too but are
        // not chosen (the filter does not name Job): neither comes along, whatever its order.
        let c = config(
            &["Job"],
            &[("0-other", "Schedule", "Job"), ("A-pick", "Schedule", "Job"), ("B-other", "Schedule", "Job")],
        );
        let p = promotion(&c, "pick", None).expect("chosen");
        assert_eq!(p.task_types.keys().collect::<Vec<_>>(), ["Job"]);
        assert_eq!(p.strategies.keys().collect::<Vec<_>>(), ["A-pick"]);
    }

    #[test]
    fn nothing_chosen_or_a_bad_own_sign_is_an_error_naming_the_field() {
        let c = config(&["OrderSync"], &[]);
        assert_eq!(promotion(&c, "nope", None), Err(PromoteError::NothingMatches("nope".into())));
        let e = promotion(&c, "", Some("a/b")).expect_err("slash");
        assert!(e.to_string().starts_with("own sign:"), "{e}");
        assert!(promotion(&c, "", Some("")).is_err());
        assert!(promotion(&c, "", Some("a b")).is_err(), "spaces");
        assert!(promotion(&c, "", Some("\u{0}")).is_err(), "a character ZooKeeper refuses");
        assert_eq!(promotion(&c, "", None).map(|p| p.task_types.len()), Ok(1), "empty filter: everything");
    }
}

//! Names of TBSchedule objects (§5): task type = base + own sign, factory and server uuids,
//! sequence suffixes and the "smallest suffix leads" rule.
//!
//! Server uuids embed the task type, which may itself contain `$`, so they are always parsed
//! from the right.

/// The own sign of the shared production domain. A task type whose own sign is `BASE` is
/// written as the bare base name.
pub const BASE_OWN_SIGN: &str = "BASE";

/// A task type ("running entry"): a base task type in one isolation domain (own sign).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct TaskTypeName {
    /// The base task type: the node under `<root>/baseTaskType`.
    pub base: String,
    /// The isolation domain; `BASE` for the shared one.
    pub own_sign: String,
}

impl TaskTypeName {
    /// Java's `getTaskTypeByBaseAndOwnSign`: `base` when the own sign is exactly `BASE`,
    /// otherwise `base$ownSign`.
    pub fn new(base: impl Into<String>, own_sign: impl Into<String>) -> Self {
        TaskTypeName { base: base.into(), own_sign: own_sign.into() }
    }

    /// Java's split: base = text before the first `$`, own sign = the text after it or `BASE`.
    /// So `X` and `X$BASE` both name the base domain, and an own sign may contain `$`.
    pub fn parse(task_type: &str) -> Self {
        match task_type.split_once('$') {
            Some((base, own)) => TaskTypeName::new(base, own),
            None => TaskTypeName::new(task_type, BASE_OWN_SIGN),
        }
    }

    /// The task type string Java uses as the domain's node name.
    pub fn task_type(&self) -> String {
        if self.own_sign == BASE_OWN_SIGN {
            self.base.clone()
        } else {
            format!("{}${}", self.base, self.own_sign)
        }
    }

    /// True for the shared production domain.
    pub fn is_base_domain(&self) -> bool {
        self.own_sign == BASE_OWN_SIGN
    }
}

/// The numeric suffix after the last `$` of a factory or server name, as Java's `Long.parseLong`
/// reads it; `None` when there is none or it does not parse (P11).
pub fn sequence_suffix(name: &str) -> Option<i64> {
    let (_, tail) = name.rsplit_once('$')?;
    parse_java_long(tail)
}

/// `Long.parseLong`: an optional sign then digits of any script, no spaces, within i64.
fn parse_java_long(s: &str) -> Option<i64> {
    crate::java::parse_int(s, 10, i64::MIN, i64::MAX)
}

/// A server (thread group) uuid: `<taskType>$<ip>$<UUID32>$<seq10>`, parsed from the right.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerUuid {
    /// The task type (domain) it serves; may contain `$`.
    pub task_type: String,
    /// The registering machine's address.
    pub ip: String,
    /// The 32-character random part.
    pub random: String,
    /// The ZooKeeper sequence number; leadership goes to the smallest.
    pub sequence: i64,
}

impl ServerUuid {
    /// Parses a server node name; `None` when it does not have the four `$`-separated parts
    /// with a numeric suffix (such a name makes Java's leader computation throw, P11).
    pub fn parse(name: &str) -> Option<Self> {
        let mut parts = name.rsplitn(4, '$');
        let seq = parts.next()?;
        let random = parts.next()?;
        let ip = parts.next()?;
        let task_type = parts.next()?;
        Some(ServerUuid {
            task_type: task_type.to_owned(),
            ip: ip.to_owned(),
            random: random.to_owned(),
            sequence: parse_java_long(seq)?,
        })
    }
}

/// A factory uuid: `<ip>$<host>$<UUID32>$<seq10>`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FactoryUuid {
    /// The machine's address as Java's `InetAddress.getLocalHost()` gave it (may be empty).
    pub ip: String,
    /// The machine's host name (may be empty).
    pub host: String,
    /// The 32-character random part.
    pub random: String,
    /// The ZooKeeper sequence number; the strategy leader is the smallest.
    pub sequence: i64,
}

impl FactoryUuid {
    /// Parses a factory node name from the right (a host name never holds `$`, but be safe).
    pub fn parse(name: &str) -> Option<Self> {
        let mut parts = name.rsplitn(4, '$');
        let seq = parts.next()?;
        let random = parts.next()?;
        let host = parts.next()?;
        let ip = parts.next()?;
        Some(FactoryUuid {
            ip: ip.to_owned(),
            host: host.to_owned(),
            random: random.to_owned(),
            sequence: parse_java_long(seq)?,
        })
    }
}

/// Sorts names the way Java lists them: by the suffix *string* after the last `$` (fine for the
/// zero-padded suffixes ZooKeeper makes).
pub fn sort_by_suffix(names: &mut [String]) {
    names.sort_by(|a, b| suffix_str(a).cmp(suffix_str(b)));
}

/// The suffix *string* after the last `$` that [`sort_by_suffix`] orders by (the whole name
/// without one): the key for sorting anything that carries such a name.
pub fn suffix_str(name: &str) -> &str {
    name.rsplit_once('$').map(|(_, s)| s).unwrap_or(name)
}

/// The leader among server names of one domain: the smallest numeric suffix (§5.2). Names
/// whose suffix does not parse are skipped here (Java throws instead).
pub fn leader<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names.into_iter().filter_map(|n| sequence_suffix(n).map(|s| (s, n))).min_by_key(|(s, _)| *s).map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_type_split_and_join() {
        let t = TaskTypeName::parse("OrderSync$TEST");
        assert_eq!((t.base.as_str(), t.own_sign.as_str()), ("OrderSync", "TEST"));
        assert_eq!(t.task_type(), "OrderSync$TEST");
        let b = TaskTypeName::parse("OrderSync");
        assert!(b.is_base_domain());
        assert_eq!(b.task_type(), "OrderSync");
        // X$BASE names the base domain too, and joins back to the bare name.
        assert_eq!(TaskTypeName::parse("X$BASE").task_type(), "X");
        // split at the first `$`: an own sign may hold `$`.
        assert_eq!(TaskTypeName::parse("A$b$c").own_sign, "b$c");
        // case-sensitive BASE
        assert_eq!(TaskTypeName::new("A", "base").task_type(), "A$base");
    }

    #[test]
    fn uuids_parse_from_the_right() {
        let s = ServerUuid::parse("OrderSync$TEST$10.0.0.11$8C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F$0000000003")
            .expect("server uuid");
        assert_eq!(s.task_type, "OrderSync$TEST");
        assert_eq!(s.ip, "10.0.0.11");
        assert_eq!(s.sequence, 3);
        let f =
            FactoryUuid::parse("10.0.0.11$app-01$5F0E3C9A8B7D4E21A3C6B9D8E7F60123$0000000001").expect("factory uuid");
        assert_eq!((f.ip.as_str(), f.host.as_str(), f.sequence), ("10.0.0.11", "app-01", 1));
        assert!(ServerUuid::parse("a$b$c$x1").is_none());
        assert!(ServerUuid::parse("a$b$c").is_none());
    }

    #[test]
    fn leader_is_smallest_suffix() {
        let names = ["A$ip$X$0000000012", "A$ip$Y$0000000003", "A$ip$Z$bad"];
        assert_eq!(leader(names), Some("A$ip$Y$0000000003"));
        assert_eq!(leader(Vec::<&str>::new()), None);
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        sort_by_suffix(&mut v);
        assert_eq!(v[0], "A$ip$Y$0000000003");
    }
}

//! A connection profile's editable fields and their rules. One definition serves the backend
//! (`tbdesk-profiles` refuses a broken profile before anything is stored) and the UI (compiled to
//! wasm, it shows the same rules at their fields as you type).

use serde::{Deserialize, Serialize};

/// Colour tags of a profile; `production` asks for the profile's name before a delete.
pub const COLORS: [&str; 5] = ["none", "green", "blue", "amber", "production"];

/// Session timeouts a profile may ask for, in ms.
pub const SESSION_TIMEOUT_MS: std::ops::RangeInclusive<i64> = 1000..=3_600_000;

/// A stored connection profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Row id.
    pub id: i64,
    /// The keyring account suffix: unique across data dirs and never reused (never sent to
    /// the window).
    #[serde(skip)]
    pub secret_id: String,
    /// Its fields.
    #[serde(flatten)]
    pub fields: ProfileFields,
    /// Whether the keyring holds a password for it.
    pub has_password: bool,
}

impl Profile {
    /// Whether tbdesk refuses to write through this profile: its read-only flag, or a digest
    /// user without a stored password. Unauthenticated, such a session would create nodes
    /// writable by anyone (world ALL), where Java gives digest ALL + world READ; it only reads
    /// until the password is entered (see `password_rule`).
    pub fn writes_refused(&self) -> bool {
        self.fields.read_only || (self.fields.digest_user.is_some() && !self.has_password)
    }
}

/// The editable fields of a profile (everything but the password, which lives in the keyring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFields {
    /// Unique display name.
    pub name: String,
    /// ZooKeeper connect string `host:port[,host:port...]`.
    pub connect: String,
    /// TBSchedule root path.
    pub root_path: String,
    /// Requested session timeout in ms (Java asks for 60000).
    pub session_timeout_ms: i64,
    /// Digest user; `None` for an open root.
    pub digest_user: Option<String>,
    /// One of [`COLORS`].
    pub color: String,
    /// Disables every write, in the UI and in the backend.
    pub read_only: bool,
    /// The app manages a local ZooKeeper for this profile (the first-start `local` profile).
    pub local_server: bool,
    /// The zone this root's Java schedulers run in (their JVM's default zone): every cron
    /// judgment for the profile uses it. An IANA name; empty means this machine's zone.
    #[serde(default)]
    pub zone: String,
}

/// Checks a connect string as ZooKeeper's `ConnectStringParser` reads it:
/// `host:port[,host:port...][/chroot]`, the chroot a valid absolute path (`/` alone means none).
/// Surrounding spaces are refused here (they are trimmed by [`ProfileFields::normalized`]):
/// ZooKeeper would look up a host named " zk1".
pub fn check_connect(connect: &str) -> Result<(), String> {
    if connect.trim().is_empty() {
        return Err("must not be empty (host:port[,host:port...][/chroot])".into());
    }
    if connect != connect.trim() {
        return Err("must not start or end with spaces".into());
    }
    let (hosts, chroot) = match connect.find('/') {
        Some(i) => (&connect[..i], Some(&connect[i..])),
        None => (connect, None),
    };
    for hp in hosts.split(',') {
        let ok = hp.rsplit_once(':').is_some_and(|(h, p)| {
            let h = h.trim_start_matches('[').trim_end_matches(']');
            // Digits only, no leading zero: `02181` or `+2181` is port 2181 to ZooKeeper but
            // another server to any comparison of connect strings (the production lock's).
            let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.starts_with('0');
            !h.is_empty() && !h.contains(char::is_whitespace) && digits && p.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !ok {
            return Err(format!("{hp:?} is not host:port (a port from 1 to 65535)"));
        }
    }
    if let Some(c) = chroot.filter(|c| *c != "/") {
        if let Err(e) = crate::paths::check_zk_path(c) {
            return Err(format!("the chroot {c:?} {e}"));
        }
    }
    Ok(())
}

/// The rule of a password given with `fields`: only a profile with a digest user has one
/// (ZooKeeper's digest scheme sends the two together); an empty one is none.
pub fn password_violation(fields: &ProfileFields, password: Option<&str>) -> Option<ProfileViolation> {
    (password.is_some_and(|p| !p.is_empty()) && fields.digest_user.is_none()).then(|| ProfileViolation {
        field: "password",
        message: "only a profile with a digest user has a password: name the user, or leave the password empty".into(),
    })
}

/// The longest profile name, in characters.
pub const NAME_MAX_CHARS: usize = 128;

/// One `host:port` of a connect string spelled one way: see [`ProfileFields::root_address`].
fn canonical_server(hp: &str) -> String {
    let hp = hp.to_ascii_lowercase();
    let (host, port) = match hp.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => (rest, None),
        },
        None => match hp.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'+') => (h, Some(p)),
            _ => (hp.as_str(), None),
        },
    };
    let port = match port {
        None => "2181".to_owned(),
        Some(p) => p.parse::<u16>().map(|n| n.to_string()).unwrap_or_else(|_| p.to_owned()),
    };
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// One broken rule: the field (named as in [`ProfileFields`]) and what is wrong, for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileViolation {
    /// The field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl ProfileFields {
    /// Whether two profiles may point at the same root: the production lock is the root's.
    /// They do when they share any server (host and port, in any order and case, 2181 when no
    /// port is named) and name the same path once the connect string's chroot is put in front
    /// of the root (`zk:2181/tbs` + `/prod` is `zk:2181` + `/tbs/prod`).
    pub fn same_root(&self, other: &ProfileFields) -> bool {
        let (mine, path) = self.root_address();
        let (theirs, other_path) = other.root_address();
        path == other_path && mine.intersection(&theirs).next().is_some()
    }

    /// Whether a stored password may stay with this profile when it becomes `edited` without a
    /// new one: only while every server it will be sent to is one it was entered for (servers
    /// removed from the list keep it, any server added, or another digest user, need it typed
    /// again). A password must never reach a server its owner did not give it to.
    pub fn keeps_password_for(&self, edited: &ProfileFields) -> bool {
        let (old, _) = self.root_address();
        let (new, _) = edited.root_address();
        // A managed local server's port is the one recorded at its creation; unmanaged, that
        // port may be another process's after a reboot: the password is typed again.
        self.digest_user == edited.digest_user && self.local_server == edited.local_server && new.is_subset(&old)
    }

    /// Whether `edited` still points only at this profile's root: the same chroot + root path,
    /// and no server this one does not name (servers may be dropped). Anything else re-points
    /// the profile, step by step too (`zk1` → `zk1,other` → `other`).
    pub fn stays_within(&self, edited: &ProfileFields) -> bool {
        let ((old, path), (new, new_path)) = (self.root_address(), edited.root_address());
        path == new_path && !new.is_empty() && new.is_subset(&old)
    }

    /// The connect string's servers, each spelled one way (`host:port`, the host lowercased,
    /// an IPv6 address in brackets, the port as a number, 2181 when none is named), and the
    /// chroot + root path: what [`ProfileFields::same_root`] compares.
    pub fn root_address(&self) -> (std::collections::BTreeSet<String>, String) {
        let c = self.connect.trim();
        // '/' is ASCII: a char boundary.
        let (hosts, chroot) = match c.find('/') {
            Some(i) => (&c[..i], &c[i..]),
            None => (c, ""),
        };
        let servers = hosts.split(',').map(str::trim).filter(|h| !h.is_empty()).map(canonical_server).collect();
        let mut path = format!("{}/{}", chroot.trim_end_matches('/'), self.root_path.trim().trim_start_matches('/'));
        while path.contains("//") {
            path = path.replace("//", "/");
        }
        let path = path.trim_end_matches('/').to_owned();
        (servers, path)
    }

    /// The same profile with the surrounding spaces people paste removed (name, connect string,
    /// root, digest user, zone), so what is stored is what is used.
    pub fn normalized(&self) -> ProfileFields {
        ProfileFields {
            name: self.name.trim().to_owned(),
            connect: self.connect.trim().to_owned(),
            root_path: self.root_path.trim().to_owned(),
            digest_user: self.digest_user.as_ref().map(|u| u.trim().to_owned()),
            zone: self.zone.trim().to_owned(),
            ..self.clone()
        }
    }

    /// Every broken rule, in field order; empty when the profile can be stored. Checks the
    /// fields as given: call [`ProfileFields::normalized`] first to accept pasted spaces.
    pub fn violations(&self) -> Vec<ProfileViolation> {
        let mut out = Vec::new();
        let mut bad = |field, message: String| out.push(ProfileViolation { field, message });
        if self.name.trim().is_empty() {
            bad("name", "must not be empty".into());
        }
        // The name is a field of tab-separated listings and a line of the alerts: one line.
        if self.name.chars().any(char::is_control) {
            bad("name", "must not contain control characters (tab, newline, NUL...)".into());
        }
        if self.name.chars().count() > NAME_MAX_CHARS {
            bad("name", format!("must be at most {NAME_MAX_CHARS} characters"));
        }
        if let Err(e) = check_connect(&self.connect) {
            bad("connect", e);
        }
        if let Err(e) = crate::paths::Root::new(&self.root_path) {
            bad("root_path", e.to_string());
        }
        if !SESSION_TIMEOUT_MS.contains(&self.session_timeout_ms) {
            bad(
                "session_timeout_ms",
                format!("must be between {} and {} ms", SESSION_TIMEOUT_MS.start(), SESSION_TIMEOUT_MS.end()),
            );
        }
        if self.digest_user.as_deref().is_some_and(|u| u.is_empty() || u.contains(':')) {
            bad("digest_user", "must be non-empty and contain no ':'".into());
        }
        if !COLORS.contains(&self.color.as_str()) {
            bad("color", format!("must be one of {}", COLORS.join(", ")));
        }
        if !self.zone.trim().is_empty() && crate::cron::parse_zone(&self.zone).is_none() {
            bad("zone", format!("{:?} is not an IANA zone name (e.g. Asia/Shanghai, Europe/Berlin, UTC)", self.zone));
        }
        out
    }

    /// The zone crons are judged in for this profile: its own, else `machine` (this machine's).
    pub fn zone_or(&self, machine: chrono_tz::Tz) -> chrono_tz::Tz {
        crate::cron::parse_zone(&self.zone).unwrap_or(machine)
    }

    /// The first broken rule, if any.
    pub fn validate(&self) -> Result<(), ProfileViolation> {
        match self.violations().into_iter().next() {
            Some(v) => Err(v),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_root_is_found_however_it_is_spelled() {
        let at =
            |connect: &str, root: &str| ProfileFields { connect: connect.into(), root_path: root.into(), ..fields() };
        let prod = at("zk1:2181,zk2:2181", "/tbs/prod");
        for (connect, root) in [
            ("zk2:2181,zk1:2181", "/tbs/prod"),
            (" ZK1:2181 ", "/tbs/prod/"),
            ("zk1", "/tbs/prod"),
            ("zk2:2181,zk3:2181", "/tbs/prod"),
            ("zk1:2181/tbs", "/prod"),
            ("zk1:2181/tbs/", "prod"),
        ] {
            assert!(prod.same_root(&at(connect, root)), "{connect} {root}");
        }
        for (connect, root) in [
            ("zk3:2181", "/tbs/prod"),
            ("zk1:2182", "/tbs/prod"),
            ("zk1:2181", "/tbs/pro"),
            ("zk1:2181/other", "/prod"),
        ] {
            assert!(!prod.same_root(&at(connect, root)), "{connect} {root}");
        }
        assert!(at("[::1]:2181", "/r").same_root(&at("[::1]", "/r")));
        // Ports and IPv6 addresses however they are spelled.
        for (a, b) in [
            ("zk1:2181", "zk1:02181"),
            ("zk1:2181", "zk1:+2181"),
            ("[::1]:2181", "::1:2181"),
            ("[::1]:2181", "[::1]:02181"),
        ] {
            assert!(at(a, "/r").same_root(&at(b, "/r")), "{a} {b}");
        }
        assert!(!at("[::1]:2181", "/r").same_root(&at("[::2]:2181", "/r")));
        // And such spellings are refused in a profile: digits only, no leading zero.
        for bad in ["zk1:02181", "zk1:+2181", "zk1:0", "zk1:65536", "zk1:", "zk1:21 81"] {
            assert!(check_connect(bad).is_err(), "{bad} accepted");
        }
        for good in ["zk1:2181", "[::1]:2181", "::1:2181", "zk1:1,zk2:65535/tbs"] {
            assert!(check_connect(good).is_ok(), "{good} refused");
        }
    }

    fn fields() -> ProfileFields {
        ProfileFields {
            name: "dev".into(),
            connect: "127.0.0.1:2181,zk2:2181".into(),
            root_path: "/tbschedule/dev".into(),
            session_timeout_ms: 60_000,
            digest_user: Some("alice".into()),
            color: "green".into(),
            read_only: false,
            local_server: false,
            zone: "Asia/Shanghai".into(),
        }
    }

    #[test]
    fn a_password_stays_only_with_the_servers_it_was_typed_for() {
        let f = fields();
        let with = |g: fn(&mut ProfileFields)| {
            let mut e = fields();
            g(&mut e);
            e
        };
        assert!(f.keeps_password_for(&with(|e| e.color = "red".into())));
        assert!(f.keeps_password_for(&with(|e| e.connect = "127.0.0.1:2181".into())), "a server dropped");
        assert!(!f.keeps_password_for(&with(|e| e.connect.push_str(",zk3:2181"))), "a server added");
        assert!(!f.keeps_password_for(&with(|e| e.digest_user = Some("bob".into()))));
        assert!(!f.keeps_password_for(&with(|e| e.local_server = true)), "managed or not: typed again");
        // Re-pointing: the same root and no new server, or not.
        assert!(f.stays_within(&with(|e| e.connect = "zk2:2181".into())));
        assert!(!f.stays_within(&with(|e| e.connect.push_str(",other:2181"))));
        assert!(!f.stays_within(&with(|e| e.root_path = "/tbschedule/dev2".into())));
        assert!(!f.stays_within(&with(|e| e.connect = "127.0.0.1:2181/chroot".into())));
    }

    #[test]
    fn a_good_profile_has_no_violation() {
        assert_eq!(fields().violations(), vec![]);
        let longest = ProfileFields { name: "é".repeat(NAME_MAX_CHARS), ..fields() };
        assert_eq!(longest.violations(), vec![]);
        assert_eq!(fields().validate(), Ok(()));
    }

    #[test]
    fn every_rule_names_its_field() {
        type Breaker = fn(&mut ProfileFields);
        let cases: [(&str, Breaker); 17] = [
            ("zone", |f| f.zone = "Mars/Olympus".into()),
            ("name", |f| f.name = "dev\tprod".into()),
            ("name", |f| f.name = "dev\0".into()),
            ("name", |f| f.name = "é".repeat(NAME_MAX_CHARS + 1)),
            ("connect", |f| f.connect = " 127.0.0.1:2181".into()),
            ("connect", |f| f.connect = "127.0.0.1:2181/app/".into()),
            ("connect", |f| f.connect = "127.0.0.1:2181/app//x".into()),
            ("connect", |f| f.connect = "127.0.0.1:0".into()),
            ("connect", |f| f.connect = "127.0.0.1:2181,".into()),
            ("name", |f| f.name = "  ".into()),
            ("connect", |f| f.connect = String::new()),
            ("connect", |f| f.connect = "127.0.0.1:2181,nohost".into()),
            ("root_path", |f| f.root_path = "relative".into()),
            ("session_timeout_ms", |f| f.session_timeout_ms = 999),
            ("digest_user", |f| f.digest_user = Some("a:b".into())),
            ("digest_user", |f| f.digest_user = Some(String::new())),
            ("color", |f| f.color = "pink".into()),
        ];
        for (field, break_it) in cases {
            let mut f = fields();
            break_it(&mut f);
            let v = f.violations();
            assert_eq!(v.iter().map(|v| v.field).collect::<Vec<_>>(), vec![field], "{v:?}");
            assert!(!v[0].message.is_empty());
        }
    }

    #[test]
    fn chroots_and_pasted_spaces_are_read_as_zookeeper_reads_them() {
        for ok in ["zk1:2181/app", "zk1:2181,zk2:2182/tbs/prod", "zk1:2181/", "[::1]:2181"] {
            assert_eq!(check_connect(ok), Ok(()), "{ok}");
        }
        let f =
            ProfileFields { connect: "  zk1:2181/app ".into(), name: " dev ".into(), zone: " UTC".into(), ..fields() };
        let n = f.normalized();
        assert_eq!((n.connect.as_str(), n.name.as_str(), n.zone.as_str()), ("zk1:2181/app", "dev", "UTC"));
        assert_eq!(n.violations(), vec![]);
        assert_eq!(
            ProfileFields { zone: String::new(), ..fields() }.zone_or(chrono_tz::Tz::Europe__Berlin),
            chrono_tz::Tz::Europe__Berlin
        );
        assert_eq!(fields().zone_or(chrono_tz::Tz::UTC), chrono_tz::Tz::Asia__Shanghai);
    }

    #[test]
    fn all_violations_come_at_once() {
        let f = ProfileFields { name: String::new(), connect: "x".into(), root_path: "y".into(), ..fields() };
        let fields: Vec<_> = f.violations().iter().map(|v| v.field).collect();
        assert_eq!(fields, vec!["name", "connect", "root_path"]);
    }
}

//! A connection profile's editable fields and their rules. One definition serves the backend
//! (`tbdesk-profiles` refuses a broken profile before anything is stored) and the UI (compiled to
//! wasm, it shows the same rules at their fields as you type).

use serde::{Deserialize, Serialize};

/// Colour tags of a profile; `production` asks for the profile's name before a delete.
pub const COLORS: [&str; 5] = ["none", "green", "blue", "amber", "production"];

/// Session timeouts a profile may ask for, in ms.
pub const SESSION_TIMEOUT_MS: std::ops::RangeInclusive<i64> = 1000..=3_600_000;

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
    /// Every broken rule, in field order; empty when the profile can be stored.
    pub fn violations(&self) -> Vec<ProfileViolation> {
        let mut out = Vec::new();
        let mut bad = |field, message: String| out.push(ProfileViolation { field, message });
        if self.name.trim().is_empty() {
            bad("name", "must not be empty".into());
        }
        if self.connect.trim().is_empty() {
            bad("connect", "must not be empty (host:port[,host:port...])".into());
        } else if let Some(hp) = self
            .connect
            .split(',')
            .find(|hp| !hp.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()))
        {
            bad("connect", format!("{hp:?} is not host:port"));
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
        out
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
        }
    }

    #[test]
    fn a_good_profile_has_no_violation() {
        assert_eq!(fields().violations(), vec![]);
        assert_eq!(fields().validate(), Ok(()));
    }

    #[test]
    fn every_rule_names_its_field() {
        type Breaker = fn(&mut ProfileFields);
        let cases: [(&str, Breaker); 8] = [
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
    fn all_violations_come_at_once() {
        let f = ProfileFields { name: String::new(), connect: "x".into(), root_path: "y".into(), ..fields() };
        let fields: Vec<_> = f.violations().iter().map(|v| v.field).collect();
        assert_eq!(fields, vec!["name", "connect", "root_path"]);
    }
}

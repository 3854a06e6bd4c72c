//! One node as the node inspector shows it: its bytes as pretty JSON, text or hex, its stat with
//! times in the profile's zone, its ACL in words, its children. Foreign nodes too: nothing here
//! assumes a TBSchedule record.

use serde::{Deserialize, Serialize};

/// The most bytes shown as hex (the rest is counted).
pub const MAX_HEX: usize = 4096;

/// A node's stat, as the inspector shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatView {
    /// Data version.
    pub version: i32,
    /// Children version.
    pub cversion: i32,
    /// ACL version.
    pub aversion: i32,
    /// Created (ZooKeeper clock, ms).
    pub ctime: i64,
    /// Last data change (ms).
    pub mtime: i64,
    /// The session owning it (0: persistent).
    pub ephemeral_owner: i64,
    /// Bytes of data.
    pub data_length: i32,
    /// Children.
    pub num_children: i32,
    /// zxid of its creation.
    pub czxid: i64,
    /// zxid of its last change.
    pub mzxid: i64,
}

/// How the inspector shows the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Shown {
    /// No bytes (null or empty: the client cannot tell, P15).
    Empty,
    /// JSON, pretty-printed.
    Json(String),
    /// UTF-8 text that is not JSON.
    Text(String),
    /// Anything else, as hex lines of 16 bytes (at most [`MAX_HEX`] bytes).
    Hex(String),
}

/// Chooses how to show `data`.
pub fn show(data: &[u8]) -> Shown {
    if data.is_empty() {
        return Shown::Empty;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            if v.is_object() || v.is_array() {
                if let Ok(p) = serde_json::to_string_pretty(&v) {
                    return Shown::Json(p);
                }
            }
        }
        if !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Shown::Text(text.to_owned());
        }
    }
    Shown::Hex(hex(data))
}

/// `0000  7b 22 61 ...  |{"a...|` lines.
pub fn hex(data: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in data.chunks(16).take(MAX_HEX / 16).enumerate() {
        let bytes: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let text: String =
            chunk.iter().map(|b| if b.is_ascii_graphic() || *b == b' ' { *b as char } else { '.' }).collect();
        out.push_str(&format!("{:04x}  {:<47}  |{text}|\n", i * 16, bytes.join(" ")));
    }
    if data.len() > MAX_HEX {
        out.push_str(&format!("… {} more bytes\n", data.len() - MAX_HEX));
    }
    out
}

/// One ACL entry in words: `world:anyone may read, write, create, delete, admin`.
pub fn acl_words(scheme: &str, id: &str, perms: u32) -> String {
    let names = [(1, "read"), (2, "write"), (4, "create"), (8, "delete"), (16, "admin")];
    let granted: Vec<&str> = names.iter().filter(|(bit, _)| perms & bit != 0).map(|(_, n)| *n).collect();
    let who = match (scheme, id) {
        ("world", "anyone") => "anyone".to_owned(),
        ("digest", id) => format!("digest user {}", id.split(':').next().unwrap_or(id)),
        (s, id) => format!("{s}:{id}"),
    };
    if granted.is_empty() {
        format!("{who} may do nothing")
    } else {
        format!("{who} may {}", granted.join(", "))
    }
}

/// One node of a root, for the inspector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeView {
    /// Its path.
    pub path: String,
    /// Its bytes as shown (`None` when unreadable).
    pub shown: Option<Shown>,
    /// The raw bytes (for copy value), `None` when unreadable.
    pub data: Option<Vec<u8>>,
    /// Its stat.
    pub stat: NodeStatView,
    /// Its ACL in words (`None`: the session may not read the ACL either).
    pub acl: Option<Vec<String>>,
    /// Its children, sorted (`None` when unreadable).
    pub children: Option<Vec<String>>,
    /// Why the bytes or children cannot be read (its ACL refuses this session).
    pub unreadable: Option<String>,
    /// `ctime` and `mtime` in the profile's zone.
    pub ctime_text: String,
    /// See `ctime_text`.
    pub mtime_text: String,
}

/// `2026-12-03 00:11:14.123 Asia/Shanghai`.
pub fn time_text(ms: i64, tz: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    match tz.timestamp_millis_opt(ms) {
        chrono::LocalResult::Single(t) => format!("{} {}", t.format("%Y-%m-%d %H:%M:%S%.3f"), tz.name()),
        _ => format!("{ms} ms"),
    }
}

/// `00:11:14`: the time of day of `ms` in `tz` (a change time, a reminder's), `-` when `ms` is
/// out of chrono's range.
pub fn time_of_day(ms: i64, tz: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    match tz.timestamp_millis_opt(ms) {
        chrono::LocalResult::Single(t) => t.format("%H:%M:%S").to_string(),
        _ => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day_is_in_the_zone_and_never_panics() {
        // 2025-12-03 00:11:14.123 UTC.
        let ms = 1_764_720_674_123;
        assert_eq!(time_of_day(ms, chrono_tz::Tz::UTC), "00:11:14");
        assert_eq!(time_of_day(ms, chrono_tz::Tz::Asia__Shanghai), "08:11:14");
        assert_eq!(time_of_day(i64::MAX, chrono_tz::Tz::UTC), "-");
        assert_eq!(time_of_day(i64::MIN, chrono_tz::Tz::UTC), "-");
    }

    #[test]
    fn bytes_are_shown_as_json_text_or_hex() {
        assert_eq!(show(b""), Shown::Empty);
        assert!(matches!(show(b"{\"a\":1}"), Shown::Json(p) if p.contains("\"a\": 1")));
        assert_eq!(show(b"tbschedule-3.2.12"), Shown::Text("tbschedule-3.2.12".into()));
        assert!(
            matches!(show(&[0xff, 0x00, 0x41]), Shown::Hex(h) if h.starts_with("0000  ff 00 41") && h.contains("|..A|"))
        );
        assert!(matches!(show(b"a\x00b"), Shown::Hex(_)), "control bytes are binary");
        let big = vec![0u8; MAX_HEX + 10];
        assert!(matches!(show(&big), Shown::Hex(h) if h.ends_with("… 10 more bytes\n")));
    }

    #[test]
    fn acls_read_as_words() {
        assert_eq!(acl_words("world", "anyone", 31), "anyone may read, write, create, delete, admin");
        assert_eq!(acl_words("digest", "ops:hash=", 1), "digest user ops may read");
        assert_eq!(acl_words("ip", "10.0.0.1", 0), "ip:10.0.0.1 may do nothing");
    }
}

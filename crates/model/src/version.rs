//! The root version marker (§1, P13).
//!
//! Java stores a version string in the root node and compares it with a plain lexicographic
//! `String.compareTo`; tbdesk must write the marker every 3.2.12–3.3.x runtime accepts.

/// The marker tbdesk writes into a new root: the one every release from 3.2.12 to 3.3.3.2 writes,
/// and so the one all of them accept.
pub const ROOT_MARKER: &str = "tbschedule-3.2.12";

/// Marker prefix of roots created before 3.2.12; Java's parent check only recognises these (P12).
pub const LEGACY_MARKER_PREFIX: &str = "taobao-pamirs-schedule-";

/// What a root's data says about its compatibility with the Java runtimes tbdesk targets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "found", rename_all = "snake_case")]
pub enum MarkerVerdict {
    /// Null or empty data: Java would write the marker on its next start.
    Unmarked,
    /// A marker the 3.2.12–3.3.x runtimes accept.
    Compatible(String),
    /// A marker they reject (e.g. `tbschedule-3.4.0` from the 3.4 fork, P13): Java's
    /// `programVersion.compareTo(dataVersion) >= 0` is false.
    Incompatible(String),
}

/// Judges a root's data the way Java's `initial()` does, with [`ROOT_MARKER`] as the program
/// version. Comparison is by UTF-16 code units like `String.compareTo`; for the ASCII markers in
/// practice this equals byte order.
pub fn judge_marker(data: Option<&[u8]>) -> MarkerVerdict {
    let Some(bytes) = data.filter(|b| !b.is_empty()) else {
        return MarkerVerdict::Unmarked;
    };
    let text = String::from_utf8_lossy(bytes).into_owned();
    let program: Vec<u16> = ROOT_MARKER.encode_utf16().collect();
    let stored: Vec<u16> = text.encode_utf16().collect();
    if program >= stored {
        MarkerVerdict::Compatible(text)
    } else {
        MarkerVerdict::Incompatible(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(judge_marker(None), MarkerVerdict::Unmarked);
        assert_eq!(judge_marker(Some(b"")), MarkerVerdict::Unmarked);
        assert_eq!(judge_marker(Some(b"tbschedule-3.2.12")), MarkerVerdict::Compatible("tbschedule-3.2.12".into()));
        // P13: the 3.4 fork's marker is rejected by every 3.2.12-3.3.x program.
        assert_eq!(judge_marker(Some(b"tbschedule-3.4.0")), MarkerVerdict::Incompatible("tbschedule-3.4.0".into()));
        // "t" > "a": old pre-3.2.12 roots are accepted by the String compare.
        assert!(matches!(judge_marker(Some(b"taobao-pamirs-schedule-3.0.0")), MarkerVerdict::Compatible(_)));
    }
}

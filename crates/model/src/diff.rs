//! Field-level differences between two blobs, for the save preview, the import plan and the
//! diff of two roots: one definition so all three agree.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// JSON key.
    pub field: String,
    /// Before (absent = `None`). Crosses the IPC as its gson text, so that `2.0` stays `2.0`.
    #[serde(with = "crate::gson::value_text")]
    pub before: Option<Value>,
    /// After.
    #[serde(with = "crate::gson::value_text")]
    pub after: Option<Value>,
}

/// A blob's fields as gson reads them (a node hand-edited with single quotes or comments is
/// still compared field by field); a repeated key counts with its last value.
fn fields(blob: &str) -> Map<String, Value> {
    match crate::gson::read::document(blob) {
        Ok(Some(j @ crate::gson::Json::Object(_))) => match j.into_value() {
            Value::Object(m) => m,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

/// The fields that differ between two JSON blobs, in the order of `after` then the keys only
/// `before` has. A blob that is not a JSON object counts as empty.
pub fn field_diff(before: Option<&str>, after: &str) -> Vec<FieldDiff> {
    let a = before.map(fields).unwrap_or_default();
    let b = fields(after);
    let mut keys: Vec<&String> = b.keys().collect();
    keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| FieldDiff { field: k.clone(), before: a.get(k).cloned(), after: b.get(k).cloned() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_changed_added_and_removed_fields() {
        let d = field_diff(Some(r#"{"a":1,"b":"x","c":true}"#), r#"{"a":1,"b":"y","d":2}"#);
        let names: Vec<&str> = d.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, vec!["b", "d", "c"]);
        assert_eq!(field_diff(None, r#"{"a":1}"#).len(), 1);
        assert!(field_diff(Some(r#"{"a":1}"#), r#"{"a":1}"#).is_empty());
        // gson escapes are JSON escapes: equal values compare equal.
        assert!(field_diff(Some(r#"{"p":"a\u003db"}"#), r#"{"p":"a=b"}"#).is_empty());
        // A hand-edited node gson reads (single quotes, a comment) is compared field by field.
        let d = field_diff(Some("{'a':1, /* why */ 'b':'x'}"), r#"{"a":1,"b":"y"}"#);
        assert_eq!(d.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), vec!["b"]);
    }

    #[test]
    fn a_whole_double_crosses_the_ipc_as_written() {
        let d = field_diff(Some(r#"{"r":2}"#), r#"{"r":2.0}"#);
        assert_eq!(d.len(), 1);
        let json = serde_json::to_string(&d[0]).expect("to JSON");
        assert_eq!(json, r#"{"field":"r","before":"2","after":"2.0"}"#);
        let back: FieldDiff = serde_json::from_str(&json).expect("back");
        assert_eq!(back, d[0]);
        assert!(serde_json::from_str::<FieldDiff>(r#"{"field":"r","before":null,"after":"{"}"#).is_err());
    }
}

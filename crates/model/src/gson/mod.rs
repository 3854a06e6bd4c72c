//! A JSON writer that produces exactly gson 2.1's bytes (§3), and the lenient field readers the
//! record decoders share.
//!
//! gson writes keys in Java declaration order, omits null fields, always writes primitives,
//! escapes HTML-sensitive characters (`<`, `>`, `&`, `=`, `'`) as `\u00XX`, prints doubles as
//! Java's `Double.toString` and writes compactly. Records build their blob through [`Object`] so
//! that the order is spelled out once per record, next to the Java field list it copies.

use serde_json::{Map, Value};

pub mod read;

use crate::java;

pub use read::Json;

/// Appends `s` as a gson 2.1 JSON string literal (HTML-safe escaping on).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '=' | '\'' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Java's `Double.toString(d)`: `1.0`, `0.5`, `1.0E-4`, `1.2345678E7`, `NaN`, `Infinity`.
///
/// Uses Rust's shortest round-trip digits, which equal Java's for the values TBSchedule stores
/// (small day counts); Java before 19 could print one more digit for a few doubles.
pub fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{d}");
        return if s.contains('.') { s } else { format!("{s}.0") };
    }
    // Scientific: mantissa digits from the shortest representation.
    let s = format!("{:e}", d); // e.g. "1.2345678e7", "1e-4"
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mant = if mant.contains('.') { mant.to_owned() } else { format!("{mant}.0") };
    format!("{mant}E{exp}")
}

/// Writes any JSON value the gson way (used for unknown keys kept from a foreign blob).
pub fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&java_double(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, x);
            }
            out.push('}');
        }
    }
}

/// A JSON value as gson writes it, for the IPC helpers below.
fn value_to_text(v: &Value) -> String {
    let mut t = String::new();
    write_value(&mut t, v);
    t
}

/// Serde for a record's unknown keys as they cross the IPC: each value travels as its gson
/// text, `[["futureRatio","2.0"]]`.
///
/// Why text: the window is JavaScript, whose numbers cannot tell gson's `2.0` from `2`. As a
/// JSON value the double came back from a save as `2` and the bytes written differed from
/// what was read (and from the "will write" preview). As a string it survives any trip.
pub mod extra_text {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    /// Writes each value as its gson text.
    pub fn serialize<S: Serializer>(extra: &[(String, Value)], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<(&str, String)> = extra.iter().map(|(k, v)| (k.as_str(), super::value_to_text(v))).collect();
        texts.serialize(s)
    }

    /// Reads each value back from its text; a text that is not JSON is refused by name.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Value)>, D::Error> {
        let texts = Vec::<(String, String)>::deserialize(d)?;
        texts
            .into_iter()
            .map(|(k, t)| match serde_json::from_str::<Value>(&t) {
                Ok(v) => Ok((k, v)),
                Err(e) => Err(D::Error::custom(format!("unknown key {k:?}: not JSON ({e})"))),
            })
            .collect()
    }
}

/// Serde for an optional JSON value crossing the IPC as its gson text (see [`extra_text`]): a
/// field diff of `2` → `2.0` must not show as `2` → `2` in the window.
pub mod value_text {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    /// Writes the value as its gson text.
    pub fn serialize<S: Serializer>(v: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref().map(super::value_to_text).serialize(s)
    }

    /// Reads the value back from its text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(t) => serde_json::from_str(&t).map(Some).map_err(|e| D::Error::custom(format!("not JSON: {e}"))),
        }
    }
}

/// Serde for a record's `double` as it crosses the IPC and tbdesk JSON: a number, or Java's
/// word as a string for NaN and ±Infinity.
///
/// Why: JSON has no number for them and serde_json writes them as `null`, which no `f64`
/// reads back. A task type whose `expireOwnSignInterval` node text is `"NaN"` then broke the
/// whole state sent to the window (nothing shown, not even the form that would fix it); as a
/// word it reaches the form, whose validation names the field.
pub mod double_text {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    /// A finite value as a number, else `"NaN"`, `"Infinity"` or `"-Infinity"`.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        match *v {
            v if v.is_finite() => s.serialize_f64(v),
            v if v.is_nan() => s.serialize_str("NaN"),
            v if v > 0.0 => s.serialize_str("Infinity"),
            _ => s.serialize_str("-Infinity"),
        }
    }

    /// A number, or one of the three words.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Double {
            Number(f64),
            Word(String),
        }
        match Double::deserialize(d)? {
            Double::Number(v) => Ok(v),
            Double::Word(w) => match w.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => Err(D::Error::custom(format!("{w:?} is not a number"))),
            },
        }
    }
}

/// Builds one compact JSON object field by field, in the order the calls are made.
pub struct Object {
    out: String,
    first: bool,
}

impl Default for Object {
    fn default() -> Self {
        Self::new()
    }
}

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object { out: String::from("{"), first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_string(&mut self.out, k);
        self.out.push(':');
    }

    /// A reference field: omitted when `None`, like gson omits nulls.
    pub fn str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.key(k);
            write_string(&mut self.out, v);
        }
        self
    }

    /// An `int`/`long` primitive: always written.
    pub fn int(&mut self, k: &str, v: i64) -> &mut Self {
        self.key(k);
        self.out.push_str(&v.to_string());
        self
    }

    /// A `double` primitive: always written, Java-formatted. gson refuses to write NaN and the
    /// infinities (validation refuses them too); should one reach here it is written as the
    /// string Java's lenient reader turns back into the same value (`"Infinity"`), never as a
    /// bare word no JSON reader accepts.
    pub fn double(&mut self, k: &str, v: f64) -> &mut Self {
        self.key(k);
        if v.is_finite() {
            self.out.push_str(&java_double(v));
        } else {
            write_string(&mut self.out, &java_double(v));
        }
        self
    }

    /// A `boolean` primitive: always written.
    pub fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.out.push_str(if v { "true" } else { "false" });
        self
    }

    /// A `String[]` field: omitted when `None`.
    pub fn str_array(&mut self, k: &str, v: Option<&[String]>) -> &mut Self {
        if let Some(items) = v {
            self.key(k);
            self.out.push('[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                write_string(&mut self.out, s);
            }
            self.out.push(']');
        }
        self
    }

    /// Unknown keys kept from the blob that was read, written after the known ones.
    pub fn extra(&mut self, extra: &[(String, Value)]) -> &mut Self {
        for (k, v) in extra {
            self.key(k);
            write_value(&mut self.out, v);
        }
        self
    }

    /// The finished object.
    pub fn finish(&mut self) -> String {
        let mut s = std::mem::take(&mut self.out);
        s.push('}');
        s
    }
}

/// Why a blob could not be read as a TBSchedule record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum DecodeError {
    /// Null or zero-length data where a record was expected.
    #[error("the node is empty (no JSON)")]
    Empty,
    /// The bytes are not JSON (or not a JSON object).
    #[error("not a JSON object: {0}")]
    NotJson(String),
    /// A field has a value gson would refuse for its Java type.
    #[error("field {field}: {message}")]
    Field {
        /// The JSON key.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Decodes node text as tbdesk reads it (§3): UTF-8; failing that GBK, which legacy JVMs
/// (`-Dfile.encoding=GBK`) wrote (feature `gbk`, on in the native build); failing both, UTF-8
/// with invalid sequences replaced. Text read as GBK is written back in ASCII escapes
/// ([`ascii_escaped`]), so a pause or a form save keeps "中文" for the GBK JVM that wrote it,
/// instead of U+FFFD or UTF-8 it would read as mojibake.
pub fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => gbk_text(bytes).unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// `json` (a record as tbdesk encodes it: non-ASCII only inside strings) with every non-ASCII
/// character written as gson's `\uXXXX` escape (UTF-16 units): pure ASCII, so a JVM reads the
/// same text whatever its `file.encoding`. Used for a node that holds GBK bytes (a
/// `-Dfile.encoding=GBK` runtime wrote it): raw UTF-8 written there reads as mojibake to it.
pub fn ascii_escaped(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        }
    }
    out
}

/// Whether writes over a node keep to ASCII ([`ascii_escaped`]): its bytes are text a GBK JVM
/// wrote (not UTF-8, but GBK), or a write that kept to ASCII before (a `\uXXXX` escape of a
/// non-ASCII character, which gson itself writes only for U+2028 and U+2029).
pub fn keeps_to_ascii(bytes: &[u8]) -> bool {
    (std::str::from_utf8(bytes).is_err() && gbk_text(bytes).is_some()) || has_non_ascii_escape(bytes)
}

fn has_non_ascii_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'u') {
            let unit = bytes
                .get(i + 2..i + 6)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u16::from_str_radix(h, 16).ok());
            if unit.is_some_and(|u| u >= 0x80 && u != 0x2028 && u != 0x2029) {
                return true;
            }
        }
        // An escape is two characters at least; `\\u0441` is a backslash, then text.
        i += 2;
    }
    false
}

/// `bytes` as GBK text, only when every byte decodes (feature `gbk`; `None` without it): the
/// charset of legacy JVMs' nodes and of the Java console's export (`exportConfig.jsp` answers
/// `charset=GBK`).
#[cfg(feature = "gbk")]
pub fn gbk_text(bytes: &[u8]) -> Option<String> {
    encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes).map(|s| s.into_owned())
}

/// See the `gbk` build of this function.
#[cfg(not(feature = "gbk"))]
pub fn gbk_text(_: &[u8]) -> Option<String> {
    None
}

/// Parses a blob into the members of a JSON object as gson 2.1 reads it ([`read`]), the
/// first step of every record decoder.
pub fn parse_object(bytes: &[u8]) -> Result<Vec<(String, Json)>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    match read::document(&text(bytes)) {
        Ok(Some(Json::Object(m))) => Ok(m),
        Ok(None) => Err(DecodeError::Empty),
        Ok(Some(other)) => Err(DecodeError::NotJson(format!("a JSON {} rather than an object", other.kind()))),
        Err(e) => Err(DecodeError::NotJson(e)),
    }
}

/// Takes the fields of one record out of a parsed object as gson's reflective adapter sets
/// them: every occurrence of a name in turn (a repeated name: the last wins, each must read),
/// null sets a reference field to null and leaves a primitive as it was. What no field takes
/// is the unknown keys, kept in their original order.
pub struct Fields {
    members: Vec<(String, Json)>,
}

impl Fields {
    /// Wraps a parsed object.
    pub fn new(members: Vec<(String, Json)>) -> Self {
        Fields { members }
    }

    fn bad(field: &str, message: impl Into<String>) -> DecodeError {
        DecodeError::Field { field: field.into(), message: message.into() }
    }

    /// Every value given for `k`, in order, taken out.
    fn take(&mut self, k: &str) -> Vec<Json> {
        let mut out = Vec::new();
        self.members.retain_mut(|(name, v)| {
            if name == k {
                out.push(std::mem::replace(v, Json::Null));
                false
            } else {
                true
            }
        });
        out
    }

    /// A Java `String` field initialised to `initial`: gson also takes a number's text and a
    /// boolean's word (its string adapter coerces them).
    pub fn str_or(&mut self, k: &str, initial: Option<&str>) -> Result<Option<String>, DecodeError> {
        let mut v = initial.map(str::to_owned);
        for j in self.take(k) {
            v = Self::text(k, j, "a string", true)?;
        }
        Ok(v)
    }

    /// One value of a reference field read as text: null, a string's or a number's text, a
    /// boolean's word where gson's adapter coerces it (`bool_ok`); anything else refused,
    /// naming `what` was expected.
    fn text(k: &str, j: Json, what: &str, bool_ok: bool) -> Result<Option<String>, DecodeError> {
        match j {
            Json::Null => Ok(None),
            Json::Str(s) | Json::Number(s) => Ok(Some(s)),
            Json::Bool(b) if bool_ok => Ok(Some(b.to_string())),
            other => Err(Self::bad(k, format!("expected {what}, found {}", other.a_kind()))),
        }
    }

    /// A Java `String` field without an initialiser.
    pub fn str(&mut self, k: &str) -> Result<Option<String>, DecodeError> {
        self.str_or(k, None)
    }

    /// A Java enum field, by its constant's name (gson's enum adapter reads a string token, or
    /// a number's text; a boolean is refused). An unknown name reads as null.
    pub fn enum_name(&mut self, k: &str) -> Result<Option<String>, DecodeError> {
        let mut v = None;
        for j in self.take(k) {
            v = Self::text(k, j, "a name", false)?;
        }
        Ok(v)
    }

    /// A Java `Timestamp` field as TBSchedule's `TimestampTypeAdapter` reads it: a primitive
    /// whose text `SimpleDateFormat("yyyy-MM-dd HH:mm:ss")` parses. Kept as its text.
    pub fn timestamp(&mut self, k: &str) -> Result<Option<String>, DecodeError> {
        let mut v = None;
        for j in self.take(k) {
            v = Self::text(k, j, "a time", true)?;
            if let Some(s) = &v {
                if !java::is_java_timestamp(s) {
                    return Err(Self::bad(k, format!("{s:?} is no time Java reads (yyyy-MM-dd HH:mm:ss)")));
                }
            }
        }
        Ok(v)
    }

    /// A Java `int` (`max` within `i32`) or `long` primitive read as gson 2.1's `nextInt` /
    /// `nextLong` read a number or string token ([`java::next_integer`]); missing or null keeps
    /// `default`; the result must also lie in `[min, max]`.
    pub fn int(&mut self, k: &str, default: i64, min: i64, max: i64) -> Result<i64, DecodeError> {
        let long = max > i64::from(i32::MAX) || min < i64::from(i32::MIN);
        let mut v = default;
        for j in self.take(k) {
            v = match j {
                Json::Null => v,
                Json::Str(s) | Json::Number(s) => java::next_integer(&s, long).map_err(|m| Self::bad(k, m))?,
                other => return Err(Self::bad(k, format!("expected a whole number, found {}", other.a_kind()))),
            };
            if !(min..=max).contains(&v) {
                return Err(Self::bad(k, format!("{v} is out of range for its Java type")));
            }
        }
        Ok(v)
    }

    /// A Java `double` primitive, as gson 2.1's lenient `nextDouble` reads it.
    pub fn double(&mut self, k: &str, default: f64) -> Result<f64, DecodeError> {
        let mut v = default;
        for j in self.take(k) {
            v = match j {
                Json::Null => v,
                Json::Str(s) | Json::Number(s) => java::next_double(&s).map_err(|m| Self::bad(k, m))?,
                other => return Err(Self::bad(k, format!("expected a number, found {}", other.a_kind()))),
            };
        }
        Ok(v)
    }

    /// A Java `boolean` primitive: a boolean token, or a string read by `Boolean.parseBoolean`
    /// (gson 2.1's boolean adapter; `"TRUE"` is true, `"yes"` false); a number is refused.
    pub fn bool(&mut self, k: &str, default: bool) -> Result<bool, DecodeError> {
        let mut v = default;
        for j in self.take(k) {
            v = match j {
                Json::Null => v,
                Json::Bool(b) => b,
                Json::Str(s) => java::parse_boolean(&s),
                other => return Err(Self::bad(k, format!("expected true or false, found {}", other.a_kind()))),
            };
        }
        Ok(v)
    }

    /// A Java `String[]` field. A null element, which gson reads and TBSchedule then fails on
    /// where it uses the list, is refused here by its place.
    pub fn str_array(&mut self, k: &str) -> Result<Option<Vec<String>>, DecodeError> {
        let mut v = None;
        for j in self.take(k) {
            v = match j {
                Json::Null => None,
                Json::Array(a) => Some(
                    a.into_iter()
                        .enumerate()
                        .map(|(i, e)| match e {
                            Json::Str(s) | Json::Number(s) => Ok(s),
                            Json::Bool(b) => Ok(b.to_string()),
                            other => Err(Self::bad(k, format!("element {i} is {}, not a string", other.a_kind()))),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                other => return Err(Self::bad(k, format!("expected an array of strings, found {}", other.a_kind()))),
            };
        }
        Ok(v)
    }

    /// The keys no field took, in their original order (a repeated one once, with its last
    /// value).
    pub fn rest(self) -> Vec<(String, Value)> {
        let mut map = Map::new();
        for (k, v) in self.members {
            map.insert(k, v.into_value());
        }
        map.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    /// The deepest unknown key a node may carry still crosses the IPC and back (the window
    /// parses it again with serde's limit): one hand-edited node never stops a root's view.
    #[test]
    fn the_deepest_unknown_key_read_crosses_the_ipc() {
        let depth = read::MAX_DEPTH - 1;
        let blob = format!(r#"{{"baseTaskType":"X","deep":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));
        let t = crate::records::TaskType::decode(blob.as_bytes()).expect("read");
        let wire = serde_json::to_string(&t).expect("to the window");
        let back: crate::records::TaskType = serde_json::from_str(&wire).expect("back from the window");
        assert_eq!(back, t);
        let deeper = format!(r#"{{"deep":{}{}}}"#, "[".repeat(depth + 1), "]".repeat(depth + 1));
        assert!(crate::records::TaskType::decode(deeper.as_bytes()).is_err_and(|e| e.to_string().contains("nested")));
    }

    use super::*;

    #[test]
    fn a_non_finite_double_read_from_zookeeper_crosses_the_ipc_and_is_refused_by_name() {
        let ctx = crate::validate::Context { now_ms: 1_704_067_200_000, tz: chrono_tz::Tz::UTC };
        for (text, want) in
            [("\"NaN\"", f64::NAN), ("\"Infinity\"", f64::INFINITY), ("\"-Infinity\"", f64::NEG_INFINITY)]
        {
            let blob = format!(r#"{{"baseTaskType":"X","expireOwnSignInterval":{text}}}"#);
            let t = crate::records::TaskType::decode(blob.as_bytes()).expect("read as Java reads it");
            let wire = serde_json::to_string(&t).expect("to the window");
            assert!(wire.contains(&format!("\"expireOwnSignInterval\":{text}")), "{wire}");
            let back: crate::records::TaskType = serde_json::from_str(&wire).expect("back from the window");
            assert_eq!(back.expire_own_sign_interval.to_bits(), want.to_bits(), "{wire}");
            let v = crate::validate::task_type(&back, &ctx);
            assert!(v.iter().any(|v| v.field == "expireOwnSignInterval"), "{v:?}");
        }
        let mut other = serde_json::to_value(crate::records::TaskType::decode(b"{}").expect("{}")).expect("wire");
        other["expireOwnSignInterval"] = "many".into();
        assert!(serde_json::from_value::<crate::records::TaskType>(other).is_err(), "only Java's three words");
    }

    #[test]
    fn escapes_like_gson_2_1() {
        let mut s = String::new();
        write_string(&mut s, "a=b&c<d>'e\"f\\g\n\t\u{1}/中\u{2028}");
        assert_eq!(s, r#""a\u003db\u0026c\u003cd\u003e\u0027e\"f\\g\n\t\u0001/中\u2028""#);
    }

    #[test]
    fn integers_beyond_any_java_type_say_so() {
        for v in ["1e19", "-1e30", "99999999999999999999"] {
            let mut f = Fields::new(parse_object(format!(r#"{{"n":{v}}}"#).as_bytes()).expect("object"));
            let e = f.int("n", 0, i64::from(i32::MIN), i64::from(i32::MAX)).expect_err(v);
            assert!(e.to_string().contains("out of range"), "{v}: {e}");
        }
        let mut f = Fields::new(parse_object(br#"{"n":1.5}"#).expect("object"));
        assert!(f.int("n", 0, 0, 9).expect_err("1.5").to_string().contains("whole number"));
    }

    #[test]
    fn over_gbk_bytes_non_ascii_is_written_as_escapes_gson_reads_back() {
        let blob = crate::records::Strategy {
            strategy_name: Some("S".into()),
            task_parameter: Some("中国 \u{1F600} a\"b".into()),
            ..crate::records::Strategy::default()
        }
        .encode();
        let ascii = super::ascii_escaped(&blob);
        assert!(ascii.is_ascii(), "{ascii}");
        assert!(ascii.contains("\\u4e2d\\u56fd \\ud83d\\ude00"), "{ascii}");
        let back = crate::records::Strategy::decode(ascii.as_bytes()).expect("decode");
        assert_eq!(back.task_parameter.as_deref(), Some("中国 \u{1F600} a\"b"));
        // GBK is told apart only where its tables are built in (the native build).
        assert_eq!(super::keeps_to_ascii(&[b'"', 0xD6, 0xD0, b'"']), cfg!(feature = "gbk"));
        assert!(!super::keeps_to_ascii("\"中\"".as_bytes()));
        assert!(super::keeps_to_ascii(ascii.as_bytes()), "written ASCII once, kept so");
        assert!(!super::keeps_to_ascii(br#"{"a":"\u003c\u2028 \\u4e2d"}"#), "gson's own escapes, an escaped backslash");
        assert!(!super::keeps_to_ascii(b"plain"));
    }

    #[test]
    fn text_falls_back_to_gbk() {
        assert_eq!(text("中文".as_bytes()), "中文");
        if cfg!(feature = "gbk") {
            // "中文" as a GBK JVM writes it.
            assert_eq!(text(&[0xD6, 0xD0, 0xCE, 0xC4]), "中文");
        }
        // Neither UTF-8 nor GBK (0xFF is no GBK lead byte): replaced, never a panic.
        assert_eq!(text(&[b'a', 0xFF]), "a\u{FFFD}");
    }

    #[test]
    fn doubles_read_as_java_parses_them() {
        let read = |v: &str| {
            let mut f = Fields::new(parse_object(format!(r#"{{"d":{v}}}"#).as_bytes()).expect("object"));
            f.double("d", 0.0)
        };
        assert_eq!(read(r#""2.5""#), Ok(2.5));
        assert_eq!(read(r#""Infinity""#), Ok(f64::INFINITY));
        assert_eq!(read(r#""-Infinity""#), Ok(f64::NEG_INFINITY));
        assert_eq!(read(r#"" 1e999 ""#), Ok(f64::INFINITY));
        assert!(read(r#""NaN""#).is_ok_and(f64::is_nan));
        for bad in [r#""inf""#, r#""infinity""#, r#""nan""#, r#""INF""#, r#""""#, r#""1.2.x""#, r#""e""#] {
            let e = read(bad).expect_err(bad);
            assert!(e.to_string().contains('d'), "{e}");
        }
        // Written back, a non-finite value stays readable JSON (and reads as the same value).
        let mut w = Object::new();
        w.double("d", f64::INFINITY);
        let text = w.finish();
        assert_eq!(text, r#"{"d":"Infinity"}"#);
        let mut back = Fields::new(parse_object(text.as_bytes()).expect("readable JSON"));
        assert_eq!(back.double("d", 0.0), Ok(f64::INFINITY));
    }

    #[test]
    fn doubles_like_java() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(0.5), "0.5");
        assert_eq!(java_double(1e-4), "1.0E-4");
        assert_eq!(java_double(12345678.0), "1.2345678E7");
        assert_eq!(java_double(100.0), "100.0");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(-2.5), "-2.5");
    }
}

//! gson 2.1's `JsonReader` in the lenient mode `Gson.fromJson` reads with: what TBSchedule's
//! runtime and console make of a node's text, so that tbdesk reads (or refuses) exactly what
//! they read.
//!
//! Lenient means, beyond JSON: names and strings unquoted or in single quotes, `=` or `=>`
//! after a name, `;` between members and elements, `#`, `//` and `/* */` comments, an empty
//! array element read as null (`[1,,2]`, `[1,]`), `null`/`true`/`false` in any case, any
//! escaped character standing for itself (`\x` is `x`), raw control characters in strings,
//! the `)]}'` line some servers prefix, and a byte-order mark as the first character. After
//! the record gson reads strictly again: only whitespace may follow it.
//!
//! A number or unquoted word keeps its text ([`Json::Number`], [`Json::Str`]): gson hands the
//! text to Java's parsers, which read `"05000"`, `1.50` or `"５"` their own way (see
//! [`crate::java`]).
//!
//! Differences kept on purpose: nesting deeper than [`MAX_DEPTH`] is refused (gson has no
//! limit; a node of a TBSchedule root is never that deep, and a stack is finite), and an
//! escaped lone UTF-16 surrogate reads as U+FFFD (a Rust string cannot hold one).

/// The deepest nesting read, the record's own object included: an unknown key's value kept
/// from it is then at most 127 deep, which `serde_json` (limit 128) reads again where it
/// crosses the IPC as text. Deeper, one node would stop the window showing its whole root.
pub const MAX_DEPTH: usize = 128;

/// A JSON value as gson's reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`, any case.
    Null,
    /// `true`/`false`, any case.
    Bool(bool),
    /// An unquoted number in JSON's grammar, as written.
    Number(String),
    /// A quoted string's value, or an unquoted word that is no number.
    Str(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in document order, repeated names included.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// What kind of token gson names it in its errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::Str(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// [`Json::kind`] with its article, for messages: "an array", "a number".
    pub fn a_kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::Str(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// As a `serde_json` value (for keys tbdesk keeps without knowing them): a repeated name
    /// keeps its first place and its last value; a number serde cannot hold stays its text.
    pub fn into_value(self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            // `1.` (gson's, not JSON's) as the double it is; only a number no double holds
            // (`1e999`) stays its text.
            Json::Number(n) => match serde_json::from_str::<serde_json::Number>(&n) {
                Ok(v) => Value::Number(v),
                Err(_) => crate::java::parse_double(&n)
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::String(n), Value::Number),
            },
            Json::Str(s) => Value::String(s),
            Json::Array(a) => Value::Array(a.into_iter().map(Json::into_value).collect()),
            Json::Object(m) => {
                let mut map = serde_json::Map::new();
                for (k, v) in m {
                    map.insert(k, v.into_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// Reads a whole document as `Gson.fromJson` does: `None` for one with no value (only
/// whitespace and comments: gson returns null), else its one value, followed by nothing but
/// whitespace.
pub fn document(text: &str) -> Result<Option<Json>, String> {
    // A byte-order mark as the very first character is skipped (anywhere else it is text).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = Reader { s: text.as_bytes(), text, pos: 0 };
    r.skip_non_execute_prefix()?;
    if r.peek_non_ws()?.is_none() {
        return Ok(None);
    }
    let v = r.value(0)?;
    // `assertFullConsumption` peeks with leniency off: a comment or a second value is an error.
    let rest = &r.s[r.pos..];
    if let Some(i) = rest.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        return Err(format!("more after the value at character {}", r.col(r.pos + i)));
    }
    Ok(Some(v))
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    /// A 1-based character position, for errors.
    fn col(&self, byte: usize) -> usize {
        self.text.get(..byte.min(self.s.len())).map_or(byte, |t| t.chars().count()) + 1
    }

    fn err(&self, what: &str) -> String {
        format!("{what} at character {}", self.col(self.pos))
    }

    /// `)]}'` and a newline, only at the start (after whitespace and comments).
    fn skip_non_execute_prefix(&mut self) -> Result<(), String> {
        if self.peek_non_ws()?.is_some() && self.s[self.pos..].starts_with(b")]}'\n") {
            self.pos += 5;
        }
        Ok(())
    }

    /// Skips whitespace and comments; the next byte, not taken.
    fn peek_non_ws(&mut self) -> Result<Option<u8>, String> {
        while let Some(&b) = self.s.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'#' => self.skip_line(),
                b'/' => match self.s.get(self.pos + 1) {
                    Some(b'/') => self.skip_line(),
                    Some(b'*') => {
                        let from = self.pos + 2;
                        match self.s.get(from..).and_then(|r| r.windows(2).position(|w| w == b"*/")) {
                            Some(i) => self.pos = from + i + 2,
                            None => return Err(self.err("unterminated comment")),
                        }
                    }
                    _ => return Ok(Some(b)),
                },
                _ => return Ok(Some(b)),
            }
        }
        Ok(None)
    }

    fn skip_line(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            self.pos += 1;
            if b == b'\n' || b == b'\r' {
                break;
            }
        }
    }

    fn next_non_ws(&mut self) -> Result<Option<u8>, String> {
        let b = self.peek_non_ws()?;
        if b.is_some() {
            self.pos += 1;
        }
        Ok(b)
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        match self.peek_non_ws()? {
            None => Err(self.err("end of the text where a value was expected")),
            Some(open @ (b'{' | b'[')) => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(&format!("nested deeper than {MAX_DEPTH} levels")));
                }
                self.pos += 1;
                if open == b'{' {
                    self.object(depth + 1)
                } else {
                    self.array(depth + 1)
                }
            }
            Some(q @ (b'"' | b'\'')) => {
                self.pos += 1;
                self.string(q).map(Json::Str)
            }
            Some(_) => {
                let word = self.literal();
                if word.is_empty() {
                    return Err(self.err("expected a value"));
                }
                Ok(if word.eq_ignore_ascii_case("null") {
                    Json::Null
                } else if word.eq_ignore_ascii_case("true") {
                    Json::Bool(true)
                } else if word.eq_ignore_ascii_case("false") {
                    Json::Bool(false)
                } else if word.chars().count() < LITERAL_BUFFER && is_json_number(word) {
                    Json::Number(word.to_owned())
                } else {
                    Json::Str(word.to_owned())
                })
            }
        }
    }

    /// An unquoted word: up to a delimiter, whitespace or a character that may start a
    /// comment or separator in lenient mode.
    fn literal(&mut self) -> &str {
        let from = self.pos;
        while let Some(&b) = self.s.get(self.pos) {
            if matches!(
                b,
                b'/' | b'\\'
                    | b';'
                    | b'#'
                    | b'='
                    | b'{'
                    | b'}'
                    | b'['
                    | b']'
                    | b':'
                    | b','
                    | b' '
                    | b'\t'
                    | b'\x0c'
                    | b'\r'
                    | b'\n'
            ) {
                break;
            }
            self.pos += 1;
        }
        // Delimiters are ASCII, so both ends are character boundaries.
        self.text.get(from..self.pos).unwrap_or_default()
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        let mut members = Vec::new();
        if self.peek_non_ws()? == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            let name = match self.peek_non_ws()? {
                Some(q @ (b'"' | b'\'')) => {
                    self.pos += 1;
                    self.string(q)?
                }
                _ => {
                    let w = self.literal().to_owned();
                    if w.is_empty() {
                        return Err(self.err("expected a name"));
                    }
                    w
                }
            };
            match self.next_non_ws()? {
                Some(b':') => {}
                Some(b'=') => {
                    if self.s.get(self.pos) == Some(&b'>') {
                        self.pos += 1;
                    }
                }
                _ => return Err(self.err("expected ':'")),
            }
            let v = self.value(depth)?;
            members.push((name, v));
            match self.next_non_ws()? {
                Some(b',' | b';') => {}
                Some(b'}') => return Ok(Json::Object(members)),
                _ => return Err(self.err("unterminated object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        let mut items = Vec::new();
        if self.peek_non_ws()? == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            match self.peek_non_ws()? {
                // An element left out reads as null.
                Some(b',' | b';' | b']') => items.push(Json::Null),
                _ => items.push(self.value(depth)?),
            }
            match self.next_non_ws()? {
                Some(b',' | b';') => {}
                Some(b']') => return Ok(Json::Array(items)),
                _ => return Err(self.err("unterminated array")),
            }
        }
    }

    /// A string's value, the opening quote taken.
    fn string(&mut self, quote: u8) -> Result<String, String> {
        let mut out = String::new();
        let mut high: Option<u16> = None;
        let mut from = self.pos;
        loop {
            let Some(&b) = self.s.get(self.pos) else {
                return Err(self.err("unterminated string"));
            };
            if b != quote && b != b'\\' {
                self.pos += 1;
                continue;
            }
            if self.pos > from {
                flush_high(&mut out, &mut high);
                out.push_str(self.text.get(from..self.pos).unwrap_or_default());
            }
            self.pos += 1;
            if b == quote {
                flush_high(&mut out, &mut high);
                return Ok(out);
            }
            let Some(&e) = self.s.get(self.pos) else {
                return Err(self.err("unterminated escape sequence"));
            };
            if e == b'u' {
                let hex = self.text.get(self.pos + 1..).unwrap_or_default().chars().take(4).collect::<String>();
                if hex.chars().count() < 4 {
                    return Err(self.err("unterminated escape sequence"));
                }
                // Four ASCII hexadecimal digits; a sign or any other digit is refused.
                let unit = hex
                    .chars()
                    .try_fold(0u16, |acc, c| Some((acc << 4) | c.to_digit(16).filter(|_| c.is_ascii())? as u16))
                    .ok_or_else(|| self.err(&format!("\\u{hex} is no escape gson reads")))?;
                self.pos += 1 + hex.len();
                match (high.take(), unit) {
                    (Some(h), 0xDC00..=0xDFFF) => {
                        let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                    }
                    (h, 0xD800..=0xDBFF) => {
                        if h.is_some() {
                            out.push('\u{FFFD}');
                        }
                        high = Some(unit);
                    }
                    (h, _) => {
                        if h.is_some() {
                            out.push('\u{FFFD}');
                        }
                        out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
                    }
                }
            } else {
                flush_high(&mut out, &mut high);
                let c = self.text.get(self.pos..).and_then(|t| t.chars().next()).unwrap_or('\u{FFFD}');
                out.push(match c {
                    't' => '\t',
                    'b' => '\u{8}',
                    'n' => '\n',
                    'r' => '\r',
                    'f' => '\u{c}',
                    other => other,
                });
                self.pos += c.len_utf8();
            }
            from = self.pos;
        }
    }
}

fn flush_high(out: &mut String, high: &mut Option<u16>) {
    if high.take().is_some() {
        out.push('\u{FFFD}');
    }
}

/// gson 2.1 reads an unquoted word through a 1024-character buffer: one that fills it is a
/// STRING token whatever it holds.
const LITERAL_BUFFER: usize = 1024;

/// gson 2.1's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]*)? ([eE] [+-]? [0-9]+)?` (`1.` is a
/// number to it). It gives such a word the NUMBER token, any other unquoted word the STRING
/// token (which a `boolean` field reads with `Boolean.parseBoolean`, where a number is refused).
fn is_json_number(w: &str) -> bool {
    let b = w.strip_prefix('-').unwrap_or(w).as_bytes();
    let digits = |i: usize| b.get(i..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
    let int = digits(0);
    if int == 0 || (int > 1 && b[0] == b'0') {
        return false;
    }
    let mut i = int;
    if b.get(i) == Some(&b'.') {
        i += 1 + digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let e = digits(i);
        if e == 0 {
            return false;
        }
        i += e;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(t: &str) -> Vec<(String, Json)> {
        match document(t) {
            Ok(Some(Json::Object(m))) => m,
            other => panic!("{t}: {other:?}"),
        }
    }

    #[test]
    fn lenient_as_gson_2_1() {
        let s = |v: &str| Json::Str(v.into());
        assert_eq!(obj("{a:b}"), vec![("a".into(), s("b"))]);
        assert_eq!(obj("{'a'='b';\"c\"=>'d'}"), vec![("a".into(), s("b")), ("c".into(), s("d"))]);
        assert_eq!(obj("/*x*/ # y\n{\"a\":TRUE // z\n}"), vec![("a".into(), Json::Bool(true))]);
        assert_eq!(obj(")]}'\n{\"a\":nULL}"), vec![("a".into(), Json::Null)]);
        assert_eq!(
            obj("{\"a\":[,1;;]}"),
            vec![("a".into(), Json::Array(vec![Json::Null, Json::Number("1".into()), Json::Null, Json::Null]))]
        );
        assert_eq!(obj("{\"a\":05}"), vec![("a".into(), s("05"))], "no JSON number: a word");
        assert_eq!(obj("{\"a\":\"x\\qy\tz\"}"), vec![("a".into(), s("xqy\tz"))]);
        assert_eq!(obj(r#"{"a":"\ud83d\ude00 \ud800 \u4e2d"}"#), vec![("a".into(), s("\u{1F600} \u{FFFD} 中"))]);
        assert_eq!(obj("{\"a\":1,\"a\":2}").len(), 2, "repeated names are all kept");
        assert_eq!(document("  \n"), Ok(None));
        assert_eq!(document("/* only */"), Ok(None));
        for bad in [
            "{\"a\":1,}",
            "{\"a\":1} x",
            "{\"a\":1} /*c*/",
            "{\"a\":1}{",
            "{\"a\" 1}",
            "{\"a\":\"1",
            "{\"a\":\"\\u12\"}",
            "{\"a\":[1 2]}",
            "{\"a\":1",
            "/* open",
            "{\"a\":}",
        ] {
            assert!(document(bad).is_err(), "{bad}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(document(&deep).is_err_and(|e| e.contains("nested")));
        let ok_deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(document(&ok_deep).is_ok());
    }

    #[test]
    fn numbers_keep_their_text() {
        for n in ["0", "-0", "1.50", "1e999", "-2.5E-3", "1.", "-0.", "1.e5"] {
            assert!(is_json_number(n), "{n}");
        }
        for w in ["05", ".5", "1e", "1.e", "+1", "-", "1x", "0x1"] {
            assert!(!is_json_number(w), "{w}");
        }
    }
}

//! The JVM's parsers TBSchedule's reading goes through: `Integer.parseInt` / `Long.parseLong`
//! (item ids, sequence suffixes, record fields), `Character.isDigit` (commons-lang's
//! `isNumeric`, the item sort), `Double.parseDouble`, gson 2.1's own checks around them
//! (`JsonReader.nextInt`, `nextLong`, `nextDouble`), `Boolean.parseBoolean` and the
//! `SimpleDateFormat("yyyy-MM-dd HH:mm:ss")` TBSchedule parses its timestamps with.
//!
//! Why it is spelled out rather than Rust's parsers: what Java refuses, TBSchedule cannot read
//! (its runtime throws on every pass), and what Java accepts it runs. `"05000"` is refused by
//! gson 2.1 ("octal prefix") though Rust reads 5000; `"５"` (full-width) is 5 to
//! `Integer.parseInt`; `"2.5d"` is a double to Java; 2^63 reads as `Long.MAX_VALUE`. The
//! oracle `tests/gson-2.1.tsv` holds what the real gson 2.1 and TBSchedule classes made of
//! each case.

/// The zero of every run of decimal digits (Unicode category Nd) in the Basic Multilingual
/// Plane, as Java 17's `Character.digit` knows them. Java's parsers look at UTF-16 units, so
/// digits beyond the BMP are never digits to them.
const ND_ZEROS: [u32; 37] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
    0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

/// `Character.isDigit(char)`: a decimal digit of any script in the Basic Multilingual Plane
/// (`"１２"` is numeric to commons-lang's `StringUtils.isNumeric`, and 12 to `parseInt`).
pub fn is_digit(c: char) -> bool {
    digit(c, 10).is_some()
}

/// commons-lang 2.4's `StringUtils.isNumeric`, non-empty: every character a digit.
pub fn is_numeric(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_digit)
}

/// `Character.digit(c, radix)`: any Nd digit, ASCII letters and their full-width forms.
fn digit(c: char, radix: u32) -> Option<u32> {
    let cp = u32::from(c);
    let d = ND_ZEROS.iter().find_map(|z| (cp >= *z && cp < z.saturating_add(10)).then(|| cp - z)).or(match cp {
        0x41..=0x5A => Some(cp - 0x41 + 10),
        0x61..=0x7A => Some(cp - 0x61 + 10),
        0xFF21..=0xFF3A => Some(cp - 0xFF21 + 10),
        0xFF41..=0xFF5A => Some(cp - 0xFF41 + 10),
        _ => None,
    });
    d.filter(|d| *d < radix)
}

/// `Integer.parseInt(s, radix)` / `Long.parseLong(s, radix)` into `[min, max]`: an optional
/// sign, then one or more digits; nothing trimmed.
pub fn parse_int(s: &str, radix: u32, min: i64, max: i64) -> Option<i64> {
    let (neg, body) = match s.chars().next()? {
        '-' => (true, &s[1..]),
        '+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let mut v: i128 = 0;
    for c in body.chars() {
        v = v.checked_mul(i128::from(radix))?.checked_add(i128::from(digit(c, radix)?))?;
        if v > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    let v = if neg { -v } else { v };
    (i128::from(min)..=i128::from(max)).contains(&v).then_some(v as i64)
}

/// `Double.parseDouble(s)`: trimmed of every character up to U+0020, an optional sign, then
/// `NaN`, `Infinity`, a decimal (`5.`, `.5`, `1e3`) or a hexadecimal (`0x1p3`) number, with an
/// optional `f`/`d` suffix. ASCII digits only.
pub(crate) fn parse_double(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let v = match body {
        "NaN" => f64::NAN,
        "Infinity" => f64::INFINITY,
        _ => {
            let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
            if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
                hex_float(hex)?
            } else {
                decimal(body)?
            }
        }
    };
    Some(if neg { -v } else { v })
}

/// `digits [. digits] [e [sign] digits]` with at least one digit before the exponent.
fn decimal(b: &str) -> Option<f64> {
    let (mantissa, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    if let Some(e) = exp {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !all_digits(digits) {
            return None;
        }
    }
    b.parse::<f64>().ok()
}

/// `hexdigits [. hexdigits] p [sign] digits`, the `0x` already taken, rounded once to the
/// nearest double (ties to even) as Java's `parseDouble` rounds it: a zero stays zero whatever
/// its exponent, a mantissa of any length keeps a sticky bit.
fn hex_float(h: &str) -> Option<f64> {
    let (mantissa, exp) = h.split_once(['p', 'P'])?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.len() + frac.len() == 0 || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let e_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    if e_digits.is_empty() || !e_digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // The value is `top` (up to 124 significant bits, the rest folded into `sticky`) times
    // 2^`scale`; an exponent beyond Java's int makes it 0 or infinity, as Java's does.
    let e: Option<i32> = exp.parse().ok();
    let (mut top, mut sticky, mut scale) = (0u128, false, i64::from(e.unwrap_or(0)));
    for (k, c) in int.chars().chain(frac.chars()).enumerate() {
        let d = u128::from(c.to_digit(16)?);
        if top >> 120 == 0 {
            top = (top << 4) | d;
            if k >= int.len() {
                scale = scale.saturating_sub(4);
            }
        } else {
            sticky |= d != 0;
            if k < int.len() {
                scale = scale.saturating_add(4);
            }
        }
    }
    if top == 0 {
        return Some(0.0);
    }
    if e.is_none() {
        return Some(if exp.starts_with('-') { 0.0 } else { f64::INFINITY });
    }
    // Normalised: the leading one at bit 127; the value's binary exponent is then `scale + 127`.
    let lead = top.leading_zeros();
    top <<= lead;
    let exp2 = scale.saturating_add(127).saturating_sub(i64::from(lead));
    if exp2 > 1023 {
        return Some(f64::INFINITY);
    }
    // Bits dropped below the 53 kept: 75 for a normal double, more for a subnormal one.
    let drop = (-1022i64).saturating_sub(exp2).max(0).saturating_add(75);
    if drop > 128 {
        return Some(0.0);
    }
    let (mut m, rest) = if drop == 128 { (0u128, top) } else { (top >> drop, top & ((1u128 << drop) - 1)) };
    let half = 1u128 << (drop - 1);
    if rest > half || (rest == half && (sticky || m & 1 == 1)) {
        m += 1;
    }
    let m = u64::try_from(m).ok()?;
    // A subnormal's bits are its mantissa as is; a carry into bit 52 makes it normal, which
    // the addition of the exponent field below takes care of.
    let bits = if exp2 < -1022 {
        m
    } else {
        let biased = u64::try_from(exp2 + 1023).ok()?;
        let (m, biased) = if m >> 53 == 1 { (m >> 1, biased + 1) } else { (m, biased) };
        if biased >= 2047 {
            return Some(f64::INFINITY);
        }
        (biased << 52) | (m & ((1u64 << 52) - 1))
    };
    Some(f64::from_bits(bits))
}

/// `JsonReader.nextInt` (`long` false) or `nextLong` (true) over a token's text: Java's
/// integer parse, else its double parse when that is a whole number in range; a value of 1
/// or more written with a leading `0` is refused ("JSON forbids octal prefixes").
pub(crate) fn next_integer(raw: &str, long: bool) -> Result<i64, String> {
    let (min, max) = if long { (i64::MIN, i64::MAX) } else { (i64::from(i32::MIN), i64::from(i32::MAX)) };
    let n = match parse_int(raw, 10, min, max) {
        Some(n) => n,
        None => {
            let d = parse_double(raw).ok_or_else(|| format!("expected a whole number, found {raw:?}"))?;
            // Java's narrowing casts saturate and read NaN as 0, as Rust's `as` does.
            let n = if long { d as i64 } else { i64::from(d as i32) };
            if n as f64 != d {
                return Err(if d.is_finite() && d.fract() == 0.0 {
                    format!("{raw} is out of range for its Java type")
                } else {
                    format!("expected a whole number, found {raw:?}")
                });
            }
            n
        }
    };
    if n >= 1 && raw.starts_with('0') {
        return Err(format!("{raw:?} starts with 0, which gson 2.1 refuses (JSON forbids octal prefixes)"));
    }
    Ok(n)
}

/// `JsonReader.nextDouble` in lenient mode: Java's double parse; a value of 1 or more written
/// with a leading `0` is refused.
pub(crate) fn next_double(raw: &str) -> Result<f64, String> {
    let d = parse_double(raw).ok_or_else(|| format!("expected a number, found {raw:?}"))?;
    if d >= 1.0 && raw.starts_with('0') {
        return Err(format!("{raw:?} starts with 0, which gson 2.1 refuses (JSON forbids octal prefixes)"));
    }
    Ok(d)
}

/// Whether `SimpleDateFormat("yyyy-MM-dd HH:mm:ss").parse(s)` (lenient, as TBSchedule's
/// `TimestampTypeAdapter` uses it) reads a time from `s`: six numbers joined by exactly `-`,
/// `-`, ` `, `:`, `:`; whatever follows the seconds is ignored, and out-of-range fields roll
/// over. Each number is what its `DecimalFormat` reads after any spaces or tabs: `NaN`, or an
/// optional minus then `∞` or decimal digits of any script with an optional `E`, minus and
/// digits exponent.
pub(crate) fn is_java_timestamp(s: &str) -> bool {
    let mut rest = s;
    for sep in [Some('-'), Some('-'), Some(' '), Some(':'), Some(':'), None] {
        match decimal_format_number(rest.trim_start_matches([' ', '\t'])) {
            Some(r) => rest = r,
            None => return false,
        }
        if let Some(sep) = sep {
            match rest.strip_prefix(sep) {
                Some(r) => rest = r,
                None => return false,
            }
        }
    }
    true
}

/// What follows one number `DecimalFormat` reads at the start of `s`, if it reads one.
fn decimal_format_number(s: &str) -> Option<&str> {
    if let Some(r) = s.strip_prefix("NaN") {
        return Some(r);
    }
    let s = s.strip_prefix('-').unwrap_or(s);
    if let Some(r) = s.strip_prefix('\u{221E}') {
        return Some(r);
    }
    let digits = |t: &str| t.chars().take_while(|c| digit(*c, 10).is_some()).map(char::len_utf8).sum::<usize>();
    let n = digits(s);
    if n == 0 {
        return None;
    }
    let rest = &s[n..];
    // An exponent is taken only whole (`E`, an optional minus, digits).
    if let Some(e) = rest.strip_prefix('E') {
        let e = e.strip_prefix('-').unwrap_or(e);
        let k = digits(e);
        if k > 0 {
            return Some(&e[k..]);
        }
    }
    Some(rest)
}

/// `Boolean.parseBoolean`: `true` in any case, everything else false.
pub(crate) fn parse_boolean(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_as_java_parses_them() {
        let int = |s| next_integer(s, false);
        assert_eq!(int("5"), Ok(5));
        assert_eq!(int("+5"), Ok(5));
        assert_eq!(int("-05"), Ok(-5), "no octal check below 1");
        assert_eq!(int(" 5"), Ok(5), "through parseDouble, which trims");
        assert_eq!(int("1e1"), Ok(10));
        assert_eq!(int("５"), Ok(5), "full-width digits are digits to Character.digit");
        assert_eq!(int("٣"), Ok(3));
        assert!(int("05").is_err_and(|e| e.contains("octal")));
        assert!(int("0.5e1").is_err_and(|e| e.contains("octal")));
        assert!(int("0x10").is_err());
        assert!(int("1.5").is_err_and(|e| e.contains("whole")));
        assert!(int("2147483648").is_err_and(|e| e.contains("range")));
        assert_eq!(int("-2147483648"), Ok(i64::from(i32::MIN)));
        assert!(int("NaN").is_err());
        assert_eq!(next_integer("9223372036854775808", true), Ok(i64::MAX), "(long) 2^63 == 2^63 as a double");
        assert!(next_integer("1e19", true).is_err_and(|e| e.contains("range")));
        assert!(next_integer("", true).is_err());
        assert!(next_integer("-", true).is_err());
        assert!(next_integer("+-1", true).is_err());
    }

    #[test]
    fn doubles_as_java_parses_them() {
        assert_eq!(parse_double(" 2.5d "), Some(2.5));
        assert_eq!(parse_double("5."), Some(5.0));
        assert_eq!(parse_double(".5"), Some(0.5));
        assert_eq!(parse_double("0x1p3"), Some(8.0));
        assert_eq!(parse_double("0x1.8P-1"), Some(0.75));
        assert_eq!(parse_double("0x1p99999999999999999999"), Some(f64::INFINITY));
        assert_eq!(parse_double("0x1p-99999999999999999999"), Some(0.0));
        // Many digits before a large exponent: exact, not clamped (Java: infinity).
        assert_eq!(parse_double(&format!("0x0.{}1p2000000", "0".repeat(260_000))), Some(f64::INFINITY));
        assert_eq!(parse_double("0x0p3000"), Some(0.0));
        assert_eq!(parse_double("-0x1.000000000000080001p0"), Some(-1.0000000000000002));
        assert_eq!(parse_double(&format!("0x1.{}p0", "0".repeat(300))), Some(1.0));
        assert_eq!(parse_double(&format!("0x1{}p-1200", "0".repeat(300))), Some(1.0));
        assert_eq!(parse_double("0x1p-1074"), Some(f64::from_bits(1)), "the least subnormal");
        assert_eq!(parse_double("0x1p-1075"), Some(0.0), "half of it, to even");
        assert_eq!(parse_double("0x1.1p-1075"), Some(f64::from_bits(1)), "over half of it");
        assert_eq!(parse_double("0x1.fffffffffffffp1023"), Some(f64::MAX));
        assert_eq!(parse_double("0x1.fffffffffffff8p1023"), Some(f64::INFINITY), "rounds past MAX");
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double("1e999"), Some(f64::INFINITY));
        for bad in ["", ".", "e5", "1e", "1e+", "inf", "nan", "0x", "0x1", "1_0", "٣", "1.5x", "--1", "1dd"] {
            assert_eq!(parse_double(bad), None, "{bad}");
        }
        assert!(next_double("0x1p3").is_err_and(|e| e.contains("octal")));
        assert_eq!(next_double("0.5"), Ok(0.5));
    }

    #[test]
    fn timestamps_as_simple_date_format_reads_them() {
        for ok in [
            "2024-01-05 01:02:03",
            "\t 2024-01-05 01:02:03",
            "2024-1-5 1:2:3",
            "2024-13-45 99:99:99",
            "2024-01-05 01:02:03.999 and more",
            "2024- 01-05  01: 02:-3",
            "-2024--01-05 01:02:03",
            "２０２４-01-05 01:02:03",
            "NaN-01-05 01:02:03",
            "-∞-01-05 01:02:03",
            "2024E-1-01-05 01:02:03",
            "2024-01-05 0E1:02:03",
        ] {
            assert!(is_java_timestamp(ok), "{ok}");
        }
        for bad in [
            "",
            " ",
            "2024-01-05",
            "2024-01-05 01:02",
            "2024-01-05 01:02:",
            "2024-01-05T01:02:03",
            "2024-01-05\t01:02:03",
            "2024-01-05 01 :02:03",
            "+2024-01-05 01:02:03",
            "\u{a0}2024-01-05 01:02:03",
            "2024/01/05 01:02:03",
            "-NaN-01-05 01:02:03",
            "2024E+1-01-05 01:02:03",
        ] {
            assert!(!is_java_timestamp(bad), "{bad}");
        }
    }
}

//! Task item lists (§6.7): how the Java console splits the text a person types into the
//! `taskItems` array, and how the leader splits each entry into an id and a parameter.
//!
//! Both are re-implementations of Java's behaviour, odd corners included (one character after
//! a `}` is always skipped; a `:` without a `}` throws), so that what tbdesk previews is what
//! the runtime will create; [`check_items`] then refuses what would break the leader (P6).

/// One task item as the leader creates it under `taskItem/`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskItemDef {
    /// The node name under `taskItem/`.
    pub id: String,
    /// The text written to `taskItem/<id>/parameter` (`""` when none).
    pub parameter: String,
}

/// Why an item list cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ItemError(pub String);

/// The console's split of a typed item list (`ScheduleTaskType.splitTaskItem`, after the
/// console removed `\r` and `\n`). Errors where Java throws (a `:` with no `}` after it).
pub fn split_task_items(text: &str) -> Result<Vec<String>, ItemError> {
    let s: Vec<char> = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let sub = |a: usize, b: usize| -> Result<String, ItemError> {
        if a > b || b > s.len() {
            return Err(ItemError(format!(
                "the Java console cannot split this list (a ':' at or before position {b} has no '}}' after it)"
            )));
        }
        Ok(java_trim(&s[a..b].iter().collect::<String>()))
    };
    let mut list = Vec::new();
    let (mut start, mut index) = (0usize, 0usize);
    while index < s.len() {
        if s[index] == ':' || s[index] == ',' {
            if s[index] == ':' {
                match s[index..].iter().position(|c| *c == '}') {
                    Some(p) => index += p + 1,
                    None => {
                        return Err(ItemError(format!(
                            "a ':' at position {index} starts an item parameter but no '}}' closes it"
                        )))
                    }
                }
            }
            list.push(sub(start, index)?);
            while index < s.len() && s[index] == ' ' {
                index += 1;
            }
            index += 1; // Java skips one character: the separating comma
            start = index;
        } else {
            index += 1;
        }
    }
    if start < s.len() {
        list.push(sub(start, s.len())?);
    }
    Ok(list)
}

/// Java's `String.trim()`: strips characters up to U+0020 at both ends.
pub fn java_trim(s: &str) -> String {
    s.trim_matches(|c: char| c <= ' ').to_owned()
}

fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// The leader's split of one entry (`createScheduleTaskItem`): the first `\s*:\s*\{` divides
/// id and parameter, and the parameter ends one character before the entry's end (the `}`).
pub fn parse_item(entry: &str) -> Result<TaskItemDef, ItemError> {
    let s: Vec<char> = entry.chars().collect();
    for (p, c) in s.iter().enumerate() {
        if *c != ':' {
            continue;
        }
        let mut e = p + 1;
        while e < s.len() && is_java_space(s[e]) {
            e += 1;
        }
        if e < s.len() && s[e] == '{' {
            let mut start = p;
            while start > 0 && is_java_space(s[start - 1]) {
                start -= 1;
            }
            let end = e + 1;
            // Java: substring(end, length - 1) throws when '{' is the last character.
            if end > s.len() - 1 {
                return Err(ItemError(format!("item {entry:?}: the parameter after ':{{' is cut off")));
            }
            let id = java_trim(&s[..start].iter().collect::<String>());
            let parameter = java_trim(&s[end..s.len() - 1].iter().collect::<String>());
            return Ok(TaskItemDef { id, parameter });
        }
    }
    Ok(TaskItemDef { id: entry.to_owned(), parameter: String::new() })
}

/// Maximum parameter size: the user's rule "parameters ≤ 4K", in UTF-8 bytes.
pub const MAX_PARAMETER_BYTES: usize = 4096;

/// Every problem of an item array that would make the Java leader's init throw (P6) or create
/// a broken tree: empty list, empty or duplicate ids, ids that are not node names, unbalanced
/// `{}`, a parameter without its closing `}`, over-long parameters, numeric ids beyond `int`.
pub fn check_items(items: &[String]) -> Vec<ItemError> {
    let mut out = Vec::new();
    if items.is_empty() {
        out.push(ItemError("at least one task item is required (Java's leader init fails without)".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, entry) in items.iter().enumerate() {
        let n = i + 1;
        let opens = entry.matches('{').count();
        let closes = entry.matches('}').count();
        if opens != closes {
            out.push(ItemError(format!("item {n} {entry:?}: '{{' and '}}' do not balance")));
        }
        if entry.contains('{') && !entry.trim_end().ends_with('}') {
            out.push(ItemError(format!("item {n} {entry:?}: a parameter must end with '}}'")));
        }
        let def = match parse_item(entry) {
            Ok(d) => d,
            Err(e) => {
                out.push(e);
                continue;
            }
        };
        if def.id.is_empty() {
            out.push(ItemError(format!("item {n} {entry:?}: the id is empty")));
        } else if crate::paths::node_name_problem(&def.id).is_some() {
            out.push(ItemError(format!(
                "item {n}: id {:?} is not a valid ZooKeeper node name (no '/', '.', '..', control characters or characters ZooKeeper refuses in paths)",
                def.id
            )));
        } else if crate::java::is_numeric(&def.id)
            && crate::java::parse_int(&def.id, 10, i64::from(i32::MIN), i64::from(i32::MAX)).is_none()
        {
            out.push(ItemError(format!(
                "item {n}: numeric id {} does not fit in a Java int; the 3.3 leader's sort would throw",
                def.id
            )));
        }
        if def.parameter.len() > MAX_PARAMETER_BYTES {
            out.push(ItemError(format!(
                "item {n} {:?}: its parameter is {} bytes, over the {MAX_PARAMETER_BYTES}-byte limit",
                def.id,
                def.parameter.len()
            )));
        }
        if !def.id.is_empty() && !seen.insert(def.id.clone()) {
            out.push(ItemError(format!("item {n}: id {:?} appears more than once", def.id)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn full_width_ids_beyond_an_int_are_refused_as_ascii_ones() {
        let e = check_items(&["９９９９９９９９９９９".to_string(), "1".to_string()]);
        assert!(e.iter().any(|e| e.0.contains("Java int")), "{e:?}");
        assert!(check_items(&["１２".to_string(), "1".to_string()]).is_empty());
    }

    use super::*;

    #[test]
    fn splits_like_the_console() {
        assert_eq!(
            split_task_items("0:{TYPE=A,KIND=1}, 1:{TYPE=A,KIND=2},2").expect("split"),
            vec!["0:{TYPE=A,KIND=1}", "1:{TYPE=A,KIND=2}", "2"]
        );
        assert_eq!(split_task_items("0,1,2,3").expect("split"), vec!["0", "1", "2", "3"]);
        assert_eq!(split_task_items("0:{type=A},1,2,3").expect("split"), vec!["0:{type=A}", "1", "2", "3"]);
        assert_eq!(split_task_items("a,\r\nb").expect("split"), vec!["a", "b"]);
        assert!(split_task_items("0:type").is_err());
        // Java skips one character after a '}' whatever it is.
        assert_eq!(split_task_items("0:{a}1,2").expect("split"), vec!["0:{a}", "", "2"]);
    }

    #[test]
    fn parses_entries_like_the_leader() {
        assert_eq!(
            parse_item("0:{TYPE=A,KIND=1}").expect("item"),
            TaskItemDef { id: "0".into(), parameter: "TYPE=A,KIND=1".into() }
        );
        assert_eq!(parse_item("1 : { x }").expect("item"), TaskItemDef { id: "1".into(), parameter: "x".into() });
        assert_eq!(parse_item("7").expect("item"), TaskItemDef { id: "7".into(), parameter: "".into() });
    }

    #[test]
    fn checks_every_item_rule() {
        let v = |xs: &[&str]| check_items(&xs.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(v(&["0", "1:{a=b}", "x-2"]).is_empty());
        assert_eq!(v(&[]).len(), 1);
        assert_eq!(v(&["0", "0"]).len(), 1);
        assert_eq!(v(&[""]).len(), 1);
        assert_eq!(v(&["a/b"]).len(), 1);
        assert_eq!(v(&[".."]).len(), 1);
        assert!(!v(&["0:{a"]).is_empty());
        assert_eq!(v(&["99999999999"]).len(), 1);
        let big = format!("0:{{{}}}", "x".repeat(4097));
        assert_eq!(v(&[big.as_str()]).len(), 1);
    }
}

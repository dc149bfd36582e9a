//! Finding a field of a scenario in its RON text from its path
//! (`topics[1].placement.replicas[0].count`), so that a semantic error
//! points at the value that broke the rule, not at the first key of that
//! name anywhere in the file.
//!
//! This is a tolerant walk, not a parser: by the time it runs the text has
//! parsed, so it only has to skip comments, strings (plain and raw), and
//! nested brackets correctly. It never fails: when a segment cannot be
//! found (a field left to its default, a path into embedded JSON), it
//! returns the deepest value it did reach, which is still the right place
//! to look. Every loop advances by at least one byte, so it cannot hang on
//! arbitrary input (the fuzz tests feed it some).

/// One step of a field path.
#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[1][2].c` → `a`, `b`, `[1]`, `[2]`, `c`. Stops at anything else
/// (serde_path_to_error writes `?` for unknown segments).
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            if !key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                return out;
            }
            out.push(Segment::Key(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(close) = stripped.find(']') else {
                return out;
            };
            match stripped[..close].parse() {
                Ok(i) => out.push(Segment::Index(i)),
                Err(_) => return out,
            }
            rest = &stripped[close + 1..];
        }
    }
    out
}

/// The byte span `[start, end)` of the value at `path`, or of the deepest
/// value on the way there; `None` only when the text has no value at all.
pub fn span(text: &str, path: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let start = skip_trivia(b, 0);
    if start >= b.len() {
        return None;
    }
    let mut here = (start, skip_value(b, start));
    for seg in segments(path) {
        let next = match seg {
            Segment::Key(k) => field(b, here.0, k),
            Segment::Index(i) => element(b, here.0, i),
        };
        match next {
            Some(v) => here = v,
            None => break,
        }
    }
    Some(here)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Skips whitespace and comments (`//` to the end of the line, and nested
/// `/* */` as RON allows).
fn skip_trivia(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0usize;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else {
            return i.min(b.len());
        }
    }
}

/// Skips a string (`"..."`), raw string (`r#"..."#`) or char literal
/// starting at `i`; `None` when `i` starts none of them.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' | b'\'' => {
            let quote = b[i];
            let mut j = i + 1;
            while j < b.len() && b[j] != quote {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            Some((j + 1).min(b.len()))
        }
        b'r' | b'b' => {
            // r"..", r#".."#, br"..": count the hashes, find the matching end.
            let mut j = i + 1;
            if b[i] == b'b' && b.get(j) == Some(&b'r') {
                j += 1;
            } else if b[i] == b'b' {
                return None;
            }
            let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
            j += hashes;
            if b.get(j) != Some(&b'"') {
                return None;
            }
            j += 1;
            while j < b.len() {
                if b[j] == b'"'
                    && b[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == b'#')
                        .count()
                        == hashes
                {
                    return Some((j + 1 + hashes).min(b.len()));
                }
                j += 1;
            }
            Some(b.len())
        }
        _ => None,
    }
}

/// Skips a bracketed group starting at the opening bracket `b[i]`.
fn skip_group(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        if let Some(after) = skip_string(b, j).filter(|_| !is_ident_continuation(b, j)) {
            j = after;
            continue;
        }
        match b[j] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            b'/' if b[j..].starts_with(b"//") || b[j..].starts_with(b"/*") => {
                j = skip_trivia(b, j);
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// `r` or `b` in the middle of an identifier (`Prefixed`, `brokers`) does not
/// start a raw string.
fn is_ident_continuation(b: &[u8], j: usize) -> bool {
    j > 0 && is_ident(b[j - 1]) && matches!(b[j], b'r' | b'b')
}

/// Skips one value: a string, a group, or a word (identifier or number)
/// with an optional group after it (`Some(..)`, `Crash(Broker(1))`).
fn skip_value(b: &[u8], i: usize) -> usize {
    if i >= b.len() {
        return b.len();
    }
    if let Some(after) = skip_string(b, i) {
        return after;
    }
    if matches!(b[i], b'(' | b'[' | b'{') {
        return skip_group(b, i);
    }
    let mut j = i;
    while j < b.len() && (is_ident(b[j]) || matches!(b[j], b'.' | b'+' | b'-')) {
        j += 1;
    }
    if j == i {
        return i + 1;
    }
    let k = skip_trivia(b, j);
    if k < b.len() && b[k] == b'(' {
        return skip_group(b, k);
    }
    j
}

/// From a value start, the position just inside its first bracket, skipping
/// a leading word (a struct, enum variant or `Some` name) and, when the
/// bracket wraps a single bracketed value (`Constraints((..))`,
/// `Assignment([..])`), going into that one too.
fn open(b: &[u8], value: usize) -> Option<usize> {
    let mut i = value;
    while i < b.len() && is_ident(b[i]) {
        i += 1;
    }
    i = skip_trivia(b, i);
    if i >= b.len() || !matches!(b[i], b'(' | b'[') {
        return None;
    }
    let inner = skip_trivia(b, i + 1);
    let wraps = inner < b.len()
        && (matches!(b[inner], b'(' | b'[')
            || (is_ident(b[inner]) && {
                let mut k = inner;
                while k < b.len() && is_ident(b[k]) {
                    k += 1;
                }
                let k = skip_trivia(b, k);
                k < b.len() && b[k] == b'('
            }));
    let is_struct_body = |p: usize| {
        let mut k = p;
        while k < b.len() && is_ident(b[k]) {
            k += 1;
        }
        k > p && {
            let k = skip_trivia(b, k);
            k < b.len() && b[k] == b':'
        }
    };
    if b[i] == b'(' && wraps && !is_struct_body(inner) {
        // A newtype around the real container: go in once more, unless the
        // caller wants a tuple's elements and this is the tuple.
        let after = skip_value(b, inner);
        let closing = skip_trivia(b, after);
        if closing < b.len() && b[closing] == b')' {
            return open(b, inner);
        }
    }
    Some(i + 1)
}

/// The span of field `key` inside the struct value at `value`.
fn field(b: &[u8], value: usize, key: &str) -> Option<(usize, usize)> {
    let mut i = open(b, value)?;
    loop {
        i = skip_trivia(b, i);
        if i >= b.len() || matches!(b[i], b')' | b']') {
            return None;
        }
        let name_start = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        let name = &b[name_start..i];
        let colon = skip_trivia(b, i);
        if name.is_empty() || colon >= b.len() || b[colon] != b':' {
            return None;
        }
        let v = skip_trivia(b, colon + 1);
        let end = skip_value(b, v);
        if name == key.as_bytes() {
            return Some((v, end));
        }
        i = skip_trivia(b, end);
        if i < b.len() && b[i] == b',' {
            i += 1;
        }
    }
}

/// The span of element `index` of the list or tuple value at `value`.
fn element(b: &[u8], value: usize, index: usize) -> Option<(usize, usize)> {
    let mut i = open(b, value)?;
    let mut n = 0;
    loop {
        i = skip_trivia(b, i);
        if i >= b.len() || matches!(b[i], b')' | b']') {
            return None;
        }
        let end = skip_value(b, i);
        if n == index {
            return Some((i, end));
        }
        n += 1;
        i = skip_trivia(b, end);
        if i < b.len() && b[i] == b',' {
            i += 1;
        } else {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, path: &str) -> &'a str {
        let (s, e) = span(text, path).unwrap();
        &text[s..e]
    }

    const TEXT: &str = r##"// a comment with topics: inside
(
    name: "x", /* block ( comment */
    topics: [
        (name: "a", partitions: 1, min_insync_replicas: 1),
        (name: "b", partitions: 2, min_insync_replicas: 9,
         placement: Constraints((version: 2, replicas: [(count: 1, constraints: (rack: "r1")), (count: 3, constraints: (rack: "r2"))]))),
        (name: "c", placement: Assignment([[1, 2], [3, 4]]), other: ConfluentJson(r#"{"a": ")"}"#)),
    ],
    faults: [(at: Fixed(1), fault: Crash(Broker(7)))],
    links: [(between: ("dc1", "dc2"))],
)"##;

    #[test]
    fn a_path_finds_the_value_of_that_element_not_the_first_key_of_its_name() {
        assert_eq!(at(TEXT, "topics[1].min_insync_replicas"), "9");
        assert_eq!(at(TEXT, "topics[1].placement.replicas[1].count"), "3");
        assert_eq!(
            at(TEXT, "topics[1].placement.replicas[1].constraints.rack"),
            "\"r2\""
        );
        assert_eq!(at(TEXT, "topics[2].placement[1]"), "[3, 4]");
        assert_eq!(at(TEXT, "faults[0].fault"), "Crash(Broker(7))");
        assert_eq!(at(TEXT, "links[0].between[1]"), "\"dc2\"");
        assert_eq!(at(TEXT, "name"), "\"x\"");
    }

    #[test]
    fn a_missing_field_gives_the_deepest_value_reached() {
        assert!(at(TEXT, "topics[0].replication_factor").starts_with("(name: \"a\""));
        assert!(at(TEXT, "topics[9].name").starts_with('['));
    }

    #[test]
    fn raw_strings_with_brackets_inside_do_not_derail_the_walk() {
        assert_eq!(at(TEXT, "faults[0].at"), "Fixed(1)");
    }

    #[test]
    fn arbitrary_text_never_panics_or_hangs() {
        for text in ["", "(", "((((", "r#\"", "/*", "(a: [1, (b: \"", "é(a:é)"] {
            let _ = span(text, "a[0].b");
        }
    }
}

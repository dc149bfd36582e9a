//! Functions that fit on a screen: no function of the project's code (the
//! crates' sources and the binary, not tests or benches) is longer than
//! 100 lines, and one longer than 70 says why in its doc comment (a `///`
//! line containing "long" or "lines": a reader meets the reason before
//! the length). `.ci/run` runs this test by name, so the limit holds from
//! now on; `cargo test --test function_length -- --nocapture` lists the
//! longest functions.
//!
//! Lengths are counted from the line of `fn` to the line of its closing
//! brace, with strings, characters and comments skipped so braces inside
//! them do not count. Functions inside `#[cfg(test)]` modules are tests.

use std::path::{Path, PathBuf};

const LIMIT: usize = 100;
const EXPLAIN_ABOVE: usize = 70;

/// A function: where it starts, how long it is, whether its doc comment
/// says why it is long.
#[derive(Debug)]
struct Function {
    file: String,
    line: usize,
    name: String,
    lines: usize,
    says_why: bool,
}

/// `text` with every string, character literal and comment replaced by
/// spaces (newlines kept), so that braces and `fn` in them are not code.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (mut depth, mut j) = (1, i + 2);
                while j < b.len() && depth > 0 {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 1;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 1;
                    }
                    j += 1;
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'r' if matches!(b.get(i + 1), Some(b'#') | Some(b'"'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let start = i + 2 + hashes;
                let end = text[start..]
                    .find(&close)
                    .map_or(b.len(), |n| start + n + close.len());
                blank(&mut out, i, end);
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut out, i, (j + 1).min(b.len()));
                i = j + 1;
            }
            b'\'' => {
                // A character literal ('x', '\n', '\u{1b}') or a lifetime ('a).
                let len = if b.get(i + 1) == Some(&b'\\') {
                    text[i + 2..].find('\'').map(|n| n + 3)
                } else {
                    let c = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (b.get(i + 1 + c) == Some(&b'\'')).then_some(c + 2)
                };
                match len {
                    Some(n) => {
                        blank(&mut out, i, i + n);
                        i += n;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    String::from_utf8(out).expect("blanking keeps UTF-8 where it replaces whole literals")
}

/// The functions of one source file, outside `#[cfg(test)]` modules.
fn functions(file: &str, text: &str) -> Vec<Function> {
    let code = code_only(text);
    let lines: Vec<&str> = code.lines().collect();
    let raw: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut test_until = 0; // inside a #[cfg(test)] item up to this line
    for (n, line) in lines.iter().enumerate() {
        if n < test_until {
            continue;
        }
        if line.trim_start().starts_with("#[cfg(test)]") {
            test_until = end_of_item(&lines, n).map_or(n, |e| e + 1);
            continue;
        }
        let Some(name) = fn_name(line) else { continue };
        let Some(end) = end_of_item(&lines, n) else {
            continue; // a declaration without a body (a trait's)
        };
        out.push(Function {
            file: file.to_string(),
            line: n + 1,
            name,
            lines: end - n + 1,
            says_why: doc_says_why(&raw, n),
        });
    }
    out
}

/// The name of the function declared on `line`, if one is.
fn fn_name(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "fn")?;
    let before_ok = words[..at].iter().all(|w| {
        matches!(
            *w,
            "pub" | "const" | "async" | "unsafe" | "extern" | "default"
        ) || w.starts_with("pub(")
            || w.starts_with('"')
    });
    let name: String = words
        .get(at + 1)?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (before_ok && !name.is_empty()).then_some(name)
}

/// The line on which the item starting on line `from` closes its first
/// `{ ... }` (`None`: it ends with `;` before any brace).
fn end_of_item(lines: &[&str], from: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut opened = false;
    for (n, line) in lines.iter().enumerate().skip(from) {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                ';' if !opened => return None,
                _ => {}
            }
            if opened && depth == 0 {
                return Some(n);
            }
        }
    }
    None
}

/// Whether the doc comment above line `n` (past attributes) says why the
/// function is long.
fn doc_says_why(raw: &[&str], n: usize) -> bool {
    raw[..n]
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .skip_while(|l| l.starts_with("#["))
        .take_while(|l| l.starts_with("///"))
        .any(|l| l.contains("long") || l.contains("lines"))
}

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = ["src", "sim/src", "models/src", "output/src"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn all_functions() -> Vec<Function> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.strip_prefix(root).unwrap().display().to_string();
        all.extend(functions(&file, &text));
    }
    all.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.file.cmp(&b.file)));
    all
}

#[test]
fn no_function_is_longer_than_a_screen() {
    let all = all_functions();
    for f in all.iter().take(15) {
        eprintln!(
            "{:>4} lines  {}:{} {} {}",
            f.lines,
            f.file,
            f.line,
            f.name,
            if f.says_why { "" } else { "(no why)" }
        );
    }
    let too_long: Vec<String> = all
        .iter()
        .filter(|f| f.lines > LIMIT)
        .map(|f| format!("{}:{} {} ({} lines)", f.file, f.line, f.name, f.lines))
        .collect();
    assert!(
        too_long.is_empty(),
        "{} functions over {LIMIT} lines: split them (decide, then apply):\n{}",
        too_long.len(),
        too_long.join("\n")
    );
    let unexplained: Vec<String> = all
        .iter()
        .filter(|f| f.lines > EXPLAIN_ABOVE && !f.says_why)
        .map(|f| format!("{}:{} {} ({} lines)", f.file, f.line, f.name, f.lines))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} functions over {EXPLAIN_ABOVE} lines whose doc comment does not say why they are long:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

/// The counter itself: braces in strings, characters and comments do not
/// count, a test module is skipped, and a long function is caught (the
/// canary: a deliberately long function the check must see).
#[test]
fn the_counter_sees_through_strings_and_catches_a_long_function() {
    let body: String = (0..120)
        .map(|i| format!("    let _x{i} = \"}}{{\";\n"))
        .collect();
    let text = format!(
        "/// Short.\nfn short() {{\n    let c = '{{';\n    // }}\n    let s = r#\"}}\"#;\n}}\n\nfn long() {{\n{body}}}\n\n#[cfg(test)]\nmod tests {{\n    fn hidden() {{\n{body}    }}\n}}\n"
    );
    let found = functions("canary.rs", &text);
    let names: Vec<(&str, usize)> = found.iter().map(|f| (f.name.as_str(), f.lines)).collect();
    assert_eq!(names, vec![("short", 5), ("long", 122)]);
}

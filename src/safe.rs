//! Making user strings safe where they leave kdrsim: file names derived
//! from scenario names, text placed in HTML, and text printed for a person.
//!
//! A scenario's `name` is free text from a file someone else may have
//! written ("../../etc/passwd", "<script>", "CON", 10 kB of emoji, ESC
//! `[31m`). Any output file named after it goes through [`file_names`], any
//! HTML through [`html_escape`], and any text a person reads through
//! [`printable`].

pub use kdrsim_output::text::{printable, printable_line};

/// The longest file stem produced, in bytes (well under every file
/// system's 255-byte name limit, leaving room for an extension).
pub const MAX_STEM: usize = 80;

/// A safe file stem for `name`: only `[A-Za-z0-9._-]`, every other
/// character becoming `_`; no leading `.` (no hidden files, no `..`); at
/// most [`MAX_STEM`] bytes; never empty. The result is a plain name, so
/// joined to an output directory it stays inside it.
pub fn file_stem(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Collapse runs of `_` left by replaced characters, for readability.
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_start_matches(['.', '_']).to_string();
    let mut s: String = s.chars().take(MAX_STEM).collect();
    while s.ends_with('.') {
        s.pop();
    }
    if s.is_empty() {
        "scenario".to_string()
    } else {
        s
    }
}

/// Safe, distinct file stems for `names`, in order: [`file_stem`] of each,
/// with `-2`, `-3`, ... appended where two names map to the same stem
/// (compared case-insensitively, for case-insensitive file systems).
pub fn file_names<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let stem = file_stem(name.as_ref());
        let mut candidate = stem.clone();
        let mut k = 2;
        while taken.contains(&candidate.to_ascii_lowercase()) {
            candidate = format!("{stem}-{k}");
            k += 1;
        }
        taken.push(candidate.to_ascii_lowercase());
        out.push(candidate);
    }
    out
}

/// `s` with HTML's special characters escaped, safe both in element text
/// and in quoted attribute values: the report page's own escaping, so there
/// is one definition.
pub fn html_escape(s: &str) -> String {
    kdrsim_output::html::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Component, Path};

    #[test]
    fn a_scenario_named_like_a_path_stays_inside_the_output_directory() {
        for name in [
            "../../etc/passwd",
            "/etc/passwd",
            "..",
            ".",
            "a/../../b",
            "C:\\x",
            "~/x",
        ] {
            let stem = file_stem(name);
            let joined = Path::new("out").join(format!("{stem}.json"));
            assert!(
                joined
                    .components()
                    .all(|c| matches!(c, Component::Normal(_))),
                "{name:?} -> {stem:?}"
            );
            assert_eq!(joined.parent(), Some(Path::new("out")), "{name:?}");
            assert!(!stem.starts_with('.'), "{name:?} -> {stem:?}");
        }
        assert_eq!(file_stem("../../etc/passwd"), "etc_passwd");
    }

    #[test]
    fn names_are_bounded_never_empty_and_collision_free() {
        assert_eq!(file_stem(""), "scenario");
        assert_eq!(file_stem("日本語"), "scenario");
        assert!(file_stem(&"x".repeat(10_000)).len() <= MAX_STEM);
        assert_eq!(
            file_names(&["a/b", "a?b", "A_B", "3dc-stretched"]),
            vec!["a_b", "a_b-2", "A_B-3", "3dc-stretched"]
        );
    }

    #[test]
    fn every_user_string_is_escaped_in_html() {
        assert_eq!(
            html_escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}

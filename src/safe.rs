//! Making user strings safe where they leave kdrsim: file names derived
//! from scenario names, text placed in HTML, text printed for a person, and
//! arguments of the commands kdrsim prints for pasting into a shell.
//!
//! A scenario's `name` is free text from a file someone else may have
//! written ("../../etc/passwd", `<script>`, "CON", 10 kB of emoji, ESC
//! `[31m`). Any output file named after it goes through [`file_names`], any
//! HTML through [`html_escape`], any text a person reads through
//! [`printable`], and any argument of a printed command through
//! [`shell_quote`].

use std::borrow::Cow;

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

/// `arg` as one word of a POSIX shell command: as it is when it is made
/// only of characters no shell treats specially (`[A-Za-z0-9_@%+:,./-]`,
/// not empty), otherwise in single quotes, with each `'` written `'\''`.
/// A path like `a b;touch X.ron` pasted from kdrsim's output is one
/// argument, never a second command.
pub fn shell_quote(arg: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+:,./-".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        Cow::Borrowed(arg)
    } else {
        Cow::Owned(format!("'{}'", arg.replace('\'', "'\\''")))
    }
}

/// `words` joined into one command line, each [`shell_quote`]d.
pub fn shell_command<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command that replays `trial` of `file` with master seed `seed`,
/// ready to paste in any directory (see [`replay_target`]), followed by
/// `extra` arguments.
pub fn replay_command(file: &str, seed: u64, trial: u64, extra: &[&str]) -> String {
    let (seed, trial) = (seed.to_string(), trial.to_string());
    let file = replay_target(file);
    let mut words = vec![
        "kdrsim", "replay", &file, "--seed", &seed, "--trial", &trial,
    ];
    words.extend_from_slice(extra);
    shell_command(&words)
}

/// How a replay command names the scenario `file` so that it works from
/// any directory: a built-in by its `builtin:NAME`, a file by its absolute
/// path (as it is, when the current directory cannot be read).
pub fn replay_target(file: &str) -> String {
    if file.starts_with(crate::BUILTIN_PREFIX) {
        return file.to_string();
    }
    std::path::absolute(file)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| file.to_string())
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
    fn plain_arguments_stay_readable_and_others_are_single_quoted() {
        assert_eq!(
            shell_quote("scenarios/3dc-stretched.ron"),
            "scenarios/3dc-stretched.ron"
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b;touch X.ron"), "'a b;touch X.ron'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        for special in [
            "$(id)", "`id`", "~/x", "a*b", "a|b", "a&b", "x\ny", "=x", "a\\b",
        ] {
            assert!(shell_quote(special).starts_with('\''), "{special}");
        }
        assert_eq!(
            replay_command("/my dir/s.ron", 7, 3, &["--timeline", "t.svg"]),
            "kdrsim replay '/my dir/s.ron' --seed 7 --trial 3 --timeline t.svg"
        );
        assert_eq!(
            replay_command("builtin:3dc-stretched", 1, 2, &[]),
            "kdrsim replay builtin:3dc-stretched --seed 1 --trial 2"
        );
        let relative = replay_command("scenarios/x.ron", 1, 2, &[]);
        let cwd = std::env::current_dir().unwrap();
        assert!(
            relative.contains(&cwd.join("scenarios/x.ron").display().to_string()),
            "{relative}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_quoted_argument_reaches_the_shell_as_one_word() {
        for arg in [
            "a b;touch X.ron",
            "it's",
            "'",
            "''",
            "$(echo hi)",
            "\\'\"",
            "x\ny",
            "-n",
        ] {
            let out = std::process::Command::new("sh")
                .args(["-c", &format!("printf '%s' {}", shell_quote(arg))])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), arg);
        }
    }

    #[test]
    fn every_user_string_is_escaped_in_html() {
        assert_eq!(
            html_escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}

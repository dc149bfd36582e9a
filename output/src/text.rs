//! The one escaping rule for text a person reads.
//!
//! Scenario files are written by other people, and their names (of the
//! scenario, topics, producers, groups, DCs, racks) and descriptions can
//! hold terminal control sequences: ESC `[31m`, BEL, BS, NUL. Printed raw
//! they recolour or clear a terminal, rewrite what it shows, or hide text
//! in a file someone later `cat`s. Every human-facing output — the table,
//! CSV, `validate`, `check`, `explain`, error messages, `report.txt`,
//! `index.html`, SVG, DOT, JUnit — shows each control character as `?`.
//!
//! "Control character" is Unicode's category Cc: the C0 set (U+0000 to
//! U+001F, which holds NUL, BEL, BS, TAB, LF, CR and ESC), DEL (U+007F) and
//! the C1 set (U+0080 to U+009F, which holds the one-character CSI,
//! U+009B). The line feed is kept: every text format here is made of lines
//! and writes its own. A format that cannot carry a line feed inside a
//! field (a DOT label, an SVG text, a `//` comment) maps it too.
//!
//! It is the rule scenario errors and `explain` already followed
//! ([`kdrsim_models::error::printable`]); this module is how the output
//! crate and the command line reach it. JSON is the exception by design: it
//! keeps names exact, written with JSON's own `\u001b` escapes, which are
//! printable ASCII.

use std::borrow::Cow;

/// Whether `c` is shown as `?` by [`printable`].
pub fn is_escaped(c: char) -> bool {
    c.is_control() && c != '\n'
}

/// `s` with every control character except the line feed shown as `?`
/// (see the module comment). Borrows when there is nothing to replace, so
/// it costs one scan on the common path: a million-row CSV goes through it.
pub fn printable(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_escaped) {
        Cow::Owned(kdrsim_models::error::printable(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// [`printable`] for text that must stay on one line: the line feed is
/// shown as `?` too.
pub fn printable_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Escapes text for HTML element content and double- or single-quoted
/// attribute values, with control characters shown as `?`
/// (see [`is_escaped`]): a page someone `cat`s or greps is text too.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if is_escaped(c) => out.push('?'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_become_question_marks_and_line_feeds_stay() {
        assert_eq!(
            printable("a\u{1b}[31mb\u{7}c\u{8}d\u{0}e\u{9b}f\u{7f}g\th\r\ni"),
            "a?[31mb?c?d?e?f?g?h?\ni"
        );
        assert_eq!(printable_line("a\nb\u{1b}"), "a?b?");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for text in ["", "scenarios/3dc-stretched.ron", "naïve — 日本語 ✓\n"] {
            assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn it_is_the_rule_errors_and_explain_use() {
        let all: String = (0u32..0x250).filter_map(char::from_u32).collect();
        assert_eq!(printable(&all), kdrsim_models::error::printable(&all));
    }
}

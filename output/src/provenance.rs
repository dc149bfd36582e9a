//! Where a report came from: enough to tell a reviewer which kdrsim drew
//! it, from which scenario texts, and how to draw it again.
//!
//! A [`Provenance`] names the kdrsim version and git commit, every
//! scenario's file, name and content digest, the master seed, the trials
//! per scenario and the command line. It is written into `summary.json`
//! (serde, [`Provenance::to_json`]) and into `index.html`
//! ([`Provenance::to_html`]); the comparison report and a study page use the
//! same struct, so the two can never describe a run differently.
//!
//! The digest is FNV-1a 64-bit of the scenario's text ([`DIGEST_ALGORITHM`]):
//! a fingerprint that tells an edited scenario from the one that was run,
//! the same on every platform, not a security measure.
//!
//! The page carries no time stamp, so equal runs (same version, commit,
//! scenarios, seed, trials and command line) give equal bytes.

use std::fmt::Write;

use serde::Serialize;

use crate::text::escape;

/// The name of the hash behind [`ScenarioSource::digest`].
pub const DIGEST_ALGORITHM: &str = "fnv1a-64";

/// One scenario a report ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioSource {
    /// The file it was read from, or a built-in scenario's label.
    pub file: String,
    /// The scenario's `name`.
    pub name: String,
    /// [`DIGEST_ALGORITHM`] of the scenario's text, 16 hex digits.
    pub digest: String,
}

/// What drew a report and how to draw it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// kdrsim's version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// The git commit kdrsim was built from, or `unknown` when it was built
    /// outside a git checkout.
    pub commit: String,
    /// Always [`DIGEST_ALGORITHM`]: which hash the digests are.
    pub digest_algorithm: String,
    /// Every scenario, in report order.
    pub scenarios: Vec<ScenarioSource>,
    /// The master seed, the same for every scenario.
    pub seed: u64,
    /// Trials per scenario.
    pub trials: u64,
    /// The command line, program name first, as given.
    pub command_line: Vec<String>,
}

impl Provenance {
    /// The provenance as a JSON value (the shape of the struct, keys in
    /// field order).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The command line as one string a shell would split back into the
    /// same words: words with anything beyond `[A-Za-z0-9_./=:,+-]` in
    /// single quotes.
    pub fn command_text(&self) -> String {
        self.command_line
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// An HTML fragment (`<section id="provenance">`) with every field,
    /// every string escaped. Self-contained: its look comes from the
    /// page's table styles, and it needs no script.
    pub fn to_html(&self) -> String {
        let mut h = String::from("<section id=\"provenance\" class=\"provenance\">\n");
        h.push_str("<h2>Provenance</h2>\n<table class=\"provenance-run\">\n");
        let row = |h: &mut String, key: &str, value: &str| {
            let _ = writeln!(
                h,
                "<tr><th class=\"name\">{}</th><td class=\"name\" data-field=\"{}\">{}</td></tr>",
                escape(key),
                escape(key),
                value
            );
        };
        row(
            &mut h,
            "version",
            &format!("kdrsim {}", escape(&self.version)),
        );
        row(
            &mut h,
            "commit",
            &format!("<code>{}</code>", escape(&self.commit)),
        );
        row(&mut h, "seed", &self.seed.to_string());
        row(&mut h, "trials", &crate::units::thousands(self.trials));
        row(
            &mut h,
            "command line",
            &format!("<code>{}</code>", escape(&self.command_text())),
        );
        h.push_str("</table>\n");
        let _ = writeln!(
            h,
            "<table class=\"provenance-scenarios\">\n<tr><th class=\"name\">scenario</th>\
             <th class=\"name\">file</th><th class=\"name\">digest ({})</th></tr>",
            escape(&self.digest_algorithm)
        );
        for s in &self.scenarios {
            let _ = writeln!(
                h,
                "<tr><td class=\"name\">{}</td><td class=\"name\"><code>{}</code></td>\
                 <td class=\"name\"><code>{}</code></td></tr>",
                escape(&s.name),
                escape(&s.file),
                escape(&s.digest)
            );
        }
        h.push_str("</table>\n</section>\n");
        h
    }
}

fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./=:,+-@".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance() -> Provenance {
        Provenance {
            version: "0.1.0".into(),
            commit: "abc123".into(),
            digest_algorithm: DIGEST_ALGORITHM.into(),
            scenarios: vec![ScenarioSource {
                file: "scenarios/<b>.ron".into(),
                name: "a & b".into(),
                digest: "0123456789abcdef".into(),
            }],
            seed: 42,
            trials: 12_000,
            command_line: vec!["kdrsim".into(), "compare".into(), "it's <here>.ron".into()],
        }
    }

    #[test]
    fn a_command_line_with_quotes_and_markup_is_quoted_for_a_shell_and_escaped_for_html() {
        let p = provenance();
        assert_eq!(p.command_text(), r"kdrsim compare 'it'\''s <here>.ron'");
        let h = p.to_html();
        assert!(h.contains("it&#39;\\&#39;&#39;s &lt;here&gt;.ron"), "{h}");
        assert!(!h.contains("<here>") && !h.contains("<b>.ron"), "{h}");
        assert!(h.contains("a &amp; b") && h.contains("12,000"), "{h}");
    }

    #[test]
    fn json_names_every_field_and_the_hash() {
        let v = provenance().to_json();
        assert_eq!(v["version"], "0.1.0");
        assert_eq!(v["commit"], "abc123");
        assert_eq!(v["digest_algorithm"], "fnv1a-64");
        assert_eq!(v["scenarios"][0]["digest"], "0123456789abcdef");
        assert_eq!(v["seed"], 42);
        assert_eq!(v["trials"], 12_000);
        assert_eq!(v["command_line"][2], "it's <here>.ron");
    }
}

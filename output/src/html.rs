//! The HTML report: one self-contained page (inline CSS, no script, no
//! network) that shows the summary table and every chart, the charts being
//! sibling files referenced by relative names so the directory can be
//! zipped, mailed or opened from disk as is.
//!
//! Every string that comes from a scenario file (names, descriptions, file
//! paths, fault labels) goes through [`escape`] before it reaches the page,
//! and file names are built by the caller from [`file_stem`], never from
//! raw names. The page carries no time stamp: equal inputs give equal bytes.

use std::fmt::Write;

use kdrsim_models::Metric;

use crate::charts::colour_hex;
use crate::summary::ScenarioSummary;

/// Escapes text for HTML element content and double- or single-quoted
/// attribute values, with control characters shown as `?`
/// ([`crate::text`]): a page someone `cat`s or greps is text too.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if crate::text::is_escaped(c) => out.push('?'),
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

/// A file-name-safe stem from a user-given name: ASCII letters, digits,
/// `.`, `_` and `-` kept, anything else (separators, `..`, spaces, markup)
/// becomes `-`; at most 40 characters; never empty and never starting with
/// a dot. Callers prefix a position to keep stems unique.
pub fn file_stem(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    while s.starts_with('.') {
        s.replace_range(0..1, "-");
    }
    s = s.replace("..", "--");
    if s.is_empty() {
        s.push_str("scenario");
    }
    s
}

/// A chart on the page: images `{stem}.svg` and `{stem}.png` beside it.
#[derive(Debug, Clone)]
pub struct ChartRef {
    pub stem: String,
    pub caption: String,
}

/// What the page says about one scenario beyond the numbers.
#[derive(Debug, Clone)]
pub struct ScenarioSection {
    pub name: String,
    pub file: String,
    pub description: String,
    pub topology: Option<ChartRef>,
    /// The DOT file of the topology graph, beside the page.
    pub dot_file: Option<String>,
    pub timeline: Option<ChartRef>,
    /// The command that replays the trial on the timeline.
    pub replay_command: Option<String>,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct ReportPage<'a> {
    pub title: String,
    /// Paragraphs of plain text (escaped when written).
    pub intro: Vec<String>,
    pub summaries: &'a [ScenarioSummary],
    pub charts: Vec<ChartRef>,
    pub scenarios: Vec<ScenarioSection>,
    /// `(file name, what it holds)`, listed at the end.
    pub files: Vec<(String, String)>,
}

const CSS: &str =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:24px auto;max-width:1500px;\
padding:0 16px;color:#222;line-height:1.45}h1{font-size:26px}h2{font-size:21px;margin-top:36px;\
border-bottom:1px solid #ccc}h3{font-size:17px}table{border-collapse:collapse;font-size:14px;\
margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;white-space:nowrap}\
th{background:#f3f3f3;white-space:normal;vertical-align:bottom;max-width:110px}\
.wide{overflow-x:auto}td.name,th.name{text-align:left}.sw{display:inline-block;width:12px;\
height:12px;margin-right:6px;vertical-align:-1px}figure{margin:16px 0}figure img{max-width:100%;\
border:1px solid #eee}figcaption{font-size:14px;color:#444}code{background:#f5f5f5;padding:1px 4px}\
.note{font-size:14px;color:#444}details{margin:8px 0}";

/// Renders the page.
pub fn report_html(page: &ReportPage<'_>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&page.title),
        escape(&page.title)
    );
    for p in &page.intro {
        let _ = writeln!(h, "<p>{}</p>", escape(p));
    }

    h.push_str("<h2>Summary</h2>\n");
    // Wide tables scroll inside their box instead of widening the page.
    h.push_str("<div class=\"wide\">\n");
    h.push_str(&summary_table(page.summaries));
    h.push_str("</div>\n");
    h.push_str(
        "<p class=\"note\">RPO and outage columns are seconds; P(loss) is the fraction of \
         trials that lost any acknowledged record with its 95% Wilson interval; cost is the \
         mean cross-DC traffic per trial. Per-metric details (mean, p50, p90, p99, p99.9, max, \
         worst trials to replay) are under each scenario below and in summary.json.</p>\n",
    );

    if !page.charts.is_empty() {
        h.push_str("<h2>Charts</h2>\n");
        for c in &page.charts {
            h.push_str(&figure(c));
        }
    }

    if page.scenarios.iter().any(|s| s.timeline.is_some()) {
        h.push_str(
            "<p class=\"note\">Each scenario below shows its topology (brokers coloured by what \
             they hold of the first topic) and the timeline of its worst trial: faults, brokers \
             (green up, amber fenced, red down), controllers (dark green: active, from an election \
             on), partition 0's ISR size and the records between its log end and high watermark, \
             and the share of partitions producers can write and consumers can read. Vertical \
             lines mark fault starts and ends.</p>\n",
        );
    }
    for (i, s) in page.scenarios.iter().enumerate() {
        let _ = writeln!(
            h,
            "<h2 id=\"scenario-{i}\"><span class=\"sw\" style=\"background:{}\"></span>{}</h2>",
            colour_hex(i),
            escape(&s.name)
        );
        let _ = writeln!(
            h,
            "<p>{}<br><span class=\"note\">from <code>{}</code></span></p>",
            escape(&s.description),
            escape(&s.file)
        );
        if let Some(summary) = page.summaries.get(i) {
            if !summary.notes.is_empty() {
                h.push_str("<p class=\"note\">What the model simplifies here:</p>\n<ul class=\"model-notes\">\n");
                for n in &summary.notes {
                    let _ = writeln!(h, "<li>{}</li>", escape(n));
                }
                h.push_str("</ul>\n");
            }
            h.push_str("<details><summary>every metric</summary>\n");
            h.push_str(&metric_table(summary));
            h.push_str("</details>\n");
        }
        if let Some(t) = &s.topology {
            h.push_str(&figure(t));
        }
        if let Some(dot) = &s.dot_file {
            let _ = writeln!(
                h,
                "<p class=\"note\">The containment graph as Graphviz DOT: \
                 <a href=\"{0}\">{0}</a> (<code>dot -Tsvg {0}</code>).</p>",
                escape(dot)
            );
        }
        if let Some(t) = &s.timeline {
            h.push_str(&figure(t));
        }
        if let Some(cmd) = &s.replay_command {
            let _ = writeln!(
                h,
                "<p class=\"note\">Replay this trial: <code>{}</code></p>",
                escape(cmd)
            );
        }
    }

    if !page.files.is_empty() {
        h.push_str("<h2>Files</h2>\n<ul>\n");
        for (name, what) in &page.files {
            let _ = writeln!(
                h,
                "<li><a href=\"{0}\">{0}</a>: {1}</li>",
                escape(name),
                escape(what)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn figure(c: &ChartRef) -> String {
    let stem = escape(&c.stem);
    format!(
        "<figure><img src=\"{stem}.svg\" alt=\"{cap}\"><figcaption>{cap} \
         (<a href=\"{stem}.svg\">SVG</a>, <a href=\"{stem}.png\">PNG</a>)</figcaption></figure>\n",
        cap = escape(&c.caption)
    )
}

fn secs(ms: u64) -> String {
    crate::charts::tick(ms as f64 / 1000.0)
}

fn summary_table(summaries: &[ScenarioSummary]) -> String {
    let mut h = String::from(
        "<table>\n<tr><th class=\"name\">scenario</th><th>trials</th>\
         <th>lost records p99</th><th>P(loss) [95% CI]</th><th>RPO p99 (s)</th>\
         <th>write RTO p50 (s)</th><th>write RTO p99 (s)</th><th>read RTO p99 (s)</th>\
         <th>duplicates mean</th><th>skipped mean</th><th>cross-DC GiB mean</th>\
         <th>ack latency p99 (ms)</th></tr>\n",
    );
    let gib = 1024.0 * 1024.0 * 1024.0;
    for (i, s) in summaries.iter().enumerate() {
        let m = |metric| {
            s.metric(metric)
                .cloned()
                .unwrap_or_else(|| crate::MetricSummary::from_values(&[]))
        };
        let lost = m(Metric::AckedLostRecords);
        let _ = writeln!(
            h,
            "<tr><td class=\"name\"><span class=\"sw\" style=\"background:{}\"></span>\
             <a href=\"#scenario-{i}\">{}</a></td><td>{}</td><td>{}</td>\
             <td>{:.2}% [{:.2}–{:.2}]</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{:.1}</td><td>{:.1}</td><td>{:.2}</td><td>{:.1}</td></tr>",
            colour_hex(i),
            escape(&s.name),
            s.trials,
            lost.p99,
            lost.p_nonzero * 100.0,
            lost.p_nonzero_ci95[0] * 100.0,
            lost.p_nonzero_ci95[1] * 100.0,
            secs(m(Metric::RpoMs).p99),
            secs(m(Metric::MaxWriteOutageMs).p50),
            secs(m(Metric::MaxWriteOutageMs).p99),
            secs(m(Metric::MaxReadOutageMs).p99),
            m(Metric::DuplicatesDelivered).mean,
            m(Metric::SkippedRecords).mean,
            m(Metric::CrossDcBytes).mean / gib,
            m(Metric::AckLatencyP99Us).p99 as f64 / 1000.0,
        );
    }
    h.push_str("</table>\n");
    h
}

fn metric_table(s: &ScenarioSummary) -> String {
    let mut h = String::from(
        "<table>\n<tr><th class=\"name\">metric</th><th>mean</th><th>p50</th><th>p90</th>\
         <th>p99</th><th>p99.9</th><th>max</th><th>P(&gt;0) [95% CI]</th>\
         <th class=\"name\">worst trials</th></tr>\n",
    );
    for (metric, m) in &s.metrics {
        let worst: Vec<String> = s.worst(*metric).iter().map(u64::to_string).collect();
        let _ = writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{:.2}% [{:.2}–{:.2}]</td><td class=\"name\">{}</td></tr>",
            metric.name(),
            m.mean,
            m.p50,
            m.p90,
            m.p99,
            m.p999,
            m.max,
            m.p_nonzero * 100.0,
            m.p_nonzero_ci95[0] * 100.0,
            m.p_nonzero_ci95[1] * 100.0,
            if worst.is_empty() {
                "-".to_string()
            } else {
                worst.join(", ")
            }
        );
    }
    h.push_str("</table>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn control_characters_in_names_are_shown_as_question_marks() {
        assert_eq!(
            escape("a\u{1b}[31m\u{7}\u{8}\u{0}\u{9b}<b>\n"),
            "a?[31m????&lt;b&gt;\n"
        );
    }

    #[test]
    fn file_stems_cannot_escape_the_directory() {
        let stem = file_stem("../../etc/passwd");
        assert!(!stem.contains('/') && !stem.starts_with('.') && !stem.contains(".."));
        assert_eq!(file_stem(".hidden"), "-hidden");
        assert_eq!(file_stem(""), "scenario");
        assert_eq!(file_stem("<script>"), "-script-");
        assert_eq!(file_stem("2.5dc-observers"), "2.5dc-observers");
        assert!(file_stem(&"x".repeat(100)).len() <= 40);
    }
}

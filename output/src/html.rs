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
use crate::provenance::Provenance;
use crate::summary::{MetricSummary, ScenarioSummary};
use crate::units::{duration_ms, nines, thousands, thousands_f};

pub use crate::text::escape;

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
    /// Every warning the terminal printed ([`crate::report_warnings`]),
    /// shown in a box at the top of the page.
    pub warnings: Vec<String>,
    /// What drew the page; a short line at the top and the full block
    /// near the end.
    pub provenance: Option<&'a Provenance>,
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
.note{font-size:14px;color:#444}details{margin:8px 0}.warnings{border:2px solid #d55e00;background:#fff4ec;padding:8px 16px;margin:12px 0}.warnings h2{margin-top:4px;border:none;font-size:18px;color:#a03c00}.warnings li{margin:3px 0}th.group{text-align:center;max-width:none}.provenance td{white-space:normal;word-break:break-all}";

/// The warnings box: every warning, escaped, in a visible box (nothing
/// when there are none). The study page uses it too.
pub fn warnings_box(warnings: &[String]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let mut h = format!(
        "<section id=\"warnings\" class=\"warnings\">\n<h2>Warnings ({})</h2>\n<ul>\n",
        warnings.len()
    );
    for w in warnings {
        let _ = writeln!(h, "<li class=\"warning\">{}</li>", escape(w));
    }
    h.push_str("</ul>\n</section>\n");
    h
}

/// Renders the page: the head, the summary, the charts, each scenario,
/// provenance and the files, one function per section.
pub fn report_html(page: &ReportPage<'_>) -> String {
    let mut h = String::new();
    page_head(&mut h, page);
    summary_section(&mut h, page);
    if !page.charts.is_empty() {
        h.push_str("<h2>Charts</h2>\n");
        for c in &page.charts {
            h.push_str(&figure(c));
        }
    }

    if page.scenarios.iter().any(|s| s.timeline.is_some()) {
        h.push_str(
            "<p class=\"note\">Each scenario below shows its topology (brokers coloured by what \
             they hold of every topic, with clusters, clients and mirrors) and the timeline of its worst trial: faults, brokers \
             (green up, amber fenced, red down), controllers (dark green: active, from an election \
             on), partition 0's ISR size and the records between its log end and high watermark, \
             and the share of partitions producers can write and consumers can read. Vertical \
             lines mark fault starts and ends.</p>\n",
        );
    }
    for (i, s) in page.scenarios.iter().enumerate() {
        scenario_section(&mut h, page, i, s);
    }

    if let Some(p) = page.provenance {
        h.push_str(&p.to_html());
    }

    files_section(&mut h, page);
    h.push_str("</body>\n</html>\n");
    h
}

/// The document head and title, the provenance line, the warnings and the
/// introduction.
fn page_head(h: &mut String, page: &ReportPage<'_>) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&page.title),
        escape(&page.title)
    );
    if let Some(p) = page.provenance {
        let _ = writeln!(
            h,
            "<p class=\"note\">Drawn by kdrsim {} (commit <code>{}</code>), master seed {}, \
             {} {} per scenario; <a href=\"#provenance\">provenance</a> below.</p>",
            escape(&p.version),
            escape(&p.commit),
            p.seed,
            thousands(p.trials),
            crate::units::plural(p.trials, "trial")
        );
    }
    h.push_str(&warnings_box(&page.warnings));
    for p in &page.intro {
        let _ = writeln!(h, "<p>{}</p>", escape(p));
    }
}

/// The summary tables, scrolling in their box, and how to read them.
fn summary_section(h: &mut String, page: &ReportPage<'_>) {
    h.push_str("<h2>Summary</h2>\n");
    // Wide tables scroll inside their box instead of widening the page.
    h.push_str("<div class=\"wide\">\n");
    h.push_str(&summary_table(page.summaries));
    h.push_str("</div>\n");
    h.push_str(
        "<p class=\"note\">Percentiles are over trials (nearest rank: a value some trial \
         produced). E[x | x &gt; 0] is the mean over the trials where it happened, \u{2013} when \
         none did. P(loss) is the fraction of trials that lost any acknowledged record, with its \
         95% Wilson interval. Write availability is over each trial's simulated window (which \
         contains the fault), not a year. Ack latency is the p99 over trials of each trial's \
         p99 in normal operation; buffered is the longest any acknowledged record waited in its \
         producer during the incident (p99 over trials). Cross-DC traffic is the mean per trial \
         in decimal GB. Every metric, with mean, p50, p90 and the worst trials to replay, is \
         under each scenario below and in summary.json.</p>\n",
    );
}

/// Scenario `i`: its heading, description, model notes, every metric, its
/// topology and DOT file, the timeline of its worst trial and how to replay
/// it.
fn scenario_section(h: &mut String, page: &ReportPage<'_>, i: usize, s: &ScenarioSection) {
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

/// The list of files written next to the page (nothing when none).
fn files_section(h: &mut String, page: &ReportPage<'_>) {
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
}

fn figure(c: &ChartRef) -> String {
    let stem = escape(&c.stem);
    format!(
        "<figure><img src=\"{stem}.svg\" alt=\"{cap}\"><figcaption>{cap} \
         (<a href=\"{stem}.svg\">SVG</a>, <a href=\"{stem}.png\">PNG</a>)</figcaption></figure>\n",
        cap = escape(&c.caption)
    )
}

/// A count with separators.
fn count(v: u64) -> String {
    thousands(v)
}

/// E[x | x > 0] in `fmt`, or a dash when no trial had x above zero.
fn cond(m: &MetricSummary, fmt: impl Fn(f64) -> String) -> String {
    m.mean_positive.map_or_else(|| "-".to_string(), fmt)
}

/// The summary tables: one row per scenario, in human units (separators,
/// seconds and minutes, GB, nines). The first holds what is lost
/// (acknowledged records and RPO, with their tails and the mean when it
/// happens), the second how long and at what cost (outages, availability,
/// duplicates, traffic, latency); two tables fit a page where one would
/// scroll. The study page uses them too.
pub fn summary_table(summaries: &[ScenarioSummary]) -> String {
    let mut h = String::from(
        "<table class=\"summary\" id=\"summary-loss\">\n\
         <tr><th class=\"name\" rowspan=\"2\">scenario</th><th rowspan=\"2\">trials</th>\
         <th class=\"group\" colspan=\"5\">acknowledged records lost per trial</th>\
         <th class=\"group\" colspan=\"4\">RPO: age of the oldest lost record</th></tr>\n\
         <tr><th>p99</th><th>p99.9</th><th>max</th><th>E[x | x&gt;0]</th><th>P(loss) [95% CI]</th>\
         <th>p99</th><th>p99.9</th><th>max</th><th>E[x | x&gt;0]</th></tr>\n",
    );
    let get = |s: &ScenarioSummary, metric| {
        s.metric(metric)
            .cloned()
            .unwrap_or_else(|| crate::MetricSummary::from_values(&[]))
    };
    let d = |v: u64| duration_ms(v as f64);
    let name_cell = |i: usize, s: &ScenarioSummary| {
        format!(
            "<td class=\"name\"><span class=\"sw\" style=\"background:{}\"></span>\
             <a href=\"#scenario-{i}\">{}</a></td>",
            colour_hex(i),
            escape(&s.name)
        )
    };
    for (i, s) in summaries.iter().enumerate() {
        let lost = get(s, Metric::AckedLostRecords);
        let rpo = get(s, Metric::RpoMs);
        let _ = writeln!(
            h,
            "<tr>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{:.2}% [{:.2}\u{2013}{:.2}]</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            name_cell(i, s),
            count(s.trials),
            count(lost.p99),
            count(lost.p999),
            count(lost.max),
            cond(&lost, |v| thousands_f(v, 0)),
            lost.p_nonzero * 100.0,
            lost.p_nonzero_ci95[0] * 100.0,
            lost.p_nonzero_ci95[1] * 100.0,
            d(rpo.p99),
            d(rpo.p999),
            d(rpo.max),
            cond(&rpo, duration_ms),
        );
    }
    h.push_str("</table>\n");
    h.push_str(
        "<table class=\"summary\" id=\"summary-time\">\n\
         <tr><th class=\"name\" rowspan=\"2\">scenario</th>\
         <th class=\"group\" colspan=\"2\">write RTO: longest outage</th>\
         <th rowspan=\"2\">read RTO p99</th><th rowspan=\"2\">write availability over the trial window</th>\
         <th rowspan=\"2\">duplicates per trial, mean</th><th rowspan=\"2\">skipped per trial, mean</th>\
         <th rowspan=\"2\">cross-DC traffic per trial, mean</th>\
         <th rowspan=\"2\">ack latency p99, normal operation</th>\
         <th rowspan=\"2\">buffered during the incident, p99</th></tr>\n\
         <tr><th>p50</th><th>p99</th></tr>\n",
    );
    for (i, s) in summaries.iter().enumerate() {
        let avail = s
            .availability(Metric::WriteUnavailableMs)
            .map_or_else(|| "-".to_string(), |(a, _)| nines(a));
        let _ = writeln!(
            h,
            "<tr>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            name_cell(i, s),
            d(get(s, Metric::MaxWriteOutageMs).p50),
            d(get(s, Metric::MaxWriteOutageMs).p99),
            d(get(s, Metric::MaxReadOutageMs).p99),
            avail,
            thousands_f(get(s, Metric::DuplicatesDelivered).mean, 1),
            thousands_f(get(s, Metric::SkippedRecords).mean, 1),
            crate::units::gigabytes(get(s, Metric::CrossDcBytes).mean),
            duration_ms(get(s, Metric::AckLatencyP99Us).p99 as f64 / 1000.0),
            d(get(s, Metric::BufferedMsMax).p99),
        );
    }
    h.push_str("</table>\n");
    h
}

/// A value of `metric` in its human unit: durations as ms, s or minutes,
/// bytes as decimal GB, counts with separators.
pub fn metric_value(metric: Metric, v: f64) -> String {
    let name = metric.name();
    if name.ends_with("_us") {
        duration_ms(v / 1000.0)
    } else if name.ends_with("_ms") || name.ends_with("_ms_max") {
        duration_ms(v)
    } else if name.ends_with("_bytes") {
        crate::units::gigabytes(v)
    } else if v.fract() == 0.0 {
        thousands_f(v, 0)
    } else {
        thousands_f(v, 2)
    }
}

fn metric_table(s: &ScenarioSummary) -> String {
    let mut h = String::from(
        "<table>\n<tr><th class=\"name\">metric</th><th>mean</th><th>p50</th><th>p90</th>\
         <th>p99</th><th>p99.9</th><th>max</th><th>E[x | x&gt;0]</th><th>P(&gt;0) [95% CI]</th>\
         <th class=\"name\">worst trials</th></tr>\n",
    );
    for (metric, m) in &s.metrics {
        let worst: Vec<String> = s.worst(*metric).iter().map(u64::to_string).collect();
        let v = |x: u64| metric_value(*metric, x as f64);
        let _ = writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{:.2}% [{:.2}\u{2013}{:.2}]</td>\
             <td class=\"name\">{}</td></tr>",
            metric.name(),
            metric_value(*metric, m.mean),
            v(m.p50),
            v(m.p90),
            v(m.p99),
            v(m.p999),
            v(m.max),
            cond(m, |x| metric_value(*metric, x)),
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

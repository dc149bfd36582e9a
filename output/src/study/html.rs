//! The study's page: the executive summary first (objectives, who meets
//! them, cost, the chart that decides), then per year, per incident, the
//! charts, the topologies, and where every figure came from.
//!
//! Every string from a study or scenario file goes through
//! [`escape`]; chart and file names are built by the caller.

use super::render::{
    amount, availability, duration, percent, rpo_text, summary_lines, StudyReport,
};
use super::{CellStats, Status, TopologyResult};
use crate::html::{escape, ChartRef};
use crate::units::{count, plural, thousands, usd};
use std::fmt::Write;

/// What the page shows beside the report's figures.
pub struct StudyPage<'a> {
    pub report: &'a StudyReport,
    /// The chart that decides, shown in the executive summary.
    pub deciding: Option<ChartRef>,
    /// Exceedance charts, one per fault scenario.
    pub charts: Vec<ChartRef>,
    /// One topology diagram per topology (study order).
    pub topologies: Vec<Option<ChartRef>>,
    /// `(what, value)` rows: version, commit, digests, seed, command line.
    pub provenance: Vec<(String, String)>,
    /// `(file, what it holds)`.
    pub files: Vec<(String, String)>,
    /// Per topology, per fault: the command replaying the worst trial.
    pub replay: Vec<Vec<Option<String>>>,
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:24px auto;\
max-width:1500px;padding:0 16px;color:#222;line-height:1.45}h1{font-size:26px}h2{font-size:21px;\
margin-top:36px;border-bottom:1px solid #ccc}h3{font-size:17px}table{border-collapse:collapse;\
font-size:14px;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\
th{background:#f3f3f3;vertical-align:bottom}td.name,th.name{text-align:left}.wide{overflow-x:auto}\
td.met{background:#dff0d8}td.likely{background:#fcf8e3}td.not{background:#f2dede}\
figure{margin:16px 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:14px;\
color:#444}code{background:#f5f5f5;padding:1px 4px;font-size:13px}.note{font-size:14px;color:#444}\
.warnings{border:2px solid #c90;background:#fff8e5;padding:8px 16px;margin:16px 0}\
.summary{border:2px solid #369;padding:8px 16px;margin:16px 0;background:#f5f9fc}";

fn figure(h: &mut String, c: &ChartRef) {
    let _ = writeln!(
        h,
        "<figure><img src=\"{0}.svg\" alt=\"{1}\"><figcaption>{1} (<a href=\"{0}.png\">PNG</a>)\
         </figcaption></figure>",
        escape(&c.stem),
        escape(&c.caption)
    );
}

fn table_open(h: &mut String, header: &[&str]) {
    h.push_str("<div class=\"wide\"><table><tr>");
    for (i, c) in header.iter().enumerate() {
        let class = if i == 0 { " class=\"name\"" } else { "" };
        let _ = write!(h, "<th{class}>{}</th>", escape(c));
    }
    h.push_str("</tr>\n");
}

fn row(h: &mut String, cells: &[String]) {
    h.push_str("<tr>");
    for (i, c) in cells.iter().enumerate() {
        let class = if i == 0 { " class=\"name\"" } else { "" };
        let _ = write!(h, "<td{class}>{}</td>", escape(c));
    }
    h.push_str("</tr>\n");
}

fn objectives(h: &mut String, r: &StudyReport) {
    if r.classes.is_empty() {
        return;
    }
    h.push_str("<h3>Objectives</h3>\n");
    table_open(
        h,
        &[
            "class",
            "RPO",
            "RTO",
            "target P(breach) per year",
            "what it holds",
        ],
    );
    for c in &r.classes {
        row(
            h,
            &[
                c.class.clone(),
                rpo_text(c.rpo_ms),
                duration(c.rto_ms as f64),
                percent(c.max_breach_probability_per_year),
                c.description.clone(),
            ],
        );
    }
    h.push_str("</table></div>\n");
}

fn verdicts(h: &mut String, r: &StudyReport) {
    let mut header = vec![
        "topology",
        "cost per month",
        "incidents' extra cost per year",
    ];
    header.extend(r.classes.iter().map(|c| c.class.as_str()));
    table_open(h, &header);
    for t in &r.topologies {
        let _ = write!(
            h,
            "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td>",
            escape(&t.name),
            usd(t.usd_per_month),
            escape(&usd(t.annual.incident_usd_per_year))
        );
        for v in &t.verdicts {
            let class = match v.status {
                Status::Met => "met",
                Status::LikelyMet => "likely",
                Status::NotMet => "not",
            };
            let why = v
                .driven_by
                .as_ref()
                .map(|f| format!("; mostly {f}"))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<td class=\"{class}\"><b>{}</b><br>{} a year (95% &le; {}){}</td>",
                v.status.label(),
                percent(v.p_breach_per_year),
                percent(v.p_breach_per_year_upper95),
                escape(&why)
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str(
        "</table></div>\n<p class=\"note\">Met: even the 95% upper bound of the \
        probability of at least one breaching incident in a year is within the class's target. \
        Likely met: the estimate is, its bound is not (more trials would decide). Cost: steady \
        state per month under the price book; incidents per year: their extra transfer.</p>\n",
    );
}

fn annual(h: &mut String, r: &StudyReport) {
    h.push_str(
        "<h2>Per year</h2>\n<p class=\"note\">Incidents arrive at the study's annual rates; \
        each is one trial of its fault scenario. Availability is over a year, not over a trial's \
        window.</p>\n",
    );
    table_open(
        h,
        &[
            "topology",
            "incidents per year",
            "E[acknowledged records lost] per year",
            "P(any loss in a year)",
            "write availability",
            "read availability",
        ],
    );
    for t in &r.topologies {
        let a = &t.annual;
        row(
            h,
            &[
                t.name.clone(),
                amount(a.incidents_per_year),
                amount(a.expected_acked_loss_records_per_year),
                format!(
                    "{} (95% ≤ {})",
                    percent(a.p_any_loss_per_year),
                    percent(a.p_any_loss_per_year_upper95)
                ),
                availability(a.write_availability, a.write_nines),
                availability(a.read_availability, a.read_nines),
            ],
        );
    }
    h.push_str("</table></div>\n");
}

fn cell_cells(c: &CellStats) -> Vec<String> {
    if !c.applicable {
        let mut v = vec![format!("n/a: {}", c.placed)];
        v.extend(std::iter::repeat_n(String::new(), 8));
        return v;
    }
    vec![
        c.placed.clone(),
        duration(c.rto_ms.p50 as f64),
        duration(c.rto_ms.p99 as f64),
        duration(c.rto_ms.max as f64),
        format!(
            "{} [{}–{}]",
            percent(c.p_loss.p),
            percent(c.p_loss.ci95[0]),
            percent(c.p_loss.ci95[1])
        ),
        if c.loss_given_loss_mean > 0.0 {
            amount(c.loss_given_loss_mean)
        } else {
            "-".into()
        },
        thousands(c.acked_lost_records.p999),
        thousands(c.acked_lost_records.max),
        duration(c.rpo_ms.max as f64),
    ]
}

fn incidents(h: &mut String, r: &StudyReport, replay: &[Vec<Option<String>>]) {
    h.push_str(
        "<h2>Per incident</h2>\n<p class=\"note\">RTO: the longest stretch a producer's \
        writes were refused (<code>max_write_outage_ms</code>); loss: acknowledged records lost \
        (<code>acked_lost_records</code>); RPO: the age of the oldest lost record \
        (<code>rpo_ms</code>). Every metric means the same on every topology.</p>\n",
    );
    for (k, f) in r.faults.iter().enumerate() {
        let _ = writeln!(
            h,
            "<h3>{} — {}, {} a year</h3>",
            escape(&f.name),
            escape(&f.describe),
            escape(&amount(f.rate_per_year))
        );
        table_open(
            h,
            &[
                "topology",
                "placed",
                "RTO p50",
                "RTO p99",
                "RTO max",
                "P(loss) [95%]",
                "E[loss | loss > 0]",
                "loss p99.9",
                "loss max",
                "RPO max",
            ],
        );
        for t in &r.topologies {
            let mut cells = vec![t.name.clone()];
            cells.extend(cell_cells(&t.cells[k]));
            row(h, &cells);
        }
        h.push_str("</table></div>\n");
        let cmds: Vec<(&TopologyResult, &String)> = r
            .topologies
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                replay
                    .get(i)
                    .and_then(|v| v.get(k))
                    .and_then(|c| c.as_ref())
                    .map(|c| (t, c))
            })
            .collect();
        if !cmds.is_empty() {
            h.push_str("<details><summary>Replay the worst trial of each topology</summary><ul>\n");
            for (t, c) in cmds {
                let _ = writeln!(
                    h,
                    "<li>{}: <code>{}</code></li>",
                    escape(&t.name),
                    escape(c)
                );
            }
            h.push_str("</ul></details>\n");
        }
    }
}

/// The page, self-contained but for its charts beside it.
pub fn study_html(page: &StudyPage<'_>) -> String {
    let r = page.report;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kdrsim study: {}\
         </title><style>{CSS}</style></head><body>\n<h1>kdrsim study: {}</h1>\n<p>{}</p>\n",
        escape(&r.study),
        escape(&r.study),
        escape(&r.description)
    );
    if !r.warnings.is_empty() {
        h.push_str("<div class=\"warnings\" id=\"warnings\"><b>Warnings</b><ul>\n");
        for w in &r.warnings {
            let _ = writeln!(h, "<li class=\"warning\">{}</li>", escape(w));
        }
        h.push_str("</ul></div>\n");
    }
    h.push_str("<div class=\"summary\" id=\"summary\"><h2>Executive summary</h2>\n<ul>\n");
    for l in summary_lines(r) {
        let _ = writeln!(h, "<li>{}</li>", escape(&l));
    }
    let _ = writeln!(
        h,
        "</ul><p class=\"note\">{} × {}, {} {} each of {}, seed {}, \
         on common random numbers: every topology meets each fault at the same instant in trial \
         k. Prices: {} book as of {}.</p>",
        count(r.topologies.len() as u64, "topology"),
        count(r.faults.len() as u64, "fault scenario"),
        thousands(r.trials),
        plural(r.trials, "trial"),
        escape(&duration(r.duration_ms as f64)),
        r.seed,
        escape(&r.price_book),
        escape(&r.price_book_as_of)
    );
    objectives(&mut h, r);
    h.push_str("<h3>Verdicts</h3>\n");
    verdicts(&mut h, r);
    if let Some(c) = &page.deciding {
        figure(&mut h, c);
    }
    h.push_str("</div>\n");
    annual(&mut h, r);
    incidents(&mut h, r, &page.replay);
    if !page.charts.is_empty() {
        h.push_str(
            "<h2>Tails</h2>\n<p class=\"note\">P(X &gt; x) on a log scale: a 1-in-100 \
            tail is a line at 10<sup>-2</sup>, not a hidden sliver of a CDF.</p>\n",
        );
        for c in &page.charts {
            figure(&mut h, c);
        }
    }
    super::bill::bills_html(&mut h, r);
    h.push_str("<h2>Topologies</h2>\n");
    for (t, chart) in r.topologies.iter().zip(&page.topologies) {
        let _ = writeln!(
            h,
            "<h3>{}</h3><p class=\"note\">{}</p>",
            escape(&t.name),
            escape(&t.file)
        );
        if let Some(c) = chart {
            figure(&mut h, c);
        }
    }
    h.push_str("<h2 id=\"provenance\">Provenance</h2>\n<table class=\"provenance\">\n");
    for (k, v) in &page.provenance {
        let _ = writeln!(
            h,
            "<tr><th class=\"name\">{}</th><td class=\"name\"><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    h.push_str("</table>\n<h2>Files</h2>\n<ul>\n");
    for (f, what) in &page.files {
        let _ = writeln!(
            h,
            "<li><a href=\"{0}\">{0}</a>: {1}</li>",
            escape(f),
            escape(what)
        );
    }
    h.push_str("</ul>\n</body></html>\n");
    h
}

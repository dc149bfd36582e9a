//! The study's page, for a board: the first screen holds the verdict
//! table, the cheapest topology per class and overall, what decides each
//! class not met, and the assumptions it all rests on. Then the
//! sensitivity of the headline, per class, per year and per incident
//! tables, the tails, model notes in plain words, the topologies, and an
//! appendix of provenance, replay commands and files.
//!
//! Every string from a study or scenario file goes through
//! [`escape`]; chart and file names are built by the caller.

use super::assumptions::{Assumptions, Sensitivity, REPLICATION_DELAY_IS_AN_INPUT};
use super::render::{
    amount, availability, duration, latency, percent, rpo_text, status_text, summary_lines,
    StudyReport,
};
use super::{CellStats, Dist, Status};
use crate::html::{escape, ChartRef};
use crate::units::{count, plural, thousands, usd};
use std::fmt::Write;

/// What the page shows beside the report's figures.
pub struct StudyPage<'a> {
    pub report: &'a StudyReport,
    /// The chart that decides, shown in the executive summary.
    pub deciding: Option<ChartRef>,
    /// Exceedance charts, one per fault scenario, each with a note naming
    /// topologies whose curves coincide (empty when none do).
    pub charts: Vec<(ChartRef, String)>,
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
td.met{background:#dff0d8}td.unshown{background:#fcf8e3}td.not{background:#f2dede}\
td.holds{background:#dff0d8}td.changes{background:#f2dede}td.text{text-align:left}\
table.text th,table.text td{text-align:left}td.met,td.unshown,td.not{text-align:left}\
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

/// [`table_open`] for a table of words: every column left-aligned.
fn text_table_open(h: &mut String, header: &[&str]) {
    h.push_str("<div class=\"wide\"><table class=\"text\"><tr>");
    for c in header {
        let _ = write!(h, "<th>{}</th>", escape(c));
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
    h.push_str("<h3>Objectives of each class</h3>\n");
    text_table_open(
        h,
        &[
            "class",
            "RPO",
            "RTO",
            "RTO measured on",
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
                c.rto_of.describe().to_string(),
                percent(c.max_breach_probability_per_year),
                c.description.clone(),
            ],
        );
    }
    h.push_str("</table></div>\n");
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::NotShown { .. } => "unshown",
        Status::NotMet => "not",
    }
}

fn verdicts(h: &mut String, r: &StudyReport) {
    let mut header = vec!["topology", "cost per month", "p99 write latency (no fault)"];
    header.extend(r.classes.iter().map(|c| c.class.as_str()));
    table_open(h, &header);
    for t in &r.topologies {
        let _ = write!(
            h,
            "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td>",
            escape(&t.name),
            escape(&super::bill::cost_with_unpriced(
                r,
                &t.name,
                t.usd_per_month
            )),
            escape(&latency(t.steady_ack_latency_p99_us))
        );
        for v in &t.verdicts {
            // Which fault scenario breaches most matters where the class
            // is not met; on a met one it would read as a fault.
            let why = match (&v.driven_by, v.status) {
                (Some(f), s) if !s.holds() => format!("; mostly {f}"),
                _ => String::new(),
            };
            let _ = write!(
                h,
                "<td class=\"{}\"><b>{}</b><br>{} a year (95% &le; {}){}</td>",
                status_class(v.status),
                escape(&status_text(v.status, r.trials)),
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
        Not shown to be met: the estimate is within the target but its upper bound is not; \
        &ldquo;run about M&rdquo; is the number of trials per cell at which the bound would fall \
        within the target if every fault scenario kept its observed breach fraction (Wilson \
        bound, searched by doubling and bisection). It does not count as met. Cost: steady state \
        per month under the price book. Latency: p99 from send to acknowledgement with no \
        fault.</p>\n",
    );
}

/// The cheapest topology per class and overall, and what decides every
/// class a topology does not meet.
fn deciding(h: &mut String, r: &StudyReport) {
    if r.classes.is_empty() {
        return;
    }
    h.push_str("<h3>Cheapest topology</h3>\n<ul>\n");
    let _ = writeln!(
        h,
        "<li><b>every class: {}</b></li>",
        escape(&Sensitivity::headline_text(&r.cheapest_meeting_all))
    );
    for (c, best) in r.classes.iter().zip(&r.cheapest_per_class) {
        let _ = writeln!(
            h,
            "<li>{}: {}</li>",
            escape(&c.class),
            escape(best.as_deref().unwrap_or("no topology meets it"))
        );
    }
    h.push_str("</ul>\n<h3>What decides each class not met</h3>\n<ul>\n");
    for t in &r.topologies {
        for v in t.verdicts.iter().filter(|v| !v.status.holds()) {
            let what = match (&v.decided_by, v.status) {
                (Some(d), _) => d.clone(),
                (None, _) => "no incident breached in these trials; the bound alone \
                    is above the target"
                    .to_string(),
            };
            let _ = writeln!(
                h,
                "<li><b>{}</b>, {} ({}): {}</li>",
                escape(&t.name),
                escape(&v.class),
                escape(v.status.label()),
                escape(&what)
            );
        }
    }
    h.push_str("</ul>\n");
}

/// The assumptions section: the inputs every verdict follows from, one
/// helper per kind of input.
fn assumptions(h: &mut String, r: &StudyReport) {
    let a = &r.assumptions;
    h.push_str(
        "<h3 id=\"assumptions\">Assumptions</h3>\n<p class=\"note\">Inputs, not \
        measurements: every verdict above follows from them. Replace them with your own.</p>\n",
    );
    failure_domains(h, a);
    human_times(h, a);
    replication_delays(h, a);
    unconfirmed_prices(h, a);
}

/// One row per fault scenario: what fails, its kind, its rate and length.
fn failure_domains(h: &mut String, a: &Assumptions) {
    text_table_open(
        h,
        &[
            "fault scenario",
            "what fails",
            "kind",
            "what the kind means",
            "rate per year",
            "lasts",
        ],
    );
    for d in &a.failure_domains {
        let _ = writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}\
             </td><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            escape(&d.name),
            escape(&d.describe),
            escape(&d.kind),
            escape(&d.kind_means),
            escape(&amount(d.rate_per_year)),
            escape(&d.lasts)
        );
    }
    h.push_str("</table></div>\n");
}

/// The human steps of each topology's failover (nothing when none).
fn human_times(h: &mut String, a: &Assumptions) {
    if !a.human_times.is_empty() {
        text_table_open(h, &["topology", "detection", "decision", "DNS switch"]);
        for t in &a.human_times {
            row(
                h,
                &[
                    t.topology.clone(),
                    t.detection.clone(),
                    t.decision.clone(),
                    t.dns.clone(),
                ],
            );
        }
        h.push_str("</table></div>\n");
    }
}

/// Each mirror's replication delay, said to be an input (nothing when no
/// topology mirrors).
fn replication_delays(h: &mut String, a: &Assumptions) {
    if !a.replication.is_empty() {
        let delays: Vec<String> = a
            .replication
            .iter()
            .map(|m| {
                format!(
                    "{} ({}): {}",
                    m.topology,
                    m.kind,
                    duration(m.replication_delay_ms as f64)
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<p>Replication delay: {}. <i>{}</i>.</p>",
            escape(&delays.join("; ")),
            escape(REPLICATION_DELAY_IS_AN_INPUT)
        );
    }
}

/// The price books and, one line per book, the prices they do not confirm.
fn unconfirmed_prices(h: &mut String, a: &Assumptions) {
    let _ = writeln!(
        h,
        "<p>Prices: the {} books as of {}. Prices their books do not confirm, per book \
         (check them before relying on a cost):</p>\n<ul class=\"note\">",
        escape(&a.price_book),
        escape(&a.price_book_as_of)
    );
    // One line per book: the keys are "book: key" (src/study.rs).
    let mut books: Vec<(&str, Vec<String>)> = Vec::new();
    for p in a.prices.iter().filter(|p| !p.confirmed) {
        let (book, key) = p.key.split_once(": ").unwrap_or(("", &p.key));
        let price = match p.usd {
            Some(usd) => format!("{key} {}", crate::units::unit_usd(usd)),
            None => format!("{key} not priced"),
        };
        match books.iter_mut().find(|(b, _)| *b == book) {
            Some((_, list)) => list.push(price),
            None => books.push((book, vec![price])),
        }
    }
    if books.is_empty() {
        h.push_str("<li>none</li>\n");
    }
    for (book, list) in books {
        let _ = writeln!(
            h,
            "<li><b>{}</b>: {}</li>",
            escape(book),
            escape(&list.join(", "))
        );
    }
    h.push_str("</ul>\n");
}

fn sensitivity(h: &mut String, r: &StudyReport) {
    let s = &r.sensitivity;
    if s.rows.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h2 id=\"sensitivity\">Sensitivity of the headline</h2>\n<p class=\"note\">The \
         headline &mdash; the cheapest topology meeting every class, now <b>{}</b> &mdash; \
         recomputed with one assumption changed at a time, on the same seed and trials (common \
         random numbers): only the cells a change touches are simulated again.</p>",
        escape(&Sensitivity::headline_text(&s.headline))
    );
    text_table_open(h, &["change", "headline", "cells simulated again"]);
    for row in &s.rows {
        let (class, text) = if row.holds {
            ("holds", "holds".to_string())
        } else {
            (
                "changes",
                format!("becomes: {}", Sensitivity::headline_text(&row.headline)),
            )
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            escape(&row.change),
            escape(&text),
            row.cells_rerun
        );
    }
    h.push_str("</table></div>\n");
}

/// The place of the per-topology cost breakdown (built on branch `price`):
/// one call, here, between the sensitivity and the per-class tables.
/// Each topology's month, broken down (output/src/study/bill.rs).
fn cost_breakdown(h: &mut String, r: &StudyReport) {
    super::bill::bills_html(h, r);
}

fn per_class(h: &mut String, r: &StudyReport) {
    if r.classes.is_empty() {
        return;
    }
    h.push_str("<h2>Per class</h2>\n");
    for (k, c) in r.classes.iter().enumerate() {
        let _ = writeln!(
            h,
            "<h3>{}: {}, recovery within {} ({}), at most {} a year</h3>",
            escape(&c.class),
            escape(&rpo_text(c.rpo_ms)),
            escape(&duration(c.rto_ms as f64)),
            escape(c.rto_of.describe()),
            escape(&percent(c.max_breach_probability_per_year))
        );
        table_open(
            h,
            &[
                "topology",
                "verdict",
                "P(breach) per year",
                "95% upper bound",
                "what decides",
            ],
        );
        for t in &r.topologies {
            let v = &t.verdicts[k];
            let _ = writeln!(
                h,
                "<tr><td class=\"name\">{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td>\
                 <td class=\"text\">{}</td></tr>",
                escape(&t.name),
                status_class(v.status),
                escape(&status_text(v.status, r.trials)),
                percent(v.p_breach_per_year),
                percent(v.p_breach_per_year_upper95),
                escape(v.decided_by.as_deref().unwrap_or("-"))
            );
        }
        h.push_str("</table></div>\n");
    }
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
            "expected acknowledged records lost per year",
            "P(any loss in a year)",
            "write availability",
            "read availability",
            "incidents' extra cost per year",
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
                usd(a.incident_usd_per_year),
            ],
        );
    }
    h.push_str("</table></div>\n");
}

fn three(d: &Dist) -> [String; 3] {
    [d.p50, d.p99, d.max].map(|v| duration(v as f64))
}

fn cell_cells(c: &CellStats) -> Vec<String> {
    if !c.applicable {
        let mut v = vec![format!("cannot happen here: {}", c.placed)];
        v.extend(std::iter::repeat_n(String::new(), 11));
        return v;
    }
    let mut v = vec![c.placed.clone()];
    v.extend(three(&c.write_rto_ms));
    v.extend(three(&c.read_rto_ms));
    v.extend([
        thousands(c.duplicates_delivered.max),
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
        thousands(c.acked_lost_records.max),
        duration(c.rpo_ms.max as f64),
    ]);
    v
}

fn incidents(h: &mut String, r: &StudyReport) {
    h.push_str(
        "<h2>Per incident</h2>\n<p class=\"note\">Write RTO: the longest stretch the \
        application's writes were not acknowledged (<code>max_write_outage_ms</code>); read RTO: \
        the same for its readers (<code>max_read_outage_ms</code>); a class's RTO is the worse of \
        the two unless it says otherwise. Duplicates: records a consumer group processed twice \
        (<code>duplicates_delivered</code>), the largest count of any trial. Loss: acknowledged \
        records lost (<code>acked_lost_records</code>); RPO: the age of the oldest lost record \
        (<code>rpo_ms</code>).</p>\n",
    );
    for (k, f) in r.faults.iter().enumerate() {
        let mut title = f.describe.clone();
        if let Some(first) = title.get(..1) {
            title = first.to_uppercase() + &title[1..];
        }
        let _ = writeln!(
            h,
            "<h3>{} ({}, {} a year; <i>{}</i>)</h3>",
            escape(&title),
            escape(&f.kind),
            escape(&amount(f.rate_per_year)),
            escape(&f.name)
        );
        table_open(
            h,
            &[
                "topology",
                "where it hits",
                "write RTO p50",
                "write RTO p99",
                "write RTO max",
                "read RTO p50",
                "read RTO p99",
                "read RTO max",
                "duplicates (max)",
                "P(loss) [95%]",
                "mean loss when lossy",
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
    }
}

/// Replay commands of every cell's worst trial, for the appendix.
fn replays(h: &mut String, r: &StudyReport, replay: &[Vec<Option<String>>]) {
    let mut items = Vec::new();
    for (i, t) in r.topologies.iter().enumerate() {
        for (k, f) in r.faults.iter().enumerate() {
            if let Some(c) = replay
                .get(i)
                .and_then(|v| v.get(k))
                .and_then(|c| c.as_ref())
            {
                items.push(format!(
                    "<li>{} under {}: <code>{}</code></li>",
                    escape(&t.name),
                    escape(&f.name),
                    escape(c)
                ));
            }
        }
    }
    if !items.is_empty() {
        h.push_str("<h3>Replay the worst trial of each cell</h3>\n<ul>\n");
        for i in items {
            h.push_str(&i);
            h.push('\n');
        }
        h.push_str("</ul>\n");
    }
}

fn header(h: &mut String, r: &StudyReport) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kdrsim study: {}\
         </title><style>{CSS}</style></head><body>\n<h1>kdrsim study: {}</h1>\n<p>{}</p>\n",
        escape(&r.study),
        escape(&r.study),
        escape(&r.description)
    );
}

/// The first screen: verdicts, cheapest, what decides, assumptions.
fn first_screen(h: &mut String, page: &StudyPage<'_>) {
    let r = page.report;
    h.push_str("<div class=\"summary\" id=\"summary\"><h2>Verdicts</h2>\n");
    verdicts(h, r);
    deciding(h, r);
    assumptions(h, r);
    let _ = writeln!(
        h,
        "<p class=\"note\">{} × {}, {} {} each of {}, seed {}, \
         on common random numbers: every topology meets each fault at the same instant in trial \
         k.</p>",
        count(r.topologies.len() as u64, "topology"),
        count(r.faults.len() as u64, "fault scenario"),
        thousands(r.trials),
        plural(r.trials, "trial"),
        escape(&duration(r.duration_ms as f64)),
        r.seed,
    );
    h.push_str("</div>\n");
    if !r.warnings.is_empty() {
        h.push_str("<div class=\"warnings\" id=\"warnings\"><b>Warnings</b><ul>\n");
        for w in &r.warnings {
            let _ = writeln!(h, "<li class=\"warning\">{}</li>", escape(w));
        }
        h.push_str("</ul></div>\n");
    }
}

/// The page, self-contained but for its charts beside it.
pub fn study_html(page: &StudyPage<'_>) -> String {
    let r = page.report;
    let mut h = String::new();
    header(&mut h, r);
    first_screen(&mut h, page);
    h.push_str("<h2>In one sentence per topology</h2>\n<ul>\n");
    for l in summary_lines(r) {
        let _ = writeln!(h, "<li>{}</li>", escape(&l));
    }
    h.push_str("</ul>\n");
    objectives(&mut h, r);
    if let Some(c) = &page.deciding {
        figure(&mut h, c);
    }
    sensitivity(&mut h, r);
    cost_breakdown(&mut h, r);
    per_class(&mut h, r);
    annual(&mut h, r);
    incidents(&mut h, r);
    tails(&mut h, page);
    model_notes(&mut h, r);
    topologies(&mut h, page);
    appendix(&mut h, page);
    h.push_str("</body></html>\n");
    h
}

fn tails(h: &mut String, page: &StudyPage<'_>) {
    if page.charts.is_empty() {
        return;
    }
    h.push_str(
        "<h2>Tails</h2>\n<p class=\"note\">P(RTO &gt; x) on a log scale, the RTO being the \
        worse of writes and reads: a 1-in-100 tail is a line at 10<sup>-2</sup>, not a hidden \
        sliver of a CDF. Each topology has its own marker, so curves that lie on each other stay \
        apart to the eye.</p>\n",
    );
    for (c, same) in &page.charts {
        figure(h, c);
        if !same.is_empty() {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(same));
        }
    }
}

fn model_notes(h: &mut String, r: &StudyReport) {
    if r.model_notes.is_empty() {
        return;
    }
    h.push_str(
        "<h2 id=\"model-notes\">What the model leaves out</h2>\n<p class=\"note\">Mechanisms \
        these topologies use that the simulation does not model, and what that means for the \
        figures above.</p>\n<ul>\n",
    );
    for n in &r.model_notes {
        let _ = writeln!(h, "<li>{}</li>", escape(n));
    }
    h.push_str("</ul>\n");
}

fn topologies(h: &mut String, page: &StudyPage<'_>) {
    h.push_str("<h2>Topologies</h2>\n");
    for (t, chart) in page.report.topologies.iter().zip(&page.topologies) {
        let _ = writeln!(h, "<h3>{}</h3>", escape(&t.name));
        if let Some(c) = chart {
            figure(h, c);
        }
    }
}

fn appendix(h: &mut String, page: &StudyPage<'_>) {
    h.push_str("<h2 id=\"appendix\">Appendix</h2>\n<h3 id=\"provenance\">Provenance</h3>\n");
    h.push_str("<table class=\"provenance\">\n");
    for (k, v) in &page.provenance {
        let _ = writeln!(
            h,
            "<tr><th class=\"name\">{}</th><td class=\"name\"><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    h.push_str("</table>\n<h3>Topology files</h3>\n<ul>\n");
    for t in &page.report.topologies {
        let _ = writeln!(
            h,
            "<li>{}: <code>{}</code></li>",
            escape(&t.name),
            escape(&t.file)
        );
    }
    h.push_str("</ul>\n");
    replays(h, page.report, &page.replay);
    h.push_str("<h3>Files</h3>\n<ul>\n");
    for (f, what) in &page.files {
        let _ = writeln!(
            h,
            "<li><a href=\"{0}\">{0}</a>: {1}</li>",
            escape(f),
            escape(what)
        );
    }
    h.push_str("</ul>\n");
}

//! Each topology's steady-state month broken down: transfer by purpose and
//! boundary, compute, storage, the replication product, connectivity and
//! the licence, under the platform that prices it (`docs/cost.md`). In
//! `study.json` (`bills`), in the text report and on the page, each from
//! one call, so the rest of the study's rendering does not change with it.

use super::render::{columns, StudyReport};
use crate::cost::{Bill, Category, Line, TransferLine};
use crate::html::escape;
use crate::units::{gigabytes, unit_usd, usd};
use serde::Serialize;
use std::fmt::Write;

/// One topology's month with nothing failing, as its platform bills it.
#[derive(Debug, Clone, Serialize)]
pub struct TopologyBill {
    pub topology: String,
    pub price_book: String,
    pub platform: String,
    /// Why this platform, when the study let `aws` choose.
    pub chosen_because: Option<String>,
    pub as_of: String,
    pub hours_per_month: f64,
    pub transfer: Vec<TransferLine>,
    pub lines: Vec<Line>,
    /// Per category (`compute`, `storage`, `replication_product`,
    /// `connectivity`, `licence`): dollars a month, priced lines only.
    pub by_category: Vec<(Category, f64)>,
    pub transfer_usd_per_month: f64,
    pub steady_usd_per_month: f64,
    /// Lines the book does not price: left out of the total, never $0.
    pub warnings: Vec<String>,
}

const CATEGORIES: [Category; 5] = [
    Category::Compute,
    Category::Storage,
    Category::ReplicationProduct,
    Category::Connectivity,
    Category::Licence,
];

impl TopologyBill {
    /// The steady-state part of `bill` (the incident part differs per
    /// fault scenario and is in each cell's figures).
    pub fn new(topology: &str, bill: Bill) -> TopologyBill {
        let by_category = CATEGORIES
            .iter()
            .map(|c| {
                let usd = bill
                    .lines
                    .iter()
                    .filter(|l| l.category == *c)
                    .map(|l| l.usd_per_month)
                    .sum();
                (*c, usd)
            })
            .collect();
        TopologyBill {
            topology: topology.to_string(),
            price_book: bill.price_book,
            platform: bill.platform,
            chosen_because: bill.chosen_because,
            as_of: bill.as_of,
            hours_per_month: bill.hours_per_month,
            transfer_usd_per_month: bill.transfer.iter().map(|t| t.usd_per_month).sum(),
            transfer: bill.transfer,
            lines: bill.lines,
            by_category,
            steady_usd_per_month: bill.steady_usd_per_month,
            warnings: bill.warnings,
        }
    }

    /// Whether some line of `category` is not priced.
    fn unpriced(&self, category: Category) -> bool {
        self.lines
            .iter()
            .any(|l| l.category == category && !l.priced)
    }
}

/// The study's price book as the head shows it: the one book, or `aws`
/// and the platforms it chose (`aws (aws-msk, confluent-platform, aws-ec2
/// per topology)`).
/// A topology's monthly cost as a figure to compare: `$2,731.64 + not
/// priced` where its bill leaves out lines its book does not price (the
/// total is then a lower bound, never a silent $0 for them).
pub fn cost_with_unpriced(r: &super::render::StudyReport, topology: &str, usd: f64) -> String {
    let unpriced = r
        .bills
        .iter()
        .any(|b| b.topology == topology && b.lines.iter().any(|l| !l.priced));
    let figure = crate::units::usd(usd);
    if unpriced {
        format!("{figure} + not priced")
    } else {
        figure
    }
}

pub fn books_used(named: &str, bills: &[TopologyBill]) -> String {
    let mut used: Vec<&str> = Vec::new();
    for b in bills {
        if !used.contains(&b.price_book.as_str()) {
            used.push(&b.price_book);
        }
    }
    if used.len() == 1 && used[0] == named {
        named.to_string()
    } else {
        format!("{named} ({} per topology)", used.join(", "))
    }
}

/// The rows of the breakdown: a label, then per topology a cell.
fn rows(bills: &[TopologyBill]) -> Vec<Vec<String>> {
    let mut rows = vec![platform_row(bills)];
    let mut kinds: Vec<(&str, &str)> = Vec::new();
    for t in bills.iter().flat_map(|b| &b.transfer) {
        if !kinds.contains(&(t.purpose, t.boundary)) {
            kinds.push((t.purpose, t.boundary));
        }
    }
    for (purpose, boundary) in kinds {
        let mut row = vec![format!(
            "transfer: {purpose} {}",
            boundary.replace('_', "-")
        )];
        row.extend(bills.iter().map(|b| {
            b.transfer
                .iter()
                .find(|t| t.purpose == purpose && t.boundary == boundary)
                .map_or("-".into(), transfer_cell)
        }));
        rows.push(row);
    }
    for (k, c) in CATEGORIES.iter().enumerate() {
        let mut row = vec![c.label().to_string()];
        row.extend(bills.iter().map(|b| {
            let shown = usd(b.by_category[k].1);
            if !b.lines.iter().any(|l| l.category == *c) {
                "-".into()
            } else if b.lines.iter().all(|l| l.category != *c || !l.priced) {
                "not priced".into()
            } else if b.unpriced(*c) {
                format!("{shown} + not priced")
            } else {
                shown
            }
        }));
        rows.push(row);
    }
    let mut total = vec!["total a month".to_string()];
    total.extend(bills.iter().map(|b| {
        let unpriced = b.lines.iter().any(|l| !l.priced);
        format!(
            "{}{}",
            usd(b.steady_usd_per_month),
            if unpriced { " + not priced" } else { "" }
        )
    }));
    rows.push(total);
    rows
}

fn platform_row(bills: &[TopologyBill]) -> Vec<String> {
    let mut row = vec!["price book".to_string()];
    row.extend(bills.iter().map(|b| b.price_book.clone()));
    row
}

/// `$300.75 †`, or `free` where the platform does not bill it (the GB
/// and unit prices are in each topology's lines).
fn transfer_cell(t: &TransferLine) -> String {
    if t.usd_per_gb == 0.0 {
        "free".into()
    } else {
        format!(
            "{}{}",
            usd(t.usd_per_month),
            if t.unconfirmed { " †" } else { "" }
        )
    }
}

/// A transfer line as a row of a topology's lines: what, kind, how, $.
fn transfer_row(t: &TransferLine) -> [String; 4] {
    [
        format!("{} {}", t.purpose, t.boundary.replace('_', "-")),
        "transfer".into(),
        format!(
            "{} x {}{}",
            gigabytes(t.gb_per_month * 1e9),
            unit_usd(t.usd_per_gb),
            if t.unconfirmed { " †" } else { "" }
        ),
        usd(t.usd_per_month),
    ]
}

/// The breakdown as text for a terminal (empty when nothing was priced).
pub fn bills_text(r: &StudyReport) -> String {
    let bills = &r.bills;
    if bills.is_empty() {
        return String::new();
    }
    let mut header = vec!["cost a month, nothing failing".to_string()];
    header.extend(bills.iter().map(|b| b.topology.clone()));
    let right: Vec<bool> = header.iter().enumerate().map(|(i, _)| i > 0).collect();
    let mut out =
        "\ncost broken down per topology (docs/cost.md; † an unconfirmed price):\n".to_string();
    out.push_str(&columns(&header, &rows(bills), &right));
    for b in bills {
        if let Some(why) = &b.chosen_because {
            let _ = writeln!(out, "{}: priced on {} ({why})", b.topology, b.platform);
        }
        for w in &b.warnings {
            let _ = writeln!(out, "warning: {}: {w}", b.topology);
        }
    }
    out
}

/// The breakdown as a page section: the table, then each topology's lines
/// with how each figure is made.
pub fn bills_html(h: &mut String, r: &StudyReport) {
    let bills = &r.bills;
    if bills.is_empty() {
        return;
    }
    h.push_str(
        "<h2 id=\"cost\">Cost broken down</h2>\n<p class=\"note\">Per month with nothing \
         failing, each topology on the platform that prices it: transfer by purpose and \
         boundary, compute, storage, the replication product, connectivity and the licence. \
         † marks a price its book marks unconfirmed; a line the book does not price is left \
         out of the total and named below, never counted as $0.</p>\n",
    );
    h.push_str("<div class=\"wide\"><table class=\"bill\"><tr><th class=\"name\"></th>");
    for b in bills {
        let _ = write!(h, "<th>{}</th>", escape(&b.topology));
    }
    h.push_str("</tr>\n");
    for row in rows(bills) {
        h.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = if i == 0 { " class=\"name\"" } else { "" };
            let _ = write!(h, "<td{class}>{}</td>", escape(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
    for b in bills {
        lines_html(h, b);
    }
}

fn lines_html(h: &mut String, b: &TopologyBill) {
    let _ = writeln!(
        h,
        "<details><summary>{}: {}, price book {} as of {}</summary>",
        escape(&b.topology),
        escape(&b.platform),
        escape(&b.price_book),
        escape(&b.as_of)
    );
    if let Some(why) = &b.chosen_because {
        let _ = writeln!(h, "<p class=\"note\">Chosen by {}.</p>", escape(why));
    }
    if !b.warnings.is_empty() {
        h.push_str("<ul class=\"warnings\">\n");
        for w in &b.warnings {
            let _ = writeln!(h, "<li class=\"warning\">{}</li>", escape(w));
        }
        h.push_str("</ul>\n");
    }
    h.push_str(
        "<table><tr><th class=\"name\">what</th><th class=\"name\">kind</th>\
         <th class=\"name\">how</th><th>$ a month</th></tr>\n",
    );
    for t in &b.transfer {
        let [what, kind, how, figure] = transfer_row(t);
        let _ = writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td class=\"name\">{}</td>\
             <td class=\"name\">{}</td><td>{}</td></tr>",
            escape(&what),
            escape(&kind),
            escape(&how),
            escape(&figure)
        );
    }
    for l in &b.lines {
        let figure = if l.priced {
            usd(l.usd_per_month)
        } else {
            "not priced".into()
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td class=\"name\">{}</td>\
             <td class=\"name\">{}{}</td><td>{}</td></tr>",
            escape(&l.item),
            escape(l.category.label()),
            escape(&l.basis),
            if l.unconfirmed { " †" } else { "" },
            escape(&figure)
        );
    }
    h.push_str("</table></details>\n");
}

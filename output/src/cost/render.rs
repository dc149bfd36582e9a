//! A bill as text a person reads (dollars with separators, GB) and as
//! JSON a script reads (raw figures, same names).

use super::Bill;
use crate::text::printable_line;
use crate::units::{gigabytes, thousands, unit_usd, usd};
use std::fmt::Write;

/// The bill as aligned text: the heading, the steady month line by line
/// with its total, then the extra per incident.
pub fn bill_text(bill: &Bill) -> String {
    let mut out = String::new();
    heading(&mut out, bill);
    steady_lines(&mut out, bill);
    let unpriced = bill.lines.iter().any(|l| !l.priced);
    let _ = writeln!(
        out,
        "  {:<89} {:>14}",
        if unpriced {
            "total of the priced lines"
        } else {
            "total"
        },
        usd(bill.steady_usd_per_month)
    );
    for w in &bill.warnings {
        let _ = writeln!(out, "warning: {}", printable_line(w));
    }
    let i = &bill.incident;
    let _ = writeln!(
        out,
        "\nextra per incident: {} (a trial with its {} moves {} more than one without; \
         of it, catch-up bursts move {} for {})",
        usd(i.usd_per_incident),
        mean_count(i.faults_per_trial, "fault"),
        usd(i.extra_transfer_usd_per_trial),
        gigabytes(i.catch_up_gb_per_trial * 1e9),
        usd(i.catch_up_usd_per_trial),
    );
    out
}

/// What was priced, under which book and platform, over which trials.
fn heading(out: &mut String, bill: &Bill) {
    let _ = writeln!(
        out,
        "cost of {}: price book {} (as of {}), mean of {} {} of {} ms, a month of {} h",
        printable_line(&bill.scenario),
        printable_line(&bill.price_book),
        printable_line(&bill.as_of),
        thousands(bill.trials as u64),
        if bill.trials == 1 { "trial" } else { "trials" },
        thousands(bill.trial_ms),
        bill.hours_per_month
    );
    let _ = writeln!(out, "platform: {}", printable_line(&bill.platform));
    if let Some(why) = &bill.chosen_because {
        let _ = writeln!(out, "chosen by {}", printable_line(why));
    }
    let _ = writeln!(
        out,
        "\nsteady state, per month († a price its book marks unconfirmed)"
    );
}

/// The steady month: transfer by purpose and boundary, then every other
/// line (compute, storage, mirrors), in aligned columns.
fn steady_lines(out: &mut String, bill: &Bill) {
    for t in &bill.transfer {
        let what = format!("{} {}", t.purpose, t.boundary.replace('_', "-"));
        let unit = format!(
            "{}{}",
            unit_usd(t.usd_per_gb),
            if t.unconfirmed { " †" } else { "" }
        );
        let _ = writeln!(
            out,
            "  {what:<34} {:>18} x {unit:<9} {:>14}",
            gigabytes(t.gb_per_month * 1e9),
            usd(t.usd_per_month)
        );
    }
    for l in &bill.lines {
        let item = printable_line(&l.item);
        let basis = format!(
            "{}{}",
            printable_line(&l.basis),
            if l.unconfirmed { " †" } else { "" }
        );
        let figure = if l.priced {
            usd(l.usd_per_month)
        } else {
            "not priced".into()
        };
        let _ = writeln!(out, "  {item:<44} {basis:<44} {figure:>14}");
    }
}

/// A mean count of `noun`s: a whole number as one (`1 fault`), else with
/// two decimals (`1.50 faults`).
fn mean_count(mean: f64, noun: &str) -> String {
    let rounded = mean.round();
    if (mean - rounded).abs() < 0.005 && rounded >= 0.0 {
        crate::units::count(rounded as u64, noun)
    } else {
        format!("{mean:.2} {}", crate::units::plural(2, noun))
    }
}

/// The bill as pretty JSON, no control character raw (the JSON rule of
/// `format::json`).
pub fn bill_json(bill: &Bill) -> String {
    let mut s = serde_json::to_string_pretty(bill).unwrap_or_default();
    s.push('\n');
    crate::format::json::escape_del_and_c1(s)
}

/// Several bills as one JSON array, the same way.
pub fn bills_json(bills: &[Bill]) -> String {
    let mut s = serde_json::to_string_pretty(bills).unwrap_or_default();
    s.push('\n');
    crate::format::json::escape_del_and_c1(s)
}

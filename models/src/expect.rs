//! Expectations written in scenario files, for `kdrsim check`.
//!
//! Three forms, as strings in the scenario's `expect` list:
//!
//! - per trial, in every trial: `acked_lost_records == 0`,
//!   `max_write_outage_ms <= 60000`;
//! - on the distribution over trials: `p99(rpo_ms) <= 5000`,
//!   `mean(failed_sends) < 100`, `max(rpo_ms) == 0` (`p50`, `p90`, `p99`,
//!   `p999`, `mean`, `max`);
//! - on a probability, decided at a confidence: `P(acked_lost_records > 0) <
//!   0.01` (95% by default) or `... @ 99%`.
//!
//! The parser is small and strict: an error says which part is wrong and
//! what the valid forms are.

use crate::outcome::Metric;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl Cmp {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Ge => a >= b,
            Cmp::Gt => a > b,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
        }
    }
}

/// A statistic over trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    /// Per-mille quantile, nearest rank (p99 = 990).
    Quantile(u64),
    Mean,
    Max,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// `metric cmp value` in every trial.
    EveryTrial {
        metric: Metric,
        cmp: Cmp,
        value: u64,
    },
    /// `stat(metric) cmp value` over all trials.
    Distribution {
        stat: Stat,
        metric: Metric,
        cmp: Cmp,
        value: f64,
    },
    /// `P(metric inner value) cmp bound`, decided at `confidence`.
    Probability {
        metric: Metric,
        inner: Cmp,
        value: u64,
        cmp: Cmp,
        bound: f64,
        confidence: f64,
    },
}

/// An expectation and the text it was written as.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub text: String,
    pub expectation: Expectation,
}

const FORMS: &str = "valid forms: `METRIC OP N` (every trial), `STAT(METRIC) OP X` with STAT one of p50, p90, p99, p999, mean, max, \
or `P(METRIC OP N) OP PROBABILITY [@ CONFIDENCE%]`; OP one of <, <=, ==, !=, >=, >";

fn split_cmp(s: &str) -> Option<(&str, Cmp, &str)> {
    // Two-character operators first.
    for (sym, cmp) in [
        ("<=", Cmp::Le),
        (">=", Cmp::Ge),
        ("==", Cmp::Eq),
        ("!=", Cmp::Ne),
        ("<", Cmp::Lt),
        (">", Cmp::Gt),
    ] {
        if let Some(i) = s.find(sym) {
            return Some((s[..i].trim(), cmp, s[i + sym.len()..].trim()));
        }
    }
    None
}

fn metric(name: &str) -> Result<Metric, String> {
    Metric::from_name(name).ok_or_else(|| {
        let valid: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        format!("unknown metric `{name}`; valid: {}", valid.join(", "))
    })
}

fn whole(text: &str, what: &str) -> Result<u64, String> {
    text.replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a whole number ({what})"))
}

/// Parses one expectation.
pub fn parse(text: &str) -> Result<Expectation, String> {
    let s = text.trim();
    if let Some(rest) = s.strip_prefix("P(") {
        return parse_probability(rest);
    }
    let (lhs, cmp, rhs) = split_cmp(s).ok_or_else(|| format!("no comparison; {FORMS}"))?;
    if let Some(open) = lhs.find('(') {
        return parse_distribution(lhs, open, cmp, rhs);
    }
    Ok(Expectation::EveryTrial {
        metric: metric(lhs)?,
        cmp,
        value: whole(rhs, "a metric's value")?,
    })
}

/// `P(METRIC OP N) OP PROBABILITY [@ CONFIDENCE%]`, given what follows
/// `P(`. The bound must be one-sided: a sequential test can show a
/// probability below or above a bound, never equal to it.
fn parse_probability(rest: &str) -> Result<Expectation, String> {
    let close = rest
        .find(')')
        .ok_or_else(|| format!("`P(` without `)`; {FORMS}"))?;
    let (inner, outer) = (&rest[..close], rest[close + 1..].trim());
    let (m, inner_cmp, v) =
        split_cmp(inner).ok_or_else(|| format!("no comparison inside P(...); {FORMS}"))?;
    let (outer, confidence) = match outer.split_once('@') {
        Some((o, c)) => (o.trim(), parse_confidence(c)?),
        None => (outer, 0.95),
    };
    let (empty, cmp, bound) =
        split_cmp(outer).ok_or_else(|| format!("no comparison after P(...); {FORMS}"))?;
    if !empty.is_empty() {
        return Err(format!("unexpected `{empty}` after P(...); {FORMS}"));
    }
    let bound: f64 = bound
        .parse()
        .map_err(|_| format!("`{bound}` is not a probability"))?;
    if !(0.0..=1.0).contains(&bound) {
        return Err(format!("probability {bound}: valid: a number in [0, 1]"));
    }
    if matches!(cmp, Cmp::Eq | Cmp::Ne) {
        return Err(
            "a probability can be bounded with <, <=, >= or >, not compared for equality".into(),
        );
    }
    Ok(Expectation::Probability {
        metric: metric(m)?,
        inner: inner_cmp,
        value: whole(v, "a metric's value")?,
        cmp,
        bound,
        confidence,
    })
}

/// The confidence after `@`, as a fraction; 100% is refused, as no finite
/// number of trials reaches it.
fn parse_confidence(text: &str) -> Result<f64, String> {
    let c = text.trim().trim_end_matches('%').trim();
    let pct: f64 = c
        .parse()
        .map_err(|_| format!("confidence `{c}` is not a number"))?;
    if !(50.0..100.0).contains(&pct) {
        return Err(format!(
            "confidence {pct}%: valid: at least 50% and below 100%"
        ));
    }
    Ok(pct / 100.0)
}

/// `STAT(METRIC) OP X`, whose `lhs` has its `(` at `open`.
fn parse_distribution(lhs: &str, open: usize, cmp: Cmp, rhs: &str) -> Result<Expectation, String> {
    let name = lhs[..open].trim();
    let inner = lhs[open + 1..]
        .strip_suffix(')')
        .ok_or_else(|| format!("`{lhs}` lacks its closing `)`; {FORMS}"))?;
    let stat = match name {
        "p50" => Stat::Quantile(500),
        "p90" => Stat::Quantile(900),
        "p99" => Stat::Quantile(990),
        "p999" => Stat::Quantile(999),
        "mean" => Stat::Mean,
        "max" => Stat::Max,
        other => {
            return Err(format!(
                "unknown statistic `{other}`; valid: p50, p90, p99, p999, mean, max"
            ))
        }
    };
    let value: f64 = rhs
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{rhs}` is not a number"))?;
    Ok(Expectation::Distribution {
        stat,
        metric: metric(inner.trim())?,
        cmp,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_parse() {
        assert_eq!(
            parse("acked_lost_records == 0").unwrap(),
            Expectation::EveryTrial {
                metric: Metric::AckedLostRecords,
                cmp: Cmp::Eq,
                value: 0
            }
        );
        assert_eq!(
            parse("p99(rpo_ms) <= 5_000").unwrap(),
            Expectation::Distribution {
                stat: Stat::Quantile(990),
                metric: Metric::RpoMs,
                cmp: Cmp::Le,
                value: 5000.0
            }
        );
        assert_eq!(
            parse("P(acked_lost_records > 0) < 0.01 @ 99%").unwrap(),
            Expectation::Probability {
                metric: Metric::AckedLostRecords,
                inner: Cmp::Gt,
                value: 0,
                cmp: Cmp::Lt,
                bound: 0.01,
                confidence: 0.99
            }
        );
    }

    #[test]
    fn mistakes_name_what_is_wrong() {
        assert!(parse("lost == 0")
            .unwrap_err()
            .contains("unknown metric `lost`"));
        assert!(parse("p98(rpo_ms) < 1")
            .unwrap_err()
            .contains("unknown statistic"));
        assert!(parse("P(rpo_ms > 0) < 2").unwrap_err().contains("[0, 1]"));
        assert!(parse("rpo_ms").unwrap_err().contains("valid forms"));
        assert!(parse("P(rpo_ms > 0) < 0.1 @ 120%")
            .unwrap_err()
            .contains("confidence"));
    }
}

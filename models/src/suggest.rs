//! "Did you mean": the valid name nearest to a misspelt field or enum
//! variant, so that an error says what was probably meant as well as what
//! would be valid.
//!
//! Four tries, in order, each only when it picks exactly one name: the same
//! name but for case and separators (`all` → `All`, `rackAware` →
//! `RackAware`); a known alias (`min_isr` → `min_insync_replicas`, names
//! from Kafka's documentation and other tools); the nearest by edit
//! distance (`replication_factr`); a name the word begins or is part of
//! (`retention` → `retention_ms`).

/// Names a Kafka user may write, and the field or variant they mean.
const ALIASES: &[(&str, &str)] = &[
    ("min_isr", "min_insync_replicas"),
    ("isr", "min_insync_replicas"),
    ("min_in_sync_replicas", "min_insync_replicas"),
    ("rf", "replication_factor"),
    ("replicas", "replication_factor"),
    ("replication", "replication_factor"),
    ("idempotence", "enable_idempotence"),
    ("idempotent", "enable_idempotence"),
    ("unclean", "unclean_leader_election_enable"),
    ("unclean_leader_election", "unclean_leader_election_enable"),
    ("session_timeout_ms", "broker_session_timeout_ms"),
    ("heartbeat_interval_ms", "broker_heartbeat_interval_ms"),
    ("rate", "records_per_sec"),
    ("throughput", "records_per_sec"),
    ("group_id", "group"),
    ("dcs", "data_centers"),
    ("elr", "eligible_leader_replicas_enable"),
];

/// The one name among `valid` that `found` most likely means, if any.
pub fn did_you_mean<'a>(found: &str, valid: &[&'a str]) -> Option<&'a str> {
    if found.is_empty() || valid.contains(&found) {
        return None;
    }
    let norm = normalized(found);
    unique(valid.iter().filter(|v| normalized(v) == norm))
        .or_else(|| alias(found, valid))
        .or_else(|| nearest(found, valid))
        .or_else(|| containing(&norm, valid))
}

/// `s` lower-cased, without `_`, `-`, `.` and spaces.
fn normalized(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The only item, or `None` for none or several.
fn unique<'a, 'v>(mut items: impl Iterator<Item = &'v &'a str>) -> Option<&'a str>
where
    'a: 'v,
{
    let first = items.next()?;
    items.next().is_none().then_some(*first)
}

fn alias<'a>(found: &str, valid: &[&'a str]) -> Option<&'a str> {
    let key: String = found
        .chars()
        .map(|c| if matches!(c, '.' | '-') { '_' } else { c })
        .flat_map(char::to_lowercase)
        .collect();
    let meant = ALIASES.iter().find(|(a, _)| *a == key)?.1;
    valid.iter().copied().find(|v| *v == meant)
}

/// The name at the smallest edit distance, when it is small for the
/// word's length and no other name is as near.
fn nearest<'a>(found: &str, valid: &[&'a str]) -> Option<&'a str> {
    let f = found.to_lowercase();
    let limit = match f.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    }
    .min(f.chars().count().saturating_sub(1));
    let scored: Vec<(usize, &'a str)> = valid
        .iter()
        .map(|v| (edit_distance(&f, &v.to_lowercase()), *v))
        .filter(|(d, _)| *d <= limit)
        .collect();
    let best = scored.iter().map(|(d, _)| *d).min()?;
    unique(scored.iter().filter(|(d, _)| *d == best).map(|(_, v)| v))
}

/// The only name that begins with the word or contains it (a word of at
/// least three letters), or that the word begins with.
fn containing<'a>(norm: &str, valid: &[&'a str]) -> Option<&'a str> {
    if norm.chars().count() < 3 {
        return None;
    }
    unique(valid.iter().filter(|v| {
        let v = normalized(v);
        v.contains(norm) || (v.len() >= 3 && norm.starts_with(&v))
    }))
}

/// Levenshtein distance over characters (names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &[&str] = &[
        "name",
        "partitions",
        "replication_factor",
        "min_insync_replicas",
        "unclean_leader_election_enable",
        "placement",
        "cluster",
        "retention_ms",
    ];

    #[test]
    fn case_and_separators_do_not_matter() {
        assert_eq!(did_you_mean("all", &["Zero", "One", "All"]), Some("All"));
        assert_eq!(
            did_you_mean("rack_aware", &["RackAware", "Assignment"]),
            Some("RackAware")
        );
        assert_eq!(
            did_you_mean("minInsyncReplicas", TOPIC),
            Some("min_insync_replicas")
        );
    }

    #[test]
    fn aliases_edit_distance_and_prefixes_find_the_field() {
        assert_eq!(did_you_mean("min_isr", TOPIC), Some("min_insync_replicas"));
        assert_eq!(did_you_mean("rf", TOPIC), Some("replication_factor"));
        assert_eq!(
            did_you_mean("replication_factr", TOPIC),
            Some("replication_factor")
        );
        assert_eq!(did_you_mean("partition", TOPIC), Some("partitions"));
        assert_eq!(did_you_mean("retention", TOPIC), Some("retention_ms"));
    }

    #[test]
    fn nothing_near_gives_no_guess() {
        assert_eq!(did_you_mean("colour", TOPIC), None);
        assert_eq!(did_you_mean("name", TOPIC), None);
        assert_eq!(did_you_mean("x", &["a", "b"]), None);
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}

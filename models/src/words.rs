//! Counts in text a person reads: `1 topic`, `3 topics`, never `1 topics`.

/// `n` followed by `noun`, plural unless `n` is 1: `1 broker`, `0 brokers`,
/// `2 topologies`, `4 classes`. Nouns are English and regular (`-s`;
/// `-es` after s, x, z, ch, sh; `-ies` after a consonant and `y`).
pub fn count(n: u64, noun: &str) -> String {
    format!("{n} {}", plural(n, noun))
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `noun` for `n` of them: as is for 1, its plural otherwise.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        return noun.to_string();
    }
    match noun.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) => format!("{stem}ies"),
        _ if noun.ends_with(['s', 'x', 'z']) || noun.ends_with("ch") || noun.ends_with("sh") => {
            format!("{noun}es")
        }
        _ => format!("{noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "topic"), "1 topic");
        assert_eq!(count(0, "topic"), "0 topics");
        assert_eq!(count(12, "partition"), "12 partitions");
        assert_eq!(count(2, "topology"), "2 topologies");
        assert_eq!(count(3, "key"), "3 keys");
        assert_eq!(count(4, "class"), "4 classes");
        assert_eq!(count(2, "switch"), "2 switches");
        assert_eq!(plural(1, "file"), "file");
    }
}

//! Which platform prices a topology: what a platform can run, the refusal
//! when it cannot, and the choice `aws` makes among AWS's platforms.
//!
//! A topology priced on a platform that cannot run it gives a figure for
//! nothing anyone can buy (observers at MSK rates, a cluster across three
//! regions on MSK), so it is refused with the reason, never priced.

use super::price_book::{Platform, PriceBook};
use kdrsim_models::compile::Model;
use kdrsim_models::scenario::MirrorKind;

/// What a user names: one platform's book, or `aws`, which keeps the name
/// the first version had and means "the first of [`AWS_ORDER`] that can run
/// the topology" (a managed service first, then self-managed Apache Kafka,
/// then Confluent Platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookChoice {
    One(Platform),
    Aws,
}

/// The order in which `aws` tries AWS's platforms.
pub const AWS_ORDER: [Platform; 3] = [
    Platform::AwsMsk,
    Platform::AwsEc2,
    Platform::ConfluentPlatform,
];

/// Every name a user may give, in the order errors list them.
pub fn valid_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Platform::ALL.iter().map(|p| p.name()).collect();
    names.push("aws");
    names
}

impl BookChoice {
    /// The choice `name` names; unknown names are refused listing the
    /// valid ones, with the nearest first when one is near.
    pub fn parse(name: &str) -> Result<BookChoice, String> {
        if name == "aws" {
            return Ok(BookChoice::Aws);
        }
        if let Some(p) = Platform::from_name(name) {
            return Ok(BookChoice::One(p));
        }
        let names = valid_names();
        let near: Vec<&str> = names.iter().copied().filter(|n| is_near(name, n)).collect();
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!("did you mean {}? ", quoted(&near))
        };
        Err(format!(
            "price book `{name}` is not built in; {hint}valid: {} (`aws`: the first of \
             aws-msk, aws-ec2, confluent-platform that can run the topology)",
            quoted(&names)
        ))
    }

    pub fn name(self) -> &'static str {
        match self {
            BookChoice::One(p) => p.name(),
            BookChoice::Aws => "aws",
        }
    }

    /// The platform that prices `model`, and why it was chosen when the
    /// user named `aws` rather than a platform; refused (with every reason)
    /// when the named platform, or every AWS platform, cannot run it.
    pub fn choose(self, model: &Model) -> Result<(Platform, Option<String>), String> {
        match self {
            BookChoice::One(p) => {
                let why = refusals(&p.book(), model);
                if why.is_empty() {
                    Ok((p, None))
                } else {
                    Err(refusal_text(&p.book(), model, &why))
                }
            }
            BookChoice::Aws => {
                // Platforms passed over, grouped by the same reasons.
                let mut skipped: Vec<(Vec<&str>, String)> = Vec::new();
                for p in AWS_ORDER {
                    let why = refusals(&p.book(), model).join(", ");
                    if why.is_empty() {
                        let reason = if skipped.is_empty() {
                            format!(
                                "`aws`: {}, the first AWS platform tried, can run it",
                                p.name()
                            )
                        } else {
                            format!(
                                "`aws`: the first AWS platform that can run it ({})",
                                skipped_text(&skipped)
                            )
                        };
                        return Ok((p, Some(reason)));
                    }
                    match skipped.iter_mut().find(|(_, w)| *w == why) {
                        Some((names, _)) => names.push(p.name()),
                        None => skipped.push((vec![p.name()], why)),
                    }
                }
                Err(format!(
                    "no AWS platform can run `{}`: {}",
                    model.name,
                    skipped_text(&skipped)
                ))
            }
        }
    }
}

/// `aws-msk and aws-ec2 cannot: ...; ...`.
fn skipped_text(skipped: &[(Vec<&str>, String)]) -> String {
    skipped
        .iter()
        .map(|(names, why)| format!("{} cannot: {why}", names.join(" and ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The book that prices `model`: the chosen platform's, with a user's file
/// (`(name, text)`) laid over it, and why that platform when `aws` chose
/// it. Refused when the final book's platform cannot run `model` (a user's
/// file may state other capabilities: its platform is then its own).
pub fn book_for(
    choice: BookChoice,
    model: &Model,
    file: Option<(&str, &str)>,
) -> Result<(PriceBook, Option<String>), String> {
    let (platform, why) = choice.choose(model)?;
    let book = match file {
        None => platform.book(),
        Some((name, text)) => PriceBook::load(platform, name, text).map_err(|e| e.to_string())?,
    };
    let refused = refusals(&book, model);
    if refused.is_empty() {
        Ok((book, why))
    } else {
        Err(refusal_text(&book, model, &refused))
    }
}

/// Why `book`'s platform cannot run `model`: empty when it can.
pub fn refusals(book: &PriceBook, model: &Model) -> Vec<String> {
    let mut why = Vec::new();
    if !book.can_run.observers {
        if let Some(topic) = topic_with_observers(model) {
            why.push(format!(
                "no observers on this platform (topic `{topic}` places some; observers are \
                 Confluent Server's Multi-Region Clusters)"
            ));
        }
    }
    if !book.can_run.stretched_across_regions {
        if let Some(cluster) = cluster_across_regions(model) {
            why.push(format!(
                "no cluster across regions on this platform (cluster `{cluster}` has brokers \
                 or controllers in more than one region)"
            ));
        }
    }
    for m in model.mirrors() {
        if !book.can_run.mirrors.contains(&m.kind) {
            why.push(format!(
                "no {} on this platform (mirror `{}`; {})",
                mirror_name(m.kind),
                m.name,
                mirror_needs(m.kind)
            ));
        }
    }
    why.dedup();
    why
}

/// The refusal as one sentence, naming the platforms that can run it.
pub fn refusal_text(book: &PriceBook, model: &Model, why: &[String]) -> String {
    let can: Vec<&str> = Platform::ALL
        .into_iter()
        .filter(|p| refusals(&p.book(), model).is_empty())
        .map(Platform::name)
        .collect();
    let instead = if can.is_empty() {
        "no built-in platform can run it".to_string()
    } else {
        format!("platforms that can: {}", quoted(&can))
    };
    format!(
        "`{}` cannot be priced under {} ({}): {}; {instead}",
        model.name,
        book.name,
        book.platform,
        why.join("; ")
    )
}

pub fn mirror_name(kind: MirrorKind) -> &'static str {
    match kind {
        MirrorKind::MirrorMaker2 => "MirrorMaker 2",
        MirrorKind::ClusterLinking => "Cluster Linking",
        MirrorKind::MskReplicator => "MSK Replicator",
    }
}

fn mirror_needs(kind: MirrorKind) -> &'static str {
    match kind {
        MirrorKind::MirrorMaker2 => "MirrorMaker 2 runs anywhere Kafka Connect does",
        MirrorKind::ClusterLinking => "Cluster Linking needs Confluent Server",
        MirrorKind::MskReplicator => "MSK Replicator needs MSK clusters at both ends",
    }
}

/// The first topic with an observer replica, if any.
fn topic_with_observers(model: &Model) -> Option<&str> {
    model
        .partitions
        .iter()
        .find(|p| p.observers != 0)
        .map(|p| model.topics[p.topic.idx()].name.as_str())
}

/// The first cluster whose DCs lie in more than one region, if any.
fn cluster_across_regions(model: &Model) -> Option<&str> {
    model.clusters.iter().find_map(|c| {
        let mut regions = c.dcs.iter().map(|d| model.dcs[d.idx()].region);
        let first = regions.next()?;
        regions.any(|r| r != first).then_some(c.name.as_str())
    })
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `given` looks like a try at `name`: one contains the other, or
/// they are one or two edits apart.
fn is_near(given: &str, name: &str) -> bool {
    let g = given.to_ascii_lowercase();
    (g.len() >= 2 && (name.contains(&g) || g.contains(name))) || edits(&g, name) <= 2
}

/// Levenshtein distance (short names only).
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_cloud_name_for_a_platform_suggests_the_platforms() {
        let e = BookChoice::parse("msk").unwrap_err();
        assert!(e.contains("did you mean \"aws-msk\""), "{e}");
        let e = BookChoice::parse("confluent").unwrap_err();
        assert!(e.contains("\"confluent-platform\""), "{e}");
        assert!(e.contains("valid: \"aws-msk\""), "{e}");
    }

    #[test]
    fn aws_keeps_working_and_every_platform_parses_by_its_name() {
        assert_eq!(BookChoice::parse("aws"), Ok(BookChoice::Aws));
        for p in Platform::ALL {
            assert_eq!(BookChoice::parse(p.name()), Ok(BookChoice::One(p)));
        }
    }
}

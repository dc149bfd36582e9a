//! Producers' own failover (`producers[].failover`): an active-active
//! client that switches to the topic of the same name in another cluster.
//!
//! After the switch the producer shares that topic's partitions with the
//! producer already writing them: one flow per partition, at the sum of
//! their rates, acknowledged as one. So the two must agree on what an
//! acknowledgement means (acks, idempotence, delivery timeout, record
//! size), and a partition takes in at most one guest.

use super::clusters::Clusters;
use super::topics::Topics;
use super::{bounded_ms, Checker, ClientFailoverSpec, ProducerSpec};
use crate::dr::spec::DrSpec;
use crate::error::ScenarioError;
use crate::ids::*;
use crate::scenario::{ClientFailover, Producer, Scenario};

/// Resolves every producer's `failover`, after all producers are known
/// (the target topic's own producer is checked against the guest). Every
/// rule broken is reported; a producer that broke one of its own is not
/// checked here.
pub(super) fn resolve(
    c: &Checker,
    scenario: &Scenario,
    clusters: &Clusters,
    dr: Option<&DrSpec>,
    topics: &Topics,
    producers: &mut [Option<ProducerSpec>],
) {
    let mut guests: Vec<(TopicIdx, usize)> = Vec::new();
    for (pi, p) in scenario.producers.iter().enumerate() {
        let Some(fo) = &p.failover else { continue };
        let Some(guest) = &producers[pi] else {
            continue;
        };
        let scope = Scope {
            c,
            clusters,
            dr,
            topics,
        };
        let resolved = scope.failover(pi, p, fo, guest, producers, &mut guests);
        if let (Some(spec), Some(Some(guest))) = (c.keep(resolved), producers.get_mut(pi)) {
            guest.failover = Some(spec);
        }
    }
}

/// What a failover is resolved against.
struct Scope<'a> {
    c: &'a Checker<'a>,
    clusters: &'a Clusters,
    dr: Option<&'a DrSpec>,
    topics: &'a Topics,
}

impl Scope<'_> {
    /// Producer `pi`'s (`p`, resolved as `guest`) failover `fo`, after the
    /// `guests` before it.
    fn failover(
        &self,
        pi: usize,
        p: &Producer,
        fo: &ClientFailover,
        guest: &ProducerSpec,
        producers: &[Option<ProducerSpec>],
        guests: &mut Vec<(TopicIdx, usize)>,
    ) -> Result<ClientFailoverSpec, ScenarioError> {
        let (c, topics) = (self.c, self.topics);
        let f = format!("producers[{pi}].failover");
        let mut errors = Vec::new();
        if let Some(problem) = fo.detection.problem() {
            errors.push(c.err(format!("{f}.detection"), "", problem));
        }
        let dns_ttl = bounded_ms(c, &format!("{f}.dns_ttl_ms"), fo.dns_ttl_ms);
        let to_topic = target_topic(c, &f, fo, guest, self.clusters, self.dr, topics);
        let (to_topic, dns_ttl) = match (to_topic, dns_ttl) {
            (Ok(t), Ok(d)) => (t, d),
            (t, d) => {
                errors.extend(t.err());
                errors.extend(d.err());
                return Err(c.fail(errors));
            }
        };
        if let Some(&(_, other)) = guests.iter().find(|(t, _)| *t == to_topic) {
            errors.push(c.err(
                format!("{f}.to_cluster"),
                &format!("\"{}\"", fo.to_cluster),
                format!(
                    "producers[{other}] already fails over to \"{}\" in cluster \"{}\"; a partition takes in one failed-over producer",
                    p.topic, fo.to_cluster
                ),
            ));
        }
        guests.push((to_topic, pi));
        let host = topics.specs[to_topic.idx()].producer;
        if let Some((host, Some(spec))) = host.and_then(|h| producers.get(h).map(|s| (h, s))) {
            errors.extend(check_same_sends(c, &f, guest, spec, host).err());
        }
        c.all(errors)?;
        let partitions = topics.specs[to_topic.idx()].partitions as f64;
        let per_partition = p.records_per_sec * 1000.0 / partitions;
        Ok(ClientFailoverSpec {
            to_topic,
            rate_mrps_per_partition: per_partition.round().max(1.0) as u64,
            detection: fo.detection,
            dns_ttl,
        })
    }
}

/// The topic named like the producer's in `fo.to_cluster`.
fn target_topic(
    c: &Checker,
    f: &str,
    fo: &ClientFailover,
    pr: &ProducerSpec,
    clusters: &Clusters,
    dr: Option<&DrSpec>,
    topics: &Topics,
) -> Result<TopicIdx, ScenarioError> {
    let field = format!("{f}.to_cluster");
    let needle = format!("\"{}\"", fo.to_cluster);
    let to = target_cluster(c, &field, &needle, fo, clusters)?;
    let home = &topics.specs[pr.topic.idx()];
    if topics.cluster[pr.topic.idx()] == to {
        return Err(c.err(
            field,
            &needle,
            format!(
                "cluster \"{}\" is the producer's own; fail over to another",
                fo.to_cluster
            ),
        ));
    }
    let runbook_moves = dr.and_then(|d| d.runbook.as_ref().map(|r| &d.mirrors[r.mirror]));
    if runbook_moves.is_some_and(|m| m.topics.iter().any(|t| t.source == pr.topic)) {
        return Err(c.err(
            field,
            &needle,
            format!("the runbook already moves the producers of \"{}\"; a producer fails over by one of the two", home.name),
        ));
    }
    let t = topics
        .in_cluster(&home.name, to)
        .map(|t| t.idx())
        .ok_or_else(|| {
            c.err(
                field.clone(),
                &needle,
                format!(
                    "cluster \"{}\" has no topic \"{}\" to fail over to",
                    fo.to_cluster, home.name
                ),
            )
        })?;
    if topics.specs[t].mirror_of.is_some() {
        return Err(c.err(
            field,
            &needle,
            format!(
                "\"{}\" in cluster \"{}\" is a mirror topic (read-only until a runbook fails it over); use a runbook",
                home.name, fo.to_cluster
            ),
        ));
    }
    Ok(TopicIdx(t as u16))
}

/// The index of `fo.to_cluster` among the declared clusters; a scenario
/// without `clusters` has only the producer's own to fail over to.
fn target_cluster(
    c: &Checker,
    field: &str,
    needle: &str,
    fo: &ClientFailover,
    clusters: &Clusters,
) -> Result<usize, ScenarioError> {
    let Some(declared) = &clusters.declared else {
        return Err(c.err(
            field,
            needle,
            "a producer fails over to another cluster; this scenario has one (declare `clusters`)",
        ));
    };
    declared
        .iter()
        .position(|k| k.name == fo.to_cluster)
        .ok_or_else(|| {
            c.unknown(
                field,
                needle,
                format!("cluster \"{}\"", fo.to_cluster),
                declared.iter().map(|k| format!("\"{}\"", k.name)),
            )
        })
}

/// A guest and the host producer of its target share one flow per
/// partition, so they must send alike.
fn check_same_sends(
    c: &Checker,
    f: &str,
    guest: &ProducerSpec,
    host: &ProducerSpec,
    hi: usize,
) -> Result<(), ScenarioError> {
    let differs = [
        ("acks", guest.acks != host.acks),
        ("enable_idempotence", guest.idempotence != host.idempotence),
        (
            "delivery_timeout_ms",
            guest.delivery_timeout != host.delivery_timeout,
        ),
        ("record_bytes", guest.record_bytes != host.record_bytes),
    ];
    match differs.iter().find(|(_, d)| *d) {
        Some((key, _)) => Err(c.err(
            format!("{f}.to_cluster"),
            "",
            format!(
                "after failing over, this producer shares its target's partitions with producers[{hi}] as one flow, so both need the same `{key}`"
            ),
        )),
        None => Ok(()),
    }
}

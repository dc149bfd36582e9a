//! The clients section: producers and consumer groups, each in a data
//! center and on a topic of its cluster.

use super::clusters::Clusters;
use super::topics::Topics;
use super::topology::Topology;
use super::{positive_ms, Checker, ConsumerSpec, ProducerSpec};
use crate::dr::spec::DrSpec;
use crate::error::ScenarioError;
use crate::ids::*;
use crate::scenario::{Acks, Consumer, Producer, Scenario};
use kdrsim_sim::SimDuration;
use std::collections::BTreeSet;

pub(super) struct Clients {
    pub(super) producers: Vec<ProducerSpec>,
    pub(super) consumers: Vec<ConsumerSpec>,
}

/// Resolves `producers`, then `consumers`; each producer claims its topic
/// in `topics`.
pub(super) fn resolve(
    c: &Checker,
    scenario: &Scenario,
    topo: &Topology,
    clusters: &Clusters,
    dr: Option<&DrSpec>,
    topics: &mut Topics,
) -> Result<Clients, ScenarioError> {
    let mut scope = Scope {
        c,
        topo,
        clusters,
        dr,
        topics,
    };
    let mut producers = Vec::new();
    for (pi, p) in scenario.producers.iter().enumerate() {
        producers.push(scope.producer(pi, p)?);
    }
    let mut consumers = Vec::new();
    // (group, topic, mirror read) of each consumer so far.
    let mut groups = BTreeSet::new();
    for (ci, k) in scenario.consumers.iter().enumerate() {
        consumers.push(scope.consumer(ci, k, &mut groups)?);
    }
    Ok(Clients {
        producers,
        consumers,
    })
}

/// What clients are resolved against.
struct Scope<'a> {
    c: &'a Checker<'a>,
    topo: &'a Topology,
    clusters: &'a Clusters,
    dr: Option<&'a DrSpec>,
    topics: &'a mut Topics,
}

impl Scope<'_> {
    /// Producer `pi`; the first producer of its topic.
    fn producer(&mut self, pi: usize, p: &Producer) -> Result<ProducerSpec, ScenarioError> {
        let c = self.c;
        let pf = format!("producers[{pi}]");
        let dc = self.topo.find_dc(c, &format!("{pf}.dc"), &p.dc)?;
        let topic = self.client_topic(&format!("{pf}.topic"), &p.topic, dc)?;
        let (delivery_timeout, request_timeout) = producer_settings(c, &pf, p)?;
        let (retry_backoff, retry_backoff_max) = retry_backoff(c, &pf, p)?;
        let topic_spec = &mut self.topics.specs[topic.idx()];
        if let Some(mo) = topic_spec.mirror_of {
            let mirror = &self.dr.expect("mirror topics need mirrors").mirrors[mo.mirror];
            return Err(c.err(format!("{pf}.topic"), &format!("\"{}\"", p.topic), format!(
                "topic \"{}\" in this cluster is the mirror `{}` writes; producers write the source topic (a runbook moves them after a failover)",
                p.topic, mirror.name)));
        }
        if let Some(prev) = topic_spec.producer {
            return Err(c.err(format!("{pf}.topic"), "", format!(
                "topic \"{}\" already has producer `producers[{prev}]`; version 1 models one producer per topic",
                p.topic)));
        }
        topic_spec.producer = Some(pi);
        let per_partition = p.records_per_sec * 1000.0 / topic_spec.partitions as f64;
        Ok(ProducerSpec {
            name: p.name.clone(),
            topic,
            dc,
            rate_mrps_per_partition: per_partition.round().max(1.0) as u64,
            record_bytes: p.record_bytes as u64,
            acks: p.acks,
            idempotence: p.enable_idempotence,
            delivery_timeout,
            request_timeout,
            retry_backoff,
            retry_backoff_max,
            failover: None,
        })
    }

    /// Consumer `ci`, after the `groups` before it.
    fn consumer(
        &self,
        ci: usize,
        k: &Consumer,
        groups: &mut BTreeSet<(String, TopicIdx, Option<usize>)>,
    ) -> Result<ConsumerSpec, ScenarioError> {
        let c = self.c;
        let kf = format!("consumers[{ci}]");
        let dc = self.topo.find_dc(c, &format!("{kf}.dc"), &k.dc)?;
        // A group may read a mirror topic of its own cluster (active-active
        // readers of the other region's `{region}.orders`): mirror topics are
        // topics of their target cluster like any other.
        let topic = self.client_topic(&format!("{kf}.topic"), &k.topic, dc)?;
        let reads_mirror = self.topics.specs[topic.idx()].mirror_of.map(|m| m.mirror);
        if !groups.insert((k.group.clone(), topic, reads_mirror)) {
            return Err(c.err(
                format!("{kf}.group"),
                "",
                format!("group \"{}\" already reads \"{}\"", k.group, k.topic),
            ));
        }
        Ok(ConsumerSpec {
            group: k.group.clone(),
            topic,
            dc,
            commit_interval: positive_ms(
                c,
                &format!("{kf}.auto_commit_interval_ms"),
                k.auto_commit_interval_ms,
            )?,
            reset: k.auto_offset_reset,
            reads_mirror,
            client_rack: self.client_rack(&kf, k)?,
        })
    }

    /// The rack of consumer `k`'s `client.rack`, when set.
    fn client_rack(&self, kf: &str, k: &Consumer) -> Result<Option<RackIdx>, ScenarioError> {
        if k.client_rack.is_empty() {
            return Ok(None);
        }
        let racks = &self.topo.racks;
        let rack = racks
            .iter()
            .position(|r| r.name == k.client_rack)
            .map(|r| RackIdx(r as u16))
            .ok_or_else(|| {
                self.c.unknown(
                    format!("{kf}.client_rack"),
                    &format!("\"{}\"", k.client_rack),
                    format!("rack \"{}\"", k.client_rack),
                    racks.iter().map(|r| format!("\"{}\"", r.name)),
                )
            })?;
        Ok(Some(rack))
    }

    /// The topic a client in `dc` means by `name`: the only one of that name, or
    /// the one in the client's own cluster when several clusters have one.
    fn client_topic(&self, field: &str, name: &str, dc: DcIdx) -> Result<TopicIdx, ScenarioError> {
        let (topics, topic_cluster) = (&self.topics.specs, &self.topics.cluster);
        let named: Vec<usize> = (0..topics.len())
            .filter(|&i| topics[i].name == name)
            .collect();
        if named.len() <= 1 {
            return self.topics.find(self.c, field, name);
        }
        let cl = self
            .clusters
            .declared
            .as_ref()
            .expect("duplicate topic names need clusters");
        named
            .iter()
            .copied()
            .find(|&i| cl[topic_cluster[i]].dcs.contains(&dc))
            .map(|i| TopicIdx(i as u16))
            .ok_or_else(|| {
                let owners: Vec<String> = named
                    .iter()
                    .map(|&i| format!("\"{}\"", cl[topic_cluster[i]].name))
                    .collect();
                self.c.err(
                    field,
                    &format!("\"{name}\""),
                    format!(
                        "topic \"{name}\" exists in clusters {}; the client's DC belongs to none of them, so it is ambiguous",
                        owners.join(", ")
                    ),
                )
            })
    }
}

/// Producer `p`'s (at `pf`) rate, record size, timeouts and idempotence;
/// its delivery and request timeouts.
fn producer_settings(
    c: &Checker,
    pf: &str,
    p: &Producer,
) -> Result<(SimDuration, SimDuration), ScenarioError> {
    if !p.records_per_sec.is_finite() || p.records_per_sec <= 0.0 || p.records_per_sec > 1.0e9 {
        return Err(c.err(
            format!("{pf}.records_per_sec"),
            "",
            format!(
                "{} records/s: valid: a number in (0, 1e9]",
                p.records_per_sec
            ),
        ));
    }
    if p.record_bytes == 0 {
        return Err(c.err(format!("{pf}.record_bytes"), "", "record_bytes must be > 0"));
    }
    let delivery_timeout = positive_ms(
        c,
        &format!("{pf}.delivery_timeout_ms"),
        p.delivery_timeout_ms,
    )?;
    let request_timeout =
        positive_ms(c, &format!("{pf}.request_timeout_ms"), p.request_timeout_ms)?;
    if delivery_timeout < request_timeout {
        return Err(c.err(format!("{pf}.delivery_timeout_ms"), "", format!(
            "delivery_timeout_ms ({}) must be >= request_timeout_ms ({}), as Kafka's producer requires",
            p.delivery_timeout_ms, p.request_timeout_ms)));
    }
    if p.enable_idempotence && p.acks != Acks::All {
        return Err(c.err(format!("{pf}.enable_idempotence"), "", format!(
            "idempotence requires acks: All (Kafka refuses acks={:?} with enable.idempotence=true); set enable_idempotence: false",
            p.acks)));
    }
    Ok((delivery_timeout, request_timeout))
}

/// `retry_backoff_ms` and `retry_backoff_max_ms` of producer `pf`: both
/// positive, the cap no smaller than the first wait.
fn retry_backoff(
    c: &Checker,
    pf: &str,
    p: &Producer,
) -> Result<(SimDuration, SimDuration), ScenarioError> {
    let first = positive_ms(c, &format!("{pf}.retry_backoff_ms"), p.retry_backoff_ms)?;
    let max = positive_ms(
        c,
        &format!("{pf}.retry_backoff_max_ms"),
        p.retry_backoff_max_ms,
    )?;
    if max < first {
        return Err(c.err(format!("{pf}.retry_backoff_max_ms"), "", format!(
            "retry_backoff_max_ms ({}) must be >= retry_backoff_ms ({}): valid: a cap no smaller than the first wait",
            p.retry_backoff_max_ms, p.retry_backoff_ms)));
    }
    Ok((first, max))
}

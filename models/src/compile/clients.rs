//! The clients section: producers and consumer groups, each in a data
//! center and on a topic of its cluster.

use super::clusters::Clusters;
use super::topics::Topics;
use super::topology::Topology;
use super::{positive_ms, Checker, ConsumerSpec, Placement, ProducerSpec};
use crate::dr::spec::DrSpec;
use crate::error::ScenarioError;
use crate::ids::*;
use crate::scenario::{Acks, Consumer, Deployment, Producer, Scenario, TimeDist};
use kdrsim_sim::SimDuration;
use std::collections::BTreeSet;

pub(super) struct Clients {
    /// Per producer of the scenario, in file order: `None` for one that
    /// broke a rule (reported).
    pub(super) producers: Vec<Option<ProducerSpec>>,
    pub(super) consumers: Vec<ConsumerSpec>,
}

/// Resolves `producers`, then `consumers`; each producer claims its topic
/// in `topics`. Every rule a client breaks is reported.
pub(super) fn resolve(
    c: &Checker,
    scenario: &Scenario,
    topo: &Topology,
    clusters: &Clusters,
    dr: Option<&DrSpec>,
    topics: &mut Topics,
) -> Clients {
    let mut scope = Scope {
        c,
        topo,
        clusters,
        dr,
        topics,
    };
    let mut producers = Vec::new();
    for (pi, p) in scenario.producers.iter().enumerate() {
        producers.push(c.keep(scope.producer(pi, p)));
    }
    let mut consumers = Vec::new();
    // (group, topic, mirror read) of each consumer so far.
    let mut groups = BTreeSet::new();
    for (ci, k) in scenario.consumers.iter().enumerate() {
        consumers.extend(c.keep(scope.consumer(ci, k, &mut groups)));
    }
    Clients {
        producers,
        consumers,
    }
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
    /// Producer `pi`; the first producer of its topic. Every rule it
    /// breaks is reported, the last returned.
    fn producer(&mut self, pi: usize, p: &Producer) -> Result<ProducerSpec, ScenarioError> {
        let c = self.c;
        let pf = format!("producers[{pi}]");
        let mut errors = Vec::new();
        let dc = self.topo.find_dc(c, &format!("{pf}.dc"), &p.dc);
        let topic = match &dc {
            Ok(dc) => self.client_topic(&format!("{pf}.topic"), &p.topic, *dc),
            // The topic is still checked by name.
            Err(_) => self.topics.find(c, &format!("{pf}.topic"), &p.topic),
        };
        let settings = producer_settings(c, &pf, p, &mut errors);
        let (retry_backoff, retry_backoff_max) = retry_backoff(c, &pf, p, &mut errors);
        let (dc, topic) = match (dc, topic) {
            (Ok(dc), Ok(topic)) if errors.is_empty() => (dc, topic),
            (dc, topic) => {
                errors.extend(dc.err());
                errors.extend(topic.err());
                return Err(c.fail(errors));
            }
        };
        let placement = self.placement(&pf, &p.deployment, dc)?;
        let (delivery_timeout, request_timeout) = settings;
        let topic_spec = &mut self.topics.specs[topic.idx()];
        let mirror = topic_spec
            .mirror_of
            .and_then(|mo| self.dr.and_then(|dr| dr.mirrors.get(mo.mirror)));
        if let Some(mirror) = mirror {
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
            placement,
        })
    }

    /// Consumer `ci`, after the `groups` before it. Every rule it breaks is
    /// reported, the last returned.
    fn consumer(
        &self,
        ci: usize,
        k: &Consumer,
        groups: &mut BTreeSet<(String, TopicIdx, Option<usize>)>,
    ) -> Result<ConsumerSpec, ScenarioError> {
        let c = self.c;
        let kf = format!("consumers[{ci}]");
        let dc = self.topo.find_dc(c, &format!("{kf}.dc"), &k.dc);
        // A group may read a mirror topic of its own cluster (active-active
        // readers of the other region's `{region}.orders`): mirror topics are
        // topics of their target cluster like any other.
        let topic = match &dc {
            Ok(dc) => self.client_topic(&format!("{kf}.topic"), &k.topic, *dc),
            Err(_) => self.topics.find(c, &format!("{kf}.topic"), &k.topic),
        };
        let commit_interval = positive_ms(
            c,
            &format!("{kf}.auto_commit_interval_ms"),
            k.auto_commit_interval_ms,
        );
        let client_rack = self.client_rack(&kf, k);
        let (dc, topic, commit_interval, client_rack) =
            match (dc, topic, commit_interval, client_rack) {
                (Ok(d), Ok(t), Ok(i), Ok(r)) => (d, t, i, r),
                (d, t, i, r) => {
                    let errors = [d.err(), t.err(), i.err(), r.err()];
                    return Err(c.fail(errors.into_iter().flatten().collect()));
                }
            };
        let placement = self.placement(&kf, &k.deployment, dc)?;
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
            commit_interval,
            reset: k.auto_offset_reset,
            reads_mirror,
            client_rack,
            placement,
        })
    }

    /// Client `field`'s deployment, resolved against its DC `home`.
    fn placement(
        &self,
        field: &str,
        d: &Deployment,
        home: DcIdx,
    ) -> Result<Placement, ScenarioError> {
        let c = self.c;
        let df = format!("{field}.deployment");
        let checked = |name: &str, t: &TimeDist| match t.problem() {
            Some(problem) => Err(c.err(format!("{df}.{name}"), "", problem)),
            None => Ok(()),
        };
        Ok(match d {
            Deployment::Pinned => Placement::Pinned,
            Deployment::SpreadOverRegion { move_after } => {
                checked("move_after", move_after)?;
                let region = self.topo.dcs[home.idx()].region;
                let others = (0..self.topo.dcs.len())
                    .map(|i| DcIdx(i as u16))
                    .filter(|&i| i != home && self.topo.dcs[i.idx()].region == region);
                Placement::Spread {
                    dcs: std::iter::once(home).chain(others).collect(),
                    move_after: *move_after,
                }
            }
            Deployment::RestartIn { dc, after } => {
                checked("after", after)?;
                let to = self.topo.find_dc(c, &format!("{df}.dc"), dc)?;
                if to == home {
                    return Err(c.err(
                        format!("{df}.dc"),
                        &format!("\"{dc}\""),
                        "the client's own DC: valid: another DC to restart it in \
                         (Pinned keeps it in its own)"
                            .to_string(),
                    ));
                }
                Placement::RestartIn {
                    dc: to,
                    after: *after,
                }
            }
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
        let topic_cluster = &self.topics.cluster;
        let named: Vec<usize> = self.topics.named(name).map(|t| t.idx()).collect();
        // Topics of one name are in different clusters (declared ones).
        let declared = self.clusters.declared.as_ref();
        let Some(cl) = declared.filter(|_| named.len() > 1) else {
            return self.topics.find(self.c, field, name);
        };
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
/// its delivery and request timeouts. Each rule broken goes to `errors`.
fn producer_settings(
    c: &Checker,
    pf: &str,
    p: &Producer,
    errors: &mut Vec<ScenarioError>,
) -> (SimDuration, SimDuration) {
    if !p.records_per_sec.is_finite() || p.records_per_sec <= 0.0 || p.records_per_sec > 1.0e9 {
        errors.push(c.err(
            format!("{pf}.records_per_sec"),
            "",
            format!(
                "{} records/s: valid: a number in (0, 1e9]",
                p.records_per_sec
            ),
        ));
    }
    if p.record_bytes == 0 {
        errors.push(c.err(format!("{pf}.record_bytes"), "", "record_bytes must be > 0"));
    }
    let delivery_timeout = positive_ms(
        c,
        &format!("{pf}.delivery_timeout_ms"),
        p.delivery_timeout_ms,
    );
    let request_timeout = positive_ms(c, &format!("{pf}.request_timeout_ms"), p.request_timeout_ms);
    let (delivery_timeout, request_timeout) = match (delivery_timeout, request_timeout) {
        (Ok(d), Ok(r)) => (d, r),
        (d, r) => {
            errors.extend(d.err());
            errors.extend(r.err());
            (SimDuration::ZERO, SimDuration::ZERO)
        }
    };
    if delivery_timeout < request_timeout {
        errors.push(c.err(format!("{pf}.delivery_timeout_ms"), "", format!(
            "delivery_timeout_ms ({}) must be >= request_timeout_ms ({}), as Kafka's producer requires",
            p.delivery_timeout_ms, p.request_timeout_ms)));
    }
    if p.enable_idempotence && p.acks != Acks::All {
        errors.push(c.err(format!("{pf}.enable_idempotence"), "", format!(
            "idempotence requires acks: All (Kafka refuses acks={:?} with enable.idempotence=true); set enable_idempotence: false",
            p.acks)));
    }
    (delivery_timeout, request_timeout)
}

/// `retry_backoff_ms` and `retry_backoff_max_ms` of producer `pf`: both
/// positive, the cap no smaller than the first wait. A broken one is
/// reported into `errors` (and reads as Kafka's default after that).
fn retry_backoff(
    c: &Checker,
    pf: &str,
    p: &Producer,
    errors: &mut Vec<ScenarioError>,
) -> (SimDuration, SimDuration) {
    let mut ms = |field: &str, v: u64, default: u64| match positive_ms(c, field, v) {
        Ok(d) => d,
        Err(e) => {
            errors.push(e);
            SimDuration::from_ms(default)
        }
    };
    let first = ms(&format!("{pf}.retry_backoff_ms"), p.retry_backoff_ms, 100);
    let max = ms(
        &format!("{pf}.retry_backoff_max_ms"),
        p.retry_backoff_max_ms,
        1_000,
    );
    if max < first {
        errors.push(c.err(format!("{pf}.retry_backoff_max_ms"), "", format!(
            "retry_backoff_max_ms ({}) must be >= retry_backoff_ms ({}): valid: a cap no smaller than the first wait",
            p.retry_backoff_max_ms, p.retry_backoff_ms)));
    }
    (first, max)
}

//! Kafka's rack-aware replica assignment.
//!
//! A port of `AdminUtils.assignReplicasToBrokersRackAware` (Apache Kafka,
//! `server-common/.../admin/AdminUtils.java`), with the random start index and
//! replica shift fixed at 0 so that a scenario's layout does not change from
//! trial to trial. Brokers are interleaved by rack (racks sorted by name,
//! brokers by id), each partition's first replica walks that list, and further
//! replicas skip racks (then brokers) that already hold one while any rack
//! (broker) holds none.
//!
//! In a stretched cluster set each broker's rack to its DC, as operators do
//! with `broker.rack`, to spread replicas over DCs.

use std::collections::BTreeMap;

/// `brokers`: (node.id, rack name). Returns, per partition, node ids with the
/// preferred leader first. Requires 1 <= rf <= brokers.len().
pub fn rack_aware(brokers: &[(u32, &str)], partitions: u32, rf: usize) -> Vec<Vec<u32>> {
    let mut by_rack: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for &(id, rack) in brokers {
        by_rack.entry(rack).or_default().push(id);
    }
    for ids in by_rack.values_mut() {
        ids.sort_unstable();
    }
    let rack_of: BTreeMap<u32, &str> = brokers.iter().map(|&(id, r)| (id, r)).collect();
    let num_racks = by_rack.len();
    // getRackAlternatedBrokerList
    let mut arranged = Vec::with_capacity(brokers.len());
    let mut cursors = vec![0usize; num_racks];
    let racks: Vec<&Vec<u32>> = by_rack.values().collect();
    let mut r = 0;
    while arranged.len() < brokers.len() {
        if cursors[r] < racks[r].len() {
            arranged.push(racks[r][cursors[r]]);
            cursors[r] += 1;
        }
        r = (r + 1) % num_racks;
    }
    let n = arranged.len();
    let start_index = 0usize;
    let mut next_replica_shift = 0usize;
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions as usize {
        if p > 0 && p % n == 0 {
            next_replica_shift += 1;
        }
        let first = (p + start_index) % n;
        let leader = arranged[first];
        let mut replicas = vec![leader];
        let mut racks_with: Vec<&str> = vec![rack_of[&leader]];
        let mut k = 0usize;
        for _ in 1..rf {
            loop {
                let shift = 1 + (next_replica_shift * num_racks + k) % (n - 1);
                let broker = arranged[(first + shift) % n];
                let rack = rack_of[&broker];
                k += 1;
                let rack_ok = !racks_with.contains(&rack) || racks_with.len() == num_racks;
                let broker_ok = !replicas.contains(&broker) || replicas.len() == n;
                if rack_ok && broker_ok {
                    replicas.push(broker);
                    if !racks_with.contains(&rack) {
                        racks_with.push(rack);
                    }
                    break;
                }
            }
        }
        out.push(replicas);
    }
    out
}

/// Confluent replica placement constraints, checked and resolved.
///
/// Rules follow Confluent's Multi-Region Clusters documentation
/// ([CP-MRC] in `docs/model.md`): each rack appears at most once among the
/// sync replicas and at most once among the observers; a rack must have at
/// least as many brokers as the replicas plus observers placed in it; the
/// assignment lists sync replicas, then observers. Version 2 is needed for
/// automatic observer promotion; version 1 behaves as `leader-is-observer`.
pub mod constraints {
    use crate::scenario::{PlacementGroup, PromotionPolicy, RackConstraint, ReplicaPlacement};
    use serde::Deserialize;
    use std::collections::BTreeMap;

    /// A broken placement rule: `field` is the path below the placement
    /// (`replicas[1].constraints.rack`), `message` names the rule.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RuleError {
        pub field: String,
        pub message: String,
    }

    fn rule(field: impl Into<String>, message: impl Into<String>) -> RuleError {
        RuleError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Confluent's JSON form (`confluent.placement.constraints`).
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Json {
        version: u32,
        replicas: Vec<JsonGroup>,
        #[serde(default)]
        observers: Vec<JsonGroup>,
        #[serde(default, rename = "observerPromotionPolicy")]
        observer_promotion_policy: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct JsonGroup {
        count: u32,
        constraints: JsonRack,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct JsonRack {
        rack: String,
    }

    /// Reads Confluent's placement JSON, e.g.
    /// `{"version":2,"replicas":[{"count":2,"constraints":{"rack":"dc1"}}],
    /// "observers":[...],"observerPromotionPolicy":"under-min-isr"}`.
    pub fn from_confluent_json(text: &str) -> Result<ReplicaPlacement, RuleError> {
        let json: Json = serde_json::from_str(text).map_err(|e| {
            rule(
                "",
                format!(
                    "not a valid Confluent placement JSON (line {}, column {} of the JSON): {e}; \
                     valid: {{\"version\": 1|2, \"replicas\": [{{\"count\": N, \"constraints\": {{\"rack\": \"...\"}}}}], \
                     \"observers\": [...], \"observerPromotionPolicy\": \"under-min-isr\"|\"under-replicated\"|\"leader-is-observer\"}}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let policy = match json.observer_promotion_policy.as_deref() {
            None => None,
            Some("under-min-isr") => Some(PromotionPolicy::UnderMinIsr),
            Some("under-replicated") => Some(PromotionPolicy::UnderReplicated),
            Some("leader-is-observer") => Some(PromotionPolicy::LeaderIsObserver),
            Some(other) => {
                return Err(rule(
                    "observerPromotionPolicy",
                    format!(
                        "unknown observerPromotionPolicy \"{other}\"; valid: \"under-min-isr\", \"under-replicated\", \"leader-is-observer\""
                    ),
                ))
            }
        };
        let groups = |g: Vec<JsonGroup>| {
            g.into_iter()
                .map(|g| PlacementGroup {
                    count: g.count,
                    constraints: RackConstraint {
                        rack: g.constraints.rack,
                    },
                })
                .collect()
        };
        Ok(ReplicaPlacement {
            version: json.version,
            replicas: groups(json.replicas),
            observers: groups(json.observers),
            observer_promotion_policy: policy,
        })
    }

    /// A placement that passed every rule.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Resolved {
        /// Sync replicas per partition.
        pub sync: usize,
        /// Observers per partition.
        pub observers: usize,
        /// The effective policy: version 1 and an absent policy without
        /// observers behave as `LeaderIsObserver` (never automatic).
        pub policy: PromotionPolicy,
    }

    /// Applies Confluent's rules against the brokers per rack.
    pub fn check(
        p: &ReplicaPlacement,
        brokers_by_rack: &BTreeMap<&str, Vec<u32>>,
        max_replicas: usize,
    ) -> Result<Resolved, RuleError> {
        if p.version != 1 && p.version != 2 {
            return Err(rule(
                "version",
                format!(
                    "placement version {} does not exist; valid: 1, 2",
                    p.version
                ),
            ));
        }
        if p.replicas.is_empty() {
            return Err(rule(
                "replicas",
                "a placement needs at least one replicas entry (the sync replicas)",
            ));
        }
        let per_rack = replicas_per_rack(p, brokers_by_rack)?;
        racks_have_room(&per_rack, brokers_by_rack)?;
        let sync: usize = p.replicas.iter().map(|g| g.count as usize).sum();
        let observers: usize = p.observers.iter().map(|g| g.count as usize).sum();
        if sync + observers > max_replicas {
            return Err(rule(
                "replicas",
                format!(
                    "{} and {}: at most {max_replicas} in all are supported",
                    crate::words::count(sync as u64, "replica"),
                    crate::words::count(observers as u64, "observer")
                ),
            ));
        }
        if p.version == 1 && p.observer_promotion_policy.is_some() {
            return Err(rule(
                "observer_promotion_policy",
                "version 1 never promotes observers (Confluent ignores observerPromotionPolicy unless the \
                 placement is version 2); set version: 2, or remove the policy",
            ));
        }
        let policy = match (p.version, p.observer_promotion_policy) {
            (2, Some(policy)) => policy,
            (2, None) if observers > 0 => PromotionPolicy::UnderMinIsr,
            _ => PromotionPolicy::LeaderIsObserver,
        };
        Ok(Resolved {
            sync,
            observers,
            policy,
        })
    }

    /// Replicas and observers placed in each rack, after the rules of each
    /// group: a count of at least 1, each rack once per list, and a rack
    /// some broker is in.
    fn replicas_per_rack<'a>(
        p: &'a ReplicaPlacement,
        brokers_by_rack: &BTreeMap<&str, Vec<u32>>,
    ) -> Result<BTreeMap<&'a str, u32>, RuleError> {
        let mut per_rack: BTreeMap<&str, u32> = BTreeMap::new();
        for (kind, list) in [("replicas", &p.replicas), ("observers", &p.observers)] {
            let mut seen: Vec<&str> = Vec::new();
            for (i, g) in list.iter().enumerate() {
                let rack = g.constraints.rack.as_str();
                let field = format!("{kind}[{i}]");
                if g.count == 0 {
                    return Err(rule(
                        format!("{field}.count"),
                        format!("count must be at least 1 (rack \"{rack}\")"),
                    ));
                }
                if seen.contains(&rack) {
                    return Err(rule(
                        format!("{field}.constraints.rack"),
                        format!(
                            "rack \"{rack}\" appears twice in {kind}; Confluent allows each rack at most once per list"
                        ),
                    ));
                }
                seen.push(rack);
                if !brokers_by_rack.contains_key(rack) {
                    let valid: Vec<String> =
                        brokers_by_rack.keys().map(|r| format!("\"{r}\"")).collect();
                    return Err(rule(
                        format!("{field}.constraints.rack"),
                        format!(
                            "no broker has broker.rack \"{rack}\"; valid: {}",
                            valid.join(", ")
                        ),
                    ));
                }
                // Saturating: counts are user numbers, and u32::MAX plus one
                // observer must read as "too many", not wrap to 0 (found by
                // the fuzzer).
                let n = per_rack.entry(rack).or_default();
                *n = n.saturating_add(g.count);
            }
        }
        Ok(per_rack)
    }

    /// Refuses a rack given more replicas and observers than it has
    /// brokers: two replicas of a partition never share a broker.
    fn racks_have_room(
        per_rack: &BTreeMap<&str, u32>,
        brokers_by_rack: &BTreeMap<&str, Vec<u32>>,
    ) -> Result<(), RuleError> {
        for (rack, need) in per_rack {
            let have = brokers_by_rack[rack].len() as u32;
            if *need > have {
                return Err(rule(
                    "replicas",
                    format!(
                        "rack \"{rack}\" has {} but the placement puts {need} replicas and observers there; \
                         a rack needs at least one broker per replica or observer placed in it",
                        crate::words::count(have as u64, "broker")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// One replica list per partition: sync replicas in the order of the
    /// `replicas` groups (so the first group's rack holds the preferred
    /// leader, as in Confluent's tutorial where leaders return to the first
    /// rack), then observers. Within a rack, partitions rotate over its
    /// brokers so that load spreads; a rack's sync replicas and observers
    /// are always distinct brokers.
    pub fn assign(
        p: &ReplicaPlacement,
        brokers_by_rack: &BTreeMap<&str, Vec<u32>>,
        partitions: u32,
    ) -> Vec<Vec<u32>> {
        let sync_in = |rack: &str| {
            p.replicas
                .iter()
                .find(|g| g.constraints.rack == rack)
                .map_or(0, |g| g.count as usize)
        };
        (0..partitions as usize)
            .map(|part| {
                let mut list = Vec::new();
                let pick = |rack: &str, skip: usize, count: usize, list: &mut Vec<u32>| {
                    let ids = &brokers_by_rack[rack];
                    for k in skip..skip + count {
                        list.push(ids[(part + k) % ids.len()]);
                    }
                };
                for g in &p.replicas {
                    pick(&g.constraints.rack, 0, g.count as usize, &mut list);
                }
                for g in &p.observers {
                    let rack = g.constraints.rack.as_str();
                    pick(rack, sync_in(rack), g.count as usize, &mut list);
                }
                list
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_racks_rf3_puts_one_replica_in_each_rack() {
        let brokers = [
            (1, "dc1"),
            (2, "dc1"),
            (3, "dc2"),
            (4, "dc2"),
            (5, "dc3"),
            (6, "dc3"),
        ];
        let a = rack_aware(&brokers, 12, 3);
        for replicas in &a {
            let mut racks: Vec<&str> = replicas
                .iter()
                .map(|id| brokers.iter().find(|b| b.0 == *id).unwrap().1)
                .collect();
            racks.sort();
            racks.dedup();
            assert_eq!(racks.len(), 3, "{replicas:?}");
        }
        // Leaders rotate over the rack-alternated list 1,3,5,2,4,6.
        let leaders: Vec<u32> = a.iter().take(6).map(|r| r[0]).collect();
        assert_eq!(leaders, vec![1, 3, 5, 2, 4, 6]);
    }

    #[test]
    fn more_replicas_than_racks_still_uses_distinct_brokers() {
        let brokers = [(1, "a"), (2, "a"), (3, "b"), (4, "b")];
        for replicas in rack_aware(&brokers, 8, 4) {
            let mut ids = replicas.clone();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 4);
        }
    }
}

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

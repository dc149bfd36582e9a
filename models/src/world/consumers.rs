//! Consumer groups: where they read from, read availability, deaths and
//! restarts, offsets out of range.

use super::*;

impl World {
    /// The DC a consumer group reads partition `p` from: with
    /// `RackAwareReplicaSelector` and a `client.rack`, a replica in that rack
    /// that has the group's offsets (the leader, or a follower or observer
    /// streaming from it: a lagging one is skipped and the group goes to the
    /// leader, as KIP-392 consumers do when the preferred replica lacks the
    /// offset). `None`: the group reads from the leader.
    pub(super) fn consumer_source_dc(&self, p: usize, consumer: usize) -> Option<DcIdx> {
        let m = &self.model;
        let rack = m.consumers[consumer]
            .client_rack
            .filter(|_| m.rack_aware_selector)?;
        let spec = &m.partitions[p];
        let part = &self.parts[p];
        (0..spec.rf as usize)
            .find(|&s| {
                let b = spec.replicas[s];
                m.brokers[b.idx()].rack == rack
                    && self.brokers[b.idx()].serving()
                    && matches!(part.replicas[s].fetch, Fetch::Leader | Fetch::Streaming)
                    && self.connected(m.brokers[b.idx()].dc, self.consumer_dc(consumer))
            })
            .map(|s| m.brokers[spec.replicas[s].idx()].dc)
    }

    /// Consumer groups: deaths with their DC, and read availability of
    /// every partition (or of `only` one).
    pub(super) fn refresh_consumers(&mut self, now: SimTime, only: Option<usize>) {
        let m = self.model.clone();
        // Only world events move a group or take its DC down, and each is
        // followed by a refresh of everything (`only` is `None`).
        let groups = if only.is_none() { m.consumers.len() } else { 0 };
        for (i, c) in m.consumers.iter().enumerate().take(groups) {
            let alive = self.dc_down[self.consumer_dc(i).idx()] == 0;
            if alive != self.consumer_alive[i] {
                self.consumer_alive[i] = alive;
                if !alive {
                    // The group dies with its DC; on restart it resumes from
                    // the last committed offsets and re-processes what it had
                    // consumed since the last auto-commit.
                    let interval = c.commit_interval.as_ns().max(1);
                    let phase = self.commit_phase[i].as_ns();
                    let since_commit = if now.as_ns() >= phase {
                        (now.as_ns() - phase) % interval
                    } else {
                        now.as_ns()
                    };
                    let t = &m.topics[self.consumer_topic[i].idx()];
                    for p in t.first_partition..t.first_partition + t.partitions {
                        let part = &self.parts[p as usize];
                        if part.curve.newest().appending {
                            self.duplicates += records_over(part.curve.rate_mrps(), since_commit);
                        }
                    }
                }
            }
        }
        let range = match only {
            Some(p) => p..p + 1,
            None => 0..self.parts.len(),
        };
        for p in range {
            let spec = &m.partitions[p];
            let leader_b = self.parts[p].leader.map(|l| spec.replicas[l as usize]);
            let mut bad = false;
            for &i in &self.readers[spec.topic.idx()] {
                let i = i as usize;
                // The application's view: a group that runs nowhere is down
                // for reads, as much as one that reaches no replica.
                let dc = self.consumer_dc(i);
                let ok = self.consumer_alive[i]
                    && (leader_b.is_some_and(|b| {
                        self.brokers[b.idx()].serving() && self.connected(self.broker_dc(b), dc)
                    }) || self.consumer_source_dc(p, i).is_some());
                bad |= !ok;
            }
            if bad != self.parts[p].read_bad {
                self.parts[p].read_bad = bad;
                self.reads.change(now, bad);
                let available = !bad;
                self.note(
                    now,
                    TraceRecord::ReadAvailability {
                        partition: p as u32,
                        available,
                    },
                );
            }
        }
    }

    pub(super) fn offsets_out_of_range(&mut self, p: usize, new_end: u64, position: u64) {
        let topic = self.model.partitions[p].topic;
        for &i in &self.readers[topic.idx()] {
            let i = i as usize;
            if !self.consumer_alive[i] {
                continue;
            }
            match self.model.consumers[i].reset {
                // Reset to the log end: nothing re-read; records appended
                // between the truncation and the reset would be skipped, and
                // the reset happens at the next fetch, at the same instant.
                OffsetReset::Latest => self.skipped += 0,
                // Reset to the start: everything still in the log is re-read.
                OffsetReset::Earliest => self.duplicates += new_end.min(position),
            }
        }
    }

    /// Consumer group `i` reads topic `t` from now on (a runbook's switch).
    pub(super) fn set_consumer_topic(&mut self, i: usize, t: TopicIdx) {
        let old = self.consumer_topic[i].idx();
        self.readers[old].retain(|&g| g as usize != i);
        let list = &mut self.readers[t.idx()];
        let at = list.partition_point(|&g| (g as usize) < i);
        list.insert(at, i as u32);
        self.consumer_topic[i] = t;
    }
}

//! The world's side of [`crate::traffic`]: what consumer groups read,
//! counted as it happens, and the trial's totals handed out after it.

pub use crate::traffic::{Boundary, Purpose, Traffic};

use super::*;

impl super::World {
    /// Counts what every live consumer group of partition `p`'s topic read
    /// when its high watermark rose by `records`: from the leader in
    /// `leader_dc`, or from a replica in the group's rack when follower
    /// fetching (`client.rack`) finds one.
    pub(super) fn count_consumed(&mut self, p: usize, leader_dc: DcIdx, records: u64) {
        if records == 0 {
            return;
        }
        let bytes = records.saturating_mul(self.record_bytes[p]);
        let topic = self.model.partitions[p].topic.idx();
        for k in 0..self.readers[topic].len() {
            let i = self.readers[topic][k] as usize;
            if !self.consumer_alive[i] {
                continue;
            }
            let from = self.consumer_source_dc(p, i).unwrap_or(leader_dc);
            let to = self.consumer_dc(i);
            let boundary = Boundary::between(&self.model, from, to);
            self.traffic.add(Purpose::Consume, boundary, bytes);
        }
    }

    /// The last trial's bytes by purpose and boundary (see [`Traffic`]).
    pub fn traffic(&self) -> Traffic {
        let mut t = self.traffic;
        t.faults_begun = self.faults_begun;
        t
    }
}

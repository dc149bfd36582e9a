//! Bytes moved over one trial, by why they moved (purpose) and which
//! boundary they crossed: what a price book turns into money.
//!
//! `TrialOutcome::cross_dc_bytes` stays the single figure the goldens and
//! users' scripts read; this breakdown is read from the world after a trial
//! like [`super::Conservation`] is, and its cross-DC buckets add up to that
//! figure (a test says so). Every count saturates: a ten-year trial at
//! extreme rates pins at `u64::MAX` instead of wrapping.
//!
//! In the model a data center is the unit of failure; on a cloud it is an
//! availability zone, so "cross-DC within a region" is priced as cross-AZ.

use crate::compile::Model;
use crate::ids::DcIdx;
use serde::{Deserialize, Serialize};

/// Why bytes moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A producer's records to the partition leader.
    Produce,
    /// A streaming follower (or observer) fetching from its leader.
    Replication,
    /// A consumer group fetching committed records (from the leader, or a
    /// replica in its rack with follower fetching).
    Consume,
    /// A mirror (MM2, Cluster Linking, MSK Replicator) copying records
    /// from the source leader into the target cluster's leader.
    Mirror,
    /// A follower fetching the backlog it missed while down or cut off, at
    /// the link's bandwidth: the burst that follows an incident.
    CatchUp,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::Produce,
        Purpose::Replication,
        Purpose::Consume,
        Purpose::Mirror,
        Purpose::CatchUp,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Purpose::Produce => "produce",
            Purpose::Replication => "replication",
            Purpose::Consume => "consume",
            Purpose::Mirror => "mirror",
            Purpose::CatchUp => "catch_up",
        }
    }
}

/// Which boundary bytes crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// Both ends in one data center (availability zone).
    SameDc,
    /// Two data centers of one region: cross-AZ on a cloud.
    CrossDc,
    /// Two regions.
    CrossRegion,
}

impl Boundary {
    pub const ALL: [Boundary; 3] = [Boundary::SameDc, Boundary::CrossDc, Boundary::CrossRegion];

    pub const fn name(self) -> &'static str {
        match self {
            Boundary::SameDc => "same_dc",
            Boundary::CrossDc => "cross_dc",
            Boundary::CrossRegion => "cross_region",
        }
    }

    /// The boundary between data centers `a` and `b` of `model`.
    pub fn between(model: &Model, a: DcIdx, b: DcIdx) -> Boundary {
        if a == b {
            Boundary::SameDc
        } else if model.dcs[a.idx()].region == model.dcs[b.idx()].region {
            Boundary::CrossDc
        } else {
            Boundary::CrossRegion
        }
    }
}

/// Bytes per (purpose, boundary) over one trial, and how many faults began
/// in it (to spread an incident's burst over its incidents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Traffic {
    bytes: [[u64; 3]; 5],
    pub faults_begun: u32,
}

impl Traffic {
    pub fn bytes(&self, purpose: Purpose, boundary: Boundary) -> u64 {
        self.bytes[purpose as usize][boundary as usize]
    }

    /// Adds `bytes` moved for `purpose` across `boundary`.
    pub fn add(&mut self, purpose: Purpose, boundary: Boundary, bytes: u64) {
        let cell = &mut self.bytes[purpose as usize][boundary as usize];
        *cell = cell.saturating_add(bytes);
    }

    /// Adds `bytes` moved for `purpose` from data center `from` to `to`.
    pub fn count(&mut self, model: &Model, purpose: Purpose, from: DcIdx, to: DcIdx, bytes: u64) {
        self.add(purpose, Boundary::between(model, from, to), bytes);
    }

    /// Every purpose's bytes across `boundary`.
    pub fn across(&self, boundary: Boundary) -> u64 {
        Purpose::ALL
            .iter()
            .fold(0u64, |sum, p| sum.saturating_add(self.bytes(*p, boundary)))
    }

    /// Bytes that left a data center: what `TrialOutcome::cross_dc_bytes`
    /// counts.
    pub fn cross_dc_total(&self) -> u64 {
        self.across(Boundary::CrossDc)
            .saturating_add(self.across(Boundary::CrossRegion))
    }

    pub fn clear(&mut self) {
        *self = Traffic::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_saturates_instead_of_wrapping() {
        let mut t = Traffic::default();
        t.add(Purpose::Mirror, Boundary::CrossRegion, u64::MAX - 1);
        t.add(Purpose::Mirror, Boundary::CrossRegion, 5);
        t.add(Purpose::Produce, Boundary::CrossDc, 7);
        assert_eq!(t.bytes(Purpose::Mirror, Boundary::CrossRegion), u64::MAX);
        assert_eq!(t.cross_dc_total(), u64::MAX);
    }

    #[test]
    fn same_dc_bytes_are_not_cross_dc_bytes() {
        let mut t = Traffic::default();
        t.add(Purpose::Consume, Boundary::SameDc, 100);
        t.add(Purpose::Consume, Boundary::CrossDc, 10);
        t.add(Purpose::CatchUp, Boundary::CrossRegion, 1);
        assert_eq!(t.cross_dc_total(), 11);
        assert_eq!(t.across(Boundary::SameDc), 100);
    }
}

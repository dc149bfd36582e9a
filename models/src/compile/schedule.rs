//! What compilation makes of the scenario's faults for planning: the
//! scheduled faults and the fault processes with their targets resolved,
//! and the stream keys they draw from. `crate::faults` plans them per
//! trial; it depends on these types, they do not depend on it.

use crate::scenario::TimeDist;

/// At most this many fault occurrences per trial from all fault processes
/// together: checked at load time from each process's mean cycle, per
/// process and summed over processes, and enforced while drawing (one
/// budget shared by every process, so the draw stops there whatever the
/// distributions' tails do).
pub const MAX_OCCURRENCES: usize = 100_000;

/// A fault of the scenario file: its times and the target(s) it may hit
/// (one per `AnyOf` alternative; indices into `Model::faults`).
#[derive(Debug, Clone)]
pub struct ScheduledFault {
    pub at: TimeDist,
    pub recover_after: Option<TimeDist>,
    pub specs: Vec<u16>,
    /// The stream an `AnyOf` choice draws from.
    pub choice_key: u32,
}

/// A fault process: each component fails after `time_to_failure`, is
/// repaired after `time_to_repair`, and so on (an alternating renewal
/// process per component, independent of the others).
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub time_to_failure: TimeDist,
    pub time_to_repair: TimeDist,
    /// (index into `Model::faults`, the component's stream key)
    pub components: Vec<(u16, u32)>,
}

/// A stable 32-bit stream key for a name (FNV-1a), in a range apart from
/// the named purposes.
pub fn purpose_key(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h | 0x8000_0000
}

//! Logs as leader-epoch-tagged offset ranges.
//!
//! A replica's log is its log end offset plus its leader-epoch cache: a list
//! of `(epoch, start offset)` entries, exactly like Kafka's
//! `leader-epoch-checkpoint` file. The epoch of the record at offset `o` is
//! the epoch of the last entry starting at or before `o`. Two replicas hold
//! the same record at `o` iff both have `o` and tag it with the same epoch,
//! because a leader writes each offset at most once per epoch.

/// One leader-epoch cache entry: records from `start` on were written in `epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochStart {
    pub epoch: u32,
    pub start: u64,
}

/// The epoch of the record at `offset` (which must be below the log end).
pub fn epoch_at(log: &[EpochStart], offset: u64) -> Option<u32> {
    let idx = log.partition_point(|e| e.start <= offset);
    (idx > 0).then(|| log[idx - 1].epoch)
}

/// Appends an epoch entry at `start`; an entry at the same start offset is
/// replaced (that epoch wrote no record).
pub fn push_epoch(log: &mut Vec<EpochStart>, epoch: u32, start: u64) {
    match log.last_mut() {
        Some(last) if last.start == start => last.epoch = epoch,
        Some(last) if last.epoch == epoch => {}
        _ => log.push(EpochStart { epoch, start }),
    }
}

/// Drops every entry describing offsets at or above `leo`.
pub fn truncate(log: &mut Vec<EpochStart>, leo: u64) {
    let keep = log.partition_point(|e| e.start < leo);
    log.truncate(keep);
}

/// The first offset at which a follower's log differs from the leader's:
/// where their epoch tags first disagree, or the shorter log end. This is the
/// fixed point of Kafka's leader-epoch truncation (KIP-101, KIP-279, and the
/// diverging-epoch fetch of KAFKA-10554): the follower keeps exactly the
/// common prefix.
pub fn divergence(f: &[EpochStart], f_leo: u64, l: &[EpochStart], l_leo: u64) -> u64 {
    let end = f_leo.min(l_leo);
    let mut x = 0u64;
    while x < end {
        let (Some(ef), Some(el)) = (epoch_at(f, x), epoch_at(l, x)) else {
            return x;
        };
        if ef != el {
            return x;
        }
        let next_f = f
            .get(f.partition_point(|e| e.start <= x))
            .map_or(u64::MAX, |e| e.start);
        let next_l = l
            .get(l.partition_point(|e| e.start <= x))
            .map_or(u64::MAX, |e| e.start);
        x = next_f.min(next_l).min(end);
    }
    end
}

/// Makes `f` describe a log that keeps its own records below `at` and holds
/// the leader's from `at` on: what a follower that truncated to `at` (not
/// necessarily a point where the two logs agree) holds after fetching.
pub fn splice(f: &mut Vec<EpochStart>, at: u64, l: &[EpochStart]) {
    truncate(f, at);
    let from = l.partition_point(|e| e.start <= at);
    if from > 0 {
        push_epoch(f, l[from - 1].epoch, at);
    }
    for e in &l[from..] {
        push_epoch(f, e.epoch, e.start);
    }
}

/// The part of `[start, end)` that `log` (with end `leo`) holds with tag
/// `epoch`, as sub-ranges, calling `keep(lo, hi)` for each.
pub fn held_ranges(
    log: &[EpochStart],
    leo: u64,
    epoch: u32,
    start: u64,
    end: u64,
    mut keep: impl FnMut(u64, u64),
) {
    let end = end.min(leo);
    for (i, e) in log.iter().enumerate() {
        if e.epoch != epoch {
            continue;
        }
        let seg_end = log.get(i + 1).map_or(leo, |n| n.start);
        let lo = e.start.max(start);
        let hi = seg_end.min(end);
        if lo < hi {
            keep(lo, hi);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(entries: &[(u32, u64)]) -> Vec<EpochStart> {
        entries
            .iter()
            .map(|&(epoch, start)| EpochStart { epoch, start })
            .collect()
    }

    #[test]
    fn follower_with_a_stale_epoch_tail_truncates_to_the_epoch_boundary() {
        // The old leader wrote 100..150 in epoch 1 that the new leader never
        // had; the new leader started epoch 2 at 100.
        let old = log(&[(0, 0), (1, 50)]);
        let new = log(&[(0, 0), (1, 50), (2, 100)]);
        assert_eq!(divergence(&old, 150, &new, 180), 100);
    }

    #[test]
    fn prefix_follower_keeps_everything() {
        let f = log(&[(0, 0), (1, 50)]);
        let l = log(&[(0, 0), (1, 50), (3, 90)]);
        assert_eq!(divergence(&f, 70, &l, 200), 70);
    }

    #[test]
    fn held_ranges_cut_out_other_epochs() {
        let l = log(&[(0, 0), (2, 10), (3, 20)]);
        let mut got = vec![];
        held_ranges(&l, 25, 2, 5, 30, |a, b| got.push((a, b)));
        assert_eq!(got, vec![(10, 20)]);
        assert_eq!(epoch_at(&l, 19), Some(2));
        assert_eq!(epoch_at(&[], 0), None);
    }

    #[test]
    fn a_splice_keeps_the_follower_below_the_cut_and_the_leader_above() {
        // The follower kept epoch-1 records up to 120, where the leader
        // wrote epoch 2 from 100: 100..120 now differ.
        let mut f = log(&[(0, 0), (1, 50)]);
        let l = log(&[(0, 0), (1, 50), (2, 100), (4, 300)]);
        splice(&mut f, 120, &l);
        assert_eq!(f, log(&[(0, 0), (1, 50), (2, 120), (4, 300)]));
        assert_eq!(divergence(&f, 400, &l, 400), 100);
    }

    #[test]
    fn epoch_entries_at_one_offset_collapse() {
        let mut l = log(&[(0, 0)]);
        push_epoch(&mut l, 1, 10);
        push_epoch(&mut l, 2, 10);
        assert_eq!(l, log(&[(0, 0), (2, 10)]));
        truncate(&mut l, 10);
        assert_eq!(l, log(&[(0, 0)]));
    }
}

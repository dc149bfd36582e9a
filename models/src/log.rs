//! Logs as leader-epoch-tagged offset ranges.
//!
//! A replica's log is its log end offset plus its leader-epoch cache: a list
//! of `(epoch, start offset)` entries, exactly like Kafka's
//! `leader-epoch-checkpoint` file. The epoch of the record at offset `o` is
//! the epoch of the last entry starting at or before `o`. Two replicas hold
//! the same record at `o` iff both have `o` and tag it with the same epoch,
//! because a leader writes each offset at most once per epoch.
//!
//! # Settled history
//!
//! Every leader election adds an entry, so over a trial of years a cache
//! holds thousands, and walking or copying them on every election made a
//! trial's cost quadratic in its failures. The prefix that every replica of
//! a partition holds alike is therefore *settled* (see [`settle`]): its
//! entries move, once, into the partition's [`Settled`] history, and each
//! cache describes that prefix by a single entry tagged [`SETTLED`]. The
//! caches stay a handful of entries long, and every question about tags
//! (divergence, what a log holds, how an acknowledgement splits by epoch)
//! has the same answer as before: `SETTLED` on both sides of a comparison
//! means the same records, because every cache of the partition that says
//! `SETTLED` refers to the same history (all are rewritten together), and
//! the oracle reads settled tags through [`for_each_run`].

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

/// The tag of the records of a cache entry that stands for its partition's
/// [`Settled`] history. No leader epoch reaches it.
pub const SETTLED: u32 = u32::MAX;

/// The history of a partition below the offset up to which every replica's
/// log agreed when it was last settled: the leader-epoch entries of
/// `[0, end)` that the caches describe by one [`SETTLED`] entry.
#[derive(Debug, Clone, Default)]
pub struct Settled {
    log: Vec<EpochStart>,
    end: u64,
    /// Settling is tried again once the leader's cache is longer than this
    /// (doubling, so a replica that holds settling back for a long time
    /// costs amortised constant work per election).
    next_try: usize,
}

/// A cache shorter than this is never worth settling.
const SETTLE_MIN_ENTRIES: usize = 8;

impl Settled {
    pub fn clear(&mut self) {
        self.log.clear();
        self.end = 0;
        self.next_try = SETTLE_MIN_ENTRIES;
    }

    /// Where the settled history ends.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Whether a leader cache of `len` entries is due for settling.
    pub fn due(&self, len: usize) -> bool {
        len > self.next_try.max(SETTLE_MIN_ENTRIES)
    }

    /// Calls `f(epoch, lo, hi)` for each run of `[lo, hi)` (within `[0, end)`)
    /// with one epoch, in offset order.
    fn for_each_run(&self, lo: u64, hi: u64, f: &mut impl FnMut(u32, u64, u64)) {
        debug_assert!(hi <= self.end, "settled history read beyond its end");
        runs(&self.log, self.end, lo, hi, f);
    }
}

/// Calls `f(epoch, lo, hi)` for each run of `[lo, hi)` that `log` tags with
/// one epoch (the last entry reaching `last_end`), in offset order; offsets
/// before the first entry have no tag and are skipped. A binary search finds
/// the first entry, so the cost is that of the runs, not of the cache.
fn runs(log: &[EpochStart], last_end: u64, lo: u64, hi: u64, mut f: impl FnMut(u32, u64, u64)) {
    if lo >= hi {
        return;
    }
    let first = log.partition_point(|e| e.start <= lo).saturating_sub(1);
    for (i, e) in log.iter().enumerate().skip(first) {
        if e.start >= hi {
            break;
        }
        let seg_end = log.get(i + 1).map_or(last_end, |n| n.start);
        let (a, b) = (e.start.max(lo), seg_end.min(hi));
        if a < b {
            f(e.epoch, a, b);
        }
    }
}

/// Calls `f(epoch, lo, hi)` for each run of `[lo, hi)` that `log` tags with
/// one leader epoch, in offset order, reading [`SETTLED`] entries through
/// `settled` (so `f` sees real epochs only; a run may be cut where the
/// settled history ends, with the same epoch on both sides).
pub fn for_each_run(
    log: &[EpochStart],
    settled: &Settled,
    lo: u64,
    hi: u64,
    mut f: impl FnMut(u32, u64, u64),
) {
    runs(log, u64::MAX, lo, hi, |epoch, a, b| {
        if epoch == SETTLED {
            settled.for_each_run(a, b, &mut f);
        } else {
            f(epoch, a, b);
        }
    });
}

/// The part of `[start, end)` that `log` (with end `leo`) holds with tag
/// `epoch`, as sub-ranges in offset order, calling `keep(lo, hi)` for each.
pub fn held_ranges(
    log: &[EpochStart],
    leo: u64,
    settled: &Settled,
    epoch: u32,
    start: u64,
    end: u64,
    mut keep: impl FnMut(u64, u64),
) {
    for_each_run(log, settled, start, end.min(leo), |e, lo, hi| {
        if e == epoch {
            keep(lo, hi);
        }
    });
}

/// Settles a partition's caches below `upto`, an offset below which every
/// one of `logs` (each cache of the partition that is explicit, the
/// leader's first) tags every record alike and which is at most each
/// log's end: the entries below it move into `settled` and each log keeps
/// one [`SETTLED`] entry for them, then its own entries from `upto` on.
/// What any log says about any offset is unchanged. Returns whether
/// anything was settled; either way `settled` decides when to try next.
///
/// The caller must pass every explicit cache of the partition and every
/// other list that holds its tags (a mirror's copy): a `SETTLED` entry
/// means "the settled history", so all of them must mean the same one.
pub fn settle(logs: &mut [&mut Vec<EpochStart>], upto: u64, settled: &mut Settled) -> bool {
    let Some(leader) = logs.first() else {
        return false;
    };
    // Where the leader's cache stops saying SETTLED: every log agrees with
    // it below `upto`, so theirs stop at the same entry.
    let settled_to = match leader.first() {
        Some(e) if e.epoch == SETTLED => leader.get(1).map_or(upto, |n| n.start),
        Some(e) if e.start == 0 => 0,
        _ => upto, // untagged offsets: nothing to settle
    };
    let progress = upto > settled_to;
    if progress {
        // The history up to `settled_to` stays (no SETTLED entry covers
        // more, so nothing reads the rest); above it, the leader's entries.
        truncate(&mut settled.log, settled_to);
        for e in leader
            .iter()
            .filter(|e| e.epoch != SETTLED && e.start < upto)
        {
            push_epoch(&mut settled.log, e.epoch, e.start.max(settled_to));
        }
        settled.end = upto;
        for log in logs.iter_mut() {
            let keep = log.partition_point(|e| e.start <= upto);
            debug_assert!(keep > 0, "a settled log tags every offset below `upto`");
            let at_upto = log[keep - 1].epoch;
            log.splice(
                ..keep,
                [
                    EpochStart {
                        epoch: SETTLED,
                        start: 0,
                    },
                    EpochStart {
                        epoch: at_upto,
                        start: upto,
                    },
                ],
            );
        }
    }
    let leader_len = logs.first().map_or(0, |l| l.len());
    settled.next_try = (2 * leader_len).max(SETTLE_MIN_ENTRIES);
    progress
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
        held_ranges(&l, 25, &Settled::default(), 2, 5, 30, |a, b| {
            got.push((a, b))
        });
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

    /// Every offset's tag in `[0, to)`, settled ones read through `settled`.
    fn tags(l: &[EpochStart], settled: &Settled, to: u64) -> Vec<Option<u32>> {
        let mut out = vec![None; to as usize];
        for_each_run(l, settled, 0, to, |e, a, b| {
            for o in a..b {
                out[o as usize] = Some(e);
            }
        });
        out
    }

    #[test]
    fn settling_moves_the_agreed_prefix_out_and_changes_no_tag() {
        let mut settled = Settled::default();
        settled.clear();
        let mut leader = log(&[(0, 0), (1, 10), (2, 20), (4, 30), (5, 40), (7, 50)]);
        // A follower that agrees up to 45 and then went its own way.
        let mut follower = log(&[(0, 0), (1, 10), (2, 20), (4, 30), (5, 40), (6, 45)]);
        let (l0, f0) = (leader.clone(), follower.clone());
        let upto = divergence(&follower, 48, &leader, 60);
        assert_eq!(upto, 45);
        assert!(settle(
            &mut [&mut leader, &mut follower],
            upto,
            &mut settled
        ));
        assert_eq!(settled.end(), 45);
        assert_eq!(leader, log(&[(SETTLED, 0), (5, 45), (7, 50)]));
        assert_eq!(follower, log(&[(SETTLED, 0), (6, 45)]));
        let none = Settled::default();
        assert_eq!(tags(&leader, &settled, 60), tags(&l0, &none, 60));
        assert_eq!(tags(&follower, &settled, 48), tags(&f0, &none, 48));
        // Divergence and what a log holds read the same.
        assert_eq!(divergence(&follower, 48, &leader, 60), 45);
        let mut held = vec![];
        held_ranges(&leader, 60, &settled, 2, 0, 60, |a, b| held.push((a, b)));
        assert_eq!(held, vec![(20, 30)]);
    }

    #[test]
    fn a_second_settling_after_a_deep_truncation_rewrites_only_what_no_log_still_reads() {
        let mut settled = Settled::default();
        settled.clear();
        let mut a = log(&[(0, 0), (1, 10), (2, 20), (3, 30)]);
        let mut b = a.clone();
        assert!(settle(&mut [&mut a, &mut b], 35, &mut settled));
        assert_eq!(a, log(&[(SETTLED, 0), (3, 35)]));
        // Both lose everything from 15 on and a new leader writes epoch 9
        // there.
        for l in [&mut a, &mut b] {
            truncate(l, 15);
            push_epoch(l, 9, 15);
        }
        let before = tags(&a, &settled, 40);
        assert_eq!(before[14], Some(1));
        assert_eq!(before[15], Some(9));
        assert!(settle(&mut [&mut a, &mut b], 40, &mut settled));
        assert_eq!(a, log(&[(SETTLED, 0), (9, 40)]));
        assert_eq!(tags(&a, &settled, 40), before);
        // Nothing agreed beyond what is settled: no progress, no change.
        let (a1, b1) = (a.clone(), b.clone());
        assert!(!settle(&mut [&mut a, &mut b], 40, &mut settled));
        assert_eq!((a, b), (a1, b1));
    }

    #[test]
    fn runs_of_an_acknowledgement_skip_entries_before_it() {
        let l = log(&[(0, 0), (2, 10), (3, 20), (5, 30)]);
        let mut got = vec![];
        for_each_run(&l, &Settled::default(), 15, 35, |e, a, b| {
            got.push((e, a, b))
        });
        assert_eq!(got, vec![(2, 15, 20), (3, 20, 30), (5, 30, 35)]);
    }
}

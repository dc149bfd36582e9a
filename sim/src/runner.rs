//! The Monte Carlo runner.
//!
//! Trials are independent: trial `k` depends only on (scenario, seed, k). The
//! runner hands contiguous chunks of trial numbers to rayon workers, each of
//! which builds one world with `init` and reuses it for every trial it runs,
//! and collects outcomes in trial order. The result therefore does not depend
//! on the number of threads or on the order in which trials finished.

use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A half-open range of trial numbers `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialRange {
    pub start: u64,
    pub end: u64,
}

impl TrialRange {
    pub fn first(n: u64) -> Self {
        TrialRange { start: 0, end: n }
    }
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunnerError {
    /// The worker threads could not start.
    Pool(String),
    /// A trial could not be run to its end: the lowest-numbered such trial
    /// of the run (whatever the thread count), with its own message, which
    /// names it.
    Trial { trial: u64, message: String },
    /// The caller's sink refused a chunk.
    Sink(String),
}

impl std::fmt::Display for RunnerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunnerError::Pool(e) => write!(f, "could not start the worker threads: {e}"),
            RunnerError::Trial { message, .. } => f.write_str(message),
            RunnerError::Sink(e) => f.write_str(e),
        }
    }
}
impl std::error::Error for RunnerError {}

/// Trials per chunk of [`run_trials_chunked`] when the caller has no reason
/// to choose: large enough that the pause at each chunk boundary (the sink
/// runs while workers wait) is negligible next to the chunk's simulation,
/// small enough that a chunk of outcomes is a few hundred kilobytes.
pub const DEFAULT_CHUNK: u64 = 4096;

/// Runs every trial of `trials` and returns the outcomes in trial order.
///
/// - `jobs`: worker threads (0 = one per core).
/// - `init`: builds a worker's world once; it is reused for all its trials.
/// - `run`: runs one trial on a world; must depend only on the trial number
///   and the world's immutable configuration.
/// - `progress`: called with the number of trials just finished (from any
///   thread); use it to drive a progress bar.
///
/// This holds every outcome; [`run_trials_chunked`] streams them instead.
pub fn run_trials<W, O, I, R, P>(
    trials: TrialRange,
    jobs: usize,
    init: I,
    run: R,
    progress: P,
) -> Result<Vec<O>, RunnerError>
where
    W: Send,
    O: Send,
    I: Fn() -> W + Sync + Send,
    R: Fn(&mut W, u64) -> O + Sync + Send,
    P: Fn(u64) + Sync + Send,
{
    try_run_trials(trials, jobs, init, |w, t| Ok(run(w, t)), progress)
}

/// [`run_trials`] where a trial may fail: the run stops with the error of
/// the lowest-numbered failing trial (see [`try_run_trials_chunked`]).
pub fn try_run_trials<W, O, I, R, P>(
    trials: TrialRange,
    jobs: usize,
    init: I,
    run: R,
    progress: P,
) -> Result<Vec<O>, RunnerError>
where
    W: Send,
    O: Send,
    I: Fn() -> W + Sync + Send,
    R: Fn(&mut W, u64) -> Result<O, RunnerError> + Sync + Send,
    P: Fn(u64) + Sync + Send,
{
    let mut all = Vec::with_capacity(trials.len() as usize);
    try_run_trials_chunked(
        trials,
        jobs,
        DEFAULT_CHUNK,
        init,
        run,
        progress,
        |chunk: &mut Vec<O>| -> Result<(), RunnerError> {
            all.append(chunk);
            Ok(())
        },
    )?;
    Ok(all)
}

/// Runs every trial of `trials` a chunk of `chunk` trials at a time and hands
/// each chunk's outcomes, in trial order, to `sink` on the calling thread.
///
/// Why chunks: memory then stays flat in the number of trials (one chunk of
/// outcomes at a time), while `sink` still sees every outcome exactly once
/// and in trial order, so what it builds (streamed statistics, CSV rows)
/// does not depend on `jobs`. The thread pool and the per-worker worlds
/// live across chunks; only the outcome buffer is refilled.
///
/// `sink` may take the outcomes out of the vector (it is cleared before the
/// next chunk either way). An error from `sink` stops the run and is
/// returned; failing to start the pool is returned as `E::from`.
pub fn run_trials_chunked<W, O, I, R, P, S, E>(
    trials: TrialRange,
    jobs: usize,
    chunk: u64,
    init: I,
    run: R,
    progress: P,
    sink: S,
) -> Result<(), E>
where
    W: Send,
    O: Send,
    I: Fn() -> W + Sync + Send,
    R: Fn(&mut W, u64) -> O + Sync + Send,
    P: Fn(u64) + Sync + Send,
    S: FnMut(&mut Vec<O>) -> Result<(), E>,
    E: From<RunnerError>,
{
    try_run_trials_chunked(
        trials,
        jobs,
        chunk,
        init,
        |w, t| Ok(run(w, t)),
        progress,
        sink,
    )
}

/// Threads above this many per core only add memory (a world each) and
/// scheduling: trials are independent and CPU-bound.
pub const MAX_JOBS_PER_CORE: usize = 4;

/// The worker threads a run of `trials` in chunks of `chunk` uses when
/// asked for `jobs` (0: one per core): never more than the trials of a
/// chunk (the trials of one chunk run in parallel; a thread with no trial
/// still costs its stack) nor than [`MAX_JOBS_PER_CORE`] per core.
/// Outcomes do not depend on it.
pub fn threads_for(jobs: usize, trials: TrialRange, chunk: u64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_chunk = trials.len().min(chunk.max(1)).max(1);
    let wanted = if jobs == 0 { cores } else { jobs };
    wanted
        .min(cores.saturating_mul(MAX_JOBS_PER_CORE))
        .min(usize::try_from(per_chunk).unwrap_or(usize::MAX))
}

/// [`run_trials_chunked`] where a trial may fail. The run then stops with
/// the error of the lowest-numbered failing trial, the same whatever the
/// thread count: trials numbered above a failure already seen are skipped,
/// trials below it still run, and the chunk in which a trial failed is not
/// handed to `sink` (every earlier chunk was).
pub fn try_run_trials_chunked<W, O, I, R, P, S, E>(
    trials: TrialRange,
    jobs: usize,
    chunk: u64,
    init: I,
    run: R,
    progress: P,
    mut sink: S,
) -> Result<(), E>
where
    W: Send,
    O: Send,
    I: Fn() -> W + Sync + Send,
    R: Fn(&mut W, u64) -> Result<O, RunnerError> + Sync + Send,
    P: Fn(u64) + Sync + Send,
    S: FnMut(&mut Vec<O>) -> Result<(), E>,
    E: From<RunnerError>,
{
    let chunk = chunk.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads_for(jobs, trials, chunk))
        .build()
        .map_err(|e| RunnerError::Pool(e.to_string()))?;
    // One world per worker thread, built on first use and kept across
    // chunks. The mutex is only ever taken by its own thread, so it is
    // uncontended; it exists to satisfy the borrow checker, not to
    // serialise anything.
    let worlds: Vec<Mutex<Option<W>>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(None))
        .collect();
    // Progress is reported in batches to keep the atomic off the hot path.
    let pending = AtomicU64::new(0);
    // The lowest trial number that failed so far (u64::MAX: none).
    let failed = AtomicU64::new(u64::MAX);
    let mut results: Vec<Option<Result<O, RunnerError>>> =
        Vec::with_capacity(chunk.min(trials.len()) as usize);
    let mut buffer: Vec<O> = Vec::with_capacity(chunk.min(trials.len()) as usize);
    let mut start = trials.start;
    while start < trials.end {
        let end = trials.end.min(start.saturating_add(chunk));
        results.clear();
        pool.install(|| {
            // Indexed over usize offsets (rayon does not index u64 ranges),
            // so `par_extend` keeps trial order.
            results.par_extend(
                (0..(end - start) as usize)
                    .into_par_iter()
                    .with_min_len(16)
                    .map(|offset| {
                        let trial = start + offset as u64;
                        let outcome = run_on_own_world(&worlds, &init, &run, &failed, trial)?;
                        let done = pending.fetch_add(1, Ordering::Relaxed) + 1;
                        if done.is_multiple_of(64) {
                            progress(64);
                        }
                        Some(outcome)
                    }),
            )
        });
        outcomes_in_order(&mut results, &mut buffer)?;
        sink(&mut buffer)?;
        start = end;
    }
    let rest = pending.load(Ordering::Relaxed) % 64;
    if rest > 0 {
        progress(rest);
    }
    Ok(())
}

/// Runs `trial` on the calling thread's world (built on first use), or
/// skips it (`None`) when a lower-numbered trial already failed: its
/// outcome could not change the error the run stops with.
fn run_on_own_world<W, O>(
    worlds: &[Mutex<Option<W>>],
    init: &impl Fn() -> W,
    run: &impl Fn(&mut W, u64) -> Result<O, RunnerError>,
    failed: &AtomicU64,
    trial: u64,
) -> Option<Result<O, RunnerError>> {
    if trial > failed.load(Ordering::Relaxed) {
        return None;
    }
    let slot = rayon::current_thread_index().unwrap_or(0) % worlds.len();
    let mut guard = worlds[slot].lock().unwrap_or_else(|e| e.into_inner());
    let world = guard.get_or_insert_with(init);
    let outcome = run(world, trial);
    drop(guard);
    if outcome.is_err() {
        failed.fetch_min(trial, Ordering::Relaxed);
    }
    Some(outcome)
}

/// Moves a chunk's outcomes, in trial order, from `results` into
/// `buffer`, or returns its first error in trial order: every trial below
/// the lowest failure ran, so that error is the lowest failure's, the
/// same whatever the thread count.
fn outcomes_in_order<O>(
    results: &mut Vec<Option<Result<O, RunnerError>>>,
    buffer: &mut Vec<O>,
) -> Result<(), RunnerError> {
    buffer.clear();
    for r in results.drain(..) {
        match r {
            Some(Ok(o)) => buffer.push(o),
            Some(Err(e)) => return Err(e),
            None => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Purpose, RngStreams};
    use rand::Rng;

    fn trial_value(trial: u64) -> u64 {
        RngStreams::new(9, trial)
            .stream(Purpose::FAULTS)
            .gen::<u64>()
            % 1000
    }

    #[test]
    fn outcomes_come_back_in_trial_order_whatever_the_thread_count() {
        let range = TrialRange { start: 3, end: 503 };
        let one = run_trials(range, 1, || (), |_, t| (t, trial_value(t)), |_| {}).unwrap();
        let two = run_trials(range, 2, || (), |_, t| (t, trial_value(t)), |_| {}).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.first().map(|o| o.0), Some(3));
        assert_eq!(one.len(), 500);
    }

    #[test]
    fn a_hundred_thousand_jobs_for_three_trials_start_three_threads() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(threads_for(100_000, TrialRange::first(3), 10_000), 3);
        let many = threads_for(100_000, TrialRange::first(1_000_000), 10_000);
        assert_eq!(many, cores * MAX_JOBS_PER_CORE);
        assert_eq!(
            threads_for(0, TrialRange::first(1_000), 10_000),
            cores.min(1_000)
        );
        assert_eq!(threads_for(2, TrialRange::first(0), 10_000), 1);
        let same = run_trials(
            TrialRange::first(3),
            100_000,
            || (),
            |_, t| trial_value(t),
            |_| {},
        );
        let one = run_trials(
            TrialRange::first(3),
            1,
            || (),
            |_, t| trial_value(t),
            |_| {},
        );
        assert_eq!(same.unwrap(), one.unwrap());
    }

    #[test]
    fn progress_counts_every_trial_once() {
        let seen = AtomicU64::new(0);
        run_trials(
            TrialRange::first(1000),
            2,
            || (),
            |_, t| t,
            |n| {
                seen.fetch_add(n, Ordering::Relaxed);
            },
        )
        .unwrap();
        assert_eq!(seen.load(Ordering::Relaxed), 1000);
    }

    #[test]
    fn one_world_is_reused_across_a_workers_trials() {
        let builds = AtomicU64::new(0);
        run_trials(
            TrialRange::first(2000),
            2,
            || {
                builds.fetch_add(1, Ordering::Relaxed);
                Vec::<u64>::with_capacity(8)
            },
            |w, t| {
                w.clear();
                w.push(t);
                w[0]
            },
            |_| {},
        )
        .unwrap();
        assert!(
            builds.load(Ordering::Relaxed) <= 2,
            "one world per worker thread"
        );
    }

    #[test]
    fn chunks_arrive_in_trial_order_and_cover_every_trial_once() {
        let range = TrialRange {
            start: 5,
            end: 1_005,
        };
        for (jobs, chunk) in [(1, 1), (2, 7), (2, 4096), (2, 1000)] {
            let mut seen = Vec::new();
            let mut chunks = 0;
            run_trials_chunked(
                range,
                jobs,
                chunk,
                || (),
                |_, t| t,
                |_| {},
                |c: &mut Vec<u64>| -> Result<(), RunnerError> {
                    assert!(c.len() as u64 <= chunk);
                    seen.append(c);
                    chunks += 1;
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, (5..1_005).collect::<Vec<u64>>(), "jobs {jobs}");
            assert_eq!(chunks, 1000u64.div_ceil(chunk), "chunk {chunk}");
        }
    }

    #[test]
    fn worlds_survive_from_one_chunk_to_the_next() {
        let builds = AtomicU64::new(0);
        run_trials_chunked(
            TrialRange::first(5_000),
            1,
            100,
            || builds.fetch_add(1, Ordering::Relaxed),
            |_, t| t,
            |_| {},
            |_: &mut Vec<u64>| -> Result<(), RunnerError> { Ok(()) },
        )
        .unwrap();
        assert_eq!(builds.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn an_error_from_the_sink_stops_the_run() {
        let mut calls = 0;
        let result = run_trials_chunked(
            TrialRange::first(1_000),
            2,
            100,
            || (),
            |_, t| t,
            |_| {},
            |_: &mut Vec<u64>| {
                calls += 1;
                if calls == 3 {
                    Err(RunnerError::Sink("disk full".into()))
                } else {
                    Ok(())
                }
            },
        );
        assert!(result.is_err());
        assert_eq!(calls, 3);
    }

    #[test]
    fn a_failing_trial_stops_the_run_with_the_lowest_failure_whatever_the_threads() {
        for (jobs, chunk) in [(1, 1000), (2, 1000), (2, 7)] {
            let mut delivered = Vec::new();
            let result = try_run_trials_chunked(
                TrialRange::first(1_000),
                jobs,
                chunk,
                || (),
                |_, t| {
                    if t == 321 || t == 500 || t == 999 {
                        Err(RunnerError::Trial {
                            trial: t,
                            message: format!("trial {t} went wrong"),
                        })
                    } else {
                        Ok(t)
                    }
                },
                |_| {},
                |c: &mut Vec<u64>| -> Result<(), RunnerError> {
                    delivered.append(c);
                    Ok(())
                },
            );
            let e = result.unwrap_err();
            assert_eq!(
                e,
                RunnerError::Trial {
                    trial: 321,
                    message: "trial 321 went wrong".into()
                },
                "jobs {jobs} chunk {chunk}"
            );
            assert_eq!(e.to_string(), "trial 321 went wrong");
            // Only whole chunks before the failing one reached the sink.
            assert_eq!(delivered, (0..(321 / chunk) * chunk).collect::<Vec<_>>());
        }
    }
}

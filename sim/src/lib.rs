//! kdrsim-sim: the deterministic discrete-event kernel of kdrsim.
//!
//! This crate knows nothing of Kafka. It provides the four things every
//! deterministic simulation needs, and nothing else:
//!
//! - [`SimTime`] / [`SimDuration`]: integer nanoseconds behind newtypes, so event
//!   ordering never depends on floating-point rounding.
//! - [`EventQueue`]: a priority queue ordered by `(time, sequence)`; events that
//!   share an instant pop in the order they were scheduled.
//! - [`TimerGen`]: cancellation by generation counter. A timer event carries the
//!   generation it was armed with; re-arming or cancelling bumps the generation
//!   and the stale event is ignored when it pops. Nothing is searched for.
//! - [`RngStreams`]: random streams addressed by `(master seed, trial, purpose)`.
//!   Each purpose has its own ChaCha stream, so drawing more numbers for one
//!   purpose never shifts another purpose's numbers (common random numbers).
//! - [`run_trials`]: the Monte Carlo runner. It runs trials on any number of
//!   threads in any order, reuses one world per worker, and returns outcomes in
//!   trial order, so a report is a function of (scenario, seed, trials) alone.
//!
//! See `sim/README.md` for why each piece is built the way it is.

mod queue;
mod rng;
mod runner;
mod time;
mod timer;

pub use queue::EventQueue;
pub use rng::{Purpose, RngStreams, StreamRng};
pub use runner::{
    run_trials, run_trials_chunked, try_run_trials, try_run_trials_chunked, RunnerError,
    TrialRange, DEFAULT_CHUNK,
};
pub use time::{SimDuration, SimTime};
pub use timer::TimerGen;

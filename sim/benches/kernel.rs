//! The kernel's event rate on the classic hold model: a queue of about 1,000
//! pending events; pop one, schedule one a random increment later. Measured
//! next to a plain `std::collections::BinaryHeap` doing the same work, so the
//! cost of `(time, sequence)` ordering is visible.

use kdrsim_sim::{EventQueue, Purpose, RngStreams, SimTime};
use rand::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const PENDING: u64 = 1_000;
const HOLDS: u64 = 100_000;

fn main() {
    divan::main();
}

fn increments() -> Vec<u64> {
    let mut rng = RngStreams::new(1, 0).stream(Purpose::WORKLOAD);
    (0..HOLDS).map(|_| rng.gen_range(1..2_000_000)).collect()
}

#[derive(Clone, Copy)]
struct Ev {
    _partition: u32,
    _gen: u32,
}

#[divan::bench(items_count = HOLDS)]
fn hold_event_queue(bencher: divan::Bencher) {
    let inc = increments();
    let mut q: EventQueue<Ev> = EventQueue::with_capacity(2048);
    bencher.bench_local(|| {
        q.clear();
        for i in 0..PENDING {
            q.schedule(
                SimTime(i * 1_000),
                Ev {
                    _partition: i as u32,
                    _gen: 0,
                },
            );
        }
        for d in &inc {
            let (t, e) = q.pop().unwrap();
            q.schedule(SimTime(t.0 + d), e);
        }
        q.len()
    });
}

#[divan::bench(items_count = HOLDS)]
fn hold_std_binary_heap(bencher: divan::Bencher) {
    let inc = increments();
    let mut q: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::with_capacity(2048);
    bencher.bench_local(|| {
        q.clear();
        for i in 0..PENDING {
            q.push(Reverse((i * 1_000, i)));
        }
        for d in &inc {
            let Reverse((t, e)) = q.pop().unwrap();
            q.push(Reverse((t + d, e)));
        }
        q.len()
    });
}

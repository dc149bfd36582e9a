//! Trials per second of whole scenarios, on one thread and on all threads.
//! `cargo bench --bench trials`; figures go into docs/performance.md.

use kdrsim::{builtin_scenarios, run_batch, TrialRange, World};

fn main() {
    divan::main();
}

const BATCH: u64 = 1_000;

fn model(name: &str) -> std::sync::Arc<kdrsim::Model> {
    builtin_scenarios()
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
}

#[divan::bench(args = ["3dc-stretched", "2dc-stretched", "broker-crash"], items_count = BATCH)]
fn one_thread(bencher: divan::Bencher, name: &str) {
    let m = model(name);
    let mut world = World::new(m);
    bencher.bench_local(|| {
        let mut lost = 0;
        for t in 0..BATCH {
            lost += world.run_trial(1, t).acked_lost_records;
        }
        lost
    });
}

#[divan::bench(args = ["3dc-stretched"], items_count = BATCH * 4)]
fn all_threads(bencher: divan::Bencher, name: &str) {
    let m = model(name);
    bencher.bench_local(|| {
        run_batch(&m, 1, TrialRange::first(BATCH * 4), 0, |_| {})
            .unwrap()
            .len()
    });
}

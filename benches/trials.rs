//! Trials per second of whole scenarios: per built-in scenario on one
//! thread, the runner on 1 and 2 threads, how cost scales with partitions,
//! brokers and simulated duration, and the default run end to end; and
//! single long or large trials (issue 14): years of broker or link
//! failures, and 5,000 to 20,000 partitions on 9,999 brokers.
//! `cargo bench --bench trials`; figures go into docs/performance.md.
//!
//! Scaling cases are variants of `scenarios/3dc-stretched.ron` made by
//! editing its text, so they stay in step with the scenario and need no
//! extra files. The events per trial of every case are printed first,
//! because cost per trial is events per trial × cost per event, and the
//! second factor alone is what the kernel bench measures.

use kdrsim::{load_source, run_chunked, Model, RunnerError, Source, TrialRange, World, BUILTIN};
use std::process::Command;
use std::sync::Arc;

fn main() {
    // Events per trial of every case, printed before the timings (divan
    // owns stdout while it measures): with the timings they split cost per
    // trial into events per trial × cost per event.
    if !std::env::args().any(|a| a == "--list") {
        for model in builtin_models() {
            report_events(&model.name, &model);
        }
        for p in PARTITIONS {
            report_events(&format!("partitions={p}"), &partitions_variant(p));
        }
        for h in HOURS {
            report_events(&format!("hours={h}"), &hours_variant(h));
        }
        for b in BROKERS_PER_DC {
            report_events(&format!("brokers_per_dc={b}"), &brokers_variant(b));
        }
        for y in YEARS {
            report_events_of_one(&format!("broker_failures_years={y}"), &broker_failures(y));
            report_events_of_one(&format!("link_failures_years={y}"), &link_failures(y));
            for name in MIRRORED {
                let label = format!("{name}_years={y}");
                report_events_of_one(&label, &mirrored_broker_failures(name, y));
            }
        }
        for p in LARGE_PARTITIONS {
            report_events_of_one(&format!("large_partitions={p}"), &large_variant(p));
        }
    }
    divan::main();
}

const PARTITIONS: [u32; 5] = [6, 12, 24, 48, 96];
const HOURS: [u64; 4] = [1, 2, 4, 8];
const BROKERS_PER_DC: [u32; 3] = [2, 4, 8];
const YEARS: [u64; 4] = [1, 2, 4, 10];
/// The shipped topologies of two clusters and a mirror.
const MIRRORED: [&str; 3] = [
    "active-active-mm2",
    "active-passive-cluster-link",
    "active-passive-mm2",
];
const LARGE_PARTITIONS: [u32; 3] = [5_000, 10_000, 20_000];

/// Trials per sample of the single-thread cases.
const BATCH: u64 = 1_000;

/// The built-in scenarios' names, so a scenario added to `BUILTIN` is
/// benchmarked without touching this file.
fn builtin_names() -> Vec<String> {
    builtin_models().iter().map(|m| m.name.clone()).collect()
}

fn builtin_models() -> Vec<Arc<Model>> {
    kdrsim::builtin_scenarios().expect("built-in scenarios load")
}

fn builtin(name: &str) -> Arc<Model> {
    builtin_models()
        .into_iter()
        .find(|m| m.name == name)
        .expect("a built-in scenario")
}

/// `3dc-stretched` with each `(from, to)` text replacement applied; every
/// `from` must occur, so an edit of the scenario cannot silently turn a
/// scaling case into the baseline.
fn stretched_variant(edits: &[(&str, String)]) -> Arc<Model> {
    variant("3dc-stretched", edits)
}

/// Built-in scenario `name` with each `(from, to)` text replacement
/// applied (each `from` must occur).
fn variant(name: &str, edits: &[(&str, String)]) -> Arc<Model> {
    let (file, mut text) = builtin_text(name);
    for (from, to) in edits {
        assert!(text.contains(from), "{from:?} not in {file}");
        text = text.replace(from, to);
    }
    load_source(&Source {
        file: format!("{file} (bench variant)"),
        text,
    })
    .expect("bench variant is valid")
}

/// The file name and text of scenario `name`: built in, or read from
/// `scenarios/` (not every shipped scenario is built in).
fn builtin_text(name: &str) -> (String, String) {
    let file = format!("scenarios/{name}.ron");
    match BUILTIN.iter().find(|(f, _)| *f == file) {
        Some((f, t)) => (f.to_string(), t.to_string()),
        None => {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&file);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
            (file, text)
        }
    }
}

/// Mean events per trial over the first 200 trials.
fn report_events(label: &str, model: &Arc<Model>) {
    let mut world = World::new(model.clone());
    let mut events = 0;
    for t in 0..200 {
        world.run_trial(1, t);
        events += world.events_processed();
    }
    println!("events/trial {label:<32} {:>8}", events / 200);
}

/// Events of trial 0 (the trial the single-trial benches time).
fn report_events_of_one(label: &str, model: &Arc<Model>) {
    let mut world = World::new(model.clone());
    world.run_trial(1, 0);
    println!("events/trial {label:<32} {:>8}", world.events_processed());
}

/// 3dc-stretched over `years` years with no scheduled fault and one fault
/// process: issue 14's reproducer. A year is 365 days.
fn failures_variant(years: u64, process: &str) -> Arc<Model> {
    failures_variant_of("3dc-stretched", years, process)
}

/// Built-in scenario `name` over `years` years with no scheduled fault
/// and one fault process (its runbook, if any, still runs).
fn failures_variant_of(name: &str, years: u64, process: &str) -> Arc<Model> {
    let (_, text) = builtin_text(name);
    let from = text.find("    faults: [").expect("a fault list");
    let to = from + text[from..].find("\n    ],").expect("its end") + "\n    ],".len();
    let faults = format!("    faults: [],\n    fault_processes: [{process}],");
    let at = text.find("duration_ms: ").expect("a duration") + "duration_ms: ".len();
    let len = text[at..]
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .expect("a number");
    let duration = &text[at - "duration_ms: ".len()..at + len];
    variant(
        name,
        &[
            (&text[from..to], faults),
            (
                duration,
                format!("duration_ms: {}", years * 365 * 86_400_000),
            ),
        ],
    )
}

/// A multi-cluster built-in scenario over `years` years in which every
/// broker fails once a day (issue 27: mirrors' copies held their source's
/// epoch caches unsettled, so these cost the square of their failures).
fn mirrored_broker_failures(name: &str, years: u64) -> Arc<Model> {
    failures_variant_of(name, years, DAILY_BROKER_FAILURE)
}

const DAILY_BROKER_FAILURE: &str = "(component: Broker, time_to_failure: Exponential(86_400_000), time_to_repair: LogNormal(3_600_000, 0.8))";

/// Every broker fails once a day on average and is repaired after about
/// an hour: ~2,190 failures a year.
fn broker_failures(years: u64) -> Arc<Model> {
    failures_variant(years, DAILY_BROKER_FAILURE)
}

/// Each of the three links between the DCs fails every 12 hours on average
/// for about ten minutes: ~2,190 failures a year.
fn link_failures(years: u64) -> Arc<Model> {
    failures_variant(
        years,
        "(component: Link, time_to_failure: Exponential(43_200_000), time_to_repair: LogNormal(600_000, 0.8))",
    )
}

/// 3dc-stretched with 3,333 brokers per DC (9,999 in all) and `partitions`
/// partitions, losing dc1 (3,333 brokers fenced, then unfenced).
fn large_variant(partitions: u32) -> Arc<Model> {
    explained_variant((3_333, partitions))
}

/// The edits that give each of 3dc-stretched's three DCs `per_dc`
/// brokers, numbered `dc * step + i`.
fn brokers_edits(per_dc: u32, step: u32) -> Vec<(&'static str, String)> {
    let ids = |dc: u32| {
        let list: Vec<String> = (0..per_dc).map(|i| (dc * step + i).to_string()).collect();
        format!("brokers: [{}]", list.join(", "))
    };
    vec![
        ("brokers: [1, 2]", ids(1)),
        ("brokers: [3, 4]", ids(2)),
        ("brokers: [5, 6]", ids(3)),
    ]
}

/// One trial per sample (trial 0 every time, so every sample does the same
/// work) on one reused world.
fn bench_one_trial(bencher: divan::Bencher, model: Arc<Model>) {
    let mut world = World::new(model);
    bencher.bench_local(|| world.run_trial(1, 0).acked_lost_records);
}

/// 3dc-stretched with `partitions` partitions (24 is the scenario).
fn partitions_variant(partitions: u32) -> Arc<Model> {
    stretched_variant(&[("partitions: 24", format!("partitions: {partitions}"))])
}

/// 3dc-stretched simulating `hours` hours (1 is the scenario); the fault
/// still falls in the first hour, so extra hours are quiet time.
fn hours_variant(hours: u64) -> Arc<Model> {
    stretched_variant(&[(
        "duration_ms: 3_600_000",
        format!("duration_ms: {}", hours * 3_600_000),
    )])
}

/// 3dc-stretched with `per_dc` brokers per DC (2 is the scenario).
fn brokers_variant(per_dc: u32) -> Arc<Model> {
    stretched_variant(&brokers_edits(per_dc, 10))
}

/// `trials` trials on one reused world: the cost of the model alone.
fn bench_one_thread(bencher: divan::Bencher, model: Arc<Model>, trials: u64) {
    let mut world = World::new(model);
    bencher
        .counter(divan::counter::ItemsCount::new(trials))
        .bench_local(|| {
            let mut lost = 0;
            for t in 0..trials {
                lost += world.run_trial(1, t).acked_lost_records;
            }
            lost
        });
}

#[divan::bench(args = builtin_names(), sample_count = 30)]
fn one_thread(bencher: divan::Bencher, name: &str) {
    bench_one_thread(bencher, builtin(name), BATCH);
}

/// Library scenarios beyond the built-in four, on one thread: the
/// multi-cluster ones run every cluster replica by replica (issue 13's
/// target: `active-passive-mm2` at 10,000 trials/s or more).
#[divan::bench(
    args = ["active-passive-mm2", "msk-3az-replicator", "s2-cluster-link-failback"],
    sample_count = 20
)]
fn library_one_thread(bencher: divan::Bencher, name: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.ron"));
    let model = kdrsim::load_file(&path).expect("library scenario loads");
    bench_one_thread(bencher, model, BATCH);
}

/// The runner as the CLI drives it (chunked, streaming), on 1 and 2 worker
/// threads: the ratio is the parallel speed-up.
#[divan::bench(args = [1, 2], sample_count = 20)]
fn runner_3dc_stretched_threads(bencher: divan::Bencher, jobs: usize) {
    let model = builtin("3dc-stretched");
    let trials = 4 * BATCH;
    bencher
        .counter(divan::counter::ItemsCount::new(trials))
        .bench_local(|| {
            let mut lost = 0;
            run_chunked(
                &model,
                1,
                TrialRange::first(trials),
                jobs,
                |_| {},
                |chunk| -> Result<(), RunnerError> {
                    lost += chunk.iter().map(|(_, o)| o.acked_lost_records).sum::<u64>();
                    Ok(())
                },
            )
            .unwrap();
            lost
        });
}

/// One thread, 250 trials per sample, 6 to 96 partitions.
#[divan::bench(args = PARTITIONS, sample_count = 20)]
fn scaling_partitions(bencher: divan::Bencher, partitions: u32) {
    bench_one_thread(bencher, partitions_variant(partitions), BATCH / 4);
}

/// One thread, 250 trials per sample, 1 to 8 simulated hours.
#[divan::bench(args = HOURS, sample_count = 20)]
fn scaling_duration_hours(bencher: divan::Bencher, hours: u64) {
    bench_one_thread(bencher, hours_variant(hours), BATCH / 4);
}

/// One thread, 250 trials per sample, 2 to 8 brokers per DC.
#[divan::bench(args = BROKERS_PER_DC, sample_count = 20)]
fn scaling_brokers_per_dc(bencher: divan::Bencher, per_dc: u32) {
    bench_one_thread(bencher, brokers_variant(per_dc), BATCH / 4);
}

/// One trial of 1 to 10 years of daily broker failures (issue 14: the cost
/// of a trial grew with the square of its failures; it must now be linear,
/// 10 years within 12x the one-year trial).
#[divan::bench(args = YEARS, sample_count = 5, sample_size = 1)]
fn long_trial_broker_failures(bencher: divan::Bencher, years: u64) {
    bench_one_trial(bencher, broker_failures(years));
}

/// One trial of 1 to 10 years of daily broker failures in each topology
/// of two clusters (issue 27: 4 years must cost at most 6x one year).
#[divan::bench(args = YEARS, sample_count = 3, sample_size = 1)]
fn long_trial_active_active_mm2(bencher: divan::Bencher, years: u64) {
    bench_one_trial(bencher, mirrored_broker_failures(MIRRORED[0], years));
}

#[divan::bench(args = YEARS, sample_count = 3, sample_size = 1)]
fn long_trial_active_passive_cluster_link(bencher: divan::Bencher, years: u64) {
    bench_one_trial(bencher, mirrored_broker_failures(MIRRORED[1], years));
}

#[divan::bench(args = YEARS, sample_count = 3, sample_size = 1)]
fn long_trial_active_passive_mm2(bencher: divan::Bencher, years: u64) {
    bench_one_trial(bencher, mirrored_broker_failures(MIRRORED[2], years));
}

/// 2dc-stretched's shape with `topics` topics of one partition, each
/// with its own producer and consumer group (issue 27: groups cost the
/// square of their number; 10,000 must cost within 10x 1,250).
fn groups_variant(topics: u32) -> Arc<Model> {
    let each = |f: &dyn Fn(u32) -> String| (0..topics).map(f).collect::<Vec<_>>().join(", ");
    let text = format!(
        "(version: 1, name: \"groups-{topics}\", duration_ms: 3_600_000,
          topology: (regions: [(name: \"r\", data_centers: [
              (name: \"dc1\", racks: [(name: \"a\", brokers: [1, 2, 3], controllers: [101, 102])]),
              (name: \"dc2\", racks: [(name: \"b\", brokers: [4, 5, 6], controllers: [103])])])],
            links: [(between: (\"dc1\", \"dc2\"), rtt_ms: 2.0)]),
          topics: [{}], producers: [{}], consumers: [{}],
          faults: [(at: Fixed(600_000), fault: PowerLoss(Dc(\"dc1\")), recover_after: Fixed(1_200_000))])",
        each(&|i| format!("(name: \"t{i}\", partitions: 1, replication_factor: 4, min_insync_replicas: 3)")),
        each(&|i| format!("(name: \"p{i}\", topic: \"t{i}\", dc: \"dc2\", records_per_sec: 10.0)")),
        each(&|i| format!("(group: \"g{i}\", topic: \"t{i}\", dc: \"dc2\")")),
    );
    load_source(&Source {
        file: format!("groups-{topics}.ron (bench variant)"),
        text,
    })
    .expect("bench variant is valid")
}

const GROUPS: [u32; 4] = [1_250, 2_500, 5_000, 10_000];

/// One trial of 1,250 to 10,000 topics, each with a consumer group.
#[divan::bench(args = GROUPS, sample_count = 5, sample_size = 1)]
fn consumer_groups_topics(bencher: divan::Bencher, topics: u32) {
    bench_one_trial(bencher, groups_variant(topics));
}

/// 3dc-stretched at 1,251 to 9,999 brokers and 12,500 to 100,000
/// partitions, as (brokers per DC, partitions).
const EXPLAINED: [(u32, u32); 4] = [
    (417, 12_500),
    (833, 25_000),
    (1_667, 50_000),
    (3_333, 100_000),
];

fn explained_variant((per_dc, partitions): (u32, u32)) -> Arc<Model> {
    let mut edits = brokers_edits(per_dc, 10_000);
    edits.push(("partitions: 24", format!("partitions: {partitions}")));
    stretched_variant(&edits)
}

/// `explain` of a cluster of thousands of brokers (one domain each) and
/// up to 100,000 partitions (issue 27: within 5x one trial of `run`).
#[divan::bench(args = EXPLAINED, sample_count = 5, sample_size = 1)]
fn explain_large(bencher: divan::Bencher, size: (u32, u32)) {
    let model = explained_variant(size);
    bencher.bench_local(|| kdrsim::models::explain::explain(&model).domains.len());
}

/// One trial of the models `explain_large` explains.
#[divan::bench(args = EXPLAINED, sample_count = 5, sample_size = 1)]
fn explain_large_one_trial(bencher: divan::Bencher, size: (u32, u32)) {
    bench_one_trial(bencher, explained_variant(size));
}

/// One trial of 1 to 10 years of links failing every 12 hours.
#[divan::bench(args = YEARS, sample_count = 5, sample_size = 1)]
fn long_trial_link_failures(bencher: divan::Bencher, years: u64) {
    bench_one_trial(bencher, link_failures(years));
}

/// One trial of 5,000 to 20,000 partitions on 9,999 brokers losing a DC
/// (issue 14: 20,000 partitions must cost within 5x the 5,000).
#[divan::bench(args = LARGE_PARTITIONS, sample_count = 10, sample_size = 1)]
fn large_trial_partitions(bencher: divan::Bencher, partitions: u32) {
    bench_one_trial(bencher, large_variant(partitions));
}

/// `cargo run --release` as a user runs it: the binary with no arguments
/// (every built-in scenario, default trials, all cores, a table on stdout),
/// process start and report included.
#[divan::bench(sample_count = 5)]
fn default_run_end_to_end(bencher: divan::Bencher) {
    bencher.bench_local(|| kdrsim_binary(&[]));
}

/// Every built-in scenario × 10,000 trials end to end: the stand-in for
/// "the default comparison (four topologies, 10,000 trials each)" until a
/// comparison command exists; a scenario added to `BUILTIN` is included.
#[divan::bench(sample_count = 3)]
fn builtins_10k_trials_end_to_end(bencher: divan::Bencher) {
    bencher
        .counter(divan::counter::ItemsCount::new(10_000 * BUILTIN.len()))
        .bench_local(|| kdrsim_binary(&["run", "--trials", "10000"]));
}

fn kdrsim_binary(args: &[&str]) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .args(args)
        .output()
        .expect("kdrsim runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.len()
}

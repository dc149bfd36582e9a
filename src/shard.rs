//! Sharded runs: which trials a shard runs, where its index comes from, the
//! partial result it writes, and the checks `merge` makes before combining
//! partials.
//!
//! A shard `K/N` of a run of `T` trials runs the contiguous trial range
//! `[K·T/N, (K+1)·T/N)`. Contiguous ranges, in shard order, are the trials in
//! trial order, so `merge` can re-fold the partials' outcomes exactly as the
//! unsharded run folds them and print a byte-identical report (the CSV, which
//! lists trials in order, included). A trial depends only on (scenario, seed,
//! trial), never on which shard ran it.
//!
//! A partial result is one JSON-lines file, `partial-K-of-N.jsonl`:
//!
//! ```text
//! {"kdrsim_partial":3,"kdrsim_version":"0.1.0","seed":7,"trials":1000,"shard":2,"shards":4,
//!  "first_trial":500,"end_trial":750,"metrics":["acked_lost_records",...],
//!  "scenarios":[{"name":"3dc-stretched","file":"scenarios/3dc-stretched.ron","digest":"…"}]}
//! [0,500,0,0,12034,...,0]        one line per trial: scenario index, trial, metrics, cut_off
//! ...
//! {"end":{"rows":250,"fnv1a64":"…"}}
//! ```
//!
//! The last line seals the file: the number of rows and the FNV-1a-64 hash
//! of every byte above it, header included. `merge` checks it before it
//! reads anything else, so an edited metric value, a seed changed in every
//! header (which the cross-shard checks cannot see) or a truncated file is
//! refused, naming the file and the shard to re-run. The hash detects
//! edits and damage, not a forger who recomputes it (see `crate::fnv`).
//!
//! It keeps every trial's outcome (about 60 bytes a trial on disk) rather
//! than the accumulator's state, because the CSV report needs every row and
//! one path (re-folding outcomes) is easier to trust than two.

use crate::console::CliError;
use crate::fnv::Fnv64;
use kdrsim::{Metric, TrialOutcome, TrialRange};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// The partial-result format version; bump on any incompatible change.
/// 2: the sealing last line (1 had none).
pub const PARTIAL_FORMAT: u32 = 3;

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` with `0 <= K < N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || {
            format!("--shard {text:?}: expected K/N with 0 <= K < N, e.g. 0/4 for the first of four shards")
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count).map_err(|_| bad())
    }

    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            Err("the shard count must be at least 1".into())
        } else if index >= count {
            Err(format!(
                "shard index {index} is out of range for {} (valid: 0..={})",
                kdrsim_output::units::count(count, "shard"),
                count - 1
            ))
        } else {
            Ok(Shard { index, count })
        }
    }

    /// The trials this shard runs out of `trials`: a contiguous range, the
    /// ranges of shards `0..N` tiling `0..trials` in order. Shards differ in
    /// size by at most one trial; with more shards than trials some are
    /// empty, which is allowed.
    pub fn range(self, trials: u64) -> TrialRange {
        let at = |k: u64| (u128::from(k) * u128::from(trials) / u128::from(self.count)) as u64;
        TrialRange {
            start: at(self.index),
            end: at(self.index + 1),
        }
    }

    /// `partial-K-of-N.jsonl`, `K` zero-padded to the width of `N - 1` so a
    /// directory listing sorts in shard order.
    pub fn file_name(self) -> String {
        let width = (self.count - 1).to_string().len();
        format!(
            "partial-{:0width$}-of-{}.jsonl",
            self.index,
            self.count,
            width = width
        )
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard a run is, when `--shard` is absent, from the batch system's
/// environment (`env` looks a variable up; the real one is
/// `std::env::var`). `shards` is `--shards N`, the count when the
/// environment gives only an index.
///
/// - Slurm job arrays: `SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN`
///   (so `--array=1-8` works too), of `SLURM_ARRAY_TASK_COUNT`.
/// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX`, of `--shards N`
///   (Kubernetes does not tell a pod the Job's `completions`).
///
/// Returns the shard and a note on where it came from, or `None` when
/// nothing asks for sharding.
pub fn shard_from_env(
    env: impl Fn(&str) -> Option<String>,
    shards: Option<u64>,
) -> Result<Option<(Shard, String)>, String> {
    let number = |name: &str| -> Result<Option<u64>, String> {
        match env(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                format!("{name}={v:?} is not a whole number; it should be set by the batch system")
            }),
        }
    };
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let count = match (shards, number("SLURM_ARRAY_TASK_COUNT")?) {
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => {
                return Err(format!(
                    "SLURM_ARRAY_TASK_ID={id} is set but SLURM_ARRAY_TASK_COUNT is not: \
                     pass --shards N (the number of array tasks) or --shard K/N"
                ))
            }
        };
        let index = id.checked_sub(min).ok_or_else(|| {
            format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")
        })?;
        let shard = Shard::new(index, count).map_err(|e| {
            format!(
                "SLURM_ARRAY_TASK_ID={id} (minus SLURM_ARRAY_TASK_MIN={min}) gives shard {index}, \
                 but there {} {}: {e}. Use a contiguous array such as \
                 --array=0-{} (step arrays like 0-15:4 are not supported)",
                if count == 1 { "is" } else { "are" },
                kdrsim_output::units::count(count, "shard"),
                count.saturating_sub(1)
            )
        })?;
        return Ok(Some((shard, format!("SLURM_ARRAY_TASK_ID={id}"))));
    }
    if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        let count = shards.ok_or_else(|| {
            format!(
                "JOB_COMPLETION_INDEX={index} gives this pod's shard index but not the count: \
                 pass --shards N with N the Job's completions, or --shard K/N"
            )
        })?;
        let shard = Shard::new(index, count)
            .map_err(|e| format!("JOB_COMPLETION_INDEX={index} with --shards {count}: {e}"))?;
        return Ok(Some((shard, format!("JOB_COMPLETION_INDEX={index}"))));
    }
    match shards {
        Some(n) => Err(format!(
            "--shards {n} gives the shard count, but neither SLURM_ARRAY_TASK_ID nor \
             JOB_COMPLETION_INDEX gives this run's index: use --shard K/{n}"
        )),
        None => Ok(None),
    }
}

/// The first line of a partial result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialHeader {
    pub kdrsim_partial: u32,
    pub kdrsim_version: String,
    pub seed: u64,
    /// Trials per scenario of the whole (unsharded) run.
    pub trials: u64,
    pub shard: u64,
    pub shards: u64,
    /// This shard's trial range, `[first_trial, end_trial)`.
    pub first_trial: u64,
    pub end_trial: u64,
    /// Metric names in the order of each row's values.
    pub metrics: Vec<String>,
    pub scenarios: Vec<PartialScenario>,
}

/// A scenario of a partial result. `digest` fingerprints the scenario text,
/// so partials of two different versions of a file are not merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialScenario {
    pub name: String,
    pub file: String,
    pub digest: String,
    /// Simulated time per trial, for availability.
    #[serde(default)]
    pub duration_ms: u64,
    /// What the model simplifies for the scenario (`models::notes`).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl PartialHeader {
    pub fn new(seed: u64, trials: u64, shard: Shard, scenarios: Vec<PartialScenario>) -> Self {
        let range = shard.range(trials);
        PartialHeader {
            kdrsim_partial: PARTIAL_FORMAT,
            kdrsim_version: env!("CARGO_PKG_VERSION").to_string(),
            seed,
            trials,
            shard: shard.index,
            shards: shard.count,
            first_trial: range.start,
            end_trial: range.end,
            metrics: row_columns(),
            scenarios,
        }
    }

    pub fn line(&self) -> String {
        // A struct of strings and integers always serializes.
        let mut text = serde_json::to_string(self).expect("header serializes");
        text.push('\n');
        text
    }
}

/// FNV-1a, 64-bit, of a scenario's text: a fingerprint, not a security
/// measure, that does not change with the Rust version.
pub fn digest(text: &str) -> String {
    Fnv64::of(text.as_bytes())
}

/// The last line of a partial result: how many rows are above it and the
/// hash of every byte above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndLine {
    end: PartialEnd,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialEnd {
    rows: u64,
    fnv1a64: String,
}

/// The sealing last line for a file whose bytes so far hash to `hash` and
/// that holds `rows` rows.
pub fn end_line(hash: Fnv64, rows: u64) -> String {
    let end = EndLine {
        end: PartialEnd {
            rows,
            fnv1a64: hash.hex(),
        },
    };
    let mut text = serde_json::to_string(&end).expect("end line serializes");
    text.push('\n');
    text
}

/// Checks that the partial at `path` (whose header is `header`) ends with
/// the line that seals it and that its content still hashes to what that
/// The longest line a partial result may have (its header, with every
/// scenario's name and model notes, is the longest by far).
const MAX_LINE_BYTES: u64 = 1 << 20;

/// line says: the file is as `kdrsim run --shard` wrote it.
fn verify_seal(path: &Path, header: &PartialHeader) -> Result<(), CliError> {
    let rerun = format!("re-run shard {}/{}", header.shard, header.shards);
    let file =
        std::fs::File::open(path).map_err(|e| merge_error(format!("{}: {e}", path.display())))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut hash = Fnv64::default();
    let (mut line, mut previous) = (Vec::new(), Vec::new());
    let mut lines = 0u64;
    loop {
        line.clear();
        // Bounded per line: a device or a pipe with no newline (`/dev/zero`)
        // would otherwise be read into memory for ever.
        let n = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| merge_error(format!("{}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        if n as u64 > MAX_LINE_BYTES {
            return Err(merge_error(format!(
                "{}: line {} is longer than {MAX_LINE_BYTES} bytes: not a kdrsim partial result",
                path.display(),
                lines + 1
            )));
        }
        // Every line but the last is covered by the hash.
        hash.update(&previous);
        std::mem::swap(&mut line, &mut previous);
        lines += 1;
    }
    let last = std::str::from_utf8(&previous).unwrap_or("");
    let Ok(EndLine { end }) = serde_json::from_str::<EndLine>(last.trim_end()) else {
        return Err(merge_error(format!(
            "{}: the partial does not end with the line that seals it \
             ({{\"end\":{{\"rows\":...,\"fnv1a64\":...}}}}): it is truncated or damaged; {rerun}",
            path.display()
        )));
    };
    if end.fnv1a64 != hash.hex() {
        return Err(merge_error(format!(
            "{}: the content does not match the digest it was written with \
             (FNV-1a-64 {} now, {} when written): the partial was edited or damaged \
             after `kdrsim run --shard` wrote it; {rerun}",
            path.display(),
            hash.hex(),
            end.fnv1a64
        )));
    }
    let rows = lines.saturating_sub(2);
    if end.rows != rows {
        return Err(merge_error(format!(
            "{}: {} where the partial was written with {}; {rerun}",
            path.display(),
            kdrsim_output::units::count(rows, "row"),
            end.rows
        )));
    }
    Ok(())
}

/// The columns of a row after the scenario index and trial: every metric,
/// then `cut_off` (`TrialOutcome::cut_off` as `CutOff::bits`), which is not
/// a metric but must reach the merged report as the unsharded run has it.
pub fn row_columns() -> Vec<String> {
    Metric::ALL
        .iter()
        .map(|m| m.name().to_string())
        .chain(std::iter::once(CUT_OFF_COLUMN.to_string()))
        .collect()
}

const CUT_OFF_COLUMN: &str = "cut_off";

/// The `cut_off` column's value as a [`kdrsim::models::CutOff`], or what
/// is wrong with it.
fn cut_off_column(bits: u64) -> Result<kdrsim::models::CutOff, String> {
    kdrsim::models::CutOff::from_bits(bits)
        .ok_or_else(|| format!("{CUT_OFF_COLUMN} is {bits}, expected 0, 1, 2 or 3"))
}

/// Appends one row line per outcome of scenario `scenario`.
pub fn write_rows(out: &mut String, scenario: usize, rows: &[(u64, TrialOutcome)]) {
    use std::fmt::Write;
    for (trial, outcome) in rows {
        let _ = write!(out, "[{scenario},{trial}");
        for m in Metric::ALL {
            let _ = write!(out, ",{}", outcome.get(m));
        }
        let _ = write!(out, ",{}", outcome.cut_off.bits());
        out.push_str("]\n");
    }
}

fn merge_error(msg: String) -> CliError {
    CliError::Usage(msg)
}

/// A partial result found on disk, by its header.
#[derive(Debug, Clone)]
pub struct PartialFile {
    pub path: PathBuf,
    pub header: PartialHeader,
}

/// Finds the partial results among `inputs` (directories holding
/// `partial-*.jsonl` files, or such files named directly) and reads their
/// headers. The same file reached twice is read once.
pub fn find_partials(inputs: &[PathBuf]) -> Result<Vec<PartialFile>, CliError> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| merge_error(format!("{}: {e}", input.display())))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| merge_error(format!("{}: {e}", input.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("partial-") && n.ends_with(".jsonl"))
                })
                .collect();
            if found.is_empty() {
                return Err(merge_error(format!(
                    "{} holds no partial results (partial-K-of-N.jsonl): \
                     write them with `kdrsim run ... --shard K/N --out {}`",
                    input.display(),
                    input.display()
                )));
            }
            found.sort();
            paths.extend(found);
        } else {
            paths.push(input.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut parts = Vec::new();
    for path in paths {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if seen.insert(key) {
            let header = read_header(&path)?;
            verify_seal(&path, &header)?;
            parts.push(PartialFile { path, header });
        }
    }
    Ok(parts)
}

fn read_header(path: &Path) -> Result<PartialHeader, CliError> {
    let file =
        std::fs::File::open(path).map_err(|e| merge_error(format!("{}: {e}", path.display())))?;
    let mut line = String::new();
    std::io::BufReader::new(file.take(MAX_LINE_BYTES))
        .read_line(&mut line)
        .map_err(|e| merge_error(format!("{}: {e}", path.display())))?;
    let header: PartialHeader = serde_json::from_str(&line).map_err(|e| {
        merge_error(format!(
            "{}: not a kdrsim partial result (its first line should be the header \
             `kdrsim run --shard` writes): {e}",
            path.display()
        ))
    })?;
    if header.kdrsim_partial != PARTIAL_FORMAT {
        return Err(merge_error(format!(
            "{}: partial format {} is not the {PARTIAL_FORMAT} this kdrsim reads; \
             re-run the shards with this kdrsim",
            path.display(),
            header.kdrsim_partial
        )));
    }
    Ok(header)
}

/// Checks that `parts` are the shards `0..N` of one run, each exactly once,
/// and returns them in shard order. Refuses partials of different runs
/// (seed, trials, shard count, scenarios or their text, metrics, kdrsim
/// version), missing shards and duplicate shards, naming the files.
pub fn check_complete(mut parts: Vec<PartialFile>) -> Result<Vec<PartialFile>, CliError> {
    let Some(first) = parts.first().cloned() else {
        return Err(merge_error("no partial results to merge".into()));
    };
    let a = &first.header;
    for p in &parts[1..] {
        same_run(&first, p)?;
    }
    let expected = row_columns();
    if a.metrics != expected {
        return Err(merge_error(format!(
            "{}: written with metrics {} but this kdrsim reports {}",
            first.path.display(),
            a.metrics.join(","),
            expected.join(",")
        )));
    }
    parts.sort_by_key(|p| p.header.shard);
    no_shard_twice(&parts, a.shards)?;
    every_shard_once(&parts, a.shards)?;
    for p in &parts {
        claims_its_trials(p)?;
    }
    Ok(parts)
}

/// Refuses `p` unless it is a shard of the same run as `first`: same seed,
/// trials, shard count, kdrsim, metrics and scenarios. The first field
/// that differs is the one named.
fn same_run(first: &PartialFile, p: &PartialFile) -> Result<(), CliError> {
    let (a, b) = (&first.header, &p.header);
    let differ = |what: &str, x: String, y: String| {
        merge_error(format!(
            "{} and {} are not shards of the same run: {what} {x} vs {y}",
            first.path.display(),
            p.path.display()
        ))
    };
    if a.seed != b.seed {
        return Err(differ("seed", a.seed.to_string(), b.seed.to_string()));
    }
    if a.trials != b.trials {
        return Err(differ("trials", a.trials.to_string(), b.trials.to_string()));
    }
    if a.shards != b.shards {
        return Err(differ(
            "shard count",
            a.shards.to_string(),
            b.shards.to_string(),
        ));
    }
    if a.kdrsim_version != b.kdrsim_version {
        return Err(differ(
            "kdrsim version",
            a.kdrsim_version.clone(),
            b.kdrsim_version.clone(),
        ));
    }
    if a.metrics != b.metrics {
        return Err(differ("metrics", a.metrics.join(","), b.metrics.join(",")));
    }
    if a.scenarios != b.scenarios {
        let names = |h: &PartialHeader| {
            h.scenarios
                .iter()
                .map(|s| format!("{} ({}, text {})", s.name, s.file, s.digest))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(differ("scenarios", names(a), names(b)));
    }
    Ok(())
}

/// Refuses a shard given twice (`parts` sorted by shard), naming both
/// files: merging it twice would count its trials twice.
fn no_shard_twice(parts: &[PartialFile], shards: u64) -> Result<(), CliError> {
    for w in parts.windows(2) {
        if w[0].header.shard == w[1].header.shard {
            return Err(merge_error(format!(
                "shard {}/{} appears twice: {} and {}",
                w[0].header.shard,
                shards,
                w[0].path.display(),
                w[1].path.display()
            )));
        }
    }
    Ok(())
}

/// Refuses a shard number out of range, then missing shards (the first
/// 20 named): a merge of part of a run would pass for the whole.
fn every_shard_once(parts: &[PartialFile], shards: u64) -> Result<(), CliError> {
    let have: std::collections::BTreeSet<u64> = parts.iter().map(|p| p.header.shard).collect();
    if let Some(bad) = parts.iter().find(|p| p.header.shard >= shards) {
        return Err(merge_error(format!(
            "{}: shard {} is out of range for {}",
            bad.path.display(),
            bad.header.shard,
            kdrsim_output::units::count(shards, "shard")
        )));
    }
    let missing: Vec<String> = (0..shards)
        .filter(|k| !have.contains(k))
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        let shown = missing
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if missing.len() > 20 { ", ..." } else { "" };
        return Err(merge_error(format!(
            "{} of {} {} missing (shard {shown}{more}): merge needs every shard of the run",
            missing.len(),
            kdrsim_output::units::count(shards, "shard"),
            if missing.len() == 1 { "is" } else { "are" }
        )));
    }
    Ok(())
}

/// Refuses a partial whose trials are not the ones its shard number gets:
/// its rows would be put at the wrong trials.
fn claims_its_trials(p: &PartialFile) -> Result<(), CliError> {
    let range = Shard::new(p.header.shard, p.header.shards)
        .map_err(merge_error)?
        .range(p.header.trials);
    if (p.header.first_trial, p.header.end_trial) != (range.start, range.end) {
        return Err(merge_error(format!(
            "{}: shard {} claims trials {}..{}, expected {}..{}",
            p.path.display(),
            p.header.shard,
            p.header.first_trial,
            p.header.end_trial,
            range.start,
            range.end
        )));
    }
    Ok(())
}

/// Streams the outcomes of scenario `scenario` from one partial, in chunks
/// of at most `chunk`, to `sink`. Checks that they are exactly the shard's
/// trials in order.
pub fn read_scenario(
    part: &PartialFile,
    scenario: usize,
    chunk: usize,
    mut sink: impl FnMut(&[(u64, TrialOutcome)]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let damaged = |line: usize, what: String| {
        merge_error(format!(
            "{}:{line}: {what}; the partial is damaged, re-run shard {}/{}",
            part.path.display(),
            part.header.shard,
            part.header.shards
        ))
    };
    let file = std::fs::File::open(&part.path)
        .map_err(|e| merge_error(format!("{}: {e}", part.path.display())))?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut next = part.header.first_trial;
    let mut buf: Vec<(u64, TrialOutcome)> = Vec::with_capacity(chunk);
    let width = 2 + Metric::ALL.len() + 1;
    let mut values: Vec<u64> = Vec::with_capacity(width);
    for (i, line) in reader.lines().enumerate().skip(1) {
        let line = line.map_err(|e| merge_error(format!("{}: {e}", part.path.display())))?;
        let lineno = i + 1;
        if line.starts_with('{') {
            break; // the sealing last line, checked by `verify_seal`
        }
        parse_row(&line, width, &mut values, |what| damaged(lineno, what))?;
        let s = values[0] as usize;
        if s < scenario {
            continue;
        }
        if s > scenario {
            break;
        }
        if values[1] != next {
            return Err(damaged(
                lineno,
                format!("expected trial {next}, found {}", values[1]),
            ));
        }
        let outcome = row_outcome(&values).map_err(|e| damaged(lineno, e))?;
        buf.push((next, outcome));
        next += 1;
        if buf.len() == chunk {
            sink(&buf)?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        sink(&buf)?;
    }
    if next != part.header.end_trial {
        return Err(trials_cut_short(part, scenario, next));
    }
    Ok(())
}

/// Parses the row `[scenario,trial,metrics...,cut_off]` into `values`,
/// which the caller reuses from row to row: a merge reads millions.
fn parse_row(
    line: &str,
    width: usize,
    values: &mut Vec<u64>,
    damaged: impl Fn(String) -> CliError,
) -> Result<(), CliError> {
    values.clear();
    let inner = line
        .trim()
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .ok_or_else(|| damaged("expected a row [scenario,trial,...]".into()))?;
    for field in inner.split(',') {
        values.push(
            field
                .trim()
                .parse()
                .map_err(|_| damaged(format!("{field:?} is not a whole number")))?,
        );
    }
    if values.len() != width {
        return Err(damaged(format!(
            "{}, expected {width}",
            kdrsim_output::units::count(values.len() as u64, "value")
        )));
    }
    Ok(())
}

/// The outcome a parsed row records: the metrics in `Metric::ALL` order,
/// then the cut-off column (its error unplaced: the caller adds the line).
fn row_outcome(values: &[u64]) -> Result<TrialOutcome, String> {
    let mut outcome = TrialOutcome::default();
    for (m, &v) in Metric::ALL.iter().zip(&values[2..]) {
        outcome.set(*m, v);
    }
    outcome.cut_off = cut_off_column(values[values.len() - 1])?;
    Ok(outcome)
}

/// The error for a partial whose rows of `scenario` stop at trial `next`
/// before the shard's end: rows were lost, and the merge would be short.
fn trials_cut_short(part: &PartialFile, scenario: usize, next: u64) -> CliError {
    let name = part
        .header
        .scenarios
        .get(scenario)
        .map_or("?", |s| s.name.as_str());
    merge_error(format!(
        "{}: scenario {name} has trials {}..{next}, expected {}..{}; \
         the partial is damaged, re-run shard {}/{}",
        part.path.display(),
        part.header.first_trial,
        part.header.first_trial,
        part.header.end_trial,
        part.header.shard,
        part.header.shards
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn shard_ranges_tile_the_trials_in_order() {
        for (trials, count) in [(10, 4), (1000, 3), (3, 8), (1, 1), (u64::MAX, 7)] {
            let mut next = 0;
            for index in 0..count {
                let r = Shard { index, count }.range(trials);
                assert_eq!(r.start, next, "{trials} trials, shard {index}/{count}");
                assert!(r.len() <= trials / count + 1);
                next = r.end;
            }
            assert_eq!(next, trials);
        }
    }

    #[test]
    fn shard_argument_must_be_k_of_n_with_k_below_n() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2", ""] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains("K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn file_names_sort_in_shard_order() {
        assert_eq!(
            Shard {
                index: 3,
                count: 12
            }
            .file_name(),
            "partial-03-of-12.jsonl"
        );
        assert_eq!(
            Shard { index: 0, count: 1 }.file_name(),
            "partial-0-of-1.jsonl"
        );
    }

    #[test]
    fn no_batch_environment_means_no_shard() {
        assert_eq!(shard_from_env(env(&[]), None), Ok(None));
    }

    #[test]
    fn slurm_array_task_gives_index_and_count() {
        let got = shard_from_env(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ]),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(got.0, Shard { index: 3, count: 8 });
    }

    #[test]
    fn slurm_array_starting_at_one_counts_from_its_minimum() {
        let got = shard_from_env(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "8"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ]),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(got.0, Shard { index: 7, count: 8 });
    }

    #[test]
    fn slurm_step_array_is_refused_with_the_fix() {
        let e = shard_from_env(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "12"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ]),
            None,
        )
        .unwrap_err();
        assert!(e.contains("--array=0-3"), "{e}");
    }

    #[test]
    fn kubernetes_index_needs_the_count_from_shards() {
        let e = shard_from_env(env(&[("JOB_COMPLETION_INDEX", "2")]), None).unwrap_err();
        assert!(e.contains("--shards N"), "{e}");
        let got = shard_from_env(env(&[("JOB_COMPLETION_INDEX", "2")]), Some(5))
            .unwrap()
            .unwrap();
        assert_eq!(got.0, Shard { index: 2, count: 5 });
        let e = shard_from_env(env(&[("JOB_COMPLETION_INDEX", "5")]), Some(5)).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
    }

    #[test]
    fn a_garbled_index_is_an_error_not_a_silent_unsharded_run() {
        let e = shard_from_env(env(&[("JOB_COMPLETION_INDEX", "two")]), Some(4)).unwrap_err();
        assert!(e.contains("JOB_COMPLETION_INDEX"), "{e}");
    }

    #[test]
    fn shards_without_an_index_asks_for_shard() {
        let e = shard_from_env(env(&[]), Some(4)).unwrap_err();
        assert!(e.contains("--shard K/4"), "{e}");
    }

    #[test]
    fn digest_is_stable() {
        assert_eq!(digest(""), "cbf29ce484222325");
        assert_ne!(digest("a"), digest("b"));
    }
}

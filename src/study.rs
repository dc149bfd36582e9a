//! Running a study: every topology × fault scenario on common random
//! numbers, priced, judged against the stream classes' objectives.
//!
//! Each cell is an ordinary scenario ([`kdrsim_models::study::resolve`]),
//! written out as RON and read back through the same loader as any file, so
//! a cell is exactly what `kdrsim run` would run on that file, and its
//! trials replay from it. Every cell runs trials `0..trials` with the same
//! master seed: fault times come from streams addressed by (seed, trial,
//! purpose), so every topology meets fault scenario f at the same instant in
//! trial k.

use crate::{load_source, Model, RunnerError, ScenarioError, Source, TrialOutcome, TrialRange};
use kdrsim_models::scenario::{Scenario, TimeDist};
use kdrsim_models::study::resolve::{self, Cell, HumanTime};
use kdrsim_models::study::{self, Study, TopologyRef};
use kdrsim_models::traffic::Traffic;
use kdrsim_output::cost::{self, BookChoice, PriceBook};
use kdrsim_output::study::assumptions::{
    describe_dist, price_confirmed, Assumptions, DomainAssumption, HumanTimes, PriceAssumption,
    ReplicationDelay, Sensitivity, SensitivityRow,
};
use kdrsim_output::study::bill;
use kdrsim_output::study::render::{StudyHead, StudyReport};
use kdrsim_output::study::{
    cheapest_meeting_all, evaluate, CellInput, FaultInfo, Objective, TopologyInput, TopologyResult,
};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Trials whose traffic is priced per cell (flows settle within a few).
pub const COST_TRIALS: u64 = 10;

/// A study read and resolved: its topologies and every cell's scenario.
pub struct Resolved {
    pub study: Study,
    pub file: String,
    /// Per topology: its name, file, and per fault scenario (study order)
    /// the cell.
    pub topologies: Vec<ResolvedTopology>,
    /// The sensitivity analysis: the same study with one assumption
    /// changed, resolved the same way.
    pub variants: Vec<Variant>,
    pub warnings: Vec<String>,
}

/// The study with one assumption changed.
pub struct Variant {
    /// The change, in words.
    pub change: String,
    pub topologies: Vec<ResolvedTopology>,
}

pub struct ResolvedTopology {
    pub name: String,
    pub file: String,
    /// The book of a platform that can run it, and why that one when the
    /// study let `aws` choose.
    pub book: PriceBook,
    pub chosen_because: Option<String>,
    /// The topology's own scenario (with a variant's human time applied).
    pub base: Box<Scenario>,
    /// Whether a variant's human time change touched this topology.
    pub has_human_time: bool,
    /// The topology under the study's workload with no fault: its steady
    /// month is measured on this, whether or not any cell applies.
    pub quiet: Arc<Model>,
    pub cells: Vec<ResolvedCell>,
}

pub enum ResolvedCell {
    Runs {
        model: Arc<Model>,
        /// The cell as scenario text, to be written beside the report.
        text: String,
        placed: String,
    },
    NotApplicable(String),
}

/// `base.join(rel)` with `.` and `..` folded lexically, `/`-separated, so
/// a built-in study's references find built-in files.
fn join_lexically(base: &Path, rel: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in base.join(rel).components() {
        match c {
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            Component::CurDir => {}
            Component::RootDir => parts.push(String::new()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

/// The source of a topology reference, relative to the study's file.
fn topology_source(
    study_file: &str,
    builtin: bool,
    r: &TopologyRef,
) -> Result<Source, ScenarioError> {
    let dir = Path::new(study_file).parent().unwrap_or(Path::new(""));
    let missing = |file: String, what: &str| ScenarioError::Io {
        file,
        source: std::io::Error::new(std::io::ErrorKind::NotFound, what.to_string()),
    };
    match r {
        TopologyRef::File(rel) => {
            let path = join_lexically(dir, rel);
            if builtin {
                crate::builtin_text(&path)
                    .map(|t| Source {
                        file: path.clone(),
                        text: t.to_string(),
                    })
                    .ok_or_else(|| missing(path, "not a built-in scenario"))
            } else {
                Source::read(&PathBuf::from(path))
            }
        }
        TopologyRef::Builtin(name) => crate::BUILTIN
            .iter()
            .chain(crate::BUILTIN_STUDY.iter())
            .find(|(f, _)| Path::new(f).file_stem().is_some_and(|s| s == name.as_str()))
            .map(|(f, t)| Source {
                file: f.to_string(),
                text: t.to_string(),
            })
            .ok_or_else(|| missing(name.clone(), "no built-in scenario has this name")),
        TopologyRef::Inline(s) => Ok(Source {
            file: format!("{study_file} (inline topology {})", s.name),
            text: to_ron(s),
        }),
    }
}

/// A topology that cannot be read, reported at its entry of the study
/// (file:line:column, `topologies[i]`) as well as by its own file name;
/// an unknown built-in lists the valid names.
fn at_entry(study: &Source, i: usize, r: &TopologyRef, e: ScenarioError) -> ScenarioError {
    let ScenarioError::Io { file, source } = e else {
        return e;
    };
    let needle = match r {
        TopologyRef::File(rel) => rel.as_str(),
        TopologyRef::Builtin(name) => name.as_str(),
        TopologyRef::Inline(_) => "",
    };
    let valid = match r {
        TopologyRef::Builtin(_) => {
            let mut names: Vec<String> = Vec::new();
            for (f, _) in crate::BUILTIN.iter().chain(crate::BUILTIN_STUDY.iter()) {
                let Some(stem) = Path::new(f).file_stem() else {
                    continue;
                };
                let name = format!("\"{}\"", stem.to_string_lossy());
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            format!("; valid: Builtin({})", names.join(" | "))
        }
        _ => String::new(),
    };
    ScenarioError::Invalid {
        location: study.location(&format!("topologies[{i}]"), needle),
        message: format!("topology {file}: {source}{valid}"),
    }
}

/// A scenario as RON text that the loader reads back to the same value.
pub fn to_ron(s: &Scenario) -> String {
    let config = ron::ser::PrettyConfig::new().struct_names(false);
    ron::ser::to_string_pretty(s, config).unwrap_or_default()
}

/// The largest instant a time distribution reaches, if it is bounded.
fn bound_ms(d: &TimeDist) -> Option<u64> {
    match *d {
        TimeDist::Fixed(v) => Some(v),
        TimeDist::Uniform(_, hi) => Some(hi),
        _ => None,
    }
}

/// Where the cell of topology stem `t` and fault stem `f` (from
/// [`cell_stems`]) is written: a plain file name (the report directory
/// holds no subdirectories).
pub fn cell_file_name(topology: &str, fault: &str) -> String {
    format!("cell-{topology}--{fault}.ron")
}

/// Stems for cell file names, one per name: safe ([`file_stem`]), distinct
/// even compared case-insensitively (a later name that would repeat one
/// gets `-2`, `-3`, ...), never holding `--` nor beginning or ending with
/// `-`. So `cell-{topology}--{fault}.ron` splits at its first `--` into one
/// topology and one fault: two cells never share a file, whatever the
/// names (a topology listed twice, `broker` and `Broker`, long names that
/// differ only past the stem's length, `a--b` beside `a`).
///
/// [`file_stem`]: kdrsim_output::html::file_stem
pub fn cell_stems(names: &[&str]) -> Vec<String> {
    let plain: Vec<String> = names
        .iter()
        .map(|name| {
            let mut stem = kdrsim_output::html::file_stem(name);
            while stem.contains("--") {
                stem = stem.replace("--", "-");
            }
            match stem.trim_matches('-') {
                "" => "cell".to_string(),
                s => s.to_string(),
            }
        })
        .collect();
    // Distinct ignoring case, `-2`, `-3`, ... appended: the safe names
    // every output file gets (a suffix adds no `--`: no stem ends in `-`).
    crate::safe::file_names(&plain)
}

/// Reads the study at `source` (`builtin`: its topology files are looked
/// up among the built-in ones) and resolves every cell, and every cell of
/// each sensitivity variant ([`Variant`]). Cells are named as if written
/// into `out_dir`, so replay commands name real files.
pub fn resolve(source: &Source, builtin: bool, out_dir: &Path) -> Result<Resolved, ScenarioError> {
    let study = study::parse(source)?;
    let warnings = check_fault_bounds(&study, source)?;
    let topologies = resolve_topologies(&study, source, builtin, out_dir, None)?;
    let mut variants = Vec::new();
    if !study.classes.is_empty() {
        for (i, f) in study.faults.iter().enumerate() {
            if !f.can_lose_power() {
                continue;
            }
            let mut flipped = study.clone();
            flipped.faults[i].power_loss = !f.power_loss;
            variants.push(Variant {
                change: format!(
                    "{}: {} instead of {}",
                    f.name,
                    flipped.faults[i].kind(),
                    f.kind()
                ),
                topologies: resolve_topologies(&flipped, source, builtin, out_dir, None)?,
            });
        }
        for h in HumanTime::ALL {
            for (num, den, how) in [(1, 2, "halved"), (2, 1, "doubled")] {
                let scale = Some((h, num, den));
                let topologies = resolve_topologies(&study, source, builtin, out_dir, scale)?;
                if topologies.iter().any(|t| t.has_human_time) {
                    variants.push(Variant {
                        change: format!("{} {how}", h.describe()),
                        topologies,
                    });
                }
            }
        }
    }
    Ok(Resolved {
        study,
        file: source.file.clone(),
        topologies,
        variants,
        warnings,
    })
}

/// Refuses a fault that would be cut short by the trial's end; warns of
/// one whose start or length is unbounded.
fn check_fault_bounds(study: &Study, source: &Source) -> Result<Vec<String>, ScenarioError> {
    let mut warnings = Vec::new();
    for f in &study.faults {
        let at =
            f.at.unwrap_or_else(|| resolve::default_at(study.duration_ms));
        // A destroyed domain never comes back: only its start must fit,
        // and an outage no failover ends runs to the trial's end.
        if f.destroyed {
            warnings.push(format!(
                "fault `{}` is destroyed and never recovers: an outage that no failover ends \
                 is cut at the trial's end, so its RTO reads as at most the rest of the trial \
                 (it is in truth unbounded)",
                f.name
            ));
        }
        let lasts = f.lasts.unwrap_or(TimeDist::Fixed(0));
        match (bound_ms(&at), bound_ms(&lasts)) {
            (Some(a), Some(l)) if a.saturating_add(l) >= study.duration_ms => {
                return Err(ScenarioError::Invalid {
                    location: source.location("faults", &f.name),
                    message: format!(
                        "fault `{}` can start at {a} ms and last {l} ms, past the trial's end \
                         ({} ms): its outages would be cut short; make duration_ms longer",
                        f.name, study.duration_ms
                    ),
                })
            }
            (Some(_), Some(_)) => {}
            _ => warnings.push(format!(
                "fault `{}` has an unbounded start or length: an outage that reaches the \
                 trial's end is cut short there",
                f.name
            )),
        }
    }
    Ok(warnings)
}

/// Every topology of `study` with its cells; `human` scales one human
/// time of every topology first (a sensitivity variant). Past 70 lines
/// because it runs in two passes that share their locals: every topology
/// is loaded before any cell is named (cell file names need every name).
fn resolve_topologies(
    study: &Study,
    source: &Source,
    builtin: bool,
    out_dir: &Path,
    human: Option<(HumanTime, u64, u64)>,
) -> Result<Vec<ResolvedTopology>, ScenarioError> {
    // Every topology as its own file first, so its errors point into it;
    // then the cells, named once every topology's name is known.
    let mut loaded = Vec::new();
    for (i, r) in study.topologies.iter().enumerate() {
        let src =
            topology_source(&source.file, builtin, r).map_err(|e| at_entry(source, i, r, e))?;
        let topology = load_source(&src)?;
        let base = kdrsim_models::load::parse(&src)?;
        loaded.push((src, topology, base));
    }
    let names: Vec<&str> = loaded.iter().map(|(_, _, b)| b.name.as_str()).collect();
    let topo_stems = cell_stems(&names);
    let faults: Vec<&str> = study.faults.iter().map(|f| f.name.as_str()).collect();
    let fault_stems = cell_stems(&faults);
    let mut topologies = Vec::new();
    for ((src, topology, mut base), topo_stem) in loaded.into_iter().zip(&topo_stems) {
        let (book, chosen_because) = price_book(study, source, &base.name, &topology)?;
        let has_human_time =
            human.is_some_and(|(h, num, den)| resolve::scale_human_time(&mut base, h, num, den));
        let mut cells = Vec::new();
        for (f, fault_stem) in study.faults.iter().zip(&fault_stems) {
            let cell =
                resolve::cell(study, &base, f).map_err(|message| ScenarioError::Invalid {
                    location: source.location("topologies", &base.name),
                    message: format!("topology `{}` ({}): {message}", base.name, src.file),
                })?;
            cells.push(match cell {
                Cell::NotApplicable(why) => ResolvedCell::NotApplicable(why),
                Cell::Runs { scenario, placed } => {
                    let file = out_dir.join(cell_file_name(topo_stem, fault_stem));
                    let text = cell_text(study, &source.file, &src.file, &scenario, &file);
                    let cell_src = Source {
                        file: file.display().to_string(),
                        text: text.clone(),
                    };
                    let model = load_source(&cell_src)?;
                    ResolvedCell::Runs {
                        model,
                        text,
                        placed,
                    }
                }
            });
        }
        let quiet = resolve::quiet(study, &base).map_err(|message| ScenarioError::Invalid {
            location: source.location("topologies", &base.name),
            message: format!("topology `{}` ({}): {message}", base.name, src.file),
        })?;
        let quiet = load_source(&Source {
            file: format!("{} (no fault)", src.file),
            text: to_ron(&quiet),
        })?;
        topologies.push(ResolvedTopology {
            name: base.name.clone(),
            file: src.file.clone(),
            book,
            chosen_because,
            base: Box::new(base),
            has_human_time,
            quiet,
            cells,
        });
    }
    check_platform_names(study, source, &topologies)?;
    Ok(topologies)
}

fn cell_text(
    study: &Study,
    study_file: &str,
    topo_file: &str,
    s: &Scenario,
    file: &Path,
) -> String {
    let comment = |t: &str| kdrsim_output::printable_line(t).replace('\n', " ");
    format!(
        "// Written by kdrsim study: {} ({}), topology {}, with the study's workload,\n\
         // trial length and one fault scenario. Replay a trial of it with\n\
         // kdrsim replay {} --seed SEED --trial K\n{}\n",
        comment(&study.name),
        comment(study_file),
        comment(topo_file),
        // Absolute, like every replay command kdrsim prints: it works from
        // any directory.
        comment(&crate::safe::shell_quote(&crate::safe::replay_target(
            &file.display().to_string()
        ))),
        to_ron(s)
    )
}

/// One cell's trials in trial order, or `None` where it did not apply.
pub type CellTrials = Option<Vec<(u64, TrialOutcome)>>;

/// What running a study produced: per topology, per cell, the trials.
pub struct StudyRun {
    pub report: StudyReport,
    /// Per topology, per fault (study order): the trials, when it ran.
    pub trials: Vec<Vec<CellTrials>>,
}

/// The book that prices topology `name` (compiled as `model`): the
/// platform `platforms` names for it, else the study's `price_book`.
/// Refused at that entry when its platform cannot run the topology.
fn price_book(
    study: &Study,
    source: &Source,
    name: &str,
    model: &Model,
) -> Result<(PriceBook, Option<String>), ScenarioError> {
    let (field, needle, chosen) = match study.platforms.get(name) {
        Some(p) => ("platforms", format!("\"{name}\""), p.as_str()),
        None => (
            "price_book",
            format!("\"{}\"", study.price_book),
            study.price_book.as_str(),
        ),
    };
    let invalid = |message: String| ScenarioError::Invalid {
        location: source.location(field, &needle),
        message,
    };
    let choice = BookChoice::parse(chosen).map_err(&invalid)?;
    cost::platform::book_for(choice, model, None).map_err(|why| {
        invalid(format!(
            "topology `{name}`: {why}; name a platform for it in `platforms` (docs/cost.md)"
        ))
    })
}

/// Every key of `platforms` names a topology of the study.
fn check_platform_names(
    study: &Study,
    source: &Source,
    topologies: &[ResolvedTopology],
) -> Result<(), ScenarioError> {
    for key in study.platforms.keys() {
        if !topologies.iter().any(|t| &t.name == key) {
            let names: Vec<String> = topologies
                .iter()
                .map(|t| format!("\"{}\"", t.name))
                .collect();
            return Err(ScenarioError::Invalid {
                location: source.location("platforms", &format!("\"{key}\"")),
                message: format!(
                    "platforms names `{key}`, which is no topology of this study; topologies: {}",
                    names.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// The study-wide warning that some topologies' totals leave out lines
/// their books do not price, so comparing totals compares lower bounds.
fn unpriced_warning(bills: &[bill::TopologyBill]) -> Option<String> {
    let unpriced: Vec<&str> = bills
        .iter()
        .filter(|b| b.lines.iter().any(|l| !l.priced))
        .map(|b| b.topology.as_str())
        .collect();
    if unpriced.is_empty() {
        return None;
    }
    let (whose, books, bounds) = if unpriced.len() == 1 {
        (
            "cost of {} leaves",
            "its price book does",
            "it is a lower bound",
        )
    } else {
        (
            "costs of {} leave",
            "their price books do",
            "they are lower bounds",
        )
    };
    Some(format!(
        "the monthly {} out what {books} not price (a licence sold by quote, Cluster \
         Linking inside it): {bounds} next to the other totals; the cost breakdown names \
         each such line",
        whose.replace("{}", &unpriced.join(" and "))
    ))
}

/// Cells already simulated, by their scenario text: a sensitivity variant
/// reuses every cell its change leaves as it was (the same scenario on the
/// same seed and trials gives the same trials).
#[derive(Default)]
struct Cache {
    cells: HashMap<String, (Vec<(u64, TrialOutcome)>, f64)>,
    /// Per topology name: its fault-free traffic, steady latency and cost.
    quiet: HashMap<String, Quiet>,
    /// Topologies whose model notes were taken (from their first cell).
    noted: std::collections::HashSet<String>,
}

struct Quiet {
    traffic: Vec<Traffic>,
    latency_p99_us: u64,
    usd_per_month: f64,
    /// The steady month, broken down (the study page's cost section).
    bill: cost::Bill,
}

/// The most cells a run of `r` simulates, every variant's changed cell
/// included (a progress bar's total; a variant skips the cells that cannot
/// change its headline, so the run may finish short of it).
pub fn cells_to_run(r: &Resolved) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let all = r
        .topologies
        .iter()
        .chain(r.variants.iter().flat_map(|v| &v.topologies));
    all.flat_map(|t| &t.cells)
        .filter_map(|c| match c {
            ResolvedCell::Runs { text, .. } => Some(text),
            ResolvedCell::NotApplicable(_) => None,
        })
        .filter(|text| seen.insert(text.as_str()))
        .count() as u64
}

/// Everything a run needs besides the cells.
struct Ctx<'a> {
    seed: u64,
    trials: u64,
    jobs: usize,
    progress: &'a (dyn Fn(u64) + Sync),
}

/// The fault-free runs of a topology: traffic (for the bill) and the
/// steady p99 acknowledgement latency (the median of a few quiet trials'
/// p99s).
fn quiet(
    model: &Arc<Model>,
    (book, chosen_because): (&PriceBook, &Option<String>),
    ctx: &Ctx,
) -> Result<Quiet, RunnerError> {
    let range = TrialRange::first(ctx.trials.clamp(1, COST_TRIALS));
    let calm = crate::without_faults(model);
    let traffic = crate::run_traffic(&calm, ctx.seed, range, ctx.jobs)?;
    let mut latencies: Vec<u64> = crate::run_batch(&calm, ctx.seed, range, ctx.jobs, |_| {})?
        .iter()
        .map(|(_, o)| o.ack_latency_p99_us)
        .collect();
    latencies.sort_unstable();
    let latency_p99_us = latencies.get(latencies.len() / 2).copied().unwrap_or(0);
    let mut steady = cost::bill(model, &traffic, &traffic, book);
    steady.chosen_because.clone_from(chosen_because);
    Ok(Quiet {
        traffic,
        latency_p99_us,
        usd_per_month: steady.steady_usd_per_month,
        bill: steady,
    })
}

/// The topology's fault-free runs, unless the cache holds them: measured
/// on its no-fault model, so a topology no fault scenario applies to still
/// has its steady month (never a silent $0).
fn ensure_quiet(t: &ResolvedTopology, ctx: &Ctx, cache: &mut Cache) -> Result<(), RunnerError> {
    if !cache.quiet.contains_key(&t.name) {
        let q = quiet(&t.quiet, (&t.book, &t.chosen_because), ctx)?;
        cache.quiet.insert(t.name.clone(), q);
    }
    Ok(())
}

/// Simulates cell `k` of `t` unless the cache holds it (and, first, the
/// topology's fault-free runs and its model notes).
fn ensure_cell(
    t: &ResolvedTopology,
    k: usize,
    ctx: &Ctx,
    cache: &mut Cache,
    notes: &mut Vec<String>,
) -> Result<(), RunnerError> {
    let ResolvedCell::Runs { model, text, .. } = &t.cells[k] else {
        return Ok(());
    };
    if cache.noted.insert(t.name.clone()) {
        for note in kdrsim_models::notes::model_notes(model) {
            let w = format!("{}: {note}", t.name);
            if !notes.contains(&w) {
                notes.push(w);
            }
        }
    }
    ensure_quiet(t, ctx, cache)?;
    if !cache.cells.contains_key(text) {
        let range = TrialRange::first(ctx.trials);
        let outcomes = crate::run_batch(model, ctx.seed, range, ctx.jobs, ctx.progress)?;
        let cost_range = TrialRange::first(ctx.trials.clamp(1, COST_TRIALS));
        let faulted = crate::run_traffic(model, ctx.seed, cost_range, ctx.jobs)?;
        let quiet = &cache.quiet[&t.name].traffic;
        let bill = cost::bill(model, quiet, &faulted, &t.book);
        let usd = bill.incident.extra_transfer_usd_per_trial;
        cache.cells.insert(text.clone(), (outcomes, usd));
    }
    Ok(())
}

/// Cell `k` of `t` as the output crate takes it, if it is not applicable
/// or the cache holds it.
fn cached_input(t: &ResolvedTopology, k: usize, cache: &Cache) -> Option<CellInput> {
    match &t.cells[k] {
        ResolvedCell::NotApplicable(why) => Some(CellInput::NotApplicable(why.clone())),
        ResolvedCell::Runs {
            model,
            text,
            placed,
        } => cache.cells.get(text).map(|(outcomes, usd)| CellInput::Ran {
            file: model.file.clone(),
            placed: placed.clone(),
            trials: outcomes.clone(),
            incident_usd: *usd,
        }),
    }
}

fn topology_input(t: &ResolvedTopology, cells: Vec<CellInput>, cache: &Cache) -> TopologyInput {
    let (usd_per_month, latency) = cache
        .quiet
        .get(&t.name)
        .map_or((0.0, 0), |q| (q.usd_per_month, q.latency_p99_us));
    TopologyInput {
        name: t.name.clone(),
        file: t.file.clone(),
        usd_per_month,
        steady_ack_latency_p99_us: latency,
        cells,
    }
}

/// One topology's cells, simulated or taken from the cache.
fn run_topology(
    t: &ResolvedTopology,
    ctx: &Ctx,
    cache: &mut Cache,
    notes: &mut Vec<String>,
) -> Result<(TopologyInput, Vec<CellTrials>), RunnerError> {
    let mut cells = Vec::new();
    let mut trials = Vec::new();
    ensure_quiet(t, ctx, cache)?;
    for k in 0..t.cells.len() {
        ensure_cell(t, k, ctx, cache, notes)?;
        let cell = cached_input(t, k, cache)
            .unwrap_or_else(|| CellInput::NotApplicable("not simulated".into()));
        trials.push(match &cell {
            CellInput::Ran { trials, .. } => Some(trials.clone()),
            CellInput::NotApplicable(_) => None,
        });
        cells.push(cell);
    }
    Ok((topology_input(t, cells, cache), trials))
}

/// A topology under a sensitivity variant: its result, or `None` once it
/// cannot meet every class. Cells the change leaves alone come from the
/// cache; the changed ones are simulated in the order of their weight in
/// the study's own result (rate × the largest upper bound of a breach), and
/// the topology is dropped as soon as the cells so far put some class's
/// upper bound above its target: every further cell only adds to P(breach
/// per year), so it could not be met. The headline is exact; only cells
/// that cannot change it are skipped.
fn variant_topology(
    t: &ResolvedTopology,
    own: &TopologyResult,
    (faults, classes): (&[FaultInfo], &[Objective]),
    ctx: &Ctx,
    cache: &mut Cache,
) -> Result<Option<TopologyResult>, RunnerError> {
    let weight = |k: usize| {
        let c = &own.cells[k];
        let p = c.p_breach.iter().map(|p| p.ci95[1]).fold(0.0, f64::max);
        c.rate_per_year * p
    };
    let mut pending: Vec<usize> = (0..t.cells.len())
        .filter(|&k| cached_input(t, k, cache).is_none())
        .collect();
    pending.sort_by(|&a, &b| weight(b).total_cmp(&weight(a)).then(a.cmp(&b)));
    let mut pending = pending.into_iter();
    loop {
        let cells = (0..t.cells.len())
            .map(|k| {
                cached_input(t, k, cache)
                    .unwrap_or_else(|| CellInput::NotApplicable("not simulated yet".into()))
            })
            .collect();
        let input = topology_input(t, cells, cache);
        let result = evaluate(faults, classes, &[input]).remove(0);
        let beyond = result
            .verdicts
            .iter()
            .zip(classes)
            .any(|(v, c)| v.p_breach_per_year_upper95 > c.max_breach_probability_per_year);
        if beyond {
            return Ok(None);
        }
        match pending.next() {
            Some(k) => ensure_cell(t, k, ctx, cache, &mut Vec::new())?,
            None => return Ok(Some(result)),
        }
    }
}

/// The study's fault scenarios and classes as the output crate takes them.
fn faults_and_classes(study: &Study) -> (Vec<FaultInfo>, Vec<Objective>) {
    let faults = study
        .faults
        .iter()
        .map(|f| FaultInfo {
            name: f.name.clone(),
            describe: f.domain.describe().to_string(),
            kind: f.kind().to_string(),
            rate_per_year: f.rate_per_year,
        })
        .collect();
    let classes = study
        .classes
        .iter()
        .map(|c| Objective {
            class: c.name.clone(),
            description: c.description.clone(),
            rpo_ms: c.rpo_ms,
            rto_ms: c.rto_ms,
            max_breach_probability_per_year: c.max_breach_probability_per_year,
            rto_of: c.rto_of,
        })
        .collect();
    (faults, classes)
}

/// Runs every cell with `seed` over trials `0..trials` on `jobs` threads,
/// then every sensitivity variant on the same seed and trials (reusing the
/// cells a change leaves alone); `progress` hears of finished trials.
/// Results do not depend on `jobs`.
pub fn run(
    r: &Resolved,
    seed: u64,
    trials: u64,
    jobs: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<StudyRun, RunnerError> {
    let ctx = Ctx {
        seed,
        trials,
        jobs,
        progress,
    };
    let (faults, classes) = faults_and_classes(&r.study);
    let mut cache = Cache::default();
    let mut warnings = r.warnings.clone();
    let mut notes = Vec::new();
    let mut inputs = Vec::new();
    let mut all_trials = Vec::new();
    for t in &r.topologies {
        let (input, trials) = run_topology(t, &ctx, &mut cache, &mut notes)?;
        inputs.push(input);
        all_trials.push(trials);
    }
    if trials < 100 {
        warnings.push(format!(
            "{} per cell: probabilities below {:.0}% per incident cannot be told \
             from zero; run at least 1,000 for a design review",
            kdrsim_output::units::count(trials, "trial"),
            300.0 / trials.max(1) as f64
        ));
    }
    let results = evaluate(&faults, &classes, &inputs);
    // Each topology's steady month, broken down (the quiet trials' bill).
    let bills: Vec<bill::TopologyBill> = r
        .topologies
        .iter()
        .filter_map(|t| {
            let q = cache.quiet.get(&t.name)?;
            Some(bill::TopologyBill::new(&t.name, q.bill.clone()))
        })
        .collect();
    warnings.extend(unpriced_warning(&bills));
    let head = StudyHead {
        study: r.study.name.clone(),
        description: r.study.description.clone(),
        file: r.file.clone(),
        seed,
        trials,
        duration_ms: r.study.duration_ms,
        price_book: bill::books_used(&r.study.price_book, &bills),
        price_book_as_of: bills.first().map(|b| b.as_of.clone()).unwrap_or_default(),
    };
    let assumptions = assumptions(r, &faults);
    let mut report = StudyReport::new(head, assumptions, faults, classes, results, warnings);
    report.model_notes = notes;
    report.bills = bills;
    report.sensitivity = sensitivity(r, &report, &ctx, &mut cache)?;
    Ok(StudyRun {
        report,
        trials: all_trials,
    })
}

/// The headline under each variant (see [`variant_topology`] for which
/// cells are simulated again).
fn sensitivity(
    r: &Resolved,
    report: &StudyReport,
    ctx: &Ctx,
    cache: &mut Cache,
) -> Result<Sensitivity, RunnerError> {
    // Names and rates are the study's under every change.
    let (faults, classes) = faults_and_classes(&r.study);
    let mut rows = Vec::new();
    for v in &r.variants {
        let before = cache.cells.len();
        let mut meeting = Vec::new();
        for (t, own) in v.topologies.iter().zip(&report.topologies) {
            if let Some(result) = variant_topology(t, own, (&faults, &classes), ctx, cache)? {
                meeting.push(result);
            }
        }
        let headline = cheapest_meeting_all(&meeting).map(|t| t.name.clone());
        rows.push(SensitivityRow {
            change: v.change.clone(),
            holds: headline == report.cheapest_meeting_all,
            headline,
            cells_rerun: (cache.cells.len() - before) as u64,
        });
    }
    Ok(Sensitivity {
        headline: report.cheapest_meeting_all.clone(),
        rows,
    })
}

/// What the verdicts rest on: the failure domains, the human times and
/// replication delays of each topology, and the prices.
fn assumptions(r: &Resolved, faults: &[FaultInfo]) -> Assumptions {
    let failure_domains = r
        .study
        .faults
        .iter()
        .zip(faults)
        .map(|(f, info)| DomainAssumption {
            name: f.name.clone(),
            describe: info.describe.clone(),
            kind: info.kind.clone(),
            kind_means: kind_means(f.kind()).to_string(),
            rate_per_year: f.rate_per_year,
            lasts: f
                .lasts
                .as_ref()
                .map_or_else(|| "never recovers".to_string(), describe_dist),
        })
        .collect();
    let mut human_times = Vec::new();
    let mut replication = Vec::new();
    for t in &r.topologies {
        if let Some(h) = human_times_of(&t.name, &t.base) {
            human_times.push(h);
        }
        for m in &t.base.mirrors {
            replication.push(ReplicationDelay {
                topology: t.name.clone(),
                mirror: m.name.clone(),
                kind: format!("{:?}", m.kind),
                replication_delay_ms: m.replication_delay_ms,
            });
        }
    }
    // Every price of every book the study used, each under its book's name.
    let mut books: Vec<&PriceBook> = Vec::new();
    for t in &r.topologies {
        if !books.iter().any(|b| b.name == t.book.name) {
            books.push(&t.book);
        }
    }
    let prices = books
        .iter()
        .flat_map(|book| book.prices.iter().map(move |(key, p)| (book, key, p)))
        .map(|(book, key, p)| PriceAssumption {
            key: format!(
                "{}: {}",
                book.name,
                serde_json::to_value(key)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
            usd: p.usd,
            confirmed: p.usd.is_some() && !p.unconfirmed && price_confirmed(&p.note),
            note: p.note.clone(),
        })
        .collect();
    Assumptions {
        failure_domains,
        human_times,
        replication,
        price_book: books
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        price_book_as_of: books.first().map(|b| b.as_of.clone()).unwrap_or_default(),
        prices,
    }
}

/// What a failure kind does to Kafka's data, in a sentence.
fn kind_means(kind: &str) -> &'static str {
    match kind {
        "power loss" => {
            "machines lose power: every replica there drops what it had not flushed to disk \
             (Kafka does not fsync by default), so a correlated loss can lose acknowledged tails"
        }
        "crash" => "processes die; the page cache survives, so unflushed writes are kept",
        "isolation" => "the network is cut; every machine keeps running and keeps its data",
        "destroyed" => "lost for good with its disks: replicas there hold nothing, ever again",
        _ => "the replication process stops; the clusters keep running",
    }
}

/// A topology's detection, decision and DNS times: its runbook's, else
/// its producers' own failover's; `None` when it has neither.
fn human_times_of(name: &str, s: &Scenario) -> Option<HumanTimes> {
    if let Some(rb) = &s.runbook {
        return Some(HumanTimes {
            topology: name.to_string(),
            detection: describe_dist(&rb.detection),
            decision: describe_dist(&rb.decision),
            dns: kdrsim_output::study::render::duration(rb.dns_ttl_ms as f64),
        });
    }
    let f = s.producers.iter().find_map(|p| p.failover.as_ref())?;
    Some(HumanTimes {
        topology: name.to_string(),
        detection: format!(
            "{} (the producer's own health check)",
            describe_dist(&f.detection)
        ),
        decision: "none (the producer fails over by itself)".into(),
        dns: kdrsim_output::study::render::duration(f.dns_ttl_ms as f64),
    })
}

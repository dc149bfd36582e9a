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
use kdrsim_models::study::resolve::{self, Cell};
use kdrsim_models::study::{self, Study, TopologyRef};
use kdrsim_output::cost::{self, BookChoice, PriceBook};
use kdrsim_output::study::bill;
use kdrsim_output::study::render::{StudyHead, StudyReport};
use kdrsim_output::study::{evaluate, CellInput, FaultInfo, Objective, TopologyInput};
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
    pub warnings: Vec<String>,
}

pub struct ResolvedTopology {
    pub name: String,
    pub file: String,
    /// The book of a platform that can run it, and why that one when the
    /// study let `aws` choose.
    pub book: PriceBook,
    pub chosen_because: Option<String>,
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

/// Where the cells of topology `t` and fault `f` are written: a plain file
/// name (the report directory holds no subdirectories).
pub fn cell_file_name(topology: &str, fault: &str) -> String {
    format!(
        "cell-{}--{}.ron",
        kdrsim_output::html::file_stem(topology),
        kdrsim_output::html::file_stem(fault)
    )
}

/// Reads the study at `source` (`builtin`: its topology files are looked
/// up among the built-in ones) and resolves every cell. Cells are named as
/// if written into `out_dir`, so replay commands name real files.
pub fn resolve(source: &Source, builtin: bool, out_dir: &Path) -> Result<Resolved, ScenarioError> {
    let study = study::parse(source)?;
    let mut warnings = Vec::new();
    for f in &study.faults {
        let at =
            f.at.unwrap_or_else(|| resolve::default_at(study.duration_ms));
        match (bound_ms(&at), bound_ms(&f.lasts)) {
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
    let mut topologies = Vec::new();
    for r in &study.topologies {
        let src = topology_source(&source.file, builtin, r)?;
        // The topology as its own file first, so its errors point into it.
        let topology = load_source(&src)?;
        let base = kdrsim_models::load::parse(&src)?;
        let (book, chosen_because) = price_book(&study, source, &base.name, &topology)?;
        let mut cells = Vec::new();
        for f in &study.faults {
            let cell =
                resolve::cell(&study, &base, f).map_err(|message| ScenarioError::Invalid {
                    location: source.location("topologies", &base.name),
                    message: format!("topology `{}` ({}): {message}", base.name, src.file),
                })?;
            cells.push(match cell {
                Cell::NotApplicable(why) => ResolvedCell::NotApplicable(why),
                Cell::Runs { scenario, placed } => {
                    let file = out_dir.join(cell_file_name(&base.name, &f.name));
                    let text = cell_text(&study, &source.file, &src.file, &scenario, &file);
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
        topologies.push(ResolvedTopology {
            name: base.name.clone(),
            file: src.file.clone(),
            book,
            chosen_because,
            cells,
        });
    }
    check_platform_names(&study, source, &topologies)?;
    Ok(Resolved {
        study,
        file: source.file.clone(),
        topologies,
        warnings,
    })
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
        comment(&file.display().to_string()),
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

/// Runs every cell with `seed` over trials `0..trials` on `jobs` threads;
/// `progress` hears of finished trials. Results do not depend on `jobs`.
pub fn run(
    r: &Resolved,
    seed: u64,
    trials: u64,
    jobs: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<StudyRun, RunnerError> {
    let faults: Vec<FaultInfo> = r
        .study
        .faults
        .iter()
        .map(|f| FaultInfo {
            name: f.name.clone(),
            describe: f.domain.describe().to_string(),
            rate_per_year: f.rate_per_year,
        })
        .collect();
    let classes: Vec<Objective> = r
        .study
        .classes
        .iter()
        .map(|c| Objective {
            class: c.name.clone(),
            description: c.description.clone(),
            rpo_ms: c.rpo_ms,
            rto_ms: c.rto_ms,
            max_breach_probability_per_year: c.max_breach_probability_per_year,
        })
        .collect();
    let mut inputs = Vec::new();
    let mut all_trials = Vec::new();
    let mut bills = Vec::new();
    let mut warnings = r.warnings.clone();
    let cost_range = TrialRange::first(trials.clamp(1, COST_TRIALS));
    for t in &r.topologies {
        let mut cells = Vec::new();
        let mut topo_trials = Vec::new();
        let mut usd_per_month = 0.0;
        let mut quiet = None;
        // The steady-state breakdown is the same in every cell (quiet
        // trials of one topology); the first cell's is kept.
        let mut topo_bill = None;
        for cell in &t.cells {
            match cell {
                ResolvedCell::NotApplicable(why) => {
                    cells.push(CellInput::NotApplicable(why.clone()));
                    topo_trials.push(None);
                }
                ResolvedCell::Runs { model, placed, .. } => {
                    let outcomes =
                        crate::run_batch(model, seed, TrialRange::first(trials), jobs, progress)?;
                    if quiet.is_none() {
                        let q = crate::run_traffic(
                            &crate::without_faults(model),
                            seed,
                            cost_range,
                            jobs,
                        )?;
                        for note in kdrsim_models::notes::model_notes(model) {
                            let w = format!("{}: {note}", t.name);
                            if !warnings.contains(&w) {
                                warnings.push(w);
                            }
                        }
                        quiet = Some(q);
                    }
                    let quiet = quiet.as_deref().unwrap_or_default();
                    let faulted = crate::run_traffic(model, seed, cost_range, jobs)?;
                    let mut bill = cost::bill(model, quiet, &faulted, &t.book);
                    bill.chosen_because.clone_from(&t.chosen_because);
                    usd_per_month = bill.steady_usd_per_month;
                    if topo_bill.is_none() {
                        topo_bill = Some(bill.clone());
                    }
                    cells.push(CellInput::Ran {
                        file: model.file.clone(),
                        placed: placed.clone(),
                        trials: outcomes.clone(),
                        incident_usd: bill.incident.extra_transfer_usd_per_trial,
                    });
                    topo_trials.push(Some(outcomes));
                }
            }
        }
        inputs.push(TopologyInput {
            name: t.name.clone(),
            file: t.file.clone(),
            usd_per_month,
            cells,
        });
        all_trials.push(topo_trials);
        bills.extend(topo_bill.map(|b| bill::TopologyBill::new(&t.name, b)));
    }
    warnings.extend(unpriced_warning(&bills));
    if trials < 100 {
        warnings.push(format!(
            "{} per cell: probabilities below {:.0}% per incident cannot be told \
             from zero; run at least 1,000 for a design review",
            kdrsim_output::units::count(trials, "trial"),
            300.0 / trials.max(1) as f64
        ));
    }
    let results = evaluate(&faults, &classes, &inputs);
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
    let mut report = StudyReport::new(head, faults, classes, results, warnings);
    report.bills = bills;
    Ok(StudyRun {
        report,
        trials: all_trials,
    })
}

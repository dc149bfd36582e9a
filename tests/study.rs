//! Studies: a cell is the scenario it says it is (one world), verdicts
//! follow the measured figures, and results do not depend on threads.

mod common;

use common::Edit;

use common::run::temp_dir;
use kdrsim::study::{self, ResolvedCell};
use kdrsim::{ScenarioError, Source};
use std::path::Path;

fn source(text: &str) -> Source {
    Source {
        file: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/study/small.ron")
            .display()
            .to_string(),
        text: text.to_string(),
    }
}

fn small() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/study/small.ron"))
        .unwrap()
}

fn run(text: &str, jobs: usize) -> study::StudyRun {
    let r =
        study::resolve(&source(text), false, Path::new("out")).unwrap_or_else(|e| panic!("{e}"));
    study::run(&r, 1, 40, jobs, &|_| {}).unwrap()
}

#[test]
fn a_study_cell_gives_what_kdrsim_run_gives_on_its_written_scenario() {
    let r = study::resolve(&source(&small()), false, Path::new("out")).unwrap();
    let ran = study::run(&r, 1, 40, 0, &|_| {}).unwrap();
    let ResolvedCell::Runs { text, model, .. } = &r.topologies[1].cells[0] else {
        panic!("the broker cell runs");
    };
    // Read back from its text as any scenario file is: the same trials.
    let again = kdrsim::load_source(&Source {
        file: "again.ron".into(),
        text: text.clone(),
    })
    .unwrap();
    let direct = kdrsim::run_batch(&again, 1, kdrsim::TrialRange::first(40), 0, |_| {}).unwrap();
    assert_eq!(ran.trials[1][0].as_ref().unwrap(), &direct);
    assert_eq!(model.name, "active-passive-cluster-link--broker");
    // ... and the study's table shows that cell's own figures.
    let max_rto = direct
        .iter()
        .map(|(_, o)| o.max_write_outage_ms)
        .max()
        .unwrap();
    assert_eq!(ran.report.topologies[1].cells[0].rto_ms.max, max_rto);
}

#[test]
fn verdict_flips_when_the_rto_objective_is_tightened_past_the_measured_recovery() {
    let loose = run(&small(), 0);
    let t = &loose.report.topologies[0];
    let rto = t.cells[0].rto_ms;
    // A broker's loss costs seconds of writes (the session timeout).
    assert!(rto.p50 > 5_000 && rto.max < 15_000, "{rto:?}");
    assert!(t.verdicts[0].status.holds(), "{:?}", t.verdicts[0]);
    // Tighten the RTO below the measured p50: most broker incidents breach.
    let tight = small().edit("rto_ms: 15_000", &format!("rto_ms: {}", rto.p50 - 1));
    let tight = run(&tight, 0);
    let v = &tight.report.topologies[0].verdicts[0];
    assert!(!v.status.holds(), "{v:?}");
    assert_eq!(v.driven_by.as_deref(), Some("broker"));
    assert!(v.p_breach_per_year > 0.8, "{v:?}");
}

#[test]
fn a_fault_with_nothing_to_hit_is_not_applicable_and_says_why() {
    let r = run(&small(), 0);
    let cell = &r.report.topologies[0].cells[1];
    assert!(!cell.applicable);
    assert!(cell.placed.contains("no replicator"), "{}", cell.placed);
    assert!(r.report.topologies[1].cells[1].applicable);
    // Stopping the only mirror costs the active-passive primary nothing.
    assert_eq!(r.report.topologies[1].cells[1].rto_ms.max, 0);
}

#[test]
fn study_results_do_not_depend_on_the_thread_count() {
    let one = kdrsim::output::study::render::study_json(&run(&small(), 1).report);
    let two = kdrsim::output::study::render::study_json(&run(&small(), 2).report);
    assert_eq!(one, two);
}

#[test]
fn a_fault_outlasting_the_trial_is_refused_at_its_field() {
    let long = small().edit("lasts: Fixed(300_000)", "lasts: Fixed(3_500_000)");
    let e = study::resolve(&source(&long), false, Path::new("out"))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("small.ron:") && e.contains("broker") && e.contains("duration_ms"),
        "{e}"
    );
}

#[test]
fn every_builtin_study_cell_loads() {
    let text = kdrsim::builtin_text("scenarios/study/default.ron").unwrap();
    let src = Source {
        file: "scenarios/study/default.ron".into(),
        text: text.into(),
    };
    let r =
        study::resolve(&src, true, Path::new("kdrsim-report")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.topologies.len(), 7);
    assert!(r.topologies.iter().all(|t| t.cells.len() == 7));
}

#[test]
fn an_active_active_region_loss_reports_the_readers_outage_as_its_rto() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/study/active-active-region.ron"),
    )
    .unwrap();
    let src = Source {
        file: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/study/active-active-region.ron")
            .display()
            .to_string(),
        text,
    };
    let r = study::resolve(&src, false, Path::new("out")).unwrap_or_else(|e| panic!("{e}"));
    let ran = study::run(&r, 1, 20, 0, &|_| {}).unwrap();
    let trials = ran.trials[0][0].as_ref().unwrap();
    let worst_read = trials
        .iter()
        .map(|(_, o)| o.max_read_outage_ms)
        .max()
        .unwrap();
    let worst_write = trials
        .iter()
        .map(|(_, o)| o.max_write_outage_ms)
        .max()
        .unwrap();
    let cell = &ran.report.topologies[0].cells[0];
    // The readers in the lost region are down for about its hour; writes
    // fail over in minutes. The incident's RTO is the worse: the readers'.
    assert!(
        worst_read > worst_write,
        "read {worst_read} write {worst_write}"
    );
    assert!(worst_read >= 3_000_000, "read outage {worst_read}");
    assert_eq!(cell.rto_ms.max, worst_read);
    assert_eq!(cell.read_rto_ms.max, worst_read);
    assert_eq!(cell.write_rto_ms.max, worst_write);
    // ... and the verdict follows: a 15-minute RTO over both is breached
    // by every region loss; over writes only it is not breached by RTO.
    assert_eq!(cell.rto_breaches[0], cell.trials);
    let v = &ran.report.topologies[0].verdicts;
    assert_eq!(v[0].status, kdrsim::output::study::Status::NotMet, "{v:?}");
    assert!(cell.rto_breaches[1] < cell.trials, "{cell:?}");
}

#[test]
fn a_study_report_opens_with_assumptions_and_shows_sensitivity_latency_and_duplicates() {
    let out = temp_dir("report");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["study", "tests/study/small.ron", "--trials", "20", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let summary_text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    // summary.json opens with the assumptions, then the sensitivity.
    let first_key = summary_text.split('"').nth(1).unwrap();
    assert_eq!(first_key, "assumptions");
    let domains = summary["assumptions"]["failure_domains"]
        .as_array()
        .unwrap();
    assert_eq!(domains.len(), 2);
    assert_eq!(domains[0]["kind"], "crash");
    assert!(domains[0]["rate_per_year"].as_f64().unwrap() > 0.0);
    let human = summary["assumptions"]["human_times"].as_array().unwrap();
    assert!(human
        .iter()
        .any(|h| h["decision"].as_str().unwrap().contains("10 min")));
    assert!(summary["assumptions"]["prices"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["confirmed"] == false));
    let rows = summary["sensitivity"]["rows"].as_array().unwrap();
    let changes: Vec<&str> = rows.iter().map(|r| r["change"].as_str().unwrap()).collect();
    assert!(
        changes.contains(&"broker: power loss instead of crash"),
        "{changes:?}"
    );
    assert!(changes.contains(&"decision time doubled"), "{changes:?}");
    assert!(summary["scenarios"].as_array().unwrap().len() == 3);
    // study.json carries the same, and the latency and duplicates.
    let study: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("study.json")).unwrap()).unwrap();
    let t0 = &study["topologies"][0];
    assert!(t0["steady_ack_latency_p99_us"].as_u64().unwrap() > 0);
    assert!(t0["cells"][0]["duplicates_delivered"]["max"].is_u64());
    assert!(t0["cells"][0]["read_rto_ms"]["p99"].is_u64());
    // The page: verdicts, assumptions and sensitivity, latency and
    // duplicates, in that order of importance; no internal cell names
    // before the appendix.
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing from the page"))
    };
    assert!(at("Verdicts") < at("id=\"assumptions\""));
    assert!(at("id=\"assumptions\"") < at("id=\"sensitivity\""));
    assert!(at("p99 write latency") < at("id=\"sensitivity\""));
    assert!(at("duplicates (max)") > at("id=\"sensitivity\""));
    assert!(page.contains("not a measurement"));
    assert!(page.contains("decision time doubled"));
    let appendix = at("id=\"appendix\"");
    assert!(
        !page[..appendix].contains("cell-"),
        "internal names before the appendix"
    );
    // Nothing named "met" or cheapest on an upper bound above its target.
    let report = &study["topologies"];
    let target = study["classes"][0]["max_breach_probability_per_year"]
        .as_f64()
        .unwrap();
    for t in report.as_array().unwrap() {
        let upper = t["verdicts"][0]["p_breach_per_year_upper95"]
            .as_f64()
            .unwrap();
        let met = t["verdicts"][0]["status"]["is"] == "met";
        assert_eq!(met, upper <= target, "{t}");
        if study["cheapest_meeting_all"] == t["name"] {
            assert!(upper <= target);
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// The small study with the 2.5-DC observer cluster as a third topology
/// and `extra` (keys) added at its end.
fn with_observers(extra: &str) -> String {
    small()
        .edit(
            "File(\"../../scenarios/study/active-passive-cluster-link.ron\"),",
            "File(\"../../scenarios/study/active-passive-cluster-link.ron\"),\n        \
             File(\"../../scenarios/2.5dc-observers.ron\"),",
        )
        .edit("\n    ],\n)", &format!("\n    ],\n{extra}\n)"))
}

fn refusal(text: &str) -> kdrsim::ScenarioError {
    study::resolve(&source(text), false, Path::new("out"))
        .err()
        .expect("refused")
}

#[test]
fn a_study_left_to_aws_prices_each_topology_on_a_platform_that_can_run_it() {
    let r = study::resolve(&source(&with_observers("")), false, Path::new("out")).unwrap();
    let books: Vec<(&str, &str)> = r
        .topologies
        .iter()
        .map(|t| (t.name.as_str(), t.book.name.as_str()))
        .collect();
    assert_eq!(
        books,
        [
            ("multi-az", "aws-msk"),
            ("active-passive-cluster-link", "confluent-platform"),
            ("2.5dc-observers", "confluent-platform"),
        ]
    );
    let why = r.topologies[2].chosen_because.as_deref().unwrap();
    assert!(
        why.contains("aws-msk and aws-ec2 cannot: no observers"),
        "{why}"
    );
}

#[test]
fn a_study_naming_msk_for_the_observer_cluster_is_refused_at_that_entry() {
    let text =
        with_observers("    platforms: {\n        \"2.5dc-observers\": \"aws-msk\",\n    },");
    let e = refusal(&text);
    let ScenarioError::Invalid { location, message } = &e else {
        panic!("{e}");
    };
    // The entry's own line and column in the study file.
    let line = text
        .lines()
        .position(|l| l.contains("\"2.5dc-observers\": \"aws-msk\""))
        .unwrap()
        + 1;
    assert_eq!((location.line, location.column), (line, 9), "{e}");
    assert_eq!(location.field, "platforms");
    assert!(message.contains("no observers on this platform"), "{e}");
    assert!(e.to_string().contains("small.ron:"), "{e}");
}

#[test]
fn a_study_wide_msk_book_is_refused_at_price_book_for_the_cluster_link_topology() {
    let e = refusal(&with_observers("    price_book: \"aws-msk\",")).to_string();
    assert!(e.contains("price_book"), "{e}");
    assert!(e.contains("active-passive-cluster-link"), "{e}");
    assert!(e.contains("no Cluster Linking on this platform"), "{e}");
    // Naming a platform per topology that cannot take the study's book
    // settles it.
    let named = with_observers(
        "    price_book: \"aws-msk\",\n    platforms: {\"active-passive-cluster-link\": \
         \"confluent-platform\", \"2.5dc-observers\": \"confluent-platform\"},",
    );
    let r = study::resolve(&source(&named), false, Path::new("out")).unwrap();
    assert_eq!(r.topologies[0].book.name, "aws-msk");
    assert!(r.topologies[0].chosen_because.is_none());
}

#[test]
fn a_study_naming_an_unknown_platform_or_topology_is_refused_with_what_is_valid() {
    let e = refusal(&with_observers("    price_book: \"confluent\",")).to_string();
    assert!(e.contains("did you mean \"confluent-platform\""), "{e}");
    let e = refusal(&with_observers(
        "    platforms: {\"multi-azz\": \"aws-msk\"},",
    ))
    .to_string();
    assert!(e.contains("no topology of this study"), "{e}");
    assert!(e.contains("\"multi-az\""), "{e}");
}

#[test]
fn a_study_report_breaks_each_topology_s_month_down() {
    let r = run(&small(), 0);
    let json: serde_json::Value =
        serde_json::from_str(&kdrsim::output::study::render::study_json(&r.report)).unwrap();
    let bills = json["bills"].as_array().unwrap();
    assert_eq!(bills.len(), 2);
    let link = &bills[1];
    assert_eq!(link["topology"], "active-passive-cluster-link");
    assert_eq!(link["price_book"], "confluent-platform");
    // The parts add up to the total the verdicts table shows.
    let parts: f64 = link["transfer_usd_per_month"].as_f64().unwrap()
        + link["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[1].as_f64().unwrap())
            .sum::<f64>();
    let total = link["steady_usd_per_month"].as_f64().unwrap();
    assert!((parts - total).abs() < 1e-6, "{parts} vs {total}");
    assert_eq!(total, r.report.topologies[1].usd_per_month);
    // Cluster Linking and the licence are named as not priced.
    let warnings = link["warnings"].to_string();
    assert!(warnings.contains("cluster link"), "{warnings}");
    assert!(warnings.contains("licence"), "{warnings}");
    let text = kdrsim::output::study::render::study_text(&r.report);
    assert!(text.contains("cost broken down per topology"), "{text}");
    assert!(text.contains("not priced"), "{text}");
}

#[test]
fn the_default_study_prices_each_topology_where_its_file_says() {
    let text = kdrsim::builtin_text("scenarios/study/default.ron").unwrap();
    let src = Source {
        file: "scenarios/study/default.ron".into(),
        text: text.into(),
    };
    let r = study::resolve(&src, true, Path::new("kdrsim-report")).unwrap();
    let books: Vec<(&str, &str)> = r
        .topologies
        .iter()
        .map(|t| (t.name.as_str(), t.book.name.as_str()))
        .collect();
    // As the comment at its price_book and docs/cost.md say.
    assert_eq!(
        books,
        [
            ("multi-az", "aws-msk"),
            ("3dc-stretched", "aws-msk"),
            ("2.5dc-observers", "confluent-platform"),
            ("active-passive-cluster-link", "confluent-platform"),
            ("active-passive-mm2", "aws-msk"),
            ("active-active", "aws-msk"),
            ("3-region-stretched", "aws-ec2"),
        ]
    );
}

#[test]
fn no_two_cells_of_a_study_share_a_file_whatever_their_names() {
    // The same topology twice, fault names that differ only in case, and
    // names whose `--` would make `cell-a--b--c` ambiguous.
    let dir = temp_dir("collide");
    let study = dir.join("collide.ron");
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::write(
        &study,
        format!(
            "(version: 1, name: \"collide\", duration_ms: 3_600_000, trials: 2,\n\
             topologies: [File(\"{root}/scenarios/study/multi-az.ron\"), File(\"{root}/scenarios/study/multi-az.ron\")],\n\
             workload: (records_per_sec: 100.0, record_bytes: 1024),\n\
             faults: [\n\
               (name: \"broker\", domain: Broker, rate_per_year: 1.0, lasts: Fixed(60_000)),\n\
               (name: \"Broker\", domain: Broker, rate_per_year: 1.0, lasts: Fixed(60_000)),\n\
               (name: \"a--b\", domain: Broker, rate_per_year: 1.0, lasts: Fixed(60_000)),\n\
               (name: \"a\", domain: Broker, rate_per_year: 1.0, lasts: Fixed(60_000)),\n\
             ],\n\
             classes: [(name: \"c\", rpo_ms: 0, rto_ms: 600_000, max_breach_probability_per_year: 0.5)])"
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .args(["study"])
        .arg(&study)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let mut cells: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("cell-"))
        .collect();
    cells.sort();
    // 2 topologies x 4 faults, each its own file, distinct ignoring case.
    assert_eq!(cells.len(), 8, "{cells:?}");
    let mut lower: Vec<String> = cells.iter().map(|c| c.to_ascii_lowercase()).collect();
    lower.dedup();
    assert_eq!(lower.len(), 8, "{cells:?}");
    // Each file's first `--` splits it into one topology and one fault.
    for c in &cells {
        let inner = c.trim_start_matches("cell-").trim_end_matches(".ron");
        let (t, f) = inner.split_once("--").unwrap();
        assert!(!f.contains("--") && !t.is_empty() && !f.is_empty(), "{c}");
    }
}

#[test]
fn a_topology_no_fault_applies_to_is_priced_and_never_named_cheapest() {
    // A single-region topology under region isolation only: every cell is
    // n/a. Nothing was shown, so nothing is met; its month is still its
    // steady cost, never $0.
    let dir = temp_dir("all-na");
    let study = dir.join("all-na.ron");
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::write(
        &study,
        format!(
            "(version: 1, name: \"all-na\", duration_ms: 3_600_000, trials: 5,\n\
             topologies: [File(\"{root}/scenarios/study/multi-az.ron\")],\n\
             workload: (records_per_sec: 100.0, record_bytes: 1024),\n\
             faults: [(name: \"region-isolation\", domain: RegionIsolation, rate_per_year: 0.2, lasts: Fixed(600_000))],\n\
             classes: [(name: \"c\", rpo_ms: 0, rto_ms: 600_000, max_breach_probability_per_year: 0.5)])"
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .arg("study")
        .arg(&study)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("study.json")).unwrap()).unwrap();
    let t = &json["topologies"][0];
    assert!(t["usd_per_month"].as_f64().unwrap() > 100.0, "{t}");
    assert!(json["cheapest_meeting_all"].is_null(), "{json}");
    assert_ne!(t["verdicts"][0]["status"]["is"], "met");
}

#[test]
fn absurd_rates_and_repeated_class_names_are_refused_at_their_fields() {
    let dir = temp_dir("absurd");
    let root = env!("CARGO_MANIFEST_DIR");
    let study = |fault_rate: &str, classes: &str| {
        format!(
            "(version: 1, name: \"absurd\", duration_ms: 3_600_000, trials: 2,\n\
             topologies: [File(\"{root}/scenarios/study/multi-az.ron\")],\n\
             workload: (records_per_sec: 100.0, record_bytes: 1024),\n\
             faults: [(name: \"broker\", domain: Broker, rate_per_year: {fault_rate}, lasts: Fixed(60_000))],\n\
             classes: [{classes}])"
        )
    };
    let class = "(name: \"c\", rpo_ms: 0, rto_ms: 600_000, max_breach_probability_per_year: 0.5)";
    for (name, text, field) in [
        ("rate", study("1e308", class), "faults[0].rate_per_year"),
        (
            "classes",
            study("1.0", &format!("{class}, {class}")),
            "classes[1].name",
        ),
    ] {
        let file = dir.join(format!("{name}.ron"));
        std::fs::write(&file, text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdrsim"))
            .arg("study")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(field), "{name}: {err}");
    }
}

#[test]
fn a_missing_topology_file_or_built_in_is_named_at_its_study_entry() {
    let dir = temp_dir("missing");
    for (name, topology, valid) in [
        ("file", "File(\"nope.ron\")", "No such file"),
        (
            "builtin",
            "Builtin(\"nada\")",
            "valid: Builtin(\"3dc-stretched\"",
        ),
    ] {
        let file = dir.join(format!("{name}.ron"));
        std::fs::write(
            &file,
            format!(
                "(version: 1, name: \"missing\", duration_ms: 3_600_000, trials: 2,\n\
                 topologies: [{topology}],\n\
                 workload: (records_per_sec: 100.0, record_bytes: 1024),\n\
                 faults: [(name: \"broker\", domain: Broker, rate_per_year: 1.0, lasts: Fixed(60_000))],\n\
                 classes: [(name: \"c\", rpo_ms: 0, rto_ms: 600_000, max_breach_probability_per_year: 0.5)])"
            ),
        )
        .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdrsim"))
            .arg("study")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let at = format!("{}:2:", file.display());
        assert!(err.contains(&at), "{name}: {err}");
        assert!(err.contains("topologies[0]"), "{name}: {err}");
        assert!(err.contains(valid), "{name}: {err}");
    }
}

#[test]
fn a_cell_file_names_itself_by_absolute_path_in_its_replay_command() {
    let dir = temp_dir("absolute");
    let study = dir.join("abs.ron");
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::write(
        &study,
        format!(
            "(version: 1, name: \"abs\", duration_ms: 3_600_000, trials: 2,\n\
             topologies: [File(\"{root}/scenarios/study/multi-az.ron\")],\n\
             workload: (records_per_sec: 100.0, record_bytes: 1024),\n\
             faults: [(name: \"broker\", domain: Broker, rate_per_year: 1.0, lasts: Fixed(60_000))],\n\
             classes: [(name: \"c\", rpo_ms: 0, rto_ms: 600_000, max_breach_probability_per_year: 0.5)])"
        ),
    )
    .unwrap();
    // A relative --out, from the study's directory.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .current_dir(&dir)
        .args(["study", "abs.ron", "--out", "rel"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let cell = std::fs::read_to_string(dir.join("rel/cell-multi-az--broker.ron")).unwrap();
    let line = cell
        .lines()
        .find(|l| l.starts_with("// kdrsim replay "))
        .expect("a replay command");
    let path = line["// kdrsim replay ".len()..].split(' ').next().unwrap();
    assert!(std::path::Path::new(path).is_absolute(), "{line}");
    assert!(std::path::Path::new(path).exists(), "{line}");
}

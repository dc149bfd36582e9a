//! The design-review report: `compare`, the default run, `sweep` and
//! `replay --timeline` write complete, parseable, self-contained output,
//! escape what scenario files say, and write nothing outside `--out`.

mod common;

use common::Edit;

use common::run::{kdrsim, kdrsim_in, temp_dir};
use std::path::Path;
use std::process::Output;

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every SVG parses as XML with an `<svg>` root; every PNG decodes to a
/// non-empty image.
fn assert_images_parse(dir: &Path) {
    let mut svgs = 0;
    let mut pngs = 0;
    for name in files(dir) {
        let path = dir.join(&name);
        if name.ends_with(".svg") {
            let text = std::fs::read_to_string(&path).unwrap();
            let doc = roxmltree::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{name} is not XML: {e}"));
            assert_eq!(doc.root_element().tag_name().name(), "svg", "{name}");
            svgs += 1;
        } else if name.ends_with(".png") {
            let decoder =
                png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
            let mut reader = decoder
                .read_info()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert!(info.width > 100 && info.height > 100, "{name}");
            // Not blank: a chart has dark pixels (text, axes).
            assert!(buf.iter().any(|&b| b < 64), "{name} is blank");
            pngs += 1;
        }
    }
    assert!(svgs > 0 && svgs == pngs, "{svgs} SVGs, {pngs} PNGs");
}

/// The values of every `src="..."` and `href="..."` in `html`.
fn references(html: &str) -> Vec<String> {
    let mut refs = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            refs.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    refs
}

const CHARTS: [&str; 7] = [
    "loss-exceedance",
    "rpo-exceedance",
    "write-outage-exceedance",
    "rto-cdf",
    "p-loss",
    "dup-skip",
    "cost",
];

#[test]
fn compare_writes_every_report_file_and_every_image_parses() {
    let dir = temp_dir("compare");
    let out = kdrsim(&[
        "compare",
        "scenarios/3dc-stretched.ron",
        "scenarios/broker-crash.ron",
        "--allow-different",
        "--trials",
        "30",
        "--out",
        dir.to_str().unwrap(),
    ]);
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("acked_lost_records"), "{stdout}");
    assert!(stdout.contains("index.html"), "{stdout}");
    let names = files(&dir);
    let mut expected: Vec<String> = vec![
        "index.html".into(),
        "summary.json".into(),
        "trials.csv".into(),
        "report.txt".into(),
        "cost.json".into(),
    ];
    for c in CHARTS {
        expected.push(format!("{c}.svg"));
        expected.push(format!("{c}.png"));
    }
    for (i, s) in ["3dc-stretched", "broker-crash"].iter().enumerate() {
        for kind in ["topology", "timeline"] {
            expected.push(format!("{kind}-{i}-{s}.svg"));
            expected.push(format!("{kind}-{i}-{s}.png"));
        }
        expected.push(format!("topology-{i}-{s}.dot"));
    }
    for f in &expected {
        assert!(names.contains(f), "{f} missing from {names:?}");
        assert!(dir.join(f).metadata().unwrap().len() > 0, "{f} is empty");
    }
    assert!(
        !names.iter().any(|n| n.contains(".tmp")),
        "temporary files left: {names:?}"
    );
    assert_images_parse(&dir);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["scenarios"].as_array().unwrap().len(), 2);
    let csv = std::fs::read_to_string(dir.join("trials.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 30);
    let dot = std::fs::read_to_string(dir.join("topology-0-3dc-stretched.dot")).unwrap();
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(
        dot.contains("controller 101") && dot.contains("DC dc1"),
        "{dot}"
    );
}

#[test]
fn index_html_references_only_local_files_that_exist() {
    let dir = temp_dir("local");
    ok(&kdrsim(&[
        "compare",
        "scenarios/2.5dc-observers.ron",
        "--trials",
        "10",
        "--out",
        dir.to_str().unwrap(),
    ]));
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for scheme in ["http:", "https:", "//", "file:", "data:", "@import", "url("] {
        assert!(!html.contains(scheme), "index.html contains {scheme}");
    }
    let refs = references(&html);
    assert!(refs.len() > 10, "{refs:?}");
    for r in refs {
        if let Some(anchor) = r.strip_prefix('#') {
            assert!(
                html.contains(&format!("id=\"{anchor}\"")),
                "dangling #{anchor}"
            );
            continue;
        }
        assert!(
            !r.contains('/') && !r.contains('\\') && !r.contains(':') && !r.starts_with('.'),
            "non-local reference {r}"
        );
        assert!(dir.join(&r).is_file(), "{r} referenced but not written");
    }
    // The page says the scenarios ran on common random numbers.
    assert!(html.contains("common random numbers"));
    // And what the scenario costs, with the book it was priced by: the
    // observer cluster on Confluent Platform, the AWS platform that runs
    // observers.
    assert!(
        html.contains("Cost (each scenario under the first AWS platform that can run it")
            && html.contains("2.5dc-observers (confluent-platform) $"),
        "{html}"
    );
    let bills: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cost.json")).unwrap()).unwrap();
    assert_eq!(bills[0]["scenario"], "2.5dc-observers");
    assert_eq!(bills[0]["price_book"], "confluent-platform");
}

#[test]
fn scenario_named_script_is_escaped_and_its_files_stay_inside_out() {
    let work = temp_dir("escape");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/broker-crash.ron"),
    )
    .unwrap()
    .edit(
        "name: \"broker-crash\"",
        "name: \"<script>alert(1)</script>/../../x\"",
    )
    .edit(
        "description: \"",
        "description: \"<img src=x onerror=alert(2)> & \\\"quoted\\\" ",
    );
    let file = work.join("evil.ron");
    std::fs::write(&file, text).unwrap();
    let out_dir = work.join("out");
    ok(&kdrsim(&[
        "compare",
        file.to_str().unwrap(),
        "--trials",
        "5",
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(!html.contains("<script"), "unescaped name");
    assert!(!html.contains("<img src=x"), "unescaped description");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quoted&quot;"));
    // Nothing but the scenario file and the report directory in `work`.
    assert_eq!(files(&work), ["evil.ron", "out"]);
    for name in files(&out_dir) {
        assert!(out_dir.join(&name).is_file(), "{name} is not a plain file");
        assert!(!name.contains('<') && !name.contains('>'), "{name}");
    }
    assert_images_parse(&out_dir);
}

#[test]
fn two_compare_runs_write_byte_identical_reports() {
    // The page records its command line (provenance), so both runs are
    // given the same one: the same relative --out, each from its own
    // working directory.
    let a = temp_dir("repro-a");
    let b = temp_dir("repro-b");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/broker-crash.ron");
    for dir in [&a, &b] {
        ok(&kdrsim_in(
            dir,
            &[
                "compare",
                scenario.to_str().unwrap(),
                "--trials",
                "15",
                "--seed",
                "3",
                "--out",
                "report",
            ],
        ));
    }
    let (a, b) = (a.join("report"), b.join("report"));
    assert_eq!(files(&a), files(&b));
    for name in files(&a) {
        assert!(
            std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap(),
            "{name} differs between identical runs"
        );
    }
}

#[test]
fn default_run_prints_the_table_and_writes_kdrsim_report() {
    let cwd = temp_dir("default");
    let started = std::time::Instant::now();
    let out = kdrsim_in(&cwd, &[]);
    ok(&out);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("acked_lost_records"));
    assert!(stdout.contains("kdrsim-report/index.html"), "{stdout}");
    let report = cwd.join("kdrsim-report");
    assert!(report.join("index.html").is_file());
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    for section in [
        "id=\"summary\"",
        "Verdicts",
        "id=\"assumptions\"",
        "id=\"sensitivity\"",
        "id=\"provenance\"",
        "Per year",
    ] {
        assert!(html.contains(section), "{section} missing");
    }
    // Every cell is written beside the page and replays from there.
    let cell = report.join("cell-multi-az--broker.ron");
    assert!(cell.is_file());
    let replay = kdrsim_in(
        &cwd,
        &[
            "replay",
            "kdrsim-report/cell-multi-az--broker.ron",
            "--trial",
            "3",
        ],
    );
    ok(&replay);
}

#[test]
fn replay_draws_the_trial_timeline_as_svg_and_png() {
    let dir = temp_dir("timeline");
    for name in ["t.svg", "t.png"] {
        let path = dir.join(name);
        ok(&kdrsim(&[
            "replay",
            "scenarios/3dc-stretched.ron",
            "--trial",
            "2",
            "--timeline",
            path.to_str().unwrap(),
        ]));
    }
    // A window zooms the time axis; a backwards one is refused before replaying.
    ok(&kdrsim(&[
        "replay",
        "scenarios/3dc-stretched.ron",
        "--trial",
        "2",
        "--timeline",
        dir.join("zoom").join("z.svg").to_str().unwrap(),
        "--window",
        "10..70.5",
    ]));
    let bad = kdrsim(&[
        "replay",
        "scenarios/3dc-stretched.ron",
        "--trial",
        "2",
        "--timeline",
        dir.join("never.svg").to_str().unwrap(),
        "--window",
        "70..10",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("FROM..TO"));
    assert!(!dir.join("never.svg").exists());
    let zoom = std::fs::read_to_string(dir.join("zoom").join("z.svg")).unwrap();
    assert!(roxmltree::Document::parse(&zoom).is_ok());
    std::fs::remove_dir_all(dir.join("zoom")).unwrap();
    assert_images_parse(&dir);
    let svg = std::fs::read_to_string(dir.join("t.svg")).unwrap();
    for lane in [
        "broker 1",
        "controller 101",
        "ISR size",
        "writable partitions (%)",
        "T+ seconds from the first fault",
        "T+0 is the first fault, which hit",
    ] {
        assert!(svg.contains(lane), "lane {lane} missing");
    }
}

#[test]
fn sweep_charts_every_metric_against_min_insync_replicas() {
    let dir = temp_dir("sweep");
    let out = kdrsim(&[
        "sweep",
        "scenarios/broker-crash.ron",
        "--set",
        "topics[0].min_insync_replicas=1,2,3",
        "--trials",
        "8",
        "--out",
        dir.to_str().unwrap(),
    ]);
    ok(&out);
    for f in [
        "index.html",
        "summary.json",
        "trials.csv",
        "sweep.svg",
        "sweep.png",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    assert_images_parse(&dir);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let names: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "broker-crash [topics[0].min_insync_replicas=1]",
            "broker-crash [topics[0].min_insync_replicas=2]",
            "broker-crash [topics[0].min_insync_replicas=3]"
        ]
    );
    // A range of values works the same way.
    ok(&kdrsim(&[
        "sweep",
        "scenarios/3dc-stretched.ron",
        "--set",
        "topology.links[0].rtt_ms=1..5:2",
        "--trials",
        "4",
        "--out",
        dir.join("range").to_str().unwrap(),
    ]));
}

#[test]
fn sweep_with_a_bad_path_or_value_names_it_and_what_is_valid() {
    let dir = temp_dir("sweep-bad");
    let cases: [(&str, &[&str]); 5] = [
        ("topics[0].min_isr=2", &["min_isr", "min_insync_replicas"]),
        ("topics[4].partitions=2", &["index 4", "valid: 0..=0"]),
        (
            "topics[0].partitions=many",
            &["partitions=many", "not a number"],
        ),
        (
            "topics[0].min_insync_replicas=4",
            &["min_insync_replicas", "valid: 1..=3"],
        ),
        ("producers[0].acks=Most", &["acks", "All"]),
    ];
    for (set, needles) in cases {
        let out = kdrsim(&[
            "sweep",
            "scenarios/broker-crash.ron",
            "--set",
            set,
            "--trials",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        for n in needles {
            assert!(stderr.contains(n), "{set}: expected {n} in: {stderr}");
        }
    }
    assert!(files(&dir).is_empty(), "nothing written on bad input");
}

/// A variant of `scenarios/3dc-stretched.ron` written to `dir`, with
/// `from` replaced by `to`.
fn variant(dir: &Path, name: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/3dc-stretched.ron"),
    )
    .unwrap();
    assert!(text.contains(from), "3dc-stretched.ron lacks {from}");
    let text = text
        .edit(from, to)
        .edit("name: \"3dc-stretched\"", &format!("name: \"{name}\""));
    let file = dir.join(format!("{name}.ron"));
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

#[test]
fn compare_of_scenarios_of_different_lengths_exits_2_naming_the_difference() {
    let dir = temp_dir("differ-length");
    let out_dir = dir.join("out");
    let out = kdrsim(&[
        "compare",
        "scenarios/3dc-stretched.ron",
        "scenarios/active-active-mm2.ron",
        "--trials",
        "3",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "scenarios differ in duration_ms: 3dc-stretched 3,600,000 ms; \
             active-active-mm2 7,200,000 ms"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-different"), "{stderr}");
    assert!(!out_dir.exists(), "a refused comparison wrote a report");
}

#[test]
fn compare_of_scenarios_with_another_workload_names_the_workload_only() {
    let dir = temp_dir("differ-load");
    let half = variant(
        &dir,
        "half-load",
        "records_per_sec: 5000.0",
        "records_per_sec: 2500.0",
    );
    let out = kdrsim(&[
        "compare",
        "scenarios/3dc-stretched.ron",
        &half,
        "--trials",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "scenarios differ in workload (producers' rates, record sizes, acks): \
             3dc-stretched 5,000 records/s x 1,024 B acks=All; half-load 2,500 records/s"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("duration_ms") && !stderr.contains("in faults"),
        "{stderr}"
    );
}

#[test]
fn compare_of_topologies_under_the_same_load_and_faults_needs_no_flag() {
    let dir = temp_dir("differ-none");
    let isr1 = variant(
        &dir,
        "min-isr-1",
        "min_insync_replicas: 2",
        "min_insync_replicas: 1",
    );
    let out_dir = dir.join("out");
    ok(&kdrsim(&[
        "compare",
        "scenarios/3dc-stretched.ron",
        &isr1,
        "--trials",
        "3",
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(!html.contains("scenarios differ in"), "{html}");
    assert!(html.contains("the topologies&#39;, not chance&#39;s"));
}

#[test]
fn compare_allowed_to_differ_says_what_differs_at_the_top_of_the_page() {
    let dir = temp_dir("differ-allowed");
    let out = kdrsim(&[
        "compare",
        "scenarios/3dc-stretched.ron",
        "scenarios/active-active-mm2.ron",
        "--allow-different",
        "--trials",
        "3",
        "--out",
        dir.to_str().unwrap(),
    ]);
    ok(&out);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let warning = html
        .find("<li class=\"warning\">scenarios differ in duration_ms: 3dc-stretched 3,600,000 ms")
        .unwrap_or_else(|| panic!("no warning in {html}"));
    let table = html.find("<table").unwrap();
    assert!(warning < table, "the warning is below the table");
    assert!(html.contains("not the topologies&#39; alone"));
    let text = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    assert!(
        text.starts_with("warning: scenarios differ in duration_ms:"),
        "{text}"
    );
    assert!(text.contains("scenarios differ in faults"), "{text}");
}

/// A minimal, tag-aware reading of the report page: elements with their
/// attributes and children, text with the page's entities decoded. Enough
/// to find a table, a section or a list item by what it is, not by where a
/// substring happens to fall.
mod page {
    #[derive(Debug, Clone)]
    pub enum Node {
        Element(Element),
        Text(String),
    }

    #[derive(Debug, Clone)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub children: Vec<Node>,
    }

    const VOID: [&str; 6] = ["meta", "img", "br", "hr", "link", "input"];

    pub fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    fn attrs(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            let end = rest
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(rest.len());
            let name = rest[..end].to_string();
            rest = rest[end..].trim_start();
            if let Some(r) = rest.strip_prefix('=') {
                let r = r.trim_start();
                let q = r.chars().next().unwrap();
                assert!(q == '"' || q == '\'', "unquoted attribute in <{text}>");
                let close = r[1..].find(q).expect("unterminated attribute") + 1;
                out.push((name, unescape(&r[1..close])));
                rest = r[close + 1..].trim_start();
            } else {
                out.push((name, String::new()));
            }
        }
        out
    }

    /// Parses `html`; panics on a closing tag that closes nothing open, so
    /// a page with unbalanced markup fails the test that reads it.
    pub fn parse(html: &str) -> Element {
        let mut stack = vec![Element {
            name: "#document".into(),
            attrs: vec![],
            children: vec![],
        }];
        let mut rest = html;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('<') {
                let end = after.find('>').expect("unterminated tag");
                let tag = &after[..end];
                rest = &after[end + 1..];
                if tag.starts_with('!') {
                    continue;
                }
                if let Some(name) = tag.strip_prefix('/') {
                    let done = stack.pop().unwrap();
                    assert_eq!(done.name, name.trim(), "</{name}> closes <{}>", done.name);
                    stack.last_mut().unwrap().children.push(Node::Element(done));
                    continue;
                }
                let (name, attr_text) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
                let el = Element {
                    name: name.to_string(),
                    attrs: attrs(attr_text),
                    children: vec![],
                };
                if VOID.contains(&name) {
                    stack.last_mut().unwrap().children.push(Node::Element(el));
                } else if name == "style" {
                    // CSS holds no tags; skip to its end.
                    let close = rest.find("</style>").unwrap();
                    rest = &rest[close + "</style>".len()..];
                    stack.last_mut().unwrap().children.push(Node::Element(el));
                } else {
                    stack.push(el);
                }
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = unescape(&rest[..end]);
                rest = &rest[end..];
                stack.last_mut().unwrap().children.push(Node::Text(text));
            }
        }
        assert_eq!(
            stack.len(),
            1,
            "unclosed: {:?}",
            stack.iter().map(|e| &e.name).collect::<Vec<_>>()
        );
        stack.pop().unwrap()
    }

    impl Element {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        pub fn text(&self) -> String {
            let mut s = String::new();
            for c in &self.children {
                match c {
                    Node::Text(t) => s.push_str(t),
                    Node::Element(e) => s.push_str(&e.text()),
                }
            }
            s
        }

        /// Every element below this one (depth first) that `keep` accepts.
        pub fn find_all(&self, keep: &dyn Fn(&Element) -> bool) -> Vec<&Element> {
            let mut out = Vec::new();
            for c in &self.children {
                if let Node::Element(e) = c {
                    if keep(e) {
                        out.push(e);
                    }
                    out.extend(e.find_all(keep));
                }
            }
            out
        }

        pub fn by_id(&self, id: &str) -> &Element {
            self.find_all(&|e| e.attr("id") == Some(id))
                .into_iter()
                .next()
                .unwrap_or_else(|| panic!("no element with id {id}"))
        }

        pub fn named(&self, name: &str) -> Vec<&Element> {
            self.find_all(&|e| e.name == name)
        }
    }
}

/// FNV-1a 64 of `bytes`, written out here so the test does not trust the
/// code it checks.
fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[test]
fn the_report_page_shows_the_summary_the_provenance_and_every_warning_of_summary_json() {
    let dir = temp_dir("review-page");
    let args = [
        "compare",
        "scenarios/3dc-stretched.ron",
        "scenarios/broker-crash.ron",
        "--allow-different",
        "--trials",
        "30",
        "--seed",
        "11",
        "--out",
        dir.to_str().unwrap(),
    ];
    let out = kdrsim(&args);
    ok(&out);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let doc = page::parse(&html);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let names: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["3dc-stretched", "broker-crash"]);

    summary_tables_show(&doc, &names);
    warnings_box_shows(&doc, &html, &json, &out);
    provenance_shows(&doc, &json, &args, &names);
}

/// Both summary tables: one row per scenario after two header rows, the
/// loss table with its tail columns.
fn summary_tables_show(doc: &page::Element, names: &[&str]) {
    // the loss table with its tail columns.
    for id in ["summary-loss", "summary-time"] {
        let table = doc.by_id(id);
        let rows = table.named("tr");
        assert_eq!(rows.len(), 2 + names.len(), "{id}");
        for (row, name) in rows[2..].iter().zip(names) {
            assert_eq!(row.named("td")[0].text(), *name, "{id}");
        }
    }
    let header = doc.by_id("summary-loss").text();
    for col in ["p99.9", "max", "E[x | x>0]", "P(loss)"] {
        assert!(header.contains(col), "{col} missing from {header}");
    }
    // 3dc-stretched loses nothing: its conditional means are a dash.
    let clean = &doc.by_id("summary-loss").named("tr")[2];
    let cells: Vec<String> = clean.named("td").iter().map(|c| c.text()).collect();
    assert_eq!(
        (cells[5].as_str(), cells[10].as_str()),
        ("-", "-"),
        "{cells:?}"
    );
}

/// Every warning of summary.json in the warnings box, as text, before the
/// summary, each one the terminal said too.
fn warnings_box_shows(
    doc: &page::Element,
    html: &str,
    json: &serde_json::Value,
    out: &std::process::Output,
) {
    let warnings: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("scenarios differ in")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("p99 rests on fewer than 10 trials")),
        "{warnings:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for w in &warnings {
        let said = w.split_once(": ").map_or(*w, |(_, rest)| rest);
        assert!(
            stderr.contains(said) || stdout.contains(said),
            "the page warns of something the terminal did not: {w}"
        );
    }
    let boxed: Vec<String> = doc
        .by_id("warnings")
        .find_all(&|e| e.name == "li")
        .iter()
        .map(|li| li.text())
        .collect();
    assert_eq!(boxed, warnings);
    // The box comes before the summary.
    assert!(html.find("id=\"warnings\"").unwrap() < html.find("id=\"summary-loss\"").unwrap());
}

/// The provenance: version, commit, digests, seed, trials, command line,
/// on the page and in summary.json alike.
fn provenance_shows(doc: &page::Element, json: &serde_json::Value, args: &[&str], names: &[&str]) {
    let prov = &json["provenance"];
    let block = doc.by_id("provenance");
    let field = |name: &str| {
        block
            .find_all(&|e| e.attr("data-field") == Some(name))
            .first()
            .unwrap_or_else(|| panic!("no {name} in the provenance"))
            .text()
    };
    assert_eq!(prov["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        field("version"),
        format!("kdrsim {}", env!("CARGO_PKG_VERSION"))
    );
    let commit = prov["commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    assert_eq!(field("commit"), commit);
    assert_eq!(field("seed"), "11");
    assert_eq!(prov["seed"], 11);
    assert_eq!(field("trials"), "30");
    assert_eq!(prov["trials"], 30);
    let argv: Vec<&str> = prov["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(&argv[1..], args);
    assert!(field("command line").contains("compare scenarios/3dc-stretched.ron"));
    assert_eq!(prov["digest_algorithm"], "fnv1a-64");
    let digests = block.text();
    for (i, s) in prov["scenarios"].as_array().unwrap().iter().enumerate() {
        let file = s["file"].as_str().unwrap();
        let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        assert_eq!(s["digest"], fnv1a64(&text), "{file}");
        assert_eq!(s["name"], names[i]);
        assert!(
            digests.contains(&fnv1a64(&text)),
            "{file}'s digest is not on the page"
        );
    }
}

#[test]
fn a_second_report_into_the_same_out_leaves_none_of_the_first_runs_files() {
    let dir = temp_dir("stale");
    let run = |files: &[&str], extra: &[&str]| {
        let mut args = vec!["compare"];
        args.extend_from_slice(files);
        args.extend_from_slice(&["--allow-different", "--trials", "5", "--out"]);
        args.push(dir.to_str().unwrap());
        args.extend_from_slice(extra);
        ok(&kdrsim(&args));
    };
    run(
        &["scenarios/3dc-stretched.ron", "scenarios/broker-crash.ron"],
        &[],
    );
    assert!(files(&dir)
        .iter()
        .any(|f| f.starts_with("timeline-1-broker-crash")));
    std::fs::write(dir.join("my-notes.txt"), "mine").unwrap();
    run(&["scenarios/3dc-stretched.ron"], &["--timeline-by", "rto"]);
    let names = files(&dir);
    assert!(
        !names.iter().any(|f| f.contains("-1-")),
        "the first run's second scenario is still there: {names:?}"
    );
    assert!(names.contains(&"my-notes.txt".to_string()), "{names:?}");
    assert!(names.contains(&"timeline-0-3dc-stretched.svg".to_string()));
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        !html.contains("broker-crash"),
        "the page still names the old scenario"
    );
    // The worst trial for the longest write outage, or (when every trial
    // ties on it, as they do when the producer's request timeout bounds
    // the outage) the first, saying so.
    assert!(
        html.contains("The trial shown is the worst trial for longest write outage")
            || html.contains("every trial tied on longest write outage"),
        "--timeline-by rto is not said on the page"
    );
}

//! The layers point one way (`src → output → models → sim`), and so do the
//! modules inside each crate: no module reaches, through `crate::` paths,
//! one that reaches back. A cycle means two rooms that cannot be read (or
//! changed) apart. Granularity: the crate's top-level modules (a file in
//! its `src/`, or a directory with everything under it); test modules and
//! comments do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with the top-level module it belongs to.
fn files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(d) = stack.pop() {
                for f in std::fs::read_dir(&d).unwrap() {
                    let f = f.unwrap().path();
                    if f.is_dir() {
                        stack.push(f);
                    } else if f.extension().is_some_and(|x| x == "rs") {
                        out.push((name.clone(), f));
                    }
                }
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((name, p));
        }
    }
    out
}

/// The code of `text` before its test module, without `//` comments.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules named by `crate::NAME` or `use crate::{NAME, ...}`.
fn referenced(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(list) => list[..list.find('}').unwrap_or(0)].split(',').collect(),
            None => vec![rest],
        };
        for n in names {
            let n: String = n
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&n) {
                out.insert(n);
            }
        }
    }
    out
}

/// The module graph of the crate whose sources are in `dir`.
fn graph(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let all = files(dir);
    let modules: BTreeSet<String> = all.iter().map(|(m, _)| m.clone()).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, path) in &all {
        let text = std::fs::read_to_string(path).unwrap();
        let refs = referenced(&code(&text), &modules);
        let edges = g.entry(m.clone()).or_default();
        edges.extend(refs.into_iter().filter(|r| r != m));
    }
    // The crate roots hold `mod` lines and re-exports, not a room.
    for root in ["lib", "main"] {
        g.remove(root);
    }
    g
}

/// Every pair of modules that reach each other, as `a -> ... -> b -> ... -> a`.
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(n) = stack.pop() {
            for m in g.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let mut out = Vec::new();
    for a in g.keys() {
        for b in reach(a) {
            if a < &b && reach(&b).contains(a) {
                out.push(format!("{a} <-> {b}"));
            }
        }
    }
    out
}

fn crate_cycles(dir: &str) -> Vec<String> {
    cycles(&graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)))
}

#[test]
fn no_module_of_src_models_output_or_sim_reaches_one_that_reaches_back() {
    for dir in ["src", "sim/src", "models/src", "output/src"] {
        let found = crate_cycles(dir);
        assert!(
            found.is_empty(),
            "{dir}: import cycles: {}",
            found.join(", ")
        );
    }
}

/// The checker itself: a cycle through a third module is found, a use
/// inside a comment or a test module is not.
#[test]
fn the_checker_finds_a_cycle_of_three_and_ignores_comments_and_tests() {
    let modules: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let text = "use crate::{b, x};\n// crate::c\n#[cfg(test)]\nmod tests { use crate::c; }\n";
    assert_eq!(
        referenced(&code(text), &modules),
        ["b".to_string()].into_iter().collect()
    );
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), ["b".to_string()].into_iter().collect());
    g.insert("b".to_string(), ["c".to_string()].into_iter().collect());
    g.insert("c".to_string(), ["a".to_string()].into_iter().collect());
    assert_eq!(cycles(&g).len(), 3);
    g.get_mut("c").unwrap().clear();
    assert!(cycles(&g).is_empty());
}

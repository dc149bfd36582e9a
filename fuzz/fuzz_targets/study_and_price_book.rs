//! libFuzzer target: any bytes, as a study file (resolved beside the
//! default study, so its `File(...)` topologies are found) and as a price
//! book (loaded over the aws-msk book). Must never panic. Seed the corpus
//! with `scenarios/study/`, `tests/study/` and `tests/cost-scenarios/`
//! (docs/robustness.md).
#![no_main]

use kdrsim::output::cost::{Platform, PriceBook};
use kdrsim::{study, Source};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/study/fuzz.ron");
    let src = Source {
        file: file.to_string(),
        text: text.clone(),
    };
    if let Err(e) = study::resolve(&src, false, Path::new("out")) {
        let _ = e.render(&text);
    }
    let _ = PriceBook::load(Platform::AwsMsk, "book.ron", &text);
});

//! libFuzzer target: any bytes, as a scenario file, through the loader, the
//! validator, the error snippet renderer and `explain`. Must never panic.
//! Seed the corpus with `scenarios/` and `tests/bad-scenarios/`
//! (docs/robustness.md).
#![no_main]

use kdrsim::models::explain::explain;
use kdrsim::{load_source, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let src = Source {
        file: "fuzz.ron".into(),
        text,
    };
    match load_source(&src) {
        Ok(model) => {
            let _ = explain(&model).render();
        }
        Err(e) => {
            let _ = e.render(&src.text);
        }
    }
});

//! Ctrl-C during `kdrsim run`: stop starting trials, report the ones that
//! finished, marked partial.
//!
//! The hook is deliberately small so it can be carried over to another
//! runner: one process-wide flag, set by the SIGINT handler and read by
//! [`kdrsim::run_batch_cancellable`] between trials; the command then
//! renders whatever trials completed and marks the report with
//! [`mark_json`] / [`mark_table`]. A second Ctrl-C exits at once (code 130),
//! for a user who does not want to wait for the running trials.

use std::sync::atomic::{AtomicBool, Ordering};

static CANCELLED: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once; later calls do nothing) and returns the flag.
pub fn install() -> &'static AtomicBool {
    // Err means a handler is already installed (a second `run` in the same
    // process): the flag it sets is this one, so that is fine.
    let _ = ctrlc::set_handler(|| {
        if CANCELLED.swap(true, Ordering::SeqCst) {
            // `exit` runs no destructors: remove the temporary files of
            // the outputs being written first.
            crate::files::remove_open_temps();
            std::process::exit(130);
        }
    });
    &CANCELLED
}

/// Marks a JSON report partial: `"partial": true` and the trial counts are
/// added as the first keys of the top-level object, so the rest of the shape
/// (the contract of `kdrsim_output::format_json`) is unchanged.
pub fn mark_json(json: &str, completed: u64, requested: u64) -> String {
    let fields = format!(
        "\n  \"partial\": true,\n  \"trials_completed\": {completed},\n  \"trials_requested\": {requested},"
    );
    match json.strip_prefix('{') {
        Some(rest) => format!("{{{fields}{rest}"),
        None => json.to_string(),
    }
}

/// Puts a note above a table report saying it is partial.
pub fn mark_table(table: &str, completed: u64, requested: u64) -> String {
    format!(
        "PARTIAL RESULTS: interrupted after {completed} of {}; the statistics below cover only the trials that completed.\n\n{table}",
        kdrsim_output::units::count(requested, "trial")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_json_report_is_still_json_with_the_marker_first() {
        let json = "{\n  \"scenarios\": []\n}\n";
        let marked = mark_json(json, 3, 10);
        let v: serde_json::Value = serde_json::from_str(&marked).unwrap();
        assert_eq!(v["partial"], true);
        assert_eq!(v["trials_completed"], 3);
        assert!(v["scenarios"].is_array());
    }
}

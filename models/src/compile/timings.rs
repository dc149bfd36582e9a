//! The cluster timings section: the `cluster` settings as integer
//! durations.

use super::{positive_ms, Checker, Timings};
use crate::error::ScenarioError;
use crate::scenario::ClusterConfig;
use kdrsim_sim::SimDuration;

/// Resolves the timings of `cl`, each one > 0 ms, and checks the broker
/// heartbeat against the session timeout.
pub(super) fn resolve(c: &Checker, cl: &ClusterConfig) -> Result<Timings, ScenarioError> {
    let timings = Timings {
        replica_lag_time_max: positive_ms(
            c,
            "cluster.replica_lag_time_max_ms",
            cl.replica_lag_time_max_ms,
        )?,
        broker_session_timeout: positive_ms(
            c,
            "cluster.broker_session_timeout_ms",
            cl.broker_session_timeout_ms,
        )?,
        broker_heartbeat_interval: positive_ms(
            c,
            "cluster.broker_heartbeat_interval_ms",
            cl.broker_heartbeat_interval_ms,
        )?,
        election_timeout: positive_ms(
            c,
            "cluster.controller_quorum_election_timeout_ms",
            cl.controller_quorum_election_timeout_ms,
        )?,
        fetch_timeout: positive_ms(
            c,
            "cluster.controller_quorum_fetch_timeout_ms",
            cl.controller_quorum_fetch_timeout_ms,
        )?,
        quorum_request_timeout: positive_ms(
            c,
            "cluster.controller_quorum_request_timeout_ms",
            cl.controller_quorum_request_timeout_ms,
        )?,
        unflushed_window: unflushed_window(c, cl)?,
    };
    if timings.broker_heartbeat_interval >= timings.broker_session_timeout {
        return Err(c.err(
            "cluster.broker_heartbeat_interval_ms",
            "",
            format!(
                "{} ms must be smaller than broker_session_timeout_ms ({} ms)",
                cl.broker_heartbeat_interval_ms, cl.broker_session_timeout_ms
            ),
        ));
    }
    Ok(timings)
}

/// How far back a power loss reaches: min(os dirty expiry, flush.ms).
fn unflushed_window(c: &Checker, cl: &ClusterConfig) -> Result<SimDuration, ScenarioError> {
    let os = positive_ms(c, "cluster.os_dirty_expire_ms", cl.os_dirty_expire_ms)?;
    Ok(match cl.flush_ms {
        Some(f) => os.min(positive_ms(c, "cluster.flush_ms", f)?),
        None => os,
    })
}

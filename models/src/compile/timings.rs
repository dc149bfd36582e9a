//! The cluster timings section: the `cluster` settings as integer
//! durations.

use super::{positive_ms, Checker, Timings};
use crate::scenario::ClusterConfig;
use kdrsim_sim::SimDuration;

/// Resolves the timings of `cl`, each one > 0 ms, and checks the broker
/// heartbeat against the session timeout. Every rule broken is reported
/// (a broken setting reads as 1 ms after that).
pub(super) fn resolve(c: &Checker, cl: &ClusterConfig) -> Timings {
    let ms = |field: &str, v: u64| {
        c.keep(positive_ms(c, field, v))
            .unwrap_or(SimDuration::from_ms(1))
    };
    let timings = Timings {
        replica_lag_time_max: ms(
            "cluster.replica_lag_time_max_ms",
            cl.replica_lag_time_max_ms,
        ),
        broker_session_timeout: ms(
            "cluster.broker_session_timeout_ms",
            cl.broker_session_timeout_ms,
        ),
        broker_heartbeat_interval: ms(
            "cluster.broker_heartbeat_interval_ms",
            cl.broker_heartbeat_interval_ms,
        ),
        election_timeout: ms(
            "cluster.controller_quorum_election_timeout_ms",
            cl.controller_quorum_election_timeout_ms,
        ),
        fetch_timeout: ms(
            "cluster.controller_quorum_fetch_timeout_ms",
            cl.controller_quorum_fetch_timeout_ms,
        ),
        quorum_request_timeout: ms(
            "cluster.controller_quorum_request_timeout_ms",
            cl.controller_quorum_request_timeout_ms,
        ),
        unflushed_window: unflushed_window(&ms, cl),
    };
    let valid = |v: u64| v > 0 && v <= super::MAX_SETTING_MS;
    if valid(cl.broker_session_timeout_ms)
        && valid(cl.broker_heartbeat_interval_ms)
        && timings.broker_heartbeat_interval >= timings.broker_session_timeout
    {
        c.report(c.err(
            "cluster.broker_heartbeat_interval_ms",
            "",
            format!(
                "{} ms must be smaller than broker_session_timeout_ms ({} ms)",
                cl.broker_heartbeat_interval_ms, cl.broker_session_timeout_ms
            ),
        ));
    }
    timings
}

/// How far back a power loss reaches: min(os dirty expiry, flush.ms).
fn unflushed_window(ms: &dyn Fn(&str, u64) -> SimDuration, cl: &ClusterConfig) -> SimDuration {
    let os = ms("cluster.os_dirty_expire_ms", cl.os_dirty_expire_ms);
    match cl.flush_ms {
        Some(f) => os.min(ms("cluster.flush_ms", f)),
        None => os,
    }
}

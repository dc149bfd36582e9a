//! The resolved description of several clusters joined by asynchronous
//! mirrors (MirrorMaker 2, Cluster Linking, MSK Replicator) and the
//! active-passive runbook. The world (`crate::world`) runs them replica by
//! replica: mirrors in `world/mirrors.rs`, the runbook in
//! `world/runbook.rs`.

pub mod spec;

//! Several Kafka clusters joined by asynchronous mirrors (MirrorMaker 2,
//! Cluster Linking, MSK Replicator), with the active-passive runbook.
//! See `world.rs` for the model and `docs/model.md` for what it abstracts.

pub mod spec;
pub mod world;
